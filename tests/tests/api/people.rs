//! People: identity validation, duplicates, masking per role, protected identity, search, caseworkers,
//! households, district scope and audit.

use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};

fn person(kind: &str, number: Option<&str>, given: &str, family: &str) -> Value {
    json!({"identity_kind": kind, "identity_number": number, "given_name": given, "family_name": family,
           "home_municipality_code": "0180", "responsible_district_code": "jarva",
           "address": "Rinkebysvängen 1", "phone": "070-000 00 00"})
}

async fn create(app: &TestApp, token: &str, body: &Value) -> Value {
    let created = app.post("/api/v1/people", token, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body
}

#[tokio::test]
async fn registers_with_validated_identity_and_refuses_duplicates() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let tolvan = create(&app, &officer, &person("personnummer", Some("191212121212"), "Tolvan", "Tolvansson")).await;
    assert_eq!(tolvan["identity_number"], "19121212-1212");
    assert_eq!(tolvan["birth_date"], "1912-12-12");
    assert_eq!(tolvan["sex"], "man", "second-to-last digit 1 is odd");
    assert_eq!(tolvan["belongs_to_municipality"], true);

    // The same number in its 10-digit form with '+' (100 years or older) is a duplicate.
    let again = app.post("/api/v1/people", &officer, &person("personnummer", Some("121212+1212"), "T", "T")).await;
    again.assert_problem(StatusCode::CONFLICT);

    let coordination =
        create(&app, &officer, &person("samordningsnummer", Some("19701063-2391"), "Sam", "Ordning")).await;
    assert_eq!(coordination["birth_date"], "1970-10-03");

    for (kind, number) in [
        ("personnummer", "19121212-1213"),
        ("personnummer", "19701063-2391"),
        ("samordningsnummer", "19121212-1212"),
        ("personnummer", "20230229-0000"),
        ("personnummer", "abc"),
    ] {
        let refused = app.post("/api/v1/people", &officer, &person(kind, Some(number), "X", "Y")).await;
        let problem = refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "identity_number", "{number}");
    }
    let unknown = create(
        &app,
        &officer,
        &json!({"identity_kind": "none", "given_name": "Okänd", "family_name": "Gäst", "sex": "woman"}),
    )
    .await;
    assert_eq!(unknown["identity_number"], Value::Null);
    assert_eq!(unknown["sex"], "woman");
    assert_eq!(unknown["belongs_to_municipality"], false);
    let nul = app.post("/api/v1/people", &officer, &person("none", None, "A\u{0}", "B")).await;
    nul.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}

/// A token for `role`; a support worker's speaks for a member of staff assigned to `person`.
async fn token_seeing(app: &TestApp, role: Role, person: &str) -> String {
    if role != Role::SupportWorker {
        return app.token(role).await;
    }
    let admin = app.token(Role::Admin).await;
    let assigned = app
        .post(
            &format!("/api/v1/people/{person}/support-workers"),
            &admin,
            &json!({"staff_id": "sw.1", "assigned_on": "2025-01-01"}),
        )
        .await;
    assert!(assigned.status == StatusCode::CREATED || assigned.status == StatusCode::CONFLICT, "{}", assigned.body);
    app.staff_token(role, "sw.1").await
}

#[tokio::test]
async fn identity_numbers_are_masked_for_roles_that_do_not_need_them() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let created = create(&app, &admin, &person("personnummer", Some("19900101-0017"), "Anna", "Berg")).await;
    let path = format!("/api/v1/people/{}", created["id"].as_str().unwrap());
    for (role, expected, masked) in [
        (Role::Admin, "19900101-0017", false),
        (Role::HousingOfficer, "19900101-0017", false),
        (Role::SupportWorker, "19900101-0017", false),
        (Role::NightCoordinator, "19900101-****", true),
        (Role::Auditor, "19900101-****", true),
    ] {
        let token = token_seeing(&app, role, created["id"].as_str().unwrap()).await;
        let read = app.get(&path, &token).await;
        assert_eq!(read.status, StatusCode::OK);
        assert_eq!(read.body["identity_number"], expected, "{role}");
        assert_eq!(read.body["identity_masked"], masked, "{role}");
        let listed = app.get("/api/v1/people?name=anna", &token).await;
        assert_eq!(listed.body["items"][0]["identity_number"], expected, "{role} in lists");
    }
    for role in [Role::ShelterStaff, Role::Integration] {
        let token = app.token(role).await;
        app.get(&path, &token).await.assert_problem(StatusCode::FORBIDDEN);
        app.get("/api/v1/people", &token).await.assert_problem(StatusCode::FORBIDDEN);
    }
    let officer = app.token(Role::SupportWorker).await;
    app.post("/api/v1/people", &officer, &person("none", None, "A", "B")).await.assert_problem(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn protected_identity_withholds_address_from_roles_not_allowed() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let mut body = person("personnummer", Some("19121212-1212"), "Skyddad", "Person");
    body["protected_identity"] = json!(true);
    let created = create(&app, &officer, &body).await;
    assert_eq!(created["address"], "Rinkebysvängen 1", "the housing officer may see it");
    let path = format!("/api/v1/people/{}", created["id"].as_str().unwrap());
    for role in [Role::SupportWorker, Role::NightCoordinator, Role::Auditor] {
        let token = token_seeing(&app, role, created["id"].as_str().unwrap()).await;
        let read = app.get(&path, &token).await;
        assert_eq!(read.status, StatusCode::OK, "{role}");
        assert_eq!(read.body["address"], Value::Null, "{role}");
        assert_eq!(read.body["phone"], Value::Null, "{role}");
        assert_eq!(read.body["contact_withheld"], true, "{role}");
        let listed = app.get("/api/v1/people", &token).await;
        assert_eq!(listed.body["items"][0]["address"], Value::Null, "{role} in lists");
    }
    let admin = app.token(Role::Admin).await;
    assert_eq!(app.get(&path, &admin).await.body["address"], "Rinkebysvängen 1");
}

#[tokio::test]
async fn search_by_name_number_and_caseworker_paginated() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let mut with_caseworker = person("personnummer", Some("19121212-1212"), "Tolvan", "Tolvansson");
    with_caseworker["caseworker"] = json!("anna.berg");
    create(&app, &officer, &with_caseworker).await;
    for (given, family) in [("Ali", "Ahmed"), ("Bo", "Ek"), ("Cecilia", "Ek"), ("Dan", "Öberg")] {
        create(&app, &officer, &person("none", None, given, family)).await;
    }
    let by_number = app.get("/api/v1/people?identity_number=121212%2B1212", &officer).await;
    assert_eq!(by_number.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_number.body["items"][0]["given_name"], "Tolvan");
    let by_name = app.get("/api/v1/people?name=EK", &officer).await;
    let names: Vec<&str> =
        by_name.body["items"].as_array().unwrap().iter().map(|p| p["given_name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Bo", "Cecilia"]);
    let wildcard = app.get("/api/v1/people?name=%25", &officer).await;
    assert_eq!(wildcard.body["items"].as_array().unwrap().len(), 0, "% is matched literally");
    let by_caseworker = app.get("/api/v1/people?caseworker=anna.berg", &officer).await;
    assert_eq!(by_caseworker.body["items"][0]["caseworker"], "anna.berg");
    assert_eq!(by_caseworker.body["items"].as_array().unwrap().len(), 1);

    let first = app.get("/api/v1/people?limit=3", &officer).await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 3);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app.get(&format!("/api/v1/people?limit=3&cursor={cursor}"), &officer).await;
    let families: Vec<&str> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second.body["items"].as_array().unwrap())
        .map(|p| p["family_name"].as_str().unwrap())
        .collect();
    assert_eq!(families, vec!["Ahmed", "Ek", "Ek", "Tolvansson", "Öberg"]);
    assert!(second.body.get("next_cursor").is_none());
}

#[tokio::test]
async fn caseworker_history_is_kept() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let created = create(&app, &officer, &person("none", None, "Bo", "Ek")).await;
    let path = format!("/api/v1/people/{}/caseworkers", created["id"].as_str().unwrap());
    for caseworker in ["anna.berg", "anna.berg", "karim.said"] {
        let changed = app.put(&path, &officer, &json!({"caseworker": caseworker})).await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    }
    let history = app.get(&path, &officer).await.body;
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 2, "assigning the current caseworker again changes nothing");
    assert_eq!(history[0]["caseworker"], "anna.berg");
    assert!(history[0]["ended_at"].is_string());
    assert_eq!(history[1]["caseworker"], "karim.said");
    assert_eq!(history[1]["ended_at"], Value::Null);
    let person = app.get(&format!("/api/v1/people/{}", created["id"].as_str().unwrap()), &officer).await;
    assert_eq!(person.body["caseworker"], "karim.said");
}

#[tokio::test]
async fn households_show_children_and_ages() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let parent = create(&app, &officer, &person("personnummer", Some("19900101-0017"), "Anna", "Berg")).await;
    let child = create(&app, &officer, &json!({"identity_kind": "none", "given_name": "Elsa", "family_name": "Berg", "birth_date": "2015-03-01", "sex": "woman"})).await;
    let household = app
        .post(
            "/api/v1/households",
            &officer,
            &json!({"adults": [parent["id"]], "child_people": [child["id"]], "children": [{"given_name": "Liten", "birth_date": "2024-01-15"}]}),
        )
        .await;
    assert_eq!(household.status, StatusCode::CREATED, "{}", household.body);
    assert_eq!(household.body["adults"].as_array().unwrap().len(), 1);
    let children = household.body["children"].as_array().unwrap();
    assert_eq!(children.len(), 2);
    let today = hemvist_platform::night::today();
    let expected_age =
        |y: i16, m: i8, d: i8| hemvist_tenants::model::age_on(jiff::civil::Date::constant(y, m, d), today);
    assert_eq!(children[0]["given_name"], "Elsa");
    assert_eq!(children[0]["age"], expected_age(2015, 3, 1));
    assert_eq!(children[1]["age"], expected_age(2024, 1, 15));
    let again = app.post("/api/v1/households", &officer, &json!({"adults": [parent["id"]]})).await;
    again.assert_problem(StatusCode::CONFLICT);
    let id = household.body["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/households/{id}"), &officer).await.body["children"].as_array().unwrap().len(),
        2
    );
    let person = app.get(&format!("/api/v1/people/{}", parent["id"].as_str().unwrap()), &officer).await;
    assert_eq!(person.body["household_id"], id);
    assert_eq!(person.body["household_role"], "adult");
}

#[tokio::test]
async fn district_scoped_tokens_see_only_their_district() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let jarva = create(&app, &officer, &person("none", None, "In", "Jarva")).await;
    let mut other = person("none", None, "In", "Farsta");
    other["responsible_district_code"] = json!("farsta");
    let farsta = create(&app, &officer, &other).await;
    let scoped = app.token_for(Role::HousingOfficer, "0180", &["jarva"], &[]).await;
    assert_eq!(
        app.get(&format!("/api/v1/people/{}", jarva["id"].as_str().unwrap()), &scoped).await.status,
        StatusCode::OK
    );
    app.get(&format!("/api/v1/people/{}", farsta["id"].as_str().unwrap()), &scoped)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/people", &scoped).await.body["items"].as_array().unwrap().len(), 1);
    app.post("/api/v1/people", &scoped, &other).await.assert_problem(StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/v1/people", &officer).await.body["items"].as_array().unwrap().len(),
        2,
        "the refused create left nothing"
    );
    let gothenburg = {
        app.add_municipality("1480", "Göteborg").await;
        app.token_for(Role::Admin, "1480", &[], &[]).await
    };
    app.get(&format!("/api/v1/people/{}", jarva["id"].as_str().unwrap()), &gothenburg)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn updates_need_the_current_version_and_every_access_is_audited() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let created = create(&app, &officer, &person("none", None, "Bo", "Ek")).await;
    let id: uuid::Uuid = created["id"].as_str().unwrap().parse().unwrap();
    let path = format!("/api/v1/people/{id}");
    let mut changed = person("none", None, "Bo", "Eklund");
    changed["sex"] = json!("man");
    let request = |etag: &str| {
        http::Request::put(&path)
            .header("authorization", format!("Bearer {officer}"))
            .header("content-type", "application/json")
            .header("if-match", etag)
            .body(axum::body::Body::from(changed.to_string()))
            .unwrap()
    };
    assert_eq!(app.send(request("\"1\"")).await.status, StatusCode::OK);
    app.send(request("\"1\"")).await.assert_problem(StatusCode::PRECONDITION_FAILED);
    app.get(&path, &officer).await;
    app.get("/api/v1/people?name=bo", &officer).await;
    let events: Vec<(String, String)> =
        app.audit_events().await.into_iter().filter(|e| e.3 == Some(id)).map(|e| (e.0, e.1)).collect();
    let expected: Vec<(String, String)> =
        [("create", "person"), ("update", "person"), ("read", "person"), ("list", "person")]
            .iter()
            .map(|(a, r)| ((*a).to_owned(), (*r).to_owned()))
            .collect();
    assert_eq!(events, expected);
}

#[tokio::test]
async fn misspelled_fields_are_refused_not_ignored() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let mut body = person("none", None, "Skyddad", "Person");
    body["protected_identiy"] = json!(true);
    let refused = app.post("/api/v1/people", &officer, &body).await;
    refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get("/api/v1/people", &officer).await.body["items"], json!([]));
}

#[tokio::test]
async fn only_roles_that_see_full_numbers_may_search_by_number() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    create(&app, &officer, &person("personnummer", Some("19121212-1212"), "Tolvan", "Tolvansson")).await;
    for role in [Role::NightCoordinator, Role::Auditor] {
        let token = app.token(role).await;
        app.get("/api/v1/people?identity_number=191212121212", &token).await.assert_problem(StatusCode::FORBIDDEN);
    }
    let found = app.get("/api/v1/people?identity_number=191212121212", &officer).await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1);
    let searches = app.audit_events().await.into_iter().filter(|e| e.1 == "person_search").count();
    assert_eq!(searches, 1, "the search itself is audited");
}
