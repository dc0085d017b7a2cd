//! A real OpenID provider for the single sign-on tests: `tests/oidc/provider.mjs` (npm `oidc-provider`,
//! `npm ci` in tests/oidc, as .ci/run does) on a free port, with two users and two clients (see the
//! script), and Hemvist's settings for it. Fails, never skips, when node or the package is missing.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hemvist_platform::AppState;
use hemvist_platform::oidc::{OidcSettings, parse_groups};
use serde_json::{Value, json};

/// The group the provider's `staff-aspudden` is in.
pub const SHELTER_GROUP: &str = "hemvist-shelter-aspudden";
/// The group the provider puts in the `integration` client's access tokens.
pub const AUDITOR_GROUP: &str = "hemvist-auditors";
/// The audience of Hemvist's API at the provider.
pub const API_AUDIENCE: &str = "urn:hemvist:api";

/// The provider's process, ended when dropped.
pub struct Provider {
    child: Child,
    _stdin: Option<ChildStdin>,
    pub issuer: String,
    agent: ureq::Agent,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Provider {
    /// Starts the provider; its web client sends the browser back to `hemvist_url`.
    pub fn start(hemvist_url: &str) -> Provider {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/oidc");
        assert!(
            std::path::Path::new(dir).join("node_modules/oidc-provider").is_dir(),
            "run `(cd tests/oidc && npm ci)` first (.ci/run does)"
        );
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(dir)
            .env("HEMVIST_URL", hemvist_url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs tests/oidc/provider.mjs");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("the provider says where it listens");
        let issuer = line.trim().strip_prefix("issuer ").unwrap_or_else(|| panic!("provider: {line}")).to_owned();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        let stdin = child.stdin.take();
        Provider { child, _stdin: stdin, issuer, agent }
    }

    /// Hemvist's settings for this provider: web client `hemvist-web`, API audience
    /// `urn:hemvist:api`, and `mapping` (`HEMVIST_OIDC_GROUPS` syntax). The provider's keys may be
    /// fetched again at once for an unknown key id.
    pub fn settings(&self, mapping: &str) -> OidcSettings {
        OidcSettings {
            issuer: self.issuer.clone(),
            client_id: "hemvist-web".into(),
            client_secret: Some("web-secret".into()),
            audience: API_AUDIENCE.into(),
            role_claim: "groups".into(),
            staff_id_claim: "sub".into(),
            scopes: vec!["groups".into()],
            groups: parse_groups(mapping).expect("a mapping"),
            jwks_min_refresh: Duration::ZERO,
        }
    }

    /// A JWT access token for the `integration` client (client credentials), for `resource`.
    pub fn client_credentials(&self, resource: &str) -> String {
        let basic = STANDARD.encode("integration:integration-secret");
        let mut response = self
            .agent
            .post(format!("{}/token", self.issuer))
            .header("authorization", format!("Basic {basic}"))
            .send_form([("grant_type", "client_credentials"), ("scope", "api"), ("resource", resource)])
            .expect("the token endpoint answers");
        let body: Value = response.body_mut().read_json().expect("json");
        body["access_token"].as_str().unwrap_or_else(|| panic!("no access token: {body}")).to_owned()
    }

    /// `claims` signed with the provider's current key, or (`stray`) with a key it never published.
    pub fn sign(&self, claims: &Value, stray: bool) -> String {
        let mut response = self
            .agent
            .post(format!("{}/test/sign", self.issuer))
            .send_json(json!({"claims": claims, "key": if stray { "stray" } else { "current" }}))
            .expect("the provider signs");
        let body: Value = response.body_mut().read_json().expect("json");
        body["token"].as_str().unwrap_or_else(|| panic!("no token: {body}")).to_owned()
    }

    /// Changes a user's groups at the provider.
    pub fn set_groups(&self, user: &str, groups: &[&str]) {
        let response = self
            .agent
            .post(format!("{}/test/groups", self.issuer))
            .send_json(json!({"user": user, "groups": groups}))
            .expect("the provider changes the groups");
        assert!(response.status().is_success());
    }

    /// Makes a new signing key; returns its key id.
    pub fn rotate(&self) -> String {
        let mut response =
            self.agent.post(format!("{}/test/rotate", self.issuer)).send_json(json!({})).expect("the provider rotates");
        let body: Value = response.body_mut().read_json().expect("json");
        body["kid"].as_str().expect("a key id").to_owned()
    }
}

/// The key id in a JWT's header.
pub fn key_id(jwt: &str) -> String {
    header(jwt)["kid"].as_str().unwrap_or_default().to_owned()
}

/// A JWT's header.
pub fn header(jwt: &str) -> Value {
    let part = jwt.split('.').next().unwrap_or_default();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap_or_default()).unwrap_or(Value::Null)
}

/// An unsigned JWT (`alg: none`) with these claims.
pub fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{body}.")
}

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// The same database as `app`, served with other settings (a new [`AppState`] over its pool): for
/// settings that name rows the test made first (a mapped group's shelter).
pub fn state_with(app: &crate::TestApp, settings: hemvist_platform::settings::Settings) -> AppState {
    AppState::new(app.pool.clone(), settings)
}

/// Serves `state` on `listener`, telling handlers each peer's address as the server does.
pub fn serve(listener: tokio::net::TcpListener, state: AppState) {
    let service = hemvist_server::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
}

/// Sends a request to `state`'s app from `peer`, as the server would see it.
pub async fn send_from(router: &axum::Router, peer: std::net::SocketAddr, token: &str, path: &str) -> http::StatusCode {
    use tower::ServiceExt;
    let request = http::Request::builder()
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .extension(axum::extract::ConnectInfo(peer))
        .body(axum::body::Body::empty())
        .expect("request");
    router.clone().oneshot(request).await.expect("router is infallible").status()
}
