//! What candidates declare toward prerequisites, and the extra-time allowance.

use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::fields::FieldErrors;
use super::values::{parse_date, parse_text};

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

/// Declarations a candidate may have waiting for a decision at once: enough for every
/// prerequisite of the scheme, and a bound on what one account can pile on the
/// administrators.
pub const MAX_PENDING_DECLARATIONS: usize = 10;

/// What kind of declaration a claim is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    utoipa::ToSchema,
    strum::AsRefStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ClaimKind {
    Credential,
    AuditExperience,
}

impl Claim {
    pub fn kind(&self) -> ClaimKind {
        match self {
            Claim::Credential { .. } => ClaimKind::Credential,
            Claim::AuditExperience { .. } => ClaimKind::AuditExperience,
        }
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
    strum::AsRefStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EvidenceStatus {
    Pending,
    Approved,
    Rejected,
}

#[derive(Debug, Clone)]
pub struct EvidenceRecord {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub claim: Claim,
    pub status: EvidenceStatus,
    pub submitted_at: OffsetDateTime,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<OffsetDateTime>,
    pub decision_reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ExtraTimeGrant {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub percent: u32,
    pub reason: String,
    pub granted_by: Uuid,
    pub granted_at: OffsetDateTime,
}

impl Claim {
    /// How the candidate's e-mail names what they declared.
    pub fn describe(&self) -> String {
        match self {
            Claim::Credential {
                issuer,
                certificate_number,
                ..
            } => format!("certificate {certificate_number} from {issuer}"),
            Claim::AuditExperience { years, .. } => {
                format!("declaration of {years} years' audit experience")
            }
        }
    }

    /// A credential declaration: `known` are the credential codes the scheme accepts; the
    /// date on the certificate may not be after `today`.
    pub fn parse_credential(
        kind: &str,
        issuer: &str,
        certificate_number: &str,
        date: &str,
        known: &[String],
        today: Date,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let credential = errors.check(
            "kind",
            if known.iter().any(|k| k == kind) {
                Ok(kind.to_owned())
            } else {
                Err(format!("must be one of {}", known.join(", ")))
            },
        );
        let issuer = errors.check("issuer", parse_text(issuer, 200));
        let number = errors.check("certificate_number", parse_text(certificate_number, 100));
        let issued_on = errors.check(
            "date",
            parse_date(date)
                .map_err(|_| "must be a date such as 2024-05-17".to_owned())
                .and_then(|d| {
                    if d > today {
                        Err("must not be in the future".to_owned())
                    } else {
                        Ok(d)
                    }
                }),
        );
        errors.finish(|| {
            Some(Claim::Credential {
                credential: credential?,
                issuer: issuer?,
                certificate_number: number?,
                issued_on: issued_on?,
            })
        })
    }

    /// A declaration of audit experience.
    pub fn parse_experience(years: i64, description: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let years = errors.check("years", parse_years(years));
        let description = errors.check("description", parse_text(description, 4000));
        errors.finish(|| {
            Some(Claim::AuditExperience {
                years: years?,
                description: description?,
            })
        })
    }
}

/// An administrator's decision on declared evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approve,
    Reject,
}

/// A decision as recorded: the status it leads to and the reason the candidate reads. A
/// rejection needs a reason; an approval may carry a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRecord {
    pub status: EvidenceStatus,
    pub reason: Option<String>,
}

impl Decision {
    pub fn record(self, reason: Option<&str>) -> Result<DecisionRecord, FieldErrors> {
        let reason = match (self, reason) {
            (Decision::Reject, None) => {
                return Err(FieldErrors::one(
                    "reason",
                    "a rejection needs a reason the candidate can read",
                ));
            }
            (_, Some(r)) => Some(parse_text(r, 2000).map_err(|m| FieldErrors::one("reason", m))?),
            (Decision::Approve, None) => None,
        };
        let status = match self {
            Decision::Approve => EvidenceStatus::Approved,
            Decision::Reject => EvidenceStatus::Rejected,
        };
        Ok(DecisionRecord { status, reason })
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

/// An extra-time grant as an administrator makes it: the allowance and why.
pub fn parse_grant(percent: i64, reason: &str) -> Result<(ExtraTime, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    let percent = errors.check("percent", ExtraTime::parse(percent));
    let reason = errors.check("reason", parse_text(reason, 2000));
    errors.finish(|| Some((percent?, reason?)))
}

/// Years of experience as declared: whole years, within reason.
pub fn parse_years(years: i64) -> Result<u32, String> {
    match u32::try_from(years) {
        Ok(y) if (1..=60).contains(&y) => Ok(y),
        _ => Err("must be a whole number of years between 1 and 60".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejection_needs_a_reason_and_an_approval_may_have_one() {
        assert_eq!(
            Decision::Reject.record(None).map_err(|e| e.to_string()),
            Err("reason a rejection needs a reason the candidate can read".into())
        );
        assert_eq!(
            Decision::Approve.record(None),
            Ok(DecisionRecord {
                status: EvidenceStatus::Approved,
                reason: None
            })
        );
        assert_eq!(
            Decision::Reject
                .record(Some(" not legible "))
                .map(|d| d.reason),
            Ok(Some("not legible".into()))
        );
    }

    #[test]
    fn a_credential_dated_in_the_future_or_of_an_unknown_kind_is_refused() {
        let known = vec!["itil-foundation".to_owned()];
        let today = time::macros::date!(2026 - 12 - 01);
        let errors = Claim::parse_credential(
            "itil-expert",
            "PeopleCert",
            "X1",
            "2027-01-01",
            &known,
            today,
        )
        .expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "date"]);
        assert!(
            Claim::parse_credential(
                "itil-foundation",
                "PeopleCert",
                "X1",
                "2026-12-01",
                &known,
                today
            )
            .is_ok()
        );
    }

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
