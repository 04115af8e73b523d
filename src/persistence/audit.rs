//! The audit ledger's rows. Appending locks the ledger's one-row head (PostgreSQL:
//! `SELECT … FOR UPDATE`; SQLite: the write lock every writing transaction takes at
//! BEGIN), so entries from several servers form one chain in commit order. Append last
//! in a transaction, after its other writes: the head stays locked only until the commit,
//! and always after the rows the transaction locked, so appends never deadlock.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, Query},
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::entities::{audit_head, audit_log};
use crate::domain::audit::{Break, Entry, Event, Verifier};

const HEAD: i32 = 1;

impl From<audit_log::Model> for Entry {
    fn from(m: audit_log::Model) -> Self {
        Self {
            seq: m.seq,
            at: m.at,
            actor: m.actor,
            client: m.client,
            action: m.action,
            target_kind: m.target_kind,
            target_id: m.target_id,
            detail: m.detail,
            prev_hash: m.prev_hash,
            hash: m.hash,
        }
    }
}

/// The last sequence number and hash written, locked until the caller's commit on
/// PostgreSQL.
async fn lock_head(db: &impl ConnectionTrait) -> Result<(i64, String), DbErr> {
    let mut query = audit_head::Entity::find_by_id(HEAD);
    if db.get_database_backend() == DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    let head = query
        .one(db)
        .await?
        .ok_or_else(|| DbErr::Custom("the audit ledger has no head row".into()))?;
    Ok((head.seq, head.hash))
}

/// Appends `events` at `at`, in order, inside the caller's transaction.
pub async fn append(
    db: &impl ConnectionTrait,
    at: OffsetDateTime,
    events: &[Event],
) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    let at = at
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|e| DbErr::Custom(format!("audit time: {e}")))?;
    let (mut seq, mut prev) = lock_head(db).await?;
    // A few hundred rows per statement keeps within every engine's parameter limit.
    for chunk in events.chunks(500) {
        use audit_log::Column as C;
        let mut insert = Query::insert();
        insert.into_table(audit_log::Entity).columns([
            C::Seq,
            C::At,
            C::Actor,
            C::Client,
            C::Action,
            C::TargetKind,
            C::TargetId,
            C::Detail,
            C::PrevHash,
            C::Hash,
        ]);
        for event in chunk {
            seq += 1;
            let entry = event.seal(seq, &at, &prev);
            insert.values_panic([
                entry.seq.into(),
                entry.at.into(),
                entry.actor.into(),
                entry.client.into(),
                entry.action.into(),
                entry.target_kind.into(),
                entry.target_id.into(),
                entry.detail.into(),
                entry.prev_hash.into(),
                entry.hash.clone().into(),
            ]);
            prev = entry.hash;
        }
        db.execute(&insert).await?;
    }
    db.execute(
        Query::update()
            .table(audit_head::Entity)
            .value(audit_head::Column::Seq, seq)
            .value(audit_head::Column::Hash, prev)
            .and_where(Expr::col(audit_head::Column::Id).eq(HEAD)),
    )
    .await?;
    Ok(())
}

/// The entries about one target, oldest first, after `after` (a sequence number), at
/// most `limit`.
pub async fn trail(
    db: &impl ConnectionTrait,
    target_kind: &str,
    target_id: &str,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<Entry>, DbErr> {
    let mut query = audit_log::Entity::find()
        .filter(audit_log::Column::TargetKind.eq(target_kind))
        .filter(audit_log::Column::TargetId.eq(target_id));
    if let Some(after) = after {
        query = query.filter(audit_log::Column::Seq.gt(after));
    }
    Ok(query
        .order_by_asc(audit_log::Column::Seq)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(Entry::from)
        .collect())
}

/// What a full check of the ledger found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    Intact { entries: i64, head: String },
    Broken(Break),
}

/// Walks the whole ledger in order, a page at a time, and stops at the first break.
pub async fn verify(db: &impl ConnectionTrait) -> Result<Verified, DbErr> {
    const PAGE: u64 = 2_000;
    let mut verifier = Verifier::default();
    let mut after = 0i64;
    loop {
        let page = audit_log::Entity::find()
            .filter(audit_log::Column::Seq.gt(after))
            .order_by_asc(audit_log::Column::Seq)
            .limit(PAGE)
            .all(db)
            .await?;
        let done = (page.len() as u64) < PAGE;
        for row in page {
            after = row.seq;
            if let Err(b) = verifier.check(&Entry::from(row)) {
                return Ok(Verified::Broken(b));
            }
        }
        if done {
            break;
        }
    }
    let head = audit_head::Entity::find_by_id(HEAD)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::Custom("the audit ledger has no head row".into()))?;
    Ok(match verifier.finish(head.seq, &head.hash) {
        Ok(entries) => Verified::Intact {
            entries,
            head: head.hash,
        },
        Err(b) => Verified::Broken(b),
    })
}
