//! Data protection: everything held about a person as one document (their right of
//! access), erasure at their request (by an administrator), and the retention periods
//! the sweeper applies. What a candidate's document says of their sittings is what the
//! result endpoints already show them (their own responses, the score and the areas the
//! disclosure policy allows): never an item, a key, a rationale or another candidate.

use serde::Serialize;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use super::audit;
use super::paging::Page;
use super::sittings::{self, ReadSittingError};
use super::{cases, certificates, courses, evidence, exam_sessions, vouchers};
use crate::domain::ato::{Delivery, Outcome as CourseOutcome};
use crate::domain::audit::{Actor, TargetKind};
use crate::domain::case::{CaseKind, CaseState, Remedy};
use crate::domain::certificate::CertificateStatus;
use crate::domain::evidence::{Claim, ClaimKind, EvidenceStatus};
use crate::domain::exam_session::{BookingStatus, SessionMode};
use crate::domain::result_decision::ResultStatus;
use crate::domain::role::Role;
use crate::domain::scheme::Disclosure;
use crate::domain::scoring::Response;
use crate::domain::sitting::{self as sitting_rules, Closing, SittingStatus};
use crate::domain::voucher::VoucherState;
use crate::persistence::{begin_write, personal_data as repo, sittings as sitting_repo, users};
use crate::state::AppState;

/// How many rows of one kind are read at a time while the document is put together.
const PAGE: u64 = 100;

/// Everything held about one account, as its holder may see it.
#[derive(Serialize, ToSchema)]
pub struct PersonalData {
    /// When this document was produced.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub generated_at: OffsetDateTime,
    pub account: AccountData,
    /// Credentials and experience declared as evidence of prerequisites, with the
    /// decisions on them. Declarations carry no uploaded files.
    pub evidence: Vec<EvidenceData>,
    /// Extra time granted, oldest first (the last is in force).
    pub extra_time: Vec<ExtraTimeData>,
    /// Enrolments on training organizations' courses and the attendance recorded.
    pub courses: Vec<CourseData>,
    /// Sittings, newest first: the candidate's own responses and the result as the
    /// result endpoint shows it.
    pub sittings: Vec<SittingData>,
    pub certificates: Vec<CertificateData>,
    pub vouchers: Vec<VoucherData>,
    /// Seats booked in exam sessions.
    pub bookings: Vec<BookingData>,
    /// Appeals and complaints.
    pub cases: Vec<CaseData>,
    /// E-mails sent or queued to the account's address, oldest first.
    pub emails: Vec<EmailData>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountData {
    pub id: Uuid,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub roles: Vec<Role>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// When the address was confirmed; null while it is not.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub email_verified_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub disabled_at: Option<OffsetDateTime>,
    /// When the account's personal data was erased at its holder's request.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub erased_at: Option<OffsetDateTime>,
    /// Whether the holder chose to appear in the public register.
    pub listed_in_register: bool,
}

#[derive(Serialize, ToSchema)]
pub struct EvidenceData {
    pub id: Uuid,
    pub kind: ClaimKind,
    /// For a credential: which one, who issued it, its number and date.
    pub credential: Option<String>,
    pub issuer: Option<String>,
    pub certificate_number: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub issued_on: Option<String>,
    /// For audit experience: the years and the description given (cleared once the
    /// retention period after the decision has passed).
    pub years: Option<u32>,
    pub description: Option<String>,
    pub status: EvidenceStatus,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<OffsetDateTime>,
    pub decision_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ExtraTimeData {
    pub percent: u32,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub granted_at: OffsetDateTime,
}

#[derive(Serialize, ToSchema)]
pub struct CourseData {
    pub enrolment_id: Uuid,
    pub title: String,
    pub training_organization: String,
    pub qualification: String,
    #[schema(value_type = String, format = Date)]
    pub starts_on: String,
    #[schema(value_type = String, format = Date)]
    pub ends_on: String,
    pub delivery: Delivery,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub accepted_at: Option<OffsetDateTime>,
    /// The attendance the organization recorded; null until it does.
    pub outcome: Option<CourseOutcome>,
}

#[derive(Serialize, ToSchema)]
pub struct SittingData {
    pub id: Uuid,
    pub qualification: String,
    pub qualification_title: String,
    pub edition: String,
    pub status: SittingStatus,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub deadline: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<OffsetDateTime>,
    pub extra_time_percent: u32,
    /// The exam session it was sat in, if any.
    pub session_id: Option<Uuid>,
    /// Once scored; null in progress and for a voided sitting.
    pub result: Option<ResultData>,
    /// The responses saved, by question number. Empty once the retention period for
    /// closed sittings removed them (the result stays).
    pub responses: Vec<ResponseData>,
}

#[derive(Serialize, ToSchema)]
pub struct ResultData {
    pub score: u32,
    pub max_score: u32,
    pub pass_mark: u32,
    pub passed: bool,
    pub areas: Vec<AreaData>,
    /// What the qualification's policy shows: `areas`, or `questions` too.
    pub disclosure: Disclosure,
    /// Per question, only under the `questions` policy.
    pub questions: Vec<QuestionData>,
    pub certificate_number: Option<String>,
    pub result_status: ResultStatus,
}

#[derive(Serialize, ToSchema)]
pub struct AreaData {
    pub area: String,
    pub title: String,
    pub score: u32,
    pub max_score: u32,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionData {
    pub question: u32,
    pub score: u32,
    pub max_score: u32,
}

#[derive(Serialize, ToSchema)]
pub struct ResponseData {
    pub number: u32,
    pub response: Response,
}

#[derive(Serialize, ToSchema)]
pub struct CertificateData {
    pub number: String,
    pub qualification: String,
    pub qualification_title: String,
    pub edition_title: String,
    pub holder_name: String,
    #[schema(value_type = String, format = Date)]
    pub issued_on: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<String>,
    pub status: CertificateStatus,
    pub status_reason: Option<String>,
    /// The code in the certificate's verification link.
    pub verification_code: String,
}

#[derive(Serialize, ToSchema)]
pub struct VoucherData {
    pub id: Uuid,
    pub code_last4: String,
    pub qualification: String,
    pub state: VoucherState,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub assigned_at: Option<OffsetDateTime>,
    pub sitting_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub consumed_at: Option<OffsetDateTime>,
    pub void_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BookingData {
    pub id: Uuid,
    pub session_id: Uuid,
    pub qualification: String,
    pub mode: SessionMode,
    pub venue: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub opens_at: OffsetDateTime,
    pub status: BookingStatus,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub booked_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub admitted_at: Option<OffsetDateTime>,
    pub sitting_id: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseData {
    pub id: Uuid,
    pub kind: CaseKind,
    pub state: CaseState,
    pub about: Option<String>,
    pub statement: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub received_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<OffsetDateTime>,
    pub reasons: Option<String>,
    pub remedy: Option<Remedy>,
    pub remedy_detail: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub withdrawn_at: Option<OffsetDateTime>,
}

#[derive(Serialize, ToSchema)]
pub struct EmailData {
    pub id: Uuid,
    /// The subject as held (`result` for a sitting's result, whose text is written when
    /// it is sent and not kept).
    pub subject: String,
    /// The plain-text body as held, with the one-time token of any link removed; empty
    /// for a result message and once the retention period for e-mail bodies passed.
    pub body: String,
    /// The sitting a result message is about.
    pub about_sitting: Option<Uuid>,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub queued_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<OffsetDateTime>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the account no longer exists")]
    Gone,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for ExportError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// Every page of a list, one after another.
async fn all<T, E, F, Fut>(mut page: F) -> anyhow::Result<Vec<T>>
where
    F: FnMut(Option<Uuid>) -> Fut,
    Fut: Future<Output = Result<Page<T>, E>>,
    E: Into<anyhow::Error>,
{
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let p = page(cursor).await.map_err(Into::into)?;
        out.extend(p.items);
        match p.next {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

/// Replaces the secret token of every link (`#token=…`) with a mark: a link that still
/// works must not travel in a downloaded file.
pub fn without_link_tokens(body: &str) -> String {
    const MARK: &str = "#token=";
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at + MARK.len()]);
        out.push_str("(removed)");
        rest = rest[at + MARK.len()..].trim_start_matches(|c: char| {
            c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' || c == '~'
        });
    }
    out.push_str(rest);
    out
}

/// The document of everything held about `user_id`, as its holder may see it.
#[tracing::instrument(skip(state))]
pub async fn export(state: &AppState, user_id: Uuid) -> Result<PersonalData, ExportError> {
    let now = state.clock.now();
    let user = users::find_by_id(&state.db, user_id)
        .await?
        .ok_or(ExportError::Gone)?;
    let roles = users::roles_of(&state.db, user_id).await?;
    let listed = certificates::is_listed(state, user_id)
        .await
        .map_err(anyhow::Error::from)?;

    let evidence_rows = all(|c| evidence::of_candidate(state, user_id, c, PAGE)).await?;
    // Extra time is granted to candidates only.
    let grants = if roles.contains(&Role::Candidate) {
        all(|c| evidence::extra_time_history(state, user_id, c, PAGE)).await?
    } else {
        Vec::new()
    };
    let course_rows = all(|c| courses::of_candidate(state, user_id, c, PAGE)).await?;
    let sitting_rows = all(|c| sittings::of_candidate(state, user_id, c, PAGE, now)).await?;
    let certificate_rows = all(|c| certificates::of_holder(state, user_id, c, PAGE)).await?;
    let voucher_rows = all(|c| vouchers::of_candidate(state, user_id, c, PAGE)).await?;
    let case_rows = all(|c| cases::of_candidate(state, user_id, c, PAGE)).await?;
    let bookings = exam_sessions::mine(state, user_id)
        .await
        .map_err(anyhow::Error::from)?;
    let emails = repo::emails_to(&state.db, &user.email).await?;

    let mut sittings_out = Vec::with_capacity(sitting_rows.len());
    for s in sitting_rows {
        sittings_out.push(sitting_data(state, user_id, s, now).await?);
    }

    Ok(PersonalData {
        generated_at: now,
        account: AccountData {
            id: user.id,
            email: user.email,
            given_name: user.given_name,
            family_name: user.family_name,
            roles,
            created_at: user.created_at,
            email_verified_at: user.email_verified_at,
            disabled_at: user.disabled_at,
            erased_at: user.erased_at,
            listed_in_register: listed,
        },
        evidence: evidence_rows
            .into_iter()
            .map(|e| {
                let mut data = EvidenceData {
                    id: e.id,
                    kind: e.claim.kind(),
                    credential: None,
                    issuer: None,
                    certificate_number: None,
                    issued_on: None,
                    years: None,
                    description: None,
                    status: e.status,
                    submitted_at: e.submitted_at,
                    decided_at: e.decided_at,
                    decision_reason: e.decision_reason,
                };
                match e.claim {
                    Claim::Credential {
                        credential,
                        issuer,
                        certificate_number,
                        issued_on,
                    } => {
                        data.credential = Some(credential);
                        data.issuer = Some(issuer);
                        data.certificate_number =
                            Some(certificate_number).filter(|n| !n.is_empty());
                        data.issued_on = Some(issued_on.to_string());
                    }
                    Claim::AuditExperience { years, description } => {
                        data.years = Some(years);
                        data.description = Some(description).filter(|d| !d.is_empty());
                    }
                }
                data
            })
            .collect(),
        extra_time: grants
            .into_iter()
            .map(|g| ExtraTimeData {
                percent: g.percent,
                reason: g.reason,
                granted_at: g.granted_at,
            })
            .collect(),
        courses: course_rows
            .into_iter()
            .map(|c| CourseData {
                enrolment_id: c.enrolment_id,
                title: c.course.title,
                training_organization: c.ato_name,
                qualification: c.course.qualification,
                starts_on: c.course.starts_on.to_string(),
                ends_on: c.course.ends_on.to_string(),
                delivery: c.course.delivery,
                accepted_at: c.accepted_at,
                outcome: c.outcome,
            })
            .collect(),
        sittings: sittings_out,
        certificates: certificate_rows
            .into_iter()
            .map(|c| CertificateData {
                number: c.number,
                qualification: c.qualification,
                qualification_title: c.qualification_title,
                edition_title: c.edition_title,
                holder_name: c.holder_name,
                issued_on: c.issued_on.to_string(),
                expires_on: c.expires_on.map(|d: Date| d.to_string()),
                status: c.status,
                status_reason: c.status_reason,
                verification_code: c.verification_code,
            })
            .collect(),
        vouchers: voucher_rows
            .into_iter()
            .map(|v| VoucherData {
                state: v.state_at(now),
                id: v.id,
                code_last4: v.code_last4,
                qualification: v.qualification,
                expires_at: v.expires_at,
                assigned_at: v.assigned_at,
                sitting_id: v.sitting_id,
                consumed_at: v.consumed_at,
                void_reason: v.void_reason,
            })
            .collect(),
        bookings: bookings
            .into_iter()
            .map(|b| BookingData {
                id: b.booking.id,
                session_id: b.session.id,
                qualification: b.booking.qualification_code,
                mode: b.session.mode,
                venue: b.session.venue,
                opens_at: b.session.opens_at,
                status: b.booking.status,
                booked_at: b.booking.booked_at,
                admitted_at: b.booking.admitted_at,
                sitting_id: b.booking.sitting_id,
            })
            .collect(),
        cases: case_rows
            .into_iter()
            .map(|c| CaseData {
                id: c.id,
                kind: c.kind,
                state: c.state,
                about: c.about,
                statement: c.statement,
                received_at: c.received_at,
                decided_at: c.decided_at,
                reasons: c.reasons,
                remedy: c.remedy,
                remedy_detail: c.remedy_detail,
                withdrawn_at: c.withdrawn_at,
            })
            .collect(),
        emails: emails
            .into_iter()
            .map(|m| EmailData {
                id: m.id,
                subject: m.subject,
                body: without_link_tokens(&m.text_body),
                about_sitting: m.reference,
                status: m.status,
                queued_at: m.created_at,
                sent_at: m.sent_at,
            })
            .collect(),
    })
}

/// One sitting: the result through the same use case (and disclosure policy) as the
/// result endpoint, and the candidate's own responses.
async fn sitting_data(
    state: &AppState,
    user_id: Uuid,
    summary: sittings::SittingSummary,
    now: OffsetDateTime,
) -> Result<SittingData, ExportError> {
    let r = summary.record;
    let result = match sittings::outcome(state, r.id, user_id, &[Role::Candidate], now).await {
        Ok(o) => Some(ResultData {
            score: o.sheet.score,
            max_score: o.sheet.max_score,
            pass_mark: o.sheet.pass_mark,
            passed: o.sheet.passed,
            areas: o
                .sheet
                .areas
                .iter()
                .map(|a| AreaData {
                    area: a.area.clone(),
                    title: a.title.clone(),
                    score: a.score,
                    max_score: a.max_score,
                })
                .collect(),
            disclosure: o.disclosure,
            questions: o
                .sheet
                .questions
                .iter()
                .map(|q| QuestionData {
                    question: q.question,
                    score: q.score,
                    max_score: q.max_score,
                })
                .collect(),
            certificate_number: o.certificate_number,
            result_status: o.result_status,
        }),
        Err(ReadSittingError::InProgress { .. } | ReadSittingError::Voided) => None,
        Err(e) => return Err(ExportError::Unexpected(e.into())),
    };
    let responses = sittings::answers_of(state, r.id)
        .await?
        .into_iter()
        .map(|(number, response)| ResponseData { number, response })
        .collect();
    Ok(SittingData {
        id: r.id,
        qualification: r.qualification_code,
        qualification_title: summary.title,
        edition: r.edition,
        status: r.status,
        started_at: r.started_at,
        deadline: r.deadline,
        closed_at: r.closed_at,
        extra_time_percent: r.extra_time_percent,
        session_id: r.session_id,
        result,
        responses,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ErasureError {
    #[error("no such account")]
    NotFound,
    #[error("this account's personal data has already been erased")]
    AlreadyErased,
    #[error("you cannot erase your own account; another administrator can")]
    OwnAccount,
    #[error(
        "the account has a sitting in progress; erase it once the sitting has closed (at its deadline at the latest)"
    )]
    SittingInProgress,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for ErasureError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// The longest request reference accepted.
pub const REFERENCE_MAX: usize = 100;

/// The reference of an erasure request (a ticket or letter number): one line of at most
/// [`REFERENCE_MAX`] characters.
pub fn parse_reference(raw: &str) -> Result<String, String> {
    let text = crate::domain::values::parse_text(raw, REFERENCE_MAX)?;
    if text.contains(['\n', '\r', '\t']) {
        return Err("must be one line".into());
    }
    Ok(text)
}

/// What an erasure left in place of the person.
pub struct Erased {
    pub id: Uuid,
    /// The name the account and its certificates now carry.
    pub pseudonym: String,
    pub erased_at: OffsetDateTime,
}

/// The address an erased account holds: unique, and under the `.invalid` domain that
/// can never receive mail (RFC 2606).
pub fn placeholder_email(id: Uuid) -> String {
    format!("erased-{}@erased.invalid", id.simple())
}

/// An administrator erases an account's personal data at its holder's request, in one
/// transaction (see `persistence::personal_data::erase` for what goes and what stays),
/// recorded on the audit ledger with the request's reference and no personal data.
#[tracing::instrument(skip(state, reference))]
pub async fn erase(
    state: &AppState,
    admin: Uuid,
    id: Uuid,
    reference: &str,
) -> Result<Erased, ErasureError> {
    if admin == id {
        return Err(ErasureError::OwnAccount);
    }
    let now = state.clock.now();
    // A sitting past its deadline is closed (and scored) first, as the sweeper would.
    if let Some((sitting, deadline)) = sitting_repo::in_progress_for(&state.db, id).await? {
        if sitting_rules::is_open(now, deadline) {
            return Err(ErasureError::SittingInProgress);
        }
        sittings::close(state, sitting, Closing::Expire, now)
            .await
            .map_err(|e| anyhow::anyhow!("closing sitting {sitting}: {e}"))?;
    }
    let tx = begin_write(&state.db).await?;
    let user = users::find_by_id(&tx, id)
        .await?
        .ok_or(ErasureError::NotFound)?;
    if user.erased_at.is_some() {
        return Err(ErasureError::AlreadyErased);
    }
    if sitting_repo::in_progress_for(&tx, id).await?.is_some() {
        return Err(ErasureError::SittingInProgress);
    }
    let tag = Uuid::new_v4().simple().to_string();
    let family = format!("person {}", &tag[..8]);
    let placeholder = placeholder_email(id);
    let erased = repo::erase(
        &tx,
        &repo::Erasure {
            id,
            old_email: &user.email,
            given_name: "Erased",
            family_name: &family,
            placeholder_email: &placeholder,
            by: admin,
            now,
        },
    )
    .await?;
    if !erased {
        return Err(ErasureError::AlreadyErased);
    }
    let pseudonym = format!("Erased {family}");
    audit::record(
        &tx,
        now,
        &[audit::event(
            Actor::User(admin),
            audit::Action::AccountErased,
            TargetKind::Account,
            id,
            serde_json::json!({"reference": reference, "pseudonym": pseudonym}),
        )],
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user = %id, by = %admin, "personal data erased on request");
    Ok(Erased {
        id,
        pseudonym,
        erased_at: now,
    })
}

/// What one application of the retention periods removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Retained {
    /// Closed sittings whose responses and paper content were removed.
    pub sittings: u64,
    /// Declarations whose free-text description was cleared.
    pub evidence: u64,
    /// Sent e-mails whose bodies were blanked.
    pub emails: u64,
}

impl Retained {
    pub fn total(&self) -> u64 {
        self.sittings + self.evidence + self.emails
    }
}

/// Rows changed per transaction, so a first run over years of data holds no lock long.
const BATCH: u64 = 200;

/// Applies the retention periods (`[retention]`): batch after batch, each in its own
/// transaction, until nothing is past its period. Every step is an idempotent update,
/// so two servers sweeping at once each remove a part and count it once. A period of 0
/// days keeps that data for ever.
#[tracing::instrument(skip(state))]
pub async fn apply_retention(
    state: &AppState,
    now: OffsetDateTime,
) -> Result<Retained, sea_orm::DbErr> {
    let periods = &state.retention;
    let before = |days: u32| now - time::Duration::days(i64::from(days));
    let mut done = Retained::default();
    if periods.closed_sittings_days > 0 {
        let cutoff = before(periods.closed_sittings_days);
        loop {
            let tx = begin_write(&state.db).await?;
            let ids = repo::sittings_closed_before(&tx, cutoff, BATCH).await?;
            let removed = repo::remove_sitting_content(&tx, &ids, now).await?;
            tx.commit().await?;
            done.sittings += removed;
            if (ids.len() as u64) < BATCH {
                break;
            }
        }
    }
    if periods.evidence_days > 0 {
        let cutoff = before(periods.evidence_days);
        loop {
            let tx = begin_write(&state.db).await?;
            let cleared = repo::clear_evidence_text(&tx, cutoff, BATCH).await?;
            tx.commit().await?;
            done.evidence += cleared;
            if cleared < BATCH {
                break;
            }
        }
    }
    if periods.email_body_days > 0 {
        let cutoff = before(periods.email_body_days);
        loop {
            let tx = begin_write(&state.db).await?;
            let blanked = repo::blank_sent_bodies(&tx, cutoff, BATCH).await?;
            tx.commit().await?;
            done.emails += blanked;
            if blanked < BATCH {
                break;
            }
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_token_is_removed_and_the_rest_of_the_body_kept() {
        let body = "Open this link:\nhttps://x.test/account/verify#token=AbC-12_x9\n\nThanks";
        assert_eq!(
            without_link_tokens(body),
            "Open this link:\nhttps://x.test/account/verify#token=(removed)\n\nThanks"
        );
    }

    #[test]
    fn a_body_without_links_is_unchanged() {
        assert_eq!(
            without_link_tokens("Your result: 30/40"),
            "Your result: 30/40"
        );
    }

    #[test]
    fn the_placeholder_address_cannot_receive_mail_and_is_unique() {
        let a = placeholder_email(Uuid::from_u128(1));
        assert!(a.ends_with("@erased.invalid"), "{a}");
        assert_ne!(a, placeholder_email(Uuid::from_u128(2)));
    }
}
