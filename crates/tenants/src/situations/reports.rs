//! The situations report: how many people were in each homelessness situation on a date.

use std::collections::BTreeMap;

use axum::extract::State;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::night::today;
use hemvist_platform::{ApiError, AppState, Json, Query, ReadProblems, Work};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::model::{Classification, FactKind, HousingFact, Situation, situation_on};
use super::repo::housing_facts_on;
use crate::access::{READ_REPORTS, scope};
use crate::people::model::Sex;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_situations_report))
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

/// Each person's sex and housing facts.
pub(crate) fn to_facts(rows: &[(Uuid, Sex, FactKind, Date, Option<Date>)]) -> BTreeMap<Uuid, (Sex, Vec<HousingFact>)> {
    let mut people: BTreeMap<Uuid, (Sex, Vec<HousingFact>)> = BTreeMap::new();
    for &(person, sex, kind, from, to) in rows {
        people.entry(person).or_insert_with(|| (sex, Vec::new())).1.push(HousingFact { kind, from, to });
    }
    people
}

fn count(
    people: &BTreeMap<Uuid, (Sex, Vec<HousingFact>)>,
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
            match sex {
                Sex::Woman => count.women += 1,
                Sex::Man => count.men += 1,
                Sex::Unknown => count.unknown += 1,
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
    let work = state.unit_of_work(&principal, READ_REPORTS)?;
    let date = params.date.unwrap_or_else(today);
    Ok(Json(work.run(async |w| situations_report(w, date).await).await?))
}

/// How many people of the caller's scope were in each situation on `date`, by both classifications:
/// counts only. The report is audited as read.
pub async fn situations_report(w: &mut Work<'_>, date: Date) -> Result<SituationsReport, ApiError> {
    let rows = housing_facts_on(w.tx(), &scope(w.principal()), date, None).await?;
    let details = serde_json::json!({"report": "situations", "date": date.to_string()});
    w.audit(AuditEvent::new(AuditAction::Read, "report", None).details(details));
    let people = to_facts(&rows);
    Ok(SituationsReport {
        date,
        national: count(&people, date, Classification::National),
        stockholm: count(&people, date, Classification::Stockholm),
    })
}
