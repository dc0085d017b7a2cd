//! Scope: no list, search, map, report or feed shows a row outside the caller's municipality or unit, and no
//! role that may not see a protected address can read or derive it.

use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::Value;

/// No object is readable or writable outside the caller's municipality or unit: each kind of object,
/// asked for by its id from another municipality (and, for unit-scoped roles, another unit), is 404.
#[tokio::test]
async fn objects_outside_the_callers_scope_do_not_exist_for_it() {
    use serde_json::json;
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let boundary = |lon: f64| json!({"type": "Polygon", "coordinates": [[[lon, 59.38], [lon + 0.1, 59.38], [lon + 0.1, 59.43], [lon, 59.43], [lon, 59.38]]]});
    let district = app
        .post(
            "/api/v1/districts",
            &admin,
            &json!({"code": "jarva", "name": "Järva", "valid_from": "2023-07-01", "boundary": boundary(17.85)}),
        )
        .await;
    app.post(
        "/api/v1/districts",
        &admin,
        &json!({"code": "bromma", "name": "Bromma", "valid_from": "2023-07-01", "boundary": boundary(17.95)}),
    )
    .await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let person = id(&app.post("/api/v1/people", &admin, &json!({"identity_kind": "none", "given_name": "A", "family_name": "B", "sex": "woman", "home_municipality_code": "0180", "responsible_district_code": "jarva"})).await.body);
    let household = id(&app.post("/api/v1/households", &admin, &json!({"adults": [person]})).await.body);
    let decision = id(&app
        .post(
            &format!("/api/v1/people/{person}/decisions"),
            &admin,
            &json!({"intervention": "trial_apartment", "applied_on": "2025-01-02"}),
        )
        .await
        .body);
    app.post(
        &format!("/api/v1/decisions/{decision}/decide"),
        &admin,
        &json!({"decided_on": "2025-01-10", "outcome": "granted", "reasons": "r"}),
    )
    .await;
    let apartment = id(&app
        .post("/api/v1/apartments", &admin, &json!({"address": "A 1", "lat": 59.39, "lon": 17.90, "rooms": 1.0, "area_sqm": 30.0, "floor": 1, "has_lift": false,
            "wheelchair_accessible": false, "monthly_rent_sek": 5000, "landlord": "L", "first_hand_start": "2024-01-01"}))
        .await
        .body);
    let lease = id(&app
        .post(
            "/api/v1/leases",
            &admin,
            &json!({"apartment_id": apartment, "decision_id": decision, "kind": "trial", "starts_on": "2025-02-01"}),
        )
        .await
        .body);
    let plan = id(&app
        .post(&format!("/api/v1/people/{person}/support-plans"), &admin, &json!({"content": {"goals": [{"title": "G", "status": "in_progress"}], "interventions": [], "participation": {"participated": true}, "next_review_on": "2026-06-01"}}))
        .await
        .body);
    let shelter = id(&app
        .post("/api/v1/shelters", &admin, &json!({"name": "S", "operator": "O", "address": "A", "lat": 59.40, "lon": 17.90,
            "eligibility": {"accepts_women": true, "accepts_men": true}, "total_beds": 5, "opens_at": "19:00", "check_in_deadline": "23:00"}))
        .await
        .body);
    let night =
        hemvist_platform::night::Night::containing(jiff::Timestamp::now(), app.state.settings.night_cutover_hour)
            .to_string();
    let request =
        app.post("/api/v1/guarantee-requests", &admin, &json!({"person_id": person, "channel": "other"})).await;
    let (guarantee, bed) = (id(&request.body), request.body["bed"]["assignment_id"].as_str().unwrap().to_owned());
    assert!(!district.body["id"].is_null());

    let reads = [
        format!("/api/v1/districts/{}", id(&district.body)),
        format!("/api/v1/people/{person}"),
        format!("/api/v1/households/{household}"),
        format!("/api/v1/decisions/{decision}"),
        format!("/api/v1/apartments/{apartment}"),
        format!("/api/v1/leases/{lease}"),
        format!("/api/v1/leases/{lease}/rent"),
        format!("/api/v1/support-plans/{plan}"),
        format!("/api/v1/shelters/{shelter}"),
        format!("/api/v1/shelters/{shelter}/nights/{night}"),
        format!("/api/v1/guarantee-requests/{guarantee}"),
    ];
    app.add_municipality("1480", "Göteborg").await;
    let gothenburg = app.token_for(Role::Admin, "1480", &[], &[]).await;
    for path in &reads {
        app.get(path, &gothenburg).await.assert_problem(StatusCode::NOT_FOUND);
    }
    for (path, body) in [
        (format!("/api/v1/decisions/{decision}/close"), json!({"closed_on": "2025-02-01", "reason": "x"})),
        (format!("/api/v1/leases/{lease}/end"), json!({"ended_on": "2025-03-01", "reason": "x"})),
        (format!("/api/v1/support-plans/{plan}/close"), json!({"closed_on": "2025-03-01", "reason": "x"})),
        (format!("/api/v1/bed-assignments/{bed}/cancel"), json!({})),
        (
            format!("/api/v1/people/{person}/housing-arrangements"),
            json!({"kind": "outdoors", "valid_from": "2025-01-01"}),
        ),
    ] {
        app.post(&path, &gothenburg, &body).await.assert_problem(StatusCode::NOT_FOUND);
    }
    assert!(app.get("/api/v1/people", &gothenburg).await.body["items"].as_array().unwrap().is_empty());
    assert!(
        app.get(&format!("/api/v1/nights/{night}/assignments"), &gothenburg).await.body.as_array().unwrap().is_empty()
    );

    // Another unit: a Bromma officer, staff of another shelter, a support worker not assigned.
    let bromma = app.token_for(Role::HousingOfficer, "0180", &["bromma"], &[]).await;
    for path in [
        format!("/api/v1/people/{person}"),
        format!("/api/v1/apartments/{apartment}"),
        format!("/api/v1/leases/{lease}"),
        format!("/api/v1/decisions/{decision}"),
    ] {
        app.get(&path, &bromma).await.assert_problem(StatusCode::NOT_FOUND);
    }
    let other_shelter = app.token_for(Role::ShelterStaff, "0180", &[], &[uuid::Uuid::new_v4()]).await;
    app.get(&format!("/api/v1/shelters/{shelter}/nights/{night}"), &other_shelter)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.post(&format!("/api/v1/bed-assignments/{bed}/cancel"), &other_shelter, &json!({}))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let stranger = app.staff_token(Role::SupportWorker, "not.assigned").await;
    app.get(&format!("/api/v1/support-plans/{plan}"), &stranger).await.assert_problem(StatusCode::NOT_FOUND);
    app.get(&format!("/api/v1/people/{person}"), &stranger).await.assert_problem(StatusCode::NOT_FOUND);
    // And in scope, all of it is there.
    for path in &reads {
        assert_eq!(app.get(path, &admin).await.status, StatusCode::OK, "{path}");
    }
}
