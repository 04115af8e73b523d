//! The signed-in candidate's own endpoints under `/api/v1/me` (and their sittings): the
//! account, eligibility, courses, evidence, sittings and certificates.

pub mod certificates;
pub mod data;
pub mod evidence;
pub mod sittings;
pub mod vouchers;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::{accounts, courses as course_use_case, evidence as evidence_use_case};
use crate::domain::ato::{Delivery, Outcome};
use crate::domain::eligibility::Rule;
use crate::domain::values::{NewPassword, parse_names};
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::paging::{self, ListQuery};
use crate::routes::problem::{ApiError, Problem};
use crate::routes::views::{RequirementView, UserView};
use crate::state::AppState;
use secrecy::SecretString;

#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account, with its roles and extra-time allowance", body = MeView),
        (status = 401, description = "Not signed in", body = Problem),
    )
)]
#[get("/me")]
pub async fn me(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let profile = accounts::profile(&state, user.id).await?;
    Ok(HttpResponse::Ok().json(MeView {
        user: UserView {
            id: profile.user.id,
            email: profile.user.email,
            given_name: profile.user.given_name,
            family_name: profile.user.family_name,
            roles: profile.roles,
        },
        extra_time_percent: profile.extra_time_percent,
        email_verified: profile.user.email_verified_at.is_some(),
    }))
}

#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamesRequest {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub given_name: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub family_name: String,
}

#[utoipa::path(
    put,
    path = "/api/v1/me/name",
    tag = "me",
    security(("bearer" = [])),
    request_body = NamesRequest,
    responses(
        (status = 200, description = "The names are changed; certificates already issued keep the name they were issued to", body = serde_json::Value),
        (status = 422, description = "A name is invalid", body = Problem),
    )
)]
#[actix_web::put("/me/name")]
pub async fn rename(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<NamesRequest>,
) -> Result<HttpResponse, ApiError> {
    let (given, family) = parse_names(&body.0.given_name, &body.0.family_name)?;
    accounts::rename(&state, user.id, &given, &family).await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({"given_name": given.as_ref(), "family_name": family.as_ref()})))
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    #[serde(flatten)]
    pub user: UserView,
    /// Extra time added to every paper started from now on, in percent of its duration.
    pub extra_time_percent: u32,
    /// Whether the address is verified (needed to sit a paper, unless the body turned
    /// verification off).
    pub email_verified: bool,
}

/// A course the candidate is enrolled on.
#[derive(Serialize, ToSchema)]
pub struct MyCourseView {
    pub enrolment_id: uuid::Uuid,
    pub course_id: uuid::Uuid,
    pub qualification: String,
    pub title: String,
    /// The accredited training organization running it.
    pub training_organization: String,
    #[schema(value_type = String, format = Date)]
    pub starts_on: String,
    #[schema(value_type = String, format = Date)]
    pub ends_on: String,
    pub delivery: Delivery,
    pub trainer_name: String,
    /// Recorded by the training organization once the course has run.
    pub outcome: Option<Outcome>,
    /// Whether the organization was accredited for this course on its dates; only a
    /// completed accredited course meets a course prerequisite.
    pub accredited: bool,
    /// Whether the candidate accepted the enrolment; until then the organization sees
    /// nothing about them and the course counts for nothing.
    pub accepted: bool,
}

#[utoipa::path(
    get,
    path = "/api/v1/me/courses",
    tag = "me",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "The courses this candidate is enrolled on, in the order of enrolment", body = [MyCourseView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 422, description = "A bad limit or cursor", body = Problem),
    )
)]
#[get("/me/courses")]
pub async fn courses(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let paging = paging::paging(&query)?;
    let page = course_use_case::of_candidate(&state, user.id, paging.cursor, paging.limit).await?;
    let views = page.map(|c| MyCourseView {
        enrolment_id: c.enrolment_id,
        course_id: c.course.id,
        qualification: c.course.qualification,
        title: c.course.title,
        training_organization: c.ato_name,
        starts_on: c.course.starts_on.to_string(),
        ends_on: c.course.ends_on.to_string(),
        delivery: c.course.delivery,
        trainer_name: c.course.trainer_name,
        outcome: c.outcome,
        accredited: c.accredited,
        accepted: c.accepted_at.is_some(),
    });
    Ok(paging::respond(&req, &paging, views))
}

#[derive(Serialize, ToSchema)]
pub struct EligibilityView {
    pub qualification: String,
    pub title: String,
    pub edition: String,
    /// The prerequisites are met and, where the qualification requires a voucher, a valid
    /// one is held: a start would be accepted.
    pub eligible: bool,
    /// Whether a sitting needs a voucher, and how many valid ones are held.
    pub voucher: vouchers::VoucherNeedView,
    /// `none`, `any` (one requirement suffices) or `all`.
    pub rule: Rule,
    pub met: Vec<RequirementView>,
    pub unmet: Vec<RequirementView>,
    /// The resit rule that holds the candidate back now (then `eligible` is false);
    /// absent when none does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resit: Option<ResitRefusalView>,
}

/// A resit rule refusing a sitting now.
#[derive(Serialize, ToSchema)]
pub struct ResitRefusalView {
    pub rule: crate::domain::resits::ResitRule,
    /// The rule in words, with the date the candidate may sit again.
    pub message: String,
    /// The first day the candidate may sit again; absent when waiting does not help.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub may_sit_from: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/me/eligibility",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "For every qualification of every open edition: eligible, and the requirements met and unmet", body = [EligibilityView]),
        (status = 401, description = "Not signed in", body = Problem),
    )
)]
#[get("/me/eligibility")]
pub async fn eligibility(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let standings = evidence_use_case::eligibility(&state, user.id).await?;
    let held = crate::app::vouchers::entitlements(&state, user.id).await?;
    let views: Vec<EligibilityView> = standings
        .into_iter()
        .map(|s| EligibilityView {
            voucher: vouchers::VoucherNeedView::of(&held, &s.qualification),
            eligible: s.eligible && held.get(&s.qualification).is_none_or(|n| *n > 0),
            qualification: s.qualification,
            title: s.title,
            edition: s.edition,
            rule: s.rule,
            resit: s.resit.as_ref().map(|r| ResitRefusalView {
                rule: r.rule,
                message: r.message.clone(),
                may_sit_from: r.from.map(|d| d.to_string()),
            }),
            met: s
                .met
                .iter()
                .map(|(r, by)| RequirementView::from(r).satisfied_by(by.clone()))
                .collect(),
            unmet: s
                .unmet
                .iter()
                .map(|(r, why)| RequirementView::from(r).because(why.clone()))
                .collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

#[utoipa::path(
    post,
    path = "/api/v1/me/courses/{enrolment}/accept",
    tag = "me",
    security(("bearer" = [])),
    params(("enrolment" = String, Path, description = "Enrolment id (`enrolment_id` of /me/courses)")),
    responses(
        (status = 204, description = "Accepted (accepting again changes nothing)"),
        (status = 404, description = "No such enrolment of yours", body = Problem),
    )
)]
#[actix_web::post("/me/courses/{enrolment}/accept")]
pub async fn accept_enrolment(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let enrolment = parse_id(&path, "enrolment")?;
    course_use_case::accept_as_candidate(&state, user.id, enrolment).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    pub current_password: String,
    /// 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}

#[utoipa::path(
    put,
    path = "/api/v1/me/password",
    tag = "me",
    security(("bearer" = [])),
    request_body = PasswordChangeRequest,
    responses(
        (status = 204, description = "Changed; every session of the account has ended (log in again)"),
        (status = 422, description = "The current password is wrong, or the new one is invalid", body = Problem),
    )
)]
#[actix_web::put("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<PasswordChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let new =
        NewPassword::parse(b.new_password).map_err(|m| ApiError::invalid("new_password", m))?;
    accounts::change_password(&state, user.id, SecretString::from(b.current_password), new).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    post,
    path = "/api/v1/me/verification",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "A new verification link is on its way"),
        (status = 409, description = "The address is already verified", body = Problem),
    )
)]
#[actix_web::post("/me/verification")]
pub async fn resend_verification(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    accounts::resend_verification(&state, user.id).await?;
    Ok(HttpResponse::Accepted().finish())
}
