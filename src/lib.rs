//! Invigilator: exam delivery and certification for the ISO/IEC 20000 scheme.

pub mod accounts;
pub mod atos;
pub mod auth;
pub mod certificates;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod email;
pub mod notices;
pub mod pdf;
pub mod persistence;
pub mod pools;
pub mod results;
pub mod routes;
pub mod signing;
pub mod sittings;
pub mod startup;
pub mod telemetry;
