//! Review of the guarantee follow-up (issue 10: 16, 20, 22, 24, 25): attempts to derive where a protected
//! guest sleeps, capacity beyond the shelter's beds, and breach resolutions that break the rules.

use hemvist_tests::fixtures::{self, IN_JARVA, create, jarva, merged, tonight, walk_in_body};
use hemvist_tests::{TestApp, TestResponse, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};

fn shelter_body(name: &str, beds: u32) -> Value {
    fixtures::shelter_body(name, IN_JARVA.1, beds)
}

async fn shelter(app: &TestApp, token: &str, body: &Value) -> String {
    create(app, token, "/api/v1/shelters", body).await
}

async fn person(app: &TestApp, token: &str, given: &str, family: &str, extra: Value) -> String {
    create(app, token, "/api/v1/people", &merged(walk_in_body(given, family), extra)).await
}

fn next_month_night(day: i8) -> String {
    fixtures::next_month_night(day).to_string()
}

async fn ask(app: &TestApp, token: &str, body: Value) -> TestResponse {
    let response = app.post("/api/v1/guarantee-requests", token, &body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response
}

/// Rule (domain.md, issue 10 item 22): where a protected guest sleeps is shown with who they are only to
/// the coordinator who placed them (and roles that may see protected addresses). Another coordinator
/// who knows the person's id (people are searchable) must not learn the shelter by recording a request.
#[tokio::test]
async fn another_coordinator_cannot_learn_a_protected_guests_shelter_by_asking_for_a_bed() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let natt = shelter(&app, &admin, &shelter_body("Hemlig", 10)).await;
    let officer = app.token(Role::HousingOfficer).await;
    let protected =
        person(&app, &officer, "Hemligna", "Skyddsson", json!({"protected_identity": true, "address": "Gömd väg 1"}))
            .await;
    let placer = app.staff_token(Role::NightCoordinator, "kim.natt").await;
    let colleague = app.staff_token(Role::NightCoordinator, "lo.natt").await;
    let placed = ask(&app, &placer, json!({"person_id": protected, "channel": "homelessness_reception"})).await;
    assert_eq!(placed.body["outcome"], "placed");
    let assignment_id = placed.body["bed"]["assignment_id"].as_str().unwrap().to_owned();

    // The colleague records a request for the same person: the person has a bed, but not one the colleague gave.
    let probe = ask(&app, &colleague, json!({"person_id": protected, "channel": "other"})).await;
    assert_eq!(probe.body["outcome"], "placed", "{}", probe.body);
    let reveals_bed = |body: &Value| {
        let text = body.to_string();
        text.contains(&natt) || text.contains("Hemliggatan") || text.contains(&assignment_id)
    };
    assert!(!reveals_bed(&probe.body), "the shelter of a protected guest leaks with their id: {}", probe.body);
    let probe_id = probe.body["id"].as_str().unwrap();
    let read = app.get(&format!("/api/v1/guarantee-requests/{probe_id}"), &colleague).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(!(read.body["person_id"] == protected.as_str() && reveals_bed(&read.body)), "{}", read.body);
    let night = tonight(&app);
    let listed = app.get(&format!("/api/v1/guarantee-requests?night={night}"), &colleague).await;
    assert_eq!(listed.status, StatusCode::OK);
    for item in listed.body["items"].as_array().unwrap() {
        assert!(!(item["person_id"] == protected.as_str() && reveals_bed(item)), "{item}");
    }
    // The placer still sees where they placed the person.
    let by_placer = app.get(&format!("/api/v1/guarantee-requests/{probe_id}"), &placer).await;
    assert_eq!(by_placer.body["bed"]["shelter_id"], natt.as_str(), "{}", by_placer.body);

    // A breach the colleague recorded for another protected person, resolved by the placer into a
    // shelter: the colleague, who knows who asked, does not learn that shelter either.
    let full =
        app.put(&format!("/api/v1/shelters/{natt}/nights/{night}"), &admin, &json!({"beds_in_service": 1})).await;
    assert_eq!(full.status, StatusCode::OK, "{}", full.body);
    let second =
        person(&app, &officer, "Gömda", "Skyddsdotter", json!({"protected_identity": true, "address": "Gömd väg 2"}))
            .await;
    let breach = ask(&app, &colleague, json!({"person_id": second, "channel": "other"})).await;
    assert_eq!(breach.body["outcome"], "no_suitable_bed", "{}", breach.body);
    let breach_id = breach.body["id"].as_str().unwrap();
    let later = shelter(&app, &admin, &shelter_body("Senare", 5)).await;
    let resolved = app
        .post(
            &format!("/api/v1/guarantee-breaches/{breach_id}/resolution"),
            &placer,
            &json!({"kind": "placed_later", "shelter_id": later}),
        )
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.body);
    assert_eq!(resolved.body["resolution"]["shelter_id"], later.as_str(), "the resolver sees it");
    for path in [format!("/api/v1/guarantee-requests/{breach_id}"), "/api/v1/guarantee-breaches?state=all".to_owned()] {
        let seen = app.get(&path, &colleague).await;
        assert_eq!(seen.status, StatusCode::OK);
        assert!(seen.body.to_string().contains(&second), "the colleague sees whom they handled: {}", seen.body);
        assert!(!seen.body.to_string().contains(&later), "{}", seen.body);
    }
}

/// Rule (issue 10 item 25): the beds in service a night has never exceed the shelter's total, also when
/// the total is lowered after staff reported the night.
#[tokio::test]
async fn a_lowered_total_bounds_an_already_reported_night() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let id = shelter(&app, &admin, &shelter_body("Krympande", 3)).await;
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let night = next_month_night(5);
    let reported =
        app.put(&format!("/api/v1/shelters/{id}/nights/{night}"), &admin, &json!({"beds_in_service": 3})).await;
    assert_eq!(reported.status, StatusCode::OK, "{}", reported.body);
    // The shelter loses two beds for good.
    let shrunk = app.put(&format!("/api/v1/shelters/{id}"), &admin, &shelter_body("Krympande", 1)).await;
    assert_eq!(shrunk.status, StatusCode::OK, "{}", shrunk.body);
    let board = app.get(&format!("/api/v1/nights/{night}/availability"), &coordinator).await;
    assert_eq!(board.body[0]["capacity"], 1, "{}", board.body);
    let first = person(&app, &officer, "Ett", "Gäst", json!({})).await;
    let second = person(&app, &officer, "Två", "Gäst", json!({})).await;
    let path = format!("/api/v1/nights/{night}/assignments");
    let r = app.post(&path, &coordinator, &json!({"shelter_id": id, "person_id": first})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    app.post(&path, &coordinator, &json!({"shelter_id": id, "person_id": second}))
        .await
        .assert_problem(StatusCode::CONFLICT);
    let month = &night[..7];
    let occupancy = app.get(&format!("/api/v1/reports/shelter-occupancy?month={month}"), &coordinator).await;
    let days = night.parse::<jiff::civil::Date>().unwrap().days_in_month();
    assert_eq!(occupancy.body["shelters"][0]["capacity_bed_nights"], i64::from(days), "{}", occupancy.body);
}

/// Rule (domain.md): a placement outside the municipality needs the person's consent and is flagged, on
/// every path; a breach resolved as "placed later" in another municipality's shelter is such a placement.
#[tokio::test]
async fn a_breach_is_not_resolved_into_another_municipality_without_consent() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let mut outside = shelter_body("Grannkommunen", 5);
    outside["outside_municipality"] = json!(true);
    outside["lat"] = json!(59.60);
    outside["lon"] = json!(17.50);
    let outside = shelter(&app, &admin, &outside).await;
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let p = person(&app, &officer, "Ingen", "Säng", json!({})).await;
    // No bed inside the municipality, no consent to one outside: a breach.
    let breach = ask(&app, &coordinator, json!({"person_id": p, "channel": "other"})).await;
    assert_eq!(breach.body["outcome"], "no_suitable_bed", "{}", breach.body);
    let id = breach.body["id"].as_str().unwrap();
    let resolved = app
        .post(
            &format!("/api/v1/guarantee-breaches/{id}/resolution"),
            &coordinator,
            &json!({"kind": "placed_later", "shelter_id": outside}),
        )
        .await;
    assert_eq!(resolved.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "shelter_id");
}

/// Bad input is 4xx, never 5xx: cursors with keys PostgreSQL cannot hold, NUL in notes.
#[tokio::test]
async fn odd_cursors_and_notes_are_refused_not_crashed() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let night = next_month_night(1);
    let encode = |json: &str| {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in json.as_bytes().chunks(3) {
            let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    };
    let uuid = "00000000-0000-0000-0000-000000000000";
    let old = encode(&format!("[\"-009999-01-01T00:00:00Z\",\"{uuid}\"]"));
    let old_assignment = encode(&format!("[\"{uuid}\",\"-009999-01-01T00:00:00Z\",\"{uuid}\"]"));
    let huge_moves = encode(&format!("[9223372036854775807,\"{uuid}\"]"));
    for path in [
        format!("/api/v1/guarantee-requests?night={night}&cursor={old}"),
        format!("/api/v1/guarantee-breaches?cursor={old}"),
        format!("/api/v1/nights/{night}/assignments?cursor={old_assignment}"),
        format!("/api/v1/reports/bouncing?cursor={huge_moves}"),
        "/api/v1/guarantee-breaches?state=nonsense".to_owned(),
        "/api/v1/nights/-009999-01-01/assignments".to_owned(),
    ] {
        for token in [&admin, &coordinator] {
            let r = app.get(&path, token).await;
            assert!(r.status.is_success() || r.status.is_client_error(), "{path}: {} {}", r.status, r.body);
        }
    }
    let id = uuid::Uuid::new_v4();
    let r = app
        .post(
            &format!("/api/v1/guarantee-breaches/{id}/resolution"),
            &coordinator,
            &json!({"kind": "other", "note": "a\u{0}b"}),
        )
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}
