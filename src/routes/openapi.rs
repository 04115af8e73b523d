//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Invigilator",
        description = "Exam delivery and certification for the ISO/IEC 20000 scheme. Errors are RFC 9457 problem+json.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        super::public::health::health,
        super::public::auth::register,
        super::public::auth::login,
        super::public::auth::refresh,
        super::public::auth::logout,
        super::public::auth::verify_email,
        super::public::auth::request_reset,
        super::public::auth::confirm_reset,
        super::me::resend_verification,
        super::me::me,
        super::me::eligibility,
        super::public::qualifications::list,
        super::me::sittings::list,
        super::me::sittings::start,
        super::me::sittings::get,
        super::me::sittings::save_answer,
        super::me::sittings::submit,
        super::me::sittings::result,
        super::me::courses,
        super::me::rename,
        super::me::evidence::declare_credential,
        super::me::evidence::declare_experience,
        super::me::evidence::list,
        super::admin::sittings::sitting,
        super::admin::sittings::extend,
        super::admin::evidence::list,
        super::admin::evidence::decide,
        super::admin::candidates::find,
        super::admin::accounts::set_status,
        super::me::change_password,
        super::admin::candidates::grant_extra_time,
        super::admin::candidates::extra_time_history,
        super::admin::atos::create,
        super::admin::atos::list,
        super::admin::atos::get,
        super::admin::atos::accredit,
        super::admin::atos::end_accreditation,
        super::admin::atos::invite_staff,
        super::admin::courses::record,
        super::ato::me,
        super::ato::invite_colleague,
        super::ato::create_course,
        super::ato::courses,
        super::ato::show_course,
        super::ato::enrol,
        super::ato::enrol_csv,
        super::ato::enrolments,
        super::ato::enrolments_csv,
        super::ato::record_outcome,
        super::ato::results,
        super::public::invitations::accept,
        super::public::invitations::accept_enrolment,
        super::me::accept_enrolment,
        super::public::certificates::keys,
        super::public::certificates::status_list,
        super::public::certificates::verification,
        super::me::certificates::mine,
        super::me::certificates::signed,
        super::me::certificates::badge,
        super::me::certificates::pdf,
        super::me::sittings::report,
        super::me::certificates::set_listing,
        super::public::certificates::search,
        super::admin::certificates::admin_get,
        super::admin::certificates::change_status,
        super::admin::certificates::reissue,
        super::admin::audit::sitting_trail,
        super::admin::audit::certificate_trail,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Accounts and tokens"),
        (name = "me", description = "The signed-in user"),
        (name = "qualifications", description = "The papers of the scheme"),
        (name = "sittings", description = "Sitting a paper"),
        (name = "admin", description = "Administrators and examiners"),
        (name = "certificates", description = "Certificates and their public verification"),
        (name = "ato", description = "Staff of accredited training organizations"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}
