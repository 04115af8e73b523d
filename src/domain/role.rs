//! Who may do what: the roles an account holds.

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    strum::AsRefStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    Candidate,
    /// Staff of one accredited training organization.
    AtoStaff,
    Admin,
    /// Runs exam sessions: admits candidates, pauses, extends or voids their sittings.
    Invigilator,
    /// Staff of one registered certification body: records the organizations it
    /// certified.
    RcbStaff,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_is_stored_as_its_json_name() {
        for role in [
            Role::Candidate,
            Role::AtoStaff,
            Role::Admin,
            Role::Invigilator,
            Role::RcbStaff,
        ] {
            let json = serde_json::to_value(role).expect("serializes");
            assert_eq!(json.as_str(), Some(role.as_ref()));
            assert_eq!(role.as_ref().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
