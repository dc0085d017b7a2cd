//! Gallring: personal files are disposed of five years after the last entry, by the end of the
//! following year; people born on the 5th, 15th or 25th are kept for research, and a tenant still in
//! a city lease is not due. Disposal spans every domain's tables, which is why it lives here and not in
//! one domain crate. The audit trail keeps its events: they name a person only by a random id.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;
use uuid::Uuid;

/// Days of the month whose people are kept for research.
const RESEARCH_BIRTH_DAYS: [i8; 3] = [5, 15, 25];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisposalCase {
    pub municipality_code: String,
    pub person_id: Uuid,
    pub last_entry_on: Date,
    /// Five years after the last entry: from here the file may go.
    pub due_from: Date,
    /// The end of the year after that: the file must be gone by then.
    pub dispose_by: Date,
    /// Born on the 5th, 15th or 25th: kept for research, never disposed of.
    pub kept_for_research: bool,
}

/// Whether a file whose last entry was on `last_entry_on` is due on `as_of`, and its dates.
pub fn due_dates(last_entry_on: Date, as_of: Date) -> Option<(Date, Date)> {
    let due_from = last_entry_on.checked_add(5.years()).ok()?;
    let dispose_by = Date::new(due_from.year().checked_add(1)?, 12, 31).ok()?;
    (due_from <= as_of).then_some((due_from, dispose_by))
}

/// Whether the person is known to be born on a research day. A samordningsnummer may leave the day
/// unknown (day 60): such a person is not known to be born on the 5th, 15th or 25th, so the exception
/// does not apply and the file is disposed of like any other. A day known without its month counts.
pub fn kept_for_research(birth_day: Option<i8>) -> bool {
    birth_day.is_some_and(|day| RESEARCH_BIRTH_DAYS.contains(&day))
}

/// Every file due for disposal on `as_of`, with those kept for research flagged.
pub async fn cases(client: &tokio_postgres::Client, as_of: Date) -> anyhow::Result<Vec<DisposalCase>> {
    let mut found = Vec::new();
    for file in hemvist_tenants::api::gallring::files_due(client, as_of).await? {
        let Some((due_from, dispose_by)) = due_dates(file.last_entry_on, as_of) else { continue };
        found.push(DisposalCase {
            municipality_code: file.municipality_code,
            person_id: file.person_id,
            last_entry_on: file.last_entry_on,
            due_from,
            dispose_by,
            kept_for_research: kept_for_research(file.birth_day),
        });
    }
    Ok(found)
}

/// Disposes of the files due on `as_of` (not those kept for research), each in its own transaction,
/// and returns what went. Runs as the tables' owner.
pub async fn dispose(client: &mut tokio_postgres::Client, as_of: Date) -> anyhow::Result<Vec<DisposalCase>> {
    let mut disposed = Vec::new();
    for case in cases(client, as_of).await?.into_iter().filter(|c| !c.kept_for_research) {
        let tx = client.transaction().await?;
        tx.batch_execute("SET LOCAL hemvist.gallring = 'on'").await?;
        let (m, p) = (&case.municipality_code, &case.person_id);
        for statement in [
            "DELETE FROM guarantee_requests WHERE municipality_code = $1 AND person_id = $2",
            "DELETE FROM bed_assignments WHERE municipality_code = $1 AND person_id = $2",
            "DELETE FROM support_visits WHERE municipality_code = $1
               AND plan_id IN (SELECT id FROM support_plans WHERE municipality_code = $1 AND person_id = $2)",
            "DELETE FROM support_plan_versions WHERE municipality_code = $1
               AND plan_id IN (SELECT id FROM support_plans WHERE municipality_code = $1 AND person_id = $2)",
            "DELETE FROM support_plans WHERE municipality_code = $1 AND person_id = $2",
            "DELETE FROM leases WHERE municipality_code = $1 AND person_id = $2",
        ] {
            tx.execute(statement, &[m, p]).await?;
        }
        hemvist_tenants::api::gallring::dispose_of_person(&tx, m, *p).await?;
        tx.execute(
            "INSERT INTO audit_events (municipality_code, actor_role, action, resource_type, resource_id, person_id, details)
             VALUES ($1, 'system', 'delete', 'person', $2, $2, $3)",
            &[m, p, &serde_json::json!({"gallring": {"last_entry_on": case.last_entry_on.to_string(), "as_of": as_of.to_string()}})],
        )
        .await?;
        tx.commit().await?;
        disposed.push(case);
    }
    Ok(disposed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_years_then_by_the_end_of_the_following_year() {
        let last = Date::constant(2020, 3, 10);
        assert_eq!(due_dates(last, Date::constant(2025, 3, 9)), None);
        assert_eq!(
            due_dates(last, Date::constant(2025, 3, 10)),
            Some((Date::constant(2025, 3, 10), Date::constant(2026, 12, 31)))
        );
        // A leap day: five years on is the 28th.
        assert_eq!(
            due_dates(Date::constant(2020, 2, 29), Date::constant(2025, 2, 28)).map(|d| d.0),
            Some(Date::constant(2025, 2, 28))
        );
    }

    #[test]
    fn born_on_the_fifth_fifteenth_or_twentyfifth_are_kept() {
        for day in [5, 15, 25] {
            assert!(kept_for_research(Some(day)));
        }
        for day in [1, 4, 6, 14, 16, 24, 26, 31] {
            assert!(!kept_for_research(Some(day)));
        }
        // No birth date, or a samordningsnummer with day 60 (day unknown): not known to be a research day.
        assert!(!kept_for_research(None));
    }
}
