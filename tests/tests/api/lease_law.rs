//! Lease rules that the law and Stockholm's programme decide (issue 10, items 6, 8, 10 and 24):
//! the redemption period (återvinningsfrist, JB 12:44 with NJA 1985 s. 586), the Bostad Först takeover
//! after planned follow-ups, a lease as an offer on its decision and moving in as its (re)execution,
//! and the paginated arrears early-warning list. Expected values are written out from the rules.

use hemvist_platform::settings::Settings;
use hemvist_tests::fixtures::{apartment_body, create, created, granted_on, jarva, merged};
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};

async fn apartment(app: &TestApp, token: &str, address: &str, lat: f64) -> String {
    let body = merged(apartment_body(address, 17.93), json!({"lat": lat, "floor": 1, "monthly_rent_sek": 5000}));
    create(app, token, "/api/v1/apartments", &body).await
}

/// A person with a granted decision for `intervention`; returns (person, decision).
async fn granted(app: &TestApp, token: &str, intervention: &str, decided_on: &str) -> (String, String) {
    let tenant = json!({"identity_kind": "none", "given_name": "Hyres", "family_name": "Gäst", "sex": "man"});
    let person = create(app, token, "/api/v1/people", &tenant).await;
    let decision = granted_on(app, token, &person, intervention, decided_on, "Hemlös").await;
    (person, decision)
}

async fn offer(app: &TestApp, token: &str, body: Value) -> Value {
    created(app, token, "/api/v1/leases", &body).await
}

async fn act(app: &TestApp, token: &str, lease: &str, action: &str, body: Value) -> Value {
    let response = app.post(&format!("/api/v1/leases/{lease}/{action}"), token, &body).await;
    assert_eq!(response.status, StatusCode::OK, "{action}: {}", response.body);
    response.body
}

/// An active trial lease moved into on 2025-02-01, with February 2026's rent (due 2026-02-28) charged.
async fn active_lease_in_arrears(app: &TestApp, token: &str, address: &str, lat: f64) -> String {
    let flat = apartment(app, token, address, lat).await;
    let (_, decision) = granted(app, token, "trial_apartment", "2025-01-10").await;
    let lease = offer(
        app,
        token,
        json!({"apartment_id": flat, "decision_id": decision, "kind": "trial", "starts_on": "2025-02-01"}),
    )
    .await;
    let id = lease["id"].as_str().unwrap().to_owned();
    act(app, token, &id, "activate", json!({"moved_in_on": "2025-02-01"})).await;
    act(app, token, &id, "rent-charges", json!({"period": "2026-03", "amount_sek": 5000, "due_on": "2026-02-28"}))
        .await;
    id
}

async fn arrears_on(app: &TestApp, token: &str, lease: &str, as_of: &str) -> Value {
    let ledger = app.get(&format!("/api/v1/leases/{lease}/rent?as_of={as_of}"), token).await;
    assert_eq!(ledger.status, StatusCode::OK, "{}", ledger.body);
    ledger.body["arrears"].clone()
}

// ---- Item 6: the redemption period starts at the later of service and committee notification ----

#[tokio::test]
async fn redemption_period_runs_from_the_later_of_service_and_committee_notification() {
    let app = TestApp::spawn().await;
    jarva(&app, &app.token(Role::Admin).await).await;
    let officer = app.token(Role::HousingOfficer).await;
    // Each lease: 5000 SEK due 2026-02-28, unpaid; notice served 2026-03-10 (forfeit after 7 days late).
    let before = active_lease_in_arrears(&app, &officer, "Före 1", 59.39).await;
    let after = active_lease_in_arrears(&app, &officer, "Efter 1", 59.40).await;
    let never = active_lease_in_arrears(&app, &officer, "Aldrig 1", 59.41).await;
    let paid = active_lease_in_arrears(&app, &officer, "Betald 1", 59.42).await;
    // Committee told on 03-05, before the tenant was served on 03-10: the period runs from 03-10.
    act(
        &app,
        &officer,
        &before,
        "rent-notices",
        json!({"served_on": "2026-03-10", "committee_notified_on": "2026-03-05"}),
    )
    .await;
    // Committee told on 03-12, after service: the period runs from 03-12, across the DST change of 03-29.
    act(
        &app,
        &officer,
        &after,
        "rent-notices",
        json!({"served_on": "2026-03-10", "committee_notified_on": "2026-03-12"}),
    )
    .await;
    // Never told: the period has not started.
    act(&app, &officer, &never, "rent-notices", json!({"served_on": "2026-03-10"})).await;
    act(
        &app,
        &officer,
        &paid,
        "rent-notices",
        json!({"served_on": "2026-03-10", "committee_notified_on": "2026-03-12"}),
    )
    .await;

    // 2026-03-10 + 21 days = 03-31.
    let a = arrears_on(&app, &officer, &before, "2026-03-20").await;
    assert_eq!(a["redemption_starts_on"], "2026-03-10", "{a}");
    assert_eq!(a["redemption_deadline"], "2026-03-31", "{a}");
    assert_eq!(a["redemption_status"], "running", "{a}");

    // 2026-03-12 + 21 days = 04-02 (March has 31 days: 12 + 21 = 33 -> April 2), whatever the clocks do on 03-29.
    let b = arrears_on(&app, &officer, &after, "2026-03-29").await;
    assert_eq!(b["redemption_starts_on"], "2026-03-12", "{b}");
    assert_eq!(b["redemption_deadline"], "2026-04-02", "{b}");
    assert_eq!(b["redemption_status"], "running", "{b}");
    // The deadline day itself is still within the period; the day after it has run out.
    let on_deadline = arrears_on(&app, &officer, &after, "2026-04-02").await;
    assert_eq!(on_deadline["redemption_status"], "running", "{on_deadline}");
    let day_after = arrears_on(&app, &officer, &after, "2026-04-03").await;
    assert_eq!(day_after["redemption_status"], "expired", "{day_after}");
    // Before the committee was told (as of 03-11) the period had not started.
    let b_early = arrears_on(&app, &officer, &after, "2026-03-11").await;
    assert_eq!(b_early["redemption_deadline"], Value::Null, "{b_early}");
    assert_eq!(b_early["redemption_status"], "not_started_committee_not_notified", "{b_early}");

    // Without a committee notification there is no deadline, however long ago the tenant was served.
    let c = arrears_on(&app, &officer, &never, "2026-05-01").await;
    assert_eq!(c["notice_served_on"], "2026-03-10", "{c}");
    assert_eq!(c["redemption_starts_on"], Value::Null, "{c}");
    assert_eq!(c["redemption_deadline"], Value::Null, "{c}");
    assert_eq!(c["redemption_status"], "not_started_committee_not_notified", "{c}");
    assert_eq!(c["needs_attention"], true, "{c}");

    // Paid in full on the deadline day (04-02): redeemed, the tenancy is kept.
    act(&app, &officer, &paid, "rent-payments", json!({"amount_sek": 5000, "paid_on": "2026-04-02"})).await;
    let d = arrears_on(&app, &officer, &paid, "2026-04-10").await;
    assert_eq!(d["redemption_status"], "redeemed", "{d}");
    assert_eq!(d["balance_sek"], 0, "{d}");

    // The early-warning list flags the notice whose committee was never told.
    let list = app.get("/api/v1/rent-arrears?as_of=2026-05-01", &officer).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let items = list.body["items"].as_array().unwrap_or_else(|| panic!("a page: {}", list.body));
    let flagged = items.iter().find(|w| w["lease_id"] == never.as_str()).expect("listed");
    assert_eq!(flagged["redemption_status"], "not_started_committee_not_notified");
    assert_eq!(flagged["redemption_deadline"], Value::Null);
    let expired = items.iter().find(|w| w["lease_id"] == after.as_str()).expect("listed");
    assert_eq!(expired["redemption_status"], "expired");
    assert!(items.iter().all(|w| w["lease_id"] != paid.as_str()), "paid and redeemed: no warning");
    // No notice at all: no period.
    let none = active_lease_in_arrears(&app, &officer, "Ingen 1", 59.415).await;
    assert_eq!(arrears_on(&app, &officer, &none, "2026-03-20").await["redemption_status"], "no_notice");
}

#[tokio::test]
async fn committee_notification_dated_before_service_can_be_recorded_later() {
    let app = TestApp::spawn().await;
    jarva(&app, &app.token(Role::Admin).await).await;
    let officer = app.token(Role::HousingOfficer).await;
    let lease = active_lease_in_arrears(&app, &officer, "Notis 2", 59.39).await;
    act(&app, &officer, &lease, "rent-notices", json!({"served_on": "2026-10-10"})).await;
    let ledger = app.get(&format!("/api/v1/leases/{lease}/rent?as_of=2026-10-20"), &officer).await;
    let notice = ledger.body["notices"][0]["id"].as_str().unwrap().to_owned();
    // The committee had been told on 10-01, before the tenant was served: the period runs from service.
    let recorded = app
        .put(
            &format!("/api/v1/leases/{lease}/rent-notices/{notice}"),
            &officer,
            &json!({"committee_notified_on": "2026-10-01"}),
        )
        .await;
    assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.body);
    let arrears = arrears_on(&app, &officer, &lease, "2026-10-20").await;
    // 10-10 + 21 = 10-31, across the DST change of 10-25; a Saturday, so the period ends on Monday 11-02
    // (lag (1930:173) om beräkning av lagstadgad tid).
    assert_eq!(arrears["redemption_deadline"], "2026-11-02", "{arrears}");
    assert_eq!(arrears["redemption_status"], "running", "{arrears}");
}

// ---- Item 8: Bostad Först takeover after the planned follow-ups, each held on or after its date ----

async fn follow_up_held(app: &TestApp, token: &str, lease: &str, follow_up: &str, held_on: &str) -> Value {
    let held =
        app.put(&format!("/api/v1/leases/{lease}/follow-ups/{follow_up}"), token, &json!({"held_on": held_on})).await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.body);
    held.body
}

async fn housing_first_lease(app: &TestApp, token: &str, address: &str, lat: f64) -> (String, Vec<(String, String)>) {
    let flat = apartment(app, token, address, lat).await;
    let (_, decision) = granted(app, token, "housing_first", "2025-01-10").await;
    let lease = offer(
        app,
        token,
        json!({"apartment_id": flat, "decision_id": decision, "kind": "housing_first", "starts_on": "2025-02-01"}),
    )
    .await;
    let id = lease["id"].as_str().unwrap().to_owned();
    let active = act(app, token, &id, "activate", json!({"moved_in_on": "2025-02-01"})).await;
    let planned = active["follow_ups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap().to_owned(), f["planned_on"].as_str().unwrap().to_owned()))
        .collect();
    (id, planned)
}

#[tokio::test]
async fn housing_first_takeover_counts_only_planned_follow_ups_held_on_or_after_their_date() {
    let app = TestApp::spawn().await;
    jarva(&app, &app.token(Role::Admin).await).await;
    let officer = app.token(Role::HousingOfficer).await;
    let (lease, planned) = housing_first_lease(&app, &officer, "Bostad Först 1", 59.39).await;
    // Quarterly from the move-in on 2025-02-01.
    let dates: Vec<&str> = planned.iter().map(|(_, on)| on.as_str()).collect();
    assert_eq!(dates, ["2025-05-01", "2025-08-01", "2025-11-01", "2026-02-01"]);

    // Three planned follow-ups recorded as held in the first week: recorded, but none counts.
    for ((id, _), held_on) in planned.iter().zip(["2025-02-03", "2025-02-04", "2025-02-05"]) {
        let lease_view = follow_up_held(&app, &officer, &lease, id, held_on).await;
        let follow_up = lease_view["follow_ups"].as_array().unwrap().iter().find(|f| f["id"] == id.as_str()).unwrap();
        assert_eq!(follow_up["held_on"], held_on);
        assert_eq!(follow_up["counts_toward_takeover"], false, "{follow_up}");
    }
    // Extra follow-ups held on their own planned dates are not the planned quarterly ones.
    for planned_on in ["2025-02-06", "2025-02-07", "2025-02-08"] {
        let view = act(&app, &officer, &lease, "follow-ups", json!({"planned_on": planned_on})).await;
        let extra = view["follow_ups"].as_array().unwrap().iter().find(|f| f["planned_on"] == planned_on).unwrap();
        assert_eq!(extra["scheduled"], false, "{extra}");
        follow_up_held(&app, &officer, &lease, extra["id"].as_str().unwrap(), planned_on).await;
    }
    let refused =
        app.post(&format!("/api/v1/leases/{lease}/takeover"), &officer, &json!({"taken_over_on": "2025-02-11"})).await;
    refused.assert_problem(StatusCode::CONFLICT);

    // Held on or after their planned dates: 05-01 (the day itself), 08-04; the third one two days early.
    follow_up_held(&app, &officer, &lease, &planned[0].0, "2025-05-01").await;
    follow_up_held(&app, &officer, &lease, &planned[1].0, "2025-08-04").await;
    let early = follow_up_held(&app, &officer, &lease, &planned[2].0, "2025-10-30").await;
    let counts: Vec<bool> = early["follow_ups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["scheduled"] == true)
        .map(|f| f["counts_toward_takeover"].as_bool().unwrap())
        .collect();
    assert_eq!(counts, [true, true, false, false]);
    let refused =
        app.post(&format!("/api/v1/leases/{lease}/takeover"), &officer, &json!({"taken_over_on": "2025-11-10"})).await;
    let detail = refused.assert_problem(StatusCode::CONFLICT)["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("2 of the 3"), "{detail}");

    // The third held after its date (11-03): the takeover is allowed, not dated before that follow-up.
    follow_up_held(&app, &officer, &lease, &planned[2].0, "2025-11-03").await;
    let too_soon =
        app.post(&format!("/api/v1/leases/{lease}/takeover"), &officer, &json!({"taken_over_on": "2025-11-02"})).await;
    too_soon.assert_problem(StatusCode::CONFLICT);
    let taken = act(&app, &officer, &lease, "takeover", json!({"taken_over_on": "2025-11-10"})).await;
    assert_eq!(taken["status"], "taken_over");
}

#[tokio::test]
async fn housing_first_takeover_follow_up_count_is_configurable() {
    let settings = Settings { housing_first_takeover_follow_ups: 5, ..Settings::default() };
    let app = TestApp::spawn_with(settings).await;
    jarva(&app, &app.token(Role::Admin).await).await;
    let officer = app.token(Role::HousingOfficer).await;
    let (lease, planned) = housing_first_lease(&app, &officer, "Bostad Först 2", 59.39).await;
    // Enough follow-ups are planned to reach the configured number.
    assert_eq!(planned.len(), 5, "{planned:?}");
    for (id, on) in &planned[..4] {
        follow_up_held(&app, &officer, &lease, id, on).await;
    }
    let refused =
        app.post(&format!("/api/v1/leases/{lease}/takeover"), &officer, &json!({"taken_over_on": "2026-03-01"})).await;
    refused.assert_problem(StatusCode::CONFLICT);
    // The fifth is planned 2026-05-01.
    assert_eq!(planned[4].1, "2026-05-01");
    follow_up_held(&app, &officer, &lease, &planned[4].0, "2026-05-01").await;
    act(&app, &officer, &lease, "takeover", json!({"taken_over_on": "2026-05-02"})).await;
}

// ---- Item 10: a lease is an offer on its decision; moving in executes or resumes it ----

#[tokio::test]
async fn moving_in_resumes_an_interrupted_decision_and_ivo_no_longer_reports_it() {
    let app = TestApp::spawn().await;
    jarva(&app, &app.token(Role::Admin).await).await;
    let officer = app.token(Role::HousingOfficer).await;
    let auditor = app.token(Role::Auditor).await;
    let (_, decision) = granted(&app, &officer, "housing_first", "2024-10-01").await;
    let url = |action: &str| format!("/api/v1/decisions/{decision}/{action}");
    let executed = app.post(&url("execute"), &officer, &json!({"executed_on": "2024-11-01"})).await;
    assert_eq!(executed.status, StatusCode::OK, "{}", executed.body);
    // Lost the home on 2025-01-10: waiting again; three months later (04-10) it must be reported to IVO.
    let interrupted =
        app.post(&url("interrupt"), &officer, &json!({"interrupted_on": "2025-01-10", "reason": "Evicted"})).await;
    assert_eq!(interrupted.status, StatusCode::OK, "{}", interrupted.body);

    let flat = apartment(&app, &officer, "Återflytt 1", 59.39).await;
    let lease = offer(
        &app,
        &officer,
        json!({"apartment_id": flat, "decision_id": decision, "kind": "housing_first", "starts_on": "2025-06-01",
               "offered_on": "2025-05-20"}),
    )
    .await;
    let lease = lease["id"].as_str().unwrap().to_owned();
    // The offer is on the decision without typing it twice.
    let offered = app.get(&format!("/api/v1/decisions/{decision}"), &officer).await.body;
    let offers = offered["offers"].as_array().unwrap();
    assert_eq!(offers.len(), 1, "{offered}");
    assert_eq!(offers[0]["offered_on"], "2025-05-20");
    assert_eq!(offers[0]["response"], "pending");
    assert_eq!(offered["status"], "interrupted");

    act(&app, &officer, &lease, "activate", json!({"moved_in_on": "2025-06-15"})).await;
    let moved_in = app.get(&format!("/api/v1/decisions/{decision}"), &officer).await.body;
    assert_eq!(moved_in["status"], "executed", "{moved_in}");
    assert_eq!(moved_in["executed_on"], "2024-11-01", "the first execution stays");
    assert_eq!(moved_in["interruptions"][0]["resumed_on"], "2025-06-15", "{moved_in}");
    assert_eq!(moved_in["offers"][0]["response"], "accepted");
    assert_eq!(moved_in["offers"][0]["responded_on"], "2025-06-15");

    // 2025-Q2: late since 04-11, resumed 06-15 in the quarter, with the offer made.
    let q2 = app.get("/api/v1/reports/non-executed-decisions?quarter=2025-Q2", &auditor).await;
    assert_eq!(q2.status, StatusCode::OK, "{}", q2.body);
    let cases: Vec<&Value> =
        q2.body["cases"].as_array().unwrap().iter().filter(|c| c["decision_id"] == decision.as_str()).collect();
    assert_eq!(cases.len(), 1, "{}", q2.body);
    assert_eq!(cases[0]["lateness"], "interrupted_not_resumed");
    assert_eq!(cases[0]["status"], "executed_in_quarter");
    assert_eq!(cases[0]["ended_on"], "2025-06-15");
    assert_eq!(cases[0]["offers"][0]["offered_on"], "2025-05-20");
    // 2025-Q3: living in the apartment, no longer waiting.
    let q3 = app.get("/api/v1/reports/non-executed-decisions?quarter=2025-Q3", &auditor).await;
    assert!(q3.body["cases"].as_array().unwrap().iter().all(|c| c["decision_id"] != decision.as_str()), "{}", q3.body);
}

#[tokio::test]
async fn a_declined_lease_offer_is_a_declined_offer_and_the_decision_stays_open() {
    let app = TestApp::spawn().await;
    jarva(&app, &app.token(Role::Admin).await).await;
    let officer = app.token(Role::HousingOfficer).await;
    let auditor = app.token(Role::Auditor).await;
    let (_, decision) = granted(&app, &officer, "trial_apartment", "2025-03-01").await;
    let flat = apartment(&app, &officer, "Nej tack 1", 59.39).await;
    let lease = offer(
        &app,
        &officer,
        json!({"apartment_id": flat, "decision_id": decision, "kind": "trial", "starts_on": "2025-05-01",
               "offered_on": "2025-04-01"}),
    )
    .await;
    let lease = lease["id"].as_str().unwrap().to_owned();
    let declined = act(&app, &officer, &lease, "decline", json!({"declined_on": "2025-04-05"})).await;
    assert_eq!(declined["status"], "ended");
    let after = app.get(&format!("/api/v1/decisions/{decision}"), &officer).await.body;
    assert_eq!(after["status"], "granted", "a declined offer never closes the decision: {after}");
    assert_eq!(after["closed_on"], Value::Null);
    assert_eq!(after["offers"][0]["response"], "declined", "{after}");
    assert_eq!(after["offers"][0]["responded_on"], "2025-04-05");
    assert_eq!(app.get(&format!("/api/v1/apartments/{flat}"), &officer).await.body["status"], "available");
    // Declined before the offer was made: 422.
    let (_, other) = granted(&app, &officer, "trial_apartment", "2025-03-01").await;
    let second = offer(
        &app,
        &officer,
        json!({"apartment_id": flat, "decision_id": other, "kind": "trial", "starts_on": "2025-06-01",
               "offered_on": "2025-05-10"}),
    )
    .await;
    let bad = app
        .post(
            &format!("/api/v1/leases/{}/decline", second["id"].as_str().unwrap()),
            &officer,
            &json!({"declined_on": "2025-05-09"}),
        )
        .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);

    // Still waiting, reported with the declined offer (decided 03-01, deadline 06-01).
    let q3 = app.get("/api/v1/reports/non-executed-decisions?quarter=2025-Q3", &auditor).await;
    let case = q3.body["cases"].as_array().unwrap().iter().find(|c| c["decision_id"] == decision.as_str()).cloned();
    let case = case.unwrap_or_else(|| panic!("reported: {}", q3.body));
    assert_eq!(case["status"], "still_late");
    assert_eq!(case["offers"][0]["response"], "declined");
    // An offer can't be dated before the decision.
    let another_flat = apartment(&app, &officer, "Nej tack 2", 59.40).await;
    let early = app
        .post(
            "/api/v1/leases",
            &officer,
            &json!({"apartment_id": another_flat, "decision_id": decision, "kind": "trial", "starts_on": "2025-09-01",
                    "offered_on": "2025-02-01"}),
        )
        .await;
    assert_eq!(early.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "offered_on");
}

// ---- Item 24: the arrears list is paginated and audited per page ----

#[tokio::test]
async fn rent_arrears_is_paginated_most_days_late_first_and_audited_per_page() {
    let app = TestApp::spawn().await;
    jarva(&app, &app.token(Role::Admin).await).await;
    let officer = app.token(Role::HousingOfficer).await;
    // Three leases with 5000 due 2026-02-28; two paid part of it, at different times.
    let mut leases = Vec::new();
    for (i, lat) in [59.39, 59.40, 59.41].into_iter().enumerate() {
        leases.push(active_lease_in_arrears(&app, &officer, &format!("Sida {i}"), lat).await);
    }
    // Charge April's rent (due 03-31) on the first, pay February's: oldest unpaid 03-31.
    act(
        &app,
        &officer,
        &leases[0],
        "rent-charges",
        json!({"period": "2026-04", "amount_sek": 5000, "due_on": "2026-03-31"}),
    )
    .await;
    act(&app, &officer, &leases[0], "rent-payments", json!({"amount_sek": 5000, "paid_on": "2026-03-01"})).await;
    // A fourth lease paid up: never listed.
    let paid = active_lease_in_arrears(&app, &officer, "Sida 3", 59.42).await;
    act(&app, &officer, &paid, "rent-payments", json!({"amount_sek": 5000, "paid_on": "2026-02-27"})).await;

    let reader = app.token(Role::HousingOfficer).await;
    let before = app.audit_events().await.len();
    let first = app.get("/api/v1/rent-arrears?as_of=2026-04-10&limit=2", &reader).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let items = first.body["items"].as_array().unwrap_or_else(|| panic!("a page: {}", first.body)).clone();
    // leases[1] and [2]: 02-28 -> 04-10 = 41 days; leases[0]: 03-31 -> 04-10 = 10 days.
    assert_eq!(items.iter().map(|w| w["days_late"].as_i64().unwrap()).collect::<Vec<_>>(), [41, 41]);
    let cursor = first.body["next_cursor"].as_str().expect("another page").to_owned();
    let audited: Vec<_> = app.audit_events().await.split_off(before);
    let listed: Vec<_> = audited.iter().filter(|(action, kind, _, _)| action == "list" && kind == "rent").collect();
    assert_eq!(listed.len(), 2, "each row of the page audited, nothing else: {audited:?}");
    for warning in &items {
        let id: uuid::Uuid = warning["lease_id"].as_str().unwrap().parse().unwrap();
        let person: uuid::Uuid = warning["person_id"].as_str().unwrap().parse().unwrap();
        assert!(listed.iter().any(|(_, _, r, p)| *r == Some(id) && *p == Some(person)), "{warning}");
    }

    let before = app.audit_events().await.len();
    let second = app.get(&format!("/api/v1/rent-arrears?as_of=2026-04-10&limit=2&cursor={cursor}"), &reader).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let rest = second.body["items"].as_array().unwrap();
    assert_eq!(rest.len(), 1, "{}", second.body);
    assert_eq!(rest[0]["lease_id"], leases[0].as_str());
    assert_eq!(rest[0]["days_late"], 10);
    assert!(second.body.get("next_cursor").is_none(), "{}", second.body);
    let listed = app.audit_events().await.split_off(before);
    assert_eq!(listed.iter().filter(|(a, k, _, _)| a == "list" && k == "rent").count(), 1);
    let mut seen: Vec<&Value> =
        items.iter().map(|w| &w["lease_id"]).chain(rest.iter().map(|w| &w["lease_id"])).collect();
    seen.sort_by_key(|v| v.as_str().unwrap().to_owned());
    seen.dedup();
    assert_eq!(seen.len(), 3, "every lease in arrears once");

    app.get("/api/v1/rent-arrears?limit=0", &reader).await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.get("/api/v1/rent-arrears?cursor=nonsense", &reader).await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);

    // The next page is counted as of the first page's day, whatever day it is asked on (a list paged
    // across midnight, here across months: as of today leases[0] would be months late and on page one).
    let unpinned = app.get(&format!("/api/v1/rent-arrears?limit=2&cursor={cursor}"), &reader).await;
    assert_eq!(unpinned.status, StatusCode::OK, "{}", unpinned.body);
    assert_eq!(unpinned.body["items"], second.body["items"], "the same page as as_of=2026-04-10 gave");
    // A cursor with another day is refused rather than silently skipping leases.
    let other_day = app.get(&format!("/api/v1/rent-arrears?as_of=2026-04-11&limit=2&cursor={cursor}"), &reader).await;
    other_day.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}
