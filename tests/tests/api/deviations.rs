//! Issue 14: deviations (avvikelser) and lex Sarah, caseworker continuity and empty homes while people
//! wait, from the rules of the issue and domain.md:
//! - a deviation is seen by whom its person may be seen by (inner secrecy); protected people's only by
//!   admin and housing officers; a guarantee breach and a night outdoors after asking for help create
//!   one in the same transaction;
//! - recorded → assessed → investigated → reported to IVO, each step dated, overdue after 7, 30, 14 days;
//! - continuity: changes of caseworker in twelve months, share who kept one, protected people listed
//!   only to those who may see them;
//! - vacancy: vacant apartment-days against people waiting on the same days.

use std::collections::BTreeSet;

use hemvist_tests::fixtures::{Fixtures, PersonSpec, two_room_apartment_body};
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};

fn ids(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|d| d["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn record(app: &TestApp, token: &str, body: &Value) -> String {
    let response = app.post("/api/v1/deviations", token, body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(response.body["state"], "recorded");
    assert_eq!(response.body["next_step"], "assess");
    response.body["id"].as_str().unwrap_or_default().to_owned()
}

fn about(person: Option<&str>, unit: Option<&str>) -> Value {
    json!({"person_id": person, "unit": unit, "what_happened": "Fick vänta ute i kylan", "occurred_on": "2026-01-10",
           "noticed_by": "Anna på natthärbärget"})
}

#[tokio::test]
async fn deviations_follow_the_inner_secrecy_of_their_person() {
    let app = TestApp::spawn().await;
    let fx = Fixtures::new(&app).await;
    let open = fx.person(&PersonSpec { support_workers: vec!["sara".into()], ..PersonSpec::default() }).await;
    let protected = fx.person(&PersonSpec { protected: true, ..PersonSpec::default() }).await;
    let officer = app.token(Role::HousingOfficer).await;
    let on_open = record(&app, &officer, &about(Some(&open.id), None)).await;
    let on_protected = record(&app, &officer, &about(Some(&protected.id), None)).await;
    let on_unit = record(&app, &officer, &about(None, Some("Härbärget Ljuset"))).await;
    // Staff who meet people record them: the night coordinator too (shelter staff tell the coordinator).
    let coordinator = app.token(Role::NightCoordinator).await;
    let by_shelter = record(&app, &coordinator, &about(None, Some("Härbärget Ljuset"))).await;
    let shelter_staff = app.token(Role::ShelterStaff).await;
    let refused = app.post("/api/v1/deviations", &shelter_staff, &about(None, Some("Härbärget Ljuset"))).await;
    refused.assert_problem(StatusCode::FORBIDDEN);
    let everything: BTreeSet<String> = [&on_open, &on_protected, &on_unit, &by_shelter].map(|s| s.clone()).into();
    let units: BTreeSet<String> = [&on_unit, &by_shelter].map(|s| s.clone()).into();
    let mut open_and_units = units.clone();
    open_and_units.insert(on_open.clone());

    // Expected sight, written as data: who lists which deviations (None: 403).
    let cases: Vec<(&str, String, Option<&BTreeSet<String>>)> = vec![
        ("admin", app.token(Role::Admin).await, Some(&everything)),
        ("officer", officer.clone(), Some(&everything)),
        ("auditor (no protected people)", app.token(Role::Auditor).await, Some(&open_and_units)),
        (
            "sara, support worker of the person",
            app.staff_token(Role::SupportWorker, "sara").await,
            Some(&open_and_units),
        ),
        ("another support worker", app.staff_token(Role::SupportWorker, "olle").await, Some(&units)),
        ("officer of Farsta", app.token_for(Role::HousingOfficer, "0180", &["farsta"], &[]).await, Some(&units)),
        ("night coordinator", app.token(Role::NightCoordinator).await, None),
        ("integration", app.token(Role::Integration).await, None),
    ];
    for (who, token, expected) in &cases {
        let response = app.get("/api/v1/deviations", token).await;
        match expected {
            Some(expected) => {
                assert_eq!(response.status, StatusCode::OK, "{who}: {}", response.body);
                assert_eq!(&ids(&response.body), *expected, "{who}");
            }
            None => assert_eq!(response.status, StatusCode::FORBIDDEN, "{who}"),
        }
    }
    let auditor = &cases[2].1;
    app.get(&format!("/api/v1/deviations/{on_protected}"), auditor).await.assert_problem(StatusCode::NOT_FOUND);
    let read = app.get(&format!("/api/v1/deviations/{on_open}"), auditor).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    // Nobody records a deviation about a person outside their scope (support worker olle).
    let olle = &cases[4].1;
    app.post("/api/v1/deviations", olle, &about(Some(&open.id), None)).await.assert_problem(StatusCode::NOT_FOUND);
    // Neither person nor unit: 422.
    app.post("/api/v1/deviations", &officer, &about(None, None)).await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn lex_sarah_steps_dates_and_overdue() {
    let app = TestApp::spawn().await;
    let fx = Fixtures::new(&app).await;
    let person = fx.person(&PersonSpec::default()).await;
    let officer = app.token(Role::HousingOfficer).await;
    let auditor = app.token(Role::Auditor).await;
    let id = record(&app, &officer, &about(Some(&person.id), None)).await;
    let path = |step: &str| format!("/api/v1/deviations/{id}/{step}");
    // Out of order: not yet assessed, so neither investigated nor reported.
    let investigation = json!({"investigation": "Rutinen för kalla nätter följdes inte", "on": "2026-01-20"});
    app.post(&path("investigate"), &officer, &investigation).await.assert_problem(StatusCode::CONFLICT);
    app.post(&path("report-to-ivo"), &officer, &json!({"on": "2026-01-20"})).await.assert_problem(StatusCode::CONFLICT);
    let assessment = json!({"assessment": "pataglig_risk", "serious": true, "on": "2026-01-12"});
    app.post(&path("assess"), &auditor, &assessment).await.assert_problem(StatusCode::FORBIDDEN);
    // Before the deviation happened: 422.
    let early = json!({"assessment": "pataglig_risk", "serious": true, "on": "2026-01-09"});
    app.post(&path("assess"), &officer, &early).await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let assessed = app.post(&path("assess"), &officer, &assessment).await;
    assert_eq!(assessed.status, StatusCode::OK, "{}", assessed.body);
    // Investigate within 30 days of the assessment: by 2026-02-11.
    assert_eq!((&assessed.body["next_step"], &assessed.body["due_on"]), (&json!("investigate"), &json!("2026-02-11")));
    app.post(&path("assess"), &officer, &assessment).await.assert_problem(StatusCode::CONFLICT);
    let investigated = app.post(&path("investigate"), &officer, &investigation).await;
    assert_eq!(investigated.status, StatusCode::OK, "{}", investigated.body);
    // Serious: reported to IVO within 14 days of the investigation, by 2026-02-03; that day has passed.
    assert_eq!(investigated.body["due_on"], "2026-02-03");
    assert_eq!(investigated.body["overdue"], true);
    let overdue = app.get("/api/v1/deviations?overdue=true", &officer).await;
    assert_eq!(ids(&overdue.body), BTreeSet::from([id.clone()]));
    let reported = app.post(&path("report-to-ivo"), &officer, &json!({"on": "2026-01-25"})).await;
    assert_eq!(reported.status, StatusCode::OK, "{}", reported.body);
    assert_eq!(
        [&reported.body["state"], &reported.body["assessed_on"], &reported.body["investigated_on"]],
        [&json!("reported_to_ivo"), &json!("2026-01-12"), &json!("2026-01-20")]
    );
    assert_eq!(
        (&reported.body["reported_to_ivo_on"], &reported.body["overdue"]),
        (&json!("2026-01-25"), &json!(false))
    );
    assert!(ids(&app.get("/api/v1/deviations?overdue=true", &officer).await.body).is_empty());

    // Not a lex Sarah matter: nothing more is due, and it cannot be investigated.
    let other = record(&app, &officer, &about(Some(&person.id), None)).await;
    let plain = json!({"assessment": "not_lex_sarah", "serious": false, "on": "2026-01-11"});
    let done = app.post(&format!("/api/v1/deviations/{other}/assess"), &officer, &plain).await;
    assert_eq!((done.status, &done.body["next_step"]), (StatusCode::OK, &Value::Null), "{}", done.body);
    let path = format!("/api/v1/deviations/{other}/investigate");
    app.post(&path, &officer, &investigation).await.assert_problem(StatusCode::CONFLICT);
    // A deviation not assessed within 7 days of being recorded is overdue.
    let late = record(&app, &officer, &about(Some(&person.id), None)).await;
    let owner = app.owner_client().await;
    owner
        .execute("UPDATE deviations SET recorded_on = current_date - 8 WHERE id = $1::text::uuid", &[&late])
        .await
        .expect("backdate");
    let overdue = app.get("/api/v1/deviations?overdue=true", &officer).await;
    assert_eq!(ids(&overdue.body), BTreeSet::from([late]));
}

#[tokio::test]
async fn a_guarantee_breach_and_a_night_outdoors_after_asking_create_deviations() {
    let app = TestApp::spawn().await;
    let fx = Fixtures::new(&app).await;
    fx.two_districts().await;
    let person = fx.person(&PersonSpec::default()).await;
    let breach = fx.guarantee_breach(&person.id, 17.90).await;
    let officer = app.token(Role::HousingOfficer).await;
    let list = app.get("/api/v1/deviations", &officer).await.body;
    let found: Vec<&Value> = list.as_array().map(|l| l.iter().collect()).unwrap_or_default();
    assert_eq!(found.len(), 1, "{list}");
    assert_eq!((&found[0]["source"], &found[0]["person_id"]), (&json!("guarantee_breach"), &json!(person.id)));
    assert_eq!(found[0]["state"], "recorded");
    assert!(breach["outcome"] == "no_suitable_bed");
    // Recorded sleeping outdoors after that request: a second deviation. Another person who never asked
    // for help: none.
    let tonight = hemvist_tests::fixtures::tonight(&app);
    let outdoors = json!({"kind": "outdoors", "valid_from": tonight});
    fx.post(&format!("/api/v1/people/{}/housing-arrangements", person.id), &outdoors, "outdoors").await;
    let stranger = fx.person(&PersonSpec::default()).await;
    fx.post(&format!("/api/v1/people/{}/housing-arrangements", stranger.id), &outdoors, "outdoors").await;
    let list = app.get("/api/v1/deviations", &officer).await.body;
    let sources: BTreeSet<(String, String)> = list
        .as_array()
        .map(|l| {
            l.iter()
                .map(|d| {
                    (d["source"].as_str().unwrap_or("").to_owned(), d["person_id"].as_str().unwrap_or("").to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    let expected = BTreeSet::from([
        ("guarantee_breach".to_owned(), person.id.clone()),
        ("outdoors_after_request".to_owned(), person.id.clone()),
    ]);
    assert_eq!(sources, expected, "{list}");
}

#[tokio::test]
async fn caseworker_continuity_by_hand() {
    let app = TestApp::spawn().await;
    let owner = app.owner_client().await;
    // Järva: K1–K4 one caseworker for two years; K5 changed 3 months ago; K6 (protected) changed twice
    // (5 and 2 months ago); K7 changed two years ago only (not in the window: kept one). Farsta: one person.
    owner
        .batch_execute(
            "INSERT INTO people (municipality_code, identity_kind, given_name, family_name, sex, responsible_district_code,
                                 protected_identity)
             SELECT '0180', 'none', 'K' || g, 'Continuity', 'woman', CASE WHEN g = 8 THEN 'farsta' ELSE 'jarva' END, g = 6
               FROM generate_series(1, 8) g;
             INSERT INTO caseworker_assignments (municipality_code, person_id, caseworker, assigned_at, ended_at)
             SELECT '0180', p.id, x.caseworker, now() - x.since, now() - x.until
               FROM (VALUES ('K1', 'anna', interval '2 years', NULL::interval), ('K2', 'anna', '2 years', NULL),
                            ('K3', 'anna', '2 years', NULL), ('K4', 'bo', '2 years', NULL),
                            ('K5', 'anna', '2 years', '3 months'), ('K5', 'bo', '3 months', NULL),
                            ('K6', 'anna', '2 years', '5 months'), ('K6', 'bo', '5 months', '2 months'),
                            ('K6', 'cia', '2 months', NULL),
                            ('K7', 'anna', '3 years', '2 years'), ('K7', 'bo', '2 years', NULL),
                            ('K8', 'anna', '1 year', NULL)) x(who, caseworker, since, until)
               JOIN people p ON p.given_name = x.who AND p.family_name = 'Continuity';",
        )
        .await
        .expect("seed caseworkers");
    let id_of = async |name: &str| -> String {
        let row = owner
            .query_one("SELECT id::text FROM people WHERE given_name = $1 AND family_name = 'Continuity'", &[&name])
            .await
            .expect("person");
        row.get(0)
    };
    let (k5, k6) = (id_of("K5").await, id_of("K6").await);
    let admin = app.token(Role::Admin).await;
    let report = app.get("/api/v1/reports/continuity", &admin).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let r = &report.body;
    // Järva: 7 people, 5 kept one caseworker; Farsta's one person is suppressed.
    let jarva = json!({"district_code": "jarva", "people": 7, "kept_one": 5, "share_kept": 5.0 / 7.0});
    let farsta = json!({"district_code": "farsta", "people": null, "kept_one": null, "share_kept": null});
    assert_eq!(r["districts"], json!([farsta, jarva]));
    let people = json!([{"person_id": k6, "district_code": "jarva", "changes": 2},
                        {"person_id": k5, "district_code": "jarva", "changes": 1}]);
    assert_eq!(r["people"], people);
    assert_eq!(
        r["protected_changed"],
        json!([{"person_id": k6, "given_name": "K6", "family_name": "Continuity",
                                               "district_code": "jarva", "changes": 2}])
    );
    // The auditor may not see protected people: neither listed nor in the per-person rows.
    let auditor = app.token(Role::Auditor).await;
    let r = app.get("/api/v1/reports/continuity", &auditor).await.body;
    assert_eq!(r["protected_changed"], json!([]));
    assert_eq!(r["people"], json!([{"person_id": k5, "district_code": "jarva", "changes": 1}]));
}

#[tokio::test]
async fn empty_homes_while_people_wait_by_hand() {
    let app = TestApp::spawn().await;
    let fx = Fixtures::new(&app).await;
    fx.two_districts().await;
    let (lat, lon) = (59.40, 17.90);
    let free = fx.post("/api/v1/apartments", &two_room_apartment_body("Ledig 1", lat, lon), "apartment").await;
    let let_later = fx.post("/api/v1/apartments", &two_room_apartment_body("Uthyrd 2", lat, lon), "apartment").await;
    assert_eq!(free["district_code"], "jarva", "{free}");
    let owner = app.owner_client().await;
    // Period 2025-03-01..10. W waits all ten days (granted 2025-02-01, never executed); T waits until the
    // lease of apartment 2 begins 2025-03-06 (executed that day); S sleeps in a shelter 03-01..03.
    owner
        .execute(
            "INSERT INTO people (municipality_code, identity_kind, given_name, family_name, sex, responsible_district_code)
             SELECT '0180', 'none', x, 'Vacancy', 'man', 'jarva' FROM unnest(ARRAY['W', 'T', 'S']) x",
            &[],
        )
        .await
        .expect("people");
    owner
        .batch_execute(&format!(
            "INSERT INTO decisions (municipality_code, person_id, intervention, district_code, applied_on, decided_on,
                                    outcome, executed_on)
             SELECT '0180', id, 'trial_apartment', 'jarva', '2025-01-01', d, 'granted', e
               FROM people p, LATERAL (SELECT CASE p.given_name WHEN 'W' THEN date '2025-02-01' ELSE date '2025-01-01' END,
                                              CASE p.given_name WHEN 'T' THEN date '2025-03-06' END) x(d, e)
              WHERE p.family_name = 'Vacancy' AND p.given_name IN ('W', 'T');
             INSERT INTO leases (municipality_code, apartment_id, person_id, decision_id, kind, starts_on, status, activated_on)
             SELECT '0180', '{}', d.person_id, d.id, 'trial', '2025-03-06', 'active', '2025-03-06'
               FROM decisions d JOIN people p ON p.id = d.person_id WHERE p.given_name = 'T' AND p.family_name = 'Vacancy';
             INSERT INTO shelters (municipality_code, name, operator, address, lat, lon, district_code, accepts_women,
                                   accepts_men, total_beds, opens_at, check_in_deadline)
             VALUES ('0180', 'S', 'Op', 'A', 59.40, 17.90, 'jarva', true, true, 20, '19:00', '23:00');
             ALTER TABLE bed_assignments DISABLE TRIGGER bed_assignments_capacity;
             INSERT INTO bed_assignments (municipality_code, shelter_id, night, person_id, status, hold_until)
             SELECT '0180', s.id, date '2025-03-01' + i, p.id, 'checked_out', now()
               FROM shelters s, people p, generate_series(0, 2) i WHERE p.given_name = 'S' AND p.family_name = 'Vacancy';
             ALTER TABLE bed_assignments ENABLE TRIGGER bed_assignments_capacity;",
            let_later["id"].as_str().unwrap_or_default()
        ))
        .await
        .expect("seed vacancy");
    let auditor = app.token(Role::Auditor).await;
    let report = app.get("/api/v1/reports/vacancy?from=2025-03-01&to=2025-03-10", &auditor).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let vacant: Vec<(Value, Value)> = report.body["apartments"]
        .as_array()
        .map(|l| l.iter().map(|a| (a["apartment_id"].clone(), a["vacant_days"].clone())).collect())
        .unwrap_or_default();
    assert_eq!(vacant, vec![(free["id"].clone(), json!(10)), (let_later["id"].clone(), json!(5))]);
    // Days 1–3: 2 vacant, 3 waiting (W, T, S); days 4–5: 2 and 2 (W, T); days 6–10: 1 and 1 (W).
    let jarva = json!({"district_code": "jarva", "vacant_apartment_days": 15, "waiting_person_days": 18,
                       "days_with_both": 10, "matchable_days": 2 * 3 + 2 * 2 + 5});
    assert_eq!(report.body["districts"], json!([jarva]));

    // Once T's home is protected, a role that may not see protected addresses (the auditor) gets neither
    // the apartment nor its vacant days: to them it is out of letting everywhere. The admin still does.
    owner
        .execute("UPDATE people SET protected_identity = true WHERE given_name = 'T' AND family_name = 'Vacancy'", &[])
        .await
        .expect("protect");
    let path = "/api/v1/reports/vacancy?from=2025-03-01&to=2025-03-10";
    let hidden = app.get(path, &auditor).await.body;
    assert_eq!(hidden["apartments"].as_array().map(Vec::len), Some(1), "{hidden}");
    assert_eq!(hidden["apartments"][0]["apartment_id"], free["id"]);
    let jarva = json!({"district_code": "jarva", "vacant_apartment_days": 10, "waiting_person_days": 18,
                       "days_with_both": 10, "matchable_days": 3 + 2 + 5});
    assert_eq!(hidden["districts"], json!([jarva]));
    let admin = app.token(Role::Admin).await;
    assert_eq!(app.get(path, &admin).await.body["apartments"].as_array().map(Vec::len), Some(2));
}

/// A lease's `ends_on` is the first free day (the lease API: "the last day is the day before"; the
/// situations report counts it so): the vacancy report counts it as vacant. And a district's own list is
/// never cut short by other districts' apartments: the 500-apartment limit applies after the district
/// scope (review, 2026-11-24).
#[tokio::test]
async fn vacancy_frees_a_lease_on_its_end_day_and_limits_a_districts_own_list() {
    let app = TestApp::spawn().await;
    let fx = Fixtures::new(&app).await;
    fx.two_districts().await;
    let ended = fx.post("/api/v1/apartments", &two_room_apartment_body("Avslutad 1", 59.40, 17.90), "apartment").await;
    let in_bromma =
        fx.post("/api/v1/apartments", &two_room_apartment_body("Brommavägen 1", 59.40, 18.00), "apartment").await;
    assert_eq!(in_bromma["district_code"], "bromma", "{in_bromma}");
    let owner = app.owner_client().await;
    // The lease of Avslutad 1 ran from 2025-02-01; it ended with 03-07 its last day (ends_on 03-08). Bromma's
    // apartment was let until the same day. 500 more apartments in Järva stand empty all period.
    owner
        .batch_execute(&format!(
            "INSERT INTO people (municipality_code, identity_kind, given_name, family_name, sex)
             VALUES ('0180', 'none', 'E', 'Ended', 'man'), ('0180', 'none', 'B', 'Ended', 'man');
             INSERT INTO decisions (municipality_code, person_id, intervention, district_code, applied_on, decided_on,
                                    outcome, executed_on)
             SELECT '0180', id, 'trial_apartment', 'jarva', '2025-01-01', '2025-01-10', 'granted', '2025-02-01'
               FROM people WHERE family_name = 'Ended';
             INSERT INTO leases (municipality_code, apartment_id, person_id, decision_id, kind, starts_on, status,
                                 activated_on, ends_on, end_reason)
             SELECT '0180', CASE p.given_name WHEN 'E' THEN '{}'::uuid ELSE '{}'::uuid END, d.person_id, d.id, 'trial',
                    '2025-02-01', 'ended', '2025-02-01', '2025-03-08', 'moved on'
               FROM decisions d JOIN people p ON p.id = d.person_id WHERE p.family_name = 'Ended';
             INSERT INTO apartments (municipality_code, address, lat, lon, district_id, district_code, rooms, area_sqm,
                                     floor, has_lift, wheelchair_accessible, monthly_rent_sek, landlord, first_hand_start)
             SELECT a.municipality_code, 'Tom ' || i, a.lat, a.lon, a.district_id, a.district_code, 2, 50, 1, false,
                    false, 6000, 'Värd', '2024-01-01'
               FROM apartments a, generate_series(1, 500) i WHERE a.address = 'Avslutad 1';",
            ended["id"].as_str().unwrap(),
            in_bromma["id"].as_str().unwrap()
        ))
        .await
        .expect("seed");
    let path = "/api/v1/reports/vacancy?from=2025-03-01&to=2025-03-10";
    let admin = app.token(Role::Admin).await;
    let vacant_days = |report: &Value, id: &Value| {
        report["apartments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["apartment_id"] == *id)
            .map(|a| a["vacant_days"].clone())
    };
    // 03-08, 03-09 and 03-10.
    let city = app.get(path, &admin).await;
    assert_eq!(city.status, StatusCode::OK, "{}", city.body);
    assert_eq!(city.body["apartments"].as_array().map(Vec::len), Some(500), "the limit");
    // The empty ones (10 days each) fill the city's 500; Bromma's own token still gets its apartment.
    let bromma = app.token_for(Role::Auditor, "0180", &["bromma"], &[]).await;
    let own = app.get(path, &bromma).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert_eq!(vacant_days(&own.body, &in_bromma["id"]), Some(json!(3)), "{}", own.body);
    assert_eq!(own.body["apartments"].as_array().map(Vec::len), Some(1));
    let bromma_days = json!({"district_code": "bromma", "vacant_apartment_days": 3, "waiting_person_days": 0,
                             "days_with_both": 0, "matchable_days": 0});
    assert_eq!(own.body["districts"], json!([bromma_days]));
    // Järva's ended lease: three vacant days too (its district total: 500 × 10 + 3).
    let jarva = app.token_for(Role::Auditor, "0180", &["jarva"], &[]).await;
    let districts = app.get(path, &jarva).await.body["districts"].clone();
    assert_eq!(districts[0]["vacant_apartment_days"], 5003, "{districts}");
}
