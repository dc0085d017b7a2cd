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
