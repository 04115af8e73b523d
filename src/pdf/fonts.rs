//! The embedded DejaVu Sans faces: glyph lookup, text measuring, and a per-document subset.
//!
//! printpdf only subsets fonts with its `text_layout` feature, which `default-features = false`
//! leaves out; without it every PDF would carry the whole 740 KB face. So we subset here:
//! the outlines of glyphs a document does not use are emptied, and glyph ids stay as they are,
//! so printpdf's own character-to-glyph mapping, widths and `/ToUnicode` remain valid.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use anyhow::{Context, anyhow, bail, ensure};
use printpdf::ParsedFont;

const REGULAR_TTF: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/DejaVuSans.ttf"
));
const BOLD_TTF: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/DejaVuSans-Bold.ttf"
));

/// The two faces a document can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
}

impl Face {
    pub const ALL: [Face; 2] = [Face::Regular, Face::Bold];

    pub fn index(self) -> usize {
        self as usize
    }

    fn ttf(self) -> &'static [u8] {
        match self {
            Face::Regular => REGULAR_TTF,
            Face::Bold => BOLD_TTF,
        }
    }

    /// The PDF `/BaseFont` name; the fixed `XXXXXX+` tag marks a subset font program.
    fn base_font(self) -> &'static str {
        match self {
            Face::Regular => "INVGSR+DejaVuSans",
            Face::Bold => "INVGSB+DejaVuSans-Bold",
        }
    }
}

/// Parsing reads the whole cmap and hmtx, so it is done once per process.
static PARSED: LazyLock<Result<[ParsedFont; 2], String>> = LazyLock::new(|| {
    let parse = |face: Face| {
        ParsedFont::from_bytes(face.ttf(), 0, &mut Vec::new())
            .ok_or_else(|| format!("the embedded {face:?} font does not parse"))
    };
    Ok([parse(Face::Regular)?, parse(Face::Bold)?])
});

pub fn parsed(face: Face) -> anyhow::Result<&'static ParsedFont> {
    match &*PARSED {
        Ok(fonts) => Ok(&fonts[face.index()]),
        Err(e) => Err(anyhow!("{e}")),
    }
}

/// Width of `text` in points at `size` points, as printpdf will lay it out (no kerning).
pub fn text_width(font: &ParsedFont, text: &str, size: f32) -> f32 {
    let units: u32 = text
        .chars()
        .map(|c| {
            let gid = font.lookup_glyph_index(u32::from(c)).unwrap_or(0);
            u32::from(font.get_glyph_width(gid).unwrap_or(0))
        })
        .sum();
    units as f32 * size / f32::from(font.units_per_em.max(1))
}

/// A copy of `face` whose embedded program only has outlines for the characters in `used`.
pub fn subset_for(face: Face, used: &BTreeSet<char>) -> anyhow::Result<ParsedFont> {
    let full = parsed(face)?;
    let mut glyphs: BTreeSet<u16> = used
        .iter()
        .filter_map(|c| full.lookup_glyph_index(u32::from(*c)))
        .collect();
    glyphs.insert(0);
    let mut font = full.clone();
    font.original_bytes =
        subset_ttf(face.ttf(), glyphs).with_context(|| format!("subsetting the {face:?} font"))?;
    font.font_name = Some(face.base_font().to_owned());
    Ok(font)
}

/// Tables a PDF TrueType font program needs (ISO 32000-1, 9.9), plus OS/2 for its metrics.
/// `cmap` is left out: a CIDFontType2 with `/CIDToGIDMap /Identity` addresses glyphs by id.
/// Sorted by tag, as the table directory must be.
const KEPT_TABLES: [&[u8; 4]; 10] = [
    b"OS/2", b"cvt ", b"fpgm", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"prep",
];

/// Rebuilds a TrueType font with empty outlines for every glyph outside `keep`
/// (and the components of composite glyphs in it), keeping all glyph ids.
fn subset_ttf(ttf: &[u8], mut keep: BTreeSet<u16>) -> anyhow::Result<Vec<u8>> {
    let tables = read_directory(ttf)?;
    let table = |tag: &[u8; 4]| {
        tables
            .iter()
            .find(|(t, _)| t == tag)
            .map(|(_, data)| *data)
            .ok_or_else(|| anyhow!("missing table {}", String::from_utf8_lossy(tag)))
    };
    let head = table(b"head")?;
    let num_glyphs = u16_at(table(b"maxp")?, 4)?;
    let long_loca = u16_at(head, 50)? == 1;
    let (loca, glyf) = (table(b"loca")?, table(b"glyf")?);
    let glyph = |gid: u16| -> anyhow::Result<&[u8]> {
        let at = |i: usize| -> anyhow::Result<usize> {
            Ok(if long_loca {
                u32_at(loca, 4 * i)? as usize
            } else {
                2 * usize::from(u16_at(loca, 2 * i)?)
            })
        };
        let (start, end) = (at(usize::from(gid))?, at(usize::from(gid) + 1)?);
        glyf.get(start..end)
            .ok_or_else(|| anyhow!("glyph {gid} lies outside glyf"))
    };

    let mut pending: Vec<u16> = keep.iter().copied().collect();
    while let Some(gid) = pending.pop() {
        ensure!(gid < num_glyphs, "glyph {gid} out of range");
        for component in composite_components(glyph(gid)?)? {
            if keep.insert(component) {
                pending.push(component);
            }
        }
    }

    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity(4 * (usize::from(num_glyphs) + 1));
    for gid in 0..num_glyphs {
        new_loca.extend_from_slice(&u32::try_from(new_glyf.len())?.to_be_bytes());
        if keep.contains(&gid) {
            new_glyf.extend_from_slice(glyph(gid)?);
            new_glyf.resize(new_glyf.len().next_multiple_of(4), 0);
        }
    }
    new_loca.extend_from_slice(&u32::try_from(new_glyf.len())?.to_be_bytes());

    let mut new_head = head.to_vec();
    ensure!(new_head.len() >= 54, "head table too short");
    new_head[8..12].fill(0);
    new_head[50..52].copy_from_slice(&1u16.to_be_bytes());

    let mut new_hmtx = blank_unused_metrics(table(b"hmtx")?, u16_at(table(b"hhea")?, 34)?, &keep);

    let mut out_tables = Vec::with_capacity(KEPT_TABLES.len());
    for tag in KEPT_TABLES {
        let data = match tag {
            b"head" => std::mem::take(&mut new_head),
            b"hmtx" => std::mem::take(&mut new_hmtx),
            b"loca" => std::mem::take(&mut new_loca),
            b"glyf" => std::mem::take(&mut new_glyf),
            _ => match tables.iter().find(|(t, _)| t == tag) {
                Some((_, data)) => data.to_vec(),
                None => continue,
            },
        };
        out_tables.push((*tag, data));
    }
    write_sfnt(&out_tables)
}

/// Zeroes the metrics of glyphs outside `keep` so they compress away; PDF readers take
/// advances from the `/W` array, which printpdf builds from the full font.
fn blank_unused_metrics(hmtx: &[u8], long_metrics: u16, keep: &BTreeSet<u16>) -> Vec<u8> {
    let mut out = hmtx.to_vec();
    let long_end = 4 * usize::from(long_metrics);
    for (gid, bytes) in out
        .get_mut(..long_end)
        .unwrap_or_default()
        .chunks_mut(4)
        .enumerate()
    {
        if !keep.contains(&(gid as u16)) {
            bytes.fill(0);
        }
    }
    let short = out.get_mut(long_end..).unwrap_or_default().chunks_mut(2);
    for (gid, bytes) in (usize::from(long_metrics)..).zip(short) {
        if !keep.contains(&(gid as u16)) {
            bytes.fill(0);
        }
    }
    out
}

fn read_directory(ttf: &[u8]) -> anyhow::Result<Vec<([u8; 4], &[u8])>> {
    let count = u16_at(ttf, 4)?;
    (0..usize::from(count))
        .map(|i| {
            let record = 12 + 16 * i;
            let tag: [u8; 4] = ttf
                .get(record..record + 4)
                .and_then(|t| t.try_into().ok())
                .ok_or_else(|| anyhow!("truncated table directory"))?;
            let (offset, length) = (u32_at(ttf, record + 8)?, u32_at(ttf, record + 12)?);
            let data = ttf
                .get(offset as usize..(offset as usize).saturating_add(length as usize))
                .ok_or_else(|| anyhow!("table outside the font file"))?;
            Ok((tag, data))
        })
        .collect()
}

/// The glyph ids a composite glyph is built from (none for a simple or empty glyph).
fn composite_components(glyph: &[u8]) -> anyhow::Result<Vec<u16>> {
    const ARGS_ARE_WORDS: u16 = 0x0001;
    const HAVE_SCALE: u16 = 0x0008;
    const MORE_COMPONENTS: u16 = 0x0020;
    const HAVE_XY_SCALE: u16 = 0x0040;
    const HAVE_2X2: u16 = 0x0080;
    if glyph.is_empty() || (u16_at(glyph, 0)? as i16) >= 0 {
        return Ok(Vec::new());
    }
    let mut components = Vec::new();
    let mut at = 10;
    loop {
        let flags = u16_at(glyph, at)?;
        components.push(u16_at(glyph, at + 2)?);
        at += 4 + if flags & ARGS_ARE_WORDS != 0 { 4 } else { 2 };
        at += if flags & HAVE_SCALE != 0 {
            2
        } else if flags & HAVE_XY_SCALE != 0 {
            4
        } else if flags & HAVE_2X2 != 0 {
            8
        } else {
            0
        };
        if flags & MORE_COMPONENTS == 0 {
            return Ok(components);
        }
    }
}

/// Serialises tables (in tag order) with a table directory and checksums.
fn write_sfnt(tables: &[([u8; 4], Vec<u8>)]) -> anyhow::Result<Vec<u8>> {
    let count = u16::try_from(tables.len())?;
    if count == 0 {
        bail!("no tables to write");
    }
    let entry_selector = 15 - count.leading_zeros() as u16;
    let search_range = 16u16 << entry_selector;
    let mut out = 0x0001_0000u32.to_be_bytes().to_vec();
    let range_shift = count * 16 - search_range;
    for word in [count, search_range, entry_selector, range_shift] {
        out.extend_from_slice(&word.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&u32::try_from(offset)?.to_be_bytes());
        out.extend_from_slice(&u32::try_from(data.len())?.to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        offset += data.len().next_multiple_of(4);
    }
    for (_, data) in tables {
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    let head_at = head_at.ok_or_else(|| anyhow!("no head table"))?;
    let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
    out[head_at + 8..head_at + 12].copy_from_slice(&adjustment.to_be_bytes());
    Ok(out)
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

fn u16_at(data: &[u8], at: usize) -> anyhow::Result<u16> {
    data.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(|| anyhow!("font data truncated at byte {at}"))
}

fn u32_at(data: &[u8], at: usize) -> anyhow::Result<u32> {
    data.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| anyhow!("font data truncated at byte {at}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subset_keeps_used_glyphs_and_drops_the_rest() {
        let used: BTreeSet<char> = "Łukasiewicz Пётр Σωκράτης".chars().collect();
        let font = subset_for(Face::Regular, &used).expect("subset");
        assert!(font.original_bytes.len() < REGULAR_TTF.len() / 5);
        assert_eq!(checksum(&font.original_bytes), 0xB1B0_AFBA);
        let reparsed = ParsedFont::from_bytes(&font.original_bytes, 0, &mut Vec::new())
            .expect("the subset parses");
        let width_in = |f: &ParsedFont, c: char| {
            let gid = font.lookup_glyph_index(u32::from(c)).expect("glyph");
            f.get_glyph_width(gid).expect("width")
        };
        for c in used {
            assert_eq!(width_in(&reparsed, c), width_in(&font, c), "{c}");
        }
        assert_eq!(width_in(&reparsed, 'Q'), 0);
    }

    #[test]
    fn text_width_grows_with_size_and_length() {
        let font = parsed(Face::Regular).expect("font");
        let w = text_width(font, "Wójcik", 10.0);
        assert!(w > 20.0 && w < 40.0, "{w}");
        assert!((text_width(font, "Wójcik", 20.0) - 2.0 * w).abs() < 0.01);
    }
}
