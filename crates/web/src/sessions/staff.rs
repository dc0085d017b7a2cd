//! Staff access, for an admin in the web app: one-time sign-in links for a role and scope, the open
//! sessions of the municipality, and ending one. Each runs in the admin's unit of work (role check,
//! one transaction, audit); a link never carries more power than the admin who makes it has.

use hemvist_platform::ApiError;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Role;
use hemvist_platform::work::Work;
use jiff::Timestamp;
use serde_json::json;
use uuid::Uuid;

use super::model::{Grant, session_ends_at};
use super::repo::{self, OpenSession};

/// May make sign-in links and see and end the municipality's sessions.
pub const MANAGE_STAFF_ACCESS: &[Role] = &[Role::Admin];

/// A new link, shown once.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub id: Uuid,
    pub url: String,
}

/// Makes a one-time sign-in link for `grant` (the same link `hemvist login-link` makes), after its
/// rules: what its role needs, and nothing beyond the maker's own municipality and scope. Audited
/// with the role and scope it carries.
pub async fn make_login_link(w: &mut Work<'_>, grant: &Grant) -> Result<NewLink, ApiError> {
    grant.check()?;
    grant.within(w.principal())?;
    let (id, url) = super::new_login_link(w.tx(), w.settings(), grant).await?;
    w.audit(AuditEvent::new(AuditAction::Create, "web_login_link", Some(id)).details(json!({
        "role": grant.role.as_str(),
        "district_scope": grant.district_scope,
        "shelter_scope": grant.shelter_scope,
        "staff_id": grant.staff_id,
    })));
    Ok(NewLink { id, url })
}

/// An open session and when it will end unless used again.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub session: OpenSession,
    pub ends_at: Timestamp,
}

/// The municipality's open sessions, most recently used first (audited as a list).
pub async fn open_sessions(w: &mut Work<'_>) -> Result<Vec<SessionRow>, ApiError> {
    let idle = w.settings().session_idle;
    let sessions = repo::open_sessions(w.tx(), &w.principal().municipality, idle).await?;
    w.audit(AuditEvent::new(AuditAction::List, "web_session", None));
    Ok(sessions
        .into_iter()
        .map(|session| SessionRow { ends_at: session_ends_at(session.last_seen_at, session.expires_at, idle), session })
        .collect())
}

/// Ends a session of the municipality: its next request is signed out. 404 when there is no such
/// session still signed in.
pub async fn end_session(w: &mut Work<'_>, id: Uuid) -> Result<(), ApiError> {
    if !repo::revoke_session(w.tx(), &w.principal().municipality, id).await? {
        return Err(ApiError::NotFound("session"));
    }
    w.audit(AuditEvent::new(AuditAction::Delete, "web_session", Some(id)));
    Ok(())
}
