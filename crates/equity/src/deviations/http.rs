//! Deviations over HTTP: record, list (with what is overdue), read, assess, investigate, report to IVO.

use axum::extract::State;
use axum::http::StatusCode;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::{Principal, Role};
use hemvist_platform::night::today;
use hemvist_platform::period::not_future;
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, AppState, Json, Path, Query, ReadProblems, Validation, Work, WriteProblems};
use hemvist_tenants::api::support::scope_of;
use hemvist_tenants::api::{find_person, sees_protected_contact};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::model::{Assessment, DeviationState, Source, Step};
use super::repo::{self, NewDeviation, StoredDeviation, Viewer};

/// May record a deviation: the staff who meet people in their case work and at night. Shelter staff
/// report to the night coordinator, whose scope is the whole city (a shelter's token has no people scope).
pub const RECORD_DEVIATIONS: &[Role] =
    &[Role::Admin, Role::HousingOfficer, Role::SupportWorker, Role::NightCoordinator];
/// May read deviations (each as its person's inner secrecy allows).
pub const READ_DEVIATIONS: &[Role] = &[Role::Admin, Role::HousingOfficer, Role::SupportWorker, Role::Auditor];
/// May assess, investigate and report to IVO: those responsible for lex Sarah.
pub const HANDLE_DEVIATIONS: &[Role] = &[Role::Admin, Role::HousingOfficer];

/// The most deviations one list returns.
const LIST_LIMIT: i64 = 500;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_deviations, create_deviation))
        .routes(routes!(get_deviation))
        .routes(routes!(assess_deviation))
        .routes(routes!(investigate_deviation))
        .routes(routes!(report_deviation_to_ivo))
}

/// A deviation (avvikelse) with its lex Sarah steps and the next one due.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviationView {
    pub id: Uuid,
    /// The person concerned, if any.
    pub person_id: Option<Uuid>,
    /// The unit concerned, if any.
    pub unit: Option<String>,
    pub source: Source,
    pub what_happened: String,
    #[schema(value_type = String, format = Date)]
    pub occurred_on: Date,
    pub noticed_by: String,
    #[schema(value_type = String, format = Date)]
    pub recorded_on: Date,
    pub state: DeviationState,
    pub assessment: Option<Assessment>,
    /// Serious (allvarligt): a lex Sarah matter that is reported to IVO once investigated.
    pub serious: Option<bool>,
    #[schema(value_type = Option<String>, format = Date)]
    pub assessed_on: Option<Date>,
    #[schema(value_type = Option<String>, format = Date)]
    pub investigated_on: Option<Date>,
    pub investigation: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub reported_to_ivo_on: Option<Date>,
    /// The next step, if one is due.
    pub next_step: Option<Step>,
    /// The last day for the next step (7 days to assess, 30 to investigate, 14 to report to IVO).
    #[schema(value_type = Option<String>, format = Date)]
    pub due_on: Option<Date>,
    /// The next step is past its day.
    pub overdue: bool,
}

impl DeviationView {
    fn new(d: StoredDeviation, today: Date) -> Self {
        let next = d.progress.next();
        Self {
            id: d.id,
            person_id: d.person_id,
            unit: d.unit,
            source: d.source,
            what_happened: d.what_happened,
            occurred_on: d.occurred_on,
            noticed_by: d.noticed_by,
            recorded_on: d.progress.recorded_on,
            state: d.progress.state,
            assessment: d.progress.assessment,
            serious: d.progress.serious,
            assessed_on: d.progress.assessed_on,
            investigated_on: d.progress.investigated_on,
            investigation: d.investigation,
            reported_to_ivo_on: d.reported_to_ivo_on,
            next_step: next.map(|(step, _)| step),
            due_on: next.map(|(_, due)| due),
            overdue: d.progress.overdue(today),
        }
    }
}

fn viewer(principal: &Principal) -> Viewer<'_> {
    Viewer { scope: scope_of(principal), sees_protected: sees_protected_contact(principal) }
}

fn event(action: AuditAction, d: &StoredDeviation) -> AuditEvent {
    let event = AuditEvent::new(action, "deviation", Some(d.id));
    match d.person_id {
        Some(person) => event.person(person),
        None => event,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviationInput {
    /// The person concerned (give a person, a unit or both).
    pub person_id: Option<Uuid>,
    /// The unit concerned, e.g. a shelter or a district's housing unit.
    #[schema(min_length = 1, max_length = 200, pattern = "hemvist:line")]
    pub unit: Option<String>,
    #[schema(min_length = 1, max_length = 10000, pattern = "hemvist:lines")]
    pub what_happened: String,
    /// When it happened; not in the future.
    #[schema(value_type = String, format = Date)]
    pub occurred_on: Date,
    /// Who noticed it.
    #[schema(min_length = 1, max_length = 200, pattern = "hemvist:line")]
    pub noticed_by: String,
}

/// Record a deviation about a person or a unit.
///
/// A guarantee breach, and a person recorded sleeping outdoors within 30 days after a guarantee request,
/// create one by themselves (source `guarantee_breach`, `outdoors_after_request`). The person must be in
/// the caller's scope (404 otherwise).
///
/// Roles: admin, housing_officer, support_worker, night_coordinator. Audited.
#[utoipa::path(post, path = "/api/v1/deviations", tag = "deviations", operation_id = "create_deviation",
    request_body = DeviationInput,
    responses((status = 201, description = "Recorded", body = DeviationView), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_deviation(
    State(state): State<AppState>,
    principal: Principal,
    Json(input): Json<DeviationInput>,
) -> Result<(StatusCode, Json<DeviationView>), ApiError> {
    let work = state.unit_of_work(&principal, RECORD_DEVIATIONS)?;
    let mut v = Validation::default();
    let unit = v.keep(input.unit.as_deref().map(|u| clean_text("unit", u, 200, false)).transpose()).flatten();
    let what_happened = v.keep(clean_text("what_happened", &input.what_happened, 10_000, true));
    let noticed_by = v.keep(clean_text("noticed_by", &input.noticed_by, 200, false));
    v.keep(not_future("occurred_on", input.occurred_on));
    if input.person_id.is_none() && unit.is_none() {
        v.push("person_id", "give the person or the unit concerned");
    }
    v.finish()?;
    let new = NewDeviation {
        person_id: input.person_id,
        unit,
        what_happened: what_happened.unwrap_or_default(),
        occurred_on: input.occurred_on,
        noticed_by: noticed_by.unwrap_or_default(),
        recorded_by: principal.token_id,
    };
    let view = work
        .run(async |w| {
            if let Some(person) = new.person_id {
                find_person(w.tx(), &scope_of(w.principal()), person).await?.ok_or(ApiError::NotFound("person"))?;
            }
            let municipality = w.principal().municipality.clone();
            let id = repo::insert(w.tx(), municipality.as_str(), &new).await?;
            // Read back as the tenants' scope alone: the recorder gets what they wrote.
            let everyone = Viewer { scope: scope_of(w.principal()), sees_protected: true };
            let stored = repo::find(w.tx(), &everyone, id, false).await?.ok_or(ApiError::NotFound("deviation"))?;
            w.audit(event(AuditAction::Create, &stored));
            Ok(DeviationView::new(stored, today()))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only deviations with a step past its day.
    pub overdue: Option<bool>,
}

/// Deviations the caller may see (newest first, at most 500), with the next step and whether it is overdue.
pub async fn list_deviations_for(w: &mut Work<'_>, overdue_only: bool) -> Result<Vec<DeviationView>, ApiError> {
    let rows = repo::list(w.tx(), &viewer(w.principal()), overdue_only, LIST_LIMIT).await?;
    let today = today();
    let views: Vec<DeviationView> = rows
        .into_iter()
        .filter(|d| !overdue_only || d.progress.overdue(today))
        .inspect(|d| w.audit(event(AuditAction::List, d)))
        .map(|d| DeviationView::new(d, today))
        .collect();
    Ok(views)
}

/// Deviations, newest first (at most 500); `overdue=true` for those with a step past its day.
///
/// Deadlines (assumed, see README): assessed within 7 days of being recorded, a lex Sarah matter
/// investigated within 30 days of the assessment, a serious one reported to IVO within 14 days of the
/// investigation. Inner secrecy: a deviation about a person is listed only when the person is in the
/// caller's scope (a support worker: the people assigned to them), and one about a person with protected
/// identity only to admin and housing_officer.
///
/// Roles: admin, housing_officer, support_worker, auditor. Each listed deviation is audited.
#[utoipa::path(get, path = "/api/v1/deviations", tag = "deviations", operation_id = "list_deviations",
    params(ListParams),
    responses((status = 200, description = "Deviations", body = Vec<DeviationView>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_deviations(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<ListParams>,
) -> Result<Json<Vec<DeviationView>>, ApiError> {
    let work = state.unit_of_work(&principal, READ_DEVIATIONS)?;
    let overdue = params.overdue.unwrap_or(false);
    Ok(Json(work.run(async |w| list_deviations_for(w, overdue).await).await?))
}

async fn visible(w: &mut Work<'_>, id: Uuid, lock: bool) -> Result<StoredDeviation, ApiError> {
    repo::find(w.tx(), &viewer(w.principal()), id, lock).await?.ok_or(ApiError::NotFound("deviation"))
}

/// A deviation, when its person's inner secrecy lets the caller see it (404 otherwise).
///
/// Roles: admin, housing_officer, support_worker, auditor. Audited.
#[utoipa::path(get, path = "/api/v1/deviations/{id}", tag = "deviations", operation_id = "get_deviation",
    params(("id" = Uuid, Path, description = "Deviation id")),
    responses((status = 200, description = "The deviation", body = DeviationView), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_deviation(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<DeviationView>, ApiError> {
    let work = state.unit_of_work(&principal, READ_DEVIATIONS)?;
    let view = work
        .run(async |w| {
            let d = visible(w, id, false).await?;
            w.audit(event(AuditAction::Read, &d));
            Ok(DeviationView::new(d, today()))
        })
        .await?;
    Ok(Json(view))
}

/// Takes the step on a visible deviation: checks it is the next, the date is not before the last step's
/// nor in the future, applies it and answers the deviation as it now is.
async fn step(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    step: Step,
    on: Date,
    apply: impl AsyncFnOnce(&mut Work<'_>, &str) -> Result<(), ApiError>,
) -> Result<Json<DeviationView>, ApiError> {
    let work = state.unit_of_work(principal, HANDLE_DEVIATIONS)?;
    not_future("on", on)?;
    let view = work
        .run(async |w| {
            let d = visible(w, id, true).await?;
            d.progress.check(step)?;
            let last = [Some(d.occurred_on), d.progress.assessed_on, d.progress.investigated_on]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(d.occurred_on);
            if on < last {
                return Err(ApiError::invalid("on", format!("must not be before the last step, {last}")));
            }
            let municipality = w.principal().municipality.clone();
            apply(w, municipality.as_str()).await?;
            let d = visible(w, id, false).await?;
            w.audit(event(AuditAction::Update, &d));
            Ok(DeviationView::new(d, today()))
        })
        .await?;
    Ok(Json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentInput {
    pub assessment: Assessment,
    /// Serious (allvarligt missförhållande or påtaglig risk för ett allvarligt): reported to IVO once
    /// investigated. Must be false when not a lex Sarah matter.
    pub serious: bool,
    #[schema(value_type = String, format = Date)]
    pub on: Date,
}

/// Assess a recorded deviation: not lex Sarah, missförhållande, or påtaglig risk; serious or not.
///
/// Roles: admin, housing_officer. 409 unless recorded and not yet assessed. Audited.
#[utoipa::path(post, path = "/api/v1/deviations/{id}/assess", tag = "deviations", operation_id = "assess_deviation",
    params(("id" = Uuid, Path, description = "Deviation id")),
    request_body = AssessmentInput,
    responses((status = 200, description = "Assessed", body = DeviationView), WriteProblems),
    security(("bearer" = [])))]
pub async fn assess_deviation(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<AssessmentInput>,
) -> Result<Json<DeviationView>, ApiError> {
    if input.assessment == Assessment::NotLexSarah && input.serious {
        principal.require(HANDLE_DEVIATIONS)?;
        return Err(ApiError::invalid("serious", "a deviation that is not a lex Sarah matter is not serious"));
    }
    let (assessment, serious, on) = (input.assessment, input.serious, input.on);
    step(&state, &principal, id, Step::Assess, on, async |w, m| {
        Ok(repo::assess(w.tx(), m, id, assessment, serious, on).await?)
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvestigationInput {
    /// What the investigation found and what was done.
    #[schema(min_length = 1, max_length = 10000, pattern = "hemvist:lines")]
    pub investigation: String,
    #[schema(value_type = String, format = Date)]
    pub on: Date,
}

/// Record the investigation of a lex Sarah matter.
///
/// Roles: admin, housing_officer. 409 unless assessed as missförhållande or påtaglig risk. Audited.
#[utoipa::path(post, path = "/api/v1/deviations/{id}/investigate", tag = "deviations",
    operation_id = "investigate_deviation",
    params(("id" = Uuid, Path, description = "Deviation id")),
    request_body = InvestigationInput,
    responses((status = 200, description = "Investigated", body = DeviationView), WriteProblems),
    security(("bearer" = [])))]
pub async fn investigate_deviation(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<InvestigationInput>,
) -> Result<Json<DeviationView>, ApiError> {
    principal.require(HANDLE_DEVIATIONS)?;
    let investigation = clean_text("investigation", &input.investigation, 10_000, true)?;
    let on = input.on;
    step(&state, &principal, id, Step::Investigate, on, async |w, m| {
        Ok(repo::investigate(w.tx(), m, id, &investigation, on).await?)
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IvoReportInput {
    /// The day the report was sent to IVO.
    #[schema(value_type = String, format = Date)]
    pub on: Date,
}

/// Mark a serious, investigated lex Sarah matter as reported to IVO.
///
/// Roles: admin, housing_officer. 409 unless investigated and serious. Audited.
#[utoipa::path(post, path = "/api/v1/deviations/{id}/report-to-ivo", tag = "deviations",
    operation_id = "report_deviation_to_ivo",
    params(("id" = Uuid, Path, description = "Deviation id")),
    request_body = IvoReportInput,
    responses((status = 200, description = "Reported to IVO", body = DeviationView), WriteProblems),
    security(("bearer" = [])))]
pub async fn report_deviation_to_ivo(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<IvoReportInput>,
) -> Result<Json<DeviationView>, ApiError> {
    let on = input.on;
    step(&state, &principal, id, Step::ReportToIvo, on, async |w, m| Ok(repo::report_to_ivo(w.tx(), m, id, on).await?))
        .await
}
