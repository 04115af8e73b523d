//! PDF documents for candidates: the certificate and the score report.
//!
//! Rendering is pure (data in, bytes out) and CPU-bound, so callers run it on the blocking
//! pool. `canvas` holds the small page-drawing layer both documents share.

mod canvas;
mod certificate;
mod fonts;
mod score_report;
mod study_guide;
#[cfg(test)]
mod test_support;

pub use certificate::{CertificateDocument, render_certificate};
pub use score_report::{AreaBar, ScoreReportDocument, render_score_report};
pub use study_guide::{GuideArea, StudyGuideDocument, render_study_guide};
