//! The audit trail: one append-only table (the database refuses UPDATE, DELETE and TRUNCATE), one
//! writer. Every handler that reads or changes personal data calls `record` in the same transaction
//! as the work itself, so there is never a change without its event.

use deadpool_postgres::GenericClient;
use serde::Serialize;
use uuid::Uuid;

use crate::ApiError;
use crate::auth::Principal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Read,
    List,
    Create,
    Update,
    Delete,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Read => "read",
            AuditAction::List => "list",
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
        }
    }
}

/// One audited act on one resource (or, for lists, on a query).
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub action: AuditAction,
    /// e.g. `person`, `district`, `decision`.
    pub resource_type: &'static str,
    pub resource_id: Option<Uuid>,
    /// The person whose data was touched, when there is one.
    pub person_id: Option<Uuid>,
    /// Non-personal context: filters used, fields changed. Never identity numbers.
    pub details: serde_json::Value,
}

impl AuditEvent {
    pub fn new(action: AuditAction, resource_type: &'static str, resource_id: Option<Uuid>) -> Self {
        Self { action, resource_type, resource_id, person_id: None, details: serde_json::Value::Null }
    }

    pub fn person(mut self, person_id: Uuid) -> Self {
        self.person_id = Some(person_id);
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

pub async fn record(client: &impl GenericClient, actor: &Principal, event: AuditEvent) -> Result<(), ApiError> {
    let statement = client
        .prepare_cached(
            "INSERT INTO audit_events
               (municipality_code, actor_token_id, actor_role, action, resource_type, resource_id, person_id,
                request_id, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .await?;
    client
        .execute(
            &statement,
            &[
                &actor.municipality.as_str(),
                &actor.token_id,
                &actor.role.as_str(),
                &event.action.as_str(),
                &event.resource_type,
                &event.resource_id,
                &event.person_id,
                &actor.request_id,
                &event.details,
            ],
        )
        .await?;
    Ok(())
}

/// A sign-in at the identity provider that Hemvist refused (none of the user's groups is mapped): no
/// session, no role. Filed under each municipality the mapping names that exists, the actor being the
/// provider's subject (`actor_token_id` its [`crate::oidc::subject_id`], `actor_role` `none`).
pub async fn record_refused_sign_in(
    client: &impl GenericClient,
    municipalities: &[String],
    actor: Uuid,
    request_id: Option<&str>,
    details: &serde_json::Value,
) -> Result<(), ApiError> {
    let statement = client
        .prepare_cached(
            "INSERT INTO audit_events
               (municipality_code, actor_token_id, actor_role, action, resource_type, resource_id, request_id, details)
             SELECT municipality_code, $2, 'none', 'create', 'refused_sign_in', NULL, $3, $4
               FROM municipalities WHERE municipality_code::text = ANY($1::text[])",
        )
        .await?;
    client.execute(&statement, &[&municipalities, &actor, &request_id, details]).await?;
    Ok(())
}

/// The same act on many resources (the people of a list or a report), in one statement.
pub async fn record_many(
    client: &impl GenericClient,
    actor: &Principal,
    action: AuditAction,
    resource_type: &'static str,
    subjects: &[(Option<Uuid>, Option<Uuid>)],
) -> Result<(), ApiError> {
    if subjects.is_empty() {
        return Ok(());
    }
    let (resources, people): (Vec<Option<Uuid>>, Vec<Option<Uuid>>) = subjects.iter().copied().unzip();
    let statement = client
        .prepare_cached(
            "INSERT INTO audit_events
               (municipality_code, actor_token_id, actor_role, action, resource_type, resource_id, person_id, request_id, details)
             SELECT $1, $2, $3, $4, $5, r, p, $6, 'null'::jsonb FROM unnest($7::uuid[], $8::uuid[]) AS s(r, p)",
        )
        .await?;
    client
        .execute(
            &statement,
            &[
                &actor.municipality.as_str(),
                &actor.token_id,
                &actor.role.as_str(),
                &action.as_str(),
                &resource_type,
                &actor.request_id,
                &resources,
                &people,
            ],
        )
        .await?;
    Ok(())
}

/// Any events, in one statement (the unit of work writes what it collected this way at commit).
pub async fn record_batch(
    client: &impl GenericClient,
    actor: &Principal,
    events: &[AuditEvent],
) -> Result<(), ApiError> {
    if events.is_empty() {
        return Ok(());
    }
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    let kinds: Vec<&str> = events.iter().map(|e| e.resource_type).collect();
    let resources: Vec<Option<Uuid>> = events.iter().map(|e| e.resource_id).collect();
    let people: Vec<Option<Uuid>> = events.iter().map(|e| e.person_id).collect();
    let details: Vec<&serde_json::Value> = events.iter().map(|e| &e.details).collect();
    let statement = client
        .prepare_cached(
            "INSERT INTO audit_events
               (municipality_code, actor_token_id, actor_role, action, resource_type, resource_id, person_id, request_id, details)
             SELECT $1, $2, $3, a, k, r, p, $4, d
               FROM unnest($5::text[], $6::text[], $7::uuid[], $8::uuid[], $9::jsonb[]) WITH ORDINALITY AS s(a, k, r, p, d, n)
              ORDER BY n",
        )
        .await?;
    client
        .execute(
            &statement,
            &[
                &actor.municipality.as_str(),
                &actor.token_id,
                &actor.role.as_str(),
                &actor.request_id,
                &actions,
                &kinds,
                &resources,
                &people,
                &details,
            ],
        )
        .await?;
    Ok(())
}
