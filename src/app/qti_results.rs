//! A closed sitting's responses and outcomes as QTI 3.0 Results Reporting XML.

use uuid::Uuid;

use super::sittings;
use crate::state::AppState;

/// A closed sitting's responses and outcomes as a QTI 3.0 Results Reporting document, for
/// administrators: from the stored snapshot (what was delivered) and the stored result
/// (as regraded, if it was). The read is on the audit ledger, like the marked paper.
pub async fn qti_results(
    state: &AppState,
    id: Uuid,
    by: Uuid,
    now: time::OffsetDateTime,
) -> Result<String, sittings::ReadSittingError> {
    use crate::domain::sitting::SittingStatus;
    use sittings::ReadSittingError;
    let sittings::MarkedPaper {
        record, answers, ..
    } = sittings::marked_paper(state, id, by, now).await?;
    if record.status == SittingStatus::Voided {
        return Err(ReadSittingError::Voided);
    }
    let (Some(sheet), Some(closed_at)) = (record.result.as_ref(), record.closed_at) else {
        return Err(ReadSittingError::InProgress {
            deadline: record.deadline,
        });
    };
    let document = crate::qti::results::assessment_result(&crate::qti::results::SittingResult {
        sitting_id: record.id,
        candidate_id: record.candidate_id,
        qualification: &record.qualification_code,
        edition: &record.edition,
        closed_at,
        paper: &record.paper,
        responses: &answers,
        sheet,
    })
    .map_err(|e| ReadSittingError::Unexpected(e.into()))?;
    Ok(document)
}
