//! Appeals and complaints (ISO/IEC 17024 9.8, 9.9) as rules: what a case may be about,
//! the window an appeal must be lodged in, the states a case goes through, who may review
//! it and what an upheld appeal may remedy.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::certificate::CertificateStatus;
use super::fields::FieldErrors;
use super::values::parse_text;

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema,
            strum::AsRefStr, strum::EnumString,
        )]
        #[serde(rename_all = "snake_case")]
        #[strum(serialize_all = "snake_case")]
        pub enum $name { $($variant),+ }
    };
}

text_enum!(
    /// An appeal asks for a result or a decision to be reconsidered; a complaint is about
    /// anything else (an ATO, an invigilator, the process).
    CaseKind { Appeal, Complaint }
);

text_enum!(
    /// received → under_review → upheld | rejected; withdrawn by the appellant before a
    /// decision.
    CaseState { Received, UnderReview, Upheld, Rejected, Withdrawn }
);

text_enum!(
    /// What an appeal is against: a result (a sitting) or a decision (on evidence, or a
    /// certificate's status).
    TargetKind { Sitting, Evidence, Certificate }
);

text_enum!(
    /// The outcome of a review.
    CaseOutcome { Upheld, Rejected }
);

text_enum!(
    /// What an upheld appeal leads to. `reinstate_certificate` is performed with the
    /// decision; `regrade` records that a key correction is needed (it cites the case);
    /// `resit_without_fee` and `other` are recorded for the body to act on.
    Remedy { ReinstateCertificate, Regrade, ResitWithoutFee, Other }
);

impl CaseState {
    pub fn is_open(self) -> bool {
        matches!(self, CaseState::Received | CaseState::UnderReview)
    }
}

/// The scheme's appeals policy (`[appeals]` in `scheme.toml`).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AppealsPolicy {
    /// Days from the result or decision within which an appeal is accepted.
    #[serde(default = "default_window_days")]
    pub window_days: u32,
}

/// Thirty days: long enough to read a result, ask for advice and write an appeal, short
/// enough that a reconsidered result still means something (the common practice of
/// certification bodies, e.g. APMG and PeopleCert, is 20 to 30 days).
pub const DEFAULT_WINDOW_DAYS: u32 = 30;

fn default_window_days() -> u32 {
    DEFAULT_WINDOW_DAYS
}

impl Default for AppealsPolicy {
    fn default() -> Self {
        Self {
            window_days: DEFAULT_WINDOW_DAYS,
        }
    }
}

/// The rule refusing an appeal lodged after its window.
pub const WINDOW_RULE: &str = "appeals.window_days";
/// The rule refusing a reviewer who took part in the decision appealed.
pub const INDEPENDENCE_RULE: &str =
    "the reviewer must not have been involved in the decision appealed (ISO/IEC 17024 9.8.2)";

impl AppealsPolicy {
    /// Whether an appeal lodged `now` against something decided at `decided_at` is in time.
    pub fn check_window(
        &self,
        decided_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), String> {
        let closes = decided_at + time::Duration::days(i64::from(self.window_days));
        if now <= closes {
            Ok(())
        } else {
            Err(format!(
                "an appeal must be lodged within {} days of the result or decision ({WINDOW_RULE}); this one was decided on {} and the window closed on {}",
                self.window_days,
                decided_at.date(),
                closes.date()
            ))
        }
    }
}

/// What a case is about, as lodged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: TargetKind,
    /// A sitting or evidence id, or a certificate number.
    pub id: String,
}

/// A new case, parsed from what the appellant wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub kind: CaseKind,
    pub target: Option<Target>,
    /// For a complaint: what it is about, in words (an ATO, an invigilator, …).
    pub about: Option<String>,
    pub statement: String,
}

pub const STATEMENT_MAX: usize = 4000;
pub const ABOUT_MAX: usize = 200;
pub const REASONS_MAX: usize = 4000;

impl NewCase {
    pub fn parse(
        kind: CaseKind,
        target: Option<(TargetKind, &str)>,
        about: Option<&str>,
        statement: &str,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let statement = errors.check("statement", parse_text(statement, STATEMENT_MAX));
        let about = match about.filter(|a| !a.trim().is_empty()) {
            Some(a) => errors.check("about", parse_text(a, ABOUT_MAX)).map(Some),
            None => Some(None),
        };
        let target = match target {
            Some((kind, id)) if !id.trim().is_empty() => Some(Target {
                kind,
                id: id.trim().to_owned(),
            }),
            Some(_) => {
                errors.add("target_id", "must name what the case is about");
                None
            }
            None => None,
        };
        if kind == CaseKind::Appeal && target.is_none() && errors.is_empty() {
            errors.add(
                "target_id",
                "an appeal must name the result or decision it is against",
            );
        }
        errors.finish(|| {
            Some(NewCase {
                kind,
                target,
                about: about?,
                statement: statement?,
            })
        })
    }
}

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub id: Uuid,
    pub kind: CaseKind,
    pub state: CaseState,
    pub candidate_id: Uuid,
    /// Who lodged it: the candidate, or ATO staff on their behalf.
    pub lodged_by: Uuid,
    pub target: Option<Target>,
    pub about: Option<String>,
    pub statement: String,
    pub received_at: OffsetDateTime,
    pub reviewer_id: Option<Uuid>,
    pub assigned_at: Option<OffsetDateTime>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<OffsetDateTime>,
    pub reasons: Option<String>,
    pub remedy: Option<Remedy>,
    pub remedy_detail: Option<String>,
    pub withdrawn_at: Option<OffsetDateTime>,
}

impl CaseRecord {
    /// Whole days since the case was received.
    pub fn age_days(&self, now: OffsetDateTime) -> i64 {
        (now - self.received_at).whole_days().max(0)
    }
}

/// A dated note by an administrator or the reviewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseNote {
    pub id: Uuid,
    pub case_id: Uuid,
    pub author_id: Uuid,
    pub at: OffsetDateTime,
    pub text: String,
}

/// A case's state once a reviewer is assigned: from received (or under review, when the
/// reviewer changes).
pub fn assign(state: CaseState) -> Result<CaseState, String> {
    match state {
        CaseState::Received | CaseState::UnderReview => Ok(CaseState::UnderReview),
        s => Err(format!(
            "the case is {}: it can no longer be assigned",
            s.as_ref()
        )),
    }
}

/// A case's state once the appellant withdraws it: any time before a decision.
pub fn withdraw(state: CaseState) -> Result<CaseState, String> {
    match state {
        CaseState::Received | CaseState::UnderReview => Ok(CaseState::Withdrawn),
        s => Err(format!(
            "the case is {}: it can no longer be withdrawn",
            s.as_ref()
        )),
    }
}

/// Whether notes can be added: while the case is open.
pub fn check_note(state: CaseState) -> Result<(), String> {
    if state.is_open() {
        Ok(())
    } else {
        Err(format!(
            "the case is {}: it takes no more notes",
            state.as_ref()
        ))
    }
}

/// A decision as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub outcome: CaseOutcome,
    pub reasons: String,
    pub remedy: Option<Remedy>,
    pub remedy_detail: Option<String>,
}

impl Decision {
    /// Reasons are required; a remedy only with an upheld case, and reinstatement only
    /// of an appealed certificate.
    pub fn parse(
        case: &CaseRecord,
        outcome: CaseOutcome,
        reasons: Option<&str>,
        remedy: Option<Remedy>,
        remedy_detail: Option<&str>,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let reasons = match reasons {
            Some(r) => errors.check("reasons", parse_text(r, REASONS_MAX)),
            None => {
                errors.add("reasons", "a decision needs reasons the appellant can read");
                None
            }
        };
        let remedy_detail = match remedy_detail.filter(|d| !d.trim().is_empty()) {
            Some(d) => errors
                .check("remedy_detail", parse_text(d, REASONS_MAX))
                .map(Some),
            None => Some(None),
        };
        match (outcome, remedy) {
            (CaseOutcome::Rejected, Some(_)) => {
                errors.add("remedy", "only an upheld case has a remedy");
            }
            (CaseOutcome::Upheld, Some(_)) if case.kind == CaseKind::Complaint => {
                errors.add(
                    "remedy",
                    "a remedy follows an upheld appeal, not a complaint",
                );
            }
            (CaseOutcome::Upheld, Some(Remedy::ReinstateCertificate))
                if case.target.as_ref().map(|t| t.kind) != Some(TargetKind::Certificate) =>
            {
                errors.add(
                    "remedy",
                    "reinstate_certificate is for an appeal against a certificate's suspension or revocation",
                );
            }
            (CaseOutcome::Upheld, Some(Remedy::Other)) if remedy_detail == Some(None) => {
                errors.add("remedy_detail", "say what the remedy is");
            }
            _ => {}
        }
        errors.finish(|| {
            Some(Decision {
                outcome,
                reasons: reasons?,
                remedy,
                remedy_detail: remedy_detail?,
            })
        })
    }

    pub fn state(&self) -> CaseState {
        match self.outcome {
            CaseOutcome::Upheld => CaseState::Upheld,
            CaseOutcome::Rejected => CaseState::Rejected,
        }
    }
}

/// Whether a case can be decided now: under review, by its reviewer.
pub fn check_decide(case: &CaseRecord, by: Uuid) -> Result<(), String> {
    if case.state != CaseState::UnderReview {
        return Err(format!(
            "the case is {}: only a case under review can be decided",
            case.state.as_ref()
        ));
    }
    if case.reviewer_id != Some(by) {
        return Err("only the reviewer assigned to the case decides it".into());
    }
    Ok(())
}

/// Whether `reviewer` is independent of the decision appealed: not one of the people who
/// acted on its target (`involved`: the actors of its audit trail and its recorded
/// decider).
pub fn check_reviewer(reviewer: Uuid, involved: &BTreeSet<Uuid>) -> Result<(), String> {
    if involved.contains(&reviewer) {
        Err(format!(
            "this administrator took part in the decision appealed; {INDEPENDENCE_RULE}"
        ))
    } else {
        Ok(())
    }
}

/// Whether an appealed certificate can be reinstated by an upheld appeal: suspended or
/// revoked, and not replaced by a re-issue (the replacement is the valid one).
pub fn check_reinstatement(status: CertificateStatus, replaced: bool) -> Result<(), String> {
    match status {
        _ if replaced => {
            Err("the certificate was replaced by a re-issue; it cannot be reinstated".into())
        }
        CertificateStatus::Valid => Err("the certificate is already valid".into()),
        CertificateStatus::Suspended | CertificateStatus::Revoked => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn case(kind: CaseKind, target: Option<TargetKind>) -> CaseRecord {
        CaseRecord {
            id: Uuid::nil(),
            kind,
            state: CaseState::UnderReview,
            candidate_id: Uuid::nil(),
            lodged_by: Uuid::nil(),
            target: target.map(|kind| Target {
                kind,
                id: "x".into(),
            }),
            about: None,
            statement: "s".into(),
            received_at: datetime!(2026-01-01 0:00 UTC),
            reviewer_id: Some(Uuid::from_u128(7)),
            assigned_at: None,
            decided_by: None,
            decided_at: None,
            reasons: None,
            remedy: None,
            remedy_detail: None,
            withdrawn_at: None,
        }
    }

    #[test]
    fn an_appeal_on_the_last_day_of_the_window_is_in_time_and_the_next_day_is_not() {
        let policy = AppealsPolicy::default();
        let decided = datetime!(2026-01-01 12:00 UTC);
        assert!(
            policy
                .check_window(decided, decided + time::Duration::days(30))
                .is_ok()
        );
        let late = policy
            .check_window(decided, decided + time::Duration::days(31))
            .expect_err("refused");
        assert!(late.contains(WINDOW_RULE), "{late}");
    }

    #[test]
    fn a_case_is_assigned_reviewed_and_withdrawn_only_while_open() {
        assert_eq!(assign(CaseState::Received), Ok(CaseState::UnderReview));
        assert_eq!(assign(CaseState::UnderReview), Ok(CaseState::UnderReview));
        assert!(assign(CaseState::Upheld).is_err());
        assert_eq!(withdraw(CaseState::UnderReview), Ok(CaseState::Withdrawn));
        assert!(withdraw(CaseState::Rejected).is_err());
        assert!(withdraw(CaseState::Withdrawn).is_err());
        assert!(check_note(CaseState::Received).is_ok());
        assert!(check_note(CaseState::Withdrawn).is_err());
    }

    #[test]
    fn only_the_assigned_reviewer_decides_a_case_under_review() {
        let mut c = case(CaseKind::Appeal, Some(TargetKind::Sitting));
        assert!(check_decide(&c, Uuid::from_u128(7)).is_ok());
        assert!(check_decide(&c, Uuid::from_u128(8)).is_err());
        c.state = CaseState::Received;
        assert!(check_decide(&c, Uuid::from_u128(7)).is_err());
    }

    #[test]
    fn a_reviewer_who_acted_on_the_target_is_refused() {
        let involved = BTreeSet::from([Uuid::from_u128(1)]);
        let refused = check_reviewer(Uuid::from_u128(1), &involved).expect_err("refused");
        assert!(refused.contains("ISO/IEC 17024"));
        assert!(check_reviewer(Uuid::from_u128(2), &involved).is_ok());
    }

    #[test]
    fn an_appeal_names_its_target_and_a_complaint_need_not() {
        let appeal = NewCase::parse(CaseKind::Appeal, None, None, "Please look again");
        assert_eq!(
            appeal.expect_err("refused").into_vec()[0].field,
            "target_id"
        );
        let complaint = NewCase::parse(CaseKind::Complaint, None, Some("The venue"), "It was loud")
            .expect("accepted");
        assert_eq!(complaint.about.as_deref(), Some("The venue"));
        let empty = NewCase::parse(CaseKind::Complaint, None, None, "  ").expect_err("refused");
        assert_eq!(empty.into_vec()[0].field, "statement");
    }

    #[test]
    fn a_decision_needs_reasons_and_a_remedy_that_fits_the_case() {
        let c = case(CaseKind::Appeal, Some(TargetKind::Sitting));
        let no_reasons =
            Decision::parse(&c, CaseOutcome::Rejected, None, None, None).expect_err("refused");
        assert_eq!(no_reasons.into_vec()[0].field, "reasons");
        let wrong = Decision::parse(
            &c,
            CaseOutcome::Upheld,
            Some("ok"),
            Some(Remedy::ReinstateCertificate),
            None,
        );
        assert_eq!(wrong.expect_err("refused").into_vec()[0].field, "remedy");
        let rejected_with_remedy = Decision::parse(
            &c,
            CaseOutcome::Rejected,
            Some("no"),
            Some(Remedy::Regrade),
            None,
        );
        assert!(rejected_with_remedy.is_err());
        let regrade = Decision::parse(
            &c,
            CaseOutcome::Upheld,
            Some("key wrong"),
            Some(Remedy::Regrade),
            None,
        )
        .expect("accepted");
        assert_eq!(regrade.state(), CaseState::Upheld);
        let cert = case(CaseKind::Appeal, Some(TargetKind::Certificate));
        assert!(
            Decision::parse(
                &cert,
                CaseOutcome::Upheld,
                Some("ok"),
                Some(Remedy::ReinstateCertificate),
                None
            )
            .is_ok()
        );
    }

    #[test]
    fn only_a_suspended_or_revoked_certificate_not_replaced_is_reinstated() {
        assert!(check_reinstatement(CertificateStatus::Revoked, false).is_ok());
        assert!(check_reinstatement(CertificateStatus::Suspended, false).is_ok());
        assert!(check_reinstatement(CertificateStatus::Revoked, true).is_err());
        assert!(check_reinstatement(CertificateStatus::Valid, false).is_err());
    }

    #[test]
    fn age_counts_whole_days_since_received() {
        let c = case(CaseKind::Complaint, None);
        assert_eq!(c.age_days(datetime!(2026-01-03 23:00 UTC)), 2);
    }
}
