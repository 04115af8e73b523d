//! Exam session pages: administrators schedule and cancel sessions; candidates book,
//! move, cancel and start in their session; the invigilator's live view, refreshed by
//! `static/invigilation.js` from its JSON (and by a link without a script), with a form
//! per candidate and one for the whole room.

use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use serde::Deserialize;
use strum::IntoEnumIterator;
use time::{OffsetDateTime, PrimitiveDateTime, macros::format_description};
use uuid::Uuid;

use crate::app::exam_sessions::{self as sessions, SessionError, SessionInput};
use crate::app::invigilation::{self, Live, Request};
use crate::app::web_sessions::WebSession;
use crate::domain::exam_session::{ActionKind, ExamSession, ReasonCategory, SessionMode};
use crate::domain::role::Role;
use crate::state::AppState;
use crate::web::page::{self, Chrome, FormErrors, PageError, when};
use crate::web::papers;
use crate::web::session::Visitor;

impl From<SessionError> for PageError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::NotFound(_) => Self::NotFound,
            e @ (SessionError::Invalid { .. } | SessionError::Refused(..)) => {
                Self::Unexpected(anyhow::anyhow!(e.to_string()))
            }
            SessionError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

fn id_of(raw: &str) -> Result<Uuid, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

/// A session as the pages list it.
pub struct SessionRow {
    pub id: Uuid,
    pub title: String,
    pub window: String,
    pub place: String,
    pub seats: String,
    pub cutoff: String,
    pub status: &'static str,
    pub access_code: String,
    pub code: String,
}

fn row(state: &AppState, s: &ExamSession) -> SessionRow {
    SessionRow {
        id: s.id,
        title: papers::title_of(state, &s.qualification_code),
        window: format!("{} to {}", when(s.opens_at), when(s.closes_at)),
        place: match (&s.mode, &s.venue) {
            (SessionMode::Venue, Some(v)) => format!("At {v}"),
            _ => "Online, invigilated".into(),
        },
        seats: format!(
            "{} of {} seats left",
            s.capacity.saturating_sub(s.seats_taken),
            s.capacity
        ),
        cutoff: when(s.cutoff()),
        status: match s.status {
            crate::domain::exam_session::SessionStatus::Scheduled => "Scheduled",
            crate::domain::exam_session::SessionStatus::Cancelled => "Cancelled",
        },
        access_code: s.access_code.clone().unwrap_or_default(),
        code: s.qualification_code.clone(),
    }
}

/// `2026-12-10T09:00` (a datetime-local field), read as UTC.
fn parse_local(raw: &str) -> Option<OffsetDateTime> {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    PrimitiveDateTime::parse(raw.trim(), &format)
        .ok()
        .map(|t| t.assume_utc())
}

#[derive(Template)]
#[template(path = "web/admin/sessions.html")]
struct AdminSessionsPage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    sessions: Vec<SessionRow>,
    qualifications: Vec<(String, String)>,
    form: CreateForm,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CreateForm {
    csrf: String,
    qualification: String,
    opens_at: String,
    closes_at: String,
    mode: String,
    venue: String,
    capacity: String,
    invigilator: String,
    requires_admission: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn admin_page(
    state: &AppState,
    visitor: &Visitor,
    form: CreateForm,
    errors: FormErrors,
) -> Result<AdminSessionsPage, PageError> {
    let list = sessions::list_all(state).await?;
    Ok(AdminSessionsPage {
        chrome: Chrome::new(visitor, "Exam sessions"),
        errors,
        notice: None,
        sessions: list.iter().map(|s| row(state, s)).collect(),
        qualifications: papers::papers(state)
            .into_iter()
            .map(|p| (p.code.clone(), p.title.clone()))
            .collect(),
        form,
    })
}

#[get("/admin/sessions")]
pub async fn admin_list(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let mut page = admin_page(&state, &visitor, CreateForm::default(), FormErrors::new()).await?;
    page.notice = match query.done.as_deref() {
        Some("created") => Some("The session is scheduled."),
        Some("cancelled") => Some("The session is cancelled, with its bookings."),
        _ => None,
    };
    page::ok(&visitor, &page)
}

#[post("/admin/sessions")]
pub async fn admin_create(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let form = form.into_inner();
    let invalid = |field: &str, message: &str| FormErrors::one(field, message);
    let parsed = (|| {
        let opens_at = parse_local(&form.opens_at)
            .ok_or_else(|| invalid("opens_at", "Give the opening time (UTC)."))?;
        let closes_at = parse_local(&form.closes_at)
            .ok_or_else(|| invalid("closes_at", "Give the closing time (UTC)."))?;
        let mode = form
            .mode
            .parse::<SessionMode>()
            .map_err(|_| invalid("mode", "Choose how the session is delivered."))?;
        let capacity = form
            .capacity
            .trim()
            .parse::<u32>()
            .map_err(|_| invalid("capacity", "Give the number of seats (1 to 500)."))?;
        Ok::<_, FormErrors>((opens_at, closes_at, mode, capacity))
    })();
    let outcome = match parsed {
        Err(errors) => Err(errors),
        Ok((opens_at, closes_at, mode, capacity)) => {
            match sessions::account_by_email(&state, &form.invigilator).await? {
                None => Err(invalid(
                    "invigilator",
                    "No account has this e-mail address.",
                )),
                Some(invigilator_id) => {
                    let venue = Some(form.venue.trim().to_owned()).filter(|v| !v.is_empty());
                    match sessions::create(
                        &state,
                        admin.user_id,
                        SessionInput {
                            qualification_code: form.qualification.clone(),
                            opens_at,
                            closes_at,
                            mode,
                            venue,
                            capacity,
                            invigilator_id,
                            requires_admission: form.requires_admission.is_some(),
                            reschedule_cutoff_hours: None,
                        },
                    )
                    .await
                    {
                        Ok(_) => Ok(()),
                        Err(SessionError::Invalid { field, message }) => {
                            let field = if field == "invigilator_id" {
                                "invigilator"
                            } else {
                                field
                            };
                            Err(FormErrors::one(
                                field,
                                format!("{}.", page::capitalized(&message)),
                            ))
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
    };
    match outcome {
        Ok(()) => Ok(page::see_other(&visitor, "/admin/sessions?done=created")),
        Err(errors) => {
            let page = admin_page(&state, &visitor, form, errors).await?;
            page::html(&visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlainForm {
    csrf: String,
}

#[post("/admin/sessions/{id}/cancel")]
pub async fn admin_cancel(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<PlainForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id = id_of(&path)?;
    match sessions::cancel(&state, admin.user_id, id).await {
        Ok(_) | Err(SessionError::Refused(..)) => {
            Ok(page::see_other(&visitor, "/admin/sessions?done=cancelled"))
        }
        Err(e) => Err(e.into()),
    }
}

/// A candidate's booking as their page shows it.
pub struct BookingRow {
    pub id: Uuid,
    pub session: SessionRow,
    pub status: &'static str,
    pub held: bool,
    pub admitted: bool,
    pub requires_admission: bool,
    /// Other sessions of the same qualification it may move to.
    pub alternatives: Vec<SessionRow>,
}

#[derive(Template)]
#[template(path = "web/my_sessions.html")]
struct MySessionsPage {
    chrome: Chrome,
    notice: Option<String>,
    problem: Option<String>,
    bookings: Vec<BookingRow>,
    bookable: Vec<SessionRow>,
}

async fn my_page(
    state: &AppState,
    visitor: &Visitor,
    user: &WebSession,
) -> Result<MySessionsPage, PageError> {
    let mine = sessions::mine(state, user.user_id).await?;
    let mut open = Vec::new();
    for p in papers::papers(state) {
        open.extend(sessions::bookable(state, &p.code).await?);
    }
    let mut bookings = Vec::new();
    for b in &mine {
        use crate::domain::exam_session::BookingStatus as S;
        bookings.push(BookingRow {
            id: b.booking.id,
            session: row(state, &b.session),
            status: match b.booking.status {
                S::Booked => "Booked",
                S::Started => "Started",
                S::Cancelled => "Cancelled",
                S::NoShow => "Did not attend",
            },
            held: b.booking.status == S::Booked,
            admitted: b.booking.admitted_at.is_some(),
            requires_admission: b.session.requires_admission,
            alternatives: open
                .iter()
                .filter(|s| {
                    s.qualification_code == b.session.qualification_code && s.id != b.session.id
                })
                .map(|s| row(state, s))
                .collect(),
        });
    }
    Ok(MySessionsPage {
        chrome: Chrome::new(visitor, "Exam sessions"),
        notice: None,
        problem: None,
        bookings,
        bookable: open.iter().map(|s| row(state, s)).collect(),
    })
}

#[get("/my/sessions")]
pub async fn my_sessions(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.with_role(Role::Candidate)?;
    let mut page = my_page(&state, &visitor, user).await?;
    page.notice = match query.done.as_deref() {
        Some("booked") => Some("Your seat is booked.".into()),
        Some("moved") => Some("Your booking has moved.".into()),
        Some("cancelled") => Some("Your booking is cancelled.".into()),
        _ => None,
    };
    page::ok(&visitor, &page)
}

async fn after_booking(
    state: &AppState,
    visitor: &Visitor,
    user: &WebSession,
    outcome: Result<(), SessionError>,
    done: &str,
) -> Result<HttpResponse, PageError> {
    match outcome {
        Ok(()) => Ok(page::see_other(
            visitor,
            &format!("/my/sessions?done={done}"),
        )),
        Err(e @ (SessionError::Refused(..) | SessionError::Invalid { .. })) => {
            let mut page = my_page(state, visitor, user).await?;
            page.problem = Some(format!("{}.", page::capitalized(&e.to_string())));
            page::html(visitor, StatusCode::CONFLICT, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[post("/my/sessions/{id}/book")]
pub async fn my_book(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<PlainForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let user = visitor.with_role(Role::Candidate)?;
    let id = id_of(&path)?;
    let outcome = sessions::book(&state, user.user_id, id).await.map(|_| ());
    after_booking(&state, &visitor, user, outcome, "booked").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MoveForm {
    csrf: String,
    session: String,
}

#[post("/my/bookings/{id}/reschedule")]
pub async fn my_reschedule(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let user = visitor.with_role(Role::Candidate)?;
    let id = id_of(&path)?;
    let Ok(to) = form.session.parse::<Uuid>() else {
        let outcome = Err(SessionError::Invalid {
            field: "session",
            message: "choose the session to move to".into(),
        });
        return after_booking(&state, &visitor, user, outcome, "moved").await;
    };
    let outcome = sessions::reschedule(&state, user.user_id, id, to)
        .await
        .map(|_| ());
    after_booking(&state, &visitor, user, outcome, "moved").await
}

#[post("/my/bookings/{id}/cancel")]
pub async fn my_cancel(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<PlainForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let user = visitor.with_role(Role::Candidate)?;
    let id = id_of(&path)?;
    let outcome = sessions::cancel_booking(&state, user.user_id, id)
        .await
        .map(|_| ());
    after_booking(&state, &visitor, user, outcome, "cancelled").await
}

/// The invigilator (or an administrator) signed in, or 403.
fn invigilating(visitor: &Visitor) -> Result<&WebSession, PageError> {
    let user = visitor.signed_in()?;
    if user.has(Role::Invigilator) || user.has(Role::Admin) {
        Ok(user)
    } else {
        Err(PageError::Forbidden)
    }
}

#[derive(Template)]
#[template(path = "web/invigilation.html")]
struct InvigilationListPage {
    chrome: Chrome,
    sessions: Vec<SessionRow>,
}

#[get("/invigilation")]
pub async fn invigilation_list(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, PageError> {
    let user = invigilating(&visitor)?;
    let list = invigilation::sessions_of(&state, user.user_id, &user.roles).await?;
    page::ok(
        &visitor,
        &InvigilationListPage {
            chrome: Chrome::new(&visitor, "Your exam sessions"),
            sessions: list.iter().map(|s| row(&state, s)).collect(),
        },
    )
}

pub struct LiveRow {
    pub booking: Uuid,
    pub name: String,
    pub state: &'static str,
    pub last_seen: String,
    pub answered: u64,
    pub remaining: String,
    pub total_minutes: String,
    /// Which device holds the sitting in progress ("–" otherwise).
    pub device: String,
}

#[derive(Template)]
#[template(path = "web/invigilation_live.html")]
struct LivePage {
    chrome: Chrome,
    session: SessionRow,
    rows: Vec<LiveRow>,
    actions: Vec<(String, String, String, String)>,
    reasons: Vec<(String, &'static str)>,
    notice: Option<String>,
    problem: Option<String>,
}

fn remaining_text(seconds: Option<i64>) -> String {
    seconds
        .map(crate::web::exam::clock_text)
        .unwrap_or_else(|| "–".into())
}

fn live_rows(live: &Live) -> Vec<LiveRow> {
    live.rows
        .iter()
        .map(|r| LiveRow {
            booking: r.booking.id,
            name: r.name.clone(),
            state: r.state.label(),
            last_seen: r.last_seen.map(when).unwrap_or_else(|| "–".into()),
            answered: r.answered,
            remaining: remaining_text(r.remaining_seconds),
            total_minutes: r.total_minutes.map(|m| m.to_string()).unwrap_or_default(),
            device: r
                .device
                .map(|d| d.describe(when))
                .unwrap_or_else(|| "–".into()),
        })
        .collect()
}

async fn live_page(
    state: &AppState,
    visitor: &Visitor,
    user: &WebSession,
    id: Uuid,
) -> Result<LivePage, PageError> {
    let snapshot = invigilation::live(state, user.user_id, &user.roles, id).await?;
    Ok(LivePage {
        chrome: Chrome::new(visitor, "Invigilation"),
        session: row(state, &snapshot.session),
        rows: live_rows(&snapshot),
        actions: snapshot
            .actions
            .iter()
            .map(|a| {
                (
                    when(a.acted_at),
                    a.action.clone(),
                    a.reason
                        .parse::<ReasonCategory>()
                        .map(|r| r.label().to_owned())
                        .unwrap_or_else(|_| a.reason.clone()),
                    a.note.clone().unwrap_or_default(),
                )
            })
            .collect(),
        reasons: ReasonCategory::iter()
            .map(|r| (r.as_ref().to_owned(), r.label()))
            .collect(),
        notice: None,
        problem: None,
    })
}

#[get("/invigilation/sessions/{id}")]
pub async fn live_view(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    let user = invigilating(&visitor)?;
    let id = id_of(&path)?;
    let mut page = live_page(&state, &visitor, user, id).await?;
    page.notice = query.done.as_ref().map(|_| "Done and recorded.".to_owned());
    page::ok(&visitor, &page)
}

/// The live view's JSON for its script (the page's session cookie, no bearer token).
#[get("/invigilation/sessions/{id}/state")]
pub async fn live_state(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = invigilating(&visitor)?;
    let id = id_of(&path)?;
    let snapshot = invigilation::live(&state, user.user_id, &user.roles, id).await?;
    let rows: Vec<serde_json::Value> = live_rows(&snapshot)
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "booking_id": r.booking, "state": r.state, "last_seen": r.last_seen,
                "answered": r.answered, "remaining": r.remaining,
                "total_minutes": r.total_minutes, "device": r.device,
            })
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "candidates": rows })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    csrf: String,
    action: String,
    reason: String,
    minutes: String,
    note: String,
}

fn request_of(form: &ActionForm) -> Result<Request, String> {
    let action = form
        .action
        .parse::<ActionKind>()
        .map_err(|_| "Choose an action.".to_owned())?;
    let reason = form
        .reason
        .parse::<ReasonCategory>()
        .map_err(|_| "Choose the reason for the action.".to_owned())?;
    let minutes = match (action, form.minutes.trim()) {
        (ActionKind::Extend, m) => Some(
            m.parse::<u32>()
                .map_err(|_| "Give the minutes to add (1 to 240).".to_owned())?,
        ),
        _ => None,
    };
    let note = Some(form.note.trim().to_owned()).filter(|n| !n.is_empty());
    Ok(Request {
        action,
        reason,
        note,
        minutes,
    })
}

async fn after_action(
    state: &AppState,
    visitor: &Visitor,
    user: &WebSession,
    id: Uuid,
    outcome: Result<(), SessionError>,
) -> Result<HttpResponse, PageError> {
    let problem = match outcome {
        Ok(()) => {
            return Ok(page::see_other(
                visitor,
                &format!("/invigilation/sessions/{id}?done=1"),
            ));
        }
        Err(e @ (SessionError::Refused(..) | SessionError::Invalid { .. })) => e.to_string(),
        Err(e) => return Err(e.into()),
    };
    let mut page = live_page(state, visitor, user, id).await?;
    page.problem = Some(format!(
        "{}.",
        page::capitalized(problem.trim_end_matches('.'))
    ));
    page::html(visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[post("/invigilation/sessions/{id}/candidates/{booking}/actions")]
pub async fn act(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(String, String)>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let user = invigilating(&visitor)?;
    let id = id_of(&path.0)?;
    let booking = id_of(&path.1)?;
    invigilation::session_for(&state, user.user_id, &user.roles, id).await?;
    let outcome = match request_of(&form) {
        Ok(request) => {
            invigilation::act(&state, user.user_id, &user.roles, id, booking, &request).await
        }
        Err(message) => Err(SessionError::Invalid {
            field: "action",
            message,
        }),
    };
    after_action(&state, &visitor, user, id, outcome).await
}

#[post("/invigilation/sessions/{id}/actions")]
pub async fn act_on_room(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let user = invigilating(&visitor)?;
    let id = id_of(&path)?;
    invigilation::session_for(&state, user.user_id, &user.roles, id).await?;
    let outcome = match request_of(&form) {
        Ok(request) => invigilation::act_on_room(&state, user.user_id, &user.roles, id, &request)
            .await
            .map(|_| ()),
        Err(message) => Err(SessionError::Invalid {
            field: "action",
            message,
        }),
    };
    after_action(&state, &visitor, user, id, outcome).await
}
