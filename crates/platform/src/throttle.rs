//! Failed sign-ins and unknown or invalid bearer tokens, counted per client address (governor's
//! GCRA: `HEMVIST_AUTH_FAILURES_PER_MINUTE` as a burst, refilled evenly). An address over its budget
//! gets 429 before anything is looked up, so a flood of bad tokens costs no database connection and
//! the pool stays free for real users; a good credential is never counted.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::ApiError;

/// Where a request came from: the peer's address (`ConnectInfo`), or None when the server was not
/// told (then every such request shares one budget).
pub fn client_address(parts: &Parts) -> Option<IpAddr> {
    parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>().map(|ConnectInfo(addr)| addr.ip())
}

/// The failure budget of every client address.
pub struct FailureLimiter {
    limiter: DefaultKeyedRateLimiter<Option<IpAddr>>,
    /// Addresses over budget, until when: checked before any lookup.
    blocked: Mutex<HashMap<Option<IpAddr>, Instant>>,
}

impl FailureLimiter {
    pub fn new(per_minute: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        FailureLimiter { limiter: RateLimiter::keyed(Quota::per_minute(per_minute)), blocked: Mutex::new(HashMap::new()) }
    }

    /// 429 when the address is over its budget (nothing is counted).
    pub fn check(&self, address: Option<IpAddr>) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut blocked = self.blocked.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match blocked.get(&address) {
            Some(until) if *until > now => Err(too_many(*until - now)),
            Some(_) => {
                blocked.remove(&address);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Counts one failure of the address; the error to answer with: 429 once it is over its budget,
    /// else `failure`.
    pub fn failed(&self, address: Option<IpAddr>, failure: ApiError) -> ApiError {
        match self.limiter.check_key(&address) {
            Ok(()) => failure,
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let mut blocked = self.blocked.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                // Forget addresses whose block ended, so the map stays small.
                if blocked.len() > 10_000 {
                    let now = Instant::now();
                    blocked.retain(|_, until| *until > now);
                }
                blocked.insert(address, Instant::now() + wait);
                too_many(wait)
            }
        }
    }
}

fn too_many(wait: Duration) -> ApiError {
    ApiError::TooManyRequests { retry_after_secs: wait.as_secs().max(1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_over_its_budget_is_refused_and_others_are_not() {
        let limiter = FailureLimiter::new(3);
        let a = Some(IpAddr::from([10, 0, 0, 1]));
        let b = Some(IpAddr::from([10, 0, 0, 2]));
        for _ in 0..3 {
            assert!(limiter.check(a).is_ok());
            assert!(matches!(limiter.failed(a, ApiError::Unauthenticated), ApiError::Unauthenticated));
        }
        assert!(matches!(limiter.failed(a, ApiError::Unauthenticated), ApiError::TooManyRequests { .. }));
        assert!(matches!(limiter.check(a), Err(ApiError::TooManyRequests { retry_after_secs }) if retry_after_secs >= 1));
        assert!(limiter.check(b).is_ok());
        assert!(matches!(limiter.failed(b, ApiError::Unauthenticated), ApiError::Unauthenticated));
    }
}
