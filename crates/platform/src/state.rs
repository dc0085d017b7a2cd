use std::sync::Arc;

use deadpool_postgres::Pool;

use crate::settings::Settings;

/// What every handler gets: the database pool and the settings.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
}

impl AppState {
    pub fn new(pool: Pool, settings: Settings) -> Self {
        Self { pool, settings: Arc::new(settings) }
    }
}
