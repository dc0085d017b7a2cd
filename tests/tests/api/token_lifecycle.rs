//! Integration tokens with a lifecycle: an admin makes one through the API (its text in that answer
//! only), lists the municipality's tokens (never their text), and revokes one; a token expires; its
//! last use is marked, at most once a minute; nobody makes a token with more power than they have. And
//! failures are rate limited per client address: a flood of bad tokens from one address gets 429 past
//! the limit while real users, from elsewhere, are served.

use std::net::SocketAddr;
use std::time::Duration;

use hemvist_platform::settings::Settings;
use hemvist_tests::oidc::send_from;
use hemvist_tests::{TestApp, TestRole as Role};
use http::StatusCode;
use serde_json::{Value, json};

const READABLE_BY_ALL: &str = "/api/v1/districts";

fn listed<'a>(list: &'a Value, id: &str) -> &'a Value {
    list["items"].as_array().unwrap().iter().find(|t| t["id"] == id).unwrap_or_else(|| panic!("{id} in {list}"))
}

#[tokio::test]
async fn an_admin_makes_a_token_shown_once_that_works_until_revoked() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let made = app.post("/api/v1/api-tokens", &admin, &json!({"name": "Statistikflöde", "role": "integration"})).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let token = made.body["token"].as_str().unwrap().to_owned();
    let id = made.body["id"].as_str().unwrap().to_owned();
    assert_eq!(made.header("location"), Some(format!("/api/v1/api-tokens/{id}").as_str()));
    assert_eq!(made.header("cache-control"), Some("no-store"), "the text is kept by no cache");
    assert_eq!(made.body["role"], "integration");
    assert!(made.body["created_by"].is_string(), "who made it is kept");
    // No expiry asked for: a year.
    let expires: jiff::Timestamp = made.body["expires_at"].as_str().unwrap().parse().unwrap();
    let year = expires.duration_since(jiff::Timestamp::now()).as_hours();
    assert!((364 * 24..=365 * 24).contains(&year), "{year} h");

    // Never used yet; the list never carries a token's text.
    let list = app.get("/api/v1/api-tokens", &admin).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(listed(&list.body, &id)["last_used_at"].is_null());
    assert!(!list.body.to_string().contains(&token), "shown once: not in the list");
    assert!(listed(&list.body, &id).get("token").is_none());

    // Used: marked; used again at once: the mark is not written again (at most once a minute).
    assert_eq!(app.get(READABLE_BY_ALL, &token).await.status, StatusCode::OK);
    let first = app.get("/api/v1/api-tokens", &admin).await;
    let first_use = listed(&first.body, &id)["last_used_at"].clone();
    assert!(first_use.is_string(), "{}", first.body);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(app.get(READABLE_BY_ALL, &token).await.status, StatusCode::OK);
    let second = app.get("/api/v1/api-tokens", &admin).await;
    assert_eq!(listed(&second.body, &id)["last_used_at"], first_use);

    // Revoked: refused from its next request; revoking again is 404.
    let revoked = app.delete(&format!("/api/v1/api-tokens/{id}"), &admin).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.body);
    app.get(READABLE_BY_ALL, &token).await.assert_problem(StatusCode::UNAUTHORIZED);
    app.delete(&format!("/api/v1/api-tokens/{id}"), &admin).await.assert_problem(StatusCode::NOT_FOUND);
    let list = app.get("/api/v1/api-tokens", &admin).await;
    assert!(listed(&list.body, &id)["revoked_at"].is_string());
    // Audited without the text.
    let events = app.audit_events().await;
    assert!(events.iter().any(|(action, kind, _, _)| action == "create" && kind == "api_token"));
    assert!(events.iter().any(|(action, kind, _, _)| action == "delete" && kind == "api_token"));
}

#[tokio::test]
async fn a_token_expires_and_its_expiry_is_in_the_future_within_two_years() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(4);
    let made = app
        .post("/api/v1/api-tokens", &admin, &json!({"name": "kort", "role": "integration", "expires_at": soon}))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let token = made.body["token"].as_str().unwrap().to_owned();
    assert_eq!(app.get(READABLE_BY_ALL, &token).await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(4500)).await;
    app.get(READABLE_BY_ALL, &token).await.assert_problem(StatusCode::UNAUTHORIZED);

    let past = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(60);
    let too_far = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 800);
    for expires_at in [past, too_far] {
        let body = json!({"name": "x", "role": "integration", "expires_at": expires_at});
        let refused = app.post("/api/v1/api-tokens", &admin, &body).await;
        assert_eq!(refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "expires_at");
    }
}

#[tokio::test]
async fn nobody_makes_a_token_with_more_power_than_they_have() {
    let app = TestApp::spawn().await;
    app.add_municipality("1480", "Göteborg").await;
    let jarva_admin = app.token_for(Role::Admin, "0180", &["jarva"], &[]).await;
    let body = |scope: Value| json!({"name": "flöde", "role": "integration", "district_scope": scope});
    // The whole municipality, or another district: more than a Järva admin has.
    for scope in [json!([]), json!(["bromma"]), json!(["jarva", "bromma"])] {
        app.post("/api/v1/api-tokens", &jarva_admin, &body(scope)).await.assert_problem(StatusCode::FORBIDDEN);
    }
    let within = app.post("/api/v1/api-tokens", &jarva_admin, &body(json!(["jarva"]))).await;
    assert_eq!(within.status, StatusCode::CREATED, "{}", within.body);
    assert_eq!(within.body["district_scope"], json!(["jarva"]));
    // Only integration tokens are made through the API, even by an admin of the whole municipality: a
    // person's role comes from their sign-in (or a token made on the server's command line).
    let admin = app.token(Role::Admin).await;
    for role in ["admin", "housing_officer", "auditor", "night_coordinator"] {
        let asked = json!({"name": "person", "role": role});
        let refused = app.post("/api/v1/api-tokens", &admin, &asked).await;
        assert_eq!(refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"], "role", "{role}");
    }
    // Only an admin makes tokens at all (a housing officer may not make even its own role's).
    let officer = app.token(Role::HousingOfficer).await;
    let mine = json!({"name": "x", "role": "housing_officer"});
    app.post("/api/v1/api-tokens", &officer, &mine).await.assert_problem(StatusCode::FORBIDDEN);
    app.get("/api/v1/api-tokens", &officer).await.assert_problem(StatusCode::FORBIDDEN);
    // Another municipality's admin neither sees nor revokes Stockholm's tokens.
    let gothenburg = app.token_for(Role::Admin, "1480", &[], &[]).await;
    let id = within.body["id"].as_str().unwrap();
    let theirs = app.get("/api/v1/api-tokens", &gothenburg).await;
    assert!(!theirs.body.to_string().contains(id), "{}", theirs.body);
    app.delete(&format!("/api/v1/api-tokens/{id}"), &gothenburg).await.assert_problem(StatusCode::NOT_FOUND);
    // A Järva admin may not revoke a token of the whole municipality either.
    let wide = app.post("/api/v1/api-tokens", &admin, &json!({"name": "bred", "role": "integration"})).await;
    let wide_id = wide.body["id"].as_str().unwrap();
    app.delete(&format!("/api/v1/api-tokens/{wide_id}"), &jarva_admin).await.assert_problem(StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_bad_tokens_is_429_past_the_limit_while_real_users_are_served() {
    const LIMIT: u32 = 10;
    let app = TestApp::spawn_with(Settings { auth_failures_per_minute: LIMIT, ..Settings::default() }).await;
    let good = app.token(Role::Auditor).await;
    let attacker: SocketAddr = "203.0.113.7:40000".parse().unwrap();
    let colleague: SocketAddr = "198.51.100.20:50000".parse().unwrap();
    let started = std::time::Instant::now();
    let flood = (0..400).map(|i| {
        let router = app.router.clone();
        // Well-formed opaque tokens that do not exist: each failure would cost a lookup.
        let bad = format!("hv_{:064x}", i + 1);
        tokio::spawn(async move { send_from(&router, attacker, &bad, READABLE_BY_ALL).await })
    });
    let real = (0..20).map(|_| {
        let router = app.router.clone();
        let good = good.clone();
        tokio::spawn(async move { send_from(&router, colleague, &good, READABLE_BY_ALL).await })
    });
    let flood: Vec<_> = flood.collect();
    let real: Vec<_> = real.collect();
    let mut counts = std::collections::BTreeMap::<u16, usize>::new();
    for handle in flood {
        *counts.entry(handle.await.unwrap().as_u16()).or_default() += 1;
    }
    let mut served = 0;
    for handle in real {
        assert_eq!(handle.await.unwrap(), StatusCode::OK, "a real user is served during the flood");
        served += 1;
    }
    eprintln!(
        "flood of 400 bad tokens + 20 real requests: {counts:?}, real served {served}, in {:?}",
        started.elapsed()
    );
    assert_eq!(counts.get(&401), Some(&(LIMIT as usize)), "the first {LIMIT} failures are 401: {counts:?}");
    assert_eq!(counts.get(&429), Some(&(400 - LIMIT as usize)), "{counts:?}");
    // The attacker stays refused, even with a good token, until its budget refills; others are not.
    assert_eq!(send_from(&app.router, attacker, &good, READABLE_BY_ALL).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(send_from(&app.router, colleague, &good, READABLE_BY_ALL).await, StatusCode::OK);
    // A 429 says when to retry.
    let request = http::Request::builder()
        .uri(READABLE_BY_ALL)
        .header("authorization", "Bearer nonsense")
        .extension(axum::extract::ConnectInfo(attacker))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = app.send(request).await;
    response.assert_problem(StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
}

/// Many requests at once from one address with a good credential (an integration, or an office behind
/// one address) wait their turn for the lookup and are all served: the cap on checks under way slows a
/// flood, it must never refuse good credentials.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_good_requests_at_once_from_one_address_are_all_served() {
    let app = TestApp::spawn().await;
    let good = app.token(Role::Auditor).await;
    let integration: SocketAddr = "192.0.2.50:40000".parse().unwrap();
    let at_once: Vec<_> = (0..200)
        .map(|_| {
            let (router, good) = (app.router.clone(), good.clone());
            tokio::spawn(async move { send_from(&router, integration, &good, READABLE_BY_ALL).await })
        })
        .collect();
    let mut counts = std::collections::BTreeMap::<u16, usize>::new();
    for handle in at_once {
        *counts.entry(handle.await.unwrap().as_u16()).or_default() += 1;
    }
    assert_eq!(counts, std::collections::BTreeMap::from([(200, 200)]), "every good request served");
}

/// Sends a page request from `peer`.
async fn page_from(app: &TestApp, method: http::Method, path: &str, peer: SocketAddr) -> StatusCode {
    let request = http::Request::builder()
        .method(method)
        .uri(path)
        .extension(axum::extract::ConnectInfo(peer))
        .body(axum::body::Body::empty())
        .unwrap();
    app.send(request).await.status
}

#[tokio::test]
async fn failed_sign_ins_with_links_are_limited_per_address() {
    const LIMIT: u32 = 5;
    let app = TestApp::spawn_with(Settings { auth_failures_per_minute: LIMIT, ..Settings::default() }).await;
    let guesser: SocketAddr = "203.0.113.9:1234".parse().unwrap();
    let other: SocketAddr = "198.51.100.1:1234".parse().unwrap();
    let mut statuses = Vec::new();
    for i in 0..LIMIT + 3 {
        let path = format!("/login/hv_{:064x}", u64::from(i) + 1);
        statuses.push(page_from(&app, http::Method::POST, &path, guesser).await);
    }
    let gone = statuses.iter().filter(|s| **s == StatusCode::GONE).count();
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((gone, limited), (LIMIT as usize, 3), "{statuses:?}");
    // Another address is not affected.
    let path = format!("/login/hv_{:064x}", 999);
    assert_eq!(page_from(&app, http::Method::POST, &path, other).await, StatusCode::GONE);
}

/// Sends a request with a bad bearer token from `peer`, forwarded for `forwarded` when given.
async fn bad_token_from(app: &TestApp, peer: &str, forwarded: Option<&str>) -> StatusCode {
    let peer: SocketAddr = peer.parse().unwrap();
    let mut request = http::Request::builder()
        .uri(READABLE_BY_ALL)
        .header("authorization", format!("Bearer hv_{}", "cd".repeat(32)))
        .extension(axum::extract::ConnectInfo(peer));
    if let Some(forwarded) = forwarded {
        request = request.header("x-forwarded-for", forwarded);
    }
    app.send(request.body(axum::body::Body::empty()).unwrap()).await.status
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_budget_and_others_cannot_pick_theirs() {
    const LIMIT: u32 = 3;
    let trusted_proxies = hemvist_platform::throttle::TrustedProxies::parse("10.0.0.0/8, 192.0.2.1").unwrap();
    let app =
        TestApp::spawn_with(Settings { auth_failures_per_minute: LIMIT, trusted_proxies, ..Settings::default() }).await;
    let proxy = "10.1.2.3:443";
    // A client behind the proxy spends its own budget (through two proxies of ours).
    let mut statuses = Vec::new();
    for _ in 0..LIMIT + 1 {
        statuses.push(bad_token_from(&app, proxy, Some("198.51.100.7, 192.0.2.1")).await.as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429]);
    // A forged entry left of it changes nothing: the rightmost entry not ours is the client.
    assert_eq!(bad_token_from(&app, proxy, Some("8.8.8.8, 198.51.100.7")).await, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy is served: the proxy's clients do not share one budget.
    assert_eq!(bad_token_from(&app, proxy, Some("198.51.100.8")).await, StatusCode::UNAUTHORIZED);
    // A peer that is not a trusted proxy is the client, whatever it forwards.
    let outsider = "203.0.113.30:5000";
    for i in 0..LIMIT {
        let forged = format!("198.51.100.{}", 100 + i);
        assert_eq!(bad_token_from(&app, outsider, Some(&forged)).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(bad_token_from(&app, outsider, Some("198.51.100.200")).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(bad_token_from(&app, proxy, Some("198.51.100.200")).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_trusted_proxies_forwarded_for_is_ignored_and_ipv6_is_counted_by_its_64() {
    const LIMIT: u32 = 2;
    let app = TestApp::spawn_with(Settings { auth_failures_per_minute: LIMIT, ..Settings::default() }).await;
    assert_eq!(bad_token_from(&app, "10.1.2.3:443", Some("198.51.100.1")).await, StatusCode::UNAUTHORIZED);
    assert_eq!(bad_token_from(&app, "10.1.2.3:443", Some("198.51.100.2")).await, StatusCode::UNAUTHORIZED);
    assert_eq!(bad_token_from(&app, "10.1.2.3:443", Some("198.51.100.3")).await, StatusCode::TOO_MANY_REQUESTS);
    // Two addresses of one IPv6 /64 share a budget; the next /64 has its own.
    assert_eq!(bad_token_from(&app, "[2001:db8:1:2::1]:443", None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(bad_token_from(&app, "[2001:db8:1:2:ffff::9]:443", None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(bad_token_from(&app, "[2001:db8:1:2::77]:443", None).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(bad_token_from(&app, "[2001:db8:1:3::1]:443", None).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_session_cookies_are_counted_like_bad_tokens() {
    const LIMIT: u32 = 3;
    let app = TestApp::spawn_with(Settings { auth_failures_per_minute: LIMIT, ..Settings::default() }).await;
    let guesser: SocketAddr = "203.0.113.44:1234".parse().unwrap();
    let mut statuses = Vec::new();
    for i in 0..LIMIT + 2 {
        let request = http::Request::builder()
            .uri("/")
            .header("cookie", format!("hemvist_session=hv_{:064x}", u64::from(i) + 1))
            .extension(axum::extract::ConnectInfo(guesser))
            .body(axum::body::Body::empty())
            .unwrap();
        statuses.push(app.send(request).await.status.as_u16());
    }
    // The start page answers a visitor without a session (200, its sign-in text) until the budget is spent.
    let limited: Vec<bool> = statuses.iter().map(|s| *s == 429).collect();
    assert_eq!(limited, [false, false, false, true, true], "{statuses:?}");
    // Its bearer tokens share the budget it spent.
    let good = app.token(Role::Auditor).await;
    assert_eq!(send_from(&app.router, guesser, &good, READABLE_BY_ALL).await, StatusCode::TOO_MANY_REQUESTS);
}
