//! What the examination statistics are read from: counts of scored sittings grouped in
//! SQL, and the stored papers, score sheets and answers of a bounded number of recent
//! sittings.

use std::collections::BTreeMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::entities::{answers, sittings};
use crate::domain::paper::Paper;
use crate::domain::scoring::{Response, ScoreSheet};

/// Scored sittings of one qualification that share a result (passed or not).
pub struct ResultCount {
    pub qualification: String,
    pub passed: bool,
    pub sittings: u64,
    /// The lowest and highest marks available and pass marks among them (they differ
    /// only when editions do).
    pub max_score: (u32, u32),
    pub pass_mark: (u32, u32),
}

/// Scored sittings of one qualification with one score.
pub struct ScoreCount {
    pub qualification: String,
    pub score: u32,
    pub sittings: u64,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

fn mark(n: i32) -> u32 {
    u32::try_from(n).unwrap_or_default()
}

/// A row of `result_counts`: qualification, passed, sittings, and the lowest and highest
/// marks available and pass marks.
type ResultRow = (String, Option<bool>, i64, i32, i32, i32, i32);

/// How many scored sittings each qualification has, passed and not.
#[tracing::instrument(skip(db))]
pub async fn result_counts(db: &impl ConnectionTrait) -> Result<Vec<ResultCount>, DbErr> {
    let rows: Vec<ResultRow> = sittings::Entity::find()
        .select_only()
        .column(sittings::Column::QualificationCode)
        .column(sittings::Column::Passed)
        .column_as(Expr::col(sittings::Column::Id).count(), "sittings")
        .column_as(Expr::col(sittings::Column::MaxScore).min(), "min_max_score")
        .column_as(Expr::col(sittings::Column::MaxScore).max(), "max_max_score")
        .column_as(Expr::col(sittings::Column::PassMark).min(), "min_pass_mark")
        .column_as(Expr::col(sittings::Column::PassMark).max(), "max_pass_mark")
        .filter(sittings::Column::Score.is_not_null())
        .group_by(sittings::Column::QualificationCode)
        .group_by(sittings::Column::Passed)
        .order_by_asc(sittings::Column::QualificationCode)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(qualification, passed, n, min_max, max_max, min_pass, max_pass)| ResultCount {
                qualification,
                passed: passed.unwrap_or(false),
                sittings: count(n),
                max_score: (mark(min_max), mark(max_max)),
                pass_mark: (mark(min_pass), mark(max_pass)),
            },
        )
        .collect())
}

/// How many scored sittings each qualification has with each score.
#[tracing::instrument(skip(db))]
pub async fn score_counts(db: &impl ConnectionTrait) -> Result<Vec<ScoreCount>, DbErr> {
    let rows: Vec<(String, Option<i32>, i64)> = sittings::Entity::find()
        .select_only()
        .column(sittings::Column::QualificationCode)
        .column(sittings::Column::Score)
        .column_as(Expr::col(sittings::Column::Id).count(), "sittings")
        .filter(sittings::Column::Score.is_not_null())
        .group_by(sittings::Column::QualificationCode)
        .group_by(sittings::Column::Score)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(qualification, score, n)| ScoreCount {
            qualification,
            score: score.map(mark).unwrap_or_default(),
            sittings: count(n),
        })
        .collect())
}

/// The papers and score sheets of the latest `limit` scored sittings of a qualification,
/// newest first.
#[tracing::instrument(skip(db))]
pub async fn recent_sheets(
    db: &impl ConnectionTrait,
    qualification: &str,
    limit: u64,
) -> Result<Vec<(Paper, ScoreSheet)>, DbErr> {
    let rows: Vec<(Uuid, String, Option<String>)> = sittings::Entity::find()
        .select_only()
        .column(sittings::Column::Id)
        .column(sittings::Column::Paper)
        .column(sittings::Column::Breakdown)
        .filter(sittings::Column::QualificationCode.eq(qualification))
        .filter(sittings::Column::Breakdown.is_not_null())
        .order_by_desc(sittings::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter()
        .filter_map(|(id, paper, sheet)| Some((id, paper, sheet?)))
        .map(|(id, paper, sheet)| {
            let unreadable = |what: &str, e: serde_json::Error| {
                DbErr::Custom(format!("sitting {id}: stored {what} is unreadable: {e}"))
            };
            Ok((
                serde_json::from_str(&paper).map_err(|e| unreadable("paper", e))?,
                serde_json::from_str(&sheet).map_err(|e| unreadable("result", e))?,
            ))
        })
        .collect()
}

/// A scored sitting as item statistics read it: its form, paper, score sheet and the
/// answers saved.
pub struct ScoredSitting {
    pub edition: String,
    pub pool_hash: String,
    pub paper: Paper,
    pub sheet: ScoreSheet,
    pub answers: BTreeMap<u32, Response>,
}

/// How many sittings' answers one query reads (a bounded `IN` list).
const ANSWER_BATCH: usize = 200;

/// The latest `limit` scored sittings of a qualification, newest first, with their
/// answers.
#[tracing::instrument(skip(db))]
pub async fn scored_sittings(
    db: &impl ConnectionTrait,
    qualification: &str,
    limit: u64,
) -> Result<Vec<ScoredSitting>, DbErr> {
    type Row = (Uuid, String, String, String, Option<String>);
    let rows: Vec<Row> = sittings::Entity::find()
        .select_only()
        .column(sittings::Column::Id)
        .column(sittings::Column::Edition)
        .column(sittings::Column::PoolHash)
        .column(sittings::Column::Paper)
        .column(sittings::Column::Breakdown)
        .filter(sittings::Column::QualificationCode.eq(qualification))
        .filter(sittings::Column::Score.is_not_null())
        .filter(sittings::Column::Breakdown.is_not_null())
        .order_by_desc(sittings::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let mut answers_of: BTreeMap<Uuid, BTreeMap<u32, Response>> = BTreeMap::new();
    for batch in ids.chunks(ANSWER_BATCH) {
        let saved: Vec<(Uuid, i32, String)> = answers::Entity::find()
            .select_only()
            .column(answers::Column::SittingId)
            .column(answers::Column::Number)
            .column(answers::Column::Response)
            .filter(answers::Column::SittingId.is_in(batch.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, number, response) in saved {
            let response: Response = serde_json::from_str(&response).map_err(|e| {
                DbErr::Custom(format!("sitting {id}: stored answer is unreadable: {e}"))
            })?;
            answers_of
                .entry(id)
                .or_default()
                .insert(u32::try_from(number).unwrap_or_default(), response);
        }
    }
    rows.into_iter()
        .filter_map(|(id, edition, pool_hash, paper, sheet)| {
            Some((id, edition, pool_hash, paper, sheet?))
        })
        .map(|(id, edition, pool_hash, paper, sheet)| {
            let unreadable = |what: &str, e: serde_json::Error| {
                DbErr::Custom(format!("sitting {id}: stored {what} is unreadable: {e}"))
            };
            Ok(ScoredSitting {
                edition,
                pool_hash,
                paper: serde_json::from_str(&paper).map_err(|e| unreadable("paper", e))?,
                sheet: serde_json::from_str(&sheet).map_err(|e| unreadable("result", e))?,
                answers: answers_of.remove(&id).unwrap_or_default(),
            })
        })
        .collect()
}
