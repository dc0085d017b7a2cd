//! Decisions through their life, the IVO report of non-executed decisions on a hand-checked quarter,
//! and homelessness situations.

use hemvist_tests::fixtures::{create, granted_on, merged, walk_in_body};
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};

async fn person(app: &TestApp, token: &str, sex: &str, district: &str) -> String {
    let body = merged(walk_in_body("P", sex), json!({"sex": sex, "responsible_district_code": district}));
    create(app, token, "/api/v1/people", &body).await
}

async fn act(app: &TestApp, token: &str, decision: &str, action: &str, body: Value) -> Value {
    let response = app.post(&format!("/api/v1/decisions/{decision}/{action}"), token, &body).await;
    assert_eq!(response.status, StatusCode::OK, "{action}: {}", response.body);
    response.body
}

/// A decision applied for and granted on `decided_on`.
async fn granted(app: &TestApp, token: &str, person: &str, intervention: &str, decided_on: &str) -> String {
    granted_on(app, token, person, intervention, decided_on, "Needs a home").await
}

#[tokio::test]
async fn a_decision_goes_through_its_life_and_refuses_what_does_not_follow() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let person = person(&app, &officer, "woman", "jarva").await;
    let applied = app
        .post(
            &format!("/api/v1/people/{person}/decisions"),
            &officer,
            &json!({"intervention": "housing_first", "applied_on": "2026-01-05", "legal_basis": "SoL 2025:400",
                      "child_perspective": "No children in the household"}),
        )
        .await;
    assert_eq!(applied.status, StatusCode::CREATED);
    assert_eq!(applied.body["status"], "applied");
    assert_eq!(applied.body["district_code"], "jarva", "defaults to the person's district");
    let id = applied.body["id"].as_str().unwrap().to_owned();
    let url = |action: &str| format!("/api/v1/decisions/{id}/{action}");

    app.post(&url("execute"), &officer, &json!({"executed_on": "2026-02-01"}))
        .await
        .assert_problem(StatusCode::CONFLICT);
    let partly = app
        .post(
            &url("decide"),
            &officer,
            &json!({"decided_on": "2026-01-20", "outcome": "partly_granted", "reasons": "r"}),
        )
        .await;
    assert_eq!(partly.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "appeal_information");
    let before_application = app
        .post(&url("decide"), &officer, &json!({"decided_on": "2026-01-01", "outcome": "granted", "reasons": "r"}))
        .await;
    before_application.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let decided = act(
        &app,
        &officer,
        &id,
        "decide",
        json!({"decided_on": "2026-01-20", "outcome": "granted", "reasons": "Homeless"}),
    )
    .await;
    assert_eq!(decided["status"], "granted");
    app.post(
        &url("decide"),
        &officer,
        &json!({"decided_on": "2026-01-21", "outcome": "denied", "reasons": "r", "appeal_information": "a"}),
    )
    .await
    .assert_problem(StatusCode::CONFLICT);
    app.post(&url("interrupt"), &officer, &json!({"interrupted_on": "2026-02-01", "reason": "x"}))
        .await
        .assert_problem(StatusCode::CONFLICT);

    let with_delay = app
        .put(&url("delay"), &officer, &json!({"delay_reasons": "No apartment free", "interim_help": "Shelter bed"}))
        .await;
    assert_eq!(with_delay.body["delay_reasons"], "No apartment free");
    let offered =
        act(&app, &officer, &id, "offers", json!({"offered_on": "2026-02-10", "description": "1 room, Tensta"})).await;
    let offer_id = offered["offers"][0]["id"].as_str().unwrap();
    let declined = app
        .put(
            &format!("/api/v1/decisions/{id}/offers/{offer_id}"),
            &officer,
            &json!({"response": "declined", "responded_on": "2026-02-12"}),
        )
        .await;
    assert_eq!(declined.status, StatusCode::OK);
    assert_eq!(declined.body["status"], "granted", "a declined offer does not close the decision");
    assert_eq!(declined.body["offers"][0]["response"], "declined");

    assert_eq!(act(&app, &officer, &id, "execute", json!({"executed_on": "2026-03-01"})).await["status"], "executed");
    assert_eq!(
        act(&app, &officer, &id, "interrupt", json!({"interrupted_on": "2026-05-01", "reason": "Hospital"})).await["status"],
        "interrupted"
    );
    app.post(&url("resume"), &officer, &json!({"resumed_on": "2026-04-30"}))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(act(&app, &officer, &id, "resume", json!({"resumed_on": "2026-06-01"})).await["status"], "executed");
    let closed =
        act(&app, &officer, &id, "close", json!({"closed_on": "2026-09-01", "reason": "Took over the lease"})).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["interruptions"][0]["resumed_on"], "2026-06-01");
    app.post(&url("close"), &officer, &json!({"closed_on": "2026-09-02", "reason": "again"}))
        .await
        .assert_problem(StatusCode::CONFLICT);
    app.post(&url("execute"), &officer, &json!({"executed_on": "2099-01-01"}))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);

    let denied_id = {
        let applied = app
            .post(
                &format!("/api/v1/people/{person}/decisions"),
                &officer,
                &json!({"intervention": "trial_apartment", "applied_on": "2026-01-05"}),
            )
            .await;
        applied.body["id"].as_str().unwrap().to_owned()
    };
    act(&app, &officer, &denied_id, "decide", json!({"decided_on": "2026-01-10", "outcome": "denied", "reasons": "r", "appeal_information": "Appeal within 3 weeks"})).await;
    let refused = app
        .post(&format!("/api/v1/decisions/{denied_id}/execute"), &officer, &json!({"executed_on": "2026-02-01"}))
        .await;
    assert!(refused.assert_problem(StatusCode::CONFLICT)["detail"].as_str().unwrap().contains("denied"));

    let listed = app.get(&format!("/api/v1/people/{person}/decisions"), &app.token(Role::Auditor).await).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 2);
    let worker = app.token(Role::SupportWorker).await;
    app.post(&url("close"), &worker, &json!({"closed_on": "2026-09-02", "reason": "x"}))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
}

/// Quarter 2026-Q3 runs 2026-07-01..=2026-09-30. Each case states its arithmetic.
#[tokio::test]
async fn ivo_report_on_a_hand_checked_quarter() {
    let app = TestApp::spawn().await;
    let t = app.token(Role::HousingOfficer).await;
    let woman = person(&app, &t, "woman", "jarva").await;
    let man = person(&app, &t, "man", "farsta").await;

    // A: decided 03-31, deadline 06-30, never executed: late from 07-01, still late.
    let a = granted(&app, &t, &woman, "housing_first", "2026-03-31").await;
    // B: decided 04-01, deadline 07-01, executed 07-01: on time, not reported.
    let b = granted(&app, &t, &woman, "trial_apartment", "2026-04-01").await;
    act(&app, &t, &b, "execute", json!({"executed_on": "2026-07-01"})).await;
    // C: decided 04-01, deadline 07-01, executed 07-02: one day late, executed in the quarter.
    let c = granted(&app, &t, &man, "trial_apartment", "2026-04-01").await;
    act(&app, &t, &c, "execute", json!({"executed_on": "2026-07-02"})).await;
    // D: decided 06-30, deadline 09-30: late only from 10-01, not in Q3.
    let _d = granted(&app, &t, &man, "housing_first", "2026-06-30").await;
    // E: decided 06-29, deadline 09-29: late from 09-30, the quarter's last day; still late.
    let e = granted(&app, &t, &man, "trial_apartment", "2026-06-29").await;
    // F: decided 02-10, deadline 05-10, closed 08-20: closed in the quarter.
    let f = granted(&app, &t, &woman, "supported_housing", "2026-02-10").await;
    act(&app, &t, &f, "close", json!({"closed_on": "2026-08-20", "reason": "Moved to another municipality"})).await;
    // G: decided 03-15, deadline 06-15, offer declined 05-03: declining does not close; still late.
    let g = granted(&app, &t, &woman, "housing_first", "2026-03-15").await;
    let offered =
        act(&app, &t, &g, "offers", json!({"offered_on": "2026-05-01", "description": "2 rooms, Skärholmen"})).await;
    let offer = offered["offers"][0]["id"].as_str().unwrap().to_owned();
    app.put(
        &format!("/api/v1/decisions/{g}/offers/{offer}"),
        &t,
        &json!({"response": "declined", "responded_on": "2026-05-03"}),
    )
    .await;
    app.put(
        &format!("/api/v1/decisions/{g}/delay"),
        &t,
        &json!({"delay_reasons": "Offer declined", "interim_help": "Emergency housing"}),
    )
    .await;
    // H: executed 02-01, interrupted 05-15, deadline 08-15, not resumed: late from 08-16, still late.
    let h = granted(&app, &t, &man, "training_apartment", "2026-01-10").await;
    act(&app, &t, &h, "execute", json!({"executed_on": "2026-02-01"})).await;
    act(&app, &t, &h, "interrupt", json!({"interrupted_on": "2026-05-15", "reason": "Treatment stay"})).await;
    // I: interrupted 05-15, resumed 08-15, the deadline day: on time.
    let i = granted(&app, &t, &woman, "training_apartment", "2026-01-10").await;
    act(&app, &t, &i, "execute", json!({"executed_on": "2026-02-01"})).await;
    act(&app, &t, &i, "interrupt", json!({"interrupted_on": "2026-05-15", "reason": "Treatment stay"})).await;
    act(&app, &t, &i, "resume", json!({"resumed_on": "2026-08-15"})).await;
    // J: denied: never reported.
    let j = app
        .post(
            &format!("/api/v1/people/{woman}/decisions"),
            &t,
            &json!({"intervention": "trial_apartment", "applied_on": "2026-01-01"}),
        )
        .await;
    act(
        &app,
        &t,
        j.body["id"].as_str().unwrap(),
        "decide",
        json!({"decided_on": "2026-01-01", "outcome": "denied", "reasons": "r", "appeal_information": "a"}),
    )
    .await;
    // K: decided 03-31, executed 06-30, the deadline day: on time.
    let k = granted(&app, &t, &man, "housing_first", "2026-03-31").await;
    act(&app, &t, &k, "execute", json!({"executed_on": "2026-06-30"})).await;
    // L: decided 2025-11-30, deadline clamps to 2026-02-28, never executed: still late three quarters on.
    let l = granted(&app, &t, &woman, "trial_apartment", "2025-11-30").await;
    // M: decided 05-31, deadline 08-31, executed 09-01: late one day, executed in the quarter.
    let m = granted(&app, &t, &man, "housing_first", "2026-05-31").await;
    act(&app, &t, &m, "execute", json!({"executed_on": "2026-09-01"})).await;
    // N: decided 02-15, deadline 05-15, executed 06-01: late, but executed in Q2: nothing in Q3.
    let n = granted(&app, &t, &man, "trial_apartment", "2026-02-15").await;
    act(&app, &t, &n, "execute", json!({"executed_on": "2026-06-01"})).await;
    // O: applied, never decided: nothing.
    app.post(
        &format!("/api/v1/people/{man}/decisions"),
        &t,
        &json!({"intervention": "other", "applied_on": "2026-01-01"}),
    )
    .await;

    let auditor = app.token(Role::Auditor).await;
    let report = app.get("/api/v1/reports/non-executed-decisions?quarter=2026-Q3", &auditor).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    assert_eq!(report.body["first_day"], "2026-07-01");
    assert_eq!(report.body["last_day"], "2026-09-30");
    let mut lines: Vec<(String, String, String, String, Value)> = report.body["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["decision_id"].as_str().unwrap().to_owned(),
                c["lateness"].as_str().unwrap().to_owned(),
                c["deadline"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
                c["ended_on"].clone(),
            )
        })
        .collect();
    lines.sort_by(|x, y| x.0.cmp(&y.0));
    let mut expected = vec![
        (a.clone(), "not_executed".into(), "2026-06-30".into(), "still_late".into(), Value::Null),
        (c.clone(), "not_executed".into(), "2026-07-01".into(), "executed_in_quarter".into(), json!("2026-07-02")),
        (e.clone(), "not_executed".into(), "2026-09-29".into(), "still_late".into(), Value::Null),
        (f.clone(), "not_executed".into(), "2026-05-10".into(), "closed_in_quarter".into(), json!("2026-08-20")),
        (g.clone(), "not_executed".into(), "2026-06-15".into(), "still_late".into(), Value::Null),
        (h.clone(), "interrupted_not_resumed".into(), "2026-08-15".into(), "still_late".into(), Value::Null),
        (l.clone(), "not_executed".into(), "2026-02-28".into(), "still_late".into(), Value::Null),
        (m.clone(), "not_executed".into(), "2026-08-31".into(), "executed_in_quarter".into(), json!("2026-09-01")),
    ];
    expected.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(lines, expected);

    let case_g = report.body["cases"].as_array().unwrap().iter().find(|c| c["decision_id"] == g.as_str()).unwrap();
    assert_eq!(case_g["delay_reasons"], "Offer declined");
    assert_eq!(case_g["interim_help"], "Emergency housing");
    assert_eq!(case_g["offers"][0]["response"], "declined");
    assert_eq!(case_g["sex"], "woman");
    let case_f = report.body["cases"].as_array().unwrap().iter().find(|c| c["decision_id"] == f.as_str()).unwrap();
    assert_eq!(case_f["closing_reason"], "Moved to another municipality");
    assert!(
        case_g.get("given_name").is_none() && case_g.get("identity_number").is_none(),
        "no identities in the report"
    );

    // Council: still late at quarter end: A (woman, housing_first), E (man, trial), G (woman, housing_first),
    // H (man, training), L (woman, trial).
    let council: Vec<(String, u64, u64, u64)> = report.body["council_summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["intervention"].as_str().unwrap().to_owned(),
                c["women"].as_u64().unwrap(),
                c["men"].as_u64().unwrap(),
                c["total"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        council,
        vec![
            ("housing_first".to_owned(), 2, 0, 2),
            ("training_apartment".to_owned(), 0, 1, 1),
            ("trial_apartment".to_owned(), 1, 1, 2),
        ]
    );

    // District filter: only Farsta's decisions (the man's): C, E, H, M.
    let farsta = app.get("/api/v1/reports/non-executed-decisions?quarter=2026-Q3&district=farsta", &auditor).await;
    assert_eq!(farsta.body["cases"].as_array().unwrap().len(), 4);
    // The quarter before: L (late from 2026-03-01), F (late from 05-11), G (late from 06-16) and
    // N (late from 05-16, executed 06-01).
    let audited_before = app.audit_events().await.len();
    let q2 = app.get("/api/v1/reports/non-executed-decisions?quarter=2026-Q2", &auditor).await;
    // domain.md: every person whose data is read is in the audit trail: one event per person shown.
    let mut listed: Vec<String> = app.audit_events().await[audited_before..]
        .iter()
        .filter(|e| e.0 == "list" && e.1 == "decision")
        .filter_map(|e| e.3.map(|person| person.to_string()))
        .collect();
    listed.sort_unstable();
    let shown: std::collections::BTreeSet<String> =
        q2.body["cases"].as_array().unwrap().iter().map(|c| c["person_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(shown.len(), 2, "four late decisions of two people");
    assert_eq!(listed, shown.into_iter().collect::<Vec<_>>(), "each person of the report is audited as read, once");
    let mut q2_ids: Vec<&str> =
        q2.body["cases"].as_array().unwrap().iter().map(|c| c["decision_id"].as_str().unwrap()).collect();
    q2_ids.sort_unstable();
    let mut expected_q2 = vec![f.as_str(), g.as_str(), l.as_str(), n.as_str()];
    expected_q2.sort_unstable();
    assert_eq!(q2_ids, expected_q2);
    // A quarter with nothing: nothing to send.
    let empty = app.get("/api/v1/reports/non-executed-decisions?quarter=2024-Q1", &auditor).await;
    assert_eq!(empty.body["cases"], json!([]));
    assert_eq!(empty.body["council_summary"], json!([]));
    app.get("/api/v1/reports/non-executed-decisions?quarter=2026-Q5", &auditor)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.get("/api/v1/reports/non-executed-decisions?quarter=2026-Q3", &app.token(Role::NightCoordinator).await)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let audited = app.audit_events().await.into_iter().filter(|e| e.1 == "report").count();
    assert_eq!(audited, 4, "each report read is audited");
}

#[tokio::test]
async fn situations_by_date_and_classification() {
    let app = TestApp::spawn().await;
    let t = app.token(Role::HousingOfficer).await;
    let outdoors = person(&app, &t, "woman", "jarva").await;
    let institution = person(&app, &t, "man", "jarva").await;
    let friends = person(&app, &t, "man", "farsta").await;
    let housed = person(&app, &t, "woman", "farsta").await;
    let record = |who: String, kind: &'static str, from: &'static str, to: Option<&'static str>| {
        let t = t.clone();
        let app = &app;
        async move {
            let body = json!({"kind": kind, "valid_from": from, "valid_to": to});
            let r = app.post(&format!("/api/v1/people/{who}/housing-arrangements"), &t, &body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
    };
    record(outdoors.clone(), "own_short_term", "2026-01-01", Some("2026-06-01")).await;
    record(outdoors.clone(), "outdoors", "2026-06-01", None).await;
    record(institution.clone(), "institution_leaving_without_home", "2026-05-01", None).await;
    record(friends.clone(), "own_short_term", "2026-03-01", None).await;
    record(housed.clone(), "own_home", "2020-01-01", None).await;
    let lease = app
        .post(
            &format!("/api/v1/people/{housed}/housing-arrangements"),
            &t,
            &json!({"kind": "trial_lease", "valid_from": "2026-01-01"}),
        )
        .await;
    lease.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);

    let report = app.get("/api/v1/reports/situations?date=2026-07-01", &t).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    for classification in ["national", "stockholm"] {
        let counts: Vec<(u64, u64, u64, u64)> = report.body[classification]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["number"].as_u64().unwrap(),
                    c["women"].as_u64().unwrap(),
                    c["men"].as_u64().unwrap(),
                    c["total"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(counts, vec![(1, 1, 0, 1), (2, 0, 1, 1), (3, 0, 0, 0), (4, 0, 1, 1)], "{classification}");
    }
    // On 2026-05-15 the first person was still with friends (4) and the institution stay had begun (2).
    let earlier = app.get("/api/v1/reports/situations?date=2026-05-15", &t).await;
    assert_eq!(earlier.body["national"][3]["total"], 2);
    assert_eq!(earlier.body["national"][0]["total"], 0);
    let one = app.get(&format!("/api/v1/people/{outdoors}/situation?date=2026-06-01"), &t).await;
    assert_eq!(one.body["national"], "acute");
    assert_eq!(one.body["stockholm"], "acute");
    let home = app.get(&format!("/api/v1/people/{housed}/situation?date=2026-06-01"), &t).await;
    assert_eq!(home.body["national"], Value::Null);
    let arrangements = app.get(&format!("/api/v1/people/{outdoors}/housing-arrangements"), &t).await;
    assert_eq!(arrangements.body.as_array().unwrap().len(), 2);
}
