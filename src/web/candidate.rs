//! The candidate's pages: the dashboard (what they may sit and what is missing, their
//! sittings, certificates, evidence and courses) and their account (names, password,
//! the public register, signing out everywhere), with the certificate downloads.

use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use secrecy::SecretString;
use serde::Deserialize;
use uuid::Uuid;

use super::exam::time_allowed;
use super::page::{self, Chrome, CsrfForm, FormErrors, PageError, date, when};
use super::papers::{self, PaperSummary};
use super::session::Visitor;
use crate::app::accounts::{self, LinkError, SessionError};
use crate::app::certificates::{self, CertificateError};
use crate::app::courses::{self, CourseError};
use crate::app::evidence::{self, EvidenceError};
use crate::app::sittings::{self, ReadSittingError};
use crate::app::{materials, results, study_guide, web_sessions};
use crate::domain::certificate::CertificateStatus;
use crate::domain::evidence::{Claim, EvidenceStatus};
use crate::domain::fields::FieldErrors;
use crate::domain::material::MaterialBody;
use crate::domain::role::Role;
use crate::domain::sitting::SittingStatus;
use crate::domain::values::{NewPassword, PersonName};
use crate::http::upload::file_download;
use crate::state::AppState;

impl From<EvidenceError> for PageError {
    fn from(e: EvidenceError) -> Self {
        match e {
            EvidenceError::NotFound | EvidenceError::NoSuchCandidate => Self::NotFound,
            EvidenceError::Unexpected(e) => Self::Unexpected(e),
            other => Self::Unexpected(anyhow::anyhow!(other.to_string())),
        }
    }
}

impl From<CertificateError> for PageError {
    fn from(e: CertificateError) -> Self {
        match e {
            CertificateError::NotFound | CertificateError::NotAllowed(_) => Self::NotFound,
            CertificateError::Throttled(t) => Self::Throttled(t),
            CertificateError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

impl From<CourseError> for PageError {
    fn from(e: CourseError) -> Self {
        match e {
            CourseError::NoSuchCourse | CourseError::NoSuchEnrolment | CourseError::LinkInvalid => {
                Self::NotFound
            }
            CourseError::NotStaff => Self::Forbidden,
            CourseError::Throttled(t) => Self::Throttled(t),
            other => Self::Unexpected(anyhow::anyhow!(other.to_string())),
        }
    }
}

/// A paper on the dashboard: its facts, the candidate's standing, and whether it can be
/// started now.
pub struct PaperCard {
    pub paper: PaperSummary,
    pub eligible: bool,
    pub time_allowed: String,
    pub met: Vec<String>,
    pub unmet: Vec<String>,
    pub can_start: bool,
    /// The resit rule that holds the candidate back now, in words with the date.
    pub resit: Option<String>,
}

pub struct SittingRow {
    pub id: Uuid,
    pub title: String,
    pub started: String,
    pub status: &'static str,
    pub open: bool,
    pub result: String,
}

pub struct CertificateRow {
    pub number: String,
    pub title: String,
    pub issued_on: String,
    pub status: &'static str,
    pub valid: bool,
    pub verification_code: String,
}

pub struct EvidenceRow {
    pub what: String,
    pub status: &'static str,
    pub reason: Option<String>,
}

pub struct CourseRow {
    pub enrolment_id: Uuid,
    pub title: String,
    pub ato: String,
    pub dates: String,
    pub accepted: bool,
    pub outcome: String,
}

#[derive(Template)]
#[template(path = "web/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    given_name: String,
    email: String,
    verified: bool,
    welcome: bool,
    notice: Option<&'static str>,
    in_progress: Option<SittingRow>,
    papers: Vec<PaperCard>,
    sittings: Vec<SittingRow>,
    certificates: Vec<CertificateRow>,
    evidence: Vec<EvidenceRow>,
    courses: Vec<CourseRow>,
    /// Course materials, then the study guides of the candidate's courses' qualifications.
    materials: Vec<MaterialLink>,
}

/// A course material or study guide on the dashboard: where it opens and what it is.
pub struct MaterialLink {
    pub title: String,
    pub href: String,
    /// `PDF, 12 KB`, `link to https://…`.
    pub detail: String,
    /// A link to another site (opened without passing our page on).
    pub external: bool,
}

fn status_word(s: CertificateStatus) -> &'static str {
    match s {
        CertificateStatus::Valid => "Valid",
        CertificateStatus::Suspended => "Suspended",
        CertificateStatus::Revoked => "Revoked",
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DashboardQuery {
    welcome: Option<String>,
    done: Option<String>,
}

#[get("/dashboard")]
pub async fn dashboard(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DashboardQuery>,
) -> Result<HttpResponse, PageError> {
    // Signing in lands here; a certification body's staff land on their own page.
    if let Ok(session) = visitor.signed_in()
        && session.has(Role::RcbStaff)
        && !session.has(Role::Candidate)
    {
        return Ok(page::see_other(&visitor, "/rcb"));
    }
    let user = visitor.with_role(Role::Candidate)?;
    let profile = accounts::profile(&state, user.user_id)
        .await
        .map_err(|e| PageError::Unexpected(e.into()))?;
    let extra = profile.extra_time_percent;
    let sittings_page = sittings::of_candidate(&state, user.user_id, None, 20, state.clock.now())
        .await
        .map_err(|e: ReadSittingError| PageError::from(e))?;
    let sittings: Vec<SittingRow> = sittings_page
        .items
        .into_iter()
        .map(|s| {
            let r = s.record;
            let open = r.status == SittingStatus::InProgress;
            SittingRow {
                id: r.id,
                title: s.title,
                started: when(r.started_at),
                status: match r.status {
                    SittingStatus::InProgress => "In progress",
                    SittingStatus::Submitted => "Submitted",
                    SittingStatus::Expired => "Time ran out",
                    SittingStatus::Voided => "Voided",
                },
                open,
                result: match &r.result {
                    Some(x) if x.passed => format!("Passed, {} of {}", x.score, x.max_score),
                    Some(x) => format!("Not passed, {} of {}", x.score, x.max_score),
                    None => String::new(),
                },
            }
        })
        .collect();
    let in_progress = sittings.iter().find(|s| s.open).map(|s| SittingRow {
        id: s.id,
        title: s.title.clone(),
        started: s.started.clone(),
        status: s.status,
        open: true,
        result: String::new(),
    });
    let verified = profile.user.email_verified_at.is_some() || !state.require_verified_email;
    let papers = evidence::eligibility(&state, user.user_id)
        .await?
        .into_iter()
        .filter_map(|standing| {
            let paper = papers::paper(&state, &standing.qualification)?;
            Some(PaperCard {
                time_allowed: time_allowed(paper.duration_minutes, extra),
                can_start: standing.eligible && paper.sittable && verified && in_progress.is_none(),
                // The prerequisites alone; a resit rule is shown on its own.
                eligible: standing.eligible
                    || (standing.resit.is_some() && standing.unmet.is_empty()),
                resit: standing.resit.map(|r| r.message),
                met: standing
                    .met
                    .into_iter()
                    .map(|(r, by)| match by {
                        Some(by) => format!("{} ({by})", r.description),
                        None => r.description,
                    })
                    .collect(),
                unmet: standing
                    .unmet
                    .into_iter()
                    .map(|(r, why)| match why {
                        Some(why) => format!("{}: {why}", r.description),
                        None => r.description,
                    })
                    .collect(),
                paper,
            })
        })
        .collect();
    let certificates = certificates::of_holder(&state, user.user_id, None, 100)
        .await?
        .items
        .into_iter()
        .map(|c| CertificateRow {
            valid: c.status == CertificateStatus::Valid,
            status: status_word(c.status),
            number: c.number,
            title: c.qualification_title,
            issued_on: date(c.issued_on),
            verification_code: c.verification_code,
        })
        .collect();
    let evidence = evidence::of_candidate(&state, user.user_id, None, 100)
        .await?
        .items
        .into_iter()
        .map(|e| EvidenceRow {
            what: match &e.claim {
                Claim::Credential {
                    credential,
                    issuer,
                    certificate_number,
                    ..
                } => format!("{credential} from {issuer}, number {certificate_number}"),
                Claim::AuditExperience { years, .. } => {
                    format!("{years} years of audit experience")
                }
            },
            status: match e.status {
                EvidenceStatus::Pending => "Waiting for a decision",
                EvidenceStatus::Approved => "Approved",
                EvidenceStatus::Rejected => "Rejected",
            },
            reason: e.decision_reason,
        })
        .collect();
    let courses = courses::of_candidate(&state, user.user_id, None, 100)
        .await?
        .items
        .into_iter()
        .map(|c| CourseRow {
            enrolment_id: c.enrolment_id,
            title: c.course.title.clone(),
            ato: c.ato_name.clone(),
            dates: format!("{} to {}", date(c.course.starts_on), date(c.course.ends_on)),
            accepted: c.accepted_at.is_some(),
            outcome: match c.outcome {
                Some(o) => o.as_ref().replace('_', " "),
                None => "No outcome recorded yet".into(),
            },
        })
        .collect();
    let materials = dashboard_materials(&state, user.user_id).await?;
    let page = DashboardPage {
        chrome: Chrome::new(&visitor, "My certification"),
        given_name: user.given_name.clone(),
        email: user.email.clone(),
        verified,
        welcome: query.welcome.is_some(),
        notice: match query.done.as_deref() {
            Some("verification") => {
                Some("We have sent the link again. It may take a minute to arrive.")
            }
            Some("accepted") => Some("The enrolment is accepted."),
            Some("declared") => Some("Your evidence is recorded and waits for a decision."),
            _ => None,
        },
        in_progress,
        papers,
        sittings,
        certificates,
        evidence,
        courses,
        materials,
    };
    page::ok(&visitor, &page)
}

/// The materials the candidate's enrolments give them today, and the study guides of
/// those courses' qualifications.
async fn dashboard_materials(
    state: &AppState,
    candidate: Uuid,
) -> Result<Vec<MaterialLink>, PageError> {
    let unexpected =
        |e: materials::MaterialError| PageError::Unexpected(anyhow::anyhow!(e.to_string()));
    let mut links: Vec<MaterialLink> = materials::of_candidate(state, candidate)
        .await
        .map_err(unexpected)?
        .into_iter()
        .map(|m| match m.body {
            MaterialBody::File {
                file_type,
                size_bytes,
                ..
            } => MaterialLink {
                title: m.title,
                href: format!("/materials/{}", m.id),
                detail: format!(
                    "{}, {}",
                    file_type.extension().to_uppercase(),
                    super::material_rows::size_words(size_bytes)
                ),
                external: false,
            },
            MaterialBody::Link { url } => MaterialLink {
                title: m.title,
                detail: format!("link to {url}"),
                href: url,
                external: true,
            },
        })
        .collect();
    let titles = papers::papers(state);
    for code in materials::qualifications_of(state, candidate)
        .await
        .map_err(unexpected)?
    {
        if study_guide::has_study_guide(state, &code) {
            let title = titles
                .iter()
                .find(|p| p.code == code)
                .map(|p| p.title.clone())
                .unwrap_or_else(|| code.clone());
            links.push(MaterialLink {
                title: format!("Study guide: {title}"),
                href: format!("/scheme/{code}/study-guide.pdf"),
                detail: "PDF".into(),
                external: false,
            });
        }
    }
    Ok(links)
}

/// Downloads a course material the candidate's enrolment gives them (404 otherwise).
#[get("/materials/{id}")]
pub async fn material(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.signed_in()?;
    let id = Uuid::parse_str(&path).map_err(|_| PageError::NotFound)?;
    let (record, content) = materials::download(&state, user.user_id, id)
        .await
        .map_err(|e| match e {
            materials::MaterialError::NotFound => PageError::NotFound,
            other => PageError::Unexpected(anyhow::anyhow!(other.to_string())),
        })?;
    Ok(visitor.finish(file_download(&record, content)))
}

/// Sends the address-confirmation link again.
#[post("/account/verification")]
pub async fn resend_verification(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let user = visitor.signed_in()?;
    match accounts::resend_verification(&state, user.user_id).await {
        Ok(()) | Err(LinkError::AlreadyVerified) => {}
        Err(LinkError::Throttled(t)) => return Err(PageError::Throttled(t)),
        Err(e) => return Err(PageError::Unexpected(e.into())),
    }
    Ok(page::see_other(&visitor, "/dashboard?done=verification"))
}

/// Accepts an enrolment waiting on the dashboard.
#[post("/my/courses/{id}/accept")]
pub async fn accept_course(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let user = visitor.with_role(Role::Candidate)?;
    let id: Uuid = path.parse().map_err(|_| PageError::NotFound)?;
    courses::accept_as_candidate(&state, user.user_id, id).await?;
    Ok(page::see_other(&visitor, "/dashboard?done=accepted"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeclareForm {
    csrf: String,
    /// `credential` or `audit_experience`: which of the page's two forms was sent.
    claim: String,
    kind: String,
    issuer: String,
    certificate_number: String,
    date: String,
    years: String,
    description: String,
}

#[derive(Template)]
#[template(path = "web/evidence.html")]
struct EvidencePage {
    chrome: Chrome,
    errors: FormErrors,
    credentials: Vec<String>,
    form: DeclareForm,
}

#[get("/my/evidence/new")]
pub async fn evidence_page(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Candidate)?;
    page::ok(
        &visitor,
        &EvidencePage {
            chrome: Chrome::new(&visitor, "Declare evidence"),
            errors: FormErrors::new(),
            credentials: evidence::known_credentials(&state),
            form: DeclareForm::default(),
        },
    )
}

#[post("/my/evidence")]
pub async fn declare(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<DeclareForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let user = visitor.with_role(Role::Candidate)?;
    let form = form.into_inner();
    let claim = match form.claim.as_str() {
        "audit_experience" => match form.years.trim().parse::<i64>() {
            Ok(years) => Claim::parse_experience(years, &form.description),
            Err(_) => Err(FieldErrors::one("years", "must be a whole number")),
        },
        _ => Claim::parse_credential(
            &form.kind,
            &form.issuer,
            &form.certificate_number,
            &form.date,
            &evidence::known_credentials(&state),
            state.clock.now().date(),
        ),
    };
    let errors = match claim {
        Ok(claim) => match evidence::declare(&state, user.user_id, &claim).await {
            Ok(_) => return Ok(page::see_other(&visitor, "/dashboard?done=declared")),
            Err(EvidenceError::TooManyPending) => FormErrors::one(
                if form.claim == "audit_experience" {
                    "years"
                } else {
                    "kind"
                },
                "You already have many declarations waiting for a decision. Please wait for them first.",
            ),
            Err(e) => return Err(e.into()),
        },
        Err(errors) => FormErrors::from(errors),
    };
    page::html(
        &visitor,
        StatusCode::UNPROCESSABLE_ENTITY,
        &EvidencePage {
            chrome: Chrome::new(&visitor, "Declare evidence"),
            errors,
            credentials: evidence::known_credentials(&state),
            form,
        },
    )
}

#[derive(Template)]
#[template(path = "web/account.html")]
struct AccountPage {
    chrome: Chrome,
    errors: FormErrors,
    given_name: String,
    family_name: String,
    email: String,
    listed: bool,
    candidate: bool,
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AccountQuery {
    done: Option<String>,
}

async fn account_page(
    state: &AppState,
    visitor: &Visitor,
    errors: FormErrors,
    notice: Option<&'static str>,
) -> Result<AccountPage, PageError> {
    let user = visitor.signed_in()?;
    Ok(AccountPage {
        chrome: Chrome::new(visitor, "Your account"),
        errors,
        given_name: user.given_name.clone(),
        family_name: user.family_name.clone(),
        email: user.email.clone(),
        listed: certificates::is_listed(state, user.user_id).await?,
        candidate: user.has(Role::Candidate),
        notice,
    })
}

#[get("/account")]
pub async fn account(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<AccountQuery>,
) -> Result<HttpResponse, PageError> {
    let notice = match query.done.as_deref() {
        Some("names") => Some("Your names are changed. Certificates issued from now on use them."),
        Some("listing") => Some("Your choice about the public register is saved."),
        _ => None,
    };
    let page = account_page(&state, &visitor, FormErrors::new(), notice).await?;
    page::ok(&visitor, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NamesForm {
    csrf: String,
    given_name: String,
    family_name: String,
}

#[post("/account/names")]
pub async fn rename(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<NamesForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let user = visitor.signed_in()?;
    let mut errors = FormErrors::new();
    let given = PersonName::parse(&form.given_name)
        .map_err(|m| errors.add("given_name", format!("Given name {m}.")))
        .ok();
    let family = PersonName::parse(&form.family_name)
        .map_err(|m| errors.add("family_name", format!("Family name {m}.")))
        .ok();
    if let (Some(given), Some(family)) = (given, family) {
        accounts::rename(&state, user.user_id, &given, &family)
            .await
            .map_err(|e| PageError::Unexpected(e.into()))?;
        return Ok(page::see_other(&visitor, "/account?done=names"));
    }
    let mut page = account_page(&state, &visitor, errors, None).await?;
    page.given_name = form.given_name.clone();
    page.family_name = form.family_name.clone();
    page::html(&visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
}

#[post("/account/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let user = visitor.signed_in()?;
    let form = form.into_inner();
    let errors = match NewPassword::parse(form.new_password) {
        Err(m) => FormErrors::one("new_password", format!("New password {m}.")),
        Ok(new) => match accounts::change_password(
            &state,
            user.user_id,
            SecretString::from(form.current_password),
            new,
        )
        .await
        {
            // Every session ended, this one too: sign in with the new password.
            Ok(()) => return page::see_other_signed_out(&visitor, "/sign-in?done=password"),
            Err(SessionError::WrongCurrentPassword) => {
                FormErrors::one("current_password", "Current password is not right.")
            }
            Err(SessionError::Throttled(t)) => return Err(PageError::Throttled(t)),
            Err(SessionError::Busy) => return Err(PageError::Busy),
            Err(e) => return Err(PageError::Unexpected(e.into())),
        },
    };
    let page = account_page(&state, &visitor, errors, None).await?;
    page::html(&visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListingForm {
    csrf: String,
    listed: Option<String>,
}

#[post("/account/listing")]
pub async fn listing(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<ListingForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let user = visitor.with_role(Role::Candidate)?;
    certificates::set_listing(&state, user.user_id, form.listed.is_some()).await?;
    Ok(page::see_other(&visitor, "/account?done=listing"))
}

#[post("/account/sign-out-everywhere")]
pub async fn sign_out_everywhere(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let user = visitor.signed_in()?;
    web_sessions::sign_out_everywhere(&state, user.user_id)
        .await
        .map_err(|e| PageError::Unexpected(e.into()))?;
    page::see_other_signed_out(&visitor, "/sign-in?done=signed-out")
}

/// The holder's PDF certificate.
#[get("/my/certificates/{number}/certificate.pdf")]
pub async fn certificate_pdf(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.signed_in()?;
    let c = certificates::held_by(&state, user.user_id, &user.roles, &path).await?;
    let bytes = results::certificate_pdf(&state, &c).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"certificate-{}.pdf\"", c.number),
        ))
        .body(bytes))
}

/// The holder's Open Badges 3.0 credential (only for a valid certificate).
#[get("/my/certificates/{number}/badge.json")]
pub async fn badge(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.signed_in()?;
    let c = certificates::held_by(&state, user.user_id, &user.roles, &path).await?;
    let (credential, _) = certificates::signed_badge(&state, &c).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"badge-{}.json\"", c.number),
        ))
        .json(credential))
}
