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
        super::health::health,
        super::auth::register,
        super::auth::login,
        super::auth::refresh,
        super::auth::logout,
        super::me::me,
        super::me::eligibility,
        super::qualifications::list,
        super::sittings::start,
        super::sittings::get,
        super::sittings::save_answer,
        super::sittings::submit,
        super::sittings::result,
        super::me::courses,
        super::me::rename,
        super::evidence::declare_credential,
        super::evidence::declare_experience,
        super::evidence::list,
        super::admin::sittings::sitting,
        super::admin::evidence::list,
        super::admin::evidence::decide,
        super::admin::candidates::find,
        super::admin::candidates::grant_extra_time,
        super::admin::candidates::extra_time_history,
        super::admin::atos::create,
        super::admin::atos::list,
        super::admin::atos::get,
        super::admin::atos::accredit,
        super::admin::atos::end_accreditation,
        super::admin::atos::invite_staff,
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
        super::invitations::accept,
        super::certificates::keys,
        super::certificates::verification,
        super::certificates::mine,
        super::certificates::signed,
        super::certificates::badge,
        super::certificates::pdf,
        super::sittings::report,
        super::certificates::set_listing,
        super::certificates::search,
        super::certificates::admin_get,
        super::certificates::change_status,
        super::certificates::reissue,
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
