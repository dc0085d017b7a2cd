//! The access policy, written as data: which role may call which operation, and how its unit scope
//! narrows what it sees. Decided from ../shared/domain.md ("inner secrecy: a role sees only what its
//! work needs"; protected addresses; support and tenancy are separate records) and the README's
//! "Who sees what" table, never from the handlers or their OpenAPI descriptions.
//!
//! The test sends every operation, with a valid body built by the fixture builders, as every role: an
//! allowed role gets a success, a forbidden one 403 and nothing written; without a token 401. Every
//! write is also sent by allowed roles of another unit (district, shelter, member of staff) and of
//! another municipality: refused, nothing written. Reads outside scope are `scope_lists.rs`'s.

use std::collections::{BTreeMap, BTreeSet};

use hemvist_tests::fixtures::{
    Fixtures, JARVA_LON, apartment_body, district_body, id_of, night_in, plan_content, shelter_body, tonight,
};
use hemvist_tests::{TestApp, TestRole as Role};
use http::{Method, StatusCode};
use serde_json::{Value, json};

/// How a role's unit scope narrows an operation (the scope tests in `scope_lists.rs` check these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// No personal data and no municipality: health checks.
    Open,
    /// The municipality's reference data (districts): every role of the municipality, nothing of another.
    Reference,
    /// A person and their case file: housing officers only people of their districts, support workers
    /// only the people assigned to them; a protected person's address and contact only to admin and
    /// housing officers, and nothing that reveals it (household members' addresses included).
    Person,
    /// Leases, rent, arrears and apartments (they reveal a home): the person rule for the tenant, and a
    /// protected tenant's lease, apartment and its status only to admin and housing officers.
    Home,
    /// A shelter's nights and guests: shelter staff only their own shelter; a protected guest's name
    /// only to admin (and the coordinator who placed them).
    Shelter,
    /// Counts only: no person in the answer; district-scoped tokens get their districts.
    Counts,
    /// Figures per member of staff: a support worker only their own.
    Staff,
}

const Y: bool = true;
const N: bool = false;

/// operation id, who may call it, how scope narrows it. Columns, in order:
/// admin, housing_officer, support_worker, shelter_staff, night_coordinator, integration, auditor.
#[rustfmt::skip]
pub const POLICY: &[(&str, [bool; 7], Scope)] = &[
    // operation                                 adm hous supp shel night integ audit
    ("get_health",                               [Y,  Y,   Y,   Y,   Y,    Y,    Y], Scope::Open),
    ("get_ready",                                [Y,  Y,   Y,   Y,   Y,    Y,    Y], Scope::Open),
    // Districts are public reference data; only admin keeps them.
    ("list_districts",                           [Y,  Y,   Y,   Y,   Y,    Y,    Y], Scope::Reference),
    ("lookup_district",                          [Y,  Y,   Y,   Y,   Y,    Y,    Y], Scope::Reference),
    ("get_district",                             [Y,  Y,   Y,   Y,   Y,    Y,    Y], Scope::Reference),
    ("create_district",                          [Y,  N,   N,   N,   N,    N,    N], Scope::Reference),
    ("update_district",                          [Y,  N,   N,   N,   N,    N,    N], Scope::Reference),
    ("delete_district",                          [Y,  N,   N,   N,   N,    N,    N], Scope::Reference),
    // Integration tokens: the admin keeps them (never wider than the admin's own scope).
    ("list_api_tokens",                          [Y,  N,   N,   N,   N,    N,    N], Scope::Reference),
    ("create_api_token",                         [Y,  N,   N,   N,   N,    N,    N], Scope::Reference),
    ("revoke_api_token",                         [Y,  N,   N,   N,   N,    N,    N], Scope::Reference),
    // The housing unit keeps apartments and leases; a support worker reads those of the people they
    // support (item 11); the auditor reads; shelters, coordinators and other systems have no business here.
    ("list_apartments",                          [Y,  Y,   Y,   N,   N,    N,    Y], Scope::Home),
    ("list_apartment_features",                  [Y,  Y,   Y,   N,   N,    N,    Y], Scope::Home),
    ("get_apartment",                            [Y,  Y,   Y,   N,   N,    N,    Y], Scope::Home),
    ("create_apartment",                         [Y,  Y,   N,   N,   N,    N,    N], Scope::Home),
    ("update_apartment",                         [Y,  Y,   N,   N,   N,    N,    N], Scope::Home),
    ("update_apartment_status",                  [Y,  Y,   N,   N,   N,    N,    N], Scope::Home),
    ("list_leases",                              [Y,  Y,   Y,   N,   N,    N,    Y], Scope::Home),
    ("get_lease",                                [Y,  Y,   Y,   N,   N,    N,    Y], Scope::Home),
    ("get_lease_rent",                           [Y,  Y,   Y,   N,   N,    N,    Y], Scope::Home),
    ("list_rent_arrears",                        [Y,  Y,   Y,   N,   N,    N,    Y], Scope::Home),
    ("create_lease",                             [Y,  Y,   N,   N,   N,    N,    N], Scope::Home),
    ("activate_lease",                           [Y,  Y,   N,   N,   N,    N,    N], Scope::Home),
    ("end_lease",                                [Y,  Y,   N,   N,   N,    N,    N], Scope::Home),
    ("decline_lease",                            [Y,  Y,   N,   N,   N,    N,    N], Scope::Home),
    ("take_over_lease",                          [Y,  Y,   N,   N,   N,    N,    N], Scope::Home),
    ("update_lease_special_conditions",          [Y,  Y,   N,   N,   N,    N,    N], Scope::Home),
    ("create_lease_follow_up",                   [Y,  Y,   N,   N,   N,    N,    N], Scope::Home),
    ("update_lease_follow_up",                   [Y,  Y,   N,   N,   N,    N,    N], Scope::Home),
    ("create_rent_charge",                       [Y,  Y,   N,   N,   N,    N,    N], Scope::Home),
    ("create_rent_payment",                      [Y,  Y,   N,   N,   N,    N,    N], Scope::Home),
    ("create_rent_notice",                       [Y,  Y,   N,   N,   N,    N,    N], Scope::Home),
    ("update_rent_notice",                       [Y,  Y,   N,   N,   N,    N,    N], Scope::Home),
    ("get_apartment_stock_report",               [Y,  Y,   N,   N,   N,    N,    Y], Scope::Counts),
    ("get_lease_outcomes_report",                [Y,  Y,   N,   N,   N,    N,    Y], Scope::Counts),
    // People: night coordinators find and place people and register a walk-in with minimal data
    // (item 5: through its own operation; full registration stays with the housing unit), but read no
    // case file; shelter staff and other systems read no person at all.
    ("list_people",                              [Y,  Y,   Y,   N,   Y,    N,    Y], Scope::Person),
    ("get_person",                               [Y,  Y,   Y,   N,   Y,    N,    Y], Scope::Person),
    ("get_household",                            [Y,  Y,   Y,   N,   Y,    N,    Y], Scope::Person),
    ("create_person",                            [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("create_walk_in",                           [Y,  Y,   N,   N,   Y,    N,    N], Scope::Person),
    ("update_person",                            [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("assign_caseworker",                        [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("create_household",                         [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("create_housing_arrangement",               [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("end_housing_arrangement",                  [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("create_support_worker_assignment",         [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("end_support_worker_assignment",            [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    // The case file: the housing unit, the person's own support workers, the auditor.
    ("list_caseworkers",                         [Y,  Y,   Y,   N,   N,    N,    Y], Scope::Person),
    ("list_housing_arrangements",                [Y,  Y,   Y,   N,   N,    N,    Y], Scope::Person),
    ("list_support_workers",                     [Y,  Y,   Y,   N,   N,    N,    Y], Scope::Person),
    ("get_person_situation",                     [Y,  Y,   Y,   N,   N,    N,    Y], Scope::Person),
    ("list_person_decisions",                    [Y,  Y,   Y,   N,   N,    N,    Y], Scope::Person),
    ("get_decision",                             [Y,  Y,   Y,   N,   N,    N,    Y], Scope::Person),
    ("create_decision",                          [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("decide_decision",                          [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("execute_decision",                         [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("interrupt_decision",                       [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("resume_decision",                          [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("close_decision",                           [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("update_decision_delay",                    [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("create_decision_offer",                    [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("update_decision_offer",                    [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    // IVO: each district committee reports its own decisions (by the decision's district).
    ("get_non_executed_decisions_report",        [Y,  Y,   N,   N,   N,    N,    Y], Scope::Person),
    ("get_situations_report",                    [Y,  Y,   N,   N,   N,    N,    Y], Scope::Counts),
    // Issue 14: equity figures are counts; continuity names people only to those who may see them.
    ("get_equity_report",                        [Y,  Y,   N,   N,   N,    N,    Y], Scope::Counts),
    ("get_vacancy_report",                       [Y,  Y,   N,   N,   N,    N,    Y], Scope::Counts),
    ("get_continuity_report",                    [Y,  Y,   N,   N,   N,    N,    Y], Scope::Person),
    // Deviations follow their person's inner secrecy; lex Sarah steps are the housing unit's.
    ("list_deviations",                          [Y,  Y,   Y,   N,   N,    N,    Y], Scope::Person),
    ("get_deviation",                            [Y,  Y,   Y,   N,   N,    N,    Y], Scope::Person),
    ("create_deviation",                         [Y,  Y,   Y,   N,   Y,    N,    N], Scope::Person),
    ("assess_deviation",                         [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("investigate_deviation",                    [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    ("report_deviation_to_ivo",                  [Y,  Y,   N,   N,   N,    N,    N], Scope::Person),
    // Support plans are not the landlord's business (JO 8958-2020): never housing officers.
    ("list_person_support_plans",                [Y,  N,   Y,   N,   N,    N,    Y], Scope::Person),
    ("get_support_plan",                         [Y,  N,   Y,   N,   N,    N,    Y], Scope::Person),
    ("get_support_plan_version",                 [Y,  N,   Y,   N,   N,    N,    Y], Scope::Person),
    ("list_support_visits",                      [Y,  N,   Y,   N,   N,    N,    Y], Scope::Person),
    ("list_overdue_support_plan_reviews",        [Y,  N,   Y,   N,   N,    N,    Y], Scope::Person),
    ("create_support_plan",                      [Y,  N,   Y,   N,   N,    N,    N], Scope::Person),
    ("create_support_plan_revision",             [Y,  N,   Y,   N,   N,    N,    N], Scope::Person),
    ("close_support_plan",                       [Y,  N,   Y,   N,   N,    N,    N], Scope::Person),
    ("create_support_visit",                     [Y,  N,   Y,   N,   N,    N,    N], Scope::Person),
    ("update_support_visit",                     [Y,  N,   Y,   N,   N,    N,    N], Scope::Person),
    ("get_visits_by_worker_report",              [Y,  N,   Y,   N,   N,    N,    Y], Scope::Staff),
    ("get_housing_first_follow_up_report",       [Y,  N,   N,   N,   N,    N,    Y], Scope::Counts),
    // Shelters and the bed board carry no person: everyone who works with beds or housing reads them.
    ("list_shelters",                            [Y,  Y,   N,   Y,   Y,    N,    Y], Scope::Shelter),
    ("get_shelter",                              [Y,  Y,   N,   Y,   Y,    N,    Y], Scope::Shelter),
    ("get_shelter_night",                        [Y,  Y,   N,   Y,   Y,    N,    Y], Scope::Shelter),
    ("get_night_availability",                   [Y,  Y,   N,   Y,   Y,    N,    Y], Scope::Counts),
    ("list_free_beds",                           [Y,  Y,   N,   Y,   Y,    N,    Y], Scope::Counts),
    ("create_shelter",                           [Y,  N,   N,   N,   N,    N,    N], Scope::Shelter),
    ("update_shelter",                           [Y,  N,   N,   N,   N,    N,    N], Scope::Shelter),
    ("update_shelter_night",                     [Y,  N,   N,   Y,   Y,    N,    N], Scope::Shelter),
    // The anonymised feed is what another system gets.
    ("get_availability_feed",                    [Y,  N,   N,   N,   Y,    Y,    N], Scope::Counts),
    // Guests: the night's work, done by coordinators and the shelter's own staff.
    ("list_bed_assignments",                     [Y,  N,   N,   Y,   Y,    N,    N], Scope::Shelter),
    ("create_bed_assignment",                    [Y,  N,   N,   Y,   Y,    N,    N], Scope::Shelter),
    ("check_in_bed_assignment",                  [Y,  N,   N,   Y,   Y,    N,    N], Scope::Shelter),
    ("check_out_bed_assignment",                 [Y,  N,   N,   Y,   Y,    N,    N], Scope::Shelter),
    ("cancel_bed_assignment",                    [Y,  N,   N,   Y,   Y,    N,    N], Scope::Shelter),
    ("record_bed_assignment_no_show",            [Y,  N,   N,   Y,   Y,    N,    N], Scope::Shelter),
    // The guarantee is the coordinators'; the auditor reads its reports.
    ("list_guarantee_requests",                  [Y,  N,   N,   N,   Y,    N,    N], Scope::Person),
    ("get_guarantee_request",                    [Y,  N,   N,   N,   Y,    N,    N], Scope::Person),
    ("create_guarantee_request",                 [Y,  N,   N,   N,   Y,    N,    N], Scope::Person),
    // A breach stays open until someone records how it was resolved: night work.
    ("list_guarantee_breaches",                  [Y,  N,   N,   N,   Y,    N,    N], Scope::Person),
    ("resolve_guarantee_breach",                 [Y,  N,   N,   N,   Y,    N,    N], Scope::Person),
    ("get_guarantee_report",                     [Y,  N,   N,   N,   Y,    N,    Y], Scope::Counts),
    ("get_shelter_occupancy_report",             [Y,  N,   N,   N,   Y,    N,    Y], Scope::Counts),
    ("get_bouncing_report",                      [Y,  N,   N,   N,   Y,    N,    Y], Scope::Person),
];

pub const COLUMNS: [Role; 7] = [
    Role::Admin,
    Role::HousingOfficer,
    Role::SupportWorker,
    Role::ShelterStaff,
    Role::NightCoordinator,
    Role::Integration,
    Role::Auditor,
];

/// Every (operation id -> (method, path)) of the OpenAPI document.
pub fn spec_operations() -> BTreeMap<String, (String, String)> {
    let spec: Value = serde_json::from_str(&hemvist_server::openapi_json().unwrap()).unwrap();
    let mut operations = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap().to_owned();
            operations.insert(id, (method.to_uppercase(), path.clone()));
        }
    }
    operations
}

#[test]
fn the_policy_names_every_operation_once_and_no_other() {
    let spec: BTreeSet<String> = spec_operations().into_keys().collect();
    let table: BTreeSet<String> = POLICY.iter().map(|(id, ..)| (*id).to_owned()).collect();
    assert_eq!(table.len(), POLICY.len(), "an operation is listed twice");
    let missing: Vec<_> = spec.difference(&table).collect();
    let unknown: Vec<_> = table.difference(&spec).collect();
    assert!(missing.is_empty(), "operations without a policy row: {missing:?}");
    assert!(unknown.is_empty(), "policy rows for operations the API does not have: {unknown:?}");
    // Every row lets admin in (everything of its municipality) and writes never go to integration or the auditor.
    let operations = spec_operations();
    for (id, cells, _) in POLICY {
        assert!(cells[0], "{id}: admin");
        let writes = operations.get(*id).is_some_and(|(method, _)| method != "GET");
        assert!(!(writes && (cells[5] || cells[6])), "{id}: integration and auditor only read");
    }
}

/// One request, ready to send.
pub struct Call {
    pub method: Method,
    pub path: String,
    pub body: Option<Value>,
}

fn get(path: impl Into<String>) -> Call {
    Call { method: Method::GET, path: path.into(), body: None }
}
fn post(path: impl Into<String>, body: Value) -> Call {
    Call { method: Method::POST, path: path.into(), body: Some(body) }
}
fn put(path: impl Into<String>, body: Value) -> Call {
    Call { method: Method::PUT, path: path.into(), body: Some(body) }
}

/// The member of staff the policy test's support worker speaks for; every fixture person is assigned to them.
const STAFF: &str = "sw.policy";

struct Ctx<'a> {
    fx: Fixtures<'a>,
    jarva: String,
    shelter: String,
    /// A night in the future for bed assignments (no hold runs out meanwhile).
    bed_night: String,
    /// A night with no guests, for capacity reports.
    capacity_night: String,
    tonight: String,
}

/// Builds what `operation` needs and the request with a valid body, in scope of every unit-scoped
/// token of the test (Järva, the policy shelter, the policy support worker).
async fn prepare(ctx: &Ctx<'_>, operation: &str) -> Call {
    let fx = &ctx.fx;
    let a = |path: &str| format!("/api/v1{path}");
    match operation {
        "get_health" => get("/health"),
        "get_ready" => get("/ready"),
        "list_districts" => get(a("/districts")),
        "lookup_district" => get(a(&format!("/districts/lookup?lat=59.40&lon={JARVA_LON}"))),
        "get_district" => get(a(&format!("/districts/{}", ctx.jarva))),
        "create_district" => {
            let tag = fx.tag();
            post(a("/districts"), district_body(&format!("new{tag}"), "Ny", 30.0))
        }
        "update_district" => {
            let id = fx.spare_district().await;
            let current = fx.get(&format!("/api/v1/districts/{id}"), "district").await;
            let mut body = district_body(current["code"].as_str().unwrap(), "Renamed", 20.0);
            body["boundary"] = current["boundary"].clone();
            put(a(&format!("/districts/{id}")), body)
        }
        "delete_district" => {
            let id = fx.spare_district().await;
            Call { method: Method::DELETE, path: a(&format!("/districts/{id}")), body: None }
        }

        "list_api_tokens" => get(a("/api-tokens")),
        "create_api_token" => post(a("/api-tokens"), json!({"name": "Policyflöde", "role": "integration"})),
        "revoke_api_token" => {
            let made =
                fx.post("/api/v1/api-tokens", &json!({"name": "Återkallas", "role": "integration"}), "token").await;
            Call { method: Method::DELETE, path: a(&format!("/api-tokens/{}", id_of(&made))), body: None }
        }

        "list_apartments" => get(a("/apartments")),
        "list_apartment_features" => get(a("/apartments/map")),
        "create_apartment" => post(a("/apartments"), apartment_body(&format!("Nygatan {}", fx.tag()), JARVA_LON)),
        "get_apartment" => {
            // The home of a person the support worker supports: they live there.
            let person = fx.person_of(STAFF).await;
            let (lease, _) = fx.active_lease(&person.id, "trial").await;
            get(a(&format!("/apartments/{}", lease.apartment)))
        }
        "update_apartment" => {
            let id = fx.apartment().await;
            put(a(&format!("/apartments/{id}")), apartment_body(&format!("Ändrad gata {}", fx.tag()), JARVA_LON))
        }
        "update_apartment_status" => {
            let id = fx.apartment().await;
            put(a(&format!("/apartments/{id}/status")), json!({"status": "unavailable", "reason": "Water damage"}))
        }
        "list_leases" => {
            let person = fx.person_of(STAFF).await;
            fx.lease(&person.id, "trial").await;
            get(a(&format!("/leases?person_id={}", person.id)))
        }
        "create_lease" => {
            let person = fx.person_of(STAFF).await;
            let decision = fx.granted_decision(&person.id, "trial_apartment").await;
            let apartment = fx.apartment().await;
            post(
                a("/leases"),
                json!({"apartment_id": apartment, "decision_id": decision, "kind": "trial", "starts_on": "2025-02-01"}),
            )
        }
        "get_lease" | "get_lease_rent" | "update_lease_special_conditions" | "activate_lease" | "decline_lease" => {
            let person = fx.person_of(STAFF).await;
            let lease = fx.lease(&person.id, "trial").await;
            match operation {
                "get_lease" => get(a(&format!("/leases/{}", lease.id))),
                "get_lease_rent" => get(a(&format!("/leases/{}/rent", lease.id))),
                "activate_lease" => {
                    post(a(&format!("/leases/{}/activate", lease.id)), json!({"moved_in_on": "2025-02-01"}))
                }
                "decline_lease" => {
                    let today = hemvist_platform::night::today().to_string();
                    post(a(&format!("/leases/{}/decline", lease.id)), json!({"declined_on": today}))
                }
                _ => put(a(&format!("/leases/{}/special-conditions", lease.id)), json!({"told_on": "2025-01-20"})),
            }
        }
        "end_lease"
        | "take_over_lease"
        | "create_lease_follow_up"
        | "update_lease_follow_up"
        | "create_rent_charge"
        | "create_rent_payment"
        | "create_rent_notice"
        | "update_rent_notice"
        | "list_rent_arrears" => {
            let person = fx.person_of(STAFF).await;
            let (lease, active) = fx.active_lease(&person.id, "trial").await;
            let l = |rest: &str| a(&format!("/leases/{}{rest}", lease.id));
            match operation {
                "end_lease" => post(l("/end"), json!({"ended_on": "2026-03-01", "reason": "Moved"})),
                "take_over_lease" => post(l("/takeover"), json!({"taken_over_on": "2026-02-01"})),
                "create_lease_follow_up" => post(l("/follow-ups"), json!({"planned_on": "2025-03-01"})),
                "update_lease_follow_up" => {
                    let follow_up = id_of(&active["follow_ups"][0]);
                    put(l(&format!("/follow-ups/{follow_up}")), json!({"held_on": "2025-05-02"}))
                }
                "create_rent_charge" => {
                    post(l("/rent-charges"), json!({"period": "2026-10", "amount_sek": 5200, "due_on": "2026-09-30"}))
                }
                "create_rent_payment" => {
                    post(l("/rent-payments"), json!({"amount_sek": 1000, "paid_on": "2026-10-01"}))
                }
                "create_rent_notice" => {
                    fx.rent_charge(&lease.id).await;
                    post(l("/rent-notices"), json!({"served_on": "2026-10-10"}))
                }
                "update_rent_notice" => {
                    let notice = fx.rent_notice(&lease.id).await;
                    put(l(&format!("/rent-notices/{notice}")), json!({"committee_notified_on": "2026-10-12"}))
                }
                _ => {
                    fx.rent_charge(&lease.id).await;
                    get(a("/rent-arrears?as_of=2026-10-15"))
                }
            }
        }
        "get_apartment_stock_report" => get(a("/reports/apartment-stock")),
        "get_lease_outcomes_report" => get(a("/reports/lease-outcomes")),

        "create_person" => {
            let (body, ..) = fx.person_body(&Default::default());
            post(a("/people"), body)
        }
        "create_walk_in" => {
            // What the night service knows of a walk-in: a name, where they belong (Järva, in the
            // scope of the test's housing officer; a Bromma officer is refused).
            let (body, ..) = fx.walk_in_body(Some("jarva"));
            post(a("/walk-ins"), body)
        }
        "create_household" => {
            let person = fx.person_of(STAFF).await;
            post(a("/households"), json!({"adults": [person.id]}))
        }
        "get_household" => {
            let person = fx.person_of(STAFF).await;
            let household = fx.household(&[&person.id]).await;
            get(a(&format!("/households/{household}")))
        }
        "create_decision" | "list_person_decisions" | "get_decision" | "decide_decision" => {
            let person = fx.person_of(STAFF).await;
            let p = |rest: &str| a(&format!("/people/{}{rest}", person.id));
            match operation {
                "create_decision" => {
                    post(p("/decisions"), json!({"intervention": "housing_first", "applied_on": "2025-01-02"}))
                }
                "list_person_decisions" => {
                    fx.decision(&person.id, "housing_first").await;
                    get(p("/decisions"))
                }
                _ => {
                    let decision = fx.decision(&person.id, "housing_first").await;
                    if operation == "get_decision" {
                        get(a(&format!("/decisions/{decision}")))
                    } else {
                        post(
                            a(&format!("/decisions/{decision}/decide")),
                            json!({"decided_on": "2025-01-10", "outcome": "granted", "reasons": "Homeless"}),
                        )
                    }
                }
            }
        }
        "execute_decision"
        | "close_decision"
        | "update_decision_delay"
        | "create_decision_offer"
        | "update_decision_offer" => {
            let person = fx.person_of(STAFF).await;
            let decision = fx.granted_decision(&person.id, "housing_first").await;
            let d = |rest: &str| a(&format!("/decisions/{decision}{rest}"));
            match operation {
                "execute_decision" => post(d("/execute"), json!({"executed_on": "2025-02-01"})),
                "close_decision" => post(d("/close"), json!({"closed_on": "2025-05-01", "reason": "Moved away"})),
                "update_decision_delay" => put(d("/delay"), json!({"delay_reasons": "No apartment free"})),
                "create_decision_offer" => {
                    post(d("/offers"), json!({"offered_on": "2025-01-15", "description": "1 room, Rinkeby"}))
                }
                _ => {
                    let offered = fx
                        .post(&d("/offers"), &json!({"offered_on": "2025-01-15", "description": "1 room"}), "offer")
                        .await;
                    let offer = id_of(&offered["offers"][0]);
                    put(d(&format!("/offers/{offer}")), json!({"response": "declined", "responded_on": "2025-01-16"}))
                }
            }
        }
        "interrupt_decision" | "resume_decision" => {
            let person = fx.person_of(STAFF).await;
            let decision = fx.executed_decision(&person.id).await;
            let d = |rest: &str| a(&format!("/decisions/{decision}{rest}"));
            let interrupt = json!({"interrupted_on": "2025-03-01", "reason": "Hospital"});
            if operation == "interrupt_decision" {
                post(d("/interrupt"), interrupt)
            } else {
                fx.post(&d("/interrupt"), &interrupt, "interrupt").await;
                post(d("/resume"), json!({"resumed_on": "2025-04-01"}))
            }
        }
        "get_non_executed_decisions_report" => get(a("/reports/non-executed-decisions?quarter=2025-Q3")),
        "get_situations_report" => get(a("/reports/situations")),
        "get_equity_report" => get(a("/reports/equity?from=2025-01-01&to=2025-03-31")),
        "get_vacancy_report" => get(a("/reports/vacancy?from=2025-01-01&to=2025-03-31")),
        "get_continuity_report" => get(a("/reports/continuity")),
        "list_deviations"
        | "get_deviation"
        | "create_deviation"
        | "assess_deviation"
        | "investigate_deviation"
        | "report_deviation_to_ivo" => {
            let person = fx.person_of(STAFF).await;
            let body = json!({"person_id": person.id, "what_happened": "Fick ingen säng", "occurred_on": "2025-01-10",
                              "noticed_by": "Nattjouren"});
            if operation == "create_deviation" {
                return post(a("/deviations"), body);
            }
            let id = id_of(&fx.post("/api/v1/deviations", &body, "deviation").await);
            let d = |rest: &str| a(&format!("/deviations/{id}{rest}"));
            let assessment = json!({"assessment": "missforhallande", "serious": true, "on": "2025-01-12"});
            let investigation = json!({"investigation": "Rutinen följdes inte", "on": "2025-01-20"});
            match operation {
                "list_deviations" => get(a("/deviations")),
                "get_deviation" => get(d("")),
                "assess_deviation" => post(d("/assess"), assessment),
                _ => {
                    fx.post(&d("/assess"), &assessment, "assess").await;
                    if operation == "investigate_deviation" {
                        post(d("/investigate"), investigation)
                    } else {
                        fx.post(&d("/investigate"), &investigation, "investigate").await;
                        post(d("/report-to-ivo"), json!({"on": "2025-01-25"}))
                    }
                }
            }
        }

        "list_people"
        | "get_person"
        | "update_person"
        | "list_caseworkers"
        | "assign_caseworker"
        | "list_housing_arrangements"
        | "create_housing_arrangement"
        | "end_housing_arrangement"
        | "list_support_workers"
        | "create_support_worker_assignment"
        | "end_support_worker_assignment"
        | "get_person_situation"
        | "list_person_support_plans"
        | "create_support_plan" => {
            let person = fx.person_of(STAFF).await;
            let p = |rest: &str| a(&format!("/people/{}{rest}", person.id));
            match operation {
                "list_people" => get(a(&format!("/people?name={}", person.given_name))),
                "get_person" => get(p("")),
                "update_person" => {
                    let mut body = person.body.clone();
                    body["phone"] = json!("070-123 45 67");
                    put(p(""), body)
                }
                "list_caseworkers" => get(p("/caseworkers")),
                "assign_caseworker" => put(p("/caseworkers"), json!({"caseworker": "anna.berg"})),
                "list_housing_arrangements" => get(p("/housing-arrangements")),
                "create_housing_arrangement" => {
                    post(p("/housing-arrangements"), json!({"kind": "outdoors", "valid_from": "2025-01-01"}))
                }
                "end_housing_arrangement" => {
                    let arrangement = fx.housing_arrangement(&person.id).await;
                    post(p(&format!("/housing-arrangements/{arrangement}/end")), json!({"ended_on": "2025-06-01"}))
                }
                "list_support_workers" => get(p("/support-workers")),
                "create_support_worker_assignment" => {
                    post(p("/support-workers"), json!({"staff_id": "lena.holm", "assigned_on": "2025-01-01"}))
                }
                "end_support_worker_assignment" => {
                    let assignment = fx.assign_support_worker(&person.id, "lena.holm").await;
                    let today = hemvist_platform::night::today().to_string();
                    post(p(&format!("/support-workers/{assignment}/end")), json!({"ended_on": today}))
                }
                "get_person_situation" => get(p("/situation?date=2025-02-01")),
                "list_person_support_plans" => {
                    fx.support_plan(&person.id).await;
                    get(p("/support-plans"))
                }
                _ => post(p("/support-plans"), json!({"content": plan_content("2026-06-01")})),
            }
        }
        "get_support_plan"
        | "get_support_plan_version"
        | "create_support_plan_revision"
        | "close_support_plan"
        | "list_support_visits"
        | "create_support_visit"
        | "update_support_visit"
        | "list_overdue_support_plan_reviews" => {
            let person = fx.person_of(STAFF).await;
            let plan = fx.support_plan(&person.id).await;
            let s = |rest: &str| a(&format!("/support-plans/{plan}{rest}"));
            match operation {
                "get_support_plan" => get(s("")),
                "get_support_plan_version" => get(s("/versions/1")),
                "create_support_plan_revision" => post(s("/revisions"), json!({"content": plan_content("2026-07-01")})),
                "close_support_plan" => post(s("/close"), json!({"closed_on": "2025-12-01", "reason": "Not needed"})),
                "list_support_visits" => {
                    fx.support_visit(&plan, STAFF).await;
                    get(s("/visits?from=2025-03-01&to=2025-03-31"))
                }
                "create_support_visit" => post(s("/visits"), json!({"planned_on": "2025-03-03", "staff_id": STAFF})),
                "update_support_visit" => {
                    let visit = fx.support_visit(&plan, STAFF).await;
                    put(s(&format!("/visits/{visit}")), json!({"status": "held"}))
                }
                _ => get(a("/support-plans/overdue-reviews?as_of=2026-01-01")),
            }
        }
        "get_visits_by_worker_report" => get(a("/reports/visits-by-worker?from=2025-01-01&to=2025-12-31")),
        "get_housing_first_follow_up_report" => get(a("/reports/housing-first-follow-up?month=2025-06")),

        "list_shelters" => get(a("/shelters")),
        "create_shelter" => post(a("/shelters"), shelter_body(&format!("Ny{}", fx.tag()), JARVA_LON, 5)),
        "get_shelter" => get(a(&format!("/shelters/{}", ctx.shelter))),
        "update_shelter" => {
            let name = format!("Byte{}", fx.tag());
            let id = fx.shelter_at(&name, JARVA_LON, 5).await;
            let mut body = shelter_body(&name, JARVA_LON, 5);
            body["operator"] = json!("Frälsningsarmén");
            put(a(&format!("/shelters/{id}")), body)
        }
        "get_shelter_night" => get(a(&format!("/shelters/{}/nights/{}", ctx.shelter, ctx.capacity_night))),
        "update_shelter_night" => put(
            a(&format!("/shelters/{}/nights/{}", ctx.shelter, ctx.capacity_night)),
            json!({"beds_in_service": 250, "beds_out_of_service": 10, "out_of_service_reason": "No heating in room 3"}),
        ),
        "get_night_availability" => get(a(&format!("/nights/{}/availability", ctx.tonight))),
        "list_free_beds" => get(a(&format!("/nights/{}/free-beds", ctx.tonight))),
        "get_availability_feed" => get(a("/feeds/availability")),
        "list_bed_assignments" => {
            let person = fx.person_of(STAFF).await;
            fx.bed(&ctx.bed_night, &ctx.shelter, &person.id).await;
            get(a(&format!("/nights/{}/assignments", ctx.bed_night)))
        }
        "create_bed_assignment" => {
            let person = fx.person_of(STAFF).await;
            post(
                a(&format!("/nights/{}/assignments", ctx.bed_night)),
                json!({"shelter_id": ctx.shelter, "person_id": person.id}),
            )
        }
        "check_in_bed_assignment"
        | "check_out_bed_assignment"
        | "cancel_bed_assignment"
        | "record_bed_assignment_no_show" => {
            let person = fx.person_of(STAFF).await;
            // A no-show is recorded once the hold has ended (domain.md: held until the person can get there).
            let bed = if operation == "record_bed_assignment_no_show" {
                fx.bed_past_its_hold(&ctx.bed_night, &ctx.shelter, &person.id).await
            } else {
                fx.bed(&ctx.bed_night, &ctx.shelter, &person.id).await
            };
            let b = |rest: &str| a(&format!("/bed-assignments/{bed}{rest}"));
            match operation {
                "check_in_bed_assignment" => post(b("/check-in"), json!({})),
                "check_out_bed_assignment" => {
                    fx.post(&b("/check-in"), &json!({}), "check in").await;
                    post(b("/check-out"), json!({}))
                }
                "cancel_bed_assignment" => post(b("/cancel"), json!({})),
                _ => post(b("/no-show"), json!({})),
            }
        }
        "list_guarantee_requests" | "get_guarantee_request" => {
            let person = fx.person_of(STAFF).await;
            let request = fx.guarantee_request(&person.id, JARVA_LON).await;
            if operation == "get_guarantee_request" {
                get(a(&format!("/guarantee-requests/{}", id_of(&request))))
            } else {
                get(a(&format!("/guarantee-requests?night={}", request["night"].as_str().unwrap())))
            }
        }
        "create_guarantee_request" => {
            let person = fx.person_of(STAFF).await;
            post(a("/guarantee-requests"), json!({"person_id": person.id, "channel": "social_emergency_service"}))
        }
        "list_guarantee_breaches" => {
            let person = fx.person_of(STAFF).await;
            fx.guarantee_breach(&person.id, JARVA_LON).await;
            get(a("/guarantee-breaches"))
        }
        "resolve_guarantee_breach" => {
            let person = fx.person_of(STAFF).await;
            let breach = fx.guarantee_breach(&person.id, JARVA_LON).await;
            post(
                a(&format!("/guarantee-breaches/{}/resolution", id_of(&breach))),
                json!({"kind": "emergency_housing", "note": "Hotel room for the night"}),
            )
        }
        "get_guarantee_report" => get(a(&format!("/reports/guarantee?from={0}&to={0}", ctx.tonight))),
        "get_shelter_occupancy_report" => get(a(&format!("/reports/shelter-occupancy?month={}", &ctx.tonight[..7]))),
        "get_bouncing_report" => get(a("/reports/bouncing")),
        other => panic!("no request built for {other}: add one to the policy test"),
    }
}

/// A digest of every table the API writes to (not the audit trail or tokens), to show that a refused
/// write changed nothing.
async fn fingerprint(client: &tokio_postgres::Client) -> Vec<(String, String)> {
    let query: String = client
        .query_one(
            "SELECT string_agg(format('SELECT %L, md5(coalesce(string_agg(t::text, ''|'' ORDER BY t::text), '''')) FROM %I t',
                 table_name, table_name), ' UNION ALL ')
             FROM information_schema.tables
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
               AND table_name NOT IN ('audit_events', 'api_tokens', 'refinery_schema_history')",
            &[],
        )
        .await
        .expect("fingerprint query")
        .get(0);
    let mut rows: Vec<(String, String)> =
        client.query(&query, &[]).await.expect("fingerprint").iter().map(|r| (r.get(0), r.get(1))).collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn every_operation_answers_every_role_as_the_policy_says() {
    let app = TestApp::spawn().await;
    let fx = Fixtures::new(&app).await;
    let (jarva, _) = fx.two_districts().await;
    let shelter = fx.shelter_at("Policyhemmet", JARVA_LON, 300).await;
    let mut tokens = Vec::new();
    for role in COLUMNS {
        // Unit-scoped roles are scoped to the units every fixture is made in.
        let token = match role {
            Role::Admin => fx.admin.clone(),
            Role::HousingOfficer => app.token_for(role, "0180", &["jarva"], &[]).await,
            Role::SupportWorker => app.staff_token(role, STAFF).await,
            Role::ShelterStaff => app.token_for(role, "0180", &[], &[shelter.parse().unwrap()]).await,
            _ => app.token(role).await,
        };
        tokens.push((role, token));
    }
    // Callers whose role may make a write but whose unit or municipality does not hold the object.
    app.add_municipality("1480", "Göteborg").await;
    let other_shelter = fx.shelter_at("Annanstans", JARVA_LON, 5).await;
    let policy_shelter: uuid::Uuid = shelter.parse().unwrap();
    let outsiders = [
        (
            Role::HousingOfficer,
            "housing_officer of Bromma",
            app.token_for(Role::HousingOfficer, "0180", &["bromma"], &[]).await,
        ),
        (Role::SupportWorker, "support_worker sw.other", app.staff_token(Role::SupportWorker, "sw.other").await),
        (
            Role::ShelterStaff,
            "shelter_staff of another shelter",
            app.token_for(Role::ShelterStaff, "0180", &[], &[other_shelter.parse().unwrap()]).await,
        ),
        (Role::Admin, "admin of Göteborg", app.token_for(Role::Admin, "1480", &[], &[]).await),
        (
            Role::HousingOfficer,
            "housing_officer of Göteborg",
            app.token_for(Role::HousingOfficer, "1480", &["jarva"], &[]).await,
        ),
        (
            Role::SupportWorker,
            "support_worker sw.policy of Göteborg",
            app.token_with(Role::SupportWorker, "1480", &[], &[], Some(STAFF)).await,
        ),
        (
            Role::ShelterStaff,
            "shelter_staff of Göteborg",
            app.token_for(Role::ShelterStaff, "1480", &[], &[policy_shelter]).await,
        ),
        (
            Role::NightCoordinator,
            "night_coordinator of Göteborg",
            app.token_for(Role::NightCoordinator, "1480", &[], &[]).await,
        ),
    ];
    // Writes that make a new object in the caller's own municipality: Göteborg may make its own.
    let own_creates = ["create_district", "create_shelter", "create_person", "create_walk_in", "create_api_token"];
    let ctx = Ctx { jarva, shelter, bed_night: night_in(7), capacity_night: night_in(20), tonight: tonight(&app), fx };
    let owner = app.owner_client().await;
    let operations = spec_operations();
    let mut failures = Vec::new();
    let (mut checked, mut outside) = (0, 0);
    for (operation, cells, _) in POLICY {
        let Some((method, _)) = operations.get(*operation) else { continue };
        let writes = method != "GET";
        let mut call = prepare(&ctx, operation).await;
        let send = |call: &Call, token: Option<String>| {
            let app = &app;
            let (method, path, body) = (call.method.clone(), call.path.clone(), call.body.clone());
            async move { app.call(method, &path, token.as_deref(), body.as_ref()).await }
        };
        if !operation.starts_with("get_health") && *operation != "get_ready" {
            let anonymous = send(&call, None).await;
            if anonymous.status != StatusCode::UNAUTHORIZED {
                failures.push(format!("{operation} without a token: {} (expected 401)", anonymous.status));
            }
        }
        // The refused first: they must leave the fixture as it was.
        let before = if writes { Some(fingerprint(&owner).await) } else { None };
        for ((role, token), allowed) in tokens.iter().zip(cells) {
            if *allowed {
                continue;
            }
            let response = send(&call, Some(token.clone())).await;
            checked += 1;
            if response.status != StatusCode::FORBIDDEN {
                failures.push(format!("{operation} as {role}: {} (expected 403) {}", response.status, response.body));
            }
        }
        // Outside its unit or municipality an allowed role changes nothing either (404 or 403).
        if writes {
            for (role, who, token) in &outsiders {
                let role_allowed = COLUMNS.iter().zip(cells.iter()).any(|(r, ok)| r == role && *ok);
                if !role_allowed || (who.ends_with("Göteborg") && own_creates.contains(operation)) {
                    continue;
                }
                let response = send(&call, Some(token.clone())).await;
                outside += 1;
                if response.status.is_success() || response.status.is_server_error() {
                    failures.push(format!(
                        "{operation} as {who}: {} (expected 403/404) {}",
                        response.status, response.body
                    ));
                }
            }
        }
        // One digest after all refusals keeps the suite fast; a difference names the operation.
        if let Some(before) = &before
            && fingerprint(&owner).await != *before
        {
            failures.push(format!("{operation}: a refused caller wrote something"));
        }
        // Then each allowed role, on objects of its own when the operation changes them.
        let mut used = false;
        for ((role, token), allowed) in tokens.iter().zip(cells) {
            if !*allowed {
                continue;
            }
            if used && writes {
                call = prepare(&ctx, operation).await;
            }
            used = true;
            let response = send(&call, Some(token.clone())).await;
            checked += 1;
            if !response.status.is_success() {
                failures
                    .push(format!("{operation} as {role}: {} (expected success) {}", response.status, response.body));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} cells disagree with the policy:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(checked, POLICY.len() * COLUMNS.len());
    assert!(outside > 120, "only {outside} writes tried from outside the unit or municipality");
}
