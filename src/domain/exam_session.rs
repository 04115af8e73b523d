//! Exam sessions, bookings and invigilation as rules: a session's window, capacity and
//! reschedule cut-off, who may start a sitting in it, and the state an invigilator sees
//! for each booked candidate. Pure: every rule gets `now`.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::sitting::SittingStatus;

/// How a session is delivered.
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
pub enum SessionMode {
    /// Candidates sit at home, watched online by the invigilator.
    OnlineInvigilated,
    /// Candidates sit at a venue (named in `venue`).
    Venue,
}

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
pub enum SessionStatus {
    Scheduled,
    Cancelled,
}

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
pub enum BookingStatus {
    /// A seat is held; the sitting has not started.
    Booked,
    /// The sitting started in the session (`sitting_id`).
    Started,
    /// Given up by the candidate, or the session was cancelled.
    Cancelled,
    /// The session closed and the candidate never started: the voucher booked for it
    /// is used up or given back, as the qualification's policy says.
    NoShow,
}

/// Why an invigilator acted: required on every action, for the record.
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
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReasonCategory {
    Technical,
    CandidateWelfare,
    Emergency,
    Malpractice,
    Administrative,
    Other,
}

impl ReasonCategory {
    pub fn label(self) -> &'static str {
        match self {
            Self::Technical => "Technical problem",
            Self::CandidateWelfare => "Candidate welfare",
            Self::Emergency => "Emergency (fire alarm, evacuation)",
            Self::Malpractice => "Malpractice",
            Self::Administrative => "Administrative",
            Self::Other => "Other",
        }
    }
}

/// What an invigilator did.
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
pub enum ActionKind {
    Admit,
    Pause,
    Resume,
    Extend,
    Void,
    /// Frees the sitting from the device it is bound to: the next device to open it
    /// holds it (a laptop that died, a browser that crashed).
    Release,
}

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamSession {
    pub id: Uuid,
    pub qualification_code: String,
    pub opens_at: OffsetDateTime,
    pub closes_at: OffsetDateTime,
    pub mode: SessionMode,
    pub venue: Option<String>,
    pub capacity: u32,
    pub seats_taken: u32,
    pub invigilator_id: Uuid,
    pub requires_admission: bool,
    /// Typed by a candidate instead of being admitted one by one.
    pub access_code: Option<String>,
    pub reschedule_cutoff_hours: u32,
    pub status: SessionStatus,
    pub created_by: Uuid,
    pub created_at: OffsetDateTime,
}

impl ExamSession {
    /// The last moment a booking in it may be moved or cancelled.
    pub fn cutoff(&self) -> OffsetDateTime {
        cutoff(self.opens_at, self.reschedule_cutoff_hours)
    }

    /// Open for booking: scheduled, not yet at its cut-off, a seat left.
    pub fn bookable(&self, now: OffsetDateTime) -> bool {
        self.status == SessionStatus::Scheduled
            && now < self.cutoff()
            && has_seat(self.seats_taken, self.capacity)
    }
}

/// A candidate's booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub id: Uuid,
    pub session_id: Uuid,
    pub candidate_id: Uuid,
    pub qualification_code: String,
    pub status: BookingStatus,
    pub booked_at: OffsetDateTime,
    pub admitted_at: Option<OffsetDateTime>,
    pub sitting_id: Option<Uuid>,
}

/// A session to create, valid by construction.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub qualification_code: String,
    pub opens_at: OffsetDateTime,
    pub closes_at: OffsetDateTime,
    pub mode: SessionMode,
    pub venue: Option<String>,
    pub capacity: u32,
    pub invigilator_id: Uuid,
    pub requires_admission: bool,
    pub reschedule_cutoff_hours: u32,
}

/// Most candidates one session holds.
pub const MAX_CAPACITY: u32 = 500;
/// The longest cut-off a session may set (four weeks).
pub const MAX_CUTOFF_HOURS: u32 = 672;

/// A field of a new session and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub message: String,
}

impl NewSession {
    /// Checks what the fields say together: the window closes after it opens and lies
    /// ahead, a venue session names its venue, the capacity is 1 to [`MAX_CAPACITY`].
    pub fn check(&self, now: OffsetDateTime) -> Result<(), FieldProblem> {
        let problem = |field, message: &str| {
            Err(FieldProblem {
                field,
                message: message.to_owned(),
            })
        };
        if self.closes_at <= self.opens_at {
            return problem("closes_at", "the session must close after it opens");
        }
        if self.closes_at <= now {
            return problem("closes_at", "the session must close in the future");
        }
        if self.capacity == 0 || self.capacity > MAX_CAPACITY {
            return problem("capacity", "a session holds 1 to 500 candidates");
        }
        if self.reschedule_cutoff_hours > MAX_CUTOFF_HOURS {
            return problem(
                "reschedule_cutoff_hours",
                "the cut-off is at most 672 hours (four weeks)",
            );
        }
        match (self.mode, &self.venue) {
            (SessionMode::Venue, None) => problem("venue", "a venue session names its venue"),
            (SessionMode::OnlineInvigilated, Some(_)) => {
                problem("venue", "an online session has no venue")
            }
            _ => Ok(()),
        }
    }
}

/// `opens_at` less the cut-off.
pub fn cutoff(opens_at: OffsetDateTime, hours: u32) -> OffsetDateTime {
    opens_at - Duration::hours(i64::from(hours))
}

/// A booking may be moved or cancelled strictly before the cut-off.
pub fn may_change_booking(now: OffsetDateTime, opens_at: OffsetDateTime, hours: u32) -> bool {
    now < cutoff(opens_at, hours)
}

pub fn has_seat(taken: u32, capacity: u32) -> bool {
    taken < capacity
}

/// Why a sitting may not start in a session now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StartRefusal {
    #[error("this qualification is sat in a booked exam session: book a session first")]
    SessionRequired,
    #[error("your exam session has been cancelled")]
    SessionCancelled,
    #[error("your exam session has not opened yet")]
    NotYetOpen,
    #[error("your exam session has closed")]
    Closed,
    #[error("the invigilator has not admitted you yet (or type the session's access code)")]
    NotAdmitted,
}

impl StartRefusal {
    /// The rule's name, as the problem's type says it.
    pub fn rule(self) -> &'static str {
        match self {
            Self::SessionRequired => "session-required",
            Self::SessionCancelled => "session-cancelled",
            Self::NotYetOpen => "session-not-open",
            Self::Closed => "session-closed",
            Self::NotAdmitted => "not-admitted",
        }
    }
}

/// Whether a sitting may start now in `session` for a booking admitted (or not), given
/// the access code the candidate typed.
pub fn may_start(
    session: &ExamSession,
    admitted: bool,
    typed_code: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), StartRefusal> {
    if session.status == SessionStatus::Cancelled {
        return Err(StartRefusal::SessionCancelled);
    }
    if now < session.opens_at {
        return Err(StartRefusal::NotYetOpen);
    }
    if now >= session.closes_at {
        return Err(StartRefusal::Closed);
    }
    if session.requires_admission && !admitted {
        let matches = match (typed_code, &session.access_code) {
            (Some(typed), Some(code)) => normalize_code(typed) == *code,
            _ => false,
        };
        if !matches {
            return Err(StartRefusal::NotAdmitted);
        }
    }
    Ok(())
}

/// The characters an access code is made of: no 0/O, 1/I/L to misread.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// An eight-character access code from random bits.
pub fn access_code(random: u64) -> String {
    let mut r = random;
    (0..8)
        .map(|_| {
            let c = CODE_ALPHABET[(r % CODE_ALPHABET.len() as u64) as usize];
            r /= CODE_ALPHABET.len() as u64;
            c as char
        })
        .collect()
}

/// A typed code, upper-cased and without spaces or dashes.
pub fn normalize_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A booked candidate's state, as the invigilator sees it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, strum::AsRefStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CandidateState {
    Waiting,
    Admitted,
    InProgress,
    Paused,
    Finished,
    Voided,
    Absent,
}

impl CandidateState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Waiting => "Waiting",
            Self::Admitted => "Admitted",
            Self::InProgress => "In progress",
            Self::Paused => "Paused",
            Self::Finished => "Finished",
            Self::Voided => "Voided",
            Self::Absent => "Absent",
        }
    }
}

/// The state of a booked candidate from their booking and sitting (if started).
pub fn candidate_state(
    session: &ExamSession,
    admitted: bool,
    sitting: Option<(SittingStatus, bool)>,
    now: OffsetDateTime,
) -> CandidateState {
    match sitting {
        Some((SittingStatus::InProgress, true)) => CandidateState::Paused,
        Some((SittingStatus::InProgress, false)) => CandidateState::InProgress,
        Some((SittingStatus::Voided, _)) => CandidateState::Voided,
        Some(_) => CandidateState::Finished,
        None if now >= session.closes_at => CandidateState::Absent,
        None if admitted => CandidateState::Admitted,
        None => CandidateState::Waiting,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn session() -> ExamSession {
        ExamSession {
            id: Uuid::nil(),
            qualification_code: "iso20000-foundation".into(),
            opens_at: datetime!(2026-12-10 09:00:00 UTC),
            closes_at: datetime!(2026-12-10 12:00:00 UTC),
            mode: SessionMode::OnlineInvigilated,
            venue: None,
            capacity: 2,
            seats_taken: 0,
            invigilator_id: Uuid::nil(),
            requires_admission: true,
            access_code: Some("ABCD2345".into()),
            reschedule_cutoff_hours: 24,
            status: SessionStatus::Scheduled,
            created_by: Uuid::nil(),
            created_at: datetime!(2026-12-01 09:00:00 UTC),
        }
    }

    #[test]
    fn a_sitting_starts_only_inside_the_window() {
        let s = session();
        let before = datetime!(2026-12-10 08:59:59 UTC);
        assert_eq!(
            may_start(&s, true, None, before),
            Err(StartRefusal::NotYetOpen)
        );
        assert_eq!(may_start(&s, true, None, s.opens_at), Ok(()));
        assert_eq!(
            may_start(&s, true, None, s.closes_at),
            Err(StartRefusal::Closed)
        );
    }

    #[test]
    fn admission_or_the_access_code_lets_a_candidate_in() {
        let s = session();
        let at = datetime!(2026-12-10 09:05:00 UTC);
        assert_eq!(
            may_start(&s, false, None, at),
            Err(StartRefusal::NotAdmitted)
        );
        assert_eq!(
            may_start(&s, false, Some("WRONG234"), at),
            Err(StartRefusal::NotAdmitted)
        );
        assert_eq!(may_start(&s, false, Some("abcd-2345"), at), Ok(()));
        assert_eq!(may_start(&s, true, None, at), Ok(()));
    }

    #[test]
    fn a_booking_can_be_changed_until_the_cut_off_only() {
        let s = session();
        assert_eq!(s.cutoff(), datetime!(2026-12-09 09:00:00 UTC));
        assert!(may_change_booking(
            datetime!(2026-12-09 08:59:59 UTC),
            s.opens_at,
            24
        ));
        assert!(!may_change_booking(s.cutoff(), s.opens_at, 24));
    }

    #[test]
    fn the_last_seat_is_the_last() {
        assert!(has_seat(1, 2));
        assert!(!has_seat(2, 2));
        let mut s = session();
        s.seats_taken = 2;
        assert!(!s.bookable(datetime!(2026-12-01 10:00:00 UTC)));
    }

    #[test]
    fn a_new_session_closes_after_it_opens_and_a_venue_session_names_its_venue() {
        let now = datetime!(2026-12-01 10:00:00 UTC);
        let mut new = NewSession {
            qualification_code: "iso20000-foundation".into(),
            opens_at: datetime!(2026-12-10 09:00:00 UTC),
            closes_at: datetime!(2026-12-10 08:00:00 UTC),
            mode: SessionMode::Venue,
            venue: None,
            capacity: 10,
            invigilator_id: Uuid::nil(),
            requires_admission: false,
            reschedule_cutoff_hours: 24,
        };
        assert_eq!(new.check(now).map_err(|p| p.field), Err("closes_at"));
        new.closes_at = datetime!(2026-12-10 12:00:00 UTC);
        assert_eq!(new.check(now).map_err(|p| p.field), Err("venue"));
        new.venue = Some("London, 1 Main St".into());
        assert_eq!(new.check(now), Ok(()));
        new.capacity = 0;
        assert_eq!(new.check(now).map_err(|p| p.field), Err("capacity"));
    }

    #[test]
    fn states_follow_the_booking_and_the_sitting() {
        let s = session();
        let during = datetime!(2026-12-10 10:00:00 UTC);
        let after = datetime!(2026-12-10 12:00:00 UTC);
        assert_eq!(
            candidate_state(&s, false, None, during),
            CandidateState::Waiting
        );
        assert_eq!(
            candidate_state(&s, true, None, during),
            CandidateState::Admitted
        );
        assert_eq!(
            candidate_state(&s, true, None, after),
            CandidateState::Absent
        );
        assert_eq!(
            candidate_state(&s, true, Some((SittingStatus::InProgress, true)), during),
            CandidateState::Paused
        );
        assert_eq!(
            candidate_state(&s, true, Some((SittingStatus::Voided, false)), after),
            CandidateState::Voided
        );
        assert_eq!(
            candidate_state(&s, true, Some((SittingStatus::Submitted, false)), after),
            CandidateState::Finished
        );
    }

    #[test]
    fn access_codes_are_eight_unambiguous_characters() {
        let code = access_code(0x1234_5678_9abc_def0);
        assert_eq!(code.len(), 8);
        assert!(code.bytes().all(|c| CODE_ALPHABET.contains(&c)));
        assert_eq!(normalize_code(" ab-cd "), "ABCD");
    }
}
