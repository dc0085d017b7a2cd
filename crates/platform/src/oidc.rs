//! Single sign-on settings and the claim mapping: which group of the city's identity provider grants
//! which Hemvist role, municipality and unit scope. Pure rules; the provider is reached by
//! [`crate::jwt`] (API bearer JWTs) and the web crate (sign-in with the authorization code flow).

use std::time::Duration;

use uuid::Uuid;

use crate::MunicipalityCode;
use crate::auth::Role;

/// `HEMVIST_OIDC_*`: present when `HEMVIST_OIDC_ISSUER` is set.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// `HEMVIST_OIDC_ISSUER`: the provider's issuer URL; discovery reads
    /// `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// `HEMVIST_OIDC_CLIENT_ID`: this application's client at the provider (web sign-in).
    pub client_id: String,
    /// `HEMVIST_OIDC_CLIENT_SECRET`: the client's secret (unset for a public client: PKCE only).
    pub client_secret: Option<String>,
    /// `HEMVIST_OIDC_AUDIENCE`: the `aud` an API bearer JWT must carry; default the client id.
    pub audience: String,
    /// `HEMVIST_OIDC_ROLE_CLAIM`, default `groups`: the claim (a string or a list of strings) whose
    /// values [`GroupGrant`]s map.
    pub role_claim: String,
    /// `HEMVIST_OIDC_STAFF_ID_CLAIM`, default `sub`: the claim naming the member of staff (support
    /// workers see the people assigned to that staff id).
    pub staff_id_claim: String,
    /// `HEMVIST_OIDC_SCOPES`: scopes asked for besides `openid` (space separated), e.g. `groups`.
    pub scopes: Vec<String>,
    /// `HEMVIST_OIDC_GROUPS` and the lines of the file `HEMVIST_OIDC_GROUPS_FILE`, in that order:
    /// the first mapped group of a user decides.
    pub groups: Vec<GroupGrant>,
    /// `HEMVIST_OIDC_JWKS_REFRESH_SECS`, default 10: the provider's keys are fetched again for an
    /// unknown key id at most this often.
    pub jwks_min_refresh: Duration,
}

impl OidcSettings {
    /// The first configured group the user is in, as what it grants. None: the user has no access.
    pub fn grant_for<'a>(&'a self, user_groups: &[String]) -> Option<&'a GroupGrant> {
        self.groups.iter().find(|g| user_groups.iter().any(|u| u == &g.group))
    }

    /// The origin of the issuer (`https://id.example.se`), for the Content-Security-Policy's
    /// form-action: signing out sends the browser on to the provider.
    pub fn issuer_origin(&self) -> Option<String> {
        let (scheme, rest) = self.issuer.split_once("://")?;
        let host = rest.split('/').next().filter(|h| !h.is_empty())?;
        host.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
            .then(|| format!("{scheme}://{host}"))
    }
}

/// One mapped group: `GROUP=ROLE:MUNICIPALITY[:shelter:UUID][:district:CODE]...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupGrant {
    pub group: String,
    pub role: Role,
    pub municipality: MunicipalityCode,
    pub district_scope: Vec<String>,
    pub shelter_scope: Vec<Uuid>,
}

/// Parses mapping entries, separated by newlines or `;`; blank lines and `#` comments are skipped. A
/// group named twice is refused: which of two grants applied would depend on the order of the lines.
pub fn parse_groups(text: &str) -> Result<Vec<GroupGrant>, String> {
    let groups: Vec<GroupGrant> = text
        .split(['\n', ';'])
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter(|line| !line.is_empty())
        .map(parse_group)
        .collect::<Result<_, _>>()?;
    for (i, grant) in groups.iter().enumerate() {
        if groups[..i].iter().any(|earlier| earlier.group == grant.group) {
            return Err(format!("the group `{}` is mapped twice", grant.group));
        }
    }
    Ok(groups)
}

/// Whether an issuer URL is acceptable: https, or http to a loopback host (127.0.0.0/8, ::1,
/// localhost) for a provider on the same machine (development and the tests).
pub fn issuer_allowed(issuer: &str) -> bool {
    if issuer.starts_with("https://") && issuer.len() > "https://".len() {
        return true;
    }
    let Some(rest) = issuer.strip_prefix("http://") else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return false;
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(host, _port)| host),
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn parse_group(entry: &str) -> Result<GroupGrant, String> {
    let (group, grant) = entry.split_once('=').ok_or_else(|| format!("`{entry}`: expected GROUP=ROLE:MUNICIPALITY"))?;
    let mut parts = grant.trim().split(':');
    let role = parts.next().unwrap_or_default();
    let role = Role::parse(role).ok_or_else(|| format!("`{entry}`: unknown role `{role}`"))?;
    let municipality = parts.next().unwrap_or_default();
    let municipality = MunicipalityCode::parse(municipality)
        .map_err(|_| format!("`{entry}`: the municipality must be four digits, e.g. 0180"))?;
    let mut mapped = GroupGrant {
        group: group.trim().to_owned(),
        role,
        municipality,
        district_scope: Vec::new(),
        shelter_scope: Vec::new(),
    };
    if mapped.group.is_empty() {
        return Err(format!("`{entry}`: the group is empty"));
    }
    while let Some(kind) = parts.next() {
        let value = parts.next().ok_or_else(|| format!("`{entry}`: `{kind}` needs a value"))?;
        match kind {
            "shelter" => mapped
                .shelter_scope
                .push(value.parse().map_err(|_| format!("`{entry}`: `{value}` is not a shelter id (a UUID)"))?),
            "district" => mapped.district_scope.push(value.to_owned()),
            other => return Err(format!("`{entry}`: unknown scope `{other}` (shelter or district)")),
        }
    }
    if mapped.role == Role::ShelterStaff && mapped.shelter_scope.is_empty() {
        return Err(format!("`{entry}`: shelter staff are mapped for a shelter (`:shelter:UUID`)"));
    }
    Ok(mapped)
}

/// The values of the role claim: a string or a list of strings (anything else counts as none).
pub fn claim_values(claims: &serde_json::Value, claim: &str) -> Vec<String> {
    match claims.get(claim) {
        Some(serde_json::Value::String(one)) => vec![one.clone()],
        Some(serde_json::Value::Array(many)) => many.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

/// A stable id for the subject of a provider's token, for the audit trail's actor: the first 16
/// bytes of SHA-256 over issuer and subject.
pub fn subject_id(issuer: &str, subject: &str) -> Uuid {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{issuer}\n{subject}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_map_to_role_municipality_and_scope() {
        let shelter = "6f1c1b52-8a43-4b8e-9d38-5d0c6e7d2a10";
        let groups = parse_groups(&format!(
            "hemvist-shelter-aspudden=shelter_staff:0180:shelter:{shelter}\n# comment\n\
             hemvist-admins=admin:0180; hemvist-jarva=housing_officer:0180:district:jarva"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0].role, Role::ShelterStaff);
        assert_eq!(groups[0].shelter_scope, vec![shelter.parse::<Uuid>().unwrap_or_default()]);
        assert_eq!(groups[2].district_scope, vec!["jarva".to_owned()]);
        for bad in [
            "nogrant",
            "g=root:0180",
            "g=admin:Stockholm",
            "g=shelter_staff:0180",
            "g=admin:0180:shelter:not-a-uuid",
            "g=admin:0180:room:1",
            "=admin:0180",
        ] {
            assert!(parse_groups(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_first_configured_group_decides_and_none_means_no_access() {
        let groups = parse_groups("a=admin:0180;b=auditor:0180").unwrap_or_default();
        let settings = OidcSettings {
            issuer: "https://id.example.se/realms/city".into(),
            client_id: "hemvist".into(),
            client_secret: None,
            audience: "hemvist".into(),
            role_claim: "groups".into(),
            staff_id_claim: "sub".into(),
            scopes: Vec::new(),
            groups,
            jwks_min_refresh: Duration::from_secs(10),
        };
        assert_eq!(settings.grant_for(&["b".into(), "a".into()]).map(|g| g.role), Some(Role::Admin));
        assert_eq!(settings.grant_for(&["b".into()]).map(|g| g.role), Some(Role::Auditor));
        assert_eq!(settings.grant_for(&["other".into()]), None);
        assert_eq!(settings.issuer_origin().as_deref(), Some("https://id.example.se"));
    }

    #[test]
    fn the_role_claim_is_a_string_or_a_list() {
        let claims = serde_json::json!({"groups": ["a", 1, "b"], "role": "c", "n": 3});
        assert_eq!(claim_values(&claims, "groups"), vec!["a".to_owned(), "b".to_owned()]);
        assert_eq!(claim_values(&claims, "role"), vec!["c".to_owned()]);
        assert!(claim_values(&claims, "n").is_empty() && claim_values(&claims, "none").is_empty());
        assert!(issuer_allowed("https://id.example.se/realms/stad"));
        for ok in ["http://127.0.0.1:8080", "http://127.8.9.1/x", "http://[::1]:9000", "http://localhost:3000"] {
            assert!(issuer_allowed(ok), "{ok}");
        }
        for refused in [
            "http://id.example.se",
            "http://10.0.0.1",
            "http://localhost.example.se",
            "http://127.0.0.1@evil",
            "ftp://x",
            "https://",
        ] {
            assert!(!issuer_allowed(refused), "{refused}");
        }
        assert!(parse_groups("a=auditor:0180; b=admin:0180").is_ok());
        assert!(parse_groups("a=auditor:0180\na=admin:0180").unwrap_err().contains("mapped twice"));
        assert_eq!(subject_id("i", "s"), subject_id("i", "s"));
        assert_ne!(subject_id("i", "s"), subject_id("i", "t"));
    }
}
