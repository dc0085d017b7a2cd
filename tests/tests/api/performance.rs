//! Performance (issue 16) without figures: the bed board served from a snapshot is never stale after an
//! acknowledged write and answers If-None-Match with 304; placements from one place take the first free
//! suitable shelter without queueing and never overbook; the reports read indexes made for them, not a
//! sequential scan of the large tables.

use std::sync::atomic::{AtomicI64, Ordering};

use hemvist_tests::fixtures::{create, guarantee_with_key, jarva, merged, shelter_body, tonight, walk_in_body};
use hemvist_tests::{TestApp, TestResponse, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

async fn shelter_at(app: &TestApp, admin: &str, name: &str, lat: f64, beds: u32) -> String {
    create(app, admin, "/api/v1/shelters", &merged(shelter_body(name, 17.90, beds), json!({"lat": lat}))).await
}

async fn guest(app: &TestApp, officer: &str, i: usize) -> String {
    create(app, officer, "/api/v1/people", &walk_in_body("Gäst", &format!("Nummer{i}"))).await
}

/// The bed board of tonight, optionally with `If-None-Match`.
async fn board(app: &TestApp, token: &str, if_none_match: Option<&str>) -> TestResponse {
    let mut request = http::Request::get(format!("/api/v1/nights/{}/availability", tonight(app)))
        .header("authorization", format!("Bearer {token}"));
    if let Some(tag) = if_none_match {
        request = request.header("if-none-match", tag);
    }
    app.send(request.body(axum::body::Body::empty()).expect("request")).await
}

fn etag(response: &TestResponse) -> String {
    response.header("etag").expect("an ETag").to_owned()
}

fn taken(board: &Value) -> i64 {
    board.as_array().expect("a list").iter().map(|s| s["taken"].as_i64().expect("taken")).sum()
}

fn entry<'a>(board: &'a Value, shelter: &str) -> &'a Value {
    board.as_array().expect("a list").iter().find(|s| s["shelter_id"] == shelter).expect("the shelter")
}

fn request_body(person: &str) -> Value {
    json!({"person_id": person, "channel": "homelessness_reception", "lat": 59.40, "lon": 17.90})
}

#[tokio::test]
async fn the_board_snapshot_shows_every_acknowledged_write_and_answers_304_while_unchanged() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let near = shelter_at(&app, &admin, "Nära", 59.40, 5).await;
    let far = shelter_at(&app, &admin, "Långt", 59.42, 5).await;
    let officer = app.token(Role::HousingOfficer).await;
    let person = guest(&app, &officer, 1).await;
    let coordinator = app.token(Role::NightCoordinator).await;

    let first = board(&app, &coordinator, None).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!((taken(&first.body), entry(&first.body, &near)["capacity"].as_i64()), (0, Some(5)));
    let unchanged = board(&app, &coordinator, Some(&etag(&first))).await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
    assert_eq!(etag(&unchanged), etag(&first));

    // A placement: the next read shows the bed taken, with a new ETag.
    let placed = guarantee_with_key(&app, &coordinator, "k1", &request_body(&person)).await;
    assert_eq!(placed.body["outcome"], "placed", "{}", placed.body);
    assert_eq!(placed.body["bed"]["shelter_id"], near.as_str());
    let after_placement = board(&app, &coordinator, Some(&etag(&first))).await;
    assert_eq!(after_placement.status, StatusCode::OK);
    assert_eq!(entry(&after_placement.body, &near)["taken"], 1);
    assert_ne!(etag(&after_placement), etag(&first));

    // A capacity report.
    let night = tonight(&app);
    let report = json!({"beds_in_service": 3, "beds_out_of_service": 2, "out_of_service_reason": "no heating"});
    let reported = app.put(&format!("/api/v1/shelters/{near}/nights/{night}"), &coordinator, &report).await;
    assert_eq!(reported.status, StatusCode::OK, "{}", reported.body);
    let after_report = board(&app, &coordinator, Some(&etag(&after_placement))).await;
    assert_eq!(after_report.status, StatusCode::OK);
    assert_eq!(entry(&after_report.body, &near)["capacity"], 3);
    assert_eq!(entry(&after_report.body, &near)["free"], 2);

    // A cancelled bed.
    let assignment = placed.body["bed"]["assignment_id"].as_str().expect("assignment").to_owned();
    let cancelled = app.post(&format!("/api/v1/bed-assignments/{assignment}/cancel"), &coordinator, &json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    let after_cancel = board(&app, &coordinator, Some(&etag(&after_report))).await;
    assert_eq!(after_cancel.status, StatusCode::OK);
    assert_eq!(taken(&after_cancel.body), 0);

    // A shelter renamed.
    let read = app.get(&format!("/api/v1/shelters/{far}"), &admin).await;
    let renamed = http::Request::put(format!("/api/v1/shelters/{far}"))
        .header("authorization", format!("Bearer {admin}"))
        .header("content-type", "application/json")
        .header("if-match", etag(&read))
        .body(axum::body::Body::from(merged(shelter_body("Omdöpt", 17.90, 5), json!({"lat": 59.42})).to_string()))
        .expect("request");
    let renamed = app.send(renamed).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let after_rename = board(&app, &coordinator, Some(&etag(&after_cancel))).await;
    assert_eq!(after_rename.status, StatusCode::OK);
    assert_eq!(entry(&after_rename.body, &far)["name"], "Omdöpt");
    assert_eq!(board(&app, &coordinator, Some(&etag(&after_rename))).await.status, StatusCode::NOT_MODIFIED);

    // Shelter staff see their own shelter only, under an ETag of their own: another scope's tag is not theirs.
    let staff = app.token_for(Role::ShelterStaff, "0180", &[], &[near.parse::<Uuid>().expect("uuid")]).await;
    let own = board(&app, &staff, Some(&etag(&after_rename))).await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.body.as_array().map(Vec::len), Some(1));
    assert_ne!(etag(&own), etag(&after_rename));
    // And a write by SQL elsewhere (another server, the release job) is seen as well: the version is the
    // database's, not this process's.
    let owner = app.owner_client().await;
    owner
        .execute("UPDATE shelters SET total_beds = 4 WHERE id = $1", &[&far.parse::<Uuid>().expect("uuid")])
        .await
        .expect("update");
    let after_sql = board(&app, &coordinator, Some(&etag(&after_rename))).await;
    assert_eq!(after_sql.status, StatusCode::OK);
    assert_eq!(entry(&after_sql.body, &far)["capacity"], 4);
}

/// Tonight's board asked as a browser asks (`accept-encoding`), read raw: status, headers and bytes.
async fn board_encoded(
    app: &TestApp,
    token: &str,
    accept_encoding: &str,
    if_none_match: Option<&str>,
) -> (StatusCode, http::HeaderMap, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut request = http::Request::get(format!("/api/v1/nights/{}/availability", tonight(app)))
        .header("authorization", format!("Bearer {token}"))
        .header("accept-encoding", accept_encoding);
    if let Some(tag) = if_none_match {
        request = request.header("if-none-match", tag);
    }
    let response =
        app.router.clone().oneshot(request.body(axum::body::Body::empty()).expect("request")).await.expect("router");
    let (parts, body) = response.into_parts();
    (parts.status, parts.headers, body.collect().await.expect("body").to_bytes().to_vec())
}

fn gunzip(packed: &[u8]) -> Value {
    use std::io::Read;
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(packed).read_to_end(&mut unpacked).expect("gzip");
    serde_json::from_slice(&unpacked).expect("json")
}

#[tokio::test]
async fn the_board_in_gzip_is_the_same_board_under_an_entity_tag_of_its_own() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    for i in 0..12 {
        shelter_at(&app, &admin, &format!("Härbärge{i}"), 59.39 + 0.001 * f64::from(i), 10).await;
    }
    let officer = app.token(Role::HousingOfficer).await;
    let person = guest(&app, &officer, 1).await;
    let coordinator = app.token(Role::NightCoordinator).await;

    let plain = board(&app, &coordinator, None).await;
    let (status, headers, packed) = board_encoded(&app, &coordinator, "br, gzip;q=0.8", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get("content-encoding").and_then(|v| v.to_str().ok()), Some("gzip"));
    assert_eq!(headers.get("vary").and_then(|v| v.to_str().ok()), Some("accept-encoding"));
    assert_eq!(gunzip(&packed), plain.body, "the same board");
    assert!(packed.len() < plain.body.to_string().len() / 3, "{} bytes gzip", packed.len());
    let packed_tag = headers.get("etag").and_then(|v| v.to_str().ok()).expect("an ETag").to_owned();
    assert_ne!(packed_tag, etag(&plain), "each encoding is its own representation");

    // Its own tag is 304 while unchanged; a client that no longer takes gzip gets the plain board.
    let (unchanged, _, nothing) = board_encoded(&app, &coordinator, "gzip", Some(&packed_tag)).await;
    assert_eq!((unchanged, nothing.len()), (StatusCode::NOT_MODIFIED, 0));
    let (status, headers, bytes) = board_encoded(&app, &coordinator, "gzip;q=0, identity", Some(&packed_tag)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("content-encoding").is_none());
    assert_eq!(serde_json::from_slice::<Value>(&bytes).expect("json"), plain.body);

    // A placement: the gzip board shows it at once, under a new tag.
    let placed = guarantee_with_key(&app, &coordinator, "g1", &request_body(&person)).await;
    assert_eq!(placed.body["outcome"], "placed", "{}", placed.body);
    let (status, headers, packed) = board_encoded(&app, &coordinator, "gzip", Some(&packed_tag)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(taken(&gunzip(&packed)), 1);
    assert_ne!(headers.get("etag").and_then(|v| v.to_str().ok()), Some(packed_tag.as_str()));
}

#[tokio::test]
async fn a_board_read_started_after_a_placement_was_answered_shows_it_under_concurrency() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    for i in 0..3 {
        shelter_at(&app, &admin, &format!("Härbärge{i}"), 59.39 + 0.01 * f64::from(i), 20).await;
    }
    let officer = app.token(Role::HousingOfficer).await;
    let mut people = Vec::new();
    for i in 0..40 {
        people.push(guest(&app, &officer, i).await);
    }
    let coordinator = app.token(Role::NightCoordinator).await;
    // Warm the snapshot, so that a stale one would be there to be served.
    assert_eq!(taken(&board(&app, &coordinator, None).await.body), 0);
    let answered = AtomicI64::new(0);
    let stale = AtomicI64::new(0);
    let placements = people.iter().enumerate().map(|(i, person)| {
        let (app, coordinator, answered, stale) = (&app, &coordinator, &answered, &stale);
        async move {
            let mut response = guarantee_with_key(app, coordinator, &format!("c{i}"), &request_body(person)).await;
            for _ in 0..5 {
                if response.status != StatusCode::SERVICE_UNAVAILABLE {
                    break;
                }
                response = guarantee_with_key(app, coordinator, &format!("c{i}"), &request_body(person)).await;
            }
            assert_eq!(response.body["outcome"], "placed", "{}", response.body);
            // Every placement answered so far, this one included, happened before this read started.
            let before = answered.fetch_add(1, Ordering::SeqCst) + 1;
            let read = board(app, coordinator, None).await;
            assert_eq!(read.status, StatusCode::OK);
            if taken(&read.body) < before {
                stale.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    // Readers polling alongside, with and without If-None-Match.
    let readers = (0..4).map(|_| {
        let (app, coordinator) = (&app, &coordinator);
        async move {
            let mut tag: Option<String> = None;
            for _ in 0..20 {
                let read = board(app, coordinator, tag.as_deref()).await;
                assert!(matches!(read.status, StatusCode::OK | StatusCode::NOT_MODIFIED), "{}", read.status);
                tag = read.header("etag").map(str::to_owned);
            }
        }
    });
    futures::future::join(futures::future::join_all(placements), futures::future::join_all(readers)).await;
    assert_eq!(stale.load(Ordering::SeqCst), 0, "reads missed placements answered before they started");
    assert_eq!(taken(&board(&app, &coordinator, None).await.body), 40);
}

#[tokio::test]
async fn two_hundred_requests_from_one_place_spread_over_free_shelters_and_never_overbook() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    // Eight shelters of 15 beds, ever further north of where everyone stands: 120 beds for 200 people.
    let mut shelters = Vec::new();
    for i in 0..8 {
        shelters.push(shelter_at(&app, &admin, &format!("S{i}"), 59.40 + 0.003 * f64::from(i), 15).await);
    }
    let officer = app.token(Role::HousingOfficer).await;
    let mut people = Vec::new();
    for i in 0..200 {
        people.push(guest(&app, &officer, i).await);
    }
    let coordinator = app.token(Role::NightCoordinator).await;
    // Alone, a request gets the nearest shelter.
    let first = guarantee_with_key(&app, &coordinator, "r0", &request_body(&people[0])).await;
    assert_eq!(first.body["bed"]["shelter_id"], shelters[0].as_str(), "{}", first.body);

    let responses = futures::future::join_all(people.iter().enumerate().skip(1).map(|(i, person)| {
        let (app, coordinator) = (&app, &coordinator);
        async move {
            let key = format!("r{i}");
            let mut response = guarantee_with_key(app, coordinator, &key, &request_body(person)).await;
            for _ in 0..5 {
                if response.status != StatusCode::SERVICE_UNAVAILABLE {
                    break;
                }
                response = guarantee_with_key(app, coordinator, &key, &request_body(person)).await;
            }
            response
        }
    }))
    .await;
    // Every request is answered: placed, or why not (no suitable bed, a breach escalated).
    assert!(
        responses.iter().all(|r| r.status == StatusCode::CREATED),
        "{:?}",
        responses.iter().find(|r| r.status != StatusCode::CREATED).map(|r| &r.body)
    );
    let outcome = |r: &TestResponse| r.body["outcome"].as_str().unwrap_or("?").to_owned();
    let placed = responses.iter().filter(|r| outcome(r) == "placed").count() + 1;
    let breaches: Vec<_> = responses.iter().filter(|r| outcome(r) == "no_suitable_bed").collect();
    assert_eq!((placed, breaches.len()), (120, 80));
    assert!(breaches.iter().all(|r| r.body["escalated_at"].is_string()));

    let client = app.owner_client().await;
    let overbooked: i64 = client
        .query_one(
            "SELECT count(*) FROM (SELECT b.shelter_id, count(*) AS taken, max(s.total_beds) AS beds FROM bed_assignments b
               JOIN shelters s ON s.id = b.shelter_id WHERE b.status IN ('reserved', 'checked_in') GROUP BY b.shelter_id) t
             WHERE taken > beds",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(overbooked, 0);
    // Every shelter is full, and the counts the board and occupancy read agree with the beds themselves.
    let full: i64 = client
        .query_one(
            "SELECT count(*) FROM shelters s WHERE (SELECT count(*) FROM bed_assignments b WHERE b.shelter_id = s.id
               AND b.status IN ('reserved', 'checked_in')) = 15",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(full, 8);
    let disagreeing: i64 = client
        .query_one(
            "SELECT count(*) FROM shelter_night_counts c
              WHERE c.taken <> (SELECT count(*) FROM bed_assignments b WHERE b.shelter_id = c.shelter_id AND b.night = c.night
                                  AND b.status IN ('reserved', 'checked_in'))
                 OR c.used <> (SELECT count(*) FROM bed_assignments b WHERE b.shelter_id = c.shelter_id AND b.night = c.night
                                  AND b.status IN ('reserved', 'checked_in', 'checked_out'))",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(disagreeing, 0);
}

/// History enough that a sequential scan would be the planner's choice if no index served: 40,000
/// decisions over 22 years and 40,000 bed nights over 400 nights, seeded by SQL as the owner.
async fn seed_history(app: &TestApp) {
    let admin = app.token(Role::Admin).await;
    jarva(app, &admin).await;
    for i in 0..5 {
        shelter_at(app, &admin, &format!("H{i}"), 59.39 + 0.005 * f64::from(i), 30).await;
    }
    let owner = app.owner_client().await;
    owner
        .batch_execute(
            "ALTER TABLE bed_assignments DISABLE TRIGGER USER;
             ALTER TABLE decisions DISABLE TRIGGER USER;
             INSERT INTO people (municipality_code, identity_kind, given_name, family_name, birth_date, birth_year,
                 birth_month, birth_day, sex, home_municipality_code)
             SELECT '0180', 'none', 'Person', 'Number ' || g, b, extract(year FROM b), extract(month FROM b),
                    extract(day FROM b), CASE WHEN g % 2 = 0 THEN 'woman' ELSE 'man' END, '0180'
               FROM generate_series(1, 2000) g, LATERAL (SELECT date '1950-01-01' + (g % 20000) AS b) birth;
             CREATE TEMP TABLE numbered AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM people;
             INSERT INTO decisions (municipality_code, person_id, intervention, applied_on, decided_on, outcome, reasons,
                 executed_on)
             SELECT '0180', p.id, 'trial_apartment', date '2004-01-01' + (g % 8000), date '2004-01-11' + (g % 8000),
                    CASE WHEN g % 10 = 0 THEN 'denied' ELSE 'granted' END, 'Seeded',
                    CASE WHEN g % 10 = 0 OR g % 1000 = 7 THEN NULL ELSE date '2004-01-11' + (g % 8000) + (g % 150) END
               FROM generate_series(0, 39999) g JOIN numbered p ON p.n = g % 2000;
             CREATE TEMP TABLE shelter_numbers AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM shelters;
             INSERT INTO bed_assignments (municipality_code, shelter_id, night, person_id, status, hold_until)
             SELECT '0180', s.id, date '2025-01-01' + g / 100, p.id, 'checked_out',
                    (date '2025-01-01' + g / 100)::timestamptz + interval '23 hours'
               FROM generate_series(0, 39999) g JOIN numbered p ON p.n = g % 2000 JOIN shelter_numbers s ON s.n = g % 5;
             INSERT INTO shelter_night_counts (municipality_code, night, shelter_id, used, version)
             SELECT municipality_code, night, shelter_id, count(*), 1 FROM bed_assignments
              GROUP BY municipality_code, night, shelter_id;
             ALTER TABLE bed_assignments ENABLE TRIGGER USER;
             ALTER TABLE decisions ENABLE TRIGGER USER;",
        )
        .await
        .expect("seed");
    owner.batch_execute("VACUUM ANALYZE").await.expect("vacuum");
}

/// Sequential and index scans of the large tables so far, as PostgreSQL counts them.
async fn scans(client: &tokio_postgres::Client) -> Vec<(String, i64, i64)> {
    client
        .query(
            "SELECT relname::text, seq_scan, COALESCE(idx_scan, 0) FROM pg_stat_user_tables
              WHERE relname IN ('decisions', 'bed_assignments') ORDER BY relname",
            &[],
        )
        .await
        .expect("stats")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

#[tokio::test]
async fn the_reports_read_indexes_not_the_history() {
    let app = TestApp::spawn().await;
    seed_history(&app).await;
    let owner = app.owner_client().await;

    // The IVO report's query as the server runs it: no sequential scan of decisions.
    let plan: Vec<String> = owner
        .query(
            &format!("EXPLAIN {}", include_str!("../../../crates/tenants/src/decisions/report_candidates.sql")),
            &[
                &"0180",
                &Vec::<String>::new(),
                &jiff::civil::date(2025, 10, 1),
                &jiff::civil::date(2025, 12, 31),
                &None::<String>,
                &vec!["granted", "partly_granted"],
            ],
        )
        .await
        .expect("explain")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let plan = plan.join("\n");
    assert!(!plan.contains("Seq Scan on decisions"), "{plan}");
    assert!(plan.contains("decisions_granted_unexecuted") && plan.contains("decisions_granted_ended_late"), "{plan}");

    // The reports through the API: PostgreSQL's own counters show no sequential scan of the large tables.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let before = scans(&owner).await;
    let auditor = app.token(Role::Auditor).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let ivo = app.get("/api/v1/reports/non-executed-decisions?quarter=2025-Q4", &auditor).await;
    assert_eq!(ivo.status, StatusCode::OK, "{}", ivo.body);
    assert!(ivo.body["cases"].as_array().is_some_and(|c| !c.is_empty()), "{}", ivo.body);
    let occupancy = app.get("/api/v1/reports/shelter-occupancy?month=2025-06", &coordinator).await;
    assert_eq!(occupancy.status, StatusCode::OK, "{}", occupancy.body);
    // 30 nights of 100 bed nights each.
    let used: i64 = occupancy.body["shelters"]
        .as_array()
        .expect("shelters")
        .iter()
        .map(|s| s["used_bed_nights"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(used, 3000, "{}", occupancy.body);
    let situations = app.get("/api/v1/reports/situations?date=2025-06-01", &auditor).await;
    assert_eq!(situations.status, StatusCode::OK, "{}", situations.body);
    assert_eq!(board(&app, &coordinator, None).await.status, StatusCode::OK);
    // The server's connections report their counts once idle (at most a second or so later).
    let mut after = scans(&owner).await;
    for _ in 0..50 {
        if after.iter().zip(&before).all(|(a, b)| a.2 > b.2) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        after = scans(&owner).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let after = scans(&owner).await;
    assert!(after.iter().zip(&before).all(|(a, b)| a.2 > b.2), "the reports used no index: {before:?} {after:?}");
    for ((table, seq_after, _), (_, seq_before, _)) in after.iter().zip(&before) {
        assert_eq!(seq_after, seq_before, "sequential scans of {table}");
    }
}

/// A database whose last commits were lost (a failover to a replica that had not received them, a
/// restore) goes on from an older state. The board's snapshot must not be served for a version that
/// merely repeats a number it had: here the lost placement's board was cached, the database went back
/// to before it, and another placement (into the other shelter) brought the version forward again.
#[tokio::test]
async fn a_board_version_that_comes_back_after_lost_commits_does_not_serve_the_lost_board() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let near = shelter_at(&app, &admin, "Nära", 59.40, 1).await;
    let far = shelter_at(&app, &admin, "Långt", 59.42, 1).await;
    let officer = app.token(Role::HousingOfficer).await;
    let (first_guest, second_guest) = (guest(&app, &officer, 1).await, guest(&app, &officer, 2).await);
    let coordinator = app.token(Role::NightCoordinator).await;
    assert_eq!(board(&app, &coordinator, None).await.status, StatusCode::OK);

    // Before the commit that will be lost, tonight has no rows: no capacity reported, no bed given.
    let owner = app.owner_client().await;
    let rows: i64 = owner.query_one("SELECT count(*) FROM shelter_night_counts", &[]).await.expect("count").get(0);
    assert_eq!(rows, 0);

    // The commit that will be lost: the first guest in the near shelter, and that board cached.
    let lost = guarantee_with_key(&app, &coordinator, "lost", &request_body(&first_guest)).await;
    assert_eq!(lost.body["bed"]["shelter_id"], near.as_str(), "{}", lost.body);
    let lost_board = board(&app, &coordinator, None).await;
    assert_eq!(entry(&lost_board.body, &near)["taken"], 1);

    // The database goes back to before it, as a replica without that commit would be.
    owner
        .batch_execute(
            "SET session_replication_role = replica;
             DELETE FROM audit_events WHERE resource_type = 'guarantee_request';
             DELETE FROM guarantee_requests; DELETE FROM bed_assignments;
             DELETE FROM shelter_night_counts; DELETE FROM shelter_nights;
             SET session_replication_role = origin;",
        )
        .await
        .expect("back to before");

    // Another placement, from where the far shelter is the nearest: the board is another one now
    // (near free, far taken), after as many changes as the lost one made.
    let from_far = json!({"person_id": second_guest, "channel": "homelessness_reception", "lat": 59.42, "lon": 17.90});
    let other = guarantee_with_key(&app, &coordinator, "other", &from_far).await;
    assert_eq!(other.body["bed"]["shelter_id"], far.as_str(), "{}", other.body);
    let now = board(&app, &coordinator, None).await;
    assert_eq!(now.status, StatusCode::OK);
    let taken_now: i64 = owner
        .query_one("SELECT count(*) FROM bed_assignments WHERE status IN ('reserved', 'checked_in')", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(taken(&now.body), taken_now, "the board shows the database, not the lost board");
    assert_eq!(
        (entry(&now.body, &near)["taken"].as_i64(), entry(&now.body, &far)["taken"].as_i64()),
        (Some(0), Some(1))
    );
    assert_ne!(etag(&now), etag(&lost_board), "a version that repeats is not the same board");
}
