//! Training organizations, their accreditations, staff, invitations, courses and
//! enrolments.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, IntoCondition, OnConflict, Query},
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::entities::{
    accreditations, ato_staff, atos, courses, enrolments, invitations, sittings, users,
};
use super::paging;
use crate::domain::ato::{
    Accreditation, AccreditationRecord, AccreditationStatus, AtoRecord, CandidateCourse,
    CourseRecord, DelegateResult, Delivery, EnrolmentRecord, InvitationKind, InvitationRecord,
    Outcome,
};
use crate::domain::sitting::SittingStatus;

impl From<atos::Model> for AtoRecord {
    fn from(m: atos::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            country: m.country,
            contact_email: m.contact_email,
            created_at: m.created_at,
        }
    }
}

pub async fn insert_ato(db: &impl ConnectionTrait, ato: &AtoRecord) -> Result<(), DbErr> {
    atos::Entity::insert(atos::ActiveModel {
        id: Set(ato.id),
        name: Set(ato.name.clone()),
        country: Set(ato.country.clone()),
        contact_email: Set(ato.contact_email.clone()),
        created_at: Set(ato.created_at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// A page of the organizations by name, after the organization `cursor`; a cursor that
/// names no organization is past the end.
pub async fn list_atos(
    db: &impl ConnectionTrait,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<AtoRecord>, DbErr> {
    let last = match cursor {
        Some(id) => match find_ato(db, id).await? {
            Some(ato) => Some((ato.name.into(), id)),
            None => return Ok(Vec::new()),
        },
        None => None,
    };
    let key = (atos::Column::Name, atos::Column::Id);
    Ok(paging::by_key(atos::Entity::find(), key, last, limit)
        .all(db)
        .await?
        .into_iter()
        .map(AtoRecord::from)
        .collect())
}

pub async fn find_ato(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<AtoRecord>, DbErr> {
    Ok(atos::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(AtoRecord::from))
}

impl TryFrom<accreditations::Model> for AccreditationRecord {
    type Error = DbErr;

    fn try_from(m: accreditations::Model) -> Result<Self, DbErr> {
        Ok(Self {
            id: m.id,
            ato_id: m.ato_id,
            period: Accreditation {
                qualification: m.qualification_code,
                valid_from: m.valid_from,
                valid_until: m.valid_until,
                ended_on: m.ended_on,
            },
            status: m
                .status
                .parse::<AccreditationStatus>()
                .ok()
                .ok_or_else(|| DbErr::Custom(format!("accreditation {}: unknown status", m.id)))?,
            status_reason: m.status_reason,
            status_changed_by: m.status_changed_by,
            status_changed_at: m.status_changed_at,
            created_by: m.created_by,
            created_at: m.created_at,
        })
    }
}

pub async fn insert_accreditation(
    db: &impl ConnectionTrait,
    a: &AccreditationRecord,
) -> Result<(), DbErr> {
    accreditations::Entity::insert(accreditations::ActiveModel {
        id: Set(a.id),
        ato_id: Set(a.ato_id),
        qualification_code: Set(a.period.qualification.clone()),
        valid_from: Set(a.period.valid_from),
        valid_until: Set(a.period.valid_until),
        ended_on: Set(a.period.ended_on),
        status: Set(a.status.as_ref().to_owned()),
        status_reason: Set(a.status_reason.clone()),
        status_changed_by: Set(a.status_changed_by),
        status_changed_at: Set(a.status_changed_at),
        created_by: Set(a.created_by),
        created_at: Set(a.created_at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn accreditations_of(
    db: &impl ConnectionTrait,
    ato_id: Uuid,
) -> Result<Vec<AccreditationRecord>, DbErr> {
    accreditations::Entity::find()
        .filter(accreditations::Column::AtoId.eq(ato_id))
        .order_by_asc(accreditations::Column::CreatedAt)
        .order_by_asc(accreditations::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(AccreditationRecord::try_from)
        .collect()
}

/// Every organization and every accreditation still marked active, for the public
/// directory (a few hundred rows at most; the directory filters them by date).
pub async fn active_accreditations(
    db: &impl ConnectionTrait,
) -> Result<(Vec<AtoRecord>, Vec<AccreditationRecord>), DbErr> {
    let accreditations = accreditations::Entity::find()
        .filter(accreditations::Column::Status.eq(AccreditationStatus::Active.as_ref()))
        .filter(accreditations::Column::EndedOn.is_null())
        .order_by_asc(accreditations::Column::ValidFrom)
        .all(db)
        .await?
        .into_iter()
        .map(AccreditationRecord::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let atos = atos::Entity::find()
        .order_by_asc(atos::Column::Name)
        .order_by_asc(atos::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(AtoRecord::from)
        .collect();
    Ok((atos, accreditations))
}

/// Suspends or withdraws an active accreditation from `ended_on`; false if it is not
/// this ATO's or no longer active.
#[allow(clippy::too_many_arguments)]
pub async fn end_accreditation(
    db: &impl ConnectionTrait,
    id: Uuid,
    ato_id: Uuid,
    status: AccreditationStatus,
    reason: &str,
    ended_on: Date,
    by: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = accreditations::Entity::update_many()
        .col_expr(accreditations::Column::Status, Expr::value(status.as_ref()))
        .col_expr(accreditations::Column::StatusReason, Expr::value(reason))
        .col_expr(accreditations::Column::EndedOn, Expr::value(ended_on))
        .col_expr(accreditations::Column::StatusChangedBy, Expr::value(by))
        .col_expr(accreditations::Column::StatusChangedAt, Expr::value(now))
        .filter(accreditations::Column::Id.eq(id))
        .filter(accreditations::Column::AtoId.eq(ato_id))
        .filter(accreditations::Column::Status.eq(AccreditationStatus::Active.as_ref()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The ATO a staff member works for.
pub async fn ato_of_staff(db: &impl ConnectionTrait, user_id: Uuid) -> Result<Option<Uuid>, DbErr> {
    Ok(ato_staff::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map(|s| s.ato_id))
}

pub async fn add_staff(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    ato_id: Uuid,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    ato_staff::Entity::insert(ato_staff::ActiveModel {
        user_id: Set(user_id),
        ato_id: Set(ato_id),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn insert_invitation(
    db: &impl ConnectionTrait,
    i: &InvitationRecord,
) -> Result<(), DbErr> {
    invitations::Entity::insert(invitations::ActiveModel {
        id: Set(i.id),
        email: Set(i.email.clone()),
        kind: Set(i.kind.as_ref().to_owned()),
        ato_id: Set(i.ato_id),
        user_id: Set(i.user_id),
        token_hash: Set(i.token_hash.clone()),
        created_by: Set(i.created_by),
        created_at: Set(i.created_at),
        expires_at: Set(i.expires_at),
        accepted_at: Set(None),
        enrolment_id: Set(i.enrolment_id),
        certification_body_id: Set(i.certification_body_id),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn find_invitation(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<InvitationRecord>, DbErr> {
    let Some(m) = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let kind: InvitationKind = m
        .kind
        .parse()
        .map_err(|_| DbErr::Custom(format!("invitation {}: unknown kind {}", m.id, m.kind)))?;
    Ok(Some(InvitationRecord {
        id: m.id,
        email: m.email,
        kind,
        ato_id: m.ato_id,
        user_id: m.user_id,
        token_hash: m.token_hash,
        created_by: m.created_by,
        created_at: m.created_at,
        expires_at: m.expires_at,
        accepted_at: m.accepted_at,
        enrolment_id: m.enrolment_id,
        certification_body_id: m.certification_body_id,
    }))
}

/// Marks an invitation used, once, before it expires.
pub async fn accept_invitation(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = invitations::Entity::update_many()
        .col_expr(invitations::Column::AcceptedAt, Expr::value(now))
        .filter(invitations::Column::Id.eq(id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

impl TryFrom<courses::Model> for CourseRecord {
    type Error = DbErr;

    fn try_from(m: courses::Model) -> Result<Self, DbErr> {
        Ok(Self {
            id: m.id,
            ato_id: m.ato_id,
            qualification: m.qualification_code,
            title: m.title,
            starts_on: m.starts_on,
            ends_on: m.ends_on,
            delivery: m
                .delivery
                .parse::<Delivery>()
                .ok()
                .ok_or_else(|| DbErr::Custom(format!("course {}: unknown delivery", m.id)))?,
            trainer_name: m.trainer_name,
            created_by: m.created_by,
            created_at: m.created_at,
        })
    }
}

pub async fn insert_course(db: &impl ConnectionTrait, c: &CourseRecord) -> Result<(), DbErr> {
    courses::Entity::insert(courses::ActiveModel {
        id: Set(c.id),
        ato_id: Set(c.ato_id),
        qualification_code: Set(c.qualification.clone()),
        title: Set(c.title.clone()),
        starts_on: Set(c.starts_on),
        ends_on: Set(c.ends_on),
        delivery: Set(c.delivery.as_ref().to_owned()),
        trainer_name: Set(c.trainer_name.clone()),
        created_by: Set(c.created_by),
        created_at: Set(c.created_at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// A page of the ATO's courses by start date, after the course `cursor`; a cursor that
/// names no course of this ATO is past the end.
pub async fn courses_of(
    db: &impl ConnectionTrait,
    ato_id: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<CourseRecord>, DbErr> {
    let last = match cursor {
        Some(id) => match find_course(db, id, ato_id).await? {
            Some(course) => Some((course.starts_on.into(), id)),
            None => return Ok(Vec::new()),
        },
        None => None,
    };
    let query = courses::Entity::find().filter(courses::Column::AtoId.eq(ato_id));
    let key = (courses::Column::StartsOn, courses::Column::Id);
    paging::by_key(query, key, last, limit)
        .all(db)
        .await?
        .into_iter()
        .map(CourseRecord::try_from)
        .collect()
}

/// A course of this ATO; another ATO's course is None, as if it did not exist.
pub async fn find_course(
    db: &impl ConnectionTrait,
    id: Uuid,
    ato_id: Uuid,
) -> Result<Option<CourseRecord>, DbErr> {
    courses::Entity::find_by_id(id)
        .filter(courses::Column::AtoId.eq(ato_id))
        .one(db)
        .await?
        .map(CourseRecord::try_from)
        .transpose()
}

/// Whether the course's ATO held an accreditation covering the whole course.
pub async fn course_accredited(
    db: &impl ConnectionTrait,
    course: &CourseRecord,
) -> Result<bool, DbErr> {
    let periods: Vec<Accreditation> = accreditations_of(db, course.ato_id)
        .await?
        .into_iter()
        .map(|a| a.period)
        .collect();
    Ok(crate::domain::ato::accredited(
        &periods,
        &course.qualification,
        course.starts_on,
        course.ends_on,
    ))
}

/// Enrols a candidate, accepted at `accepted_at` or waiting for them (`None`); the new
/// enrolment's id, or `None` when already enrolled on this course (nothing changes).
pub async fn enrol(
    db: &impl ConnectionTrait,
    course_id: Uuid,
    candidate_id: Uuid,
    by: Uuid,
    now: OffsetDateTime,
    accepted_at: Option<OffsetDateTime>,
) -> Result<Option<Uuid>, DbErr> {
    let id = Uuid::now_v7();
    let inserted = enrolments::Entity::insert(enrolments::ActiveModel {
        id: Set(id),
        course_id: Set(course_id),
        candidate_id: Set(candidate_id),
        enrolled_by: Set(by),
        enrolled_at: Set(now),
        outcome: Set(None),
        outcome_recorded_by: Set(None),
        outcome_recorded_at: Set(None),
        accepted_at: Set(accepted_at),
    })
    .on_conflict(
        OnConflict::columns([
            enrolments::Column::CourseId,
            enrolments::Column::CandidateId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok((inserted == 1).then_some(id))
}

/// The candidate accepts their enrolment; false if it is not theirs or already accepted.
pub async fn accept_enrolment(
    db: &impl ConnectionTrait,
    id: Uuid,
    candidate_id: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = enrolments::Entity::update_many()
        .col_expr(enrolments::Column::AcceptedAt, Expr::value(now))
        .filter(enrolments::Column::Id.eq(id))
        .filter(enrolments::Column::CandidateId.eq(candidate_id))
        .filter(enrolments::Column::AcceptedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The candidate's enrolment `id`, if it is theirs.
pub async fn enrolment_of_candidate(
    db: &impl ConnectionTrait,
    id: Uuid,
    candidate_id: Uuid,
) -> Result<Option<EnrolmentRecord>, DbErr> {
    let rows = enrolments::Entity::find_by_id(id)
        .filter(enrolments::Column::CandidateId.eq(candidate_id))
        .all(db)
        .await?;
    Ok(with_people(db, rows).await?.into_iter().next())
}

async fn with_people(
    db: &impl ConnectionTrait,
    rows: Vec<enrolments::Model>,
) -> Result<Vec<EnrolmentRecord>, DbErr> {
    let ids: BTreeSet<Uuid> = rows.iter().map(|r| r.candidate_id).collect();
    let people: BTreeMap<Uuid, users::Model> = users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    rows.into_iter()
        .map(|r| {
            let person = people
                .get(&r.candidate_id)
                .ok_or_else(|| DbErr::RecordNotFound(r.candidate_id.to_string()))?;
            // Names show once the candidate accepted, or while the account is still the
            // one the organization opened (its names are what the organization typed).
            let accepted =
                r.accepted_at.is_some() || person.password_hash == super::users::NO_PASSWORD;
            Ok(EnrolmentRecord {
                id: r.id,
                course_id: r.course_id,
                candidate_id: r.candidate_id,
                given_name: accepted.then(|| person.given_name.clone()),
                family_name: accepted.then(|| person.family_name.clone()),
                email: person.email.clone(),
                enrolled_at: r.enrolled_at,
                accepted_at: r.accepted_at,
                outcome: r.outcome.as_deref().and_then(|o| o.parse().ok()),
                outcome_recorded_at: r.outcome_recorded_at,
            })
        })
        .collect()
}

/// A page of the delegates on a course, in the order they were enrolled, after `cursor`.
pub async fn enrolment_page(
    db: &impl ConnectionTrait,
    course_id: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<EnrolmentRecord>, DbErr> {
    let rows = enrolment_rows(
        db,
        enrolments::Column::CourseId.eq(course_id),
        cursor,
        limit,
    )
    .await?;
    with_people(db, rows).await
}

/// A page of the enrolments that meet `condition`, oldest first, after `cursor`.
async fn enrolment_rows(
    db: &impl ConnectionTrait,
    condition: impl IntoCondition,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<enrolments::Model>, DbErr> {
    let query = enrolments::Entity::find().filter(condition);
    paging::oldest_first(query, enrolments::Column::Id, cursor, limit)
        .all(db)
        .await
}

pub async fn enrolments_of_course(
    db: &impl ConnectionTrait,
    course_id: Uuid,
) -> Result<Vec<EnrolmentRecord>, DbErr> {
    let rows = enrolments::Entity::find()
        .filter(enrolments::Column::CourseId.eq(course_id))
        .order_by_asc(enrolments::Column::EnrolledAt)
        .order_by_asc(enrolments::Column::Id)
        .all(db)
        .await?;
    with_people(db, rows).await
}

pub async fn find_enrolment(
    db: &impl ConnectionTrait,
    id: Uuid,
    course_id: Uuid,
) -> Result<Option<EnrolmentRecord>, DbErr> {
    let rows = enrolments::Entity::find_by_id(id)
        .filter(enrolments::Column::CourseId.eq(course_id))
        .all(db)
        .await?;
    Ok(with_people(db, rows).await?.into_iter().next())
}

pub async fn set_outcome(
    db: &impl ConnectionTrait,
    id: Uuid,
    outcome: Outcome,
    by: Uuid,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    enrolments::Entity::update_many()
        .col_expr(enrolments::Column::Outcome, Expr::value(outcome.as_ref()))
        .col_expr(enrolments::Column::OutcomeRecordedBy, Expr::value(by))
        .col_expr(enrolments::Column::OutcomeRecordedAt, Expr::value(now))
        .filter(enrolments::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn courses_of_candidate(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
) -> Result<Vec<CandidateCourse>, DbErr> {
    let rows = enrolments::Entity::find()
        .filter(enrolments::Column::CandidateId.eq(candidate_id))
        .order_by_asc(enrolments::Column::EnrolledAt)
        .all(db)
        .await?;
    candidate_courses(db, rows).await
}

/// A page of the courses a candidate is enrolled on, in the order of enrolment, after the
/// enrolment `cursor`.
pub async fn course_page_of_candidate(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<CandidateCourse>, DbErr> {
    let rows = enrolment_rows(
        db,
        enrolments::Column::CandidateId.eq(candidate_id),
        cursor,
        limit,
    )
    .await?;
    candidate_courses(db, rows).await
}

async fn candidate_courses(
    db: &impl ConnectionTrait,
    rows: Vec<enrolments::Model>,
) -> Result<Vec<CandidateCourse>, DbErr> {
    let mut out = Vec::new();
    for row in rows {
        let Some(course) = courses::Entity::find_by_id(row.course_id).one(db).await? else {
            continue;
        };
        let course = CourseRecord::try_from(course)?;
        let ato_name = find_ato(db, course.ato_id)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        let accredited = course_accredited(db, &course).await?;
        out.push(CandidateCourse {
            enrolment_id: row.id,
            course,
            ato_name,
            accepted_at: row.accepted_at,
            outcome: row.outcome.as_deref().and_then(|o| o.parse().ok()),
            accredited,
        });
    }
    Ok(out)
}

/// A page of the sittings of the delegates enrolled on this ATO's courses, oldest first
/// after the sitting `cursor`: sittings for the qualification of such a course only,
/// started after the delegate accepted the enrolment. One query decides which sittings,
/// so the page holds `limit` of them whatever the number of courses and delegates.
pub async fn results_of_ato(
    db: &impl ConnectionTrait,
    ato_id: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<DelegateResult>, DbErr> {
    // An enrolment still waiting for the candidate shares nothing: its `accepted_at` is
    // NULL, and a comparison with NULL is never true.
    let accepted_before = Query::select()
        .expr(Expr::val(1))
        .from(enrolments::Entity)
        .inner_join(
            courses::Entity,
            Expr::col((courses::Entity, courses::Column::Id))
                .equals((enrolments::Entity, enrolments::Column::CourseId)),
        )
        .and_where(Expr::col((courses::Entity, courses::Column::AtoId)).eq(ato_id))
        .and_where(
            Expr::col((enrolments::Entity, enrolments::Column::CandidateId))
                .equals((sittings::Entity, sittings::Column::CandidateId)),
        )
        .and_where(
            Expr::col((courses::Entity, courses::Column::QualificationCode))
                .equals((sittings::Entity, sittings::Column::QualificationCode)),
        )
        .and_where(
            Expr::col((enrolments::Entity, enrolments::Column::AcceptedAt))
                .lt(Expr::col((sittings::Entity, sittings::Column::StartedAt))),
        )
        .to_owned();
    let query = sittings::Entity::find().filter(Expr::exists(accepted_before));
    let rows = paging::oldest_first(query, sittings::Column::Id, cursor, limit)
        .all(db)
        .await?;
    let candidate_ids: BTreeSet<Uuid> = rows.iter().map(|s| s.candidate_id).collect();
    let people: BTreeMap<Uuid, users::Model> = users::Entity::find()
        .filter(users::Column::Id.is_in(candidate_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    rows.into_iter()
        .filter_map(|s| people.get(&s.candidate_id).map(|person| (s, person)))
        .map(|(s, person)| {
            let status: SittingStatus = s.status.parse().map_err(|_| {
                DbErr::Custom(format!("sitting {}: unknown status {}", s.id, s.status))
            })?;
            Ok(DelegateResult {
                sitting_id: s.id,
                candidate_id: s.candidate_id,
                given_name: person.given_name.clone(),
                family_name: person.family_name.clone(),
                qualification: s.qualification_code,
                edition: s.edition,
                started_at: s.started_at,
                status,
                score: s.score,
                max_score: s.max_score,
                passed: s.passed,
            })
        })
        .collect()
}
