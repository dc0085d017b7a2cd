//! Rent over HTTP: a lease's ledger and arrears, charges, payments, notices of termination for arrears,
//! and the early-warning list for eviction prevention. Writes are changes of the lease (its version and
//! audit event), so they run through `change_lease`.

use axum::extract::State;
use axum::response::Response;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::night::today;
use hemvist_platform::pagination::{Page, PageParams};
use hemvist_platform::period::{self, not_future};
use hemvist_platform::{ApiError, AppState, Json, OnConstraint, Path, Query, ReadProblems, Work, WriteProblems};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::model::{
    ArrearsStatus, NewRentEntry, RentEntryKind, arrears_from_ledger, committee_notified_after_rent_fell_late,
};
use super::repo::{self, RentEntry, StoredNotice};
use crate::access::{MANAGE_HOUSING, READ_LEASES};
use crate::apartments::http::scope;
use crate::leases::http::{Lease, run_change, visible, visible_lease};
use crate::leases::model::{LeaseKind, LeaseStatus};
use crate::leases::repo::StoredLease;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_lease_rent))
        .routes(routes!(create_rent_charge))
        .routes(routes!(create_rent_payment))
        .routes(routes!(create_rent_notice))
        .routes(routes!(update_rent_notice))
        .routes(routes!(list_rent_arrears))
}

/// The arrears of one lease's entries and notices (of many leases' rows, those of `lease_id`).
pub(super) fn arrears_of_rows(
    entries: &[(Uuid, RentEntry)],
    notices: &[StoredNotice],
    lease_id: Uuid,
    as_of: Date,
) -> ArrearsStatus {
    let notices: Vec<_> = notices.iter().filter(|n| n.lease_id == lease_id).map(StoredNotice::notice).collect();
    let entries = entries.iter().filter(|(l, _)| *l == lease_id).map(|(_, e)| (e.kind, e.entry_date, e.amount_sek));
    arrears_from_ledger(entries, notices.iter(), as_of)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RentLedgerEntry {
    pub id: Uuid,
    /// `charge` or `payment`.
    #[schema(value_type = String)]
    pub kind: RentEntryKind,
    pub amount_sek: i32,
    /// Due date of a charge, payment date of a payment.
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// The month a charge is for, `YYYY-MM`.
    pub period: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RentLedger {
    pub lease_id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub as_of: Date,
    pub entries: Vec<RentLedgerEntry>,
    /// Notices of termination for arrears, oldest first.
    pub notices: Vec<RentNotice>,
    pub arrears: ArrearsStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RentNotice {
    pub id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub served_on: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub committee_notified_on: Option<Date>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfParams {
    /// Default: today in Stockholm.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<Date>,
}

/// The rent ledger of a lease and its arrears status.
///
/// Roles: admin, housing_officer, support_worker, auditor. Audited.
/// Support workers see only the leases of the people assigned to them (none without a staff id);
/// district-scoped tokens those of apartments in their districts; a tenant sharing a protected home
/// only admin and housing_officer.
#[utoipa::path(get, path = "/api/v1/leases/{id}/rent", tag = "rent", operation_id = "get_lease_rent",
    params(("id" = Uuid, Path, description = "Lease id"), AsOfParams),
    responses((status = 200, description = "Ledger and arrears", body = RentLedger), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_lease_rent(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Query(params): Query<AsOfParams>,
) -> Result<Json<RentLedger>, ApiError> {
    let work = state.unit_of_work(&principal, READ_LEASES)?;
    let as_of = params.as_of.unwrap_or_else(today);
    let (entries, notices) = work
        .run(async |w| {
            let (tx, municipality) = (w.tx(), &w.principal().municipality);
            let lease = visible_lease(tx, w.principal(), id).await?;
            let entries = repo::rent_entries(tx, municipality, &[id]).await?;
            let notices = repo::notices(tx, municipality, &[id]).await?;
            w.audit(AuditEvent::new(AuditAction::Read, "rent", Some(id)).person(lease.person_id));
            Ok((entries, notices))
        })
        .await?;
    let arrears = arrears_of_rows(&entries, &notices, id, as_of);
    let entries = entries
        .into_iter()
        .map(|(_, e)| RentLedgerEntry {
            id: e.id,
            kind: e.kind,
            amount_sek: e.amount_sek,
            date: e.entry_date,
            period: e.period,
        })
        .collect();
    let notices = notices
        .into_iter()
        .map(|n| RentNotice { id: n.id, served_on: n.served_on, committee_notified_on: n.committee_notified_on })
        .collect();
    Ok(Json(RentLedger { lease_id: id, as_of, entries, notices, arrears }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RentChargeInput {
    /// The month, `YYYY-MM`.
    #[schema(example = "2026-11")]
    pub period: String,
    pub amount_sek: i32,
    #[schema(value_type = String, format = Date)]
    pub due_on: Date,
}

/// Adds a charge or payment to the ledger of a lease that has begun.
async fn add_rent_entry(w: &Work<'_>, lease: &mut StoredLease, entry: &NewRentEntry) -> Result<(), ApiError> {
    if lease.status == LeaseStatus::Offered {
        return Err(ApiError::conflict("rent is kept for leases that have begun"));
    }
    repo::insert_rent_entry(w.tx(), &w.principal().municipality, lease.id, entry)
        .await
        .on_constraint(repo::ONE_CHARGE_PER_PERIOD, || ApiError::conflict("rent for that period is already charged"))?;
    Ok(())
}

/// Charge a month's rent.
///
/// Roles: admin, housing_officer. One charge per month (409).
#[utoipa::path(post, path = "/api/v1/leases/{id}/rent-charges", tag = "rent", operation_id = "create_rent_charge",
    params(("id" = Uuid, Path, description = "Lease id")), request_body = RentChargeInput,
    responses((status = 200, description = "The lease", body = Lease), WriteProblems), security(("bearer" = [])))]
pub async fn create_rent_charge(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<RentChargeInput>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, MANAGE_HOUSING)?;
    period::month("period", &input.period)?;
    let entry = NewRentEntry::new(RentEntryKind::Charge, input.amount_sek, input.due_on, Some(input.period))?;
    run_change(work, id, None, async |w, lease| add_rent_entry(w, lease, &entry).await).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RentPaymentInput {
    pub amount_sek: i32,
    #[schema(value_type = String, format = Date)]
    pub paid_on: Date,
}

/// Record a rent payment.
///
/// Roles: admin, housing_officer.
#[utoipa::path(post, path = "/api/v1/leases/{id}/rent-payments", tag = "rent", operation_id = "create_rent_payment",
    params(("id" = Uuid, Path, description = "Lease id")), request_body = RentPaymentInput,
    responses((status = 200, description = "The lease", body = Lease), WriteProblems), security(("bearer" = [])))]
pub async fn create_rent_payment(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<RentPaymentInput>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, MANAGE_HOUSING)?;
    not_future("paid_on", input.paid_on)?;
    let entry = NewRentEntry::new(RentEntryKind::Payment, input.amount_sek, input.paid_on, None)?;
    run_change(work, id, None, async |w, lease| add_rent_entry(w, lease, &entry).await).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RentNoticeInput {
    /// The day notice of termination for arrears was served on the tenant.
    #[schema(value_type = String, format = Date)]
    pub served_on: Date,
    /// The day the social welfare committee was notified. The tenant's 3 weeks to pay and keep the home
    /// run from the later of the two days; without a notification they have not started.
    #[schema(value_type = Option<String>, format = Date)]
    pub committee_notified_on: Option<Date>,
}

/// Record a notice of termination for rent arrears and the committee notification.
/// The notification may precede service, never the due date of the rent in arrears (422).
///
/// Roles: admin, housing_officer.
#[utoipa::path(post, path = "/api/v1/leases/{id}/rent-notices", tag = "rent", operation_id = "create_rent_notice",
    params(("id" = Uuid, Path, description = "Lease id")), request_body = RentNoticeInput,
    responses((status = 200, description = "The lease", body = Lease), WriteProblems), security(("bearer" = [])))]
pub async fn create_rent_notice(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<RentNoticeInput>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, MANAGE_HOUSING)?;
    not_future("served_on", input.served_on)?;
    if let Some(notified) = input.committee_notified_on {
        not_future("committee_notified_on", notified)?;
    }
    run_change(work, id, None, async |w, lease| {
        if lease.status != LeaseStatus::Active {
            return Err(ApiError::conflict("notice is served on active leases"));
        }
        let (served_on, notified_on) = (input.served_on, input.committee_notified_on);
        if let Some(notified_on) = notified_on {
            notified_after_rent_fell_late(w, lease.id, served_on, notified_on).await?;
        }
        Ok(repo::insert_notice(w.tx(), &w.principal().municipality, lease.id, served_on, notified_on).await?)
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitteeNotifiedInput {
    #[schema(value_type = String, format = Date)]
    pub committee_notified_on: Date,
}

/// Record that the social welfare committee was notified of a notice. The redemption period
/// (återvinningsfrist) runs from the later of service and this notification.
/// The notification may precede service, never the due date of the rent in arrears (422).
///
/// Roles: admin, housing_officer.
#[utoipa::path(put, path = "/api/v1/leases/{id}/rent-notices/{notice_id}", tag = "rent", operation_id = "update_rent_notice",
    params(("id" = Uuid, Path, description = "Lease id"), ("notice_id" = Uuid, Path, description = "Notice id")),
    request_body = CommitteeNotifiedInput,
    responses((status = 200, description = "The lease", body = Lease), WriteProblems), security(("bearer" = [])))]
pub async fn update_rent_notice(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, notice_id)): Path<(Uuid, Uuid)>,
    Json(input): Json<CommitteeNotifiedInput>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, MANAGE_HOUSING)?;
    let notified_on = input.committee_notified_on;
    not_future("committee_notified_on", notified_on)?;
    run_change(work, id, None, async |w, lease| {
        let municipality = &w.principal().municipality;
        let notices = repo::notices(w.tx(), municipality, &[lease.id]).await?;
        let notice = notices.iter().find(|n| n.id == notice_id).ok_or(ApiError::NotFound("notice"))?;
        notified_after_rent_fell_late(w, lease.id, notice.served_on, notified_on).await?;
        match repo::record_committee_notified(w.tx(), municipality, lease.id, notice_id, notified_on).await? {
            true => Ok(()),
            false => Err(ApiError::NotFound("notice")),
        }
    })
    .await
}

/// Refuses a committee notification dated on or before the due date of the rent in arrears when the
/// notice was served (422).
async fn notified_after_rent_fell_late(
    w: &Work<'_>,
    lease_id: Uuid,
    served_on: Date,
    notified_on: Date,
) -> Result<(), ApiError> {
    let at_service = super::arrears_of(w.tx(), &w.principal().municipality, lease_id, served_on).await?;
    committee_notified_after_rent_fell_late(&at_service, notified_on)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArrearsWarning {
    pub lease_id: Uuid,
    pub apartment_id: Uuid,
    pub address: String,
    pub district_code: String,
    pub person_id: Uuid,
    pub kind: LeaseKind,
    #[serde(flatten)]
    pub arrears: ArrearsStatus,
}

/// Early warning for eviction prevention: active leases with rent past due or a notice the committee
/// was not told of (the redemption period has not started); most days late first. More than 7 days
/// late means the tenancy is at risk. The next pages are counted as of the first page's day (the
/// cursor carries it); an `as_of` other than that with a cursor is refused.
///
/// Roles: admin, housing_officer, support_worker, auditor. Audited per tenant on the page.
/// Support workers see only the leases of the people assigned to them (none without a staff id);
/// district-scoped tokens those of apartments in their districts; a tenant sharing a protected home
/// only admin and housing_officer.
#[utoipa::path(get, path = "/api/v1/rent-arrears", tag = "rent", operation_id = "list_rent_arrears",
    params(AsOfParams, PageParams),
    responses((status = 200, description = "A page of leases needing attention", body = Page<ArrearsWarning>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_rent_arrears(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<AsOfParams>,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<ArrearsWarning>>, ApiError> {
    let work = state.unit_of_work(&principal, READ_LEASES)?;
    // Days late depend on the day they are counted for: the cursor carries it, so a list paged across
    // midnight goes on counting as of the day it began and skips nobody (review, 2026-11-24).
    let page = page.parse::<(Date, i32, Uuid)>()?;
    let as_of = match (params.as_of, page.after) {
        (Some(asked), Some((counted, _, _))) if asked != counted => {
            return Err(ApiError::invalid("cursor", format!("was given out for as_of {counted}, not {asked}")));
        }
        (_, Some((counted, _, _))) => counted,
        (asked, None) => asked.unwrap_or_else(today),
    };
    let after = page.after.map(|(_, days_late, lease)| (days_late, lease));
    let page = work
        .run(async |w| {
            let warnings = arrears_warnings(w, as_of, after, page.limit, page.fetch_limit()).await?;
            let page = Page::from_rows(warnings, page.limit, |((days_late, lease), _)| (as_of, *days_late, *lease))?;
            w.audit_all(page.items.iter().map(|(_, warning)| {
                AuditEvent::new(AuditAction::List, "rent", Some(warning.lease_id)).person(warning.person_id)
            }));
            Ok(Page {
                items: page.items.into_iter().map(|(_, warning)| warning).collect(),
                next_cursor: page.next_cursor,
            })
        })
        .await?;
    Ok(Json(page))
}

/// The warnings after `after`, keyed by their cursor: one more than `limit` when there are more.
pub(super) async fn arrears_warnings(
    w: &Work<'_>,
    as_of: Date,
    mut after: Option<(i32, Uuid)>,
    page_limit: u32,
    fetch_limit: i64,
) -> Result<Vec<((i32, Uuid), ArrearsWarning)>, ApiError> {
    let (tx, principal) = (w.tx(), w.principal());
    let scope = scope(principal);
    let limit = usize::try_from(page_limit).unwrap_or(usize::MAX);
    // Rows the caller may not see are skipped in Rust, so fetch until the page (and one more) is full:
    // the cursor is then always the key of a row on the page, never of a hidden one.
    let mut warnings: Vec<((i32, Uuid), ArrearsWarning)> = Vec::new();
    loop {
        let rows = repo::arrears_candidates(tx, &scope, as_of, after, fetch_limit).await?;
        let exhausted = i64::try_from(rows.len()).unwrap_or(i64::MAX) < fetch_limit;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.lease.id).collect();
        let entries = repo::rent_entries(tx, &principal.municipality, &ids).await?;
        let notices = repo::notices(tx, &principal.municipality, &ids).await?;
        for row in rows {
            let key = (row.days_late, row.lease.id);
            after = Some(key);
            if !visible(principal, &row.lease) {
                continue;
            }
            let lease = row.lease;
            let arrears = arrears_of_rows(&entries, &notices, lease.id, as_of);
            if !arrears.needs_attention {
                continue;
            }
            let warning = ArrearsWarning {
                lease_id: lease.id,
                apartment_id: lease.apartment_id,
                address: row.address,
                district_code: row.district_code,
                person_id: lease.person_id,
                kind: lease.kind,
                arrears,
            };
            warnings.push((key, warning));
            if warnings.len() > limit {
                break;
            }
        }
        if exhausted || warnings.len() > limit {
            break;
        }
    }
    Ok(warnings)
}
