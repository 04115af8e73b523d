//! PDF documents for candidates: the certificate and the score report.
//!
//! Rendering is pure (data in, bytes out) and CPU-bound, so callers run it on the blocking
//! pool. This module also holds the small page-drawing layer both documents share.

mod certificate;
mod fonts;
mod score_report;

pub use certificate::{CertificateDocument, render_certificate};
pub use score_report::{AreaBar, ScoreReportDocument, render_score_report};

use std::collections::BTreeSet;

use anyhow::{bail, ensure};
use printpdf::{
    Color, FontId, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFont, PdfFontHandle, PdfPage,
    PdfParseErrorSeverity, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rect, Rgb, TextItem,
    WindingOrder,
};

use fonts::Face;

#[derive(Clone, Copy, Debug)]
struct Colour(f32, f32, f32);

impl Colour {
    const BLACK: Colour = Colour(0.0, 0.0, 0.0);
    const WHITE: Colour = Colour(1.0, 1.0, 1.0);
    const GREY: Colour = Colour(0.4, 0.4, 0.4);
    const NAVY: Colour = Colour(0.09, 0.2, 0.4);

    fn pdf(self) -> Color {
        Color::Rgb(Rgb::new(self.0, self.1, self.2, None))
    }
}

#[derive(Clone, Copy, Debug)]
struct Style {
    face: Face,
    size_pt: f32,
    colour: Colour,
}

impl Style {
    fn new(face: Face, size_pt: f32, colour: Colour) -> Self {
        Self {
            face,
            size_pt,
            colour,
        }
    }

    fn width_mm(self, text: &str) -> anyhow::Result<f32> {
        let pt = fonts::text_width(fonts::parsed(self.face)?, text, self.size_pt);
        Ok(pt * 25.4 / 72.0)
    }

    /// The same style, shrunk (never grown) so that `text` fits in `max_mm`.
    fn fit(self, text: &str, max_mm: f32) -> anyhow::Result<Self> {
        let width = self.width_mm(text)?;
        let size_pt = if width > max_mm {
            self.size_pt * max_mm / width
        } else {
            self.size_pt
        };
        Ok(Self { size_pt, ..self })
    }
}

#[derive(Clone, Copy, Debug)]
enum Align {
    Left,
    Centre,
    Right,
}

/// One page being drawn, in millimetres from the bottom-left corner.
struct Canvas {
    width: f32,
    height: f32,
    ops: Vec<Op>,
    used: [BTreeSet<char>; 2],
}

impl Canvas {
    fn new(width: f32, height: f32) -> Self {
        Self {
            width,
            height,
            ops: Vec::new(),
            used: Default::default(),
        }
    }

    /// Draws one line of text with its baseline at `y`; `x` is where `align` anchors it.
    fn text(
        &mut self,
        style: Style,
        x: f32,
        y: f32,
        align: Align,
        text: &str,
    ) -> anyhow::Result<()> {
        let x = match align {
            Align::Left => x,
            Align::Centre => x - style.width_mm(text)? / 2.0,
            Align::Right => x - style.width_mm(text)?,
        };
        self.used[style.face.index()].extend(text.chars());
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFillColor {
                col: style.colour.pdf(),
            },
            Op::SetFont {
                font: PdfFontHandle::External(font_id(style.face)),
                size: Pt(style.size_pt),
            },
            Op::SetTextCursor {
                pos: Point::new(Mm(x), Mm(y)),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]);
        Ok(())
    }

    /// Fills all rectangles `(x, y, width, height)` as one path, so touching ones show no seams.
    fn fill_rects(
        &mut self,
        colour: Colour,
        rects: impl IntoIterator<Item = (f32, f32, f32, f32)>,
    ) {
        let rings: Vec<PolygonRing> = rects
            .into_iter()
            .map(|(x, y, w, h)| {
                let corner = |dx: f32, dy: f32| LinePoint {
                    p: Point::new(Mm(x + dx), Mm(y + dy)),
                    bezier: false,
                };
                PolygonRing {
                    points: vec![
                        corner(0.0, 0.0),
                        corner(w, 0.0),
                        corner(w, h),
                        corner(0.0, h),
                    ],
                }
            })
            .collect();
        if rings.is_empty() {
            return;
        }
        self.ops.extend([
            Op::SetFillColor { col: colour.pdf() },
            Op::DrawPolygon {
                polygon: Polygon {
                    rings,
                    mode: PaintMode::Fill,
                    winding_order: WindingOrder::NonZero,
                },
            },
        ]);
    }

    fn fill_rect(&mut self, colour: Colour, x: f32, y: f32, w: f32, h: f32) {
        self.ops.extend([
            Op::SetFillColor { col: colour.pdf() },
            Op::DrawRectangle {
                rectangle: rect(x, y, w, h, PaintMode::Fill),
            },
        ]);
    }

    fn stroke_rect(&mut self, colour: Colour, line_pt: f32, x: f32, y: f32, w: f32, h: f32) {
        self.ops.extend([
            Op::SetOutlineColor { col: colour.pdf() },
            Op::SetOutlineThickness { pt: Pt(line_pt) },
            Op::DrawRectangle {
                rectangle: rect(x, y, w, h, PaintMode::Stroke),
            },
        ]);
    }

    /// Embeds the fonts (subset to the characters drawn) and serialises the page.
    fn finish(self, title: &str, author: &str) -> anyhow::Result<Vec<u8>> {
        let mut doc = PdfDocument::new(title);
        doc.metadata.info.author = author.to_owned();
        doc.metadata.info.creator = "Invigilator".to_owned();
        for face in Face::ALL {
            let used = &self.used[face.index()];
            if !used.is_empty() {
                let font = fonts::subset_for(face, used)?;
                doc.resources
                    .fonts
                    .map
                    .insert(font_id(face), PdfFont::new(font));
            }
        }
        let page = PdfPage::new(Mm(self.width), Mm(self.height), self.ops);
        // Without printpdf's `text_layout` feature this flag does nothing (hence
        // `fonts::subset_for`); it is set so the intent survives a change of features.
        let options = PdfSaveOptions {
            subset_fonts: true,
            ..PdfSaveOptions::default()
        };
        let mut warnings = Vec::new();
        let bytes = doc.with_pages(vec![page]).save(&options, &mut warnings);
        if let Some(error) = warnings
            .iter()
            .find(|w| w.severity == PdfParseErrorSeverity::Error)
        {
            bail!("printpdf could not write the document: {}", error.msg);
        }
        ensure!(bytes.starts_with(b"%PDF"), "printpdf wrote no PDF");
        Ok(bytes)
    }
}

/// Fixed resource names: one per face, readable when inspecting a PDF.
fn font_id(face: Face) -> FontId {
    FontId(
        match face {
            Face::Regular => "DejaVuSans",
            Face::Bold => "DejaVuSansBold",
        }
        .to_owned(),
    )
}

fn rect(x: f32, y: f32, w: f32, h: f32, mode: PaintMode) -> Rect {
    Rect {
        mode: Some(mode),
        ..Rect::from_xywh(Mm(x).into(), Mm(y).into(), Mm(w).into(), Mm(h).into())
    }
}

/// "21 November 2026": unambiguous in every country the certificate may be shown in.
fn long_date(date: time::Date) -> anyhow::Result<String> {
    let format = time::macros::format_description!("[day padding:none] [month repr:long] [year]");
    Ok(date.format(&format)?)
}

#[cfg(test)]
mod test_support {
    //! Checks shared by the document tests, using poppler, qpdf and zbar when installed.

    use std::path::PathBuf;
    use std::process::Command;

    pub const NAMES: [&str; 3] = [
        "Σωκράτης Παπαδόπουλος",
        "Jan Łukasiewicz-Wójcik",
        "Пётр Ильич Чайковский",
    ];

    /// Whether `tool` is on PATH. A missing tool skips its check with a note, unless
    /// `TEST_REQUIRE_TOOLS=1` (as in CI), where it fails the test.
    pub fn have(tool: &str) -> bool {
        let found = std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()));
        if !found {
            assert!(
                std::env::var("TEST_REQUIRE_TOOLS").as_deref() != Ok("1"),
                "{tool} is required (TEST_REQUIRE_TOOLS=1) but not installed"
            );
            eprintln!("note: {tool} is not installed; skipping that check");
        }
        found
    }

    /// Writes `pdf` into a fresh temporary directory, which lives as long as the guard.
    pub fn write_temp(pdf: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::Builder::new()
            .prefix("invigilator-pdf-")
            .tempdir_in(std::env::temp_dir())
            .expect("a temporary directory");
        let path = dir.path().join("document.pdf");
        std::fs::write(&path, pdf).expect("the PDF written");
        (dir, path)
    }

    /// Prints the first (font-parsing) and the mean later render time of `render`. Run with
    /// `cargo test --release --lib pdf -- --ignored --nocapture`.
    pub fn time_renders(what: &str, render: impl Fn() -> Vec<u8>) {
        let start = std::time::Instant::now();
        let size = render().len();
        let first = start.elapsed();
        let runs: u32 = 100;
        let start = std::time::Instant::now();
        for _ in 0..runs {
            std::hint::black_box(render());
        }
        let mean = start.elapsed() / runs;
        println!("{what}: {size} bytes; first render {first:?}, then {mean:?} each");
    }

    /// Runs a checker and returns its standard output, failing the test if it fails.
    pub fn run(command: &mut Command) -> String {
        let output = command.output().expect("the checker runs");
        assert!(
            output.status.success(),
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8 output")
    }

    /// Size, structure (qpdf) and extractable text (pdftotext); returns the text if checked.
    pub fn check_pdf(pdf: &[u8], expected: &[&str]) -> Option<String> {
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() < 100_000, "PDF is {} bytes", pdf.len());
        let (_dir, path) = write_temp(pdf);
        if have("qpdf") {
            run(Command::new("qpdf").arg("--check").arg(&path));
        }
        if !have("pdftotext") {
            return None;
        }
        let text = run(Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&path)
            .arg("-"));
        for wanted in expected {
            assert!(text.contains(wanted), "{wanted:?} not found in:\n{text}");
        }
        Some(text)
    }
}
