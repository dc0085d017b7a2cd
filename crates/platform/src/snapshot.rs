//! Versioned in-process snapshots: a response body computed for one version of the data it shows,
//! served again while the database says the version is unchanged. The version is read on every
//! request (cheaply) and grows in the same transaction as any change, so a snapshot is never served
//! after a write that changed its data was acknowledged.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;

/// At most this many snapshots are kept; past it the cache starts over (they are cheap to rebuild).
const MAX_ENTRIES: usize = 4096;

/// Snapshots by key (what was asked, by whom it is scoped), each for one version.
#[derive(Debug, Default)]
pub struct Snapshots {
    entries: Mutex<HashMap<String, (i64, Bytes)>>,
}

impl Snapshots {
    /// The body stored for `key` if it was computed for `version`.
    pub fn get(&self, key: &str, version: i64) -> Option<Bytes> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.get(key).filter(|(v, _)| *v == version).map(|(_, body)| body.clone())
    }

    /// Stores `body` for `key` at `version`, unless a newer version is stored already.
    pub fn put(&self, key: String, version: i64, body: Bytes) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.get(&key).is_some_and(|(v, _)| *v > version) {
            return;
        }
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (version, body));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_serves_only_its_version() {
        let snapshots = Snapshots::default();
        assert!(snapshots.get("board", 1).is_none());
        snapshots.put("board".into(), 2, Bytes::from_static(b"two"));
        assert_eq!(snapshots.get("board", 2).as_deref(), Some(&b"two"[..]));
        assert!(snapshots.get("board", 3).is_none());
        // An older body computed late never replaces a newer one.
        snapshots.put("board".into(), 1, Bytes::from_static(b"one"));
        assert_eq!(snapshots.get("board", 2).as_deref(), Some(&b"two"[..]));
        assert!(snapshots.get("board", 1).is_none());
    }
}
