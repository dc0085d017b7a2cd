//! What every browser test starts from: the app on a real port, one-time sign-in links for a grant,
//! axe-core's verdict and screenshots under `target/browser/` for review.

use hemvist_platform::MunicipalityCode;
use hemvist_platform::auth::Role;
use hemvist_platform::settings::Settings;
use hemvist_web::sessions::{Grant, create_login_link};
use jiff::civil::Date;
use uuid::Uuid;

use crate::TestApp;
use crate::webdriver::Browser;

/// Where screenshots go: `target/browser/` (or under `CARGO_TARGET_DIR`).
pub fn output_dir() -> std::path::PathBuf {
    let target =
        std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").into());
    let dir = std::path::Path::new(&target).join("browser");
    std::fs::create_dir_all(&dir).expect("target/browser");
    dir
}

/// axe-core on the page: zero violations at WCAG 2.1 AA.
#[track_caller]
pub fn assert_accessible(browser: &Browser<'_>, page: &str) {
    let violations = browser.axe_violations().expect("axe-core runs");
    assert!(violations.is_empty(), "WCAG 2.1 AA violations on {page}:\n{}", violations.join("\n"));
}

/// Saves the page as `target/browser/NAME` for review.
pub fn screenshot(browser: &Browser<'_>, name: &str) {
    std::fs::write(output_dir().join(name), browser.screenshot().expect("a screenshot")).expect("saved");
}

/// axe-core on the page, then its screenshot: what every page of every browser test gets.
#[track_caller]
pub fn check_page(browser: &Browser<'_>, page: &str, screenshot_name: &str) {
    assert_accessible(browser, page);
    screenshot(browser, screenshot_name);
}

/// The app on a real port, so the browser can reach it; sign-in links point there.
pub async fn served_app() -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let app = TestApp::spawn_with(Settings { public_url: Some(base), ..Settings::default() }).await;
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    app
}

/// A grant in Stockholm (0180) for a role, with no unit scope.
pub fn grant(role: Role, staff_id: &str) -> Grant {
    Grant {
        municipality: MunicipalityCode::parse("0180").expect("0180"),
        role,
        district_scope: Vec::new(),
        shelter_scope: Vec::new(),
        staff_id: Some(staff_id.into()),
    }
}

/// A grant for shelter staff of one shelter.
pub fn shelter_grant(shelter: &str, staff_id: &str) -> Grant {
    Grant { shelter_scope: vec![shelter.parse::<Uuid>().expect("a shelter id")], ..grant(Role::ShelterStaff, staff_id) }
}

/// A one-time sign-in link for the grant.
pub async fn login_link(app: &TestApp, grant: &Grant) -> String {
    let client = app.pool.get().await.expect("a connection");
    create_login_link(&client, &app.state.settings, grant).await.expect("a sign-in link")
}

/// Today in Stockholm, where the staff work.
pub fn stockholm_today() -> Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::get("Europe/Stockholm").expect("the zone")).date()
}
