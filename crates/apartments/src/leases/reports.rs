//! The lease outcomes report: per kind, the share taken over, the median months to takeover and the
//! share still housed after 12 months. The counting is a pure function, tested without a database.

use axum::extract::State;
use hemvist_platform::auth::Principal;
use hemvist_platform::night::today;
use hemvist_platform::{ApiError, AppState, Json, Query, ReadProblems};
use jiff::civil::Date;
use jiff::{ToSpan, Unit};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::{LeaseKind, LeaseStatus};
use super::repo;
use crate::access::READ_REPORTS;
use crate::apartments::http::scope;
use crate::rent::http::AsOfParams;

/// The horizon for the "still housed" outcome.
const HOUSED_HORIZON_MONTHS: i32 = 12;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_lease_outcomes_report))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeaseOutcomesReport {
    #[schema(value_type = String, format = Date)]
    pub as_of: Date,
    pub kinds: Vec<LeaseOutcomes>,
}

/// Lease outcomes per kind: share taken over, median months to takeover, share still housed after 12 months.
///
/// Roles: admin, housing_officer, auditor. Counts only, of the leases the caller may see.
#[utoipa::path(get, path = "/api/v1/reports/lease-outcomes", tag = "reports", operation_id = "get_lease_outcomes_report",
    params(AsOfParams),
    responses((status = 200, description = "Outcomes per lease kind", body = LeaseOutcomesReport), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_lease_outcomes_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<AsOfParams>,
) -> Result<Json<LeaseOutcomesReport>, ApiError> {
    let work = state.unit_of_work(&principal, READ_REPORTS)?;
    let as_of = params.as_of.unwrap_or_else(today);
    let leases = work.run(async |w| Ok(repo::activated_leases(w.tx(), &scope(w.principal())).await?)).await?;
    let histories: Vec<LeaseHistory> = leases
        .into_iter()
        .filter_map(|l| {
            Some(LeaseHistory {
                kind: l.kind,
                activated_on: l.activated_on?,
                ended_on: if l.status == LeaseStatus::Ended { l.ends_on } else { None },
                taken_over_on: l.taken_over_on,
            })
        })
        .collect();
    Ok(Json(LeaseOutcomesReport { as_of, kinds: lease_outcomes(&histories, as_of) }))
}

#[derive(Debug, Clone)]
pub struct LeaseHistory {
    pub kind: LeaseKind,
    /// The day the tenant moved in (activation); leases never activated are not passed in.
    pub activated_on: Date,
    /// The day it ended (not taken over), if it did.
    pub ended_on: Option<Date>,
    pub taken_over_on: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LeaseOutcomes {
    pub kind: LeaseKind,
    /// Leases activated on or before as_of.
    pub leases: u32,
    pub active: u32,
    pub ended: u32,
    pub taken_over: u32,
    /// taken_over / (taken_over + ended), among leases that finished on or before as_of; None when none finished.
    pub share_taken_over: Option<f64>,
    /// Median whole months from activation to takeover (jiff: months between dates, rounding down), None without takeovers.
    /// For an even count, the mean of the two middle values.
    pub median_months_to_takeover: Option<f64>,
    /// Among leases activated at least 12 months before as_of: the share where the person still had the home 12 months
    /// after activation (not ended before activated_on + 12 months; a takeover counts as still housed). None when none qualify.
    pub share_housed_after_12_months: Option<f64>,
}

/// Where a lease stands on the report day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    Active,
    Ended(Date),
    TakenOver(Date),
}

fn standing(lease: &LeaseHistory, as_of: Date) -> Standing {
    // A takeover wins over an end date: the sublease ending because the tenant took over the
    // first-hand lease is success, not an ended tenancy.
    if let Some(on) = lease.taken_over_on.filter(|on| *on <= as_of) {
        Standing::TakenOver(on)
    } else if let Some(on) = lease.ended_on.filter(|on| *on <= as_of) {
        Standing::Ended(on)
    } else {
        Standing::Active
    }
}

/// One entry per kind, in the order Trial, Training, HousingFirst (all three always present).
/// Events (ended_on/taken_over_on) after as_of are treated as not having happened yet.
pub fn lease_outcomes(leases: &[LeaseHistory], as_of: Date) -> Vec<LeaseOutcomes> {
    LeaseKind::ALL.iter().map(|kind| outcomes_for(*kind, leases, as_of)).collect()
}

fn outcomes_for(kind: LeaseKind, leases: &[LeaseHistory], as_of: Date) -> LeaseOutcomes {
    let (mut count, mut active, mut ended, mut taken_over) = (0u32, 0u32, 0u32, 0u32);
    let (mut qualifying, mut housed) = (0u32, 0u32);
    let mut months_to_takeover = Vec::new();

    for lease in leases.iter().filter(|l| l.kind == kind && l.activated_on <= as_of) {
        count = count.saturating_add(1);
        let standing = standing(lease, as_of);
        match standing {
            Standing::Active => active = active.saturating_add(1),
            Standing::Ended(_) => ended = ended.saturating_add(1),
            Standing::TakenOver(on) => {
                taken_over = taken_over.saturating_add(1);
                // Only fails at the calendar's edges; such a lease is left out of the median.
                if let Ok(span) = lease.activated_on.until((Unit::Month, on)) {
                    months_to_takeover.push(span.get_months());
                }
            }
        }
        // No horizon date (end of calendar) means the lease cannot be 12 months old yet.
        if let Ok(horizon) = lease.activated_on.checked_add(HOUSED_HORIZON_MONTHS.months())
            && horizon <= as_of
        {
            qualifying = qualifying.saturating_add(1);
            if !matches!(standing, Standing::Ended(on) if on < horizon) {
                housed = housed.saturating_add(1);
            }
        }
    }

    LeaseOutcomes {
        kind,
        leases: count,
        active,
        ended,
        taken_over,
        share_taken_over: share(taken_over, taken_over.saturating_add(ended)),
        median_months_to_takeover: median(&mut months_to_takeover),
        share_housed_after_12_months: share(housed, qualifying),
    }
}

fn share(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

fn median(values: &mut [i32]) -> Option<f64> {
    values.sort_unstable();
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values.get(mid).map(|v| f64::from(*v))
    } else {
        // Empty slices fall through here and give None, since index 0 - 1 does not exist.
        let lower = values.get(mid.checked_sub(1)?)?;
        let upper = values.get(mid)?;
        Some(f64::midpoint(f64::from(*lower), f64::from(*upper)))
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn lease(kind: LeaseKind, activated_on: Date, ended_on: Option<Date>, taken_over_on: Option<Date>) -> LeaseHistory {
        LeaseHistory { kind, activated_on, ended_on, taken_over_on }
    }

    fn months(from: Date, to: Date) -> i32 {
        from.until((Unit::Month, to)).map(|s| s.get_months()).unwrap_or(i32::MIN)
    }

    #[test]
    fn whole_months_round_down() {
        // 01-15 -> 10-15 is 9 months; one day short is 8 months and 29 days.
        assert_eq!(months(date(2026, 1, 15), date(2026, 10, 14)), 8);
        assert_eq!(months(date(2026, 1, 15), date(2026, 10, 15)), 9);
        // 04-01 -> 2026-05-01 = 13 months, + 14 days.
        assert_eq!(months(date(2025, 4, 1), date(2026, 5, 15)), 13);
        // Counting back does not clamp like adding does: 2024-02-29 + 12 months = 2025-02-28, yet
        // 2024-02-29 -> 2025-02-28 is 11 months and 30 days, since 2025 has no 02-29.
        assert_eq!(months(date(2024, 2, 29), date(2025, 2, 28)), 11);
        // Likewise 01-31 -> 04-30 is 2 months (03-31) and 30 days.
        assert_eq!(months(date(2026, 1, 31), date(2026, 4, 30)), 2);
    }

    #[test]
    fn outcomes_for_mixed_leases() {
        use LeaseKind::{HousingFirst, Training, Trial};
        let as_of = date(2027, 3, 1);
        // Activated on or before 2026-03-01 qualifies for the 12-month share (+ 12 months <= 2027-03-01).
        let leases = [
            // Trial
            // t1: taken over, 01-15 -> 10-14 = 8 months; housed (qualifies).
            lease(Trial, date(2026, 1, 15), None, Some(date(2026, 10, 14))),
            // t2: taken over, 01-15 -> 10-15 = 9 months; housed.
            lease(Trial, date(2026, 1, 15), None, Some(date(2026, 10, 15))),
            // t3: ended 2025-11-30 < 2025-06-01 + 12 = 2026-06-01: not housed.
            lease(Trial, date(2025, 6, 1), Some(date(2025, 11, 30)), None),
            // t4: active; 2026-05-10 + 12 = 2027-05-10 > as_of: does not qualify.
            lease(Trial, date(2026, 5, 10), None, None),
            // t5: takeover after as_of: still active; housed.
            lease(Trial, date(2025, 3, 1), None, Some(date(2027, 4, 1))),
            // t6: activated after as_of: not counted at all.
            lease(Trial, date(2027, 3, 2), None, None),
            // t7: taken over, 2025-02-01 -> 2026-02-01 = 12 months; housed.
            lease(Trial, date(2025, 2, 1), None, Some(date(2026, 2, 1))),
            // Training
            // r1: ended exactly on 2025-09-01 + 12 = 2026-09-01: not before it, so housed.
            lease(Training, date(2025, 9, 1), Some(date(2026, 9, 1)), None),
            // r2: ended 2026-08-31, one day before the horizon: not housed.
            lease(Training, date(2025, 9, 1), Some(date(2026, 8, 31)), None),
            // r3: ends after as_of: active; 2026-04-01 + 12 > as_of: does not qualify.
            lease(Training, date(2026, 4, 1), Some(date(2027, 5, 1)), None),
            // Housing First
            // h1: 01-10 -> 07-09 = 5 months (6 would be 07-10).
            lease(HousingFirst, date(2025, 1, 10), None, Some(date(2025, 7, 9))),
            // h2: 01-10 -> 07-10 = 6 months.
            lease(HousingFirst, date(2025, 1, 10), None, Some(date(2025, 7, 10))),
            // h3: 2025-03-20 -> 2026-03-20 = 12 months.
            lease(HousingFirst, date(2025, 3, 20), None, Some(date(2026, 3, 20))),
            // h4: 2025-04-01 -> 2026-05-15 = 13 months.
            lease(HousingFirst, date(2025, 4, 1), None, Some(date(2026, 5, 15))),
            // h5: 2026-02-01 + 12 = 2027-02-01 <= as_of qualifies; ended 2026-06-15 before it: not housed.
            lease(HousingFirst, date(2026, 2, 1), Some(date(2026, 6, 15)), None),
            // h6: active, too recent to qualify.
            lease(HousingFirst, date(2026, 12, 1), None, None),
        ];

        assert_eq!(
            lease_outcomes(&leases, as_of),
            vec![
                LeaseOutcomes {
                    kind: Trial,
                    // t1, t2, t3, t4, t5, t7 (t6 not yet activated).
                    leases: 6,
                    // t4, t5.
                    active: 2,
                    // t3.
                    ended: 1,
                    // t1, t2, t7.
                    taken_over: 3,
                    // 3 / (3 + 1) = 0.75.
                    share_taken_over: Some(0.75),
                    // sorted [8, 9, 12] -> middle 9.
                    median_months_to_takeover: Some(9.0),
                    // qualifying t1, t2, t3, t5, t7 = 5; housed all but t3 = 4; 4 / 5 = 0.8.
                    share_housed_after_12_months: Some(0.8),
                },
                LeaseOutcomes {
                    kind: Training,
                    leases: 3,
                    // r3.
                    active: 1,
                    // r1, r2.
                    ended: 2,
                    taken_over: 0,
                    // 0 / (0 + 2) = 0.
                    share_taken_over: Some(0.0),
                    median_months_to_takeover: None,
                    // qualifying r1, r2; housed r1: 1 / 2 = 0.5.
                    share_housed_after_12_months: Some(0.5),
                },
                LeaseOutcomes {
                    kind: HousingFirst,
                    leases: 6,
                    // h6.
                    active: 1,
                    // h5.
                    ended: 1,
                    // h1..h4.
                    taken_over: 4,
                    // 4 / (4 + 1) = 0.8.
                    share_taken_over: Some(0.8),
                    // sorted [5, 6, 12, 13] -> (6 + 12) / 2 = 9.
                    median_months_to_takeover: Some(9.0),
                    // qualifying h1..h5 = 5; housed h1..h4 = 4; 4 / 5 = 0.8.
                    share_housed_after_12_months: Some(0.8),
                },
            ]
        );
    }

    #[test]
    fn outcomes_always_list_every_kind() {
        let empty = |kind| LeaseOutcomes {
            kind,
            leases: 0,
            active: 0,
            ended: 0,
            taken_over: 0,
            share_taken_over: None,
            median_months_to_takeover: None,
            share_housed_after_12_months: None,
        };
        assert_eq!(
            lease_outcomes(&[], date(2027, 3, 1)),
            vec![empty(LeaseKind::Trial), empty(LeaseKind::Training), empty(LeaseKind::HousingFirst)]
        );
    }

    #[test]
    fn outcomes_before_any_event_happened() {
        // Same lease seen on three days: before the end, on it, and after a later takeover record.
        let leases = [lease(LeaseKind::Trial, date(2026, 1, 15), Some(date(2026, 6, 30)), None)];
        let before = &lease_outcomes(&leases, date(2026, 6, 29))[0];
        assert_eq!((before.active, before.ended, before.share_taken_over), (1, 0, None));
        let on = &lease_outcomes(&leases, date(2026, 6, 30))[0];
        // 0 / (0 + 1) = 0.
        assert_eq!((on.active, on.ended, on.share_taken_over), (0, 1, Some(0.0)));
        // 2026-01-15 + 12 = 2027-01-15 <= 2027-01-15 qualifies; ended 06-30 before it: 0 / 1.
        let year_later = &lease_outcomes(&leases, date(2027, 1, 15))[0];
        assert_eq!(year_later.share_housed_after_12_months, Some(0.0));
        // One day earlier it does not qualify yet.
        let almost = &lease_outcomes(&leases, date(2027, 1, 14))[0];
        assert_eq!(almost.share_housed_after_12_months, None);
    }

    #[test]
    fn takeover_wins_over_end_date() {
        // A record with both dates (the sublease ended because the tenant took over) counts once, as a takeover.
        let leases = [lease(LeaseKind::HousingFirst, date(2025, 5, 1), Some(date(2026, 2, 1)), Some(date(2026, 2, 1)))];
        let out = &lease_outcomes(&leases, date(2026, 6, 1))[2];
        assert_eq!(out.kind, LeaseKind::HousingFirst);
        assert_eq!((out.leases, out.active, out.ended, out.taken_over), (1, 0, 0, 1));
        // 2025-05-01 -> 2026-02-01 = 9 months.
        assert_eq!(out.median_months_to_takeover, Some(9.0));
        // 2025-05-01 + 12 = 2026-05-01 <= 06-01 qualifies; a takeover counts as housed: 1 / 1.
        assert_eq!(out.share_housed_after_12_months, Some(1.0));
    }

    #[test]
    fn twelve_month_horizon_from_leap_day() {
        // 2024-02-29 + 12 months = 2025-02-28 (clamped), so it qualifies on 2025-02-28 and
        // an end on 2025-02-28 is not before it.
        let leases = [lease(LeaseKind::Training, date(2024, 2, 29), Some(date(2025, 2, 28)), None)];
        let out = &lease_outcomes(&leases, date(2025, 2, 28))[1];
        assert_eq!(out.share_housed_after_12_months, Some(1.0));
        let leases = [lease(LeaseKind::Training, date(2024, 2, 29), Some(date(2025, 2, 27)), None)];
        let out = &lease_outcomes(&leases, date(2025, 2, 28))[1];
        assert_eq!(out.share_housed_after_12_months, Some(0.0));
    }

    #[test]
    fn median_of_one_and_two() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [7]), Some(7.0));
        // (3 + 4) / 2 = 3.5, input unsorted.
        assert_eq!(median(&mut [4, 3]), Some(3.5));
    }
}
