//! Shelter reports: the guarantee per night and district, occupancy per shelter and month, and people
//! moved between shelters too often (bouncing).

use std::collections::BTreeMap;

use axum::extract::State;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::night::today;
use hemvist_platform::pagination::{Page, PageParams};
use hemvist_platform::period::{self, check_period};
use hemvist_platform::{ApiError, AppState, Json, Query, ReadProblems, Work};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::model::GuaranteeOutcome;
use super::repo;
use crate::access::{READ_REPORTS, shelter_limit};
use crate::assignments::repo::{BouncingKey, bouncing};

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
    /// Home municipality not known: belonging to be assessed (not counted as not eligible).
    pub home_municipality_unknown: i64,
}

impl GuaranteeCounts {
    fn add(&mut self, outcome: GuaranteeOutcome, count: i64) {
        self.requests += count;
        let field = match outcome {
            GuaranteeOutcome::Placed => &mut self.placed,
            GuaranteeOutcome::DeclinedByPerson => &mut self.declined_by_person,
            GuaranteeOutcome::NoSuitableBed => &mut self.no_suitable_bed,
            GuaranteeOutcome::NotEligible => &mut self.not_eligible,
            GuaranteeOutcome::HomeMunicipalityUnknown => &mut self.home_municipality_unknown,
        };
        *field += count;
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GuaranteeNight {
    #[schema(value_type = String, format = Date)]
    pub night: Date,
    #[serde(flatten)]
    pub totals: GuaranteeCounts,
    /// Per district responsible for the person at the time of the request (the review compared district
    /// administrations); `unknown` when none was recorded.
    pub districts: BTreeMap<String, GuaranteeCounts>,
    /// Per district where the person stood when asking; `unknown` without a position.
    pub location_districts: BTreeMap<String, GuaranteeCounts>,
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
    let work = state.unit_of_work(&principal, READ_REPORTS)?;
    let nights = NightRange::new(params.from, params.to)?;
    Ok(Json(work.run(async |w| guarantee_report(w, nights).await).await?))
}

/// The nights of a guarantee report: `to` on or after `from`, at most 366 nights later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NightRange {
    pub from: Date,
    pub to: Date,
}

impl NightRange {
    /// The most nights after `from` a report covers.
    pub const MAX_DAYS: i64 = 366;

    pub fn new(from: Date, to: Date) -> Result<Self, ApiError> {
        check_period(from, to, Self::MAX_DAYS)?;
        Ok(NightRange { from, to })
    }
}

/// The guarantee per night with requests, in total, per responsible district and per district where
/// the person stood: counts only, nobody named.
pub async fn guarantee_report(w: &mut Work<'_>, nights: NightRange) -> Result<Vec<GuaranteeNight>, ApiError> {
    let rows = repo::guarantee_counts(w.tx(), &w.principal().municipality, nights.from, nights.to).await?;
    let mut by_night: BTreeMap<Date, GuaranteeNight> = BTreeMap::new();
    for row in rows {
        let outcome = row.outcome;
        let entry = by_night.entry(row.night).or_insert_with(|| GuaranteeNight {
            night: row.night,
            totals: GuaranteeCounts::default(),
            districts: BTreeMap::new(),
            location_districts: BTreeMap::new(),
        });
        let unknown = || UNKNOWN_DISTRICT.to_owned();
        entry.totals.add(outcome, row.count);
        entry
            .districts
            .entry(row.responsible_district_code.unwrap_or_else(unknown))
            .or_default()
            .add(outcome, row.count);
        entry
            .location_districts
            .entry(row.location_district_code.unwrap_or_else(unknown))
            .or_default()
            .add(outcome, row.count);
    }
    Ok(by_night.into_values().collect())
}

/// The district key of requests without a responsible district (or without a position).
pub const UNKNOWN_DISTRICT: &str = "unknown";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthParams {
    /// The month, `YYYY-MM`.
    #[param(example = "2026-11", pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
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
    let work = state.unit_of_work(&principal, READ_REPORTS)?;
    shelter_limit(&principal)?;
    let month = ReportMonth::parse(&params.month)?;
    Ok(Json(work.run(async |w| occupancy_report(w, &month).await).await?))
}

/// A calendar month of a report, `YYYY-MM`, with its first and last day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportMonth {
    pub label: String,
    pub first: Date,
    pub last: Date,
}

impl ReportMonth {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let (first, last) = period::month("month", raw)?;
        Ok(ReportMonth { label: raw.to_owned(), first, last })
    }
}

/// Occupancy per shelter (of the caller's shelters) over the month: counts only.
pub async fn occupancy_report(w: &mut Work<'_>, month: &ReportMonth) -> Result<OccupancyReport, ApiError> {
    let limit = shelter_limit(w.principal())?;
    let rows =
        crate::nights::repo::occupancy(w.tx(), &w.principal().municipality, limit, month.first, month.last).await?;
    let shelters = rows
        .into_iter()
        .map(|(shelter_id, name, capacity, used)| ShelterOccupancy {
            shelter_id,
            name,
            capacity_bed_nights: capacity,
            used_bed_nights: used,
            occupancy: (capacity > 0).then(|| used as f64 / capacity as f64),
        })
        .collect();
    Ok(OccupancyReport { month: month.label.clone(), shelters })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BouncingParams {
    /// The last night looked at (default: today).
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<Date>,
    /// Nights looked back, 1 to 366 (default 30).
    #[param(minimum = 1, maximum = 366)]
    pub days: Option<i32>,
    /// List people moved more than this many times, 0 to 365 (default 2): 366 nights hold at most
    /// 365 moves.
    #[param(minimum = 0, maximum = 365)]
    pub more_than: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BouncedPerson {
    pub person_id: Uuid,
    /// Changes of shelter between consecutive nights with a bed.
    pub moves: i64,
    /// Nights with a bed in the period.
    pub nights: i64,
}

/// People moved between shelters more than N times in the last days: nobody, notably women and
/// families exposed to violence, should be bounced between temporary places. Computed in the
/// database, a page at a time.
///
/// Roles: admin, night_coordinator, auditor. Audited per person.
#[utoipa::path(get, path = "/api/v1/reports/bouncing", tag = "reports", operation_id = "get_bouncing_report",
    params(BouncingParams, PageParams),
    responses((status = 200, description = "A page of people, moved most first", body = Page<BouncedPerson>), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_bouncing_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<BouncingParams>,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<BouncedPerson>>, ApiError> {
    let work = state.unit_of_work(&principal, READ_REPORTS)?;
    let page = page.parse::<BouncingKey>()?;
    let days = params.days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(ApiError::invalid("days", "must be 1..=366"));
    }
    let to = params.as_of.unwrap_or_else(today);
    let from = to.checked_sub((days - 1).days()).map_err(|_| ApiError::invalid("as_of", "out of range"))?;
    let more_than = params.more_than.unwrap_or(2);
    if more_than > 365 {
        return Err(ApiError::invalid("more_than", "must be 0..=365"));
    }
    let more_than = i64::from(more_than);
    let page = work
        .run(async |w| {
            let rows = bouncing(w.tx(), &w.principal().municipality, from, to, more_than, &page).await?;
            let rows = rows.into_iter().map(|(person_id, moves, nights)| BouncedPerson { person_id, moves, nights });
            let page = Page::from_rows(rows.collect(), page.limit, |p: &BouncedPerson| (p.moves, p.person_id))?;
            w.audit_all(
                page.items.iter().map(|p| AuditEvent::new(AuditAction::List, "bouncing", None).person(p.person_id)),
            );
            Ok(page)
        })
        .await?;
    Ok(Json(page))
}
