//! Resit rules, as data per qualification (`[qualification.resits]` in `scheme.toml`),
//! and the one function that decides from a candidate's previous sittings of that
//! qualification, the certificates they hold of it and `now` whether they may sit it
//! again, and if not, which rule says so and from when they may.
//!
//! A qualification without the table has no resit rules: any number of sittings, one
//! after the other (the shipped scheme; see the README).

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use super::certificate::CertificateStatus;
use super::validity::Validity;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ResitRules {
    /// At most this many sittings (passed, failed or otherwise) within `period_days`.
    #[serde(default)]
    pub max_sittings: Option<u32>,
    /// The rolling period, in calendar days up to and including today, that
    /// `max_sittings` counts in. Required with `max_sittings`.
    #[serde(default)]
    pub period_days: Option<u32>,
    /// Calendar days after the day of a failed sitting before the next (0: none).
    #[serde(default)]
    pub cool_off_days: u32,
    /// What a resit needs besides the rules above. A qualification that needs a voucher
    /// needs one for every sitting, resits included; `new_voucher` says so to candidates.
    #[serde(default)]
    pub needs: ResitNeeds,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResitNeeds {
    #[default]
    Nothing,
    NewVoucher,
}

impl ResitRules {
    /// Problems with the numbers themselves.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        match (self.max_sittings, self.period_days) {
            (Some(0), _) => problems.push("resits.max_sittings must be at least 1".into()),
            (Some(_), None) => {
                problems.push("resits.max_sittings needs resits.period_days".into());
            }
            (None, Some(_)) => {
                problems.push("resits.period_days is only meaningful with max_sittings".into());
            }
            (Some(_), Some(0)) => problems.push("resits.period_days must be at least 1".into()),
            _ => {}
        }
        problems
    }
}

/// A previous sitting of the qualification, as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousSitting {
    pub started_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    /// `None` while it has no result.
    pub passed: Option<bool>,
    /// A pass whose certification decision is still to be made (provisional results).
    pub awaiting_decision: bool,
}

/// A certificate of the qualification the candidate holds, as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldCertificate {
    pub number: String,
    pub status: CertificateStatus,
    pub expires_on: Option<Date>,
    /// Already renewed by a later certificate.
    pub renewed: bool,
}

/// The rule that refuses a sitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ResitRule {
    /// Too soon after a failed sitting.
    CoolOff,
    /// Too many sittings in the period.
    MaxSittings,
    /// The candidate holds a valid certificate that does not expire.
    AlreadyCertified,
    /// The candidate holds a valid certificate not yet due for renewal.
    RenewalWindow,
    /// A pass awaits its certification decision.
    AwaitingDecision,
}

/// Why the candidate may not sit the paper now, and from when they may (`None`: not by
/// waiting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub rule: ResitRule,
    pub from: Option<Date>,
    pub message: String,
}

/// Whether the candidate may start a sitting of `title` at `now`, given the rules, the
/// qualification's validity, their previous sittings of it and their certificates of it.
/// Without rules, always.
///
/// While they hold a valid (or suspended) certificate of it they may sit it again only to
/// renew it: when it expires, from `renewal_window_months` before its expiry date (any
/// time if the scheme sets no window) or once it has expired; a certificate that does not
/// expire ends the candidate's sittings of that qualification. A revoked certificate no
/// longer stands, so it does not hold them back.
pub fn decide(
    title: &str,
    rules: Option<&ResitRules>,
    validity: Option<&Validity>,
    previous: &[PreviousSitting],
    held: &[HeldCertificate],
    now: OffsetDateTime,
) -> Result<(), Refusal> {
    let Some(rules) = rules else {
        return Ok(());
    };
    let today = now.date();
    if previous.iter().any(|s| s.awaiting_decision) {
        return Err(Refusal {
            rule: ResitRule::AwaitingDecision,
            from: None,
            message: format!(
                "{title} cannot be sat again while a passed sitting awaits its certification decision"
            ),
        });
    }
    for c in held.iter().filter(|c| {
        !c.renewed
            && matches!(
                c.status,
                CertificateStatus::Valid | CertificateStatus::Suspended
            )
    }) {
        match c.expires_on {
            None => {
                return Err(Refusal {
                    rule: ResitRule::AlreadyCertified,
                    from: None,
                    message: format!(
                        "{title} cannot be sat again: your certificate {} is {} and does not expire",
                        c.number,
                        c.status.as_ref()
                    ),
                });
            }
            Some(expires_on) => {
                let opens = validity
                    .and_then(|v| v.renewal_opens(expires_on))
                    .unwrap_or(today);
                if today < opens {
                    return Err(Refusal {
                        rule: ResitRule::RenewalWindow,
                        from: Some(opens),
                        message: format!(
                            "{title} may be sat again from {opens}: your certificate {} expires on {expires_on} and may be renewed from then",
                            c.number
                        ),
                    });
                }
            }
        }
    }
    let latest = previous.iter().max_by_key(|s| s.started_at);
    if rules.cool_off_days > 0
        && let Some(last) = latest
        && last.passed == Some(false)
    {
        let failed_on = last.closed_at.unwrap_or(last.started_at).date();
        let from = failed_on + Duration::days(i64::from(rules.cool_off_days));
        if today < from {
            return Err(Refusal {
                rule: ResitRule::CoolOff,
                from: Some(from),
                message: format!(
                    "{title} may be sat again from {from}: {} days after a fail",
                    rules.cool_off_days
                ),
            });
        }
    }
    if let (Some(max), Some(period)) = (rules.max_sittings, rules.period_days) {
        let period = Duration::days(i64::from(period));
        // A sitting counts while today is before the day it leaves the period.
        let mut leaves: Vec<Date> = previous
            .iter()
            .map(|s| s.started_at.date() + period)
            .filter(|d| today < *d)
            .collect();
        if leaves.len() >= max as usize {
            leaves.sort();
            let from = leaves[leaves.len() - max as usize];
            return Err(Refusal {
                rule: ResitRule::MaxSittings,
                from: Some(from),
                message: format!(
                    "{title} may be sat again from {from}: at most {max} sittings in {} days",
                    period.whole_days()
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const TITLE: &str = "ISO/IEC 20000 Foundation";

    fn rules(max: Option<(u32, u32)>, cool_off_days: u32) -> ResitRules {
        ResitRules {
            max_sittings: max.map(|m| m.0),
            period_days: max.map(|m| m.1),
            cool_off_days,
            needs: ResitNeeds::Nothing,
        }
    }

    fn sat(at: OffsetDateTime, passed: bool) -> PreviousSitting {
        PreviousSitting {
            started_at: at,
            closed_at: Some(at + Duration::hours(1)),
            passed: Some(passed),
            awaiting_decision: false,
        }
    }

    #[test]
    fn without_rules_anyone_may_sit_again_at_once() {
        let now = datetime!(2026-12-01 10:00 UTC);
        let previous = [sat(now - Duration::hours(2), false)];
        assert_eq!(decide(TITLE, None, None, &previous, &[], now), Ok(()));
    }

    #[test]
    fn a_fail_holds_the_candidate_back_for_the_cool_off_and_names_the_date() {
        let failed = datetime!(2026-12-01 09:00 UTC);
        let r = rules(None, 14);
        let previous = [sat(failed, false)];
        let refused = decide(
            TITLE,
            Some(&r),
            None,
            &previous,
            &[],
            failed + Duration::days(13),
        )
        .expect_err("refused during the cool-off");
        assert_eq!(refused.rule, ResitRule::CoolOff);
        assert_eq!(
            refused.message,
            "ISO/IEC 20000 Foundation may be sat again from 2026-12-15: 14 days after a fail"
        );
        let on_the_day = datetime!(2026-12-15 00:00 UTC);
        assert_eq!(
            decide(TITLE, Some(&r), None, &previous, &[], on_the_day),
            Ok(())
        );
    }

    #[test]
    fn the_period_counts_every_sitting_and_names_when_the_oldest_leaves_it() {
        let r = rules(Some((2, 30)), 0);
        let first = datetime!(2026-11-01 09:00 UTC);
        let previous = [sat(first, false), sat(first + Duration::days(3), false)];
        let now = first + Duration::days(10);
        let refused = decide(TITLE, Some(&r), None, &previous, &[], now).expect_err("refused");
        assert_eq!(refused.rule, ResitRule::MaxSittings);
        assert_eq!(refused.from, Some(time::macros::date!(2026 - 12 - 01)));
        assert!(refused.message.contains("at most 2 sittings in 30 days"));
        let later = datetime!(2026-12-01 00:00 UTC);
        assert_eq!(decide(TITLE, Some(&r), None, &previous, &[], later), Ok(()));
    }

    #[test]
    fn a_certificate_that_does_not_expire_ends_the_sittings_but_a_revoked_one_does_not() {
        let r = rules(None, 0);
        let now = datetime!(2026-12-01 10:00 UTC);
        let mut held = [HeldCertificate {
            number: "I20F-2026-000001-X".into(),
            status: CertificateStatus::Valid,
            expires_on: None,
            renewed: false,
        }];
        let refused = decide(TITLE, Some(&r), None, &[], &held, now).expect_err("refused");
        assert_eq!(refused.rule, ResitRule::AlreadyCertified);
        assert_eq!(refused.from, None);
        held[0].status = CertificateStatus::Revoked;
        assert_eq!(decide(TITLE, Some(&r), None, &[], &held, now), Ok(()));
    }

    #[test]
    fn a_renewal_sitting_opens_in_the_window_before_expiry() {
        let r = rules(None, 0);
        let validity = Validity {
            months: 36,
            renewal_window_months: Some(6),
        };
        let held = [HeldCertificate {
            number: "I20F-2026-000001-X".into(),
            status: CertificateStatus::Valid,
            expires_on: Some(time::macros::date!(2029 - 12 - 01)),
            renewed: false,
        }];
        let early = datetime!(2029-05-31 23:00 UTC);
        let refused =
            decide(TITLE, Some(&r), Some(&validity), &[], &held, early).expect_err("too early");
        assert_eq!(refused.rule, ResitRule::RenewalWindow);
        assert_eq!(refused.from, Some(time::macros::date!(2029 - 06 - 01)));
        let opened = datetime!(2029-06-01 00:00 UTC);
        assert_eq!(
            decide(TITLE, Some(&r), Some(&validity), &[], &held, opened),
            Ok(())
        );
    }

    #[test]
    fn a_pass_awaiting_its_decision_holds_the_candidate_back() {
        let r = rules(None, 0);
        let now = datetime!(2026-12-01 10:00 UTC);
        let mut pending = sat(now - Duration::hours(3), true);
        pending.awaiting_decision = true;
        let refused = decide(TITLE, Some(&r), None, &[pending], &[], now).expect_err("refused");
        assert_eq!(refused.rule, ResitRule::AwaitingDecision);
    }

    #[test]
    fn max_sittings_without_a_period_is_a_scheme_problem() {
        assert!(
            !rules(None, 0)
                .problems()
                .iter()
                .any(|p| p.contains("period"))
        );
        let mut r = rules(None, 0);
        r.max_sittings = Some(3);
        assert!(!r.problems().is_empty());
    }
}
