//! Endpoints for anyone: health, the scheme's papers, accounts and sign-in, accepting an
//! invitation, and certificate verification.

pub mod auth;
pub mod certificates;
pub mod health;
pub mod invitations;
pub mod qualifications;
