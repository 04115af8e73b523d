//! The client's address, as every front door reads it (see `crate::http`).

pub use crate::http::{TrustedProxies, client_address};
