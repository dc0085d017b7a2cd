//! What the housing officer's web page needs: granted decisions waiting for execution, with the
//! IVO date (three months after the decision) and the days left to it, most urgent first.

use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Role;
use hemvist_platform::{ApiError, Work};
use jiff::civil::Date;
use uuid::Uuid;

use crate::access::{READ_CASE_FILE, scope};
use crate::decisions::ivo;
use crate::decisions::model::Intervention;
use crate::decisions::repo;

/// Who may list decisions waiting for execution: those who may read case files.
pub const READ_AWAITING: &[Role] = READ_CASE_FILE;

/// One granted decision not yet executed.
#[derive(Debug, Clone)]
pub struct AwaitingExecution {
    pub decision_id: Uuid,
    pub person_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub intervention: Intervention,
    pub district_code: Option<String>,
    pub decided_on: Date,
    /// The last day execution is on time (IVO): three months after the decision date.
    pub deadline: Date,
    /// Days from `today` to the deadline; negative once it has passed (then reported to IVO).
    pub days_left: i32,
}

/// Granted decisions in the caller's scope that are neither executed nor closed, the nearest IVO date
/// first (at most `limit`). Each listed person is audited.
pub async fn awaiting_execution(w: &mut Work<'_>, today: Date, limit: i64) -> Result<Vec<AwaitingExecution>, ApiError> {
    let rows = repo::awaiting_execution(w.tx(), &scope(w.principal()), limit).await?;
    let mut list: Vec<AwaitingExecution> = rows
        .into_iter()
        .filter_map(|row| {
            let decided_on = row.decision.decided_on?;
            let deadline = ivo::deadline(decided_on)?;
            let days_left = (deadline - today).get_days();
            Some(AwaitingExecution {
                decision_id: row.decision.id,
                person_id: row.decision.person_id,
                given_name: row.given_name,
                family_name: row.family_name,
                intervention: row.decision.intervention,
                district_code: row.decision.district_code,
                decided_on,
                deadline,
                days_left,
            })
        })
        .collect();
    // Month-end clamping can make two decision dates share a deadline: order by the deadline itself.
    list.sort_by_key(|a| (a.deadline, a.decision_id));
    w.audit_all(
        list.iter().map(|a| AuditEvent::new(AuditAction::List, "decision", Some(a.decision_id)).person(a.person_id)),
    );
    Ok(list)
}

/// SQL: the tenant of the rows aliased `rows` (which carry `municipality_code` and `person_id`),
/// joined as `tenant` only when the caller's scope reaches the person (`$1` municipality, `$2`
/// districts, `$staff` the member of staff, as in `scoped`); read with [`TenantName::from_row`], whose
/// columns are NULL for a person outside the scope.
pub fn join_tenant_in_scope(rows: &str, staff: usize) -> String {
    format!(
        "LEFT JOIN LATERAL (SELECT p.given_name, p.family_name FROM people p
            WHERE p.id = {rows}.person_id AND {}) tenant ON true",
        crate::people::repo::scoped(staff)
    )
}

/// The columns of [`join_tenant_in_scope`].
pub const TENANT_COLUMNS: &str = "tenant.given_name AS tenant_given_name, tenant.family_name AS tenant_family_name";

/// A tenant's name, as the caller may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantName {
    pub given_name: String,
    pub family_name: String,
}

impl TenantName {
    /// Reads the [`TENANT_COLUMNS`] of a row: None when the person is outside the caller's scope.
    pub fn from_row(row: &tokio_postgres::Row) -> Result<Option<Self>, tokio_postgres::Error> {
        let given_name: Option<String> = row.try_get("tenant_given_name")?;
        let family_name: Option<String> = row.try_get("tenant_family_name")?;
        Ok(given_name.zip(family_name).map(|(given_name, family_name)| TenantName { given_name, family_name }))
    }
}
