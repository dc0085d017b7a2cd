//! What happens while a granted decision waits for execution, over HTTP: why it is delayed, the help
//! given meanwhile, and the offers made (all reported to IVO).

use axum::extract::State;
use hemvist_platform::auth::Principal;
use hemvist_platform::period::not_future;
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, AppState, Json, Path, WriteProblems};
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Decision, change_decision, optional_text};
use crate::access::{WRITE_PEOPLE, scope};
use crate::decisions::model::OfferResponse;
use crate::decisions::repo;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelayInput {
    #[schema(min_length = 1, max_length = 10000, pattern = "hemvist:lines")]
    pub delay_reasons: Option<String>,
    #[schema(min_length = 1, max_length = 10000, pattern = "hemvist:lines")]
    pub interim_help: Option<String>,
}

/// Record why execution is delayed and what help is given meanwhile (reported to IVO).
///
/// Roles: admin, housing_officer.
#[utoipa::path(put, path = "/api/v1/decisions/{id}/delay", tag = "decisions", operation_id = "update_decision_delay",
    params(("id" = Uuid, Path, description = "Decision id")), request_body = DelayInput,
    responses((status = 200, description = "Recorded", body = Decision), WriteProblems), security(("bearer" = [])))]
pub async fn update_decision_delay(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<DelayInput>,
) -> Result<Json<Decision>, ApiError> {
    let work = state.unit_of_work(&principal, WRITE_PEOPLE)?;
    let reasons = optional_text("delay_reasons", input.delay_reasons.as_deref(), 10_000)?;
    let help = optional_text("interim_help", input.interim_help.as_deref(), 10_000)?;
    let scope = scope(&principal);
    change_decision(work, id, None, async |tx, d| {
        d.lifecycle().require_waiting()?;
        repo::update_delay_information(tx, &scope, d, reasons.as_deref(), help.as_deref()).await?;
        Ok::<_, ApiError>(())
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferInput {
    #[schema(value_type = String, format = Date)]
    pub offered_on: Date,
    #[schema(
        example = "Training apartment at Rinkebysvängen, 1 room",
        min_length = 1,
        max_length = 2000,
        pattern = "hemvist:lines"
    )]
    pub description: String,
}

/// Record an offer made to execute a granted decision.
///
/// Roles: admin, housing_officer.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/offers", tag = "decisions", operation_id = "create_decision_offer",
    params(("id" = Uuid, Path, description = "Decision id")), request_body = OfferInput,
    responses((status = 200, description = "The decision with the offer", body = Decision), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_decision_offer(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<OfferInput>,
) -> Result<Json<Decision>, ApiError> {
    let work = state.unit_of_work(&principal, WRITE_PEOPLE)?;
    let description = clean_text("description", &input.description, 2000, true)?;
    not_future("offered_on", input.offered_on)?;
    let scope = scope(&principal);
    change_decision(work, id, None, async |tx, d| {
        d.lifecycle().require_waiting()?;
        if d.decided_on.is_some_and(|decided| input.offered_on < decided) {
            return Err(ApiError::invalid("offered_on", "must not be before the decision"));
        }
        repo::insert_offer(tx, &scope, d, input.offered_on, &description).await?;
        Ok(())
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferResponseInput {
    pub response: OfferResponse,
    #[schema(value_type = Option<String>, format = Date)]
    pub responded_on: Option<Date>,
}

/// Record the person's answer to an offer. Declining does not close the decision.
///
/// Roles: admin, housing_officer.
#[utoipa::path(put, path = "/api/v1/decisions/{id}/offers/{offer_id}", tag = "decisions", operation_id = "update_decision_offer",
    params(("id" = Uuid, Path, description = "Decision id"), ("offer_id" = Uuid, Path, description = "Offer id")),
    request_body = OfferResponseInput,
    responses((status = 200, description = "The decision with the answer", body = Decision), WriteProblems),
    security(("bearer" = [])))]
pub async fn update_decision_offer(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, offer_id)): Path<(Uuid, Uuid)>,
    Json(input): Json<OfferResponseInput>,
) -> Result<Json<Decision>, ApiError> {
    let work = state.unit_of_work(&principal, WRITE_PEOPLE)?;
    let responded_on = match (input.response, input.responded_on) {
        (OfferResponse::Pending, None) => None,
        (OfferResponse::Pending, Some(_)) => {
            return Err(ApiError::invalid("responded_on", "must be absent while pending"));
        }
        (_, None) => return Err(ApiError::invalid("responded_on", "is required with an answer")),
        (_, Some(on)) => {
            not_future("responded_on", on)?;
            Some(on)
        }
    };
    let scope = scope(&principal);
    change_decision(work, id, None, async |tx, d| {
        match repo::respond_to_offer(tx, &scope, d, offer_id, input.response, responded_on).await? {
            true => Ok(()),
            false => Err(ApiError::NotFound("offer")),
        }
    })
    .await
}
