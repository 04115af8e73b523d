//! Courses of training organizations: staff announce courses (only for what their
//! organization may teach), enrol delegates one by one or from a roster, record each
//! delegate's outcome once the dates allow, and follow their delegates' results. Every
//! call names the staff member; another organization's course is `NoSuchCourse`.

use sea_orm::{ConnectionTrait, DbErr};
use time::OffsetDateTime;
use uuid::Uuid;

use super::atos::{AtoError, ato_of_staff};
use super::audit::{self, Action, Actor, TargetKind};
use super::links::{self, NewInvitation, store_invitation};
use super::notifications::{self, texts, texts::CourseSummary};
use super::paging::Page;
use crate::domain::ato::{
    AtoRecord, CandidateCourse, CourseAuthor, CourseRecord, Delegate, DelegateResult,
    EnrolmentRecord, InvitationKind, NewCourse, Outcome, RosterError, check_completion_allowed,
    check_new_course, check_outcome_date, parse_roster,
};
use crate::domain::fields::FieldErrors;
use crate::domain::role::Role;
use crate::persistence::{atos, begin_write, users};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    #[error("you are not staff of a training organization")]
    NotStaff,
    #[error("no such course")]
    NoSuchCourse,
    #[error("no such enrolment")]
    NoSuchEnrolment,
    #[error("{0}")]
    TooEarly(String),
    #[error("{0}")]
    NotAccredited(String),
    #[error("the candidate has not accepted this enrolment yet")]
    NotAccepted,
    #[error("this link is not valid, has been used, or has expired")]
    LinkInvalid,
    #[error(transparent)]
    Throttled(#[from] super::throttle::Throttled),
    #[error("no such training organization")]
    NoSuchAto,
    #[error("the course cannot be recorded")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Roster(#[from] RosterError),
    #[error("this address belongs to an account that is not a candidate's")]
    NotACandidate,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for CourseError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

impl From<AtoError> for CourseError {
    fn from(e: AtoError) -> Self {
        match e {
            AtoError::NotStaff => Self::NotStaff,
            other => Self::Unexpected(other.into()),
        }
    }
}

/// A course and whether an accreditation of its organization covers the whole of it
/// (only then does completing it meet a course prerequisite).
pub struct CourseStanding {
    pub course: CourseRecord,
    pub accredited: bool,
}

async fn standing(state: &AppState, course: CourseRecord) -> Result<CourseStanding, CourseError> {
    let accredited = atos::course_accredited(&state.db, &course).await?;
    Ok(CourseStanding { course, accredited })
}

/// The staff member's organization and one of its courses.
async fn own_course(
    state: &AppState,
    staff: Uuid,
    course_id: Uuid,
) -> Result<(AtoRecord, CourseRecord), CourseError> {
    let ato = ato_of_staff(state, staff).await?;
    let course = atos::find_course(&state.db, course_id, ato.id)
        .await?
        .ok_or(CourseError::NoSuchCourse)?;
    Ok((ato, course))
}

/// Announces a course of the staff member's organization: in the future, under an
/// accreditation in force.
pub async fn create(
    state: &AppState,
    staff: Uuid,
    new: NewCourse,
) -> Result<CourseStanding, CourseError> {
    let ato = ato_of_staff(state, staff).await?;
    insert(state, &ato, new, CourseAuthor::Staff, staff).await
}

/// An administrator records a course of any organization, past ones included; the
/// record names the administrator as its author.
pub async fn record_for(
    state: &AppState,
    ato_id: Uuid,
    new: NewCourse,
    admin: Uuid,
) -> Result<CourseStanding, CourseError> {
    let ato = atos::find_ato(&state.db, ato_id)
        .await?
        .ok_or(CourseError::NoSuchAto)?;
    insert(state, &ato, new, CourseAuthor::Administrator, admin).await
}

async fn insert(
    state: &AppState,
    ato: &AtoRecord,
    new: NewCourse,
    author: CourseAuthor,
    by: Uuid,
) -> Result<CourseStanding, CourseError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let accreditations = atos::accreditations_of(&tx, ato.id).await?;
    check_new_course(&accreditations, &new, author, now.date()).map_err(CourseError::Invalid)?;
    let course = CourseRecord {
        id: Uuid::now_v7(),
        ato_id: ato.id,
        qualification: new.qualification,
        title: new.title,
        starts_on: new.starts_on,
        ends_on: new.ends_on,
        delivery: new.delivery,
        trainer_name: new.trainer_name,
        created_by: by,
        created_at: now,
    };
    atos::insert_course(&tx, &course).await?;
    tx.commit().await?;
    standing(state, course).await
}

/// The organization's courses, by start date: `limit` at a time after `cursor` (the last
/// id of the previous page).
pub async fn list(
    state: &AppState,
    staff: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<CourseStanding>, CourseError> {
    let ato = ato_of_staff(state, staff).await?;
    let rows = atos::courses_of(&state.db, ato.id, cursor, limit + 1).await?;
    Page::cut(rows, limit, |c| c.id)
        .try_map(|c| standing(state, c))
        .await
}

/// One course of the organization.
pub async fn get(
    state: &AppState,
    staff: Uuid,
    course_id: Uuid,
) -> Result<CourseStanding, CourseError> {
    let (_, course) = own_course(state, staff, course_id).await?;
    standing(state, course).await
}

/// Enrols one delegate on a course of the staff member's organization.
pub async fn enrol(
    state: &AppState,
    staff: Uuid,
    course_id: Uuid,
    delegate: &Delegate,
) -> Result<EnrolResult, CourseError> {
    let (ato, course) = own_course(state, staff, course_id).await?;
    enrol_one(state, &course, &ato.name, delegate, staff)
        .await
        .map_err(|e| match e {
            EnrolError::NotACandidate => CourseError::NotACandidate,
            EnrolError::Db(e) => e.into(),
        })
}

/// What happened to one row of a roster.
pub enum RowResult {
    Enrolled(EnrolResult),
    Rejected(String),
}

pub struct RosterRowOutcome {
    /// Line number in the file (the header is line 1).
    pub row: usize,
    pub email: Option<String>,
    pub result: RowResult,
}

/// Enrols every good row of a roster, each in its own transaction, so one bad row never
/// blocks another; uploading the same file again changes nothing.
pub async fn enrol_roster(
    state: &AppState,
    staff: Uuid,
    course_id: Uuid,
    file: &[u8],
) -> Result<Vec<RosterRowOutcome>, CourseError> {
    let (ato, course) = own_course(state, staff, course_id).await?;
    super::throttle::admit_as(
        state,
        super::throttle::Action::RosterUpload,
        &ato.id.to_string(),
    )
    .await?;
    let rows = parse_roster(file)?;
    let mut report = Vec::with_capacity(rows.len());
    for row in rows {
        let (email, result) = match row.delegate {
            Err(reason) => (None, RowResult::Rejected(reason)),
            Ok(delegate) => {
                let email = Some(delegate.email.to_string());
                let result = match enrol_one(state, &course, &ato.name, &delegate, staff).await {
                    Ok(done) => RowResult::Enrolled(done),
                    Err(e @ EnrolError::NotACandidate) => RowResult::Rejected(e.to_string()),
                    Err(EnrolError::Db(e)) => {
                        tracing::error!(error = %e, row = row.row, "enrolling a roster row failed");
                        RowResult::Rejected("could not be stored; upload the file again".into())
                    }
                };
                (email, result)
            }
        };
        report.push(RosterRowOutcome {
            row: row.row,
            email,
            result,
        });
    }
    tracing::info!(course = %course.id, rows = report.len(), "roster uploaded");
    Ok(report)
}

/// The delegates on a course, in the order they were enrolled: `limit` at a time after
/// `cursor`.
pub async fn enrolment_page(
    state: &AppState,
    staff: Uuid,
    course_id: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<EnrolmentRecord>, CourseError> {
    let (_, course) = own_course(state, staff, course_id).await?;
    let rows = atos::enrolment_page(&state.db, course.id, cursor, limit + 1).await?;
    Ok(Page::cut(rows, limit, |e| e.id))
}

/// All the delegates on a course, in the order they were enrolled (for the CSV export).
pub async fn enrolments(
    state: &AppState,
    staff: Uuid,
    course_id: Uuid,
) -> Result<Vec<EnrolmentRecord>, CourseError> {
    let (_, course) = own_course(state, staff, course_id).await?;
    Ok(atos::enrolments_of_course(&state.db, course.id).await?)
}

/// Records a delegate's outcome, once the course dates allow it.
pub async fn record_outcome(
    state: &AppState,
    staff: Uuid,
    course_id: Uuid,
    enrolment_id: Uuid,
    outcome: Outcome,
) -> Result<EnrolmentRecord, CourseError> {
    let (_, course) = own_course(state, staff, course_id).await?;
    let now = state.clock.now();
    check_outcome_date(outcome, course.starts_on, course.ends_on, now.date())
        .map_err(CourseError::TooEarly)?;
    let tx = begin_write(&state.db).await?;
    let enrolment = atos::find_enrolment(&tx, enrolment_id, course.id)
        .await?
        .ok_or(CourseError::NoSuchEnrolment)?;
    if enrolment.accepted_at.is_none() {
        return Err(CourseError::NotAccepted);
    }
    let accreditations = atos::accreditations_of(&tx, course.ato_id).await?;
    check_completion_allowed(outcome, &accreditations, &course)
        .map_err(CourseError::NotAccredited)?;
    atos::set_outcome(&tx, enrolment_id, outcome, staff, now).await?;
    let record = atos::find_enrolment(&tx, enrolment_id, course.id)
        .await?
        .ok_or(CourseError::NoSuchEnrolment)?;
    let recorded = audit::event(
        Actor::User(staff),
        Action::OutcomeRecorded,
        TargetKind::Enrolment,
        enrolment_id,
        serde_json::json!({
            "course": course.id,
            "candidate": record.candidate_id,
            "before": {"outcome": enrolment.outcome.map(|o| o.as_ref().to_owned())},
            "after": {"outcome": outcome.as_ref()},
        }),
    );
    audit::record(&tx, now, &[recorded]).await?;
    tx.commit().await?;
    Ok(record)
}

/// The candidate accepts an enrolment through the e-mailed link; returns the enrolment.
pub async fn accept_by_token(
    state: &AppState,
    client: std::net::IpAddr,
    token: &str,
) -> Result<Uuid, CourseError> {
    super::throttle::admit(state, super::throttle::Action::Link, client).await?;
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let invitation = links::take(&tx, token, InvitationKind::Enrolment, now)
        .await?
        .ok_or(CourseError::LinkInvalid)?;
    let (Some(enrolment), Some(candidate)) = (invitation.enrolment_id, invitation.user_id) else {
        return Err(CourseError::LinkInvalid);
    };
    atos::accept_enrolment(&tx, enrolment, candidate, now).await?;
    audit::record(&tx, now, &[accepted(candidate, enrolment, "link")]).await?;
    tx.commit().await?;
    tracing::info!(enrolment = %enrolment, "enrolment accepted by link");
    Ok(enrolment)
}

/// A signed-in candidate accepts one of their enrolments (accepting again changes
/// nothing); another's enrolment is `NoSuchEnrolment`.
pub async fn accept_as_candidate(
    state: &AppState,
    candidate_id: Uuid,
    enrolment_id: Uuid,
) -> Result<(), CourseError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    atos::enrolment_of_candidate(&tx, enrolment_id, candidate_id)
        .await?
        .ok_or(CourseError::NoSuchEnrolment)?;
    atos::accept_enrolment(&tx, enrolment_id, candidate_id, now).await?;
    audit::record(
        &tx,
        now,
        &[accepted(candidate_id, enrolment_id, "signed_in")],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sittings of the organization's delegates, for the qualifications of their courses,
/// oldest first: `limit` at a time after `cursor`.
pub async fn delegate_results(
    state: &AppState,
    staff: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<DelegateResult>, CourseError> {
    let ato = ato_of_staff(state, staff).await?;
    let rows = atos::results_of_ato(&state.db, ato.id, cursor, limit + 1).await?;
    Ok(Page::cut(rows, limit, |r| r.sitting_id))
}

/// The courses a candidate is enrolled on, in the order of enrolment: `limit` at a time
/// after `cursor` (an enrolment id).
pub async fn of_candidate(
    state: &AppState,
    candidate_id: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<CandidateCourse>, CourseError> {
    let rows = atos::course_page_of_candidate(&state.db, candidate_id, cursor, limit + 1).await?;
    Ok(Page::cut(rows, limit, |c| c.enrolment_id))
}

/// What enrolling one delegate did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrolResult {
    /// A new candidate account was opened and invited to choose a password.
    Created,
    /// An existing candidate was asked to accept the enrolment (it waits for them).
    Linked,
    /// The candidate was already on this course; nothing changed.
    AlreadyEnrolled,
}

#[derive(Debug, thiserror::Error)]
pub enum EnrolError {
    #[error("this address belongs to an account that is not a candidate's")]
    NotACandidate,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Enrols one delegate in its own transaction, so one bad row never blocks another.
#[tracing::instrument(skip_all, fields(course = %course.id))]
async fn enrol_one(
    state: &AppState,
    course: &CourseRecord,
    ato_name: &str,
    delegate: &Delegate,
    by: Uuid,
) -> Result<EnrolResult, EnrolError> {
    let now = state.clock.now();
    let summary = CourseSummary {
        title: &course.title,
        ato_name,
        starts_on: course.starts_on,
        ends_on: course.ends_on,
    };
    let tx = begin_write(&state.db).await?;
    let result = match users::find_by_email(&tx, &delegate.email).await? {
        Some(user) => {
            if !users::roles_of(&tx, user.id)
                .await?
                .contains(&Role::Candidate)
            {
                return Err(EnrolError::NotACandidate);
            }
            // An existing account is never linked silently: its holder is asked, and
            // nothing of theirs is shared until they accept.
            if let Some(enrolment) = atos::enrol(&tx, course.id, user.id, by, now, None).await? {
                let invitation = NewInvitation {
                    kind: InvitationKind::Enrolment,
                    email: &delegate.email,
                    ato_id: Some(course.ato_id),
                    user_id: Some(user.id),
                    enrolment_id: Some(enrolment),
                    certification_body_id: None,
                    by: Some(by),
                    valid_for: state.invitation_ttl,
                };
                let (token, expires_at) = store_invitation(&tx, invitation, now).await?;
                let message = texts::enrolment_request(
                    state.public_base_url(),
                    &user.email,
                    &user.given_name,
                    &summary,
                    &token,
                    expires_at,
                );
                notifications::queue(&tx, &message, now).await?;
                audit::record(&tx, now, &[enrolled(by, enrolment, course, user.id, false)]).await?;
                EnrolResult::Linked
            } else {
                EnrolResult::AlreadyEnrolled
            }
        }
        None => {
            let id = create_delegate_account(&tx, delegate, now).await?;
            let enrolment = atos::enrol(&tx, course.id, id, by, now, None).await?;
            let invitation = NewInvitation {
                kind: InvitationKind::Delegate,
                email: &delegate.email,
                ato_id: Some(course.ato_id),
                user_id: Some(id),
                enrolment_id: enrolment,
                certification_body_id: None,
                by: Some(by),
                valid_for: state.invitation_ttl,
            };
            let (token, expires_at) = store_invitation(&tx, invitation, now).await?;
            let message = texts::delegate_invitation(
                state.public_base_url(),
                delegate.email.as_ref(),
                delegate.given_name.as_ref(),
                &summary,
                &token,
                expires_at,
            );
            notifications::queue(&tx, &message, now).await?;
            if let Some(enrolment) = enrolment {
                audit::record(&tx, now, &[enrolled(by, enrolment, course, id, true)]).await?;
            }
            EnrolResult::Created
        }
    };
    tx.commit().await?;
    Ok(result)
}

/// The audit event of an enrolment by staff member (or administrator) `by`.
fn enrolled(
    by: Uuid,
    enrolment: Uuid,
    course: &CourseRecord,
    candidate: Uuid,
    new_account: bool,
) -> audit::Event {
    audit::event(
        Actor::User(by),
        Action::Enrolled,
        TargetKind::Enrolment,
        enrolment,
        serde_json::json!({
            "course": course.id,
            "ato": course.ato_id,
            "qualification": course.qualification,
            "candidate": candidate,
            "new_account": new_account,
        }),
    )
}

fn accepted(candidate: Uuid, enrolment: Uuid, how: &str) -> audit::Event {
    audit::event(
        Actor::User(candidate),
        Action::EnrolmentAccepted,
        TargetKind::Enrolment,
        enrolment,
        serde_json::json!({"how": how}),
    )
}

async fn create_delegate_account(
    db: &impl ConnectionTrait,
    delegate: &Delegate,
    now: OffsetDateTime,
) -> Result<Uuid, DbErr> {
    users::insert_user(
        db,
        users::NewUser {
            email: &delegate.email,
            email_verified: false,
            password_hash: users::NO_PASSWORD.to_owned(),
            given_name: &delegate.given_name,
            family_name: &delegate.family_name,
            roles: &[Role::Candidate],
            now,
        },
    )
    .await
    .map_err(|e| match e {
        users::InsertUserError::EmailTaken => {
            DbErr::Custom("the address was registered at the same moment; upload again".into())
        }
        users::InsertUserError::Db(e) => e,
    })
}

super::throttle::throttled_into!(CourseError);
