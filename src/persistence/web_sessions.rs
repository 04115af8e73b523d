//! Sign-in sessions of the web pages, stored by the hash of the cookie's value so a copy
//! of the database opens no session.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::entities::web_sessions;

/// A stored session.
pub struct StoredSession {
    pub user_id: Uuid,
    pub token_version: i32,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
}

pub async fn insert(
    db: &impl ConnectionTrait,
    id_hash: String,
    user_id: Uuid,
    token_version: i32,
    csrf_token: String,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<(), DbErr> {
    web_sessions::Entity::insert(web_sessions::ActiveModel {
        id_hash: Set(id_hash),
        user_id: Set(user_id),
        token_version: Set(token_version),
        csrf_token: Set(csrf_token),
        created_at: Set(now),
        expires_at: Set(expires_at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn find(
    db: &impl ConnectionTrait,
    id_hash: &str,
) -> Result<Option<StoredSession>, DbErr> {
    Ok(web_sessions::Entity::find_by_id(id_hash.to_owned())
        .one(db)
        .await?
        .map(|m| StoredSession {
            user_id: m.user_id,
            token_version: m.token_version,
            csrf_token: m.csrf_token,
            expires_at: m.expires_at,
        }))
}

pub async fn delete(db: &impl ConnectionTrait, id_hash: &str) -> Result<(), DbErr> {
    web_sessions::Entity::delete_by_id(id_hash.to_owned())
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes the user's sessions that can no longer open (ended or expired).
pub async fn prune(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    current_version: i32,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    web_sessions::Entity::delete_many()
        .filter(web_sessions::Column::UserId.eq(user_id))
        .filter(
            Condition::any()
                .add(web_sessions::Column::TokenVersion.ne(current_version))
                .add(web_sessions::Column::ExpiresAt.lte(now)),
        )
        .exec(db)
        .await?;
    Ok(())
}
