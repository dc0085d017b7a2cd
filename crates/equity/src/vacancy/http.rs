//! The vacancy report over HTTP, and the function the web pages run.

use axum::extract::State;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::period::check_period;
use hemvist_platform::{ApiError, AppState, Json, Query, ReadProblems, Work};
use jiff::civil::Date;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::repo::{VacantNow, district_days, longest_vacant_now, vacant_apartments};
use crate::READ_EQUITY_REPORTS;
use crate::equity::http::{MAX_PERIOD_DAYS, PeriodParams};

/// The most apartments the report lists.
pub const MAX_APARTMENTS: i64 = 500;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_vacancy_report))
}

/// An apartment and the days it stood vacant in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApartmentVacancy {
    pub apartment_id: Uuid,
    pub address: String,
    pub district_code: String,
    pub vacant_days: i64,
}

/// A district's empty homes against its people waiting, summed over the days of the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictVacancy {
    pub district_code: String,
    /// Sum over the days of the apartments vacant that day.
    pub vacant_apartment_days: i64,
    /// Sum over the days of the people waiting that day: a granted, unexecuted housing decision of the
    /// district, or a night in a shelter with the district responsible.
    pub waiting_person_days: i64,
    /// Days on which the district had both a vacant apartment and someone waiting.
    pub days_with_both: i64,
    /// Sum over the days of the smaller of vacant apartments and waiting people: homes that stood empty
    /// while someone of the district waited.
    pub matchable_days: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VacancyReport {
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    /// Apartments vacant on some day of the period, longest first (at most 500).
    pub apartments: Vec<ApartmentVacancy>,
    pub districts: Vec<DistrictVacancy>,
}

/// Empty homes while people wait, for a period.
///
/// An apartment is vacant on a day of its first-hand contract when no lease covers the day (an offered,
/// active or taken-over lease from its start; an ended one through its last day) and it is not marked
/// unavailable, returned or transferred (its present status counts for the whole period). Waiting on a
/// day: a granted trial, training or Housing First decision neither executed nor closed (by the
/// decision's district), or a night in a shelter (by the person's responsible district); a person counts
/// once a day. To roles that may not see protected addresses (auditor), an apartment that is now a
/// protected home is left out, as it shows as out of letting everywhere to them.
///
/// Roles: admin, housing_officer, auditor; a token limited to districts sees its districts. No people.
#[utoipa::path(get, path = "/api/v1/reports/vacancy", tag = "reports", operation_id = "get_vacancy_report",
    params(PeriodParams),
    responses((status = 200, description = "Vacant apartment-days and waiting people", body = VacancyReport),
        ReadProblems),
    security(("bearer" = [])))]
pub async fn get_vacancy_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<PeriodParams>,
) -> Result<Json<VacancyReport>, ApiError> {
    let work = state.unit_of_work(&principal, READ_EQUITY_REPORTS)?;
    Ok(Json(work.run(async |w| vacancy_report(w, params.from, params.to, MAX_APARTMENTS).await).await?))
}

/// The vacancy report of `from`..=`to` for the caller's districts, at most `limit` apartments.
pub async fn vacancy_report(w: &mut Work<'_>, from: Date, to: Date, limit: i64) -> Result<VacancyReport, ApiError> {
    check_period(from, to, MAX_PERIOD_DAYS)?;
    let municipality = w.principal().municipality.clone();
    let scope = w.principal().district_scope.clone();
    let in_scope = |district: &str| scope.is_empty() || scope.iter().any(|d| d == district);
    let sees_protected = hemvist_tenants::api::sees_protected_contact(w.principal());
    let apartments = vacant_apartments(w.tx(), &municipality, (from, to), &scope, sees_protected, limit)
        .await?
        .into_iter()
        .map(|a| ApartmentVacancy {
            apartment_id: a.apartment_id,
            address: a.address,
            district_code: a.district_code,
            vacant_days: a.vacant_days,
        })
        .collect();
    let districts = district_days(w.tx(), &municipality, (from, to), sees_protected)
        .await?
        .into_iter()
        .filter(|d| in_scope(&d.district_code))
        .map(|d| DistrictVacancy {
            district_code: d.district_code,
            vacant_apartment_days: d.vacant_apartment_days,
            waiting_person_days: d.waiting_person_days,
            days_with_both: d.days_with_both,
            matchable_days: d.matchable_days,
        })
        .collect();
    let details = serde_json::json!({"report": "vacancy", "from": from.to_string(), "to": to.to_string()});
    w.audit(AuditEvent::new(AuditAction::Read, "report", None).details(details));
    Ok(VacancyReport { from, to, apartments, districts })
}

/// The apartments available now, longest vacant first (for the housing officer's page, beside the
/// longest-waiting decisions). The caller's unit of work has checked the role; no people in it.
pub async fn longest_vacant(w: &mut Work<'_>, limit: i64) -> Result<Vec<VacantNow>, ApiError> {
    let municipality = w.principal().municipality.clone();
    let districts = w.principal().district_scope.clone();
    Ok(longest_vacant_now(w.tx(), &municipality, &districts, limit).await?)
}
