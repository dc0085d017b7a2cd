//! Background jobs of the server. Each is a query over stored state, so a restart simply runs it again,
//! and one instance at a time does the work (a PostgreSQL advisory lock held for the transaction).

use std::time::Duration;

use deadpool_postgres::Pool;
use hemvist_platform::MunicipalityCode;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// The advisory lock that lets one instance at a time release expired holds ("HEMVHOLD").
pub const HOLD_RELEASE_LOCK: i64 = 0x4845_4d56_484f_4c44;

/// One round of the hold-release job: in every municipality, beds whose hold expired without a
/// check-in are released as not collected (and audited). None when another instance is at it.
pub async fn release_expired_holds(pool: &Pool) -> anyhow::Result<Option<u64>> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    // Released with the transaction, so a crashed instance never keeps the others out.
    let locked: bool = tx.query_one("SELECT pg_try_advisory_xact_lock($1)", &[&HOLD_RELEASE_LOCK]).await?.try_get(0)?;
    if !locked {
        return Ok(None);
    }
    let mut released = 0;
    for row in tx.query("SELECT municipality_code FROM municipalities ORDER BY municipality_code", &[]).await? {
        let municipality = MunicipalityCode::parse(row.try_get::<_, &str>(0)?.trim())?;
        released += hemvist_shelter_beds::holds::release_expired_holds(&tx, &municipality, None).await?;
    }
    tx.commit().await?;
    Ok(Some(released))
}

/// Runs the hold-release job every `every` until the task is aborted; None when `every` is zero (off).
pub fn spawn_hold_release(pool: Pool, every: Duration) -> Option<JoinHandle<()>> {
    if every.is_zero() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match release_expired_holds(&pool).await {
                Ok(Some(released)) if released > 0 => tracing::info!(released, "hold release: beds not collected"),
                Ok(Some(_)) => {}
                Ok(None) => tracing::debug!("hold release: another instance holds the lock"),
                Err(error) => tracing::warn!("hold release failed, retried next round: {error:#}"),
            }
        }
    }))
}
