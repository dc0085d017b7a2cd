//! What a lease does to the decision it executes, for the apartments crate: a lease offered is an offer
//! made on the decision (IVO asks for offers made), moving in executes the decision or resumes it when
//! interrupted, and a declined lease offer is a declined offer, which never closes the decision.
//!
//! Each function locks the decision, checks the change, applies it and audits it in the caller's unit
//! of work; the caller has checked its own role and passes the scope decisions are looked up in.

use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::db::GenericClient;
use hemvist_platform::night::today;
use hemvist_platform::{ApiError, Work};
use jiff::civil::Date;
use uuid::Uuid;

use super::model::{Change, Intervention, OfferResponse};
use super::repo::{self, ChangeTexts, StoredDecision};
use crate::people::repo::Scope;

/// The offer a lease made on its decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseOffer {
    pub decision_id: Uuid,
    /// The decision's person: the tenant.
    pub person_id: Uuid,
    pub offer_id: Uuid,
    /// The day the offer counts as made.
    pub offered_on: Date,
}

/// What moving in did to the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveIn {
    /// Not executed before: executed on the move-in day.
    Executed,
    /// Interrupted: resumed on the move-in day.
    Resumed,
    /// Already executed and running: nothing to change.
    AlreadyRunning,
}

async fn locked(client: &impl GenericClient, scope: &Scope<'_>, id: Uuid) -> Result<Option<StoredDecision>, ApiError> {
    Ok(repo::find_decision(client, scope, id, true).await?)
}

/// A lease about to be offered on a decision.
#[derive(Debug, Clone)]
pub struct LeaseOfferInput {
    pub decision_id: Uuid,
    /// The intervention the lease gives; the decision must be for it.
    pub intervention: Intervention,
    pub starts_on: Date,
    /// When the offer was made, if the caller knows.
    pub offered_on: Option<Date>,
    /// Goes to IVO with the offer: no address in it.
    pub description: String,
}

/// Records a lease offered on a decision as an offer made on it. The decision must be granted, open
/// and for the lease's intervention; `offered_on` defaults to the lease's start or today, whichever is
/// earlier, and never before the decision.
pub async fn offer_lease(w: &mut Work<'_>, scope: &Scope<'_>, input: &LeaseOfferInput) -> Result<LeaseOffer, ApiError> {
    let (offer, event) = offer_lease_event(w.tx(), scope, input).await?;
    w.audit(event);
    Ok(offer)
}

async fn offer_lease_event(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    input: &LeaseOfferInput,
) -> Result<(LeaseOffer, AuditEvent), ApiError> {
    let LeaseOfferInput { decision_id, intervention, starts_on, offered_on, ref description } = *input;
    let decision = locked(client, scope, decision_id)
        .await?
        .ok_or_else(|| ApiError::invalid("decision_id", "no such decision"))?;
    let lifecycle = decision.lifecycle();
    if !lifecycle.outcome.is_some_and(|o| o.is_granted()) || lifecycle.closed_on.is_some() {
        return Err(ApiError::conflict("the decision is not granted and open"));
    }
    if decision.intervention != intervention {
        return Err(ApiError::invalid("kind", format!("the decision is for {}", decision.intervention)));
    }
    let offered_on = match offered_on {
        Some(on) => {
            if on > today() {
                return Err(ApiError::invalid("offered_on", "must not be in the future"));
            }
            if lifecycle.decided_on.is_some_and(|decided| on < decided) {
                return Err(ApiError::invalid("offered_on", "must not be before the decision"));
            }
            on
        }
        // An offer is made before the lease starts, at the latest today; never before the decision.
        None => {
            let guess = starts_on.min(today());
            lifecycle.decided_on.map_or(guess, |decided| guess.max(decided))
        }
    };
    let offer_id = repo::insert_offer(client, scope, &decision, offered_on, description).await?;
    let event = AuditEvent::new(AuditAction::Update, "decision", Some(decision.id)).person(decision.person_id);
    let event = event.details(serde_json::json!({"offer_by_lease": offer_id}));
    Ok((LeaseOffer { decision_id: decision.id, person_id: decision.person_id, offer_id, offered_on }, event))
}

/// The tenant moved into the lease that executes decision `decision_id` on `moved_in_on`: the decision
/// is executed that day, or resumed that day when interrupted, and the lease's offer is accepted.
pub async fn move_in(
    w: &mut Work<'_>,
    scope: &Scope<'_>,
    decision_id: Uuid,
    offer_id: Option<Uuid>,
    lease_id: Uuid,
    moved_in_on: Date,
) -> Result<MoveIn, ApiError> {
    let (outcome, event) = move_in_event(w.tx(), scope, decision_id, offer_id, lease_id, moved_in_on).await?;
    w.audit(event);
    Ok(outcome)
}

async fn move_in_event(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    decision_id: Uuid,
    offer_id: Option<Uuid>,
    lease_id: Uuid,
    moved_in_on: Date,
) -> Result<(MoveIn, AuditEvent), ApiError> {
    let decision = locked(client, scope, decision_id).await?.ok_or(ApiError::NotFound("decision"))?;
    let lifecycle = decision.lifecycle();
    if lifecycle.closed_on.is_some() {
        return Err(ApiError::conflict("the decision is closed"));
    }
    let (change, outcome) = match (lifecycle.executed_on, lifecycle.open_interruption) {
        (None, _) => {
            if lifecycle.decided_on.is_some_and(|decided| moved_in_on < decided) {
                return Err(ApiError::invalid("moved_in_on", "must not be before the decision"));
            }
            (Some(Change::Execute { on: moved_in_on }), MoveIn::Executed)
        }
        (Some(_), Some(interrupted_on)) => {
            if moved_in_on < interrupted_on {
                return Err(ApiError::invalid(
                    "moved_in_on",
                    format!("must not be before the decision's interruption ({interrupted_on})"),
                ));
            }
            (Some(Change::Resume { on: moved_in_on }), MoveIn::Resumed)
        }
        (Some(_), None) => (None, MoveIn::AlreadyRunning),
    };
    if let Some(change) = change {
        lifecycle.check(change, today())?;
        repo::apply_change(client, scope, &decision, change, &ChangeTexts::default()).await?;
    }
    if let Some(offer_id) = offer_id {
        answer(client, scope, &decision, offer_id, OfferResponse::Accepted, moved_in_on, "moved_in_on").await?;
    }
    let what = match outcome {
        MoveIn::Executed => "executed",
        MoveIn::Resumed => "resumed",
        MoveIn::AlreadyRunning => "running",
    };
    let event = AuditEvent::new(AuditAction::Update, "decision", Some(decision.id)).person(decision.person_id);
    let event = event.details(serde_json::json!({"moved_in_by_lease": lease_id, "decision": what}));
    Ok((outcome, event))
}

/// The tenant declined the lease offered on decision `decision_id`: its offer is declined on
/// `declined_on`. The decision stays open (a declined offer never closes it).
pub async fn decline_lease_offer(
    w: &mut Work<'_>,
    scope: &Scope<'_>,
    decision_id: Uuid,
    offer_id: Uuid,
    declined_on: Date,
) -> Result<(), ApiError> {
    let event = decline_lease_offer_event(w.tx(), scope, decision_id, offer_id, declined_on).await?;
    w.audit(event);
    Ok(())
}

async fn decline_lease_offer_event(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    decision_id: Uuid,
    offer_id: Uuid,
    declined_on: Date,
) -> Result<AuditEvent, ApiError> {
    let decision = locked(client, scope, decision_id).await?.ok_or(ApiError::NotFound("decision"))?;
    answer(client, scope, &decision, offer_id, OfferResponse::Declined, declined_on, "declined_on").await?;
    let event = AuditEvent::new(AuditAction::Update, "decision", Some(decision.id)).person(decision.person_id);
    Ok(event.details(serde_json::json!({"declined_offer": offer_id})))
}

async fn answer(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    decision: &StoredDecision,
    offer_id: Uuid,
    response: OfferResponse,
    on: Date,
    field: &str,
) -> Result<(), ApiError> {
    let offer = decision.offers.iter().find(|o| o.id == offer_id).ok_or(ApiError::NotFound("offer"))?;
    if on < offer.offered_on {
        return Err(ApiError::invalid(field, format!("must not be before the offer was made ({})", offer.offered_on)));
    }
    if on > today() {
        return Err(ApiError::invalid(field, "must not be in the future"));
    }
    if !repo::respond_to_offer(client, scope, decision, offer_id, response, Some(on)).await? {
        return Err(ApiError::NotFound("offer"));
    }
    Ok(())
}
