//! Identity and the person record: samordningsnummer with partial birth dates (and every rule that uses
//! a birth date), read-modify-write of a person, walk-ins registered at night, caseworker re-assignment
//! audit, and the child perspective of decisions.

use hemvist_tests::fixtures::{JARVA_LON, create, guarantee_with_key, jarva, merged, number, register, shelter_body};
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn samordningsnummer_with_an_incomplete_birth_date_are_accepted_as_partial_dates() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    // (number without control digit, birth_date, year, month, day, sex)
    let accepted: [(&str, Value, i64, Value, Value, &str); 5] = [
        ("19900060-123", Value::Null, 1990, Value::Null, Value::Null, "man"), // month and day unknown
        ("19900560-235", Value::Null, 1990, json!(5), Value::Null, "man"),    // day unknown
        ("19880065-457", Value::Null, 1988, Value::Null, json!(5), "man"),    // month unknown, day known
        ("20000260-128", Value::Null, 2000, json!(2), Value::Null, "woman"),
        ("19900577-124", json!("1990-05-17"), 1990, json!(5), json!(17), "woman"), // complete, as before
    ];
    for (prefix, birth_date, year, month, day, sex) in accepted {
        let id_number = number(prefix);
        let created = register(&app, &officer, "samordningsnummer", &id_number).await;
        assert_eq!(created.status, StatusCode::CREATED, "{id_number}: {}", created.body);
        let read = app.get(&format!("/api/v1/people/{}", created.body["id"].as_str().unwrap()), &officer).await;
        for body in [&created.body, &read.body] {
            assert_eq!(body["identity_kind"], "samordningsnummer", "{id_number}");
            assert_eq!(body["identity_number"], id_number.as_str(), "shown as issued");
            assert_eq!(body["birth_date"], birth_date, "{id_number}: only a complete date is a birth_date");
            assert_eq!(body["birth_year"], year, "{id_number}");
            assert_eq!(body["birth_month"], month, "{id_number}");
            assert_eq!(body["birth_day"], day, "{id_number}");
            assert_eq!(body["sex"], sex, "{id_number}: second-to-last digit");
        }
    }
    // The Luhn digit is still checked over the ten digits.
    let partial = number("19900060-987");
    let mut wrong = partial.clone();
    let last = wrong.pop().unwrap().to_digit(10).unwrap();
    wrong.push(char::from_digit((last + 1) % 10, 10).unwrap());
    let refused = register(&app, &officer, "samordningsnummer", &wrong).await;
    assert_eq!(refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "identity_number");

    for (kind, prefix) in [
        ("samordningsnummer", "19901360-123"), // month 13
        ("samordningsnummer", "19900592-123"), // day 32 + 60
        ("samordningsnummer", "20230290-123"), // 30 February + 60 (2023 is no leap year)
        ("samordningsnummer", "19000289-123"), // 29 February 1900 + 60: 1900 was no leap year
        ("samordningsnummer", "19900059-123"), // day 59 is neither a day nor 60 + a day
        ("samordningsnummer", "19901300-123"),
        ("personnummer", "19900012-123"),      // a personnummer always has its month
        ("personnummer", "19900500-123"),      // and its day
        ("samordningsnummer", "20990060-123"), // born in a future year
    ] {
        let refused = register(&app, &officer, kind, &number(prefix)).await;
        let problem = refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "identity_number", "{prefix}");
    }
    // The year is known, so day 60 in a leap February is as valid as any other.
    let leap = register(&app, &officer, "samordningsnummer", &number("20000289-123")).await;
    assert_eq!(leap.status, StatusCode::CREATED, "{}", leap.body);
    assert_eq!(leap.body["birth_date"], "2000-02-29");
}

#[tokio::test]
async fn gallring_keeps_for_research_only_people_known_to_be_born_on_the_research_days() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let mut ids = Vec::new();
    // (number, kept): day 25 unknown month still known to be the 25th; day unknown is not known.
    for (prefix, kept) in
        [("19700085-123", true), ("19700560-124", false), ("19700060-125", false), ("19700575-126", true)]
    {
        let created = register(&app, &officer, "samordningsnummer", &number(prefix)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        ids.push((created.body["id"].as_str().unwrap().to_owned(), kept));
    }
    let owner = app.owner_client().await;
    owner.execute("UPDATE people SET last_entry_at = '2019-01-01T12:00:00Z'", &[]).await.unwrap();
    let cases = hemvist_server::gallring::cases(&owner, jiff::civil::Date::constant(2025, 6, 1)).await.unwrap();
    for (id, kept) in ids {
        let case = cases.iter().find(|c| c.person_id.to_string() == id).unwrap();
        assert_eq!(case.kept_for_research, kept, "{id}");
    }
}

async fn adult_only_shelter(app: &TestApp, token: &str) {
    jarva(app, token).await;
    let adults =
        json!({"address": "Gatan 1", "eligibility": {"accepts_women": true, "accepts_men": true, "min_age": 18}});
    create(app, token, "/api/v1/shelters", &merged(shelter_body("Vuxenhärbärget", JARVA_LON, 5), adults)).await;
}

async fn ask_for_bed(app: &TestApp, token: &str, person: &str, key: &str) -> Value {
    let response = guarantee_with_key(app, token, key, &json!({"person_id": person, "channel": "other"})).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.body
}

/// With only a birth year (or year and month) the age on a night is a range. Chosen rule: an age limit
/// turns a person away only when every possible age is outside it, as with a person whose age is not
/// known at all; refusing a likely adult a bed tonight because Skatteverket lacks a month would leave
/// them outside.
#[tokio::test]
async fn shelter_age_limits_with_a_partial_birth_date() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    adult_only_shelter(&app, &admin).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let night =
        hemvist_platform::night::Night::containing(jiff::Timestamp::now(), app.state.settings.night_cutover_hour)
            .date();
    let year = night.year();
    // Born in year - 18, month and day unknown: 17 or 18 tonight; may be an adult: placed.
    // Born in year - 17, unknown: 16 or 17: certainly a minor: not placed.
    // Born in year - 19, unknown: 18 or 19: an adult either way.
    for (birth_year, month, serial, placed) in
        [(year - 18, "00", "123", true), (year - 17, "00", "124", false), (year - 19, "00", "125", true)]
    {
        let prefix = format!("{birth_year:04}{month}60-{serial}");
        let created = register(&app, &admin, "samordningsnummer", &number(&prefix)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{prefix}: {}", created.body);
        let asked = ask_for_bed(&app, &coordinator, created.body["id"].as_str().unwrap(), &prefix).await;
        let expected = if placed { "placed" } else { "no_suitable_bed" };
        assert_eq!(asked["outcome"], expected, "{prefix}");
    }
}

fn full_person(number: &str) -> Value {
    json!({"identity_kind": "personnummer", "identity_number": number, "given_name": "Tolvan",
           "family_name": "Tolvansson", "home_municipality_code": "0180", "responsible_district_code": "jarva"})
}

#[tokio::test]
async fn register_names_the_field_that_disagrees_with_the_identity_number() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let mut wrong_date = full_person("19121212-1212");
    wrong_date["birth_date"] = json!("1990-01-01");
    let problem = app.post("/api/v1/people", &officer, &wrong_date).await;
    let problem = problem.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["birth_date"], "{problem}");

    let mut wrong_sex = full_person("19121212-1212");
    wrong_sex["sex"] = json!("woman");
    let problem = app.post("/api/v1/people", &officer, &wrong_sex).await;
    assert_eq!(problem.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "sex");

    let mut wrong_year = full_person("19121212-1212");
    wrong_year["birth_year"] = json!(1913);
    let problem = app.post("/api/v1/people", &officer, &wrong_year).await;
    assert_eq!(problem.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "birth_year");

    // The values the number gives are accepted when sent again.
    let mut same = full_person("19121212-1212");
    same["birth_date"] = json!("1912-12-12");
    same["sex"] = json!("man");
    same["birth_year"] = json!(1912);
    let created = app.post("/api/v1/people", &officer, &same).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
}

#[tokio::test]
async fn a_person_read_can_be_written_back_unchanged_and_then_edited() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let mut body = full_person("19121212-1212");
    body["caseworker"] = json!("anna.berg");
    let created = app.post("/api/v1/people", &officer, &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let child = app
        .post(
            "/api/v1/people",
            &officer,
            &json!({"identity_kind": "none", "given_name": "Elsa", "family_name": "Tolvansson", "birth_year": 2015,
                    "birth_month": 3, "sex": "woman"}),
        )
        .await;
    assert_eq!(child.status, StatusCode::CREATED, "{}", child.body);
    assert_eq!(child.body["birth_date"], Value::Null);
    assert_eq!((child.body["birth_year"].as_i64(), child.body["birth_month"].as_i64()), (Some(2015), Some(3)));
    let household =
        app.post("/api/v1/households", &officer, &json!({"adults": [id], "child_people": [child.body["id"]]})).await;
    assert_eq!(household.status, StatusCode::CREATED, "{}", household.body);

    for person in [id.clone(), child.body["id"].as_str().unwrap().to_owned()] {
        let path = format!("/api/v1/people/{person}");
        let read = app.get(&path, &officer).await;
        let etag = read.header("etag").unwrap().to_owned();
        let written = app
            .send(
                http::Request::put(&path)
                    .header("authorization", format!("Bearer {officer}"))
                    .header("content-type", "application/json")
                    .header("if-match", &etag)
                    .body(axum::body::Body::from(read.body.to_string()))
                    .unwrap(),
            )
            .await;
        assert_eq!(written.status, StatusCode::OK, "GET body PUT back: {}", written.body);
        let mut expected = read.body.clone();
        expected["version"] = json!(read.body["version"].as_i64().unwrap() + 1);
        assert_eq!(written.body, expected, "nothing changed but the version");

        // An edit of the read body: the phone changes, the rest stays.
        let mut edited = written.body.clone();
        edited["phone"] = json!("08-123 45 67");
        let changed = app.put(&path, &officer, &edited).await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
        assert_eq!(changed.body["phone"], "08-123 45 67");
        assert_eq!(changed.body["caseworker"], written.body["caseworker"]);

        // Read-only values that differ from the stored ones are named, not silently dropped.
        for (field, value) in [
            ("caseworker", json!("karim.said")),
            ("household_id", json!(uuid::Uuid::new_v4())),
            ("id", json!(uuid::Uuid::new_v4())),
        ] {
            let mut bad = changed.body.clone();
            bad[field] = value;
            let refused = app.put(&path, &officer, &bad).await;
            assert_eq!(refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], field);
        }
        // The version in the body is a precondition like If-Match.
        let mut stale = changed.body.clone();
        stale["version"] = json!(1);
        app.put(&path, &officer, &stale).await.assert_problem(StatusCode::PRECONDITION_FAILED);
    }
}

#[tokio::test]
async fn a_night_coordinator_registers_a_walk_in_and_places_them() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    adult_only_shelter(&app, &admin).await;
    let coordinator = app.token(Role::NightCoordinator).await;

    let walk_in = app
        .post(
            "/api/v1/walk-ins",
            &coordinator,
            &json!({"given_name": "Kalle", "family_name": "från Plattan", "home_municipality_code": "0180"}),
        )
        .await;
    assert_eq!(walk_in.status, StatusCode::CREATED, "{}", walk_in.body);
    assert_eq!(walk_in.body["identity_kind"], "none");
    assert_eq!(walk_in.body["sex"], "unknown");
    assert_eq!(walk_in.body["belongs_to_municipality"], true);
    let id = walk_in.body["id"].as_str().unwrap().to_owned();
    assert_eq!(walk_in.header("location"), Some(format!("/api/v1/people/{id}").as_str()));
    let audited = app.audit_events().await;
    assert!(
        audited.iter().any(|(action, kind, _, person)| action == "create"
            && kind == "person"
            && person.map(|p| p.to_string()) == Some(id.clone())),
        "{audited:?}"
    );

    let placed = ask_for_bed(&app, &coordinator, &id, "walk-in").await;
    assert_eq!(placed["outcome"], "placed", "{placed}");

    // Sex may be given; nothing beyond the minimal data.
    let woman = app
        .post(
            "/api/v1/walk-ins",
            &coordinator,
            &json!({"given_name": "Okänd", "family_name": "Kvinna", "sex": "woman"}),
        )
        .await;
    assert_eq!(woman.status, StatusCode::CREATED, "{}", woman.body);
    assert_eq!(woman.body["home_municipality_code"], Value::Null);
    for extra in [
        json!({"address": "Gatan 1"}),
        json!({"protected_identity": true}),
        json!({"identity_kind": "personnummer"}),
        json!({"caseworker": "anna.berg"}),
    ] {
        let mut body = json!({"given_name": "A", "family_name": "B"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let refused = app.post("/api/v1/walk-ins", &coordinator, &body).await;
        assert!(
            refused.status.is_client_error() && refused.status != StatusCode::FORBIDDEN,
            "{body}: {}",
            refused.body
        );
    }
    app.post("/api/v1/walk-ins", &coordinator, &json!({"given_name": " ", "family_name": "B"}))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    // Full registration and other people's records stay with the housing unit.
    app.post("/api/v1/people", &coordinator, &full_person("19121212-1212")).await.assert_problem(StatusCode::FORBIDDEN);
    let read = app.get(&format!("/api/v1/people/{id}"), &coordinator).await;
    app.put(&format!("/api/v1/people/{id}"), &coordinator, &read.body).await.assert_problem(StatusCode::FORBIDDEN);
    for role in [Role::ShelterStaff, Role::SupportWorker, Role::Auditor, Role::Integration] {
        let token = app.token(role).await;
        app.post("/api/v1/walk-ins", &token, &json!({"given_name": "A", "family_name": "B"}))
            .await
            .assert_problem(StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn assigning_the_current_caseworker_again_is_audited() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let created = app.post("/api/v1/people", &officer, &full_person("19121212-1212")).await;
    let id: uuid::Uuid = created.body["id"].as_str().unwrap().parse().unwrap();
    let path = format!("/api/v1/people/{id}/caseworkers");
    let first = app.put(&path, &officer, &json!({"caseworker": "anna.berg"})).await;
    assert_eq!(first.status, StatusCode::OK);
    let before = app.audit_events().await.iter().filter(|e| e.3 == Some(id)).count();
    let again = app.put(&path, &officer, &json!({"caseworker": "anna.berg"})).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body.as_array().unwrap().len(), 1, "nothing changed");
    let after: Vec<_> = app.audit_events().await.into_iter().filter(|e| e.3 == Some(id)).collect();
    assert_eq!(after.len(), before + 1, "the history returned is a read of the person's data: {after:?}");
    assert_eq!(after.last().map(|e| (e.0.as_str(), e.1.as_str())), Some(("read", "caseworker_history")));
}

#[tokio::test]
async fn deciding_for_a_household_with_children_needs_a_child_perspective() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let parent = app.post("/api/v1/people", &officer, &full_person("19900101-0017")).await.body["id"].clone();
    let alone = app.post("/api/v1/people", &officer, &full_person("19121212-1212")).await.body["id"].clone();
    let household = app
        .post("/api/v1/households", &officer, &json!({"adults": [parent], "children": [{"birth_date": "2019-04-02"}]}))
        .await;
    assert_eq!(household.status, StatusCode::CREATED, "{}", household.body);
    let apply = async |person: &Value, child_perspective: Option<&str>| {
        let applied = app
            .post(
                &format!("/api/v1/people/{}/decisions", person.as_str().unwrap()),
                &officer,
                &json!({"intervention": "housing_first", "applied_on": "2026-01-05",
                        "child_perspective": child_perspective}),
            )
            .await;
        assert_eq!(applied.status, StatusCode::CREATED, "{}", applied.body);
        format!("/api/v1/decisions/{}/decide", applied.body["id"].as_str().unwrap())
    };
    let grant = json!({"decided_on": "2026-02-01", "outcome": "granted", "reasons": "Needs a home"});
    let deny =
        json!({"decided_on": "2026-02-01", "outcome": "denied", "reasons": "No", "appeal_information": "Överklaga"});

    for decision in [grant.clone(), deny.clone()] {
        let url = apply(&parent, None).await;
        let refused = app.post(&url, &officer, &decision).await;
        assert_eq!(refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "child_perspective");
        let mut with = decision.clone();
        with["child_perspective"] = json!("The children keep their school; the flat is near it.");
        let decided = app.post(&url, &officer, &with).await;
        assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
        assert_eq!(decided.body["child_perspective"], "The children keep their school; the flat is near it.");
    }
    // Recorded with the application is enough.
    let url = apply(&parent, Some("Considered at application")).await;
    assert_eq!(app.post(&url, &officer, &grant).await.status, StatusCode::OK);
    // Without children in the household nothing is required.
    let url = apply(&alone, None).await;
    assert_eq!(app.post(&url, &officer, &grant).await.status, StatusCode::OK);
    // Blank is not a perspective.
    let url = apply(&parent, None).await;
    let mut blank = grant.clone();
    blank["child_perspective"] = json!("   ");
    app.post(&url, &officer, &blank).await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}

/// Statistics: the IVO report gives sex (from the number's second-to-last digit) and birth year, both
/// known from a samordningsnummer with month 00 and day 60.
#[tokio::test]
async fn the_ivo_report_has_sex_and_birth_year_of_a_partial_birth_date() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let created = register(&app, &officer, "samordningsnummer", &number("19850060-242")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let person = created.body["id"].as_str().unwrap();
    let applied = app
        .post(
            &format!("/api/v1/people/{person}/decisions"),
            &officer,
            &json!({"intervention": "housing_first", "applied_on": "2026-01-05"}),
        )
        .await;
    let decision = applied.body["id"].as_str().unwrap();
    let decided = app
        .post(
            &format!("/api/v1/decisions/{decision}/decide"),
            &officer,
            &json!({"decided_on": "2026-01-10", "outcome": "granted", "reasons": "Needs a home"}),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
    let report = app.get("/api/v1/reports/non-executed-decisions?quarter=2026-Q2", &officer).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let case = &report.body["cases"][0];
    assert_eq!((case["sex"].as_str(), case["birth_year"].as_i64()), (Some("woman"), Some(1985)), "{}", report.body);
}
