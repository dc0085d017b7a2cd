//! Versioned in-process snapshots: a response body computed for one version of the data it shows,
//! served again while the database says the version is unchanged. The version is read on every
//! request (cheaply) and grows in the same transaction as any change, so a snapshot is never served
//! after a write that changed its data was acknowledged. A gzip copy is made once per snapshot, for
//! clients that accept it (a phone polling the board gets a tenth of the bytes).

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::http::{HeaderMap, header};
use bytes::Bytes;

/// At most this many snapshots are kept; past it the cache starts over (they are cheap to rebuild).
const MAX_ENTRIES: usize = 4096;

/// Snapshots by key (what was asked, by whom it is scoped), each for one version.
#[derive(Debug, Default)]
pub struct Snapshots {
    entries: Mutex<HashMap<String, (i64, Arc<Snapshot>)>>,
}

/// One body, and its gzip copy once somebody asked for it.
#[derive(Debug)]
pub struct Snapshot {
    body: Bytes,
    gzip: OnceLock<Bytes>,
}

impl Snapshot {
    pub fn new(body: Bytes) -> Arc<Self> {
        Arc::new(Self { body, gzip: OnceLock::new() })
    }

    pub fn body(&self) -> Bytes {
        self.body.clone()
    }

    /// The body gzip-compressed (fast level: made on a request's path, once per version).
    pub fn gzip(&self) -> Bytes {
        self.gzip
            .get_or_init(|| {
                let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                // Writing to a Vec cannot fail.
                let _ = encoder.write_all(&self.body);
                Bytes::from(encoder.finish().unwrap_or_default())
            })
            .clone()
    }
}

impl Snapshots {
    /// The snapshot stored for `key` if it was computed for `version`.
    pub fn get(&self, key: &str, version: i64) -> Option<Arc<Snapshot>> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.get(key).filter(|(v, _)| *v == version).map(|(_, snapshot)| snapshot.clone())
    }

    /// Stores `snapshot` for `key` at `version`, unless a newer version is stored already.
    pub fn put(&self, key: String, version: i64, snapshot: Arc<Snapshot>) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.get(&key).is_some_and(|(v, _)| *v > version) {
            return;
        }
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (version, snapshot));
    }
}

/// Whether the request's Accept-Encoding (RFC 9110 §12.5.3) accepts gzip: named, or `*`, with a
/// weight above zero.
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(text) = value.to_str() else { continue };
        for item in text.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let weight = parts
                .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            match coding.as_str() {
                "gzip" | "x-gzip" => gzip = Some(weight > 0.0),
                "*" => any = Some(weight > 0.0),
                _ => {}
            }
        }
    }
    gzip.or(any).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn a_snapshot_serves_only_its_version() {
        let snapshots = Snapshots::default();
        assert!(snapshots.get("board", 1).is_none());
        snapshots.put("board".into(), 2, Snapshot::new(Bytes::from_static(b"two")));
        assert_eq!(snapshots.get("board", 2).map(|s| s.body()).as_deref(), Some(&b"two"[..]));
        assert!(snapshots.get("board", 3).is_none());
        // An older body computed late never replaces a newer one.
        snapshots.put("board".into(), 1, Snapshot::new(Bytes::from_static(b"one")));
        assert_eq!(snapshots.get("board", 2).map(|s| s.body()).as_deref(), Some(&b"two"[..]));
        assert!(snapshots.get("board", 1).is_none());
    }

    #[test]
    fn the_gzip_copy_unpacks_to_the_body() {
        let body = Bytes::from(r#"[{"shelter":"Stadsmissionen","free":3}]"#.repeat(200));
        let snapshot = Snapshot::new(body.clone());
        let packed = snapshot.gzip();
        assert!(packed.len() < body.len() / 10, "{} bytes packed from {}", packed.len(), body.len());
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(&packed[..]).read_to_end(&mut unpacked).expect("gzip");
        assert_eq!(unpacked, body);
    }

    #[test]
    fn gzip_is_accepted_as_rfc_9110_weighs_it() {
        let accepts = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, value.parse().expect("header"));
            accepts_gzip(&headers)
        };
        assert!(accepts("gzip"));
        assert!(accepts("deflate, GZIP;q=0.5, br"));
        assert!(accepts("*"));
        assert!(accepts("br, *;q=0.1"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("gzip;q=0.0, *"));
        assert!(!accepts("identity"));
        assert!(!accepts("br, deflate"));
        assert!(!accepts("*;q=0"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
