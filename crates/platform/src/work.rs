//! The unit of work: the one shape of every handler that reads or writes personal data. It checks the
//! caller's role, opens a transaction, collects the audit events of what was done, writes them in one
//! statement and commits. Nothing is committed without its audit trail, and no handler opens a
//! transaction of its own. Later the event outbox plugs in at `commit`, in the same transaction.

use deadpool_postgres::Transaction;
use tokio_postgres::IsolationLevel;

use crate::audit::{self, AuditEvent};
use crate::auth::{Principal, Role};
use crate::db::Lent;
use crate::{ApiError, AppState};

/// A caller whose role was checked, ready to run one unit of work.
#[must_use = "a unit of work does nothing until it is run"]
pub struct UnitOfWork<'a> {
    state: &'a AppState,
    principal: &'a Principal,
}

impl AppState {
    /// 403 unless the caller's role is one of `allowed`; checked before the input is parsed, so a
    /// caller who may not do this learns nothing from validation errors.
    pub fn unit_of_work<'a>(&'a self, principal: &'a Principal, allowed: &[Role]) -> Result<UnitOfWork<'a>, ApiError> {
        principal.require(allowed)?;
        Ok(UnitOfWork { state: self, principal })
    }
}

impl<'a> UnitOfWork<'a> {
    /// Runs `work` in one transaction and commits it with its audit events; on an error nothing of it
    /// is kept (the transaction rolls back when dropped). Abandoned midway (the request timed out),
    /// its running statement is cancelled in PostgreSQL too (see [`Lent`]).
    pub async fn run<T>(self, work: impl AsyncFnOnce(&mut Work<'_>) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let mut lent = Lent::new(self.state.db().await?);
        let result = async {
            // READ COMMITTED, whatever the server's default: each statement sees what was committed
            // before it began, which the work relies on (a lock waited for, then a read that must see
            // what its holder committed). Said in the BEGIN itself, so it costs no round trip.
            let tx = lent.client().build_transaction().isolation_level(IsolationLevel::ReadCommitted).start().await?;
            let mut unit = Work { tx, principal: self.principal, settings: &self.state.settings, events: Vec::new() };
            let output = work(&mut unit).await?;
            unit.commit().await?;
            Ok(output)
        }
        .await;
        // After a lost connection or a server that went read-only, the next request gets a fresh one.
        lent.finish(matches!(result, Err(ApiError::Unavailable(_))));
        result
    }

    /// Runs `read` on a pooled connection without a transaction and without audit: only for reads of
    /// counts that show no personal data, whose statements are each consistent on their own (the bed
    /// board's version and counts). Saves the two round trips of BEGIN and COMMIT on the hottest read.
    pub async fn read_counts<T>(
        self,
        read: impl AsyncFnOnce(&deadpool_postgres::Object) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut lent = Lent::new(self.state.db().await?);
        let result = read(lent.client()).await;
        lent.finish(matches!(result, Err(ApiError::Unavailable(_))));
        result
    }
}

/// The open transaction of one unit of work, with who is doing it and what they did.
pub struct Work<'a> {
    tx: Transaction<'a>,
    principal: &'a Principal,
    settings: &'a crate::settings::Settings,
    events: Vec<AuditEvent>,
}

impl<'a> Work<'a> {
    /// The transaction, for repo functions (`&impl GenericClient`).
    pub fn tx(&self) -> &Transaction<'a> {
        &self.tx
    }

    /// The transaction, for repo functions that open a savepoint.
    pub fn tx_mut(&mut self) -> &mut Transaction<'a> {
        &mut self.tx
    }

    pub fn principal(&self) -> &Principal {
        self.principal
    }

    pub fn settings(&self) -> &crate::settings::Settings {
        self.settings
    }

    /// Records what was done; written with the work, at commit.
    pub fn audit(&mut self, event: AuditEvent) {
        self.events.push(event);
    }

    /// Writes `event` now, in this transaction, instead of at commit: sent together with the work's
    /// next statement, it costs no round trip of its own, and a write that holds a lock until commit
    /// does not hold it while the trail is written. An error rolls the whole work back, as at commit.
    pub async fn audit_now(&self, event: AuditEvent) -> Result<(), ApiError> {
        audit::record_batch(&self.tx, self.principal, std::slice::from_ref(&event)).await
    }

    /// Records many events at once (the people of a list page or a report).
    pub fn audit_all(&mut self, events: impl IntoIterator<Item = AuditEvent>) {
        self.events.extend(events);
    }

    async fn commit(self) -> Result<(), ApiError> {
        audit::record_batch(&self.tx, self.principal, &self.events).await?;
        // The seam for the event outbox: its rows go here, in the same transaction.
        self.tx.commit().await?;
        Ok(())
    }
}
