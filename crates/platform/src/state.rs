use std::sync::Arc;

use deadpool_postgres::Pool;

use crate::settings::Settings;
use crate::snapshot::Snapshots;

/// What every handler gets: the database pool, the settings and the process's snapshots (bodies
/// cached by the version of their data, e.g. the bed board).
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub snapshots: Arc<Snapshots>,
}

impl AppState {
    pub fn new(pool: Pool, settings: Settings) -> Self {
        Self { pool, settings: Arc::new(settings), snapshots: Arc::default() }
    }
}
