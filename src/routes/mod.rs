//! HTTP handlers, one module per resource. Handlers parse input into domain types, call
//! the use case, and map its outcome to a status and a body.

pub mod admin;
pub mod ato;
pub mod auth;
pub mod certificates;
pub mod evidence;
pub mod health;
pub mod invitations;
pub mod json;
pub mod me;
pub mod openapi;
pub mod problem;
pub mod qualifications;
pub mod sittings;
pub mod views;

use actix_web::web;
use uuid::Uuid;

use problem::ApiError;

/// The JSON API under `/api/v1`.
pub fn api_v1(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .service(auth::register)
            .service(auth::login)
            .service(auth::refresh)
            .service(auth::logout)
            .service(me::me)
            .service(me::eligibility)
            .service(me::courses)
            .service(me::rename)
            .service(evidence::declare_credential)
            .service(evidence::declare_experience)
            .service(evidence::list)
            .service(qualifications::list)
            .service(sittings::start)
            .service(sittings::get)
            .service(sittings::save_answer)
            .service(sittings::submit)
            .service(sittings::result)
            .service(admin::sittings::sitting)
            .service(admin::evidence::list)
            .service(admin::evidence::decide)
            .service(admin::candidates::find)
            .service(admin::candidates::grant_extra_time)
            .service(admin::candidates::extra_time_history)
            .service(admin::atos::create)
            .service(admin::atos::list)
            .service(admin::atos::get)
            .service(admin::atos::accredit)
            .service(admin::atos::end_accreditation)
            .service(admin::atos::invite_staff)
            .service(ato::me)
            .service(ato::invite_colleague)
            .service(ato::create_course)
            .service(ato::courses)
            .service(ato::enrolments_csv)
            .service(ato::show_course)
            .service(ato::enrol_csv)
            .service(ato::enrol)
            .service(ato::enrolments)
            .service(ato::record_outcome)
            .service(ato::results)
            .service(invitations::accept)
            .service(certificates::keys)
            .service(certificates::verification)
            .service(certificates::mine)
            .service(certificates::signed)
            .service(certificates::badge)
            .service(certificates::pdf)
            .service(sittings::report)
            .service(certificates::set_listing)
            .service(certificates::search)
            .service(certificates::admin_get)
            .service(certificates::change_status)
            .service(certificates::reissue),
    );
}

/// A path id: anything that is not a UUID cannot name a resource, so it answers 404.
pub fn parse_id(raw: &str, what: &str) -> Result<Uuid, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found(format!("no such {what}")))
}
