//! Accredited training organizations: when an accreditation covers a course, when an
//! outcome may be recorded, and delegate rosters as CSV (parsed and exported safely).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::Date;

use super::values::{EmailAddress, PersonName};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Classroom,
    Virtual,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Classroom => "classroom",
            Delivery::Virtual => "virtual",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "classroom" => Some(Self::Classroom),
            "virtual" => Some(Self::Virtual),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccreditationStatus {
    Active,
    Suspended,
    Withdrawn,
}

impl AccreditationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccreditationStatus::Active => "active",
            AccreditationStatus::Suspended => "suspended",
            AccreditationStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "suspended" => Some(Self::Suspended),
            "withdrawn" => Some(Self::Withdrawn),
            _ => None,
        }
    }
}

/// An ATO's accreditation for one qualification's course, for a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accreditation {
    pub qualification: String,
    pub valid_from: Date,
    pub valid_until: Date,
    /// The day a suspension or withdrawal took effect: nothing from that day on is covered.
    pub ended_on: Option<Date>,
}

impl Accreditation {
    /// True when the whole course ran inside the accreditation, before any suspension or
    /// withdrawal took effect.
    pub fn covers(&self, qualification: &str, starts_on: Date, ends_on: Date) -> bool {
        self.qualification == qualification
            && self.valid_from <= starts_on
            && ends_on <= self.valid_until
            && self.ended_on.is_none_or(|ended| ends_on < ended)
    }
}

/// A course counts toward a prerequisite only if one accreditation of its ATO covers it.
pub fn accredited(
    accreditations: &[Accreditation],
    qualification: &str,
    starts_on: Date,
    ends_on: Date,
) -> bool {
    accreditations
        .iter()
        .any(|a| a.covers(qualification, starts_on, ends_on))
}

/// What a delegate achieved on a course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Attended the whole course and completed it.
    Completed,
    /// Attended but did not complete.
    DidNotComplete,
    /// Did not attend.
    Absent,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::DidNotComplete => "did_not_complete",
            Outcome::Absent => "absent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "completed" => Some(Self::Completed),
            "did_not_complete" => Some(Self::DidNotComplete),
            "absent" => Some(Self::Absent),
            _ => None,
        }
    }
}

/// Nothing is recorded before a course starts; completion only once it has ended.
pub fn check_outcome_date(
    outcome: Outcome,
    starts_on: Date,
    ends_on: Date,
    today: Date,
) -> Result<(), String> {
    if today < starts_on {
        return Err(format!(
            "the course starts on {starts_on}; nothing can be recorded before then"
        ));
    }
    if outcome == Outcome::Completed && today < ends_on {
        return Err(format!(
            "the course ends on {ends_on}; completion can be recorded from then"
        ));
    }
    Ok(())
}

/// A delegate named on a roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegate {
    pub given_name: PersonName,
    pub family_name: PersonName,
    pub email: EmailAddress,
}

impl Delegate {
    pub fn parse(given: &str, family: &str, email: &str) -> Result<Self, String> {
        let given_name = PersonName::parse(given).map_err(|e| format!("given_name {e}"))?;
        let family_name = PersonName::parse(family).map_err(|e| format!("family_name {e}"))?;
        let email = EmailAddress::parse(email).map_err(|e| format!("email {e}"))?;
        Ok(Self {
            given_name,
            family_name,
            email,
        })
    }
}

/// One data row of a roster: its line number in the file, and the delegate or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    pub row: usize,
    pub delegate: Result<Delegate, String>,
}

pub const ROSTER_HEADER: [&str; 3] = ["given_name", "family_name", "email"];
pub const ROSTER_MAX_ROWS: usize = 1000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RosterError {
    #[error("the file is not UTF-8 text")]
    NotUtf8,
    #[error("the first line must be the header given_name,family_name,email")]
    BadHeader,
    #[error("the file has {0} rows; at most {ROSTER_MAX_ROWS} are accepted per upload")]
    TooManyRows(usize),
}

/// Parses a roster. A bad row is reported with its reason and never stops the others;
/// a second row for the same address is reported as a duplicate of the first.
pub fn parse_roster(bytes: &[u8]) -> Result<Vec<RosterRow>, RosterError> {
    let text = std::str::from_utf8(bytes).map_err(|_| RosterError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        _ => return Err(RosterError::BadHeader),
    };
    let header: Vec<String> = header.iter().map(|h| h.to_lowercase()).collect();
    if header != ROSTER_HEADER {
        return Err(RosterError::BadHeader);
    }
    let mut rows = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, record) in records.enumerate() {
        let row = index + 2;
        let delegate = match record {
            Err(e) => Err(format!("unreadable: {e}")),
            Ok(r) if r.iter().all(str::is_empty) => continue,
            Ok(r) if r.len() != 3 => Err(format!(
                "has {} fields; expected given_name,family_name,email",
                r.len()
            )),
            Ok(r) => Delegate::parse(&r[0], &r[1], &r[2]),
        };
        let delegate = delegate.and_then(|d| match seen.get(d.email.as_ref()) {
            Some(first) => Err(format!("duplicate of row {first} (same e-mail address)")),
            None => {
                seen.insert(d.email.as_ref().to_owned(), row);
                Ok(d)
            }
        });
        rows.push(RosterRow { row, delegate });
        if rows.len() > ROSTER_MAX_ROWS {
            return Err(RosterError::TooManyRows(rows.len()));
        }
    }
    Ok(rows)
}

/// A cell made safe for spreadsheets: text that a spreadsheet would run as a formula
/// (starting with = + - @, tab or carriage return) is prefixed with an apostrophe.
pub fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn accreditation(ended_on: Option<Date>) -> Accreditation {
        Accreditation {
            qualification: "iso20000-auditor".into(),
            valid_from: date!(2026 - 01 - 01),
            valid_until: date!(2026 - 12 - 31),
            ended_on,
        }
    }

    #[test]
    fn a_course_inside_the_accreditation_is_covered() {
        let a = accreditation(None);
        assert!(a.covers(
            "iso20000-auditor",
            date!(2026 - 03 - 02),
            date!(2026 - 03 - 06)
        ));
        assert!(!a.covers(
            "iso20000-foundation",
            date!(2026 - 03 - 02),
            date!(2026 - 03 - 06)
        ));
        assert!(!a.covers(
            "iso20000-auditor",
            date!(2025 - 12 - 29),
            date!(2026 - 01 - 02)
        ));
        assert!(!a.covers(
            "iso20000-auditor",
            date!(2026 - 12 - 30),
            date!(2027 - 01 - 02)
        ));
    }

    #[test]
    fn a_course_ending_on_or_after_a_suspension_is_not_covered() {
        let a = accreditation(Some(date!(2026 - 06 - 10)));
        assert!(a.covers(
            "iso20000-auditor",
            date!(2026 - 06 - 01),
            date!(2026 - 06 - 09)
        ));
        assert!(!a.covers(
            "iso20000-auditor",
            date!(2026 - 06 - 08),
            date!(2026 - 06 - 10)
        ));
    }

    #[test]
    fn outcomes_wait_for_the_course_dates() {
        let (start, end) = (date!(2026 - 11 - 02), date!(2026 - 11 - 06));
        assert!(check_outcome_date(Outcome::Absent, start, end, date!(2026 - 11 - 01)).is_err());
        assert!(check_outcome_date(Outcome::Absent, start, end, date!(2026 - 11 - 02)).is_ok());
        assert!(check_outcome_date(Outcome::Completed, start, end, date!(2026 - 11 - 05)).is_err());
        assert!(check_outcome_date(Outcome::Completed, start, end, date!(2026 - 11 - 06)).is_ok());
    }

    #[test]
    fn a_roster_reports_every_row_and_keeps_the_good_ones() {
        let csv = "\u{feff}given_name,family_name,email\n\
                   Zoë,O'Brien-Łukasiewicz,zoe@example.org\n\
                   Ana,García,not-an-email\n\
                   only,two\n\
                   Σωκράτης,Παπαδόπουλος,ZOE@example.org\n\
                   \"=HYPERLINK(\"\"http://evil\"\")\",Smith,eve@example.org\n";
        let rows = parse_roster(csv.as_bytes()).expect("parses");
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0].row, 2);
        assert_eq!(
            rows[0].delegate.as_ref().map(|d| d.given_name.as_ref()),
            Ok("Zoë")
        );
        assert!(
            rows[1]
                .delegate
                .as_ref()
                .is_err_and(|e| e.starts_with("email"))
        );
        assert!(
            rows[2]
                .delegate
                .as_ref()
                .is_err_and(|e| e.contains("2 fields"))
        );
        assert_eq!(
            rows[3].delegate,
            Err("duplicate of row 2 (same e-mail address)".into())
        );
        assert_eq!(
            rows[4].delegate.as_ref().map(|d| d.given_name.as_ref()),
            Ok("=HYPERLINK(\"http://evil\")"),
            "stored as text, exactly as given"
        );
    }

    #[test]
    fn a_roster_needs_its_header_and_a_bounded_size() {
        assert_eq!(
            parse_roster(b"email,name\na@b.org,x"),
            Err(RosterError::BadHeader)
        );
        assert_eq!(parse_roster(&[0xff, 0xfe]), Err(RosterError::NotUtf8));
        let mut big = String::from("given_name,family_name,email\n");
        for i in 0..=ROSTER_MAX_ROWS {
            big.push_str(&format!("A,B,a{i}@example.org\n"));
        }
        assert!(matches!(
            parse_roster(big.as_bytes()),
            Err(RosterError::TooManyRows(_))
        ));
    }

    #[test]
    fn formula_cells_are_defused_for_spreadsheets() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("O'Brien"), "O'Brien");
    }
}
