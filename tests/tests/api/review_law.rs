//! An independent review of the lease law fixes (issue 10, items 6, 8 and 10): cases the first tests did
//! not try. Expected values are written out from the rules in domain.md and the law they cite.

use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};

const JARVA: [f64; 4] = [17.85, 59.38, 17.97, 59.43];

async fn jarva(app: &TestApp) {
    let admin = app.token(Role::Admin).await;
    let [lon0, lat0, lon1, lat1] = JARVA;
    let boundary = json!({"type": "Polygon", "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]]});
    let created = app
        .post(
            "/api/v1/districts",
            &admin,
            &json!({"code": "jarva", "name": "Järva", "valid_from": "2023-07-01", "boundary": boundary}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
}

async fn apartment(app: &TestApp, token: &str, address: &str, lat: f64) -> String {
    let body = json!({"address": address, "lat": lat, "lon": 17.93, "rooms": 1.0, "area_sqm": 35.0, "floor": 1,
        "has_lift": false, "wheelchair_accessible": false, "monthly_rent_sek": 5000, "landlord": "Svenska Bostäder",
        "first_hand_start": "2024-01-01"});
    let created = app.post("/api/v1/apartments", token, &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body["id"].as_str().unwrap().to_owned()
}

/// A person with a granted decision for `intervention`; returns the decision.
async fn granted(app: &TestApp, token: &str, intervention: &str, decided_on: &str) -> String {
    let person = app
        .post(
            "/api/v1/people",
            token,
            &json!({"identity_kind": "none", "given_name": "Granskad", "family_name": "Hyresgäst", "sex": "woman"}),
        )
        .await;
    let person = person.body["id"].as_str().unwrap().to_owned();
    let applied = app
        .post(
            &format!("/api/v1/people/{person}/decisions"),
            token,
            &json!({"intervention": intervention, "applied_on": decided_on}),
        )
        .await;
    let decision = applied.body["id"].as_str().unwrap().to_owned();
    let decided = app
        .post(
            &format!("/api/v1/decisions/{decision}/decide"),
            token,
            &json!({"decided_on": decided_on, "outcome": "granted", "reasons": "Hemlös"}),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
    decision
}

async fn offer(app: &TestApp, token: &str, flat: &str, decision: &str, kind: &str, starts_on: &str) -> String {
    let created = app
        .post(
            "/api/v1/leases",
            token,
            &json!({"apartment_id": flat, "decision_id": decision, "kind": kind, "starts_on": starts_on}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body["id"].as_str().unwrap().to_owned()
}

async fn act(app: &TestApp, token: &str, lease: &str, action: &str, body: Value) -> Value {
    let response = app.post(&format!("/api/v1/leases/{lease}/{action}"), token, &body).await;
    assert_eq!(response.status, StatusCode::OK, "{action}: {}", response.body);
    response.body
}

/// An active trial lease moved into on 2025-02-01 with one month's rent of 5000 SEK due on `due_on`, unpaid.
async fn lease_owing(app: &TestApp, token: &str, address: &str, lat: f64, period: &str, due_on: &str) -> String {
    let flat = apartment(app, token, address, lat).await;
    let decision = granted(app, token, "trial_apartment", "2025-01-10").await;
    let lease = offer(app, token, &flat, &decision, "trial", "2025-02-01").await;
    act(app, token, &lease, "activate", json!({"moved_in_on": "2025-02-01"})).await;
    act(app, token, &lease, "rent-charges", json!({"period": period, "amount_sek": 5000, "due_on": due_on})).await;
    lease
}

async fn arrears_on(app: &TestApp, token: &str, lease: &str, as_of: &str) -> Value {
    let ledger = app.get(&format!("/api/v1/leases/{lease}/rent?as_of={as_of}"), token).await;
    assert_eq!(ledger.status, StatusCode::OK, "{}", ledger.body);
    ledger.body["arrears"].clone()
}

/// Two notices for the same arrears: the first one's committee was told and its three weeks run; a
/// second one served later has no committee notification yet. The tenant still loses the home if the
/// first period runs out, so the status must not say "not started" (that the home cannot be lost yet).
#[tokio::test]
async fn a_later_unnotified_notice_does_not_hide_a_running_redemption_period() {
    let app = TestApp::spawn().await;
    jarva(&app).await;
    let officer = app.token(Role::HousingOfficer).await;
    let lease = lease_owing(&app, &officer, "Två notiser 1", 59.39, "2026-03", "2026-02-28").await;
    // Served 03-10, committee told 03-12: 03-12 + 21 days = 04-02.
    act(
        &app,
        &officer,
        &lease,
        "rent-notices",
        json!({"served_on": "2026-03-10", "committee_notified_on": "2026-03-12"}),
    )
    .await;
    act(&app, &officer, &lease, "rent-notices", json!({"served_on": "2026-03-20"})).await;

    let a = arrears_on(&app, &officer, &lease, "2026-03-25").await;
    assert_eq!(a["redemption_status"], "running", "{a}");
    assert_eq!(a["redemption_deadline"], "2026-04-02", "{a}");
    // The second notice still lacks its committee notification: flagged.
    assert_eq!(a["needs_attention"], true, "{a}");
    // After 04-02 unpaid: the first period has run out.
    let b = arrears_on(&app, &officer, &lease, "2026-04-03").await;
    assert_eq!(b["redemption_status"], "expired", "{b}");
    // Paid on 04-02: redeemed.
    act(&app, &officer, &lease, "rent-payments", json!({"amount_sek": 5000, "paid_on": "2026-04-02"})).await;
    let c = arrears_on(&app, &officer, &lease, "2026-04-03").await;
    assert_ne!(c["redemption_status"], "expired", "{c}");
}

/// A statutory period whose last day is a Saturday, Sunday or public holiday (midsummer, Christmas and
/// New Year's Eve included) ends on the next weekday (lag (1930:173) om beräkning av lagstadgad tid):
/// the tenant may pay then and keep the home.
#[tokio::test]
async fn a_redemption_deadline_on_a_weekend_or_holiday_moves_to_the_next_weekday() {
    let app = TestApp::spawn().await;
    jarva(&app).await;
    let officer = app.token(Role::HousingOfficer).await;
    // (served and notified, deadline by the calendar, last day to pay)
    let cases = [
        // Saturday 2026-03-07 + 21 = Saturday 03-28 -> Monday 03-30.
        ("2026-03-07", "2026-03-30"),
        // Friday 2026-03-13 + 21 = Good Friday 04-03; Easter Saturday, Easter Day, Easter Monday 04-06 -> Tuesday 04-07.
        ("2026-03-13", "2026-04-07"),
        // Wednesday 2025-12-03 + 21 = Christmas Eve; Christmas Day, Boxing Day, a weekend -> Monday 2025-12-29.
        ("2025-12-03", "2025-12-29"),
        // Wednesday 2026-05-20 + 21 = Wednesday 06-10: a weekday, unchanged.
        ("2026-05-20", "2026-06-10"),
        // Friday 2026-05-29 + 21 = Friday 06-19, midsummer eve -> Monday 06-22 (midsummer day is a Saturday).
        ("2026-05-29", "2026-06-22"),
    ];
    for (i, (served, last_day)) in cases.into_iter().enumerate() {
        let lat = 59.385 + 0.005 * i as f64;
        let lease = lease_owing(&app, &officer, &format!("Helgdag {i}"), lat, "2025-11", "2025-11-01").await;
        act(&app, &officer, &lease, "rent-notices", json!({"served_on": served, "committee_notified_on": served}))
            .await;
        let on_last_day = arrears_on(&app, &officer, &lease, last_day).await;
        assert_eq!(on_last_day["redemption_deadline"], last_day, "{served}: {on_last_day}");
        assert_eq!(on_last_day["redemption_status"], "running", "{served}: {on_last_day}");
        // Paid on the last day: in time.
        act(&app, &officer, &lease, "rent-payments", json!({"amount_sek": 5000, "paid_on": last_day})).await;
        let later = arrears_on(&app, &officer, &lease, "2026-11-01").await;
        assert_eq!(later["redemption_status"], "redeemed", "{served}: {later}");
    }
}

/// One decision is executed by one home: a second lease offered on the same decision (a second offer is
/// fine, IVO counts offers) may not become active while the first is, or the person holds two sublets.
/// A declined offer followed by a new one works as before.
#[tokio::test]
async fn one_decision_never_has_two_active_leases() {
    let app = TestApp::spawn().await;
    jarva(&app).await;
    let officer = app.token(Role::HousingOfficer).await;
    let decision = granted(&app, &officer, "trial_apartment", "2025-03-01").await;
    let first_flat = apartment(&app, &officer, "Beslut 1", 59.39).await;
    let second_flat = apartment(&app, &officer, "Beslut 2", 59.40).await;
    let third_flat = apartment(&app, &officer, "Beslut 3", 59.41).await;

    // Declined, then a new offer: two offers on the decision, one declined.
    let declined = offer(&app, &officer, &first_flat, &decision, "trial", "2025-04-01").await;
    act(&app, &officer, &declined, "decline", json!({"declined_on": "2025-04-01"})).await;
    let first = offer(&app, &officer, &second_flat, &decision, "trial", "2025-05-01").await;
    let second = offer(&app, &officer, &third_flat, &decision, "trial", "2025-05-01").await;
    let view = app.get(&format!("/api/v1/decisions/{decision}"), &officer).await.body;
    assert_eq!(view["offers"].as_array().map(Vec::len), Some(3), "{view}");

    // Moving in before the decision was made: refused.
    let early = offer(&app, &officer, &first_flat, &decision, "trial", "2025-02-01").await;
    let refused =
        app.post(&format!("/api/v1/leases/{early}/activate"), &officer, &json!({"moved_in_on": "2025-02-15"})).await;
    refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);

    act(&app, &officer, &first, "activate", json!({"moved_in_on": "2025-05-01"})).await;
    let twice =
        app.post(&format!("/api/v1/leases/{second}/activate"), &officer, &json!({"moved_in_on": "2025-05-02"})).await;
    twice.assert_problem(StatusCode::CONFLICT);
    assert_eq!(app.get(&format!("/api/v1/leases/{second}"), &officer).await.body["status"], "offered");
    assert_eq!(app.get(&format!("/api/v1/apartments/{third_flat}"), &officer).await.body["status"], "offered");

    // After the first lease ends the person may move to the other apartment under the same decision.
    act(&app, &officer, &first, "end", json!({"ended_on": "2025-09-01", "reason": "Flyttade"})).await;
    act(&app, &officer, &second, "activate", json!({"moved_in_on": "2025-09-01"})).await;
}

/// A Bostad Först tenant whose first planned follow-up was missed: an extra one held instead does not
/// count, and the takeover waits for three planned ones held on or after their dates. A training
/// apartment is never taken over, whatever was held.
#[tokio::test]
async fn a_missed_planned_follow_up_is_not_replaced_by_an_extra_one_and_training_is_never_taken_over() {
    let app = TestApp::spawn().await;
    jarva(&app).await;
    let officer = app.token(Role::HousingOfficer).await;
    let flat = apartment(&app, &officer, "Uppföljning 1", 59.39).await;
    let decision = granted(&app, &officer, "housing_first", "2025-01-10").await;
    let lease = offer(&app, &officer, &flat, &decision, "housing_first", "2025-02-01").await;
    let active = act(&app, &officer, &lease, "activate", json!({"moved_in_on": "2025-02-01"})).await;
    let planned: Vec<(String, String)> = active["follow_ups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap().to_owned(), f["planned_on"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        planned.iter().map(|(_, on)| on.as_str()).collect::<Vec<_>>(),
        ["2025-05-01", "2025-08-01", "2025-11-01", "2026-02-01"]
    );
    let held = |id: String, on: &'static str| {
        let app = &app;
        let officer = officer.clone();
        let lease = lease.clone();
        async move {
            let r =
                app.put(&format!("/api/v1/leases/{lease}/follow-ups/{id}"), &officer, &json!({"held_on": on})).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            r.body
        }
    };
    // 05-01 missed; an extra one planned and held on 05-20 instead.
    let extra = act(&app, &officer, &lease, "follow-ups", json!({"planned_on": "2025-05-20"})).await;
    let extra_id =
        extra["follow_ups"].as_array().unwrap().iter().find(|f| f["planned_on"] == "2025-05-20").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
    held(extra_id, "2025-05-20").await;
    // The second and third exactly on their planned dates.
    held(planned[1].0.clone(), "2025-08-01").await;
    held(planned[2].0.clone(), "2025-11-01").await;
    let refused =
        app.post(&format!("/api/v1/leases/{lease}/takeover"), &officer, &json!({"taken_over_on": "2025-11-05"})).await;
    refused.assert_problem(StatusCode::CONFLICT);
    // The fourth, on its date: three planned ones held, the takeover is possible from that day.
    held(planned[3].0.clone(), "2026-02-01").await;
    let too_soon =
        app.post(&format!("/api/v1/leases/{lease}/takeover"), &officer, &json!({"taken_over_on": "2026-01-31"})).await;
    too_soon.assert_problem(StatusCode::CONFLICT);
    act(&app, &officer, &lease, "takeover", json!({"taken_over_on": "2026-02-01"})).await;

    // Training: every planned follow-up held on its date, rent paid; still never.
    let flat = apartment(&app, &officer, "Träning 1", 59.40).await;
    let decision = granted(&app, &officer, "training_apartment", "2025-01-10").await;
    let training = offer(&app, &officer, &flat, &decision, "training", "2025-02-01").await;
    let active = act(&app, &officer, &training, "activate", json!({"moved_in_on": "2025-02-01"})).await;
    for f in active["follow_ups"].as_array().unwrap() {
        let (id, on) = (f["id"].as_str().unwrap(), f["planned_on"].as_str().unwrap());
        let r = app.put(&format!("/api/v1/leases/{training}/follow-ups/{id}"), &officer, &json!({"held_on": on})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let never = app
        .post(&format!("/api/v1/leases/{training}/takeover"), &officer, &json!({"taken_over_on": "2026-03-01"}))
        .await;
    never.assert_problem(StatusCode::CONFLICT);
    assert_eq!(app.get(&format!("/api/v1/leases/{training}"), &officer).await.body["status"], "active");
}

/// The committee is told of a notice for rent already late. A notification dated before the rent in
/// arrears even fell due is about no notice of these arrears, yet would start the tenant's three weeks:
/// refused (422), on both paths. A notification before service but after the rent fell late is fine, a
/// future one is refused, and a partial payment by the deadline does not redeem the tenancy.
#[tokio::test]
async fn a_committee_notification_before_the_rent_was_late_is_refused() {
    let app = TestApp::spawn().await;
    jarva(&app).await;
    let officer = app.token(Role::HousingOfficer).await;
    // 5000 SEK due 2026-02-28, unpaid.
    let lease = lease_owing(&app, &officer, "Tidig 1", 59.39, "2026-03", "2026-02-28").await;
    let notices = format!("/api/v1/leases/{lease}/rent-notices");
    for too_early in ["2026-02-20", "2026-02-28"] {
        let refused =
            app.post(&notices, &officer, &json!({"served_on": "2026-03-10", "committee_notified_on": too_early})).await;
        let problem = refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "committee_notified_on", "{problem}");
    }
    let future =
        app.post(&notices, &officer, &json!({"served_on": "2026-03-10", "committee_notified_on": "2099-01-01"})).await;
    future.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(arrears_on(&app, &officer, &lease, "2026-03-20").await["redemption_status"], "no_notice");

    // Served without; the notification recorded afterwards with a date before the rent fell due: refused.
    act(&app, &officer, &lease, "rent-notices", json!({"served_on": "2026-03-10"})).await;
    let ledger = app.get(&format!("/api/v1/leases/{lease}/rent?as_of=2026-03-20"), &officer).await;
    let notice = ledger.body["notices"][0]["id"].as_str().unwrap().to_owned();
    let url = format!("{notices}/{notice}");
    let refused = app.put(&url, &officer, &json!({"committee_notified_on": "2026-02-27"})).await;
    assert_eq!(refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "committee_notified_on");
    assert_eq!(
        arrears_on(&app, &officer, &lease, "2026-03-20").await["redemption_status"],
        "not_started_committee_not_notified"
    );
    // Told on 03-05, late rent and before service: the period runs from service, 03-10 + 21 = Tuesday 03-31.
    let told = app.put(&url, &officer, &json!({"committee_notified_on": "2026-03-05"})).await;
    assert_eq!(told.status, StatusCode::OK, "{}", told.body);
    let a = arrears_on(&app, &officer, &lease, "2026-03-20").await;
    assert_eq!(a["redemption_deadline"], "2026-03-31", "{a}");

    // 3000 of 5000 paid by the deadline, the rest the day after: the period ran out.
    act(&app, &officer, &lease, "rent-payments", json!({"amount_sek": 3000, "paid_on": "2026-03-31"})).await;
    assert_eq!(arrears_on(&app, &officer, &lease, "2026-03-31").await["redemption_status"], "running");
    act(&app, &officer, &lease, "rent-payments", json!({"amount_sek": 2000, "paid_on": "2026-04-01"})).await;
    let b = arrears_on(&app, &officer, &lease, "2026-04-02").await;
    assert_eq!(b["redemption_status"], "expired", "{b}");
    assert_eq!(b["balance_sek"], 0, "{b}");
}
