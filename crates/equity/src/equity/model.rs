//! The equity report's rules: which figure each metric is, when a cell is suppressed, when a district
//! is too small to compare, and the two tests that flag a difference from the rest of the city.
//!
//! - Shares and rates (granted, partly granted, denied, reported to IVO, breaches per 1,000 requests,
//!   placements outside the municipality): a two-sided two-proportion z-test (pooled), district
//!   against the rest of the city.
//! - Durations (days to decision, days to execution) and moves per person: a two-sided Mann-Whitney U
//!   test by the normal approximation (mid-ranks for ties, no tie correction), district against the
//!   rest of the city, from the rank sums computed in SQL.
//! - Flagged when p < 0.05. Not compared when the district or the rest of the city has fewer than
//!   [`MIN_TO_COMPARE`] observations. A cell of 1 to 4 observations ([`SUPPRESS_BELOW`]) is suppressed:
//!   no figure is shown for it, so nobody can be identified.

use serde::Serialize;
use utoipa::ToSchema;

/// A cell with at least one but fewer observations than this is suppressed.
pub const SUPPRESS_BELOW: i64 = 5;
/// Fewer observations than this in the district or the rest of the city: too few to compare.
pub const MIN_TO_COMPARE: i64 = 10;
/// The significance level of both tests.
pub const SIGNIFICANCE: f64 = 0.05;

hemvist_platform::pg_enum! {
    /// A figure of the equity report.
    pub enum Metric {
        /// Applications made in the period (count).
        Applications = "applications",
        /// Days from application to decision, for decisions made in the period (median, 90th percentile).
        DaysToDecision = "days_to_decision",
        /// Days from decision to execution, for decisions executed in the period (median, 90th percentile).
        DaysToExecution = "days_to_execution",
        /// Share of the period's decisions that granted in full.
        GrantedShare = "granted_share",
        /// Share of the period's decisions that granted in part.
        PartlyGrantedShare = "partly_granted_share",
        /// Share of the period's decisions that denied.
        DeniedShare = "denied_share",
        /// Share of the period's granted decisions, whose three months have run out, that were neither
        /// executed nor closed within them (reported to IVO).
        IvoShare = "ivo_share",
        /// Guarantee breaches (no suitable bed) per 1,000 guarantee requests of the period.
        BreachesPer1000Requests = "breaches_per_1000_requests",
        /// Placements outside the municipality among the period's placements (count; the test is on the share).
        OutOfMunicipalityPlacements = "out_of_municipality_placements",
        /// Moves between shelters per person who slept in a shelter in the period (mean, 90th percentile).
        MovesPerPerson = "moves_per_person",
    }
}

hemvist_platform::pg_enum! {
    /// Whom a cell counts: everyone, by sex, or by household with or without children.
    pub enum Group {
        All = "all",
        Women = "women",
        Men = "men",
        WithChildren = "with_children",
        WithoutChildren = "without_children",
    }
}

hemvist_platform::pg_enum! {
    /// How the district compares with the rest of the city.
    pub enum Comparison {
        /// Higher than the rest of the city beyond chance (p < 0.05).
        Higher = "higher",
        /// Lower than the rest of the city beyond chance (p < 0.05).
        Lower = "lower",
        /// No difference beyond what chance explains at its size.
        NoDifference = "no_difference",
        /// Too few observations in the district or the rest of the city to compare.
        TooFewToCompare = "too_few_to_compare",
        /// Fewer than five observations: the figures are not shown.
        Suppressed = "suppressed",
        /// A count: not tested.
        NotTested = "not_tested",
    }
}

/// How a metric is computed and tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Count,
    Duration,
    Share { per: u32 },
    CountOfShare,
    Mean,
}

impl Metric {
    pub fn kind(self) -> Kind {
        match self {
            Metric::Applications => Kind::Count,
            Metric::DaysToDecision | Metric::DaysToExecution => Kind::Duration,
            Metric::GrantedShare | Metric::PartlyGrantedShare | Metric::DeniedShare | Metric::IvoShare => {
                Kind::Share { per: 1 }
            }
            Metric::BreachesPer1000Requests => Kind::Share { per: 1000 },
            Metric::OutOfMunicipalityPlacements => Kind::CountOfShare,
            Metric::MovesPerPerson => Kind::Mean,
        }
    }
}

/// The aggregate of one metric for one group in one district, or city-wide, as SQL computes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Aggregate {
    /// Observations (decisions, requests, placements, people).
    pub n: i64,
    /// Sum of the observations' values (1 per hit for shares).
    pub total: f64,
    pub median: f64,
    pub p90: f64,
    /// Sum of the observations' mid-ranks among the whole city (durations and moves).
    pub rank_sum: Option<f64>,
}

/// One figure of one group in one district, beside the city-wide figure.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct EquityCell {
    pub district_code: String,
    pub metric: Metric,
    pub group: Group,
    /// Observations behind the figure (decisions, requests, placements or people); shown even when
    /// the figure is suppressed, except that suppression hides counts of 1 to 4 (then null).
    pub n: Option<i64>,
    /// The count of hits (shares) or of applications; null when suppressed or not a count.
    pub count: Option<i64>,
    /// The figure: a count, a median in days, a share (0–1), a rate per 1,000, or a mean.
    pub value: Option<f64>,
    /// The 90th percentile (durations and moves).
    pub p90: Option<f64>,
    /// The same figure for the whole city.
    pub city_n: Option<i64>,
    pub city_value: Option<f64>,
    pub city_p90: Option<f64>,
    pub comparison: Comparison,
    /// The test's two-sided p value, when compared.
    pub p_value: Option<f64>,
}

/// The figures of an aggregate: (count, value, p90).
fn figures(metric: Metric, a: &Aggregate) -> (Option<i64>, Option<f64>, Option<f64>) {
    if suppressed(a.n) {
        return (None, None, None);
    }
    let count = a.total.round() as i64;
    let n = a.n as f64;
    match metric.kind() {
        Kind::Count => (Some(a.n), Some(n), None),
        Kind::Duration => (None, Some(a.median), Some(a.p90)),
        Kind::Share { per } if a.n > 0 => (Some(count), Some(a.total / n * f64::from(per)), None),
        Kind::Share { .. } => (Some(0), None, None),
        Kind::CountOfShare => (Some(count), Some(a.total), None),
        Kind::Mean if a.n > 0 => (None, Some(a.total / n), Some(a.p90)),
        Kind::Mean => (None, None, None),
    }
}

/// A cell of 1 to 4 observations is not shown.
pub fn suppressed(n: i64) -> bool {
    (1..SUPPRESS_BELOW).contains(&n)
}

/// The cell of a district's aggregate beside the city's.
pub fn cell(district_code: String, metric: Metric, group: Group, district: &Aggregate, city: &Aggregate) -> EquityCell {
    let (count, value, p90) = figures(metric, district);
    let (_, city_value, city_p90) = figures(metric, city);
    let (comparison, p_value) = compare(metric, district, city);
    EquityCell {
        district_code,
        metric,
        group,
        n: (!suppressed(district.n)).then_some(district.n),
        count,
        value,
        p90,
        city_n: (!suppressed(city.n)).then_some(city.n),
        city_value,
        city_p90,
        comparison,
        p_value,
    }
}

/// The district against the rest of the city.
pub fn compare(metric: Metric, district: &Aggregate, city: &Aggregate) -> (Comparison, Option<f64>) {
    if suppressed(district.n) {
        return (Comparison::Suppressed, None);
    }
    if metric.kind() == Kind::Count {
        return (Comparison::NotTested, None);
    }
    let rest_n = city.n - district.n;
    if district.n < MIN_TO_COMPARE || rest_n < MIN_TO_COMPARE {
        return (Comparison::TooFewToCompare, None);
    }
    let z = match metric.kind() {
        Kind::Duration | Kind::Mean => match (district.rank_sum, city.rank_sum) {
            (Some(rank_sum), Some(_)) => mann_whitney_z(rank_sum, district.n, city.n),
            _ => None,
        },
        _ => two_proportion_z(district.total, district.n, city.total - district.total, rest_n),
    };
    match z {
        None => (Comparison::NoDifference, Some(1.0)),
        Some(z) => {
            let p = two_sided_p(z);
            let comparison = if p >= SIGNIFICANCE {
                Comparison::NoDifference
            } else if z > 0.0 {
                Comparison::Higher
            } else {
                Comparison::Lower
            };
            (comparison, Some(p))
        }
    }
}

/// The pooled two-proportion z statistic of `x1` hits in `n1` against `x2` in `n2`; None when both
/// shares are 0 or both 1 (nothing varies).
pub fn two_proportion_z(x1: f64, n1: i64, x2: f64, n2: i64) -> Option<f64> {
    let (n1, n2) = (n1 as f64, n2 as f64);
    let pooled = (x1 + x2) / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    (se > 0.0).then(|| (x1 / n1 - x2 / n2) / se)
}

/// The Mann-Whitney z statistic of a group of `n1` observations whose mid-ranks among all `n`
/// observations sum to `rank_sum`, against the other `n - n1` (normal approximation, no tie correction).
pub fn mann_whitney_z(rank_sum: f64, n1: i64, n: i64) -> Option<f64> {
    let (n1, n2) = (n1 as f64, (n - n1) as f64);
    let u = rank_sum - n1 * (n1 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let sd = (n1 * n2 * (n1 + n2 + 1.0) / 12.0).sqrt();
    (sd > 0.0).then(|| (u - mean) / sd)
}

/// The two-sided p value of a standard normal statistic.
pub fn two_sided_p(z: f64) -> f64 {
    (2.0 * (1.0 - normal_cdf(z.abs()))).clamp(0.0, 1.0)
}

/// The standard normal distribution function (Abramowitz and Stegun 7.1.26; error below 1.5e-7).
pub fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 { 0.5 * (1.0 + erf) } else { 0.5 * (1.0 - erf) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(n: i64, hits: f64) -> Aggregate {
        Aggregate { n, total: hits, median: 0.0, p90: 0.0, rank_sum: None }
    }

    #[test]
    fn normal_distribution() {
        assert!((normal_cdf(1.96) - 0.975).abs() < 1e-4);
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(-1.0) - 0.158_655).abs() < 1e-5);
        assert!((two_sided_p(1.96) - 0.05).abs() < 1e-3);
    }

    #[test]
    fn two_proportions_by_hand() {
        // 30 of 50 against 20 of 50: pooled 0.5, se = sqrt(0.25 * 0.04) = 0.1, z = 0.2 / 0.1 = 2.
        let z = two_proportion_z(30.0, 50, 20.0, 50).unwrap_or_default();
        assert!((z - 2.0).abs() < 1e-9);
        // District 30/50, whole city 50/100: the rest is 20/50; p = 0.0455 < 0.05, higher.
        let (comparison, p) = compare(Metric::GrantedShare, &share(50, 30.0), &share(100, 50.0));
        assert_eq!(comparison, Comparison::Higher);
        assert!((p.unwrap_or_default() - 0.0455).abs() < 1e-3);
        // 28 of 50 against 22 of 50: z = 1.2, no difference.
        assert_eq!(compare(Metric::GrantedShare, &share(50, 28.0), &share(100, 50.0)).0, Comparison::NoDifference);
        assert_eq!(compare(Metric::DeniedShare, &share(9, 9.0), &share(100, 50.0)).0, Comparison::TooFewToCompare);
        assert_eq!(compare(Metric::DeniedShare, &share(4, 4.0), &share(100, 50.0)).0, Comparison::Suppressed);
        assert_eq!(compare(Metric::Applications, &share(40, 40.0), &share(100, 100.0)).0, Comparison::NotTested);
    }

    #[test]
    fn mann_whitney_by_hand() {
        // 10 values all below 10 others: ranks 1..10 sum to 55; U = 0, mean 50, sd = sqrt(100*21/12).
        let z = mann_whitney_z(55.0, 10, 20).unwrap_or_default();
        assert!((z - (-50.0 / 175f64.sqrt())).abs() < 1e-9);
        let district = Aggregate { n: 10, total: 10.0, median: 1.0, p90: 1.0, rank_sum: Some(55.0) };
        let city = Aggregate { n: 20, total: 30.0, median: 1.5, p90: 2.0, rank_sum: Some(210.0) };
        assert_eq!(compare(Metric::DaysToDecision, &district, &city).0, Comparison::Lower);
    }

    #[test]
    fn small_cells_are_suppressed() {
        let cell = cell("jarva".into(), Metric::GrantedShare, Group::Women, &share(4, 2.0), &share(100, 50.0));
        assert_eq!((cell.n, cell.count, cell.value, cell.comparison), (None, None, None, Comparison::Suppressed));
        assert_eq!(cell.city_value, Some(0.5));
        assert!(!suppressed(0) && suppressed(1) && suppressed(4) && !suppressed(5));
    }
}
