//! What candidates declare toward prerequisites, and the extra-time allowance.

use time::Date;

/// A declaration a candidate makes; it counts only once an administrator approves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// An external certificate, e.g. ITIL Foundation.
    Credential {
        /// The credential code named in the scheme's prerequisites.
        credential: String,
        issuer: String,
        certificate_number: String,
        issued_on: Date,
    },
    /// Experience conducting audits in an IT environment.
    AuditExperience { years: u32, description: String },
}

impl Claim {
    pub fn kind(&self) -> &'static str {
        match self {
            Claim::Credential { .. } => "credential",
            Claim::AuditExperience { .. } => "audit_experience",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceStatus {
    Pending,
    Approved,
    Rejected,
}

impl EvidenceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceStatus::Pending => "pending",
            EvidenceStatus::Approved => "approved",
            EvidenceStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "approved" => Some(Self::Approved),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }
}

/// An extra-time allowance in percent of a paper's duration (0 removes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraTime(u32);

impl ExtraTime {
    /// Double time is the most any policy we know of grants.
    pub const MAX_PERCENT: u32 = 100;

    pub fn parse(percent: i64) -> Result<Self, String> {
        match u32::try_from(percent) {
            Ok(p) if p <= Self::MAX_PERCENT => Ok(Self(p)),
            _ => Err(format!("must be between 0 and {}", Self::MAX_PERCENT)),
        }
    }

    pub fn percent(self) -> u32 {
        self.0
    }
}

/// Years of experience as declared: whole years, within reason.
pub fn parse_years(years: i64) -> Result<u32, String> {
    match u32::try_from(years) {
        Ok(y) if (1..=60).contains(&y) => Ok(y),
        _ => Err("must be a whole number of years between 1 and 60".into()),
    }
}

/// Free text a person writes: trimmed, not blank, bounded.
pub fn parse_text(raw: &str, max_chars: usize) -> Result<String, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("must not be empty".into());
    }
    if text.chars().count() > max_chars {
        return Err(format!("must be at most {max_chars} characters"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("must not contain control characters".into());
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_extra_time_allowance_above_double_time_is_rejected() {
        assert_eq!(ExtraTime::parse(25).map(ExtraTime::percent), Ok(25));
        assert!(ExtraTime::parse(101).is_err());
        assert!(ExtraTime::parse(-5).is_err());
        assert_eq!(ExtraTime::parse(0).map(ExtraTime::percent), Ok(0));
    }

    #[test]
    fn years_of_experience_must_be_plausible() {
        assert!(parse_years(0).is_err());
        assert!(parse_years(61).is_err());
        assert_eq!(parse_years(3), Ok(3));
    }

    #[test]
    fn free_text_is_trimmed_and_bounded() {
        assert_eq!(parse_text("  ok  ", 10), Ok("ok".into()));
        assert!(parse_text("   ", 10).is_err());
        assert!(parse_text("elevenchars", 10).is_err());
    }
}
