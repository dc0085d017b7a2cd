//! Background jobs of the server. Each is a query over stored state, so a restart simply runs it again,
//! and one instance at a time does the work (a PostgreSQL advisory lock held for the transaction).

use std::time::Duration;

use deadpool_postgres::Pool;
use hemvist_platform::MunicipalityCode;
use hemvist_platform::settings::Settings;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// The advisory lock that lets one instance at a time release expired holds ("HEMVHOLD").
pub const HOLD_RELEASE_LOCK: i64 = 0x4845_4d56_484f_4c44;
/// The advisory lock that lets one instance at a time delete closed web sessions ("HEMVSESS").
pub const SESSION_CLEANUP_LOCK: i64 = 0x4845_4d56_5345_5353;

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
        released += hemvist_shelter_beds::holds::release_expired_holds(&tx, &municipality, None).await?.unwrap_or(0);
    }
    tx.commit().await?;
    Ok(Some(released))
}

/// One round of the session cleanup: web sessions that are signed out, idle too long or past their
/// maximum are deleted, and then the used or expired sign-in links no session refers to. Who signed
/// in when stays in the audit trail. None when another instance is at it.
pub async fn delete_closed_sessions(pool: &Pool, settings: &Settings) -> anyhow::Result<Option<(u64, u64)>> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let locked: bool =
        tx.query_one("SELECT pg_try_advisory_xact_lock($1)", &[&SESSION_CLEANUP_LOCK]).await?.try_get(0)?;
    if !locked {
        return Ok(None);
    }
    let deleted = hemvist_web::sessions::delete_closed(&tx, settings).await?;
    tx.commit().await?;
    Ok(Some(deleted))
}

/// Runs the hold-release job every `every` until the task is aborted; None when `every` is zero (off).
pub fn spawn_hold_release(pool: Pool, every: Duration) -> Option<JoinHandle<()>> {
    spawn_every(every, move || {
        let pool = pool.clone();
        async move {
            match release_expired_holds(&pool).await {
                Ok(Some(released)) if released > 0 => tracing::info!(released, "hold release: beds not collected"),
                Ok(Some(_)) => {}
                Ok(None) => tracing::debug!("hold release: another instance holds the lock"),
                Err(error) => tracing::warn!("hold release failed, retried next round: {error:#}"),
            }
        }
    })
}

/// Runs the session cleanup every `settings.session_cleanup_interval` until the task is aborted; None
/// when that is zero (off). Each round also forgets the failure limiter's addresses whose budget
/// refilled, so its maps stay small.
pub fn spawn_session_cleanup(
    pool: Pool,
    settings: Settings,
    auth: std::sync::Arc<hemvist_platform::state::AuthState>,
) -> Option<JoinHandle<()>> {
    spawn_every(settings.session_cleanup_interval, move || {
        let (pool, settings) = (pool.clone(), settings.clone());
        auth.failures.forget_old();
        async move {
            match delete_closed_sessions(&pool, &settings).await {
                Ok(Some((sessions, links))) if sessions + links > 0 => {
                    tracing::info!(sessions, links, "session cleanup: closed sessions and used links deleted");
                }
                Ok(Some(_)) => {}
                Ok(None) => tracing::debug!("session cleanup: another instance holds the lock"),
                Err(error) => tracing::warn!("session cleanup failed, retried next round: {error:#}"),
            }
        }
    })
}

/// Runs `round` every `every` (a late round is not made up for) until the task is aborted; None when
/// `every` is zero.
fn spawn_every<F, R>(every: Duration, mut round: R) -> Option<JoinHandle<()>>
where
    R: FnMut() -> F + Send + 'static,
    F: Future<Output = ()> + Send,
{
    if every.is_zero() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            round().await;
        }
    }))
}
