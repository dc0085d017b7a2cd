//! Single sign-on in a real browser (chromium through chromedriver) against a real OpenID provider
//! (oidc-provider from npm, tests/oidc/provider.mjs): a member of shelter staff whose group is mapped
//! to their shelter signs in at the provider's login form and lands on that shelter's page; signing
//! out ends the Hemvist session (its cookie no longer works) and the provider's (RP-initiated logout);
//! a user with no mapped group gets "no access" (403) and no session, and so does the staff member at
//! the next sign-in once removed from the group at the provider. axe-core on Hemvist's pages;
//! screenshots under target/browser/. Fails, never skips, when the browser or node is missing.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use hemvist_platform::settings::Settings;
use hemvist_tests::fixtures::{JARVA_LON, jarva, shelter_body};
use hemvist_tests::oidc::{Provider, SHELTER_GROUP, serve, state_with};
use hemvist_tests::web::{check_page, screenshot};
use hemvist_tests::webdriver::{Browser, Driver};
use hemvist_tests::{TestApp, TestRole as Role};
use http::{Request, StatusCode};

/// Signs in at the provider's login form (any password).
fn sign_in_at_provider(browser: &Browser<'_>, base: &str, user: &str) {
    browser.goto(&format!("{base}/")).unwrap();
    browser.click("main a[href='/login/sso']").unwrap();
    browser.fill("input[name=login]", user).unwrap();
    browser.fill("input[name=password]", "any password").unwrap();
    browser.click("button[type=submit]").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shelter_staff_sign_in_at_the_citys_provider_and_an_unmapped_user_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    jarva(&app, &admin).await;
    let shelter = app.post("/api/v1/shelters", &admin, &shelter_body("Aspudden", JARVA_LON, 20)).await;
    assert_eq!(shelter.status, StatusCode::CREATED, "{}", shelter.body);
    let shelter_id = shelter.body["id"].as_str().unwrap().to_owned();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let provider = Provider::start(&base);
    let mapping = format!("{SHELTER_GROUP}=shelter_staff:0180:shelter:{shelter_id}");
    let settings =
        Settings { public_url: Some(base.clone()), oidc: Some(provider.settings(&mapping)), ..Settings::default() };
    let state = state_with(&app, settings);
    serve(listener, state.clone());

    let provider = std::sync::Arc::new(provider);
    let in_browser = (base.clone(), shelter_id.clone(), provider.clone());
    let old_cookie = tokio::task::spawn_blocking(move || {
        let (base, shelter_id, provider_in_browser) = in_browser;
        let driver = Driver::start().expect("chromedriver");
        let browser = driver.browser(412, 915).expect("chromium");

        // Signed out, the start page offers the city's sign-in.
        browser.goto(&format!("{base}/")).unwrap();
        browser.wait_for_text("main", "Logga in med stadens konto").unwrap();
        check_page(&browser, "the sign-in page with single sign-on", "sso-sign-in.png");

        // Shelter staff: the provider's form, then straight to their shelter tonight.
        sign_in_at_provider(&browser, &base, "staff-aspudden");
        browser.wait_for_text("h1", "Aspudden").unwrap();
        assert_eq!(browser.current_url().unwrap(), format!("{base}/shelters/{shelter_id}/tonight"));
        check_page(&browser, "the shelter page after single sign-on", "sso-shelter.png");
        let cookie = browser.cookie("hemvist_session").expect("a session cookie");

        // Signing out ends the session here and at the provider, then comes back signed out.
        browser.click("header form[action='/logout'] button").unwrap();
        browser.click("button[value=yes]").unwrap();
        browser.wait_for_text("main", "Logga in med stadens konto").unwrap();
        assert_eq!(browser.current_url().unwrap(), format!("{base}/"));
        assert_eq!(browser.cookie("hemvist_session"), None);

        // A user none of whose groups is mapped: the provider must ask again (its session ended too),
        // and Hemvist refuses with a clear page and no session.
        sign_in_at_provider(&browser, &base, "outsider");
        browser.wait_for_text("h1", "Ingen behörighet").unwrap();
        assert!(browser.text("main").unwrap().contains("ingen av dina grupper ger tillgång"));
        check_page(&browser, "the no-access page", "sso-no-access.png");
        assert_eq!(browser.cookie("hemvist_session"), None, "no session for an unmapped user");
        // A new visit: nobody is signed in at the provider either.
        browser.delete_cookies().unwrap();

        // Removed from the group at the provider: the next sign-in finds no access.
        provider_in_browser.set_groups("staff-aspudden", &[]);
        sign_in_at_provider(&browser, &base, "staff-aspudden");
        browser.wait_for_text("h1", "Ingen behörighet").unwrap();
        screenshot(&browser, "sso-removed-from-group.png");
        cookie
    })
    .await
    .unwrap();

    // The old cookie no longer works.
    let router = hemvist_server::app(state);
    let request = Request::builder()
        .uri(format!("/shelters/{shelter_id}/tonight"))
        .header("cookie", format!("hemvist_session={old_cookie}"))
        .body(axum::body::Body::empty())
        .unwrap();
    use tower::ServiceExt;
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // One session was opened, by the provider's sign-in, ending at its ID token's expiry (an hour).
    let client = app.owner_client().await;
    let rows = client
        .query(
            "SELECT signed_in_with, oidc_subject, role, shelter_scope::text[], revoked_at IS NOT NULL AS ended,
                    expires_at <= now() + interval '1 hour' AS within_the_hour
               FROM web_sessions",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "no session for the unmapped user, nor after the group was removed");
    let row = &rows[0];
    assert_eq!(row.get::<_, String>("signed_in_with"), "oidc");
    assert_eq!(row.get::<_, String>("oidc_subject"), "staff-aspudden");
    assert_eq!(row.get::<_, String>("role"), "shelter_staff");
    assert_eq!(row.get::<_, Vec<String>>("shelter_scope"), vec![shelter_id]);
    assert!(row.get::<_, bool>("ended"), "signed out");
    assert!(row.get::<_, bool>("within_the_hour"), "the provider's expiry, not the 12-hour maximum");
    // Who signed in is in the audit trail itself (it outlives the session row): the provider's subject,
    // the staff id and the group that gave the role; the two refused sign-ins are audited too.
    let events = client
        .query(
            "SELECT resource_type, actor_role, details FROM audit_events
              WHERE resource_type IN ('web_session', 'refused_sign_in') AND action = 'create' ORDER BY id",
            &[],
        )
        .await
        .unwrap();
    let events: Vec<(String, String, serde_json::Value)> =
        events.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(events[0].0, "web_session");
    assert_eq!(events[0].2["subject"], "staff-aspudden");
    assert_eq!(events[0].2["staff_id"], "staff-aspudden");
    assert_eq!(events[0].2["group"], SHELTER_GROUP);
    for (event, who) in events[1..].iter().zip(["outsider", "staff-aspudden"]) {
        assert_eq!((event.0.as_str(), event.1.as_str()), ("refused_sign_in", "none"), "{event:?}");
        assert_eq!(event.2["subject"], who, "{event:?}");
    }
    drop(provider);
}
