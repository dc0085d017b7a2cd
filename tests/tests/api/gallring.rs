//! Gallring: files go five years after the last entry, except people born on the 5th, 15th or 25th.

use hemvist_tests::fixtures::create;
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use jiff::civil::Date;
use serde_json::json;

async fn person(app: &TestApp, token: &str, birth_date: &str) -> String {
    let body = json!({"identity_kind": "none", "given_name": "G", "family_name": "Gallring", "sex": "man",
                      "birth_date": birth_date});
    create(app, token, "/api/v1/people", &body).await
}

#[tokio::test]
async fn old_files_go_except_those_kept_for_research() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let old = person(&app, &officer, "1980-06-06").await;
    let research = person(&app, &officer, "1980-06-15").await;
    let recent = person(&app, &officer, "1980-06-07").await;
    // A file with a decision, an arrangement, a support plan and a household.
    let decision = app
        .post(
            &format!("/api/v1/people/{old}/decisions"),
            &officer,
            &json!({"intervention": "other", "applied_on": "2019-04-01"}),
        )
        .await;
    assert_eq!(decision.status, StatusCode::CREATED);
    app.post(
        &format!("/api/v1/people/{old}/housing-arrangements"),
        &officer,
        &json!({"kind": "outdoors", "valid_from": "2019-04-01"}),
    )
    .await;
    app.post(
        &format!("/api/v1/people/{old}/support-workers"),
        &officer,
        &json!({"staff_id": "lena.holm", "assigned_on": "2019-04-01"}),
    )
    .await;
    let admin = app.token(Role::Admin).await;
    let plan = app
        .post(
            &format!("/api/v1/people/{old}/support-plans"),
            &admin,
            &json!({"content": {"goals": [{"title": "Home", "status": "achieved"}],
            "interventions": [], "participation": {"participated": true}, "next_review_on": "2019-10-01"}}),
        )
        .await;
    assert_eq!(plan.status, StatusCode::CREATED, "{}", plan.body);
    app.post("/api/v1/households", &officer, &json!({"adults": [old], "children": [{"birth_date": "2015-01-01"}]}))
        .await;

    let owner = app.owner_client().await;
    owner
        .execute(
            "UPDATE people SET last_entry_at = '2019-05-01T12:00:00Z' WHERE id = ANY($1)",
            &[&vec![old.parse::<uuid::Uuid>().unwrap(), research.parse().unwrap()]],
        )
        .await
        .unwrap();

    let mut owner = owner;
    let as_of = Date::constant(2026, 11, 23);
    let listed = hemvist_server::gallring::cases(&owner, as_of).await.unwrap();
    let listed: Vec<(String, bool)> = listed.iter().map(|c| (c.person_id.to_string(), c.kept_for_research)).collect();
    assert_eq!(listed.len(), 2);
    assert!(listed.contains(&(old.clone(), false)));
    assert!(listed.contains(&(research.clone(), true)));
    // Not yet due the day before five years had passed.
    assert!(hemvist_server::gallring::cases(&owner, Date::constant(2024, 4, 30)).await.unwrap().is_empty());
    assert_eq!(
        app.get(&format!("/api/v1/people/{old}"), &officer).await.status,
        StatusCode::OK,
        "a dry run disposes of nothing"
    );

    let disposed = hemvist_server::gallring::dispose(&mut owner, as_of).await.unwrap();
    assert_eq!(disposed.len(), 1);
    assert_eq!(disposed[0].dispose_by, Date::constant(2025, 12, 31));
    app.get(&format!("/api/v1/people/{old}"), &officer).await.assert_problem(StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/v1/people/{research}"), &officer).await.status, StatusCode::OK);
    assert_eq!(app.get(&format!("/api/v1/people/{recent}"), &officer).await.status, StatusCode::OK);
    for table in [
        "decisions",
        "housing_arrangements",
        "support_plans",
        "support_plan_versions",
        "support_assignments",
        "households",
        "household_children",
    ] {
        let left: i64 = owner.query_one(&format!("SELECT count(*) FROM {table}"), &[]).await.unwrap().get(0);
        assert_eq!(left, 0, "{table}");
    }
    let logged: i64 = owner
        .query_one(
            "SELECT count(*) FROM audit_events WHERE actor_role = 'system' AND action = 'delete' AND person_id = $1",
            &[&old.parse::<uuid::Uuid>().unwrap()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(logged, 1);
}
