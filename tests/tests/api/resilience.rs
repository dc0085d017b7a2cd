//! Graceful under pressure (issue 15, part 4): a statement that runs past the request timeout is
//! cancelled in PostgreSQL too, not only dropped by the HTTP layer; a connection killed in the middle
//! of a transaction (`pg_terminate_backend`) leaves nothing half-written, the API answers 503, and the
//! client's retry with its Idempotency-Key places the person exactly once. Each prints its figure.

use std::time::{Duration, Instant};

use hemvist_platform::settings::Settings;
use hemvist_tests::fixtures::{self, JARVA_LON, LAT, create, guarantee_with_key, jarva, walk_in_body};
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::json;

/// Backends of the API role in this test's database waiting on a lock, with their query.
async fn api_backends_waiting_on_a_lock(owner: &tokio_postgres::Client) -> Vec<(i32, String)> {
    owner
        .query(
            "SELECT pid, query FROM pg_stat_activity
              WHERE datname = current_database() AND usename = 'hemvist_api' AND wait_event_type = 'Lock'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// Polls until `until` holds of the API's backends waiting on a lock, for at most `limit`.
async fn wait_for_lock_waiters(
    owner: &tokio_postgres::Client,
    limit: Duration,
    until: impl Fn(&[(i32, String)]) -> bool,
) -> (Vec<(i32, String)>, Duration) {
    let started = Instant::now();
    loop {
        let waiting = api_backends_waiting_on_a_lock(owner).await;
        if until(&waiting) || started.elapsed() > limit {
            return (waiting, started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_request_past_its_timeout_is_cancelled_in_postgresql_too() {
    let settings = Settings { request_timeout: Duration::from_secs(1), ..Settings::default() };
    let app = TestApp::spawn_with(settings).await;
    let admin = app.token(Role::Admin).await;
    // Another session holds the shelters table: the list waits for it far longer than a second.
    let mut locker = app.owner_client().await;
    let lock = locker.transaction().await.unwrap();
    lock.batch_execute("LOCK TABLE shelters IN ACCESS EXCLUSIVE MODE").await.unwrap();

    let sent = Instant::now();
    let response = app.get("/api/v1/shelters", &admin).await;
    let answered = sent.elapsed();
    response.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert!(answered < Duration::from_secs(3), "the request timeout is 1 s, answered after {answered:?}");

    // The statement must be gone from PostgreSQL while the lock is still held: a request the HTTP
    // layer gave up on must not wait on, holding its snapshot and its place in the lock queue.
    let observer = app.owner_client().await;
    let (waiting, after) = wait_for_lock_waiters(&observer, Duration::from_secs(3), <[_]>::is_empty).await;
    assert!(waiting.is_empty(), "still running in PostgreSQL {after:?} after the 503: {waiting:?}");
    println!(
        "request timeout 1 s: answered 503 after {} ms; its statement was gone from pg_stat_activity {} ms later",
        answered.as_millis(),
        after.as_millis()
    );
    lock.rollback().await.unwrap();
    assert_eq!(app.get("/api/v1/shelters", &admin).await.status, StatusCode::OK, "serves again once the lock is gone");
}

#[tokio::test]
async fn a_connection_killed_mid_transaction_leaves_nothing_half_written() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    jarva(&app, &admin).await;
    create(&app, &admin, "/api/v1/shelters", &fixtures::shelter_body("Natthärbärget", JARVA_LON, 4)).await;
    let person = create(&app, &admin, "/api/v1/people", &walk_in_body("Gäst", "Avbruten")).await;
    let body = json!({"person_id": person, "channel": "homelessness_reception", "lat": LAT, "lon": JARVA_LON});
    let owner = app.owner_client().await;
    let counts = async || -> (i64, i64, i64) {
        let row = owner
            .query_one(
                "SELECT (SELECT count(*) FROM guarantee_requests), (SELECT count(*) FROM bed_assignments),
                        (SELECT count(*) FROM audit_events)",
                &[],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1), row.get(2))
    };
    let before = counts().await;

    // Another session holds the person's row: the bed given to the person (its key to the person, and
    // the person's last entry that it touches) waits for it, with the bed already written.
    let mut locker = app.owner_client().await;
    let lock = locker.transaction().await.unwrap();
    lock.execute("SELECT FROM people WHERE id = $1::text::uuid FOR UPDATE", &[&person]).await.unwrap();
    let request = {
        let (app_router, coordinator, body) = (app.router.clone(), coordinator.clone(), body.clone());
        tokio::spawn(async move {
            use tower::ServiceExt;
            let request = http::Request::post("/api/v1/guarantee-requests")
                .header("authorization", format!("Bearer {coordinator}"))
                .header("content-type", "application/json")
                .header("idempotency-key", "killed-mid-transaction")
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            let started = Instant::now();
            let response = app_router.oneshot(request).await.unwrap();
            (response.status(), started.elapsed())
        })
    };
    let (waiting, _) = wait_for_lock_waiters(&owner, Duration::from_secs(10), |w| !w.is_empty()).await;
    let [(pid, query)] = waiting.as_slice() else { panic!("expected one request waiting: {waiting:?}") };
    // It has written: the bed it gave is an uncommitted row of its transaction.
    let bed_given: bool = owner
        .query_one(
            "SELECT EXISTS (SELECT FROM pg_locks WHERE pid = $1 AND granted AND mode = 'RowExclusiveLock'
                             AND relation = 'bed_assignments'::regclass)",
            &[pid],
        )
        .await
        .unwrap()
        .get(0);
    assert!(bed_given, "the transaction is half-way: a bed given, waiting at {query}");
    let terminated: bool = owner.query_one("SELECT pg_terminate_backend($1)", &[pid]).await.unwrap().get(0);
    assert!(terminated);
    let (status, took) = request.await.unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "a killed connection is worth a retry: 503");
    lock.rollback().await.unwrap();
    assert_eq!(counts().await, before, "nothing of the killed transaction was kept: requests, beds, audit");

    // The client retries with its key: placed once, and a second retry answers with the same bed.
    let first = guarantee_with_key(&app, &coordinator, "killed-mid-transaction", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["outcome"], "placed");
    let again = guarantee_with_key(&app, &coordinator, "killed-mid-transaction", &body).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["bed"]["assignment_id"], first.body["bed"]["assignment_id"]);
    let after = counts().await;
    assert_eq!((after.0 - before.0, after.1 - before.1), (1, 1), "one request and one bed after the retries");
    let placements: i64 = owner
        .query_one("SELECT count(*) FROM bed_assignments WHERE person_id = $1::text::uuid", &[&person])
        .await
        .unwrap()
        .get(0);
    assert_eq!(placements, 1);
    println!(
        "pg_terminate_backend mid-transaction: answered 503 in {} ms; rows kept of it: 0; the retry with its \
         Idempotency-Key placed the person once ({placements} bed)",
        took.as_millis()
    );
}
