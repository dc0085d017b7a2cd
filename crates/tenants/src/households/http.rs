//! Households over HTTP: form one, read one.

use axum::extract::State;
use axum::http::StatusCode;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::night::today;
use hemvist_platform::{ApiError, AppState, Json, Path, ReadProblems, WriteProblems};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::model::NewHousehold;
use super::repo;
use crate::access::{READ_PEOPLE, WRITE_PEOPLE, scope};
use crate::people::birth::BirthDate;
use crate::people::model::HouseholdRole;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_household)).routes(routes!(get_household))
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
    #[schema(min_length = 1, max_length = 200, pattern = "hemvist:line")]
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
        match m.role {
            HouseholdRole::Adult => adults.push(member),
            HouseholdRole::Child => children.push(member),
        }
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
    let work = state.unit_of_work(&principal, WRITE_PEOPLE)?;
    let children = input.children.into_iter().map(|c| (c.given_name, c.birth_date));
    let new = NewHousehold::new(input.adults, input.child_people, children, today())?;
    let household = work
        .run(async |w| {
            let id = super::create(w, &new).await?;
            household_view(w.tx(), w.principal(), id).await.map(|(household, _)| household)
        })
        .await?;
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
    let household = state
        .unit_of_work(&principal, READ_PEOPLE)?
        .run(async |w| {
            let (household, shown) = household_view(w.tx(), w.principal(), id).await?;
            w.audit_all(shown.into_iter().map(|p| AuditEvent::new(AuditAction::Read, "household", Some(id)).person(p)));
            Ok(household)
        })
        .await?;
    Ok(Json(household))
}
