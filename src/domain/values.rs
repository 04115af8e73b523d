//! Input values parsed at the edge: a value of one of these types is valid by construction.

use std::fmt;

use time::Date;

use super::fields::FieldErrors;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Trims and lower-cases; one `@` with a non-empty local part and a dotted domain.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("must not be empty".into());
        }
        // Characters of what was sent, as the API schema's maxLength counts them: before
        // trimming, and before lower-casing (which can lengthen a few letters, such as 'İ').
        if raw.chars().count() > 254 {
            return Err("must be at most 254 characters".into());
        }
        let email = trimmed.to_lowercase();
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("must not contain spaces".into());
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err("must be an e-mail address such as name@example.org".into());
        };
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        // A mail domain's labels are letters, digits and inner hyphens (RFC 5321's Let-dig
        // and Ldh-str; letters of other scripts as RFC 6531 allows): no other ASCII sign,
        // or no mail could ever be delivered to the address.
        let label_char = |c: char| c.is_ascii_alphanumeric() || !c.is_ascii();
        let labels_ok = domain.split('.').all(|label| {
            label.chars().all(|c| label_char(c) || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
        if local.is_empty() || !domain_ok || !labels_ok {
            return Err("must be an e-mail address such as name@example.org".into());
        }
        Ok(Self(email))
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 100;

    /// A name as the person writes it: any script, accents, apostrophes and hyphens;
    /// not blank, not too long, no control characters, and no bidirectional embedding,
    /// override or isolate characters (they would make a name on a certificate or in a
    /// roster display as something else than what is stored).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("must not be empty".into());
        }
        // What was sent, as the schema's maxLength counts it (spaces around included).
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        if name.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        if name.chars().any(is_bidi_control) {
            return Err("must not contain bidirectional formatting characters".into());
        }
        Ok(Self(name.to_owned()))
    }
}

/// U+202A–U+202E (embeddings and overrides) and U+2066–U+2069 (isolates).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

impl AsRef<str> for PersonName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A password as typed, checked for length only (NIST SP 800-63B: length, not composition).
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: String) -> Result<Self, String> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(format!("must be at least {} characters", Self::MIN_CHARS));
        }
        if n > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        Ok(Self(raw))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Free text a person writes: trimmed, not blank, bounded.
pub fn parse_text(raw: &str, max_chars: usize) -> Result<String, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("must not be empty".into());
    }
    // What was sent, as the schema's maxLength counts it (spaces around included).
    if raw.chars().count() > max_chars {
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

/// Text an organization writes that the server puts into e-mails to candidates (a
/// course title, a trainer's name): bounded, and without links, so an e-mail from the
/// certification body never carries a link it did not make.
pub fn parse_mailed_text(raw: &str, max_chars: usize) -> Result<String, String> {
    let text = parse_text(raw, max_chars)?;
    let lower = text.to_lowercase();
    if lower.contains("://") || lower.contains("www.") {
        return Err("must not contain a web address".into());
    }
    Ok(text)
}

/// An ISO 3166-1 alpha-2 country code, upper-cased (`GB`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            c if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
                Ok(Self(c.to_uppercase()))
            }
            _ => Err("must be a two-letter country code such as GB".into()),
        }
    }
}

impl AsRef<str> for CountryCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A calendar date as typed: `2026-10-30`.
pub fn parse_date(raw: &str) -> Result<Date, String> {
    Date::parse(raw, &time::format_description::well_known::Iso8601::DATE)
        .map_err(|_| "must be a date such as 2026-10-30".to_owned())
}

/// The rule every period obeys (a course, an accreditation): it does not end before it
/// starts. The error names the end field; `start_field` names the start in its message.
pub fn check_period(
    errors: &mut FieldErrors,
    start: Option<Date>,
    end: Option<Date>,
    start_field: &str,
    end_field: &str,
) {
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        errors.add(end_field, format!("must not be before {start_field}"));
    }
}

/// A person's given and family names, each checked.
pub fn parse_names(given: &str, family: &str) -> Result<(PersonName, PersonName), FieldErrors> {
    let mut errors = FieldErrors::new();
    let given = errors.check("given_name", PersonName::parse(given));
    let family = errors.check("family_name", PersonName::parse(family));
    errors.finish(|| Some((given?, family?)))
}

/// What self-registration needs, every field checked.
pub struct Registration {
    pub email: EmailAddress,
    pub password: NewPassword,
    pub given_name: PersonName,
    pub family_name: PersonName,
}

impl Registration {
    pub fn parse(
        email: &str,
        password: String,
        given_name: &str,
        family_name: &str,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = errors.check("email", EmailAddress::parse(email));
        let password = errors.check("password", NewPassword::parse(password));
        let given = errors.check("given_name", PersonName::parse(given_name));
        let family = errors.check("family_name", PersonName::parse(family_name));
        errors.finish(|| {
            Some(Self {
                email: email?,
                password: password?,
                given_name: given?,
                family_name: family?,
            })
        })
    }
}

/// The label a candidate sees on an option: A, B, C, …
pub fn option_label(index: usize) -> String {
    char::from(b'A' + u8::try_from(index).unwrap_or(25).min(25)).to_string()
}

/// The index of an option label, if it names one of `count` options.
pub fn option_index(label: &str, count: usize) -> Option<usize> {
    let mut chars = label.chars();
    let c = chars.next()?;
    if chars.next().is_some() || !c.is_ascii_uppercase() {
        return None;
    }
    let index = (c as u8 - b'A') as usize;
    (index < count).then_some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_address_is_trimmed_and_lower_cased() {
        let email = EmailAddress::parse("  Ada.Lovelace@Example.ORG ").expect("valid");
        assert_eq!(email.as_ref(), "ada.lovelace@example.org");
    }

    #[test]
    fn an_email_address_without_a_dotted_domain_is_rejected() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "a b@example.org",
            "a@b@c.org",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn the_length_limit_counts_characters_not_bytes() {
        // 254 characters, 500 bytes: the schema's maxLength allows it, so must we.
        let local = "é".repeat(245);
        let at_limit = format!("\n\t{local}@ex.org");
        assert_eq!(at_limit.chars().count(), 254);
        assert_eq!(
            EmailAddress::parse(&at_limit).map(|e| e.to_string()),
            Ok(format!("{local}@ex.org"))
        );
        let over = format!("{}@ex.org", "é".repeat(248));
        assert_eq!(
            EmailAddress::parse(&over),
            Err("must be at most 254 characters".to_string())
        );
        // The limit counts what was sent: 253 characters padded to 255 are refused, as
        // the schema refuses them.
        let padded = format!("\n\t{}@ex.org\u{b}", "é".repeat(246));
        assert_eq!(padded.trim().chars().count(), 253);
        assert_eq!(
            EmailAddress::parse(&padded),
            Err("must be at most 254 characters".to_string())
        );
    }

    #[test]
    fn a_mail_domain_is_letters_digits_and_inner_hyphens() {
        for good in [
            "user.name+tag@example.org",
            "o'brien@mail-1.example.ie",
            "josé@exämple.org",
        ] {
            assert!(EmailAddress::parse(good).is_ok(), "{good:?} refused");
        }
        // The first is what the API fuzzer got accepted before: no such domain can exist.
        for bad in [
            "\u{1e358}67āēø😍@/.z",
            "ada@exa/mple.org",
            "ada@exa_mple.org",
            "ada@-example.org",
            "ada@example.org-",
            "ada@[192.0.2.1]",
        ] {
            assert_eq!(
                EmailAddress::parse(bad),
                Err("must be an e-mail address such as name@example.org".to_string()),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn names_in_any_european_script_are_accepted() {
        for name in ["Zoë O'Brien-Łukasiewicz", "Σωκράτης", "Пётр", "José"] {
            assert!(PersonName::parse(name).is_ok(), "{name} rejected");
        }
    }

    #[test]
    fn a_blank_or_overlong_name_is_rejected() {
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"a".repeat(101)).is_err());
        assert!(PersonName::parse("a\u{0}b").is_err());
    }

    #[test]
    fn a_name_that_would_display_reversed_is_rejected() {
        assert!(PersonName::parse("Zoë\u{202e}fdp.exe").is_err());
        assert!(PersonName::parse("\u{2067}Okafor\u{2069}").is_err());
        assert!(
            PersonName::parse("إلياس").is_ok(),
            "right-to-left scripts themselves are fine"
        );
    }

    #[test]
    fn a_short_password_is_rejected() {
        assert!(NewPassword::parse("short".into()).is_err());
        assert!(NewPassword::parse("long enough pass".into()).is_ok());
    }

    #[test]
    fn a_country_is_two_letters_upper_cased() {
        assert_eq!(CountryCode::parse(" gb ").map(|c| c.0), Ok("GB".to_owned()));
        for bad in ["", "G", "GBR", "G1"] {
            assert!(CountryCode::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_period_may_not_end_before_it_starts() {
        let (a, b) = (
            parse_date("2026-03-01").expect("date"),
            parse_date("2026-03-02").expect("date"),
        );
        let mut errors = FieldErrors::new();
        check_period(&mut errors, Some(a), Some(a), "starts_on", "ends_on");
        check_period(&mut errors, Some(a), Some(b), "starts_on", "ends_on");
        assert!(errors.is_empty());
        check_period(&mut errors, Some(b), Some(a), "starts_on", "ends_on");
        assert_eq!(errors.to_string(), "ends_on must not be before starts_on");
    }

    #[test]
    fn registration_reports_every_bad_field() {
        let errors = Registration::parse("nope", "short".into(), " ", "O'Brien")
            .err()
            .expect("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "password", "given_name"]);
    }

    #[test]
    fn option_labels_round_trip() {
        assert_eq!(option_label(1), "B");
        assert_eq!(option_index("B", 4), Some(1));
        assert_eq!(option_index("E", 4), None);
        assert_eq!(option_index("b", 4), None);
        assert_eq!(option_index("AB", 4), None);
    }
}
