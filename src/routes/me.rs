//! The signed-in user: their account and their eligibility for each paper.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::{ApiError, Problem};
use super::views::{RequirementView, UserView};
use crate::auth::AuthenticatedUser;
use crate::domain::eligibility::{self as rules, Rule};
use crate::persistence::{evidence, users};
use crate::routes::admin::candidates::CourseView;
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

#[derive(Serialize, ToSchema)]
pub struct MeView {
    #[serde(flatten)]
    pub user: UserView,
    /// Extra time added to every paper started from now on, in percent of its duration.
    pub extra_time_percent: u32,
}

#[utoipa::path(
    get,
    path = "/api/v1/me/courses",
    tag = "me",
    security(("bearer" = [])),
    responses((status = 200, description = "Courses recorded as completed by this candidate", body = [CourseView]))
)]
#[get("/me/courses")]
pub async fn courses(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let courses = evidence::courses_for(&state.db, user.id).await?;
    Ok(HttpResponse::Ok().json(
        courses
            .into_iter()
            .map(CourseView::from)
            .collect::<Vec<_>>(),
    ))
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
                met: result.met.iter().map(RequirementView::from).collect(),
                unmet: result.unmet.iter().map(RequirementView::from).collect(),
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}
