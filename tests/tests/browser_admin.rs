//! The admin's pages in a real browser (chromium through chromedriver): districts imported from a
//! GeoJSON file chosen in the file input (a bad file first: a Swedish error and nothing written), a
//! shelter created and changed, a sign-in link made for shelter staff and used in a second browser,
//! and that browser signed out when the admin ends its session. axe-core on every page (WCAG 2.1 AA);
//! screenshots under target/browser/. Fails, never skips, when the browser is missing.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use hemvist_tests::TestRole as Role;
use hemvist_tests::fixtures::{JARVA_BOX, box_polygon};
use hemvist_tests::web::{assert_accessible, check_page, grant, login_link, output_dir, served_app};
use hemvist_tests::webdriver::{Browser, Driver};
use serde_json::{Value, json};

const BROMMA_BOX: [f64; 4] = [17.97, 59.38, 18.05, 59.43];

fn feature(code: Option<&str>, name: &str, area: [f64; 4]) -> Value {
    json!({"type": "Feature", "properties": {"code": code, "name": name}, "geometry": box_polygon(area)})
}

/// Writes a FeatureCollection to `dir/name` and returns its path.
fn geojson_file(dir: &std::path::Path, name: &str, features: Vec<Value>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features})).unwrap())
        .unwrap();
    path.display().to_string()
}

/// Opens a page from the menu and waits for its heading.
fn open_from_menu(browser: &Browser<'_>, path: &str, heading: &str) {
    browser.click(&format!("header nav a[href='{path}']")).unwrap();
    browser.wait_for_text("h1", heading).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_imports_districts_creates_a_shelter_and_gives_and_ends_staff_access() {
    let app = served_app().await;
    let base = app.state.settings.public_url.clone().unwrap();
    let admin_link = login_link(&app, &grant(Role::Admin, "admin-1")).await;
    let files = tempfile::tempdir().unwrap();
    // The second feature has no code: the whole file is refused.
    let bad_file = geojson_file(
        files.path(),
        "utan-kod.geojson",
        vec![feature(Some("jarva"), "Järva", JARVA_BOX), feature(None, "Bromma", BROMMA_BOX)],
    );
    let good_file = geojson_file(
        files.path(),
        "stadsdelar.geojson",
        vec![feature(Some("jarva"), "Järva", JARVA_BOX), feature(Some("bromma"), "Bromma", BROMMA_BOX)],
    );
    let base_in_browser = base.clone();

    tokio::task::spawn_blocking(move || {
        let base = base_in_browser;
        let driver = Driver::start().expect("chromedriver");
        let admin = driver.browser(1280, 900).expect("chromium");
        admin.goto(&admin_link).unwrap();
        admin.click("main form button[type=submit]").unwrap();
        admin.wait_for_text("header", "administratör").unwrap();

        // Districts: a bad file is refused whole, with a Swedish error naming the feature and property.
        open_from_menu(&admin, "/admin/districts", "Stadsdelar");
        check_page(&admin, "the districts page", "admin-districts.png");
        admin.send_keys("#district-file", &bad_file).unwrap();
        admin.click("#import").unwrap();
        let error = admin.wait_for_text("#form-error", "område 2 i filen, egenskapen code saknas").unwrap();
        assert!(error.contains("Kontrollera uppgifterna"), "{error}");
        assert!(admin.text("main").unwrap().contains("Inga stadsdelar ännu"), "nothing was written");
        check_page(&admin, "the districts page with an error", "admin-districts-error.png");
        // The good file: both listed.
        admin.send_keys("#district-file", &good_file).unwrap();
        admin.click("#import").unwrap();
        admin.wait_for_text("#imported", "2").unwrap();
        let listed = admin.text("#districts").unwrap();
        assert!(listed.contains("Järva") && listed.contains("Bromma"), "{listed}");
        check_page(&admin, "the imported districts", "admin-districts-imported.png");

        // Shelters: a new one, in Järva by its location.
        open_from_menu(&admin, "/admin/shelters", "Boenden");
        check_page(&admin, "the shelters page", "admin-shelters-empty.png");
        admin.click("#new-shelter").unwrap();
        admin.wait_for_text("h1", "Nytt boende").unwrap();
        check_page(&admin, "the new shelter form", "admin-shelter-new.png");
        admin.fill("#name", "Nattljuset").unwrap();
        admin.fill("#operator", "Stadsmissionen").unwrap();
        admin.fill("#address", "Nattljusgatan 1").unwrap();
        admin.fill("#lat", "59,40").unwrap();
        admin.fill("#lon", "17.90").unwrap();
        admin.fill("#total_beds", "12").unwrap();
        admin.click("#save-shelter").unwrap();
        admin.wait_for_text("#saved", "Sparat").unwrap();
        let row = admin.text("#shelters tbody tr").unwrap();
        assert!(row.contains("Nattljuset") && row.contains("jarva") && row.contains("12"), "{row}");
        check_page(&admin, "the shelters list", "admin-shelters.png");
        // Changed: a location that is not a number is refused, in Swedish, with what was typed kept.
        admin.click("#shelters a.edit").unwrap();
        admin.wait_for_text("h1", "Ändra boende").unwrap();
        admin.fill("#total_beds", "15").unwrap();
        admin.click("#accepts_pets").unwrap();
        admin.fill("#lat", "norr").unwrap();
        admin.click("#save-shelter").unwrap();
        admin.wait_for_text("#form-error", "latituden måste vara ett tal").unwrap();
        let kept = admin.execute("return document.getElementById('total_beds').value;", json!([])).unwrap();
        assert_eq!(kept, json!("15"), "the form keeps what was typed");
        check_page(&admin, "the shelter form with an error", "admin-shelter-error.png");
        admin.fill("#lat", "59.40").unwrap();
        admin.click("#save-shelter").unwrap();
        admin.wait_for_text("#saved", "Sparat").unwrap();
        assert_eq!(admin.text("#shelters td.beds").unwrap(), "15");

        // Staff access: a link for shelter staff of the new shelter, shown once.
        open_from_menu(&admin, "/admin/access", "Behörigheter");
        check_page(&admin, "the access page", "admin-access.png");
        admin.click("#link-role option[value=shelter_staff]").unwrap();
        admin.click("input[name=shelter]").unwrap();
        admin.fill("#link-staff-id", "boende-1").unwrap();
        admin.click("#make-link").unwrap();
        let staff_link = admin.wait_for_text("#new-link", "/login/hv_").unwrap();
        assert!(staff_link.starts_with(&base), "{staff_link}");
        check_page(&admin, "the access page with a new link", "admin-access-link.png");

        // The link in a second browser: a phone at the shelter's door, straight to tonight's page.
        let staff = driver.browser(390, 844).expect("a second chromium session");
        staff.goto(&staff_link).unwrap();
        assert_accessible(&staff, "the sign-in page");
        staff.click("main form button[type=submit]").unwrap();
        staff.wait_for_text("h1", "Nattljuset").unwrap();
        let tonight = staff.current_url().unwrap();
        assert!(tonight.ends_with("/tonight"), "{tonight}");

        // The admin sees both sessions and ends the shelter staff's: that browser is signed out.
        admin.goto(&format!("{base}/admin/access")).unwrap();
        let sessions = admin.wait_for_text("#sessions", "boende-1").unwrap();
        assert!(sessions.contains("(du)") && sessions.contains("boendepersonal"), "{sessions}");
        assert!(sessions.contains("Nattljuset"), "the scope by shelter name: {sessions}");
        admin.execute("document.getElementById('sessions-title').scrollIntoView();", json!([])).unwrap();
        check_page(&admin, "the open sessions", "admin-access-sessions.png");
        admin.click("#sessions tr.session:not(.own) button.end-session").unwrap();
        admin.wait_for_text("#ended", "avslutad").unwrap();
        assert!(!admin.text("#sessions").unwrap().contains("boende-1"));
        staff.goto(&tonight).unwrap();
        staff.wait_for_text("main", "Du behöver logga in").unwrap();
    })
    .await
    .expect("the browser steps passed");

    // What the API sees: both districts, the shelter as changed, and the access audited.
    let token = app.token(Role::Admin).await;
    let districts = app.get("/api/v1/districts", &token).await.body;
    let codes: Vec<&str> = districts["items"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["bromma", "jarva"]);
    let shelters = app.get("/api/v1/shelters", &token).await.body;
    assert_eq!(shelters[0]["name"], "Nattljuset");
    assert_eq!(shelters[0]["total_beds"], 15);
    assert_eq!(shelters[0]["district_code"], "jarva");
    assert_eq!(shelters[0]["eligibility"]["accepts_pets"], true);
    let client = app.owner_client().await;
    let audited: Vec<(String, String)> = client
        .query(
            "SELECT a.action, a.resource_type FROM audit_events a JOIN web_sessions s ON s.id = a.actor_token_id
              WHERE s.staff_id = 'admin-1' AND a.actor_role = 'admin'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for expected in [
        ("create", "district"),
        ("create", "shelter"),
        ("update", "shelter"),
        ("create", "web_login_link"),
        ("delete", "web_session"),
    ] {
        let expected = (expected.0.to_owned(), expected.1.to_owned());
        assert!(audited.contains(&expected), "{expected:?} not in the audit trail: {audited:?}");
    }
    for name in ["admin-districts-imported.png", "admin-shelters.png", "admin-access-sessions.png"] {
        assert!(std::fs::metadata(output_dir().join(name)).is_ok_and(|m| m.len() > 1000), "{name}");
    }
}
