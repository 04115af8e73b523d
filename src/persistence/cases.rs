//! Appeals and complaints: the cases, their notes, and who acted on what a case is
//! against (read from the audit ledger). Every state change is a conditional UPDATE on
//! the state it starts from, so two administrators (or an administrator and the
//! appellant) acting at once cannot both succeed.

use std::collections::BTreeSet;

use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::entities::{audit_log, case_notes, cases};
use super::paging;
use crate::domain::case::{
    CaseKind, CaseNote, CaseRecord, CaseState, Decision, NewCase, Remedy, Target, TargetKind,
};

impl TryFrom<cases::Model> for CaseRecord {
    type Error = DbErr;

    fn try_from(m: cases::Model) -> Result<Self, DbErr> {
        let unreadable = || DbErr::Custom(format!("case {}: stored row is unreadable", m.id));
        let target = match (&m.target_kind, &m.target_id) {
            (Some(kind), Some(id)) => Some(Target {
                kind: kind.parse::<TargetKind>().map_err(|_| unreadable())?,
                id: id.clone(),
            }),
            _ => None,
        };
        let remedy = m
            .remedy
            .as_deref()
            .map(|r| r.parse::<Remedy>().map_err(|_| unreadable()))
            .transpose()?;
        Ok(Self {
            id: m.id,
            kind: m.kind.parse::<CaseKind>().map_err(|_| unreadable())?,
            state: m.state.parse::<CaseState>().map_err(|_| unreadable())?,
            candidate_id: m.candidate_id,
            lodged_by: m.lodged_by,
            target,
            about: m.about,
            statement: m.statement,
            received_at: m.received_at,
            reviewer_id: m.reviewer_id,
            assigned_at: m.assigned_at,
            decided_by: m.decided_by,
            decided_at: m.decided_at,
            reasons: m.reasons,
            remedy,
            remedy_detail: m.remedy_detail,
            withdrawn_at: m.withdrawn_at,
        })
    }
}

/// Stores a new case, received; `None` when it is an appeal against a target that already
/// has an open appeal (the partial unique index `cases_open_appeal_idx` decides).
#[tracing::instrument(skip(db, case))]
pub async fn insert(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
    lodged_by: Uuid,
    case: &NewCase,
    now: OffsetDateTime,
) -> Result<Option<CaseRecord>, DbErr> {
    let id = Uuid::now_v7();
    let row = cases::ActiveModel {
        id: Set(id),
        kind: Set(case.kind.as_ref().to_owned()),
        state: Set(CaseState::Received.as_ref().to_owned()),
        candidate_id: Set(candidate_id),
        lodged_by: Set(lodged_by),
        target_kind: Set(case.target.as_ref().map(|t| t.kind.as_ref().to_owned())),
        target_id: Set(case.target.as_ref().map(|t| t.id.clone())),
        about: Set(case.about.clone()),
        statement: Set(case.statement.clone()),
        received_at: Set(now),
        reviewer_id: Set(None),
        assigned_at: Set(None),
        decided_by: Set(None),
        decided_at: Set(None),
        reasons: Set(None),
        remedy: Set(None),
        remedy_detail: Set(None),
        withdrawn_at: Set(None),
    };
    match cases::Entity::insert(row).exec_without_returning(db).await {
        Err(e) if super::is_unique_violation(&e, "cases_open_appeal_idx", "cases.target_id") => {
            return Ok(None);
        }
        other => {
            other?;
        }
    }
    find(db, id)
        .await?
        .map(Some)
        .ok_or_else(|| DbErr::RecordNotFound(id.to_string()))
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<CaseRecord>, DbErr> {
    cases::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(CaseRecord::try_from)
        .transpose()
}

/// A page of cases, oldest first (ids are UUID v7, so id order is received order), after
/// `cursor`; of one candidate, or of a state and kind.
#[tracing::instrument(skip(db))]
pub async fn page(
    db: &impl ConnectionTrait,
    candidate: Option<Uuid>,
    state: Option<CaseState>,
    kind: Option<CaseKind>,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<CaseRecord>, DbErr> {
    let mut condition = Condition::all();
    if let Some(c) = candidate {
        condition = condition.add(cases::Column::CandidateId.eq(c));
    }
    if let Some(s) = state {
        condition = condition.add(cases::Column::State.eq(s.as_ref()));
    }
    if let Some(k) = kind {
        condition = condition.add(cases::Column::Kind.eq(k.as_ref()));
    }
    let query = cases::Entity::find().filter(condition);
    paging::oldest_first(query, cases::Column::Id, cursor, limit)
        .all(db)
        .await?
        .into_iter()
        .map(CaseRecord::try_from)
        .collect()
}

/// The cases `staff` lodged on someone else's behalf, oldest first.
pub async fn lodged_by(
    db: &impl ConnectionTrait,
    staff: Uuid,
    limit: u64,
) -> Result<Vec<CaseRecord>, DbErr> {
    let query = cases::Entity::find()
        .filter(cases::Column::LodgedBy.eq(staff))
        .filter(cases::Column::CandidateId.ne(staff));
    paging::oldest_first(query, cases::Column::Id, None, limit)
        .all(db)
        .await?
        .into_iter()
        .map(CaseRecord::try_from)
        .collect()
}

fn open_states() -> Vec<&'static str> {
    vec![
        CaseState::Received.as_ref(),
        CaseState::UnderReview.as_ref(),
    ]
}

/// Assigns a reviewer to an open case; false if it was decided or withdrawn meanwhile.
pub async fn assign(
    db: &impl ConnectionTrait,
    id: Uuid,
    reviewer: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = cases::Entity::update_many()
        .col_expr(
            cases::Column::State,
            Expr::value(CaseState::UnderReview.as_ref()),
        )
        .col_expr(cases::Column::ReviewerId, Expr::value(reviewer))
        .col_expr(cases::Column::AssignedAt, Expr::value(now))
        .filter(cases::Column::Id.eq(id))
        .filter(cases::Column::State.is_in(open_states()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Withdraws an open case; false if it was decided or withdrawn meanwhile.
pub async fn withdraw(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = cases::Entity::update_many()
        .col_expr(
            cases::Column::State,
            Expr::value(CaseState::Withdrawn.as_ref()),
        )
        .col_expr(cases::Column::WithdrawnAt, Expr::value(now))
        .filter(cases::Column::Id.eq(id))
        .filter(cases::Column::State.is_in(open_states()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Records the decision on a case under review by `by`; false if it changed meanwhile
/// (withdrawn, decided, or given another reviewer).
pub async fn decide(
    db: &impl ConnectionTrait,
    id: Uuid,
    decision: &Decision,
    by: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = cases::Entity::update_many()
        .col_expr(cases::Column::State, Expr::value(decision.state().as_ref()))
        .col_expr(cases::Column::DecidedBy, Expr::value(by))
        .col_expr(cases::Column::DecidedAt, Expr::value(now))
        .col_expr(
            cases::Column::Reasons,
            Expr::value(decision.reasons.clone()),
        )
        .col_expr(
            cases::Column::Remedy,
            Expr::value(decision.remedy.map(|r| r.as_ref().to_owned())),
        )
        .col_expr(
            cases::Column::RemedyDetail,
            Expr::value(decision.remedy_detail.clone()),
        )
        .filter(cases::Column::Id.eq(id))
        .filter(cases::Column::State.eq(CaseState::UnderReview.as_ref()))
        .filter(cases::Column::ReviewerId.eq(by))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn add_note(db: &impl ConnectionTrait, note: &CaseNote) -> Result<(), DbErr> {
    case_notes::Entity::insert(case_notes::ActiveModel {
        id: Set(note.id),
        case_id: Set(note.case_id),
        author_id: Set(note.author_id),
        at: Set(note.at),
        text: Set(note.text.clone()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// A case's notes, oldest first.
pub async fn notes(db: &impl ConnectionTrait, case_id: Uuid) -> Result<Vec<CaseNote>, DbErr> {
    Ok(case_notes::Entity::find()
        .filter(case_notes::Column::CaseId.eq(case_id))
        .order_by_asc(case_notes::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| CaseNote {
            id: m.id,
            case_id: m.case_id,
            author_id: m.author_id,
            at: m.at,
            text: m.text,
        })
        .collect())
}

/// The accounts that acted on a target, by its audit trail (`target_kind`, `target_id`
/// as the ledger stores them).
pub async fn actors_of(
    db: &impl ConnectionTrait,
    target_kind: &str,
    target_id: &str,
) -> Result<BTreeSet<Uuid>, DbErr> {
    let actors: Vec<String> = audit_log::Entity::find()
        .select_only()
        .column(audit_log::Column::Actor)
        .distinct()
        .filter(audit_log::Column::TargetKind.eq(target_kind))
        .filter(audit_log::Column::TargetId.eq(target_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(actors.iter().filter_map(|a| a.parse().ok()).collect())
}

/// The earliest time the candidate accepted an enrolment on a course of the ATO (for
/// `qualification`, when given): an ATO sees a delegate only from then on.
pub async fn accepted_by_delegate(
    db: &impl ConnectionTrait,
    ato_id: Uuid,
    candidate_id: Uuid,
    qualification: Option<&str>,
) -> Result<Option<OffsetDateTime>, DbErr> {
    use super::entities::{courses, enrolments};
    let mut course_query = courses::Entity::find()
        .select_only()
        .column(courses::Column::Id)
        .filter(courses::Column::AtoId.eq(ato_id));
    if let Some(q) = qualification {
        course_query = course_query.filter(courses::Column::QualificationCode.eq(q));
    }
    let course_ids: Vec<Uuid> = course_query.into_tuple().all(db).await?;
    if course_ids.is_empty() {
        return Ok(None);
    }
    let accepted: Vec<Option<OffsetDateTime>> = enrolments::Entity::find()
        .select_only()
        .column(enrolments::Column::AcceptedAt)
        .filter(enrolments::Column::CandidateId.eq(candidate_id))
        .filter(enrolments::Column::CourseId.is_in(course_ids))
        .filter(enrolments::Column::AcceptedAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(accepted.into_iter().flatten().min())
}

/// Enabled administrators' ids and names, by family name: the people who may review.
pub async fn administrators(db: &impl ConnectionTrait) -> Result<Vec<(Uuid, String)>, DbErr> {
    use super::entities::{user_roles, users};
    let ids: Vec<Uuid> = user_roles::Entity::find()
        .select_only()
        .column(user_roles::Column::UserId)
        .filter(user_roles::Column::Role.eq(crate::domain::role::Role::Admin.as_ref()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .filter(users::Column::DisabledAt.is_null())
        .order_by_asc(users::Column::FamilyName)
        .order_by_asc(users::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, format!("{} {}", u.given_name, u.family_name)))
        .collect())
}
