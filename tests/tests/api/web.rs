//! The staff web app without a browser: security headers, one-time sign-in links, sessions as
//! principals, CSRF on every POST (the browser test in tests/browser.rs drives the pages themselves).

use axum::body::Body;
use hemvist_platform::MunicipalityCode;
use hemvist_tests::fixtures::{self, Fixtures, JARVA_LON, id_of, jarva};
use hemvist_tests::{TestApp, TestResponse, TestRole as Role};
use hemvist_web::sessions::{Grant, create_login_link};
use http::{Method, Request, StatusCode};

async fn link(app: &TestApp, role: Role, shelters: &[&str]) -> String {
    let client = app.pool.get().await.unwrap();
    let grant = Grant {
        municipality: MunicipalityCode::parse("0180").unwrap(),
        role,
        district_scope: Vec::new(),
        shelter_scope: shelters.iter().map(|s| s.parse().unwrap()).collect(),
        staff_id: None,
    };
    let url = create_login_link(&client, &app.state.settings, &grant).await.unwrap();
    url.split_once("/login/").map(|(_, secret)| format!("/login/{secret}")).unwrap()
}

async fn request(app: &TestApp, method: Method, path: &str, cookie: Option<&str>, form: &str) -> TestResponse {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(cookie) = cookie {
        builder = builder.header("cookie", cookie);
    }
    if !form.is_empty() {
        builder = builder.header("content-type", "application/x-www-form-urlencoded");
    }
    app.send(builder.body(Body::from(form.to_owned())).unwrap()).await
}

/// Signs in with a fresh link; returns the `name=value` of the session cookie.
async fn signed_in(app: &TestApp, role: Role, shelters: &[&str]) -> String {
    let used = request(app, Method::POST, &link(app, role, shelters).await, None, "").await;
    assert_eq!(used.status, StatusCode::SEE_OTHER);
    let cookie = used.header("set-cookie").unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: not Secure ({cookie})");
    cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn pages_carry_a_strict_content_security_policy_and_speak_swedish_first() {
    let app = TestApp::spawn().await;
    let home = request(&app, Method::GET, "/", None, "").await;
    assert_eq!(home.status, StatusCode::OK);
    let csp = home.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'") && !csp.contains("unsafe"));
    assert_eq!(home.header("cache-control"), Some("no-store"));
    assert_eq!(home.header("referrer-policy"), Some("no-referrer"));
    let html = home.body.as_str().unwrap();
    assert!(html.contains(r#"<html lang="sv">"#) && html.contains("Logga in"));
    assert!(!html.contains("<script>") && !html.contains("style="), "nothing inline");
    let english = request(&app, Method::GET, "/?lang=en", None, "").await;
    assert!(english.body.as_str().unwrap().contains(r#"<html lang="en">"#));
    assert!(english.header("set-cookie").is_some_and(|c| c.starts_with("hemvist_lang=en")));
    let htmx = request(&app, Method::GET, hemvist_web::HTMX_PATH, None, "").await;
    assert_eq!(htmx.status, StatusCode::OK);
    assert_eq!(htmx.header("content-type"), Some("text/javascript; charset=utf-8"));
}

#[tokio::test]
async fn a_sign_in_link_works_once() {
    let app = TestApp::spawn().await;
    let path = link(&app, Role::Admin, &[]).await;
    // Opening it only shows a button (a link preview does not use it up).
    assert_eq!(request(&app, Method::GET, &path, None, "").await.status, StatusCode::OK);
    assert_eq!(request(&app, Method::POST, &path, None, "").await.status, StatusCode::SEE_OTHER);
    assert_eq!(request(&app, Method::POST, &path, None, "").await.status, StatusCode::GONE);
    assert_eq!(request(&app, Method::POST, "/login/hv_nonsense", None, "").await.status, StatusCode::GONE);
}

#[tokio::test]
async fn every_post_needs_the_sessions_csrf_token_and_the_roles_the_api_needs() {
    let app = TestApp::spawn().await;
    let f = Fixtures::new(&app).await;
    jarva(&app, &f.admin).await;
    let shelter = id_of(&f.post("/api/v1/shelters", &fixtures::shelter_body("Ljuset", JARVA_LON, 5), "shelter").await);
    let staff = signed_in(&app, Role::ShelterStaff, &[&shelter]).await;
    let page = request(&app, Method::GET, &format!("/shelters/{shelter}/tonight"), Some(&staff), "").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = page.body.as_str().unwrap();
    let csrf = html.split(r#"name="csrf" value=""#).nth(1).unwrap().split('"').next().unwrap().to_owned();
    let count = format!("/shelters/{shelter}/tonight/count");
    let without = request(&app, Method::POST, &count, Some(&staff), "beds_in_service=4").await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    let forged =
        request(&app, Method::POST, &count, Some(&staff), &format!("beds_in_service=4&csrf={}", "0".repeat(64))).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let with = request(&app, Method::POST, &count, Some(&staff), &format!("beds_in_service=4&csrf={csrf}")).await;
    assert_eq!(with.status, StatusCode::SEE_OTHER);
    let night = f.get(&format!("/api/v1/shelters/{shelter}/nights/{}", fixtures::tonight(&app)), "night").await;
    assert_eq!(night["beds_in_service"], 4);
    // A bad count is a 422 page, not a 500.
    let bad = request(&app, Method::POST, &count, Some(&staff), &format!("beds_in_service=x&csrf={csrf}")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Another shelter's page is not found for this staff member; an auditor may not open it at all.
    let other = id_of(&f.post("/api/v1/shelters", &fixtures::shelter_body("Annat", JARVA_LON, 5), "shelter").await);
    let elsewhere = request(&app, Method::GET, &format!("/shelters/{other}/tonight"), Some(&staff), "").await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    assert!(elsewhere.body.as_str().unwrap().contains("Sidan finns inte"));
    let auditor = signed_in(&app, Role::Auditor, &[]).await;
    let refused = request(&app, Method::GET, &format!("/shelters/{shelter}/tonight"), Some(&auditor), "").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Without a session: the sign-in page tells how, as a page.
    let anonymous = request(&app, Method::GET, &format!("/shelters/{shelter}/tonight"), None, "").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert!(anonymous.header("content-type").unwrap().starts_with("text/html"));
}
