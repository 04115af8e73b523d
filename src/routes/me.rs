//! The signed-in user: their account and their eligibility for each paper.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::{ApiError, Problem};
use super::views::{RequirementView, UserView};
use crate::auth::AuthenticatedUser;
use crate::domain::ato::{Delivery, Outcome};
use crate::domain::eligibility::{self as rules, Rule};
use crate::persistence::{atos, evidence, users};
use crate::startup::AppState;

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
    let account = users::find_by_id(&state.db, user.id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("the account no longer exists"))?;
    Ok(HttpResponse::Ok().json(MeView {
        user: UserView {
            id: account.id,
            email: account.email,
            given_name: account.given_name,
            family_name: account.family_name,
            roles: users::roles_of(&state.db, user.id).await?,
        },
        extra_time_percent: evidence::current_extra_time(&state.db, user.id).await?,
    }))
}

#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamesRequest {
    pub given_name: String,
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
    body: crate::routes::json::ApiJson<NamesRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let given = crate::domain::values::PersonName::parse(&body.0.given_name)
        .map_err(|message| {
            errors.push(crate::routes::problem::FieldError {
                field: "given_name".into(),
                message,
            })
        })
        .ok();
    let family = crate::domain::values::PersonName::parse(&body.0.family_name)
        .map_err(|message| {
            errors.push(crate::routes::problem::FieldError {
                field: "family_name".into(),
                message,
            })
        })
        .ok();
    let (Some(given), Some(family)) = (given, family) else {
        return Err(ApiError::invalid_fields(errors));
    };
    let tx = crate::persistence::begin_write(&state.db).await?;
    users::set_names(&tx, user.id, &given, &family).await?;
    tx.commit().await.map_err(ApiError::from)?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({"given_name": given.as_ref(), "family_name": family.as_ref()})))
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    #[serde(flatten)]
    pub user: UserView,
    /// Extra time added to every paper started from now on, in percent of its duration.
    pub extra_time_percent: u32,
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
}

#[utoipa::path(
    get,
    path = "/api/v1/me/courses",
    tag = "me",
    security(("bearer" = [])),
    responses((status = 200, description = "The courses this candidate is enrolled on", body = [MyCourseView]))
)]
#[get("/me/courses")]
pub async fn courses(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let courses = atos::courses_of_candidate(&state.db, user.id).await?;
    let views: Vec<MyCourseView> = courses
        .into_iter()
        .map(|c| MyCourseView {
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
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Serialize, ToSchema)]
pub struct EligibilityView {
    pub qualification: String,
    pub title: String,
    pub edition: String,
    pub eligible: bool,
    /// `none`, `any` (one requirement suffices) or `all`.
    pub rule: Rule,
    pub met: Vec<RequirementView>,
    pub unmet: Vec<RequirementView>,
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
    let evidence = crate::sittings::evidence_of(&state.db, user.id).await?;
    let views: Vec<EligibilityView> = state
        .catalog
        .offered()
        .map(|(e, q)| {
            let result = rules::evaluate(&q.qualification.prerequisites, &evidence);
            EligibilityView {
                qualification: q.qualification.code.clone(),
                title: q.qualification.title.clone(),
                edition: e.edition.clone(),
                eligible: result.eligible,
                rule: q.qualification.prerequisites.rule,
                met: result
                    .met
                    .iter()
                    .map(|r| {
                        RequirementView::from(r).satisfied_by(rules::satisfied_by(r, &evidence))
                    })
                    .collect(),
                unmet: result.unmet.iter().map(RequirementView::from).collect(),
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}
