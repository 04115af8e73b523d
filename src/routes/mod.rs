//! The JSON API, a front door: one module per audience (public, the signed-in
//! candidate, training-organization staff, administrators). Handlers parse input into
//! domain types, call one use case, and map its outcome (or its typed error, through
//! `errors`) to a status and a body; they never open a transaction or touch persistence.

pub mod admin;
pub mod ato;
pub mod caller;
pub mod cases;
pub mod errors;
pub mod headers;
pub mod ids;
pub mod invigilation;
pub mod json;
pub mod limits;
pub mod materials;
pub mod me;
pub mod metrics;
pub mod openapi;
pub mod paging;
pub mod problem;
pub mod public;
pub mod rcb;
pub mod sessions;
pub mod spans;
pub mod views;

use actix_web::web;

/// The JSON API under `/api/v1`.
pub fn api_v1(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .app_data(web::QueryConfig::default().error_handler(problem::query_error))
            .service(public::auth::register)
            .service(public::auth::login)
            .service(public::auth::refresh)
            .service(public::auth::logout)
            .service(public::auth::verify_email)
            .service(public::auth::request_reset)
            .service(public::auth::confirm_reset)
            .service(me::resend_verification)
            .service(me::me)
            .service(me::data::download)
            .service(me::eligibility)
            .service(me::courses)
            .service(me::rename)
            .service(me::evidence::declare_credential)
            .service(me::evidence::declare_experience)
            .service(me::evidence::list)
            .service(public::qualifications::list)
            .service(me::sittings::list)
            .service(me::sittings::start)
            .service(me::sittings::get)
            .service(me::sittings::save_answer)
            .service(me::sittings::submit)
            .service(me::sittings::result)
            .service(admin::sittings::sitting)
            .service(admin::sittings::results_qti)
            .service(admin::sittings::extend)
            .service(admin::evidence::list)
            .service(admin::evidence::decide)
            .service(admin::candidates::find)
            .service(admin::accounts::set_status)
            .service(admin::accounts::erase)
            .service(me::change_password)
            .service(admin::candidates::grant_extra_time)
            .service(admin::candidates::extra_time_history)
            .service(admin::atos::create)
            .service(admin::atos::list)
            .service(admin::atos::get)
            .service(admin::atos::accredit)
            .service(admin::atos::end_accreditation)
            .service(admin::atos::invite_staff)
            .service(admin::rcbs::create)
            .service(admin::rcbs::list)
            .service(admin::rcbs::get)
            .service(admin::rcbs::change_status)
            .service(admin::rcbs::invite_staff)
            .service(rcb::me)
            .service(rcb::create)
            .service(rcb::list)
            .service(rcb::get)
            .service(rcb::update)
            .service(rcb::change_status)
            .service(rcb::search)
            .service(rcb::bodies)
            .service(admin::courses::record)
            .service(ato::me)
            .service(ato::invite_colleague)
            .service(ato::create_course)
            .service(ato::courses)
            .service(ato::enrolments_csv)
            .service(materials::attach_to_course)
            .service(materials::of_course)
            .service(materials::delete_from_course)
            .service(materials::attach_to_qualification)
            .service(materials::of_qualification)
            .service(materials::delete_from_qualification)
            .service(materials::mine)
            .service(materials::download)
            .service(ato::show_course)
            .service(ato::enrol_csv)
            .service(ato::enrol)
            .service(ato::enrolments)
            .service(ato::record_outcome)
            .service(ato::results)
            .service(public::invitations::accept)
            .service(public::invitations::accept_enrolment)
            .service(me::accept_enrolment)
            .service(public::certificates::keys)
            .service(public::certificates::status_list)
            .service(public::certificates::verification)
            .service(me::certificates::mine)
            .service(me::certificates::signed)
            .service(me::certificates::badge)
            .service(me::certificates::pdf)
            .service(me::sittings::report)
            .service(me::certificates::set_listing)
            .service(public::certificates::search)
            .service(admin::certificates::admin_get)
            .service(admin::certificates::change_status)
            .service(admin::certificates::reissue)
            .service(admin::audit::sitting_trail)
            .service(admin::audit::certificate_trail)
            .service(admin::key_corrections::create)
            .service(admin::key_corrections::list)
            .service(admin::key_corrections::get)
            .service(admin::key_corrections::commit)
            .service(admin::key_corrections::withdraw)
            .service(admin::vouchers::issue_to_ato)
            .service(admin::vouchers::issue_to_redeem)
            .service(admin::vouchers::list)
            .service(admin::vouchers::void)
            .service(ato::vouchers::list)
            .service(ato::vouchers::assign_csv)
            .service(ato::vouchers::assign)
            .service(me::vouchers::mine)
            .service(me::vouchers::redeem)
            .service(admin::statistics::items_csv)
            .service(admin::statistics::items)
            .service(cases::lodge)
            .service(cases::mine)
            .service(cases::one)
            .service(cases::withdraw)
            .service(cases::lodge_for_delegate)
            .service(cases::list)
            .service(cases::file)
            .service(cases::assign)
            .service(cases::note)
            .service(cases::decide)
            .service(admin::result_decisions::awaiting)
            .service(admin::result_decisions::recommend)
            .service(admin::result_decisions::decide)
            .service(admin::sessions::set_role)
            .service(admin::sessions::create)
            .service(admin::sessions::list)
            .service(admin::sessions::get)
            .service(admin::sessions::cancel)
            .service(sessions::mine)
            .service(sessions::bookable)
            .service(sessions::book)
            .service(sessions::reschedule)
            .service(sessions::cancel)
            .service(invigilation::sessions)
            .service(invigilation::live_view)
            .service(invigilation::act)
            .service(invigilation::act_on_room),
    );
}
