//! A qualification's study guide: an A4 document with the paper's format (questions, pass
//! mark, duration, book rule) and, for each syllabus area of its blueprint, the area's
//! title, how many questions of the paper it carries and what to study. All of it comes
//! from the scheme file; the guide is drawn by the same canvas as the certificates.

use super::canvas::{Align, Canvas, Colour, Style};
use super::fonts::Face;

pub struct GuideArea<'a> {
    pub title: &'a str,
    /// Scored questions of the paper drawn from this area.
    pub questions: u32,
    pub summary: &'a str,
}

pub struct StudyGuideDocument<'a> {
    pub qualification_title: &'a str,
    pub edition_title: &'a str,
    pub questions: u32,
    pub marks: u32,
    pub pass_mark: u32,
    pub duration_minutes: u32,
    /// The book rule in words ("Closed book", "Open book: …").
    pub book: &'a str,
    pub areas: &'a [GuideArea<'a>],
}

const WIDTH: f32 = 210.0;
const HEIGHT: f32 = 297.0;
const LEFT: f32 = 20.0;
const TOP: f32 = 277.0;
const BOTTOM: f32 = 20.0;
const TEXT_MAX: f32 = WIDTH - 2.0 * LEFT;

/// `text` broken into lines no wider than `max_mm` in `style`, at spaces (a word longer
/// than a line stands on its own line).
fn wrap(style: Style, text: &str, max_mm: f32) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && style.width_mm(&candidate)? > max_mm {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

/// Draws lines from the top down, starting a new page when one is full.
struct Flow {
    page: Canvas,
    y: f32,
}

impl Flow {
    /// Makes room for `height` millimetres, on a new page if this one has too little.
    fn room(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.page.new_page();
            self.y = TOP;
        }
    }

    fn line(&mut self, style: Style, text: &str, leading: f32) -> anyhow::Result<()> {
        self.room(leading);
        self.y -= leading;
        let style = style.fit(text, TEXT_MAX)?;
        self.page.text(style, LEFT, self.y, Align::Left, text)
    }

    fn paragraph(&mut self, style: Style, text: &str, leading: f32) -> anyhow::Result<()> {
        for line in wrap(style, text, TEXT_MAX)? {
            self.line(style, &line, leading)?;
        }
        Ok(())
    }
}

pub fn render_study_guide(doc: &StudyGuideDocument<'_>) -> anyhow::Result<Vec<u8>> {
    let bold = |size, colour| Style::new(Face::Bold, size, colour);
    let regular = |size, colour| Style::new(Face::Regular, size, colour);
    let body = regular(10.5, Colour::BLACK);
    let note = regular(9.0, Colour::GREY);
    let mut flow = Flow {
        page: Canvas::new(WIDTH, HEIGHT),
        y: TOP + 5.0,
    };
    flow.line(bold(22.0, Colour::NAVY), "Study guide", 9.0)?;
    flow.line(bold(15.0, Colour::BLACK), doc.qualification_title, 9.0)?;
    flow.line(note, &format!("based on {}", doc.edition_title), 6.0)?;
    flow.y -= 4.0;
    flow.page
        .fill_rect(Colour::NAVY, LEFT, flow.y, TEXT_MAX, 0.4);
    flow.y -= 2.0;
    flow.line(bold(12.0, Colour::NAVY), "The paper", 8.0)?;
    let percent =
        (u64::from(doc.pass_mark) * 200 + u64::from(doc.marks)) / (2 * u64::from(doc.marks.max(1)));
    let facts = [
        format!("Questions: {} ({} marks)", doc.questions, doc.marks),
        format!("Pass mark: {} of {} ({percent}%)", doc.pass_mark, doc.marks),
        format!("Duration: {} minutes", doc.duration_minutes),
        format!("Book: {}", doc.book),
    ];
    for fact in &facts {
        flow.line(body, fact, 5.5)?;
    }
    flow.y -= 3.0;
    flow.line(bold(12.0, Colour::NAVY), "What to study, area by area", 8.0)?;
    flow.paragraph(
        note,
        "Each area below carries the number of questions shown on every paper. Read the requirements themselves in the standard; this guide only points the way.",
        4.5,
    )?;
    for area in doc.areas {
        flow.y -= 3.0;
        // Keep an area's heading with the first lines of its summary.
        flow.room(6.0 + 3.0 * 5.0);
        let plural = if area.questions == 1 { "" } else { "s" };
        flow.line(bold(11.0, Colour::BLACK), area.title, 6.0)?;
        flow.line(
            note,
            &format!("{} question{plural} of {}", area.questions, doc.questions),
            4.8,
        )?;
        flow.paragraph(body, area.summary, 5.0)?;
    }
    let title = format!("Study guide: {}", doc.qualification_title);
    flow.page.finish(&title, "Invigilator")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::test_support::check_pdf;

    fn doc<'a>(areas: &'a [GuideArea<'a>]) -> StudyGuideDocument<'a> {
        StudyGuideDocument {
            qualification_title: "ISO/IEC 20000 Foundation",
            edition_title: "ISO/IEC 20000-1:2011 and ISO/IEC 20000-2:2012",
            questions: 40,
            marks: 40,
            pass_mark: 26,
            duration_minutes: 60,
            book: "Closed book",
            areas,
        }
    }

    #[test]
    fn a_study_guide_shows_the_format_and_every_area() {
        let areas = [
            GuideArea {
                title: "Resolution processes",
                questions: 4,
                summary: "Learn how incidents and problems are handled.",
            },
            GuideArea {
                title: "Control processes",
                questions: 1,
                summary: "Study configuration, change and release management.",
            },
        ];
        let pdf = render_study_guide(&doc(&areas)).expect("rendered");
        check_pdf(
            &pdf,
            &[
                "Study guide",
                "ISO/IEC 20000 Foundation",
                "Questions: 40 (40 marks)",
                "Pass mark: 26 of 40 (65%)",
                "Duration: 60 minutes",
                "Book: Closed book",
                "Resolution processes",
                "4 questions of 40",
                "1 question of 40",
                "Learn how incidents and problems are handled.",
            ],
        );
    }

    #[test]
    fn a_long_guide_runs_onto_more_pages() {
        let summary = "A sentence of a summary that is long enough to need wrapping. ".repeat(12);
        let areas: Vec<GuideArea<'_>> = (0..12)
            .map(|_| GuideArea {
                title: "An area",
                questions: 3,
                summary: &summary,
            })
            .collect();
        let pdf = render_study_guide(&doc(&areas)).expect("rendered");
        let text = check_pdf(&pdf, &["An area"]);
        if let Some(text) = text {
            assert!(text.contains('\u{c}'), "one page only");
        }
    }

    #[test]
    fn wrapping_keeps_every_word_in_order() {
        let style = Style::new(Face::Regular, 10.0, Colour::BLACK);
        let text = "one two three four five six seven eight nine ten";
        let lines = wrap(style, text, 20.0).expect("wrapped");
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), text);
    }
}
