//! Authentication: password hashing, tokens, and the extractor that turns a bearer token
//! into an authenticated user with roles.

mod extractor;
pub mod password;
pub mod tokens;

pub use extractor::AuthenticatedUser;

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Candidate,
    /// Staff of one accredited training organization.
    AtoStaff,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Candidate => "candidate",
            Role::AtoStaff => "ato_staff",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "candidate" => Some(Self::Candidate),
            "ato_staff" => Some(Self::AtoStaff),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}
