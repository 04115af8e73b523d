//! Vouchers: issue (by the hash of their code), assignment, booking, consumption, voiding
//! and expiry reminders. Every change of state is one conditional UPDATE whose WHERE names
//! the state it leaves and that the voucher is not past its expiry, so of two servers
//! racing for one voucher exactly one sees `rows_affected == 1`.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::entities::vouchers;
use super::paging;
use crate::domain::voucher::{VoucherRecord, VoucherState};

impl TryFrom<vouchers::Model> for VoucherRecord {
    type Error = DbErr;

    fn try_from(m: vouchers::Model) -> Result<Self, DbErr> {
        let stored_state = m
            .state
            .parse()
            .map_err(|_| DbErr::Custom(format!("voucher {}: unknown state {}", m.id, m.state)))?;
        Ok(Self {
            id: m.id,
            batch_id: m.batch_id,
            code_last4: m.code_last4,
            qualification: m.qualification_code,
            valid_from: m.valid_from,
            expires_at: m.expires_at,
            ato_id: m.ato_id,
            stored_state,
            issued_by: m.issued_by,
            issued_at: m.issued_at,
            candidate_id: m.candidate_id,
            assigned_by: m.assigned_by,
            assigned_at: m.assigned_at,
            booking_id: m.booking_id,
            booked_at: m.booked_at,
            sitting_id: m.sitting_id,
            consumed_at: m.consumed_at,
            voided_by: m.voided_by,
            voided_at: m.voided_at,
            void_reason: m.void_reason,
            reminded_at: m.reminded_at,
        })
    }
}

fn rows(models: Vec<vouchers::Model>) -> Result<Vec<VoucherRecord>, DbErr> {
    models.into_iter().map(VoucherRecord::try_from).collect()
}

/// Stores newly issued vouchers, each with the hash of its code.
pub async fn insert_issued(
    db: &impl ConnectionTrait,
    issued: &[(VoucherRecord, String)],
) -> Result<(), DbErr> {
    // A few hundred rows per statement keeps every engine under its parameter limit.
    for chunk in issued.chunks(200) {
        let models = chunk.iter().map(|(v, hash)| vouchers::ActiveModel {
            id: Set(v.id),
            batch_id: Set(v.batch_id),
            code_hash: Set(hash.clone()),
            code_last4: Set(v.code_last4.clone()),
            qualification_code: Set(v.qualification.clone()),
            valid_from: Set(v.valid_from),
            expires_at: Set(v.expires_at),
            ato_id: Set(v.ato_id),
            state: Set(VoucherState::Issued.as_ref().to_owned()),
            issued_by: Set(v.issued_by),
            issued_at: Set(v.issued_at),
            candidate_id: Set(None),
            assigned_by: Set(None),
            assigned_at: Set(None),
            booking_id: Set(None),
            booked_at: Set(None),
            sitting_id: Set(None),
            consumed_at: Set(None),
            voided_by: Set(None),
            voided_at: Set(None),
            void_reason: Set(None),
            reminded_at: Set(None),
        });
        vouchers::Entity::insert_many(models).exec(db).await?;
    }
    Ok(())
}

#[tracing::instrument(skip(db))]
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<VoucherRecord>, DbErr> {
    vouchers::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(VoucherRecord::try_from)
        .transpose()
}

#[tracing::instrument(skip_all)]
pub async fn find_by_hash(
    db: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<VoucherRecord>, DbErr> {
    vouchers::Entity::find()
        .filter(vouchers::Column::CodeHash.eq(hash))
        .one(db)
        .await?
        .map(VoucherRecord::try_from)
        .transpose()
}

/// Which vouchers a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub ato: Option<Uuid>,
    pub candidate: Option<Uuid>,
    pub qualification: Option<String>,
    /// The state as read at `now` (an expired voucher is one live past its expiry).
    pub state: Option<VoucherState>,
}

fn live_states() -> [&'static str; 3] {
    [
        VoucherState::Issued.as_ref(),
        VoucherState::Assigned.as_ref(),
        VoucherState::Booked.as_ref(),
    ]
}

fn condition(filter: &Filter, now: OffsetDateTime) -> Condition {
    let mut c = Condition::all();
    if let Some(ato) = filter.ato {
        c = c.add(vouchers::Column::AtoId.eq(ato));
    }
    if let Some(candidate) = filter.candidate {
        c = c.add(vouchers::Column::CandidateId.eq(candidate));
    }
    if let Some(q) = &filter.qualification {
        c = c.add(vouchers::Column::QualificationCode.eq(q.as_str()));
    }
    match filter.state {
        None => {}
        Some(VoucherState::Expired) => {
            c = c
                .add(vouchers::Column::State.is_in(live_states()))
                .add(vouchers::Column::ExpiresAt.lte(now));
        }
        Some(s) if s.is_live() => {
            c = c
                .add(vouchers::Column::State.eq(s.as_ref()))
                .add(vouchers::Column::ExpiresAt.gt(now));
        }
        Some(s) => c = c.add(vouchers::Column::State.eq(s.as_ref())),
    }
    c
}

/// The vouchers matching `filter`, oldest first after `cursor`, at most `limit`.
#[tracing::instrument(skip(db))]
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &Filter,
    now: OffsetDateTime,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<VoucherRecord>, DbErr> {
    let query = vouchers::Entity::find().filter(condition(filter, now));
    rows(
        paging::oldest_first(query, vouchers::Column::Id, cursor, limit)
            .all(db)
            .await?,
    )
}

/// The still-unassigned vouchers of `ato` for `qualification`, soonest expiry first.
pub async fn unassigned_of(
    db: &impl ConnectionTrait,
    ato: Uuid,
    qualification: &str,
    now: OffsetDateTime,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    Ok(vouchers::Entity::find()
        .filter(vouchers::Column::AtoId.eq(ato))
        .filter(vouchers::Column::QualificationCode.eq(qualification))
        .filter(vouchers::Column::State.eq(VoucherState::Issued.as_ref()))
        .filter(vouchers::Column::ExpiresAt.gt(now))
        .order_by_asc(vouchers::Column::ExpiresAt)
        .order_by_asc(vouchers::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect())
}

/// A candidate's vouchers for `qualification` that can still be used (assigned or booked,
/// not expired), assigned ones first, then by soonest expiry.
pub async fn usable_of(
    db: &impl ConnectionTrait,
    candidate: Uuid,
    qualification: &str,
    now: OffsetDateTime,
) -> Result<Vec<VoucherRecord>, DbErr> {
    let found = rows(
        vouchers::Entity::find()
            .filter(vouchers::Column::CandidateId.eq(candidate))
            .filter(vouchers::Column::QualificationCode.eq(qualification))
            .filter(vouchers::Column::State.is_in([
                VoucherState::Assigned.as_ref(),
                VoucherState::Booked.as_ref(),
            ]))
            .filter(vouchers::Column::ExpiresAt.gt(now))
            .filter(vouchers::Column::ValidFrom.lte(now))
            .order_by_asc(vouchers::Column::ExpiresAt)
            .order_by_asc(vouchers::Column::Id)
            .all(db)
            .await?,
    )?;
    let (mut assigned, booked): (Vec<_>, Vec<_>) = found
        .into_iter()
        .partition(|v| v.stored_state == VoucherState::Assigned);
    assigned.extend(booked);
    Ok(assigned)
}

/// Moves a live voucher on from `from` with the column values in `set`, if it is still in
/// `from`, not past its expiry, and matches `guard`; true if this call moved it.
async fn transition(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: &[VoucherState],
    guard: Condition,
    now: OffsetDateTime,
    set: Vec<(vouchers::Column, sea_orm::sea_query::SimpleExpr)>,
) -> Result<bool, DbErr> {
    let mut update = vouchers::Entity::update_many();
    for (column, value) in set {
        update = update.col_expr(column, value);
    }
    let result = update
        .filter(vouchers::Column::Id.eq(id))
        .filter(vouchers::Column::State.is_in(from.iter().map(|s| s.as_ref())))
        .filter(vouchers::Column::ExpiresAt.gt(now))
        .filter(guard)
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Assigns an issued voucher to a candidate; `ato` guards whose voucher it is (`None`:
/// one issued to no ATO, redeemed by its code).
pub async fn assign(
    db: &impl ConnectionTrait,
    id: Uuid,
    ato: Option<Uuid>,
    candidate: Uuid,
    by: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let guard = match ato {
        Some(ato) => Condition::all().add(vouchers::Column::AtoId.eq(ato)),
        None => Condition::all().add(vouchers::Column::AtoId.is_null()),
    };
    transition(
        db,
        id,
        &[VoucherState::Issued],
        guard,
        now,
        vec![
            (
                vouchers::Column::State,
                Expr::value(VoucherState::Assigned.as_ref()),
            ),
            (vouchers::Column::CandidateId, Expr::value(candidate)),
            (vouchers::Column::AssignedBy, Expr::value(by)),
            (vouchers::Column::AssignedAt, Expr::value(now)),
        ],
    )
    .await
}

/// Voids a live voucher with who, when and why.
pub async fn void(
    db: &impl ConnectionTrait,
    id: Uuid,
    by: Uuid,
    reason: &str,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    transition(
        db,
        id,
        &[
            VoucherState::Issued,
            VoucherState::Assigned,
            VoucherState::Booked,
        ],
        Condition::all(),
        now,
        vec![
            (
                vouchers::Column::State,
                Expr::value(VoucherState::Void.as_ref()),
            ),
            (vouchers::Column::VoidedBy, Expr::value(by)),
            (vouchers::Column::VoidedAt, Expr::value(now)),
            (vouchers::Column::VoidReason, Expr::value(reason.to_owned())),
        ],
    )
    .await
}

/// Consumes a candidate's assigned or booked voucher for `sitting`, if it is valid now.
pub async fn consume(
    db: &impl ConnectionTrait,
    id: Uuid,
    candidate: Uuid,
    sitting: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    transition(
        db,
        id,
        &[VoucherState::Assigned, VoucherState::Booked],
        Condition::all()
            .add(vouchers::Column::CandidateId.eq(candidate))
            .add(vouchers::Column::ValidFrom.lte(now)),
        now,
        vec![
            (
                vouchers::Column::State,
                Expr::value(VoucherState::Consumed.as_ref()),
            ),
            (vouchers::Column::SittingId, Expr::value(sitting)),
            (vouchers::Column::ConsumedAt, Expr::value(now)),
        ],
    )
    .await
}

/// Uses up the voucher booked for `booking`, whose candidate did not show: consumed,
/// with no sitting. Its id, when one was booked.
pub async fn consume_no_show(
    db: &impl ConnectionTrait,
    booking: Uuid,
    now: OffsetDateTime,
) -> Result<Option<Uuid>, DbErr> {
    let Some(found) = booked_for(db, booking).await? else {
        return Ok(None);
    };
    let result = vouchers::Entity::update_many()
        .col_expr(
            vouchers::Column::State,
            Expr::value(VoucherState::Consumed.as_ref()),
        )
        .col_expr(vouchers::Column::ConsumedAt, Expr::value(now))
        .filter(vouchers::Column::Id.eq(found.id))
        .filter(vouchers::Column::BookingId.eq(booking))
        .filter(vouchers::Column::State.eq(VoucherState::Booked.as_ref()))
        .exec(db)
        .await?;
    Ok((result.rows_affected == 1).then_some(found.id))
}

/// Books a candidate's assigned voucher for `booking`.
pub async fn book(
    db: &impl ConnectionTrait,
    id: Uuid,
    candidate: Uuid,
    booking: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    transition(
        db,
        id,
        &[VoucherState::Assigned],
        Condition::all().add(vouchers::Column::CandidateId.eq(candidate)),
        now,
        vec![
            (
                vouchers::Column::State,
                Expr::value(VoucherState::Booked.as_ref()),
            ),
            (vouchers::Column::BookingId, Expr::value(booking)),
            (vouchers::Column::BookedAt, Expr::value(now)),
        ],
    )
    .await
}

/// The voucher booked for `booking`, if any.
async fn booked_for(
    db: &impl ConnectionTrait,
    booking: Uuid,
) -> Result<Option<vouchers::Model>, DbErr> {
    vouchers::Entity::find()
        .filter(vouchers::Column::BookingId.eq(booking))
        .filter(vouchers::Column::State.eq(VoucherState::Booked.as_ref()))
        .one(db)
        .await
}

/// Gives the voucher booked for `booking` back to its candidate (assigned); the voucher's
/// id if there was one.
pub async fn unbook(db: &impl ConnectionTrait, booking: Uuid) -> Result<Option<Uuid>, DbErr> {
    let Some(found) = booked_for(db, booking).await? else {
        return Ok(None);
    };
    let result = vouchers::Entity::update_many()
        .col_expr(
            vouchers::Column::State,
            Expr::value(VoucherState::Assigned.as_ref()),
        )
        .col_expr(
            vouchers::Column::BookingId,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(
            vouchers::Column::BookedAt,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .filter(vouchers::Column::Id.eq(found.id))
        .filter(vouchers::Column::BookingId.eq(booking))
        .filter(vouchers::Column::State.eq(VoucherState::Booked.as_ref()))
        .exec(db)
        .await?;
    Ok((result.rows_affected == 1).then_some(found.id))
}

/// Whether `candidate` holds an unused voucher of `ato` for `qualification`.
pub async fn holds_unused(
    db: &impl ConnectionTrait,
    ato: Uuid,
    candidate: Uuid,
    qualification: &str,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    Ok(vouchers::Entity::find()
        .filter(vouchers::Column::AtoId.eq(ato))
        .filter(vouchers::Column::CandidateId.eq(candidate))
        .filter(vouchers::Column::QualificationCode.eq(qualification))
        .filter(vouchers::Column::State.is_in([
            VoucherState::Assigned.as_ref(),
            VoucherState::Booked.as_ref(),
        ]))
        .filter(vouchers::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
        .is_some())
}

/// Assigned or booked vouchers of `qualification` expiring within (now, until] whose
/// candidate has not been reminded yet, at most `limit`.
pub async fn due_reminders(
    db: &impl ConnectionTrait,
    qualification: &str,
    now: OffsetDateTime,
    until: OffsetDateTime,
    limit: u64,
) -> Result<Vec<VoucherRecord>, DbErr> {
    rows(
        vouchers::Entity::find()
            .filter(vouchers::Column::QualificationCode.eq(qualification))
            .filter(vouchers::Column::State.is_in([
                VoucherState::Assigned.as_ref(),
                VoucherState::Booked.as_ref(),
            ]))
            .filter(vouchers::Column::CandidateId.is_not_null())
            .filter(vouchers::Column::RemindedAt.is_null())
            .filter(vouchers::Column::ExpiresAt.gt(now))
            .filter(vouchers::Column::ExpiresAt.lte(until))
            .order_by_asc(vouchers::Column::ExpiresAt)
            .limit(limit)
            .all(db)
            .await?,
    )
}

/// Records that the voucher's candidate was reminded; true for the one call that did.
pub async fn mark_reminded(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = vouchers::Entity::update_many()
        .col_expr(vouchers::Column::RemindedAt, Expr::value(now))
        .filter(vouchers::Column::Id.eq(id))
        .filter(vouchers::Column::RemindedAt.is_null())
        .filter(vouchers::Column::State.is_in([
            VoucherState::Assigned.as_ref(),
            VoucherState::Booked.as_ref(),
        ]))
        .filter(vouchers::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Whether `candidate` accepted an enrolment on a course of `ato`: only then may the ATO
/// see them, and so give them a voucher.
pub async fn accepted_delegate(
    db: &impl ConnectionTrait,
    ato: Uuid,
    candidate: Uuid,
) -> Result<bool, DbErr> {
    use super::entities::{courses, enrolments};
    let courses_of_ato: Vec<Uuid> = courses::Entity::find()
        .filter(courses::Column::AtoId.eq(ato))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    Ok(enrolments::Entity::find()
        .filter(enrolments::Column::CandidateId.eq(candidate))
        .filter(enrolments::Column::CourseId.is_in(courses_of_ato))
        .filter(enrolments::Column::AcceptedAt.is_not_null())
        .one(db)
        .await?
        .is_some())
}
