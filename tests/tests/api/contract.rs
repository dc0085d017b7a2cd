//! The API accepts what its OpenAPI document says (issue 15): JSON numbers as JSON Schema reads them,
//! If-Match as RFC 9110 reads it, and every sent field checked as declared.

use hemvist_tests::fixtures::box_polygon;
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};

async fn district_and_apartment(app: &TestApp, admin: &str) -> String {
    let district = json!({"code": "jarva", "name": "Järva", "valid_from": "2023-07-01",
        "boundary": box_polygon([17.85, 59.38, 17.97, 59.43])});
    let created = app.post("/api/v1/districts", admin, &district).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    // JSON Schema's `integer` includes 2.0: integer fields take numbers with a zero fraction.
    let apartment = json!({"address": "Rinkebysvängen 12", "lat": 59.388, "lon": 17.925, "rooms": 2,
        "area_sqm": 54.5, "floor": 3.0, "has_lift": false, "wheelchair_accessible": false,
        "monthly_rent_sek": 6200.0, "landlord": "Svenska Bostäder", "first_hand_start": "2024-01-01"});
    let created = app.post("/api/v1/apartments", admin, &apartment).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["floor"], 3);
    assert_eq!(created.body["monthly_rent_sek"], 6200);
    created.body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn integral_numbers_are_integers_and_fractions_are_named() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    district_and_apartment(&app, &admin).await;
    let apartment = json!({"address": "Rinkebysvängen 14", "lat": 59.388, "lon": 17.925, "rooms": 2,
        "area_sqm": 54.5, "floor": 3.5, "has_lift": false, "wheelchair_accessible": false,
        "monthly_rent_sek": 6200, "landlord": "Svenska Bostäder", "first_hand_start": "2024-01-01"});
    let refused = app.post("/api/v1/apartments", &admin, &apartment).await;
    let problem = refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "floor", "{problem}");
}

#[tokio::test]
async fn an_if_match_naming_no_current_version_is_412_after_the_body_is_checked() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let id = district_and_apartment(&app, &admin).await;
    let path = format!("/api/v1/apartments/{id}");
    let current = json!({"address": "Rinkebysvängen 12", "lat": 59.388, "lon": 17.925, "rooms": 2,
        "area_sqm": 54.5, "floor": 3, "has_lift": true, "wheelchair_accessible": false,
        "monthly_rent_sek": 6300, "landlord": "Svenska Bostäder", "first_hand_start": "2024-01-01"});
    let put = |if_match: &str, body: &Value| {
        http::Request::put(&path)
            .header("authorization", format!("Bearer {admin}"))
            .header("content-type", "application/json")
            .header("if-match", if_match)
            .body(axum::body::Body::from(body.to_string()))
            .unwrap()
    };
    // Not an ETag this API gave out, or two versions at once: the condition cannot hold.
    for if_match in ["null", "\"abc\"", "0", "\"1\", \"2\""] {
        app.send(put(if_match, &current)).await.assert_problem(StatusCode::PRECONDITION_FAILED);
    }
    // An invalid body is named first, whatever If-Match says.
    let mut invalid = current.clone();
    invalid["landlord"] = json!("  ");
    app.send(put("\"abc\"", &invalid)).await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    // A list holding the current ETag (weak or not) matches.
    let updated = app.send(put("\"abc\", W/\"1\"", &current)).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    let updated = app.send(put("*", &current)).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
}

#[tokio::test]
async fn a_status_reason_is_checked_whenever_sent() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let id = district_and_apartment(&app, &admin).await;
    let path = format!("/api/v1/apartments/{id}/status");
    let refused = app.put(&path, &admin, &json!({"status": "available", "reason": "a\u{9b}"})).await;
    assert_eq!(refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "reason");
    let fine = app.put(&path, &admin, &json!({"status": "available", "reason": "back from repairs"})).await;
    assert_eq!(fine.status, StatusCode::OK, "{}", fine.body);
}

#[tokio::test]
async fn bouncing_more_than_is_bounded_as_declared() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let ok = app.get("/api/v1/reports/bouncing?more_than=365", &admin).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let refused = app.get("/api/v1/reports/bouncing?more_than=366", &admin).await;
    assert_eq!(refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "more_than");
}
