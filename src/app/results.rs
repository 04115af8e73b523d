//! What a finished sitting produces for people: the score report PDF, the certificate
//! PDF (rendered once, then stored), and the result e-mail that carries them (queued by
//! `notifications::queue_sitting_result_to`, built here when it is sent). PDFs are rendered
//! on the blocking pool.

use uuid::Uuid;

use super::certificates::verification_url;
use super::notifications::texts;
use crate::domain::certificate::CertificateRecord;
use crate::domain::result_decision::ResultStatus;
use crate::domain::sitting::SittingRecord;
use crate::email::{Attachment, OutgoingEmail};
use crate::pdf::{
    AreaBar, CertificateDocument, ScoreReportDocument, render_certificate, render_score_report,
};
use crate::persistence::certificates as certificate_repo;
use crate::persistence::{sittings as sitting_repo, users};
use crate::state::AppState;
use crate::telemetry::spawn_blocking_with_tracing;

fn titles(state: &AppState, record: &SittingRecord) -> (String, String) {
    let edition = state.catalog.edition(&record.edition);
    let qualification = state
        .catalog
        .qualification_title(&record.edition, &record.qualification_code);
    (
        qualification,
        edition
            .map(|e| e.title.clone())
            .unwrap_or_else(|| record.edition.clone()),
    )
}

/// The score report of a finished sitting: score, pass mark, result, a bar per area.
pub async fn score_report_pdf(state: &AppState, record: &SittingRecord) -> anyhow::Result<Vec<u8>> {
    let sheet = record
        .result
        .clone()
        .ok_or_else(|| anyhow::anyhow!("sitting {} has no result yet", record.id))?;
    let candidate = users::find_by_id(&state.db, record.candidate_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no candidate"))?;
    let (qualification_title, edition_title) = titles(state, record);
    let name = format!("{} {}", candidate.given_name, candidate.family_name);
    let date = record.closed_at.unwrap_or(record.started_at).date();
    spawn_blocking_with_tracing(move || {
        let areas: Vec<AreaBar<'_>> = sheet
            .areas
            .iter()
            .map(|a| AreaBar {
                title: &a.title,
                score: a.score,
                max_score: a.max_score,
            })
            .collect();
        render_score_report(&ScoreReportDocument {
            candidate_name: &name,
            qualification_title: &qualification_title,
            edition_title: &edition_title,
            date,
            score: sheet.score,
            max_score: sheet.max_score,
            pass_mark: sheet.pass_mark,
            passed: sheet.passed,
            areas: &areas,
        })
    })
    .await?
}

/// The certificate PDF: stored after the first rendering, so later downloads are cheap.
pub async fn certificate_pdf(state: &AppState, c: &CertificateRecord) -> anyhow::Result<Vec<u8>> {
    if let Some(pdf) = certificate_repo::stored_pdf(&state.db, c.id).await? {
        return Ok(pdf);
    }
    let url = verification_url(state, c);
    let c2 = c.clone();
    let pdf = spawn_blocking_with_tracing(move || {
        render_certificate(&CertificateDocument {
            holder_name: &c2.holder_name,
            qualification_title: &c2.qualification_title,
            edition_title: &c2.edition_title,
            issued_on: c2.issued_on,
            expires_on: c2.expires_on,
            number: &c2.number,
            issuer: &c2.issuer,
            verification_url: &url,
        })
    })
    .await??;
    certificate_repo::store_pdf(&state.db, c.id, pdf.clone()).await?;
    Ok(pdf)
}

/// Builds the result e-mail of a sitting, with the score report and, for a pass, the
/// certificate attached.
pub async fn result_email(
    state: &AppState,
    sitting_id: Uuid,
    to: &str,
) -> anyhow::Result<OutgoingEmail> {
    let record = sitting_repo::find(&state.db, sitting_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("sitting {sitting_id} is gone"))?;
    let sheet = record
        .result
        .clone()
        .ok_or_else(|| anyhow::anyhow!("sitting {sitting_id} has no result"))?;
    let candidate = users::find_by_id(&state.db, record.candidate_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no candidate"))?;
    let (qualification_title, _) = titles(state, &record);
    let certificate = certificate_repo::by_sitting(&state.db, sitting_id).await?;
    // Sent when the outbox delivers it: a result still provisional then says so, and the
    // decision queues the final one.
    let provisional = crate::persistence::result_decisions::status_of(&state.db, sitting_id)
        .await?
        == ResultStatus::Provisional;
    let mut email = if provisional {
        texts::provisional_result(to, &candidate.given_name, &qualification_title, &sheet)
    } else {
        texts::result(
            to,
            &candidate.given_name,
            &qualification_title,
            &sheet,
            certificate.as_ref().map(|c| c.number.as_str()),
        )
    };
    email.attachments.push(Attachment {
        filename: "score-report.pdf".into(),
        content_type: "application/pdf".into(),
        bytes: score_report_pdf(state, &record).await?,
    });
    if let Some(c) = &certificate {
        email.attachments.push(Attachment {
            filename: format!("certificate-{}.pdf", c.number),
            content_type: "application/pdf".into(),
            bytes: certificate_pdf(state, c).await?,
        });
    }
    Ok(email)
}
