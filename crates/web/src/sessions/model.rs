//! Sign-in secrets, session tokens, CSRF tokens, the session cookie, when a session ends and what a
//! sign-in link may carry: pure rules, no database.

use std::time::Duration;

use hemvist_platform::auth::{Principal, Role, generate_token, hash_token};
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, MunicipalityCode, Validation};
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "hemvist_session";
/// How long a sign-in link may wait to be used.
pub const LOGIN_LINK_HOURS: i64 = 24;

/// Who a sign-in link signs in: what an API token would carry.
#[derive(Debug, Clone)]
pub struct Grant {
    pub municipality: MunicipalityCode,
    pub role: Role,
    pub district_scope: Vec<String>,
    pub shelter_scope: Vec<Uuid>,
    pub staff_id: Option<String>,
}

impl Grant {
    /// What any sign-in link must carry, whoever makes it: shelter staff sign in for a shelter, a
    /// support worker as a member of staff (they see only the people assigned to them), and an
    /// integration is a system, not staff (it gets an API token).
    pub fn check(&self) -> Result<(), ApiError> {
        let mut v = Validation::default();
        match self.role {
            Role::Integration => v.push("role", "an integration is a system: give it an API token, not a sign-in link"),
            Role::ShelterStaff if self.shelter_scope.is_empty() => {
                v.push("shelter_scope", "shelter staff sign in for a shelter: choose one")
            }
            Role::SupportWorker if self.staff_id.is_none() => {
                v.push("staff_id", "a support worker signs in as a member of staff: give the staff id")
            }
            _ => {}
        }
        if let Some(staff_id) = &self.staff_id {
            v.keep(clean_text("staff_id", staff_id, 100, false));
        }
        for code in &self.district_scope {
            v.keep(
                hemvist_geo::parse_district_code(code)
                    .map_err(|_| ApiError::invalid("district_scope", "district codes are 1-40 of a-z, 0-9 and '-'")),
            );
        }
        v.finish()
    }

    /// A link made by `maker` carries no more power than the maker has: the maker's municipality, and
    /// within the maker's districts and shelters when the maker is limited to some.
    pub fn within(&self, maker: &Principal) -> Result<(), ApiError> {
        if self.municipality != maker.municipality {
            return Err(ApiError::forbidden("a sign-in link only for your own municipality"));
        }
        let narrower = |granted: &[String], own: &[String]| {
            own.is_empty() || (!granted.is_empty() && granted.iter().all(|g| own.contains(g)))
        };
        if !narrower(&self.district_scope, &maker.district_scope) {
            return Err(ApiError::forbidden("a sign-in link only for districts you have yourself"));
        }
        let shelters_within = maker.shelter_scope.is_empty()
            || (!self.shelter_scope.is_empty() && self.shelter_scope.iter().all(|s| maker.shelter_scope.contains(s)));
        if !shelters_within {
            return Err(ApiError::forbidden("a sign-in link only for shelters you have yourself"));
        }
        Ok(())
    }
}

/// When a session ends: `idle` after it was last used, and at `expires_at` (its absolute maximum)
/// however busy it is.
pub fn session_ends_at(last_seen_at: Timestamp, expires_at: Timestamp, idle: Duration) -> Timestamp {
    let idle_end = SignedDuration::try_from(idle).ok().and_then(|idle| last_seen_at.checked_add(idle).ok());
    idle_end.map_or(expires_at, |idle_end| idle_end.min(expires_at))
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

/// The `Set-Cookie` value that stores a session for `max_age`; `Secure` when served over TLS. The
/// browser may keep it that long; the server closes the session sooner when it is idle.
pub fn session_cookie(token: &str, max_age: Duration, secure: bool) -> String {
    let max_age = max_age.as_secs();
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
        let twelve_hours = Duration::from_secs(12 * 3600);
        let plain = session_cookie("abc", twelve_hours, false);
        assert!(plain.starts_with("hemvist_session=abc; Path=/; Max-Age=43200;"), "{plain}");
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Strict") && !plain.contains("Secure"));
        assert!(session_cookie("abc", twelve_hours, true).ends_with("; Secure"));
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
    fn a_session_ends_when_idle_or_at_its_maximum_whichever_is_first() {
        let at = |t: &str| t.parse::<Timestamp>().unwrap_or_else(|e| panic!("{e}"));
        let idle = Duration::from_secs(30 * 60);
        let max = at("2025-03-01T20:00:00Z");
        assert_eq!(session_ends_at(at("2025-03-01T10:00:00Z"), max, idle), at("2025-03-01T10:30:00Z"));
        assert_eq!(session_ends_at(at("2025-03-01T19:45:00Z"), max, idle), max, "never past the maximum");
    }

    fn grant(role: Role) -> Grant {
        Grant {
            municipality: MunicipalityCode::parse("0180").unwrap_or_else(|e| panic!("{e}")),
            role,
            district_scope: Vec::new(),
            shelter_scope: Vec::new(),
            staff_id: None,
        }
    }

    fn maker(districts: &[&str], shelters: &[Uuid]) -> Principal {
        Principal {
            token_id: Uuid::nil(),
            municipality: MunicipalityCode::parse("0180").unwrap_or_else(|e| panic!("{e}")),
            role: Role::Admin,
            district_scope: districts.iter().map(|d| (*d).to_owned()).collect(),
            shelter_scope: shelters.to_vec(),
            staff_id: None,
            request_id: None,
        }
    }

    #[test]
    fn a_link_carries_what_its_role_needs() {
        assert!(grant(Role::Admin).check().is_ok());
        assert!(grant(Role::NightCoordinator).check().is_ok());
        assert!(grant(Role::Integration).check().is_err(), "an integration gets an API token");
        assert!(grant(Role::ShelterStaff).check().is_err(), "shelter staff need a shelter");
        assert!(Grant { shelter_scope: vec![Uuid::new_v4()], ..grant(Role::ShelterStaff) }.check().is_ok());
        assert!(grant(Role::SupportWorker).check().is_err(), "a support worker needs a staff id");
        assert!(Grant { staff_id: Some("sw-1".into()), ..grant(Role::SupportWorker) }.check().is_ok());
        assert!(Grant { staff_id: Some("a\u{0}b".into()), ..grant(Role::Admin) }.check().is_err());
        assert!(Grant { district_scope: vec!["Järva".into()], ..grant(Role::Admin) }.check().is_err());
    }

    #[test]
    fn a_link_never_carries_more_power_than_its_maker() {
        let shelter = Uuid::new_v4();
        assert!(grant(Role::Admin).within(&maker(&[], &[])).is_ok(), "an admin of the whole municipality");
        let stockholm_maker_elsewhere = Principal {
            municipality: MunicipalityCode::parse("0181").unwrap_or_else(|e| panic!("{e}")),
            ..maker(&[], &[])
        };
        assert!(grant(Role::Admin).within(&stockholm_maker_elsewhere).is_err(), "another municipality");
        let jarva_admin = maker(&["jarva"], &[]);
        assert!(grant(Role::Admin).within(&jarva_admin).is_err(), "the whole city from a district's admin");
        let in_jarva = Grant { district_scope: vec!["jarva".into()], ..grant(Role::HousingOfficer) };
        assert!(in_jarva.within(&jarva_admin).is_ok());
        let wider = Grant { district_scope: vec!["jarva".into(), "bromma".into()], ..in_jarva.clone() };
        assert!(wider.within(&jarva_admin).is_err());
        let one_shelter_admin = maker(&[], &[shelter]);
        let staff = Grant { shelter_scope: vec![shelter], ..grant(Role::ShelterStaff) };
        assert!(staff.within(&one_shelter_admin).is_ok());
        let other = Grant { shelter_scope: vec![Uuid::new_v4()], ..staff.clone() };
        assert!(other.within(&one_shelter_admin).is_err());
        assert!(grant(Role::NightCoordinator).within(&one_shelter_admin).is_err());
    }

    #[test]
    fn only_well_formed_secrets_are_looked_up() {
        let (secret, _) = new_secret();
        assert!(well_formed(&secret));
        assert!(!well_formed("hv_zz"));
        assert!(!well_formed(&secret.replace("hv_", "xx_")));
    }
}
