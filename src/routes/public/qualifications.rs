//! `GET /api/v1/qualifications`: every paper of every open edition, with its format.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::eligibility::Rule;
use crate::domain::scheme::Book;
use crate::routes::views::RequirementView;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct FormatView {
    pub questions: u32,
    pub marks: u32,
    pub pass_mark: u32,
    pub duration_minutes: u32,
    pub book: Book,
    pub permitted_material: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PrerequisitesView {
    pub rule: Rule,
    pub requirements: Vec<RequirementView>,
}

#[derive(Serialize, ToSchema)]
pub struct QualificationView {
    #[schema(example = "iso20000-foundation")]
    pub code: String,
    pub title: String,
    pub scheme: String,
    /// The exam body that sets the paper and issues its certificates.
    #[schema(example = "Invigilator Certification Body")]
    pub body: String,
    #[schema(example = "2011")]
    pub edition: String,
    pub edition_title: String,
    pub format: FormatView,
    pub prerequisites: PrerequisitesView,
    /// False while the paper's question pool is not yet available.
    pub available: bool,
}

#[utoipa::path(
    get,
    path = "/api/v1/qualifications",
    tag = "qualifications",
    responses((status = 200, description = "Every paper of every open edition", body = [QualificationView]))
)]
#[get("/qualifications")]
pub async fn list(state: web::Data<AppState>) -> HttpResponse {
    let views: Vec<QualificationView> = state
        .catalog
        .offered()
        .map(|(e, q)| {
            let f = &q.qualification.format;
            QualificationView {
                code: q.qualification.code.clone(),
                title: q.qualification.title.clone(),
                scheme: e.scheme.clone(),
                body: e.issuer(&state.issuer_name).to_owned(),
                edition: e.edition.clone(),
                edition_title: e.title.clone(),
                format: FormatView {
                    questions: f.questions,
                    marks: f.marks,
                    pass_mark: f.pass_mark,
                    duration_minutes: f.duration_minutes,
                    book: f.book,
                    permitted_material: f.permitted_material.clone(),
                },
                prerequisites: PrerequisitesView {
                    rule: q.qualification.prerequisites.rule,
                    requirements: q
                        .qualification
                        .prerequisites
                        .requirements
                        .iter()
                        .map(RequirementView::from)
                        .collect(),
                },
                available: q.qualification.blueprint.is_some(),
            }
        })
        .collect();
    HttpResponse::Ok().json(views)
}
