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

/// Credentials of one address under check at once, at most (a busy office behind one address
/// stays well under it; a flood sent all at once gets no more lookups under way than this).
pub const MAX_IN_FLIGHT: u32 = 32;

/// The failure budget of every client address.
pub struct FailureLimiter {
    limiter: DefaultKeyedRateLimiter<Option<IpAddr>>,
    /// Addresses over budget, until when: checked before any lookup.
    blocked: Mutex<HashMap<Option<IpAddr>, Instant>>,
    /// Credentials of each known address being checked right now: a burst sent all at once cannot
    /// get more than [`MAX_IN_FLIGHT`] lookups under way before its failures are counted.
    in_flight: Mutex<HashMap<IpAddr, u32>>,
    max_in_flight: u32,
}

/// A credential of a known address being checked; counted until dropped.
pub struct Attempt<'a> {
    limiter: &'a FailureLimiter,
    address: Option<IpAddr>,
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let Some(address) = self.address else { return };
        let mut in_flight = self.limiter.in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = in_flight.get_mut(&address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                in_flight.remove(&address);
            }
        }
    }
}

impl FailureLimiter {
    pub fn new(per_minute: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        FailureLimiter {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            blocked: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
            max_in_flight: MAX_IN_FLIGHT,
        }
    }

    /// Starts checking a credential: 429 when the address is over its budget, or already has
    /// [`MAX_IN_FLIGHT`] credentials under check. Requests whose address the server was not told (tests
    /// calling the router directly) are not held to the second rule.
    pub fn attempt(&self, address: Option<IpAddr>) -> Result<Attempt<'_>, ApiError> {
        self.check(address)?;
        if let Some(ip) = address {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let count = in_flight.entry(ip).or_default();
            if *count >= self.max_in_flight {
                return Err(too_many(Duration::from_secs(1)));
            }
            *count += 1;
        }
        Ok(Attempt { limiter: self, address })
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
                    self.limiter.retain_recent();
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
        assert!(
            matches!(limiter.check(a), Err(ApiError::TooManyRequests { retry_after_secs }) if retry_after_secs >= 1)
        );
        assert!(limiter.check(b).is_ok());
        assert!(matches!(limiter.failed(b, ApiError::Unauthenticated), ApiError::Unauthenticated));
    }

    #[test]
    fn an_address_has_no_more_checks_under_way_than_its_budget() {
        let limiter = FailureLimiter::new(2);
        let a = Some(IpAddr::from([10, 0, 0, 1]));
        let mut under_way: Vec<_> = (0..MAX_IN_FLIGHT).map(|_| limiter.attempt(a)).collect();
        assert!(under_way.iter().all(Result::is_ok));
        assert!(matches!(limiter.attempt(a), Err(ApiError::TooManyRequests { .. })));
        let first = under_way.pop();
        drop(first);
        assert!(limiter.attempt(a).is_ok(), "one ended: room for another");
        let unknown: Vec<_> = (0..10).map(|_| limiter.attempt(None)).collect();
        assert!(unknown.iter().all(Result::is_ok), "an unknown address is not held to it");
    }
}
