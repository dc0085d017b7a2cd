//! What happens to a lease: offered, activated (the tenant moves in), ended, declined or taken over.
//! Domain functions on the unit of work; the handlers in `http` parse the input and call them, and
//! every change of an existing lease runs through `change_lease`.

use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::night::today;
use hemvist_platform::{ApiError, OnConstraint, Work};
use hemvist_tenants::api::{LeaseOfferInput, leasing};
use jiff::civil::Date;
use uuid::Uuid;

use super::http::{Lease, LeaseInput, lease_view, tenants_scope};
use super::model::{self, LeaseKind, LeaseStatus, TakeoverRefusal};
use super::repo::{self, NewLease, StoredLease};
use crate::apartments::http::scope;
use crate::apartments::model::ApartmentStatus;
use crate::apartments::repo as apartments;
use crate::follow_ups::model::{FollowUpRecord, follow_up_schedule, follow_ups_counting_on};
use crate::follow_ups::repo as follow_ups;
use crate::rent;

/// Offers the lease: the apartment must accept leases, the offer is recorded on the decision, and an
/// available apartment becomes offered.
pub(crate) async fn offer_lease(w: &mut Work<'_>, input: &LeaseInput) -> Result<(Uuid, Lease), ApiError> {
    let apartment = apartments::find(w.tx(), &scope(w.principal()), input.apartment_id, true)
        .await?
        .ok_or(ApiError::NotFound("apartment"))?;
    if !apartment.status.accepts_leases() {
        return Err(ApiError::conflict(format!("the apartment is {} and cannot be let", apartment.status)));
    }
    let offer = LeaseOfferInput {
        decision_id: input.decision_id,
        intervention: input.kind.intervention(),
        starts_on: input.starts_on,
        offered_on: input.offered_on,
        description: input.kind.offer_description(input.starts_on),
    };
    let municipality = w.principal().municipality.clone();
    let offer = leasing::offer_lease(w, &tenants_scope(&municipality), &offer).await?;
    let (tx, principal) = (w.tx(), w.principal());
    let new = NewLease {
        apartment_id: apartment.id,
        person_id: offer.person_id,
        decision_id: offer.decision_id,
        kind: input.kind,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        special_conditions_told_on: input.special_conditions_told_on,
        offer_id: offer.offer_id,
    };
    let id = repo::insert(tx, &principal.municipality, &new).await.on_constraint(repo::ONE_PER_APARTMENT, || {
        ApiError::conflict("the apartment is already offered or let for part of that period")
    })?;
    if apartment.status == ApartmentStatus::Available {
        apartments::set_status(tx, &principal.municipality, apartment.id, ApartmentStatus::Offered, None).await?;
    }
    let lease = repo::find(tx, &scope(principal), id, false).await?.ok_or(ApiError::NotFound("lease"))?;
    let view = lease_view(tx, principal, lease).await?;
    w.audit(AuditEvent::new(AuditAction::Create, "lease", Some(id)).person(offer.person_id));
    Ok((id, view))
}

/// Locks apartment then lease, checks If-Match, lets `change` modify the lease, writes it back with
/// its audit event. The one path every lease change takes, inside the caller's unit of work.
pub(crate) async fn change_lease(
    w: &mut Work<'_>,
    id: Uuid,
    expected: Option<i32>,
    change: impl AsyncFnOnce(&mut Work<'_>, &mut StoredLease) -> Result<(), ApiError>,
) -> Result<Lease, ApiError> {
    let mut lease = {
        let scope = scope(w.principal());
        let apartment_id =
            repo::find(w.tx(), &scope, id, false).await?.ok_or(ApiError::NotFound("lease"))?.apartment_id;
        apartments::find(w.tx(), &scope, apartment_id, true).await?;
        repo::find(w.tx(), &scope, id, true).await?.ok_or(ApiError::NotFound("lease"))?
    };
    if expected.is_some_and(|v| v != lease.version) {
        return Err(ApiError::PreconditionFailed);
    }
    change(w, &mut lease).await?;
    let scope = scope(w.principal());
    let municipality = &w.principal().municipality;
    repo::update_state(w.tx(), municipality, &lease).await?;
    hemvist_tenants::api::touch_person(w.tx(), municipality, lease.person_id).await?;
    let person_id = lease.person_id;
    let lease = repo::find(w.tx(), &scope, id, false).await?.ok_or(ApiError::NotFound("lease"))?;
    let view = lease_view(w.tx(), w.principal(), lease).await?;
    w.audit(AuditEvent::new(AuditAction::Update, "lease", Some(id)).person(person_id));
    Ok(view)
}

/// After a lease stops being open, the apartment is let, offered or available according to the rest.
pub(crate) async fn settle_apartment_status(w: &Work<'_>, lease: &StoredLease) -> Result<(), ApiError> {
    let municipality = &w.principal().municipality;
    let others = repo::open_leases_of_apartment(w.tx(), municipality, lease.apartment_id, lease.id).await?;
    let status = model::apartment_status_after(&others);
    Ok(apartments::set_status(w.tx(), municipality, lease.apartment_id, status, None).await?)
}

/// The tenant moves in on `moved_in_on`.
pub(crate) async fn activate(w: &mut Work<'_>, lease: &mut StoredLease, moved_in_on: Date) -> Result<(), ApiError> {
    if lease.status != LeaseStatus::Offered {
        return Err(ApiError::conflict("only an offered lease can be activated"));
    }
    if moved_in_on < lease.starts_on {
        return Err(ApiError::invalid("moved_in_on", "must not be before the lease starts"));
    }
    let municipality = w.principal().municipality.clone();
    let others = repo::open_leases_of_apartment(w.tx(), &municipality, lease.apartment_id, lease.id).await?;
    if others.contains(&LeaseStatus::Active) {
        return Err(ApiError::conflict("another sublet of the apartment is active; end it first"));
    }
    // Moving in executes the decision, or resumes it when interrupted, and accepts the lease's offer.
    let tenants = tenants_scope(&municipality);
    leasing::move_in(w, &tenants, lease.decision_id, lease.offer_id, lease.id, moved_in_on).await?;
    let (tx, principal, settings) = (w.tx(), w.principal(), w.settings());
    // One decision, one home: checked with the decision locked by move_in, so two activations can't race.
    if repo::other_active_lease_of_decision(tx, &principal.municipality, lease.decision_id, lease.id).await? {
        return Err(ApiError::conflict("another lease executing the decision is active; end it first"));
    }
    // Enough planned follow-ups for a Bostad Först takeover, whatever number is configured.
    let planned = settings.housing_first_takeover_follow_ups.max(4);
    let schedule = follow_up_schedule(moved_in_on, settings.follow_up_interval_months, planned);
    follow_ups::insert_follow_ups(tx, &principal.municipality, lease.id, &schedule, true).await?;
    apartments::set_status(tx, &principal.municipality, lease.apartment_id, ApartmentStatus::Let, None).await?;
    lease.status = LeaseStatus::Active;
    lease.activated_on = Some(moved_in_on);
    Ok(())
}

/// The lease ends (an offer is withdrawn before it began).
pub(crate) async fn end(w: &Work<'_>, lease: &mut StoredLease, ended_on: Date, reason: String) -> Result<(), ApiError> {
    match lease.status {
        LeaseStatus::Offered => lease.ends_on = Some(lease.starts_on),
        LeaseStatus::Active => {
            if ended_on <= lease.starts_on {
                return Err(ApiError::invalid("ended_on", "must be after the start"));
            }
            lease.ends_on = Some(ended_on);
        }
        LeaseStatus::Ended | LeaseStatus::TakenOver => {
            return Err(ApiError::conflict("the lease is already ended or taken over"));
        }
    }
    lease.status = LeaseStatus::Ended;
    lease.end_reason = Some(reason);
    settle_apartment_status(w, lease).await
}

/// The person declined the offer on `declined_on`.
pub(crate) async fn decline(
    w: &mut Work<'_>,
    lease: &mut StoredLease,
    declined_on: Date,
    reason: Option<String>,
) -> Result<(), ApiError> {
    if lease.status != LeaseStatus::Offered {
        return Err(ApiError::conflict("only an offered lease can be declined"));
    }
    if let Some(offer_id) = lease.offer_id {
        let municipality = w.principal().municipality.clone();
        let tenants = tenants_scope(&municipality);
        leasing::decline_lease_offer(w, &tenants, lease.decision_id, offer_id, declined_on).await?;
    }
    lease.status = LeaseStatus::Ended;
    lease.ends_on = Some(lease.starts_on);
    lease.end_reason = Some(reason.unwrap_or_else(|| "Declined by the person".to_owned()));
    settle_apartment_status(w, lease).await
}

/// The tenant takes over the first-hand lease on `taken_over_on`.
pub(crate) async fn take_over(w: &Work<'_>, lease: &mut StoredLease, taken_over_on: Date) -> Result<(), ApiError> {
    if lease.status != LeaseStatus::Active {
        return Err(ApiError::conflict("only an active lease can be taken over"));
    }
    if taken_over_on <= lease.starts_on {
        return Err(ApiError::invalid("taken_over_on", "must be after the start"));
    }
    // Rent due up to today counts, whatever date the takeover is recorded for.
    let answers = takeover_checks(w, &[(lease.id, lease.kind)], taken_over_on, today()).await?;
    answers
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound("lease"))?
        .map_err(|refusal| ApiError::conflict(refusal.to_string()))?;
    let (tx, municipality) = (w.tx(), &w.principal().municipality);
    if !repo::open_leases_of_apartment(tx, municipality, lease.apartment_id, lease.id).await?.is_empty() {
        return Err(ApiError::conflict("another sublet of the apartment is offered; end it first"));
    }
    lease.status = LeaseStatus::TakenOver;
    lease.taken_over_on = Some(taken_over_on);
    Ok(apartments::set_status(tx, municipality, lease.apartment_id, ApartmentStatus::Transferred, None).await?)
}

/// Whether each lease of `leases` may be taken over on `on` by the takeover rule
/// (`model::may_take_over`): the follow-ups that count by then, the configured number required, and the
/// rent due up to `arrears_as_of`. The one place the rule meets the data: the takeover asks it of one
/// lease, the housing officer's list of many (in a few queries, whatever their number).
pub(crate) async fn takeover_checks(
    w: &Work<'_>,
    leases: &[(Uuid, LeaseKind)],
    on: Date,
    arrears_as_of: Date,
) -> Result<Vec<Result<(), TakeoverRefusal>>, ApiError> {
    let (tx, municipality) = (w.tx(), &w.principal().municipality);
    let ids: Vec<Uuid> = leases.iter().map(|(id, _)| *id).collect();
    let follow_ups = follow_ups::follow_ups_of_leases(tx, municipality, &ids).await?;
    let arrears = rent::arrears_of_leases(tx, municipality, &ids, arrears_as_of).await?;
    let required = w.settings().housing_first_takeover_follow_ups;
    Ok(leases
        .iter()
        .zip(arrears)
        .map(|((id, kind), arrears)| {
            let records: Vec<FollowUpRecord> =
                follow_ups.iter().filter(|(lease, _)| lease == id).map(|(_, f)| f.record()).collect();
            let held = follow_ups_counting_on(&records, on);
            model::may_take_over(*kind, held, required, arrears.balance_sek)
        })
        .collect())
}
