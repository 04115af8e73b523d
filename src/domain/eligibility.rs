//! Prerequisite rules (data from the scheme file) and the one function that evaluates them
//! against a candidate's evidence.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prerequisites {
    pub rule: Rule,
    #[serde(default, rename = "requirement")]
    pub requirements: Vec<Requirement>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Rule {
    /// No prerequisite.
    None,
    /// Any one requirement suffices.
    Any,
    /// Every requirement must be met.
    All,
}

/// (Not `deny_unknown_fields`: serde cannot combine it with `flatten`; the tagged kind
/// still rejects unknown kinds.)
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Requirement {
    #[serde(flatten)]
    pub kind: RequirementKind,
    /// The requirement in words, shown to candidates.
    pub description: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RequirementKind {
    /// A passed sitting of this qualification in the same scheme.
    PassedQualification { qualification: String },
    /// An external credential of this kind, approved by an administrator.
    Credential { credential: String },
    /// Approved experience conducting audits in an IT environment.
    AuditExperience { years: u32 },
    /// Completion of an accredited course for this qualification.
    Course { qualification: String },
}

/// What the candidate has proven, as far as eligibility cares.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Qualifications the candidate holds a valid certificate of.
    pub passed_qualifications: BTreeSet<String>,
    /// Qualification → why a pass no longer counts (its certificate is suspended or
    /// revoked), described for the candidate.
    pub lapsed_passes: BTreeMap<String, String>,
    pub approved_credentials: BTreeSet<String>,
    pub approved_audit_years: u32,
    /// Qualification → the accredited course completed for it, described for people.
    pub completed_courses: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligibility {
    pub eligible: bool,
    pub met: Vec<Requirement>,
    pub unmet: Vec<Requirement>,
}

fn is_met(kind: &RequirementKind, evidence: &Evidence) -> bool {
    match kind {
        RequirementKind::PassedQualification { qualification } => {
            evidence.passed_qualifications.contains(qualification)
        }
        RequirementKind::Credential { credential } => {
            evidence.approved_credentials.contains(credential)
        }
        RequirementKind::AuditExperience { years } => evidence.approved_audit_years >= *years,
        RequirementKind::Course { qualification } => {
            evidence.completed_courses.contains_key(qualification)
        }
    }
}

/// What satisfied a met requirement, where there is something to name (the course).
pub fn satisfied_by(requirement: &Requirement, evidence: &Evidence) -> Option<String> {
    match &requirement.kind {
        RequirementKind::Course { qualification } => {
            evidence.completed_courses.get(qualification).cloned()
        }
        _ => None,
    }
}

/// Why an unmet requirement is unmet, where the candidate may not expect it (a pass whose
/// certificate is suspended or revoked).
pub fn why_unmet(requirement: &Requirement, evidence: &Evidence) -> Option<String> {
    match &requirement.kind {
        RequirementKind::PassedQualification { qualification } => {
            evidence.lapsed_passes.get(qualification).cloned()
        }
        _ => None,
    }
}

pub fn evaluate(prerequisites: &Prerequisites, evidence: &Evidence) -> Eligibility {
    let (met, unmet): (Vec<Requirement>, Vec<Requirement>) = prerequisites
        .requirements
        .iter()
        .cloned()
        .partition(|r| is_met(&r.kind, evidence));
    let eligible = match prerequisites.rule {
        Rule::None => true,
        Rule::Any => !met.is_empty(),
        Rule::All => unmet.is_empty(),
    };
    // Once an "any" rule is satisfied, the alternatives not taken are not missing.
    let unmet = if eligible { Vec::new() } else { unmet };
    Eligibility {
        eligible,
        met,
        unmet,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lapsed_pass_meets_nothing_and_says_why() {
        let prerequisites = Prerequisites {
            rule: Rule::All,
            requirements: vec![req(RequirementKind::PassedQualification {
                qualification: "f".into(),
            })],
        };
        let evidence = Evidence {
            lapsed_passes: [("f".to_owned(), "certificate X is suspended".to_owned())].into(),
            ..Evidence::default()
        };
        let result = evaluate(&prerequisites, &evidence);
        assert!(!result.eligible);
        assert_eq!(
            why_unmet(&result.unmet[0], &evidence).as_deref(),
            Some("certificate X is suspended")
        );
    }

    fn req(kind: RequirementKind) -> Requirement {
        Requirement {
            kind,
            description: "d".into(),
        }
    }

    fn practitioner() -> Prerequisites {
        Prerequisites {
            rule: Rule::Any,
            requirements: vec![
                req(RequirementKind::PassedQualification {
                    qualification: "f".into(),
                }),
                req(RequirementKind::Credential {
                    credential: "itil-foundation".into(),
                }),
            ],
        }
    }

    fn auditor() -> Prerequisites {
        Prerequisites {
            rule: Rule::All,
            requirements: vec![
                req(RequirementKind::AuditExperience { years: 3 }),
                req(RequirementKind::Course {
                    qualification: "a".into(),
                }),
            ],
        }
    }

    #[test]
    fn a_paper_without_prerequisites_is_open_to_everyone() {
        let p = Prerequisites {
            rule: Rule::None,
            requirements: vec![],
        };
        assert!(evaluate(&p, &Evidence::default()).eligible);
    }

    #[test]
    fn any_one_alternative_satisfies_an_any_rule() {
        let mut evidence = Evidence::default();
        let before = evaluate(&practitioner(), &evidence);
        assert!(!before.eligible);
        assert_eq!(before.unmet.len(), 2);
        evidence
            .approved_credentials
            .insert("itil-foundation".into());
        let after = evaluate(&practitioner(), &evidence);
        assert!(after.eligible);
        assert!(after.unmet.is_empty());
    }

    #[test]
    fn an_all_rule_with_one_requirement_met_is_not_satisfied_and_names_the_other() {
        let evidence = Evidence {
            approved_audit_years: 5,
            ..Evidence::default()
        };
        let result = evaluate(&auditor(), &evidence);
        assert!(!result.eligible);
        assert_eq!(result.unmet.len(), 1);
        assert!(matches!(
            result.unmet[0].kind,
            RequirementKind::Course { .. }
        ));
    }

    #[test]
    fn two_years_of_audit_experience_do_not_meet_a_three_year_requirement() {
        let evidence = Evidence {
            approved_audit_years: 2,
            ..Evidence::default()
        };
        assert_eq!(evaluate(&auditor(), &evidence).unmet.len(), 2);
    }
}
