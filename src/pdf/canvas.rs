//! The small page-drawing layer both documents share: styles, text placement,
//! rectangles, and saving the document with its embedded, subset font.

use std::collections::BTreeSet;

use anyhow::{bail, ensure};
use printpdf::{
    Color, FontId, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFont, PdfFontHandle, PdfPage,
    PdfParseErrorSeverity, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rect, Rgb, TextItem,
    WindingOrder,
};

use super::fonts::{self, Face};

#[derive(Clone, Copy, Debug)]
pub(super) struct Colour(pub(super) f32, pub(super) f32, pub(super) f32);

impl Colour {
    pub(super) const BLACK: Colour = Colour(0.0, 0.0, 0.0);
    pub(super) const WHITE: Colour = Colour(1.0, 1.0, 1.0);
    pub(super) const GREY: Colour = Colour(0.4, 0.4, 0.4);
    pub(super) const NAVY: Colour = Colour(0.09, 0.2, 0.4);

    pub(super) fn pdf(self) -> Color {
        Color::Rgb(Rgb::new(self.0, self.1, self.2, None))
    }
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Style {
    face: Face,
    size_pt: f32,
    colour: Colour,
}

impl Style {
    pub(super) fn new(face: Face, size_pt: f32, colour: Colour) -> Self {
        Self {
            face,
            size_pt,
            colour,
        }
    }

    pub(super) fn width_mm(self, text: &str) -> anyhow::Result<f32> {
        let pt = fonts::text_width(fonts::parsed(self.face)?, text, self.size_pt);
        Ok(pt * 25.4 / 72.0)
    }

    /// The same style, shrunk (never grown) so that `text` fits in `max_mm`.
    pub(super) fn fit(self, text: &str, max_mm: f32) -> anyhow::Result<Self> {
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
pub(super) enum Align {
    Left,
    Centre,
    Right,
}

/// A document being drawn, a page at a time, in millimetres from each page's bottom-left
/// corner.
pub(super) struct Canvas {
    width: f32,
    height: f32,
    /// The pages finished before the one being drawn.
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    used: [BTreeSet<char>; 2],
}

impl Canvas {
    pub(super) fn new(width: f32, height: f32) -> Self {
        Self {
            width,
            height,
            pages: Vec::new(),
            ops: Vec::new(),
            used: Default::default(),
        }
    }

    /// Draws one line of text with its baseline at `y`; `x` is where `align` anchors it.
    pub(super) fn text(
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
    pub(super) fn fill_rects(
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

    pub(super) fn fill_rect(&mut self, colour: Colour, x: f32, y: f32, w: f32, h: f32) {
        self.ops.extend([
            Op::SetFillColor { col: colour.pdf() },
            Op::DrawRectangle {
                rectangle: rect(x, y, w, h, PaintMode::Fill),
            },
        ]);
    }

    pub(super) fn stroke_rect(
        &mut self,
        colour: Colour,
        line_pt: f32,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    ) {
        self.ops.extend([
            Op::SetOutlineColor { col: colour.pdf() },
            Op::SetOutlineThickness { pt: Pt(line_pt) },
            Op::DrawRectangle {
                rectangle: rect(x, y, w, h, PaintMode::Stroke),
            },
        ]);
    }

    /// Ends the page being drawn; what is drawn next goes on a new page of the same size.
    pub(super) fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.ops));
    }

    /// Embeds the fonts (subset to the characters drawn) and serialises the pages.
    pub(super) fn finish(mut self, title: &str, author: &str) -> anyhow::Result<Vec<u8>> {
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
        self.new_page();
        let (width, height) = (self.width, self.height);
        let pages = self
            .pages
            .into_iter()
            .map(|ops| PdfPage::new(Mm(width), Mm(height), ops))
            .collect();
        // Without printpdf's `text_layout` feature this flag does nothing (hence
        // `fonts::subset_for`); it is set so the intent survives a change of features.
        let options = PdfSaveOptions {
            subset_fonts: true,
            ..PdfSaveOptions::default()
        };
        let mut warnings = Vec::new();
        let bytes = doc.with_pages(pages).save(&options, &mut warnings);
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
pub(super) fn long_date(date: time::Date) -> anyhow::Result<String> {
    let format = time::macros::format_description!("[day padding:none] [month repr:long] [year]");
    Ok(date.format(&format)?)
}
