//! Decisions (biståndsbeslut): applied, decided, executed, interrupted and resumed, closed; with the
//! delay reasons, offers and interim help the IVO report asks for.

pub(crate) mod http;
pub mod ivo;
pub mod leasing;
pub mod model;
pub(crate) mod repo;
pub(crate) mod reports;

use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::night::today;
use hemvist_platform::{ApiError, Work};
use uuid::Uuid;

use crate::access::scope;
use model::Change;
use repo::StoredDecision;

/// The one path every change of a decision takes: locks it, checks `change` against the state
/// machine, lets `write` record it, audits it and reads the decision back.
pub(crate) async fn change<E: Into<ApiError>>(
    w: &mut Work<'_>,
    id: Uuid,
    change: Option<Change>,
    write: impl AsyncFnOnce(&deadpool_postgres::Transaction<'_>, &StoredDecision) -> Result<(), E>,
) -> Result<StoredDecision, ApiError> {
    let scope = scope(w.principal());
    let decision = repo::find_decision(w.tx(), &scope, id, true).await?.ok_or(ApiError::NotFound("decision"))?;
    if let Some(change) = change {
        decision.lifecycle().check(change, today())?;
    }
    write(w.tx(), &decision).await.map_err(Into::into)?;
    let changed = repo::find_decision(w.tx(), &scope, id, false).await?.ok_or(ApiError::NotFound("decision"))?;
    w.audit(AuditEvent::new(AuditAction::Update, "decision", Some(id)).person(decision.person_id));
    Ok(changed)
}
