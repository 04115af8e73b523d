//! Use cases: one module per capability, called by every front door. Each use case takes
//! the application state and input already parsed into domain types, opens and commits
//! its own transaction, and reports a typed error of its own; the front doors only map
//! those errors to their responses.

pub mod accounts;
pub mod atos;
pub mod audit;
pub mod cases;
pub mod certificates;
pub mod courses;
pub mod evidence;
pub mod exam_sessions;
pub mod health;
pub mod invigilation;
mod links;
pub mod materials;
pub mod notifications;
pub mod paging;
pub mod personal_data;
pub mod qti_results;
pub mod rcbs;
pub mod regrade;
pub mod resits;
pub mod result_decisions;
pub mod results;
pub mod sittings;
pub mod statistics;
pub mod study_guide;
pub mod throttle;
pub mod vouchers;
pub mod web_sessions;
