//! The night coordinator's pages in a real browser (chromium through chromedriver) on a desktop
//! viewport: the bed board, the guarantee desk and the open breaches, with a second coordinator in
//! another browser session watching the board. axe-core on every page (WCAG 2.1 AA); screenshots under
//! target/browser/. Fails, never skips, when the browser is missing.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use hemvist_tests::TestRole as Role;
use hemvist_tests::fixtures::{self, Fixtures, JARVA_LON, PersonSpec, jarva, tonight};
use hemvist_tests::web::{assert_accessible, grant, login_link, output_dir, screenshot, served_app};
use hemvist_tests::webdriver::{Browser, Driver};
use serde_json::json;

/// Signs in with a one-time link and lands on the bed board.
fn sign_in(browser: &Browser<'_>, link: &str) {
    browser.goto(link).unwrap();
    assert_accessible(browser, "the sign-in page");
    browser.click("main form button[type=submit]").unwrap();
    browser.wait_for_text("h1", "Nattens platstavla").unwrap();
    assert!(browser.current_url().unwrap().ends_with("/night/board"), "night coordinators start at the board");
}

/// A marker that survives only if the page is never reloaded.
fn mark(browser: &Browser<'_>) {
    browser.execute("window.hemvistMarker = 'still here';", json!([])).unwrap();
}

#[track_caller]
fn assert_not_reloaded(browser: &Browser<'_>) {
    let marker = browser.execute("return window.hemvistMarker || null;", json!([])).unwrap();
    assert_eq!(marker, json!("still here"), "the page was reloaded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn night_coordinator_places_a_walk_in_and_both_boards_show_one_bed_fewer() {
    let app = served_app().await;
    let base = app.state.settings.public_url.clone().unwrap();

    let f = Fixtures::new(&app).await;
    jarva(&app, &f.admin).await;
    let shelter = fixtures::id_of(
        &f.post("/api/v1/shelters", &fixtures::shelter_body("Nattljuset", JARVA_LON, 12), "shelter").await,
    );
    // Someone the housing unit knows, with a personnummer a night coordinator sees only masked.
    let known = f.person(&PersonSpec { personnummer: Some("19121212-1212"), ..PersonSpec::default() }).await;
    let known_name = format!("{} {}", known.given_name, known.family_name);
    let mut links = Vec::new();
    for staff in ["night-1", "night-2"] {
        links.push(login_link(&app, &grant(Role::NightCoordinator, staff)).await);
    }
    let free_cell = format!("#board-{shelter} td.free");
    let base_in_browser = base.clone();

    let shown = tokio::task::spawn_blocking(move || {
        let base = base_in_browser;
        let driver = Driver::start().expect("chromedriver");
        let first = driver.browser(1366, 900).expect("chromium");
        let second = driver.browser(1366, 900).expect("a second chromium session");

        // The first coordinator's board: all twelve beds free; a filter for pets leaves no shelter.
        sign_in(&first, &links[0]);
        assert_eq!(first.text(&free_cell).unwrap(), "12");
        assert_accessible(&first, "the bed board");
        screenshot(&first, "night-bed-board.png");
        first.click("#filter-pets").unwrap();
        first.click("#apply-filters").unwrap();
        first.wait_for_text("#board", "Inga boenden matchar").unwrap();
        assert!(first.current_url().unwrap().contains("pets=1"));
        assert_accessible(&first, "the filtered bed board");

        // The second coordinator, in another browser session, watches the board.
        sign_in(&second, &links[1]);
        assert_eq!(second.text(&free_cell).unwrap(), "12");
        mark(&second);

        // The guarantee desk: register a walk-in, record the request, see the bed at once.
        first.goto(&format!("{base}/night/desk")).unwrap();
        first.wait_for_text("h1", "Garantidisken").unwrap();
        assert_eq!(first.text(&free_cell).unwrap(), "12");
        assert_accessible(&first, "the guarantee desk");
        mark(&first);

        // A person found by name, the number masked as the API masks it; they need a wheelchair and
        // no shelter takes one: the breach is shown at once and is on the open breaches list.
        first.fill("#search-name", &known_name[..8]).unwrap();
        first.click("#search").unwrap();
        let found = first.wait_for_text("#desk .people", &known_name).unwrap();
        assert!(found.contains("19121212-****") && !found.contains("1212-1212"), "masked: {found}");
        assert_accessible(&first, "the search results");
        first.click("#desk .people a").unwrap();
        first.wait_for_text("#chosen-name", &known_name).unwrap();
        first.click("input[name=wheelchair]").unwrap();
        first.click("#record-request").unwrap();
        first.wait_for_text("#outcome-headline", "garantibrott").unwrap();
        assert_accessible(&first, "the breach outcome");
        first.click("#new-request").unwrap();

        // A walk-in, registered and placed.
        first.fill("#given_name", "Kalle").unwrap();
        first.fill("#family_name", "från Plattan").unwrap();
        first.fill("#home_municipality", "0180").unwrap();
        first.click("#register-walk-in").unwrap();
        first.wait_for_text("#chosen-name", "Kalle från Plattan").unwrap();
        assert_accessible(&first, "the request form");
        first.click("#record-request").unwrap();
        first.wait_for_text("#outcome-headline", "Plats given").unwrap();
        assert_eq!(first.text("#outcome-shelter").unwrap(), "Nattljuset");
        assert_eq!(first.text("#outcome-address").unwrap(), "Nattljusetgatan 1");
        let hold_until = first.text("#outcome-hold-until").unwrap();

        // Both boards show one bed fewer without reloading (htmx polling).
        first.wait_for_text(&free_cell, "11").unwrap();
        assert_not_reloaded(&first);
        assert_accessible(&first, "the guarantee desk with the outcome");
        screenshot(&first, "night-guarantee-desk.png");
        second.wait_for_text(&free_cell, "11").unwrap();
        assert_not_reloaded(&second);
        screenshot(&second, "night-bed-board-second-coordinator.png");

        first.click(".subnav a[href='/night/breaches']").unwrap();
        first.wait_for_text("h1", "Öppna garantibrott").unwrap();
        first.wait_for_text("main table tbody", "jarva").unwrap();
        first.click("main table tbody a").unwrap();
        first.wait_for_text("#chosen-name", &known_name).unwrap();
        first.goto(&format!("{base}/night/breaches")).unwrap();
        first.wait_for_text("h1", "Öppna garantibrott").unwrap();
        assert_accessible(&first, "the open breaches");
        screenshot(&first, "night-breaches.png");
        hold_until
    })
    .await
    .expect("the browser steps passed");

    // The placement, as the API tells it: the hold shown is the bed's hold_until in Stockholm time.
    let night = tonight(&app);
    let requests = f.get(&format!("/api/v1/guarantee-requests?night={night}"), "requests").await;
    let outcomes: Vec<&str> =
        requests["items"].as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes.len(), 2, "{requests}");
    assert!(outcomes.contains(&"no_suitable_bed"), "{requests}");
    let request = requests["items"].as_array().unwrap().iter().find(|r| r["outcome"] == "placed").unwrap();
    assert_eq!(request["outcome"], "placed");
    assert_eq!(request["bed"]["shelter_id"], shelter.as_str());
    let hold: jiff::Timestamp = request["bed"]["hold_until"].as_str().unwrap().parse().unwrap();
    let local = hold.to_zoned(jiff::tz::TimeZone::get("Europe/Stockholm").unwrap()).strftime("%Y-%m-%d %H:%M");
    assert_eq!(shown, local.to_string());
    let board = f.get(&format!("/api/v1/nights/{night}/availability"), "board").await;
    assert_eq!(board[0]["free"], 11, "{board}");
    // The desk's writes were audited as the signed-in coordinator's session, like API calls.
    let client = app.owner_client().await;
    let audited: Vec<(String, String)> = client
        .query(
            "SELECT a.action, a.resource_type FROM audit_events a JOIN web_sessions s ON s.id = a.actor_token_id
              WHERE s.staff_id = 'night-1' AND a.actor_role = 'night_coordinator'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for expected in
        [("create", "person"), ("create", "guarantee_request"), ("list", "person_search"), ("read", "person")]
    {
        let expected = (expected.0.to_owned(), expected.1.to_owned());
        assert!(audited.contains(&expected), "{expected:?} not in the audit trail: {audited:?}");
    }
    for name in [
        "night-bed-board.png",
        "night-guarantee-desk.png",
        "night-bed-board-second-coordinator.png",
        "night-breaches.png",
    ] {
        assert!(std::fs::metadata(output_dir().join(name)).is_ok_and(|m| m.len() > 1000), "{name}");
    }
}
