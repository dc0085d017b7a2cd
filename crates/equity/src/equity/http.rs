//! The equity report over HTTP, and the function the web page runs.

use std::collections::BTreeMap;

use axum::extract::State;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::night::today;
use hemvist_platform::period::check_period;
use hemvist_platform::{ApiError, AppState, Json, Query, ReadProblems, Work};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::{Aggregate, EquityCell, Group, MIN_TO_COMPARE, Metric, SIGNIFICANCE, SUPPRESS_BELOW, cell};
use super::repo::{AggregateRow, aggregates};
use crate::READ_EQUITY_REPORTS;

/// The longest period one report covers.
pub const MAX_PERIOD_DAYS: i64 = 366;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_equity_report))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// The period's first day.
    #[param(value_type = String, format = Date)]
    pub from: Date,
    /// The period's last day: on or after `from`, at most 366 days later.
    #[param(value_type = String, format = Date)]
    pub to: Date,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EquityReport {
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    /// Cells of 1 to this many minus one observations are suppressed (5).
    pub suppress_below: i64,
    /// Fewer observations than this in the district or the rest of the city: too few to compare (10).
    pub min_to_compare: i64,
    /// The significance level of the tests (0.05).
    pub significance: f64,
    /// Per deciding (or responsible) district, metric and group, beside the city-wide figure.
    pub cells: Vec<EquityCell>,
}

/// Equal treatment across the city: per district, the period's figures beside the whole city's.
///
/// Per deciding district (for decisions) or responsible district (for guarantee requests and shelter
/// nights): applications; median and 90th-percentile days from application to decision and from
/// decision to execution; shares granted, partly granted and denied; the share of granted decisions
/// reported to IVO (not executed or closed within three months, among those whose three months have
/// run out by today); guarantee breaches per 1,000 requests; placements outside the municipality; moves
/// between shelters per person. Each for everyone, women, men, and households with and without children.
///
/// Flags: shares and rates by a two-sided two-proportion z-test (pooled), durations and moves by a
/// two-sided Mann-Whitney U test (normal approximation, mid-ranks, no tie correction), each district
/// against the rest of the city, flagged `higher` or `lower` at p < 0.05. `too_few_to_compare` when the
/// district or the rest of the city has fewer than 10 observations. Cells of 1 to 4 observations are
/// `suppressed`: no figure is given, so nobody can be identified.
///
/// Roles: admin, housing_officer, auditor (a token limited to districts sees those districts' rows; the
/// city-wide figures are the whole municipality's). Counts only, no identities.
#[utoipa::path(get, path = "/api/v1/reports/equity", tag = "reports", operation_id = "get_equity_report",
    params(PeriodParams),
    responses((status = 200, description = "The district figures beside the city's", body = EquityReport), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_equity_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<PeriodParams>,
) -> Result<Json<EquityReport>, ApiError> {
    let work = state.unit_of_work(&principal, READ_EQUITY_REPORTS)?;
    Ok(Json(work.run(async |w| equity_report(w, params.from, params.to).await).await?))
}

/// The equity report of `from`..=`to` for the caller's districts (all when unlimited). Audited as read.
pub async fn equity_report(w: &mut Work<'_>, from: Date, to: Date) -> Result<EquityReport, ApiError> {
    check_period(from, to, MAX_PERIOD_DAYS)?;
    let municipality = w.principal().municipality.clone();
    let rows = aggregates(w.tx(), &municipality, from, to, today()).await?;
    let details = serde_json::json!({"report": "equity", "from": from.to_string(), "to": to.to_string()});
    w.audit(AuditEvent::new(AuditAction::Read, "report", None).details(details));
    let scope = &w.principal().district_scope;
    let mut cells = cells_of(&rows);
    cells.retain(|c| scope.is_empty() || scope.contains(&c.district_code));
    Ok(EquityReport {
        from,
        to,
        suppress_below: SUPPRESS_BELOW,
        min_to_compare: MIN_TO_COMPARE,
        significance: SIGNIFICANCE,
        cells,
    })
}

/// The group of a row: None for rows of unknown sex (counted in `all` only).
fn group_of(row: &AggregateRow) -> Option<Group> {
    match (row.sex.as_deref(), row.children) {
        (Some("woman"), _) => Some(Group::Women),
        (Some("man"), _) => Some(Group::Men),
        (Some(_), _) => None,
        (None, Some(true)) => Some(Group::WithChildren),
        (None, Some(false)) => Some(Group::WithoutChildren),
        (None, None) => Some(Group::All),
    }
}

/// Each district's cells beside the city's, by district, metric and group.
fn cells_of(rows: &[AggregateRow]) -> Vec<EquityCell> {
    let mut city: BTreeMap<(usize, usize), Aggregate> = BTreeMap::new();
    let mut districts: BTreeMap<(String, usize, usize), (Metric, Group, Aggregate)> = BTreeMap::new();
    let position = |metric: Metric, group: Group| {
        let m = Metric::ALL.iter().position(|x| *x == metric).unwrap_or(usize::MAX);
        let g = Group::ALL.iter().position(|x| *x == group).unwrap_or(usize::MAX);
        (m, g)
    };
    for row in rows {
        let (Ok(metric), Some(group)) = (row.metric.parse::<Metric>(), group_of(row)) else { continue };
        let key = position(metric, group);
        match &row.district {
            None => {
                city.insert(key, row.aggregate);
            }
            Some(district) => {
                districts.insert((district.clone(), key.0, key.1), (metric, group, row.aggregate));
            }
        }
    }
    districts
        .into_iter()
        .filter_map(|((district, m, g), (metric, group, aggregate))| {
            let city = city.get(&(m, g))?;
            Some(cell(district, metric, group, &aggregate, city))
        })
        .collect()
}
