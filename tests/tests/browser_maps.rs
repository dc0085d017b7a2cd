//! The maps of the staff web app (Leaflet, vendored) in a real browser: the night coordinator's bed
//! board shows every shelter as a marker with its free beds written on it and coloured by how many
//! (none / 1–3 / 4 or more), over the district boundaries, and follows the board's filters and its
//! polling; the housing officer's page shows the vacant apartments, never a protected home. With no
//! tile server configured the browser asks nothing of any other origin. Also, without a browser: the
//! maps' data endpoints refuse signed-out callers and other roles, and a configured tile server adds
//! its origin, and only that, to the Content-Security-Policy.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use axum::body::Body;
use hemvist_platform::settings::Settings;
use hemvist_tests::fixtures::{
    Fixtures, LAT, PersonSpec, district_in, jarva, merged, shelter_body, tonight, two_room_apartment_body,
};
use hemvist_tests::web::{check_page, grant, login_link, served_app};
use hemvist_tests::webdriver::{Browser, Driver};
use hemvist_tests::{TestApp, TestResponse, TestRole as Role};
use http::{Method, Request, StatusCode};
use serde_json::{Value, json};

/// Bromma, east of Järva ([`JARVA_BOX`]).
const BROMMA_BOX: [f64; 4] = [17.97, 59.38, 18.07, 59.43];

/// The colours of the legend (the board's rule): no free bed, 1–3, 4 or more.
fn colour_of(free: u32) -> &'static str {
    match free {
        0 => "free-none",
        1..=3 => "free-few",
        _ => "free-many",
    }
}

/// Waits up to 15 s until `script` (a JS expression) is true.
#[track_caller]
fn wait_until(browser: &Browser<'_>, script: &str, what: &str) {
    let started = Instant::now();
    loop {
        if browser.execute(&format!("return !!({script});"), json!([])).unwrap() == json!(true) {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "waited in vain for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The markers on the map: id -> (the text on it, its classes, its accessible label).
fn markers(browser: &Browser<'_>) -> serde_json::Map<String, Value> {
    let found = browser
        .execute(
            "return Object.fromEntries(Array.from(document.querySelectorAll('.leaflet-marker-pane .map-marker'))
               .map(m => [m.dataset.id, [m.textContent, m.className, m.getAttribute('aria-label')]]));",
            json!([]),
        )
        .unwrap();
    found.as_object().cloned().unwrap_or_default()
}

fn district_paths(browser: &Browser<'_>) -> u64 {
    browser
        .execute("return document.querySelectorAll('.leaflet-overlay-pane svg path.map-district').length;", json!([]))
        .unwrap()
        .as_u64()
        .unwrap()
}

/// Every resource the page loaded came from the app's own origin (a request the CSP blocked shows
/// here too).
#[track_caller]
fn assert_nothing_from_elsewhere(browser: &Browser<'_>, origin: &str) {
    let urls = browser.execute("return performance.getEntriesByType('resource').map(e => e.name);", json!([])).unwrap();
    let urls: Vec<String> = serde_json::from_value(urls).unwrap();
    assert!(urls.iter().any(|u| u.contains("/assets/leaflet-1.9.4/leaflet.js")), "Leaflet was loaded: {urls:?}");
    let elsewhere: Vec<&String> = urls.iter().filter(|u| !u.starts_with(&format!("{origin}/"))).collect();
    assert!(elsewhere.is_empty(), "requests left the origin: {elsewhere:?}");
}

/// Records Content-Security-Policy violations from now on: the map redraws its markers on every
/// poll, so a redraw that sets an inline style or loads from elsewhere is caught.
fn watch_csp(browser: &Browser<'_>) {
    browser
        .execute(
            "window.cspViolations = []; document.addEventListener('securitypolicyviolation',
               e => window.cspViolations.push(e.effectiveDirective + ' ' + e.blockedURI));",
            json!([]),
        )
        .unwrap();
}

#[track_caller]
fn assert_no_csp_violations(browser: &Browser<'_>) {
    let violations = browser.execute("return window.cspViolations;", json!([])).unwrap();
    assert_eq!(violations, json!([]), "the map broke the page's Content-Security-Policy");
}

fn sign_in(browser: &Browser<'_>, link: &str, landing_h1: &str) {
    browser.goto(link).unwrap();
    browser.click("main form button[type=submit]").unwrap();
    browser.wait_for_text("h1", landing_h1).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bed_board_map_shows_each_shelter_by_free_beds_and_follows_placements_and_filters() {
    let app = served_app().await;
    let base = app.state.settings.public_url.clone().unwrap();
    let f = Fixtures::new(&app).await;
    jarva(&app, &f.admin).await;
    district_in(&app, &f.admin, "bromma", "Bromma", BROMMA_BOX).await;
    // Four beds (many), one bed taking pets (few), one bed already given (none).
    let many = f.shelter_at("Nattljuset", 17.90, 4).await;
    let pets = merged(
        shelter_body("Stjärnan", 18.02, 1),
        json!({"eligibility": {"accepts_women": true,
        "accepts_men": true, "accepts_pets": true}}),
    );
    let few = fixtures_id(f.post("/api/v1/shelters", &pets, "shelter").await);
    let none = f.shelter_at("Fyren", 17.93, 1).await;
    let night = tonight(&app);
    let guest = f.person(&PersonSpec::default()).await;
    f.bed(&night, &none, &guest.id).await;

    let link = login_link(&app, &grant(Role::NightCoordinator, "natt-karta")).await;
    let (ids, base_b) = ((many.clone(), few.clone(), none.clone()), base.clone());
    let (placed_tx, placed_rx) = std::sync::mpsc::channel::<()>();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(1);
    let browser_steps = tokio::task::spawn_blocking(move || {
        let (many, few, none) = ids;
        let driver = Driver::start().expect("chromedriver");
        let browser = driver.browser(1366, 1000).expect("chromium");
        sign_in(&browser, &link, "Nattens platstavla");
        wait_until(&browser, "document.querySelectorAll('.leaflet-marker-pane .map-marker').length === 3", "markers");

        // One marker per shelter, its free beds written on it and in its label, coloured by the legend.
        let shown = markers(&browser);
        for (id, name, free) in [(&many, "Nattljuset", 4), (&few, "Stjärnan", 1), (&none, "Fyren", 0)] {
            let [text, class, label] = shown[id.as_str()].as_array().unwrap().as_slice() else { panic!("{shown:?}") };
            assert_eq!(text, &json!(free.to_string()), "{name}: {shown:?}");
            assert!(class.as_str().unwrap().split(' ').any(|c| c == colour_of(free)), "{name}: {class}");
            assert_eq!(label, &json!(format!("{name}: {free} lediga")));
        }
        assert_eq!(district_paths(&browser), 2, "Järva and Bromma drawn");
        let legend = browser.text(".map-legend").unwrap();
        for words in ["Inga lediga platser (0)", "Få lediga platser (1–3)", "Många lediga platser (4+)"] {
            assert!(legend.contains(words), "{legend}");
        }
        let map_label =
            browser.execute("return document.getElementById('board-map').getAttribute('aria-label');", json!([]));
        assert!(map_label.unwrap().as_str().is_some_and(|l| l.contains("lediga platser")));
        assert_nothing_from_elsewhere(&browser, &base_b);
        check_page(&browser, "the bed board with its map", "maps-bed-board.png");

        // The map and the keyboard: the map takes the focus (arrow keys pan, + and - zoom) and holds no
        // stop of its own beyond the zoom buttons, so Tab passes through it; the markers are not in the
        // tab order (the table is the keyboard's way to the same facts).
        browser.execute("document.getElementById('board-map').focus();", json!([])).unwrap();
        let focused_map = browser.execute("return document.activeElement.id;", json!([])).unwrap();
        assert_eq!(focused_map, json!("board-map"), "the map takes the focus");
        let stops = browser
            .execute(
                "return Array.from(document.querySelectorAll('#board-map a[href], #board-map [tabindex], #board-map button'))
                   .filter(e => e.tabIndex >= 0).map(e => e.className);",
                json!([]),
            )
            .unwrap();
        let stops: Vec<String> = serde_json::from_value(stops).unwrap();
        assert_eq!(stops.len(), 2, "only the zoom buttons: {stops:?}");
        assert!(stops.iter().all(|c| c.contains("leaflet-control-zoom")), "{stops:?}");

        // A bed is placed through the API (not in this browser): the marker follows the table's polling.
        browser.execute("window.hemvistMarker = 'still here';", json!([])).unwrap();
        watch_csp(&browser);
        placed_tx.send(()).unwrap();
        ready_rx.blocking_recv().unwrap();
        let marker = format!(".leaflet-marker-pane .map-marker[data-id='{many}']");
        wait_until(&browser, &format!("document.querySelector(\"{marker}\").textContent === '3'"), "3 free");
        let after = markers(&browser);
        let class = after[many.as_str()][1].as_str().unwrap().to_owned();
        assert!(class.split(' ').any(|c| c == "free-few") && !class.contains("free-many"), "{class}");
        assert_eq!(after[many.as_str()][2], json!("Nattljuset: 3 lediga"));
        browser.wait_for_text(&format!("#board-{many} td.free"), "3").unwrap();
        let marker_kept = browser.execute("return window.hemvistMarker || null;", json!([])).unwrap();
        assert_eq!(marker_kept, json!("still here"), "the page was reloaded");
        assert_no_csp_violations(&browser);
        assert_eq!(district_paths(&browser), 2, "redrawn, not added to");
        check_page(&browser, "the bed board after a placement", "maps-bed-board-after-placement.png");

        // The board's filters apply to the map: only the shelter that takes pets.
        browser.click("#filter-pets").unwrap();
        browser.click("#apply-filters").unwrap();
        wait_until(&browser, "location.search.includes('pets=1')", "the filtered board");
        wait_until(
            &browser,
            "document.querySelectorAll('.leaflet-marker-pane .map-marker').length === 1",
            "one marker",
        );
        assert_eq!(markers(&browser).keys().collect::<Vec<_>>(), [&few]);
        assert_eq!(district_paths(&browser), 2);
        assert_nothing_from_elsewhere(&browser, &base_b);
    });
    // The placement, made once the browser has the board in view.
    tokio::task::spawn_blocking(move || placed_rx.recv()).await.unwrap().unwrap();
    let second = f.person(&PersonSpec::default()).await;
    f.bed(&night, &many, &second.id).await;
    ready_tx.send(()).await.unwrap();
    browser_steps.await.expect("the browser steps passed");
}

fn fixtures_id(value: Value) -> String {
    hemvist_tests::fixtures::id_of(&value)
}

/// Signs in through a one-time link without a browser; returns the session cookie.
async fn session_cookie(app: &TestApp, role: Role, district_scope: &[&str]) -> String {
    let mut grant = grant(role, "kart-test");
    grant.district_scope = district_scope.iter().map(|d| (*d).to_owned()).collect();
    let link = login_link(app, &grant).await;
    let path = link.split_once("/login/").map(|(_, secret)| format!("/login/{secret}")).unwrap();
    let used = app.send(Request::post(&path).body(Body::empty()).unwrap()).await;
    assert_eq!(used.status, StatusCode::SEE_OTHER);
    used.header("set-cookie").unwrap().split(';').next().unwrap().to_owned()
}

async fn get(app: &TestApp, path: &str, cookie: Option<&str>) -> TestResponse {
    let mut request = Request::builder().method(Method::GET).uri(path);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

/// The points of a map's GeoJSON: (id, [lon, lat]).
fn points(collection: &Value) -> Vec<(String, Value)> {
    collection["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["geometry"]["type"] == "Point")
        .map(|f| (f["properties"]["id"].as_str().unwrap().to_owned(), f["geometry"]["coordinates"].clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn housing_map_shows_vacant_apartments_by_district_and_never_a_protected_home() {
    let app = served_app().await;
    let base = app.state.settings.public_url.clone().unwrap();
    let f = Fixtures::new(&app).await;
    jarva(&app, &f.admin).await;
    district_in(&app, &f.admin, "bromma", "Bromma", BROMMA_BOX).await;
    // Three vacant apartments: two in Järva, one in Bromma.
    let mut vacant = Vec::new();
    for (address, lat, lon) in [("Ledig 1", 59.39, 17.88), ("Ledig 2", 59.41, 17.92), ("Ledig 3", 59.40, 18.02)] {
        vacant
            .push(fixtures_id(f.post("/api/v1/apartments", &two_room_apartment_body(address, lat, lon), "flat").await));
    }
    // One out of letting (water damage): not vacant.
    let damaged =
        fixtures_id(f.post("/api/v1/apartments", &two_room_apartment_body("Fuktig 1", 59.42, 17.90), "flat").await);
    f.put(
        &format!("/api/v1/apartments/{damaged}/status"),
        &json!({"status": "unavailable", "reason": "Water damage"}),
        "status",
    )
    .await;
    // A protected tenant's home (as in the secrecy tests): a protected person with an active lease, in
    // Järva (JARVA_BOX), where vacant apartments are too.
    let protected = f.person(&PersonSpec { protected: true, ..PersonSpec::default() }).await;
    let (home, _) = f.active_lease_at(&protected.id, "trial", 17.94).await;
    let home_at = json!([17.94, LAT]);

    // Without a browser: the data endpoint as a housing officer and as an auditor (who may not see
    // protected addresses, and to whom the home shows as out of letting): only the vacant apartments.
    for role in [Role::HousingOfficer, Role::Auditor] {
        let cookie = session_cookie(&app, role, &[]).await;
        let map = get(&app, "/housing/map.json", Some(&cookie)).await;
        assert_eq!(map.status, StatusCode::OK, "{role:?}: {}", map.body);
        assert_eq!(map.header("content-type"), Some("application/geo+json"));
        let mut seen: Vec<String> = points(&map.body).into_iter().map(|(id, _)| id).collect();
        seen.sort();
        let mut expected = vacant.clone();
        expected.sort();
        assert_eq!(seen, expected, "{role:?}: the vacant apartments, nothing else");
        let text = map.body.to_string();
        assert!(!text.contains(&home.apartment) && !text.contains(&home.apartment_address), "{role:?}: {text}");
        assert!(points(&map.body).iter().all(|(_, at)| *at != home_at), "{role:?}: the home's location");
    }

    let link = login_link(&app, &grant(Role::HousingOfficer, "handlaggare-karta")).await;
    let (vacant_b, home_b) = (vacant.clone(), home.clone());
    tokio::task::spawn_blocking(move || {
        let driver = Driver::start().expect("chromedriver");
        let browser = driver.browser(1280, 1000).expect("chromium");
        sign_in(&browser, &link, "Start");
        browser.click("header nav a[href='/housing']").unwrap();
        browser.wait_for_text("h1", "Bostad").unwrap();
        wait_until(&browser, "document.querySelectorAll('.leaflet-marker-pane .map-marker').length === 3", "markers");
        let shown = markers(&browser);
        let mut ids: Vec<&String> = shown.keys().collect();
        ids.sort();
        let mut expected: Vec<&String> = vacant_b.iter().collect();
        expected.sort();
        assert_eq!(ids, expected, "the vacant apartments");
        assert!(!shown.contains_key(&home_b.apartment), "the protected home is not on the map");
        let labels: Vec<&str> = shown.values().map(|m| m[2].as_str().unwrap()).collect();
        assert!(labels.contains(&"Ledig lägenhet: Ledig 1, 2 rum"), "{labels:?}");
        assert_eq!(district_paths(&browser), 2, "Järva and Bromma drawn");
        // The count per district, in text.
        assert_eq!(browser.text("#vacant-jarva td").unwrap(), "2");
        assert_eq!(browser.text("#vacant-bromma td").unwrap(), "1");
        // A housing officer may see protected addresses (the lease list shows this one); the vacancy
        // section, map included, must not: the home is let, not vacant.
        let vacancies = browser.text("section[aria-labelledby=vacant-title]").unwrap();
        assert!(!vacancies.contains(&home_b.apartment_address), "the protected home among the vacancies");
        assert_nothing_from_elsewhere(&browser, &base);
        check_page(&browser, "the housing officer's page with the map", "maps-housing-vacant.png");
    })
    .await
    .expect("the browser steps passed");
}

#[tokio::test]
async fn map_data_is_for_the_pages_roles_only() {
    let app = TestApp::spawn().await;
    for path in ["/night/board/map.json", "/housing/map.json"] {
        get(&app, path, None).await.assert_problem(StatusCode::UNAUTHORIZED);
    }
    // The board's roles read the board's map; a support worker does not.
    let worker = session_cookie(&app, Role::SupportWorker, &[]).await;
    get(&app, "/night/board/map.json", Some(&worker)).await.assert_problem(StatusCode::FORBIDDEN);
    let coordinator = session_cookie(&app, Role::NightCoordinator, &[]).await;
    let board = get(&app, "/night/board/map.json", Some(&coordinator)).await;
    assert_eq!(board.status, StatusCode::OK);
    assert_eq!(board.body["type"], "FeatureCollection");
    // The apartment stock is not the night coordinator's.
    get(&app, "/housing/map.json", Some(&coordinator)).await.assert_problem(StatusCode::FORBIDDEN);
    get(&app, "/housing/map.json", Some(&session_cookie(&app, Role::ShelterStaff, &[]).await))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_tile_server_adds_its_origin_and_nothing_else_to_the_policy() {
    let plain = TestApp::spawn().await;
    let csp = get(&plain, "/", None).await.header("content-security-policy").unwrap().to_owned();
    assert!(csp.contains("img-src 'self' data:;"), "{csp}");
    let tiles = "https://{s}.tiles.example.se/{z}/{x}/{y}.png";
    let settings = Settings {
        map_tiles_url: Some(tiles.into()),
        map_tiles_attribution: Some("© Kartbolaget".into()),
        ..Settings::default()
    };
    let tiled = TestApp::spawn_with(settings).await;
    let with_tiles = get(&tiled, "/", None).await.header("content-security-policy").unwrap().to_owned();
    assert_eq!(with_tiles, csp.replace("img-src 'self' data:;", "img-src 'self' data: https://*.tiles.example.se;"));
    let coordinator = session_cookie(&tiled, Role::NightCoordinator, &[]).await;
    let board = get(&tiled, "/night/board", Some(&coordinator)).await;
    let html = board.body.as_str().unwrap();
    assert!(html.contains(&format!(r#"data-tiles-url="{tiles}""#)), "{html}");
    assert!(html.contains(r#"data-tiles-attribution="© Kartbolaget""#), "{html}");
    assert!(
        !get(&plain, "/night/board", Some(&session_cookie(&plain, Role::NightCoordinator, &[]).await))
            .await
            .body
            .as_str()
            .unwrap()
            .contains("data-tiles-url")
    );
}
