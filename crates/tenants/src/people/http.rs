//! People over HTTP: search, register, read and replace.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hemvist_platform::audit::{AuditAction, AuditEvent};
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

use super::birth::BirthDate;
use super::model::{HouseholdRole, Identity, IdentityKindInput, PersonInput, Sex, display_identity};
use super::repo::{self, PersonFilter, StoredPerson};
use crate::access::{READ_PEOPLE, WRITE_PEOPLE, scope, sees_full_identity, sees_protected_contact};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_people, create_person)).routes(routes!(get_person, update_person))
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
    #[schema(value_type = Option<String>)]
    pub household_role: Option<HouseholdRole>,
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
            identity_kind: p.identity_kind,
            identity_number: display_identity(p.identity_kind, p.identity_number.as_deref(), full),
            identity_masked: !full && p.identity_number.is_some(),
            given_name: p.given_name,
            family_name: p.family_name,
            birth_date: p.birth.and_then(BirthDate::date),
            birth_year: p.birth.map(BirthDate::year),
            birth_month: p.birth.and_then(BirthDate::month),
            birth_day: p.birth.and_then(BirthDate::day),
            sex: p.sex,
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
    #[param(min_length = 1, max_length = 200, pattern = "hemvist:line")]
    pub name: Option<String>,
    /// A full personnummer or samordningsnummer (any accepted form) or reserve number.
    pub identity_number: Option<String>,
    /// People whose current caseworker this is.
    #[param(min_length = 1, max_length = 200, pattern = "hemvist:line")]
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

/// 201 with the registered person, its ETag and its location.
pub(crate) fn created(person: StoredPerson, principal: &Principal) -> Response {
    let id = person.id;
    let mut response = person_response(StatusCode::CREATED, person, principal);
    if let Ok(location) = format!("/api/v1/people/{id}").parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
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
    let work = state.unit_of_work(&principal, READ_PEOPLE)?;
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
    let page = work
        .run(async |w| {
            let rows = repo::list_people(w.tx(), &scope(w.principal()), &filter, &page).await?;
            let page = Page::from_rows(rows, page.limit, |p| (p.family_name.clone(), p.given_name.clone(), p.id))?;
            w.audit_all(page.items.iter().map(|p| AuditEvent::new(AuditAction::List, "person", Some(p.id)).person(p.id)));
            let query = serde_json::json!({"name": filter.name.is_some(), "identity_number": filter.identity_number.is_some(),
                                           "caseworker": filter.caseworker, "results": page.items.len()});
            w.audit(AuditEvent::new(AuditAction::List, "person_search", None).details(query));
            Ok(page)
        })
        .await?;
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
    let work = state.unit_of_work(&principal, WRITE_PEOPLE)?;
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
    let person = work.run(async |w| super::register(w, &record, caseworker.as_deref(), None).await).await?;
    Ok(created(person, &principal))
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
    let person = state
        .unit_of_work(&principal, READ_PEOPLE)?
        .run(async |w| {
            let person = read_person(w.tx(), w.principal(), id).await?;
            w.audit(AuditEvent::new(AuditAction::Read, "person", Some(id)).person(id));
            Ok(person)
        })
        .await?;
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
    let work = state.unit_of_work(&principal, WRITE_PEOPLE)?;
    let (header_version, body_version) = (if_match(&headers)?, input.version);
    let caseworker = input.caseworker.as_deref().map(|c| clean_text("caseworker", c, 200, false)).transpose()?;
    let (sent_id, household_id) = (input.id, input.household_id);
    let sent_protection = input.protected_identity.is_some();
    // A role that names no role of a household can never equal the stored one.
    let household_role = input.household_role.as_deref().map(|r| r.parse::<HouseholdRole>().ok());
    let record = input.validate(today())?;
    // The input is valid; now the precondition (a 412 never hides a 422).
    let expected = match (header_version, body_version) {
        (Some(header), Some(body)) if header != body => return Err(ApiError::PreconditionFailed),
        (header, body) => header.or(body),
    };
    let person = work
        .run(async |w| {
            let (tx, principal) = (w.tx(), w.principal());
            super::lock_person(tx, &scope(principal), id).await?;
            let stored = read_person(tx, principal, id).await?;
            // Read-only values come back from a GET: fine when unchanged, named when not.
            let mut v = Validation::default();
            if sent_id.is_some_and(|sent| sent != id) {
                v.push("id", "is not this person's id");
            }
            if household_id.is_some() && household_id != stored.household_id {
                v.push("household_id", "change households through /households");
            }
            if household_role.is_some_and(|role| role.is_none() || role != stored.household_role) {
                v.push("household_role", "change households through /households");
            }
            // Only an explicit false lifts a protection: a body that forgot the field would expose the address.
            if stored.protected_identity && !sent_protection {
                v.push(
                    "protected_identity",
                    "the person is protected: send protected_identity (true, or false to lift it)",
                );
            }
            if caseworker.is_some() && caseworker != stored.caseworker {
                v.push("caseworker", "change the caseworker through /people/{id}/caseworkers so the history is kept");
            }
            v.finish()?;
            super::update(tx, &scope(principal), id, expected, &record).await?;
            w.audit(AuditEvent::new(AuditAction::Update, "person", Some(id)).person(id));
            read_person(w.tx(), w.principal(), id).await
        })
        .await?;
    Ok(person_response(StatusCode::OK, person, &principal))
}
