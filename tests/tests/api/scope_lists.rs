//! Scope: no list, search, map, report or feed (nor any object read by its id) shows a row outside the
//! caller's municipality or unit, and no role that may not see a protected address can read or derive
//! it. Expectations are the policy's scope rules (`access_policy.rs`), written as data per viewer.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hemvist_tests::fixtures::{BROMMA_CASEWORKER, BROMMA_PERSONNUMMER, Fixtures, Seeded, World};
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::Value;

use crate::access_policy::spec_operations;

/// Operations that show who sleeps where tonight: a protected guest appears there by an alias only,
/// except to admin and the coordinator who placed them (item 22).
const NIGHT_OPERATIONS: [&str; 5] = [
    "list_bed_assignments",
    "list_guarantee_requests",
    "get_guarantee_request",
    "list_guarantee_breaches",
    "get_bouncing_report",
];

/// The operations that take `limit`/`cursor`: their pages are walked one row at a time, so that a
/// cursor cannot carry a hidden row's key.
pub fn paginated_operations() -> BTreeSet<String> {
    let spec: Value = serde_json::from_str(&hemvist_server::openapi_json().unwrap()).unwrap();
    let mut paged = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            let params = operation["parameters"].as_array().cloned().unwrap_or_default();
            if params.iter().any(|p| p["in"] == "query" && p["name"] == "limit") {
                paged.insert(operation["operationId"].as_str().unwrap().to_owned());
            }
        }
    }
    paged
}

/// The text of a successful answer (every page of a paginated list, cursors decoded), or None.
pub async fn read_text(app: &TestApp, token: &str, path: &str, paged: bool) -> Option<String> {
    let mut text = String::new();
    let mut cursor: Option<String> = None;
    for _ in 0..40 {
        let separator = if path.contains('?') { '&' } else { '?' };
        let uri = match (&cursor, paged) {
            (Some(cursor), _) => format!("{path}{separator}limit=1&cursor={cursor}"),
            (None, true) => format!("{path}{separator}limit=1"),
            (None, false) => path.to_owned(),
        };
        let response = app.get(&uri, token).await;
        if !response.status.is_success() {
            return (!text.is_empty()).then_some(text);
        }
        text.push_str(&response.body.to_string());
        cursor = response.body["next_cursor"].as_str().map(str::to_owned);
        match &cursor {
            Some(c) if paged => {
                let decoded = URL_SAFE_NO_PAD.decode(c).unwrap_or_default();
                text.push_str(&String::from_utf8_lossy(&decoded));
            }
            _ => break,
        }
    }
    Some(text)
}

/// Long lists come in pages (item 24), so that no answer is unbounded and the walk below pages
/// through each one row at a time.
#[test]
fn long_lists_are_paginated() {
    let paged = paginated_operations();
    let missing: Vec<&str> = [
        "list_districts",
        "list_apartments",
        "list_leases",
        "list_people",
        "list_rent_arrears",
        "list_overdue_support_plan_reviews",
        "list_bed_assignments",
        "list_guarantee_requests",
    ]
    .into_iter()
    .filter(|operation| !paged.contains(*operation))
    .collect();
    assert!(missing.is_empty(), "lists without limit and cursor: {missing:?}");
}

/// Who reads, and what must never appear in their answers.
struct Viewer {
    name: &'static str,
    token: String,
    /// (marker, why) that no answer may contain.
    forbidden: Vec<(String, String)>,
    /// (marker, why) that night answers may not contain.
    night_forbidden: Vec<(String, String)>,
    /// (marker, why) that reports may not contain (a district-scoped token gets its districts' rows).
    report_forbidden: Vec<(String, String)>,
    /// (operation path, marker) that must appear: the viewer is not simply shown nothing.
    must_see: Vec<(String, String)>,
}

fn out_of_scope(people: &[&Seeded], why: &str) -> Vec<(String, String)> {
    people
        .iter()
        .flat_map(|s| s.markers().into_iter().map(move |m| (m, format!("{why}: {}", s.person.given_name))))
        .collect()
}

/// What reveals the protected person's home: the address, the lease, the apartment and its address.
fn protected_home(world: &World) -> Vec<(String, String)> {
    let lease = world.p.lease.as_ref().unwrap();
    [world.protected_address.clone(), lease.id.clone(), lease.apartment.clone(), lease.apartment_address.clone()]
        .into_iter()
        .map(|m| (m, "the protected person's home".to_owned()))
        .collect()
}

/// What reveals the protected person's home to a role that reads the apartment stock: the address and
/// the lease. The apartment itself is in the stock and shows there as out of letting (README, "Who sees
/// what"), which is checked apart.
fn protected_lease(world: &World) -> Vec<(String, String)> {
    let lease = world.p.lease.as_ref().unwrap();
    [world.protected_address.clone(), lease.id.clone()]
        .into_iter()
        .map(|m| (m, "the protected person's home".to_owned()))
        .collect()
}

fn protected_names(world: &World) -> Vec<(String, String)> {
    [world.p.person.given_name.clone(), world.p.person.family_name.clone()]
        .into_iter()
        .map(|m| (m, "a protected guest's name".to_owned()))
        .collect()
}

/// A protected person on the night's lists: neither their name nor their id (which leads to them), only
/// the alias.
fn protected_guest(world: &World) -> Vec<(String, String)> {
    let mut markers = protected_names(world);
    markers.push((world.p.person.id.clone(), "a protected guest's id".to_owned()));
    markers
}

#[tokio::test]
async fn lists_searches_maps_reports_and_feeds_stay_in_scope() {
    let app = TestApp::spawn().await;
    let fx = Fixtures::new(&app).await;
    let w = World::seed(&fx).await;
    let shelter_a: uuid::Uuid = w.shelter_a.parse().unwrap();
    let everyone = w.people();
    let all_people: Vec<&Seeded> = everyone.to_vec();
    let j1_lease = w.j1.lease.as_ref().unwrap().id.clone();
    let b1_name = w.b1.person.given_name.clone();
    let mut viewers = vec![
        Viewer {
            name: "admin",
            token: fx.admin.clone(),
            forbidden: vec![],
            night_forbidden: vec![],
            report_forbidden: vec![],
            must_see: everyone
                .iter()
                .map(|s| ("/api/v1/people".to_owned(), s.person.given_name.clone()))
                .chain([
                    (
                        format!("/api/v1/people?identity_number={}", BROMMA_PERSONNUMMER.replace('-', "")),
                        b1_name.clone(),
                    ),
                    (format!("/api/v1/people?caseworker={BROMMA_CASEWORKER}"), b1_name.clone()),
                ])
                .collect(),
        },
        Viewer {
            name: "housing_officer of Järva",
            token: app.token_for(Role::HousingOfficer, "0180", &["jarva"], &[]).await,
            forbidden: out_of_scope(&[&w.b1], "a Bromma tenant"),
            night_forbidden: vec![],
            report_forbidden: vec![("bromma".to_owned(), "a Bromma row".to_owned())],
            must_see: vec![
                ("/api/v1/people".into(), w.j1.person.given_name.clone()),
                ("/api/v1/leases".into(), j1_lease.clone()),
                ("/api/v1/reports/apartment-stock".into(), "jarva".to_owned()),
            ],
        },
        Viewer {
            name: "support_worker sw.a",
            token: app.staff_token(Role::SupportWorker, "sw.a").await,
            forbidden: [
                out_of_scope(&[&w.j2, &w.b1], "a person sw.a does not support"),
                protected_home(&w),
                vec![("sw.b".to_owned(), "another worker's figures".to_owned())],
            ]
            .concat(),
            night_forbidden: vec![],
            report_forbidden: vec![],
            must_see: vec![
                ("/api/v1/people".into(), w.j1.person.given_name.clone()),
                ("/api/v1/leases".into(), j1_lease.clone()),
            ],
        },
        Viewer {
            name: "support_worker without a staff id",
            token: app.token(Role::SupportWorker).await,
            forbidden: out_of_scope(&all_people, "nobody is assigned to no one"),
            night_forbidden: vec![],
            report_forbidden: vec![],
            must_see: vec![],
        },
        Viewer {
            name: "shelter_staff of shelter A",
            token: app.token_for(Role::ShelterStaff, "0180", &[], &[shelter_a]).await,
            forbidden: [out_of_scope(&[&w.j1, &w.b1, &w.q], "not a guest of shelter A"), protected_home(&w)].concat(),
            night_forbidden: protected_guest(&w),
            report_forbidden: vec![],
            must_see: vec![(format!("/api/v1/nights/{}/assignments", w.tonight), w.j2.person.given_name.clone())],
        },
        Viewer {
            name: "night_coordinator",
            token: app.token(Role::NightCoordinator).await,
            forbidden: protected_home(&w),
            night_forbidden: protected_guest(&w),
            report_forbidden: vec![],
            must_see: vec![
                ("/api/v1/people".into(), w.b1.person.given_name.clone()),
                (format!("/api/v1/guarantee-requests?night={}", w.tonight), w.j2.person.id.clone()),
                // Open breaches: j1's by name and id, the protected person's by alias (the request only).
                ("/api/v1/guarantee-breaches".into(), w.j1.person.id.clone()),
                ("/api/v1/guarantee-breaches".into(), w.j1.breach.clone().unwrap()),
                ("/api/v1/guarantee-breaches".into(), w.p.breach.clone().unwrap()),
            ],
        },
        Viewer {
            name: "integration",
            token: app.token(Role::Integration).await,
            forbidden: [out_of_scope(&all_people, "a person, to another system"), protected_home(&w)].concat(),
            night_forbidden: vec![],
            report_forbidden: vec![],
            must_see: vec![],
        },
        Viewer {
            name: "auditor",
            token: app.token(Role::Auditor).await,
            forbidden: protected_lease(&w),
            night_forbidden: vec![],
            report_forbidden: vec![],
            must_see: vec![("/api/v1/leases".into(), j1_lease.clone())],
        },
    ];
    // Every role of another municipality sees nothing of Stockholm's, whatever its unit scope says.
    app.add_municipality("1480", "Göteborg").await;
    let stockholm: Vec<(String, String)> = [
        out_of_scope(&all_people, "Stockholm's person, to Göteborg"),
        [&w.jarva, &w.bromma, &w.shelter_a, &w.shelter_b, &w.protected_address]
            .into_iter()
            .map(|m| (m.clone(), "Stockholm's, to Göteborg".to_owned()))
            .collect(),
    ]
    .concat();
    for role in Role::ALL {
        let token = match role {
            Role::ShelterStaff => app.token_for(role, "1480", &[], &[shelter_a]).await,
            Role::HousingOfficer => app.token_for(role, "1480", &["jarva"], &[]).await,
            _ => app.token_for(role, "1480", &[], &[]).await,
        };
        let name: &'static str = Box::leak(format!("{role} of Göteborg").into_boxed_str());
        viewers.push(Viewer {
            name,
            token,
            forbidden: stockholm.clone(),
            night_forbidden: vec![],
            report_forbidden: vec![],
            must_see: vec![],
        });
    }
    let gothenburg_support = app.token_with(Role::SupportWorker, "1480", &[], &[], Some("sw.a")).await;
    viewers.push(Viewer {
        name: "support_worker sw.a of Göteborg",
        token: gothenburg_support,
        forbidden: stockholm.clone(),
        night_forbidden: vec![],
        report_forbidden: vec![],
        must_see: vec![],
    });

    let paged = paginated_operations();
    let reads = w.reads();
    // The walk makes every read of the API, so a new list or report is checked here too.
    let walked: BTreeSet<&str> = reads.iter().map(|(operation, _)| *operation).collect();
    let missing: Vec<String> = spec_operations()
        .into_iter()
        .filter(|(id, (method, _))| method == "GET" && !walked.contains(id.as_str()) && !id.starts_with("get_health"))
        .filter(|(id, _)| id != "get_ready")
        .map(|(id, _)| id)
        .collect();
    assert!(missing.is_empty(), "reads the scope and audit walks do not make: {missing:?}");
    let mut failures = Vec::new();
    for viewer in &viewers {
        for (operation, path) in &reads {
            // The token list shows the municipality's own tokens as configured, and this test makes
            // Göteborg's shelter staff token (directly in the database) for a Stockholm shelter's id:
            // that id is Göteborg's own row, not Stockholm's data. Its other markers are still checked.
            let own_token_rows = *operation == "list_api_tokens";
            let Some(text) = read_text(&app, &viewer.token, path, paged.contains(*operation)).await else { continue };
            let text = if own_token_rows { text.replace(w.shelter_a.as_str(), "") } else { text };
            let night = NIGHT_OPERATIONS.contains(operation);
            let report = operation.ends_with("_report");
            let situational = viewer.night_forbidden.iter().filter(|_| night);
            let reported = viewer.report_forbidden.iter().filter(|_| report);
            for (marker, why) in viewer.forbidden.iter().chain(situational).chain(reported) {
                if text.contains(marker.as_str()) {
                    failures.push(format!("{} · {operation} {path}: shows {why} ({marker})", viewer.name));
                }
            }
        }
        for (path, marker) in &viewer.must_see {
            let operation = reads.iter().find(|(_, p)| p == path).map(|(o, _)| *o).unwrap_or_default();
            let text = read_text(&app, &viewer.token, path, paged.contains(operation)).await.unwrap_or_default();
            if !text.contains(marker.as_str()) {
                failures.push(format!("{} · {path}: does not show {marker}, which is in scope", viewer.name));
            }
        }
    }
    // The protected home, to a role that reads the stock but may not see protected addresses: an
    // apartment out of letting, no reason given, never let.
    let auditor = app.token(Role::Auditor).await;
    let apartment = &w.p.lease.as_ref().unwrap().apartment;
    let shown = app.get(&format!("/api/v1/apartments/{apartment}"), &auditor).await;
    if shown.body["status"] != "unavailable" || !shown.body["unavailable_reason"].is_null() {
        failures.push(format!("auditor · the protected home: {} {}", shown.status, shown.body));
    }
    assert!(failures.is_empty(), "{} scope failures:\n{}", failures.len(), failures.join("\n"));
}

/// No object is readable or writable outside the caller's municipality or unit: each kind of object,
/// asked for by its id from another municipality (and, for unit-scoped roles, another unit), is 404.
#[tokio::test]
async fn objects_outside_the_callers_scope_do_not_exist_for_it() {
    use serde_json::json;
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let boundary = |lon: f64| json!({"type": "Polygon", "coordinates": [[[lon, 59.38], [lon + 0.1, 59.38], [lon + 0.1, 59.43], [lon, 59.43], [lon, 59.38]]]});
    let district = app
        .post(
            "/api/v1/districts",
            &admin,
            &json!({"code": "jarva", "name": "Järva", "valid_from": "2023-07-01", "boundary": boundary(17.85)}),
        )
        .await;
    app.post(
        "/api/v1/districts",
        &admin,
        &json!({"code": "bromma", "name": "Bromma", "valid_from": "2023-07-01", "boundary": boundary(17.95)}),
    )
    .await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let person = id(&app.post("/api/v1/people", &admin, &json!({"identity_kind": "none", "given_name": "A", "family_name": "B", "sex": "woman", "home_municipality_code": "0180", "responsible_district_code": "jarva"})).await.body);
    let household = id(&app.post("/api/v1/households", &admin, &json!({"adults": [person]})).await.body);
    let decision = id(&app
        .post(
            &format!("/api/v1/people/{person}/decisions"),
            &admin,
            &json!({"intervention": "trial_apartment", "applied_on": "2025-01-02"}),
        )
        .await
        .body);
    app.post(
        &format!("/api/v1/decisions/{decision}/decide"),
        &admin,
        &json!({"decided_on": "2025-01-10", "outcome": "granted", "reasons": "r"}),
    )
    .await;
    let apartment = id(&app
        .post("/api/v1/apartments", &admin, &json!({"address": "A 1", "lat": 59.39, "lon": 17.90, "rooms": 1.0, "area_sqm": 30.0, "floor": 1, "has_lift": false,
            "wheelchair_accessible": false, "monthly_rent_sek": 5000, "landlord": "L", "first_hand_start": "2024-01-01"}))
        .await
        .body);
    let lease = id(&app
        .post(
            "/api/v1/leases",
            &admin,
            &json!({"apartment_id": apartment, "decision_id": decision, "kind": "trial", "starts_on": "2025-02-01"}),
        )
        .await
        .body);
    let plan = id(&app
        .post(&format!("/api/v1/people/{person}/support-plans"), &admin, &json!({"content": {"goals": [{"title": "G", "status": "in_progress"}], "interventions": [], "participation": {"participated": true}, "next_review_on": "2026-06-01"}}))
        .await
        .body);
    let shelter = id(&app
        .post("/api/v1/shelters", &admin, &json!({"name": "S", "operator": "O", "address": "A", "lat": 59.40, "lon": 17.90,
            "eligibility": {"accepts_women": true, "accepts_men": true}, "total_beds": 5, "opens_at": "19:00", "check_in_deadline": "23:00"}))
        .await
        .body);
    let night =
        hemvist_platform::night::Night::containing(jiff::Timestamp::now(), app.state.settings.night_cutover_hour)
            .to_string();
    let request =
        app.post("/api/v1/guarantee-requests", &admin, &json!({"person_id": person, "channel": "other"})).await;
    let (guarantee, bed) = (id(&request.body), request.body["bed"]["assignment_id"].as_str().unwrap().to_owned());
    assert!(!district.body["id"].is_null());

    let reads = [
        format!("/api/v1/districts/{}", id(&district.body)),
        format!("/api/v1/people/{person}"),
        format!("/api/v1/households/{household}"),
        format!("/api/v1/decisions/{decision}"),
        format!("/api/v1/apartments/{apartment}"),
        format!("/api/v1/leases/{lease}"),
        format!("/api/v1/leases/{lease}/rent"),
        format!("/api/v1/support-plans/{plan}"),
        format!("/api/v1/shelters/{shelter}"),
        format!("/api/v1/shelters/{shelter}/nights/{night}"),
        format!("/api/v1/guarantee-requests/{guarantee}"),
    ];
    app.add_municipality("1480", "Göteborg").await;
    let gothenburg = app.token_for(Role::Admin, "1480", &[], &[]).await;
    for path in &reads {
        app.get(path, &gothenburg).await.assert_problem(StatusCode::NOT_FOUND);
    }
    for (path, body) in [
        (format!("/api/v1/decisions/{decision}/close"), json!({"closed_on": "2025-02-01", "reason": "x"})),
        (format!("/api/v1/leases/{lease}/end"), json!({"ended_on": "2025-03-01", "reason": "x"})),
        (format!("/api/v1/support-plans/{plan}/close"), json!({"closed_on": "2025-03-01", "reason": "x"})),
        (format!("/api/v1/bed-assignments/{bed}/cancel"), json!({})),
        (
            format!("/api/v1/people/{person}/housing-arrangements"),
            json!({"kind": "outdoors", "valid_from": "2025-01-01"}),
        ),
    ] {
        app.post(&path, &gothenburg, &body).await.assert_problem(StatusCode::NOT_FOUND);
    }
    assert!(app.get("/api/v1/people", &gothenburg).await.body["items"].as_array().unwrap().is_empty());
    assert!(
        // A plain list or a page of one (lists are being paginated).
        {
            let body = app.get(&format!("/api/v1/nights/{night}/assignments"), &gothenburg).await.body;
            body.as_array().or_else(|| body["items"].as_array()).unwrap().is_empty()
        }
    );

    // Another unit: a Bromma officer, staff of another shelter, a support worker not assigned.
    let bromma = app.token_for(Role::HousingOfficer, "0180", &["bromma"], &[]).await;
    for path in [
        format!("/api/v1/people/{person}"),
        format!("/api/v1/apartments/{apartment}"),
        format!("/api/v1/leases/{lease}"),
        format!("/api/v1/decisions/{decision}"),
    ] {
        app.get(&path, &bromma).await.assert_problem(StatusCode::NOT_FOUND);
    }
    let other_shelter = app.token_for(Role::ShelterStaff, "0180", &[], &[uuid::Uuid::new_v4()]).await;
    app.get(&format!("/api/v1/shelters/{shelter}/nights/{night}"), &other_shelter)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.post(&format!("/api/v1/bed-assignments/{bed}/cancel"), &other_shelter, &json!({}))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let stranger = app.staff_token(Role::SupportWorker, "not.assigned").await;
    app.get(&format!("/api/v1/support-plans/{plan}"), &stranger).await.assert_problem(StatusCode::NOT_FOUND);
    app.get(&format!("/api/v1/people/{person}"), &stranger).await.assert_problem(StatusCode::NOT_FOUND);
    // And in scope, all of it is there.
    for path in &reads {
        assert_eq!(app.get(path, &admin).await.status, StatusCode::OK, "{path}");
    }
}
