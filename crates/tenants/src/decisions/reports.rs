//! The IVO report: decisions not executed in time, quarterly.

use std::collections::BTreeMap;

use axum::extract::State;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::{ApiError, AppState, Json, Query, ReadProblems, Work};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::http::Offer;
use super::ivo::{self, DecisionDates, Lateness, Quarter, StatusAtQuarterEnd};
use super::model::Intervention;
use super::repo::{ReportCandidate, report_candidates};
use crate::access::{READ_REPORTS, scope};
use crate::people::model::Sex;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_non_executed_decisions_report))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuarterParams {
    /// The quarter, `YYYY-Qn`.
    #[param(example = "2026-Q3", pattern = "^[0-9]{4}-[Qq][1-4]$")]
    pub quarter: String,
    /// Only decisions made in this district (the decision's district, not where the person lives now).
    pub district: Option<String>,
}

/// One late decision, with what IVO asks for. No names or identity numbers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportCase {
    pub decision_id: Uuid,
    pub person_id: Uuid,
    pub sex: Sex,
    pub birth_year: Option<i16>,
    pub intervention: Intervention,
    pub district_code: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub decided_on: Date,
    pub lateness: Lateness,
    /// The date the three months run from: the decision, or the interruption.
    #[schema(value_type = String, format = Date)]
    pub period_start: Date,
    /// The last day on which execution (or resumption) was on time.
    #[schema(value_type = String, format = Date)]
    pub deadline: Date,
    pub status: StatusAtQuarterEnd,
    /// Execution/resumption or closing date, when it happened in the quarter.
    #[schema(value_type = Option<String>, format = Date)]
    pub ended_on: Option<Date>,
    pub closing_reason: Option<String>,
    pub delay_reasons: Option<String>,
    pub interim_help: Option<String>,
    pub offers: Vec<Offer>,
}

/// Anonymised count for the council: decisions still late at the quarter's end.
#[derive(Debug, Serialize, ToSchema)]
pub struct CouncilCount {
    pub intervention: Intervention,
    pub women: u32,
    pub men: u32,
    pub unknown: u32,
    pub total: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NonExecutedDecisionsReport {
    #[schema(example = "2026-Q3")]
    pub quarter: String,
    #[schema(value_type = String, format = Date)]
    pub first_day: Date,
    #[schema(value_type = String, format = Date)]
    pub last_day: Date,
    pub district: Option<String>,
    /// Empty means nothing to send this quarter.
    pub cases: Vec<ReportCase>,
    pub council_summary: Vec<CouncilCount>,
}

/// Granted decisions not executed within three months, or interrupted and not resumed within three
/// months, during the quarter; and the execution or closing of such decisions in the quarter.
///
/// Roles: admin, housing_officer, auditor. Each district committee reports the decisions it made:
/// district-scoped tokens see the decisions made in their districts, wherever the person lives now.
/// Every person in the report is audited as read.
#[utoipa::path(get, path = "/api/v1/reports/non-executed-decisions", tag = "reports",
    operation_id = "get_non_executed_decisions_report", params(QuarterParams),
    responses((status = 200, description = "The quarter's report", body = NonExecutedDecisionsReport), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_non_executed_decisions_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<QuarterParams>,
) -> Result<Json<NonExecutedDecisionsReport>, ApiError> {
    let work = state.unit_of_work(&principal, READ_REPORTS)?;
    let quarter = parse_quarter(&params.quarter)?;
    let district = params.district;
    Ok(Json(work.run(async |w| non_executed_decisions_report(w, quarter, district).await).await?))
}

/// A report quarter as clients write it, `YYYY-Qn`.
pub fn parse_quarter(raw: &str) -> Result<Quarter, ApiError> {
    Quarter::parse(raw).map_err(|e| ApiError::invalid("quarter", e))
}

/// The quarter's IVO report for the caller's scope (optionally one district's decisions): the late
/// decisions without names or identity numbers, and the anonymised count for the council. The report
/// and every person in it are audited as read.
pub async fn non_executed_decisions_report(
    w: &mut Work<'_>,
    quarter: Quarter,
    district: Option<String>,
) -> Result<NonExecutedDecisionsReport, ApiError> {
    let (first_day, last_day) = (quarter.first_day(), quarter.last_day());
    let candidates = report_candidates(w.tx(), &scope(w.principal()), first_day, last_day, district.as_deref()).await?;
    let cases = report_cases(candidates, quarter);
    let details =
        serde_json::json!({"report": "non_executed_decisions", "quarter": quarter.to_string(), "district": district});
    w.audit(AuditEvent::new(AuditAction::Read, "report", None).details(details));
    w.audit_all(audit_events(&cases));
    let council_summary = council_counts(&cases);
    Ok(NonExecutedDecisionsReport {
        quarter: quarter.to_string(),
        first_day,
        last_day,
        district,
        cases,
        council_summary,
    })
}

/// The lines of the report: one per late period of each candidate decision.
fn report_cases(candidates: Vec<ReportCandidate>, quarter: Quarter) -> Vec<ReportCase> {
    let mut cases = Vec::with_capacity(candidates.len());
    for d in candidates {
        let dates = DecisionDates {
            decided_on: d.decided_on,
            executed_on: d.executed_on,
            interruptions: d.interruptions,
            closed_on: d.closed_on,
        };
        for line in ivo::report_lines(&dates, quarter) {
            cases.push(ReportCase {
                decision_id: d.id,
                person_id: d.person_id,
                sex: d.sex,
                birth_year: d.birth_year,
                intervention: d.intervention,
                district_code: d.district_code.clone(),
                decided_on: d.decided_on,
                lateness: line.lateness,
                period_start: line.period_start,
                deadline: line.deadline,
                status: line.status,
                ended_on: line.ended_on,
                closing_reason: (line.status == StatusAtQuarterEnd::ClosedInQuarter)
                    .then(|| d.closing_reason.clone())
                    .flatten(),
                delay_reasons: d.delay_reasons.clone(),
                interim_help: d.interim_help.clone(),
                // The repo reads only the offers made by the quarter's last day.
                offers: d
                    .offers
                    .iter()
                    .map(|o| Offer {
                        id: o.id,
                        offered_on: o.offered_on,
                        description: o.description.clone(),
                        response: o.response,
                        responded_on: o.responded_on,
                    })
                    .collect(),
            });
        }
    }
    cases
}

/// One audit event per person in the report, naming the decisions of theirs it shows: the trail costs
/// what the people read do, not the lines (a person may have several late decisions, a decision several
/// late periods). In the order of the people's ids, so that the audit index by person is written in
/// its own order.
fn audit_events(cases: &[ReportCase]) -> Vec<AuditEvent> {
    let mut decisions_by_person: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for case in cases {
        let decisions = decisions_by_person.entry(case.person_id).or_default();
        if !decisions.contains(&case.decision_id) {
            decisions.push(case.decision_id);
        }
    }
    decisions_by_person
        .into_iter()
        .map(|(person, decisions)| {
            AuditEvent::new(AuditAction::List, "decision", None)
                .person(person)
                .details(serde_json::json!({ "decisions": decisions }))
        })
        .collect()
}

fn council_counts(cases: &[ReportCase]) -> Vec<CouncilCount> {
    let mut counts: BTreeMap<&'static str, CouncilCount> = BTreeMap::new();
    // One count per decision, however many late periods it had.
    let mut seen = std::collections::HashSet::new();
    for case in cases.iter().filter(|c| c.status == StatusAtQuarterEnd::StillLate) {
        if !seen.insert(case.decision_id) {
            continue;
        }
        let count = counts.entry(case.intervention.as_str()).or_insert(CouncilCount {
            intervention: case.intervention,
            women: 0,
            men: 0,
            unknown: 0,
            total: 0,
        });
        match case.sex {
            Sex::Woman => count.women += 1,
            Sex::Man => count.men += 1,
            Sex::Unknown => count.unknown += 1,
        }
        count.total += 1;
    }
    counts.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(person: Uuid, decision: Uuid, lateness: Lateness) -> ReportCase {
        let day = jiff::civil::date(2026, 1, 1);
        ReportCase {
            decision_id: decision,
            person_id: person,
            sex: Sex::Woman,
            birth_year: None,
            intervention: Intervention::HousingFirst,
            district_code: None,
            decided_on: day,
            lateness,
            period_start: day,
            deadline: day,
            status: StatusAtQuarterEnd::StillLate,
            ended_on: None,
            closing_reason: None,
            delay_reasons: None,
            interim_help: None,
            offers: Vec::new(),
        }
    }

    #[test]
    fn each_person_in_the_report_is_audited_once_with_each_of_their_decisions_once() {
        let (anna, bo) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let (first, second, third) = (Uuid::from_u128(11), Uuid::from_u128(12), Uuid::from_u128(13));
        let cases = [
            case(anna, first, Lateness::NotExecuted),
            case(bo, third, Lateness::NotExecuted),
            case(anna, first, Lateness::InterruptedNotResumed),
            case(anna, second, Lateness::NotExecuted),
        ];
        let events = audit_events(&cases);
        let audited: Vec<(Option<Uuid>, serde_json::Value)> =
            events.iter().map(|e| (e.person_id, e.details.clone())).collect();
        assert_eq!(
            audited,
            vec![
                (Some(anna), serde_json::json!({"decisions": [first, second]})),
                (Some(bo), serde_json::json!({"decisions": [third]})),
            ]
        );
        assert!(events.iter().all(|e| e.action == AuditAction::List && e.resource_type == "decision"));
    }
}
