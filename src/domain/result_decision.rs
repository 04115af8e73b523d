//! Provisional and final results (`[qualification.results]` in `scheme.toml`). Where the
//! policy is `confirmed`, a closed sitting's result is provisional and no certificate is
//! issued until two different administrators have acted, as ISO/IEC 17024 separates
//! them: an examiner records a recommendation, then someone else makes the
//! certification decision, which issues the certificate of a pass.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ResultPolicy {
    #[serde(default)]
    pub decision: Decision,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The score decides: the result is final when the sitting closes.
    #[default]
    Automatic,
    /// A recommendation and a decision by two different people make it final.
    Confirmed,
}

/// What a candidate is told about their result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ResultStatus {
    Provisional,
    Final,
}

/// Where a result under the `confirmed` policy stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    strum::AsRefStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Stage {
    /// Awaiting an examiner's recommendation.
    Provisional,
    /// Recommended; awaiting the certification decision.
    Recommended,
    /// Decided: the result is final.
    Decided,
}

impl Stage {
    pub fn result_status(self) -> ResultStatus {
        match self {
            Stage::Decided => ResultStatus::Final,
            Stage::Provisional | Stage::Recommended => ResultStatus::Provisional,
        }
    }
}

/// A result awaiting (or past) confirmation, as stored.
#[derive(Debug, Clone)]
pub struct DecisionRecord {
    pub sitting_id: Uuid,
    pub stage: Stage,
    pub created_at: time::OffsetDateTime,
    pub recommended_by: Option<Uuid>,
    pub recommended_at: Option<time::OffsetDateTime>,
    pub recommendation_note: Option<String>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<time::OffsetDateTime>,
    pub decision_note: Option<String>,
}

/// Why a step cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepRefused {
    #[error("this result has already been recommended")]
    AlreadyRecommended,
    #[error("this result needs an examiner's recommendation before a decision")]
    NotRecommended,
    #[error("this result has already been decided")]
    AlreadyDecided,
    #[error(
        "ISO/IEC 17024 separates recommending from deciding: the administrator who recommended this result cannot also decide it"
    )]
    SamePerson,
}

/// Whether `by` may record the recommendation now.
pub fn check_recommend(record: &DecisionRecord) -> Result<(), StepRefused> {
    match record.stage {
        Stage::Provisional => Ok(()),
        Stage::Recommended => Err(StepRefused::AlreadyRecommended),
        Stage::Decided => Err(StepRefused::AlreadyDecided),
    }
}

/// Whether `by` may make the certification decision now: a recommendation is recorded
/// and someone else recorded it.
pub fn check_decide(record: &DecisionRecord, by: Uuid) -> Result<(), StepRefused> {
    match record.stage {
        Stage::Provisional => Err(StepRefused::NotRecommended),
        Stage::Decided => Err(StepRefused::AlreadyDecided),
        Stage::Recommended if record.recommended_by == Some(by) => Err(StepRefused::SamePerson),
        Stage::Recommended => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(stage: Stage, recommended_by: Option<Uuid>) -> DecisionRecord {
        DecisionRecord {
            sitting_id: Uuid::nil(),
            stage,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            recommended_by,
            recommended_at: None,
            recommendation_note: None,
            decided_by: None,
            decided_at: None,
            decision_note: None,
        }
    }

    #[test]
    fn the_examiner_who_recommended_cannot_also_decide() {
        let examiner = Uuid::now_v7();
        let r = record(Stage::Recommended, Some(examiner));
        assert_eq!(check_decide(&r, examiner), Err(StepRefused::SamePerson));
        assert_eq!(check_decide(&r, Uuid::now_v7()), Ok(()));
    }

    #[test]
    fn a_decision_needs_a_recommendation_first_and_happens_once() {
        let r = record(Stage::Provisional, None);
        assert_eq!(
            check_decide(&r, Uuid::now_v7()),
            Err(StepRefused::NotRecommended)
        );
        assert_eq!(check_recommend(&r), Ok(()));
        let done = record(Stage::Decided, Some(Uuid::now_v7()));
        assert_eq!(check_recommend(&done), Err(StepRefused::AlreadyDecided));
        assert_eq!(
            check_decide(&done, Uuid::now_v7()),
            Err(StepRefused::AlreadyDecided)
        );
        assert_eq!(done.stage.result_status(), ResultStatus::Final);
        assert_eq!(r.stage.result_status(), ResultStatus::Provisional);
    }

    #[test]
    fn results_are_automatic_unless_the_scheme_says_otherwise() {
        assert_eq!(ResultPolicy::default().decision, Decision::Automatic);
    }
}
