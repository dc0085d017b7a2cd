//! Errors as problem+json, authentication vs authorisation, the audit trail, health and readiness.

use axum::body::Body;
use hemvist_platform::settings::Settings;
use hemvist_tests::fixtures::box_polygon;
use hemvist_tests::{TestApp, TestRole as Role};
use http::{Method, Request, StatusCode};
use serde_json::json;

fn district_body(code: &str) -> serde_json::Value {
    json!({"code": code, "name": "Test", "valid_from": "2023-07-01", "boundary": box_polygon([18.0, 59.0, 18.1, 59.1])})
}

#[tokio::test]
async fn health_and_ready_need_no_token() {
    let app = TestApp::spawn().await;
    let health = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body["status"], "ok");
    let ready = app.call(Method::GET, "/ready", None, None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert!(health.header("x-request-id").is_some(), "every answer carries a request id");
}

#[tokio::test]
async fn unknown_route_and_method_are_problems() {
    let app = TestApp::spawn().await;
    app.call(Method::GET, "/api/v1/nothing-here", None, None).await.assert_problem(StatusCode::NOT_FOUND);
    let token = app.token(Role::Admin).await;
    app.call(Method::PATCH, "/api/v1/districts", Some(&token), None)
        .await
        .assert_problem(StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn missing_or_wrong_token_is_401_and_wrong_role_is_403() {
    let app = TestApp::spawn().await;
    let missing = app.call(Method::GET, "/api/v1/districts", None, None).await;
    missing.assert_problem(StatusCode::UNAUTHORIZED);
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
    app.get("/api/v1/districts", "hv_0000").await.assert_problem(StatusCode::UNAUTHORIZED);
    let basic = app
        .send(Request::get("/api/v1/districts").header("authorization", "Basic YTpi").body(Body::empty()).unwrap())
        .await;
    basic.assert_problem(StatusCode::UNAUTHORIZED);

    let officer = app.token(Role::HousingOfficer).await;
    assert_eq!(app.get("/api/v1/districts", &officer).await.status, StatusCode::OK);
    let denied = app.post("/api/v1/districts", &officer, &district_body("jarva")).await;
    denied.assert_problem(StatusCode::FORBIDDEN);
    assert!(denied.body["detail"].as_str().unwrap().contains("housing_officer"));
    assert!(app.audit_events().await.is_empty(), "a refused write leaves no trace but the refusal");
}

#[tokio::test]
async fn revoked_and_expired_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let client = app.pool.get().await.unwrap();
    // The bed board checks a known token in the same read as its own version: it must refuse alike.
    let board = format!("/api/v1/nights/{}/availability", hemvist_tests::fixtures::tonight(&app));
    for path in ["/api/v1/people", board.as_str()] {
        let revoked = app.token(Role::Admin).await;
        let expired = app.token(Role::Auditor).await;
        let rescoped = app.token(Role::HousingOfficer).await;
        // Each token is used first (the server now knows it), then changed in the database as another
        // process (the CLI, another instance) would: the very next request must see the change.
        for (token, change) in [
            (&revoked, "revoked_at = now()"),
            (&expired, "expires_at = now() - interval '1 minute'"),
            (&rescoped, "role = 'integration'"),
        ] {
            assert_eq!(app.get(path, token).await.status, StatusCode::OK, "{path}");
            assert_eq!(app.get(path, token).await.status, StatusCode::OK, "{path}, known");
            let hash = hemvist_platform::auth::hash_token(token);
            client.execute(&format!("UPDATE api_tokens SET {change} WHERE token_sha256 = $1"), &[&hash]).await.unwrap();
            let after = app.get(path, token).await;
            let refused = if change.starts_with("role") { StatusCode::FORBIDDEN } else { StatusCode::UNAUTHORIZED };
            assert_eq!(after.status, refused, "{path} after {change}");
            after.assert_problem(refused);
        }
    }
}

#[tokio::test]
async fn tokens_are_stored_only_as_hashes() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let client = app.pool.get().await.unwrap();
    let stored: Vec<String> =
        client.query("SELECT token_sha256 FROM api_tokens", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(stored, vec![hemvist_platform::auth::hash_token(&token)]);
    assert!(!stored[0].contains(&token[3..]));
}

#[tokio::test]
async fn malformed_bodies_are_client_errors_never_500() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let post = |body: &'static str, content_type: &'static str| {
        Request::post("/api/v1/districts")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap()
    };
    app.send(post("{not json", "application/json")).await.assert_problem(StatusCode::BAD_REQUEST);
    app.send(post("{}", "text/plain")).await.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let wrong_type = app.send(post(r#"{"code": 5}"#, "application/json")).await;
    wrong_type.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let huge = app
        .send(post(r#"{"code":"a","name":"b","valid_from":"99999-01-01","boundary":{"type":"Polygon","coordinates":[[[1e400,0]]]}}"#, "application/json"))
        .await;
    assert!(huge.status.is_client_error(), "{}", huge.status);
    huge.assert_problem(huge.status);
    let mut nul = district_body("nul");
    nul["name"] = json!("Järva\u{0}");
    let nul = app.post("/api/v1/districts", &token, &nul).await;
    let problem = nul.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "name");
    let unknown_field = app.post("/api/v1/districts", &token, &json!({"code": "x", "extra": 1})).await;
    unknown_field.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.get("/api/v1/districts/not-a-uuid", &token).await.assert_problem(StatusCode::BAD_REQUEST);
    app.get("/api/v1/districts?limit=100000000000", &token).await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.get("/api/v1/districts?cursor=garbage", &token).await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.audit_events().await.is_empty(), "nothing half-written");
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let settings = Settings { body_limit_bytes: 1024, ..Settings::default() };
    let app = TestApp::spawn_with(settings).await;
    let token = app.token(Role::Admin).await;
    let mut body = district_body("big");
    body["name"] = json!("x".repeat(4096));
    app.post("/api/v1/districts", &token, &body).await.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn audit_trail_is_append_only() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let created = app.post("/api/v1/districts", &token, &district_body("jarva")).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id: uuid::Uuid = created.body["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(app.audit_events().await, vec![("create".to_owned(), "district".to_owned(), Some(id), None)]);

    // As the API's database role: no privilege to change, remove, or get around the trigger.
    let client = app.pool.get().await.unwrap();
    for statement in [
        "UPDATE audit_events SET action = 'read'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "SET session_replication_role = replica",
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
    ] {
        let error = client.batch_execute(statement).await.expect_err(statement);
        let code = error.code().cloned();
        assert_eq!(code, Some(tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{statement}: {error}");
    }
    let who = client
        .query_one("SELECT session_user::text, rolsuper FROM pg_roles WHERE rolname = session_user", &[])
        .await
        .unwrap();
    assert_eq!((who.get::<_, String>(0), who.get::<_, bool>(1)), ("hemvist_api".to_owned(), false));
    // Even the tables' owner is refused by the trigger.
    let owner = app.owner_client().await;
    for statement in ["UPDATE audit_events SET action = 'read'", "DELETE FROM audit_events", "TRUNCATE audit_events"] {
        let error = owner.batch_execute(statement).await.expect_err(statement);
        let message = error.as_db_error().map(|e| e.message().to_owned()).unwrap_or_default();
        assert!(message.contains("append-only"), "{statement}: {message}");
    }
    assert_eq!(app.audit_events().await.len(), 1);
}

#[tokio::test]
async fn database_down_is_503_problem() {
    let app = TestApp::spawn().await;
    let mut config = tokio_postgres::Config::new();
    config.host_path("/nonexistent-hemvist-socket-dir").port(5432).user("nobody").dbname("none");
    let pool = hemvist_platform::db::pool(config, 2).unwrap();
    let broken = hemvist_server::app(hemvist_platform::AppState::new(pool, Settings::default()));
    let ready =
        tower::ServiceExt::oneshot(broken.clone(), Request::get("/ready").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.headers()["content-type"], "application/problem+json");
    let token = app.token(Role::Admin).await;
    let list = tower::ServiceExt::oneshot(
        broken,
        Request::get("/api/v1/districts")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(list.status(), StatusCode::SERVICE_UNAVAILABLE);
}

/// Found in review: a revocation that commits while the token's lookup waits for its row (the lookup
/// marks the token used) must not leave the old caller cached under the new token-change stamp.
#[tokio::test]
async fn a_token_revoked_while_its_lookup_waits_is_refused_from_the_next_request() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await; // never used: its lookup will mark it used, and wait
    let hash = hemvist_platform::auth::hash_token(&token);
    let mut owner = app.pool.get().await.unwrap();
    let tx = owner.transaction().await.unwrap();
    tx.execute("UPDATE api_tokens SET revoked_at = now() WHERE token_sha256 = $1", &[&hash]).await.unwrap();
    let commit = async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        tx.commit().await.unwrap();
    };
    // Started before the revocation committed: either answer is right for this one.
    let (_before, ()) = tokio::join!(app.get("/api/v1/people", &token), commit);
    app.get("/api/v1/people", &token).await.assert_problem(StatusCode::UNAUTHORIZED);
}

/// Found in review: a token whose lookup was slow must not be trusted from the cache past its expiry.
#[tokio::test]
async fn a_token_looked_up_slowly_is_not_served_from_the_cache_after_it_expires() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let hash = hemvist_platform::auth::hash_token(&token);
    let setup = app.pool.get().await.unwrap();
    setup
        .execute("UPDATE api_tokens SET expires_at = now() + interval '2 seconds' WHERE token_sha256 = $1", &[&hash])
        .await
        .unwrap();
    // Another session holds the row (changing nothing) for 3 s while the first lookup waits to mark it used.
    let mut owner = app.pool.get().await.unwrap();
    let tx = owner.transaction().await.unwrap();
    tx.execute("SELECT 1 FROM api_tokens WHERE token_sha256 = $1 FOR UPDATE", &[&hash]).await.unwrap();
    let release = async {
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        tx.rollback().await.unwrap();
    };
    let (first, ()) = tokio::join!(app.get("/api/v1/people", &token), release);
    assert_eq!(first.status, StatusCode::OK, "the lookup began before the expiry: {}", first.body);
    let expired: bool = setup
        .query_one("SELECT expires_at < now() FROM api_tokens WHERE token_sha256 = $1", &[&hash])
        .await
        .unwrap()
        .get(0);
    assert!(expired, "the token must have expired by now for this test to mean anything");
    app.get("/api/v1/people", &token).await.assert_problem(StatusCode::UNAUTHORIZED);
}
