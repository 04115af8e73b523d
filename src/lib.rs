//! Invigilator: exam delivery and certification for the ISO/IEC 20000 scheme.
//!
//! Data flows one way: `routes` (the JSON API) and `web` (the pages), the two front doors,
//! → `app` (use cases, each
//! owning its transaction and its error enum) → `domain` (pure rules) and `persistence`
//! (sea-orm), with the infrastructure (`auth`, `email`, `signing`, `pools`, `pdf`,
//! `state`) below the use cases. `startup` wires it together; `scripts/check-layers.py`
//! checks that no module imports one above it.

pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod email;
pub mod http;
pub mod pdf;
pub mod persistence;
pub mod pools;
pub mod qti;
pub mod routes;
pub mod signing;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod web;
pub mod workers;
