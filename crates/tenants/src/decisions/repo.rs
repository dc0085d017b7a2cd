//! SQL for decisions, their interruptions and offers. A decision is visible to a caller exactly when
//! its person is (municipality and district scope).

use std::collections::HashMap;

use hemvist_platform::db::GenericClient;
use jiff::civil::Date;
use tokio_postgres::Row;
use uuid::Uuid;

use super::ivo::Interruption;
use super::model::{Change, Intervention, Lifecycle, OfferResponse, Outcome};
use crate::people::model::Sex;
use crate::people::repo::{Scope, scoped, touch_person};

#[derive(Debug, Clone)]
pub struct StoredDecision {
    pub id: Uuid,
    pub person_id: Uuid,
    pub intervention: Intervention,
    pub legal_basis: Option<String>,
    pub district_code: Option<String>,
    pub applied_on: Date,
    pub decided_on: Option<Date>,
    pub outcome: Option<Outcome>,
    pub reasons: Option<String>,
    pub appeal_information: Option<String>,
    pub child_perspective: Option<String>,
    pub executed_on: Option<Date>,
    pub closed_on: Option<Date>,
    pub closing_reason: Option<String>,
    pub delay_reasons: Option<String>,
    pub interim_help: Option<String>,
    pub version: i32,
    pub interruptions: Vec<StoredInterruption>,
    pub offers: Vec<StoredOffer>,
}

impl StoredDecision {
    pub fn lifecycle(&self) -> Lifecycle {
        Lifecycle {
            applied_on: Some(self.applied_on),
            decided_on: self.decided_on,
            outcome: self.outcome,
            executed_on: self.executed_on,
            closed_on: self.closed_on,
            open_interruption: self.interruptions.iter().find(|i| i.resumed_on.is_none()).map(|i| i.interrupted_on),
            last_resumed_on: self.interruptions.iter().filter_map(|i| i.resumed_on).max(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct StoredInterruption {
    pub id: Uuid,
    pub interrupted_on: Date,
    pub reason: String,
    pub resumed_on: Option<Date>,
}

#[derive(Debug, Clone)]
pub struct StoredOffer {
    pub id: Uuid,
    pub offered_on: Date,
    pub description: String,
    pub response: OfferResponse,
    pub responded_on: Option<Date>,
}

/// Decisions whose person is visible to the scope (parameters as in `people::repo::scoped`).
fn scoped_decision(staff: usize) -> String {
    format!(
        "d.municipality_code = $1 AND EXISTS (SELECT 1 FROM people p WHERE p.id = d.person_id AND {})",
        scoped(staff)
    )
}

fn decision_from_row(row: &Row) -> Result<StoredDecision, tokio_postgres::Error> {
    Ok(StoredDecision {
        id: row.try_get("id")?,
        person_id: row.try_get("person_id")?,
        intervention: row.try_get("intervention")?,
        legal_basis: row.try_get("legal_basis")?,
        district_code: row.try_get("district_code")?,
        applied_on: row.try_get("applied_on")?,
        decided_on: row.try_get("decided_on")?,
        outcome: row.try_get("outcome")?,
        reasons: row.try_get("reasons")?,
        appeal_information: row.try_get("appeal_information")?,
        child_perspective: row.try_get("child_perspective")?,
        executed_on: row.try_get("executed_on")?,
        closed_on: row.try_get("closed_on")?,
        closing_reason: row.try_get("closing_reason")?,
        delay_reasons: row.try_get("delay_reasons")?,
        interim_help: row.try_get("interim_help")?,
        version: row.try_get("version")?,
        interruptions: Vec::new(),
        offers: Vec::new(),
    })
}

/// A new application.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub intervention: Intervention,
    pub legal_basis: Option<String>,
    pub district_code: Option<String>,
    pub applied_on: Date,
    pub child_perspective: Option<String>,
}

pub async fn insert_application(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    person_id: Uuid,
    new: &NewApplication,
) -> Result<Uuid, tokio_postgres::Error> {
    let row = client
        .query_one(
            "INSERT INTO decisions (municipality_code, person_id, intervention, legal_basis, district_code, applied_on,
                 child_perspective)
             SELECT $1, $2, $3, $4, COALESCE($5, p.responsible_district_code), $6, $7
               FROM people p WHERE p.municipality_code = $1 AND p.id = $2
             RETURNING id",
            &[
                &scope.municipality.as_str(),
                &person_id,
                &new.intervention,
                &new.legal_basis,
                &new.district_code,
                &new.applied_on,
                &new.child_perspective,
            ],
        )
        .await?;
    touch_person(client, scope.municipality, person_id).await?;
    row.try_get(0)
}

/// The decision with its interruptions and offers; `lock` takes a row lock for a change.
pub async fn find_decision(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    id: Uuid,
    lock: bool,
) -> Result<Option<StoredDecision>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT d.* FROM decisions d WHERE {} AND d.id = $3{}",
        scoped_decision(4),
        if lock { " FOR UPDATE OF d" } else { "" }
    );
    let statement = client.prepare_cached(&sql).await?;
    let Some(row) =
        client.query_opt(&statement, &[&scope.municipality.as_str(), &scope.districts, &id, &scope.staff]).await?
    else {
        return Ok(None);
    };
    let mut decision = decision_from_row(&row)?;
    load_children(client, scope, std::slice::from_mut(&mut decision)).await?;
    Ok(Some(decision))
}

pub async fn list_for_person(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    person_id: Uuid,
) -> Result<Vec<StoredDecision>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT d.* FROM decisions d WHERE {} AND d.person_id = $3 ORDER BY d.applied_on, d.id",
        scoped_decision(4)
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows =
        client.query(&statement, &[&scope.municipality.as_str(), &scope.districts, &person_id, &scope.staff]).await?;
    let mut decisions = rows.iter().map(decision_from_row).collect::<Result<Vec<_>, _>>()?;
    load_children(client, scope, &mut decisions).await?;
    Ok(decisions)
}

/// Fills in interruptions and offers for `decisions` with two queries.
pub async fn load_children(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    decisions: &mut [StoredDecision],
) -> Result<(), tokio_postgres::Error> {
    let ids: Vec<Uuid> = decisions.iter().map(|d| d.id).collect();
    let (interruptions, offers) = children(client, scope, &ids, None).await?;
    hand_out(decisions, &ids, interruptions, |d, interruption| d.interruptions.push(interruption));
    hand_out(decisions, &ids, offers, |d, offer| d.offers.push(offer));
    Ok(())
}

/// Gives each child (with its decision's id) to its decision: `items[i]` is the decision `ids[i]`.
fn hand_out<T, C>(items: &mut [T], ids: &[Uuid], children: Vec<(Uuid, C)>, mut give: impl FnMut(&mut T, C)) {
    let position: HashMap<Uuid, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    for (decision_id, child) in children {
        if let Some(item) = position.get(&decision_id).and_then(|&i| items.get_mut(i)) {
            give(item, child);
        }
    }
}

/// The interruptions (by date) and the offers (by date; made on or before `offered_by` when given) of
/// the decisions `ids`, each with its decision's id.
#[allow(clippy::type_complexity)]
async fn children(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    ids: &[Uuid],
    offered_by: Option<Date>,
) -> Result<(Vec<(Uuid, StoredInterruption)>, Vec<(Uuid, StoredOffer)>), tokio_postgres::Error> {
    if ids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let municipality = scope.municipality.as_str();
    let interruptions = client
        .query(
            "SELECT decision_id, id, interrupted_on, reason, resumed_on FROM decision_interruptions
             WHERE municipality_code = $1 AND decision_id = ANY($2) ORDER BY interrupted_on",
            &[&municipality, &ids],
        )
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get(0)?,
                StoredInterruption {
                    id: row.try_get(1)?,
                    interrupted_on: row.try_get(2)?,
                    reason: row.try_get(3)?,
                    resumed_on: row.try_get(4)?,
                },
            ))
        })
        .collect::<Result<Vec<_>, tokio_postgres::Error>>()?;
    let offers = client
        .query(
            "SELECT decision_id, id, offered_on, description, response, responded_on FROM decision_offers
             WHERE municipality_code = $1 AND decision_id = ANY($2) AND ($3::date IS NULL OR offered_on <= $3)
             ORDER BY offered_on, id",
            &[&municipality, &ids, &offered_by],
        )
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get(0)?,
                StoredOffer {
                    id: row.try_get(1)?,
                    offered_on: row.try_get(2)?,
                    description: row.try_get(3)?,
                    response: row.try_get(4)?,
                    responded_on: row.try_get(5)?,
                },
            ))
        })
        .collect::<Result<Vec<_>, tokio_postgres::Error>>()?;
    Ok((interruptions, offers))
}

/// Texts that go with a change.
#[derive(Debug, Clone, Default)]
pub struct ChangeTexts {
    pub reasons: Option<String>,
    pub appeal_information: Option<String>,
    pub interruption_reason: Option<String>,
    pub closing_reason: Option<String>,
    /// Recorded when deciding; keeps the one recorded with the application when absent.
    pub child_perspective: Option<String>,
}

/// Writes an already checked change of a locked decision.
pub async fn apply_change(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    decision: &StoredDecision,
    change: Change,
    texts: &ChangeTexts,
) -> Result<(), tokio_postgres::Error> {
    let m = scope.municipality.as_str();
    let id = decision.id;
    match change {
        Change::Decide { on, outcome } => {
            client
                .execute(
                    "UPDATE decisions SET decided_on = $3, outcome = $4, reasons = $5, appeal_information = $6,
                            child_perspective = COALESCE($7, child_perspective)
                     WHERE municipality_code = $1 AND id = $2",
                    &[&m, &id, &on, &outcome, &texts.reasons, &texts.appeal_information, &texts.child_perspective],
                )
                .await?;
        }
        Change::Execute { on } => {
            client
                .execute(
                    "UPDATE decisions SET executed_on = $3 WHERE municipality_code = $1 AND id = $2",
                    &[&m, &id, &on],
                )
                .await?;
        }
        Change::Interrupt { on } => {
            client
                .execute(
                    "INSERT INTO decision_interruptions (municipality_code, decision_id, interrupted_on, reason)
                     VALUES ($1, $2, $3, $4)",
                    &[&m, &id, &on, &texts.interruption_reason],
                )
                .await?;
        }
        Change::Resume { on } => {
            client
                .execute(
                    "UPDATE decision_interruptions SET resumed_on = $3
                     WHERE municipality_code = $1 AND decision_id = $2 AND resumed_on IS NULL",
                    &[&m, &id, &on],
                )
                .await?;
        }
        Change::Close { on } => {
            client
                .execute(
                    "UPDATE decisions SET closed_on = $3, closing_reason = $4 WHERE municipality_code = $1 AND id = $2",
                    &[&m, &id, &on, &texts.closing_reason],
                )
                .await?;
        }
    }
    bump(client, scope, decision).await
}

async fn bump(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    decision: &StoredDecision,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            "UPDATE decisions SET version = version + 1, updated_at = now() WHERE municipality_code = $1 AND id = $2",
            &[&scope.municipality.as_str(), &decision.id],
        )
        .await?;
    touch_person(client, scope.municipality, decision.person_id).await?;
    Ok(())
}

pub async fn update_delay_information(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    decision: &StoredDecision,
    delay_reasons: Option<&str>,
    interim_help: Option<&str>,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            "UPDATE decisions SET delay_reasons = $3, interim_help = $4 WHERE municipality_code = $1 AND id = $2",
            &[&scope.municipality.as_str(), &decision.id, &delay_reasons, &interim_help],
        )
        .await?;
    bump(client, scope, decision).await
}

pub async fn insert_offer(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    decision: &StoredDecision,
    offered_on: Date,
    description: &str,
) -> Result<Uuid, tokio_postgres::Error> {
    let row = client
        .query_one(
            "INSERT INTO decision_offers (municipality_code, decision_id, offered_on, description)
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[&scope.municipality.as_str(), &decision.id, &offered_on, &description],
        )
        .await?;
    bump(client, scope, decision).await?;
    row.try_get(0)
}

/// Records the answer to one of the decision's offers; false when it has no such offer.
pub async fn respond_to_offer(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    decision: &StoredDecision,
    offer_id: Uuid,
    response: OfferResponse,
    responded_on: Option<Date>,
) -> Result<bool, tokio_postgres::Error> {
    let updated = client
        .execute(
            "UPDATE decision_offers SET response = $4, responded_on = $5
             WHERE municipality_code = $1 AND decision_id = $2 AND id = $3",
            &[&scope.municipality.as_str(), &decision.id, &offer_id, &response, &responded_on],
        )
        .await?;
    if updated == 0 {
        return Ok(false);
    }
    bump(client, scope, decision).await?;
    Ok(true)
}

/// A granted decision with what the IVO report needs: its dates, texts, interruptions and the offers
/// made up to the quarter's end, and its person's sex and birth year.
#[derive(Debug, Clone)]
pub struct ReportCandidate {
    pub id: Uuid,
    pub person_id: Uuid,
    pub intervention: Intervention,
    pub district_code: Option<String>,
    pub decided_on: Date,
    pub executed_on: Option<Date>,
    pub closed_on: Option<Date>,
    pub closing_reason: Option<String>,
    pub delay_reasons: Option<String>,
    pub interim_help: Option<String>,
    pub interruptions: Vec<Interruption>,
    pub offers: Vec<StoredOffer>,
    pub sex: Sex,
    /// Known also when a samordningsnummer leaves out month and day.
    pub birth_year: Option<i16>,
}

/// Granted decisions that may have been late during a period ending `last_day`: decided on or
/// before it, and not closed before `first_day`. A district scope (and `district`) selects by the
/// decision's district, the committee that made it, not by where the person lives now. Offers are
/// those made on or before `last_day`.
pub async fn report_candidates(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    first_day: Date,
    last_day: Date,
    district: Option<&str>,
) -> Result<Vec<ReportCandidate>, tokio_postgres::Error> {
    // Not compiled (JIT): the partial indexes hold far fewer rows than the planner estimates, so it
    // would compile for longer (up to a second) than the query runs. For this transaction only.
    client.batch_execute("SET LOCAL jit = off").await?;
    let granted: Vec<Outcome> = Outcome::ALL.iter().copied().filter(|o| o.is_granted()).collect();
    // Prepared anew, so planned for this quarter's dates every time: a cached generic plan cannot know
    // how few rows a quarter reads.
    let rows = client
        .query(
            include_str!("report_candidates.sql"),
            &[&scope.municipality.as_str(), &scope.districts, &first_day, &last_day, &district, &granted],
        )
        .await?;
    let mut candidates = rows
        .iter()
        .map(|row| {
            Ok(ReportCandidate {
                id: row.try_get("id")?,
                person_id: row.try_get("person_id")?,
                intervention: row.try_get("intervention")?,
                district_code: row.try_get("district_code")?,
                decided_on: row.try_get("decided_on")?,
                executed_on: row.try_get("executed_on")?,
                closed_on: row.try_get("closed_on")?,
                closing_reason: row.try_get("closing_reason")?,
                delay_reasons: row.try_get("delay_reasons")?,
                interim_help: row.try_get("interim_help")?,
                interruptions: Vec::new(),
                offers: Vec::new(),
                sex: row.try_get("sex")?,
                birth_year: row.try_get("birth_year")?,
            })
        })
        .collect::<Result<Vec<_>, tokio_postgres::Error>>()?;
    let ids: Vec<Uuid> = candidates.iter().map(|c| c.id).collect();
    let (interruptions, offers) = children(client, scope, &ids, Some(last_day)).await?;
    hand_out(&mut candidates, &ids, interruptions, |c, stored| {
        c.interruptions.push(Interruption { interrupted_on: stored.interrupted_on, resumed_on: stored.resumed_on });
    });
    hand_out(&mut candidates, &ids, offers, |c, offer| c.offers.push(offer));
    Ok(candidates)
}

/// A granted decision not yet executed, with the name of its person (for the housing officer's list).
#[derive(Debug, Clone)]
pub struct AwaitingRow {
    pub decision: StoredDecision,
    pub given_name: String,
    pub family_name: String,
}

/// Granted decisions neither executed nor closed, oldest decision first (the nearest IVO date first),
/// at most `limit`; visible as their person is.
pub async fn awaiting_execution(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    limit: i64,
) -> Result<Vec<AwaitingRow>, tokio_postgres::Error> {
    let granted: Vec<Outcome> = Outcome::ALL.iter().copied().filter(|o| o.is_granted()).collect();
    let sql = format!(
        "SELECT d.*, pn.given_name, pn.family_name FROM decisions d
           JOIN people pn ON pn.municipality_code = d.municipality_code AND pn.id = d.person_id
          WHERE {} AND d.outcome = ANY($3) AND d.decided_on IS NOT NULL
            AND d.executed_on IS NULL AND d.closed_on IS NULL
            -- Spelled out so that decisions_granted_unexecuted (V21) serves the list in its order.
            AND d.outcome IN ('granted', 'partly_granted')
          ORDER BY d.decided_on, d.id LIMIT $5",
        scoped_decision(4)
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows = client
        .query(&statement, &[&scope.municipality.as_str(), &scope.districts, &granted, &scope.staff, &limit])
        .await?;
    rows.iter()
        .map(|row| {
            Ok(AwaitingRow {
                decision: decision_from_row(row)?,
                given_name: row.try_get("given_name")?,
                family_name: row.try_get("family_name")?,
            })
        })
        .collect()
}
