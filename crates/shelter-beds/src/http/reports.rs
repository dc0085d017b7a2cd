//! Shelter reports: the guarantee per night and district, occupancy per shelter and month, and people
//! moved between shelters too often (bouncing).

use std::collections::BTreeMap;

use axum::extract::State;
use hemvist_platform::audit::{self, AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::night::today;
use hemvist_platform::period::{self, check_period};
use hemvist_platform::{ApiError, AppState, Json, Query, ReadProblems};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access::{READ_REPORTS, shelter_limit};
use crate::model::shelter_moves;
use crate::repo;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_guarantee_report))
        .routes(routes!(get_shelter_occupancy_report))
        .routes(routes!(get_bouncing_report))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// First night.
    #[param(value_type = String, format = Date)]
    pub from: Date,
    /// Last night (at most 366 nights after `from`).
    #[param(value_type = String, format = Date)]
    pub to: Date,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct GuaranteeCounts {
    pub requests: i64,
    pub placed: i64,
    pub declined_by_person: i64,
    /// Guarantee breaches.
    pub no_suitable_bed: i64,
    pub not_eligible: i64,
}

impl GuaranteeCounts {
    fn add(&mut self, outcome: &str, count: i64) {
        self.requests += count;
        match outcome {
            "placed" => self.placed += count,
            "declined_by_person" => self.declined_by_person += count,
            "no_suitable_bed" => self.no_suitable_bed += count,
            _ => self.not_eligible += count,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GuaranteeNight {
    #[schema(value_type = String, format = Date)]
    pub night: Date,
    #[serde(flatten)]
    pub totals: GuaranteeCounts,
    /// Per district (the person's location, else their responsible district); `unknown` when neither.
    pub districts: BTreeMap<String, GuaranteeCounts>,
}

/// The guarantee per night and per district: requests, placed, declined, breaches, not eligible.
///
/// Roles: admin, night_coordinator, auditor. Counts only.
#[utoipa::path(get, path = "/api/v1/reports/guarantee", tag = "reports", operation_id = "get_guarantee_report",
    params(PeriodParams),
    responses((status = 200, description = "Nights with requests", body = Vec<GuaranteeNight>), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_guarantee_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<PeriodParams>,
) -> Result<Json<Vec<GuaranteeNight>>, ApiError> {
    principal.require(READ_REPORTS)?;
    check_period(params.from, params.to, 366)?;
    let client = state.db().await?;
    let rows = repo::guarantee_counts(&client, &principal.municipality, params.from, params.to).await?;
    let mut nights: BTreeMap<Date, GuaranteeNight> = BTreeMap::new();
    for (night, district, outcome, count) in rows {
        let entry = nights.entry(night).or_insert_with(|| GuaranteeNight {
            night,
            totals: GuaranteeCounts::default(),
            districts: BTreeMap::new(),
        });
        entry.totals.add(&outcome, count);
        entry.districts.entry(district.unwrap_or_else(|| "unknown".into())).or_default().add(&outcome, count);
    }
    Ok(Json(nights.into_values().collect()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthParams {
    /// The month, `YYYY-MM`.
    #[param(example = "2026-11")]
    pub month: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShelterOccupancy {
    pub shelter_id: Uuid,
    pub name: String,
    /// Bed-nights in service over the month (total beds on nights without a report).
    pub capacity_bed_nights: i64,
    /// Bed-nights given out (reserved, checked in or out).
    pub used_bed_nights: i64,
    /// used / capacity, 0..1; absent without capacity.
    pub occupancy: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OccupancyReport {
    pub month: String,
    pub shelters: Vec<ShelterOccupancy>,
}

/// Occupancy per shelter over a month.
///
/// Roles: admin, night_coordinator, auditor. Counts only.
#[utoipa::path(get, path = "/api/v1/reports/shelter-occupancy", tag = "reports", operation_id = "get_shelter_occupancy_report",
    params(MonthParams),
    responses((status = 200, description = "Occupancy per shelter", body = OccupancyReport), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_shelter_occupancy_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<MonthParams>,
) -> Result<Json<OccupancyReport>, ApiError> {
    principal.require(READ_REPORTS)?;
    let limit = shelter_limit(&principal)?;
    let (first, last) = period::month("month", &params.month)?;
    let client = state.db().await?;
    let shelters = repo::occupancy(&client, &principal.municipality, limit, first, last)
        .await?
        .into_iter()
        .map(|(shelter_id, name, capacity, used)| ShelterOccupancy {
            shelter_id,
            name,
            capacity_bed_nights: capacity,
            used_bed_nights: used,
            occupancy: (capacity > 0).then(|| used as f64 / capacity as f64),
        })
        .collect();
    Ok(Json(OccupancyReport { month: params.month.trim().to_owned(), shelters }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BouncingParams {
    /// The last night looked at (default: today).
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<Date>,
    /// Nights looked back, 1 to 366 (default 30).
    pub days: Option<i32>,
    /// List people moved more than this many times (default 2).
    pub more_than: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BouncedPerson {
    pub person_id: Uuid,
    /// Changes of shelter between consecutive nights with a bed.
    pub moves: usize,
    /// Nights with a bed in the period.
    pub nights: usize,
}

/// People moved between shelters more than N times in the last days: nobody, notably women and
/// families exposed to violence, should be bounced between temporary places.
///
/// Roles: admin, night_coordinator, auditor. Audited per person.
#[utoipa::path(get, path = "/api/v1/reports/bouncing", tag = "reports", operation_id = "get_bouncing_report",
    params(BouncingParams),
    responses((status = 200, description = "People moved most first", body = Vec<BouncedPerson>), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_bouncing_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<BouncingParams>,
) -> Result<Json<Vec<BouncedPerson>>, ApiError> {
    principal.require(READ_REPORTS)?;
    let days = params.days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(ApiError::invalid("days", "must be 1..=366"));
    }
    let to = params.as_of.unwrap_or_else(today);
    let from = to.checked_sub((days - 1).days()).map_err(|_| ApiError::invalid("as_of", "out of range"))?;
    let more_than = params.more_than.unwrap_or(2);
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let mut by_person: BTreeMap<Uuid, Vec<(Date, Uuid)>> = BTreeMap::new();
    for (person, night, shelter) in repo::bed_nights(&tx, &principal.municipality, from, to).await? {
        by_person.entry(person).or_default().push((night, shelter));
    }
    let mut bounced: Vec<BouncedPerson> = by_person
        .into_iter()
        .map(|(person_id, nights)| BouncedPerson { person_id, moves: shelter_moves(&nights), nights: nights.len() })
        .filter(|p| p.moves > more_than)
        .collect();
    bounced.sort_by_key(|p| std::cmp::Reverse(p.moves));
    for person in &bounced {
        audit::record(&tx, &principal, AuditEvent::new(AuditAction::List, "bouncing", None).person(person.person_id))
            .await?;
    }
    tx.commit().await?;
    Ok(Json(bounced))
}
