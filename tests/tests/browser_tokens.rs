//! An admin's integration tokens in a real browser: made on *Behörigheter* (the text shown once),
//! working against the API, listed with its last use, and revoked (then 401). axe-core on the page;
//! screenshots under target/browser/.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;

use hemvist_tests::TestRole as Role;
use hemvist_tests::web::{check_page, grant, login_link, served_app};
use hemvist_tests::webdriver::Driver;
use http::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_makes_an_integration_token_sees_it_once_and_revokes_it() {
    let app = Arc::new(served_app().await);
    let base = app.state.settings.public_url.clone().unwrap();
    let link = login_link(&app, &grant(Role::Admin, "admin-1")).await;
    let in_browser = app.clone();
    tokio::task::spawn_blocking(move || {
        let app = in_browser;
        let api = |token: &str| {
            tokio::runtime::Handle::current().block_on(async { app.get("/api/v1/districts", token).await.status })
        };
        let driver = Driver::start().expect("chromedriver");
        let browser = driver.browser(1280, 900).expect("chromium");
        browser.goto(&link).unwrap();
        browser.click("main form button[type=submit]").unwrap();
        browser.wait_for_text("header", "administratör").unwrap();
        browser.goto(&format!("{base}/admin/access")).unwrap();
        browser.wait_for_text("#tokens-title", "API-nycklar").unwrap();
        browser.fill("#token-name", "Statistikflöde").unwrap();
        browser.click("#make-token").unwrap();
        let token = browser.wait_for_text("#new-token", "hv_").unwrap();
        check_page(&browser, "the access page with a new token", "admin-token-made.png");

        // It works against the API; opened again, the page lists it (last used) without its text.
        assert_eq!(api(&token), StatusCode::OK);
        browser.goto(&format!("{base}/admin/access")).unwrap();
        let row = browser.wait_for_text("#tokens", "Statistikflöde").unwrap();
        assert!(!browser.text("main").unwrap().contains(&token), "shown once");
        assert!(row.contains("gäller") && !row.contains("aldrig"), "active and used: {row}");

        // Revoked: the list says so and the API refuses it.
        browser.click("#tokens button.revoke-token").unwrap();
        browser.wait_for_text("#token-revoked", "återkallad").unwrap();
        assert!(browser.text("#tokens").unwrap().contains("återkallad"));
        check_page(&browser, "the access page with a revoked token", "admin-token-revoked.png");
        assert_eq!(api(&token), StatusCode::UNAUTHORIZED);
    })
    .await
    .unwrap();
}
