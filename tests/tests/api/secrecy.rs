//! Inner secrecy (OSL 26 kap.): who sees which leases, rent, arrears, apartments and households.
//!
//! The expected access is written here as data, from domain.md ("inner secrecy applies to everything
//! that reveals a person's home: leases, rent, arrears, apartment status, maps, households. A role that
//! may not see a protected address must not be able to derive it either") and the README's "Who sees
//! what" table:
//! - admin: everything of its municipality; housing_officer: apartments, leases, rent, limited by
//!   `--district` (an apartment's district);
//! - support_worker: only the people assigned to its `--staff` member (none without one);
//! - shelter_staff, night_coordinator, integration: no leases, rent or apartments;
//! - auditor: reading, but like support workers no protected address;
//! - protected address, contact and leases go only to admin and housing_officer, and a household member
//!   of a protected person shares the protected home.
//!
//! The world: districts Järva and Farsta; apartments J1..J7 in Järva, F1, F2 in Farsta.
//! J1 let to Anna (supported by Lena), J2 to Bo (supported by Omar), J3 to Prot (protected, supported by
//! Lena), J4 to Per (supported by Lena; his household partner Pia is protected, same address), J5
//! available, J6 unavailable (water damage), J7 taken over by Quinn (protected), F1 let to Cai (nobody's),
//! F2 available. Every active lease owes the October 2026 rent.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Admin,
    Officer,
    OfficerJarva,
    Lena,
    Omar,
    WorkerWithoutStaff,
    Auditor,
    NightCoordinator,
    ShelterStaff,
    Integration,
    OtherMunicipality,
}

use Who::*;

const EVERYONE: [Who; 11] = [
    Admin,
    Officer,
    OfficerJarva,
    Lena,
    Omar,
    WorkerWithoutStaff,
    Auditor,
    NightCoordinator,
    ShelterStaff,
    Integration,
    OtherMunicipality,
];

type Rows = Option<&'static [&'static str]>;

/// Leases (named by tenant) each caller sees; None: the role may not read leases at all (403).
const LEASES_SEEN: &[(Who, Rows)] = &[
    (Admin, Some(&["prot", "per", "anna", "bo", "cai", "quinn"])),
    (Officer, Some(&["prot", "per", "anna", "bo", "cai", "quinn"])),
    // The apartment's district decides.
    (OfficerJarva, Some(&["prot", "per", "anna", "bo", "quinn"])),
    // Assigned Anna, Prot and Per; Prot is protected and Per shares a home with a protected person.
    (Lena, Some(&["anna"])),
    (Omar, Some(&["bo"])),
    (WorkerWithoutStaff, Some(&[])),
    (Auditor, Some(&["anna", "bo", "cai"])),
    (NightCoordinator, None),
    (ShelterStaff, None),
    (Integration, None),
    (OtherMunicipality, Some(&[])),
];

type Apartments = Option<&'static [(&'static str, &'static str)]>;

/// Apartments each caller sees, with the status shown to it; None: 403. A protected home is shown to
/// roles that may not see protected addresses as an apartment out of letting (`unavailable`, or
/// `returned_to_landlord` once it left the stock), never as let.
const APARTMENTS_SEEN: &[(Who, Apartments)] = &[
    (
        Admin,
        Some(&[
            ("J1", "let"),
            ("J2", "let"),
            ("J3", "let"),
            ("J4", "let"),
            ("J5", "available"),
            ("J6", "unavailable"),
            ("J7", "transferred"),
            ("F1", "let"),
            ("F2", "available"),
        ]),
    ),
    (
        Officer,
        Some(&[
            ("J1", "let"),
            ("J2", "let"),
            ("J3", "let"),
            ("J4", "let"),
            ("J5", "available"),
            ("J6", "unavailable"),
            ("J7", "transferred"),
            ("F1", "let"),
            ("F2", "available"),
        ]),
    ),
    (
        OfficerJarva,
        Some(&[
            ("J1", "let"),
            ("J2", "let"),
            ("J3", "let"),
            ("J4", "let"),
            ("J5", "available"),
            ("J6", "unavailable"),
            ("J7", "transferred"),
        ]),
    ),
    // Only the homes of the people they support (an apartment reveals a home).
    (Lena, Some(&[("J1", "let")])),
    (Omar, Some(&[("J2", "let")])),
    (WorkerWithoutStaff, Some(&[])),
    (
        Auditor,
        Some(&[
            ("J1", "let"),
            ("J2", "let"),
            ("J3", "unavailable"),
            ("J4", "unavailable"),
            ("J5", "available"),
            ("J6", "unavailable"),
            ("J7", "returned_to_landlord"),
            ("F1", "let"),
            ("F2", "available"),
        ]),
    ),
    (NightCoordinator, None),
    (ShelterStaff, None),
    (Integration, None),
    (OtherMunicipality, Some(&[])),
];

/// Roles that see why an apartment is unavailable; to the others a reason would tell a protected home
/// (which has none) from an apartment really out of letting.
const SEES_UNAVAILABLE_REASON: &[Who] = &[Admin, Officer, OfficerJarva];

/// Roles that may read the housing reports (README: support workers, shelter staff, night
/// coordinators and integrations do not).
const READS_HOUSING_REPORTS: &[Who] = &[Admin, Officer, OfficerJarva, Auditor, OtherMunicipality];

fn leases_seen(who: Who) -> Rows {
    LEASES_SEEN.iter().find(|(w, _)| *w == who).expect("every caller is in the table").1
}

fn apartments_seen(who: Who) -> Apartments {
    APARTMENTS_SEEN.iter().find(|(w, _)| *w == who).expect("every caller is in the table").1
}

const JARVA: [f64; 4] = [17.85, 59.38, 17.97, 59.43];
const FARSTA: [f64; 4] = [18.05, 59.22, 18.13, 59.26];

struct World {
    app: TestApp,
    tokens: BTreeMap<Who, String>,
    /// Apartment name -> id.
    apartments: BTreeMap<&'static str, String>,
    /// Tenant name -> lease id.
    leases: BTreeMap<&'static str, String>,
    /// Person name -> id.
    people: BTreeMap<&'static str, String>,
    /// Pia and Per's household; Cai and Dag's.
    household_protected: String,
    household_split: String,
}

impl World {
    fn token(&self, who: Who) -> &str {
        &self.tokens[&who]
    }

    fn apartment_name(&self, id: &str) -> &'static str {
        self.apartments.iter().find(|(_, v)| v.as_str() == id).map(|(k, _)| *k).unwrap_or("unknown apartment")
    }

    fn lease_name(&self, id: &str) -> &'static str {
        self.leases.iter().find(|(_, v)| v.as_str() == id).map(|(k, _)| *k).unwrap_or("unknown lease")
    }
}

async fn ok(app: &TestApp, method: &str, path: &str, token: &str, body: Value) -> Value {
    let response = match method {
        "POST" => app.post(path, token, &body).await,
        "PUT" => app.put(path, token, &body).await,
        _ => unreachable!(),
    };
    assert!(response.status.is_success(), "{method} {path}: {} {}", response.status, response.body);
    response.body
}

async fn district(app: &TestApp, token: &str, code: &str, [lon0, lat0, lon1, lat1]: [f64; 4]) {
    let boundary = json!({"type": "Polygon", "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]]});
    ok(
        app,
        "POST",
        "/api/v1/districts",
        token,
        json!({"code": code, "name": code, "valid_from": "2023-07-01", "boundary": boundary}),
    )
    .await;
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    district(&app, &admin, "jarva", JARVA).await;
    district(&app, &admin, "farsta", FARSTA).await;
    app.add_municipality("0181", "Sundbyberg").await;
    let officer = app.token(Role::HousingOfficer).await;

    let mut apartments = BTreeMap::new();
    let places: [(&str, f64, f64); 9] = [
        ("J1", 59.381, 17.90),
        ("J2", 59.382, 17.90),
        ("J3", 59.383, 17.90),
        ("J4", 59.384, 17.90),
        ("J5", 59.385, 17.90),
        ("J6", 59.386, 17.90),
        ("J7", 59.387, 17.90),
        ("F1", 59.23, 18.10),
        ("F2", 59.24, 18.10),
    ];
    for (name, lat, lon) in places {
        let body = json!({"address": format!("Gatan {name}"), "lat": lat, "lon": lon, "rooms": 2.0, "area_sqm": 50.0,
            "floor": 1, "has_lift": true, "wheelchair_accessible": false, "monthly_rent_sek": 6000,
            "landlord": "Svenska Bostäder", "first_hand_start": "2024-01-01"});
        let created = ok(&app, "POST", "/api/v1/apartments", &officer, body).await;
        apartments.insert(name, created["id"].as_str().unwrap().to_owned());
    }
    ok(
        &app,
        "PUT",
        &format!("/api/v1/apartments/{}/status", apartments["J6"]),
        &officer,
        json!({"status": "unavailable", "reason": "Water damage"}),
    )
    .await;

    // (name, district, protected, supported by)
    let residents: [(&str, &str, bool, Option<&str>); 8] = [
        ("anna", "jarva", false, Some("lena.holm")),
        ("bo", "jarva", false, Some("omar.ali")),
        ("prot", "jarva", true, Some("lena.holm")),
        ("per", "jarva", false, Some("lena.holm")),
        ("pia", "jarva", true, None),
        ("quinn", "jarva", true, None),
        ("cai", "farsta", false, None),
        ("dag", "jarva", false, None),
    ];
    let mut people = BTreeMap::new();
    for (name, district, protected, supporter) in residents {
        let address =
            if name == "per" || name == "pia" { "Hemlig väg 1".to_owned() } else { format!("{name}vägen 1") };
        let body = json!({"identity_kind": "none", "given_name": name, "family_name": "Boende", "sex": "woman",
            "responsible_district_code": district, "protected_identity": protected, "address": address,
            "phone": "070-000 00 00", "home_municipality_code": "0180", "birth_date": "1980-01-01"});
        let person = ok(&app, "POST", "/api/v1/people", &officer, body).await["id"].as_str().unwrap().to_owned();
        if let Some(staff) = supporter {
            ok(
                &app,
                "POST",
                &format!("/api/v1/people/{person}/support-workers"),
                &officer,
                json!({"staff_id": staff, "assigned_on": "2025-01-01"}),
            )
            .await;
        }
        people.insert(name, person);
    }
    let household_protected =
        ok(&app, "POST", "/api/v1/households", &officer, json!({"adults": [people["pia"], people["per"]]})).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let household_split = ok(
        &app,
        "POST",
        "/api/v1/households",
        &officer,
        json!({"adults": [people["cai"], people["dag"]], "children": [{"given_name": "Ebba", "birth_date": "2020-05-01"}]}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // (tenant, apartment, starts_on); the protected tenant's lease starts first, so it would lead a page.
    let lets: [(&str, &str, &str); 6] = [
        ("prot", "J3", "2025-02-01"),
        ("per", "J4", "2025-02-02"),
        ("anna", "J1", "2025-02-03"),
        ("bo", "J2", "2025-02-04"),
        ("cai", "F1", "2025-02-05"),
        ("quinn", "J7", "2025-02-06"),
    ];
    let mut leases = BTreeMap::new();
    for (tenant, flat, starts_on) in lets {
        let person = &people[tenant];
        let decision = ok(
            &app,
            "POST",
            &format!("/api/v1/people/{person}/decisions"),
            &officer,
            json!({"intervention": "trial_apartment", "applied_on": "2025-01-10"}),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        ok(
            &app,
            "POST",
            &format!("/api/v1/decisions/{decision}/decide"),
            &officer,
            json!({"decided_on": "2025-01-10", "outcome": "granted", "reasons": "r",
                   "child_perspective": "The children keep their school and a room of their own."}),
        )
        .await;
        let lease = ok(
            &app,
            "POST",
            "/api/v1/leases",
            &officer,
            json!({"apartment_id": apartments[flat], "decision_id": decision, "kind": "trial", "starts_on": starts_on}),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        ok(&app, "POST", &format!("/api/v1/leases/{lease}/activate"), &officer, json!({"moved_in_on": starts_on}))
            .await;
        if tenant == "quinn" {
            ok(
                &app,
                "POST",
                &format!("/api/v1/leases/{lease}/takeover"),
                &officer,
                json!({"taken_over_on": "2025-06-01"}),
            )
            .await;
        } else {
            ok(
                &app,
                "POST",
                &format!("/api/v1/leases/{lease}/rent-charges"),
                &officer,
                json!({"period": "2026-10", "amount_sek": 5000, "due_on": "2026-09-30"}),
            )
            .await;
        }
        leases.insert(tenant, lease);
    }

    let mut tokens = BTreeMap::new();
    tokens.insert(Admin, admin);
    tokens.insert(Officer, officer);
    tokens.insert(OfficerJarva, app.token_for(Role::HousingOfficer, "0180", &["jarva"], &[]).await);
    tokens.insert(Lena, app.staff_token(Role::SupportWorker, "lena.holm").await);
    tokens.insert(Omar, app.staff_token(Role::SupportWorker, "omar.ali").await);
    tokens.insert(WorkerWithoutStaff, app.token(Role::SupportWorker).await);
    tokens.insert(Auditor, app.token(Role::Auditor).await);
    tokens.insert(NightCoordinator, app.token(Role::NightCoordinator).await);
    tokens.insert(ShelterStaff, app.token(Role::ShelterStaff).await);
    tokens.insert(Integration, app.token(Role::Integration).await);
    tokens.insert(OtherMunicipality, app.token_for(Role::HousingOfficer, "0181", &[], &[]).await);
    World { app, tokens, apartments, leases, people, household_protected, household_split }
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// Every item of every page of a list, following the cursors; a page that carries a cursor must not
/// be empty (an empty page with a cursor would carry the key of a row the caller may not see).
async fn all_pages(w: &World, who: Who, path: &str, limit: u32) -> Result<Vec<Value>, StatusCode> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let separator = if path.contains('?') { '&' } else { '?' };
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}{separator}limit={limit}&cursor={c}"),
            None => format!("{path}{separator}limit={limit}"),
        };
        let page = w.app.get(&url, w.token(who)).await;
        if page.status != StatusCode::OK {
            return Err(page.status);
        }
        let page_items = page.body["items"].as_array().unwrap().clone();
        match page.body["next_cursor"].as_str() {
            Some(next) => {
                assert!(!page_items.is_empty(), "{who:?}: an empty page of {path} carries a cursor");
                cursor = Some(next.to_owned());
            }
            None => cursor = None,
        }
        items.extend(page_items);
        if cursor.is_none() {
            return Ok(items);
        }
    }
}

#[tokio::test]
async fn leases_rent_and_arrears_follow_the_access_table() {
    let w = world().await;
    for who in EVERYONE {
        let expected = leases_seen(who);
        // The list, in pages of 50 and of 1 (a page of 1 must never be built before hiding rows).
        for limit in [50, 1] {
            match (expected, all_pages(&w, who, "/api/v1/leases", limit).await) {
                (None, Err(status)) => assert_eq!(status, StatusCode::FORBIDDEN, "{who:?} list_leases"),
                (Some(expected), Ok(items)) => {
                    let seen: BTreeSet<String> =
                        items.iter().map(|l| w.lease_name(l["id"].as_str().unwrap()).to_owned()).collect();
                    assert_eq!(seen, names(expected), "{who:?} list_leases limit {limit}");
                }
                (expected, got) => panic!("{who:?} list_leases: expected {expected:?}, got {got:?}"),
            }
        }
        for (tenant, lease) in &w.leases {
            let visible = expected.map(|e| e.contains(tenant));
            let want = match visible {
                None => StatusCode::FORBIDDEN,
                Some(true) => StatusCode::OK,
                Some(false) => StatusCode::NOT_FOUND,
            };
            let person = &w.people[tenant];
            let by_person = w.app.get(&format!("/api/v1/leases?person_id={person}"), w.token(who)).await;
            match visible {
                None => assert_eq!(by_person.status, StatusCode::FORBIDDEN, "{who:?} leases of {tenant}"),
                Some(v) => assert_eq!(
                    by_person.body["items"].as_array().map(Vec::len),
                    Some(usize::from(v)),
                    "{who:?} leases of {tenant}: {}",
                    by_person.body
                ),
            }
            let apartment_id = w.app.get(&format!("/api/v1/leases/{lease}"), w.token(Admin)).await.body["apartment_id"]
                .as_str()
                .unwrap()
                .to_owned();
            let by_flat = w.app.get(&format!("/api/v1/leases?apartment_id={apartment_id}"), w.token(who)).await;
            if let Some(v) = visible {
                assert_eq!(by_flat.body["items"].as_array().map(Vec::len), Some(usize::from(v)), "{who:?} {tenant}");
            }
            let read = w.app.get(&format!("/api/v1/leases/{lease}"), w.token(who)).await;
            assert_eq!(read.status, want, "{who:?} get_lease of {tenant}: {}", read.body);
            let rent = w.app.get(&format!("/api/v1/leases/{lease}/rent"), w.token(who)).await;
            assert_eq!(rent.status, want, "{who:?} get_lease_rent of {tenant}: {}", rent.body);
        }
        // Arrears: the visible leases that owe October's rent (Quinn's was taken over).
        let arrears = w.app.get("/api/v1/rent-arrears?as_of=2026-10-15", w.token(who)).await;
        match expected {
            None => assert_eq!(arrears.status, StatusCode::FORBIDDEN, "{who:?} list_rent_arrears"),
            Some(expected) => {
                assert_eq!(arrears.status, StatusCode::OK, "{who:?}: {}", arrears.body);
                let seen: BTreeSet<String> = arrears.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| w.lease_name(a["lease_id"].as_str().unwrap()).to_owned())
                    .collect();
                let owing: BTreeSet<String> = names(expected).into_iter().filter(|t| t != "quinn").collect();
                assert_eq!(seen, owing, "{who:?} list_rent_arrears");
            }
        }
    }
    // Writes through a lease stay inside the district scope.
    let path = format!("/api/v1/leases/{}/follow-ups", w.leases["cai"]);
    let outside = w.app.post(&path, w.token(OfficerJarva), &json!({"planned_on": "2026-12-01"})).await;
    outside.assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn apartments_and_the_map_follow_the_access_table() {
    let w = world().await;
    for who in EVERYONE {
        let expected = apartments_seen(who);
        let sees_reason = SEES_UNAVAILABLE_REASON.contains(&who);
        for limit in [50, 1] {
            match (expected, all_pages(&w, who, "/api/v1/apartments", limit).await) {
                (None, Err(status)) => assert_eq!(status, StatusCode::FORBIDDEN, "{who:?} list_apartments"),
                (Some(expected), Ok(items)) => {
                    let seen: BTreeSet<(String, String)> = items
                        .iter()
                        .map(|a| {
                            let name = w.apartment_name(a["id"].as_str().unwrap());
                            if !sees_reason {
                                assert_eq!(a["unavailable_reason"], Value::Null, "{who:?} reason of {name}");
                            }
                            (name.to_owned(), a["status"].as_str().unwrap().to_owned())
                        })
                        .collect();
                    let want: BTreeSet<(String, String)> =
                        expected.iter().map(|(n, s)| ((*n).to_owned(), (*s).to_owned())).collect();
                    assert_eq!(seen, want, "{who:?} list_apartments limit {limit}");
                }
                (expected, got) => panic!("{who:?} list_apartments: expected {expected:?}, got {got:?}"),
            }
        }
        // Filtering by status finds exactly what the caller is shown with that status.
        if let Some(expected) = expected {
            for status in ["let", "unavailable", "available", "transferred", "returned_to_landlord"] {
                let listed = w.app.get(&format!("/api/v1/apartments?status={status}"), w.token(who)).await;
                let seen: BTreeSet<String> = listed.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| w.apartment_name(a["id"].as_str().unwrap()).to_owned())
                    .collect();
                let want: BTreeSet<String> =
                    expected.iter().filter(|(_, s)| *s == status).map(|(n, _)| (*n).to_owned()).collect();
                assert_eq!(seen, want, "{who:?} apartments with status {status}");
            }
        }
        for (name, id) in &w.apartments {
            let read = w.app.get(&format!("/api/v1/apartments/{id}"), w.token(who)).await;
            match expected.map(|e| e.iter().find(|(n, _)| n == name)) {
                None => assert_eq!(read.status, StatusCode::FORBIDDEN, "{who:?} get_apartment {name}"),
                Some(None) => assert_eq!(read.status, StatusCode::NOT_FOUND, "{who:?} get_apartment {name}"),
                Some(Some((_, status))) => {
                    assert_eq!(read.status, StatusCode::OK, "{who:?} get_apartment {name}");
                    assert_eq!(read.body["status"], *status, "{who:?} get_apartment {name}");
                    let reason = if sees_reason && *name == "J6" { json!("Water damage") } else { Value::Null };
                    assert_eq!(read.body["unavailable_reason"], reason, "{who:?} {name}");
                }
            }
        }
        // The map: the apartments still in the stock, with the status the caller is shown.
        let map = w.app.get("/api/v1/apartments/map", w.token(who)).await;
        match expected {
            None => assert_eq!(map.status, StatusCode::FORBIDDEN, "{who:?} map"),
            Some(expected) => {
                assert_eq!(map.status, StatusCode::OK, "{who:?} map");
                let seen: BTreeSet<(String, String)> = map.body["features"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| {
                        let name = w.apartment_name(f["properties"]["id"].as_str().unwrap());
                        (name.to_owned(), f["properties"]["status"].as_str().unwrap().to_owned())
                    })
                    .collect();
                let want: BTreeSet<(String, String)> = expected
                    .iter()
                    .filter(|(_, s)| *s != "transferred" && *s != "returned_to_landlord")
                    .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
                    .collect();
                assert_eq!(seen, want, "{who:?} map");
            }
        }
    }
}

/// Counts in the stock report agree with the rows the caller is shown, so that "let in the report"
/// minus "let in the list" can never point at a protected home.
#[tokio::test]
async fn the_stock_report_counts_what_each_role_is_shown() {
    let w = world().await;
    for who in EVERYONE {
        let report = w.app.get("/api/v1/reports/apartment-stock", w.token(who)).await;
        if !READS_HOUSING_REPORTS.contains(&who) {
            assert_eq!(report.status, StatusCode::FORBIDDEN, "{who:?}");
            continue;
        }
        assert_eq!(report.status, StatusCode::OK, "{who:?}: {}", report.body);
        let shown = apartments_seen(who).unwrap();
        let leases = leases_seen(who).unwrap();
        let mut want: BTreeMap<String, (BTreeMap<String, i64>, i64)> = BTreeMap::new();
        for (name, status) in shown {
            let district = if name.starts_with('J') { "jarva" } else { "farsta" };
            *want.entry(district.into()).or_default().0.entry((*status).into()).or_default() += 1;
        }
        // Active today: every visible lease but Quinn's, which was taken over.
        for (tenant, flat) in [("prot", "J3"), ("per", "J4"), ("anna", "J1"), ("bo", "J2"), ("cai", "F1")] {
            if leases.contains(&tenant) {
                let district = if flat.starts_with('J') { "jarva" } else { "farsta" };
                want.entry(district.into()).or_default().1 += 1;
            }
        }
        let got: BTreeMap<String, (BTreeMap<String, i64>, i64)> = report.body["districts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let by_status = d["by_status"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
                    .filter(|(_, v)| *v > 0)
                    .collect();
                let active = d["active_leases"].as_object().unwrap().values().map(|v| v.as_i64().unwrap()).sum();
                (d["district_code"].as_str().unwrap().to_owned(), (by_status, active))
            })
            .collect();
        assert_eq!(got, want, "{who:?} stock report");
    }
}

#[tokio::test]
async fn household_members_of_a_protected_person_share_the_protection() {
    let w = world().await;
    // Roles that may see protected addresses (README: admin and housing_officer) and the others that
    // may read Per at all: Lena supports him; auditors and night coordinators read people.
    let sees: [(Who, bool); 6] = [
        (Admin, true),
        (Officer, true),
        (OfficerJarva, true),
        (Lena, false),
        (Auditor, false),
        (NightCoordinator, false),
    ];
    let per = &w.people["per"];
    for (who, allowed) in sees {
        let read = w.app.get(&format!("/api/v1/people/{per}"), w.token(who)).await;
        assert_eq!(read.status, StatusCode::OK, "{who:?}: {}", read.body);
        let listed = w.app.get("/api/v1/people?name=per", w.token(who)).await;
        let listed = listed.body["items"].as_array().unwrap().iter().find(|p| p["id"] == json!(per)).cloned();
        let listed = listed.unwrap_or_else(|| panic!("{who:?} finds Per"));
        for record in [&read.body, &listed] {
            if allowed {
                assert_eq!(record["address"], "Hemlig väg 1", "{who:?}");
                assert_eq!(record["contact_withheld"], false, "{who:?}");
            } else {
                assert_eq!(record["address"], Value::Null, "{who:?} must not see the shared protected address");
                assert_eq!(record["phone"], Value::Null, "{who:?}");
                assert_eq!(record["contact_withheld"], true, "{who:?}");
            }
        }
    }
    // Anna shares no home with a protected person: Lena sees her address.
    let anna = w.app.get(&format!("/api/v1/people/{}", w.people["anna"]), w.token(Lena)).await;
    assert_eq!(anna.body["address"], "annavägen 1");
}

/// Households by unit scope: members outside the caller's scope are shown only as a role and an age
/// (the child perspective stays visible), without id or name; a household with no adult in scope is 404.
#[tokio::test]
async fn households_respect_unit_scope() {
    let w = world().await;
    type Seen = Option<(&'static [&'static str], usize)>;
    // (caller, household, Ok(members shown by name, members withheld) | Err(status))
    let table: [(Who, &str, Result<Seen, StatusCode>); 20] = [
        (Admin, "protected", Ok(Some((&["pia", "per"], 0)))),
        (Admin, "split", Ok(Some((&["cai", "dag", "Ebba"], 0)))),
        (Officer, "protected", Ok(Some((&["pia", "per"], 0)))),
        (Officer, "split", Ok(Some((&["cai", "dag", "Ebba"], 0)))),
        (OfficerJarva, "protected", Ok(Some((&["pia", "per"], 0)))),
        // Cai belongs to Farsta.
        (OfficerJarva, "split", Ok(Some((&["dag", "Ebba"], 1)))),
        // Lena supports Per, not Pia.
        (Lena, "protected", Ok(Some((&["per"], 1)))),
        (Lena, "split", Ok(None)),
        (Omar, "protected", Ok(None)),
        (Omar, "split", Ok(None)),
        (WorkerWithoutStaff, "protected", Ok(None)),
        (WorkerWithoutStaff, "split", Ok(None)),
        (Auditor, "protected", Ok(Some((&["pia", "per"], 0)))),
        (Auditor, "split", Ok(Some((&["cai", "dag", "Ebba"], 0)))),
        (NightCoordinator, "protected", Ok(Some((&["pia", "per"], 0)))),
        (NightCoordinator, "split", Ok(Some((&["cai", "dag", "Ebba"], 0)))),
        (ShelterStaff, "protected", Err(StatusCode::FORBIDDEN)),
        (Integration, "split", Err(StatusCode::FORBIDDEN)),
        (OtherMunicipality, "protected", Ok(None)),
        (OtherMunicipality, "split", Ok(None)),
    ];
    for (who, household, expected) in table {
        let id = if household == "protected" { &w.household_protected } else { &w.household_split };
        let read = w.app.get(&format!("/api/v1/households/{id}"), w.token(who)).await;
        match expected {
            Err(status) => assert_eq!(read.status, status, "{who:?} {household}"),
            Ok(None) => assert_eq!(read.status, StatusCode::NOT_FOUND, "{who:?} {household}: {}", read.body),
            Ok(Some((shown, withheld))) => {
                assert_eq!(read.status, StatusCode::OK, "{who:?} {household}: {}", read.body);
                let members: Vec<&Value> = read.body["adults"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .chain(read.body["children"].as_array().unwrap())
                    .collect();
                let named: BTreeSet<String> =
                    members.iter().filter_map(|m| m["given_name"].as_str()).map(str::to_owned).collect();
                assert_eq!(named, names(shown), "{who:?} {household}");
                let hidden: Vec<&&Value> = members.iter().filter(|m| m["given_name"].is_null()).collect();
                assert_eq!(hidden.len(), withheld, "{who:?} {household}: {}", read.body);
                for m in hidden {
                    assert!(m["person_id"].is_null() && m["family_name"].is_null() && m["birth_date"].is_null());
                    assert!(m["age"].is_i64(), "{who:?}: the age stays visible");
                }
            }
        }
    }
}

/// A cursor encodes the sort key of the last row of its page: it must only ever carry a visible lease.
#[tokio::test]
async fn lease_cursors_carry_only_visible_keys() {
    let w = world().await;
    for who in [Auditor, Lena, OfficerJarva] {
        let visible: BTreeSet<String> = leases_seen(who).unwrap().iter().map(|t| w.leases[t].clone()).collect();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/leases?limit=1&cursor={c}"),
                None => "/api/v1/leases?limit=1".to_owned(),
            };
            let page = w.app.get(&path, w.token(who)).await;
            let Some(next) = page.body["next_cursor"].as_str() else { break };
            let key: Value = serde_json::from_slice(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(next).expect("cursor is base64"),
            )
            .expect("cursor is json");
            let id = key[1].as_str().expect("cursor holds the lease id");
            assert!(visible.contains(id), "{who:?}: a cursor carries the key of {}", w.lease_name(id));
            cursor = Some(next.to_owned());
        }
    }
}
