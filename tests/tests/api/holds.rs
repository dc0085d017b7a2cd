//! Holds and placements (issue 10, items 1, 3, 4, 7 and the replay part of 25): a bed given is held
//! until the person can get there; uncollected beds are released by a job and stop counting; a request
//! recorded afterwards never places anyone now; a bed in another municipality always needs consent;
//! an idempotent replay is audited like a read.

use hemvist_platform::settings::Settings;
use hemvist_tests::fixtures::{self, JARVA_LON, create, guarantee_with_key, jarva, merged, walk_in_body};
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde_json::{Value, json};

fn shelter_body(name: &str, lat: f64, beds: u32, deadline: &str) -> Value {
    merged(fixtures::shelter_body(name, JARVA_LON, beds), json!({"lat": lat, "check_in_deadline": deadline}))
}

async fn shelter(app: &TestApp, token: &str, body: Value) -> String {
    create(app, token, "/api/v1/shelters", &body).await
}

async fn outside_shelter(app: &TestApp, token: &str, name: &str) -> String {
    let mut body = shelter_body(name, 59.60, 3, "23:00");
    body["outside_municipality"] = json!(true);
    shelter(app, token, body).await
}

async fn person(app: &TestApp, token: &str) -> String {
    create(app, token, "/api/v1/people", &walk_in_body("Gäst", "Gästsson")).await
}

fn night_now(app: &TestApp) -> jiff::civil::Date {
    hemvist_platform::night::Night::containing(Timestamp::now(), app.state.settings.night_cutover_hour).date()
}

fn timestamp(value: &Value) -> Timestamp {
    value.as_str().unwrap_or_else(|| panic!("not a timestamp: {value}")).parse().unwrap()
}

async fn assignment_count(app: &TestApp) -> i64 {
    let client = app.owner_client().await;
    client.query_one("SELECT count(*) FROM bed_assignments", &[]).await.unwrap().get(0)
}

/// Settings whose current night has a check-in deadline 30 minutes ago, whatever the wall clock says.
/// A deadline before noon belongs to the morning after the night's date, one from noon on to the
/// night's own date; the cut-over hour picks the night so that the deadline lands on the right date.
fn deadline_passed_half_an_hour_ago() -> (Settings, String) {
    let zone = hemvist_platform::night::city_time_zone();
    let now = Timestamp::now().to_zoned(zone.clone());
    let deadline = Timestamp::now().checked_sub(30.minutes()).unwrap().to_zoned(zone);
    let same_date = deadline.date() == now.date();
    // From noon on the same date: the night is today's (cut-over 0). Otherwise the night began yesterday
    // (the deadline is the morning after it, or yesterday evening just before midnight): cut-over 23.
    let cutover = if deadline.hour() >= 12 && same_date { 0 } else { 23 };
    let settings = Settings { night_cutover_hour: cutover, ..Settings::default() };
    (settings, format!("{:02}:{:02}", deadline.hour(), deadline.minute()))
}

#[tokio::test]
async fn a_bed_placed_after_the_deadline_is_held_until_the_person_can_arrive() {
    let (settings, deadline) = deadline_passed_half_an_hour_ago();
    let app = TestApp::spawn_with(settings).await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    shelter(&app, &admin, shelter_body("Sena", 59.40, 1, &deadline)).await;
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let first_person = person(&app, &officer).await;
    let second_person = person(&app, &officer).await;

    let before = Timestamp::now();
    let first =
        guarantee_with_key(&app, &coordinator, "first", &json!({"person_id": first_person, "channel": "other"})).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["outcome"], "placed", "{}", first.body);
    // Held at least the minimum time (90 minutes by default) after the placement, not the past deadline.
    let held = timestamp(&first.body["bed"]["hold_until"]);
    assert!(held >= before + SignedDuration::from_mins(90), "held until {held}, placed at {before}");
    assert!(held <= Timestamp::now() + SignedDuration::from_mins(91), "held until {held}");

    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let second =
        guarantee_with_key(&app, &coordinator, "second", &json!({"person_id": second_person, "channel": "other"}))
            .await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
    assert_eq!(second.body["outcome"], "no_suitable_bed", "the only bed is held: {}", second.body);
    assert!(second.body["escalated_at"].is_string());

    // The first person still has the bed.
    let again =
        app.get(&format!("/api/v1/guarantee-requests/{}", first.body["id"].as_str().unwrap()), &coordinator).await;
    assert_eq!(again.body["outcome"], "placed");
    assert_eq!(again.body["bed"]["status"], "reserved", "{}", again.body);
    let beds = app.get(&format!("/api/v1/nights/{}/assignments", night_now(&app)), &coordinator).await;
    let beds = beds.body["items"].as_array().unwrap();
    assert_eq!(beds.len(), 1);
    assert_eq!(beds[0]["guest"]["person_id"], first_person.as_str());
    assert_eq!(beds[0]["status"], "reserved");
}

#[tokio::test]
async fn the_minimum_hold_is_a_setting() {
    let (mut settings, deadline) = deadline_passed_half_an_hour_ago();
    settings.min_hold_minutes = 15;
    let app = TestApp::spawn_with(settings).await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    shelter(&app, &admin, shelter_body("Kort", 59.40, 1, &deadline)).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let guest = person(&app, &app.token(Role::HousingOfficer).await).await;
    let before = Timestamp::now();
    let placed = guarantee_with_key(&app, &coordinator, "k", &json!({"person_id": guest, "channel": "other"})).await;
    let held = timestamp(&placed.body["bed"]["hold_until"]);
    assert!(held >= before + SignedDuration::from_mins(15) && held <= Timestamp::now() + SignedDuration::from_mins(16));
}

#[tokio::test]
async fn a_later_deadline_holds_the_bed_until_the_deadline() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    // A deadline after midnight belongs to the morning after the night's date.
    let shelter_id = shelter(&app, &admin, shelter_body("Natt", 59.40, 2, "01:00")).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let guest = person(&app, &app.token(Role::HousingOfficer).await).await;
    let night =
        Timestamp::now().to_zoned(hemvist_platform::night::city_time_zone()).date().checked_add(7.days()).unwrap();
    let placed = app
        .post(
            &format!("/api/v1/nights/{night}/assignments"),
            &coordinator,
            &json!({"shelter_id": shelter_id, "person_id": guest}),
        )
        .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let expected =
        night.tomorrow().unwrap().at(1, 0, 0, 0).to_zoned(hemvist_platform::night::city_time_zone()).unwrap();
    assert_eq!(timestamp(&placed.body["hold_until"]), expected.timestamp());
}

/// Moves every running hold but `except`'s into the past, as if the guests never came.
async fn set_holds_expired(app: &TestApp, except: Option<&str>) {
    let client = app.owner_client().await;
    let except: Option<uuid::Uuid> = except.map(|p| p.parse().unwrap());
    client
        .execute(
            "UPDATE bed_assignments SET hold_until = now() - interval '1 minute'
              WHERE status = 'reserved' AND person_id IS DISTINCT FROM $1",
            &[&except],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn uncollected_beds_are_released_by_the_job_and_stop_counting() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let north = shelter(&app, &admin, shelter_body("Norr", 59.40, 2, "23:00")).await;
    let south = shelter(&app, &admin, shelter_body("Söder", 59.41, 2, "23:00")).await;
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let tonight = night_now(&app);

    // A person moved every night for four nights, never collecting a bed.
    let bounced = person(&app, &officer).await;
    for (back, shelter_id) in [(3, &north), (2, &south), (1, &north), (0, &south)] {
        let night = tonight.checked_sub(back.days()).unwrap();
        let given = app
            .post(
                &format!("/api/v1/nights/{night}/assignments"),
                &coordinator,
                &json!({"shelter_id": shelter_id, "person_id": bounced}),
            )
            .await;
        assert_eq!(given.status, StatusCode::CREATED, "{}", given.body);
    }
    // A guarantee placement tonight, never collected; another guest who arrives.
    let absent = person(&app, &officer).await;
    let request =
        guarantee_with_key(&app, &coordinator, "absent", &json!({"person_id": absent, "channel": "other"})).await;
    assert_eq!(request.body["outcome"], "placed", "{}", request.body);
    assert_eq!(request.body["bed"]["collected"], Value::Null, "not yet known: {}", request.body);
    let arrives = person(&app, &officer).await;
    let arrived =
        guarantee_with_key(&app, &coordinator, "arrives", &json!({"person_id": arrives, "channel": "other"})).await;
    let arrived_bed = arrived.body["bed"]["assignment_id"].as_str().unwrap().to_owned();
    let checked_in =
        app.post(&format!("/api/v1/bed-assignments/{arrived_bed}/check-in"), &coordinator, &json!({})).await;
    assert_eq!(checked_in.body["status"], "checked_in");

    let bouncing = format!("/api/v1/reports/bouncing?as_of={tonight}&days=7&more_than=2");
    assert_eq!(app.get(&bouncing, &coordinator).await.body["items"].as_array().unwrap().len(), 1);
    let situation = format!("/api/v1/people/{absent}/situation?date={tonight}");
    assert_eq!(app.get(&situation, &officer).await.body["national"], "acute");

    // A hold still running is left alone.
    let later = person(&app, &officer).await;
    let held = guarantee_with_key(&app, &coordinator, "later", &json!({"person_id": later, "channel": "other"})).await;
    assert_eq!(held.body["outcome"], "placed", "{}", held.body);
    set_holds_expired(&app, Some(&later)).await;

    // The job's domain function, called directly: five reservations expired and not checked in.
    let client = app.pool.get().await.unwrap();
    let stockholm = hemvist_platform::MunicipalityCode::parse("0180").unwrap();
    let released = hemvist_shelter_beds::holds::release_expired_holds(&client, &stockholm, None).await.unwrap();
    assert_eq!(released, Some(5));
    // Safe to run again (a restart, a second instance after the first): none has expired any more.
    assert_eq!(hemvist_shelter_beds::holds::release_expired_holds(&client, &stockholm, None).await.unwrap(), None);

    // The guarantee request shows the bed was not collected.
    let read =
        app.get(&format!("/api/v1/guarantee-requests/{}", request.body["id"].as_str().unwrap()), &coordinator).await;
    assert_eq!(read.body["outcome"], "placed");
    assert_eq!(read.body["bed"]["status"], "not_collected", "{}", read.body);
    assert_eq!(read.body["bed"]["collected"], false);
    assert!(read.body["bed"]["released_at"].is_string());
    let arrived_read =
        app.get(&format!("/api/v1/guarantee-requests/{}", arrived.body["id"].as_str().unwrap()), &coordinator).await;
    assert_eq!(arrived_read.body["bed"]["status"], "checked_in");
    assert_eq!(arrived_read.body["bed"]["collected"], true);
    let held_read =
        app.get(&format!("/api/v1/guarantee-requests/{}", held.body["id"].as_str().unwrap()), &coordinator).await;
    assert_eq!(held_read.body["bed"]["status"], "reserved");

    // Recorded in the audit trail, by the system, per person.
    let events = app.audit_events().await;
    let absent_id: uuid::Uuid = absent.parse().unwrap();
    assert!(
        events
            .iter()
            .any(|(action, kind, _, who)| action == "update" && kind == "bed_assignment" && *who == Some(absent_id)),
        "{events:?}"
    );

    // Released beds stop counting: no bed nights, no situation-1 night, no moves.
    assert_eq!(app.get(&bouncing, &coordinator).await.body["items"], json!([]));
    assert_eq!(app.get(&situation, &officer).await.body["national"], Value::Null);
    let month = &tonight.to_string()[..7];
    let occupancy = app.get(&format!("/api/v1/reports/shelter-occupancy?month={month}"), &coordinator).await;
    let used: i64 =
        occupancy.body["shelters"].as_array().unwrap().iter().map(|s| s["used_bed_nights"].as_i64().unwrap()).sum();
    assert_eq!(used, 2, "the guest checked in and the bed still held; released nights do not count");
    // The freed bed can be given again tonight.
    let board = app.get(&format!("/api/v1/nights/{tonight}/availability"), &coordinator).await;
    let free: i64 = board.body.as_array().unwrap().iter().map(|s| s["free"].as_i64().unwrap()).sum();
    assert_eq!(free, 2);
}

#[tokio::test]
async fn the_release_job_runs_in_one_instance_at_a_time() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    shelter(&app, &admin, shelter_body("Ett", 59.40, 2, "23:00")).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let guest = person(&app, &app.token(Role::HousingOfficer).await).await;
    let placed = guarantee_with_key(&app, &coordinator, "g", &json!({"person_id": guest, "channel": "other"})).await;
    assert_eq!(placed.body["outcome"], "placed");
    set_holds_expired(&app, None).await;

    // Another instance holds the lock: this one skips the round.
    let mut other = app.owner_client().await;
    let other_tx = other.transaction().await.unwrap();
    other_tx.execute("SELECT pg_advisory_xact_lock($1)", &[&hemvist_server::jobs::HOLD_RELEASE_LOCK]).await.unwrap();
    assert_eq!(hemvist_server::jobs::release_expired_holds(&app.pool).await.unwrap(), None);
    other_tx.rollback().await.unwrap();
    // Then it runs.
    assert_eq!(hemvist_server::jobs::release_expired_holds(&app.pool).await.unwrap(), Some(1));
    assert_eq!(hemvist_server::jobs::release_expired_holds(&app.pool).await.unwrap(), Some(0));
    let read =
        app.get(&format!("/api/v1/guarantee-requests/{}", placed.body["id"].as_str().unwrap()), &coordinator).await;
    assert_eq!(read.body["bed"]["status"], "not_collected");
}

#[tokio::test]
async fn a_request_recorded_afterwards_records_what_happened_and_places_nobody_now() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let shelter_id = shelter(&app, &admin, shelter_body("Förr", 59.40, 3, "23:00")).await;
    let outside = outside_shelter(&app, &admin, "Grannen").await;
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let tonight = night_now(&app);
    // Two nights ago at 21:00 local.
    let past_night = tonight.checked_sub(2.days()).unwrap();
    let then = past_night.at(21, 0, 0, 0).to_zoned(hemvist_platform::night::city_time_zone()).unwrap().timestamp();

    // Without saying what happened, a past request is refused: it would otherwise place now.
    let guest = person(&app, &officer).await;
    let unstated = guarantee_with_key(
        &app,
        &coordinator,
        "unstated",
        &json!({"person_id": guest, "channel": "other", "requested_at": then.to_string()}),
    )
    .await;
    let problem = unstated.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "recorded_outcome", "{problem}");
    assert_eq!(assignment_count(&app).await, 0, "nobody placed tonight");

    // A breach that night: recorded as such, escalated, no bed given now.
    let breach = guarantee_with_key(
        &app,
        &coordinator,
        "breach",
        &json!({"person_id": guest, "channel": "other", "requested_at": then.to_string(),
                "recorded_outcome": "no_suitable_bed"}),
    )
    .await;
    assert_eq!(breach.status, StatusCode::CREATED, "{}", breach.body);
    assert_eq!(breach.body["night"], past_night.to_string());
    assert_eq!(breach.body["outcome"], "no_suitable_bed");
    assert_eq!(breach.body["recorded_afterwards"], true);
    assert!(breach.body["escalated_at"].is_string());
    assert_eq!(breach.body["bed"], Value::Null);

    // Placed that night at a named shelter: recorded, but no reservation for tonight or any night.
    let placed = guarantee_with_key(
        &app,
        &coordinator,
        "placed",
        &json!({"person_id": guest, "channel": "other", "requested_at": then.to_string(),
                "recorded_outcome": "placed", "shelter_id": shelter_id}),
    )
    .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    assert_eq!(placed.body["outcome"], "placed");
    assert_eq!(placed.body["bed"], Value::Null);
    assert_eq!(placed.body["recorded_placement"]["shelter_id"], shelter_id.as_str());
    assert_eq!(assignment_count(&app).await, 0);
    let board = app.get(&format!("/api/v1/nights/{tonight}/availability"), &coordinator).await;
    assert!(board.body.as_array().unwrap().iter().all(|s| s["taken"] == 0), "{}", board.body);

    // Declined and not eligible are recorded as stated.
    for outcome in ["declined_by_person", "not_eligible"] {
        let recorded = guarantee_with_key(
            &app,
            &coordinator,
            outcome,
            &json!({"person_id": guest, "channel": "other", "requested_at": then.to_string(), "recorded_outcome": outcome}),
        )
        .await;
        assert_eq!(recorded.status, StatusCode::CREATED, "{}", recorded.body);
        assert_eq!(recorded.body["outcome"], outcome);
    }

    // The shape is checked: placed needs a shelter; a shelter only with placed; outside needs consent;
    // the recorded fields only for a past night.
    let bad = [
        (json!({"recorded_outcome": "placed"}), "shelter_id", then),
        (json!({"recorded_outcome": "no_suitable_bed", "shelter_id": shelter_id}), "shelter_id", then),
        (json!({"recorded_outcome": "placed", "shelter_id": outside}), "consent_outside_municipality", then),
        (json!({"recorded_outcome": "placed", "shelter_id": uuid::Uuid::new_v4()}), "shelter_id", then),
        (json!({"recorded_outcome": "no_suitable_bed"}), "recorded_outcome", Timestamp::now()),
        (json!({"shelter_id": shelter_id}), "shelter_id", Timestamp::now()),
    ];
    for (i, (extra, field, at)) in bad.into_iter().enumerate() {
        let mut body = json!({"person_id": guest, "channel": "other", "requested_at": at.to_string()});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let refused = guarantee_with_key(&app, &coordinator, &format!("bad-{i}"), &body).await;
        let problem = refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], field, "case {i}: {problem}");
    }
    // With consent, a placement outside the municipality that night is recorded and flagged.
    let consented = guarantee_with_key(
        &app,
        &coordinator,
        "consented",
        &json!({"person_id": guest, "channel": "other", "requested_at": then.to_string(),
                "recorded_outcome": "placed", "shelter_id": outside, "consent_outside_municipality": true}),
    )
    .await;
    assert_eq!(consented.status, StatusCode::CREATED, "{}", consented.body);
    assert_eq!(consented.body["placed_outside_municipality"], true);
    assert_eq!(assignment_count(&app).await, 0);

    // The report counts the recorded night.
    let report = app.get(&format!("/api/v1/reports/guarantee?from={past_night}&to={past_night}"), &coordinator).await;
    assert_eq!(report.body[0]["requests"], 5, "{}", report.body);
    assert_eq!(report.body[0]["placed"], 2);
    assert_eq!(report.body[0]["no_suitable_bed"], 1);
}

#[tokio::test]
async fn a_bed_in_another_municipality_needs_consent_on_every_path() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let outside = outside_shelter(&app, &admin, "Grannkommunen").await;
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let tonight = night_now(&app);
    let assignments = format!("/api/v1/nights/{tonight}/assignments");

    // Direct assignment without consent is refused; with consent it is given and flagged.
    let guest = person(&app, &officer).await;
    let refused = app.post(&assignments, &coordinator, &json!({"shelter_id": outside, "person_id": guest})).await;
    let problem = refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "consent_outside_municipality", "{problem}");
    assert_eq!(assignment_count(&app).await, 0);
    let given = app
        .post(
            &assignments,
            &coordinator,
            &json!({"shelter_id": outside, "person_id": guest, "consent_outside_municipality": true}),
        )
        .await;
    assert_eq!(given.status, StatusCode::CREATED, "{}", given.body);
    assert_eq!(given.body["outside_municipality"], true);
    assert_eq!(given.body["consent_outside_municipality"], true);

    // A guarantee request for the person who already has that bed says where it is, and that consent
    // was given for it.
    let again = guarantee_with_key(&app, &coordinator, "again", &json!({"person_id": guest, "channel": "other"})).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(again.body["outcome"], "placed");
    assert_eq!(again.body["bed"]["shelter_id"], outside.as_str());
    assert_eq!(again.body["placed_outside_municipality"], true, "{}", again.body);
    assert_eq!(again.body["consent_outside_municipality"], true);

    // A shelter cannot become one in another municipality under guests who did not consent to that.
    let inside = shelter(&app, &admin, shelter_body("Hemma", 59.40, 2, "23:00")).await;
    let stays = person(&app, &officer).await;
    let stay = app.post(&assignments, &coordinator, &json!({"shelter_id": inside, "person_id": stays})).await;
    assert_eq!(stay.status, StatusCode::CREATED, "{}", stay.body);
    assert_eq!(stay.body["outside_municipality"], false);
    let mut moved = shelter_body("Hemma", 59.40, 2, "23:00");
    moved["outside_municipality"] = json!(true);
    app.put(&format!("/api/v1/shelters/{inside}"), &admin, &moved).await.assert_problem(StatusCode::CONFLICT);

    // The database holds the rule whatever path writes: no bed outside without consent, and the flag
    // follows the shelter.
    let client = app.owner_client().await;
    let other = person(&app, &officer).await;
    let other: uuid::Uuid = other.parse().unwrap();
    let outside_id: uuid::Uuid = outside.parse().unwrap();
    let raw = client
        .execute(
            "INSERT INTO bed_assignments (municipality_code, shelter_id, night, person_id, hold_until)
             VALUES ('0180', $1, $2, $3, now() + interval '2 hours')",
            &[&outside_id, &tonight, &other],
        )
        .await;
    let error = raw.expect_err("a bed outside the municipality without consent");
    assert_eq!(
        error.as_db_error().and_then(|e| e.constraint()),
        Some("bed_assignments_outside_needs_consent"),
        "{error:?}"
    );
    let flagged = client
        .execute(
            "INSERT INTO bed_assignments (municipality_code, shelter_id, night, person_id, hold_until, outside_municipality,
                 consent_outside_municipality)
             VALUES ('0180', $1, $2, $3, now() + interval '2 hours', false, true)",
            &[&outside_id, &tonight, &other],
        )
        .await;
    assert!(flagged.is_ok(), "{flagged:?}");
    let flag: bool = client
        .query_one("SELECT outside_municipality FROM bed_assignments WHERE person_id = $1", &[&other])
        .await
        .unwrap()
        .get(0);
    assert!(flag, "the flag is the shelter's, whatever the writer said");
    // A guarantee request row cannot say 'inside' for a bed outside.
    let assignment: uuid::Uuid =
        client.query_one("SELECT id FROM bed_assignments WHERE person_id = $1", &[&other]).await.unwrap().get(0);
    let row = client
        .execute(
            "INSERT INTO guarantee_requests (municipality_code, request_fingerprint, requested_at, night, person_id,
                 requested_by, channel, needs, outcome, assignment_id, placed_outside_municipality, consent_outside_municipality)
             VALUES ('0180', 'x', now(), $1, $2, gen_random_uuid(), 'other', '{}', 'placed', $3, false, false)",
            &[&tonight, &other, &assignment],
        )
        .await;
    let error = row.expect_err("a request placing outside without consent");
    assert_eq!(error.as_db_error().and_then(|e| e.constraint()), Some("guarantee_outside_needs_consent"), "{error:?}");
}

#[tokio::test]
async fn an_idempotent_replay_is_audited_like_a_read() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    shelter(&app, &admin, shelter_body("Igen", 59.40, 2, "23:00")).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let guest = person(&app, &app.token(Role::HousingOfficer).await).await;
    let body = json!({"person_id": guest, "channel": "other"});
    let first = guarantee_with_key(&app, &coordinator, "same", &body).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let guest_id: uuid::Uuid = guest.parse().unwrap();
    let about_guest = |events: Vec<(String, String, Option<uuid::Uuid>, Option<uuid::Uuid>)>| {
        events.into_iter().filter(|(_, kind, _, who)| kind == "guarantee_request" && *who == Some(guest_id)).count()
    };
    let before = about_guest(app.audit_events().await);
    let replayed = guarantee_with_key(&app, &coordinator, "same", &body).await;
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.body["id"], first.body["id"]);
    let events = app.audit_events().await;
    assert_eq!(about_guest(events.clone()), before + 1, "the replay returned personal data: {events:?}");
    let last = events.iter().rev().find(|(_, kind, _, _)| kind == "guarantee_request").unwrap();
    assert_eq!(last.0, "read");
    assert_eq!(last.2.map(|id| id.to_string()), first.body["id"].as_str().map(str::to_owned));
}

/// A bed freed by another transaction's release of expired holds is offered to a request that found
/// those holds expired too. The request's own release waits for the other and then frees nothing; the
/// shelter's loads it read alongside are from before, and must be read again (review, 2026-11-24: it
/// answered "no suitable bed", a breach, with the shelter's one bed free).
#[tokio::test]
async fn a_bed_freed_by_a_concurrent_release_is_offered() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let only = shelter(&app, &admin, shelter_body("Enda sängen", 59.40, 1, "23:00")).await;
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let first = person(&app, &officer).await;
    let held = guarantee_with_key(&app, &coordinator, "first", &json!({"person_id": first, "channel": "other"})).await;
    assert_eq!(held.body["outcome"], "placed", "{}", held.body);
    set_holds_expired(&app, None).await;

    // Another transaction (the release job, or another request) releases the expired hold, not yet committed.
    let mut releaser = app.owner_client().await;
    let release = releaser.transaction().await.unwrap();
    let released = release
        .execute(
            "UPDATE bed_assignments SET status = 'not_collected', released_at = now(), updated_at = now()
              WHERE status = 'reserved' AND hold_until < now()",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(released, 1);
    let second = person(&app, &officer).await;
    let asking = {
        let (app_router, coordinator) = (app.router.clone(), coordinator.clone());
        let body = json!({"person_id": second, "channel": "other"});
        tokio::spawn(async move {
            use tower::ServiceExt;
            let request = http::Request::post("/api/v1/guarantee-requests")
                .header("authorization", format!("Bearer {coordinator}"))
                .header("content-type", "application/json")
                .header("idempotency-key", "second")
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            let response = app_router.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        })
    };
    // The request's release now waits for the other's.
    let observer = app.owner_client().await;
    let started = std::time::Instant::now();
    loop {
        let waiting: i64 = observer
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
                  WHERE datname = current_database() AND usename = 'hemvist_api' AND wait_event_type = 'Lock'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if waiting > 0 {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "the request never waited for the release");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    release.commit().await.unwrap();
    let (status, answer) = asking.await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["outcome"], "placed", "the freed bed is offered: {answer}");
    assert_eq!(answer["bed"]["shelter_id"], only.as_str());
}
