//! API bearer JWTs from the city's identity provider (a real one: oidc-provider from npm, started by
//! the test): a token it issues for Hemvist's audience is accepted with the role its group maps to; one
//! for another audience, an expired one, one not yet valid, one from another issuer, one signed by a key
//! the provider never published, an unsigned (`alg: none`) one and an HMAC one are 401; a valid token
//! of an unmapped group is 403. After the provider rotates its signing key, its new tokens work
//! without restarting Hemvist. Opaque tokens keep working beside JWTs.

use base64::Engine;
use hemvist_platform::settings::Settings;
use hemvist_tests::oidc::{API_AUDIENCE, AUDITOR_GROUP, Provider, key_id, now, unsigned};
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::json;

const READABLE_BY_ALL: &str = "/api/v1/districts";

async fn app_for(provider: &Provider) -> TestApp {
    let mapping = format!("{AUDITOR_GROUP}=auditor:0180");
    TestApp::spawn_with(Settings { oidc: Some(provider.settings(&mapping)), ..Settings::default() }).await
}

/// Claims as the provider would issue them to the integration client, changed by `change`.
fn claims(provider: &Provider, change: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
    let mut claims = json!({
        "iss": provider.issuer, "aud": API_AUDIENCE, "sub": "integration", "client_id": "integration",
        "groups": [AUDITOR_GROUP], "iat": now(), "exp": now() + 300, "scope": "api",
    });
    change(&mut claims);
    claims
}

#[tokio::test]
async fn a_token_from_the_provider_for_our_audience_is_accepted_with_its_mapped_role() {
    let provider = Provider::start("http://127.0.0.1:9");
    let app = app_for(&provider).await;
    let token = provider.client_credentials(API_AUDIENCE);
    let response = app.get(READABLE_BY_ALL, &token).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    // The mapped role is auditor: an admin's operation is refused.
    let refused = app.post("/api/v1/api-tokens", &token, &json!({"name": "x", "role": "integration"})).await;
    refused.assert_problem(StatusCode::FORBIDDEN);
    // Opaque tokens keep working beside JWTs.
    let opaque = app.token(Role::Integration).await;
    assert_eq!(app.get(READABLE_BY_ALL, &opaque).await.status, StatusCode::OK);
}

#[tokio::test]
async fn tokens_for_another_audience_expired_early_foreign_unsigned_or_hmac_are_401() {
    let provider = Provider::start("http://127.0.0.1:9");
    let app = app_for(&provider).await;
    // Within the minute of skew a token is still good; the same token ten minutes late is not.
    let late_but_within_skew = provider.sign(&claims(&provider, |c| c["exp"] = json!(now() - 20)), false);
    assert_eq!(app.get(READABLE_BY_ALL, &late_but_within_skew).await.status, StatusCode::OK);
    let refused = [
        ("another audience", provider.client_credentials("urn:another:api")),
        ("expired", provider.sign(&claims(&provider, |c| c["exp"] = json!(now() - 600)), false)),
        ("not yet valid", provider.sign(&claims(&provider, |c| c["nbf"] = json!(now() + 600)), false)),
        ("another issuer", provider.sign(&claims(&provider, |c| c["iss"] = json!("https://id.example.se")), false)),
        ("no expiry", provider.sign(&claims(&provider, |c| drop(c.as_object_mut().unwrap().remove("exp"))), false)),
        ("an unknown key", provider.sign(&claims(&provider, |_| {}), true)),
        ("alg none", unsigned(&claims(&provider, |_| {}))),
    ];
    for (what, token) in &refused {
        let response = app.get(READABLE_BY_ALL, token).await;
        response.assert_problem(StatusCode::UNAUTHORIZED);
        assert_eq!(response.header("www-authenticate"), Some("Bearer"), "{what}");
    }
    // An HMAC token naming the provider's key id (signed with something anyone may know).
    let good = provider.client_credentials(API_AUDIENCE);
    let body = good.split('.').nth(1).unwrap();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let hs_header = b64.encode(json!({"alg": "HS256", "typ": "JWT", "kid": key_id(&good)}).to_string());
    let hs = format!("{hs_header}.{body}.{}", b64.encode([7u8; 32]));
    app.get(READABLE_BY_ALL, &hs).await.assert_problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_valid_token_whose_groups_are_not_mapped_is_403() {
    let provider = Provider::start("http://127.0.0.1:9");
    let app = app_for(&provider).await;
    let unmapped = provider.sign(&claims(&provider, |c| c["groups"] = json!(["another-team"])), false);
    app.get(READABLE_BY_ALL, &unmapped).await.assert_problem(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn after_the_provider_rotates_its_key_its_new_tokens_work_without_a_restart() {
    let provider = Provider::start("http://127.0.0.1:9");
    let app = app_for(&provider).await;
    let before = provider.client_credentials(API_AUDIENCE);
    assert_eq!(app.get(READABLE_BY_ALL, &before).await.status, StatusCode::OK, "the keys are fetched and cached");
    let new_kid = provider.rotate();
    let after = provider.client_credentials(API_AUDIENCE);
    assert_eq!(key_id(&after), new_kid, "the provider signs with its new key");
    assert_ne!(key_id(&after), key_id(&before));
    let response = app.get(READABLE_BY_ALL, &after).await;
    assert_eq!(response.status, StatusCode::OK, "same server, new key: {}", response.body);
    // The old key is still published, so tokens signed before the rotation stay good until they expire.
    assert_eq!(app.get(READABLE_BY_ALL, &before).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_forged_sign_in_callback_is_refused_and_counted_against_the_address() {
    let provider = Provider::start("http://127.0.0.1:9");
    let settings = Settings {
        oidc: Some(provider.settings(&format!("{AUDITOR_GROUP}=auditor:0180"))),
        auth_failures_per_minute: 3,
        ..Settings::default()
    };
    let app = TestApp::spawn_with(settings).await;
    let peer: std::net::SocketAddr = "203.0.113.50:4000".parse().unwrap();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        // No flow cookie of this browser: the state cannot be one Hemvist gave it.
        let request = http::Request::builder()
            .uri("/login/sso/callback?code=stolen&state=guessed")
            .header("cookie", format!("hemvist_sso=hv_{}", "ab".repeat(32)))
            .extension(axum::extract::ConnectInfo(peer))
            .body(axum::body::Body::empty())
            .unwrap();
        let response = app.send(request).await;
        assert!(response.header("set-cookie").is_none_or(|c| !c.starts_with("hemvist_session=hv_")));
        statuses.push(response.status.as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    // Starting a sign-in sends the browser to the provider, with PKCE (S256) and a nonce.
    let start = app.send(http::Request::builder().uri("/login/sso").body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER);
    let location = start.header("location").unwrap();
    assert!(location.starts_with(&format!("{}/auth?", provider.issuer)), "{location}");
    for part in ["code_challenge_method=S256", "code_challenge=", "nonce=", "state=", "client_id=hemvist-web"] {
        assert!(location.contains(part), "{part} in {location}");
    }
    let cookie = start.header("set-cookie").unwrap();
    assert!(cookie.starts_with("hemvist_sso=hv_") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
}

#[tokio::test]
async fn a_token_with_neither_sub_nor_client_id_is_401() {
    let provider = Provider::start("http://127.0.0.1:9");
    let app = app_for(&provider).await;
    let nobody = claims(&provider, |c| {
        let c = c.as_object_mut().unwrap();
        c.remove("sub");
        c.remove("client_id");
    });
    app.get(READABLE_BY_ALL, &provider.sign(&nobody, false)).await.assert_problem(StatusCode::UNAUTHORIZED);
    let only_client = claims(&provider, |c| drop(c.as_object_mut().unwrap().remove("sub")));
    assert_eq!(app.get(READABLE_BY_ALL, &provider.sign(&only_client, false)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn while_the_provider_is_down_tokens_are_401_counted_and_its_keys_are_not_fetched_per_request() {
    // A provider that takes connections and answers nothing usable: each fetch is one connection.
    let down = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", down.local_addr().unwrap());
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = down.accept().await {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(socket);
        }
    });
    let provider = Provider::start("http://127.0.0.1:9");
    let token = provider.client_credentials(API_AUDIENCE);
    let mut oidc = provider.settings(&format!("{AUDITOR_GROUP}=auditor:0180"));
    oidc.issuer = issuer;
    oidc.jwks_min_refresh = std::time::Duration::from_secs(60);
    let app =
        TestApp::spawn_with(Settings { oidc: Some(oidc), auth_failures_per_minute: 3, ..Settings::default() }).await;
    let peer: std::net::SocketAddr = "203.0.113.61:1000".parse().unwrap();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(hemvist_tests::oidc::send_from(&app.router, peer, &token, READABLE_BY_ALL).await.as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429], "not a 503 the client may retry at will");
    let other: std::net::SocketAddr = "198.51.100.61:1000".parse().unwrap();
    for _ in 0..2 {
        let status = hemvist_tests::oidc::send_from(&app.router, other, &token, READABLE_BY_ALL).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 1, "one fetch tried, not one per request");
}
