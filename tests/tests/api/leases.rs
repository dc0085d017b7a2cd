//! Apartments and leases: districts by location, one sublet at a time under concurrency, the lease
//! life with the decision it executes, takeover rules per kind, rent arrears, reports, situations.

use hemvist_tests::fixtures::{JARVA_BOX, create, created, district_in, granted_on, two_room_apartment_body};
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};

const FARSTA: [f64; 4] = [18.05, 59.22, 18.13, 59.26];

/// A district named by its code over the rectangle `area`.
async fn district(app: &TestApp, token: &str, code: &str, area: [f64; 4]) {
    district_in(app, token, code, code, area).await;
}

async fn apartment(app: &TestApp, token: &str, address: &str, lat: f64, lon: f64) -> String {
    create(app, token, "/api/v1/apartments", &two_room_apartment_body(address, lat, lon)).await
}

/// A person with a decision for `intervention` granted on `decided_on`.
async fn granted_decision(app: &TestApp, token: &str, intervention: &str, decided_on: &str) -> (String, String) {
    let tenant = json!({"identity_kind": "none", "given_name": "T", "family_name": "Tenant", "sex": "woman"});
    let person = create(app, token, "/api/v1/people", &tenant).await;
    let decision = granted_on(app, token, &person, intervention, decided_on, "r").await;
    (person, decision)
}

async fn lease(app: &TestApp, token: &str, apartment: &str, decision: &str, kind: &str, starts_on: &str) -> Value {
    let offer = json!({"apartment_id": apartment, "decision_id": decision, "kind": kind, "starts_on": starts_on});
    created(app, token, "/api/v1/leases", &offer).await
}

async fn lease_action(app: &TestApp, token: &str, lease: &str, action: &str, body: Value) -> (StatusCode, Value) {
    let response = app.post(&format!("/api/v1/leases/{lease}/{action}"), token, &body).await;
    (response.status, response.body)
}

#[tokio::test]
async fn apartments_get_their_district_from_the_location() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    district(&app, &admin, "jarva", JARVA_BOX).await;
    district(&app, &admin, "farsta", FARSTA).await;
    let officer = app.token(Role::HousingOfficer).await;
    let rinkeby =
        app.post("/api/v1/apartments", &officer, &two_room_apartment_body("Rinkebysvängen 12", 59.388, 17.925)).await;
    assert_eq!(rinkeby.status, StatusCode::CREATED, "{}", rinkeby.body);
    assert_eq!(rinkeby.body["district_code"], "jarva");
    assert_eq!(rinkeby.body["status"], "available");
    let farsta =
        app.post("/api/v1/apartments", &officer, &two_room_apartment_body("Farstagången 1", 59.243, 18.09)).await;
    assert_eq!(farsta.body["district_code"], "farsta");
    let outside =
        app.post("/api/v1/apartments", &officer, &two_room_apartment_body("Kungsgatan 1", 59.335, 18.06)).await;
    assert_eq!(outside.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "lat");
    let mut bad = two_room_apartment_body("X", 59.388, 17.925);
    bad["rooms"] = json!(0);
    bad["floor"] = json!(500);
    let bad = app.post("/api/v1/apartments", &officer, &bad).await;
    assert_eq!(bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"].as_array().unwrap().len(), 2);

    // Moving the apartment (a corrected location) re-derives the district; a stale ETag is 412.
    let id = rinkeby.body["id"].as_str().unwrap();
    let corrected = two_room_apartment_body("Farstagången 3", 59.244, 18.091);
    let put = |etag: &str| {
        http::Request::put(format!("/api/v1/apartments/{id}"))
            .header("authorization", format!("Bearer {officer}"))
            .header("content-type", "application/json")
            .header("if-match", etag)
            .body(axum::body::Body::from(corrected.to_string()))
            .unwrap()
    };
    let moved = app.send(put("\"1\"")).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.body["district_code"], "farsta");
    app.send(put("\"1\"")).await.assert_problem(StatusCode::PRECONDITION_FAILED);

    let map = app.get("/api/v1/apartments/map", &officer).await;
    assert_eq!(map.header("content-type"), Some("application/geo+json"));
    assert_eq!(map.body["type"], "FeatureCollection");
    assert_eq!(map.body["features"].as_array().unwrap().len(), 2);
    assert_eq!(map.body["features"][0]["geometry"]["type"], "Point");

    let unavailable = app
        .put(
            &format!("/api/v1/apartments/{id}/status"),
            &officer,
            &json!({"status": "unavailable", "reason": "Water damage"}),
        )
        .await;
    assert_eq!(unavailable.body["status"], "unavailable");
    let listed = app.get("/api/v1/apartments?status=unavailable", &officer).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    let scoped = app.token_for(Role::HousingOfficer, "0180", &["jarva"], &[]).await;
    assert_eq!(app.get("/api/v1/apartments", &scoped).await.body["items"], json!([]));
    app.get(&format!("/api/v1/apartments/{id}"), &scoped).await.assert_problem(StatusCode::NOT_FOUND);
    app.get("/api/v1/apartments", &app.token(Role::ShelterStaff).await).await.assert_problem(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn twenty_concurrent_lets_of_one_apartment_give_exactly_one_lease() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    district(&app, &admin, "jarva", JARVA_BOX).await;
    let officer = app.token(Role::HousingOfficer).await;
    let flat = apartment(&app, &officer, "Rinkebysvängen 12", 59.388, 17.925).await;
    let mut decisions = Vec::new();
    for _ in 0..20 {
        decisions.push(granted_decision(&app, &officer, "trial_apartment", "2026-01-10").await.1);
    }
    let requests = decisions.iter().enumerate().map(|(i, decision)| {
        // Overlapping periods: every one covers 2026-06-01.
        let body = json!({"apartment_id": flat, "decision_id": decision, "kind": "trial",
                          "starts_on": format!("2026-05-{:02}", i + 1), "ends_on": "2027-06-01"});
        let app = &app;
        let officer = &officer;
        async move { app.post("/api/v1/leases", officer, &body).await }
    });
    let responses = futures::future::join_all(requests).await;
    let created = responses.iter().filter(|r| r.status == StatusCode::CREATED).count();
    let conflicts = responses.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!((created, conflicts), (1, 19), "{:?}", responses.iter().map(|r| r.status).collect::<Vec<_>>());
    for conflict in responses.iter().filter(|r| r.status == StatusCode::CONFLICT) {
        conflict.assert_problem(StatusCode::CONFLICT);
    }
    let client = app.pool.get().await.unwrap();
    let stored: i64 = client.query_one("SELECT count(*) FROM leases", &[]).await.unwrap().get(0);
    assert_eq!(stored, 1);
    // A later, non-overlapping period is fine.
    let (_, later) = granted_decision(&app, &officer, "trial_apartment", "2026-01-10").await;
    let next = app
        .post(
            "/api/v1/leases",
            &officer,
            &json!({"apartment_id": flat, "decision_id": later, "kind": "trial", "starts_on": "2027-06-01"}),
        )
        .await;
    assert_eq!(next.status, StatusCode::CREATED, "{}", next.body);
}

#[tokio::test]
async fn activation_executes_the_decision_and_plans_quarterly_follow_ups() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    district(&app, &admin, "jarva", JARVA_BOX).await;
    let officer = app.token(Role::HousingOfficer).await;
    let flat = apartment(&app, &officer, "Rinkebysvängen 12", 59.388, 17.925).await;
    let (person, decision) = granted_decision(&app, &officer, "housing_first", "2025-10-01").await;
    let wrong_kind = app
        .post(
            "/api/v1/leases",
            &officer,
            &json!({"apartment_id": flat, "decision_id": decision, "kind": "trial", "starts_on": "2025-11-01"}),
        )
        .await;
    assert_eq!(wrong_kind.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "kind");
    let offered = lease(&app, &officer, &flat, &decision, "housing_first", "2025-11-01").await;
    assert_eq!(offered["status"], "offered");
    assert_eq!(app.get(&format!("/api/v1/apartments/{flat}"), &officer).await.body["status"], "offered");
    let id = offered["id"].as_str().unwrap();
    let (status, active) = lease_action(&app, &officer, id, "activate", json!({"moved_in_on": "2025-11-01"})).await;
    assert_eq!(status, StatusCode::OK, "{active}");
    assert_eq!(active["status"], "active");
    assert_eq!(active["activated_on"], "2025-11-01");
    let planned: Vec<&str> =
        active["follow_ups"].as_array().unwrap().iter().map(|f| f["planned_on"].as_str().unwrap()).collect();
    assert_eq!(planned, vec!["2026-02-01", "2026-05-01", "2026-08-01", "2026-11-01"]);
    assert_eq!(app.get(&format!("/api/v1/apartments/{flat}"), &officer).await.body["status"], "let");
    let executed = app.get(&format!("/api/v1/decisions/{decision}"), &officer).await;
    assert_eq!(executed.body["executed_on"], "2025-11-01");
    assert_eq!(executed.body["status"], "executed");
    let (late, _) = lease_action(&app, &officer, id, "activate", json!({"moved_in_on": "2099-01-01"})).await;
    assert_eq!(late, StatusCode::UNPROCESSABLE_ENTITY, "not in the future");
    let (again, _) = lease_action(&app, &officer, id, "activate", json!({"moved_in_on": "2025-11-01"})).await;
    assert_eq!(again, StatusCode::CONFLICT);
    let told =
        app.put(&format!("/api/v1/leases/{id}/special-conditions"), &officer, &json!({"told_on": "2025-10-20"})).await;
    assert_eq!(told.body["special_conditions_told_on"], "2025-10-20");

    // Situation: a Housing First tenant is homeless (3) nationally but not in Stockholm's own count.
    let situation = app.get(&format!("/api/v1/people/{person}/situation?date=2026-01-01"), &officer).await;
    assert_eq!(situation.body["national"], "long_term_municipal");
    assert_eq!(situation.body["stockholm"], Value::Null);
    let before = app.get(&format!("/api/v1/people/{person}/situation?date=2025-10-31"), &officer).await;
    assert_eq!(before.body["national"], Value::Null);
}

#[tokio::test]
async fn takeover_rules_per_kind() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    district(&app, &admin, "jarva", JARVA_BOX).await;
    let officer = app.token(Role::HousingOfficer).await;

    // Training: never taken over.
    let training_flat = apartment(&app, &officer, "Training 1", 59.39, 17.93).await;
    let (_, training_decision) = granted_decision(&app, &officer, "training_apartment", "2025-01-10").await;
    let training = lease(&app, &officer, &training_flat, &training_decision, "training", "2025-02-01").await;
    let training_id = training["id"].as_str().unwrap();
    lease_action(&app, &officer, training_id, "activate", json!({"moved_in_on": "2025-02-01"})).await;
    let (status, body) =
        lease_action(&app, &officer, training_id, "takeover", json!({"taken_over_on": "2026-06-01"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["detail"].as_str().unwrap().contains("training"), "{body}");

    // Housing First: only after three held follow-ups.
    let hf_flat = apartment(&app, &officer, "Housing First 1", 59.40, 17.93).await;
    let (person, hf_decision) = granted_decision(&app, &officer, "housing_first", "2025-01-10").await;
    let hf = lease(&app, &officer, &hf_flat, &hf_decision, "housing_first", "2025-02-01").await;
    let hf_id = hf["id"].as_str().unwrap().to_owned();
    let (_, active) = lease_action(&app, &officer, &hf_id, "activate", json!({"moved_in_on": "2025-02-01"})).await;
    let follow_ups: Vec<String> =
        active["follow_ups"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect();
    for (follow_up, held_on) in follow_ups.iter().zip(["2025-05-02", "2025-08-04"]) {
        let held = app
            .put(&format!("/api/v1/leases/{hf_id}/follow-ups/{follow_up}"), &officer, &json!({"held_on": held_on}))
            .await;
        assert_eq!(held.status, StatusCode::OK, "{}", held.body);
    }
    let (status, body) = lease_action(&app, &officer, &hf_id, "takeover", json!({"taken_over_on": "2025-12-01"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    app.put(
        &format!("/api/v1/leases/{hf_id}/follow-ups/{}", follow_ups[2]),
        &officer,
        &json!({"held_on": "2025-11-03", "note": "Going well"}),
    )
    .await;
    let (status, taken) =
        lease_action(&app, &officer, &hf_id, "takeover", json!({"taken_over_on": "2025-12-01"})).await;
    assert_eq!(status, StatusCode::OK, "{taken}");
    assert_eq!(taken["status"], "taken_over");
    assert_eq!(app.get(&format!("/api/v1/apartments/{hf_flat}"), &officer).await.body["status"], "transferred");
    let (_, another) = granted_decision(&app, &officer, "housing_first", "2025-01-10").await;
    let refused = app
        .post("/api/v1/leases", &officer, &json!({"apartment_id": hf_flat, "decision_id": another, "kind": "housing_first", "starts_on": "2026-01-01"}))
        .await;
    refused.assert_problem(StatusCode::CONFLICT);
    // After a takeover the person has a home of their own.
    let situation = app.get(&format!("/api/v1/people/{person}/situation?date=2026-01-01"), &officer).await;
    assert_eq!(situation.body["national"], Value::Null);

    // Trial: not while rent is in arrears.
    let trial_flat = apartment(&app, &officer, "Trial 1", 59.41, 17.93).await;
    let (_, trial_decision) = granted_decision(&app, &officer, "trial_apartment", "2025-01-10").await;
    let trial = lease(&app, &officer, &trial_flat, &trial_decision, "trial", "2025-02-01").await;
    let trial_id = trial["id"].as_str().unwrap();
    lease_action(&app, &officer, trial_id, "activate", json!({"moved_in_on": "2025-02-01"})).await;
    let (status, _) = lease_action(
        &app,
        &officer,
        trial_id,
        "rent-charges",
        json!({"period": "2026-01", "amount_sek": 6200, "due_on": "2025-12-31"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) =
        lease_action(&app, &officer, trial_id, "takeover", json!({"taken_over_on": "2026-02-01"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["detail"].as_str().unwrap().contains("arrears") || body["detail"].as_str().unwrap().contains("rent"),
        "{body}"
    );
    lease_action(&app, &officer, trial_id, "rent-payments", json!({"amount_sek": 6200, "paid_on": "2026-01-05"})).await;
    let (status, body) =
        lease_action(&app, &officer, trial_id, "takeover", json!({"taken_over_on": "2026-02-01"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn ended_lease_frees_the_apartment_and_a_withdrawn_offer_never_counts() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    district(&app, &admin, "jarva", JARVA_BOX).await;
    let officer = app.token(Role::HousingOfficer).await;
    let flat = apartment(&app, &officer, "Rinkebysvängen 12", 59.388, 17.925).await;
    let (person, decision) = granted_decision(&app, &officer, "trial_apartment", "2025-01-10").await;
    let offer = lease(&app, &officer, &flat, &decision, "trial", "2025-02-01").await;
    let (status, withdrawn) = lease_action(
        &app,
        &officer,
        offer["id"].as_str().unwrap(),
        "end",
        json!({"ended_on": "2025-01-20", "reason": "Declined"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{withdrawn}");
    assert_eq!(withdrawn["status"], "ended");
    assert_eq!(app.get(&format!("/api/v1/apartments/{flat}"), &officer).await.body["status"], "available");
    let situation = app.get(&format!("/api/v1/people/{person}/situation?date=2025-03-01"), &officer).await;
    assert_eq!(situation.body["national"], Value::Null, "an offer never moved into is no lease");
    let declined_decision = app.get(&format!("/api/v1/decisions/{decision}"), &officer).await;
    assert_eq!(declined_decision.body["status"], "granted");

    let second = lease(&app, &officer, &flat, &decision, "trial", "2025-03-01").await;
    let id = second["id"].as_str().unwrap();
    lease_action(&app, &officer, id, "activate", json!({"moved_in_on": "2025-03-01"})).await;
    // An offer overlapping the active sublet is refused.
    let (_, next_decision) = granted_decision(&app, &officer, "trial_apartment", "2025-01-10").await;
    let next = app
        .post("/api/v1/leases", &officer, &json!({"apartment_id": flat, "decision_id": next_decision, "kind": "trial", "starts_on": "2025-04-01", "ends_on": "2025-06-01"}))
        .await;
    next.assert_problem(StatusCode::CONFLICT);
    let (status, ended) =
        lease_action(&app, &officer, id, "end", json!({"ended_on": "2026-03-01", "reason": "Moved"})).await;
    assert_eq!(status, StatusCode::OK, "{ended}");
    assert_eq!(ended["ends_on"], "2026-03-01");
    assert_eq!(app.get(&format!("/api/v1/apartments/{flat}"), &officer).await.body["status"], "available");
    let during = app.get(&format!("/api/v1/people/{person}/situation?date=2025-06-01"), &officer).await;
    assert_eq!(during.body["national"], "long_term_municipal");
    let (status, _) =
        lease_action(&app, &officer, id, "end", json!({"ended_on": "2026-03-02", "reason": "again"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn rent_arrears_early_warning() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    district(&app, &admin, "jarva", JARVA_BOX).await;
    let officer = app.token(Role::HousingOfficer).await;
    let mut leases = Vec::new();
    for address in ["Paid 1", "Late 1", "Noticed 1"] {
        let flat = apartment(&app, &officer, address, 59.39, 17.93).await;
        let (_, decision) = granted_decision(&app, &officer, "training_apartment", "2025-01-10").await;
        let lease = lease(&app, &officer, &flat, &decision, "training", "2025-02-01").await;
        let id = lease["id"].as_str().unwrap().to_owned();
        lease_action(&app, &officer, &id, "activate", json!({"moved_in_on": "2025-02-01"})).await;
        for (period, due) in [("2026-09", "2026-08-31"), ("2026-10", "2026-09-30")] {
            let (status, body) = lease_action(
                &app,
                &officer,
                &id,
                "rent-charges",
                json!({"period": period, "amount_sek": 5000, "due_on": due}),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        leases.push(id);
    }
    let (paid, late, noticed) = (&leases[0], &leases[1], &leases[2]);
    lease_action(&app, &officer, paid, "rent-payments", json!({"amount_sek": 10000, "paid_on": "2026-09-28"})).await;
    // Late: September paid, October's rent (due 09-30) unpaid.
    lease_action(&app, &officer, late, "rent-payments", json!({"amount_sek": 5000, "paid_on": "2026-08-30"})).await;
    lease_action(&app, &officer, noticed, "rent-notices", json!({"served_on": "2026-10-10"})).await;
    let (status, _) = lease_action(
        &app,
        &officer,
        late,
        "rent-charges",
        json!({"period": "2026-10", "amount_sek": 5000, "due_on": "2026-09-30"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "one charge per month");

    // 2026-10-07: seven days after 09-30: warned, but not yet forfeiture risk.
    let early = app.get("/api/v1/rent-arrears?as_of=2026-10-07", &officer).await;
    let by_lease =
        |body: &Value, id: &str| body["items"].as_array().unwrap().iter().find(|w| w["lease_id"] == id).cloned();
    let late_warning = by_lease(&early.body, late).unwrap();
    assert_eq!(late_warning["days_late"], 7);
    assert_eq!(late_warning["forfeiture_risk"], false);
    assert_eq!(late_warning["balance_sek"], 5000);
    assert!(by_lease(&early.body, paid).is_none());
    // Noticed: nothing paid since 08-31: 37 days late.
    assert_eq!(by_lease(&early.body, noticed).unwrap()["days_late"], 37);

    let later = app.get("/api/v1/rent-arrears?as_of=2026-10-15", &officer).await;
    let late_warning = by_lease(&later.body, late).unwrap();
    assert_eq!(late_warning["days_late"], 15);
    assert_eq!(late_warning["forfeiture_risk"], true);
    let noticed_warning = by_lease(&later.body, noticed).unwrap();
    assert_eq!(noticed_warning["notice_served_on"], "2026-10-10");
    // Issue 10 item 6: without a committee notification the redemption period has not started.
    assert_eq!(noticed_warning["redemption_deadline"], Value::Null);
    assert_eq!(noticed_warning["redemption_status"], "not_started_committee_not_notified");
    assert_eq!(noticed_warning["committee_notified"], false);
    assert_eq!(later.body["items"][0]["lease_id"], noticed.as_str(), "most days late first");

    let ledger = app.get(&format!("/api/v1/leases/{late}/rent?as_of=2026-10-15"), &officer).await;
    assert_eq!(ledger.body["entries"].as_array().unwrap().len(), 3);
    assert_eq!(ledger.body["arrears"]["oldest_unpaid_due_on"], "2026-09-30");
}

#[tokio::test]
async fn reports_spread_and_outcomes() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    district(&app, &admin, "jarva", JARVA_BOX).await;
    district(&app, &admin, "farsta", FARSTA).await;
    let officer = app.token(Role::HousingOfficer).await;
    let j1 = apartment(&app, &officer, "J1", 59.39, 17.93).await;
    apartment(&app, &officer, "J2", 59.39, 17.94).await;
    apartment(&app, &officer, "J3", 59.39, 17.95).await;
    let f1 = apartment(&app, &officer, "F1", 59.24, 18.09).await;
    let (_, d1) = granted_decision(&app, &officer, "trial_apartment", "2024-01-10").await;
    let l1 = lease(&app, &officer, &j1, &d1, "trial", "2024-02-01").await;
    let l1 = l1["id"].as_str().unwrap();
    lease_action(&app, &officer, l1, "activate", json!({"moved_in_on": "2024-02-01"})).await;
    let (status, body) = lease_action(&app, &officer, l1, "takeover", json!({"taken_over_on": "2025-02-01"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, d2) = granted_decision(&app, &officer, "trial_apartment", "2024-01-10").await;
    let l2 = lease(&app, &officer, &f1, &d2, "trial", "2024-03-01").await;
    let l2 = l2["id"].as_str().unwrap();
    lease_action(&app, &officer, l2, "activate", json!({"moved_in_on": "2024-03-01"})).await;
    lease_action(&app, &officer, l2, "end", json!({"ended_on": "2024-09-01", "reason": "Evicted"})).await;

    let auditor = app.token(Role::Auditor).await;
    let stock = app.get("/api/v1/reports/apartment-stock?on=2024-06-01", &auditor).await;
    assert_eq!(stock.status, StatusCode::OK, "{}", stock.body);
    // J1 was taken over: 2 in stock in Järva, 1 in Farsta.
    assert_eq!(stock.body["total_in_stock"], 3);
    let districts = stock.body["districts"].as_array().unwrap();
    assert_eq!(districts[0]["district_code"], "farsta");
    assert_eq!(districts[0]["in_stock"], 1);
    assert_eq!(districts[1]["in_stock"], 2);
    assert!((districts[1]["share_of_stock"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(districts[1]["active_leases"]["trial"], 1, "J1's lease ran on 2024-06-01");
    assert_eq!(districts[0]["active_leases"]["trial"], 1, "F1's lease ran on 2024-06-01");

    let outcomes = app.get("/api/v1/reports/lease-outcomes?as_of=2026-01-01", &auditor).await;
    let trial = outcomes.body["kinds"].as_array().unwrap().iter().find(|k| k["kind"] == "trial").unwrap().clone();
    assert_eq!(trial["leases"], 2);
    assert_eq!(trial["taken_over"], 1);
    assert_eq!(trial["ended"], 1);
    assert_eq!(trial["share_taken_over"], 0.5);
    // 2024-02-01 to 2025-02-01: 12 months.
    assert_eq!(trial["median_months_to_takeover"], 12.0);
    // Housed 12 months after moving in: the takeover yes, the eviction after 6 months no.
    assert_eq!(trial["share_housed_after_12_months"], 0.5);
    app.get("/api/v1/reports/lease-outcomes", &app.token(Role::SupportWorker).await)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_protected_tenants_lease_is_hidden_from_roles_that_may_not_see_protected_addresses() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    district(&app, &admin, "jarva", JARVA_BOX).await;
    let officer = app.token(Role::HousingOfficer).await;
    let flat = apartment(&app, &officer, "Skyddad adress 1", 59.39, 17.93).await;
    let (person, decision) = granted_decision(&app, &officer, "trial_apartment", "2025-01-10").await;
    let mut protected = app.get(&format!("/api/v1/people/{person}"), &officer).await.body;
    for field in [
        "id",
        "identity_masked",
        "belongs_to_municipality",
        "contact_withheld",
        "caseworker",
        "household_id",
        "household_role",
        "version",
        "birth_date",
        "identity_number",
    ] {
        protected.as_object_mut().unwrap().remove(field);
    }
    protected["protected_identity"] = json!(true);
    let updated = app.put(&format!("/api/v1/people/{person}"), &officer, &protected).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    let lease = lease(&app, &officer, &flat, &decision, "trial", "2025-02-01").await;
    let id = lease["id"].as_str().unwrap();
    lease_action(&app, &officer, id, "activate", json!({"moved_in_on": "2025-02-01"})).await;
    lease_action(
        &app,
        &officer,
        id,
        "rent-charges",
        json!({"period": "2026-10", "amount_sek": 5000, "due_on": "2026-09-30"}),
    )
    .await;

    assert_eq!(app.get(&format!("/api/v1/leases/{id}"), &officer).await.status, StatusCode::OK);
    let arrears = app.get("/api/v1/rent-arrears?as_of=2026-10-15", &officer).await;
    assert_eq!(arrears.body["items"].as_array().unwrap().len(), 1);
    for role in [Role::SupportWorker, Role::Auditor] {
        let token = app.token(role).await;
        app.get(&format!("/api/v1/leases/{id}"), &token).await.assert_problem(StatusCode::NOT_FOUND);
        app.get(&format!("/api/v1/leases/{id}/rent"), &token).await.assert_problem(StatusCode::NOT_FOUND);
        assert_eq!(
            app.get(&format!("/api/v1/leases?person_id={person}"), &token).await.body["items"],
            json!([]),
            "{role}"
        );
        assert_eq!(app.get("/api/v1/rent-arrears?as_of=2026-10-15", &token).await.body["items"], json!([]), "{role}");
    }
}

#[tokio::test]
async fn committee_notification_can_be_recorded_after_the_notice() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    district(&app, &admin, "jarva", JARVA_BOX).await;
    let officer = app.token(Role::HousingOfficer).await;
    let flat = apartment(&app, &officer, "Notis 1", 59.39, 17.93).await;
    let (_, decision) = granted_decision(&app, &officer, "training_apartment", "2025-01-10").await;
    let lease = lease(&app, &officer, &flat, &decision, "training", "2025-02-01").await;
    let id = lease["id"].as_str().unwrap();
    lease_action(&app, &officer, id, "activate", json!({"moved_in_on": "2025-02-03"})).await;
    lease_action(&app, &officer, id, "rent-notices", json!({"served_on": "2026-10-10"})).await;
    let ledger = app.get(&format!("/api/v1/leases/{id}/rent?as_of=2026-10-20"), &officer).await;
    assert_eq!(ledger.body["arrears"]["committee_notified"], false);
    assert_eq!(ledger.body["arrears"]["needs_attention"], true);
    let notice = ledger.body["notices"][0]["id"].as_str().unwrap();
    // Issue 10 item 6: a notification before service is valid (the period runs from service).
    let early = app
        .put(
            &format!("/api/v1/leases/{id}/rent-notices/{notice}"),
            &officer,
            &json!({"committee_notified_on": "2026-10-01"}),
        )
        .await;
    assert_eq!(early.status, StatusCode::OK, "{}", early.body);
    let ledger = app.get(&format!("/api/v1/leases/{id}/rent?as_of=2026-10-20"), &officer).await;
    // 10-10 + 21 = Saturday 10-31 (All Saints' Day): the period ends on Monday 11-02 (lag 1930:173).
    assert_eq!(ledger.body["arrears"]["redemption_deadline"], "2026-11-02");
    let recorded = app
        .put(
            &format!("/api/v1/leases/{id}/rent-notices/{notice}"),
            &officer,
            &json!({"committee_notified_on": "2026-10-12"}),
        )
        .await;
    assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.body);
    let ledger = app.get(&format!("/api/v1/leases/{id}/rent?as_of=2026-10-20"), &officer).await;
    assert_eq!(ledger.body["arrears"]["committee_notified"], true);
    assert_eq!(ledger.body["arrears"]["needs_attention"], false);
    let decision = app.get(&format!("/api/v1/decisions/{decision}"), &officer).await;
    assert_eq!(decision.body["executed_on"], "2025-02-03", "executed the day the tenant moved in, not the lease start");
}
