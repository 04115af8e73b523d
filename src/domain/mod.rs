//! The scheme's rules as plain data and functions: no I/O, no database, no clock.
//! `now` and random seeds come in as arguments.

pub mod account;
pub mod ato;
pub mod audit;
pub mod case;
pub mod certificate;
pub mod cueing;
pub mod eligibility;
pub mod evidence;
pub mod exam_session;
pub mod fields;
pub mod item_statistics;
pub mod material;
pub mod paper;
pub mod pool;
pub mod rcb;
pub mod regrade;
pub mod resits;
pub mod result_decision;
pub mod role;
pub mod scheme;
pub mod scoring;
pub mod sitting;
pub mod validity;
pub mod values;
pub mod voucher;
