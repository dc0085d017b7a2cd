//! Reports: decisions not executed in time (IVO, quarterly) and homelessness situations on a date.

use std::collections::BTreeMap;

use axum::extract::State;
use hemvist_platform::audit::{self, AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::night::today;
use hemvist_platform::{ApiError, AppState, Json, Path, Query, ReadProblems};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access::{READ_CASE_FILE, READ_REPORTS};
use crate::decisions::http::Offer;
use crate::decisions::model::Intervention;
use crate::decisions::repo::report_candidates;
use crate::http::scope;
use crate::model::Sex;
use crate::rules::ivo::{self, DecisionDates, Lateness, Quarter, StatusAtQuarterEnd};
use crate::rules::situation::{Classification, FactKind, HousingFact, Situation, situation_on};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_non_executed_decisions_report))
        .routes(routes!(get_situations_report))
        .routes(routes!(get_person_situation))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuarterParams {
    /// The quarter, `YYYY-Qn`.
    #[param(example = "2026-Q3")]
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
    principal.require(READ_REPORTS)?;
    let quarter = Quarter::parse(params.quarter.trim()).map_err(|e| ApiError::invalid("quarter", e))?;
    let (first_day, last_day) = (quarter.first_day(), quarter.last_day());
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let candidates =
        report_candidates(&tx, &scope(&principal), first_day, last_day, params.district.as_deref()).await?;
    let mut cases = Vec::new();
    for candidate in candidates {
        let d = candidate.decision;
        let Some(decided_on) = d.decided_on else { continue };
        let dates = DecisionDates {
            decided_on,
            executed_on: d.executed_on,
            interruptions: d
                .interruptions
                .iter()
                .map(|i| ivo::Interruption { interrupted_on: i.interrupted_on, resumed_on: i.resumed_on })
                .collect(),
            closed_on: d.closed_on,
        };
        for line in ivo::report_lines(&dates, quarter) {
            cases.push(ReportCase {
                decision_id: d.id,
                person_id: d.person_id,
                sex: Sex::parse(&candidate.sex).unwrap_or(Sex::Unknown),
                birth_year: candidate.birth_year,
                intervention: Intervention::parse(&d.intervention).unwrap_or(Intervention::Other),
                district_code: d.district_code.clone(),
                decided_on,
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
                offers: d
                    .offers
                    .iter()
                    .filter(|o| o.offered_on <= last_day)
                    .map(|o| Offer {
                        id: o.id,
                        offered_on: o.offered_on,
                        description: o.description.clone(),
                        response: crate::decisions::http::OfferResponse::parse(&o.response),
                        responded_on: o.responded_on,
                    })
                    .collect(),
            });
        }
    }
    let details = serde_json::json!({"report": "non_executed_decisions", "quarter": quarter.to_string(), "district": params.district});
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Read, "report", None).details(details)).await?;
    let subjects: Vec<_> = cases.iter().map(|c| (Some(c.decision_id), Some(c.person_id))).collect();
    audit::record_many(&tx, &principal, AuditAction::List, "decision", &subjects).await?;
    tx.commit().await?;
    let council_summary = council_counts(&cases);
    Ok(Json(NonExecutedDecisionsReport {
        quarter: quarter.to_string(),
        first_day,
        last_day,
        district: params.district,
        cases,
        council_summary,
    }))
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateParams {
    /// The date (default: today in Stockholm).
    #[param(value_type = Option<String>, format = Date)]
    pub date: Option<Date>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SituationCount {
    pub situation: Situation,
    /// Socialstyrelsen's number, 1 to 4.
    pub number: u8,
    pub women: u32,
    pub men: u32,
    pub unknown: u32,
    pub total: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SituationsReport {
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// Socialstyrelsen's classification: trial, training and Housing First tenants count as homeless (3).
    pub national: Vec<SituationCount>,
    /// Stockholm's own count, which leaves out trial apartments, Bostad Först, second-hand contracts and
    /// living with relatives.
    pub stockholm: Vec<SituationCount>,
}

fn to_facts(rows: &[(Uuid, String, String, Date, Option<Date>)]) -> BTreeMap<Uuid, (String, Vec<HousingFact>)> {
    let mut people: BTreeMap<Uuid, (String, Vec<HousingFact>)> = BTreeMap::new();
    for (person, sex, kind, from, to) in rows {
        let Some(kind) = FactKind::parse(kind) else {
            tracing::warn!(%kind, "unknown housing fact kind");
            continue;
        };
        people.entry(*person).or_insert_with(|| (sex.clone(), Vec::new())).1.push(HousingFact {
            kind,
            from: *from,
            to: *to,
        });
    }
    people
}

fn count(
    people: &BTreeMap<Uuid, (String, Vec<HousingFact>)>,
    date: Date,
    classification: Classification,
) -> Vec<SituationCount> {
    let mut counts: Vec<SituationCount> =
        [Situation::Acute, Situation::Institution, Situation::LongTermMunicipal, Situation::OwnShortTerm]
            .into_iter()
            .map(|situation| SituationCount {
                situation,
                number: situation.number(),
                women: 0,
                men: 0,
                unknown: 0,
                total: 0,
            })
            .collect();
    for (sex, facts) in people.values() {
        let Some(situation) = situation_on(facts, date, classification) else { continue };
        if let Some(count) = counts.iter_mut().find(|c| c.situation == situation) {
            match Sex::parse(sex) {
                Some(Sex::Woman) => count.women += 1,
                Some(Sex::Man) => count.men += 1,
                _ => count.unknown += 1,
            }
            count.total += 1;
        }
    }
    counts
}

/// How many people were in each homelessness situation on a date, by both classifications.
///
/// Roles: admin, housing_officer, auditor. Counts only.
#[utoipa::path(get, path = "/api/v1/reports/situations", tag = "reports", operation_id = "get_situations_report",
    params(DateParams),
    responses((status = 200, description = "Counts per situation", body = SituationsReport), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_situations_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<DateParams>,
) -> Result<Json<SituationsReport>, ApiError> {
    principal.require(READ_REPORTS)?;
    let date = params.date.unwrap_or_else(today);
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let rows = crate::repo::housing_facts_on(&tx, &scope(&principal), date, None).await?;
    let details = serde_json::json!({"report": "situations", "date": date.to_string()});
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Read, "report", None).details(details)).await?;
    tx.commit().await?;
    let people = to_facts(&rows);
    Ok(Json(SituationsReport {
        date,
        national: count(&people, date, Classification::National),
        stockholm: count(&people, date, Classification::Stockholm),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonSituation {
    pub person_id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// Absent when not homeless by that count.
    pub national: Option<Situation>,
    pub stockholm: Option<Situation>,
}

/// A person's homelessness situation on a date, by both classifications.
///
/// Roles: admin, housing_officer, support_worker, auditor. Audited.
#[utoipa::path(get, path = "/api/v1/people/{id}/situation", tag = "people", operation_id = "get_person_situation",
    params(("id" = Uuid, Path, description = "Person id"), DateParams),
    responses((status = 200, description = "The person's situation", body = PersonSituation), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_person_situation(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Query(params): Query<DateParams>,
) -> Result<Json<PersonSituation>, ApiError> {
    principal.require(READ_CASE_FILE)?;
    let date = params.date.unwrap_or_else(today);
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let scope = scope(&principal);
    crate::repo::find_person(&tx, &scope, id).await?.ok_or(ApiError::NotFound("person"))?;
    let rows = crate::repo::housing_facts_on(&tx, &scope, date, Some(id)).await?;
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Read, "situation", Some(id)).person(id)).await?;
    tx.commit().await?;
    let facts: Vec<HousingFact> = to_facts(&rows).into_values().flat_map(|(_, facts)| facts).collect();
    Ok(Json(PersonSituation {
        person_id: id,
        date,
        national: situation_on(&facts, date, Classification::National),
        stockholm: situation_on(&facts, date, Classification::Stockholm),
    }))
}
