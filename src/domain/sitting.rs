//! A sitting's lifecycle and deadline arithmetic.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::paper::Paper;
use super::scoring::{AnswerShape, ScoreSheet};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    strum::AsRefStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SittingStatus {
    /// Started and before its deadline (or past it, until someone or the sweeper closes it).
    InProgress,
    /// Closed by the candidate before the deadline, and scored.
    Submitted,
    /// Closed at the deadline by the server, and scored with the answers saved in time.
    Expired,
    /// Ended unscored by an invigilator (malpractice): no result, never a certificate.
    Voided,
}

/// A sitting as stored: the paper drawn for it, its deadline and, once closed, its result.
#[derive(Debug, Clone)]
pub struct SittingRecord {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub qualification_code: String,
    pub edition: String,
    pub pool_hash: String,
    pub seed: i64,
    pub status: SittingStatus,
    pub started_at: OffsetDateTime,
    pub deadline: OffsetDateTime,
    pub duration_minutes: u32,
    pub extra_time_percent: u32,
    pub paper: Paper,
    pub max_score: u32,
    pub pass_mark: u32,
    pub closed_at: Option<OffsetDateTime>,
    pub closed_reason: Option<String>,
    pub result: Option<ScoreSheet>,
    /// The exam session it is sat in, if any.
    pub session_id: Option<Uuid>,
    /// Set while an invigilator has paused it: the clock stands still from then on.
    pub paused_at: Option<OffsetDateTime>,
    /// The device an invigilated sitting is bound to (the SHA-256 of its token);
    /// `None` for a sitting outside a session, or one the invigilator released.
    pub device: Option<String>,
}

impl SittingRecord {
    /// Whole seconds left: frozen at the moment of the pause while paused.
    pub fn remaining_seconds(&self, now: OffsetDateTime) -> i64 {
        remaining_seconds(self.paused_at.unwrap_or(now), self.deadline)
    }

    pub fn allowance(&self) -> Allowance {
        Allowance {
            started_at: self.started_at,
            deadline: self.deadline,
            duration_minutes: self.duration_minutes,
            extra_time_percent: self.extra_time_percent,
        }
    }
}

/// The time a sitting allows: its start, its deadline now (after any minutes added) and
/// what the deadline was made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub started_at: OffsetDateTime,
    pub deadline: OffsetDateTime,
    pub duration_minutes: u32,
    pub extra_time_percent: u32,
}

/// What never changes about a sitting from its start to its close: whose it is, its time
/// allowance before any added minutes, and the shape of each question's answer. Any
/// number of servers may keep these in memory; the deadline and the status, which do
/// change, are always read from the database.
#[derive(Debug, Clone)]
pub struct SittingFacts {
    pub candidate_id: Uuid,
    pub started_at: OffsetDateTime,
    pub duration_minutes: u32,
    pub extra_time_percent: u32,
    /// By question number.
    shapes: Vec<(u32, AnswerShape)>,
}

impl SittingFacts {
    pub fn of(record: &SittingRecord) -> Self {
        Self {
            candidate_id: record.candidate_id,
            started_at: record.started_at,
            duration_minutes: record.duration_minutes,
            extra_time_percent: record.extra_time_percent,
            shapes: record
                .paper
                .items
                .iter()
                .map(|i| (i.number, AnswerShape::of(&i.body)))
                .collect(),
        }
    }

    pub fn shape(&self, number: u32) -> Option<&AnswerShape> {
        self.shapes
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, shape)| shape)
    }

    pub fn allowance(&self, deadline: OffsetDateTime) -> Allowance {
        Allowance {
            started_at: self.started_at,
            deadline,
            duration_minutes: self.duration_minutes,
            extra_time_percent: self.extra_time_percent,
        }
    }
}

/// How a sitting is being closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// By the candidate, before the deadline.
    Submit,
    /// By the server, at or after the deadline.
    Expire,
}

/// `started_at + duration × (1 + extra_time_percent / 100)`, to the whole second
/// (fractions of a second are given to the candidate).
pub fn deadline(
    started_at: OffsetDateTime,
    duration_minutes: u32,
    extra_time_percent: u32,
) -> OffsetDateTime {
    let base_seconds = i64::from(duration_minutes) * 60;
    let total = (base_seconds * (100 + i64::from(extra_time_percent)) + 99) / 100;
    started_at + Duration::seconds(total)
}

/// Whole seconds left, never negative.
pub fn remaining_seconds(now: OffsetDateTime, deadline: OffsetDateTime) -> i64 {
    (deadline - now).whole_seconds().max(0)
}

/// The deadline after a pause from `paused_at` ends at `now`: later by exactly the time
/// the clock stood still (never earlier, whatever the clocks say).
pub fn resumed_deadline(
    deadline: OffsetDateTime,
    paused_at: OffsetDateTime,
    now: OffsetDateTime,
) -> OffsetDateTime {
    deadline + (now - paused_at).max(Duration::ZERO)
}

/// The device a request comes from: the web's device cookie or the API's
/// `Invigilator-Device` header, kept only as the SHA-256 of what the client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device(String);

impl Device {
    /// The device a client names with `token` (surrounding space ignored); `None` for an
    /// empty one.
    pub fn from_token(token: &str) -> Option<Self> {
        use sha2::{Digest, Sha256};
        let token = token.trim();
        (!token.is_empty()).then(|| Self(hex::encode(Sha256::digest(token.as_bytes()))))
    }

    pub fn hash(&self) -> &str {
        &self.0
    }
}

/// Whether a request from `device` may work on a sitting: one in an exam session is sat
/// on the one device it is bound to (none while released, until a device opens it); any
/// other sitting on any device of its candidate.
pub fn device_allows(in_session: bool, bound: Option<&str>, device: Option<&Device>) -> bool {
    !in_session || bound.is_some_and(|b| device.is_some_and(|d| d.hash() == b))
}

/// Answers are accepted strictly before the deadline.
pub fn is_open(now: OffsetDateTime, deadline: OffsetDateTime) -> bool {
    now < deadline
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn the_deadline_is_the_duration_after_the_start() {
        let start = datetime!(2026-11-21 09:00:00 UTC);
        assert_eq!(deadline(start, 60, 0), datetime!(2026-11-21 10:00:00 UTC));
    }

    #[test]
    fn extra_time_lengthens_the_deadline_in_proportion() {
        let start = datetime!(2026-11-21 09:00:00 UTC);
        assert_eq!(deadline(start, 60, 25), datetime!(2026-11-21 10:15:00 UTC));
        assert_eq!(deadline(start, 180, 50), datetime!(2026-11-21 13:30:00 UTC));
    }

    #[test]
    fn a_fraction_of_a_second_of_extra_time_is_rounded_up() {
        let start = datetime!(2026-11-21 09:00:00 UTC);
        // 60 s × 1.01 = 60.6 s
        assert_eq!(deadline(start, 1, 1), datetime!(2026-11-21 09:01:01 UTC));
    }

    #[test]
    fn nothing_is_accepted_at_or_after_the_deadline() {
        let d = datetime!(2026-11-21 10:00:00 UTC);
        assert!(is_open(datetime!(2026-11-21 09:59:59 UTC), d));
        assert!(!is_open(d, d));
        assert_eq!(remaining_seconds(datetime!(2026-11-21 10:05:00 UTC), d), 0);
        assert_eq!(remaining_seconds(datetime!(2026-11-21 09:59:00 UTC), d), 60);
    }

    #[test]
    fn a_pause_moves_the_deadline_by_exactly_the_paused_time() {
        let d = datetime!(2026-11-21 10:00:00 UTC);
        let paused = datetime!(2026-11-21 09:30:00 UTC);
        assert_eq!(
            resumed_deadline(d, paused, datetime!(2026-11-21 09:40:00 UTC)),
            datetime!(2026-11-21 10:10:00 UTC)
        );
        // Past the old deadline while paused: the time left is what was left at the pause.
        assert_eq!(
            resumed_deadline(d, paused, datetime!(2026-11-21 11:00:00 UTC)),
            datetime!(2026-11-21 11:30:00 UTC)
        );
        assert_eq!(
            resumed_deadline(d, paused, paused - Duration::minutes(1)),
            d
        );
    }

    #[test]
    fn one_device_per_invigilated_sitting() {
        let laptop = Device::from_token("laptop-token-0123456789").expect("a token");
        let phone = Device::from_token("phone-token-0123456789").expect("a token");
        assert_eq!(Device::from_token("  "), None);
        assert_eq!(
            Device::from_token(" laptop-token-0123456789 ").as_ref(),
            Some(&laptop)
        );
        assert_eq!(laptop.hash().len(), 64);
        assert_ne!(laptop.hash(), "laptop-token-0123456789");
        let bound = Some(laptop.hash());
        assert!(device_allows(true, bound, Some(&laptop)));
        assert!(!device_allows(true, bound, Some(&phone)));
        assert!(!device_allows(true, bound, None));
        // Released: no device works on it until one opens it again.
        assert!(!device_allows(true, None, Some(&laptop)));
        // Outside a session, any device of the candidate's.
        assert!(device_allows(false, None, None));
        assert!(device_allows(false, bound, Some(&phone)));
    }

    #[test]
    fn status_names_round_trip() {
        for s in [
            SittingStatus::InProgress,
            SittingStatus::Submitted,
            SittingStatus::Expired,
            SittingStatus::Voided,
        ] {
            assert_eq!(s.as_ref().parse::<SittingStatus>().ok(), Some(s));
            assert_eq!(serde_json::to_value(s).ok(), Some(s.as_ref().into()));
        }
    }
}
