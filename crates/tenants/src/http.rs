//! People, caseworkers, households and support workers over HTTP.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hemvist_platform::audit::{self, AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::etag::{etag, if_match};
use hemvist_platform::night::today;
use hemvist_platform::pagination::{Page, PageParams};
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, AppState, Json, Path, Query, ReadProblems, Validation, WriteProblems};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access::{
    READ_CASE_FILE, READ_PEOPLE, WRITE_PEOPLE, sees_full_identity, sees_protected_contact, staff_scope,
};
use crate::birth::BirthDate;
use crate::model::{Identity, IdentityKindInput, PersonInput, PersonRecord, Sex, display_identity};
use crate::repo::{self, PersonFilter, Scope, StoredPerson};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_people, create_person))
        .routes(routes!(get_person, update_person))
        .routes(routes!(list_caseworkers, assign_caseworker))
        .routes(routes!(create_household))
        .routes(routes!(get_household))
        // Here, not in lib.rs, so the spec keeps its order of paths.
        .merge(crate::arrangements::http::router())
        .routes(routes!(list_support_workers, create_support_worker_assignment))
        .routes(routes!(end_support_worker_assignment))
}

pub fn scope(principal: &Principal) -> Scope<'_> {
    Scope { municipality: &principal.municipality, districts: &principal.district_scope, staff: staff_scope(principal) }
}

/// A person as the caller may see them: identity numbers masked and protected contact details
/// withheld unless the caller's role needs them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Person {
    pub id: Uuid,
    pub identity_kind: IdentityKindInput,
    /// In full (`YYYYMMDD-NNNC`) for roles that need it, otherwise masked (`YYYYMMDD-****`).
    pub identity_number: Option<String>,
    pub identity_masked: bool,
    pub given_name: String,
    pub family_name: String,
    /// The complete birth date; absent when it is unknown or only partly known (see `birth_year`).
    #[schema(value_type = Option<String>, format = Date)]
    pub birth_date: Option<Date>,
    /// The birth year when known, also when only part of the date is: a samordningsnummer may leave out
    /// the month (`00`) and/or the day (`60`).
    pub birth_year: Option<i16>,
    /// The birth month when known.
    pub birth_month: Option<i8>,
    /// The day of the month of birth when known.
    pub birth_day: Option<i8>,
    pub sex: Sex,
    /// Skyddade personuppgifter: address and contact go only to roles allowed to see them.
    pub protected_identity: bool,
    pub home_municipality_code: Option<String>,
    /// Whether the person belongs to (hemmahörande) the caller's municipality.
    pub belongs_to_municipality: bool,
    pub responsible_district_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// True when address and contact were withheld from this caller: the person is protected or shares
    /// a household with someone who is.
    pub contact_withheld: bool,
    pub caseworker: Option<String>,
    pub household_id: Option<Uuid>,
    pub household_role: Option<String>,
    pub version: i32,
}

impl Person {
    pub fn for_caller(p: StoredPerson, principal: &Principal) -> Self {
        let full = sees_full_identity(principal);
        // A household member of a protected person lives at the protected address too.
        let withhold = p.shares_protected_home && !sees_protected_contact(principal);
        let hide = |value: Option<String>| if withhold { None } else { value };
        Self {
            id: p.id,
            identity_kind: IdentityKindInput::parse(&p.identity_kind).unwrap_or(IdentityKindInput::None),
            identity_number: display_identity(&p.identity_kind, p.identity_number.as_deref(), full),
            identity_masked: !full && p.identity_number.is_some(),
            given_name: p.given_name,
            family_name: p.family_name,
            birth_date: p.birth.and_then(BirthDate::date),
            birth_year: p.birth.map(BirthDate::year),
            birth_month: p.birth.and_then(BirthDate::month),
            birth_day: p.birth.and_then(BirthDate::day),
            sex: Sex::parse(&p.sex).unwrap_or(Sex::Unknown),
            protected_identity: p.protected_identity,
            belongs_to_municipality: p.home_municipality_code.as_deref() == Some(principal.municipality.as_str()),
            home_municipality_code: p.home_municipality_code,
            responsible_district_code: p.responsible_district_code,
            address: hide(p.address),
            phone: hide(p.phone),
            email: hide(p.email),
            contact_withheld: withhold,
            caseworker: p.caseworker,
            household_id: p.household_id,
            household_role: p.household_role,
            version: p.version,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleSearch {
    /// Part of the given or family name, any case.
    pub name: Option<String>,
    /// A full personnummer or samordningsnummer (any accepted form) or reserve number.
    pub identity_number: Option<String>,
    /// People whose current caseworker this is.
    pub caseworker: Option<String>,
}

pub(crate) async fn read_person(
    client: &impl hemvist_platform::db::GenericClient,
    principal: &Principal,
    id: Uuid,
) -> Result<StoredPerson, ApiError> {
    repo::find_person(client, &scope(principal), id).await?.ok_or(ApiError::NotFound("person"))
}

fn person_response(status: StatusCode, person: StoredPerson, principal: &Principal) -> Response {
    let tag = etag(person.version);
    let mut response = (status, Json(Person::for_caller(person, principal))).into_response();
    response.headers_mut().insert(header::ETAG, tag);
    response
}

/// Search people.
///
/// Roles: admin, housing_officer, support_worker, night_coordinator, auditor. District-scoped tokens
/// see only people of their districts. Every person returned is audited as read.
#[utoipa::path(get, path = "/api/v1/people", tag = "people", operation_id = "list_people",
    params(PeopleSearch, PageParams),
    responses((status = 200, description = "A page of people, by family name", body = Page<Person>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_people(
    State(state): State<AppState>,
    principal: Principal,
    Query(search): Query<PeopleSearch>,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<Person>>, ApiError> {
    principal.require(READ_PEOPLE)?;
    let page = page.parse::<(String, String, Uuid)>()?;
    // Searching by number would confirm numbers to roles that only see them masked.
    if search.identity_number.is_some() && !sees_full_identity(&principal) {
        return Err(ApiError::forbidden("your role may not search by identity number"));
    }
    // Any accepted form of a Swedish number is matched on its canonical form.
    let identity_number = search.identity_number.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(|raw| {
        Identity::parse(IdentityKindInput::Personnummer, Some(raw), today())
            .or_else(|_| Identity::parse(IdentityKindInput::Samordningsnummer, Some(raw), today()))
            .ok()
            .and_then(|id| id.stored_number())
            .unwrap_or_else(|| raw.to_owned())
    });
    let filter = PersonFilter {
        name: search.name.as_deref().map(|n| clean_text("name", n, 200, false)).transpose()?,
        identity_number,
        caseworker: search.caseworker.as_deref().map(|c| clean_text("caseworker", c, 200, false)).transpose()?,
    };
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let rows = repo::list_people(&tx, &scope(&principal), &filter, &page).await?;
    let page = Page::from_rows(rows, page.limit, |p| (p.family_name.clone(), p.given_name.clone(), p.id))?;
    let subjects: Vec<_> = page.items.iter().map(|p| (Some(p.id), Some(p.id))).collect();
    audit::record_many(&tx, &principal, AuditAction::List, "person", &subjects).await?;
    let query = serde_json::json!({"name": filter.name.is_some(), "identity_number": filter.identity_number.is_some(),
                                   "caseworker": filter.caseworker, "results": page.items.len()});
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::List, "person_search", None).details(query)).await?;
    tx.commit().await?;
    let items = page.items.into_iter().map(|p| Person::for_caller(p, &principal)).collect();
    Ok(Json(Page { items, next_cursor: page.next_cursor }))
}

/// Register a person.
///
/// Roles: admin, housing_officer. An identity number already registered in the municipality is 409.
#[utoipa::path(post, path = "/api/v1/people", tag = "people", operation_id = "create_person",
    request_body = PersonInput,
    responses((status = 201, description = "Registered", body = Person, headers(("location" = String), ("etag" = String))), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_person(
    State(state): State<AppState>,
    principal: Principal,
    Json(input): Json<PersonInput>,
) -> Result<Response, ApiError> {
    principal.require(WRITE_PEOPLE)?;
    let mut v = Validation::default();
    for (field, sent) in [
        ("id", input.id.is_some()),
        ("household_id", input.household_id.is_some()),
        ("household_role", input.household_role.is_some()),
        ("version", input.version.is_some()),
    ] {
        if sent {
            v.push(field, "is set by the system; leave it out when registering");
        }
    }
    v.finish()?;
    let caseworker = input.caseworker.as_deref().map(|c| clean_text("caseworker", c, 200, false)).transpose()?;
    let record = input.validate(today())?;
    register(&state, &principal, &record, caseworker.as_deref(), None).await
}

/// Writes a new person (and their first caseworker), audited, and answers 201 with it.
pub(crate) async fn register(
    state: &AppState,
    principal: &Principal,
    record: &PersonRecord,
    caseworker: Option<&str>,
    details: Option<serde_json::Value>,
) -> Result<Response, ApiError> {
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let scope = scope(principal);
    let id = repo::insert_person(&tx, &scope, record).await?;
    if let Some(caseworker) = caseworker {
        repo::assign_caseworker(&tx, &scope, id, caseworker).await?;
        audit::record(&tx, principal, AuditEvent::new(AuditAction::Update, "caseworker", Some(id)).person(id)).await?;
    }
    let mut event = AuditEvent::new(AuditAction::Create, "person", Some(id)).person(id);
    if let Some(details) = details {
        event = event.details(details);
    }
    audit::record(&tx, principal, event).await?;
    // Read back through the caller's scope: a district-scoped officer may not create outside it.
    let person = match read_person(&tx, principal, id).await {
        Err(ApiError::NotFound(_)) => {
            return Err(ApiError::forbidden("the person's responsible district is outside your token's districts"));
        }
        other => other?,
    };
    tx.commit().await?;
    let mut response = person_response(StatusCode::CREATED, person, principal);
    if let Ok(location) = format!("/api/v1/people/{id}").parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Get a person.
///
/// Roles: admin, housing_officer, support_worker, night_coordinator, auditor. Audited.
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", operation_id = "get_person",
    params(("id" = Uuid, Path, description = "Person id")),
    responses((status = 200, description = "The person", body = Person, headers(("etag" = String))), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_person(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    principal.require(READ_PEOPLE)?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let person = read_person(&tx, &principal, id).await?;
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Read, "person", Some(id)).person(id)).await?;
    tx.commit().await?;
    Ok(person_response(StatusCode::OK, person, &principal))
}

/// Replace a person's record.
///
/// Roles: admin, housing_officer. Send `If-Match` with the ETag you read, or the `version` you read in the
/// body (412 if someone changed it since). A person as read may be sent back: read-only values and those
/// the identity number gives are accepted when unchanged; a changed one is 422 naming its field.
#[utoipa::path(put, path = "/api/v1/people/{id}", tag = "people", operation_id = "update_person",
    params(("id" = Uuid, Path, description = "Person id"), ("if-match" = Option<String>, Header, description = "ETag you read")),
    request_body = PersonInput,
    responses((status = 200, description = "Replaced", body = Person, headers(("etag" = String))), WriteProblems),
    security(("bearer" = [])))]
pub async fn update_person(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(input): Json<PersonInput>,
) -> Result<Response, ApiError> {
    principal.require(WRITE_PEOPLE)?;
    let expected = match (if_match(&headers)?, input.version) {
        (Some(header), Some(body)) if header != body => return Err(ApiError::PreconditionFailed),
        (header, body) => header.or(body),
    };
    let caseworker = input.caseworker.as_deref().map(|c| clean_text("caseworker", c, 200, false)).transpose()?;
    let (sent_id, household_id, household_role) = (input.id, input.household_id, input.household_role.clone());
    let sent_protection = input.protected_identity.is_some();
    let record = input.validate(today())?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    repo::lock_person(&tx, &scope(&principal), id).await?;
    let stored = read_person(&tx, &principal, id).await?;
    // Read-only values come back from a GET: fine when unchanged, named when not.
    let mut v = Validation::default();
    if sent_id.is_some_and(|sent| sent != id) {
        v.push("id", "is not this person's id");
    }
    if household_id.is_some() && household_id != stored.household_id {
        v.push("household_id", "change households through /households");
    }
    if household_role.is_some() && household_role != stored.household_role {
        v.push("household_role", "change households through /households");
    }
    // Only an explicit false lifts a protection: a body that forgot the field would expose the address.
    if stored.protected_identity && !sent_protection {
        v.push("protected_identity", "the person is protected: send protected_identity (true, or false to lift it)");
    }
    if caseworker.is_some() && caseworker != stored.caseworker {
        v.push("caseworker", "change the caseworker through /people/{id}/caseworkers so the history is kept");
    }
    v.finish()?;
    repo::update_person(&tx, &scope(&principal), id, expected, &record).await?;
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Update, "person", Some(id)).person(id)).await?;
    let person = read_person(&tx, &principal, id).await?;
    tx.commit().await?;
    Ok(person_response(StatusCode::OK, person, &principal))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseworkerPeriod {
    pub caseworker: String,
    #[schema(value_type = String, format = DateTime)]
    pub assigned_at: jiff::Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<jiff::Timestamp>,
}

impl From<repo::CaseworkerPeriod> for CaseworkerPeriod {
    fn from(c: repo::CaseworkerPeriod) -> Self {
        Self { caseworker: c.caseworker, assigned_at: c.assigned_at, ended_at: c.ended_at }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseworkerInput {
    #[schema(example = "anna.berg")]
    pub caseworker: String,
}

/// A person's caseworkers, oldest first; the current one has no `ended_at`.
///
/// Roles: admin, housing_officer, support_worker, auditor. Audited.
#[utoipa::path(get, path = "/api/v1/people/{id}/caseworkers", tag = "people", operation_id = "list_caseworkers",
    params(("id" = Uuid, Path, description = "Person id")),
    responses((status = 200, description = "Caseworker history", body = Vec<CaseworkerPeriod>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_caseworkers(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<CaseworkerPeriod>>, ApiError> {
    principal.require(READ_CASE_FILE)?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    read_person(&tx, &principal, id).await?;
    let history = repo::caseworker_history(&tx, &scope(&principal), id).await?;
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Read, "caseworker_history", Some(id)).person(id))
        .await?;
    tx.commit().await?;
    Ok(Json(history.into_iter().map(CaseworkerPeriod::from).collect()))
}

/// Make someone the person's caseworker from now on; the previous assignment ends (history kept).
///
/// Roles: admin, housing_officer. Assigning the current caseworker again changes nothing. The history
/// returned is audited as read.
#[utoipa::path(put, path = "/api/v1/people/{id}/caseworkers", tag = "people", operation_id = "assign_caseworker",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = CaseworkerInput,
    responses((status = 200, description = "Caseworker history after the change", body = Vec<CaseworkerPeriod>), WriteProblems),
    security(("bearer" = [])))]
pub async fn assign_caseworker(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<CaseworkerInput>,
) -> Result<Json<Vec<CaseworkerPeriod>>, ApiError> {
    principal.require(WRITE_PEOPLE)?;
    let caseworker = clean_text("caseworker", &input.caseworker, 200, false)?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let scope = scope(&principal);
    repo::lock_person(&tx, &scope, id).await?;
    if repo::assign_caseworker(&tx, &scope, id, &caseworker).await? {
        audit::record(&tx, &principal, AuditEvent::new(AuditAction::Update, "caseworker", Some(id)).person(id)).await?;
    }
    // The answer shows the history, personal data, even when nothing changed: audited as a read.
    let history = repo::caseworker_history(&tx, &scope, id).await?;
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Read, "caseworker_history", Some(id)).person(id))
        .await?;
    tx.commit().await?;
    Ok(Json(history.into_iter().map(CaseworkerPeriod::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HouseholdInput {
    /// Registered adults (at least one).
    pub adults: Vec<Uuid>,
    /// Children registered as people.
    #[serde(default)]
    pub child_people: Vec<Uuid>,
    /// Children known only by name and birth date.
    #[serde(default)]
    pub children: Vec<ChildInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildInput {
    pub given_name: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub birth_date: Date,
}

/// A household with its adults and children; ages make the child perspective visible.
#[derive(Debug, Serialize, ToSchema)]
pub struct Household {
    pub id: Uuid,
    pub adults: Vec<HouseholdMember>,
    pub children: Vec<HouseholdMember>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdMember {
    /// Absent for a child known only by name and birth date, and for a member outside the caller's
    /// unit scope (district or assigned people), who is shown by role and age only.
    pub person_id: Option<Uuid>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub birth_date: Option<Date>,
    /// The birth year when known, also when only part of the date is (see `Person`).
    pub birth_year: Option<i16>,
    /// The birth month when known.
    pub birth_month: Option<i8>,
    /// Whole years today; absent when a partial birth date leaves it open (see `age_min`, `age_max`).
    pub age: Option<i32>,
    /// Whole years today at least (the youngest the birth date allows); equals `age` when it is known.
    pub age_min: Option<i32>,
    /// Whole years today at most (the oldest the birth date allows).
    pub age_max: Option<i32>,
}

/// The household as the caller may see it, and every registered member shown (for the audit), those
/// outside the caller's unit scope included: they are shown by role and age only.
async fn household_view(
    client: &impl hemvist_platform::db::GenericClient,
    principal: &Principal,
    id: Uuid,
) -> Result<(Household, Vec<Uuid>), ApiError> {
    let members =
        repo::household_members(client, &scope(principal), id).await?.ok_or(ApiError::NotFound("household"))?;
    let today = today();
    let (mut adults, mut children, mut shown) = (Vec::new(), Vec::new(), Vec::new());
    for m in members {
        shown.extend(m.person_id);
        // A partial birth date gives an age range; the age itself only when the range is one year.
        let range = m.birth.map(|b| b.age_range_on(today));
        let age = range.and_then(|(youngest, oldest)| (youngest == oldest).then_some(youngest));
        let (age_min, age_max) = (range.map(|r| r.0), range.map(|r| r.1));
        let member = if m.in_scope {
            HouseholdMember {
                person_id: m.person_id,
                given_name: m.given_name,
                family_name: m.family_name,
                birth_date: m.birth_date,
                birth_year: m.birth.map(BirthDate::year),
                birth_month: m.birth.and_then(BirthDate::month),
                age,
                age_min,
                age_max,
            }
        } else {
            HouseholdMember {
                person_id: None,
                given_name: None,
                family_name: None,
                birth_date: None,
                birth_year: None,
                birth_month: None,
                age,
                age_min,
                age_max,
            }
        };
        if m.role == "adult" { adults.push(member) } else { children.push(member) }
    }
    Ok((Household { id, adults, children }, shown))
}

/// Form a household of registered adults and their children.
///
/// Roles: admin, housing_officer. A person can belong to one household (409 otherwise).
#[utoipa::path(post, path = "/api/v1/households", tag = "people", operation_id = "create_household",
    request_body = HouseholdInput,
    responses((status = 201, description = "Created", body = Household), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_household(
    State(state): State<AppState>,
    principal: Principal,
    Json(input): Json<HouseholdInput>,
) -> Result<(StatusCode, Json<Household>), ApiError> {
    principal.require(WRITE_PEOPLE)?;
    if input.adults.is_empty() {
        return Err(ApiError::invalid("adults", "a household needs at least one adult"));
    }
    let today = today();
    let mut children = Vec::new();
    for (index, child) in input.children.iter().enumerate() {
        if child.birth_date > today {
            return Err(ApiError::invalid(format!("children[{index}].birth_date"), "must not be in the future"));
        }
        let name = child.given_name.as_deref().map(|n| clean_text("given_name", n, 200, false)).transpose()?;
        children.push((name, child.birth_date));
    }
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let id = repo::create_household(&tx, &scope(&principal), &input.adults, &input.child_people, &children).await?;
    for person in input.adults.iter().chain(&input.child_people) {
        audit::record(&tx, &principal, AuditEvent::new(AuditAction::Update, "household", Some(id)).person(*person))
            .await?;
    }
    let (household, _) = household_view(&tx, &principal, id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(household)))
}

/// Get a household with the ages of its members.
///
/// Roles: admin, housing_officer, support_worker, night_coordinator, auditor. Audited. Visible when one
/// of its adults is in the caller's unit scope; members outside it are shown by role and age only.
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "people", operation_id = "get_household",
    params(("id" = Uuid, Path, description = "Household id")),
    responses((status = 200, description = "The household", body = Household), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_household(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<Household>, ApiError> {
    principal.require(READ_PEOPLE)?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let (household, shown) = household_view(&tx, &principal, id).await?;
    for person in shown {
        audit::record(&tx, &principal, AuditEvent::new(AuditAction::Read, "household", Some(id)).person(person))
            .await?;
    }
    tx.commit().await?;
    Ok(Json(household))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupportAssignment {
    pub id: Uuid,
    /// The support worker (member of staff).
    pub staff_id: String,
    #[schema(value_type = String, format = Date)]
    pub assigned_on: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub ended_on: Option<Date>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportAssignmentInput {
    #[schema(example = "lena.holm")]
    pub staff_id: String,
    #[schema(value_type = String, format = Date)]
    pub assigned_on: Date,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndSupportAssignmentInput {
    #[schema(value_type = String, format = Date)]
    pub ended_on: Date,
}

async fn support_assignment_views(
    client: &impl hemvist_platform::db::GenericClient,
    principal: &Principal,
    id: Uuid,
) -> Result<Vec<SupportAssignment>, ApiError> {
    Ok(repo::support_assignments(client, &scope(principal), id)
        .await?
        .into_iter()
        .map(|a| SupportAssignment { id: a.id, staff_id: a.staff_id, assigned_on: a.assigned_on, ended_on: a.ended_on })
        .collect())
}

/// The support workers assigned to a person, oldest first. Support workers see only the people
/// assigned to them.
///
/// Roles: admin, housing_officer, support_worker, auditor. Audited.
#[utoipa::path(get, path = "/api/v1/people/{id}/support-workers", tag = "people", operation_id = "list_support_workers",
    params(("id" = Uuid, Path, description = "Person id")),
    responses((status = 200, description = "Assignments", body = Vec<SupportAssignment>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_support_workers(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<SupportAssignment>>, ApiError> {
    principal.require(READ_CASE_FILE)?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    read_person(&tx, &principal, id).await?;
    let views = support_assignment_views(&tx, &principal, id).await?;
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Read, "support_assignment", Some(id)).person(id))
        .await?;
    tx.commit().await?;
    Ok(Json(views))
}

/// Assign a support worker to a person.
///
/// Roles: admin, housing_officer.
#[utoipa::path(post, path = "/api/v1/people/{id}/support-workers", tag = "people", operation_id = "create_support_worker_assignment",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = SupportAssignmentInput,
    responses((status = 201, description = "The person's assignments", body = Vec<SupportAssignment>), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_support_worker_assignment(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<SupportAssignmentInput>,
) -> Result<(StatusCode, Json<Vec<SupportAssignment>>), ApiError> {
    principal.require(WRITE_PEOPLE)?;
    let staff = clean_text("staff_id", &input.staff_id, 200, false)?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let scope = scope(&principal);
    repo::lock_person(&tx, &scope, id).await?;
    repo::assign_support_worker(&tx, &scope, id, &staff, input.assigned_on).await?;
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Create, "support_assignment", Some(id)).person(id))
        .await?;
    let views = support_assignment_views(&tx, &principal, id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(views)))
}

/// End a support worker's assignment to a person.
///
/// Roles: admin, housing_officer.
#[utoipa::path(post, path = "/api/v1/people/{id}/support-workers/{assignment_id}/end", tag = "people",
    operation_id = "end_support_worker_assignment",
    params(("id" = Uuid, Path, description = "Person id"), ("assignment_id" = Uuid, Path, description = "Assignment id")),
    request_body = EndSupportAssignmentInput,
    responses((status = 200, description = "The person's assignments", body = Vec<SupportAssignment>), WriteProblems),
    security(("bearer" = [])))]
pub async fn end_support_worker_assignment(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, assignment_id)): Path<(Uuid, Uuid)>,
    Json(input): Json<EndSupportAssignmentInput>,
) -> Result<Json<Vec<SupportAssignment>>, ApiError> {
    principal.require(WRITE_PEOPLE)?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let scope = scope(&principal);
    repo::lock_person(&tx, &scope, id).await?;
    repo::end_support_assignment(&tx, &scope, id, assignment_id, input.ended_on).await?;
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Update, "support_assignment", Some(id)).person(id))
        .await?;
    let views = support_assignment_views(&tx, &principal, id).await?;
    tx.commit().await?;
    Ok(Json(views))
}
