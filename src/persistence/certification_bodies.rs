//! The organizational certification register: certification bodies with their status
//! history and staff, and the organizations they certified with each record's status
//! history.

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait, LikeExpr, Query},
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::paging;
use crate::domain::rcb::{
    BodyRecord, BodyStatus, CertificationStatus, CertifiedDetails, CertifiedRecord, StatusChange,
};
use crate::domain::values::CountryCode;

use entities::{bodies, body_status_changes, certified, certified_status_changes, rcb_staff};

fn unknown(what: &str, id: Uuid, value: &str) -> DbErr {
    DbErr::Custom(format!("{what} {id}: unknown status {value}"))
}

impl TryFrom<bodies::Model> for BodyRecord {
    type Error = DbErr;

    fn try_from(m: bodies::Model) -> Result<Self, DbErr> {
        Ok(Self {
            status: m
                .status
                .parse()
                .map_err(|_| unknown("certification body", m.id, &m.status))?,
            id: m.id,
            name: m.name,
            country: m.country,
            accreditation_body: m.accreditation_body,
            status_since: m.status_since,
            created_at: m.created_at,
        })
    }
}

/// Records a body and the first entry of its history (active from today).
pub async fn insert_body(
    db: &impl ConnectionTrait,
    body: &BodyRecord,
    by: Uuid,
) -> Result<(), DbErr> {
    bodies::Entity::insert(bodies::ActiveModel {
        id: Set(body.id),
        name: Set(body.name.clone()),
        country: Set(body.country.clone()),
        accreditation_body: Set(body.accreditation_body.clone()),
        status: Set(body.status.as_ref().to_owned()),
        status_since: Set(body.status_since),
        created_by: Set(by),
        created_at: Set(body.created_at),
    })
    .exec_without_returning(db)
    .await?;
    insert_body_change(
        db,
        body.id,
        body.status,
        None,
        body.status_since,
        by,
        body.created_at,
    )
    .await
}

async fn insert_body_change(
    db: &impl ConnectionTrait,
    body: Uuid,
    status: BodyStatus,
    reason: Option<&str>,
    on: Date,
    by: Uuid,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    body_status_changes::Entity::insert(body_status_changes::ActiveModel {
        id: Set(Uuid::now_v7()),
        body_id: Set(body),
        status: Set(status.as_ref().to_owned()),
        reason: Set(reason.map(str::to_owned)),
        effective_on: Set(on),
        changed_by: Set(by),
        changed_at: Set(at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn find_body(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<BodyRecord>, DbErr> {
    bodies::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(BodyRecord::try_from)
        .transpose()
}

/// A page of the bodies by name after the body `cursor`, only the active ones when
/// `active_only`; a cursor that names no such body is past the end.
pub async fn list_bodies(
    db: &impl ConnectionTrait,
    active_only: bool,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<BodyRecord>, DbErr> {
    let last = match cursor {
        Some(id) => match find_body(db, id).await? {
            Some(b) if !active_only || b.status == BodyStatus::Active => Some((b.name.into(), id)),
            _ => return Ok(Vec::new()),
        },
        None => None,
    };
    let mut query = bodies::Entity::find();
    if active_only {
        query = query.filter(bodies::Column::Status.eq(BodyStatus::Active.as_ref()));
    }
    let key = (bodies::Column::Name, bodies::Column::Id);
    paging::by_key(query, key, last, limit)
        .all(db)
        .await?
        .into_iter()
        .map(BodyRecord::try_from)
        .collect()
}

/// A body's status history, oldest first.
pub async fn body_history(
    db: &impl ConnectionTrait,
    body: Uuid,
) -> Result<Vec<StatusChange<BodyStatus>>, DbErr> {
    body_status_changes::Entity::find()
        .filter(body_status_changes::Column::BodyId.eq(body))
        .order_by_asc(body_status_changes::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            Ok(StatusChange {
                status: m
                    .status
                    .parse()
                    .map_err(|_| unknown("certification body change", m.id, &m.status))?,
                reason: m.reason,
                effective_on: m.effective_on,
                changed_by: m.changed_by,
                changed_at: m.changed_at,
            })
        })
        .collect()
}

/// Moves a body from `from` to `to` from `on`, with its history entry; false if its
/// status is no longer `from` (another change came first).
#[allow(clippy::too_many_arguments)]
pub async fn set_body_status(
    db: &impl ConnectionTrait,
    body: Uuid,
    from: BodyStatus,
    to: BodyStatus,
    reason: &str,
    on: Date,
    by: Uuid,
    at: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = bodies::Entity::update_many()
        .col_expr(bodies::Column::Status, Expr::value(to.as_ref()))
        .col_expr(bodies::Column::StatusSince, Expr::value(on))
        .filter(bodies::Column::Id.eq(body))
        .filter(bodies::Column::Status.eq(from.as_ref()))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Ok(false);
    }
    insert_body_change(db, body, to, Some(reason), on, by, at).await?;
    Ok(true)
}

pub async fn add_staff(
    db: &impl ConnectionTrait,
    user: Uuid,
    body: Uuid,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    rcb_staff::Entity::insert(rcb_staff::ActiveModel {
        user_id: Set(user),
        body_id: Set(body),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The body a staff member works for.
pub async fn body_of_staff(db: &impl ConnectionTrait, user: Uuid) -> Result<Option<Uuid>, DbErr> {
    Ok(rcb_staff::Entity::find_by_id(user)
        .one(db)
        .await?
        .map(|s| s.body_id))
}

impl TryFrom<certified::Model> for CertifiedRecord {
    type Error = DbErr;

    fn try_from(m: certified::Model) -> Result<Self, DbErr> {
        let country = CountryCode::parse(&m.country)
            .map_err(|e| DbErr::Custom(format!("certified organization {}: {e}", m.id)))?;
        Ok(Self {
            status: m
                .status
                .parse()
                .map_err(|_| unknown("certified organization", m.id, &m.status))?,
            id: m.id,
            body_id: m.body_id,
            details: CertifiedDetails {
                organization: m.organization_name,
                country,
                scope: m.scope,
                edition: m.edition,
                certificate_number: m.certificate_number,
                issued_on: m.issued_on,
                expires_on: m.expires_on,
            },
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WriteRecordError {
    #[error("the certificate number is already recorded by this body")]
    DuplicateNumber,
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn duplicate_or(e: DbErr) -> WriteRecordError {
    if super::is_unique_violation(
        &e,
        "certified_organizations_body_number_key",
        "certified_organizations.certificate_number",
    ) {
        WriteRecordError::DuplicateNumber
    } else {
        WriteRecordError::Db(e)
    }
}

/// Records a certified organization (valid from its issue date) and the first entry of
/// its history.
pub async fn insert_record(
    db: &impl ConnectionTrait,
    r: &CertifiedRecord,
    by: Uuid,
) -> Result<(), WriteRecordError> {
    let d = &r.details;
    certified::Entity::insert(certified::ActiveModel {
        id: Set(r.id),
        body_id: Set(r.body_id),
        organization_name: Set(d.organization.clone()),
        organization_folded: Set(d.organization.to_lowercase()),
        country: Set(d.country.as_ref().to_owned()),
        scope: Set(d.scope.clone()),
        edition: Set(d.edition.clone()),
        certificate_number: Set(d.certificate_number.clone()),
        issued_on: Set(d.issued_on),
        expires_on: Set(d.expires_on),
        status: Set(r.status.as_ref().to_owned()),
        created_by: Set(by),
        created_at: Set(r.created_at),
        updated_by: Set(by),
        updated_at: Set(r.updated_at),
    })
    .exec_without_returning(db)
    .await
    .map_err(duplicate_or)?;
    insert_record_change(db, r.id, r.status, None, d.issued_on, by, r.created_at).await?;
    Ok(())
}

async fn insert_record_change(
    db: &impl ConnectionTrait,
    record: Uuid,
    status: CertificationStatus,
    reason: Option<&str>,
    on: Date,
    by: Uuid,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    certified_status_changes::Entity::insert(certified_status_changes::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(record),
        status: Set(status.as_ref().to_owned()),
        reason: Set(reason.map(str::to_owned)),
        effective_on: Set(on),
        changed_by: Set(by),
        changed_at: Set(at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// A record of this body; another body's record is None, as if it did not exist.
pub async fn find_record(
    db: &impl ConnectionTrait,
    id: Uuid,
    body: Uuid,
) -> Result<Option<CertifiedRecord>, DbErr> {
    certified::Entity::find_by_id(id)
        .filter(certified::Column::BodyId.eq(body))
        .one(db)
        .await?
        .map(CertifiedRecord::try_from)
        .transpose()
}

/// Replaces a record's details; false if it is not this body's.
pub async fn update_record(
    db: &impl ConnectionTrait,
    id: Uuid,
    body: Uuid,
    d: &CertifiedDetails,
    by: Uuid,
    now: OffsetDateTime,
) -> Result<bool, WriteRecordError> {
    let result = certified::Entity::update_many()
        .col_expr(
            certified::Column::OrganizationName,
            Expr::value(d.organization.clone()),
        )
        .col_expr(
            certified::Column::OrganizationFolded,
            Expr::value(d.organization.to_lowercase()),
        )
        .col_expr(certified::Column::Country, Expr::value(d.country.as_ref()))
        .col_expr(certified::Column::Scope, Expr::value(d.scope.clone()))
        .col_expr(certified::Column::Edition, Expr::value(d.edition.clone()))
        .col_expr(
            certified::Column::CertificateNumber,
            Expr::value(d.certificate_number.clone()),
        )
        .col_expr(certified::Column::IssuedOn, Expr::value(d.issued_on))
        .col_expr(certified::Column::ExpiresOn, Expr::value(d.expires_on))
        .col_expr(certified::Column::UpdatedBy, Expr::value(by))
        .col_expr(certified::Column::UpdatedAt, Expr::value(now))
        .filter(certified::Column::Id.eq(id))
        .filter(certified::Column::BodyId.eq(body))
        .exec(db)
        .await
        .map_err(duplicate_or)?;
    Ok(result.rows_affected == 1)
}

/// Moves a record of this body from `from` to `to` from `on`, with its history entry;
/// false if it is not this body's or its status is no longer `from`.
#[allow(clippy::too_many_arguments)]
pub async fn set_record_status(
    db: &impl ConnectionTrait,
    id: Uuid,
    body: Uuid,
    from: CertificationStatus,
    to: CertificationStatus,
    reason: &str,
    on: Date,
    by: Uuid,
    at: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = certified::Entity::update_many()
        .col_expr(certified::Column::Status, Expr::value(to.as_ref()))
        .col_expr(certified::Column::UpdatedBy, Expr::value(by))
        .col_expr(certified::Column::UpdatedAt, Expr::value(at))
        .filter(certified::Column::Id.eq(id))
        .filter(certified::Column::BodyId.eq(body))
        .filter(certified::Column::Status.eq(from.as_ref()))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Ok(false);
    }
    insert_record_change(db, id, to, Some(reason), on, by, at).await?;
    Ok(true)
}

/// A record's status history, oldest first.
pub async fn record_history(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<StatusChange<CertificationStatus>>, DbErr> {
    certified_status_changes::Entity::find()
        .filter(certified_status_changes::Column::OrganizationId.eq(id))
        .order_by_asc(certified_status_changes::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            Ok(StatusChange {
                status: m
                    .status
                    .parse()
                    .map_err(|_| unknown("certified organization change", m.id, &m.status))?,
                reason: m.reason,
                effective_on: m.effective_on,
                changed_by: m.changed_by,
                changed_at: m.changed_at,
            })
        })
        .collect()
}

/// What a search of the register asks for; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct RegisterQuery<'a> {
    /// Part of the organization's name, in any case.
    pub organization: Option<&'a str>,
    /// An upper-case country code.
    pub country: Option<&'a str>,
    pub body: Option<Uuid>,
    /// Only this body's records, whatever its status (its staff's own list).
    pub own_body: Option<Uuid>,
}

/// A page of records by organization name after the record `cursor`: a body's own
/// (`own_body`), or the public register's (records of active bodies only).
pub async fn search(
    db: &impl ConnectionTrait,
    q: &RegisterQuery<'_>,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<CertifiedRecord>, DbErr> {
    let mut query = certified::Entity::find();
    match q.own_body {
        Some(body) => query = query.filter(certified::Column::BodyId.eq(body)),
        None => {
            let active = Query::select()
                .column(bodies::Column::Id)
                .from(bodies::Entity)
                .and_where(Expr::col(bodies::Column::Status).eq(BodyStatus::Active.as_ref()))
                .to_owned();
            query = query.filter(certified::Column::BodyId.in_subquery(active));
        }
    }
    if let Some(body) = q.body {
        query = query.filter(certified::Column::BodyId.eq(body));
    }
    if let Some(country) = q.country {
        query = query.filter(certified::Column::Country.eq(country));
    }
    if let Some(name) = q.organization {
        let escaped: String = name
            .to_lowercase()
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        query = query.filter(
            Expr::col(certified::Column::OrganizationFolded)
                .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    let last = match cursor {
        Some(id) => match certified::Entity::find_by_id(id).one(db).await? {
            Some(r) => Some((r.organization_folded.into(), id)),
            None => return Ok(Vec::new()),
        },
        None => None,
    };
    let key = (certified::Column::OrganizationFolded, certified::Column::Id);
    paging::by_key(query, key, last, limit)
        .all(db)
        .await?
        .into_iter()
        .map(CertifiedRecord::try_from)
        .collect()
}

mod entities {
    pub mod bodies {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "certification_bodies")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub name: String,
            pub country: String,
            pub accreditation_body: String,
            pub status: String,
            pub status_since: TimeDate,
            pub created_by: Uuid,
            pub created_at: TimeDateTimeWithTimeZone,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod body_status_changes {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "certification_body_status_changes")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub body_id: Uuid,
            pub status: String,
            pub reason: Option<String>,
            pub effective_on: TimeDate,
            pub changed_by: Uuid,
            pub changed_at: TimeDateTimeWithTimeZone,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod rcb_staff {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "rcb_staff")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub user_id: Uuid,
            pub body_id: Uuid,
            pub created_at: TimeDateTimeWithTimeZone,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod certified {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "certified_organizations")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub body_id: Uuid,
            pub organization_name: String,
            pub organization_folded: String,
            pub country: String,
            pub scope: String,
            pub edition: String,
            pub certificate_number: String,
            pub issued_on: TimeDate,
            pub expires_on: TimeDate,
            pub status: String,
            pub created_by: Uuid,
            pub created_at: TimeDateTimeWithTimeZone,
            pub updated_by: Uuid,
            pub updated_at: TimeDateTimeWithTimeZone,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod certified_status_changes {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "certified_organization_status_changes")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub organization_id: Uuid,
            pub status: String,
            pub reason: Option<String>,
            pub effective_on: TimeDate,
            pub changed_by: Uuid,
            pub changed_at: TimeDateTimeWithTimeZone,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }
}
