//! Which schema version a database is at, compared with the migrations this binary
//! knows. A server refuses to start on a database that holds a migration it does not
//! know (a newer binary migrated it): its queries would meet columns and rules it was
//! not written for. Readiness and restore use the same comparison.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

/// A database's migrations against the binary's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaStatus {
    /// Migrations recorded in the database that this binary also knows, in order.
    pub applied: Vec<String>,
    /// Migrations this binary knows that the database has not had yet.
    pub pending: Vec<String>,
    /// Migrations recorded in the database that this binary does not know: the database
    /// was migrated by a newer version.
    pub unknown: Vec<String>,
}

impl SchemaStatus {
    /// Every migration the binary knows is applied, and no other.
    pub fn is_current(&self) -> bool {
        self.pending.is_empty() && self.unknown.is_empty()
    }
}

/// The names of the migrations this binary carries, oldest first.
pub fn known_migrations() -> Vec<String> {
    use migrations::{Migrator, MigratorTrait};
    Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

/// Reads the migrations table (absent in a fresh database: nothing applied).
pub async fn status(db: &DatabaseConnection) -> Result<SchemaStatus, DbErr> {
    let backend = db.get_database_backend();
    let exists_sql = match backend {
        DbBackend::Sqlite => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'seaql_migrations'"
        }
    };
    let exists = db
        .query_one_raw(Statement::from_string(backend, exists_sql))
        .await?
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0)
        > 0;
    let recorded: Vec<String> = if exists {
        db.query_all_raw(Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations ORDER BY version",
        ))
        .await?
        .iter()
        .map(|row| row.try_get::<String>("", "version"))
        .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    Ok(compare(&known_migrations(), &recorded))
}

fn compare(known: &[String], recorded: &[String]) -> SchemaStatus {
    SchemaStatus {
        applied: known
            .iter()
            .filter(|k| recorded.contains(k))
            .cloned()
            .collect(),
        pending: known
            .iter()
            .filter(|k| !recorded.contains(k))
            .cloned()
            .collect(),
        unknown: recorded
            .iter()
            .filter(|r| !known.contains(r))
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_newer_database_shows_the_migrations_this_binary_lacks() {
        let s = compare(&names(&["m1", "m2"]), &names(&["m1", "m2", "m3"]));
        assert_eq!(s.unknown, names(&["m3"]));
        assert!(s.pending.is_empty());
        assert!(!s.is_current());
    }

    #[test]
    fn an_older_database_shows_what_is_pending() {
        let s = compare(&names(&["m1", "m2"]), &names(&["m1"]));
        assert_eq!(s.applied, names(&["m1"]));
        assert_eq!(s.pending, names(&["m2"]));
        assert!(s.unknown.is_empty());
        assert!(compare(&names(&["m1"]), &names(&["m1"])).is_current());
    }
}
