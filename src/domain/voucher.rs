//! Vouchers: one candidate's entitlement to one sitting of one qualification.
//!
//! A code is 60 random bits written as twelve Crockford base32 characters and a check
//! character, grouped `ABCD-EFGH-JKMN-P`. The check is Damm's algorithm over the
//! quasigroup `x ∘ y = 2·x + y` in GF(32) (the field built on x⁵ + x² + 1): a quasigroup
//! catches every single-character substitution and, being totally anti-symmetric
//! (`2 ≠ 1`), every transposition of two adjacent characters, the check character
//! included. The server keeps only the SHA-256 of the normalised code and its last four
//! characters for display: the code is a bearer secret.
//!
//! A voucher's stored state moves issued → assigned → booked → consumed, or to void; it
//! reads "expired" from its expiry on, computed from `expires_at` and `now` by every read,
//! so no job has to run for a voucher to stop working.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Date, Duration, OffsetDateTime, Time};
use uuid::Uuid;

use super::fields::FieldErrors;
use super::values::{parse_date, parse_text};

/// Crockford's base32 alphabet: digits and letters without I, L, O and U.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Random characters in a code (5 bits each: 60 bits).
pub const DATA_CHARS: usize = 12;
/// Most vouchers one batch issues.
pub const MAX_BATCH: u32 = 1000;
/// The longest validity a batch may have, in days.
pub const MAX_VALIDITY_DAYS: i64 = 3 * 366;
/// Longest reason for voiding a voucher, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// x⁵ + x² + 1, irreducible over GF(2): GF(32) is the polynomials modulo it.
const FIELD_POLYNOMIAL: u8 = 0b10_0101;

/// The quasigroup operation `2·x + y` of GF(32).
fn op(x: u8, y: u8) -> u8 {
    let doubled = x << 1;
    let reduced = if doubled & 0b10_0000 != 0 {
        doubled ^ FIELD_POLYNOMIAL
    } else {
        doubled
    };
    reduced ^ y
}

fn value_of(c: u8) -> Option<u8> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u8)
}

/// Damm's interim value after `values`.
fn interim(values: impl IntoIterator<Item = u8>) -> u8 {
    values.into_iter().fold(0, op)
}

/// The check value for these data values: the one that brings the interim to zero.
fn check_value(values: &[u8]) -> u8 {
    let i = interim(values.iter().copied());
    // x ∘ y = 0 ⇔ y = 2·x (addition is XOR): the check is the interim doubled.
    op(i, 0)
}

/// A voucher code, normalised and with a check character that matches.
#[derive(Clone, PartialEq, Eq)]
pub struct VoucherCode(String);

impl std::fmt::Debug for VoucherCode {
    /// A bearer secret: only its last four characters are ever printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VoucherCode(…{})", self.last4())
    }
}

impl VoucherCode {
    /// A fresh code from 60 random bits (the caller draws them from a CSPRNG).
    pub fn from_random(bits: u64) -> Self {
        let mut values: Vec<u8> = (0..DATA_CHARS)
            .map(|i| ((bits >> (5 * i)) & 0x1f) as u8)
            .collect();
        values.push(check_value(&values));
        Self(
            values
                .into_iter()
                .map(|v| ALPHABET[v as usize] as char)
                .collect(),
        )
    }

    /// A code as a person typed it: case, dashes and spaces do not matter, O reads as 0
    /// and I or L as 1. Refuses a code whose check character does not match.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut values = Vec::with_capacity(DATA_CHARS + 1);
        for c in raw.chars() {
            let c = match c.to_ascii_uppercase() {
                '-' | ' ' | '\t' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            let value = u8::try_from(c)
                .ok()
                .and_then(value_of)
                .ok_or_else(|| format!("{c:?} is not a character of a voucher code"))?;
            values.push(value);
            if values.len() > DATA_CHARS + 1 {
                break;
            }
        }
        if values.len() != DATA_CHARS + 1 {
            return Err(format!(
                "a voucher code has {} characters (e.g. ABCD-EFGH-JKMN-P)",
                DATA_CHARS + 1
            ));
        }
        if interim(values.iter().copied()) != 0 {
            return Err("is not a valid code: a character is mistyped or two are swapped".into());
        }
        Ok(Self(
            values
                .into_iter()
                .map(|v| ALPHABET[v as usize] as char)
                .collect(),
        ))
    }

    /// The code grouped in fours for people: `ABCD-EFGH-JKMN-P`.
    pub fn grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// What the server stores to find a code again: SHA-256 of the normalised code.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// The last four characters, for people to tell vouchers apart.
    pub fn last4(&self) -> String {
        self.0[self.0.len() - 4..].to_owned()
    }
}

/// Whether a qualification needs a voucher to be sat.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VoucherPolicy {
    /// Anyone eligible may sit (the shipped sample configuration).
    #[default]
    None,
    /// Each sitting consumes a voucher.
    Required,
}

/// The state a voucher's row records.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    strum::AsRefStr,
    strum::EnumString,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[strum(serialize_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum VoucherState {
    Issued,
    Assigned,
    Booked,
    Consumed,
    Expired,
    Void,
}

impl VoucherState {
    /// States a voucher can still move on from; past its expiry these read `Expired`.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Issued | Self::Assigned | Self::Booked)
    }

    /// The state a reader sees at `now`: a live voucher past its expiry is expired.
    pub fn at(self, expires_at: OffsetDateTime, now: OffsetDateTime) -> Self {
        if self.is_live() && now >= expires_at {
            Self::Expired
        } else {
            self
        }
    }
}

/// A voucher as stored (never its code).
#[derive(Debug, Clone, PartialEq)]
pub struct VoucherRecord {
    pub id: Uuid,
    pub batch_id: Uuid,
    pub code_last4: String,
    pub qualification: String,
    pub valid_from: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// The ATO it was issued to; `None` for a voucher issued for a candidate to redeem.
    pub ato_id: Option<Uuid>,
    /// The stored state; read it through [`VoucherRecord::state_at`].
    pub stored_state: VoucherState,
    pub issued_by: Uuid,
    pub issued_at: OffsetDateTime,
    pub candidate_id: Option<Uuid>,
    pub assigned_by: Option<Uuid>,
    pub assigned_at: Option<OffsetDateTime>,
    pub booking_id: Option<Uuid>,
    pub booked_at: Option<OffsetDateTime>,
    pub sitting_id: Option<Uuid>,
    pub consumed_at: Option<OffsetDateTime>,
    pub voided_by: Option<Uuid>,
    pub voided_at: Option<OffsetDateTime>,
    pub void_reason: Option<String>,
    pub reminded_at: Option<OffsetDateTime>,
}

impl VoucherRecord {
    pub fn state_at(&self, now: OffsetDateTime) -> VoucherState {
        self.stored_state.at(self.expires_at, now)
    }

    /// Whether it can pay for a sitting starting at `now`.
    pub fn usable_at(&self, now: OffsetDateTime) -> bool {
        matches!(
            self.state_at(now),
            VoucherState::Assigned | VoucherState::Booked
        ) && self.valid_from <= now
    }
}

/// A batch as an administrator asks for it: `count` vouchers for one qualification, valid
/// from the start of `valid_from` to the end of `expires_on` (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBatch {
    pub qualification: String,
    pub count: u32,
    pub valid_from: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

impl NewBatch {
    pub fn parse(
        qualification: &str,
        count: i64,
        valid_from: &str,
        expires_on: &str,
        today: Date,
        offered: impl Fn(&str) -> bool,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let qualification = errors.check(
            "qualification",
            if offered(qualification) {
                Ok(qualification.to_owned())
            } else {
                Err(format!("there is no qualification {qualification}"))
            },
        );
        let count = errors.check(
            "count",
            u32::try_from(count)
                .ok()
                .filter(|c| (1..=MAX_BATCH).contains(c))
                .ok_or_else(|| format!("must be between 1 and {MAX_BATCH}")),
        );
        let from = errors.check("valid_from", parse_date(valid_from));
        let until = errors.check("expires_on", parse_date(expires_on));
        if let (Some(from), Some(until)) = (from, until) {
            if until < from {
                errors.add("expires_on", "must not be before valid_from");
            } else if until < today {
                errors.add("expires_on", "must not be in the past");
            } else if (until - from).whole_days() > MAX_VALIDITY_DAYS {
                errors.add(
                    "expires_on",
                    format!("a batch is valid for at most {MAX_VALIDITY_DAYS} days"),
                );
            }
        }
        errors.finish(|| {
            Some(Self {
                qualification: qualification?,
                count: count?,
                valid_from: from?.with_time(Time::MIDNIGHT).assume_utc(),
                expires_at: (until? + Duration::days(1))
                    .with_time(Time::MIDNIGHT)
                    .assume_utc(),
            })
        })
    }
}

/// Why a voucher is voided: required, shown to the ATO.
pub fn parse_void_reason(raw: &str) -> Result<String, String> {
    parse_text(raw, MAX_REASON_CHARS)
}

/// One data row of an assignment upload: its line number and the e-mail address and
/// qualification, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentRow {
    pub row: usize,
    pub request: Result<(super::values::EmailAddress, String), String>,
}

pub const ASSIGNMENT_HEADER: [&str; 2] = ["email", "qualification"];

/// Parses an assignment upload (`email,qualification`). A bad row is reported with its
/// reason and never stops the others. `None` when the header is wrong or the file is not
/// UTF-8 or has more than [`MAX_BATCH`] rows (with why).
pub fn parse_assignments(bytes: &[u8]) -> Result<Vec<AssignmentRow>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_owned())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(str::to_lowercase).collect(),
        _ => Vec::new(),
    };
    if header != ASSIGNMENT_HEADER {
        return Err("the first line must be the header email,qualification".into());
    }
    let mut rows = Vec::new();
    for (index, record) in records.enumerate() {
        let row = index + 2;
        let request = match record {
            Err(e) => Err(format!("unreadable: {e}")),
            Ok(r) if r.iter().all(str::is_empty) => continue,
            Ok(r) if r.len() != 2 => Err(format!(
                "has {} fields; expected email,qualification",
                r.len()
            )),
            Ok(r) => super::values::EmailAddress::parse(&r[0])
                .map(|email| (email, r[1].to_owned()))
                .map_err(|m| format!("email {m}")),
        };
        rows.push(AssignmentRow { row, request });
        if rows.len() > MAX_BATCH as usize {
            return Err(format!(
                "the file has more than {MAX_BATCH} rows; upload at most {MAX_BATCH} at a time"
            ));
        }
    }
    Ok(rows)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn code(bits: u64) -> String {
        VoucherCode::from_random(bits).0
    }

    fn sample_codes() -> impl Iterator<Item = String> {
        // A spread of codes: small, large, and a simple LCG over the 60 bits.
        let mut x: u64 = 0x1234_5678_9abc_def0;
        (0..200).map(move |i| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            code(if i < 2 { i * ((1 << 60) - 1) } else { x >> 4 })
        })
    }

    #[test]
    fn the_operation_is_a_quasigroup_so_every_substitution_changes_the_result() {
        for x in 0..32 {
            let mut rows = std::collections::BTreeSet::new();
            let mut columns = std::collections::BTreeSet::new();
            for y in 0..32 {
                rows.insert(op(x, y));
                columns.insert(op(y, x));
            }
            assert_eq!(rows.len(), 32);
            assert_eq!(columns.len(), 32);
        }
    }

    #[test]
    fn the_operation_is_totally_anti_symmetric_so_every_adjacent_swap_is_caught() {
        for c in 0..32 {
            for x in 0..32 {
                for y in 0..32 {
                    if x != y {
                        assert_ne!(op(op(c, x), y), op(op(c, y), x), "{c} {x} {y}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_fresh_code_is_thirteen_characters_grouped_in_fours_and_parses_back() {
        let c = VoucherCode::from_random(0x0abc_def0_1234_5678);
        let grouped = c.grouped();
        assert_eq!(grouped.len(), 16);
        assert_eq!(grouped.matches('-').count(), 3);
        assert_eq!(VoucherCode::parse(&grouped), Ok(c.clone()));
        assert_eq!(c.last4(), grouped.replace('-', "")[9..]);
    }

    #[test]
    fn every_single_character_substitution_is_rejected() {
        for code in sample_codes() {
            assert!(VoucherCode::parse(&code).is_ok());
            for position in 0..code.len() {
                for &replacement in ALPHABET {
                    let mut typo = code.clone().into_bytes();
                    if typo[position] == replacement {
                        continue;
                    }
                    typo[position] = replacement;
                    let typo = String::from_utf8(typo).unwrap();
                    assert!(VoucherCode::parse(&typo).is_err(), "{code} → {typo}");
                }
            }
        }
    }

    #[test]
    fn every_adjacent_transposition_is_rejected() {
        for code in sample_codes() {
            for position in 0..code.len() - 1 {
                let mut swapped = code.clone().into_bytes();
                if swapped[position] == swapped[position + 1] {
                    continue;
                }
                swapped.swap(position, position + 1);
                let swapped = String::from_utf8(swapped).unwrap();
                assert!(VoucherCode::parse(&swapped).is_err(), "{code} → {swapped}");
            }
        }
    }

    #[test]
    fn case_dashes_spaces_and_look_alike_letters_do_not_matter() {
        // A code with 0 and 1 in it, typed with o, i and l.
        let c = (0..u64::MAX)
            .map(|b| VoucherCode::from_random(b * 7919))
            .find(|c| c.0.contains('0') && c.0.contains('1'))
            .unwrap();
        let typed = c
            .grouped()
            .to_lowercase()
            .replacen('0', "o", 1)
            .replacen('1', "l", 1)
            .replace('-', " - ");
        assert_eq!(VoucherCode::parse(&typed), Ok(c.clone()));
        assert_eq!(
            VoucherCode::parse(&c.grouped().replacen('1', "I", 1)),
            Ok(c)
        );
    }

    #[test]
    fn a_code_of_the_wrong_length_or_with_foreign_characters_is_rejected() {
        let c = code(42);
        assert!(VoucherCode::parse(&c[..12]).is_err());
        assert!(VoucherCode::parse(&format!("{c}0")).is_err());
        assert!(VoucherCode::parse(&format!("{}U", &c[..12])).is_err());
        assert!(VoucherCode::parse("").is_err());
    }

    #[test]
    fn the_debug_form_never_shows_the_whole_code() {
        let c = VoucherCode::from_random(99);
        assert!(!format!("{c:?}").contains(&c.0));
    }

    #[test]
    fn a_live_voucher_reads_expired_from_its_expiry_on() {
        let expires = time::macros::datetime!(2027-01-01 0:00 UTC);
        let before = expires - Duration::seconds(1);
        assert_eq!(
            VoucherState::Assigned.at(expires, before),
            VoucherState::Assigned
        );
        assert_eq!(
            VoucherState::Assigned.at(expires, expires),
            VoucherState::Expired
        );
        assert_eq!(
            VoucherState::Consumed.at(expires, expires),
            VoucherState::Consumed
        );
        assert_eq!(VoucherState::Void.at(expires, expires), VoucherState::Void);
    }

    #[test]
    fn a_batch_needs_a_known_qualification_a_count_and_an_ordered_period() {
        let today = time::macros::date!(2026 - 12 - 01);
        let known = |q: &str| q == "iso20000-foundation";
        let batch = NewBatch::parse(
            "iso20000-foundation",
            5,
            "2026-12-01",
            "2027-05-31",
            today,
            known,
        )
        .unwrap();
        assert_eq!(
            batch.expires_at,
            time::macros::datetime!(2027-06-01 0:00 UTC)
        );
        let fields = |e: FieldErrors| e.iter().map(|f| f.field.clone()).collect::<Vec<_>>();
        let bad = NewBatch::parse("nope", 1001, "2026-12-02", "2026-12-01", today, known);
        assert_eq!(
            fields(bad.unwrap_err()),
            ["qualification", "count", "expires_on"]
        );
        let zero = NewBatch::parse("iso20000-foundation", 0, "x", "2026-12-01", today, known);
        assert_eq!(fields(zero.unwrap_err()), ["count", "valid_from"]);
        let past = NewBatch::parse(
            "iso20000-foundation",
            1,
            "2026-01-01",
            "2026-11-30",
            today,
            known,
        );
        assert_eq!(fields(past.unwrap_err()), ["expires_on"]);
    }

    #[test]
    fn an_assignment_upload_reports_each_bad_row_and_keeps_the_good_ones() {
        let rows = parse_assignments(
            b"email,qualification\nzoe@example.org,iso20000-foundation\nnot-an-address,iso20000-foundation\na@example.org\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 3);
        assert!(rows[0].request.is_ok());
        assert_eq!(rows[1].row, 3);
        assert!(rows[1].request.is_err());
        assert_eq!(rows[2].row, 4);
        assert!(rows[2].request.is_err());
        assert!(parse_assignments(b"given_name,email\n").is_err());
    }
}
