//! The namespaces, identifiers and class names of our QTI mapping (see `super`).

use crate::domain::values::option_label;

pub const ASSESSMENT_NS: &str = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0";
pub const MANIFEST_NS: &str = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1";
pub const RESULT_NS: &str = "http://www.imsglobal.org/xsd/imsqti_result_v3p0";
/// Our extension namespace for item metadata in the manifest.
pub const INV_NS: &str = "https://invigilator.dev/xsd/qti-metadata/v1";
pub const MATCH_CORRECT: &str =
    "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct";
pub const MAP_RESPONSE: &str = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/map_response";

pub const SCENARIO_CLASS: &str = "inv-scenario";
pub const AR_CLASS: &str = "inv-assertion-reason";
pub const ASSERTION_CLASS: &str = "inv-assertion";
pub const REASON_CLASS: &str = "inv-reason";

pub fn choice_id(index: usize) -> String {
    option_label(index)
}

pub fn grade_id(index: usize) -> String {
    option_label(index)
}

pub fn line_id(index: usize) -> String {
    format!("L{}", index + 1)
}
