//! Pool construction and the one way handlers get a connection.

pub use deadpool_postgres::GenericClient;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Timeouts};
use std::time::Duration;

use crate::{ApiError, AppState};

/// A pool over `config` that fails fast (503) instead of queueing forever when PostgreSQL is away.
/// A connection whose socket closed (the server died, or a failover ended it) is never handed out
/// again: `Fast` recycling checks that, and a fresh connection goes through `config`'s hosts anew, so
/// with `target_session_attrs=read-write` it finds the new primary by itself.
pub fn pool(config: tokio_postgres::Config, size: usize) -> Result<Pool, deadpool_postgres::BuildError> {
    // A new connection may try every host in turn, each for up to `connect_timeout`: give it that long.
    let hosts = u32::try_from(config.get_hosts().len()).unwrap_or(1).max(1);
    let create = config
        .get_connect_timeout()
        .copied()
        .map_or(Duration::from_secs(5), |each| (each * hosts + Duration::from_secs(1)).max(Duration::from_secs(5)));
    let manager =
        Manager::from_config(config, tokio_postgres::NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager)
        .max_size(size)
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .timeouts(Timeouts {
            wait: Some(Duration::from_secs(5)),
            create: Some(create),
            recycle: Some(Duration::from_secs(5)),
        })
        .build()
}

/// `config` for serving requests that may take at most `request_timeout`: PostgreSQL cancels a
/// statement running longer (`statement_timeout`), so a request the HTTP layer gave up on holds no
/// locks and burns no CPU on after its answer. Unless the URL says otherwise, a host reached over TCP
/// that does not answer is skipped after 3 s (`connect_timeout`), so a dead host of a multi-host URL
/// cannot stall new connections, and TCP keepalives find a silent peer within about 15 s, so a pooled
/// connection to a server that vanished without a word is closed instead of handed out.
pub fn with_request_limits(mut config: tokio_postgres::Config, request_timeout: Duration) -> tokio_postgres::Config {
    let millis = request_timeout.as_millis().max(1);
    let options = match config.get_options() {
        Some(existing) if !existing.trim().is_empty() => format!("{existing} -c statement_timeout={millis}"),
        _ => format!("-c statement_timeout={millis}"),
    };
    config.options(options);
    let over_tcp = config.get_hosts().iter().any(|host| matches!(host, tokio_postgres::config::Host::Tcp(_)));
    if over_tcp && config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(3));
    }
    // libpq's defaults (the kernel's: two hours idle) unless the URL set its own.
    if config.get_keepalives_idle() == Duration::from_secs(2 * 60 * 60) {
        config.keepalives_idle(Duration::from_secs(10));
    }
    if config.get_keepalives_interval().is_none() {
        config.keepalives_interval(Duration::from_secs(2));
    }
    if config.get_keepalives_retries().is_none() {
        config.keepalives_retries(2);
    }
    config
}

impl AppState {
    /// A connection from the pool; 503 when none can be had.
    pub async fn db(&self) -> Result<Object, ApiError> {
        Ok(self.pool.get().await?)
    }
}

/// A pooled connection lent to one unit of work. When the work is abandoned midway (the request
/// timed out, or the client went away) the statement still running is cancelled in PostgreSQL and the
/// connection is closed instead of going back to the pool: the open transaction rolls back, and the
/// cancel can never reach a statement of the next request that would have borrowed the connection.
pub(crate) struct Lent {
    client: Option<Object>,
}

impl Lent {
    pub(crate) fn new(client: Object) -> Self {
        Self { client: Some(client) }
    }

    pub(crate) fn client(&mut self) -> &mut Object {
        // Only `Drop` and `finish` take it out, and both consume the value.
        self.client.as_mut().unwrap_or_else(|| unreachable!("a lent connection is present until returned"))
    }

    /// The work ended: the connection goes back to the pool, unless `suspect` (a 503: the
    /// connection failed or its server stopped being writable), when it is closed.
    pub(crate) fn finish(mut self, suspect: bool) {
        if let Some(client) = self.client.take()
            && suspect
        {
            drop(Object::take(client));
        }
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let cancel = client.cancel_token();
        // Out of the pool for good: closed once the cancel went out.
        let detached = Object::take(client);
        runtime.spawn(async move {
            if let Err(error) = cancel.cancel_query(tokio_postgres::NoTls).await {
                tracing::warn!(%error, "could not cancel the statement of an abandoned request");
            }
            drop(detached);
        });
    }
}
