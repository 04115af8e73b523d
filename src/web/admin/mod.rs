//! The administrators' pages under `/admin`: deciding on evidence, looking accounts up
//! (extra time, disabling), reading a marked paper, training organizations and their
//! accreditations, certification bodies and their staff, certificates (suspend, reinstate, revoke, re-issue), the
//! examination statistics and key corrections (dry run, commit by a second person).
//! Every page needs the administrator role; every form is checked for its token and
//! answers with a redirect to a page that confirms it.

mod atos;
mod candidates;
mod cases;
mod certificates;
mod evidence;
mod key_corrections;
mod overview;
mod rcbs;
mod result_decisions;
pub(super) mod shared;
mod sittings;
mod statistics;

use actix_web::web;

/// Mounts the administrators' pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(overview::overview)
        .service(evidence::list)
        .service(evidence::decide)
        .service(candidates::find)
        .service(candidates::account)
        .service(candidates::grant_extra_time)
        .service(candidates::set_status)
        .service(candidates::erase)
        .service(sittings::marked_paper)
        .service(sittings::results_qti)
        .service(sittings::extend)
        .service(atos::list)
        .service(atos::create)
        .service(atos::show)
        .service(atos::accredit)
        .service(atos::end_accreditation)
        .service(atos::invite)
        .service(atos::record_course)
        .service(rcbs::list)
        .service(rcbs::create)
        .service(rcbs::show)
        .service(rcbs::change_status)
        .service(rcbs::invite)
        .service(certificates::find)
        .service(certificates::certificate)
        .service(certificates::change_status)
        .service(certificates::reissue)
        .service(statistics::statistics)
        .service(key_corrections::list)
        .service(key_corrections::record)
        .service(key_corrections::show)
        .service(key_corrections::commit)
        .service(key_corrections::withdraw)
        .service(statistics::item_statistics_csv)
        .service(statistics::item_statistics)
        .service(cases::list)
        .service(cases::show)
        .service(cases::assign)
        .service(cases::note)
        .service(cases::decide)
        .service(result_decisions::list)
        .service(result_decisions::recommend)
        .service(result_decisions::decide);
}
