//! The guarantee after the night: reports by the responsible district, open breaches and how each was
//! resolved, protected guests shown by an alias, paginated night lists, capacity that follows the
//! shelter's total, and an unknown home municipality that needs assessment (issue 10: 16, 20, 22, 24, 25).

use hemvist_tests::fixtures::{
    self, IN_JARVA, JARVA_BOX, create, district_in, guarantee_with_key, merged, tonight, walk_in_body,
};
use hemvist_tests::{TestApp, TestResponse, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};

/// Bromma as a box south of Järva's, not overlapping it (lon0, lat0, lon1, lat1), and a point in it.
const BROMMA: [f64; 4] = [17.85, 59.32, 17.97, 59.36];
const IN_BROMMA: (f64, f64) = (59.34, 17.90);

/// Järva and Bromma.
async fn districts(app: &TestApp, token: &str) {
    district_in(app, token, "jarva", "Järva", JARVA_BOX).await;
    district_in(app, token, "bromma", "Bromma", BROMMA).await;
}

fn shelter_body(name: &str, beds: u32) -> Value {
    fixtures::shelter_body(name, IN_JARVA.1, beds)
}

async fn shelter(app: &TestApp, token: &str, name: &str, beds: u32) -> String {
    create(app, token, "/api/v1/shelters", &shelter_body(name, beds)).await
}

/// Registers a person; `extra` is merged into the body.
async fn person(app: &TestApp, token: &str, given: &str, family: &str, extra: Value) -> String {
    create(app, token, "/api/v1/people", &merged(walk_in_body(given, family), extra)).await
}

fn next_month_night(day: i8) -> String {
    fixtures::next_month_night(day).to_string()
}

async fn ask(app: &TestApp, token: &str, person: &str, at: Option<(f64, f64)>) -> TestResponse {
    let mut body = json!({"person_id": person, "channel": "homelessness_reception"});
    if let Some((lat, lon)) = at {
        body["lat"] = json!(lat);
        body["lon"] = json!(lon);
    }
    let response = app.post("/api/v1/guarantee-requests", token, &body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response
}

fn items(response: &TestResponse) -> &Vec<Value> {
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.body["items"].as_array().unwrap_or_else(|| panic!("a page: {}", response.body))
}

/// Decodes unpadded base64url (the cursor's encoding), to look inside a cursor.
fn base64url_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let value = ALPHABET.iter().position(|&a| a == c).expect("base64url") as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

fn ids(page: &[Value]) -> Vec<String> {
    page.iter().map(|v| v["id"].as_str().unwrap().to_owned()).collect()
}

// ---- 16. The guarantee report by the person's responsible district, as of the request ----

#[tokio::test]
async fn guarantee_report_counts_by_responsible_district_as_of_the_request() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    districts(&app, &admin).await;
    shelter(&app, &admin, "Natt", 10).await;
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    // A Bromma person standing in Järva, a Järva person standing in Bromma, one with no district asking by phone.
    let from_bromma = person(&app, &officer, "Anna", "Bromma", json!({"responsible_district_code": "bromma"})).await;
    let from_jarva = person(&app, &officer, "Berit", "Järva", json!({"responsible_district_code": "jarva"})).await;
    let nowhere = person(&app, &officer, "Cecilia", "Okänd", json!({})).await;
    let first = ask(&app, &coordinator, &from_bromma, Some(IN_JARVA)).await;
    assert_eq!(first.body["responsible_district_code"], "bromma", "{}", first.body);
    assert_eq!(first.body["location_district_code"], "jarva", "{}", first.body);
    ask(&app, &coordinator, &from_jarva, Some(IN_BROMMA)).await;
    let phoned = ask(&app, &coordinator, &nowhere, None).await;
    assert_eq!(phoned.body["responsible_district_code"], Value::Null);
    assert_eq!(phoned.body["location_district_code"], Value::Null);

    // Responsibility moves to Järva afterwards: the report keeps the district responsible at the time.
    app.owner_client()
        .await
        .execute(
            "UPDATE people SET responsible_district_code = 'jarva' WHERE id = $1",
            &[&from_bromma.parse::<uuid::Uuid>().unwrap()],
        )
        .await
        .unwrap();

    let night = tonight(&app);
    let report = app.get(&format!("/api/v1/reports/guarantee?from={night}&to={night}"), &coordinator).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let row = &report.body[0];
    assert_eq!(row["requests"], 3);
    let by_responsible = &row["districts"];
    assert_eq!(by_responsible["bromma"]["requests"], 1, "{row}");
    assert_eq!(by_responsible["jarva"]["requests"], 1, "{row}");
    assert_eq!(by_responsible["unknown"]["requests"], 1, "{row}");
    let by_location = &row["location_districts"];
    assert_eq!(by_location["jarva"]["requests"], 1, "{row}");
    assert_eq!(by_location["bromma"]["requests"], 1, "{row}");
    assert_eq!(by_location["unknown"]["requests"], 1, "{row}");
    // The stored request keeps its snapshot too.
    let again =
        app.get(&format!("/api/v1/guarantee-requests/{}", first.body["id"].as_str().unwrap()), &coordinator).await;
    assert_eq!(again.body["responsible_district_code"], "bromma");
}

// ---- 20. Open breaches and how each was resolved ----

#[tokio::test]
async fn open_breaches_are_listed_until_resolved_once() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    districts(&app, &admin).await;
    let one_bed = shelter(&app, &admin, "Ensam", 1).await;
    let later = shelter(&app, &admin, "Senare", 1).await;
    // The second shelter closes for tonight (0 beds), so the breaches happen.
    let tonight = tonight(&app);
    let closed = app
        .put(
            &format!("/api/v1/shelters/{later}/nights/{tonight}"),
            &admin,
            &json!({"beds_in_service": 0, "beds_out_of_service": 1, "out_of_service_reason": "Vattenskada"}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.staff_token(Role::NightCoordinator, "kim.natt").await;
    let placed_person = person(&app, &officer, "Placerad", "P", json!({})).await;
    let placed = ask(&app, &coordinator, &placed_person, None).await;
    assert_eq!(placed.body["outcome"], "placed");
    let mut breaches = Vec::new();
    for name in ["Ett", "Två", "Tre"] {
        let p = person(&app, &officer, name, "Brott", json!({})).await;
        let r = ask(&app, &coordinator, &p, None).await;
        assert_eq!(r.body["outcome"], "no_suitable_bed");
        assert_eq!(r.body["resolution"], Value::Null);
        breaches.push(r.body["id"].as_str().unwrap().to_owned());
    }

    // Open breaches, a page at a time, oldest first.
    let first = app.get("/api/v1/guarantee-breaches?limit=2", &coordinator).await;
    assert_eq!(ids(items(&first)), breaches[..2].to_vec());
    let cursor = first.body["next_cursor"].as_str().expect("a next page").to_owned();
    let second = app.get(&format!("/api/v1/guarantee-breaches?limit=2&cursor={cursor}"), &coordinator).await;
    assert_eq!(ids(items(&second)), breaches[2..].to_vec());
    assert!(second.body.get("next_cursor").is_none());
    // Listing is audited per person, a page at a time.
    let audited = app.audit_events().await;
    assert!(audited.iter().any(|(action, kind, id, _)| action == "list"
        && kind == "guarantee_request"
        && id.map(|i| i.to_string()) == Some(breaches[2].clone())));

    // Resolving: who, when, how. A placement later needs the shelter; "other" needs a note.
    let resolve = |id: &str| format!("/api/v1/guarantee-breaches/{id}/resolution");
    let invalid = app.post(&resolve(&breaches[0]), &coordinator, &json!({"kind": "placed_later"})).await;
    assert_eq!(invalid.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "shelter_id");
    let invalid = app.post(&resolve(&breaches[0]), &coordinator, &json!({"kind": "other"})).await;
    assert_eq!(invalid.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "note");
    let done = app
        .post(
            &resolve(&breaches[0]),
            &coordinator,
            &json!({"kind": "placed_later", "shelter_id": one_bed, "note": "Plats efter att en gäst lämnat 01:30"}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let resolution = &done.body["resolution"];
    assert_eq!(resolution["kind"], "placed_later");
    assert_eq!(resolution["shelter_id"], one_bed.as_str());
    assert_eq!(resolution["resolved_by_staff"], "kim.natt");
    assert_eq!(resolution["resolved_by_role"], "night_coordinator");
    assert!(resolution["resolved_at"].is_string());
    let emergency = app
        .post(
            &resolve(&breaches[1]),
            &admin,
            &json!({"kind": "emergency_housing", "note": "Hotellrum via socialjouren"}),
        )
        .await;
    assert_eq!(emergency.status, StatusCode::OK, "{}", emergency.body);
    // Twice is a conflict, and the first resolution stands.
    app.post(&resolve(&breaches[0]), &coordinator, &json!({"kind": "declined"}))
        .await
        .assert_problem(StatusCode::CONFLICT);
    let read = app.get(&format!("/api/v1/guarantee-requests/{}", breaches[0]), &coordinator).await;
    assert_eq!(read.body["resolution"]["kind"], "placed_later");
    // A request that was no breach has nothing to resolve; an unknown one is 404.
    let placed_id = placed.body["id"].as_str().unwrap();
    app.post(&resolve(placed_id), &coordinator, &json!({"kind": "declined"}))
        .await
        .assert_problem(StatusCode::CONFLICT);
    app.post(&resolve(&uuid::Uuid::new_v4().to_string()), &coordinator, &json!({"kind": "declined"}))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    // A shelter from another municipality (or none) cannot be named.
    app.post(
        &resolve(&breaches[2]),
        &coordinator,
        &json!({"kind": "placed_later", "shelter_id": uuid::Uuid::new_v4()}),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);

    // Only the unresolved one is still open; the resolved ones are listed on request.
    let open = app.get("/api/v1/guarantee-breaches", &coordinator).await;
    assert_eq!(ids(items(&open)), vec![breaches[2].clone()]);
    let resolved = app.get("/api/v1/guarantee-breaches?state=resolved", &coordinator).await;
    assert_eq!(ids(items(&resolved)), breaches[..2].to_vec());
    // The resolution is audited with the person.
    let events = app.audit_events().await;
    assert!(events.iter().any(|(action, kind, id, person)| action == "update"
        && kind == "guarantee_breach"
        && id.map(|i| i.to_string()) == Some(breaches[0].clone())
        && person.is_some()));
    // Who may: coordinators and admin, not shelter staff or auditors.
    for role in [Role::ShelterStaff, Role::Auditor, Role::HousingOfficer] {
        let token = app.token_for(role, "0180", &[], &[one_bed.parse().unwrap()]).await;
        app.get("/api/v1/guarantee-breaches", &token).await.assert_problem(StatusCode::FORBIDDEN);
        app.post(&resolve(&breaches[2]), &token, &json!({"kind": "declined"}))
            .await
            .assert_problem(StatusCode::FORBIDDEN);
    }
    app.get("/api/v1/guarantee-breaches?state=whatever", &coordinator)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}

// ---- 22. A protected person's night ----

/// A night with one shelter (Natt, 10 beds), a protected person, and four night coordinators: the
/// placer (two tokens of one member of staff), a colleague and one without a member of staff.
struct ProtectedNight {
    admin: String,
    officer: String,
    natt: String,
    protected: String,
    placer: String,
    placer_again: String,
    colleague: String,
    anonymous_coordinator: String,
}

async fn protected_night(app: &TestApp) -> ProtectedNight {
    let admin = app.token(Role::Admin).await;
    districts(app, &admin).await;
    let natt = shelter(app, &admin, "Natt", 10).await;
    let officer = app.token(Role::HousingOfficer).await;
    let protected =
        person(app, &officer, "Hemligna", "Skyddsson", json!({"protected_identity": true, "address": "Gömd väg 1"}))
            .await;
    ProtectedNight {
        admin,
        natt,
        protected,
        placer: app.staff_token(Role::NightCoordinator, "kim.natt").await,
        placer_again: app.staff_token(Role::NightCoordinator, "kim.natt").await,
        colleague: app.staff_token(Role::NightCoordinator, "lo.natt").await,
        anonymous_coordinator: app.token(Role::NightCoordinator).await,
        officer,
    }
}

/// An Idempotency-Key is its caller's. The first answer shows the placer where the protected person
/// sleeps; a colleague who sends the same key and body (and so knows whom it is about) must not get that
/// answer replayed, as a request of their own would not show them the bed. The placer's retry, from
/// another of their tokens too, is replayed. (Review, 2026-11-24.)
#[tokio::test]
async fn a_key_replays_only_to_the_caller_who_sent_it() {
    let app = TestApp::spawn().await;
    let ProtectedNight { natt, protected, placer, placer_again, colleague, anonymous_coordinator, .. } =
        protected_night(&app).await;
    let body = json!({"person_id": protected, "channel": "homelessness_reception"});

    let first = guarantee_with_key(&app, &placer, "kvall-1", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["bed"]["shelter_id"], natt.as_str(), "the placer sees the bed they gave");
    for other in [&colleague, &anonymous_coordinator] {
        let replayed = guarantee_with_key(&app, other, "kvall-1", &body).await;
        replayed.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!replayed.body.to_string().contains(&natt), "{}", replayed.body);
    }
    let again = guarantee_with_key(&app, &placer_again, "kvall-1", &body).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!((&again.body["id"], &again.body["bed"]), (&first.body["id"], &first.body["bed"]));
    let client = app.pool.get().await.unwrap();
    let requests: i64 = client.query_one("SELECT count(*) FROM guarantee_requests", &[]).await.unwrap().get(0);
    let beds: i64 = client.query_one("SELECT count(*) FROM bed_assignments", &[]).await.unwrap().get(0);
    assert_eq!((requests, beds), (1, 1));
}

/// domain.md: "A role that may not see a protected address must not be able to derive it either."
/// A member of a protected person's household shares the protection: where the family member sleeps
/// would tell where the protected person does, so they too are shown by an alias to all but their
/// placer and the roles that see protected addresses. (Review, 2026-11-24.)
#[tokio::test]
async fn a_protected_persons_household_member_is_shown_by_an_alias_too() {
    let app = TestApp::spawn().await;
    let ProtectedNight { admin, officer, natt, protected, placer, colleague, anonymous_coordinator, .. } =
        protected_night(&app).await;
    let daughter = person(&app, &officer, "Dottera", "Skyddsson", json!({})).await;
    let stranger = person(&app, &officer, "Öppen", "Synligsson", json!({})).await;
    create(&app, &officer, "/api/v1/households", &json!({"adults": [protected, daughter]})).await;
    let staff = app.token_for(Role::ShelterStaff, "0180", &[], &[natt.parse().unwrap()]).await;

    let request = ask(&app, &placer, &daughter, Some(IN_JARVA)).await;
    assert_eq!(request.body["outcome"], "placed", "{}", request.body);
    ask(&app, &placer, &stranger, Some(IN_JARVA)).await;
    let (request_id, assignment_id) = (
        request.body["id"].as_str().unwrap().to_owned(),
        request.body["bed"]["assignment_id"].as_str().unwrap().to_owned(),
    );
    let night = tonight(&app);
    let leaks = |body: &Value| {
        let text = body.to_string();
        text.contains("Dottera") || text.contains("Skyddsson") || text.contains(&daughter)
    };
    let guest_in = |list: &TestResponse| {
        items(list).iter().find(|a| a["id"] == assignment_id.as_str()).expect("the daughter's bed")["guest"].clone()
    };

    for token in [&placer, &admin] {
        let list = app.get(&format!("/api/v1/nights/{night}/assignments"), token).await;
        assert_eq!(guest_in(&list)["given_name"], "Dottera");
    }
    for token in [&colleague, &anonymous_coordinator, &staff] {
        let list = app.get(&format!("/api/v1/nights/{night}/assignments"), token).await;
        assert!(!leaks(&list.body), "{}", list.body);
        let alias = guest_in(&list)["alias"].as_str().map(str::to_owned).unwrap_or_default();
        assert!(alias.starts_with("Skyddad gäst "), "{}", list.body);
        assert!(items(&list).iter().any(|a| a["guest"]["given_name"] == "Öppen"), "others keep their names");
    }
    for path in
        [format!("/api/v1/guarantee-requests/{request_id}"), format!("/api/v1/guarantee-requests?night={night}")]
    {
        let read = app.get(&path, &colleague).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
        assert!(!leaks(&read.body), "{}", read.body);
    }

    // She leaves the household afterwards: the nights she spent then still show her by an alias (her
    // name there would still tell where the protected person was); a bed given after she left does not.
    let client = app.owner_client().await;
    let daughter_id: uuid::Uuid = daughter.parse().unwrap();
    client
        .execute("UPDATE people SET household_id = NULL, household_role = NULL WHERE id = $1", &[&daughter_id])
        .await
        .unwrap();
    for path in [format!("/api/v1/nights/{night}/assignments"), format!("/api/v1/guarantee-requests/{request_id}")] {
        let read = app.get(&path, &colleague).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
        assert!(!leaks(&read.body), "after leaving: {}", read.body);
    }
    let later = next_month_night(20);
    let bed = json!({"shelter_id": natt, "person_id": daughter});
    let placed = app.post(&format!("/api/v1/nights/{later}/assignments"), &placer, &bed).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let list = app.get(&format!("/api/v1/nights/{later}/assignments"), &colleague).await;
    assert!(items(&list).iter().any(|a| a["guest"]["given_name"] == "Dottera"), "{}", list.body);
}

#[tokio::test]
async fn protected_guests_are_shown_by_an_alias_to_all_but_their_placer() {
    let app = TestApp::spawn().await;
    let ProtectedNight { admin, officer, natt, protected, placer, placer_again, colleague, anonymous_coordinator } =
        protected_night(&app).await;
    let open = person(&app, &officer, "Öppen", "Synligsson", json!({})).await;
    let staff = app.token_for(Role::ShelterStaff, "0180", &[], &[natt.parse().unwrap()]).await;

    let request = ask(&app, &placer, &protected, Some(IN_JARVA)).await;
    assert_eq!(request.body["outcome"], "placed");
    assert_eq!(request.body["person_id"], protected.as_str(), "the placer sees whom they placed");
    ask(&app, &placer, &open, None).await;
    let request_id = request.body["id"].as_str().unwrap().to_owned();
    let assignment_id = request.body["bed"]["assignment_id"].as_str().unwrap().to_owned();
    let night = tonight(&app);

    let leaks = |body: &Value| {
        let text = body.to_string();
        text.contains("Hemligna") || text.contains("Skyddsson") || text.contains(&protected)
    };
    let guest_of = |page: &[Value], id: &str| page.iter().find(|a| a["id"] == id).unwrap()["guest"].clone();

    // The placer (any of their tokens) and admin see the name.
    for token in [&placer, &placer_again, &admin] {
        let list = app.get(&format!("/api/v1/nights/{night}/assignments"), token).await;
        let guest = guest_of(items(&list), &assignment_id);
        assert_eq!(guest["given_name"], "Hemligna", "{guest}");
        assert_eq!(guest["alias"], Value::Null);
    }
    // Everyone else sees an alias: no name, no id, the same code every time and everywhere.
    let mut aliases = Vec::new();
    for token in [&colleague, &anonymous_coordinator, &staff] {
        let list = app.get(&format!("/api/v1/nights/{night}/assignments"), token).await;
        let page = items(&list);
        assert!(!leaks(&list.body), "{}", list.body);
        let guest = guest_of(page, &assignment_id);
        let alias = guest["alias"].as_str().expect("an alias").to_owned();
        assert!(alias.starts_with("Skyddad gäst "), "{alias}");
        assert_eq!(guest["person_id"], Value::Null);
        assert!(page.iter().any(|a| a["guest"]["given_name"] == "Öppen"), "other guests keep their names");
        aliases.push(alias);
    }
    assert!(aliases.windows(2).all(|w| w[0] == w[1]), "{aliases:?}");
    // The guarantee request, read or listed by a colleague: no person id, the same alias.
    let read = app.get(&format!("/api/v1/guarantee-requests/{request_id}"), &colleague).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(!leaks(&read.body), "{}", read.body);
    assert_eq!(read.body["guest_alias"], aliases[0].as_str());
    let listed = app.get(&format!("/api/v1/guarantee-requests?night={night}"), &colleague).await;
    assert!(!leaks(&listed.body), "{}", listed.body);
    let by_placer = app.get(&format!("/api/v1/guarantee-requests/{request_id}"), &placer_again).await;
    assert_eq!(by_placer.body["person_id"], protected.as_str());
    // Shelter staff checking the guest in get the alias back.
    let checked_in = app.post(&format!("/api/v1/bed-assignments/{assignment_id}/check-in"), &staff, &json!({})).await;
    assert_eq!(checked_in.status, StatusCode::OK, "{}", checked_in.body);
    assert!(!leaks(&checked_in.body), "{}", checked_in.body);
    assert_eq!(checked_in.body["guest"]["alias"], aliases[0].as_str());

    // A direct placement by the colleague: now the colleague is the placer and the first coordinator is not.
    let other_night = next_month_night(3);
    let direct = app
        .post(
            &format!("/api/v1/nights/{other_night}/assignments"),
            &colleague,
            &json!({"shelter_id": natt, "person_id": protected}),
        )
        .await;
    assert_eq!(direct.status, StatusCode::CREATED, "{}", direct.body);
    assert_eq!(direct.body["guest"]["given_name"], "Hemligna");
    let seen_by_first = app.get(&format!("/api/v1/nights/{other_night}/assignments"), &placer).await;
    assert!(!leaks(&seen_by_first.body), "{}", seen_by_first.body);
    assert_eq!(items(&seen_by_first)[0]["guest"]["alias"], aliases[0].as_str());
    // Open breaches show the alias too.
    let breaches = app.get("/api/v1/guarantee-breaches?state=all", &colleague).await;
    assert!(!leaks(&breaches.body), "{}", breaches.body);
}

// ---- 24. Night lists and the bouncing report in pages, audited a page at a time ----

#[tokio::test]
async fn night_lists_and_bouncing_are_paginated() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    districts(&app, &admin).await;
    let a = shelter(&app, &admin, "Alfa", 10).await;
    let b = shelter(&app, &admin, "Beta", 10).await;
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let mut guests = Vec::new();
    for name in ["Ett", "Två", "Tre", "Fyra", "Fem"] {
        guests.push(person(&app, &officer, name, "Gäst", json!({})).await);
    }
    let night = next_month_night(8);
    for (i, guest) in guests.iter().enumerate() {
        let shelter = if i % 2 == 0 { &a } else { &b };
        let r = app
            .post(
                &format!("/api/v1/nights/{night}/assignments"),
                &coordinator,
                &json!({"shelter_id": shelter, "person_id": guest}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    // Assignments in pages of two: every one exactly once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/nights/{night}/assignments?limit=2&cursor={c}"),
            None => format!("/api/v1/nights/{night}/assignments?limit=2"),
        };
        let before = app.audit_events().await.len();
        let page = app.get(&path, &coordinator).await;
        let listed = items(&page).clone();
        assert!(listed.len() <= 2);
        assert_eq!(app.audit_events().await.len() - before, listed.len(), "one event per guest listed");
        seen.extend(ids(&listed));
        pages += 1;
        match page.body.get("next_cursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5);
    for bad in ["limit=0", "limit=201", "cursor=bm90LWEtY3Vyc29y"] {
        app.get(&format!("/api/v1/nights/{night}/assignments?{bad}"), &coordinator)
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    }
    // A cursor cannot carry a guest's name (shelter staff see initials only).
    let page = app.get(&format!("/api/v1/nights/{night}/assignments?limit=1"), &coordinator).await;
    let cursor = page.body["next_cursor"].as_str().unwrap();
    assert!(!String::from_utf8_lossy(&base64url_decode(cursor)).contains("Gäst"), "{cursor}");

    // Guarantee requests of a night in pages.
    for guest in &guests[..3] {
        ask(&app, &coordinator, guest, None).await;
    }
    let tonight = tonight(&app);
    let first = app.get(&format!("/api/v1/guarantee-requests?night={tonight}&limit=2"), &coordinator).await;
    assert_eq!(items(&first).len(), 2);
    let next = first.body["next_cursor"].as_str().unwrap();
    let rest =
        app.get(&format!("/api/v1/guarantee-requests?night={tonight}&limit=2&cursor={next}"), &coordinator).await;
    assert_eq!(items(&rest).len(), 1);
    assert!(rest.body.get("next_cursor").is_none());

    // Bouncing: guests 0 and 1 move every night, guest 2 stays; by most moves, in pages.
    for day in 1..=4 {
        let n = next_month_night(day);
        for (i, guest) in guests[..3].iter().enumerate() {
            let shelter = if i < 2 && day % 2 == 0 { &b } else { &a };
            let r = app
                .post(
                    &format!("/api/v1/nights/{n}/assignments"),
                    &coordinator,
                    &json!({"shelter_id": shelter, "person_id": guest}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
    }
    // Nights 1..4 and 8 (the list above): guest 0 Alfa, Beta, Alfa, Beta, Alfa = 4 moves; guest 1 Alfa, Beta,
    // Alfa, Beta, Beta = 3 moves; guest 2 always Alfa. Tonight's beds fall outside the ten nights asked for.
    let as_of = next_month_night(10);
    let report =
        app.get(&format!("/api/v1/reports/bouncing?as_of={as_of}&days=10&more_than=2&limit=1"), &coordinator).await;
    let first = items(&report);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["person_id"], guests[0].as_str(), "{}", report.body);
    assert_eq!(first[0]["moves"], 4);
    assert_eq!(first[0]["nights"], 5);
    let next = report.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/api/v1/reports/bouncing?as_of={as_of}&days=10&more_than=2&limit=1&cursor={next}"), &coordinator)
        .await;
    let rest = items(&second);
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0]["person_id"], guests[1].as_str());
    assert_eq!(rest[0]["moves"], 3);
    assert!(second.body.get("next_cursor").is_none());
    // Listed people are audited.
    let events = app.audit_events().await;
    assert!(
        events
            .iter()
            .any(|(_, kind, _, person)| kind == "bouncing" && person.map(|p| p.to_string()) == Some(guests[1].clone()))
    );
    for bad in ["days=0", "days=367"] {
        app.get(&format!("/api/v1/reports/bouncing?as_of={as_of}&{bad}"), &coordinator)
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    }
}

// ---- 25. Capacity follows the total until reported; reports are bounded; unknown home municipality ----

#[tokio::test]
async fn unreported_capacity_follows_the_current_total() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    districts(&app, &admin).await;
    let id = shelter(&app, &admin, "Växande", 2).await;
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let night = next_month_night(12);
    let mut guests = Vec::new();
    for i in 0..5 {
        guests.push(person(&app, &officer, &format!("G{i}"), "Gäst", json!({})).await);
    }
    let place = |guest: &String| {
        let body = json!({"shelter_id": id, "person_id": guest});
        let (app, coordinator, night) = (&app, &coordinator, &night);
        async move { app.post(&format!("/api/v1/nights/{night}/assignments"), coordinator, &body).await }
    };
    assert_eq!(place(&guests[0]).await.status, StatusCode::CREATED);
    // The shelter grows to four beds; nobody has reported that night, so it has four.
    let grown = shelter_body("Växande", 4);
    let updated = app.put(&format!("/api/v1/shelters/{id}"), &admin, &grown).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    let board = app.get(&format!("/api/v1/nights/{night}/availability"), &coordinator).await;
    assert_eq!(
        (board.body[0]["capacity"].as_i64(), board.body[0]["free"].as_i64()),
        (Some(4), Some(3)),
        "{}",
        board.body
    );
    let night_view = app.get(&format!("/api/v1/shelters/{id}/nights/{night}"), &coordinator).await;
    assert_eq!(night_view.body["beds_in_service"], 4);
    for guest in &guests[1..4] {
        let r = place(guest).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    place(&guests[4]).await.assert_problem(StatusCode::CONFLICT);
    // The occupancy report counts four beds that night too.
    let month = &night[..7];
    let occupancy = app.get(&format!("/api/v1/reports/shelter-occupancy?month={month}"), &coordinator).await;
    let days_in_month = night.parse::<jiff::civil::Date>().unwrap().days_in_month();
    assert_eq!(occupancy.body["shelters"][0]["capacity_bed_nights"], 4 * i64::from(days_in_month));
}

/// domain.md: a bed given is held for the guest; the capacity report may not fall below the beds given
/// out (V4). Lowering the shelter's total beds, or closing it, may not either for a night not yet over
/// (review, 2026-11-24): guests would be sent to beds that no longer exist. A night that is over does not
/// hold the shelter back.
#[tokio::test]
async fn a_shelter_cannot_shrink_below_or_close_over_the_beds_given_out() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    districts(&app, &admin).await;
    let id = shelter(&app, &admin, "Krympande", 3).await;
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let night = next_month_night(5);
    let mut beds = Vec::new();
    for i in 0..2 {
        let guest = person(&app, &officer, &format!("K{i}"), "Gäst", json!({})).await;
        let body = json!({"shelter_id": id, "person_id": guest});
        let placed = app.post(&format!("/api/v1/nights/{night}/assignments"), &coordinator, &body).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
        beds.push(placed.body["id"].as_str().unwrap().to_owned());
    }
    // A guest of a night three days ago, still marked checked in: that night is over.
    let old_guest = person(&app, &officer, "Gammal", "Gäst", json!({})).await;
    let client = app.owner_client().await;
    let (shelter_uuid, old_uuid): (uuid::Uuid, uuid::Uuid) = (id.parse().unwrap(), old_guest.parse().unwrap());
    client
        .batch_execute(&format!(
            "INSERT INTO shelter_nights (municipality_code, shelter_id, night, beds_in_service)
               VALUES ('0180', '{shelter_uuid}', current_date - 3, 3);
             INSERT INTO bed_assignments (municipality_code, shelter_id, night, person_id, hold_until, status, checked_in_at)
               VALUES ('0180', '{shelter_uuid}', current_date - 3, '{old_uuid}', now(), 'checked_in', now());"
        ))
        .await
        .unwrap();
    let put = |body: Value| {
        let (app, admin, id) = (&app, &admin, &id);
        async move { app.put(&format!("/api/v1/shelters/{id}"), admin, &body).await }
    };

    let shrunk = put(shelter_body("Krympande", 1)).await;
    shrunk.assert_problem(StatusCode::CONFLICT);
    assert!(shrunk.body["detail"].as_str().unwrap_or_default().contains(&night), "{}", shrunk.body);
    put(merged(shelter_body("Krympande", 3), json!({"status": "closed"}))).await.assert_problem(StatusCode::CONFLICT);
    let board = app.get(&format!("/api/v1/nights/{night}/availability"), &coordinator).await;
    assert_eq!((board.body[0]["capacity"].as_i64(), board.body[0]["taken"].as_i64()), (Some(3), Some(2)));
    // Down to the beds given is allowed; closing once the guests are moved or cancelled too.
    let fitted = put(shelter_body("Krympande", 2)).await;
    assert_eq!(fitted.status, StatusCode::OK, "{}", fitted.body);
    for bed in &beds {
        let cancelled = app.post(&format!("/api/v1/bed-assignments/{bed}/cancel"), &coordinator, &json!({})).await;
        assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    }
    let closed = put(merged(shelter_body("Krympande", 2), json!({"status": "closed"}))).await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
}

/// domain.md: "A bed can never be given to two people for the same night, under any concurrency." A
/// shrink of the shelter and a placement sent at the same moment: one of them may succeed, never both
/// (each alone would): the placement must not read the total from before the shrink it waited for, nor
/// the shrink count the beds from before the placement. Tried on 12 nights, tonight's row not yet made
/// on most of them (review, 2026-11-24).
#[tokio::test]
async fn a_shrink_and_a_placement_at_the_same_moment_never_both_succeed() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    districts(&app, &admin).await;
    let id = shelter(&app, &admin, "Trängd", 2).await;
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let mut both = Vec::new();
    for day in 1..=12_i8 {
        let night = next_month_night(day);
        let (first, second) = (
            person(&app, &officer, &format!("F{day}"), "Trängd", json!({})).await,
            person(&app, &officer, &format!("S{day}"), "Trängd", json!({})).await,
        );
        let restored = app.put(&format!("/api/v1/shelters/{id}"), &admin, &shelter_body("Trängd", 2)).await;
        assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
        let path = format!("/api/v1/nights/{night}/assignments");
        let placed = app.post(&path, &coordinator, &json!({"shelter_id": id, "person_id": first})).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
        let (shelter_path, smaller) = (format!("/api/v1/shelters/{id}"), shelter_body("Trängd", 1));
        let second_bed = json!({"shelter_id": id, "person_id": second});
        let (shrink, place) =
            tokio::join!(app.put(&shelter_path, &admin, &smaller), app.post(&path, &coordinator, &second_bed));
        for response in [&shrink, &place] {
            assert!(
                response.status.is_success() || response.status == StatusCode::CONFLICT,
                "{} {}",
                response.status,
                response.body
            );
        }
        if shrink.status.is_success() && place.status.is_success() {
            both.push(night.clone());
        }
        // Whatever happened, the night holds no more guests than the shelter has beds.
        let board = app.get(&format!("/api/v1/nights/{night}/availability"), &coordinator).await;
        let (capacity, taken) = (board.body[0]["capacity"].as_i64(), board.body[0]["taken"].as_i64());
        assert!(taken <= capacity, "night {night}: {taken:?} guests, {capacity:?} beds");
    }
    assert!(both.is_empty(), "both succeeded on {both:?}");
}

#[tokio::test]
async fn reported_beds_are_bounded_by_the_total() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    districts(&app, &admin).await;
    let id = shelter(&app, &admin, "Liten", 4).await;
    let staff = app.token_for(Role::ShelterStaff, "0180", &[], &[id.parse().unwrap()]).await;
    let night = next_month_night(2);
    let path = format!("/api/v1/shelters/{id}/nights/{night}");
    let too_many = app.put(&path, &staff, &json!({"beds_in_service": 5})).await;
    assert_eq!(too_many.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "beds_in_service");
    let too_many = app
        .put(&path, &staff, &json!({"beds_in_service": 3, "beds_out_of_service": 2, "out_of_service_reason": "Fukt"}))
        .await;
    assert_eq!(too_many.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "beds_out_of_service");
    let exact = app
        .put(&path, &staff, &json!({"beds_in_service": 3, "beds_out_of_service": 1, "out_of_service_reason": "Fukt"}))
        .await;
    assert_eq!(exact.status, StatusCode::OK, "{}", exact.body);
    // The database refuses it too, whoever writes.
    let client = app.pool.get().await.unwrap();
    let error = client
        .execute("UPDATE shelter_nights SET beds_in_service = 40", &[])
        .await
        .expect_err("the database bounds beds in service by the total");
    assert_eq!(error.code(), Some(&tokio_postgres::error::SqlState::CHECK_VIOLATION), "{error}");
}

#[tokio::test]
async fn unknown_home_municipality_needs_assessment_and_is_counted_apart() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    districts(&app, &admin).await;
    shelter(&app, &admin, "Natt", 10).await;
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let unknown = person(&app, &officer, "Okänd", "Hemort", json!({"home_municipality_code": null})).await;
    let visitor = person(&app, &officer, "Besök", "Göteborg", json!({"home_municipality_code": "1480"})).await;
    let r = ask(&app, &coordinator, &unknown, None).await;
    assert_eq!(r.body["outcome"], "home_municipality_unknown", "{}", r.body);
    let text = r.body["emergency_assessment"].as_str().unwrap();
    assert!(!text.contains("does not belong"), "{text}");
    assert!(text.contains("unknown") && text.contains("nödprövning"), "{text}");
    let v = ask(&app, &coordinator, &visitor, None).await;
    assert_eq!(v.body["outcome"], "not_eligible");
    let night = tonight(&app);
    let report = app.get(&format!("/api/v1/reports/guarantee?from={night}&to={night}"), &coordinator).await;
    let row = &report.body[0];
    assert_eq!(
        (row["requests"].as_i64(), row["not_eligible"].as_i64(), row["home_municipality_unknown"].as_i64()),
        (Some(2), Some(1), Some(1)),
        "{row}"
    );
}
