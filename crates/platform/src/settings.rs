//! Settings from the environment; every variable has a default that works on a developer machine.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::oidc::{OidcSettings, parse_groups};

#[derive(Debug, Clone)]
pub struct Settings {
    /// `HEMVIST_BIND`, default `127.0.0.1:8080`.
    pub bind: SocketAddr,
    /// `DATABASE_URL`; without it the server runs a private PostgreSQL cluster.
    pub database_url: Option<String>,
    /// `HEMVIST_DATA_DIR`, default `./.hemvist`: where the private cluster lives.
    pub data_dir: PathBuf,
    /// `HEMVIST_NIGHT_CUTOVER_HOUR`, default 8: before this local hour a request belongs to the previous night.
    pub night_cutover_hour: u8,
    /// `HEMVIST_REQUEST_TIMEOUT_SECS`, default 30.
    pub request_timeout: Duration,
    /// `HEMVIST_BODY_LIMIT_BYTES`, default 1 MiB.
    pub body_limit_bytes: usize,
    /// `HEMVIST_DB_POOL_SIZE`, default 16.
    pub db_pool_size: usize,
    /// `HEMVIST_HOUSING_FIRST_TAKEOVER_FOLLOW_UPS`, default 3: follow-ups planned at move-in, each held on
    /// or after its planned date, before a Bostad Först tenant may take over the lease (Stockholm's pilot:
    /// after the third quarterly follow-up, about nine months).
    pub housing_first_takeover_follow_ups: usize,
    /// `HEMVIST_FOLLOW_UP_INTERVAL_MONTHS`, default 3: lease follow-ups are quarterly by default.
    pub follow_up_interval_months: i32,
    /// `HEMVIST_MIN_HOLD_MINUTES`, default 90: a bed given is held at least this long after the
    /// placement (or until the shelter's check-in deadline, if later), so the person can get there.
    pub min_hold_minutes: i64,
    /// `HEMVIST_HOLD_RELEASE_INTERVAL_SECS`, default 60: how often the server releases beds whose hold
    /// expired without a check-in; 0 turns the job off (another instance or a cron runs it).
    pub hold_release_interval: Duration,
    /// `HEMVIST_PUBLIC_URL`, e.g. `https://hemvist.example.se`: where staff reach the web app (sign-in
    /// links point there; an `https` URL makes the session cookie Secure). Default: `http://` + bind.
    pub public_url: Option<String>,
    /// `HEMVIST_MAP_TILES_URL`, a tile URL template such as `https://tiles.example.se/{z}/{x}/{y}.png`
    /// (`{s}.` before the host for subdomains): background tiles under the web app's maps. Unset, the
    /// maps draw the district boundaries on a plain background and the browser asks no other host.
    pub map_tiles_url: Option<String>,
    /// `HEMVIST_MAP_TILES_ATTRIBUTION`: the tile provider's attribution, as text, shown on the maps.
    pub map_tiles_attribution: Option<String>,
    /// `HEMVIST_SESSION_IDLE_MINUTES`, default 30: a web session not used for this long is closed.
    pub session_idle: Duration,
    /// `HEMVIST_SESSION_MAX_HOURS`, default 12: a web session closes this long after sign-in, used or not.
    pub session_max: Duration,
    /// `HEMVIST_SESSION_CLEANUP_INTERVAL_SECS`, default 300: how often the server deletes closed web
    /// sessions and used or expired sign-in links; 0 turns the job off.
    pub session_cleanup_interval: Duration,
    /// `HEMVIST_MUNICIPALITY`: the municipality the first start prints an admin sign-in link for.
    /// Unset: the database's only municipality (none is printed when there are several).
    pub municipality: Option<String>,
    /// Single sign-on (`HEMVIST_OIDC_ISSUER` and the other `HEMVIST_OIDC_*`, see [`OidcSettings`]);
    /// None: staff sign in with one-time links only and the API takes opaque tokens only.
    pub oidc: Option<OidcSettings>,
    /// `HEMVIST_AUTH_FAILURES_PER_MINUTE`, default 30: failed sign-ins and unknown or invalid bearer
    /// tokens a client address may send per minute (as a burst, refilled evenly) before it gets 429.
    pub auth_failures_per_minute: u32,
    /// `HEMVIST_TRUSTED_PROXIES`, default none: the reverse proxies (IP addresses or CIDR blocks) whose
    /// `X-Forwarded-For` names the client the failure budget is counted against.
    pub trusted_proxies: crate::throttle::TrustedProxies,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: None,
            data_dir: PathBuf::from(".hemvist"),
            night_cutover_hour: 8,
            request_timeout: Duration::from_secs(30),
            body_limit_bytes: 1024 * 1024,
            db_pool_size: 16,
            housing_first_takeover_follow_ups: 3,
            follow_up_interval_months: 3,
            min_hold_minutes: 90,
            hold_release_interval: Duration::from_secs(60),
            public_url: None,
            map_tiles_url: None,
            map_tiles_attribution: None,
            session_idle: Duration::from_secs(30 * 60),
            session_max: Duration::from_secs(12 * 3600),
            session_cleanup_interval: Duration::from_secs(300),
            municipality: None,
            oidc: None,
            auth_failures_per_minute: 30,
            trusted_proxies: crate::throttle::TrustedProxies::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}: {message}")]
pub struct SettingsError {
    pub name: &'static str,
    pub message: String,
}

impl Settings {
    /// Where staff reach the web app, without a trailing slash.
    pub fn public_base_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.bind))
    }

    /// Whether the web app is served over TLS (its cookies are then Secure).
    pub fn served_over_tls(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }

    /// The origin the map tiles come from, as a CSP source (`https://*.tile.example.se` for `{s}.`),
    /// when tiles are configured: the one host the web app's Content-Security-Policy adds for images.
    pub fn map_tiles_origin(&self) -> Option<String> {
        self.map_tiles_url.as_deref().and_then(|url| tile_origin(url).ok())
    }

    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads settings through `lookup` so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        fn parse<T: std::str::FromStr>(name: &'static str, raw: &str) -> Result<T, SettingsError>
        where
            T::Err: std::fmt::Display,
        {
            raw.trim().parse().map_err(|e: T::Err| SettingsError { name, message: e.to_string() })
        }
        let defaults = Self::default();
        let settings = Self {
            bind: lookup("HEMVIST_BIND").map(|v| parse("HEMVIST_BIND", &v)).transpose()?.unwrap_or(defaults.bind),
            database_url: lookup("DATABASE_URL"),
            data_dir: lookup("HEMVIST_DATA_DIR").map(PathBuf::from).unwrap_or(defaults.data_dir),
            night_cutover_hour: lookup("HEMVIST_NIGHT_CUTOVER_HOUR")
                .map(|v| parse("HEMVIST_NIGHT_CUTOVER_HOUR", &v))
                .transpose()?
                .unwrap_or(defaults.night_cutover_hour),
            request_timeout: lookup("HEMVIST_REQUEST_TIMEOUT_SECS")
                .map(|v| parse("HEMVIST_REQUEST_TIMEOUT_SECS", &v).map(Duration::from_secs))
                .transpose()?
                .unwrap_or(defaults.request_timeout),
            body_limit_bytes: lookup("HEMVIST_BODY_LIMIT_BYTES")
                .map(|v| parse("HEMVIST_BODY_LIMIT_BYTES", &v))
                .transpose()?
                .unwrap_or(defaults.body_limit_bytes),
            db_pool_size: lookup("HEMVIST_DB_POOL_SIZE")
                .map(|v| parse("HEMVIST_DB_POOL_SIZE", &v))
                .transpose()?
                .unwrap_or(defaults.db_pool_size),
            housing_first_takeover_follow_ups: lookup("HEMVIST_HOUSING_FIRST_TAKEOVER_FOLLOW_UPS")
                .map(|v| parse("HEMVIST_HOUSING_FIRST_TAKEOVER_FOLLOW_UPS", &v))
                .transpose()?
                .unwrap_or(defaults.housing_first_takeover_follow_ups),
            follow_up_interval_months: lookup("HEMVIST_FOLLOW_UP_INTERVAL_MONTHS")
                .map(|v| parse("HEMVIST_FOLLOW_UP_INTERVAL_MONTHS", &v))
                .transpose()?
                .unwrap_or(defaults.follow_up_interval_months),
            min_hold_minutes: lookup("HEMVIST_MIN_HOLD_MINUTES")
                .map(|v| parse("HEMVIST_MIN_HOLD_MINUTES", &v))
                .transpose()?
                .unwrap_or(defaults.min_hold_minutes),
            hold_release_interval: lookup("HEMVIST_HOLD_RELEASE_INTERVAL_SECS")
                .map(|v| parse("HEMVIST_HOLD_RELEASE_INTERVAL_SECS", &v).map(Duration::from_secs))
                .transpose()?
                .unwrap_or(defaults.hold_release_interval),
            public_url: lookup("HEMVIST_PUBLIC_URL").map(|v| v.trim().trim_end_matches('/').to_owned()),
            map_tiles_url: lookup("HEMVIST_MAP_TILES_URL").map(|v| v.trim().to_owned()),
            map_tiles_attribution: lookup("HEMVIST_MAP_TILES_ATTRIBUTION").map(|v| v.trim().to_owned()),
            session_idle: lookup("HEMVIST_SESSION_IDLE_MINUTES")
                .map(|v| {
                    parse::<u64>("HEMVIST_SESSION_IDLE_MINUTES", &v).map(|m| Duration::from_secs(m.saturating_mul(60)))
                })
                .transpose()?
                .unwrap_or(defaults.session_idle),
            session_max: lookup("HEMVIST_SESSION_MAX_HOURS")
                .map(|v| {
                    parse::<u64>("HEMVIST_SESSION_MAX_HOURS", &v).map(|h| Duration::from_secs(h.saturating_mul(3600)))
                })
                .transpose()?
                .unwrap_or(defaults.session_max),
            session_cleanup_interval: lookup("HEMVIST_SESSION_CLEANUP_INTERVAL_SECS")
                .map(|v| parse("HEMVIST_SESSION_CLEANUP_INTERVAL_SECS", &v).map(Duration::from_secs))
                .transpose()?
                .unwrap_or(defaults.session_cleanup_interval),
            municipality: lookup("HEMVIST_MUNICIPALITY").map(|v| v.trim().to_owned()),
            oidc: oidc_from_lookup(&lookup)?,
            auth_failures_per_minute: lookup("HEMVIST_AUTH_FAILURES_PER_MINUTE")
                .map(|v| parse("HEMVIST_AUTH_FAILURES_PER_MINUTE", &v))
                .transpose()?
                .unwrap_or(defaults.auth_failures_per_minute),
            trusted_proxies: lookup("HEMVIST_TRUSTED_PROXIES")
                .map(|v| {
                    crate::throttle::TrustedProxies::parse(&v)
                        .map_err(|message| SettingsError { name: "HEMVIST_TRUSTED_PROXIES", message })
                })
                .transpose()?
                .unwrap_or_default(),
        };
        if settings.auth_failures_per_minute == 0 {
            return Err(SettingsError {
                name: "HEMVIST_AUTH_FAILURES_PER_MINUTE",
                message: "must be at least 1".into(),
            });
        }
        if let Some(Err(message)) = settings.map_tiles_url.as_deref().map(tile_origin) {
            return Err(SettingsError { name: "HEMVIST_MAP_TILES_URL", message });
        }
        if settings.public_url.as_deref().is_some_and(|u| !(u.starts_with("http://") || u.starts_with("https://"))) {
            return Err(SettingsError {
                name: "HEMVIST_PUBLIC_URL",
                message: "must start with http:// or https://".into(),
            });
        }
        if !(1..=24).contains(&settings.follow_up_interval_months) {
            return Err(SettingsError { name: "HEMVIST_FOLLOW_UP_INTERVAL_MONTHS", message: "must be 1..=24".into() });
        }
        if !(0..=24 * 60).contains(&settings.min_hold_minutes) {
            return Err(SettingsError { name: "HEMVIST_MIN_HOLD_MINUTES", message: "must be 0..=1440".into() });
        }
        if !(60..=24 * 3600).contains(&settings.session_idle.as_secs()) {
            return Err(SettingsError { name: "HEMVIST_SESSION_IDLE_MINUTES", message: "must be 1..=1440".into() });
        }
        if !(3600..=72 * 3600).contains(&settings.session_max.as_secs()) {
            return Err(SettingsError { name: "HEMVIST_SESSION_MAX_HOURS", message: "must be 1..=72".into() });
        }
        if settings.municipality.as_deref().is_some_and(|m| crate::MunicipalityCode::parse(m).is_err()) {
            return Err(SettingsError {
                name: "HEMVIST_MUNICIPALITY",
                message: "must be four digits, e.g. 0180".into(),
            });
        }
        if settings.night_cutover_hour > 23 {
            return Err(SettingsError { name: "HEMVIST_NIGHT_CUTOVER_HOUR", message: "must be 0..=23".into() });
        }
        Ok(settings)
    }
}

/// The `HEMVIST_OIDC_*` settings, when `HEMVIST_OIDC_ISSUER` is set.
fn oidc_from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Option<OidcSettings>, SettingsError> {
    let Some(issuer) = lookup("HEMVIST_OIDC_ISSUER").map(|v| v.trim().trim_end_matches('/').to_owned()) else {
        return Ok(None);
    };
    if !crate::oidc::issuer_allowed(&issuer) {
        return Err(SettingsError {
            name: "HEMVIST_OIDC_ISSUER",
            message: "must be an https:// URL (http:// only to a loopback host: 127.0.0.0/8, ::1, localhost)".into(),
        });
    }
    let client_id = lookup("HEMVIST_OIDC_CLIENT_ID").map(|v| v.trim().to_owned()).ok_or(SettingsError {
        name: "HEMVIST_OIDC_CLIENT_ID",
        message: "is required with HEMVIST_OIDC_ISSUER".into(),
    })?;
    let mut mapping = lookup("HEMVIST_OIDC_GROUPS").unwrap_or_default();
    if let Some(path) = lookup("HEMVIST_OIDC_GROUPS_FILE") {
        let file = std::fs::read_to_string(path.trim())
            .map_err(|e| SettingsError { name: "HEMVIST_OIDC_GROUPS_FILE", message: e.to_string() })?;
        mapping = format!("{mapping}\n{file}");
    }
    let groups = parse_groups(&mapping).map_err(|message| SettingsError { name: "HEMVIST_OIDC_GROUPS", message })?;
    let jwks_min_refresh = lookup("HEMVIST_OIDC_JWKS_REFRESH_SECS")
        .map(|v| {
            v.trim()
                .parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|e| SettingsError { name: "HEMVIST_OIDC_JWKS_REFRESH_SECS", message: e.to_string() })
        })
        .transpose()?
        .unwrap_or(Duration::from_secs(10));
    Ok(Some(OidcSettings {
        issuer,
        audience: lookup("HEMVIST_OIDC_AUDIENCE").map(|v| v.trim().to_owned()).unwrap_or_else(|| client_id.clone()),
        client_id,
        client_secret: lookup("HEMVIST_OIDC_CLIENT_SECRET").map(|v| v.trim().to_owned()),
        role_claim: lookup("HEMVIST_OIDC_ROLE_CLAIM").map(|v| v.trim().to_owned()).unwrap_or_else(|| "groups".into()),
        staff_id_claim: lookup("HEMVIST_OIDC_STAFF_ID_CLAIM")
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| "sub".into()),
        scopes: lookup("HEMVIST_OIDC_SCOPES")
            .map(|v| v.split_whitespace().filter(|s| *s != "openid").map(str::to_owned).collect())
            .unwrap_or_default(),
        groups,
        jwks_min_refresh,
    }))
}

/// The origin of a tile URL template (`scheme://host[:port]`, `{s}.` as `*.`), or why it is not one.
/// Strict, because the origin goes into the Content-Security-Policy header.
fn tile_origin(url: &str) -> Result<String, String> {
    let (scheme, rest) = url
        .split_once("://")
        .filter(|(scheme, _)| matches!(*scheme, "http" | "https"))
        .ok_or("must start with https:// or http://")?;
    let authority = rest.split('/').next().unwrap_or_default();
    let (subdomains, host) = match authority.strip_prefix("{s}.") {
        Some(host) => ("*.", host),
        None => ("", authority),
    };
    let host_chars = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    if host.is_empty() || !host.chars().all(host_chars) {
        return Err("must name a host (letters, digits, '.', '-', a port; '{s}.' before it for subdomains)".into());
    }
    if !["{z}", "{x}", "{y}"].iter().all(|p| rest.contains(p)) || url.contains(char::is_whitespace) {
        return Err("must be a tile URL template with {z}, {x} and {y} and no spaces".into());
    }
    Ok(format!("{scheme}://{subdomains}{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let s = Settings::from_lookup(|_| None).ok();
        assert_eq!(s.map(|s| s.night_cutover_hour), Some(8));
        let s = Settings::from_lookup(|n| (n == "HEMVIST_NIGHT_CUTOVER_HOUR").then(|| "6".to_owned())).ok();
        assert_eq!(s.map(|s| s.night_cutover_hour), Some(6));
        assert!(Settings::from_lookup(|n| (n == "HEMVIST_NIGHT_CUTOVER_HOUR").then(|| "24".to_owned())).is_err());
        assert!(Settings::from_lookup(|n| (n == "HEMVIST_BIND").then(|| "nonsense".to_owned())).is_err());
        assert_eq!(Settings::from_lookup(|_| None).ok().map(|s| s.min_hold_minutes), Some(90));
        let s = Settings::from_lookup(|n| (n == "HEMVIST_MIN_HOLD_MINUTES").then(|| "120".to_owned())).ok();
        assert_eq!(s.map(|s| s.min_hold_minutes), Some(120));
        assert!(Settings::from_lookup(|n| (n == "HEMVIST_MIN_HOLD_MINUTES").then(|| "-1".to_owned())).is_err());
    }

    #[test]
    fn map_tiles_add_only_their_origin() {
        let tiles = |url: &str| Settings::from_lookup(|n| (n == "HEMVIST_MAP_TILES_URL").then(|| url.to_owned()));
        assert_eq!(Settings::default().map_tiles_origin(), None);
        let origin = |url: &str| tiles(url).ok().and_then(|s| s.map_tiles_origin());
        assert_eq!(origin("https://tiles.example.se/{z}/{x}/{y}.png").as_deref(), Some("https://tiles.example.se"));
        assert_eq!(origin("https://{s}.tile.example.se/{z}/{x}/{y}.png").as_deref(), Some("https://*.tile.example.se"));
        assert_eq!(origin("http://127.0.0.1:9000/t/{z}/{x}/{y}.png").as_deref(), Some("http://127.0.0.1:9000"));
        for bad in [
            "tiles.example.se/{z}/{x}/{y}.png",
            "ftp://tiles.example.se/{z}/{x}/{y}.png",
            "https://tiles.example.se; script-src *;/{z}/{x}/{y}.png",
            "https://user@tiles.example.se/{z}/{x}/{y}.png",
            "https://{z}.example.se/{x}/{y}.png",
            "https:///{z}/{x}/{y}.png",
            "https://tiles.example.se/static.png",
        ] {
            assert!(tiles(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sessions_close_when_idle_and_at_a_maximum() {
        let defaults = Settings::from_lookup(|_| None).ok();
        assert_eq!(defaults.as_ref().map(|s| s.session_idle), Some(Duration::from_secs(30 * 60)));
        assert_eq!(defaults.as_ref().map(|s| s.session_max), Some(Duration::from_secs(12 * 3600)));
        let s = Settings::from_lookup(|n| (n == "HEMVIST_SESSION_IDLE_MINUTES").then(|| "5".to_owned())).ok();
        assert_eq!(s.map(|s| s.session_idle), Some(Duration::from_secs(300)));
        for (name, bad) in [
            ("HEMVIST_SESSION_IDLE_MINUTES", "0"),
            ("HEMVIST_SESSION_IDLE_MINUTES", "1441"),
            ("HEMVIST_SESSION_MAX_HOURS", "0"),
            ("HEMVIST_SESSION_MAX_HOURS", "73"),
            ("HEMVIST_MUNICIPALITY", "Stockholm"),
            ("HEMVIST_OIDC_ISSUER", "id.example.se"),
            ("HEMVIST_OIDC_ISSUER", "https://id.example.se"),
            ("HEMVIST_AUTH_FAILURES_PER_MINUTE", "0"),
            ("HEMVIST_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("HEMVIST_TRUSTED_PROXIES", "proxy.example.se"),
        ] {
            assert!(Settings::from_lookup(|n| (n == name).then(|| bad.to_owned())).is_err(), "{name}={bad}");
        }
    }

    #[test]
    fn single_sign_on_is_read_from_the_environment() {
        assert!(Settings::from_lookup(|_| None).ok().is_some_and(|s| s.oidc.is_none()), "off by default");
        let env = |name: &str| {
            match name {
                "HEMVIST_OIDC_ISSUER" => Some("https://id.example.se/realms/stad/"),
                "HEMVIST_OIDC_CLIENT_ID" => Some("hemvist"),
                "HEMVIST_OIDC_GROUPS" => Some("hemvist-admins=admin:0180; hemvist-night=night_coordinator:0180"),
                "HEMVIST_OIDC_SCOPES" => Some("openid groups"),
                _ => None,
            }
            .map(str::to_owned)
        };
        let oidc = Settings::from_lookup(env).ok().and_then(|s| s.oidc);
        let oidc = oidc.unwrap_or_else(|| panic!("configured"));
        assert_eq!(oidc.issuer, "https://id.example.se/realms/stad");
        assert_eq!(oidc.audience, "hemvist", "the audience defaults to the client id");
        assert_eq!(oidc.role_claim, "groups");
        assert_eq!(oidc.scopes, vec!["groups".to_owned()]);
        assert_eq!(oidc.groups.len(), 2);
        let bad_mapping =
            |name: &str| if name == "HEMVIST_OIDC_GROUPS" { Some("g=root:0180".to_owned()) } else { env(name) };
        assert!(Settings::from_lookup(bad_mapping).is_err());
        let twice = |name: &str| {
            if name == "HEMVIST_OIDC_GROUPS" { Some("g=admin:0180; g=auditor:0180".to_owned()) } else { env(name) }
        };
        assert!(Settings::from_lookup(twice).is_err(), "a group mapped twice");
        let plain_http = |name: &str| {
            if name == "HEMVIST_OIDC_ISSUER" { Some("http://id.example.se".to_owned()) } else { env(name) }
        };
        assert!(Settings::from_lookup(plain_http).is_err(), "http only to a loopback host");
        let trusted = |name: &str| (name == "HEMVIST_TRUSTED_PROXIES").then(|| "10.0.0.0/8, 192.0.2.1 ::1".to_owned());
        let proxies = Settings::from_lookup(trusted).map(|s| s.trusted_proxies).unwrap_or_default();
        assert!(proxies.contains("10.200.0.1".parse().unwrap()) && proxies.contains("::1".parse().unwrap()));
        assert!(!proxies.contains("192.0.2.2".parse().unwrap()));
    }
}
