//! The server's clock, the only clock that decides deadlines. Injected so tests can move time.
//!
//! Times are truncated to whole seconds: RFC 3339 text with a varying number of fraction
//! digits does not sort as text, and SQLite compares timestamps as text.

use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

/// Truncates to whole seconds in UTC; every stored time passes through here.
pub fn to_stored(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t)
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        to_stored(OffsetDateTime::now_utc())
    }
}

/// A clock that stands still until told to move: for tests.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<OffsetDateTime>>);

impl ManualClock {
    pub fn starting_at(t: OffsetDateTime) -> Self {
        Self(Arc::new(Mutex::new(to_stored(t))))
    }

    pub fn advance(&self, by: time::Duration) {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *guard = to_stored(*guard + by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The system clock moved by the number of seconds written in a file (read at every
/// call; a missing or unreadable file counts as 0): lets browser tests, which drive a
/// real server process, let time pass. Never used in production.
#[derive(Debug, Clone)]
pub struct OffsetFileClock(pub std::path::PathBuf);

impl Clock for OffsetFileClock {
    fn now(&self) -> OffsetDateTime {
        let offset = std::fs::read_to_string(&self.0)
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .unwrap_or(0);
        to_stored(OffsetDateTime::now_utc() + time::Duration::seconds(offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_file_moves_the_clock_and_a_missing_file_does_not() {
        let dir = std::env::temp_dir().join(format!("clock-{}", std::process::id()));
        let clock = OffsetFileClock(dir.clone());
        let before = OffsetDateTime::now_utc();
        assert!(
            (clock.now() - before).whole_seconds().abs() < 5,
            "no file: no offset"
        );
        std::fs::write(&dir, "3600\n").unwrap_or_else(|e| panic!("{e}"));
        let moved = clock.now() - OffsetDateTime::now_utc();
        assert!((3595..=3600).contains(&moved.whole_seconds()), "{moved}");
        std::fs::remove_file(&dir).ok();
    }
}
