//! Reports that count people right (issue 10, items 9, 14, 15) and support-plan rules (items 24, 25):
//! - the IVO report belongs to the district committee that made the decision;
//! - housing arrangements end, and a lease or own home supersedes an older open homelessness fact;
//! - every arrangement kind classified nationally and by Stockholm's own count, from domain.md;
//! - a support worker records visits only as themselves; overdue reviews come in pages.

use hemvist_tests::fixtures::{
    assign_support, create, granted_on, jarva, merged, two_room_apartment_body, walk_in_body,
};
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};

async fn person(app: &TestApp, token: &str, sex: &str, district: &str) -> String {
    create(app, token, "/api/v1/people", &person_body(sex, district)).await
}

fn person_body(sex: &str, district: &str) -> Value {
    merged(walk_in_body("P", sex), json!({"sex": sex, "responsible_district_code": district}))
}

/// A decision applied for and granted on `decided_on`; its district is the person's at the time.
async fn granted(app: &TestApp, token: &str, person: &str, intervention: &str, decided_on: &str) -> String {
    granted_on(app, token, person, intervention, decided_on, "Needs a home").await
}

fn case_ids(report: &Value) -> Vec<String> {
    let mut ids: Vec<String> = report["cases"]
        .as_array()
        .unwrap_or_else(|| panic!("no cases in {report}"))
        .iter()
        .map(|c| c["decision_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort_unstable();
    ids
}

/// Rule (domain.md): each district committee reports the decisions it made — the decision's district,
/// not where the person lives now — so a person who moves is reported by exactly one district.
#[tokio::test]
async fn ivo_report_belongs_to_the_district_that_made_the_decision() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let mover = person(&app, &officer, "woman", "jarva").await;
    // Decided in Järva 2026-03-31: deadline 06-30, never executed, late through 2026-Q3.
    let in_jarva = granted(&app, &officer, &mover, "housing_first", "2026-03-31").await;
    // The person moves to Farsta.
    let moved = app.put(&format!("/api/v1/people/{mover}"), &officer, &person_body("woman", "farsta")).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.body["responsible_district_code"], "farsta");
    // Decided in Farsta 2026-04-15 after the move: deadline 07-15, late in Q3.
    let in_farsta = granted(&app, &officer, &mover, "trial_apartment", "2026-04-15").await;
    let decision = app.get(&format!("/api/v1/decisions/{in_farsta}"), &officer).await;
    assert_eq!(decision.body["district_code"], "farsta");

    let mut both = vec![in_jarva.clone(), in_farsta.clone()];
    both.sort_unstable();
    // (district scope of the officer's token, ?district= filter, decisions expected in the report)
    let expected: [(&[&str], Option<&str>, Vec<String>); 7] = [
        (&["jarva"], None, vec![in_jarva.clone()]),
        (&["farsta"], None, vec![in_farsta.clone()]),
        (&["jarva", "farsta"], None, both.clone()),
        (&[], None, both.clone()),
        (&[], Some("jarva"), vec![in_jarva.clone()]),
        (&[], Some("farsta"), vec![in_farsta.clone()]),
        (&["skarholmen"], None, vec![]),
    ];
    for (scope, filter, want) in expected {
        let token = app.token_for(Role::HousingOfficer, "0180", scope, &[]).await;
        let path = match filter {
            Some(d) => format!("/api/v1/reports/non-executed-decisions?quarter=2026-Q3&district={d}"),
            None => "/api/v1/reports/non-executed-decisions?quarter=2026-Q3".to_owned(),
        };
        let report = app.get(&path, &token).await;
        assert_eq!(report.status, StatusCode::OK, "{}", report.body);
        assert_eq!(case_ids(&report.body), want, "scope {scope:?} filter {filter:?}");
    }
}

async fn arrangement(app: &TestApp, token: &str, who: &str, kind: &str, from: &str, to: Option<&str>) -> String {
    let body = json!({"kind": kind, "valid_from": from, "valid_to": to});
    let created = app.post(&format!("/api/v1/people/{who}/housing-arrangements"), token, &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{kind}: {}", created.body);
    created.body["id"].as_str().unwrap().to_owned()
}

/// (national, stockholm) situation of a person on a date, as the API answers it.
async fn situation(app: &TestApp, token: &str, who: &str, date: &str) -> (Value, Value) {
    let got = app.get(&format!("/api/v1/people/{who}/situation?date={date}"), token).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    (got.body["national"].clone(), got.body["stockholm"].clone())
}

fn both(situation: &str) -> (Value, Value) {
    (json!(situation), json!(situation))
}

fn housed() -> (Value, Value) {
    (Value::Null, Value::Null)
}

#[tokio::test]
async fn an_arrangement_can_be_ended_and_stops_counting_that_day() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let who = person(&app, &officer, "woman", "jarva").await;
    let outdoors = arrangement(&app, &officer, &who, "outdoors", "2026-06-01", None).await;
    let end = format!("/api/v1/people/{who}/housing-arrangements/{outdoors}/end");

    // Validation: not before the start, not on it (an end is the first day it no longer holds), not in
    // the future; only staff who write people; an arrangement of another person is not found.
    let before_start = app.post(&end, &officer, &json!({"ended_on": "2026-05-31"})).await;
    assert_eq!(before_start.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "ended_on");
    let on_start = app.post(&end, &officer, &json!({"ended_on": "2026-06-01"})).await;
    assert_eq!(on_start.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "ended_on");
    let future = app.post(&end, &officer, &json!({"ended_on": "2099-01-01"})).await;
    assert_eq!(future.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "ended_on");
    let worker = app.staff_token(Role::SupportWorker, "sw.1").await;
    app.post(&end, &worker, &json!({"ended_on": "2026-07-10"})).await.assert_problem(StatusCode::FORBIDDEN);
    let other = person(&app, &officer, "man", "jarva").await;
    app.post(
        &format!("/api/v1/people/{other}/housing-arrangements/{outdoors}/end"),
        &officer,
        &json!({"ended_on": "2026-07-10"}),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND);

    // The person left the street on 2026-07-10.
    let ended = app.post(&end, &officer, &json!({"ended_on": "2026-07-10"})).await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    assert_eq!(ended.body["valid_to"], "2026-07-10");
    assert_eq!(ended.body["kind"], "outdoors");
    let listed = app.get(&format!("/api/v1/people/{who}/housing-arrangements"), &officer).await;
    assert_eq!(listed.body[0]["valid_to"], "2026-07-10");
    // Ending again, or later than it already ended, is a conflict; ending it earlier is a correction.
    app.post(&end, &officer, &json!({"ended_on": "2026-07-11"})).await.assert_problem(StatusCode::CONFLICT);
    let audited = app
        .audit_events()
        .await
        .into_iter()
        .filter(|e| e.0 == "update" && e.1 == "housing_arrangement")
        .map(|e| (e.2.map(|id| id.to_string()), e.3.map(|id| id.to_string())))
        .collect::<Vec<_>>();
    assert_eq!(audited, vec![(Some(outdoors.clone()), Some(who.clone()))], "the end is audited once");

    // The day before, the day of, and the day after the end.
    for (date, expected) in [("2026-07-09", both("acute")), ("2026-07-10", housed()), ("2026-07-11", housed())] {
        assert_eq!(situation(&app, &officer, &who, date).await, expected, "{date}");
    }
    let report = app.get("/api/v1/reports/situations?date=2026-07-10", &officer).await;
    assert_eq!(report.body["national"][0]["total"], 0, "nobody acute once the street is left");
    let report = app.get("/api/v1/reports/situations?date=2026-07-09", &officer).await;
    assert_eq!(report.body["national"][0]["total"], 1);
}

/// An active lease of `kind` for `who`, moved into on `moved_in_on`.
async fn active_lease(app: &TestApp, officer: &str, who: &str, kind: &str, address: &str, moved_in_on: &str) {
    let intervention = match kind {
        "trial" => "trial_apartment",
        "training" => "training_apartment",
        _ => "housing_first",
    };
    let decision = granted(app, officer, who, intervention, "2025-01-02").await;
    let flat = create(app, officer, "/api/v1/apartments", &two_room_apartment_body(address, 59.388, 17.925)).await;
    let offer = json!({"apartment_id": flat, "decision_id": decision, "kind": kind, "starts_on": moved_in_on});
    let id = create(app, officer, "/api/v1/leases", &offer).await;
    let active =
        app.post(&format!("/api/v1/leases/{id}/activate"), officer, &json!({"moved_in_on": moved_in_on})).await;
    assert_eq!(active.status, StatusCode::OK, "{}", active.body);
}

/// Rule (issue 10, item 14): a lease or own home on a date supersedes an older open homelessness fact
/// on that date; a newer fact is not superseded, and a fact that ended is history.
#[tokio::test]
async fn a_lease_or_own_home_supersedes_an_older_open_acute_fact() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let officer = app.token(Role::HousingOfficer).await;

    // Outdoors since 06-01; own home recorded from 08-01 while the outdoors record stays open.
    let home = person(&app, &officer, "woman", "jarva").await;
    arrangement(&app, &officer, &home, "outdoors", "2026-06-01", None).await;
    arrangement(&app, &officer, &home, "own_home", "2026-08-01", None).await;
    // Outdoors since 05-01, then a training lease moved into on 08-01.
    let training = person(&app, &officer, "man", "jarva").await;
    arrangement(&app, &officer, &training, "emergency_housing", "2026-05-01", None).await;
    active_lease(&app, &officer, &training, "training", "Rinkebysvängen 1", "2026-08-01").await;
    // In emergency housing since 05-01, then a Housing First lease on 08-01: not homeless in Stockholm's count.
    let first = person(&app, &officer, "woman", "jarva").await;
    arrangement(&app, &officer, &first, "emergency_shelter", "2026-05-01", None).await;
    active_lease(&app, &officer, &first, "housing_first", "Rinkebysvängen 2", "2026-08-01").await;
    // Own home since 2020, then outdoors from 08-01 (newer than the home): acute from that day.
    let evicted = person(&app, &officer, "man", "jarva").await;
    arrangement(&app, &officer, &evicted, "own_home", "2020-01-01", None).await;
    arrangement(&app, &officer, &evicted, "outdoors", "2026-08-01", None).await;

    let long_term = json!("long_term_municipal");
    let expected: [(&str, &str, (Value, Value)); 12] = [
        (&home, "2026-07-31", both("acute")),
        (&home, "2026-08-01", housed()),
        (&home, "2026-08-02", housed()),
        (&training, "2026-07-31", both("acute")),
        (&training, "2026-08-01", (long_term.clone(), long_term.clone())),
        (&training, "2026-08-02", (long_term.clone(), long_term.clone())),
        (&first, "2026-07-31", both("acute")),
        (&first, "2026-08-01", (long_term.clone(), Value::Null)),
        (&first, "2026-08-02", (long_term.clone(), Value::Null)),
        (&evicted, "2026-07-31", housed()),
        (&evicted, "2026-08-01", both("acute")),
        (&evicted, "2026-08-02", both("acute")),
    ];
    for (who, date, want) in expected {
        assert_eq!(situation(&app, &officer, who, date).await, want, "{who} on {date}");
    }
    // The report agrees: the day before, three acute (home, training, first); the day of, one (evicted).
    for (date, acute_nationally, long_term_nationally, long_term_stockholm) in
        [("2026-07-31", 3, 0, 0), ("2026-08-01", 1, 2, 1), ("2026-08-02", 1, 2, 1)]
    {
        let report = app.get(&format!("/api/v1/reports/situations?date={date}"), &officer).await;
        assert_eq!(report.body["national"][0]["total"], acute_nationally, "{date}: {}", report.body);
        assert_eq!(report.body["stockholm"][0]["total"], acute_nationally, "{date}: {}", report.body);
        assert_eq!(report.body["national"][2]["total"], long_term_nationally, "{date}: {}", report.body);
        assert_eq!(report.body["stockholm"][2]["total"], long_term_stockholm, "{date}: {}", report.body);
    }
}

/// Expected classification per kind, from domain.md: Socialstyrelsen's situations 1 acute (shelter,
/// emergency housing, outdoors), 2 institution/supported housing with no home within 3 months,
/// 3 long-term municipal solutions (trial, training, Bostad Först, social contracts), 4 own short-term
/// arrangement; Stockholm's own count excludes trial and Bostad Först leases, second-hand contracts and
/// living with relatives. `None` = not homeless by that count.
const RECORDED_KINDS: [(&str, Option<&str>, Option<&str>); 11] = [
    ("outdoors", Some("acute"), Some("acute")),
    ("emergency_shelter", Some("acute"), Some("acute")),
    ("emergency_housing", Some("acute"), Some("acute")),
    ("institution_leaving_without_home", Some("institution"), Some("institution")),
    ("supported_housing_leaving_without_home", Some("institution"), Some("institution")),
    ("social_contract", Some("long_term_municipal"), Some("long_term_municipal")),
    ("second_hand_contract", Some("own_short_term"), None),
    ("living_with_relatives", Some("own_short_term"), None),
    ("living_with_friends", Some("own_short_term"), Some("own_short_term")),
    // The kind recorded before the split: any other own short-term arrangement, counted by both.
    ("own_short_term", Some("own_short_term"), Some("own_short_term")),
    ("own_home", None, None),
];
/// Leases come from the apartments crate: (lease kind, national, stockholm).
const LEASE_KINDS: [(&str, Option<&str>, Option<&str>); 3] = [
    ("trial", Some("long_term_municipal"), None),
    ("training", Some("long_term_municipal"), Some("long_term_municipal")),
    ("housing_first", Some("long_term_municipal"), None),
];

#[tokio::test]
async fn every_kind_is_classified_nationally_and_by_stockholm() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let officer = app.token(Role::HousingOfficer).await;
    let mut people = Vec::new();
    for (kind, national, stockholm) in RECORDED_KINDS {
        let who = person(&app, &officer, "woman", "jarva").await;
        arrangement(&app, &officer, &who, kind, "2026-01-01", None).await;
        people.push((kind.to_owned(), who, national, stockholm));
    }
    for (i, (kind, national, stockholm)) in LEASE_KINDS.into_iter().enumerate() {
        let who = person(&app, &officer, "man", "jarva").await;
        active_lease(&app, &officer, &who, kind, &format!("Rinkebysvängen {i}"), "2026-01-01").await;
        people.push((format!("{kind}_lease"), who, national, stockholm));
    }
    let mut national_totals = [0_u64; 4];
    let mut stockholm_totals = [0_u64; 4];
    let number =
        |s: &str| ["acute", "institution", "long_term_municipal", "own_short_term"].iter().position(|x| *x == s);
    for (kind, who, national, stockholm) in &people {
        let got = situation(&app, &officer, who, "2026-03-01").await;
        assert_eq!(got, (json!(national), json!(stockholm)), "{kind}");
        if let Some(n) = national.and_then(number) {
            national_totals[n] += 1;
        }
        if let Some(n) = stockholm.and_then(number) {
            stockholm_totals[n] += 1;
        }
    }
    // Hand-counted from the tables: national 3, 2, 4 (social contract + 3 leases), 4; Stockholm 3, 2, 2, 2.
    assert_eq!(national_totals, [3, 2, 4, 4]);
    assert_eq!(stockholm_totals, [3, 2, 2, 2]);
    let report = app.get("/api/v1/reports/situations?date=2026-03-01", &officer).await;
    for (classification, totals) in [("national", national_totals), ("stockholm", stockholm_totals)] {
        let got: Vec<u64> =
            report.body[classification].as_array().unwrap().iter().map(|c| c["total"].as_u64().unwrap()).collect();
        assert_eq!(got, totals.to_vec(), "{classification}");
    }
    // The kinds are listed as the person's arrangements as recorded.
    let listed = app.get(&format!("/api/v1/people/{}/housing-arrangements", people[6].1), &officer).await;
    assert_eq!(listed.body[0]["kind"], "second_hand_contract");
}

fn plan_content(next_review_on: &str) -> Value {
    json!({
        "goals": [{"title": "Keep the apartment", "status": "in_progress"}],
        "interventions": [{"kind": "housing_support", "provider": "Boendestöd", "frequency_per_week": 1.0,
                           "responsible_staff": "lena.holm", "accepted": true}],
        "participation": {"participated": true, "agreed_on": "2025-03-01", "own_words": "I want to stay."},
        "next_review_on": next_review_on
    })
}

async fn assigned_person(app: &TestApp, officer: &str, staff: &[&str]) -> String {
    let who = person(app, officer, "woman", "jarva").await;
    for staff in staff {
        assign_support(app, officer, &who, staff).await;
    }
    who
}

async fn plan(app: &TestApp, token: &str, who: &str, next_review_on: &str) -> String {
    let body = json!({"content": plan_content(next_review_on)});
    create(app, token, &format!("/api/v1/people/{who}/support-plans"), &body).await
}

/// Rule (issue 10, item 25): a support worker records visits only as themselves (their token's staff
/// id); admins plan for anyone.
#[tokio::test]
async fn support_workers_record_visits_only_as_themselves() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let admin = app.token(Role::Admin).await;
    // Both work with Anna.
    let anna = assigned_person(&app, &officer, &["lena.holm", "omar.ali"]).await;
    let lena = app.staff_token(Role::SupportWorker, "lena.holm").await;
    let plan = plan(&app, &lena, &anna, "2026-06-01").await;
    let visits = format!("/api/v1/support-plans/{plan}/visits");

    // (token, staff_id sent, expected status, staff recorded)
    let cases: [(&str, Option<&str>, StatusCode, Option<&str>); 4] = [
        (&lena, Some("omar.ali"), StatusCode::FORBIDDEN, None),
        (&lena, Some("lena.holm"), StatusCode::CREATED, Some("lena.holm")),
        (&lena, None, StatusCode::CREATED, Some("lena.holm")),
        (&admin, Some("omar.ali"), StatusCode::CREATED, Some("omar.ali")),
    ];
    let mut omars_visit = String::new();
    for (token, staff, status, recorded) in cases {
        let body = match staff {
            Some(staff) => json!({"planned_on": "2026-01-05", "staff_id": staff}),
            None => json!({"planned_on": "2026-01-05"}),
        };
        let response = app.post(&visits, token, &body).await;
        assert_eq!(response.status, status, "{staff:?}: {}", response.body);
        if status == StatusCode::FORBIDDEN {
            response.assert_problem(status);
        }
        assert_eq!(response.body.get("staff_id").and_then(Value::as_str), recorded, "{staff:?}");
        if recorded == Some("omar.ali") {
            omars_visit = response.body["id"].as_str().unwrap().to_owned();
        }
    }
    // Lena may not record how Omar's visit went; Omar may.
    let record = format!("{visits}/{omars_visit}");
    app.put(&record, &lena, &json!({"status": "held"})).await.assert_problem(StatusCode::FORBIDDEN);
    let omar = app.staff_token(Role::SupportWorker, "omar.ali").await;
    let held = app.put(&record, &omar, &json!({"status": "held"})).await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.body);
    assert_eq!(held.body["staff_id"], "omar.ali");
    let listed = app.get(&format!("{visits}?from=2026-01-01&to=2026-01-31"), &admin).await;
    let staff: Vec<&str> =
        listed.body["visits"].as_array().unwrap().iter().map(|v| v["staff_id"].as_str().unwrap()).collect();
    assert_eq!(staff.iter().filter(|s| **s == "omar.ali").count(), 1, "no visit recorded for Omar by Lena");
}

/// Rule (issue 10, item 24): every list is paginated, and a page is audited (one event per plan on it).
#[tokio::test]
async fn overdue_reviews_come_in_pages_and_each_page_is_audited() {
    let app = TestApp::spawn().await;
    let officer = app.token(Role::HousingOfficer).await;
    let admin = app.token(Role::Admin).await;
    // Five plans, reviews due 2025-06-01 .. 2025-06-05; as of 2025-06-05 four are overdue.
    let mut plans = Vec::new();
    for day in 1..=5 {
        let who = assigned_person(&app, &officer, &["lena.holm"]).await;
        plans.push((plan(&app, &admin, &who, &format!("2025-06-0{day}")).await, who));
    }
    let auditor = app.token(Role::Auditor).await;
    let base = "/api/v1/support-plans/overdue-reviews?as_of=2025-06-05&limit=3";
    let first = app.get(base, &auditor).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let ids = |page: &Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect()
    };
    // Longest overdue first.
    assert_eq!(ids(&first.body), vec![plans[0].0.clone(), plans[1].0.clone(), plans[2].0.clone()]);
    let cursor = first.body["next_cursor"].as_str().expect("a next page").to_owned();
    let second = app.get(&format!("{base}&cursor={cursor}"), &auditor).await;
    assert_eq!(ids(&second.body), vec![plans[3].0.clone()]);
    assert!(second.body.get("next_cursor").is_none(), "{}", second.body);
    let listed: Vec<Option<String>> = app
        .audit_events()
        .await
        .into_iter()
        .filter(|e| e.0 == "list" && e.1 == "support_plan")
        .map(|e| e.3.map(|p| p.to_string()))
        .collect();
    let expected: Vec<Option<String>> = plans[..4].iter().map(|(_, who)| Some(who.clone())).collect();
    assert_eq!(listed, expected, "each plan shown audited once, with its person");
    app.get("/api/v1/support-plans/overdue-reviews?limit=0", &auditor)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.get("/api/v1/support-plans/overdue-reviews?cursor=nonsense", &auditor)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}
