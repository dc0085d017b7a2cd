use std::sync::Arc;

use deadpool_postgres::Pool;

use crate::auth::TokenCache;
use crate::fresh::FreshReads;
use crate::jwt::JwtVerifier;
use crate::settings::Settings;
use crate::snapshot::Snapshots;
use crate::throttle::FailureLimiter;

/// What every handler gets: the database pool, the settings, what authentication keeps between
/// requests and the process's snapshots (bodies cached by the version of their data, e.g. the bed board).
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub auth: Arc<AuthState>,
    pub snapshots: Arc<Snapshots>,
    /// Version numbers read fresh, one read shared by the requests waiting at the same time.
    pub fresh: Arc<FreshReads>,
    /// Token-change stamps read together with a version a handler needs (`auth::VersionAlongside`).
    pub fresh_with_token: Arc<FreshReads<(i64, i64)>>,
}

/// Kept between requests: failures per client address, and the identity provider's keys.
pub struct AuthState {
    pub failures: FailureLimiter,
    /// Present when `HEMVIST_OIDC_ISSUER` is set.
    pub jwt: Option<JwtVerifier>,
    /// Opaque tokens looked up before, trusted while their municipality's tokens are unchanged.
    pub tokens: TokenCache,
}

impl AppState {
    pub fn new(pool: Pool, settings: Settings) -> Self {
        let auth = AuthState {
            failures: FailureLimiter::new(settings.auth_failures_per_minute, settings.trusted_proxies.clone()),
            jwt: settings.oidc.clone().map(JwtVerifier::new),
            tokens: TokenCache::default(),
        };
        Self {
            pool,
            settings: Arc::new(settings),
            auth: Arc::new(auth),
            snapshots: Arc::default(),
            fresh: Arc::default(),
            fresh_with_token: Arc::default(),
        }
    }
}
