//! The staff web app in a real browser (Debian's chromium through chromedriver): what staff do, on a
//! phone's viewport, checked through the API and the audit trail, with axe-core on every page (WCAG 2.1
//! AA) and a screenshot under target/browser/. Fails, never skips, when the browser is missing.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use hemvist_tests::fixtures::{self, Fixtures, JARVA_LON, PersonSpec, id_of, jarva, tonight};
use hemvist_tests::web::{assert_accessible, login_link, output_dir, served_app, shelter_grant};
use hemvist_tests::webdriver::Driver;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shelter_staff_on_a_phone_report_tonights_count_and_check_a_guest_in() {
    let app = served_app().await;
    let base = app.state.settings.public_url.clone().unwrap();

    let f = Fixtures::new(&app).await;
    jarva(&app, &f.admin).await;
    let shelter =
        id_of(&f.post("/api/v1/shelters", &fixtures::shelter_body("Nattljuset", JARVA_LON, 12), "shelter").await);
    let guest = f.person(&PersonSpec::default()).await;
    let night = tonight(&app);
    let bed = id_of(
        &f.post(
            &format!("/api/v1/nights/{night}/assignments"),
            &json!({"shelter_id": shelter, "person_id": guest.id}),
            "bed",
        )
        .await,
    );
    let link = login_link(&app, &shelter_grant(&shelter, "staff-17")).await;
    assert!(link.starts_with(&format!("{base}/login/hv_")), "{link}");

    // Shelter staff see a guest by first name and initial only.
    let (shown_name, family_name) =
        (format!("{} {}.", guest.given_name, &guest.family_name[..1]), guest.family_name.clone());
    let screenshot = output_dir().join("shelter-staff-tonight.png");
    let (bed_in_browser, shelter_in_browser) = (bed.clone(), shelter.clone());
    tokio::task::spawn_blocking(move || {
        let driver = Driver::start().expect("chromedriver");
        let browser = driver.browser(390, 844).expect("chromium");
        browser.goto(&link).unwrap();
        assert_accessible(&browser, "the sign-in page");
        browser.click("main form button[type=submit]").unwrap();
        browser.wait_for_text("h1", "Nattljuset").unwrap();
        assert!(browser.current_url().unwrap().ends_with(&format!("/shelters/{shelter_in_browser}/tonight")));
        let viewport = browser.execute("return [window.innerWidth, window.innerHeight];", json!([])).unwrap();
        assert_eq!(viewport, json!([390, 844]), "a phone's viewport");
        let no_overflow = "return document.documentElement.scrollWidth <= window.innerWidth;";
        assert_eq!(browser.execute(no_overflow, json!([])).unwrap(), json!(true), "nothing wider than the phone");
        assert_accessible(&browser, "the shelter page");
        // A marker that survives only if the page is never reloaded: the actions are htmx swaps.
        browser.execute("window.hemvistMarker = 'still here';", json!([])).unwrap();

        // Tonight's count: beds in service and out of service with a reason.
        browser.fill("#beds_in_service", "10").unwrap();
        browser.fill("#beds_out_of_service", "2").unwrap();
        browser.fill("#out_of_service_reason", "Ingen värme i rum 3").unwrap();
        browser.click("#report-count").unwrap();
        browser.wait_for_text("#count-status", "Sparat").unwrap();

        // Tonight's guest, checked in.
        let row = format!("#guest-{bed_in_browser}");
        let name = browser.text(&format!("{row} .guest-name")).unwrap();
        assert_eq!(name, shown_name);
        assert!(!name.contains(&family_name));
        browser.click(&format!("{row} button.check-in")).unwrap();
        browser.wait_for_text(&format!("{row} .guest-status"), "Incheckad").unwrap();
        let marker = browser.execute("return window.hemvistMarker || null;", json!([])).unwrap();
        assert_eq!(marker, json!("still here"), "the page was reloaded");
        assert_accessible(&browser, "the shelter page after the count and the check-in");
        std::fs::write(&screenshot, browser.screenshot().unwrap()).unwrap();
    })
    .await
    .expect("the browser steps passed");

    // Both happened, as the API tells it.
    let reported = f.get(&format!("/api/v1/shelters/{shelter}/nights/{night}"), "night").await;
    assert_eq!(reported["beds_in_service"], 10);
    assert_eq!(reported["beds_out_of_service"], 2);
    assert_eq!(reported["out_of_service_reason"], "Ingen värme i rum 3");
    assert_eq!(reported["history"][0]["reported_by_role"], "shelter_staff");
    let beds = f.get(&format!("/api/v1/nights/{night}/assignments"), "beds").await;
    assert_eq!(beds["items"][0]["id"], bed.as_str());
    assert_eq!(beds["items"][0]["status"], "checked_in");

    // And both were audited as the signed-in member of staff (their session), like API calls.
    let client = app.owner_client().await;
    let session: uuid::Uuid = client
        .query_one("SELECT id FROM web_sessions WHERE role = 'shelter_staff' AND staff_id = 'staff-17'", &[])
        .await
        .unwrap()
        .get(0);
    let audited: Vec<(String, String, Option<uuid::Uuid>)> = client
        .query(
            "SELECT action, resource_type, person_id FROM audit_events
              WHERE actor_token_id = $1 AND actor_role = 'shelter_staff' ORDER BY id",
            &[&session],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let guest_id: uuid::Uuid = guest.id.parse().unwrap();
    for expected in [
        ("create".to_owned(), "web_session".to_owned(), None),
        ("update".to_owned(), "shelter_night".to_owned(), None),
        ("update".to_owned(), "bed_assignment".to_owned(), Some(guest_id)),
        ("list".to_owned(), "bed_assignment".to_owned(), Some(guest_id)),
    ] {
        assert!(audited.contains(&expected), "{expected:?} not in the audit trail: {audited:?}");
    }
    assert!(std::fs::metadata(output_dir().join("shelter-staff-tonight.png")).is_ok_and(|m| m.len() > 1000));
}
