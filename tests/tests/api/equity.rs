//! Issue 14, the district equity report, checked against a data set computed by hand from the rules
//! (issue 14 and domain.md), not read back from the code:
//! - per deciding district: applications, median and 90th-percentile days, shares, IVO share, guarantee
//!   breaches per 1,000 requests, placements outside the municipality, moves per person in shelters;
//! - by sex and by households with children, the city-wide figure beside each;
//! - flags from a two-proportion z-test (shares) and a Mann-Whitney U test (durations) at p < 0.05,
//!   "too few to compare" under 10 observations on either side, cells of 1 to 4 suppressed.
//!
//! The data set (period 2025-01-01 – 2025-03-31, every decision made 2025-02-15, one person each):
//! - Järva J1–J20 (J1–J10 women, J11–J20 men; J1–J6 have a child at home): applied 1..20 days before;
//!   J1–J18 granted, J19–J20 denied; J1–J16 executed 2025-03-01, J17–J18 never (late for IVO).
//! - Farsta F1–F20 (F1–F10 women; F1–F2 have a child): applied 21..40 days before; F1–F8 granted,
//!   F1–F4 executed 2025-03-01, F5–F8 never.
//! - Bromma B1–B3 (women): applied 50 days before (2024-12-27, outside the period), granted, executed.
//! - Guarantee requests, night 2025-02-10: J1–J2 no suitable bed, J3–J10 declined; F1–F10 placed, F1–F5
//!   in a shelter outside the municipality (with consent).
//! - Shelter nights 2025-02-01..03: J11 S1,S2,S1 (2 moves); J12 S1,S1,S1; J13 S1,S2,S2 (1); J14 S2×3;
//!   J15 S1,S2,S1 (2). F1–F10 one night each on 2025-02-10.

use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::Value;

pub(crate) const SEED: &str = "
INSERT INTO people (municipality_code, identity_kind, given_name, family_name, sex, responsible_district_code)
SELECT '0180', 'none', d.k || g, 'Equity', CASE WHEN g <= 10 THEN 'woman' ELSE 'man' END, d.district
  FROM (VALUES ('J', 'jarva', 20), ('F', 'farsta', 20), ('B', 'bromma', 3)) d(k, district, n), generate_series(1, d.n) g;
CREATE TEMP TABLE hh AS SELECT id AS person, gen_random_uuid() AS household FROM people
 WHERE family_name = 'Equity' AND given_name = ANY('{J1,J2,J3,J4,J5,J6,F1,F2}');
INSERT INTO households (municipality_code, id) SELECT '0180', household FROM hh;
UPDATE people p SET household_id = hh.household, household_role = 'adult' FROM hh WHERE p.id = hh.person;
INSERT INTO household_children (municipality_code, household_id, birth_date) SELECT '0180', household, '2015-05-05' FROM hh;
CREATE TEMP VIEW seeded AS SELECT p.*, left(p.given_name, 1) AS k, substr(p.given_name, 2)::int AS n
  FROM people p WHERE p.family_name = 'Equity';
INSERT INTO decisions (municipality_code, person_id, intervention, district_code, applied_on, decided_on, outcome, executed_on)
SELECT '0180', id, 'trial_apartment', responsible_district_code,
       date '2025-02-15' - CASE k WHEN 'J' THEN n WHEN 'F' THEN 20 + n ELSE 50 END, date '2025-02-15',
       CASE WHEN (k = 'J' AND n <= 18) OR (k = 'F' AND n <= 8) OR k = 'B' THEN 'granted' ELSE 'denied' END,
       CASE WHEN (k = 'J' AND n <= 16) OR (k = 'F' AND n <= 4) OR k = 'B' THEN date '2025-03-01' END
  FROM seeded;
INSERT INTO shelters (municipality_code, name, operator, address, lat, lon, district_code, accepts_women, accepts_men,
                      total_beds, opens_at, check_in_deadline)
VALUES ('0180', 'S1', 'Op', 'A1', 59.40, 17.90, 'jarva', true, true, 20, '19:00', '23:00'),
       ('0180', 'S2', 'Op', 'A2', 59.40, 17.91, 'jarva', true, true, 20, '19:00', '23:00');
INSERT INTO shelters (municipality_code, name, operator, address, lat, lon, outside_municipality, accepts_women,
                      accepts_men, total_beds, opens_at, check_in_deadline)
VALUES ('0180', 'S3', 'Op', 'A3', 59.60, 18.10, true, true, true, 20, '19:00', '23:00');
ALTER TABLE bed_assignments DISABLE TRIGGER bed_assignments_capacity;
INSERT INTO bed_assignments (municipality_code, shelter_id, night, person_id, status, hold_until)
SELECT '0180', s.id, date '2025-02-01' + x.i, p.id, 'checked_out', now()
  FROM (VALUES ('J11', 0, 'S1'), ('J11', 1, 'S2'), ('J11', 2, 'S1'), ('J12', 0, 'S1'), ('J12', 1, 'S1'), ('J12', 2, 'S1'),
               ('J13', 0, 'S1'), ('J13', 1, 'S2'), ('J13', 2, 'S2'), ('J14', 0, 'S2'), ('J14', 1, 'S2'), ('J14', 2, 'S2'),
               ('J15', 0, 'S1'), ('J15', 1, 'S2'), ('J15', 2, 'S1')) x(who, i, shelter)
  JOIN seeded p ON p.given_name = x.who JOIN shelters s ON s.name = x.shelter;
INSERT INTO bed_assignments (municipality_code, shelter_id, night, person_id, status, hold_until,
                             consent_outside_municipality)
SELECT '0180', s.id, date '2025-02-10', p.id, 'checked_out', now(), p.n <= 5
  FROM seeded p, shelters s WHERE s.name = CASE WHEN p.n <= 5 THEN 'S3' ELSE 'S1' END AND p.k = 'F' AND p.n <= 10;
ALTER TABLE bed_assignments ENABLE TRIGGER bed_assignments_capacity;
INSERT INTO guarantee_requests (municipality_code, request_fingerprint, requested_at, night, person_id, requested_by,
    channel, needs, outcome, assignment_id, placed_outside_municipality, consent_outside_municipality,
    responsible_district_code)
SELECT '0180', 'fp', '2025-02-10 20:00+01', b.night, b.person_id, gen_random_uuid(), 'other', '{}', 'placed', b.id,
       p.n <= 5, p.n <= 5, 'farsta'
  FROM bed_assignments b JOIN seeded p ON p.id = b.person_id WHERE b.night = '2025-02-10';
INSERT INTO guarantee_requests (municipality_code, request_fingerprint, requested_at, night, person_id, requested_by,
    channel, needs, outcome, escalated_at, responsible_district_code)
SELECT '0180', 'fp', '2025-02-10 20:00+01', '2025-02-10', p.id, gen_random_uuid(), 'other', '{}',
       CASE WHEN p.n <= 2 THEN 'no_suitable_bed' ELSE 'declined_by_person' END, CASE WHEN p.n <= 2 THEN now() END, 'jarva'
  FROM seeded p WHERE p.k = 'J' AND p.n <= 10;
";

/// A cell as the rules give it: (n, count, value, p90, comparison); None where suppressed or not given.
type Expected = (Option<i64>, Option<i64>, Option<f64>, Option<f64>, &'static str);

fn cell<'a>(report: &'a Value, district: &str, metric: &str, group: &str) -> Option<&'a Value> {
    report["cells"]
        .as_array()
        .unwrap_or_else(|| panic!("no cells in {report}"))
        .iter()
        .find(|c| c["district_code"] == district && c["metric"] == metric && c["group"] == group)
}

fn close(actual: &Value, expected: Option<f64>, what: &str) {
    match expected {
        None => assert!(actual.is_null(), "{what}: expected null, got {actual}"),
        Some(e) => {
            let a = actual.as_f64().unwrap_or_else(|| panic!("{what}: expected {e}, got {actual}"));
            assert!((a - e).abs() < 1e-4, "{what}: expected {e}, got {a}");
        }
    }
}

fn check(report: &Value, district: &str, metric: &str, group: &str, (n, count, value, p90, comparison): Expected) {
    let what = format!("{district} {metric} {group}");
    let c = cell(report, district, metric, group).unwrap_or_else(|| panic!("{what}: no cell in {report}"));
    assert_eq!(c["n"].as_i64(), n, "{what} n: {c}");
    assert_eq!(c["count"].as_i64(), count, "{what} count: {c}");
    close(&c["value"], value, &format!("{what} value"));
    close(&c["p90"], p90, &format!("{what} p90"));
    assert_eq!(c["comparison"], comparison, "{what}: {c}");
}

fn city(report: &Value, district: &str, metric: &str, group: &str, n: i64, value: f64, p90: Option<f64>) {
    let what = format!("city beside {district} {metric} {group}");
    let c = cell(report, district, metric, group).unwrap_or_else(|| panic!("{what}: no cell"));
    assert_eq!(c["city_n"].as_i64(), Some(n), "{what}: {c}");
    close(&c["city_value"], Some(value), &what);
    close(&c["city_p90"], p90, &what);
}

async fn seeded_app() -> TestApp {
    let app = TestApp::spawn().await;
    app.owner_client().await.batch_execute(SEED).await.expect("seed the equity data set");
    app
}

const PERIOD: &str = "/api/v1/reports/equity?from=2025-01-01&to=2025-03-31";

#[tokio::test]
async fn equity_report_matches_the_hand_computed_data_set() {
    let app = seeded_app().await;
    let auditor = app.token(Role::Auditor).await;
    let response = app.get(PERIOD, &auditor).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let r = &response.body;
    assert_eq!((r["suppress_below"].as_i64(), r["min_to_compare"].as_i64()), (Some(5), Some(10)));

    // Applications in the period: Bromma's were made in 2024, so it has none; counts are not tested.
    check(r, "jarva", "applications", "all", (Some(20), Some(20), Some(20.0), None, "not_tested"));
    check(r, "farsta", "applications", "all", (Some(20), Some(20), Some(20.0), None, "not_tested"));
    assert!(cell(r, "bromma", "applications", "all").is_none());
    city(r, "jarva", "applications", "all", 40, 40.0, None);

    // Days to decision: Järva 1..20 (median 10.5, p90 18.1), Farsta 21..40 (30.5, 38.1), Bromma 50×3.
    // City 1..40, 50, 50, 50: median 22, p90 38.8. Mann-Whitney, Järva against the other 23: its ranks
    // 1..20 sum to 210, U = 0, mean 230, sd = sqrt(20·23·44/12) = 41.07: z = −5.60, lower. Farsta: ranks
    // 21..40 sum to 610, U = 400, z = +4.14, higher. Bromma's 3 are suppressed.
    check(r, "jarva", "days_to_decision", "all", (Some(20), None, Some(10.5), Some(18.1), "lower"));
    check(r, "farsta", "days_to_decision", "all", (Some(20), None, Some(30.5), Some(38.1), "higher"));
    check(r, "bromma", "days_to_decision", "all", (None, None, None, None, "suppressed"));
    city(r, "bromma", "days_to_decision", "all", 43, 22.0, Some(38.8));

    // Granted share, z-test against the rest: Järva 18/20 against 11/23: pooled 29/43, z = 2.94, higher;
    // Farsta 8/20 against 21/23: lower; Bromma 3 decisions: suppressed.
    check(r, "jarva", "granted_share", "all", (Some(20), Some(18), Some(0.9), None, "higher"));
    check(r, "farsta", "granted_share", "all", (Some(20), Some(8), Some(0.4), None, "lower"));
    check(r, "bromma", "granted_share", "all", (None, None, None, None, "suppressed"));
    city(r, "jarva", "granted_share", "all", 43, 29.0 / 43.0, None);
    let p = cell(r, "jarva", "granted_share", "all").and_then(|c| c["p_value"].as_f64()).unwrap_or(1.0);
    assert!((0.001..0.01).contains(&p), "z = 2.94 gives p ≈ 0.003, got {p}");
    check(r, "jarva", "denied_share", "all", (Some(20), Some(2), Some(0.1), None, "lower"));
    check(r, "farsta", "denied_share", "all", (Some(20), Some(12), Some(0.6), None, "higher"));

    // By sex. Women: Järva 10/10 against 11/13 (z = 1.30) and Farsta 8/10 against 13/13 (z = −1.69): no
    // difference at their size. Men: Järva 8/10 against Farsta's 0/10: pooled 0.4, z = 3.65.
    check(r, "jarva", "granted_share", "women", (Some(10), Some(10), Some(1.0), None, "no_difference"));
    check(r, "farsta", "granted_share", "women", (Some(10), Some(8), Some(0.8), None, "no_difference"));
    check(r, "jarva", "granted_share", "men", (Some(10), Some(8), Some(0.8), None, "higher"));
    check(r, "farsta", "granted_share", "men", (Some(10), Some(0), Some(0.0), None, "lower"));
    city(r, "jarva", "granted_share", "men", 20, 0.4, None);

    // Households with children: Järva's 6 are shown but too few to compare; Farsta's 2 suppressed.
    // Without children: Järva 12/14 against 9/21: pooled 0.6, z = 2.54, higher.
    check(r, "jarva", "granted_share", "with_children", (Some(6), Some(6), Some(1.0), None, "too_few_to_compare"));
    check(r, "farsta", "granted_share", "with_children", (None, None, None, None, "suppressed"));
    check(r, "jarva", "granted_share", "without_children", (Some(14), Some(12), Some(12.0 / 14.0), None, "higher"));

    // Days to execution: all 14 days; Järva's 16 against only 7 others: too few to compare.
    check(r, "jarva", "days_to_execution", "all", (Some(16), None, Some(14.0), Some(14.0), "too_few_to_compare"));
    check(r, "farsta", "days_to_execution", "all", (None, None, None, None, "suppressed"));
    city(r, "jarva", "days_to_execution", "all", 23, 14.0, Some(14.0));

    // Reported to IVO (not executed within three months, by 2025-05-15): Järva 2 of 18 against 4 of 11:
    // pooled 6/29, z = −1.63, no difference; Farsta's 8 are too few.
    check(r, "jarva", "ivo_share", "all", (Some(18), Some(2), Some(2.0 / 18.0), None, "no_difference"));
    check(r, "farsta", "ivo_share", "all", (Some(8), Some(4), Some(0.5), None, "too_few_to_compare"));
    city(r, "jarva", "ivo_share", "all", 29, 6.0 / 29.0, None);

    // Guarantee: Järva 2 breaches in 10 requests = 200 per 1,000 against Farsta's 0 of 10: z = 1.49.
    check(r, "jarva", "breaches_per_1000_requests", "all", (Some(10), Some(2), Some(200.0), None, "no_difference"));
    check(r, "farsta", "breaches_per_1000_requests", "all", (Some(10), Some(0), Some(0.0), None, "no_difference"));
    city(r, "jarva", "breaches_per_1000_requests", "all", 20, 100.0, None);
    check(
        r,
        "farsta",
        "out_of_municipality_placements",
        "all",
        (Some(10), Some(5), Some(5.0), None, "too_few_to_compare"),
    );
    assert!(cell(r, "jarva", "out_of_municipality_placements", "all").is_none());

    // Moves: Järva's five guests 2, 0, 1, 0, 2 (mean 1, p90 2); Farsta's ten 0; city 5/15, p90 1.6.
    check(r, "jarva", "moves_per_person", "all", (Some(5), None, Some(1.0), Some(2.0), "too_few_to_compare"));
    check(r, "farsta", "moves_per_person", "all", (Some(10), None, Some(0.0), Some(0.0), "too_few_to_compare"));
    city(r, "jarva", "moves_per_person", "all", 15, 1.0 / 3.0, Some(1.6));
}

#[tokio::test]
async fn equity_report_roles_scope_and_period() {
    let app = seeded_app().await;
    // A token limited to Järva sees Järva's rows, beside the whole city's figures.
    let jarva = app.token_for(Role::HousingOfficer, "0180", &["jarva"], &[]).await;
    let response = app.get(PERIOD, &jarva).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let cells = response.body["cells"].as_array().cloned().unwrap_or_default();
    assert!(!cells.is_empty() && cells.iter().all(|c| c["district_code"] == "jarva"), "{}", response.body);
    city(&response.body, "jarva", "applications", "all", 40, 40.0, None);
    // Expected access, written as data: role → allowed.
    for (role, allowed) in [
        (Role::Admin, true),
        (Role::HousingOfficer, true),
        (Role::Auditor, true),
        (Role::SupportWorker, false),
        (Role::NightCoordinator, false),
        (Role::ShelterStaff, false),
        (Role::Integration, false),
    ] {
        let token = app.token(role).await;
        for path in [PERIOD, "/api/v1/reports/continuity", "/api/v1/reports/vacancy?from=2025-01-01&to=2025-01-31"] {
            let status = app.get(path, &token).await.status;
            assert_eq!(status == StatusCode::OK, allowed, "{role:?} {path}: {status}");
        }
    }
    let auditor = app.token(Role::Auditor).await;
    let backwards = app.get("/api/v1/reports/equity?from=2025-03-31&to=2025-01-01", &auditor).await;
    backwards.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let too_long = app.get("/api/v1/reports/equity?from=2024-01-01&to=2025-03-31", &auditor).await;
    too_long.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}

/// Moves between shelters where a month's summary could go wrong, its own data set, written by hand:
/// M1–M5 (Bromma) each have the same counted nights, reached by changes made after placing:
///   2025-01-10 S2 | 01-30 S1, 01-31 S1 | 02-01 S2, 02-02 S2 | (no night in March) | 04-01 S1, 04-02 S1
/// - 02-03 was placed in S4, then cancelled (M1–M3) or not collected (M4–M5): it no longer counts;
/// - 04-02 was placed in S4, then moved to S1 (UPDATE of the shelter);
/// - 01-30 was reserved, checked in and checked out (no change to the moves).
///
/// X (Bromma) has one night, 2025-01-05 in S1.
const MOVES_SEED: &str = "
INSERT INTO people (municipality_code, identity_kind, given_name, family_name, sex, responsible_district_code)
SELECT '0180', 'none', w, 'Moves', 'woman', 'bromma' FROM unnest('{M1,M2,M3,M4,M5,X}'::text[]) w;
INSERT INTO shelters (municipality_code, name, operator, address, lat, lon, district_code, accepts_women, accepts_men,
                      total_beds, opens_at, check_in_deadline)
SELECT '0180', s, 'Op', 'A', 59.40, 17.90, 'bromma', true, true, 20, '19:00', '23:00' FROM unnest('{S1,S2,S4}'::text[]) s;
ALTER TABLE bed_assignments DISABLE TRIGGER bed_assignments_capacity;
INSERT INTO bed_assignments (municipality_code, shelter_id, night, person_id, status, hold_until)
SELECT '0180', s.id, x.night::date, p.id, 'reserved', now()
  FROM (VALUES ('2025-01-10', 'S2'), ('2025-01-30', 'S1'), ('2025-01-31', 'S1'), ('2025-02-01', 'S2'),
               ('2025-02-02', 'S2'), ('2025-02-03', 'S4'), ('2025-04-01', 'S1'), ('2025-04-02', 'S4')) x(night, shelter)
  JOIN shelters s ON s.name = x.shelter
 CROSS JOIN people p WHERE p.family_name = 'Moves' AND p.given_name <> 'X';
INSERT INTO bed_assignments (municipality_code, shelter_id, night, person_id, status, hold_until)
SELECT '0180', s.id, '2025-01-05', p.id, 'checked_out', now()
  FROM shelters s, people p WHERE s.name = 'S1' AND p.family_name = 'Moves' AND p.given_name = 'X';
ALTER TABLE bed_assignments ENABLE TRIGGER bed_assignments_capacity;
CREATE TEMP VIEW moved AS SELECT b.* FROM bed_assignments b JOIN people p ON p.id = b.person_id
 WHERE p.family_name = 'Moves' AND p.given_name <> 'X';
UPDATE bed_assignments SET status = 'checked_in' WHERE id IN (SELECT id FROM moved WHERE night = '2025-01-30');
UPDATE bed_assignments SET status = 'checked_out' WHERE id IN (SELECT id FROM moved WHERE night <> '2025-02-03');
UPDATE bed_assignments SET status = 'cancelled'
 WHERE id IN (SELECT m.id FROM moved m JOIN people p ON p.id = m.person_id
               WHERE m.night = '2025-02-03' AND p.given_name IN ('M1', 'M2', 'M3'));
UPDATE bed_assignments SET status = 'not_collected', released_at = now()
 WHERE id IN (SELECT id FROM moved WHERE night = '2025-02-03' AND status = 'reserved');
UPDATE bed_assignments SET shelter_id = (SELECT id FROM shelters WHERE name = 'S1')
 WHERE id IN (SELECT id FROM moved WHERE night = '2025-04-02');
";

#[tokio::test]
async fn equity_moves_across_months_edges_and_changes() {
    let app = TestApp::spawn().await;
    app.owner_client().await.batch_execute(MOVES_SEED).await.expect("seed the moves data set");
    let auditor = app.token(Role::Auditor).await;
    // (period, M1–M5's moves each, whether X counts): X's moves are always 0.
    for (from, to, moves, with_x, why) in [
        // S1 S1 | S2 S2 | S1 S1: the move into February at its first night, and the one from February's
        // last shelter to April's first across March without nights; not the one from 01-10 (before the period).
        ("2025-01-15", "2025-04-30", 2.0, false, "from mid-January"),
        // S2 S2 | S1 S1: 02-01 is the first night in the period, so the move into it does not count.
        ("2025-02-01", "2025-04-30", 1.0, false, "whole months"),
        // S2 S1 S1 | S2 S2: whole months both; X's one night counts with 0 moves.
        ("2025-01-01", "2025-03-31", 2.0, true, "January and February whole"),
        // S1 | S2: two days, both months in part.
        ("2025-01-31", "2025-02-01", 1.0, false, "across the boundary"),
        // S2 | S1: from mid-February (02-03 cancelled, so 02-02 is February's last) to 04-01.
        ("2025-02-02", "2025-04-01", 1.0, false, "both edges in part"),
        // S1 S1 alone: the moved night is in S1.
        ("2025-04-01", "2025-04-30", 0.0, false, "April"),
    ] {
        let path = format!("/api/v1/reports/equity?from={from}&to={to}");
        let response = app.get(&path, &auditor).await;
        assert_eq!(response.status, StatusCode::OK, "{why}: {}", response.body);
        let (n, mean, p90) = if with_x {
            // Five of `moves` and one 0: p90 at 0.9 · 5 = 4.5 in 0, m, m, m, m, m is m.
            (6, moves * 5.0 / 6.0, moves)
        } else {
            (5, moves, moves)
        };
        let what = format!("{why} ({from}–{to})");
        let c = cell(&response.body, "bromma", "moves_per_person", "all")
            .unwrap_or_else(|| panic!("{what}: no cell in {}", response.body));
        assert_eq!(c["n"].as_i64(), Some(n), "{what}: {c}");
        close(&c["value"], Some(mean), &format!("{what} mean"));
        close(&c["p90"], Some(p90), &format!("{what} p90"));
    }
}

/// Found in review: two counted rows on one night. T1–T5 (Bromma) sleep in "Early" on 02-01 and 02-02,
/// check out of it on 02-02 and are placed in "Later" that same night, and sleep in "Later" on 02-03:
/// Early, Early→Later, Later is one change of shelter. "Later" has the smaller id, so an order by
/// (night, shelter) would read Early, Later, Early, Later: three moves. The rows are in the order made.
const SAME_NIGHT_SEED: &str = "
INSERT INTO people (municipality_code, identity_kind, given_name, family_name, sex, responsible_district_code)
SELECT '0180', 'none', w, 'Tie', 'woman', 'bromma' FROM unnest('{T1,T2,T3,T4,T5}'::text[]) w;
INSERT INTO shelters (municipality_code, id, name, operator, address, lat, lon, district_code, accepts_women,
                      accepts_men, total_beds, opens_at, check_in_deadline)
VALUES ('0180', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'Early', 'Op', 'A', 59.40, 17.90, 'bromma', true, true, 20,
        '19:00', '23:00'),
       ('0180', '00000000-0000-0000-0000-000000000001', 'Later', 'Op', 'A', 59.40, 17.90, 'bromma', true, true, 20,
        '19:00', '23:00');
INSERT INTO bed_assignments (municipality_code, shelter_id, night, person_id, status, hold_until, created_at,
                             checked_out_at)
SELECT '0180', s.id, x.night::date, p.id, 'checked_out', x.created::timestamptz, x.created::timestamptz,
       x.created::timestamptz + interval '1 hour'
  FROM (VALUES ('2025-02-01', 'Early', '2025-02-01 19:00+01'), ('2025-02-02', 'Early', '2025-02-02 19:00+01'),
               ('2025-02-02', 'Later', '2025-02-02 22:00+01'), ('2025-02-03', 'Later', '2025-02-03 19:00+01'))
       x(night, shelter, created)
  JOIN shelters s ON s.name = x.shelter
 CROSS JOIN people p WHERE p.family_name = 'Tie';
";

#[tokio::test]
async fn a_person_checked_out_then_placed_elsewhere_the_same_night_moved_once() {
    let app = TestApp::spawn().await;
    app.owner_client().await.batch_execute(SAME_NIGHT_SEED).await.expect("seed");
    let auditor = app.token(Role::Auditor).await;
    for (from, to, why) in [("2025-02-01", "2025-02-28", "whole month"), ("2025-02-01", "2025-02-27", "in part")] {
        let response = app.get(&format!("/api/v1/reports/equity?from={from}&to={to}"), &auditor).await;
        assert_eq!(response.status, StatusCode::OK, "{why}: {}", response.body);
        let c = cell(&response.body, "bromma", "moves_per_person", "all")
            .unwrap_or_else(|| panic!("{why}: no cell in {}", response.body));
        assert_eq!(c["n"].as_i64(), Some(5), "{why}: {c}");
        close(&c["value"], Some(1.0), &format!("{why}: Early, Early, Later, Later is one move"));
    }
}

/// person_month_moves equals its definition (V27's fill query, repeated here) after statements that touch
/// many rows, moves across a month boundary, a merge of one person's nights into another's, gallring-like
/// deletes, and two transactions changing the same person-month at once (from review).
#[tokio::test]
async fn person_month_moves_match_a_recomputation_after_bulk_and_concurrent_changes() {
    let app = TestApp::spawn().await;
    let owner = app.owner_client().await;
    owner
        .batch_execute(
            "INSERT INTO people (municipality_code, identity_kind, given_name, family_name, sex, responsible_district_code)
             SELECT '0180', 'none', w, 'Inv', 'woman', 'bromma' FROM unnest('{P1,P2,P3,P4}'::text[]) w;
             INSERT INTO shelters (municipality_code, name, operator, address, lat, lon, district_code, accepts_women,
                                   accepts_men, total_beds, opens_at, check_in_deadline)
             SELECT '0180', s, 'Op', 'A', 59.40, 17.90, 'bromma', true, true, 20, '19:00', '23:00'
               FROM unnest('{S1,S2,S3}'::text[]) s;
             INSERT INTO bed_assignments (municipality_code, shelter_id, night, person_id, status, hold_until)
             SELECT '0180', (SELECT id FROM shelters WHERE name = 'S' || (1 + (g % 3))), date '2025-01-20' + g, p.id,
                    'checked_out', now()
               FROM people p, generate_series(0, 20) g WHERE p.family_name = 'Inv' AND p.given_name IN ('P1', 'P2');
             -- Several rows of several months in one statement, across the boundary.
             UPDATE bed_assignments SET night = night + 40
              WHERE person_id = (SELECT id FROM people WHERE given_name = 'P1' AND family_name = 'Inv');
             UPDATE bed_assignments SET shelter_id = (SELECT id FROM shelters WHERE name = 'S3')
              WHERE night BETWEEN '2025-01-28' AND '2025-02-03';
             -- A merge: P2's nights become P3's.
             UPDATE bed_assignments SET person_id = (SELECT id FROM people WHERE given_name = 'P3' AND family_name = 'Inv')
              WHERE person_id = (SELECT id FROM people WHERE given_name = 'P2' AND family_name = 'Inv');
             DELETE FROM bed_assignments WHERE night > '2025-03-05';",
        )
        .await
        .expect("bulk changes");
    // Two transactions adding nights to P4's February, which has no row yet, at once.
    let mut a = app.owner_client().await;
    let mut b = app.owner_client().await;
    let ta = a.transaction().await.unwrap();
    let insert = "INSERT INTO bed_assignments (municipality_code, shelter_id, night, person_id, status, hold_until)
                  SELECT '0180', (SELECT id FROM shelters WHERE name = $2), $1::text::date,
                         (SELECT id FROM people WHERE given_name = 'P4' AND family_name = 'Inv'), 'checked_out', now()";
    ta.execute(insert, &[&"2025-02-10", &"S1"]).await.unwrap();
    let second = tokio::spawn(async move {
        let tb = b.transaction().await.unwrap();
        tb.execute(insert, &[&"2025-02-11", &"S2"]).await.unwrap();
        tb.commit().await.unwrap();
        b
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    ta.commit().await.unwrap();
    let _b = second.await.unwrap();
    let diff = owner
        .query(
            "WITH fresh AS (
               SELECT n.municipality_code, n.person_id, n.month, count(*)::int AS nights,
                      (count(*) FILTER (WHERE n.before <> n.shelter_id))::int AS moves,
                      min(n.night) AS first_night, (array_agg(n.shelter_id) FILTER (WHERE n.before IS NULL))[1] AS fs,
                      max(n.night) AS last_night, (array_agg(n.shelter_id) FILTER (WHERE n.after IS NULL))[1] AS ls
                 FROM (SELECT b.municipality_code, b.person_id, date_trunc('month', b.night::timestamp)::date AS month,
                              b.night, b.shelter_id, lag(b.shelter_id) OVER w AS before, lead(b.shelter_id) OVER w AS after
                         FROM bed_assignments b WHERE b.status IN ('reserved', 'checked_in', 'checked_out')
                       WINDOW w AS (PARTITION BY b.municipality_code, b.person_id,
                                    date_trunc('month', b.night::timestamp)::date ORDER BY b.night, b.created_at, b.id)) n
                GROUP BY 1, 2, 3)
             (SELECT 'missing or wrong', f.month::text FROM fresh f EXCEPT ALL
              SELECT 'missing or wrong', m.month::text FROM person_month_moves m
               JOIN fresh f USING (municipality_code, person_id, month)
              WHERE (m.nights, m.moves, m.first_night, m.first_shelter, m.last_night, m.last_shelter)
                  = (f.nights, f.moves, f.first_night, f.fs, f.last_night, f.ls))
             UNION ALL
             SELECT 'extra', m.month::text FROM person_month_moves m
              WHERE NOT EXISTS (SELECT FROM fresh f WHERE (f.municipality_code, f.person_id, f.month)
                                                       = (m.municipality_code, m.person_id, m.month))",
            &[],
        )
        .await
        .unwrap();
    let diff: Vec<(String, String)> = diff.iter().map(|r| (r.get(0), r.get(1))).collect();
    let p4 = owner
        .query_one(
            "SELECT count(*) FROM person_month_moves m JOIN people p ON p.id = m.person_id
                     WHERE p.given_name = 'P4' AND m.nights = 2 AND m.moves = 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(p4.get::<_, i64>(0), 1, "P4's February after two concurrent inserts");
    assert!(diff.is_empty(), "person_month_moves differs from its definition: {diff:?}");
}
