//! Failed sign-ins and unknown or invalid bearer tokens, counted per client address (governor's
//! GCRA: `HEMVIST_AUTH_FAILURES_PER_MINUTE` as a burst, refilled evenly). An address over its budget
//! gets 429 before anything is looked up, so a flood of bad tokens costs no database connection and
//! the pool stays free for real users; a good credential is never counted.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::ApiError;

/// The TCP peer's address (`ConnectInfo`), or None when the server was not told.
pub fn peer_address(parts: &Parts) -> Option<IpAddr> {
    parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>().map(|ConnectInfo(addr)| addr.ip())
}

/// `HEMVIST_TRUSTED_PROXIES`: the reverse proxies (addresses or CIDR blocks, comma or space
/// separated) whose `X-Forwarded-For` is believed. Default none: the TCP peer is the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut blocks = Vec::new();
        for item in raw.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()) {
            let (addr, prefix) = match item.split_once('/') {
                Some((addr, prefix)) => (addr, Some(prefix)),
                None => (item, None),
            };
            let addr: IpAddr = addr.parse().map_err(|_| format!("{item}: not an IP address or CIDR block"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or(format!("{item}: bad prefix length"))?,
                None => max,
            };
            blocks.push((addr, prefix));
        }
        Ok(TrustedProxies(blocks))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|(block, prefix)| match (canonical(*block), ip) {
            (IpAddr::V4(b), IpAddr::V4(a)) => {
                masked(u128::from(u32::from(b)), *prefix, 32) == masked(u128::from(u32::from(a)), *prefix, 32)
            }
            (IpAddr::V6(b), IpAddr::V6(a)) => {
                masked(u128::from(b), *prefix, 128) == masked(u128::from(a), *prefix, 128)
            }
            _ => false,
        })
    }

    /// The client: the peer, unless the peer is a trusted proxy; then the rightmost `X-Forwarded-For`
    /// entry that is not a trusted proxy (entries left of it may be forged by the client). When every
    /// entry is a trusted proxy, the leftmost one.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?;
        if !self.contains(peer) {
            return Some(peer);
        }
        let mut chain: Vec<IpAddr> = Vec::new();
        for value in headers.get_all("x-forwarded-for") {
            let Ok(value) = value.to_str() else { return Some(peer) };
            for entry in value.split(',') {
                match parse_forwarded(entry.trim()) {
                    Some(ip) => chain.push(ip),
                    // Something unreadable: nothing left of it can be trusted; the hop that wrote it is
                    // the last one known.
                    None => chain.clear(),
                }
            }
        }
        let mut client = peer;
        for ip in chain.into_iter().rev() {
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        Some(client)
    }
}

/// An `X-Forwarded-For` entry: an address, maybe with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse() {
        return Some(ip);
    }
    entry.parse::<std::net::SocketAddr>().ok().map(|s| s.ip())
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
    if prefix == 0 { 0 } else { bits >> (width - prefix) }
}

/// The key a client is counted under: an IPv4 address, or the /64 of an IPv6 one (one customer is
/// commonly given a whole /64, so single IPv6 addresses cost an attacker nothing).
pub fn budget_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        v4 => v4,
    }
}

/// Credentials of one address under check at once, at most: more wait their turn (they are not
/// refused, so an integration sending many requests at once is only queued for the short lookup), and a
/// flood sent all at once gets no more lookups under way than this.
pub const MAX_IN_FLIGHT: u32 = 32;

/// The failure budget of every client address.
pub struct FailureLimiter {
    limiter: DefaultKeyedRateLimiter<Option<IpAddr>>,
    /// Addresses over budget, until when: checked before any lookup.
    blocked: Mutex<HashMap<Option<IpAddr>, Instant>>,
    /// The turns of each known address with credentials being checked right now: a burst sent all at
    /// once cannot get more than [`MAX_IN_FLIGHT`] lookups under way before its failures are counted.
    /// An entry lives while someone holds or awaits a turn (clones are made under the lock).
    in_flight: Mutex<HashMap<IpAddr, Arc<Semaphore>>>,
    trusted: TrustedProxies,
}

/// A credential of a known address being checked; holds one of the address's turns until dropped.
pub struct Attempt<'a> {
    limiter: &'a FailureLimiter,
    turn: Option<(IpAddr, OwnedSemaphorePermit)>,
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let Some((address, permit)) = self.turn.take() else { return };
        let semaphore = permit.semaphore().clone();
        drop(permit);
        let mut in_flight = self.limiter.in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Only the map and this handle left: nobody holds or awaits a turn of this address.
        if Arc::strong_count(&semaphore) == 2 {
            in_flight.remove(&address);
        }
    }
}

impl FailureLimiter {
    pub fn new(per_minute: u32, trusted: TrustedProxies) -> Self {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        FailureLimiter {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            blocked: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
            trusted,
        }
    }

    /// The client a request is counted against (see [`TrustedProxies::client`]), by its budget key
    /// ([`budget_key`]); None when the server was not told the peer.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        self.trusted.client(peer, headers).map(budget_key)
    }

    /// [`Self::client`] of a request.
    pub fn client_of(&self, parts: &Parts) -> Option<IpAddr> {
        self.client(peer_address(parts), &parts.headers)
    }

    /// Forgets addresses whose block ended and budgets that refilled (called periodically, so the maps
    /// stay small however many addresses were seen).
    pub fn forget_old(&self) {
        let now = Instant::now();
        self.blocked.lock().unwrap_or_else(std::sync::PoisonError::into_inner).retain(|_, until| *until > now);
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// Starts checking a credential: 429 when the address is over its budget; when it already has
    /// [`MAX_IN_FLIGHT`] credentials under check, waits for one of them to end, then checks the budget
    /// again (the ones before may have used it up). Requests whose address the server was not told
    /// (tests calling the router directly) do not take turns.
    pub async fn attempt(&self, address: Option<IpAddr>) -> Result<Attempt<'_>, ApiError> {
        self.check(address)?;
        let Some(ip) = address else { return Ok(Attempt { limiter: self, turn: None }) };
        let semaphore = {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            in_flight.entry(ip).or_insert_with(|| Arc::new(Semaphore::new(MAX_IN_FLIGHT as usize))).clone()
        };
        // Never closed: acquiring fails only on a closed semaphore.
        let permit = semaphore.acquire_owned().await.map_err(|_| too_many(Duration::from_secs(1)))?;
        let attempt = Attempt { limiter: self, turn: Some((ip, permit)) };
        self.check(address)?;
        Ok(attempt)
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
        let limiter = FailureLimiter::new(3, TrustedProxies::default());
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
    fn behind_a_trusted_proxy_the_client_is_the_rightmost_untrusted_forwarded_address() {
        let trusted = TrustedProxies::parse("10.0.0.0/8,192.0.2.1").unwrap();
        let forwarded = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("x-forwarded-for", value.parse().unwrap());
            headers
        };
        let proxy = Some(IpAddr::from([10, 1, 1, 1]));
        let outside = Some(IpAddr::from([203, 0, 113, 5]));
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(trusted.client(proxy, &forwarded("1.1.1.1, 198.51.100.4, 192.0.2.1")), ip("198.51.100.4"));
        assert_eq!(trusted.client(proxy, &forwarded("198.51.100.4:5555")), ip("198.51.100.4"));
        assert_eq!(trusted.client(proxy, &HeaderMap::new()), proxy, "no header: the proxy itself");
        assert_eq!(trusted.client(outside, &forwarded("198.51.100.4")), outside, "not a proxy of ours");
        assert_eq!(TrustedProxies::default().client(proxy, &forwarded("198.51.100.4")), proxy);
        // IPv6 by its /64.
        assert_eq!(budget_key("2001:db8:1:2:3:4:5:6".parse().unwrap()), "2001:db8:1:2::".parse::<IpAddr>().unwrap());
    }

    #[tokio::test]
    async fn an_address_has_no_more_checks_under_way_than_its_turns_and_the_next_one_waits() {
        let limiter = FailureLimiter::new(2, TrustedProxies::default());
        let a = Some(IpAddr::from([10, 0, 0, 1]));
        let b = Some(IpAddr::from([10, 0, 0, 2]));
        let mut under_way = Vec::new();
        for _ in 0..MAX_IN_FLIGHT {
            under_way.push(limiter.attempt(a).await.unwrap());
        }
        let wait = Duration::from_millis(100);
        assert!(tokio::time::timeout(wait, limiter.attempt(a)).await.is_err(), "the next one waits, not refused");
        assert!(tokio::time::timeout(wait, limiter.attempt(b)).await.is_ok(), "another address has its own turns");
        under_way.pop();
        assert!(tokio::time::timeout(wait, limiter.attempt(a)).await.unwrap().is_ok(), "one ended: its turn");
        for _ in 0..10 {
            assert!(limiter.attempt(None).await.is_ok(), "an unknown address takes no turns");
        }
        drop(under_way);
        assert!(limiter.in_flight.lock().unwrap().is_empty(), "no turns held: nothing kept");
    }

    #[tokio::test]
    async fn a_waiting_check_is_refused_when_those_before_it_used_up_the_budget() {
        let limiter = FailureLimiter::new(1, TrustedProxies::default());
        let a = Some(IpAddr::from([10, 0, 0, 1]));
        let mut under_way = Vec::new();
        for _ in 0..MAX_IN_FLIGHT {
            under_way.push(limiter.attempt(a).await.unwrap());
        }
        let waiting = limiter.attempt(a);
        let (waited, ()) = tokio::join!(waiting, async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = limiter.failed(a, ApiError::Unauthenticated);
            let _ = limiter.failed(a, ApiError::Unauthenticated);
            under_way.clear();
        });
        assert!(matches!(waited, Err(ApiError::TooManyRequests { .. })));
    }
}
