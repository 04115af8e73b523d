//! The web front door: server-rendered pages (askama templates checked at compile time)
//! for candidates, training organizations, administrators and the public. Like the JSON
//! API it only parses input and renders output; every decision is a use case's.
//!
//! Every page carries a strict policy (`page::PAGE_CSP`: scripts and styles only from
//! `/static/`, never inline), every form a CSRF token (`session`), and every page works
//! without JavaScript except the exam page's live features (saving as you answer, the
//! offline queue, the server-synchronised countdown).

mod admin;
mod assets;
mod ato;
mod candidate;
pub(crate) mod cases;
mod chrome;
mod errors;
mod exam;
mod links;
mod material_rows;
pub mod page;
mod papers;
mod personal_data;
mod portal;
mod public;
mod rcb;
mod register;
pub mod session;
mod sessions;
mod verification;
mod vouchers;

use actix_web::web;

/// Mounts every page.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(assets::asset)
        .service(public::home)
        .service(portal::scheme)
        .service(portal::frameworks)
        .service(portal::study_guide_pdf)
        .service(portal::faq)
        .service(portal::contact)
        .service(portal::training_organizations)
        .service(register::certified_organizations)
        .service(public::sign_in_page)
        .service(public::sign_in)
        .service(public::sign_out)
        .service(public::register_page)
        .service(public::register)
        .service(public::verify_page)
        .service(public::verify)
        .service(public::reset_page)
        .service(public::reset)
        .service(public::forgot_page)
        .service(public::forgot)
        .service(links::invitation)
        .service(links::accept_invitation)
        .service(links::enrolment)
        .service(links::accept_enrolment)
        .service(verification::by_code)
        .service(verification::check)
        .service(candidate::dashboard)
        .service(candidate::material)
        .service(candidate::resend_verification)
        .service(candidate::accept_course)
        .service(candidate::evidence_page)
        .service(candidate::declare)
        .service(candidate::account)
        .service(candidate::rename)
        .service(candidate::change_password)
        .service(candidate::listing)
        .service(candidate::sign_out_everywhere)
        .service(candidate::certificate_pdf)
        .service(candidate::badge)
        .service(personal_data::download)
        .service(exam::start)
        .service(exam::review)
        .service(exam::submit)
        .service(exam::result)
        .service(exam::report)
        .service(exam::clock)
        .service(exam::save_one)
        .service(exam::flag_one)
        .service(exam::exam)
        .service(exam::save_form)
        .service(cases::cases_list)
        .service(cases::lodge)
        .service(cases::withdraw)
        .service(cases::staff_cases)
        .service(cases::staff_lodge)
        .service(sessions::admin_list)
        .service(sessions::admin_create)
        .service(sessions::admin_cancel)
        .service(sessions::my_sessions)
        .service(sessions::my_book)
        .service(sessions::my_reschedule)
        .service(sessions::my_cancel)
        .service(sessions::invigilation_list)
        .service(sessions::live_state)
        .service(sessions::live_view)
        .service(sessions::act)
        .service(sessions::act_on_room)
        .configure(ato::configure)
        .service(ato::materials::upload_file)
        .service(ato::materials::add_link)
        .service(ato::materials::delete_material)
        .service(ato::materials::download)
        .service(rcb::home)
        .service(rcb::add)
        .service(rcb::show)
        .service(rcb::correct)
        .service(rcb::change_status)
        .configure(admin::configure)
        .configure(vouchers::configure);
}
