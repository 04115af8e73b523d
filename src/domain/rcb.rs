//! The organizational certification register: registered certification bodies (RCBs)
//! and the organizations they certified against ISO/IEC 20000-1. A record's stored
//! status is what its body last decided; whether it has expired is read from its expiry
//! date against the server's today, so expiry needs no job.

use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::fields::FieldErrors;
use super::values::{CountryCode, check_period, parse_date, parse_text};

/// The ISO 3166-1 alpha-2 codes officially assigned (249), so that a typing slip such
/// as `UK` or `GX` is refused rather than split the register's country search.
const ASSIGNED_COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ \
EC EE EG EH ER ES ET FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU \
ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ \
LA LB LC LI LK LR LS LT LU LV LY \
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA \
RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ \
VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// A country code that ISO 3166-1 assigns, upper-cased.
pub fn assigned_country(raw: &str) -> Result<CountryCode, String> {
    let code = CountryCode::parse(raw)?;
    if ASSIGNED_COUNTRIES
        .split_ascii_whitespace()
        .any(|c| c == code.as_ref())
    {
        Ok(code)
    } else {
        Err(format!(
            "{} is not an ISO 3166-1 country code (e.g. GB, NL, DE)",
            code.as_ref()
        ))
    }
}

/// The editions of ISO/IEC 20000-1 an organization can be certified against. A short
/// fixed list rather than free text: the standard has had three editions, and free text
/// ("ISO 20000:2011", "20000-1 2011") would split the public search and let a typing
/// slip into a public register.
pub const EDITIONS: [&str; 3] = [
    "ISO/IEC 20000-1:2005",
    "ISO/IEC 20000-1:2011",
    "ISO/IEC 20000-1:2018",
];

/// Where a certification body stands with the scheme.
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
pub enum BodyStatus {
    Active,
    Suspended,
    /// Final: a withdrawn body is not reinstated (register it again).
    Withdrawn,
}

/// A body's status change: to what, why, and whether the move is allowed from `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyStatusChange {
    pub status: BodyStatus,
    pub reason: String,
}

impl BodyStatusChange {
    pub fn parse(status: BodyStatus, reason: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let reason = errors.check("reason", parse_text(reason, 2000));
        errors.finish(|| {
            Some(Self {
                status,
                reason: reason?,
            })
        })
    }

    /// Why the change cannot be made from `from`, if it cannot.
    pub fn refused_from(&self, from: BodyStatus) -> Option<&'static str> {
        if from == BodyStatus::Withdrawn {
            Some("this certification body is withdrawn; register it again instead")
        } else if from == self.status {
            Some("the certification body already has this status")
        } else {
            None
        }
    }
}

/// A certification body as an administrator records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBody {
    pub name: String,
    pub country: CountryCode,
    pub accreditation_body: String,
}

impl NewBody {
    pub fn parse(name: &str, country: &str, accreditation_body: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", parse_text(name, 200));
        let country = errors.check("country", assigned_country(country));
        let accreditation = errors.check("accreditation_body", parse_text(accreditation_body, 200));
        errors.finish(|| {
            Some(Self {
                name: name?,
                country: country?,
                accreditation_body: accreditation?,
            })
        })
    }
}

#[derive(Debug, Clone)]
pub struct BodyRecord {
    pub id: Uuid,
    pub name: String,
    pub country: String,
    pub accreditation_body: String,
    pub status: BodyStatus,
    /// The day the current status took effect.
    pub status_since: Date,
    pub created_at: OffsetDateTime,
}

/// One entry of a status history (a body's or a certified organization's).
#[derive(Debug, Clone)]
pub struct StatusChange<S> {
    pub status: S,
    pub reason: Option<String>,
    pub effective_on: Date,
    pub changed_by: Uuid,
    pub changed_at: OffsetDateTime,
}

/// What a certifying body decided about a certificate.
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
pub enum CertificationStatus {
    Valid,
    Suspended,
    /// Final.
    Withdrawn,
}

/// How a record reads today: its body's decision, or `expired` once its expiry date is
/// past (a withdrawal stays a withdrawal).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    utoipa::ToSchema,
    strum::AsRefStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ShownStatus {
    Valid,
    Suspended,
    Withdrawn,
    Expired,
}

/// The status a record shows on `today`.
pub fn shown_status(stored: CertificationStatus, expires_on: Date, today: Date) -> ShownStatus {
    match stored {
        CertificationStatus::Withdrawn => ShownStatus::Withdrawn,
        _ if expires_on < today => ShownStatus::Expired,
        CertificationStatus::Valid => ShownStatus::Valid,
        CertificationStatus::Suspended => ShownStatus::Suspended,
    }
}

/// A certified organization as its body's staff record or correct it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertifiedDetails {
    pub organization: String,
    pub country: CountryCode,
    pub scope: String,
    pub edition: String,
    pub certificate_number: String,
    pub issued_on: Date,
    pub expires_on: Date,
}

/// The fields of a record as typed.
pub struct CertifiedInput<'a> {
    pub organization: &'a str,
    pub country: &'a str,
    pub scope: &'a str,
    pub edition: &'a str,
    pub certificate_number: &'a str,
    pub issued_on: &'a str,
    pub expires_on: &'a str,
}

impl CertifiedDetails {
    pub fn parse(input: &CertifiedInput<'_>) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let organization = errors.check("organization", parse_text(input.organization, 200));
        let country = errors.check("country", assigned_country(input.country));
        let scope = errors.check("scope", parse_text(input.scope, 2000));
        let edition = errors.check(
            "edition",
            match EDITIONS.iter().find(|e| **e == input.edition.trim()) {
                Some(e) => Ok((*e).to_owned()),
                None => Err(format!("must be one of {}", EDITIONS.join(", "))),
            },
        );
        let number = errors.check(
            "certificate_number",
            parse_text(input.certificate_number, 64).and_then(|n| {
                if n.chars().any(char::is_whitespace) {
                    Err("must not contain spaces".to_owned())
                } else {
                    Ok(n)
                }
            }),
        );
        let issued = errors.check("issued_on", parse_date(input.issued_on.trim()));
        let expires = errors.check("expires_on", parse_date(input.expires_on.trim()));
        if let (Some(i), Some(e)) = (issued, expires)
            && e == i
        {
            errors.add("expires_on", "must be after issued_on");
        }
        check_period(&mut errors, issued, expires, "issued_on", "expires_on");
        errors.finish(|| {
            Some(Self {
                organization: organization?,
                country: country?,
                scope: scope?,
                edition: edition?,
                certificate_number: number?,
                issued_on: issued?,
                expires_on: expires?,
            })
        })
    }
}

/// A status change a body's staff make to one of their records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificationChange {
    pub status: CertificationStatus,
    pub reason: String,
}

impl CertificationChange {
    pub fn parse(status: CertificationStatus, reason: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let reason = errors.check("reason", parse_text(reason, 2000));
        errors.finish(|| {
            Some(Self {
                status,
                reason: reason?,
            })
        })
    }

    /// Why the change cannot be made to a record showing `shown`, if it cannot: a
    /// withdrawal is final, a change must change something, and an expired certificate
    /// is only withdrawn (a renewal is a corrected expiry date).
    pub fn refused_from(
        &self,
        stored: CertificationStatus,
        shown: ShownStatus,
    ) -> Option<&'static str> {
        if stored == CertificationStatus::Withdrawn {
            Some("this certificate is withdrawn; record a new certificate instead")
        } else if shown == ShownStatus::Expired && self.status != CertificationStatus::Withdrawn {
            Some("this certificate has expired; correct its expiry date to renew it")
        } else if stored == self.status {
            Some("the certificate already has this status")
        } else {
            None
        }
    }
}

#[derive(Debug, Clone)]
pub struct CertifiedRecord {
    pub id: Uuid,
    pub body_id: Uuid,
    pub details: CertifiedDetails,
    pub status: CertificationStatus,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn input<'a>(issued: &'a str, expires: &'a str) -> CertifiedInput<'a> {
        CertifiedInput {
            organization: "Acme Hosting Ltd",
            country: "gb",
            scope: "Managed hosting services",
            edition: "ISO/IEC 20000-1:2011",
            certificate_number: "ITSM-001",
            issued_on: issued,
            expires_on: expires,
        }
    }

    #[test]
    fn the_assigned_country_list_holds_the_249_codes() {
        assert_eq!(ASSIGNED_COUNTRIES.split_ascii_whitespace().count(), 249);
        assert_eq!(
            assigned_country(" nl ").map(|c| c.as_ref().to_owned()),
            Ok("NL".into())
        );
        assert!(assigned_country("UK").is_err());
        assert!(assigned_country("GBR").is_err());
    }

    #[test]
    fn an_expiry_date_not_after_the_issue_date_names_expires_on() {
        for expires in ["2026-01-01", "2025-12-31"] {
            let errors = CertifiedDetails::parse(&input("2026-01-01", expires)).expect_err(expires);
            let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["expires_on"], "{expires}");
        }
        assert!(CertifiedDetails::parse(&input("2026-01-01", "2029-01-01")).is_ok());
    }

    #[test]
    fn an_unknown_edition_is_refused() {
        let mut bad = input("2026-01-01", "2029-01-01");
        bad.edition = "ISO 20000:2011";
        let errors = CertifiedDetails::parse(&bad).expect_err("edition");
        assert_eq!(
            errors.iter().next().map(|e| e.field.as_str()),
            Some("edition")
        );
    }

    #[test]
    fn a_record_past_its_expiry_date_reads_expired_unless_withdrawn() {
        let expires = date!(2026 - 06 - 30);
        let valid = CertificationStatus::Valid;
        assert_eq!(
            shown_status(valid, expires, date!(2026 - 06 - 30)),
            ShownStatus::Valid
        );
        assert_eq!(
            shown_status(valid, expires, date!(2026 - 07 - 01)),
            ShownStatus::Expired
        );
        assert_eq!(
            shown_status(
                CertificationStatus::Suspended,
                expires,
                date!(2026 - 07 - 01)
            ),
            ShownStatus::Expired
        );
        assert_eq!(
            shown_status(
                CertificationStatus::Withdrawn,
                expires,
                date!(2026 - 07 - 01)
            ),
            ShownStatus::Withdrawn
        );
    }

    #[test]
    fn a_withdrawal_is_final_and_an_expired_certificate_is_only_withdrawn() {
        let change = |s| CertificationChange::parse(s, "audit finding").expect("valid");
        use CertificationStatus::*;
        assert!(
            change(Valid)
                .refused_from(Withdrawn, ShownStatus::Withdrawn)
                .is_some()
        );
        assert!(
            change(Suspended)
                .refused_from(Valid, ShownStatus::Expired)
                .is_some()
        );
        assert!(
            change(Withdrawn)
                .refused_from(Valid, ShownStatus::Expired)
                .is_none()
        );
        assert!(
            change(Suspended)
                .refused_from(Valid, ShownStatus::Valid)
                .is_none()
        );
        assert!(
            change(Valid)
                .refused_from(Valid, ShownStatus::Valid)
                .is_some()
        );
    }

    #[test]
    fn a_body_status_change_needs_a_reason_and_a_withdrawn_body_stays_withdrawn() {
        assert!(BodyStatusChange::parse(BodyStatus::Suspended, " ").is_err());
        let back = BodyStatusChange::parse(BodyStatus::Active, "audit passed").expect("valid");
        assert!(back.refused_from(BodyStatus::Suspended).is_none());
        assert!(back.refused_from(BodyStatus::Withdrawn).is_some());
        assert!(back.refused_from(BodyStatus::Active).is_some());
    }
}
