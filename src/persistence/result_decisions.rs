//! Results kept provisional by a `confirmed` policy, each step a conditional UPDATE (on
//! the stage, and for the decision on who recommended), so two administrators acting at
//! once never both succeed; and the light history of a candidate's sittings that the
//! resit rules read.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::entities::{result_decisions, sittings};
use crate::domain::result_decision::{DecisionRecord, ResultStatus, Stage};

impl TryFrom<result_decisions::Model> for DecisionRecord {
    type Error = DbErr;

    fn try_from(m: result_decisions::Model) -> Result<Self, DbErr> {
        Ok(Self {
            sitting_id: m.sitting_id,
            stage: m.stage.parse().map_err(|_| {
                DbErr::Custom(format!("result decision {}: unknown stage", m.sitting_id))
            })?,
            created_at: m.created_at,
            recommended_by: m.recommended_by,
            recommended_at: m.recommended_at,
            recommendation_note: m.recommendation_note,
            decided_by: m.decided_by,
            decided_at: m.decided_at,
            decision_note: m.decision_note,
        })
    }
}

/// Keeps the result of a just-closed sitting provisional.
pub async fn insert(
    db: &impl ConnectionTrait,
    sitting_id: Uuid,
    candidate_id: Uuid,
    qualification: &str,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    result_decisions::Entity::insert(result_decisions::ActiveModel {
        sitting_id: Set(sitting_id),
        candidate_id: Set(candidate_id),
        qualification_code: Set(qualification.to_owned()),
        stage: Set(Stage::Provisional.as_ref().to_owned()),
        created_at: Set(now),
        recommended_by: Set(None),
        recommended_at: Set(None),
        recommendation_note: Set(None),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_note: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn find(
    db: &impl ConnectionTrait,
    sitting_id: Uuid,
) -> Result<Option<DecisionRecord>, DbErr> {
    result_decisions::Entity::find_by_id(sitting_id)
        .one(db)
        .await?
        .map(DecisionRecord::try_from)
        .transpose()
}

/// Whether the sitting's result is provisional or final (final without a row).
pub async fn status_of(db: &impl ConnectionTrait, sitting_id: Uuid) -> Result<ResultStatus, DbErr> {
    Ok(find(db, sitting_id)
        .await?
        .map_or(ResultStatus::Final, |d| d.stage.result_status()))
}

/// Results not yet decided, oldest first, at most `limit`.
pub async fn awaiting(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<DecisionRecord>, DbErr> {
    result_decisions::Entity::find()
        .filter(result_decisions::Column::Stage.ne(Stage::Decided.as_ref()))
        .order_by_asc(result_decisions::Column::CreatedAt)
        .order_by_asc(result_decisions::Column::SittingId)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(DecisionRecord::try_from)
        .collect()
}

/// The sittings of a candidate whose results are not decided yet.
pub async fn undecided_of(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
) -> Result<Vec<Uuid>, DbErr> {
    result_decisions::Entity::find()
        .select_only()
        .column(result_decisions::Column::SittingId)
        .filter(result_decisions::Column::CandidateId.eq(candidate_id))
        .filter(result_decisions::Column::Stage.ne(Stage::Decided.as_ref()))
        .into_tuple()
        .all(db)
        .await
}

/// Records the recommendation if the result is still provisional; false otherwise.
pub async fn recommend(
    db: &impl ConnectionTrait,
    sitting_id: Uuid,
    by: Uuid,
    note: Option<&str>,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = result_decisions::Entity::update_many()
        .col_expr(
            result_decisions::Column::Stage,
            Expr::value(Stage::Recommended.as_ref()),
        )
        .col_expr(result_decisions::Column::RecommendedBy, Expr::value(by))
        .col_expr(result_decisions::Column::RecommendedAt, Expr::value(now))
        .col_expr(
            result_decisions::Column::RecommendationNote,
            Expr::value(note),
        )
        .filter(result_decisions::Column::SittingId.eq(sitting_id))
        .filter(result_decisions::Column::Stage.eq(Stage::Provisional.as_ref()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Records the decision if the result is recommended, by someone other than `by`; false
/// otherwise.
pub async fn decide(
    db: &impl ConnectionTrait,
    sitting_id: Uuid,
    by: Uuid,
    note: Option<&str>,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = result_decisions::Entity::update_many()
        .col_expr(
            result_decisions::Column::Stage,
            Expr::value(Stage::Decided.as_ref()),
        )
        .col_expr(result_decisions::Column::DecidedBy, Expr::value(by))
        .col_expr(result_decisions::Column::DecidedAt, Expr::value(now))
        .col_expr(result_decisions::Column::DecisionNote, Expr::value(note))
        .filter(result_decisions::Column::SittingId.eq(sitting_id))
        .filter(result_decisions::Column::Stage.eq(Stage::Recommended.as_ref()))
        .filter(result_decisions::Column::RecommendedBy.ne(by))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// One of a candidate's sittings as the resit rules see it.
pub struct SittingHistory {
    pub id: Uuid,
    pub qualification: String,
    pub started_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    pub passed: Option<bool>,
}

/// Every sitting of the candidate, without its paper.
pub async fn history_of(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
) -> Result<Vec<SittingHistory>, DbErr> {
    type Row = (
        Uuid,
        String,
        OffsetDateTime,
        Option<OffsetDateTime>,
        Option<bool>,
    );
    let rows: Vec<Row> = sittings::Entity::find()
        .select_only()
        .column(sittings::Column::Id)
        .column(sittings::Column::QualificationCode)
        .column(sittings::Column::StartedAt)
        .column(sittings::Column::ClosedAt)
        .column(sittings::Column::Passed)
        .filter(sittings::Column::CandidateId.eq(candidate_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, qualification, started_at, closed_at, passed)| SittingHistory {
                id,
                qualification,
                started_at,
                closed_at,
                passed,
            },
        )
        .collect())
}
