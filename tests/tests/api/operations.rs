//! Operations: gallring counts every entry (shelter nights too), tokens that expired or were revoked
//! are refused, and only the gallring command may dispose of immutable records.

use hemvist_platform::MunicipalityCode;
use hemvist_platform::auth::{NewToken, create_token, create_token_expiring, revoke_token};
use hemvist_tests::fixtures::{self, JARVA_LON, create, guarantee_with_key, jarva, merged, walk_in_body};
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::json;
use uuid::Uuid;

async fn shelter(app: &TestApp, token: &str, beds: u32) -> String {
    let body =
        merged(fixtures::shelter_body("Natthärbärget", JARVA_LON, beds), json!({"address": "Natthärbärgesgatan 1"}));
    create(app, token, "/api/v1/shelters", &body).await
}

async fn person(app: &TestApp, token: &str, given_name: &str) -> Uuid {
    let body = merged(walk_in_body(given_name, "Nattgäst"), json!({"sex": "man", "birth_date": "1970-03-02"}));
    create(app, token, "/api/v1/people", &body).await.parse().unwrap()
}

/// Makes the person's file look six years old, as if nothing had been written since.
async fn six_years_old(owner: &tokio_postgres::Client, people: &[Uuid]) {
    let changed = owner
        .execute("UPDATE people SET last_entry_at = now() - interval '6 years' WHERE id = ANY($1)", &[&people])
        .await
        .unwrap();
    assert_eq!(changed, people.len() as u64);
}

/// A night a month ahead: still in the future, so nothing releases the reservation meanwhile.
fn next_month_night() -> jiff::civil::Date {
    use jiff::ToSpan;
    hemvist_platform::night::today().checked_add(1.month()).unwrap()
}

#[tokio::test]
async fn gallring_keeps_a_person_whose_file_has_shelter_entries() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let shelter = shelter(&app, &admin, 5).await;
    let officer = app.token(Role::HousingOfficer).await;
    let coordinator = app.token(Role::NightCoordinator).await;
    let placed_tonight = person(&app, &officer, "Placerad").await;
    let declined_tonight = person(&app, &officer, "Avböjde").await;
    let checked_in = person(&app, &officer, "Incheckad").await;
    let cancelled = person(&app, &officer, "Avbokad").await;
    let nothing_new = person(&app, &officer, "Inaktiv").await;
    let owner = app.owner_client().await;

    // Reserved a month ahead, then the file is made old; only the status changes below are new entries.
    let night = next_month_night();
    let mut assignments = Vec::new();
    for guest in [checked_in, cancelled] {
        let reserved = app
            .post(
                &format!("/api/v1/nights/{night}/assignments"),
                &coordinator,
                &json!({"shelter_id": shelter, "person_id": guest}),
            )
            .await;
        assert_eq!(reserved.status, StatusCode::CREATED, "{}", reserved.body);
        assignments.push(reserved.body["id"].as_str().unwrap().to_owned());
    }
    six_years_old(&owner, &[placed_tonight, declined_tonight, checked_in, cancelled, nothing_new]).await;

    let placed = guarantee_with_key(
        &app,
        &coordinator,
        "tonight-1",
        &json!({"person_id": placed_tonight, "channel": "homelessness_reception", "lat": 59.401, "lon": 17.901}),
    )
    .await;
    assert_eq!(placed.body["outcome"], "placed", "{}", placed.body);
    let declined = guarantee_with_key(
        &app,
        &coordinator,
        "tonight-2",
        &json!({"person_id": declined_tonight, "channel": "other", "declined_by_person": true}),
    )
    .await;
    assert_eq!(declined.status, StatusCode::CREATED, "{}", declined.body);
    let check_in =
        app.post(&format!("/api/v1/bed-assignments/{}/check-in", assignments[0]), &coordinator, &json!({})).await;
    assert_eq!(check_in.body["status"], "checked_in", "{}", check_in.body);
    let cancel =
        app.post(&format!("/api/v1/bed-assignments/{}/cancel", assignments[1]), &coordinator, &json!({})).await;
    assert_eq!(cancel.body["status"], "cancelled", "{}", cancel.body);

    // The gallring command: the owner's connection, reckoned from today.
    let mut owner = owner;
    let today = hemvist_platform::night::today();
    let due: Vec<Uuid> =
        hemvist_server::gallring::cases(&owner, today).await.unwrap().into_iter().map(|c| c.person_id).collect();
    assert_eq!(due, vec![nothing_new], "only the file without new entries is due");
    let disposed = hemvist_server::gallring::dispose(&mut owner, today).await.unwrap();
    assert_eq!(disposed.iter().map(|c| c.person_id).collect::<Vec<_>>(), vec![nothing_new]);
    for kept in [placed_tonight, declined_tonight, checked_in, cancelled] {
        assert_eq!(app.get(&format!("/api/v1/people/{kept}"), &officer).await.status, StatusCode::OK, "{kept}");
    }
    app.get(&format!("/api/v1/people/{nothing_new}"), &officer).await.assert_problem(StatusCode::NOT_FOUND);
    let tonight: i64 = owner
        .query_one("SELECT count(*) FROM guarantee_requests WHERE person_id = $1", &[&placed_tonight])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tonight, 1, "tonight's reservation is still there");
}

#[tokio::test]
async fn expired_and_revoked_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let client = app.pool.get().await.unwrap();
    let new = NewToken {
        name: "expiring".into(),
        municipality: MunicipalityCode::parse("0180").unwrap(),
        role: Role::Admin,
        district_scope: vec![],
        shelter_scope: vec![],
        staff_id: None,
    };
    let now = jiff::Timestamp::now();
    let (_, expired) =
        create_token_expiring(&client, &new, Some(now - jiff::SignedDuration::from_secs(1))).await.unwrap();
    let (_, valid) =
        create_token_expiring(&client, &new, Some(now + jiff::SignedDuration::from_hours(24))).await.unwrap();
    let (revoked_id, revoked) = create_token(&client, &new).await.unwrap();
    for token in [&valid, &revoked] {
        assert_eq!(app.get("/api/v1/shelters", token).await.status, StatusCode::OK);
    }
    app.get("/api/v1/shelters", &expired).await.assert_problem(StatusCode::UNAUTHORIZED);
    let municipality = MunicipalityCode::parse("0180").unwrap();
    assert!(revoke_token(&client, Some(&municipality), revoked_id).await.unwrap(), "revoked now");
    assert!(!revoke_token(&client, Some(&municipality), revoked_id).await.unwrap(), "already revoked");
    app.get("/api/v1/shelters", &revoked).await.assert_problem(StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/shelters", &valid).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_api_role_cannot_dispose_of_plan_versions() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let officer = app.token(Role::HousingOfficer).await;
    let someone = person(&app, &officer, "Planerad").await;
    let plan = app
        .post(
            &format!("/api/v1/people/{someone}/support-plans"),
            &admin,
            &json!({"content": {"goals": [{"title": "Home", "status": "in_progress"}],
                    "interventions": [], "participation": {"participated": true}, "next_review_on": "2030-10-01"}}),
        )
        .await;
    assert_eq!(plan.status, StatusCode::CREATED, "{}", plan.body);

    // The API's own connection (hemvist_api), turning on the disposal switch by hand.
    let mut api = app.pool.get().await.unwrap();
    let role: String = api.query_one("SELECT current_user::text", &[]).await.unwrap().get(0);
    assert_eq!(role, "hemvist_api");
    let tx = api.transaction().await.unwrap();
    tx.batch_execute("SET LOCAL hemvist.gallring = 'on'").await.unwrap();
    let deleted = tx.execute("DELETE FROM support_plan_versions WHERE municipality_code = '0180'", &[]).await;
    assert!(deleted.is_err(), "the API role deleted plan versions: {deleted:?}");
    drop(tx);
    let left: i64 = api.query_one("SELECT count(*) FROM support_plan_versions", &[]).await.unwrap().get(0);
    assert_eq!(left, 1);

    // The gallring command (the owner) still may, when the file is due.
    let mut owner = app.owner_client().await;
    six_years_old(&owner, &[someone]).await;
    let disposed = hemvist_server::gallring::dispose(&mut owner, hemvist_platform::night::today()).await.unwrap();
    assert_eq!(disposed.len(), 1);
    let left: i64 = owner.query_one("SELECT count(*) FROM support_plan_versions", &[]).await.unwrap().get(0);
    assert_eq!(left, 0);
}

#[tokio::test]
async fn the_server_refuses_to_serve_as_the_owner_unless_allowed() {
    let app = TestApp::spawn().await;
    let _ = &app;
    // A connection whose API role does not exist: the server would serve as the tables' owner.
    let config = app.owner_config();
    let refused = hemvist_server::migrate::serving_config_as(&config, "hemvist_no_such_role", false).await;
    let error = format!("{:#}", refused.expect_err("served as the owner"));
    assert!(error.contains("HEMVIST_ALLOW_OWNER_ROLE"), "{error}");
    assert!(hemvist_server::migrate::serving_config_as(&config, "hemvist_no_such_role", true).await.is_ok());
    assert!(hemvist_server::migrate::serving_config(&config).await.is_ok(), "hemvist_api exists here");
}
