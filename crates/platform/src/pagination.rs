//! Cursor pagination: a page holds at most `limit` items and an opaque `next_cursor` that encodes the
//! sort key of its last item, so pages stay stable while rows are added.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ApiError;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// `?limit=&cursor=` of every list endpoint.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, as given (base64url); any other value is a 400.
    #[param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

/// A page request, validated.
#[derive(Debug, Clone)]
pub struct PageRequest<K> {
    pub limit: u32,
    /// Sort key of the last item already seen.
    pub after: Option<K>,
}

impl PageParams {
    pub fn parse<K: DeserializeOwned>(&self) -> Result<PageRequest<K>, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid("limit", format!("must be between 1 and {MAX_LIMIT}")));
        }
        let after = self.cursor.as_deref().map(decode_cursor).transpose()?;
        Ok(PageRequest { limit, after })
    }
}

impl<K> PageRequest<K> {
    /// Rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        i64::from(self.limit) + 1
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` fetched rows; `key` gives the sort key of an item.
    pub fn from_rows<K: Serialize>(mut rows: Vec<T>, limit: u32, key: impl Fn(&T) -> K) -> Result<Self, ApiError> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| encode_cursor(&key(last))).transpose()?
        } else {
            None
        };
        Ok(Self { items: rows, next_cursor })
    }
}

fn encode_cursor<K: Serialize>(key: &K) -> Result<String, ApiError> {
    let json = serde_json::to_vec(key).map_err(ApiError::internal)?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

fn decode_cursor<K: DeserializeOwned>(cursor: &str) -> Result<K, ApiError> {
    let invalid = || ApiError::invalid("cursor", "is not a cursor this list gave out");
    let json = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    serde_json::from_slice(&json).map_err(|_| invalid())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn page_sets_cursor_only_when_more_rows() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| *n).unwrap();
        assert_eq!(page.items, vec![1, 2]);
        let cursor = page.next_cursor.unwrap();
        let params = PageParams { limit: Some(2), cursor: Some(cursor) };
        assert_eq!(params.parse::<i32>().unwrap().after, Some(2));
        let last = Page::from_rows(vec![1, 2], 2, |n| *n).unwrap();
        assert!(last.next_cursor.is_none());
    }

    #[test]
    fn rejects_bad_limit_and_cursor() {
        assert!(PageParams { limit: Some(0), cursor: None }.parse::<i32>().is_err());
        assert!(PageParams { limit: Some(201), cursor: None }.parse::<i32>().is_err());
        assert!(PageParams { limit: None, cursor: Some("!!".into()) }.parse::<i32>().is_err());
    }
}
