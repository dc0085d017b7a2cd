//! The apartment stock report: stock and lets per district.

use std::collections::BTreeMap;

use axum::extract::State;
use hemvist_platform::auth::Principal;
use hemvist_platform::night::today;
use hemvist_platform::{ApiError, AppState, Json, Query, ReadProblems};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::http::scope;
use super::repo;
use crate::access::READ_REPORTS;
use crate::leases::repo as leases;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_apartment_stock_report))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictStock {
    pub district_code: String,
    /// Apartments still held (not returned to the landlord or taken over).
    pub in_stock: i64,
    /// This district's share of the municipality's stock, 0..1.
    pub share_of_stock: f64,
    pub by_status: BTreeMap<String, i64>,
    /// Sublets running on the date, by lease kind.
    pub active_leases: BTreeMap<String, i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApartmentStockReport {
    #[schema(value_type = String, format = Date)]
    pub on: Date,
    pub total_in_stock: i64,
    pub districts: Vec<DistrictStock>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnParams {
    /// Default: today in Stockholm.
    #[param(value_type = Option<String>, format = Date)]
    pub on: Option<Date>,
}

/// Stock and lets per district: how the city's apartments are spread over districts. The stock is as it
/// stands now (apartments returned or taken over are out of it); the sublets are those running on `on`.
///
/// Roles: admin, housing_officer, auditor. Counts only, of what the caller is shown: for roles that may
/// not see protected addresses protected homes count as the apartments list shows them, and their leases
/// do not count.
#[utoipa::path(get, path = "/api/v1/reports/apartment-stock", tag = "reports", operation_id = "get_apartment_stock_report",
    params(OnParams),
    responses((status = 200, description = "Stock per district", body = ApartmentStockReport), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_apartment_stock_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<OnParams>,
) -> Result<Json<ApartmentStockReport>, ApiError> {
    let work = state.unit_of_work(&principal, READ_REPORTS)?;
    let on = params.on.unwrap_or_else(today);
    let (stock, lets) = work
        .run(async |w| {
            let scope = scope(w.principal());
            let stock = repo::stock_by_district(w.tx(), &scope).await?;
            let lets = leases::active_by_district(w.tx(), &scope, on).await?;
            Ok((stock, lets))
        })
        .await?;
    let mut districts: BTreeMap<String, DistrictStock> = BTreeMap::new();
    for (code, status, count) in stock {
        let district = districts.entry(code.clone()).or_insert_with(|| empty_district(&code));
        if status.in_stock() {
            district.in_stock += count;
        }
        district.by_status.insert(status.as_str().to_owned(), count);
    }
    for (code, kind, count) in lets {
        let district = districts.entry(code.clone()).or_insert_with(|| empty_district(&code));
        district.active_leases.insert(kind.as_str().to_owned(), count);
    }
    let total: i64 = districts.values().map(|d| d.in_stock).sum();
    let districts = districts
        .into_values()
        .map(|mut d| {
            d.share_of_stock = if total > 0 { d.in_stock as f64 / total as f64 } else { 0.0 };
            d
        })
        .collect();
    Ok(Json(ApartmentStockReport { on, total_in_stock: total, districts }))
}

fn empty_district(code: &str) -> DistrictStock {
    DistrictStock {
        district_code: code.to_owned(),
        in_stock: 0,
        share_of_stock: 0.0,
        by_status: BTreeMap::new(),
        active_leases: BTreeMap::new(),
    }
}
