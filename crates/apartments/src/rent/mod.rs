//! Rent: the ledger of each lease (charges and payments), notices of termination for arrears, the
//! arrears they add up to, and the early-warning list for eviction prevention.

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;

use hemvist_platform::db::GenericClient;
use hemvist_platform::{ApiError, MunicipalityCode};
use jiff::civil::Date;
use uuid::Uuid;

use model::ArrearsStatus;

/// The arrears of one lease as of a date, from its ledger and notices.
pub(crate) async fn arrears_of(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_id: Uuid,
    as_of: Date,
) -> Result<ArrearsStatus, ApiError> {
    let entries = repo::rent_entries(client, municipality, &[lease_id]).await?;
    let notices = repo::notices(client, municipality, &[lease_id]).await?;
    let notices: Vec<_> = notices.iter().map(repo::StoredNotice::notice).collect();
    let entries = entries.iter().map(|(_, e)| (e.kind, e.entry_date, e.amount_sek));
    Ok(model::arrears_from_ledger(entries, notices.iter(), as_of))
}

/// The arrears of each lease of `lease_ids` (in that order) as of a date: the ledgers and notices of
/// all of them in two queries, each lease's arrears by the same rule as [`arrears_of`].
pub(crate) async fn arrears_of_leases(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_ids: &[Uuid],
    as_of: Date,
) -> Result<Vec<ArrearsStatus>, ApiError> {
    let entries = repo::rent_entries(client, municipality, lease_ids).await?;
    let notices = repo::notices(client, municipality, lease_ids).await?;
    Ok(lease_ids.iter().map(|id| http::arrears_of_rows(&entries, &notices, *id, as_of)).collect())
}

pub use http::ArrearsWarning;

/// Who may read the arrears list (as `GET /api/v1/rent-arrears`).
pub const READ_ARREARS: &[hemvist_platform::auth::Role] = crate::access::READ_LEASES;

/// The arrears early-warning list as of `as_of` (the first `limit`, most days late first), for the web
/// app: the same scope, visibility and audit as `GET /api/v1/rent-arrears`.
pub async fn arrears_list(
    w: &mut hemvist_platform::Work<'_>,
    as_of: Date,
    limit: u32,
) -> Result<Vec<ArrearsWarning>, ApiError> {
    use hemvist_platform::audit::{AuditAction, AuditEvent};
    let fetch_limit = i64::from(limit) + 1;
    let mut warnings = http::arrears_warnings(w, as_of, None, limit, fetch_limit).await?;
    warnings.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    w.audit_all(warnings.iter().map(|(_, warning)| {
        AuditEvent::new(AuditAction::List, "rent", Some(warning.lease_id)).person(warning.person_id)
    }));
    Ok(warnings.into_iter().map(|(_, warning)| warning).collect())
}
