//! The continuity report over HTTP, and the function the web page runs.

use axum::extract::State;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::{ApiError, AppState, Json, ReadProblems, Work};
use hemvist_tenants::api::sees_protected_contact;
use hemvist_tenants::api::support::scope_of;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::model::{DistrictContinuity, by_district};
use super::repo::changes;
use crate::READ_EQUITY_REPORTS;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_continuity_report))
}

/// A person who changed caseworker in the window. No names: the id opens the case file for those who may.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonContinuity {
    pub person_id: Uuid,
    pub district_code: Option<String>,
    /// Changes of caseworker in the last twelve months.
    pub changes: i64,
}

/// A person with protected identity who changed caseworker: for the district's own review.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProtectedChange {
    pub person_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub district_code: Option<String>,
    pub changes: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContinuityReport {
    /// The window: the twelve months up to now.
    #[schema(value_type = String, format = DateTime)]
    pub since: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub until: Timestamp,
    /// Per responsible district: people with a caseworker in the window and the share who kept one.
    pub districts: Vec<DistrictContinuity>,
    /// Each person who changed caseworker at least once (everyone else kept one), most changes first.
    pub people: Vec<PersonContinuity>,
    /// People with protected identity who changed caseworker; only for roles that may see them
    /// (admin, housing_officer), empty for others.
    pub protected_changed: Vec<ProtectedChange>,
}

/// Caseworker continuity over the last twelve months.
///
/// A change is a new assignment to another caseworker than the one before (the first caseworker is not
/// a change). Per district (the person's responsible district): people who had a caseworker at some time
/// in the window and the share who kept one; districts of 1 to 4 people are suppressed. Per person the
/// number of changes. People with protected identity are listed (by name, for the district's review)
/// only to admin and housing_officer; other roles get neither them nor their rows in `people`.
///
/// Roles: admin, housing_officer, auditor; a token limited to districts sees its districts' people.
/// Each listed person is audited.
#[utoipa::path(get, path = "/api/v1/reports/continuity", tag = "reports", operation_id = "get_continuity_report",
    responses((status = 200, description = "Caseworker continuity", body = ContinuityReport), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_continuity_report(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<ContinuityReport>, ApiError> {
    let work = state.unit_of_work(&principal, READ_EQUITY_REPORTS)?;
    Ok(Json(work.run(async |w| continuity_report(w, Timestamp::now()).await).await?))
}

/// Continuity in the twelve months up to `until`, for the caller's scope.
pub async fn continuity_report(w: &mut Work<'_>, until: Timestamp) -> Result<ContinuityReport, ApiError> {
    let zone = hemvist_platform::night::city_time_zone();
    let since = until
        .to_zoned(zone)
        .checked_sub(12.months())
        .map(|z| z.timestamp())
        .unwrap_or_else(|_| until - SignedDuration::from_hours(24 * 365));
    let sees_protected = sees_protected_contact(w.principal());
    let people = changes(w.tx(), &scope_of(w.principal()), since, until).await?;
    let districts = by_district(&people);
    let mut listed: Vec<PersonContinuity> = people
        .iter()
        .filter(|p| p.changes > 0 && (sees_protected || !p.protected_identity))
        .map(|p| PersonContinuity {
            person_id: p.person_id,
            district_code: p.district_code.clone(),
            changes: p.changes,
        })
        .collect();
    listed.sort_by(|a, b| b.changes.cmp(&a.changes).then(a.person_id.cmp(&b.person_id)));
    let protected_changed: Vec<ProtectedChange> = people
        .into_iter()
        .filter(|p| sees_protected && p.protected_identity && p.changes > 0)
        .map(|p| ProtectedChange {
            person_id: p.person_id,
            given_name: p.given_name,
            family_name: p.family_name,
            district_code: p.district_code,
            changes: p.changes,
        })
        .collect();
    w.audit(AuditEvent::new(AuditAction::Read, "report", None).details(serde_json::json!({"report": "continuity"})));
    w.audit_all(
        listed.iter().map(|p| AuditEvent::new(AuditAction::List, "person", Some(p.person_id)).person(p.person_id)),
    );
    Ok(ContinuityReport { since, until, districts, people: listed, protected_changed })
}
