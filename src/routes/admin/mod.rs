//! Administrator endpoints under `/api/v1/admin`: every handler requires the admin role.

pub mod accounts;
pub mod atos;
pub mod audit;
pub mod candidates;
pub mod certificates;
pub mod courses;
pub mod evidence;
pub mod key_corrections;
pub mod rcbs;
pub mod result_decisions;
pub mod sessions;
pub mod sittings;
pub mod statistics;
pub mod vouchers;
