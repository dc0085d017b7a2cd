//! Reports on support: planned against held visits per worker, and the Housing First follow-up of a
//! month. Counts only: no person is named, so nothing here is audited per person.

use std::collections::BTreeMap;

use axum::extract::State;
use hemvist_platform::auth::Principal;
use hemvist_platform::period::{self, check_period};
use hemvist_platform::{ApiError, AppState, Json, Query, ReadProblems};
use hemvist_tenants::api::staff_scope;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::{READ_PLANS, READ_REPORTS};
use crate::plans::repo::{FollowUpRow, housing_first_follow_up};
use crate::visits::http::PeriodParams;
use crate::visits::model::VisitCounts;
use crate::visits::repo::visits_by_staff;

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerVisits {
    pub staff_id: String,
    pub counts: VisitCounts,
    /// held / (held + missed); absent without either.
    pub share_held: Option<f64>,
}

/// Planned against held visits per support worker (support workers: their own).
///
/// Roles: admin, auditor, support_worker (own figures). Counts only.
#[utoipa::path(get, path = "/api/v1/reports/visits-by-worker", tag = "reports", operation_id = "get_visits_by_worker_report",
    params(PeriodParams),
    responses((status = 200, description = "Per worker", body = Vec<WorkerVisits>), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_visits_by_worker_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(period): Query<PeriodParams>,
) -> Result<Json<Vec<WorkerVisits>>, ApiError> {
    let work = state.unit_of_work(&principal, READ_PLANS)?;
    check_period(period.from, period.to, 366)?;
    let rows = work
        .run(async |w| {
            let principal = w.principal();
            Ok(visits_by_staff(w.tx(), &principal.municipality, staff_scope(principal), period.from, period.to).await?)
        })
        .await?;
    let mut workers: BTreeMap<String, VisitCounts> = BTreeMap::new();
    for (staff, status, count) in rows {
        workers.entry(staff).or_default().add(status, count);
    }
    Ok(Json(
        workers
            .into_iter()
            .map(|(staff_id, counts)| WorkerVisits { staff_id, share_held: counts.share_held(), counts })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthParams {
    /// `YYYY-MM`.
    #[param(example = "2026-11", pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HousingFirstFollowUp {
    pub month: String,
    /// Bostad Först tenants whose lease ran during the month.
    pub tenants: usize,
    /// Visits held in the month for them.
    pub visits_held: i64,
    pub visits_per_tenant: Option<f64>,
    /// Share whose open plan was not overdue for review at the month's end.
    pub share_reviewed_on_time: Option<f64>,
    /// Share whose open plan the person has agreed to.
    pub share_with_agreed_plan: Option<f64>,
    /// Tenants without an open plan (support is offered, never required).
    pub without_plan: usize,
}

impl HousingFirstFollowUp {
    /// The month's figures from its tenants; `last` is the month's last day.
    fn from_rows(month: String, last: Date, rows: &[FollowUpRow]) -> Self {
        let tenants = rows.len();
        let visits_held: i64 = rows.iter().map(|r| r.visits_held).sum();
        let with_plan: Vec<_> = rows.iter().filter(|r| r.next_review_on.is_some()).collect();
        let share = |n: usize, of: usize| (of > 0).then(|| n as f64 / of as f64);
        Self {
            month,
            tenants,
            visits_held,
            visits_per_tenant: share(usize::try_from(visits_held).unwrap_or(0), tenants),
            share_reviewed_on_time: share(
                with_plan.iter().filter(|r| r.next_review_on.is_some_and(|next| next >= last)).count(),
                with_plan.len(),
            ),
            share_with_agreed_plan: share(with_plan.iter().filter(|r| r.agreed_on.is_some()).count(), with_plan.len()),
            without_plan: tenants - with_plan.len(),
        }
    }
}

/// Housing First follow-up for a month: visits, reviews on time, agreed plans.
///
/// Roles: admin, auditor. Counts only. A token limited to districts counts the tenants of apartments
/// in its districts.
#[utoipa::path(get, path = "/api/v1/reports/housing-first-follow-up", tag = "reports", operation_id = "get_housing_first_follow_up_report",
    params(MonthParams),
    responses((status = 200, description = "The month's follow-up", body = HousingFirstFollowUp), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_housing_first_follow_up_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<MonthParams>,
) -> Result<Json<HousingFirstFollowUp>, ApiError> {
    let work = state.unit_of_work(&principal, READ_REPORTS)?;
    let month = params.month.trim();
    let (first, last) = period::month("month", month)?;
    let rows = work
        .run(async |w| {
            let principal = w.principal();
            Ok(housing_first_follow_up(w.tx(), &principal.municipality, &principal.district_scope, first, last).await?)
        })
        .await?;
    Ok(Json(HousingFirstFollowUp::from_rows(month.to_owned(), last, &rows)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(visits_held: i64, next_review_on: Option<Date>, agreed_on: Option<Date>) -> FollowUpRow {
        FollowUpRow { visits_held, next_review_on, agreed_on }
    }

    #[test]
    fn follow_up_counts_plans_reviews_and_agreements() {
        let last = Date::constant(2026, 3, 31);
        let rows = [
            tenant(3, Some(Date::constant(2026, 4, 15)), Some(Date::constant(2026, 1, 2))),
            tenant(1, Some(Date::constant(2026, 3, 1)), None),
            tenant(0, None, None),
        ];
        let report = HousingFirstFollowUp::from_rows("2026-03".into(), last, &rows);
        assert_eq!((report.tenants, report.visits_held, report.without_plan), (3, 4, 1));
        assert_eq!(report.visits_per_tenant, Some(4.0 / 3.0));
        assert_eq!(report.share_reviewed_on_time, Some(0.5));
        assert_eq!(report.share_with_agreed_plan, Some(0.5));
        let empty = HousingFirstFollowUp::from_rows("2026-03".into(), last, &[]);
        assert_eq!((empty.visits_per_tenant, empty.share_reviewed_on_time), (None, None));
    }
}
