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

/// The SQLSTATE of a failed statement ("23503": a foreign key's refusal).
fn sqlstate(result: Result<u64, tokio_postgres::Error>) -> Option<String> {
    result.err().and_then(|e| e.code().map(|c| c.code().to_owned()))
}

const AUDIT_EVENT: &str = "INSERT INTO audit_events (municipality_code, actor_role, action, resource_type) VALUES ($1, 'admin', 'read', 'person')";

#[tokio::test]
async fn audit_events_name_only_known_municipalities_and_those_stay() {
    let app = TestApp::spawn().await;
    let api = app.pool.get().await.unwrap();
    let owner = app.owner_client().await;
    // As the API writes them (its own role): a known municipality, one at a time or many in one statement.
    assert_eq!(api.execute(AUDIT_EVENT, &[&"0180"]).await.ok(), Some(1));
    let many = "INSERT INTO audit_events (municipality_code, actor_role, action, resource_type)
                SELECT '0180', 'auditor', 'list', 'decision' FROM generate_series(1, 500)";
    assert_eq!(api.execute(many, &[]).await.ok(), Some(500));
    // An unknown one is refused, also hidden among known ones: nothing of the statement is kept.
    assert_eq!(sqlstate(api.execute(AUDIT_EVENT, &[&"9998"]).await).as_deref(), Some("23503"));
    let mixed = "INSERT INTO audit_events (municipality_code, actor_role, action, resource_type)
                 SELECT CASE WHEN i = 250 THEN '9998' ELSE '0180' END, 'auditor', 'list', 'decision'
                   FROM generate_series(1, 500) i";
    assert_eq!(sqlstate(api.execute(mixed, &[]).await).as_deref(), Some("23503"));
    let kept: i64 = owner.query_one("SELECT count(*) FROM audit_events", &[]).await.unwrap().get(0);
    assert_eq!(kept, 501);
    // A municipality with events is neither removed nor renumbered; renamed, yes. One without events goes.
    let delete = owner.execute("DELETE FROM municipalities WHERE municipality_code = '0180'", &[]).await;
    assert_eq!(sqlstate(delete).as_deref(), Some("23503"));
    let renumber = owner
        .execute("UPDATE municipalities SET municipality_code = '0181' WHERE municipality_code = '0180'", &[])
        .await;
    assert_eq!(sqlstate(renumber).as_deref(), Some("23503"));
    let renamed =
        owner.execute("UPDATE municipalities SET name = 'Stockholms stad' WHERE municipality_code = '0180'", &[]).await;
    assert_eq!(renamed.ok(), Some(1));
    owner.execute("INSERT INTO municipalities (municipality_code, name) VALUES ('9997', 'Tom')", &[]).await.unwrap();
    assert_eq!(owner.execute("DELETE FROM municipalities WHERE municipality_code = '9997'", &[]).await.ok(), Some(1));
    // Nor truncated away (TRUNCATE fires no row trigger; with the key, the cascade reached the trail).
    let truncate = owner.batch_execute("TRUNCATE municipalities CASCADE").await;
    assert_eq!(truncate.err().and_then(|e| e.code().map(|c| c.code().to_owned())).as_deref(), Some("23503"));
    // Nor removed under a snapshot older than the events (REPEATABLE READ), which could miss them.
    owner.execute("INSERT INTO municipalities (municipality_code, name) VALUES ('9994', 'Sen')", &[]).await.unwrap();
    owner.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1").await.unwrap();
    api.execute(AUDIT_EVENT, &[&"9994"]).await.unwrap();
    let late = owner.execute("DELETE FROM municipalities WHERE municipality_code = '9994'", &[]).await;
    assert!(late.is_err(), "a removal under an old snapshot is refused");
    owner.batch_execute("ROLLBACK").await.unwrap();
    // A temporary table of the API's own named like the real one does not stand in for it.
    api.batch_execute(
        "CREATE TEMP TABLE municipalities (municipality_code char(4)); INSERT INTO municipalities VALUES ('9993')",
    )
    .await
    .unwrap();
    assert_eq!(sqlstate(api.execute(AUDIT_EVENT, &[&"9993"]).await).as_deref(), Some("23503"));
    api.batch_execute("DROP TABLE pg_temp.municipalities").await.unwrap();
    let still: i64 = owner.query_one("SELECT count(*) FROM municipalities", &[]).await.unwrap().get(0);
    assert_eq!(still, 2, "Stockholm and Sen");
}

#[tokio::test]
async fn a_municipality_and_its_first_audit_event_cannot_cross_each_other() {
    let app = TestApp::spawn().await;
    let mut writer = app.owner_client().await;
    let remover = app.owner_client().await;
    let add = "INSERT INTO municipalities (municipality_code, name) VALUES ($1, 'Ny')";
    let remove = "DELETE FROM municipalities WHERE municipality_code = $1";
    let waited = std::time::Duration::from_millis(300);

    // An event being written holds its municipality: the removal waits for it, then is refused.
    writer.execute(add, &[&"9996"]).await.unwrap();
    let tx = writer.transaction().await.unwrap();
    tx.execute(AUDIT_EVENT, &[&"9996"]).await.unwrap();
    let removal = tokio::spawn(async move { remover.execute(remove, &[&"9996"]).await.map(|n| (n, remover)) });
    tokio::time::sleep(waited).await;
    assert!(!removal.is_finished(), "the removal waits for the event being written");
    tx.commit().await.unwrap();
    let removed = removal.await.unwrap();
    assert_eq!(removed.as_ref().err().and_then(|e| e.code().map(|c| c.code().to_owned())).as_deref(), Some("23503"));

    // A municipality being removed: an event for it waits, then is refused.
    let mut remover = app.owner_client().await;
    writer.execute(add, &[&"9995"]).await.unwrap();
    let tx = remover.transaction().await.unwrap();
    assert_eq!(tx.execute(remove, &[&"9995"]).await.ok(), Some(1));
    let event = tokio::spawn(async move { writer.execute(AUDIT_EVENT, &[&"9995"]).await });
    tokio::time::sleep(waited).await;
    assert!(!event.is_finished(), "the event waits for the removal");
    tx.commit().await.unwrap();
    assert_eq!(sqlstate(event.await.unwrap()).as_deref(), Some("23503"));
}
