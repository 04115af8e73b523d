//! Keyset paging in SQL: a page is the rows after a cursor, the id of the last row of the
//! previous page, at most `limit` of them; nothing is loaded to be thrown away. Ids are
//! UUID v7, so id order is the order the rows were created in.

use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select, Value,
};
use uuid::Uuid;

/// The rows of `query` created after the row `cursor`, oldest first, at most `limit`.
pub fn oldest_first<E: EntityTrait>(
    query: Select<E>,
    id: E::Column,
    cursor: Option<Uuid>,
    limit: u64,
) -> Select<E> {
    let query = match cursor {
        Some(cursor) => query.filter(id.gt(cursor)),
        None => query,
    };
    query.order_by_asc(id).limit(limit)
}

/// The rows of `query` after `last` (the key and id of the previous page's last row) in
/// ascending order of `key`, ties in id order, at most `limit`. The comparison is made in
/// SQL, so it follows the database's own collation, as the order does.
pub fn by_key<E: EntityTrait>(
    query: Select<E>,
    (key, id): (E::Column, E::Column),
    last: Option<(Value, Uuid)>,
    limit: u64,
) -> Select<E> {
    let query = match last {
        Some((value, cursor)) => query.filter(
            Condition::any()
                .add(key.gt(value.clone()))
                .add(Condition::all().add(key.eq(value)).add(id.gt(cursor))),
        ),
        None => query,
    };
    query.order_by_asc(key).order_by_asc(id).limit(limit)
}
