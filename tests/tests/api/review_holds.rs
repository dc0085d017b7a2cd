//! Independent review of the hold and release fixes (issue 10 items 1, 3, 4, 7): tries to break holds
//! across the October fall-back hour, a check-in racing the release, and odd input on the bed paths.

use hemvist_tests::fixtures::{self, JARVA_LON, create, jarva, merged, walk_in_body};
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde_json::{Value, json};

fn shelter_body(name: &str, beds: u32, deadline: &str) -> Value {
    merged(fixtures::shelter_body(name, JARVA_LON, beds), json!({"check_in_deadline": deadline}))
}

fn timestamp(value: &Value) -> Timestamp {
    value.as_str().unwrap_or_else(|| panic!("not a timestamp: {value}")).parse().unwrap()
}

/// The next night (after a week from now) whose following morning has the October fall-back hour:
/// the morning on which 02:00..03:00 local happens twice in Europe/Stockholm.
fn next_fall_back_night() -> Date {
    let zone = hemvist_platform::night::city_time_zone();
    let mut night = hemvist_platform::night::today().checked_add(7.days()).unwrap();
    loop {
        let morning = night.tomorrow().unwrap().at(2, 30, 0, 0);
        if matches!(zone.to_ambiguous_zoned(morning).offset(), jiff::tz::AmbiguousOffset::Fold { .. }) {
            return night;
        }
        night = night.tomorrow().unwrap();
    }
}

#[tokio::test]
async fn a_deadline_in_the_fall_back_hour_holds_until_the_second_time_the_clock_shows_it() {
    // A 02:30 deadline on the morning clocks go back: 02:30 shows twice (CEST, then CET an hour later).
    // A person who arrives at 02:15 by the wall clock after the change arrived before the deadline, so
    // the bed must still be held then: until the later 02:30 (rule: a hold never ends before the person
    // could arrive).
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let shelter = create(&app, &admin, "/api/v1/shelters", &shelter_body("Höst", 2, "02:30")).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let guest = create(&app, &app.token(Role::HousingOfficer).await, "/api/v1/people", &walk_in_body("A", "B")).await;
    let night = next_fall_back_night();
    let placed = app
        .post(
            &format!("/api/v1/nights/{night}/assignments"),
            &coordinator,
            &json!({"shelter_id": shelter, "person_id": guest}),
        )
        .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    // 02:30 CET (UTC+1) on the morning after the night: 01:30 UTC.
    let morning = night.tomorrow().unwrap();
    let expected: Timestamp = format!("{morning}T01:30:00Z").parse().unwrap();
    assert_eq!(timestamp(&placed.body["hold_until"]), expected, "{}", placed.body);
}

/// A reservation for tonight held until `seconds` from now.
async fn bed_held_for(app: &TestApp, coordinator: &str, seconds: i64) -> (String, String) {
    let admin = app.token(Role::Admin).await;
    jarva(app, &admin).await;
    let shelter = create(app, &admin, "/api/v1/shelters", &shelter_body("Race", 1, "23:00")).await;
    let guest = create(app, &app.token(Role::HousingOfficer).await, "/api/v1/people", &walk_in_body("C", "D")).await;
    let night = fixtures::tonight(app);
    let placed = app
        .post(
            &format!("/api/v1/nights/{night}/assignments"),
            coordinator,
            &json!({"shelter_id": shelter, "person_id": guest}),
        )
        .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let id = placed.body["id"].as_str().unwrap().to_owned();
    let client = app.owner_client().await;
    let seconds = i32::try_from(seconds).unwrap();
    client
        .execute(
            "UPDATE bed_assignments SET hold_until = clock_timestamp() + make_interval(secs => $2) WHERE id = $1",
            &[&id.parse::<uuid::Uuid>().unwrap(), &f64::from(seconds)],
        )
        .await
        .unwrap();
    (id, guest)
}

/// domain.md: "A bed given is held until the person can get there." Shelter staff recording a no-show
/// while the hold runs would give the bed to the next request while the guest is on their way (review,
/// 2026-11-24): refused, the bed stays theirs and taken; once the hold has ended the no-show is recorded.
#[tokio::test]
async fn a_no_show_is_refused_while_the_bed_is_held() {
    let app = TestApp::spawn().await;
    let coordinator = app.token(Role::NightCoordinator).await;
    // The hold ends in ten minutes.
    let (bed, guest) = bed_held_for(&app, &coordinator, 600).await;
    let night = fixtures::tonight(&app);
    let taken = || async {
        let board = app.get(&format!("/api/v1/nights/{night}/availability"), &coordinator).await;
        assert_eq!(board.status, StatusCode::OK, "{}", board.body);
        board.body[0]["taken"].as_i64().unwrap()
    };

    let early = app.post(&format!("/api/v1/bed-assignments/{bed}/no-show"), &coordinator, &json!({})).await;
    early.assert_problem(StatusCode::CONFLICT);
    assert!(early.body["detail"].as_str().unwrap_or_default().contains("held"), "{}", early.body);
    let list = app.get(&format!("/api/v1/nights/{night}/assignments"), &coordinator).await;
    let row = list.body["items"].as_array().unwrap().iter().find(|a| a["id"] == bed.as_str()).cloned().unwrap();
    assert_eq!(row["status"], "reserved", "{row}");
    assert!(row.to_string().contains(&guest), "still the guest's bed: {row}");
    assert_eq!(taken().await, 1, "the held bed still counts as taken");

    fixtures::end_hold(&app, &bed).await;
    let late = app.post(&format!("/api/v1/bed-assignments/{bed}/no-show"), &coordinator, &json!({})).await;
    assert_eq!(late.status, StatusCode::OK, "{}", late.body);
    assert_eq!(late.body["status"], "no_show");
    assert_eq!(taken().await, 0, "the bed is free again");
}

#[tokio::test]
async fn a_guest_checked_in_before_the_hold_expired_is_not_turned_away_when_the_release_got_there_first() {
    let app = TestApp::spawn().await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let (id, _) = bed_held_for(&app, &coordinator, 2).await;
    let uuid: uuid::Uuid = id.parse().unwrap();

    // The release job's transaction has the row (it started after the hold expired, while the staff's
    // check-in of a guest who stood at the door before expiry was on its way).
    let mut job = app.owner_client().await;
    let job_tx = job.transaction().await.unwrap();
    job_tx.execute("SELECT 1 FROM bed_assignments WHERE id = $1 FOR UPDATE", &[&uuid]).await.unwrap();
    let check_in = {
        let router = app.router.clone();
        let coordinator = coordinator.clone();
        let id = id.clone();
        tokio::spawn(async move {
            let request = http::Request::post(format!("/api/v1/bed-assignments/{id}/check-in"))
                .header("authorization", format!("Bearer {coordinator}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{}"))
                .unwrap();
            tower::ServiceExt::oneshot(router, request).await.unwrap().status()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    // The hold has expired by now: the job releases the bed as not collected (what its statement does).
    let released = job_tx
        .execute(
            "UPDATE bed_assignments SET status = 'not_collected', released_at = clock_timestamp()
              WHERE id = $1 AND status = 'reserved' AND hold_until < clock_timestamp()",
            &[&uuid],
        )
        .await
        .unwrap();
    assert_eq!(released, 1);
    job_tx.commit().await.unwrap();

    assert_eq!(check_in.await.unwrap(), StatusCode::OK, "the guest arrived before the hold expired");
    let read = app.get(&format!("/api/v1/nights/{}/assignments", fixtures::tonight(&app)), &coordinator).await;
    assert_eq!(read.body["items"][0]["status"], "checked_in", "{}", read.body);
    assert_eq!(read.body["items"][0]["released_at"], Value::Null, "{}", read.body);
}

#[tokio::test]
async fn a_guest_arriving_after_the_release_is_still_refused() {
    // The other side of the race: the hold had expired when the check-in came; the bed was released.
    let app = TestApp::spawn().await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let (id, _) = bed_held_for(&app, &coordinator, -60).await;
    let client = app.pool.get().await.unwrap();
    let stockholm = hemvist_platform::MunicipalityCode::parse("0180").unwrap();
    assert_eq!(hemvist_shelter_beds::holds::release_expired_holds(&client, &stockholm, None).await.unwrap(), Some(1));
    let late = app.post(&format!("/api/v1/bed-assignments/{id}/check-in"), &coordinator, &json!({})).await;
    late.assert_problem(StatusCode::CONFLICT);
}

#[tokio::test]
async fn odd_input_on_the_bed_paths_is_never_a_server_error() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let shelter = create(&app, &admin, "/api/v1/shelters", &shelter_body("Udda", 2, "01:00")).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let guest = create(&app, &app.token(Role::HousingOfficer).await, "/api/v1/people", &walk_in_body("E", "F")).await;
    let bed = json!({"shelter_id": shelter, "person_id": guest});
    for night in ["9999-12-31", "0001-01-01", "-009999-01-01", "2026-02-30", "tonight", "2026-03-29"] {
        let response = app.post(&format!("/api/v1/nights/{night}/assignments"), &coordinator, &bed).await;
        assert!(response.status.as_u16() < 500, "{night}: {} {}", response.status, response.body);
        let list = app.get(&format!("/api/v1/nights/{night}/assignments"), &coordinator).await;
        assert!(list.status.as_u16() < 500, "{night}: {} {}", list.status, list.body);
    }
    for requested_at in ["0001-01-01T00:00:00Z", "1900-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
        for outcome in [json!(null), json!("placed"), json!("no_suitable_bed")] {
            let mut body = json!({"person_id": guest, "channel": "other", "requested_at": requested_at,
                                  "recorded_outcome": outcome});
            if outcome == json!("placed") {
                body["shelter_id"] = json!(shelter);
            }
            let response = app.post("/api/v1/guarantee-requests", &coordinator, &body).await;
            assert!(response.status.as_u16() < 500, "{requested_at}: {} {}", response.status, response.body);
        }
    }
    for id in ["00000000-0000-0000-0000-000000000000", "not-a-uuid"] {
        for change in ["check-in", "check-out", "cancel", "no-show"] {
            let response = app.post(&format!("/api/v1/bed-assignments/{id}/{change}"), &coordinator, &json!({})).await;
            assert!(response.status.as_u16() < 500, "{id} {change}: {} {}", response.status, response.body);
        }
        let response = app
            .post(
                &format!("/api/v1/guarantee-breaches/{id}/resolution"),
                &coordinator,
                &json!({"kind": "other", "note": "x"}),
            )
            .await;
        assert!(response.status.as_u16() < 500, "{id}: {} {}", response.status, response.body);
    }
}

/// The person's last entry in the file, as gallring reckons it.
async fn last_entry(app: &TestApp, person: &str) -> Timestamp {
    let client = app.owner_client().await;
    let row = client
        .query_one("SELECT last_entry_at FROM people WHERE id = $1", &[&person.parse::<uuid::Uuid>().unwrap()])
        .await
        .unwrap();
    row.get(0)
}

async fn age_the_file(app: &TestApp, person: &str) {
    let client = app.owner_client().await;
    client
        .execute(
            "UPDATE people SET last_entry_at = now() - interval '6 years' WHERE id = $1",
            &[&person.parse::<uuid::Uuid>().unwrap()],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn the_release_and_a_breach_resolution_are_entries_in_the_persons_file() {
    // Rule (Records): every write about a person is an entry; a bed released as not collected and a
    // breach resolved are writes about the person.
    let app = TestApp::spawn().await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let (_, guest) = bed_held_for(&app, &coordinator, -60).await;
    age_the_file(&app, &guest).await;
    let before = Timestamp::now() - jiff::SignedDuration::from_secs(5);
    let client = app.pool.get().await.unwrap();
    let stockholm = hemvist_platform::MunicipalityCode::parse("0180").unwrap();
    assert_eq!(hemvist_shelter_beds::holds::release_expired_holds(&client, &stockholm, None).await.unwrap(), Some(1));
    assert!(last_entry(&app, &guest).await >= before, "the release is an entry");

    let fx = fixtures::Fixtures::new(&app).await;
    let breach = fx.past_guarantee_breach(&guest).await;
    age_the_file(&app, &guest).await;
    let id = breach["id"].as_str().unwrap();
    let resolved = app
        .post(
            &format!("/api/v1/guarantee-breaches/{id}/resolution"),
            &coordinator,
            &json!({"kind": "other", "note": "slept at a friend's"}),
        )
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.body);
    assert!(last_entry(&app, &guest).await >= before, "the resolution is an entry");
}
