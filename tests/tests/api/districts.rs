//! Districts: CRUD for admins, date-versioning, point-in-polygon lookup, pagination, scoping.

use hemvist_tests::fixtures::box_polygon;
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};

fn district(code: &str, name: &str, from: &str, to: Option<&str>, boundary: Value) -> Value {
    json!({"code": code, "name": name, "valid_from": from, "valid_to": to, "boundary": boundary})
}

/// Järva in the north-west, Södermalm (as a MultiPolygon with two parts) in the south.
async fn two_districts(app: &TestApp, token: &str) -> (String, String) {
    let jarva = app
        .post(
            "/api/v1/districts",
            token,
            &district("jarva", "Järva", "2023-07-01", None, box_polygon([17.85, 59.38, 17.97, 59.43])),
        )
        .await;
    assert_eq!(jarva.status, StatusCode::CREATED, "{}", jarva.body);
    let sodermalm_shape = json!({"type": "MultiPolygon", "coordinates": [
        [[[18.02, 59.30], [18.11, 59.30], [18.11, 59.325], [18.02, 59.325], [18.02, 59.30]]],
        [[[18.20, 59.30], [18.25, 59.30], [18.25, 59.32], [18.20, 59.32], [18.20, 59.30]]]]});
    let sodermalm = app
        .post("/api/v1/districts", token, &district("sodermalm", "Södermalm", "2023-07-01", None, sodermalm_shape))
        .await;
    assert_eq!(sodermalm.status, StatusCode::CREATED, "{}", sodermalm.body);
    (jarva.body["id"].as_str().unwrap().to_owned(), sodermalm.body["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn lookup_finds_the_containing_district_and_404_outside() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let (jarva, sodermalm) = two_districts(&app, &admin).await;
    let reader = app.token(Role::NightCoordinator).await;

    let rinkeby = app.get("/api/v1/districts/lookup?lat=59.388&lon=17.925&on=2026-11-23", &reader).await;
    assert_eq!(rinkeby.status, StatusCode::OK, "{}", rinkeby.body);
    assert_eq!(rinkeby.body["id"], jarva.as_str());
    assert_eq!(rinkeby.body["name"], "Järva");
    assert!(rinkeby.body.get("boundary").is_none());

    let medborgarplatsen = app.get("/api/v1/districts/lookup?lat=59.314&lon=18.073", &reader).await;
    assert_eq!(medborgarplatsen.body["id"], sodermalm.as_str());
    let second_part = app.get("/api/v1/districts/lookup?lat=59.31&lon=18.22", &reader).await;
    assert_eq!(second_part.body["code"], "sodermalm");
    // On the edge of a district counts as inside.
    assert_eq!(app.get("/api/v1/districts/lookup?lat=59.38&lon=17.9", &reader).await.body["code"], "jarva");

    // Gamla stan lies between the two test polygons; Gothenburg far outside.
    app.get("/api/v1/districts/lookup?lat=59.3260&lon=18.07", &reader).await.assert_problem(StatusCode::NOT_FOUND);
    app.get("/api/v1/districts/lookup?lat=57.70&lon=11.97", &reader).await.assert_problem(StatusCode::NOT_FOUND);
    // Before the districts existed, nothing contains the point.
    app.get("/api/v1/districts/lookup?lat=59.388&lon=17.925&on=2020-01-01", &reader)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let bad = app.get("/api/v1/districts/lookup?lat=95&lon=200", &reader).await;
    assert_eq!(bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"].as_array().unwrap().len(), 2);
    app.get("/api/v1/districts/lookup?lat=abc&lon=1", &reader).await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn versions_of_a_code_may_not_overlap_and_lookup_follows_the_date() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let old = app
        .post(
            "/api/v1/districts",
            &admin,
            &district(
                "rinkeby-kista",
                "Rinkeby-Kista",
                "2007-01-01",
                Some("2023-07-01"),
                box_polygon([17.85, 59.38, 17.97, 59.43]),
            ),
        )
        .await;
    assert_eq!(old.status, StatusCode::CREATED);
    let overlapping = app
        .post(
            "/api/v1/districts",
            &admin,
            &district("rinkeby-kista", "Rinkeby-Kista", "2023-01-01", None, box_polygon([17.0, 59.0, 17.1, 59.1])),
        )
        .await;
    overlapping.assert_problem(StatusCode::CONFLICT);
    let jarva = app
        .post(
            "/api/v1/districts",
            &admin,
            &district("jarva", "Järva", "2023-07-01", None, box_polygon([17.80, 59.36, 17.99, 59.45])),
        )
        .await;
    assert_eq!(jarva.status, StatusCode::CREATED);
    let before = app.get("/api/v1/districts/lookup?lat=59.40&lon=17.90&on=2023-06-30", &admin).await;
    assert_eq!(before.body["code"], "rinkeby-kista");
    let after = app.get("/api/v1/districts/lookup?lat=59.40&lon=17.90&on=2023-07-01", &admin).await;
    assert_eq!(after.body["code"], "jarva");
    let current = app.get("/api/v1/districts?on=2024-01-01", &admin).await;
    assert_eq!(current.body["items"].as_array().unwrap().len(), 1);
    let backwards = district("x", "X", "2023-07-01", Some("2023-01-01"), box_polygon([1.0, 1.0, 2.0, 2.0]));
    let problem = app.post("/api/v1/districts", &admin, &backwards).await;
    assert_eq!(problem.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "valid_to");
}

#[tokio::test]
async fn list_is_paginated_with_a_cursor() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    for code in ["farsta", "bromma", "skarpnack", "kungsholmen", "jarva"] {
        let created = app
            .post(
                "/api/v1/districts",
                &admin,
                &district(code, code, "2023-07-01", None, box_polygon([1.0, 1.0, 2.0, 2.0])),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/districts?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let page = app.get(&path, &admin).await;
        assert_eq!(page.status, StatusCode::OK);
        pages += 1;
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|i| i["code"].as_str().unwrap().to_owned()));
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/districts?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, vec!["bromma", "farsta", "jarva", "kungsholmen", "skarpnack"]);
}

#[tokio::test]
async fn update_needs_current_version_and_delete_removes() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let (jarva, _) = two_districts(&app, &admin).await;
    let path = format!("/api/v1/districts/{jarva}");
    let read = app.get(&path, &admin).await;
    assert_eq!(read.header("etag"), Some("\"1\""));

    let renamed =
        district("jarva", "Järva stadsdelsområde", "2023-07-01", None, box_polygon([17.85, 59.38, 17.97, 59.43]));
    let request = |etag: &str| {
        http::Request::put(&path)
            .header("authorization", format!("Bearer {admin}"))
            .header("content-type", "application/json")
            .header("if-match", etag)
            .body(axum::body::Body::from(renamed.to_string()))
            .unwrap()
    };
    let updated = app.send(request("\"1\"")).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.body["version"], 2);
    assert_eq!(updated.header("etag"), Some("\"2\""));
    app.send(request("\"1\"")).await.assert_problem(StatusCode::PRECONDITION_FAILED);
    assert_eq!(app.get(&path, &admin).await.body["name"], "Järva stadsdelsområde");

    assert_eq!(app.delete(&path, &admin).await.status, StatusCode::NO_CONTENT);
    app.get(&path, &admin).await.assert_problem(StatusCode::NOT_FOUND);
    app.delete(&path, &admin).await.assert_problem(StatusCode::NOT_FOUND);
    let actions: Vec<String> = app.audit_events().await.into_iter().map(|e| e.0).collect();
    assert_eq!(actions, vec!["create", "create", "update", "delete"]);
}

#[tokio::test]
async fn another_municipality_sees_nothing_of_ours() {
    let app = TestApp::spawn().await;
    app.add_municipality("1480", "Göteborg").await;
    let admin = app.token(Role::Admin).await;
    let (jarva, _) = two_districts(&app, &admin).await;
    let gothenburg = app.token_for(Role::Admin, "1480", &[], &[]).await;
    app.get(&format!("/api/v1/districts/{jarva}"), &gothenburg).await.assert_problem(StatusCode::NOT_FOUND);
    app.delete(&format!("/api/v1/districts/{jarva}"), &gothenburg).await.assert_problem(StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/districts", &gothenburg).await.body["items"], json!([]));
    app.get("/api/v1/districts/lookup?lat=59.388&lon=17.925", &gothenburg).await.assert_problem(StatusCode::NOT_FOUND);
    // The same code is free in another municipality.
    let theirs = app
        .post(
            "/api/v1/districts",
            &gothenburg,
            &district("jarva", "Not Järva", "2023-07-01", None, box_polygon([11.9, 57.6, 12.0, 57.8])),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::CREATED);
}
