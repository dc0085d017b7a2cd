//! Independent review of issue 10's people fixes: identity numbers at their edges, masking, walk-ins,
//! gallring at its edges, arrangements. Expectations are written from ../shared/domain.md, not read
//! back from the code.

use hemvist_tests::fixtures::{number, register};
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use jiff::civil::Date;
use serde_json::{Value, json};

fn field(problem: &Value) -> &str {
    problem["errors"][0]["field"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn samordningsnummer_edges_centenarians_forms_and_refusals() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    // Today is after 2020-01-01, so "200060" would be 2020; '+' says 100 years or older: 1920.
    let plus = register(&app, &officer, "samordningsnummer", &number("200060+123")).await;
    assert_eq!(plus.status, StatusCode::CREATED, "{}", plus.body);
    assert_eq!(plus.body["birth_year"], 1920);
    assert_eq!(plus.body["birth_month"], Value::Null);
    assert_eq!(plus.body["birth_day"], Value::Null);
    assert_eq!(plus.body["birth_date"], Value::Null);
    assert_eq!(plus.body["identity_number"], number("19200060-123").as_str());
    // '3' (the serial's last digit) second-to-last: a man.
    assert_eq!(plus.body["sex"], "man");
    // The same number in its 12-digit form is the same person.
    register(&app, &officer, "samordningsnummer", &number("19200060-123")).await.assert_problem(StatusCode::CONFLICT);
    // Without '+', the same ten digits are someone born in 2020.
    let young = register(&app, &officer, "samordningsnummer", &number("200060-123")).await;
    assert_eq!(young.status, StatusCode::CREATED, "{}", young.body);
    assert_eq!(young.body["birth_year"], 2020);
    // A search in any form finds the one person the number means.
    for (form, who) in [(number("200060+123"), &plus), (number("200060-123"), &young), (number("19200060123"), &plus)] {
        let found = app.get(&format!("/api/v1/people?identity_number={}", form.replace('+', "%2B")), &officer).await;
        let ids: Vec<&Value> = found.body["items"].as_array().unwrap().iter().map(|p| &p["id"]).collect();
        assert_eq!(ids, vec![&who.body["id"]], "{form}");
    }

    // Day 89 = 29 + 60: in February only in a leap year; with the month unknown it is some other month's 29th.
    let leap = register(&app, &officer, "samordningsnummer", &number("19960289-131")).await;
    assert_eq!(leap.status, StatusCode::CREATED, "{}", leap.body);
    assert_eq!(leap.body["birth_date"], "1996-02-29");
    assert_eq!(leap.body["sex"], "man");
    let no_leap = register(&app, &officer, "samordningsnummer", &number("19970289-131")).await;
    assert_eq!(field(no_leap.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)), "identity_number");
    let month_unknown = register(&app, &officer, "samordningsnummer", &number("19970089-131")).await;
    assert_eq!(month_unknown.status, StatusCode::CREATED, "{}", month_unknown.body);
    assert_eq!(
        (month_unknown.body["birth_month"].clone(), month_unknown.body["birth_day"].clone()),
        (Value::Null, json!(29))
    );

    // A personnummer never has day 60 or month 00: refused as a personnummer.
    for prefix in ["19800160-123", "19800060-123", "19800065-123"] {
        let refused = register(&app, &officer, "personnummer", &number(prefix)).await;
        assert_eq!(field(refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)), "identity_number", "{prefix}");
    }
    // Unicode digits, a NUL, a non-breaking space separator: format errors, 422 not 500.
    for bad in [
        "\u{661}\u{669}\u{668}\u{660}\u{660}\u{660}\u{666}\u{660}-1234".to_owned(),
        format!("{}\u{0}", number("19800060-123")),
        number("19800060-123").replace('-', "\u{a0}"),
        "１９８００１６０-１２３４".to_owned(),
    ] {
        let refused = register(&app, &officer, "samordningsnummer", &bad).await;
        assert_eq!(field(refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)), "identity_number", "{bad:?}");
    }
    // A reserve number is free text, but not control characters.
    let nul_reserve = register(&app, &officer, "reserve_number", "R\u{0}123").await;
    assert_eq!(field(nul_reserve.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)), "identity_number");
}

#[tokio::test]
async fn searching_with_a_nul_byte_is_bad_input_not_a_server_error() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    for query in ["identity_number=%00", "identity_number=R%001", "name=a%00b", "caseworker=%00x"] {
        let response = app.get(&format!("/api/v1/people?{query}"), &officer).await;
        assert!(response.status.is_client_error(), "{query}: {} {}", response.status, response.body);
    }
}

#[tokio::test]
async fn numbers_are_masked_for_auditors_and_night_coordinators_everywhere() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let full = number("200060+123");
    let created = register(&app, &officer, "samordningsnummer", &full).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let full12 = number("19200060-123");
    let last4 = &full12[9..];
    for role in [Role::Auditor, Role::NightCoordinator] {
        let token = app.token(role).await;
        let read = app.get(&format!("/api/v1/people/{id}"), &token).await;
        assert_eq!(read.status, StatusCode::OK);
        assert_eq!(read.body["identity_number"], "19200060-****", "{role:?}");
        assert_eq!(read.body["identity_masked"], true);
        let listed = app.get("/api/v1/people?name=Ordning", &token).await;
        assert_eq!(listed.status, StatusCode::OK);
        assert!(!listed.body.to_string().contains(last4), "{role:?}: {}", listed.body);
        // Searching by number would confirm it: refused, and the number is not echoed back.
        let searched = app.get(&format!("/api/v1/people?identity_number={full12}"), &token).await;
        let problem = searched.assert_problem(StatusCode::FORBIDDEN);
        assert!(!problem.to_string().contains(last4), "{problem}");
    }
    // A night coordinator's walk-in answer holds nothing more than they gave.
    let coordinator = app.token(Role::NightCoordinator).await;
    let walk_in =
        app.post("/api/v1/walk-ins", &coordinator, &json!({"given_name": "Sam", "family_name": "Ordning"})).await;
    assert_eq!(walk_in.status, StatusCode::CREATED, "{}", walk_in.body);
    assert_eq!(walk_in.body["identity_number"], Value::Null);
    assert_ne!(walk_in.body["id"], created.body["id"], "a walk-in never lands on an existing person");
    // Nor can a walk-in carry an identity, an id or protection to take over or hide someone.
    for extra in [
        json!({"id": id}),
        json!({"identity_number": full}),
        json!({"protected_identity": true}),
        json!({"version": 1}),
    ] {
        let mut body = json!({"given_name": "A", "family_name": "B"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let refused = app.post("/api/v1/walk-ins", &coordinator, &body).await;
        assert!(refused.status.is_client_error() && refused.status != StatusCode::FORBIDDEN, "{body}");
    }
    let unchanged = app.get(&format!("/api/v1/people/{id}"), &officer).await;
    assert_eq!(unchanged.body["version"], created.body["version"]);
}

#[tokio::test]
async fn a_protected_person_read_and_written_back_keeps_address_and_protection() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let created = app
        .post(
            "/api/v1/people",
            &officer,
            &json!({"identity_kind": "personnummer", "identity_number": "19121212-1212", "given_name": "Tolvan",
                    "family_name": "Tolvansson", "protected_identity": true, "address": "Hemlig väg 1",
                    "phone": "070-000 00 00"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/people/{id}");
    let read = app.get(&path, &officer).await;
    let written = app.put(&path, &officer, &read.body).await;
    assert_eq!(written.status, StatusCode::OK, "{}", written.body);
    assert_eq!(written.body["address"], "Hemlig väg 1");
    assert_eq!(written.body["protected_identity"], true);
    // A body that leaves protected_identity out (a client's own model of the person, say) must not lift
    // the protection silently: the address would then reach every role that reads people.
    let mut without = written.body.clone();
    without.as_object_mut().unwrap().remove("protected_identity");
    without["phone"] = json!("070-111 11 11");
    let refused = app.put(&path, &officer, &without).await;
    assert_eq!(field(refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)), "protected_identity");
    // Lifting it on purpose is still possible.
    let scratch = app
        .post(
            "/api/v1/people",
            &officer,
            &json!({"identity_kind": "none", "given_name": "X",
        "family_name": "Y", "protected_identity": true}),
        )
        .await;
    let scratch_path = format!("/api/v1/people/{}", scratch.body["id"].as_str().unwrap());
    let lifted_ok = app
        .put(
            &scratch_path,
            &officer,
            &json!({"identity_kind": "none", "given_name": "X", "family_name": "Y",
            "protected_identity": false}),
        )
        .await;
    assert_eq!(lifted_ok.status, StatusCode::OK, "{}", lifted_ok.body);
    assert_eq!(lifted_ok.body["protected_identity"], false);
    // Roles that do not see the address still do not.
    let auditor = app.token(Role::Auditor).await;
    let seen = app.get(&path, &auditor).await;
    assert_eq!((seen.body["address"].clone(), seen.body["phone"].clone()), (Value::Null, Value::Null));
    assert_eq!(seen.body["contact_withheld"], true);
}

// ---- gallring ----

async fn none_person(app: &TestApp, token: &str, family: &str) -> String {
    let created = app
        .post(
            "/api/v1/people",
            token,
            &json!({"identity_kind": "none", "given_name": "G", "family_name": family, "sex": "man",
                    "birth_date": "1980-06-06"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body["id"].as_str().unwrap().to_owned()
}

async fn set_last_entry(app: &TestApp, person: &str, at: &str) {
    let owner = app.owner_client().await;
    let ts: jiff::Timestamp = at.parse().unwrap();
    owner
        .execute(
            "UPDATE people SET last_entry_at = $2::text::timestamptz WHERE id = $1",
            &[&person.parse::<uuid::Uuid>().unwrap(), &ts.to_string()],
        )
        .await
        .unwrap();
}

async fn listed(app: &TestApp, as_of: Date) -> Vec<(String, Date, Date)> {
    let owner = app.owner_client().await;
    hemvist_server::gallring::cases(&owner, as_of)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.person_id.to_string(), c.due_from, c.dispose_by))
        .collect()
}

#[tokio::test]
async fn gallring_reckons_the_last_entry_by_the_stockholm_calendar_at_the_year_boundary() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    // 23:30 on New Year's Eve in Stockholm (UTC+1) is still 2021; 00:30 on New Year's Day is 2022.
    let eve = none_person(&app, &officer, "Eve").await;
    set_last_entry(&app, &eve, "2021-12-31T22:30:00Z").await;
    let new_year = none_person(&app, &officer, "NewYear").await;
    set_last_entry(&app, &new_year, "2021-12-31T23:30:00Z").await;

    let on = |d: &str| d.parse::<Date>().unwrap();
    assert!(listed(&app, on("2026-12-30")).await.iter().all(|c| c.0 != eve && c.0 != new_year));
    let due = listed(&app, on("2026-12-31")).await;
    assert_eq!(due.iter().find(|c| c.0 == eve).map(|c| (c.1, c.2)), Some((on("2026-12-31"), on("2027-12-31"))));
    assert!(due.iter().all(|c| c.0 != new_year), "last entry on 2022-01-01 in Stockholm: {due:?}");
    let due = listed(&app, on("2027-01-01")).await;
    assert_eq!(due.iter().find(|c| c.0 == new_year).map(|c| (c.1, c.2)), Some((on("2027-01-01"), on("2028-12-31"))));
}

#[tokio::test]
async fn gallring_lists_a_leap_day_entry_on_the_day_it_is_due() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    // Five years from 29 February end on 28 February (no 29th that year): the file is due that day.
    let leap = none_person(&app, &officer, "Leap").await;
    set_last_entry(&app, &leap, "2020-02-29T11:00:00Z").await;
    let on = |d: &str| d.parse::<Date>().unwrap();
    assert!(listed(&app, on("2025-02-27")).await.is_empty());
    let due = listed(&app, on("2025-02-28")).await;
    assert_eq!(due.iter().find(|c| c.0 == leap).map(|c| (c.1, c.2)), Some((on("2025-02-28"), on("2026-12-31"))));
}

#[tokio::test]
async fn gallring_never_disposes_of_a_tenant_who_still_lives_in_the_apartment() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let tenant = none_person(&app, &officer, "Tenant").await;
    let decision = app
        .post(
            &format!("/api/v1/people/{tenant}/decisions"),
            &officer,
            &json!({"intervention": "training_apartment", "applied_on": "2019-01-02"}),
        )
        .await;
    let decision = decision.body["id"].as_str().unwrap().to_owned();
    let decided = app
        .post(
            &format!("/api/v1/decisions/{decision}/decide"),
            &officer,
            &json!({"decided_on": "2019-01-10", "outcome": "granted", "reasons": "r"}),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
    let admin = app.token(Role::Admin).await;
    let boundary = json!({"type": "Polygon", "coordinates": [[[18.0, 59.3], [18.1, 59.3], [18.1, 59.4], [18.0, 59.4], [18.0, 59.3]]]});
    let district = app
        .post(
            "/api/v1/districts",
            &admin,
            &json!({"code": "norrmalm", "name": "Norrmalm", "valid_from": "2018-01-01", "boundary": boundary}),
        )
        .await;
    assert_eq!(district.status, StatusCode::CREATED, "{}", district.body);
    let flat = app
        .post(
            "/api/v1/apartments",
            &officer,
            &json!({"address": "Kungsgatan 1", "lat": 59.335, "lon": 18.06, "rooms": 2.0, "area_sqm": 54.5,
                    "floor": 3, "has_lift": true, "wheelchair_accessible": false, "monthly_rent_sek": 6200,
                    "landlord": "Svenska Bostäder", "first_hand_start": "2018-01-01"}),
        )
        .await;
    assert_eq!(flat.status, StatusCode::CREATED, "{}", flat.body);
    let flat = flat.body["id"].as_str().unwrap().to_owned();
    let lease = app
        .post(
            "/api/v1/leases",
            &officer,
            &json!({"apartment_id": flat, "decision_id": decision, "kind": "training", "starts_on": "2019-02-01"}),
        )
        .await;
    assert_eq!(lease.status, StatusCode::CREATED, "{}", lease.body);
    let lease = lease.body["id"].as_str().unwrap().to_owned();
    let active =
        app.post(&format!("/api/v1/leases/{lease}/activate"), &officer, &json!({"moved_in_on": "2019-02-01"})).await;
    assert_eq!(active.status, StatusCode::OK, "{}", active.body);
    // A training lease is open-ended; nothing was written in the file since 2019.
    set_last_entry(&app, &tenant, "2019-02-01T10:00:00Z").await;
    let gone = none_person(&app, &officer, "Gone").await;
    set_last_entry(&app, &gone, "2019-02-01T10:00:00Z").await;

    let as_of = Date::constant(2026, 11, 23);
    let mut owner = app.owner_client().await;
    let disposed = hemvist_server::gallring::dispose(&mut owner, as_of).await.unwrap();
    let disposed: Vec<String> = disposed.iter().map(|c| c.person_id.to_string()).collect();
    assert_eq!(disposed, vec![gone], "the tenant lives in the apartment today");
    assert_eq!(app.get(&format!("/api/v1/people/{tenant}"), &officer).await.status, StatusCode::OK);
    assert_eq!(app.get(&format!("/api/v1/apartments/{flat}"), &officer).await.body["status"], "let");
}

// ---- arrangements ----

#[tokio::test]
async fn arrangements_end_once_after_their_start_and_a_home_supersedes_the_street_from_its_first_day() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let person = none_person(&app, &officer, "Street").await;
    let base = format!("/api/v1/people/{person}/housing-arrangements");
    let outdoors = app.post(&base, &officer, &json!({"kind": "outdoors", "valid_from": "2026-03-29"})).await;
    assert_eq!(outdoors.status, StatusCode::CREATED, "{}", outdoors.body);
    let outdoors = outdoors.body["id"].as_str().unwrap().to_owned();
    // Ending on or before the start, or in the future: 422; a record with its end before its start: 422.
    for ended_on in ["2026-03-28", "2026-03-29", "2099-01-01"] {
        let refused = app.post(&format!("{base}/{outdoors}/end"), &officer, &json!({"ended_on": ended_on})).await;
        assert_eq!(field(refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)), "ended_on", "{ended_on}");
    }
    let backwards = app
        .post(&base, &officer, &json!({"kind": "outdoors", "valid_from": "2026-03-29", "valid_to": "2026-03-28"}))
        .await;
    assert_eq!(field(backwards.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)), "valid_to");
    // The night the clocks go forward is a day like any other: ends the next day.
    let ended = app.post(&format!("{base}/{outdoors}/end"), &officer, &json!({"ended_on": "2026-03-30"})).await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    assert_eq!(ended.body["valid_to"], "2026-03-30");
    app.post(&format!("{base}/{outdoors}/end"), &officer, &json!({"ended_on": "2026-03-30"}))
        .await
        .assert_problem(StatusCode::CONFLICT);
    // Another person's arrangement is not found under this person.
    let other = none_person(&app, &officer, "Other").await;
    app.post(
        &format!("/api/v1/people/{other}/housing-arrangements/{outdoors}/end"),
        &officer,
        &json!({"ended_on": "2026-03-30"}),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND);

    // Outdoors and own home from the same day: the home supersedes the open acute fact on that day.
    let street = app.post(&base, &officer, &json!({"kind": "outdoors", "valid_from": "2026-10-25"})).await;
    assert_eq!(street.status, StatusCode::CREATED);
    let home = app.post(&base, &officer, &json!({"kind": "own_home", "valid_from": "2026-10-25"})).await;
    assert_eq!(home.status, StatusCode::CREATED);
    let situation = app.get(&format!("/api/v1/people/{person}/situation?date=2026-10-25"), &officer).await;
    assert_eq!(situation.status, StatusCode::OK, "{}", situation.body);
    assert_eq!(situation.body["national"], Value::Null, "{}", situation.body);
}

// ---- households ----

/// Rule (domain.md, issue 10 item 17): a partial birth date is shown as such and every rule that uses age
/// handles it. The household's ages make the child perspective visible: a child registered with only a
/// birth year (and month) still shows how old they are, as far as that is known.
#[tokio::test]
async fn a_household_shows_the_age_of_a_child_whose_birth_date_is_partial() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let parent = none_person(&app, &officer, "Parent").await;
    let mut children = Vec::new();
    // (birth_year, birth_month): the earliest and latest possible birth dates follow from the rule.
    for (year, month, earliest, latest) in
        [(2015, Some(3), "2015-03-01", "2015-03-31"), (2012, None, "2012-01-01", "2012-12-31")]
    {
        let child = app
            .post(
                "/api/v1/people",
                &officer,
                &json!({"identity_kind": "none", "given_name": "Barn", "family_name": format!("{year}"),
                        "sex": "woman", "birth_year": year, "birth_month": month}),
            )
            .await;
        assert_eq!(child.status, StatusCode::CREATED, "{}", child.body);
        children.push((child.body["id"].as_str().unwrap().to_owned(), year, month, earliest, latest));
    }
    let ids: Vec<&str> = children.iter().map(|c| c.0.as_str()).collect();
    let household = app.post("/api/v1/households", &officer, &json!({"adults": [parent], "child_people": ids})).await;
    assert_eq!(household.status, StatusCode::CREATED, "{}", household.body);
    let id = household.body["id"].as_str().unwrap().to_owned();
    let read = app.get(&format!("/api/v1/households/{id}"), &officer).await;
    let today = hemvist_platform::night::today();
    // Whole years on `today` for a birth date, written from the rule (one less before the birthday).
    let age = |birth: &str| {
        let b: Date = birth.parse().unwrap();
        i64::from(today.year() - b.year()) - i64::from((today.month(), today.day()) < (b.month(), b.day()))
    };
    for body in [&household.body, &read.body] {
        let shown = body["children"].as_array().unwrap();
        for (child, year, month, earliest, latest) in &children {
            let member = shown.iter().find(|m| m["person_id"] == child.as_str()).unwrap();
            assert_eq!(member["birth_date"], Value::Null, "{member}");
            assert_eq!(member["birth_year"], *year, "{member}");
            assert_eq!(member["birth_month"], json!(month), "{member}");
            let (youngest, oldest) = (age(latest), age(earliest));
            assert_eq!(
                (member["age_min"].as_i64(), member["age_max"].as_i64()),
                (Some(youngest), Some(oldest)),
                "{member}"
            );
            let exact = if youngest == oldest { json!(youngest) } else { Value::Null };
            assert_eq!(member["age"], exact, "{member}");
        }
    }
}
