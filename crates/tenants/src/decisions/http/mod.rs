//! Decisions over HTTP. Each change is its own operation; all go through `change_decision`, which
//! locks the decision, checks the change against the state machine and records it with its audit event.

use axum::extract::State;
use axum::http::StatusCode;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::period::not_future;
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, AppState, Json, Path, ReadProblems, UnitOfWork, WriteProblems};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::model::{Change, DecisionStatus, Intervention, OfferResponse, Outcome};
use super::repo::{self, ChangeTexts, NewApplication, StoredDecision};
use crate::access::{READ_CASE_FILE, WRITE_PEOPLE, scope};
use crate::people::{find_person, lock_person};

mod offers;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_person_decisions, create_decision))
        .routes(routes!(get_decision))
        .routes(routes!(decide_decision))
        .routes(routes!(execute_decision))
        .routes(routes!(interrupt_decision))
        .routes(routes!(resume_decision))
        .routes(routes!(close_decision))
        .routes(routes!(offers::update_decision_delay))
        .routes(routes!(offers::create_decision_offer))
        .routes(routes!(offers::update_decision_offer))
}

/// A decision (biståndsbeslut) with its interruptions and offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Decision {
    pub id: Uuid,
    pub person_id: Uuid,
    pub intervention: Intervention,
    pub status: DecisionStatus,
    /// The legal reference as recorded, e.g. "SoL 2025:400 4 kap. 1 §".
    pub legal_basis: Option<String>,
    pub district_code: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub applied_on: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub decided_on: Option<Date>,
    pub outcome: Option<Outcome>,
    pub reasons: Option<String>,
    pub appeal_information: Option<String>,
    /// How the decision considered children in the household (barnperspektiv).
    pub child_perspective: Option<String>,
    /// The date the decision was executed (verkställt).
    #[schema(value_type = Option<String>, format = Date)]
    pub executed_on: Option<Date>,
    #[schema(value_type = Option<String>, format = Date)]
    pub closed_on: Option<Date>,
    pub closing_reason: Option<String>,
    /// Why execution is delayed (for the IVO report).
    pub delay_reasons: Option<String>,
    /// Help given while waiting (for the IVO report).
    pub interim_help: Option<String>,
    pub interruptions: Vec<Interruption>,
    pub offers: Vec<Offer>,
    pub version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Interruption {
    pub id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub interrupted_on: Date,
    pub reason: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub resumed_on: Option<Date>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Offer {
    pub id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub offered_on: Date,
    pub description: String,
    pub response: OfferResponse,
    #[schema(value_type = Option<String>, format = Date)]
    pub responded_on: Option<Date>,
}

impl From<StoredDecision> for Decision {
    fn from(d: StoredDecision) -> Self {
        let status = d.lifecycle().status();
        Self {
            id: d.id,
            person_id: d.person_id,
            intervention: d.intervention,
            status,
            legal_basis: d.legal_basis,
            district_code: d.district_code,
            applied_on: d.applied_on,
            decided_on: d.decided_on,
            outcome: d.outcome,
            reasons: d.reasons,
            appeal_information: d.appeal_information,
            child_perspective: d.child_perspective,
            executed_on: d.executed_on,
            closed_on: d.closed_on,
            closing_reason: d.closing_reason,
            delay_reasons: d.delay_reasons,
            interim_help: d.interim_help,
            interruptions: d
                .interruptions
                .into_iter()
                .map(|i| Interruption {
                    id: i.id,
                    interrupted_on: i.interrupted_on,
                    reason: i.reason,
                    resumed_on: i.resumed_on,
                })
                .collect(),
            offers: d
                .offers
                .into_iter()
                .map(|o| Offer {
                    id: o.id,
                    offered_on: o.offered_on,
                    description: o.description,
                    response: o.response,
                    responded_on: o.responded_on,
                })
                .collect(),
            version: d.version,
        }
    }
}

pub(super) fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, ApiError> {
    value.map(|v| clean_text(field, v, max, true)).transpose()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    pub intervention: Intervention,
    #[schema(value_type = String, format = Date)]
    pub applied_on: Date,
    #[schema(example = "SoL 2025:400", min_length = 1, max_length = 200, pattern = "hemvist:line")]
    pub legal_basis: Option<String>,
    /// Responsible district; defaults to the person's.
    #[schema(min_length = 1, max_length = 40, pattern = "hemvist:line")]
    pub district_code: Option<String>,
    #[schema(min_length = 1, max_length = 10000, pattern = "hemvist:lines")]
    pub child_perspective: Option<String>,
}

/// Record an application for an intervention.
///
/// Roles: admin, housing_officer.
#[utoipa::path(post, path = "/api/v1/people/{id}/decisions", tag = "decisions", operation_id = "create_decision",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = ApplicationInput,
    responses((status = 201, description = "Recorded", body = Decision), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_decision(
    State(state): State<AppState>,
    principal: Principal,
    Path(person_id): Path<Uuid>,
    Json(input): Json<ApplicationInput>,
) -> Result<(StatusCode, Json<Decision>), ApiError> {
    let work = state.unit_of_work(&principal, WRITE_PEOPLE)?;
    not_future("applied_on", input.applied_on)?;
    if let Some(district) = &input.district_code
        && !principal.district_scope.is_empty()
        && !principal.district_scope.contains(district)
    {
        return Err(ApiError::forbidden("the district is outside your token's districts"));
    }
    let new = NewApplication {
        intervention: input.intervention,
        legal_basis: input.legal_basis.as_deref().map(|l| clean_text("legal_basis", l, 200, false)).transpose()?,
        district_code: input.district_code.as_deref().map(|d| clean_text("district_code", d, 40, false)).transpose()?,
        applied_on: input.applied_on,
        child_perspective: optional_text("child_perspective", input.child_perspective.as_deref(), 10_000)?,
    };
    let decision = work
        .run(async |w| {
            let scope = scope(w.principal());
            lock_person(w.tx(), &scope, person_id).await?;
            let id = repo::insert_application(w.tx(), &scope, person_id, &new).await?;
            let decision =
                repo::find_decision(w.tx(), &scope, id, false).await?.ok_or(ApiError::NotFound("decision"))?;
            w.audit(AuditEvent::new(AuditAction::Create, "decision", Some(id)).person(person_id));
            Ok(decision)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(decision.into())))
}

/// A person's decisions, oldest application first.
///
/// Roles: admin, housing_officer, support_worker, auditor. Audited.
#[utoipa::path(get, path = "/api/v1/people/{id}/decisions", tag = "decisions", operation_id = "list_person_decisions",
    params(("id" = Uuid, Path, description = "Person id")),
    responses((status = 200, description = "The person's decisions", body = Vec<Decision>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_person_decisions(
    State(state): State<AppState>,
    principal: Principal,
    Path(person_id): Path<Uuid>,
) -> Result<Json<Vec<Decision>>, ApiError> {
    let decisions = state
        .unit_of_work(&principal, READ_CASE_FILE)?
        .run(async |w| {
            let scope = scope(w.principal());
            find_person(w.tx(), &scope, person_id).await?.ok_or(ApiError::NotFound("person"))?;
            let decisions = repo::list_for_person(w.tx(), &scope, person_id).await?;
            w.audit(AuditEvent::new(AuditAction::List, "decision", None).person(person_id));
            Ok(decisions)
        })
        .await?;
    Ok(Json(decisions.into_iter().map(Decision::from).collect()))
}

/// Get a decision.
///
/// Roles: admin, housing_officer, support_worker, auditor. Audited.
#[utoipa::path(get, path = "/api/v1/decisions/{id}", tag = "decisions", operation_id = "get_decision",
    params(("id" = Uuid, Path, description = "Decision id")),
    responses((status = 200, description = "The decision", body = Decision), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_decision(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<Decision>, ApiError> {
    let decision = state
        .unit_of_work(&principal, READ_CASE_FILE)?
        .run(async |w| {
            let decision = repo::find_decision(w.tx(), &scope(w.principal()), id, false)
                .await?
                .ok_or(ApiError::NotFound("decision"))?;
            w.audit(AuditEvent::new(AuditAction::Read, "decision", Some(id)).person(decision.person_id));
            Ok(decision)
        })
        .await?;
    Ok(Json(decision.into()))
}

/// Runs one change of a decision in the caller's unit of work and answers with the changed decision.
pub(super) async fn change_decision<E: Into<ApiError>>(
    work: UnitOfWork<'_>,
    id: Uuid,
    change: Option<Change>,
    write: impl AsyncFnOnce(&deadpool_postgres::Transaction<'_>, &StoredDecision) -> Result<(), E>,
) -> Result<Json<Decision>, ApiError> {
    let changed = work.run(async |w| super::change(w, id, change, write).await).await?;
    Ok(Json(changed.into()))
}

/// One step of the decision's life with the texts that go with it (parsed after the role check).
async fn step(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    change: Change,
    texts: impl FnOnce() -> Result<ChangeTexts, ApiError>,
) -> Result<Json<Decision>, ApiError> {
    let work = state.unit_of_work(principal, WRITE_PEOPLE)?;
    let texts = texts()?;
    let scope = scope(principal);
    change_decision(work, id, Some(change), async |tx, d| repo::apply_change(tx, &scope, d, change, &texts).await).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideInput {
    #[schema(value_type = String, format = Date)]
    pub decided_on: Date,
    pub outcome: Outcome,
    #[schema(min_length = 1, max_length = 10000, pattern = "hemvist:lines")]
    pub reasons: String,
    /// How to appeal (överklagandehänvisning); required when anything is denied.
    #[schema(min_length = 1, max_length = 10000, pattern = "hemvist:lines")]
    pub appeal_information: Option<String>,
    /// How the decision considered the children in the household (barnperspektiv). Required when the
    /// person's household has children, unless recorded with the application.
    #[schema(min_length = 1, max_length = 10000, pattern = "hemvist:lines")]
    pub child_perspective: Option<String>,
}

/// Decide an application: granted, partly granted or denied, with reasons.
///
/// Roles: admin, housing_officer. A denial or partial grant needs appeal information. When the person's
/// household has children, the decision needs a child perspective (422 naming `child_perspective`).
#[utoipa::path(post, path = "/api/v1/decisions/{id}/decide", tag = "decisions", operation_id = "decide_decision",
    params(("id" = Uuid, Path, description = "Decision id")), request_body = DecideInput,
    responses((status = 200, description = "Decided", body = Decision), WriteProblems), security(("bearer" = [])))]
pub async fn decide_decision(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<DecideInput>,
) -> Result<Json<Decision>, ApiError> {
    let work = state.unit_of_work(&principal, WRITE_PEOPLE)?;
    let texts = ChangeTexts {
        reasons: Some(clean_text("reasons", &input.reasons, 10_000, true)?),
        appeal_information: optional_text("appeal_information", input.appeal_information.as_deref(), 10_000)?,
        child_perspective: optional_text("child_perspective", input.child_perspective.as_deref(), 10_000)?,
        ..ChangeTexts::default()
    };
    if input.outcome != Outcome::Granted && texts.appeal_information.is_none() {
        return Err(ApiError::invalid("appeal_information", "is required when anything is denied"));
    }
    let change = Change::Decide { on: input.decided_on, outcome: input.outcome };
    let scope = scope(&principal);
    change_decision(work, id, Some(change), async |tx, d| {
        // The child perspective must be visible in decisions about a household with children.
        if texts.child_perspective.is_none()
            && d.child_perspective.is_none()
            && crate::households::repo::household_has_children(tx, scope.municipality, d.person_id).await?
        {
            return Err(ApiError::invalid(
                "child_perspective",
                "the person's household has children: record how the decision considered them",
            ));
        }
        Ok(repo::apply_change(tx, &scope, d, change, &texts).await?)
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecuteInput {
    #[schema(value_type = String, format = Date)]
    pub executed_on: Date,
}

/// Record that a granted decision was executed (verkställt).
///
/// Roles: admin, housing_officer. A denied or undecided decision cannot be executed (409).
#[utoipa::path(post, path = "/api/v1/decisions/{id}/execute", tag = "decisions", operation_id = "execute_decision",
    params(("id" = Uuid, Path, description = "Decision id")), request_body = ExecuteInput,
    responses((status = 200, description = "Executed", body = Decision), WriteProblems), security(("bearer" = [])))]
pub async fn execute_decision(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<ExecuteInput>,
) -> Result<Json<Decision>, ApiError> {
    step(&state, &principal, id, Change::Execute { on: input.executed_on }, || Ok(ChangeTexts::default())).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterruptInput {
    #[schema(value_type = String, format = Date)]
    pub interrupted_on: Date,
    #[schema(min_length = 1, max_length = 2000, pattern = "hemvist:lines")]
    pub reason: String,
}

/// Record that an executed decision was interrupted.
///
/// Roles: admin, housing_officer.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/interrupt", tag = "decisions", operation_id = "interrupt_decision",
    params(("id" = Uuid, Path, description = "Decision id")), request_body = InterruptInput,
    responses((status = 200, description = "Interrupted", body = Decision), WriteProblems), security(("bearer" = [])))]
pub async fn interrupt_decision(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<InterruptInput>,
) -> Result<Json<Decision>, ApiError> {
    step(&state, &principal, id, Change::Interrupt { on: input.interrupted_on }, || {
        let reason = clean_text("reason", &input.reason, 2000, true)?;
        Ok(ChangeTexts { interruption_reason: Some(reason), ..ChangeTexts::default() })
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumeInput {
    #[schema(value_type = String, format = Date)]
    pub resumed_on: Date,
}

/// Record that an interrupted decision was resumed.
///
/// Roles: admin, housing_officer.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/resume", tag = "decisions", operation_id = "resume_decision",
    params(("id" = Uuid, Path, description = "Decision id")), request_body = ResumeInput,
    responses((status = 200, description = "Resumed", body = Decision), WriteProblems), security(("bearer" = [])))]
pub async fn resume_decision(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<ResumeInput>,
) -> Result<Json<Decision>, ApiError> {
    step(&state, &principal, id, Change::Resume { on: input.resumed_on }, || Ok(ChangeTexts::default())).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    #[schema(value_type = String, format = Date)]
    pub closed_on: Date,
    #[schema(min_length = 1, max_length = 2000, pattern = "hemvist:lines")]
    pub reason: String,
}

/// Close a decision with a reason. Only closing ends the IVO reporting of a late decision.
///
/// Roles: admin, housing_officer.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/close", tag = "decisions", operation_id = "close_decision",
    params(("id" = Uuid, Path, description = "Decision id")), request_body = CloseInput,
    responses((status = 200, description = "Closed", body = Decision), WriteProblems), security(("bearer" = [])))]
pub async fn close_decision(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<CloseInput>,
) -> Result<Json<Decision>, ApiError> {
    step(&state, &principal, id, Change::Close { on: input.closed_on }, || {
        let reason = clean_text("reason", &input.reason, 2000, true)?;
        Ok(ChangeTexts { closing_reason: Some(reason), ..ChangeTexts::default() })
    })
    .await
}
