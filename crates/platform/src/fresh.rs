//! Fresh reads shared by many requests: a small value (a version number) that each request must read
//! from the database *after* it arrived, read once for all the requests waiting for it instead of
//! once each. A read already under way when a request arrives may have begun before a write that was
//! acknowledged just before the request, so that request waits for the next read: every caller gets
//! a value read after it asked, never an older one. Under load one read serves many requests; alone,
//! a request pays one read as before.
//!
//! The read runs in a task of its own, so a caller that goes away (a timeout, a closed connection)
//! never leaves the others waiting for a read nobody finishes.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use crate::ApiError;

/// At most this many keys are kept; past it the map starts over (a key costs one read to rebuild).
const MAX_KEYS: usize = 4096;

/// Shared fresh reads of small values (versions: an `i64`, or two read together) by key.
#[derive(Debug)]
pub struct FreshReads<T = i64> {
    reads: Mutex<HashMap<String, Arc<SharedRead<T>>>>,
}

impl<T> Default for FreshReads<T> {
    fn default() -> Self {
        Self { reads: Mutex::default() }
    }
}

impl<T: Clone + Send + 'static> FreshReads<T> {
    /// The value for `key`, read by `fetch` after this call began (possibly together with others).
    pub async fn read<F, Fut>(&self, key: &str, fetch: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ApiError>> + Send + 'static,
    {
        let shared = {
            let mut reads = self.reads.lock().unwrap_or_else(PoisonError::into_inner);
            if reads.len() >= MAX_KEYS && !reads.contains_key(key) {
                reads.clear();
            }
            reads.entry(key.to_owned()).or_default().clone()
        };
        shared.read(fetch).await
    }
}

/// One key's reads: how many were started, whether one is under way, and the newest finished one.
#[derive(Debug)]
struct SharedRead<T> {
    state: Mutex<ReadState<T>>,
    finished: Notify,
}

impl<T> Default for SharedRead<T> {
    fn default() -> Self {
        Self { state: Mutex::new(ReadState { started: 0, running: false, latest: None }), finished: Notify::new() }
    }
}

#[derive(Debug)]
struct ReadState<T> {
    started: u64,
    running: bool,
    /// The newest finished read: its number and what it gave (an error is shared too: a database
    /// that is down answers everybody waiting at once, not one after another).
    latest: Option<(u64, Result<T, Failure>)>,
}

#[derive(Debug, Clone)]
struct Failure {
    unavailable: bool,
    cause: String,
}

impl Failure {
    fn of(error: &ApiError) -> Self {
        Self { unavailable: matches!(error, ApiError::Unavailable(_)), cause: error.to_string() }
    }

    fn to_error(&self) -> ApiError {
        if self.unavailable {
            ApiError::Unavailable(self.cause.clone())
        } else {
            ApiError::internal(self.cause.clone())
        }
    }
}

impl<T: Clone + Send + 'static> SharedRead<T> {
    fn lock(&self) -> MutexGuard<'_, ReadState<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn read<F, Fut>(self: Arc<Self>, fetch: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ApiError>> + Send + 'static,
    {
        // The first read that can serve this caller is the next one to start: one under way now may
        // have begun before the caller's last write was acknowledged.
        let needed = self.lock().started + 1;
        let mut fetch = Some(fetch);
        loop {
            let finished = self.finished.notified();
            tokio::pin!(finished);
            // Registered before the state is looked at, so a read finishing in between still wakes us.
            finished.as_mut().enable();
            {
                let mut state = self.lock();
                if let Some((number, result)) = &state.latest
                    && *number >= needed
                {
                    return result.clone().map_err(|failure| failure.to_error());
                }
                if !state.running
                    && let Some(fetch) = fetch.take()
                {
                    // The read is made before anything is marked, and its publisher before it is spawned:
                    // a panic here, or a task dropped unpolled, still clears `running` and wakes everyone.
                    let read = fetch();
                    state.running = true;
                    state.started += 1;
                    let mut publish = Publish { read: self.clone(), number: state.started, result: None };
                    tokio::spawn(async move { publish.answer(read.await) });
                }
            }
            finished.await;
        }
    }
}

/// Publishes a read's outcome when its task ends, also when the task ends by panicking.
struct Publish<T: Clone + Send + 'static> {
    read: Arc<SharedRead<T>>,
    number: u64,
    result: Option<Result<T, ApiError>>,
}

impl<T: Clone + Send + 'static> Publish<T> {
    /// The read's answer, published when `self` is dropped right after.
    fn answer(&mut self, result: Result<T, ApiError>) {
        self.result = Some(result);
    }
}

impl<T: Clone + Send + 'static> Drop for Publish<T> {
    fn drop(&mut self) {
        let outcome = match self.result.take() {
            Some(Ok(value)) => Ok(value),
            Some(Err(error)) => Err(Failure::of(&error)),
            None => Err(Failure { unavailable: false, cause: "a shared read ended without an answer".into() }),
        };
        {
            let mut state = self.read.lock();
            state.running = false;
            if state.latest.as_ref().is_none_or(|(number, _)| *number < self.number) {
                state.latest = Some((self.number, outcome));
            }
        }
        self.read.finished.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    use super::*;

    /// The value a read sees: the store's value when the read *begins*, as a database snapshot would.
    async fn slow_read(store: Arc<AtomicI64>, reads: Arc<AtomicI64>) -> Result<i64, ApiError> {
        reads.fetch_add(1, Ordering::SeqCst);
        let seen = store.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok(seen)
    }

    #[tokio::test]
    async fn a_caller_never_gets_a_value_read_before_it_asked() {
        let fresh = Arc::new(FreshReads::default());
        let (store, reads) = (Arc::new(AtomicI64::new(1)), Arc::new(AtomicI64::new(0)));
        // A read starts and sees 1; then a write (2) is acknowledged; then a second caller asks
        // while the first read is still under way: it must get 2, not the first read's 1.
        let first = {
            let (fresh, store, reads) = (fresh.clone(), store.clone(), reads.clone());
            tokio::spawn(async move { fresh.read("k", || slow_read(store, reads)).await })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        store.store(2, Ordering::SeqCst);
        let second = fresh.read("k", || slow_read(store.clone(), reads.clone())).await.ok();
        assert_eq!(first.await.ok().and_then(Result::ok), Some(1));
        assert_eq!(second, Some(2));
    }

    #[tokio::test]
    async fn callers_waiting_together_share_one_read() {
        let fresh = Arc::new(FreshReads::default());
        let (store, reads) = (Arc::new(AtomicI64::new(7)), Arc::new(AtomicI64::new(0)));
        let callers: Vec<_> = (0..50)
            .map(|_| {
                let (fresh, store, reads) = (fresh.clone(), store.clone(), reads.clone());
                tokio::spawn(async move { fresh.read("k", || slow_read(store, reads)).await.ok() })
            })
            .collect();
        for caller in callers {
            assert_eq!(caller.await.ok().flatten(), Some(7));
        }
        // 50 callers, at most two reads: the one they found under way (or the first) and the next.
        assert!(reads.load(Ordering::SeqCst) <= 2, "{} reads", reads.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_caller_that_goes_away_does_not_strand_the_others() {
        let fresh = Arc::new(FreshReads::default());
        let (store, reads) = (Arc::new(AtomicI64::new(3)), Arc::new(AtomicI64::new(0)));
        let leader = {
            let (fresh, store, reads) = (fresh.clone(), store.clone(), reads.clone());
            tokio::spawn(async move { fresh.read("k", || slow_read(store, reads)).await })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        leader.abort();
        let answer = tokio::time::timeout(Duration::from_secs(2), fresh.read("k", || slow_read(store, reads))).await;
        assert_eq!(answer.ok().and_then(Result::ok), Some(3));
    }

    #[tokio::test]
    async fn a_failed_read_answers_everyone_waiting_for_it() {
        let fresh = FreshReads::default();
        let failed = fresh.read("k", || async { Err(ApiError::Unavailable("down".into())) }).await;
        assert!(matches!(failed, Err(ApiError::Unavailable(_))));
        // The next caller reads again rather than being given the old failure.
        assert_eq!(fresh.read("k", || async { Ok(5) }).await.ok(), Some(5));
    }
}
