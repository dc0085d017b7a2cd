//! Pool construction and the one way handlers get a connection.

pub use deadpool_postgres::GenericClient;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Timeouts};
use std::time::Duration;

use crate::{ApiError, AppState};

/// A pool over `config` that fails fast (503) instead of queueing forever when PostgreSQL is away.
pub fn pool(config: tokio_postgres::Config, size: usize) -> Result<Pool, deadpool_postgres::BuildError> {
    let manager =
        Manager::from_config(config, tokio_postgres::NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager)
        .max_size(size)
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .timeouts(Timeouts {
            wait: Some(Duration::from_secs(5)),
            create: Some(Duration::from_secs(5)),
            recycle: Some(Duration::from_secs(5)),
        })
        .build()
}

impl AppState {
    /// A connection from the pool; 503 when none can be had.
    pub async fn db(&self) -> Result<Object, ApiError> {
        Ok(self.pool.get().await?)
    }
}
