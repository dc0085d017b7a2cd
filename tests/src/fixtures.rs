//! Fixture builders: valid objects made through the API (as an admin), with the prerequisites each
//! needs, so a test can send any operation a body that passes validation and be answered by the role
//! check alone. Each builder asserts that its set-up calls succeeded.

use std::sync::atomic::{AtomicU32, Ordering};

use hemvist_platform::auth::Role;
use serde_json::{Value, json};

use crate::{TestApp, TestResponse};

/// Järva and Bromma as rectangles side by side: Järva 17.85..17.95, Bromma 17.95..18.05 (lat 59.38..59.43).
pub const JARVA_LON: f64 = 17.90;
pub const BROMMA_LON: f64 = 18.00;
pub const LAT: f64 = 59.40;

/// A night `days` after today's date, as the API names nights.
pub fn night_in(days: i64) -> String {
    use jiff::ToSpan;
    hemvist_platform::night::today().checked_add(days.days()).expect("date").to_string()
}

/// Tonight as the API names it (before the cut-over hour, the night that began yesterday).
pub fn tonight(app: &TestApp) -> String {
    hemvist_platform::night::Night::containing(jiff::Timestamp::now(), app.state.settings.night_cutover_hour)
        .to_string()
}

pub fn rectangle(lon0: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[lon0, 59.38], [lon0 + 0.1, 59.38], [lon0 + 0.1, 59.43], [lon0, 59.43], [lon0, 59.38]]]})
}

pub fn district_body(code: &str, name: &str, lon0: f64) -> Value {
    json!({"code": code, "name": name, "valid_from": "2023-07-01", "boundary": rectangle(lon0)})
}

pub fn apartment_body(address: &str, lon: f64) -> Value {
    json!({"address": address, "lat": LAT, "lon": lon, "rooms": 1.0, "area_sqm": 35.0, "floor": 2, "has_lift": false,
           "wheelchair_accessible": false, "monthly_rent_sek": 5200, "landlord": "Familjebostäder",
           "first_hand_start": "2024-01-01"})
}

pub fn shelter_body(name: &str, lon: f64, beds: u32) -> Value {
    json!({"name": name, "operator": "Stadsmissionen", "address": format!("{name}gatan 1"), "lat": LAT, "lon": lon,
           "eligibility": {"accepts_women": true, "accepts_men": true}, "total_beds": beds,
           "opens_at": "19:00", "check_in_deadline": "23:00"})
}

pub fn plan_content(next_review_on: &str) -> Value {
    json!({"goals": [{"title": "A home of my own", "status": "in_progress"}], "interventions": [],
           "participation": {"participated": true}, "next_review_on": next_review_on})
}

/// What a person fixture looks like.
#[derive(Debug, Clone)]
pub struct PersonSpec {
    pub district: Option<&'static str>,
    pub protected: bool,
    pub address: Option<String>,
    /// Support workers (staff ids) assigned from 2025-01-01.
    pub support_workers: Vec<String>,
}

impl Default for PersonSpec {
    fn default() -> Self {
        Self { district: Some("jarva"), protected: false, address: None, support_workers: Vec::new() }
    }
}

/// A person made by a fixture: the strings that identify them in any response.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub body: Value,
}

#[derive(Debug, Clone)]
pub struct Lease {
    pub id: String,
    pub apartment: String,
    pub apartment_address: String,
    pub decision: String,
    pub person: String,
}

pub fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap_or_else(|| panic!("no id in {value}")).to_owned()
}

/// Builders over one test app, creating everything as that app's Stockholm admin.
pub struct Fixtures<'a> {
    pub app: &'a TestApp,
    pub admin: String,
    counter: AtomicU32,
}

impl<'a> Fixtures<'a> {
    pub async fn new(app: &'a TestApp) -> Fixtures<'a> {
        let admin = app.token(Role::Admin).await;
        Fixtures { app, admin, counter: AtomicU32::new(0) }
    }

    /// A unique tag of three lowercase letters (no tag is a substring of another's decorated form).
    pub fn tag(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let letter = |k: u32| char::from(b'a' + u8::try_from(k % 26).unwrap_or(0));
        [letter(n / 676), letter(n / 26), letter(n)].iter().collect()
    }

    #[track_caller]
    fn ok(response: TestResponse, what: &str) -> Value {
        assert!(response.status.is_success(), "fixture {what}: {} {}", response.status, response.body);
        response.body
    }

    pub async fn post(&self, path: &str, body: &Value, what: &str) -> Value {
        Self::ok(self.app.post(path, &self.admin, body).await, what)
    }

    pub async fn put(&self, path: &str, body: &Value, what: &str) -> Value {
        Self::ok(self.app.put(path, &self.admin, body).await, what)
    }

    pub async fn get(&self, path: &str, what: &str) -> Value {
        Self::ok(self.app.get(path, &self.admin).await, what)
    }

    /// Järva and Bromma, valid from 2023-07-01; returns their ids.
    pub async fn two_districts(&self) -> (String, String) {
        let jarva = id_of(&self.post("/api/v1/districts", &district_body("jarva", "Järva", 17.85), "district").await);
        let bromma =
            id_of(&self.post("/api/v1/districts", &district_body("bromma", "Bromma", 17.95), "district").await);
        (jarva, bromma)
    }

    /// A district of its own far away from Stockholm (nothing refers to it).
    pub async fn spare_district(&self) -> String {
        let tag = self.tag();
        let lon = 20.0 + f64::from(self.counter.load(Ordering::Relaxed) % 50);
        id_of(&self.post("/api/v1/districts", &district_body(&format!("spare{tag}"), "Spare", lon), "district").await)
    }

    /// The body of a person without an identity number (a walk-in registered with minimal data).
    pub fn person_body(&self, spec: &PersonSpec) -> (Value, String, String) {
        let tag = self.tag();
        let (given, family) = (format!("Gn{tag}"), format!("Fn{tag}"));
        let mut body = json!({"identity_kind": "none", "given_name": given, "family_name": family, "sex": "woman",
            "home_municipality_code": "0180", "protected_identity": spec.protected});
        if let Some(district) = spec.district {
            body["responsible_district_code"] = json!(district);
        }
        if let Some(address) = &spec.address {
            body["address"] = json!(address);
        }
        (body, given, family)
    }

    pub async fn person(&self, spec: &PersonSpec) -> Person {
        let (body, given_name, family_name) = self.person_body(spec);
        let id = id_of(&self.post("/api/v1/people", &body, "person").await);
        for staff in &spec.support_workers {
            self.assign_support_worker(&id, staff).await;
        }
        Person { id, given_name, family_name, body }
    }

    /// A Järva person assigned to `staff`.
    pub async fn person_of(&self, staff: &str) -> Person {
        self.person(&PersonSpec { support_workers: vec![staff.to_owned()], ..PersonSpec::default() }).await
    }

    /// Returns the assignment's id.
    pub async fn assign_support_worker(&self, person: &str, staff: &str) -> String {
        let list = self
            .post(
                &format!("/api/v1/people/{person}/support-workers"),
                &json!({"staff_id": staff, "assigned_on": "2025-01-01"}),
                "support worker",
            )
            .await;
        let found = list.as_array().and_then(|all| all.iter().find(|a| a["staff_id"] == staff && a["ended_on"].is_null()));
        id_of(found.unwrap_or_else(|| panic!("assignment of {staff} not listed: {list}")))
    }

    pub async fn household(&self, adults: &[&str]) -> String {
        id_of(&self.post("/api/v1/households", &json!({"adults": adults}), "household").await)
    }

    pub async fn apartment_at(&self, lon: f64) -> (String, String) {
        let address = format!("Hyresgatan {}", self.tag());
        (id_of(&self.post("/api/v1/apartments", &apartment_body(&address, lon), "apartment").await), address)
    }

    pub async fn apartment(&self) -> String {
        self.apartment_at(JARVA_LON).await.0
    }

    /// An applied (undecided) decision.
    pub async fn decision(&self, person: &str, intervention: &str) -> String {
        let body = json!({"intervention": intervention, "applied_on": "2025-01-02"});
        id_of(&self.post(&format!("/api/v1/people/{person}/decisions"), &body, "decision").await)
    }

    /// A decision granted on 2025-01-10 and not executed.
    pub async fn granted_decision(&self, person: &str, intervention: &str) -> String {
        let id = self.decision(person, intervention).await;
        let body = json!({"decided_on": "2025-01-10", "outcome": "granted", "reasons": "Homeless, needs a home"});
        self.post(&format!("/api/v1/decisions/{id}/decide"), &body, "decide").await;
        id
    }

    /// A granted decision executed on 2025-02-01.
    pub async fn executed_decision(&self, person: &str) -> String {
        let id = self.granted_decision(person, "other").await;
        self.post(&format!("/api/v1/decisions/{id}/execute"), &json!({"executed_on": "2025-02-01"}), "execute").await;
        id
    }

    /// An offered lease from 2025-02-01 (`kind`: trial, training or housing_first) in an apartment at `lon`.
    pub async fn lease_at(&self, person: &str, kind: &str, lon: f64) -> Lease {
        let intervention = match kind {
            "trial" => "trial_apartment",
            "training" => "training_apartment",
            other => other,
        };
        let decision = self.granted_decision(person, intervention).await;
        let (apartment, apartment_address) = self.apartment_at(lon).await;
        let body = json!({"apartment_id": apartment, "decision_id": decision, "kind": kind, "starts_on": "2025-02-01"});
        let id = id_of(&self.post("/api/v1/leases", &body, "lease").await);
        Lease { id, apartment, apartment_address, decision, person: person.to_owned() }
    }

    pub async fn lease(&self, person: &str, kind: &str) -> Lease {
        self.lease_at(person, kind, JARVA_LON).await
    }

    /// A lease moved into on 2025-02-01; returns it with the activation's answer (planned follow-ups).
    pub async fn active_lease_at(&self, person: &str, kind: &str, lon: f64) -> (Lease, Value) {
        let lease = self.lease_at(person, kind, lon).await;
        let body = json!({"moved_in_on": "2025-02-01"});
        let active = self.post(&format!("/api/v1/leases/{}/activate", lease.id), &body, "activate").await;
        (lease, active)
    }

    pub async fn active_lease(&self, person: &str, kind: &str) -> (Lease, Value) {
        self.active_lease_at(person, kind, JARVA_LON).await
    }

    /// October 2026's rent charged (due 2026-09-30) and not paid.
    pub async fn rent_charge(&self, lease: &str) {
        let body = json!({"period": "2026-10", "amount_sek": 5200, "due_on": "2026-09-30"});
        self.post(&format!("/api/v1/leases/{lease}/rent-charges"), &body, "rent charge").await;
    }

    /// A notice served on 2026-10-10 for unpaid rent; returns its id.
    pub async fn rent_notice(&self, lease: &str) -> String {
        self.rent_charge(lease).await;
        self.post(&format!("/api/v1/leases/{lease}/rent-notices"), &json!({"served_on": "2026-10-10"}), "notice").await;
        let ledger = self.get(&format!("/api/v1/leases/{lease}/rent?as_of=2026-10-15"), "rent").await;
        id_of(&ledger["notices"][0])
    }

    pub async fn shelter_at(&self, name: &str, lon: f64, beds: u32) -> String {
        id_of(&self.post("/api/v1/shelters", &shelter_body(name, lon, beds), "shelter").await)
    }

    /// A support plan whose review was due 2025-06-01.
    pub async fn support_plan(&self, person: &str) -> String {
        let body = json!({"content": plan_content("2025-06-01")});
        id_of(&self.post(&format!("/api/v1/people/{person}/support-plans"), &body, "support plan").await)
    }

    pub async fn support_visit(&self, plan: &str, staff: &str) -> String {
        let body = json!({"planned_on": "2025-03-03", "staff_id": staff});
        id_of(&self.post(&format!("/api/v1/support-plans/{plan}/visits"), &body, "visit").await)
    }

    pub async fn bed(&self, night: &str, shelter: &str, person: &str) -> String {
        let body = json!({"shelter_id": shelter, "person_id": person});
        id_of(&self.post(&format!("/api/v1/nights/{night}/assignments"), &body, "bed").await)
    }

    /// A guarantee request tonight by a person standing at `lon`; returns the request.
    pub async fn guarantee_request(&self, person: &str, lon: f64) -> Value {
        let body = json!({"person_id": person, "channel": "homelessness_reception", "lat": LAT, "lon": lon});
        self.post("/api/v1/guarantee-requests", &body, "guarantee request").await
    }
}
