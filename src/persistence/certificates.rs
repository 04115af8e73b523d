//! Certificates, their status history, number sequences and the public register.

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
    sea_query::{Alias, Expr, LikeExpr, OnConflict, Query},
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::entities::{certificate_events, certificates, register_listings};
use super::paging;
use crate::domain::certificate::{
    CertificateEvent, CertificateRecord, CertificateStatus, EventRecord,
};

impl TryFrom<certificates::Row> for CertificateRecord {
    type Error = DbErr;

    fn try_from(m: certificates::Row) -> Result<Self, DbErr> {
        Ok(Self {
            id: m.id,
            number: m.number,
            verification_code: m.verification_code,
            sitting_id: m.sitting_id,
            candidate_id: m.candidate_id,
            holder_name: m.holder_name,
            qualification: m.qualification_code,
            qualification_title: m.qualification_title,
            edition: m.edition,
            edition_title: m.edition_title,
            issued_on: m.issued_on,
            issuer: m.issuer,
            kid: m.kid,
            signature: m.signature,
            status: m
                .status
                .parse::<CertificateStatus>()
                .ok()
                .ok_or_else(|| DbErr::Custom(format!("certificate {}: unknown status", m.id)))?,
            status_reason: m.status_reason,
            status_changed_at: m.status_changed_at,
            replaced_by: m.replaced_by,
            created_at: m.created_at,
            status_index: m.status_index.and_then(|i| u32::try_from(i).ok()),
            expires_on: m.expires_on,
            renews: m.renews,
            renewed_by: m.renewed_by,
        })
    }
}

/// The next sequence number for `prefix` in `year`, taken inside the caller's transaction
/// (an upsert on one row, so concurrent issuers queue on it and never share a number).
pub async fn next_sequence(
    db: &impl ConnectionTrait,
    prefix: &str,
    year: i32,
) -> Result<u32, DbErr> {
    let table = Alias::new("certificate_sequences");
    let last = Alias::new("last");
    let statement = Query::insert()
        .into_table(table.clone())
        .columns([Alias::new("prefix"), Alias::new("year"), last.clone()])
        .values_panic([prefix.into(), year.into(), 1.into()])
        .on_conflict(
            OnConflict::columns([Alias::new("prefix"), Alias::new("year")])
                .value(last.clone(), Expr::col((table, last.clone())).add(1))
                .to_owned(),
        )
        .returning_col(last)
        .to_owned();
    let row = db
        .query_one(&statement)
        .await?
        .ok_or_else(|| DbErr::Custom("sequence upsert returned nothing".into()))?;
    let value: i32 = row.try_get_by_index(0)?;
    u32::try_from(value).map_err(|_| DbErr::Custom("negative certificate sequence".into()))
}

pub async fn insert(db: &impl ConnectionTrait, c: &CertificateRecord) -> Result<(), DbErr> {
    certificates::Entity::insert(certificates::ActiveModel {
        id: Set(c.id),
        number: Set(c.number.clone()),
        verification_code: Set(c.verification_code.clone()),
        sitting_id: Set(c.sitting_id),
        candidate_id: Set(c.candidate_id),
        holder_name: Set(c.holder_name.clone()),
        qualification_code: Set(c.qualification.clone()),
        qualification_title: Set(c.qualification_title.clone()),
        edition: Set(c.edition.clone()),
        edition_title: Set(c.edition_title.clone()),
        issued_on: Set(c.issued_on),
        issuer: Set(c.issuer.clone()),
        kid: Set(c.kid.clone()),
        signature: Set(c.signature.clone()),
        status: Set(c.status.as_ref().to_owned()),
        status_reason: Set(c.status_reason.clone()),
        status_changed_at: Set(c.status_changed_at),
        replaced_by: Set(c.replaced_by),
        pdf: Set(None),
        created_at: Set(c.created_at),
        holder_name_folded: Set(Some(c.holder_name.to_lowercase())),
        status_index: Set(c.status_index.and_then(|i| i32::try_from(i).ok())),
        expires_on: Set(c.expires_on),
        renews: Set(c.renews.clone()),
        renewed_by: Set(c.renewed_by.clone()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn record_event(
    db: &impl ConnectionTrait,
    certificate_id: Uuid,
    action: CertificateEvent,
    reason: Option<&str>,
    actor: Option<Uuid>,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    certificate_events::Entity::insert(certificate_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        certificate_id: Set(certificate_id),
        action: Set(action.as_ref().to_owned()),
        reason: Set(reason.map(str::to_owned)),
        actor: Set(actor),
        at: Set(at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn events(
    db: &impl ConnectionTrait,
    certificate_id: Uuid,
) -> Result<Vec<EventRecord>, DbErr> {
    certificate_events::Entity::find()
        .filter(certificate_events::Column::CertificateId.eq(certificate_id))
        .order_by_asc(certificate_events::Column::At)
        .order_by_asc(certificate_events::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| {
            let action = e.action.parse().map_err(|_| {
                DbErr::Custom(format!(
                    "certificate event {}: unknown action {}",
                    e.id, e.action
                ))
            })?;
            Ok(EventRecord {
                action,
                reason: e.reason,
                actor: e.actor,
                at: e.at,
            })
        })
        .collect()
}

async fn one(
    db: &impl ConnectionTrait,
    filter: sea_orm::Condition,
) -> Result<Option<CertificateRecord>, DbErr> {
    certificates::Entity::find()
        .filter(filter)
        .into_partial_model::<certificates::Row>()
        .one(db)
        .await?
        .map(CertificateRecord::try_from)
        .transpose()
}

pub async fn by_number(
    db: &impl ConnectionTrait,
    number: &str,
) -> Result<Option<CertificateRecord>, DbErr> {
    one(
        db,
        sea_orm::Condition::all().add(certificates::Column::Number.eq(number)),
    )
    .await
}

pub async fn by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<CertificateRecord>, DbErr> {
    one(
        db,
        sea_orm::Condition::all().add(certificates::Column::VerificationCode.eq(code)),
    )
    .await
}

pub async fn by_sitting(
    db: &impl ConnectionTrait,
    sitting_id: Uuid,
) -> Result<Option<CertificateRecord>, DbErr> {
    one(
        db,
        sea_orm::Condition::all().add(certificates::Column::SittingId.eq(sitting_id)),
    )
    .await
}

/// The certificates `query` finds, without their PDFs.
async fn many(
    db: &impl ConnectionTrait,
    query: Select<certificates::Entity>,
) -> Result<Vec<CertificateRecord>, DbErr> {
    query
        .into_partial_model::<certificates::Row>()
        .all(db)
        .await?
        .into_iter()
        .map(CertificateRecord::try_from)
        .collect()
}

pub async fn of_candidate(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
) -> Result<Vec<CertificateRecord>, DbErr> {
    let query = certificates::Entity::find()
        .filter(certificates::Column::CandidateId.eq(candidate_id))
        .order_by_asc(certificates::Column::CreatedAt);
    many(db, query).await
}

/// A page of the candidate's certificates, oldest first, after `cursor`.
pub async fn page_of_candidate(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<CertificateRecord>, DbErr> {
    let query =
        certificates::Entity::find().filter(certificates::Column::CandidateId.eq(candidate_id));
    many(
        db,
        paging::oldest_first(query, certificates::Column::Id, cursor, limit),
    )
    .await
}

/// Changes the status if it is still `from`; false otherwise (someone else changed it).
pub async fn set_status(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: CertificateStatus,
    to: CertificateStatus,
    reason: &str,
    replaced_by: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = certificates::Entity::update_many()
        .col_expr(certificates::Column::Status, Expr::value(to.as_ref()))
        .col_expr(certificates::Column::StatusReason, Expr::value(reason))
        .col_expr(certificates::Column::StatusChangedAt, Expr::value(now))
        .col_expr(certificates::Column::ReplacedBy, Expr::value(replaced_by))
        .filter(certificates::Column::Id.eq(id))
        .filter(certificates::Column::Status.eq(from.as_ref()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn stored_pdf(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Vec<u8>>, DbErr> {
    Ok(certificates::Entity::find_by_id(id)
        .one(db)
        .await?
        .and_then(|m| m.pdf))
}

pub async fn store_pdf(db: &impl ConnectionTrait, id: Uuid, pdf: Vec<u8>) -> Result<(), DbErr> {
    certificates::Entity::update_many()
        .col_expr(certificates::Column::Pdf, Expr::value(pdf))
        .filter(certificates::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn set_listed(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
    listed: bool,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    if listed {
        register_listings::Entity::insert(register_listings::ActiveModel {
            candidate_id: Set(candidate_id),
            listed_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(register_listings::Column::CandidateId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    } else {
        register_listings::Entity::delete_by_id(candidate_id)
            .exec(db)
            .await?;
    }
    Ok(())
}

pub async fn is_listed(db: &impl ConnectionTrait, candidate_id: Uuid) -> Result<bool, DbErr> {
    Ok(register_listings::Entity::find_by_id(candidate_id)
        .one(db)
        .await?
        .is_some())
}

/// Listed holders' certificates whose number matches, or whose holder's name contains
/// `family_name` (case-insensitive, any script); at most `limit`, by number. One query:
/// the listing, the name and the limit are all in SQL, and no PDF is read.
pub async fn search_register(
    db: &impl ConnectionTrait,
    family_name: Option<&str>,
    number: Option<&str>,
    limit: u64,
) -> Result<Vec<CertificateRecord>, DbErr> {
    let listed = Query::select()
        .column(register_listings::Column::CandidateId)
        .from(register_listings::Entity)
        .to_owned();
    let mut query =
        certificates::Entity::find().filter(certificates::Column::CandidateId.in_subquery(listed));
    if let Some(number) = number {
        query = query.filter(certificates::Column::Number.eq(number));
    }
    if let Some(name) = family_name {
        let escaped: String = name
            .to_lowercase()
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        query = query.filter(
            Expr::col(certificates::Column::HolderNameFolded)
                .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    query
        .order_by_asc(certificates::Column::Number)
        .limit(limit)
        .into_partial_model::<certificates::Row>()
        .all(db)
        .await?
        .into_iter()
        .map(CertificateRecord::try_from)
        .collect()
}

/// Every certificate's place in the status lists with its status.
pub async fn statuses(db: &impl ConnectionTrait) -> Result<Vec<(u32, CertificateStatus)>, DbErr> {
    let rows: Vec<(Option<i32>, String)> = certificates::Entity::find()
        .select_only()
        .column(certificates::Column::StatusIndex)
        .column(certificates::Column::Status)
        .filter(certificates::Column::StatusIndex.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter()
        .filter_map(|(i, s)| Some((u32::try_from(i?).ok()?, s)))
        .map(|(i, s)| {
            let status = s
                .parse()
                .map_err(|_| DbErr::Custom(format!("certificate status {s} unknown")))?;
            Ok((i, status))
        })
        .collect()
}

/// Links a renewal: the old certificate is marked renewed by `new_number`, if nothing
/// renewed it meanwhile; false otherwise.
pub async fn mark_renewed(
    db: &impl ConnectionTrait,
    old_id: Uuid,
    new_number: &str,
) -> Result<bool, DbErr> {
    let result = certificates::Entity::update_many()
        .col_expr(certificates::Column::RenewedBy, Expr::value(new_number))
        .filter(certificates::Column::Id.eq(old_id))
        .filter(certificates::Column::RenewedBy.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
