//! Support plans: versions kept readable, visits planned against held, overdue reviews, support
//! workers scoped to the people assigned to them, and no effect whatever on the tenancy.

use hemvist_tests::fixtures::{
    apartment_body, assign_support, create, district_in, granted_between, jarva, merged, walk_in_body,
};
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};

fn content(goal_status: &str, treatment_accepted: Value, next_review_on: &str) -> Value {
    json!({
        "goals": [{"title": "Keep the apartment", "status": goal_status}, {"title": "Reconnect with my sister", "status": "not_started"}],
        "interventions": [
            {"kind": "housing_support", "provider": "Boendestöd Järva", "frequency_per_week": 2.0, "responsible_staff": "lena.holm", "accepted": true},
            {"kind": "treatment_offered", "provider": "Beroendevården", "frequency_per_week": 1.0, "responsible_staff": "lena.holm", "accepted": treatment_accepted}
        ],
        "participation": {"participated": true, "agreed_on": "2025-03-01", "own_words": "I want to stay here."},
        "next_review_on": next_review_on
    })
}

async fn person(app: &TestApp, token: &str, name: &str) -> String {
    create(app, token, "/api/v1/people", &walk_in_body(name, "Person")).await
}

/// A Housing First lease for `person` at `address` in Järva, granted 2025-01-10 and moved into on
/// 2025-02-01; returns (decision, lease).
async fn housing_first_lease(app: &TestApp, officer: &str, person: &str, address: &str) -> (String, String) {
    let flat_body = merged(apartment_body(address, 17.93), json!({"lat": 59.39}));
    let flat = create(app, officer, "/api/v1/apartments", &flat_body).await;
    let decision = granted_between(app, officer, person, "housing_first", ["2025-01-02", "2025-01-10"], "r").await;
    let offer =
        json!({"apartment_id": flat, "decision_id": decision, "kind": "housing_first", "starts_on": "2025-02-01"});
    let lease = create(app, officer, "/api/v1/leases", &offer).await;
    let moved_in =
        app.post(&format!("/api/v1/leases/{lease}/activate"), officer, &json!({"moved_in_on": "2025-02-01"})).await;
    assert_eq!(moved_in.status, StatusCode::OK, "{}", moved_in.body);
    (decision, lease)
}

#[tokio::test]
async fn plans_are_versioned_and_old_versions_stay_readable() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let anna = person(&app, &officer, "Anna").await;
    assign_support(&app, &officer, &anna, "lena.holm").await;
    let lena = app.staff_token(Role::SupportWorker, "lena.holm").await;
    let created = app
        .post(
            &format!("/api/v1/people/{anna}/support-plans"),
            &lena,
            &json!({"content": content("in_progress", Value::Null, "2025-06-01")}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["version"], 1);
    assert_eq!(created.body["written_by_staff"], "lena.holm");
    let plan = created.body["id"].as_str().unwrap().to_owned();

    let revise = |etag: &str, body: Value| {
        http::Request::post(format!("/api/v1/support-plans/{plan}/revisions"))
            .header("authorization", format!("Bearer {lena}"))
            .header("content-type", "application/json")
            .header("if-match", etag)
            .body(axum::body::Body::from(body.to_string()))
            .unwrap()
    };
    let revision = json!({"content": content("achieved", json!(false), "2025-12-01"), "reviewed_on": "2025-05-28"});
    let revised = app.send(revise("\"1\"", revision.clone())).await;
    assert_eq!(revised.status, StatusCode::CREATED, "{}", revised.body);
    assert_eq!(revised.body["version"], 2);
    assert_eq!(revised.body["goals"][0]["status"], "achieved");
    app.send(revise("\"1\"", revision)).await.assert_problem(StatusCode::PRECONDITION_FAILED);

    let old = app.get(&format!("/api/v1/support-plans/{plan}/versions/1"), &lena).await;
    assert_eq!(old.body["goals"][0]["status"], "in_progress", "version 1 as it was written");
    assert_eq!(old.body["next_review_on"], "2025-06-01");
    assert_eq!(app.get(&format!("/api/v1/support-plans/{plan}"), &lena).await.body["version"], 2);
    app.get(&format!("/api/v1/support-plans/{plan}/versions/3"), &lena).await.assert_problem(StatusCode::NOT_FOUND);
    // Versions are kept as written, even against the database owner.
    let owner = app.owner_client().await;
    let error =
        owner.batch_execute("UPDATE support_plan_versions SET own_words = 'changed'").await.expect_err("immutable");
    assert!(error.as_db_error().unwrap().message().contains("kept as written"));

    // Overdue: version 2 is due 2025-12-01.
    let overdue = app.get("/api/v1/support-plans/overdue-reviews?as_of=2025-12-02", &lena).await;
    assert_eq!(overdue.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/api/v1/support-plans/overdue-reviews?as_of=2025-12-01", &lena).await.body,
        json!({"items": []})
    );

    let bad = app.post(&format!("/api/v1/people/{anna}/support-plans"), &lena, &json!({"content": {"goals": [], "interventions": [], "participation": {"participated": false}, "next_review_on": "2026-01-01"}})).await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let closed = app
        .post(
            &format!("/api/v1/support-plans/{plan}/close"),
            &lena,
            &json!({"closed_on": "2026-01-10", "reason": "Support no longer needed"}),
        )
        .await;
    assert_eq!(closed.body["closed_on"], "2026-01-10");
    assert_eq!(closed.body["review_overdue"], false);
    app.send(revise("\"2\"", json!({"content": content("achieved", Value::Null, "2026-06-01")})))
        .await
        .assert_problem(StatusCode::CONFLICT);
}

#[tokio::test]
async fn support_workers_see_only_the_people_assigned_to_them() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let anna = person(&app, &officer, "Anna").await;
    let bo = person(&app, &officer, "Bo").await;
    let assignment = assign_support(&app, &officer, &anna, "lena.holm").await;
    assign_support(&app, &officer, &bo, "omar.ali").await;
    let lena = app.staff_token(Role::SupportWorker, "lena.holm").await;
    let omar = app.staff_token(Role::SupportWorker, "omar.ali").await;
    let nobody = app.token(Role::SupportWorker).await;

    let plan = app
        .post(
            &format!("/api/v1/people/{anna}/support-plans"),
            &lena,
            &json!({"content": content("in_progress", Value::Null, "2026-06-01")}),
        )
        .await;
    let plan = plan.body["id"].as_str().unwrap().to_owned();
    // Lena sees Anna, not Bo; Omar the other way round; a token for nobody sees nobody.
    let listed: Vec<String> = app.get("/api/v1/people", &lena).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, vec![anna.clone()]);
    assert_eq!(app.get(&format!("/api/v1/people/{bo}"), &lena).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/v1/people/{anna}"), &omar).await.status, StatusCode::NOT_FOUND);
    app.get(&format!("/api/v1/support-plans/{plan}"), &omar).await.assert_problem(StatusCode::NOT_FOUND);
    app.post(
        &format!("/api/v1/people/{anna}/support-plans"),
        &omar,
        &json!({"content": content("in_progress", Value::Null, "2026-06-01")}),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND);
    app.post(&format!("/api/v1/support-plans/{plan}/visits"), &omar, &json!({"planned_on": "2026-01-05"}))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/people", &nobody).await.body["items"], json!([]));
    app.get(&format!("/api/v1/people/{anna}/decisions"), &omar).await.assert_problem(StatusCode::NOT_FOUND);
    // Housing staff do not see support plans at all: housing and support are separate.
    app.get(&format!("/api/v1/support-plans/{plan}"), &officer).await.assert_problem(StatusCode::FORBIDDEN);
    // When the assignment ends, so does the access.
    let assignment_id = assignment[0]["id"].as_str().unwrap();
    let today = hemvist_platform::night::today();
    let ended = app
        .post(
            &format!("/api/v1/people/{anna}/support-workers/{assignment_id}/end"),
            &officer,
            &json!({"ended_on": today.to_string()}),
        )
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    app.get(&format!("/api/v1/support-plans/{plan}"), &lena).await.assert_problem(StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/api/v1/support-plans/{plan}"), &app.token(Role::Auditor).await).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn missed_visits_and_refused_treatment_leave_the_lease_untouched() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let officer = app.token(Role::HousingOfficer).await;
    let anna = person(&app, &officer, "Anna").await;
    let (decision, lease) = housing_first_lease(&app, &officer, &anna, "Rinkebysvängen 1").await;
    let before = app.get(&format!("/api/v1/leases/{lease}"), &officer).await.body;
    let decision_before = app.get(&format!("/api/v1/decisions/{decision}"), &officer).await.body;

    assign_support(&app, &officer, &anna, "lena.holm").await;
    let lena = app.staff_token(Role::SupportWorker, "lena.holm").await;
    let plan = app
        .post(
            &format!("/api/v1/people/{anna}/support-plans"),
            &lena,
            &json!({"lease_id": lease, "content": content("in_progress", json!(false), "2026-06-01")}),
        )
        .await;
    let plan = plan.body["id"].as_str().unwrap().to_owned();
    for day in ["2025-03-03", "2025-03-10", "2025-03-17"] {
        let visit = app.post(&format!("/api/v1/support-plans/{plan}/visits"), &lena, &json!({"planned_on": day})).await;
        let visit_id = visit.body["id"].as_str().unwrap().to_owned();
        let status = if day == "2025-03-10" { "held" } else { "missed" };
        let recorded = app
            .put(
                &format!("/api/v1/support-plans/{plan}/visits/{visit_id}"),
                &lena,
                &json!({"status": status, "note": "Knocked, no answer"}),
            )
            .await;
        assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.body);
    }
    app.post(
        &format!("/api/v1/support-plans/{plan}/close"),
        &lena,
        &json!({"closed_on": "2025-04-01", "reason": "Declined support for now"}),
    )
    .await;

    assert_eq!(
        app.get(&format!("/api/v1/leases/{lease}"), &officer).await.body,
        before,
        "the lease is exactly as it was"
    );
    assert_eq!(
        app.get(&format!("/api/v1/decisions/{decision}"), &officer).await.body["status"],
        decision_before["status"]
    );
    let client = app.pool.get().await.unwrap();
    let lease_changes: i64 = client
        .query_one("SELECT count(*) FROM audit_events WHERE resource_type = 'lease' AND action <> 'read' AND occurred_at > (SELECT min(occurred_at) FROM audit_events WHERE resource_type = 'support_plan')", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(lease_changes, 0, "no write to any lease after the plan began");

    let visits = app.get(&format!("/api/v1/support-plans/{plan}/visits?from=2025-03-01&to=2025-03-31"), &lena).await;
    assert_eq!(visits.body["counts"]["held"], 1);
    assert_eq!(visits.body["counts"]["missed"], 2);
    let by_worker = app.get("/api/v1/reports/visits-by-worker?from=2025-03-01&to=2025-03-31", &admin).await;
    assert_eq!(by_worker.body[0]["staff_id"], "lena.holm");
    assert!((by_worker.body[0]["share_held"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);

    // Housing First follow-up for March 2025: one tenant, one visit held; her plan (then open) is what the
    // report reads now: closed, so she counts as without an open plan.
    let report = app.get("/api/v1/reports/housing-first-follow-up?month=2025-03", &admin).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    assert_eq!(report.body["tenants"], 1);
    assert_eq!(report.body["visits_held"], 1);
    assert_eq!(report.body["without_plan"], 1);
    app.get("/api/v1/reports/housing-first-follow-up?month=2025-03", &lena).await.assert_problem(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn housing_first_follow_up_counts_reviews_and_agreements() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let officer = app.token(Role::HousingOfficer).await;
    let mut plans = Vec::new();
    for (i, (next_review, agreed)) in [("2025-04-15", true), ("2025-03-20", false)].iter().enumerate() {
        let p = person(&app, &officer, &format!("P{i}")).await;
        housing_first_lease(&app, &officer, &p, &format!("Gata {i}")).await;
        let mut body = content("in_progress", Value::Null, next_review);
        if !agreed {
            body["participation"] = json!({"participated": true});
        }
        let plan = app.post(&format!("/api/v1/people/{p}/support-plans"), &admin, &json!({"content": body})).await;
        assert_eq!(plan.status, StatusCode::CREATED, "{}", plan.body);
        plans.push(plan.body["id"].as_str().unwrap().to_owned());
    }
    let visit = app
        .post(
            &format!("/api/v1/support-plans/{}/visits", plans[0]),
            &admin,
            &json!({"planned_on": "2025-03-05", "staff_id": "lena.holm"}),
        )
        .await;
    let visit_id = visit.body["id"].as_str().unwrap();
    app.put(&format!("/api/v1/support-plans/{}/visits/{visit_id}", plans[0]), &admin, &json!({"status": "held"})).await;
    let report = app.get("/api/v1/reports/housing-first-follow-up?month=2025-03", &admin).await;
    assert_eq!(report.body["tenants"], 2);
    assert_eq!(report.body["visits_held"], 1);
    assert_eq!(report.body["visits_per_tenant"], 0.5);
    // Reviews: one due 04-15 (on time at 03-31), one due 03-20 (overdue at 03-31).
    assert_eq!(report.body["share_reviewed_on_time"], 0.5);
    assert_eq!(report.body["share_with_agreed_plan"], 0.5);
    assert_eq!(report.body["without_plan"], 0);

    // domain.md: a role sees only what its work needs; a district-scoped token counts the tenants of
    // its districts' apartments, as every other report and the leases do (review, 2026-11-24).
    district_in(&app, &admin, "farsta", "Farsta", [18.05, 59.24, 18.12, 59.28]).await;
    for (district, tenants) in [("jarva", 2), ("farsta", 0)] {
        let auditor = app.token_for(Role::Auditor, "0180", &[district], &[]).await;
        let scoped = app.get("/api/v1/reports/housing-first-follow-up?month=2025-03", &auditor).await;
        assert_eq!(scoped.status, StatusCode::OK, "{}", scoped.body);
        assert_eq!(scoped.body["tenants"], tenants, "{district}: {}", scoped.body);
        if tenants == 0 {
            assert_eq!(scoped.body["visits_held"], 0, "{}", scoped.body);
        }
    }
}

/// domain.md: dates are the city's (Europe/Stockholm). A support worker's access ends with the day their
/// assignment ends there, whatever time zone the database session has; the check used PostgreSQL's
/// `current_date`, which is UTC's on the private cluster, so for an hour after local midnight the
/// worker still saw the person.
#[tokio::test]
async fn an_assignment_ends_at_midnight_in_stockholm_whatever_the_database_time_zone() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let anna = person(&app, &officer, "Anna").await;
    assign_support(&app, &officer, &anna, "lena.holm").await;
    let lena = app.staff_token(Role::SupportWorker, "lena.holm").await;
    let owner = app.owner_client().await;
    let assignment: String = owner
        .query_one("SELECT id::text FROM support_assignments WHERE person_id = $1::text::uuid", &[&anna])
        .await
        .unwrap()
        .get(0);

    // A session zone whose date differs from Stockholm's right now: 12 hours behind UTC or 14 ahead.
    let stockholm: jiff::civil::Date =
        owner.query_one("SELECT (now() AT TIME ZONE 'Europe/Stockholm')::date", &[]).await.unwrap().get(0);
    let mut chosen = None;
    for zone in ["Etc/GMT+12", "Etc/GMT-14"] {
        let there: jiff::civil::Date =
            owner.query_one("SELECT (now() AT TIME ZONE $1)::date", &[&zone]).await.unwrap().get(0);
        if there != stockholm {
            chosen = Some((zone, there));
        }
    }
    let (zone, database_date) = chosen.expect("one of the two zones has another date than Stockholm");
    let database: String = owner.query_one("SELECT current_database()", &[]).await.unwrap().get(0);
    owner.batch_execute(&format!("ALTER DATABASE \"{database}\" SET timezone = '{zone}'")).await.unwrap();
    // New connections take the zone.
    app.pool.retain(|_, _| false);

    if database_date < stockholm {
        // Ended today in Stockholm: from today on, Lena no longer sees Anna (the database still thinks
        // it is yesterday).
        let ended = app
            .post(
                &format!("/api/v1/people/{anna}/support-workers/{assignment}/end"),
                &officer,
                &json!({"ended_on": stockholm.to_string()}),
            )
            .await;
        assert!(ended.status.is_success(), "{}", ended.body);
        assert_eq!(app.get(&format!("/api/v1/people/{anna}"), &lena).await.status, StatusCode::NOT_FOUND);
    } else {
        // Ends tomorrow in Stockholm: today Lena still sees Anna (the database already thinks it is
        // tomorrow).
        let tomorrow = stockholm.tomorrow().unwrap();
        owner
            .execute(
                "UPDATE support_assignments SET ended_on = $1 WHERE id = $2::text::uuid",
                &[&tomorrow, &assignment],
            )
            .await
            .unwrap();
        assert_eq!(app.get(&format!("/api/v1/people/{anna}"), &lena).await.status, StatusCode::OK);
    }
}
