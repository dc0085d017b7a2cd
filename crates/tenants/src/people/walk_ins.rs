//! Walk-ins: a person who comes to the night service without an identity is registered with minimal
//! data so that the guarantee can place them tonight; the housing unit completes the record later.

use axum::extract::State;
use axum::response::Response;
use hemvist_platform::auth::Principal;
use hemvist_platform::night::today;
use hemvist_platform::{ApiError, AppState, Json, Work, WriteProblems};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::http::{Person, created};
use super::model::{IdentityKindInput, PersonInput, PersonRecord, Sex};
use super::repo::StoredPerson;
use crate::access::REGISTER_WALK_INS;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_walk_in))
}

/// What a night coordinator may know of a walk-in: a name or an alias, and what they say.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalkInInput {
    /// A name or an alias: an alias is enough.
    #[schema(example = "Kalle")]
    pub given_name: String,
    #[schema(example = "från Plattan")]
    pub family_name: String,
    /// Sex for statistics, when known; `unknown` otherwise.
    pub sex: Option<Sex>,
    /// The municipality the person belongs to (hemmahörande), when known; decides guarantee eligibility.
    #[schema(example = "0180")]
    pub home_municipality_code: Option<String>,
    /// The district responsible for the person, when known. A housing officer whose token is limited to
    /// districts registers walk-ins of those districts only (403 otherwise), as with every person.
    #[schema(example = "jarva")]
    pub responsible_district_code: Option<String>,
}

/// Register a walk-in with minimal data, to place them tonight.
///
/// Roles: admin, housing_officer, night_coordinator. A person who comes to the night service without an
/// identity: identity kind `none`, a name or an alias, sex, home municipality and responsible district
/// when known. A housing officer limited to districts must name one of them (403 otherwise). Nothing
/// else can be set here (complete the record later through `PUT /people/{id}`). Audited.
#[utoipa::path(post, path = "/api/v1/walk-ins", tag = "people", operation_id = "create_walk_in",
    request_body = WalkInInput,
    responses((status = 201, description = "Registered", body = Person, headers(("location" = String), ("etag" = String))), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_walk_in(
    State(state): State<AppState>,
    principal: Principal,
    Json(input): Json<WalkInInput>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, REGISTER_WALK_INS)?;
    let record = walk_in_record(input)?;
    let person = work.run(async |w| register_walk_in(w, &record).await).await?;
    Ok(created(person, &principal))
}

/// Validates a walk-in's minimal data: identity kind `none`, nothing beyond what [`WalkInInput`] names.
pub fn walk_in_record(input: WalkInInput) -> Result<PersonRecord, ApiError> {
    PersonInput {
        identity_kind: IdentityKindInput::None,
        given_name: input.given_name,
        family_name: input.family_name,
        sex: input.sex,
        home_municipality_code: input.home_municipality_code,
        responsible_district_code: input.responsible_district_code,
        ..PersonInput::default()
    }
    .validate(today())
}

/// Registers a walk-in, audited as one, read back through the caller's scope. Run it in a unit of work
/// opened for [`REGISTER_WALK_INS`] (the API and the web app's guarantee desk both do).
pub async fn register_walk_in(w: &mut Work<'_>, record: &PersonRecord) -> Result<StoredPerson, ApiError> {
    super::register(w, record, None, Some(serde_json::json!({"walk_in": true}))).await
}
