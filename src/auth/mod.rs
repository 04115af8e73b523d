//! Authentication: password hashing, access tokens and refresh tokens (the
//! extractor that turns a bearer token into a caller lives with the routes).

pub mod password;
pub mod tokens;
