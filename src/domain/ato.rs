//! Accredited training organizations: when an accreditation covers a course, when an
//! outcome may be recorded, and delegate rosters as CSV (parsed and exported safely).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::fields::FieldErrors;
use super::sitting::SittingStatus;
use super::values::{
    CountryCode, EmailAddress, PersonName, check_period, parse_date, parse_mailed_text, parse_text,
};

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
pub enum Delivery {
    Classroom,
    Virtual,
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
pub enum AccreditationStatus {
    Active,
    Suspended,
    Withdrawn,
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
pub enum Outcome {
    /// Attended the whole course and completed it.
    Completed,
    /// Attended but did not complete.
    DidNotComplete,
    /// Did not attend.
    Absent,
}

/// Who announces a course: its organization's staff only for the future, under an
/// accreditation in force; an administrator also for the past (recording a course that
/// ran under an accreditation then in force), and the record says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourseAuthor {
    Staff,
    Administrator,
}

/// Whether `course` may be recorded for an organization holding `accreditations`.
pub fn check_new_course(
    accreditations: &[AccreditationRecord],
    course: &NewCourse,
    author: CourseAuthor,
    today: Date,
) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if author == CourseAuthor::Staff && course.starts_on < today {
        errors.add(
            "starts_on",
            "must not be in the past; an administrator can record a course that has already run",
        );
    }
    let covered = accreditations.iter().any(|a| {
        (author == CourseAuthor::Administrator || a.status == AccreditationStatus::Active)
            && a.period
                .covers(&course.qualification, course.starts_on, course.ends_on)
    });
    if !covered {
        errors.add(
            "qualification",
            format!(
                "the organization holds no accreditation in force for {} covering {} to {}",
                course.qualification, course.starts_on, course.ends_on
            ),
        );
    }
    errors.finish(|| Some(()))
}

/// Completion is recorded only while an accreditation covering the course is in force:
/// once it is suspended or withdrawn, the organization can no longer certify attendance.
pub fn check_completion_allowed(
    outcome: Outcome,
    accreditations: &[AccreditationRecord],
    course: &CourseRecord,
) -> Result<(), String> {
    if outcome != Outcome::Completed {
        return Ok(());
    }
    let in_force = accreditations.iter().any(|a| {
        a.status == AccreditationStatus::Active
            && a.period
                .covers(&course.qualification, course.starts_on, course.ends_on)
    });
    if in_force {
        Ok(())
    } else {
        Err(format!(
            "the organization's accreditation for {} is not in force: completion cannot be recorded",
            course.qualification
        ))
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

/// A training organization as an administrator records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAto {
    pub name: String,
    pub country: CountryCode,
    pub contact_email: EmailAddress,
}

impl NewAto {
    pub fn parse(name: &str, country: &str, contact_email: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", parse_text(name, 200));
        let country = errors.check("country", CountryCode::parse(country));
        let contact = errors.check("contact_email", EmailAddress::parse(contact_email));
        errors.finish(|| {
            Some(Self {
                name: name?,
                country: country?,
                contact_email: contact?,
            })
        })
    }
}

fn known_qualification(code: &str, offered: impl Fn(&str) -> bool) -> Result<String, String> {
    if offered(code) {
        Ok(code.to_owned())
    } else {
        Err(format!("there is no qualification {code}"))
    }
}

/// An accreditation as granted: one qualification's course, for a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccreditation {
    pub qualification: String,
    pub valid_from: Date,
    pub valid_until: Date,
}

impl NewAccreditation {
    /// `offered` tells whether a qualification code is one the scheme offers.
    pub fn parse(
        qualification: &str,
        valid_from: &str,
        valid_until: &str,
        offered: impl Fn(&str) -> bool,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let qualification =
            errors.check("qualification", known_qualification(qualification, offered));
        let from = errors.check("valid_from", parse_date(valid_from));
        let until = errors.check("valid_until", parse_date(valid_until));
        check_period(&mut errors, from, until, "valid_from", "valid_until");
        errors.finish(|| {
            Some(Self {
                qualification: qualification?,
                valid_from: from?,
                valid_until: until?,
            })
        })
    }
}

/// Ending an accreditation: suspended or withdrawn, with a reason, from a given day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccreditationEnding {
    pub status: AccreditationStatus,
    pub reason: String,
}

impl AccreditationEnding {
    pub fn parse(status: AccreditationStatus, reason: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        if status == AccreditationStatus::Active {
            errors.add(
                "status",
                "must be suspended or withdrawn; accredit again to restore",
            );
        }
        let reason = errors.check("reason", parse_text(reason, 2000));
        errors.finish(|| {
            Some(Self {
                status,
                reason: reason?,
            })
        })
    }
}

/// A course as its training organization announces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCourse {
    pub qualification: String,
    pub title: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub delivery: Delivery,
    pub trainer_name: String,
}

impl NewCourse {
    pub fn parse(
        qualification: &str,
        title: &str,
        starts_on: &str,
        ends_on: &str,
        delivery: Delivery,
        trainer_name: &str,
        offered: impl Fn(&str) -> bool,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let qualification =
            errors.check("qualification", known_qualification(qualification, offered));
        let title = errors.check("title", parse_mailed_text(title, 120));
        let starts = errors.check("starts_on", parse_date(starts_on));
        let ends = errors.check("ends_on", parse_date(ends_on));
        check_period(&mut errors, starts, ends, "starts_on", "ends_on");
        let trainer = errors.check("trainer_name", parse_mailed_text(trainer_name, 120));
        errors.finish(|| {
            Some(Self {
                qualification: qualification?,
                title: title?,
                starts_on: starts?,
                ends_on: ends?,
                delivery,
                trainer_name: trainer?,
            })
        })
    }
}

/// A delegate named on a roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegate {
    pub given_name: PersonName,
    pub family_name: PersonName,
    pub email: EmailAddress,
}

impl Delegate {
    pub fn parse(given: &str, family: &str, email: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let given_name = errors.check("given_name", PersonName::parse(given));
        let family_name = errors.check("family_name", PersonName::parse(family));
        let email = errors.check("email", EmailAddress::parse(email));
        errors.finish(|| {
            Some(Self {
                given_name: given_name?,
                family_name: family_name?,
                email: email?,
            })
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
            Ok(r) => Delegate::parse(&r[0], &r[1], &r[2]).map_err(|e| e.to_string()),
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

#[derive(Debug, Clone)]
pub struct AtoRecord {
    pub id: Uuid,
    pub name: String,
    pub country: String,
    pub contact_email: String,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct AccreditationRecord {
    pub id: Uuid,
    pub ato_id: Uuid,
    pub period: Accreditation,
    pub status: AccreditationStatus,
    pub status_reason: Option<String>,
    pub status_changed_by: Option<Uuid>,
    pub status_changed_at: Option<OffsetDateTime>,
    pub created_by: Uuid,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::AsRefStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum InvitationKind {
    /// Becomes a staff member of the invitation's ATO.
    AtoStaff,
    /// Sets a password on a delegate account made at enrolment (and so accepts it).
    Delegate,
    /// Asks the holder of an existing account to accept an enrolment.
    Enrolment,
    /// Proves that an account receives mail at its address.
    EmailVerification,
    /// Lets the holder of an account choose a new password.
    PasswordReset,
    /// Becomes a staff member of the invitation's registered certification body.
    RcbStaff,
}

#[derive(Debug, Clone)]
pub struct InvitationRecord {
    pub id: Uuid,
    pub email: String,
    pub kind: InvitationKind,
    pub ato_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub token_hash: String,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub accepted_at: Option<OffsetDateTime>,
    /// The enrolment a delegate or enrolment invitation accepts.
    pub enrolment_id: Option<Uuid>,
    /// The certification body a certification body staff invitation is for.
    pub certification_body_id: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct CourseRecord {
    pub id: Uuid,
    pub ato_id: Uuid,
    pub qualification: String,
    pub title: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub delivery: Delivery,
    pub trainer_name: String,
    pub created_by: Uuid,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct EnrolmentRecord {
    pub id: Uuid,
    pub course_id: Uuid,
    pub candidate_id: Uuid,
    /// The candidate's names, once they accepted the enrolment (nothing of theirs is
    /// shared with the organization before).
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// The address the organization enrolled.
    pub email: String,
    pub enrolled_at: OffsetDateTime,
    /// When the candidate accepted; `None` while the enrolment waits for them.
    pub accepted_at: Option<OffsetDateTime>,
    pub outcome: Option<Outcome>,
    pub outcome_recorded_at: Option<OffsetDateTime>,
}

/// A candidate's enrolment with its course and training organization.
#[derive(Debug, Clone)]
pub struct CandidateCourse {
    pub enrolment_id: Uuid,
    pub course: CourseRecord,
    pub ato_name: String,
    /// When the candidate accepted the enrolment; `None` while it waits for them.
    pub accepted_at: Option<OffsetDateTime>,
    pub outcome: Option<Outcome>,
    /// Whether an accreditation of the ATO covered the whole course.
    pub accredited: bool,
}

impl CandidateCourse {
    /// Only an accepted enrolment on a completed course run while its ATO was accredited
    /// for it counts.
    pub fn counts_toward_prerequisites(&self) -> bool {
        self.accepted_at.is_some() && self.accredited && self.outcome == Some(Outcome::Completed)
    }

    /// The course described for people: title, organization and dates.
    pub fn describe(&self) -> String {
        format!(
            "{}, {}, {} to {}",
            self.course.title, self.ato_name, self.course.starts_on, self.course.ends_on
        )
    }
}

/// A sitting of one of an ATO's delegates, as the ATO may see it (no item content).
#[derive(Debug, Clone)]
pub struct DelegateResult {
    /// The sitting's id: where the next page of results starts.
    pub sitting_id: Uuid,
    pub candidate_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub qualification: String,
    pub edition: String,
    pub started_at: OffsetDateTime,
    pub status: SittingStatus,
    pub score: Option<i32>,
    pub max_score: i32,
    pub passed: Option<bool>,
}

/// A course's delegates as CSV, every cell made safe for spreadsheets.
pub fn enrolments_csv(rows: &[EnrolmentRecord]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(
        [
            "given_name",
            "family_name",
            "email",
            "enrolled_at",
            "status",
            "outcome",
        ]
        .map(spreadsheet_safe),
    )?;
    for r in rows {
        let enrolled = r
            .enrolled_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        writer.write_record(
            [
                r.given_name.as_deref().unwrap_or(""),
                r.family_name.as_deref().unwrap_or(""),
                &r.email,
                &enrolled,
                if r.accepted_at.is_some() {
                    "accepted"
                } else {
                    "invited"
                },
                r.outcome.as_ref().map(AsRef::as_ref).unwrap_or(""),
            ]
            .map(spreadsheet_safe),
        )?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
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
    fn a_course_reports_every_bad_field_and_its_dates_in_order() {
        let offered = |code: &str| code == "iso20000-auditor";
        let errors = NewCourse::parse(
            "iso20000-nothing",
            " ",
            "2026-03-06",
            "2026-03-02",
            Delivery::Virtual,
            "Ana",
            offered,
        )
        .expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["qualification", "title", "ends_on"]);
        assert!(
            NewCourse::parse(
                "iso20000-auditor",
                "Auditor",
                "2026-03-02",
                "2026-03-06",
                Delivery::Classroom,
                "Ana",
                offered
            )
            .is_ok()
        );
    }

    #[test]
    fn a_course_title_that_would_carry_a_link_into_candidates_mail_is_refused() {
        let offered = |code: &str| code == "iso20000-auditor";
        for title in [
            "Auditor: see https://evil.example",
            "Visit www.evil.example",
            &"A".repeat(121),
        ] {
            let errors = NewCourse::parse(
                "iso20000-auditor",
                title,
                "2026-03-02",
                "2026-03-06",
                Delivery::Classroom,
                "Ana",
                offered,
            )
            .expect_err(title);
            assert_eq!(
                errors.iter().next().map(|e| e.field.as_str()),
                Some("title")
            );
        }
    }

    #[test]
    fn an_accreditation_is_ended_only_with_a_reason_and_never_to_active() {
        assert!(AccreditationEnding::parse(AccreditationStatus::Suspended, "audit").is_ok());
        let errors =
            AccreditationEnding::parse(AccreditationStatus::Active, " ").expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["status", "reason"]);
    }

    #[test]
    fn formula_cells_are_defused_for_spreadsheets() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("O'Brien"), "O'Brien");
    }
}
