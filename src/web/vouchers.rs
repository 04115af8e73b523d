//! Voucher pages: an administrator issues a batch to a training organization (the codes
//! are shown once, on the page or as a CSV download); its staff assign vouchers to
//! delegates, one by one or from pasted CSV rows; a candidate sees their vouchers and
//! redeems a code they were given.

use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::vouchers::{self as use_case, AssignmentResult, Filter, VoucherError};
use crate::domain::ato::spreadsheet_safe;
use crate::domain::role::Role;
use crate::domain::values::EmailAddress;
use crate::domain::voucher::{VoucherCode, VoucherRecord};
use crate::state::AppState;
use crate::web::page::{self, Chrome, FormErrors, PageError, date, when};
use crate::web::session::Visitor;

/// The largest pasted assignment list, as by the API.
const ASSIGNMENTS_MAX_BYTES: usize = 256 * 1024;

/// Mounts the voucher pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(admin_page)
        .service(admin_issue)
        .service(staff_page)
        .service(staff_assign)
        .service(
            web::resource("/ato/vouchers/assignments")
                .app_data(web::FormConfig::default().limit(3 * ASSIGNMENTS_MAX_BYTES + 4096))
                .route(web::post().to(staff_upload)),
        )
        .service(my_page)
        .service(my_redeem);
}

impl From<VoucherError> for PageError {
    fn from(e: VoucherError) -> Self {
        match e {
            VoucherError::NotStaff => PageError::Forbidden,
            VoucherError::NoSuchAto | VoucherError::NoSuchVoucher => PageError::NotFound,
            e => PageError::Unexpected(anyhow::anyhow!("{e}")),
        }
    }
}

/// One voucher as a row of a table.
pub struct Row {
    pub id: Uuid,
    pub last4: String,
    pub qualification: String,
    pub state: String,
    pub valid: String,
    pub issued: bool,
    pub detail: String,
}

fn rows(state: &AppState, vouchers: Vec<VoucherRecord>) -> Vec<Row> {
    let now = state.clock.now();
    vouchers
        .into_iter()
        .map(|v| {
            let s = v.state_at(now);
            let detail = match (&v.void_reason, v.consumed_at, v.assigned_at) {
                (Some(reason), _, _) => format!("void: {reason}"),
                (_, Some(at), _) => format!("used {}", when(at)),
                (_, _, Some(at)) => format!("assigned {}", when(at)),
                _ => String::new(),
            };
            Row {
                id: v.id,
                last4: v.code_last4,
                qualification: v.qualification,
                state: s.as_ref().to_owned(),
                valid: format!(
                    "{} to {}",
                    date(v.valid_from.date()),
                    date((v.expires_at - time::Duration::seconds(1)).date())
                ),
                issued: s == crate::domain::voucher::VoucherState::Issued,
                detail,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "web/vouchers/admin.html")]
struct AdminPage {
    chrome: Chrome,
    errors: FormErrors,
    ato_id: Uuid,
    ato_name: String,
    qualifications: Vec<(String, String)>,
    form: BatchForm,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "web/vouchers/codes.html")]
struct CodesPage {
    chrome: Chrome,
    ato_id: Uuid,
    ato_name: String,
    qualification: String,
    valid: String,
    codes: Vec<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct BatchForm {
    csrf: String,
    qualification: String,
    count: String,
    valid_from: String,
    expires_on: String,
    /// `csv` to download the codes instead of showing them.
    format: String,
}

fn qualifications(state: &AppState) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (_, q) in state.catalog.offered() {
        if !out.iter().any(|(c, _)| *c == q.qualification.code) {
            out.push((q.qualification.code.clone(), q.qualification.title.clone()));
        }
    }
    out
}

async fn admin_view(
    state: &AppState,
    visitor: &Visitor,
    ato_id: Uuid,
    form: BatchForm,
    errors: FormErrors,
) -> Result<AdminPage, PageError> {
    let ato = crate::app::atos::get(state, ato_id)
        .await
        .map_err(|_| PageError::NotFound)?;
    let filter = Filter {
        ato: Some(ato_id),
        ..Filter::default()
    };
    let list = use_case::list(state, &filter, None, 100).await?;
    Ok(AdminPage {
        chrome: Chrome::new(visitor, format!("Vouchers of {}", ato.ato.name)),
        errors,
        ato_id,
        ato_name: ato.ato.name,
        qualifications: qualifications(state),
        form,
        rows: rows(state, list.items),
    })
}

#[get("/admin/atos/{id}/vouchers")]
pub async fn admin_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let id = path.parse().map_err(|_| PageError::NotFound)?;
    let form = BatchForm {
        count: "10".into(),
        valid_from: state.clock.now().date().to_string(),
        ..BatchForm::default()
    };
    let page = admin_view(&state, &visitor, id, form, FormErrors::new()).await?;
    page::ok(&visitor, &page)
}

/// Issues a batch and answers with its codes: on a page, or as a CSV file. Either way
/// this is the only time they are shown.
#[post("/admin/atos/{id}/vouchers")]
pub async fn admin_issue(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<BatchForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id: Uuid = path.parse().map_err(|_| PageError::NotFound)?;
    let form = form.into_inner();
    let count = form.count.trim().parse::<i64>().unwrap_or(0);
    let parsed = use_case::parse_batch(
        &state,
        &form.qualification,
        count,
        &form.valid_from,
        &form.expires_on,
    );
    let batch = match parsed {
        Ok(batch) => batch,
        Err(VoucherError::Invalid(errors)) => {
            let mut shown = FormErrors::new();
            for e in errors.iter() {
                shown.add(
                    &e.field,
                    format!("{} {}.", page::label_of(&e.field), e.message),
                );
            }
            let page = admin_view(&state, &visitor, id, form, shown).await?;
            return page::html(&visitor, StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(e) => return Err(e.into()),
    };
    let issued = match use_case::issue(&state, Some(id), &batch, admin.user_id).await {
        Ok(issued) => issued,
        Err(e @ VoucherError::NotAccredited(_)) => {
            let mut shown = FormErrors::new();
            shown.add(
                "qualification",
                format!("{}.", page::capitalized(&e.to_string())),
            );
            let page = admin_view(&state, &visitor, id, form, shown).await?;
            return page::html(&visitor, StatusCode::CONFLICT, &page);
        }
        Err(e) => return Err(e.into()),
    };
    let codes: Vec<String> = issued.vouchers.iter().map(|(_, c)| c.grouped()).collect();
    let ato_name = issued.ato.map(|a| a.name).unwrap_or_default();
    if form.format == "csv" {
        let mut csv = String::from("code,qualification,valid_from,expires_on\n");
        for code in &codes {
            csv.push_str(&format!(
                "{code},{},{},{}\n",
                spreadsheet_safe(&batch.qualification),
                batch.valid_from.date(),
                (batch.expires_at - time::Duration::seconds(1)).date()
            ));
        }
        let response = HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"vouchers-{}.csv\"", issued.batch_id),
            ))
            .insert_header(("Cache-Control", "no-store"))
            .body(csv);
        return Ok(visitor.finish(response));
    }
    let page = CodesPage {
        chrome: Chrome::new(&visitor, "Vouchers issued"),
        ato_id: id,
        ato_name,
        qualification: batch.qualification.clone(),
        valid: format!(
            "{} to {}",
            date(batch.valid_from.date()),
            date((batch.expires_at - time::Duration::seconds(1)).date())
        ),
        codes,
    };
    page::html(&visitor, StatusCode::CREATED, &page)
}

#[derive(Template)]
#[template(path = "web/vouchers/staff.html")]
struct StaffPage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<String>,
    rows: Vec<Row>,
    any_issued: bool,
    /// The e-mail typed for the voucher whose form came back, with its id.
    typed: Option<(Uuid, String)>,
    pasted: String,
    report: Vec<(usize, String, String)>,
}

async fn staff_view(
    state: &AppState,
    visitor: &Visitor,
    staff: Uuid,
) -> Result<StaffPage, PageError> {
    let list = use_case::list_for_staff(state, staff, Filter::default(), None, 100).await?;
    let rows = rows(state, list.items);
    Ok(StaffPage {
        chrome: Chrome::new(visitor, "Vouchers"),
        errors: FormErrors::new(),
        notice: None,
        any_issued: rows.iter().any(|r| r.issued),
        rows,
        typed: None,
        pasted: String::new(),
        report: Vec::new(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

#[get("/ato/vouchers")]
pub async fn staff_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    let staff = visitor.with_role(Role::AtoStaff)?.user_id;
    let mut page = staff_view(&state, &visitor, staff).await?;
    if query.done == "assigned" {
        page.notice =
            Some("The voucher is assigned. The delegate sees it on their dashboard.".into());
    }
    page::ok(&visitor, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AssignForm {
    csrf: String,
    email: String,
}

#[post("/ato/vouchers/{id}/assignment")]
pub async fn staff_assign(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<AssignForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let staff = visitor.with_role(Role::AtoStaff)?.user_id;
    let id: Uuid = path.parse().map_err(|_| PageError::NotFound)?;
    let field = format!("email-{id}");
    let (status, message) = match EmailAddress::parse(&form.email) {
        Err(m) => (StatusCode::UNPROCESSABLE_ENTITY, format!("E-mail {m}.")),
        Ok(email) => match use_case::assign(&state, staff, id, &email).await {
            Ok(_) => return Ok(page::see_other(&visitor, "/ato/vouchers?done=assigned")),
            Err(e @ VoucherError::NotADelegate) => {
                (StatusCode::UNPROCESSABLE_ENTITY, format!("E-mail {e}."))
            }
            Err(e @ VoucherError::WrongState(..)) => (StatusCode::CONFLICT, format!("{e}.")),
            Err(e) => return Err(e.into()),
        },
    };
    let mut page = staff_view(&state, &visitor, staff).await?;
    if !page.rows.iter().any(|r| r.id == id) {
        return Err(PageError::NotFound);
    }
    page.errors = FormErrors::one(&field, message);
    page.typed = Some((id, form.email.clone()));
    page::html(&visitor, status, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UploadForm {
    csrf: String,
    rows: String,
}

/// Assigns pasted rows and shows what happened to each; the report is the answer itself.
pub async fn staff_upload(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<UploadForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let staff = visitor.with_role(Role::AtoStaff)?.user_id;
    use_case::ato_of(&state, staff).await?;
    let pasted = form.rows.clone();
    let outcome = if pasted.trim().is_empty() {
        Err("Rows: paste the rows, starting with the header line email,qualification.".to_owned())
    } else if pasted.len() > ASSIGNMENTS_MAX_BYTES {
        Err("Rows are larger than 256 KB: send them in smaller parts.".to_owned())
    } else {
        match use_case::assign_csv(&state, staff, pasted.as_bytes()).await {
            Ok(report) => Ok(report),
            Err(VoucherError::BadUpload(m)) => Err(format!("Rows: {m}.")),
            Err(e) => return Err(e.into()),
        }
    };
    let mut page = staff_view(&state, &visitor, staff).await?;
    page.pasted = pasted;
    let status = match outcome {
        Err(message) => {
            page.errors = FormErrors::one("rows", message);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Ok(report) => {
            page.report = report
                .into_iter()
                .map(|r| {
                    let who = r.email.unwrap_or_default();
                    let what = match r.result {
                        AssignmentResult::Assigned { code_last4, .. } => {
                            format!("assigned voucher …{code_last4}")
                        }
                        AssignmentResult::AlreadyAssigned => {
                            "already holds an unused voucher of yours for it".to_owned()
                        }
                        AssignmentResult::Rejected(reason) => format!("not assigned: {reason}"),
                    };
                    (r.row, who, what)
                })
                .collect();
            StatusCode::OK
        }
    };
    page::html(&visitor, status, &page)
}

#[derive(Template)]
#[template(path = "web/vouchers/mine.html")]
struct MyPage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<String>,
    rows: Vec<Row>,
    code: String,
}

async fn my_view(state: &AppState, visitor: &Visitor, me: Uuid) -> Result<MyPage, PageError> {
    let list = use_case::of_candidate(state, me, None, 100).await?;
    Ok(MyPage {
        chrome: Chrome::new(visitor, "My vouchers"),
        errors: FormErrors::new(),
        notice: None,
        rows: rows(state, list.items),
        code: String::new(),
    })
}

#[get("/my/vouchers")]
pub async fn my_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    let me = visitor.with_role(Role::Candidate)?.user_id;
    let mut page = my_view(&state, &visitor, me).await?;
    if query.done == "redeemed" {
        page.notice = Some("The voucher is yours: it is used when you start the paper.".into());
    }
    page::ok(&visitor, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RedeemForm {
    csrf: String,
    code: String,
}

#[post("/my/vouchers")]
pub async fn my_redeem(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<RedeemForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let me = visitor.with_role(Role::Candidate)?.user_id;
    let (status, message) = match VoucherCode::parse(&form.code) {
        Err(m) => (StatusCode::UNPROCESSABLE_ENTITY, format!("Code {m}.")),
        Ok(code) => match use_case::redeem(&state, me, &code).await {
            Ok(_) => return Ok(page::see_other(&visitor, "/my/vouchers?done=redeemed")),
            Err(e @ VoucherError::UnknownCode) => (StatusCode::NOT_FOUND, format!("Code: {e}.")),
            Err(e @ VoucherError::WrongState(..)) => (StatusCode::CONFLICT, format!("Code: {e}.")),
            Err(e) => return Err(e.into()),
        },
    };
    let mut page = my_view(&state, &visitor, me).await?;
    page.errors = FormErrors::one("code", message);
    page.code = form.code.clone();
    page::html(&visitor, status, &page)
}
