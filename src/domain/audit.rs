//! The audit ledger: an append-only, hash-chained record of every security-relevant event
//! and decision. Each entry carries the hash of the one before it, so altering, removing
//! or reordering an entry breaks the chain from that entry on, and `Verifier` names the
//! first entry where it breaks.
//!
//! An entry's hash is SHA-256 over the JSON array of its stored fields (sequence number,
//! time, actor, client address, action, target kind and id, detail, previous hash), as
//! lowercase hex. The fields are hashed exactly as stored (text), so verification never
//! depends on how a database returns a timestamp or orders a JSON object's keys.

use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The previous hash of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in account (or the account a sign-in attempt named and found).
    User(Uuid),
    /// The server itself: the sweeper closing a sitting at its deadline, scoring.
    System,
    /// Nobody known: a failed sign-in to an address with no account.
    Anonymous,
}

impl Actor {
    pub fn stored(&self) -> String {
        match self {
            Actor::User(id) => id.to_string(),
            Actor::System => "system".into(),
            Actor::Anonymous => "anonymous".into(),
        }
    }
}

/// What happened. The stored names are stable: outside tools read them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::AsRefStr, strum::EnumString, strum::EnumIter,
)]
pub enum Action {
    #[strum(serialize = "account.signed_in")]
    SignedIn,
    #[strum(serialize = "account.sign_in_failed")]
    SignInFailed,
    #[strum(serialize = "account.disabled")]
    AccountDisabled,
    #[strum(serialize = "account.enabled")]
    AccountEnabled,
    /// The holder's personal data was erased at their request.
    #[strum(serialize = "account.erased")]
    AccountErased,
    #[strum(serialize = "sitting.started")]
    SittingStarted,
    #[strum(serialize = "sitting.answer_saved")]
    AnswerSaved,
    #[strum(serialize = "sitting.submitted")]
    SittingSubmitted,
    #[strum(serialize = "sitting.closed_at_deadline")]
    SittingClosedAtDeadline,
    #[strum(serialize = "sitting.scored")]
    SittingScored,
    #[strum(serialize = "sitting.extended")]
    SittingExtended,
    #[strum(serialize = "sitting.marked_paper_read")]
    MarkedPaperRead,
    #[strum(serialize = "evidence.decided")]
    EvidenceDecided,
    #[strum(serialize = "candidate.extra_time_granted")]
    ExtraTimeGranted,
    #[strum(serialize = "ato.accredited")]
    Accredited,
    #[strum(serialize = "ato.accreditation_ended")]
    AccreditationEnded,
    #[strum(serialize = "enrolment.created")]
    Enrolled,
    #[strum(serialize = "enrolment.accepted")]
    EnrolmentAccepted,
    #[strum(serialize = "enrolment.outcome_recorded")]
    OutcomeRecorded,
    #[strum(serialize = "certificate.issued")]
    CertificateIssued,
    #[strum(serialize = "certificate.status_changed")]
    CertificateStatusChanged,
    #[strum(serialize = "certificate.reissued")]
    CertificateReissued,
    #[strum(serialize = "key_correction.recorded")]
    KeyCorrectionRecorded,
    #[strum(serialize = "key_correction.committed")]
    KeyCorrectionCommitted,
    #[strum(serialize = "key_correction.withdrawn")]
    KeyCorrectionWithdrawn,
    #[strum(serialize = "sitting.rescored")]
    SittingRescored,
    #[strum(serialize = "voucher.issued")]
    VouchersIssued,
    #[strum(serialize = "voucher.assigned")]
    VoucherAssigned,
    #[strum(serialize = "voucher.voided")]
    VoucherVoided,
    #[strum(serialize = "voucher.consumed")]
    VoucherConsumed,
    #[strum(serialize = "case.lodged")]
    CaseLodged,
    #[strum(serialize = "case.reviewer_assigned")]
    CaseReviewerAssigned,
    #[strum(serialize = "case.note_added")]
    CaseNoteAdded,
    #[strum(serialize = "case.decided")]
    CaseDecided,
    #[strum(serialize = "case.withdrawn")]
    CaseWithdrawn,
    #[strum(serialize = "case.remedy_applied")]
    CaseRemedyApplied,
    #[strum(serialize = "result.recommended")]
    ResultRecommended,
    #[strum(serialize = "result.decided")]
    ResultDecided,
    #[strum(serialize = "account.role_granted")]
    RoleGranted,
    #[strum(serialize = "account.role_revoked")]
    RoleRevoked,
    #[strum(serialize = "exam_session.created")]
    ExamSessionCreated,
    #[strum(serialize = "exam_session.cancelled")]
    ExamSessionCancelled,
    #[strum(serialize = "booking.created")]
    BookingCreated,
    #[strum(serialize = "booking.rescheduled")]
    BookingRescheduled,
    #[strum(serialize = "booking.cancelled")]
    BookingCancelled,
    #[strum(serialize = "invigilation.admitted")]
    CandidateAdmitted,
    #[strum(serialize = "invigilation.paused")]
    SittingPaused,
    #[strum(serialize = "invigilation.resumed")]
    SittingResumed,
    #[strum(serialize = "invigilation.extended")]
    SittingExtendedByInvigilator,
    #[strum(serialize = "invigilation.voided")]
    SittingVoided,
    /// The invigilator released a sitting from its device, so that another may open it.
    #[strum(serialize = "invigilation.device_released")]
    DeviceReleased,
    /// A released invigilated sitting was opened on a device, which now holds it.
    #[strum(serialize = "sitting.device_bound")]
    DeviceBound,
    /// A second device tried to use an invigilated sitting (the first try since it was
    /// bound).
    #[strum(serialize = "sitting.other_device_refused")]
    OtherDeviceRefused,
    #[strum(serialize = "booking.no_show")]
    BookingNoShow,
    #[strum(serialize = "certification_body.registered")]
    CertificationBodyRegistered,
    #[strum(serialize = "certification_body.status_changed")]
    CertificationBodyStatusChanged,
    #[strum(serialize = "certification_body.staff_invited")]
    CertificationBodyStaffInvited,
    #[strum(serialize = "certified_organization.recorded")]
    CertifiedOrganizationRecorded,
    #[strum(serialize = "certified_organization.corrected")]
    CertifiedOrganizationCorrected,
    #[strum(serialize = "certified_organization.status_changed")]
    CertifiedOrganizationStatusChanged,
    #[strum(serialize = "material.attached")]
    MaterialAttached,
    #[strum(serialize = "material.deleted")]
    MaterialDeleted,
}

/// What it happened to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::AsRefStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum TargetKind {
    Account,
    Sitting,
    Certificate,
    Evidence,
    Ato,
    Enrolment,
    KeyCorrection,
    Voucher,
    Case,
    ExamSession,
    Booking,
    CertificationBody,
    CertifiedOrganization,
    Material,
}

/// One event to record, before the ledger gives it its place and hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub actor: Actor,
    /// The client's address, as text.
    pub client: Option<String>,
    pub action: Action,
    pub target_kind: TargetKind,
    pub target_id: String,
    /// Before/after and the facts of the decision, as a JSON object.
    pub detail: serde_json::Value,
}

impl Event {
    pub fn new(
        actor: Actor,
        action: Action,
        target_kind: TargetKind,
        target_id: impl ToString,
        detail: serde_json::Value,
    ) -> Self {
        Self {
            actor,
            client: None,
            action,
            target_kind,
            target_id: target_id.to_string(),
            detail,
        }
    }

    /// The event as stored at position `seq` after `prev_hash`, at `at` (RFC 3339, UTC).
    pub fn seal(&self, seq: i64, at: &str, prev_hash: &str) -> Entry {
        let mut entry = Entry {
            seq,
            at: at.to_owned(),
            actor: self.actor.stored(),
            client: self.client.clone(),
            action: self.action.as_ref().to_owned(),
            target_kind: self.target_kind.as_ref().to_owned(),
            target_id: self.target_id.clone(),
            detail: self.detail.to_string(),
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
        };
        entry.hash = entry.computed_hash();
        entry
    }
}

/// One stored entry, every field as text exactly as hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub client: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    /// The hash this entry's fields give (what `hash` must be).
    pub fn computed_hash(&self) -> String {
        let fields = serde_json::json!([
            self.seq,
            self.at,
            self.actor,
            self.client,
            self.action,
            self.target_kind,
            self.target_id,
            self.detail,
            self.prev_hash,
        ]);
        hex::encode(Sha256::digest(fields.to_string().as_bytes()))
    }
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Break {
    #[error("entry {expected} is missing: the next stored entry is {found} (removed or reordered)")]
    Missing { expected: i64, found: i64 },
    #[error("entry {seq} was altered: its fields do not give its hash")]
    Altered { seq: i64 },
    #[error(
        "entry {seq} does not follow entry {}: its previous hash differs (an entry was altered, removed or reordered)",
        seq - 1
    )]
    Unlinked { seq: i64 },
    #[error(
        "the ledger ends at entry {last} but its head says {head}: entries were removed from the end"
    )]
    Truncated { last: i64, head: i64 },
    #[error("the ledger's head hash does not match entry {seq}")]
    HeadMismatch { seq: i64 },
}

/// Walks the entries in order and stops at the first break.
#[derive(Debug, Clone)]
pub struct Verifier {
    next: i64,
    prev_hash: String,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            next: 1,
            prev_hash: GENESIS.to_owned(),
        }
    }
}

impl Verifier {
    /// Checks the next entry (entries must come in ascending `seq`).
    pub fn check(&mut self, entry: &Entry) -> Result<(), Break> {
        if entry.seq != self.next {
            return Err(Break::Missing {
                expected: self.next,
                found: entry.seq,
            });
        }
        if entry.computed_hash() != entry.hash {
            return Err(Break::Altered { seq: entry.seq });
        }
        if entry.prev_hash != self.prev_hash {
            return Err(Break::Unlinked { seq: entry.seq });
        }
        self.next += 1;
        self.prev_hash = entry.hash.clone();
        Ok(())
    }

    /// Checks the end of the chain against the head the ledger keeps (the last
    /// sequence number and hash written); returns the number of entries checked.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, Break> {
        let last = self.next - 1;
        if last != head_seq {
            return Err(Break::Truncated {
                last,
                head: head_seq,
            });
        }
        if head_hash != self.prev_hash {
            return Err(Break::HeadMismatch { seq: last });
        }
        Ok(last)
    }

    pub fn last_hash(&self) -> &str {
        &self.prev_hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Entry> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let e = Event::new(
                    Actor::System,
                    Action::SittingScored,
                    TargetKind::Sitting,
                    format!("s{seq}"),
                    serde_json::json!({"score": seq}),
                )
                .seal(seq, "2026-12-01T10:00:00Z", &prev);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn verify(entries: &[Entry], head: (i64, &str)) -> Result<i64, Break> {
        let mut v = Verifier::default();
        for e in entries {
            v.check(e)?;
        }
        v.finish(head.0, head.1)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let entries = chain(5);
        let head = entries[4].hash.clone();
        assert_eq!(verify(&entries, (5, &head)), Ok(5));
        assert_eq!(verify(&[], (0, GENESIS)), Ok(0));
    }

    #[test]
    fn an_altered_field_is_caught_at_its_entry() {
        let mut entries = chain(5);
        let head = entries[4].hash.clone();
        entries[2].detail = r#"{"score":99}"#.into();
        assert_eq!(verify(&entries, (5, &head)), Err(Break::Altered { seq: 3 }));
    }

    #[test]
    fn a_rehashed_alteration_is_caught_at_the_next_entry() {
        let mut entries = chain(5);
        let head = entries[4].hash.clone();
        entries[2].detail = r#"{"score":99}"#.into();
        entries[2].hash = entries[2].computed_hash();
        assert_eq!(
            verify(&entries, (5, &head)),
            Err(Break::Unlinked { seq: 4 })
        );
    }

    #[test]
    fn a_removed_entry_is_caught() {
        let mut entries = chain(5);
        let head = entries[4].hash.clone();
        entries.remove(1);
        assert_eq!(
            verify(&entries, (5, &head)),
            Err(Break::Missing {
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn swapped_contents_are_caught() {
        let mut entries = chain(5);
        let head = entries[4].hash.clone();
        let (a, b) = (entries[1].clone(), entries[2].clone());
        entries[1] = Entry { seq: 2, ..b };
        entries[2] = Entry { seq: 3, ..a };
        assert_eq!(verify(&entries, (5, &head)), Err(Break::Altered { seq: 2 }));
    }

    #[test]
    fn entries_removed_from_the_end_are_caught() {
        let mut entries = chain(5);
        let head = entries[4].hash.clone();
        entries.truncate(3);
        assert_eq!(
            verify(&entries, (5, &head)),
            Err(Break::Truncated { last: 3, head: 5 })
        );
    }

    #[test]
    fn the_hash_covers_every_field() {
        let base = chain(1).remove(0);
        let variants = [
            Entry {
                at: "2026-12-01T10:00:01Z".into(),
                ..base.clone()
            },
            Entry {
                actor: Uuid::nil().to_string(),
                ..base.clone()
            },
            Entry {
                client: Some("10.0.0.1".into()),
                ..base.clone()
            },
            Entry {
                action: "sitting.started".into(),
                ..base.clone()
            },
            Entry {
                target_kind: "certificate".into(),
                ..base.clone()
            },
            Entry {
                target_id: "s2".into(),
                ..base.clone()
            },
            Entry {
                prev_hash: "1".repeat(64),
                ..base.clone()
            },
        ];
        for v in variants {
            assert_ne!(v.computed_hash(), base.hash, "{v:?}");
        }
    }

    #[test]
    fn action_names_round_trip() {
        use strum::IntoEnumIterator;
        for a in Action::iter() {
            let parsed: Action = a.as_ref().parse().expect("parses");
            assert_eq!(parsed, a);
        }
    }
}
