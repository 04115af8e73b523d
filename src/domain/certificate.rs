//! Certificates: the human-readable number (sequential per qualification and year, with
//! a check character), the verification code, the signed fields, and status changes.
//!
//! Number scheme: `PPPP-YYYY-NNNNNN-C`. `PPPP` is the qualification's certificate
//! prefix from the scheme file (e.g. `I20F` for ISO/IEC 20000 Foundation), `YYYY` the
//! year of issue, `NNNNNN` the sequence number within that qualification and year, and
//! `C` a check character over the other 14 characters by the Luhn mod N algorithm with
//! N = 36 (alphabet 0-9A-Z). It catches every single mistyped character and every swap
//! of two adjacent characters, so a typo is rejected before any lookup.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn code_point(c: char) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a as char == c)
        .map(|p| p as u32)
}

/// The Luhn mod 36 check character of `payload` (characters 0-9A-Z).
pub fn check_character(payload: &str) -> Option<char> {
    let n = 36;
    let mut factor = 2;
    let mut sum = 0;
    for c in payload.chars().rev() {
        let mut addend = factor * code_point(c)?;
        factor = if factor == 2 { 1 } else { 2 };
        addend = addend / n + addend % n;
        sum += addend;
    }
    let check = (n - sum % n) % n;
    Some(ALPHABET[check as usize] as char)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("a certificate number looks like I20F-2026-000123-K")]
    Malformed,
    #[error("the check character does not match: the number has been mistyped")]
    CheckCharacter,
}

impl CertificateNumber {
    pub fn new(prefix: &str, year: i32, sequence: u32) -> Option<Self> {
        let payload = format!("{prefix}{year:04}{sequence:06}");
        let check = check_character(&payload)?;
        Some(Self(format!("{prefix}-{year:04}-{sequence:06}-{check}")))
    }

    /// Parses a typed number (case-insensitive, surrounding spaces ignored).
    pub fn parse(raw: &str) -> Result<Self, NumberError> {
        let raw = raw.trim().to_uppercase();
        let parts: Vec<&str> = raw.split('-').collect();
        let [prefix, year, sequence, check] = parts[..] else {
            return Err(NumberError::Malformed);
        };
        let well_formed = prefix.len() == 4
            && prefix.chars().all(|c| code_point(c).is_some())
            && year.len() == 4
            && year.chars().all(|c| c.is_ascii_digit())
            && sequence.len() == 6
            && sequence.chars().all(|c| c.is_ascii_digit())
            && check.len() == 1;
        if !well_formed {
            return Err(NumberError::Malformed);
        }
        let expected =
            check_character(&format!("{prefix}{year}{sequence}")).ok_or(NumberError::Malformed)?;
        if !check.starts_with(expected) {
            return Err(NumberError::CheckCharacter);
        }
        Ok(Self(raw))
    }
}

impl AsRef<str> for CertificateNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CertificateNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
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
pub enum CertificateStatus {
    Valid,
    Suspended,
    Revoked,
}

/// What an administrator may do to a certificate, and what it leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusAction {
    Suspend,
    Reinstate,
    Revoke,
}

/// The status after `action`, or why it cannot be taken. A revoked certificate is final.
pub fn apply(
    current: CertificateStatus,
    action: StatusAction,
) -> Result<CertificateStatus, String> {
    use CertificateStatus::*;
    match (current, action) {
        (Revoked, _) => Err("a revoked certificate cannot change".into()),
        (Valid, StatusAction::Suspend) => Ok(Suspended),
        (Suspended, StatusAction::Reinstate) => Ok(Valid),
        (Valid | Suspended, StatusAction::Revoke) => Ok(Revoked),
        (Suspended, StatusAction::Suspend) => Err("the certificate is already suspended".into()),
        (Valid, StatusAction::Reinstate) => Err("the certificate is not suspended".into()),
    }
}

impl StatusAction {
    /// The entry this action leaves in the certificate's history.
    pub fn event(self) -> CertificateEvent {
        match self {
            StatusAction::Suspend => CertificateEvent::Suspended,
            StatusAction::Reinstate => CertificateEvent::Reinstated,
            StatusAction::Revoke => CertificateEvent::Revoked,
        }
    }

    /// What public verification shows when the administrator gives no public reason.
    pub fn default_public_reason(self) -> &'static str {
        match self {
            StatusAction::Suspend => "Suspended by the certification body",
            StatusAction::Revoke => "Revoked by the certification body",
            StatusAction::Reinstate => "Reinstated",
        }
    }
}

/// Whether a certificate may be re-issued (under a new number, the old one revoked as
/// replaced): only a valid one. A revoked certificate is final, and re-issuing a
/// suspended one would turn a suspension into a valid certificate.
pub fn check_reissue(current: CertificateStatus) -> Result<(), String> {
    match current {
        CertificateStatus::Valid => Ok(()),
        CertificateStatus::Revoked => Err("a revoked certificate cannot be re-issued".into()),
        CertificateStatus::Suspended => Err(
            "a suspended certificate cannot be re-issued; reinstate it first if it is valid".into(),
        ),
    }
}

/// An entry in a certificate's history: who did what, when and why.
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
pub enum CertificateEvent {
    Issued,
    Suspended,
    Reinstated,
    Revoked,
    /// The administrator's private reason for a status change.
    Note,
    /// Revoked because a re-issued certificate replaces it.
    Replaced,
    /// Issued to replace an earlier certificate.
    Reissued,
    /// A later certificate of the same qualification renews it.
    Renewed,
}

/// Whether `family_name`, as a verifier typed it, is the family name of the holder
/// named `holder_name` ("Given names Family name"): case, accents as typed and extra
/// spaces aside, the whole family name, never a fragment of it.
pub fn family_name_matches(holder_name: &str, family_name: &str) -> bool {
    let fold = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let (holder, family) = (fold(holder_name), fold(family_name));
    !family.is_empty() && (holder == family || holder.ends_with(&format!(" {family}")))
}

/// What a status list says of the certificates in it (W3C Bitstring Status List).
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
pub enum StatusPurpose {
    /// A set bit: revoked, for good.
    Revocation,
    /// A set bit: suspended now.
    Suspension,
}

/// The smallest list published (16 KiB of bits), so that a list never tells how many
/// certificates exist or which index is whose by its size.
pub const STATUS_LIST_BITS: usize = 131_072;

/// The bitstring of a status list: bit `index` (counting from the first byte's most
/// significant bit) is set when the certificate there has the purpose's status.
pub fn status_bits(entries: &[(u32, CertificateStatus)], purpose: StatusPurpose) -> Vec<u8> {
    let highest = entries
        .iter()
        .map(|(i, _)| *i as usize + 1)
        .max()
        .unwrap_or(0);
    let bits = highest.max(STATUS_LIST_BITS).div_ceil(8) * 8;
    let mut list = vec![0u8; bits / 8];
    for (index, status) in entries {
        let set = match purpose {
            StatusPurpose::Revocation => *status == CertificateStatus::Revoked,
            StatusPurpose::Suspension => *status == CertificateStatus::Suspended,
        };
        if set {
            let i = *index as usize;
            list[i / 8] |= 0x80 >> (i % 8);
        }
    }
    list
}

/// The fields a certificate's signature covers, in a fixed order (so the signed bytes,
/// compact JSON of this struct, are the same wherever they are computed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedFields {
    pub number: String,
    pub holder_name: String,
    pub qualification: String,
    pub qualification_title: String,
    pub edition: String,
    pub edition_title: String,
    #[schema(value_type = String, format = Date)]
    pub issued_on: String,
    pub sitting_id: String,
    pub issuer: String,
    /// Only on a certificate that expires, so older signatures stay the same bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<String>,
}

impl SignedFields {
    pub fn signing_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// An issued certificate as stored.
#[derive(Debug, Clone)]
pub struct CertificateRecord {
    pub id: Uuid,
    pub number: String,
    pub verification_code: String,
    pub sitting_id: Uuid,
    pub candidate_id: Uuid,
    pub holder_name: String,
    pub qualification: String,
    pub qualification_title: String,
    pub edition: String,
    pub edition_title: String,
    pub issued_on: Date,
    pub issuer: String,
    pub kid: String,
    pub signature: String,
    pub status: CertificateStatus,
    pub status_reason: Option<String>,
    pub status_changed_at: Option<OffsetDateTime>,
    pub replaced_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    /// Its place in the published status lists.
    pub status_index: Option<u32>,
    /// The day it expires (none: it does not).
    pub expires_on: Option<Date>,
    /// The number of the certificate this one renews.
    pub renews: Option<String>,
    /// The number of the certificate that renewed this one.
    pub renewed_by: Option<String>,
}

impl CertificateRecord {
    pub fn signed_fields(&self) -> SignedFields {
        SignedFields {
            number: self.number.clone(),
            holder_name: self.holder_name.clone(),
            qualification: self.qualification.clone(),
            qualification_title: self.qualification_title.clone(),
            edition: self.edition.clone(),
            edition_title: self.edition_title.clone(),
            issued_on: self.issued_on.to_string(),
            sitting_id: self.sitting_id.to_string(),
            issuer: self.issuer.clone(),
            expires_on: self.expires_on.map(|d| d.to_string()),
        }
    }

    /// What verification says of it on `today`: revoked and suspended as stored, and
    /// expired from its expiry date on (computed, never stored: no job flips it).
    pub fn status_on(&self, today: Date) -> VerificationStatus {
        match self.status {
            CertificateStatus::Revoked => VerificationStatus::Revoked,
            _ if super::validity::is_expired(self.expires_on, today) => VerificationStatus::Expired,
            CertificateStatus::Suspended => VerificationStatus::Suspended,
            CertificateStatus::Valid => VerificationStatus::Valid,
        }
    }
}

/// A certificate's status as verification reports it: the stored status, or `expired`
/// once past its expiry date (a revocation stays `revoked`; a suspension that outlives
/// the certificate reads `expired`, since it no longer matters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum VerificationStatus {
    Valid,
    Suspended,
    Revoked,
    Expired,
}

/// One entry of a certificate's history.
#[derive(Debug, Clone)]
pub struct EventRecord {
    pub action: CertificateEvent,
    pub reason: Option<String>,
    pub actor: Option<Uuid>,
    pub at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_carries_a_check_character_that_parsing_verifies() {
        let n = CertificateNumber::new("I20F", 2026, 123).expect("number");
        assert!(n.as_ref().starts_with("I20F-2026-000123-"));
        assert_eq!(CertificateNumber::parse(n.as_ref()), Ok(n.clone()));
        assert_eq!(CertificateNumber::parse(&n.as_ref().to_lowercase()), Ok(n));
    }

    #[test]
    fn every_single_typo_and_adjacent_swap_is_caught() {
        let n = CertificateNumber::new("I20A", 2026, 4071).expect("number");
        let s: Vec<char> = n.as_ref().chars().collect();
        for i in 0..s.len() {
            if s[i] == '-' {
                continue;
            }
            for c in ALPHABET.iter().map(|&b| b as char) {
                if c == s[i] {
                    continue;
                }
                let mut typo = s.clone();
                typo[i] = c;
                let typo: String = typo.into_iter().collect();
                assert!(CertificateNumber::parse(&typo).is_err(), "{typo} accepted");
            }
            if i + 1 < s.len() && s[i + 1] != '-' && s[i] != s[i + 1] {
                let mut swapped = s.clone();
                swapped.swap(i, i + 1);
                let swapped: String = swapped.into_iter().collect();
                assert!(
                    CertificateNumber::parse(&swapped).is_err(),
                    "{swapped} accepted"
                );
            }
        }
    }

    #[test]
    fn a_malformed_number_is_told_apart_from_a_mistyped_one() {
        assert_eq!(
            CertificateNumber::parse("hello"),
            Err(NumberError::Malformed)
        );
        assert_eq!(
            CertificateNumber::parse("I20F-26-000123-K"),
            Err(NumberError::Malformed)
        );
        let n = CertificateNumber::new("I20F", 2026, 1).expect("number");
        let wrong = format!(
            "{}{}",
            &n.as_ref()[..n.as_ref().len() - 1],
            if n.as_ref().ends_with('0') { '1' } else { '0' }
        );
        assert_eq!(
            CertificateNumber::parse(&wrong),
            Err(NumberError::CheckCharacter)
        );
    }

    #[test]
    fn revocation_is_final_and_suspension_reversible() {
        use CertificateStatus::*;
        assert_eq!(apply(Valid, StatusAction::Suspend), Ok(Suspended));
        assert_eq!(apply(Suspended, StatusAction::Reinstate), Ok(Valid));
        assert_eq!(apply(Suspended, StatusAction::Revoke), Ok(Revoked));
        assert!(apply(Revoked, StatusAction::Reinstate).is_err());
        assert!(apply(Valid, StatusAction::Reinstate).is_err());
    }

    #[test]
    fn a_status_list_sets_the_bit_of_each_certificate_with_its_purpose() {
        let entries = [
            (0, CertificateStatus::Valid),
            (1, CertificateStatus::Revoked),
            (9, CertificateStatus::Suspended),
        ];
        let revoked = status_bits(&entries, StatusPurpose::Revocation);
        assert_eq!(revoked.len(), STATUS_LIST_BITS / 8);
        assert_eq!(revoked[0], 0b0100_0000);
        assert_eq!(revoked[1], 0);
        let suspended = status_bits(&entries, StatusPurpose::Suspension);
        assert_eq!((suspended[0], suspended[1]), (0, 0b0100_0000));
    }

    #[test]
    fn a_family_name_matches_whole_and_in_any_case() {
        let holder = "Zoë O'Brien-Łukasiewicz";
        assert!(family_name_matches(holder, "o'brien-łukasiewicz"));
        assert!(family_name_matches(holder, "  O'BRIEN-ŁUKASIEWICZ "));
        assert!(!family_name_matches(holder, "Łukasiewicz"), "a fragment");
        assert!(!family_name_matches(holder, "Zoë"));
        assert!(!family_name_matches(holder, " "));
        assert!(family_name_matches("Σωκράτης Παπαδόπουλος", "παπαδόπουλος"));
    }

    #[test]
    fn verification_says_expired_from_the_expiry_date_but_revoked_stays_revoked() {
        use time::macros::{date, datetime};
        let mut c = CertificateRecord {
            id: Uuid::nil(),
            number: "DEMV-2026-000001-X".into(),
            verification_code: "code".into(),
            sitting_id: Uuid::nil(),
            candidate_id: Uuid::nil(),
            holder_name: "Zoë O'Brien".into(),
            qualification: "demo-validity".into(),
            qualification_title: "Demo Validity".into(),
            edition: "1".into(),
            edition_title: "Demo".into(),
            issued_on: date!(2026 - 12 - 01),
            issuer: "Body".into(),
            kid: "k".into(),
            signature: String::new(),
            status: CertificateStatus::Valid,
            status_reason: None,
            status_changed_at: None,
            replaced_by: None,
            created_at: datetime!(2026-12-01 10:00 UTC),
            status_index: None,
            expires_on: Some(date!(2027 - 12 - 01)),
            renews: None,
            renewed_by: None,
        };
        assert_eq!(
            c.status_on(date!(2027 - 11 - 30)),
            VerificationStatus::Valid
        );
        assert_eq!(
            c.status_on(date!(2027 - 12 - 01)),
            VerificationStatus::Expired
        );
        assert_eq!(
            c.signed_fields().expires_on.as_deref(),
            Some("2027-12-01"),
            "the expiry date is signed"
        );
        c.status = CertificateStatus::Suspended;
        assert_eq!(
            c.status_on(date!(2027 - 01 - 01)),
            VerificationStatus::Suspended
        );
        c.status = CertificateStatus::Revoked;
        assert_eq!(
            c.status_on(date!(2028 - 01 - 01)),
            VerificationStatus::Revoked
        );
        c.expires_on = None;
        c.status = CertificateStatus::Valid;
        assert!(
            !String::from_utf8_lossy(&c.signed_fields().signing_bytes()).contains("expires_on"),
            "a certificate that does not expire signs the same bytes as before"
        );
    }

    #[test]
    fn only_a_valid_certificate_can_be_reissued() {
        assert!(check_reissue(CertificateStatus::Valid).is_ok());
        assert!(check_reissue(CertificateStatus::Suspended).is_err());
        assert!(check_reissue(CertificateStatus::Revoked).is_err());
    }
}
