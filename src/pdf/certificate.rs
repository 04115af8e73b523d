//! The certificate: an A4 landscape page naming the holder and qualification, with a QR code
//! that opens the public verification page.

use qrcode::{EcLevel, QrCode};

use super::canvas::{Align, Canvas, Colour, Style, long_date};
use super::fonts::Face;
use crate::domain::scheme::CertificateWording;

pub struct CertificateDocument<'a> {
    pub holder_name: &'a str,
    pub qualification_title: &'a str,
    pub edition_title: &'a str,
    pub issued_on: time::Date,
    /// Printed under the date of issue when the certificate expires.
    pub expires_on: Option<time::Date>,
    pub number: &'a str,
    pub issuer: &'a str,
    /// The scheme's fixed lines around the holder, qualification and edition.
    pub wording: &'a CertificateWording,
    /// Encoded in the QR code and printed under it.
    pub verification_url: &'a str,
}

const WIDTH: f32 = 297.0;
const HEIGHT: f32 = 210.0;
const CENTRE: f32 = WIDTH / 2.0;
/// Widest a centred line may be before its type is shrunk.
const LINE_MAX: f32 = 240.0;
const QR_SIZE: f32 = 38.0;
const QR_X: f32 = WIDTH - 20.0 - QR_SIZE;
const QR_Y: f32 = 27.0;
/// Light modules around the code, as the QR specification asks.
const QUIET_ZONE: usize = 4;

pub fn render_certificate(doc: &CertificateDocument<'_>) -> anyhow::Result<Vec<u8>> {
    let mut page = Canvas::new(WIDTH, HEIGHT);
    page.stroke_rect(Colour::NAVY, 2.0, 8.0, 8.0, WIDTH - 16.0, HEIGHT - 16.0);
    page.stroke_rect(Colour::NAVY, 0.6, 11.0, 11.0, WIDTH - 22.0, HEIGHT - 22.0);

    let bold = |size, colour| Style::new(Face::Bold, size, colour);
    let regular = |size, colour| Style::new(Face::Regular, size, colour);
    let body = regular(13.0, Colour::BLACK);
    let centred_lines = [
        (bold(14.0, Colour::NAVY), 186.0, doc.issuer),
        (
            bold(30.0, Colour::NAVY),
            166.0,
            doc.wording.heading.as_str(),
        ),
        (body, 146.0, doc.wording.preamble.as_str()),
        (bold(30.0, Colour::BLACK), 128.0, doc.holder_name),
        (body, 113.0, doc.wording.statement.as_str()),
        (bold(20.0, Colour::NAVY), 99.0, doc.qualification_title),
        (
            regular(12.0, Colour::GREY),
            88.0,
            doc.wording.based_on.as_str(),
        ),
        (regular(14.0, Colour::BLACK), 78.0, doc.edition_title),
    ];
    for (style, y, text) in centred_lines {
        page.text(style.fit(text, LINE_MAX)?, CENTRE, y, Align::Centre, text)?;
    }

    let small = regular(11.0, Colour::BLACK);
    let date = format!("Date of issue: {}", long_date(doc.issued_on)?);
    let number = format!("Certificate number: {}", doc.number);
    let issued_by = format!("Issued by {}", doc.issuer);
    let mut lines = vec![date];
    if let Some(expires_on) = doc.expires_on {
        lines.push(format!("Expires on: {}", long_date(expires_on)?));
    }
    lines.extend([number, issued_by]);
    // Three lines from 56 mm down, four from 61 mm when there is an expiry date.
    let top = 56.0 + 5.0 * (lines.len() as f32 - 3.0);
    for (i, line) in lines.iter().enumerate() {
        let y = top - 8.0 * i as f32;
        page.text(small.fit(line, 190.0)?, 28.0, y, Align::Left, line)?;
    }
    let note = "Scan the code or visit the address below it to verify this certificate.";
    let grey = regular(8.0, Colour::GREY);
    page.text(grey.fit(note, 190.0)?, 28.0, 30.0, Align::Left, note)?;

    draw_qr(&mut page, doc.verification_url)?;
    let url = doc.verification_url;
    let url_style = regular(6.5, Colour::GREY).fit(url, 150.0)?;
    let url_x = QR_X + QR_SIZE - 1.5;
    page.text(url_style, url_x, QR_Y - 4.0, Align::Right, url)?;

    let title = format!("Certificate {}", doc.number);
    page.finish(&title, doc.issuer)
}

/// Draws the code at (`QR_X`, `QR_Y`), one filled rectangle per horizontal run of dark modules.
fn draw_qr(page: &mut Canvas, url: &str) -> anyhow::Result<()> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)?;
    let modules = code.width();
    let module = QR_SIZE / (modules + 2 * QUIET_ZONE) as f32;
    page.fill_rect(Colour::WHITE, QR_X, QR_Y, QR_SIZE, QR_SIZE);
    let colours = code.to_colors();
    let mut runs = Vec::new();
    for (row, line) in colours.chunks(modules).enumerate() {
        let y = QR_Y + QR_SIZE - (QUIET_ZONE + row + 1) as f32 * module;
        let mut start = None;
        for (col, colour) in line.iter().chain([&qrcode::Color::Light]).enumerate() {
            match (*colour, start) {
                (qrcode::Color::Dark, None) => start = Some(col),
                (qrcode::Color::Light, Some(first)) => {
                    let x = QR_X + (QUIET_ZONE + first) as f32 * module;
                    runs.push((x, y, (col - first) as f32 * module, module));
                    start = None;
                }
                _ => {}
            }
        }
    }
    page.fill_rects(Colour::BLACK, runs);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use time::macros::date;

    use super::*;
    use crate::pdf::test_support::{NAMES, check_pdf, have, run, time_renders, write_temp};

    const URL: &str = "https://exams.example.org/verify/AbC123xYz789-_Qw";

    static WORDING: std::sync::LazyLock<CertificateWording> =
        std::sync::LazyLock::new(CertificateWording::default);

    fn certificate(holder_name: &str) -> CertificateDocument<'_> {
        CertificateDocument {
            holder_name,
            qualification_title: "ISO/IEC 20000 Foundation",
            edition_title: "ISO/IEC 20000-1:2011 and ISO/IEC 20000-2:2012",
            issued_on: date!(2026 - 11 - 21),
            expires_on: None,
            number: "I20F-2026-000123-K",
            issuer: "Invigilator Certification Body",
            wording: &WORDING,
            verification_url: URL,
        }
    }

    #[test]
    fn a_certificate_names_the_holder_in_any_european_script() {
        for name in NAMES {
            let pdf = render_certificate(&certificate(name)).expect("rendered");
            let expected = [
                name,
                "has passed the examination",
                "ISO/IEC 20000 Foundation",
                "based on",
                "ISO/IEC 20000-1:2011 and ISO/IEC 20000-2:2012",
                "Date of issue: 21 November 2026",
                "Certificate number: I20F-2026-000123-K",
                "Invigilator Certification Body",
                URL,
            ];
            check_pdf(&pdf, &expected);
        }
    }

    #[test]
    fn a_schemes_own_wording_replaces_the_default_lines() {
        let wording = CertificateWording {
            heading: "CERTIFICATE OF ACHIEVEMENT".into(),
            preamble: "Northbridge Examinations declares that".into(),
            statement: "has met the requirements of the examination".into(),
            based_on: "covering".into(),
        };
        let doc = CertificateDocument {
            wording: &wording,
            issuer: "Northbridge Examinations",
            ..certificate(NAMES[0])
        };
        let pdf = render_certificate(&doc).expect("rendered");
        check_pdf(
            &pdf,
            &[
                "CERTIFICATE OF ACHIEVEMENT",
                "Northbridge Examinations declares that",
                "has met the requirements of the examination",
                "covering",
                "Issued by Northbridge Examinations",
            ],
        );
    }

    #[test]
    fn the_qr_code_decodes_to_exactly_the_verification_url() {
        let pdf = render_certificate(&certificate(NAMES[1])).expect("rendered");
        if !(have("pdftoppm") && have("zbarimg")) {
            return;
        }
        let (dir, path) = write_temp(&pdf);
        let prefix = dir.path().join("page");
        run(Command::new("pdftoppm")
            .args(["-r", "200", "-png", "-singlefile"])
            .arg(&path)
            .arg(&prefix));
        let decoded = run(Command::new("zbarimg")
            .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
            .arg(prefix.with_extension("png")));
        assert_eq!(decoded.trim_end_matches('\n'), URL);
    }

    #[test]
    #[ignore = "a measurement; run in release with --nocapture"]
    fn certificate_render_time() {
        let doc = certificate(NAMES[0]);
        time_renders("certificate", || {
            render_certificate(&doc).expect("rendered")
        });
    }
}
