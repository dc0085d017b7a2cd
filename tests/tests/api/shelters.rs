//! Shelters and the guarantee: capacity reported by staff, beds never overbooked, one bed a person a
//! night, every request recorded with its outcome, idempotent retries, scoping of shelter staff.

use hemvist_tests::fixtures::{
    self, create, guarantee_with_key, jarva, merged, next_month_night, tonight, walk_in_body,
};
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};

fn shelter_body(name: &str, lat: f64, lon: f64, beds: u32, eligibility: Value) -> Value {
    merged(fixtures::shelter_body(name, lon, beds), json!({"lat": lat, "eligibility": eligibility}))
}

fn everyone() -> Value {
    json!({"accepts_women": true, "accepts_men": true})
}

async fn shelter(app: &TestApp, token: &str, name: &str, lat: f64, lon: f64, beds: u32, eligibility: Value) -> String {
    create(app, token, "/api/v1/shelters", &shelter_body(name, lat, lon, beds, eligibility)).await
}

async fn person(app: &TestApp, token: &str, sex: &str, home: &str) -> String {
    let body = merged(walk_in_body("Gäst", "Gästsson"), json!({"sex": sex, "home_municipality_code": home}));
    create(app, token, "/api/v1/people", &body).await
}

#[tokio::test]
async fn two_hundred_concurrent_requests_for_fifty_beds() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    for (i, beds) in [10, 15, 25].iter().enumerate() {
        shelter(&app, &admin, &format!("Shelter{i}"), 59.39 + 0.01 * i as f64, 17.9, *beds, everyone()).await;
    }
    let officer = app.token(Role::HousingOfficer).await;
    let mut people = Vec::new();
    for i in 0..200 {
        people.push(person(&app, &officer, if i % 2 == 0 { "woman" } else { "man" }, "0180").await);
    }
    let coordinator = app.token(Role::NightCoordinator).await;
    let bodies: Vec<Value> = people
        .iter()
        .map(|p| json!({"person_id": p, "channel": "homelessness_reception", "lat": 59.40, "lon": 17.91}))
        .collect();
    let send_all = || {
        futures::future::join_all(bodies.iter().enumerate().map(|(i, body)| {
            let (app, coordinator) = (&app, &coordinator);
            // As the API asks of clients: a 503 (no connection free in time on a loaded machine) is
            // retried with the same Idempotency-Key, so it can never place twice.
            async move {
                let key = format!("key-{i}");
                let mut response = guarantee_with_key(app, coordinator, &key, body).await;
                for _ in 0..5 {
                    if response.status != StatusCode::SERVICE_UNAVAILABLE {
                        break;
                    }
                    response = guarantee_with_key(app, coordinator, &key, body).await;
                }
                response
            }
        }))
    };
    let first = send_all().await;
    let outcome = |r: &hemvist_tests::TestResponse| r.body["outcome"].as_str().unwrap_or("?").to_owned();
    assert!(
        first.iter().all(|r| r.status == StatusCode::CREATED),
        "{:?}",
        first.iter().map(|r| (r.status, r.body.clone())).find(|(s, _)| *s != StatusCode::CREATED)
    );
    let placed = first.iter().filter(|r| outcome(r) == "placed").count();
    let breaches = first.iter().filter(|r| outcome(r) == "no_suitable_bed").count();
    assert_eq!((placed, breaches), (50, 150));
    assert!(first.iter().filter(|r| outcome(r) == "no_suitable_bed").all(|r| r.body["escalated_at"].is_string()));

    let client = app.pool.get().await.unwrap();
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
    let assignments: i64 = client.query_one("SELECT count(*) FROM bed_assignments", &[]).await.unwrap().get(0);
    assert_eq!(assignments, 50);

    // The same requests again, with their keys: the same answers, nothing new.
    let again = send_all().await;
    for (before, after) in first.iter().zip(&again) {
        assert_eq!(after.status, StatusCode::CREATED);
        assert_eq!(after.header("idempotent-replayed"), Some("true"));
        assert_eq!(before.body["id"], after.body["id"]);
        assert_eq!(before.body["bed"], after.body["bed"]);
    }
    let assignments: i64 = client.query_one("SELECT count(*) FROM bed_assignments", &[]).await.unwrap().get(0);
    let requests: i64 = client.query_one("SELECT count(*) FROM guarantee_requests", &[]).await.unwrap().get(0);
    assert_eq!((assignments, requests), (50, 200));
    // A key reused for another request is refused.
    let reused = guarantee_with_key(&app, &coordinator, "key-0", &bodies[1]).await;
    reused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);

    let board = app.get(&format!("/api/v1/nights/{}/availability", tonight(&app)), &coordinator).await;
    assert!(
        board.body.as_array().unwrap().iter().all(|s| s["free"] == 0 && s["taken"] == s["capacity"]),
        "{}",
        board.body
    );
}

/// domain.md: a retried request never places twice. Retries that arrive together, while the first is
/// still being placed, wait for it and answer with its request.
#[tokio::test]
async fn retries_sent_at_once_with_one_key_place_once() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    shelter(&app, &admin, "Nattkaféet", 59.40, 17.91, 5, everyone()).await;
    let officer = app.token(Role::HousingOfficer).await;
    let guest = person(&app, &officer, "woman", "0180").await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let body = json!({"person_id": guest, "channel": "homelessness_reception", "lat": 59.40, "lon": 17.91});
    let answers = futures::future::join_all(
        (0..12).map(|_| guarantee_with_key(&app, &coordinator, "same-key-sent-at-once", &body)),
    )
    .await;
    assert!(
        answers.iter().all(|a| a.status == StatusCode::CREATED),
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    let first: Vec<_> = answers.iter().filter(|a| a.header("idempotent-replayed").is_none()).collect();
    assert_eq!(first.len(), 1, "exactly one request is the first");
    assert_eq!(first[0].body["outcome"], "placed");
    for answer in &answers {
        assert_eq!(answer.body["id"], first[0].body["id"]);
        assert_eq!(answer.body["bed"]["assignment_id"], first[0].body["bed"]["assignment_id"]);
    }
    let client = app.pool.get().await.unwrap();
    let counts: (i64, i64) = {
        let beds = client.query_one("SELECT count(*) FROM bed_assignments", &[]).await.unwrap().get(0);
        let requests = client.query_one("SELECT count(*) FROM guarantee_requests", &[]).await.unwrap().get(0);
        (beds, requests)
    };
    assert_eq!(counts, (1, 1));
}

#[tokio::test]
async fn outcomes_eligibility_needs_and_consent() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let women_only =
        shelter(&app, &admin, "Kvinnohuset", 59.40, 17.90, 1, json!({"accepts_women": true, "accepts_men": false}))
            .await;
    let far = shelter(
        &app,
        &admin,
        "Fjärran",
        59.42,
        17.96,
        2,
        json!({"accepts_women": true, "accepts_men": true, "accepts_pets": true}),
    )
    .await;
    let mut outside = shelter_body("Grannkommunen", 59.60, 17.50, 5, everyone());
    outside["outside_municipality"] = json!(true);
    let outside = app.post("/api/v1/shelters", &admin, &outside).await;
    assert_eq!(outside.status, StatusCode::CREATED, "{}", outside.body);
    assert_eq!(outside.body["district_code"], Value::Null);
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.token(Role::NightCoordinator).await;

    let woman = person(&app, &officer, "woman", "0180").await;
    let placed = guarantee_with_key(
        &app,
        &coordinator,
        "w",
        &json!({"person_id": woman, "channel": "social_emergency_service", "lat": 59.401, "lon": 17.901}),
    )
    .await;
    assert_eq!(placed.body["outcome"], "placed", "{}", placed.body);
    assert_eq!(placed.body["bed"]["shelter_id"], women_only.as_str(), "the nearest suitable shelter");
    assert_eq!(placed.body["district_code"], "jarva");

    let man_with_dog = person(&app, &officer, "man", "0180").await;
    let placed = guarantee_with_key(
        &app,
        &coordinator,
        "m",
        &json!({"person_id": man_with_dog, "channel": "other", "pets": true}),
    )
    .await;
    assert_eq!(
        placed.body["bed"]["shelter_id"],
        far.as_str(),
        "the women's shelter does not take him; the far one takes pets"
    );

    let visitor = person(&app, &officer, "man", "1480").await;
    let not_eligible =
        guarantee_with_key(&app, &coordinator, "v", &json!({"person_id": visitor, "channel": "other"})).await;
    assert_eq!(not_eligible.body["outcome"], "not_eligible");
    assert!(not_eligible.body["emergency_assessment"].as_str().unwrap().contains("nödprövning"));
    assert_eq!(not_eligible.body["bed"], Value::Null);

    let declines = person(&app, &officer, "woman", "0180").await;
    let declined = guarantee_with_key(
        &app,
        &coordinator,
        "d",
        &json!({"person_id": declines, "channel": "other", "declined_by_person": true}),
    )
    .await;
    assert_eq!(declined.body["outcome"], "declined_by_person");

    // Inside the municipality one bed is left at Fjärran; then only the neighbouring municipality, with consent.
    let next = person(&app, &officer, "woman", "0180").await;
    assert_eq!(
        guarantee_with_key(&app, &coordinator, "n1", &json!({"person_id": next, "channel": "other"})).await.body["bed"]
            ["shelter_id"],
        far.as_str()
    );
    let last = person(&app, &officer, "man", "0180").await;
    let breach = guarantee_with_key(&app, &coordinator, "l1", &json!({"person_id": last, "channel": "other"})).await;
    assert_eq!(breach.body["outcome"], "no_suitable_bed", "never sent to another municipality without consent");
    let consenting = person(&app, &officer, "man", "0180").await;
    let outside_bed = guarantee_with_key(
        &app,
        &coordinator,
        "c1",
        &json!({"person_id": consenting, "channel": "other", "consent_outside_municipality": true}),
    )
    .await;
    assert_eq!(outside_bed.body["outcome"], "placed");
    assert_eq!(outside_bed.body["placed_outside_municipality"], true);

    // Asking again the same night gives the same bed, not a second one.
    let twice = guarantee_with_key(&app, &coordinator, "w2", &json!({"person_id": woman, "channel": "other"})).await;
    assert_eq!(twice.body["bed"]["assignment_id"], placed_bed_id(&app, &coordinator, &woman).await);

    let night = tonight(&app);
    let report = app.get(&format!("/api/v1/reports/guarantee?from={night}&to={night}"), &coordinator).await;
    let totals = &report.body[0];
    assert_eq!(
        (
            totals["requests"].as_i64(),
            totals["placed"].as_i64(),
            totals["no_suitable_bed"].as_i64(),
            totals["not_eligible"].as_i64(),
            totals["declined_by_person"].as_i64()
        ),
        (Some(8), Some(5), Some(1), Some(1), Some(1))
    );
    // Nobody here has a responsible district: the report counts by it (issue 10 item 16), and where the
    // woman stood is its own column.
    assert_eq!(totals["districts"]["unknown"]["requests"], 8);
    assert_eq!(totals["location_districts"]["jarva"]["placed"], 1);
    let listed = app.get(&format!("/api/v1/guarantee-requests?night={night}"), &coordinator).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 8);
    app.get(&format!("/api/v1/guarantee-requests?night={night}"), &app.token(Role::ShelterStaff).await)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
}

async fn placed_bed_id(app: &TestApp, token: &str, person: &str) -> Value {
    let night = tonight(app);
    let beds = app.get(&format!("/api/v1/nights/{night}/assignments"), token).await;
    beds.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["guest"]["person_id"] == person)
        .map(|b| b["id"].clone())
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn requests_before_the_cutover_belong_to_the_previous_night_across_dst() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let natt = shelter(&app, &admin, "Natt", 59.40, 17.90, 5, everyone()).await;
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    // These nights have passed: each request is recorded afterwards, stating what happened then.
    // Summer time ended 2026-10-25 at 03:00 CEST. 06:30Z is 07:30 CET: before the 08:00 cut-over, the night of the 24th.
    // The same instant in summer time would have been 08:30, the 25th.
    let cases = [
        ("2026-10-25T06:30:00Z", "2026-10-24"),
        ("2026-10-25T07:00:00Z", "2026-10-25"),
        ("2026-10-24T06:30:00Z", "2026-10-24"),
        ("2026-10-24T05:59:00Z", "2026-10-23"),
        ("2026-03-29T06:30:00Z", "2026-03-29"),
        ("2026-03-29T05:30:00Z", "2026-03-28"),
    ];
    for (i, (at, night)) in cases.iter().enumerate() {
        let p = person(&app, &officer, "woman", "0180").await;
        let r = guarantee_with_key(
            &app,
            &coordinator,
            &format!("dst-{i}"),
            &json!({"person_id": p, "channel": "other", "requested_at": at, "recorded_outcome": "placed",
                    "shelter_id": natt}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["night"], *night, "{at}");
        assert_eq!(r.body["outcome"], "placed");
    }
    let future = person(&app, &officer, "woman", "0180").await;
    guarantee_with_key(
        &app,
        &coordinator,
        "future",
        &json!({"person_id": future, "channel": "other", "requested_at": "2099-01-01T00:00:00Z"}),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn capacity_is_reported_by_staff_for_their_own_shelter_and_never_overbooked() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let ours = shelter(&app, &admin, "Vår", 59.40, 17.90, 3, everyone()).await;
    let theirs = shelter(&app, &admin, "Deras", 59.41, 17.91, 3, everyone()).await;
    let staff = app.token_for(Role::ShelterStaff, "0180", &[], &[ours.parse().unwrap()]).await;
    let night = next_month_night(5).to_string();
    let night = night.as_str();
    let path = format!("/api/v1/shelters/{ours}/nights/{night}");
    let report =
        json!({"beds_in_service": 2, "beds_out_of_service": 1, "out_of_service_reason": "No heating in room 3"});
    let first = app.put(&path, &staff, &report).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let second = app.put(&path, &staff, &report).await;
    assert_eq!(second.body["beds_in_service"], 2, "idempotent");
    assert_eq!(second.body["history"].as_array().unwrap().len(), 2, "history kept");
    assert_eq!(second.body["history"][0]["reported_by_role"], "shelter_staff");
    app.put(&path, &staff, &json!({"beds_in_service": 2, "beds_out_of_service": 1}))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.put(&format!("/api/v1/shelters/{theirs}/nights/{night}"), &staff, &report)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let unscoped = app.token(Role::ShelterStaff).await;
    app.put(&path, &unscoped, &report).await.assert_problem(StatusCode::FORBIDDEN);

    // Two beds tonight: a third guest is refused, under concurrency too.
    let officer = app.token(Role::HousingOfficer).await;
    let mut guests = Vec::new();
    for _ in 0..6 {
        guests.push(person(&app, &officer, "man", "0180").await);
    }
    let assign = |p: &String| {
        let body = json!({"shelter_id": ours, "person_id": p});
        let (app, staff) = (&app, &staff);
        async move { app.post(&format!("/api/v1/nights/{night}/assignments"), staff, &body).await }
    };
    let results = futures::future::join_all(guests.iter().map(assign)).await;
    assert_eq!(results.iter().filter(|r| r.status == StatusCode::CREATED).count(), 2);
    assert_eq!(results.iter().filter(|r| r.status == StatusCode::CONFLICT).count(), 4);
    let given = results.iter().find(|r| r.status == StatusCode::CREATED).unwrap();
    assert_eq!(given.body["guest"]["person_id"], Value::Null, "shelter staff see no person ids");
    assert_eq!(given.body["guest"]["family_name"], "G.");
    // The same person cannot hold a second bed that night, elsewhere either.
    let holder = given.body["id"].as_str().unwrap().to_owned();
    let coordinator = app.token(Role::NightCoordinator).await;
    let list = app.get(&format!("/api/v1/nights/{night}/assignments"), &coordinator).await;
    let holder_person =
        list.body["items"].as_array().unwrap().iter().find(|a| a["id"] == holder.as_str()).unwrap()["guest"]["person_id"]
            .clone();
    let second_bed = app
        .post(
            &format!("/api/v1/nights/{night}/assignments"),
            &coordinator,
            &json!({"shelter_id": theirs, "person_id": holder_person}),
        )
        .await;
    second_bed.assert_problem(StatusCode::CONFLICT);
    // Capacity cannot be reported below the beds given out.
    app.put(
        &path,
        &staff,
        &json!({"beds_in_service": 1, "beds_out_of_service": 2, "out_of_service_reason": "Water damage"}),
    )
    .await
    .assert_problem(StatusCode::CONFLICT);
    // A cancelled reservation frees the bed.
    let cancelled = app.post(&format!("/api/v1/bed-assignments/{holder}/cancel"), &staff, &json!({})).await;
    assert_eq!(cancelled.body["status"], "cancelled");
    let refused_guest = &guests[results.iter().position(|r| r.status == StatusCode::CONFLICT).unwrap()];
    let after = app
        .post(
            &format!("/api/v1/nights/{night}/assignments"),
            &staff,
            &json!({"shelter_id": ours, "person_id": refused_guest}),
        )
        .await;
    assert_eq!(after.status, StatusCode::CREATED, "{}", after.body);
    let board = app.get(&format!("/api/v1/nights/{night}/availability"), &staff).await;
    let board = board.body.as_array().unwrap();
    assert_eq!(board.len(), 1, "staff see their own shelter only");
    assert_eq!(board[0]["taken"], 2);
    assert_eq!(board[0]["free"], 0);
    // Check-in and check-out.
    let occupant = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] != holder.as_str() && a["shelter_id"] == ours.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.post(&format!("/api/v1/bed-assignments/{occupant}/check-in"), &staff, &json!({})).await.body["status"],
        "checked_in"
    );
    assert_eq!(
        app.post(&format!("/api/v1/bed-assignments/{occupant}/cancel"), &staff, &json!({})).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.post(&format!("/api/v1/bed-assignments/{occupant}/check-out"), &staff, &json!({})).await.body["status"],
        "checked_out"
    );
}

#[tokio::test]
async fn board_search_feed_and_reports() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let near = shelter(
        &app,
        &admin,
        "Nära",
        59.40,
        17.90,
        2,
        json!({"accepts_women": true, "accepts_men": true, "wheelchair_accessible": true}),
    )
    .await;
    let far = shelter(
        &app,
        &admin,
        "Långt",
        59.42,
        17.96,
        2,
        json!({"accepts_women": true, "accepts_men": true, "wheelchair_accessible": true}),
    )
    .await;
    let stairs = shelter(&app, &admin, "Trappor", 59.401, 17.901, 2, everyone()).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let night = next_month_night(10).to_string();
    let search = app
        .get(&format!("/api/v1/nights/{night}/free-beds?lat=59.4205&lon=17.958&wheelchair=true"), &coordinator)
        .await;
    let order: Vec<&str> = search.body.as_array().unwrap().iter().map(|s| s["shelter_id"].as_str().unwrap()).collect();
    assert_eq!(order, vec![far.as_str(), near.as_str()], "nearest first, without the one with stairs");
    assert!(search.body[0]["distance_m"].as_f64().unwrap() < search.body[1]["distance_m"].as_f64().unwrap());
    assert!(!order.contains(&stairs.as_str()));

    let integration = app.token(Role::Integration).await;
    let feed = app.get(&format!("/api/v1/feeds/availability?night={night}"), &integration).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(feed.body["shelters"].as_array().unwrap().len(), 3);
    assert!(feed.body["shelters"][0].get("taken").is_none());
    app.get(&format!("/api/v1/nights/{night}/availability"), &integration).await.assert_problem(StatusCode::FORBIDDEN);

    // Bouncing: one person moved between shelters every night.
    let officer = app.token(Role::HousingOfficer).await;
    let bounced = person(&app, &officer, "woman", "0180").await;
    let settled = person(&app, &officer, "woman", "0180").await;
    for (day, shelter_id) in [(1, &near), (2, &far), (3, &near), (4, &stairs)] {
        let n = next_month_night(day);
        assert_eq!(
            app.post(
                &format!("/api/v1/nights/{n}/assignments"),
                &coordinator,
                &json!({"shelter_id": shelter_id, "person_id": bounced})
            )
            .await
            .status,
            StatusCode::CREATED
        );
        assert_eq!(
            app.post(
                &format!("/api/v1/nights/{n}/assignments"),
                &coordinator,
                &json!({"shelter_id": near, "person_id": settled})
            )
            .await
            .status,
            StatusCode::CREATED
        );
    }
    let report = app
        .get(&format!("/api/v1/reports/bouncing?as_of={}&days=30&more_than=2", next_month_night(10)), &coordinator)
        .await;
    assert_eq!(report.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(report.body["items"][0]["person_id"], bounced.as_str());
    assert_eq!(report.body["items"][0]["moves"], 3);

    // Occupancy for that month: 'Nära' had 2 beds every night, and 2 + 4 bed-nights given out.
    let month = next_month_night(1);
    let occupancy =
        app.get(&format!("/api/v1/reports/shelter-occupancy?month={}", &month.to_string()[..7]), &coordinator).await;
    let near_row = occupancy.body["shelters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["shelter_id"] == near.as_str())
        .unwrap()
        .clone();
    let nights_in_month = i64::from(month.days_in_month());
    assert_eq!(near_row["capacity_bed_nights"], 2 * nights_in_month);
    assert_eq!(near_row["used_bed_nights"], 6);
    assert!((near_row["occupancy"].as_f64().unwrap() - 6.0 / (2.0 * nights_in_month as f64)).abs() < 1e-9);
    // Shelter nights count as acute homelessness.
    let situation =
        app.get(&format!("/api/v1/people/{bounced}/situation?date={}", next_month_night(2)), &officer).await;
    assert_eq!(situation.body["national"], "acute");
}
