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
    box_polygon([lon0, 59.38, lon0 + 0.1, 59.43])
}

/// Järva as most API tests draw it, (lon0, lat0, lon1, lat1); [`IN_JARVA`] lies inside.
pub const JARVA_BOX: [f64; 4] = [17.85, 59.38, 17.97, 59.43];
/// A point (lat, lon) in [`JARVA_BOX`].
pub const IN_JARVA: (f64, f64) = (LAT, JARVA_LON);

/// The rectangle (lon0, lat0, lon1, lat1) as a GeoJSON polygon.
pub fn box_polygon([lon0, lat0, lon1, lat1]: [f64; 4]) -> Value {
    json!({"type": "Polygon", "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]]})
}

/// `body` with the fields of `extra` set over it.
pub fn merged(mut body: Value, extra: Value) -> Value {
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    body
}

/// The body of a walk-in woman of Stockholm without an identity number.
pub fn walk_in_body(given: &str, family: &str) -> Value {
    json!({"identity_kind": "none", "given_name": given, "family_name": family, "sex": "woman",
           "home_municipality_code": "0180"})
}

/// A night `day` days into next month: ahead, so reservations are still held and no job touched it.
pub fn next_month_night(day: i8) -> jiff::civil::Date {
    use jiff::ToSpan;
    let next = hemvist_platform::night::today().checked_add(1.month()).expect("date").first_of_month();
    next.checked_add(i64::from(day - 1).days()).expect("date")
}

/// POSTs `body` to `path` as `token` and asserts 201 Created; returns what was created.
pub async fn created(app: &TestApp, token: &str, path: &str, body: &Value) -> Value {
    let response = app.post(path, token, body).await;
    assert_eq!(response.status, http::StatusCode::CREATED, "{path}: {}", response.body);
    response.body
}

/// [`created`], returning the id.
pub async fn create(app: &TestApp, token: &str, path: &str, body: &Value) -> String {
    id_of(&created(app, token, path, body).await)
}

/// A district `code` named `name`, valid from 2023-07-01, over the rectangle `area`; returns its id.
pub async fn district_in(app: &TestApp, token: &str, code: &str, name: &str, area: [f64; 4]) -> String {
    let body = json!({"code": code, "name": name, "valid_from": "2023-07-01", "boundary": box_polygon(area)});
    create(app, token, "/api/v1/districts", &body).await
}

/// Järva over [`JARVA_BOX`]; returns its id.
pub async fn jarva(app: &TestApp, token: &str) -> String {
    district_in(app, token, "jarva", "Järva", JARVA_BOX).await
}

/// A decision for `intervention` applied for and granted on `decided_on` with `reasons`; returns its id.
pub async fn granted_on(
    app: &TestApp,
    token: &str,
    person: &str,
    intervention: &str,
    decided_on: &str,
    reasons: &str,
) -> String {
    granted_between(app, token, person, intervention, [decided_on, decided_on], reasons).await
}

/// A decision for `intervention` applied for on `applied_on` and granted on `decided_on`; returns its id.
pub async fn granted_between(
    app: &TestApp,
    token: &str,
    person: &str,
    intervention: &str,
    [applied_on, decided_on]: [&str; 2],
    reasons: &str,
) -> String {
    let applied = json!({"intervention": intervention, "applied_on": applied_on});
    let id = create(app, token, &format!("/api/v1/people/{person}/decisions"), &applied).await;
    let decide = json!({"decided_on": decided_on, "outcome": "granted", "reasons": reasons});
    let decided = app.post(&format!("/api/v1/decisions/{id}/decide"), token, &decide).await;
    assert_eq!(decided.status, http::StatusCode::OK, "decide: {}", decided.body);
    id
}

/// A two-room flat of Svenska Bostäder with a lift at (`lat`, `lon`).
pub fn two_room_apartment_body(address: &str, lat: f64, lon: f64) -> Value {
    json!({"address": address, "lat": lat, "lon": lon, "rooms": 2.0, "area_sqm": 54.5, "floor": 3, "has_lift": true,
           "wheelchair_accessible": false, "monthly_rent_sek": 6200, "landlord": "Svenska Bostäder",
           "first_hand_start": "2024-01-01"})
}

/// Assigns the member of staff `staff` to `person` from 2025-01-01; returns the person's assignments.
pub async fn assign_support(app: &TestApp, token: &str, person: &str, staff: &str) -> Value {
    let body = json!({"staff_id": staff, "assigned_on": "2025-01-01"});
    created(app, token, &format!("/api/v1/people/{person}/support-workers"), &body).await
}

/// A guarantee request sent with an `Idempotency-Key`.
pub async fn guarantee_with_key(app: &TestApp, token: &str, key: &str, body: &Value) -> TestResponse {
    let request = http::Request::post("/api/v1/guarantee-requests")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(axum::body::Body::from(body.to_string()))
        .expect("request");
    app.send(request).await
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
    /// A personnummer instead of no identity (sex then follows the number).
    pub personnummer: Option<&'static str>,
}

impl Default for PersonSpec {
    fn default() -> Self {
        Self {
            district: Some("jarva"),
            protected: false,
            address: None,
            support_workers: Vec::new(),
            personnummer: None,
        }
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
        if let Some(number) = spec.personnummer {
            body["identity_kind"] = json!("personnummer");
            body["identity_number"] = json!(number);
            body.as_object_mut().map(|b| b.remove("sex"));
        }
        if let Some(address) = &spec.address {
            body["address"] = json!(address);
        }
        (body, given, family)
    }

    /// The body of a walk-in (`POST /walk-ins`): a name or alias and where they belong, nothing else.
    pub fn walk_in_body(&self, district: Option<&str>) -> (Value, String, String) {
        let tag = self.tag();
        let (given, family) = (format!("Wg{tag}"), format!("Wf{tag}"));
        let mut body = json!({"given_name": given, "family_name": family, "home_municipality_code": "0180"});
        if let Some(district) = district {
            body["responsible_district_code"] = json!(district);
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
        let found =
            list.as_array().and_then(|all| all.iter().find(|a| a["staff_id"] == staff && a["ended_on"].is_null()));
        id_of(found.unwrap_or_else(|| panic!("assignment of {staff} not listed: {list}")))
    }

    /// A housing arrangement (sleeping outdoors) from 2025-01-01, still open; returns its id.
    pub async fn housing_arrangement(&self, person: &str) -> String {
        let body = json!({"kind": "outdoors", "valid_from": "2025-01-01"});
        id_of(&self.post(&format!("/api/v1/people/{person}/housing-arrangements"), &body, "housing arrangement").await)
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
        self.lease_from(person, kind, lon, "2025-02-01").await
    }

    /// An offered lease from `starts_on` in an apartment at `lon`.
    pub async fn lease_from(&self, person: &str, kind: &str, lon: f64, starts_on: &str) -> Lease {
        let intervention = match kind {
            "trial" => "trial_apartment",
            "training" => "training_apartment",
            other => other,
        };
        let decision = self.granted_decision(person, intervention).await;
        let (apartment, apartment_address) = self.apartment_at(lon).await;
        let body = json!({"apartment_id": apartment, "decision_id": decision, "kind": kind, "starts_on": starts_on});
        let id = id_of(&self.post("/api/v1/leases", &body, "lease").await);
        Lease { id, apartment, apartment_address, decision, person: person.to_owned() }
    }

    pub async fn lease(&self, person: &str, kind: &str) -> Lease {
        self.lease_at(person, kind, JARVA_LON).await
    }

    /// A lease moved into on 2025-02-01; returns it with the activation's answer (planned follow-ups).
    pub async fn active_lease_at(&self, person: &str, kind: &str, lon: f64) -> (Lease, Value) {
        self.active_lease_from(person, kind, lon, "2025-02-01").await
    }

    /// A lease moved into on `starts_on`.
    pub async fn active_lease_from(&self, person: &str, kind: &str, lon: f64, starts_on: &str) -> (Lease, Value) {
        let lease = self.lease_from(person, kind, lon, starts_on).await;
        let body = json!({"moved_in_on": starts_on});
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

    /// A bed whose hold has ended (as if its time had passed): a no-show may be recorded for it.
    pub async fn bed_past_its_hold(&self, night: &str, shelter: &str, person: &str) -> String {
        let bed = self.bed(night, shelter, person).await;
        end_hold(self.app, &bed).await;
        bed
    }

    /// A guarantee request tonight by a person standing at `lon`; returns the request.
    pub async fn guarantee_request(&self, person: &str, lon: f64) -> Value {
        let body = json!({"person_id": person, "channel": "homelessness_reception", "lat": LAT, "lon": lon});
        self.post("/api/v1/guarantee-requests", &body, "guarantee request").await
    }

    /// A guarantee breach tonight: the person comes with a pet and no shelter of the fixtures takes
    /// pets (see [`shelter_body`]), so there is no suitable bed. Returns the request.
    pub async fn guarantee_breach(&self, person: &str, lon: f64) -> Value {
        let body =
            json!({"person_id": person, "channel": "social_emergency_service", "lat": LAT, "lon": lon, "pets": true});
        let request = self.post("/api/v1/guarantee-requests", &body, "guarantee breach").await;
        assert_eq!(request["outcome"], "no_suitable_bed", "fixture guarantee breach: {request}");
        request
    }

    /// A guarantee breach two nights ago, recorded afterwards (the person may have a bed tonight).
    pub async fn past_guarantee_breach(&self, person: &str) -> Value {
        let then = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(48);
        let body = json!({"person_id": person, "channel": "homelessness_reception", "requested_at": then.to_string(),
                          "recorded_outcome": "no_suitable_bed"});
        let request = self.post("/api/v1/guarantee-requests", &body, "past guarantee breach").await;
        assert_eq!(request["outcome"], "no_suitable_bed", "fixture past guarantee breach: {request}");
        request
    }
}

pub const BROMMA_PERSONNUMMER: &str = "19121212-1212";
pub const BROMMA_CASEWORKER: &str = "bo.bromma";

/// One seeded person of the [`World`] and everything recorded about them.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub person: Person,
    pub district: &'static str,
    pub decision: String,
    pub lease: Option<Lease>,
    pub plan: String,
    /// Tonight's guarantee request and the bed it gave, when they asked for one.
    pub request: Option<(String, String)>,
    /// A guarantee request of theirs that found no suitable bed (a breach, still open).
    pub breach: Option<String>,
}

impl Seeded {
    /// Strings that identify the person (id and names).
    pub fn identity(&self) -> Vec<String> {
        vec![self.person.id.clone(), self.person.given_name.clone(), self.person.family_name.clone()]
    }

    /// Everything that would show this person, or an object about them, in an answer.
    pub fn markers(&self) -> Vec<String> {
        let mut markers = self.identity();
        markers.extend([self.decision.clone(), self.plan.clone()]);
        if let Some(lease) = &self.lease {
            markers.extend([lease.id.clone(), lease.apartment.clone(), lease.apartment_address.clone()]);
        }
        if let Some((request, bed)) = &self.request {
            markers.extend([request.clone(), bed.clone()]);
        }
        markers.extend(self.breach.clone());
        markers
    }
}

/// A small municipality to read from: two districts, two shelters, two support workers, and
/// - `j1` (Järva, supported by `sw.a`) and `j2` (Järva, `sw.b`, sleeping at shelter A tonight),
/// - `b1` (Bromma, `sw.b`, at shelter B tonight), each with a granted decision not executed, an active
///   lease with unpaid rent, a support plan overdue for review and a visit,
/// - `j1` also moves from shelter A to shelter B over two coming nights (the bouncing report) and
///   found no bed tonight (an open guarantee breach),
/// - `p`, a protected person (Järva, `sw.a`) with an address, a lease and a bed at shelter A tonight,
///   in one household with `q` (Järva, `sw.a`), who lives at the same address, and an open guarantee
///   breach two nights ago; `b1` has a household too.
pub struct World {
    pub tonight: String,
    pub jarva: String,
    pub bromma: String,
    pub shelter_a: String,
    pub shelter_b: String,
    pub household: String,
    pub bromma_household: String,
    pub protected_address: String,
    pub j1: Seeded,
    pub j2: Seeded,
    pub b1: Seeded,
    pub p: Seeded,
    pub q: Seeded,
    /// The deviations the breaches made (issue 14).
    pub deviations: Vec<String>,
}

impl World {
    pub async fn seed(fx: &Fixtures<'_>) -> World {
        let (jarva, bromma) = fx.two_districts().await;
        let shelter_a = fx.shelter_at("Hemmet", JARVA_LON, 10).await;
        let shelter_b = fx.shelter_at("Härbärget", BROMMA_LON, 10).await;
        let protected_address = "Skyddsvägen 7".to_owned();
        let seed = |district: &'static str, staff: &'static str, protected: bool, address: Option<String>| async move {
            let spec = PersonSpec {
                district: Some(district),
                protected,
                address,
                support_workers: vec![staff.to_owned()],
                // Bromma's tenant is searched for by number (Skatteverket's test number "Tolvan").
                personnummer: (district == "bromma").then_some(BROMMA_PERSONNUMMER),
            };
            let person = fx.person(&spec).await;
            let decision = fx.granted_decision(&person.id, "other").await;
            let plan = fx.support_plan(&person.id).await;
            fx.support_visit(&plan, staff).await;
            Seeded { person, district, decision, lease: None, plan, request: None, breach: None }
        };
        let mut j1 = seed("jarva", "sw.a", false, None).await;
        let mut j2 = seed("jarva", "sw.b", false, None).await;
        let mut b1 = seed("bromma", "sw.b", false, None).await;
        let mut p = seed("jarva", "sw.a", true, Some(protected_address.clone())).await;
        let q = seed("jarva", "sw.a", false, Some(protected_address.clone())).await;
        // The protected tenant's lease sorts first, so a list's first page ends on it unless it is hidden.
        let leases = [
            (&mut p, JARVA_LON, "2025-01-20"),
            (&mut j1, JARVA_LON, "2025-02-01"),
            (&mut j2, JARVA_LON, "2025-02-01"),
            (&mut b1, BROMMA_LON, "2025-02-01"),
        ];
        for (seeded, lon, starts_on) in leases {
            let (lease, _) = fx.active_lease_from(&seeded.person.id, "housing_first", lon, starts_on).await;
            fx.rent_charge(&lease.id).await;
            seeded.lease = Some(lease);
        }
        for (seeded, lon) in [(&mut j2, JARVA_LON), (&mut b1, BROMMA_LON), (&mut p, JARVA_LON)] {
            let request = fx.guarantee_request(&seeded.person.id, lon).await;
            let bed =
                request["bed"]["assignment_id"].as_str().unwrap_or_else(|| panic!("no bed: {request}")).to_owned();
            seeded.request = Some((id_of(&request), bed));
        }
        // Guarantee breaches, open: j1 comes with a pet tonight (no shelter takes pets), and the
        // protected person found no bed two nights ago (recorded afterwards).
        j1.breach = Some(id_of(&fx.guarantee_breach(&j1.person.id, JARVA_LON).await));
        p.breach = Some(id_of(&fx.past_guarantee_breach(&p.person.id).await));
        let household = fx.household(&[&p.person.id, &q.person.id]).await;
        let bromma_household = fx.household(&[&b1.person.id]).await;
        let caseworker = json!({"caseworker": BROMMA_CASEWORKER});
        fx.put(&format!("/api/v1/people/{}/caseworkers", b1.person.id), &caseworker, "caseworker").await;
        // j1 moves between the shelters on two coming nights: the bouncing report names them.
        fx.bed(&night_in(3), &shelter_a, &j1.person.id).await;
        fx.bed(&night_in(4), &shelter_b, &j1.person.id).await;
        let deviations = fx.get("/api/v1/deviations", "deviations").await;
        let deviations = deviations.as_array().map(|all| all.iter().map(id_of).collect()).unwrap_or_default();
        World {
            tonight: tonight(fx.app),
            jarva,
            bromma,
            shelter_a,
            shelter_b,
            household,
            bromma_household,
            protected_address,
            j1,
            j2,
            b1,
            p,
            q,
            deviations,
        }
    }

    pub fn people(&self) -> [&Seeded; 5] {
        [&self.j1, &self.j2, &self.b1, &self.p, &self.q]
    }

    /// Every read of the API over this world: (operation id, path). Lists, searches, maps, reports and
    /// feeds first, then each object by its id.
    pub fn reads(&self) -> Vec<(&'static str, String)> {
        let n = &self.tonight;
        let mut reads: Vec<(&'static str, String)> = vec![
            ("list_districts", "/api/v1/districts".into()),
            ("list_api_tokens", "/api/v1/api-tokens".into()),
            ("lookup_district", format!("/api/v1/districts/lookup?lat={LAT}&lon={JARVA_LON}")),
            ("get_district", format!("/api/v1/districts/{}", self.jarva)),
            ("get_district", format!("/api/v1/districts/{}", self.bromma)),
            ("list_apartments", "/api/v1/apartments".into()),
            ("list_apartments", "/api/v1/apartments?status=let".into()),
            ("list_apartment_features", "/api/v1/apartments/map".into()),
            ("list_leases", "/api/v1/leases".into()),
            ("list_leases", "/api/v1/leases?status=active".into()),
            ("list_rent_arrears", "/api/v1/rent-arrears?as_of=2026-10-15".into()),
            ("get_apartment_stock_report", "/api/v1/reports/apartment-stock".into()),
            ("get_lease_outcomes_report", "/api/v1/reports/lease-outcomes".into()),
            ("list_people", "/api/v1/people".into()),
            ("list_people", format!("/api/v1/people?identity_number={}", BROMMA_PERSONNUMMER.replace('-', ""))),
            ("list_people", format!("/api/v1/people?caseworker={BROMMA_CASEWORKER}")),
            ("get_non_executed_decisions_report", "/api/v1/reports/non-executed-decisions?quarter=2025-Q3".into()),
            ("get_situations_report", "/api/v1/reports/situations".into()),
            ("list_overdue_support_plan_reviews", "/api/v1/support-plans/overdue-reviews?as_of=2026-01-01".into()),
            ("get_visits_by_worker_report", "/api/v1/reports/visits-by-worker?from=2025-01-01&to=2025-12-31".into()),
            ("get_housing_first_follow_up_report", "/api/v1/reports/housing-first-follow-up?month=2025-06".into()),
            ("list_shelters", "/api/v1/shelters".into()),
            ("get_shelter", format!("/api/v1/shelters/{}", self.shelter_a)),
            ("get_shelter", format!("/api/v1/shelters/{}", self.shelter_b)),
            ("get_shelter_night", format!("/api/v1/shelters/{}/nights/{n}", self.shelter_a)),
            ("get_shelter_night", format!("/api/v1/shelters/{}/nights/{n}", self.shelter_b)),
            ("get_night_availability", format!("/api/v1/nights/{n}/availability")),
            ("list_free_beds", format!("/api/v1/nights/{n}/free-beds")),
            ("get_availability_feed", "/api/v1/feeds/availability".into()),
            ("list_bed_assignments", format!("/api/v1/nights/{n}/assignments")),
            ("list_bed_assignments", format!("/api/v1/nights/{n}/assignments?shelter_id={}", self.shelter_b)),
            ("list_guarantee_requests", format!("/api/v1/guarantee-requests?night={n}")),
            ("list_guarantee_breaches", "/api/v1/guarantee-breaches".into()),
            ("list_guarantee_breaches", "/api/v1/guarantee-breaches?state=all".into()),
            ("get_guarantee_report", format!("/api/v1/reports/guarantee?from={n}&to={n}")),
            ("get_shelter_occupancy_report", format!("/api/v1/reports/shelter-occupancy?month={}", &n[..7])),
            ("get_bouncing_report", "/api/v1/reports/bouncing".into()),
            ("get_bouncing_report", format!("/api/v1/reports/bouncing?as_of={}&more_than=0", night_in(4))),
            ("get_household", format!("/api/v1/households/{}", self.household)),
            ("get_household", format!("/api/v1/households/{}", self.bromma_household)),
            ("get_continuity_report", "/api/v1/reports/continuity".into()),
            ("list_deviations", "/api/v1/deviations".into()),
        ];
        // Issue 14's period reports over the last 300 days.
        let to: jiff::civil::Date = n.parse().unwrap_or_else(|_| panic!("night {n}"));
        let from = to.checked_sub(jiff::ToSpan::days(300)).unwrap_or(to);
        reads.extend([
            ("get_equity_report", format!("/api/v1/reports/equity?from={from}&to={to}")),
            ("get_vacancy_report", format!("/api/v1/reports/vacancy?from={from}&to={to}")),
        ]);
        reads.extend(self.deviations.iter().map(|d| ("get_deviation", format!("/api/v1/deviations/{d}"))));
        for s in self.people() {
            let (id, plan) = (&s.person.id, &s.plan);
            reads.extend([
                ("list_people", format!("/api/v1/people?name={}", s.person.family_name)),
                ("get_person", format!("/api/v1/people/{id}")),
                ("list_caseworkers", format!("/api/v1/people/{id}/caseworkers")),
                ("list_housing_arrangements", format!("/api/v1/people/{id}/housing-arrangements")),
                ("list_support_workers", format!("/api/v1/people/{id}/support-workers")),
                ("list_person_decisions", format!("/api/v1/people/{id}/decisions")),
                ("get_person_situation", format!("/api/v1/people/{id}/situation")),
                ("list_person_support_plans", format!("/api/v1/people/{id}/support-plans")),
                ("get_decision", format!("/api/v1/decisions/{}", s.decision)),
                ("list_leases", format!("/api/v1/leases?person_id={id}")),
                ("get_support_plan", format!("/api/v1/support-plans/{plan}")),
                ("get_support_plan_version", format!("/api/v1/support-plans/{plan}/versions/1")),
                ("list_support_visits", format!("/api/v1/support-plans/{plan}/visits?from=2025-01-01&to=2025-12-31")),
            ]);
            if let Some(lease) = &s.lease {
                reads.extend([
                    ("get_lease", format!("/api/v1/leases/{}", lease.id)),
                    ("get_lease_rent", format!("/api/v1/leases/{}/rent?as_of=2026-10-15", lease.id)),
                    ("get_apartment", format!("/api/v1/apartments/{}", lease.apartment)),
                    ("list_leases", format!("/api/v1/leases?apartment_id={}", lease.apartment)),
                ]);
            }
            if let Some((request, _)) = &s.request {
                reads.push(("get_guarantee_request", format!("/api/v1/guarantee-requests/{request}")));
            }
            if let Some(breach) = &s.breach {
                reads.push(("get_guarantee_request", format!("/api/v1/guarantee-requests/{breach}")));
            }
        }
        reads
    }
}

/// Luhn control digit over the ten-digit form's first nine digits (YYMMDDNNN), written from the rule
/// (not the code under test): weights 2,1,2,1,... from the left; a two-digit product adds both its
/// digits; C = (10 - sum mod 10) mod 10.
pub fn luhn(nine: &str) -> u32 {
    assert_eq!(nine.len(), 9);
    let mut sum = 0;
    for (i, c) in nine.chars().enumerate() {
        let product = c.to_digit(10).unwrap() * if i % 2 == 0 { 2 } else { 1 };
        sum += product / 10 + product % 10;
    }
    (10 - sum % 10) % 10
}

/// An identity number without its control digit (10 or 12 digits, any separator) plus that digit.
pub fn number(without_check: &str) -> String {
    let digits: String = without_check.chars().filter(char::is_ascii_digit).collect();
    assert!(digits.len() == 9 || digits.len() == 11, "{without_check}: 10 or 12 digits less the control digit");
    format!("{without_check}{}", luhn(&digits[digits.len() - 9..]))
}

/// POST /people with an identity number and nothing else but a name and home municipality.
pub async fn register(app: &TestApp, token: &str, kind: &str, identity_number: &str) -> TestResponse {
    app.post(
        "/api/v1/people",
        token,
        &json!({"identity_kind": kind, "identity_number": identity_number, "given_name": "Sam",
                "family_name": "Ordning", "home_municipality_code": "0180"}),
    )
    .await
}

/// Moves a bed's hold to a minute ago, as the clock passing its end would (owner connection).
pub async fn end_hold(app: &TestApp, bed: &str) {
    let client = app.owner_client().await;
    let id: uuid::Uuid = bed.parse().expect("a bed id");
    let moved = client
        .execute("UPDATE bed_assignments SET hold_until = now() - interval '1 minute' WHERE id = $1", &[&id])
        .await
        .expect("end the hold");
    assert_eq!(moved, 1, "bed {bed}");
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn luhn_helper_agrees_with_published_numbers() {
        // Skatteverket's Tolvan, a ten-digit form, and the samordningsnummer example from its brochure.
        assert_eq!(number("19121212-121"), "19121212-1212");
        assert_eq!(number("811218-987"), "811218-9876");
        assert_eq!(number("19701063-239"), "19701063-2391");
    }
}
