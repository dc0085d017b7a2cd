//! Audit completeness: every operation that returns or changes personal data writes an audit event.
//! One scenario calls each of them and checks the trail grew; the set it calls is checked against the
//! OpenAPI document, so a new operation on personal data fails here until it is covered.

use std::collections::BTreeSet;

use hemvist_tests::fixtures::{self, apartment_body, create, id_of, jarva, merged};
use hemvist_tests::{TestApp, TestResponse, TestRole as Role};
use http::Method;
use serde_json::{Value, json};

/// The tags whose operations carry personal data.
const PERSONAL_TAGS: [&str; 7] = ["people", "decisions", "leases", "rent", "support plans", "beds", "guarantee"];

struct Walk<'a> {
    app: &'a TestApp,
    token: String,
    covered: BTreeSet<&'static str>,
}

impl Walk<'_> {
    async fn events(&self) -> usize {
        self.app.audit_events().await.len()
    }

    /// Calls `operation`, which must succeed and leave at least one new audit event.
    async fn call(&mut self, operation: &'static str, method: Method, path: &str, body: Option<Value>) -> Value {
        let before = self.events().await;
        let response: TestResponse = self.app.call(method, path, Some(&self.token), body.as_ref()).await;
        assert!(response.status.is_success(), "{operation}: {} {}", response.status, response.body);
        let after = self.events().await;
        assert!(after > before, "{operation} wrote no audit event");
        self.covered.insert(operation);
        response.body
    }
}

#[tokio::test]
async fn every_operation_on_personal_data_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let mut w = Walk { app: &app, token: admin.clone(), covered: BTreeSet::new() };
    jarva(&app, &admin).await;
    let apartment = |address: &str| merged(apartment_body(address, 17.93), json!({"lat": 59.39}));
    let flat = create(&app, &admin, "/api/v1/apartments", &apartment("Audit 1")).await;
    let flat2 = create(&app, &admin, "/api/v1/apartments", &apartment("Audit 2")).await;
    let person_body = json!({"identity_kind": "personnummer", "identity_number": "19121212-1212", "given_name": "Tolvan",
        "family_name": "Tolvansson", "home_municipality_code": "0180", "responsible_district_code": "jarva"});

    // People.
    let p = id_of(&w.call("create_person", Method::POST, "/api/v1/people", Some(person_body.clone())).await);
    w.call("get_person", Method::GET, &format!("/api/v1/people/{p}"), None).await;
    w.call(
        "create_walk_in",
        Method::POST,
        "/api/v1/walk-ins",
        Some(json!({"given_name": "Kalle", "family_name": "från Plattan"})),
    )
    .await;
    w.call("list_people", Method::GET, "/api/v1/people?name=tolvan", None).await;
    let mut changed = person_body.clone();
    changed["phone"] = json!("070-123 45 67");
    w.call("update_person", Method::PUT, &format!("/api/v1/people/{p}"), Some(changed)).await;
    w.call(
        "assign_caseworker",
        Method::PUT,
        &format!("/api/v1/people/{p}/caseworkers"),
        Some(json!({"caseworker": "anna.berg"})),
    )
    .await;
    w.call("list_caseworkers", Method::GET, &format!("/api/v1/people/{p}/caseworkers"), None).await;
    let household =
        id_of(&w.call("create_household", Method::POST, "/api/v1/households", Some(json!({"adults": [p]}))).await);
    w.call("get_household", Method::GET, &format!("/api/v1/households/{household}"), None).await;
    let arrangement = id_of(
        &w.call(
            "create_housing_arrangement",
            Method::POST,
            &format!("/api/v1/people/{p}/housing-arrangements"),
            Some(json!({"kind": "outdoors", "valid_from": "2025-01-01"})),
        )
        .await,
    );
    w.call(
        "end_housing_arrangement",
        Method::POST,
        &format!("/api/v1/people/{p}/housing-arrangements/{arrangement}/end"),
        Some(json!({"ended_on": "2025-02-01"})),
    )
    .await;
    w.call("list_housing_arrangements", Method::GET, &format!("/api/v1/people/{p}/housing-arrangements"), None).await;
    let assignments = w
        .call(
            "create_support_worker_assignment",
            Method::POST,
            &format!("/api/v1/people/{p}/support-workers"),
            Some(json!({"staff_id": "lena.holm", "assigned_on": "2025-01-01"})),
        )
        .await;
    let assignment = id_of(&assignments[0]);
    w.call("list_support_workers", Method::GET, &format!("/api/v1/people/{p}/support-workers"), None).await;
    w.call("get_person_situation", Method::GET, &format!("/api/v1/people/{p}/situation?date=2025-02-01"), None).await;

    // Decisions.
    let d1 = id_of(
        &w.call(
            "create_decision",
            Method::POST,
            &format!("/api/v1/people/{p}/decisions"),
            Some(json!({"intervention": "housing_first", "applied_on": "2025-01-02"})),
        )
        .await,
    );
    w.call("list_person_decisions", Method::GET, &format!("/api/v1/people/{p}/decisions"), None).await;
    w.call("get_decision", Method::GET, &format!("/api/v1/decisions/{d1}"), None).await;
    w.call(
        "decide_decision",
        Method::POST,
        &format!("/api/v1/decisions/{d1}/decide"),
        Some(json!({"decided_on": "2025-01-10", "outcome": "granted", "reasons": "r"})),
    )
    .await;
    w.call(
        "update_decision_delay",
        Method::PUT,
        &format!("/api/v1/decisions/{d1}/delay"),
        Some(json!({"delay_reasons": "None free"})),
    )
    .await;
    let offered = w
        .call(
            "create_decision_offer",
            Method::POST,
            &format!("/api/v1/decisions/{d1}/offers"),
            Some(json!({"offered_on": "2025-01-15", "description": "1 room"})),
        )
        .await;
    let offer = id_of(&offered["offers"][0]);
    w.call(
        "update_decision_offer",
        Method::PUT,
        &format!("/api/v1/decisions/{d1}/offers/{offer}"),
        Some(json!({"response": "declined", "responded_on": "2025-01-16"})),
    )
    .await;
    let d2 = id_of(
        &app.post(
            &format!("/api/v1/people/{p}/decisions"),
            &admin,
            &json!({"intervention": "other", "applied_on": "2025-01-02"}),
        )
        .await
        .body,
    );
    app.post(
        &format!("/api/v1/decisions/{d2}/decide"),
        &admin,
        &json!({"decided_on": "2025-01-10", "outcome": "granted", "reasons": "r"}),
    )
    .await;
    w.call(
        "execute_decision",
        Method::POST,
        &format!("/api/v1/decisions/{d2}/execute"),
        Some(json!({"executed_on": "2025-02-01"})),
    )
    .await;
    w.call(
        "interrupt_decision",
        Method::POST,
        &format!("/api/v1/decisions/{d2}/interrupt"),
        Some(json!({"interrupted_on": "2025-03-01", "reason": "Hospital"})),
    )
    .await;
    w.call(
        "resume_decision",
        Method::POST,
        &format!("/api/v1/decisions/{d2}/resume"),
        Some(json!({"resumed_on": "2025-04-01"})),
    )
    .await;
    w.call(
        "close_decision",
        Method::POST,
        &format!("/api/v1/decisions/{d2}/close"),
        Some(json!({"closed_on": "2025-05-01", "reason": "Done"})),
    )
    .await;

    // Leases and rent.
    let lease = id_of(
        &w.call(
            "create_lease",
            Method::POST,
            "/api/v1/leases",
            Some(json!({"apartment_id": flat, "decision_id": d1, "kind": "housing_first", "starts_on": "2025-02-01"})),
        )
        .await,
    );
    w.call("get_lease", Method::GET, &format!("/api/v1/leases/{lease}"), None).await;
    w.call("list_leases", Method::GET, &format!("/api/v1/leases?person_id={p}"), None).await;
    let active = w
        .call(
            "activate_lease",
            Method::POST,
            &format!("/api/v1/leases/{lease}/activate"),
            Some(json!({"moved_in_on": "2025-02-01"})),
        )
        .await;
    let follow_up = id_of(&active["follow_ups"][0]);
    w.call(
        "update_lease_special_conditions",
        Method::PUT,
        &format!("/api/v1/leases/{lease}/special-conditions"),
        Some(json!({"told_on": "2025-01-20"})),
    )
    .await;
    w.call(
        "create_lease_follow_up",
        Method::POST,
        &format!("/api/v1/leases/{lease}/follow-ups"),
        Some(json!({"planned_on": "2025-03-01"})),
    )
    .await;
    w.call(
        "update_lease_follow_up",
        Method::PUT,
        &format!("/api/v1/leases/{lease}/follow-ups/{follow_up}"),
        Some(json!({"held_on": "2025-05-02"})),
    )
    .await;
    w.call(
        "create_rent_charge",
        Method::POST,
        &format!("/api/v1/leases/{lease}/rent-charges"),
        Some(json!({"period": "2026-10", "amount_sek": 5200, "due_on": "2026-09-30"})),
    )
    .await;
    w.call(
        "create_rent_payment",
        Method::POST,
        &format!("/api/v1/leases/{lease}/rent-payments"),
        Some(json!({"amount_sek": 1000, "paid_on": "2026-10-01"})),
    )
    .await;
    w.call(
        "create_rent_notice",
        Method::POST,
        &format!("/api/v1/leases/{lease}/rent-notices"),
        Some(json!({"served_on": "2026-10-10"})),
    )
    .await;
    let ledger =
        w.call("get_lease_rent", Method::GET, &format!("/api/v1/leases/{lease}/rent?as_of=2026-10-15"), None).await;
    let notice = id_of(&ledger["notices"][0]);
    w.call(
        "update_rent_notice",
        Method::PUT,
        &format!("/api/v1/leases/{lease}/rent-notices/{notice}"),
        Some(json!({"committee_notified_on": "2026-10-12"})),
    )
    .await;
    w.call("list_rent_arrears", Method::GET, "/api/v1/rent-arrears?as_of=2026-10-15", None).await;
    let trial_person = id_of(
        &app.post(
            "/api/v1/people",
            &admin,
            &json!({"identity_kind": "none", "given_name": "Trial", "family_name": "Tenant", "sex": "man"}),
        )
        .await
        .body,
    );
    let d3 = id_of(
        &app.post(
            &format!("/api/v1/people/{trial_person}/decisions"),
            &admin,
            &json!({"intervention": "trial_apartment", "applied_on": "2025-01-02"}),
        )
        .await
        .body,
    );
    app.post(
        &format!("/api/v1/decisions/{d3}/decide"),
        &admin,
        &json!({"decided_on": "2025-01-10", "outcome": "granted", "reasons": "r"}),
    )
    .await;
    let trial = id_of(
        &app.post(
            "/api/v1/leases",
            &admin,
            &json!({"apartment_id": flat2, "decision_id": d3, "kind": "trial", "starts_on": "2025-02-01"}),
        )
        .await
        .body,
    );
    app.post(&format!("/api/v1/leases/{trial}/activate"), &admin, &json!({"moved_in_on": "2025-02-01"})).await;
    w.call(
        "take_over_lease",
        Method::POST,
        &format!("/api/v1/leases/{trial}/takeover"),
        Some(json!({"taken_over_on": "2026-02-01"})),
    )
    .await;

    // Support plans.
    let content = json!({"goals": [{"title": "Home", "status": "in_progress"}], "interventions": [], "participation": {"participated": true}, "next_review_on": "2025-06-01"});
    let plan = id_of(
        &w.call(
            "create_support_plan",
            Method::POST,
            &format!("/api/v1/people/{p}/support-plans"),
            Some(json!({"content": content})),
        )
        .await,
    );
    w.call("get_support_plan", Method::GET, &format!("/api/v1/support-plans/{plan}"), None).await;
    w.call("list_person_support_plans", Method::GET, &format!("/api/v1/people/{p}/support-plans"), None).await;
    let mut revised = content.clone();
    revised["next_review_on"] = json!("2025-06-02");
    w.call(
        "create_support_plan_revision",
        Method::POST,
        &format!("/api/v1/support-plans/{plan}/revisions"),
        Some(json!({"content": revised})),
    )
    .await;
    w.call("get_support_plan_version", Method::GET, &format!("/api/v1/support-plans/{plan}/versions/1"), None).await;
    w.call(
        "list_overdue_support_plan_reviews",
        Method::GET,
        "/api/v1/support-plans/overdue-reviews?as_of=2026-01-01",
        None,
    )
    .await;
    let visit = id_of(
        &w.call(
            "create_support_visit",
            Method::POST,
            &format!("/api/v1/support-plans/{plan}/visits"),
            Some(json!({"planned_on": "2025-03-03", "staff_id": "lena.holm"})),
        )
        .await,
    );
    w.call(
        "update_support_visit",
        Method::PUT,
        &format!("/api/v1/support-plans/{plan}/visits/{visit}"),
        Some(json!({"status": "held"})),
    )
    .await;
    w.call(
        "list_support_visits",
        Method::GET,
        &format!("/api/v1/support-plans/{plan}/visits?from=2025-03-01&to=2025-03-31"),
        None,
    )
    .await;
    w.call(
        "close_support_plan",
        Method::POST,
        &format!("/api/v1/support-plans/{plan}/close"),
        Some(json!({"closed_on": "2025-12-01", "reason": "Not needed"})),
    )
    .await;

    // Beds and the guarantee.
    let shelter = id_of(&app
        .post("/api/v1/shelters", &admin, &json!({"name": "Natt", "operator": "Op", "address": "Gata 1", "lat": 59.40, "lon": 17.90,
            "eligibility": {"accepts_women": true, "accepts_men": true}, "total_beds": 10, "opens_at": "19:00", "check_in_deadline": "23:00"}))
        .await
        .body);
    let later = |day: i8| {
        use jiff::ToSpan;
        hemvist_platform::night::today()
            .checked_add(1.month())
            .unwrap()
            .first_of_month()
            .checked_add(i64::from(day).days())
            .unwrap()
    };
    let bed = |night| format!("/api/v1/nights/{night}/assignments");
    let a1 = id_of(
        &w.call(
            "create_bed_assignment",
            Method::POST,
            &bed(later(1)),
            Some(json!({"shelter_id": shelter, "person_id": p})),
        )
        .await,
    );
    w.call("list_bed_assignments", Method::GET, &bed(later(1)), None).await;
    w.call("check_in_bed_assignment", Method::POST, &format!("/api/v1/bed-assignments/{a1}/check-in"), None).await;
    w.call("check_out_bed_assignment", Method::POST, &format!("/api/v1/bed-assignments/{a1}/check-out"), None).await;
    let a2 = id_of(&app.post(&bed(later(2)), &admin, &json!({"shelter_id": shelter, "person_id": p})).await.body);
    w.call("cancel_bed_assignment", Method::POST, &format!("/api/v1/bed-assignments/{a2}/cancel"), None).await;
    let a3 = id_of(&app.post(&bed(later(3)), &admin, &json!({"shelter_id": shelter, "person_id": p})).await.body);
    fixtures::end_hold(&app, &a3).await;
    w.call("record_bed_assignment_no_show", Method::POST, &format!("/api/v1/bed-assignments/{a3}/no-show"), None).await;
    let request = w
        .call(
            "create_guarantee_request",
            Method::POST,
            "/api/v1/guarantee-requests",
            Some(json!({"person_id": p, "channel": "other"})),
        )
        .await;
    let (request_id, night) = (id_of(&request), request["night"].as_str().unwrap().to_owned());
    w.call("get_guarantee_request", Method::GET, &format!("/api/v1/guarantee-requests/{request_id}"), None).await;
    w.call("list_guarantee_requests", Method::GET, &format!("/api/v1/guarantee-requests?night={night}"), None).await;
    // A breach (nobody takes a wheelchair tonight), listed and resolved.
    let mut other = person_body.clone();
    other["identity_kind"] = json!("none");
    other.as_object_mut().unwrap().remove("identity_number");
    other["sex"] = json!("woman");
    let other = id_of(&app.post("/api/v1/people", &admin, &other).await.body);
    let breach = app
        .post(
            "/api/v1/guarantee-requests",
            &admin,
            &json!({"person_id": other, "channel": "other", "wheelchair": true}),
        )
        .await;
    assert_eq!(breach.body["outcome"], "no_suitable_bed", "{}", breach.body);
    w.call("list_guarantee_breaches", Method::GET, "/api/v1/guarantee-breaches", None).await;
    w.call(
        "resolve_guarantee_breach",
        Method::POST,
        &format!("/api/v1/guarantee-breaches/{}/resolution", id_of(&breach.body)),
        Some(json!({"kind": "emergency_housing", "note": "Jourlägenhet"})),
    )
    .await;

    // Endings.
    let today = hemvist_platform::night::today();
    w.call(
        "end_support_worker_assignment",
        Method::POST,
        &format!("/api/v1/people/{p}/support-workers/{assignment}/end"),
        Some(json!({"ended_on": today.to_string()})),
    )
    .await;
    w.call(
        "end_lease",
        Method::POST,
        &format!("/api/v1/leases/{lease}/end"),
        Some(json!({"ended_on": "2026-03-01", "reason": "Moved"})),
    )
    .await;
    let declined = json!({"apartment_id": flat, "decision_id": d1, "kind": "housing_first", "starts_on": "2026-04-01"});
    let declined = id_of(&app.post("/api/v1/leases", &admin, &declined).await.body);
    w.call(
        "decline_lease",
        Method::POST,
        &format!("/api/v1/leases/{declined}/decline"),
        Some(json!({"declined_on": "2026-04-02"})),
    )
    .await;

    // Every operation on personal data was called above.
    let spec: Value = serde_json::from_str(&hemvist_server::openapi_json().unwrap()).unwrap();
    let mut expected = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            if PERSONAL_TAGS.contains(&operation["tags"][0].as_str().unwrap_or_default()) {
                expected.insert(operation["operationId"].as_str().unwrap().to_owned());
            }
        }
    }
    let covered: BTreeSet<String> = w.covered.iter().map(|s| (*s).to_owned()).collect();
    let missing: Vec<_> = expected.difference(&covered).collect();
    assert!(missing.is_empty(), "not covered by the audit walk: {missing:?}");
    assert_eq!(covered.len(), expected.len());
}
