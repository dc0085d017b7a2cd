//! Sign-in secrets, session tokens, CSRF tokens and the session cookie: pure rules, no database.

use hemvist_platform::MunicipalityCode;
use hemvist_platform::auth::{Role, generate_token, hash_token};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "hemvist_session";
/// How long a sign-in link may wait to be used.
pub const LOGIN_LINK_HOURS: i64 = 24;
/// How long a session lasts: one shift and some.
pub const SESSION_HOURS: i64 = 12;

/// Who a sign-in link signs in: what an API token would carry.
#[derive(Debug, Clone)]
pub struct Grant {
    pub municipality: MunicipalityCode,
    pub role: Role,
    pub district_scope: Vec<String>,
    pub shelter_scope: Vec<Uuid>,
    pub staff_id: Option<String>,
}

/// A new random secret (256 bits) and the hash that is stored.
pub fn new_secret() -> (String, String) {
    let secret = generate_token();
    let hash = hash_token(&secret);
    (secret, hash)
}

/// The CSRF token of a session: derived from the session token, so it is per session, never stored,
/// and unknown to anyone who cannot read the HttpOnly cookie.
pub fn csrf_token(session_token: &str) -> String {
    hex::encode(Sha256::digest(format!("hemvist-csrf:{session_token}").as_bytes()))
}

/// Compares without stopping at the first difference.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of one cookie in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').map(str::trim).find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// The `Set-Cookie` value that stores a session; `Secure` when served over TLS.
pub fn session_cookie(token: &str, secure: bool) -> String {
    let max_age = SESSION_HOURS * 3600;
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}")
}

/// Only well-formed secrets (`hv_` and 64 hex digits) are looked up.
pub fn well_formed(secret: &str) -> bool {
    secret.len() == 67 && secret.starts_with("hv_") && secret[3..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_strict_and_secure_over_tls() {
        let plain = session_cookie("abc", false);
        assert!(plain.starts_with("hemvist_session=abc; Path=/;"));
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Strict") && !plain.contains("Secure"));
        assert!(session_cookie("abc", true).ends_with("; Secure"));
        assert!(clear_session_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        assert_eq!(cookie_value("a=1; hemvist_session=xyz; b=2", SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie_value("hemvist_session_old=1", SESSION_COOKIE), None);
        assert_eq!(cookie_value("", SESSION_COOKIE), None);
    }

    #[test]
    fn csrf_tokens_differ_per_session_and_compare_exactly() {
        let (a, b) = (csrf_token("one"), csrf_token("two"));
        assert_ne!(a, b);
        assert!(same_secret(&a, &csrf_token("one")));
        assert!(!same_secret(&a, &b));
        assert!(!same_secret(&a, &a[1..]));
    }

    #[test]
    fn only_well_formed_secrets_are_looked_up() {
        let (secret, _) = new_secret();
        assert!(well_formed(&secret));
        assert!(!well_formed("hv_zz"));
        assert!(!well_formed(&secret.replace("hv_", "xx_")));
    }
}
