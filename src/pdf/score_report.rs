//! The score report: an A4 page with the candidate's result and a bar per syllabus area.
//! It shows marks only, never item content.

use super::canvas::{Align, Canvas, Colour, Style, long_date};
use super::fonts::Face;

pub struct AreaBar<'a> {
    pub title: &'a str,
    pub score: u32,
    pub max_score: u32,
}

pub struct ScoreReportDocument<'a> {
    pub candidate_name: &'a str,
    pub qualification_title: &'a str,
    pub edition_title: &'a str,
    pub date: time::Date,
    pub score: u32,
    pub max_score: u32,
    pub pass_mark: u32,
    pub passed: bool,
    pub areas: &'a [AreaBar<'a>],
}

const WIDTH: f32 = 210.0;
const HEIGHT: f32 = 297.0;
const LEFT: f32 = 20.0;
const TEXT_MAX: f32 = WIDTH - 2.0 * LEFT;
const BAR_MAX: f32 = 140.0;
/// Room for the chart, from just under its heading down to the bottom margin.
const CHART_TOP: f32 = 168.0;
const CHART_BOTTOM: f32 = 20.0;
const ROW_PITCH: f32 = 14.0;
const GREEN: Colour = Colour(0.1, 0.5, 0.2);
const RED: Colour = Colour(0.7, 0.1, 0.1);
const BAR_FILL: Colour = Colour(0.2, 0.4, 0.7);
const BAR_OUTLINE: Colour = Colour(0.7, 0.75, 0.85);

pub fn render_score_report(doc: &ScoreReportDocument<'_>) -> anyhow::Result<Vec<u8>> {
    let mut page = Canvas::new(WIDTH, HEIGHT);
    let bold = |size, colour| Style::new(Face::Bold, size, colour);
    let regular = |size, colour| Style::new(Face::Regular, size, colour);
    let body = regular(12.0, Colour::BLACK);
    let (result, result_colour) = if doc.passed {
        ("PASS", GREEN)
    } else {
        ("FAIL", RED)
    };
    let (name, note) = (bold(16.0, Colour::BLACK), regular(10.0, Colour::GREY));
    let (strong, verdict) = (bold(14.0, Colour::BLACK), bold(14.0, result_colour));
    let lines = [
        (bold(22.0, Colour::NAVY), 272.0, "Score report".to_owned()),
        (name, 258.0, doc.candidate_name.to_owned()),
        (body, 249.0, doc.qualification_title.to_owned()),
        (note, 242.0, format!("based on {}", doc.edition_title)),
        (body, 234.0, format!("Date: {}", long_date(doc.date)?)),
        (
            strong,
            217.0,
            format!("Score: {} / {}", doc.score, doc.max_score),
        ),
        (body, 209.0, format!("Pass mark: {}", doc.pass_mark)),
        (verdict, 199.0, format!("Result: {result}")),
    ];
    for (style, y, text) in &lines {
        page.text(style.fit(text, TEXT_MAX)?, LEFT, *y, Align::Left, text)?;
    }
    page.fill_rect(Colour::NAVY, LEFT, 228.0, TEXT_MAX, 0.4);

    if !doc.areas.is_empty() {
        let heading = "Score per syllabus area";
        page.text(bold(12.0, Colour::NAVY), LEFT, 180.0, Align::Left, heading)?;
        draw_bars(&mut page, doc.areas)?;
    }

    let title = format!("Score report: {}", doc.qualification_title);
    page.finish(&title, "Invigilator")
}

/// One row per area: its title, then a bar whose outline is the maximum and whose fill is
/// the score, with the figures to its right. Rows shrink if there are many areas.
fn draw_bars(page: &mut Canvas, areas: &[AreaBar<'_>]) -> anyhow::Result<()> {
    let pitch = ROW_PITCH.min((CHART_TOP - CHART_BOTTOM) / areas.len() as f32);
    let scale = pitch / ROW_PITCH;
    let title_style = Style::new(Face::Regular, 10.0 * scale, Colour::BLACK);
    let figure_style = Style::new(Face::Bold, 10.0 * scale, Colour::BLACK);
    let bar_height = 4.5 * scale;
    for (i, area) in areas.iter().enumerate() {
        let top = CHART_TOP - i as f32 * pitch;
        let title = title_style.fit(area.title, TEXT_MAX)?;
        page.text(title, LEFT, top - 4.0 * scale, Align::Left, area.title)?;
        let bar_y = top - 10.5 * scale;
        let share = if area.max_score == 0 {
            None
        } else {
            Some(area.score as f32 / area.max_score as f32)
        };
        let filled = BAR_MAX * share.unwrap_or(0.0).min(1.0);
        if filled > 0.0 {
            page.fill_rect(BAR_FILL, LEFT, bar_y, filled, bar_height);
        }
        page.stroke_rect(BAR_OUTLINE, 0.75, LEFT, bar_y, BAR_MAX, bar_height);
        // The percentage also keeps pdftotext from reading evenly spaced "5 / 8" as "5/8".
        let percent = match u64::from(area.max_score) {
            0 => "n/a".to_owned(),
            max => format!("{}%", (u64::from(area.score) * 200 + max) / (2 * max)),
        };
        let figures = format!("{} / {}  ({percent})", area.score, area.max_score);
        let (figures_x, figures_y) = (LEFT + BAR_MAX + 4.0, bar_y + 0.5 * scale);
        page.text(figure_style, figures_x, figures_y, Align::Left, &figures)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::pdf::test_support::{NAMES, check_pdf, time_renders};

    const AREAS: [AreaBar<'static>; 4] = [
        AreaBar {
            title: "Service management system general requirements",
            score: 8,
            max_score: 10,
        },
        AreaBar {
            title: "Design and transition of new or changed services",
            score: 5,
            max_score: 8,
        },
        AreaBar {
            title: "Service delivery processes",
            score: 12,
            max_score: 12,
        },
        AreaBar {
            title: "Relationship processes",
            score: 0,
            max_score: 10,
        },
    ];

    fn report<'a>(candidate_name: &'a str, areas: &'a [AreaBar<'a>]) -> ScoreReportDocument<'a> {
        ScoreReportDocument {
            candidate_name,
            qualification_title: "ISO/IEC 20000 Foundation",
            edition_title: "ISO/IEC 20000-1:2011 and ISO/IEC 20000-2:2012",
            date: date!(2026 - 11 - 21),
            score: 25,
            max_score: 40,
            pass_mark: 26,
            passed: false,
            areas,
        }
    }

    #[test]
    fn a_score_report_shows_the_result_and_every_area() {
        for name in NAMES {
            let pdf = render_score_report(&report(name, &AREAS)).expect("rendered");
            let expected = [
                name,
                "ISO/IEC 20000 Foundation",
                "ISO/IEC 20000-1:2011 and ISO/IEC 20000-2:2012",
                "Date: 21 November 2026",
                "Score: 25 / 40",
                "Pass mark: 26",
                "Result: FAIL",
                "Service management system general requirements",
                "Design and transition of new or changed services",
                "8 / 10",
                "5 / 8 (63%)",
                "12 / 12",
                "0 / 10 (0%)",
            ];
            check_pdf(&pdf, &expected);
        }
    }

    #[test]
    fn a_passing_report_says_pass() {
        let doc = ScoreReportDocument {
            passed: true,
            score: 30,
            ..report(NAMES[2], &AREAS)
        };
        let pdf = render_score_report(&doc).expect("rendered");
        check_pdf(&pdf, &["Result: PASS", "Score: 30 / 40"]);
    }

    #[test]
    fn many_areas_and_odd_scores_still_render() {
        let title = "An area with a title far too long to fit on one line of an A4 page at all";
        let areas: Vec<AreaBar<'_>> = (0..40)
            .map(|i| AreaBar {
                title,
                score: i,
                max_score: if i == 0 { 0 } else { 20 },
            })
            .collect();
        let pdf = render_score_report(&report(NAMES[1], &areas)).expect("rendered");
        check_pdf(&pdf, &["39 / 20"]);
    }

    #[test]
    #[ignore = "a measurement; run in release with --nocapture"]
    fn score_report_render_time() {
        let doc = report(NAMES[2], &AREAS);
        time_renders("score report", || {
            render_score_report(&doc).expect("rendered")
        });
    }
}
