//! Integration tests through HTTP. Each test runs on SQLite and, when `TEST_POSTGRES_URL`
//! is set (e.g. `postgres://postgres@127.0.0.1:5432`), on PostgreSQL too, each time
//! against a fresh database. `TEST_REQUIRE_POSTGRES=1` turns a missing URL into a failure.

#![allow(clippy::unwrap_used)]

mod browser;
mod helpers;
mod mail;
mod matrix;
mod metrics;

mod admin;
mod atos;
mod audit;
mod auth;
mod backups;
mod cases;
mod certificates;
mod cli;
mod config_check;
mod contract;
mod deadlines;
mod documents;
mod errors;
mod extra_time;
mod health;
mod hostile;
mod integrity;
mod item_statistics;
mod materials;
mod no_leaks;
mod paging;
mod pools;
mod portal;
mod prerequisites;
mod privacy;
mod qti;
mod qualifications;
mod rcbs;
mod recertification;
mod regrade;
mod resits;
mod result_decisions;
mod schemes;
mod sessions;
mod sittings;
mod styles;
mod throttle;
mod tokens;
mod two_servers;
mod upgrades;
mod vouchers;
mod web;
mod web_admin;
mod web_ato;
mod web_rcb;
