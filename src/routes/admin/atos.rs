//! Administrators create training organizations, accredit them per course, suspend or
//! withdraw an accreditation with a reason, and invite an organization's first staff.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::atos::{self as use_case, InviteError};
use crate::auth::{AuthenticatedUser, Role};
use crate::domain::ato::{Accreditation, AccreditationStatus};
use crate::domain::evidence::parse_text;
use crate::domain::values::EmailAddress;
use crate::persistence::atos::{self, AccreditationRecord, AtoRecord};
use crate::persistence::begin_write;
use crate::routes::json::ApiJson;
use crate::routes::parse_id;
use crate::routes::problem::{ApiError, FieldError, Problem};
use crate::startup::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAtoRequest {
    pub name: String,
    /// ISO 3166-1 alpha-2 code, e.g. "GB".
    pub country: String,
    pub contact_email: String,
}

#[derive(Serialize, ToSchema)]
pub struct AccreditationView {
    pub id: Uuid,
    pub qualification: String,
    #[schema(value_type = String, format = Date)]
    pub valid_from: String,
    #[schema(value_type = String, format = Date)]
    pub valid_until: String,
    pub status: AccreditationStatus,
    /// The day a suspension or withdrawal took effect.
    #[schema(value_type = Option<String>, format = Date)]
    pub ended_on: Option<String>,
    pub status_reason: Option<String>,
    pub status_changed_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub status_changed_at: Option<OffsetDateTime>,
}

impl From<AccreditationRecord> for AccreditationView {
    fn from(a: AccreditationRecord) -> Self {
        Self {
            id: a.id,
            qualification: a.period.qualification,
            valid_from: a.period.valid_from.to_string(),
            valid_until: a.period.valid_until.to_string(),
            status: a.status,
            ended_on: a.period.ended_on.map(|d| d.to_string()),
            status_reason: a.status_reason,
            status_changed_by: a.status_changed_by,
            status_changed_at: a.status_changed_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AtoView {
    pub id: Uuid,
    pub name: String,
    pub country: String,
    pub contact_email: String,
    pub accreditations: Vec<AccreditationView>,
}

pub async fn ato_view(state: &AppState, ato: AtoRecord) -> Result<AtoView, ApiError> {
    let accreditations = atos::accreditations_of(&state.db, ato.id).await?;
    Ok(AtoView {
        id: ato.id,
        name: ato.name,
        country: ato.country,
        contact_email: ato.contact_email,
        accreditations: accreditations
            .into_iter()
            .map(AccreditationView::from)
            .collect(),
    })
}

fn field<T>(errors: &mut Vec<FieldError>, name: &str, r: Result<T, String>) -> Option<T> {
    r.map_err(|message| {
        errors.push(FieldError {
            field: name.into(),
            message,
        })
    })
    .ok()
}

pub fn parse_date(raw: &str) -> Result<Date, String> {
    Date::parse(raw, &time::format_description::well_known::Iso8601::DATE)
        .map_err(|_| "must be a date such as 2026-10-30".to_owned())
}

async fn ato_or_404(state: &AppState, raw: &str) -> Result<AtoRecord, ApiError> {
    let id = parse_id(raw, "training organization")?;
    atos::find_ato(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such training organization"))
}

#[utoipa::path(post, path = "/api/v1/admin/atos", tag = "admin", security(("bearer" = [])), request_body = NewAtoRequest,
    responses((status = 201, description = "Created", body = AtoView), (status = 403, description = "Not an administrator", body = Problem), (status = 422, description = "A field is invalid", body = Problem)))]
#[post("/admin/atos")]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<NewAtoRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let mut errors = Vec::new();
    let name = field(&mut errors, "name", parse_text(&body.0.name, 200));
    let country = field(
        &mut errors,
        "country",
        match body.0.country.trim() {
            c if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
                Ok(c.to_uppercase())
            }
            _ => Err("must be a two-letter country code such as GB".into()),
        },
    );
    let contact = field(
        &mut errors,
        "contact_email",
        EmailAddress::parse(&body.0.contact_email),
    );
    let (Some(name), Some(country), Some(contact)) = (name, country, contact) else {
        return Err(ApiError::invalid_fields(errors));
    };
    let ato = AtoRecord {
        id: Uuid::now_v7(),
        name,
        country,
        contact_email: contact.to_string(),
        created_at: state.clock.now(),
    };
    let tx = begin_write(&state.db).await?;
    atos::insert_ato(&tx, &ato).await?;
    tx.commit().await.map_err(ApiError::from)?;
    Ok(HttpResponse::Created().json(ato_view(&state, ato).await?))
}

#[utoipa::path(get, path = "/api/v1/admin/atos", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Every training organization with its accreditations", body = [AtoView])))]
#[get("/admin/atos")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let mut views = Vec::new();
    for ato in atos::list_atos(&state.db).await? {
        views.push(ato_view(&state, ato).await?);
    }
    Ok(HttpResponse::Ok().json(views))
}

#[utoipa::path(get, path = "/api/v1/admin/atos/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "ATO id")),
    responses((status = 200, description = "The training organization", body = AtoView), (status = 404, description = "No such organization", body = Problem)))]
#[get("/admin/atos/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let ato = ato_or_404(&state, &path).await?;
    Ok(HttpResponse::Ok().json(ato_view(&state, ato).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccreditRequest {
    /// The qualification whose course is accredited, e.g. `iso20000-auditor`.
    pub qualification: String,
    #[schema(value_type = String, format = Date)]
    pub valid_from: String,
    #[schema(value_type = String, format = Date)]
    pub valid_until: String,
}

#[utoipa::path(post, path = "/api/v1/admin/atos/{id}/accreditations", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "ATO id")),
    request_body = AccreditRequest,
    responses((status = 201, description = "Accredited", body = AtoView), (status = 404, description = "No such organization", body = Problem), (status = 422, description = "A field is invalid", body = Problem)))]
#[post("/admin/atos/{id}/accreditations")]
pub async fn accredit(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<AccreditRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let ato = ato_or_404(&state, &path).await?;
    let mut errors = Vec::new();
    let known = state
        .catalog
        .offered()
        .any(|(_, q)| q.qualification.code == body.0.qualification);
    let qualification = field(
        &mut errors,
        "qualification",
        if known {
            Ok(body.0.qualification.clone())
        } else {
            Err(format!(
                "there is no qualification {}",
                body.0.qualification
            ))
        },
    );
    let from = field(&mut errors, "valid_from", parse_date(&body.0.valid_from));
    let until = field(&mut errors, "valid_until", parse_date(&body.0.valid_until));
    if let (Some(f), Some(u)) = (from, until)
        && u < f
    {
        errors.push(FieldError {
            field: "valid_until".into(),
            message: "must not be before valid_from".into(),
        });
    }
    let (Some(qualification), Some(valid_from), Some(valid_until), true) =
        (qualification, from, until, errors.is_empty())
    else {
        return Err(ApiError::invalid_fields(errors));
    };
    let record = AccreditationRecord {
        id: Uuid::now_v7(),
        ato_id: ato.id,
        period: Accreditation {
            qualification,
            valid_from,
            valid_until,
            ended_on: None,
        },
        status: AccreditationStatus::Active,
        status_reason: None,
        status_changed_by: None,
        status_changed_at: None,
        created_by: user.id,
        created_at: state.clock.now(),
    };
    let tx = begin_write(&state.db).await?;
    atos::insert_accreditation(&tx, &record).await?;
    tx.commit().await.map_err(ApiError::from)?;
    Ok(HttpResponse::Created().json(ato_view(&state, ato).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccreditationStatusRequest {
    /// `suspended` or `withdrawn`; takes effect today.
    pub status: AccreditationStatus,
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/admin/atos/{id}/accreditations/{accreditation}/status", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "ATO id"), ("accreditation" = String, Path, description = "Accreditation id")),
    request_body = AccreditationStatusRequest,
    responses((status = 200, description = "Suspended or withdrawn from today, with who, when and why", body = AtoView),
        (status = 404, description = "No such organization or accreditation", body = Problem),
        (status = 409, description = "Not active any more", body = Problem), (status = 422, description = "A field is invalid", body = Problem)))]
#[post("/admin/atos/{id}/accreditations/{accreditation}/status")]
pub async fn end_accreditation(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<(String, String)>,
    body: ApiJson<AccreditationStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let (ato_raw, accreditation_raw) = path.into_inner();
    let ato = ato_or_404(&state, &ato_raw).await?;
    let accreditation_id = parse_id(&accreditation_raw, "accreditation")?;
    if body.0.status == AccreditationStatus::Active {
        return Err(ApiError::invalid(
            "status",
            "must be suspended or withdrawn; accredit again to restore",
        ));
    }
    let reason = parse_text(&body.0.reason, 2000).map_err(|m| ApiError::invalid("reason", m))?;
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    if !atos::accreditations_of(&tx, ato.id)
        .await?
        .iter()
        .any(|a| a.id == accreditation_id)
    {
        return Err(ApiError::not_found("no such accreditation"));
    }
    if !atos::end_accreditation(
        &tx,
        accreditation_id,
        ato.id,
        body.0.status,
        &reason,
        now.date(),
        user.id,
        now,
    )
    .await?
    {
        return Err(ApiError::conflict(
            "not-active",
            "this accreditation is already suspended or withdrawn",
        ));
    }
    tx.commit().await.map_err(ApiError::from)?;
    tracing::info!(ato = %ato.id, accreditation = %accreditation_id, status = body.0.status.as_str(), by = %user.id, "accreditation ended");
    Ok(HttpResponse::Ok().json(ato_view(&state, ato).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationSentView {
    pub email: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
}

/// Invites a staff member of `ato`; shared by administrators and the ATO's own staff.
pub async fn invite(
    state: &AppState,
    ato: &AtoRecord,
    raw_email: &str,
    by: Uuid,
) -> Result<HttpResponse, ApiError> {
    let email = EmailAddress::parse(raw_email).map_err(|m| ApiError::invalid("email", m))?;
    let now = state.clock.now();
    use_case::invite_staff(state, ato.id, &ato.name, &email, by)
        .await
        .map_err(|e| match e {
            InviteError::HasAccount => ApiError::conflict("has-account", e.to_string()),
            InviteError::Db(e) => e.into(),
        })?;
    Ok(HttpResponse::Accepted().json(InvitationSentView {
        email: email.to_string(),
        expires_at: now + state.invitation_ttl,
    }))
}

#[utoipa::path(post, path = "/api/v1/admin/atos/{id}/invitations", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "ATO id")),
    request_body = InviteRequest,
    responses((status = 202, description = "Invitation queued for e-mail", body = InvitationSentView),
        (status = 404, description = "No such organization", body = Problem), (status = 409, description = "The address already has an account", body = Problem)))]
#[post("/admin/atos/{id}/invitations")]
pub async fn invite_staff(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<InviteRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let ato = ato_or_404(&state, &path).await?;
    invite(&state, &ato, &body.0.email, user.id).await
}
