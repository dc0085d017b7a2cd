//! Web sessions over time and the admin's pages without a browser: a session closes when idle and at
//! its maximum, the cleanup job deletes closed sessions and used or expired links, the first start's
//! admin link, the admin's link rules (no more power than the admin has), the GeoJSON import's all or
//! nothing, and error details in Swedish (the browser test in browser_admin.rs drives the pages).

use std::time::Duration;

use axum::body::Body;
use hemvist_platform::MunicipalityCode;
use hemvist_platform::settings::Settings;
use hemvist_server::{admin, jobs};
use hemvist_tests::fixtures::{Fixtures, JARVA_BOX, JARVA_LON, box_polygon, jarva, shelter_body};
use hemvist_tests::{TestApp, TestResponse, TestRole as Role};
use hemvist_web::sessions::{Grant, create_login_link, first_start_admin_link};
use http::{Method, Request, StatusCode};
use serde_json::json;
use uuid::Uuid;

fn grant(role: Role, districts: &[&str], shelters: &[&str], staff: Option<&str>) -> Grant {
    Grant {
        municipality: MunicipalityCode::parse("0180").unwrap(),
        role,
        district_scope: districts.iter().map(|d| (*d).to_owned()).collect(),
        shelter_scope: shelters.iter().map(|s| s.parse().unwrap()).collect(),
        staff_id: staff.map(str::to_owned),
    }
}

/// The path of a new sign-in link.
async fn link(app: &TestApp, grant: &Grant) -> String {
    let client = app.pool.get().await.unwrap();
    let url = create_login_link(&client, &app.state.settings, grant).await.unwrap();
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

/// Signs in with a link; the `Set-Cookie` header and the `name=value` to send back.
async fn sign_in_with(app: &TestApp, path: &str) -> (String, String) {
    let used = request(app, Method::POST, path, None, "").await;
    assert_eq!(used.status, StatusCode::SEE_OTHER, "{}", used.body);
    let set_cookie = used.header("set-cookie").unwrap().to_owned();
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    (set_cookie, cookie)
}

async fn signed_in(app: &TestApp, grant: &Grant) -> String {
    sign_in_with(app, &link(app, grant).await).await.1
}

/// The page's CSRF token.
async fn csrf_of(app: &TestApp, cookie: &str) -> String {
    let page = request(app, Method::GET, "/admin/access", Some(cookie), "").await;
    let html = page.body.as_str().unwrap_or_default().to_owned();
    html.split(r#"name="csrf" value=""#).nth(1).unwrap().split('"').next().unwrap().to_owned()
}

fn html(response: &TestResponse) -> &str {
    response.body.as_str().unwrap_or_default()
}

/// Whether the cookie's session is signed in (the admin's access page answers 200, not 401).
async fn is_open(app: &TestApp, cookie: &str) -> bool {
    let page = request(app, Method::GET, "/admin/access", Some(cookie), "").await;
    assert!(matches!(page.status, StatusCode::OK | StatusCode::UNAUTHORIZED), "{}", page.status);
    page.status == StatusCode::OK
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.owner_client().await.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn an_idle_session_is_refused_and_the_cleanup_deletes_what_is_closed() {
    let app = TestApp::spawn().await;
    let owner = app.owner_client().await;
    let idle = app.state.settings.session_idle;
    assert_eq!(idle, Duration::from_secs(30 * 60), "the default idle timeout");
    let admin = grant(Role::Admin, &[], &[], Some("admin-1"));

    // Idle for 29 minutes: still open, and using it moves last_seen_at to now.
    let busy = signed_in(&app, &admin).await;
    owner.execute("UPDATE web_sessions SET last_seen_at = now() - interval '29 minutes'", &[]).await.unwrap();
    assert!(is_open(&app, &busy).await);
    let seen: bool = owner
        .query_one("SELECT bool_and(last_seen_at > now() - interval '1 minute') FROM web_sessions", &[])
        .await
        .unwrap()
        .get(0);
    assert!(seen, "a used session is marked as seen");

    // Idle for 31 minutes: refused, as a sign-in page.
    let idle_cookie = signed_in(&app, &admin).await;
    owner
        .execute(
            "UPDATE web_sessions SET last_seen_at = now() - interval '31 minutes'
              WHERE id = (SELECT id FROM web_sessions ORDER BY created_at DESC LIMIT 1)",
            &[],
        )
        .await
        .unwrap();
    assert!(!is_open(&app, &idle_cookie).await, "idle past the timeout");
    assert!(is_open(&app, &busy).await, "the other session is not touched");

    // Busy but past its maximum: refused all the same.
    let old = signed_in(&app, &admin).await;
    owner
        .execute(
            "UPDATE web_sessions SET created_at = now() - interval '13 hours', expires_at = now() - interval '1 hour'
              WHERE id = (SELECT id FROM web_sessions ORDER BY created_at DESC LIMIT 1)",
            &[],
        )
        .await
        .unwrap();
    assert!(!is_open(&app, &old).await, "past the absolute maximum");

    // Signed out: closed too.
    let gone = signed_in(&app, &admin).await;
    let csrf = csrf_of(&app, &gone).await;
    assert_eq!(
        request(&app, Method::POST, "/logout", Some(&gone), &format!("csrf={csrf}")).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(!is_open(&app, &gone).await);

    // Links: one unused and fresh, one unused and expired.
    let fresh = link(&app, &admin).await;
    let _expired = link(&app, &admin).await;
    owner
        .execute(
            "UPDATE web_login_links SET expires_at = now() - interval '1 minute'
              WHERE id = (SELECT id FROM web_login_links ORDER BY created_at DESC LIMIT 1)",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(count(&app, "SELECT count(*) FROM web_sessions").await, 4);
    assert_eq!(count(&app, "SELECT count(*) FROM web_login_links").await, 6);
    let sign_ins = count(&app, "SELECT count(*) FROM audit_events WHERE resource_type = 'web_session'").await;

    // The cleanup: the idle, old and signed-out sessions go, with their used links and the expired one;
    // the open session, its link and the fresh link stay. The audit trail keeps every sign-in.
    let deleted = jobs::delete_closed_sessions(&app.pool, &app.state.settings).await.unwrap();
    assert_eq!(deleted, Some((3, 4)), "(sessions, links) deleted");
    assert_eq!(count(&app, "SELECT count(*) FROM web_sessions").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM web_login_links").await, 2);
    assert!(is_open(&app, &busy).await, "the open session survives the cleanup");
    sign_in_with(&app, &fresh).await; // the fresh link still signs in
    let audited = count(&app, "SELECT count(*) FROM audit_events WHERE resource_type = 'web_session'").await;
    assert!(audited > sign_ins, "sign-ins stay audited: {audited} > {sign_ins}");

    // One instance at a time: while another holds the lock, a round does nothing.
    let mut other = app.owner_client().await;
    let tx = other.transaction().await.unwrap();
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&jobs::SESSION_CLEANUP_LOCK]).await.unwrap();
    assert_eq!(jobs::delete_closed_sessions(&app.pool, &app.state.settings).await.unwrap(), None);
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn a_short_idle_setting_closes_sessions_sooner_and_the_cookie_lasts_the_maximum() {
    let settings = Settings {
        session_idle: Duration::from_secs(60),
        session_max: Duration::from_secs(2 * 3600),
        public_url: Some("https://hemvist.example.se".into()),
        ..Settings::default()
    };
    let app = TestApp::spawn_with(settings).await;
    let (set_cookie, cookie) = sign_in_with(&app, &link(&app, &grant(Role::Admin, &[], &[], None)).await).await;
    assert!(set_cookie.contains("Max-Age=7200"), "the cookie lasts the maximum: {set_cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure"] {
        assert!(set_cookie.contains(attribute), "{attribute} in {set_cookie}");
    }
    assert!(is_open(&app, &cookie).await);
    let owner = app.owner_client().await;
    owner.execute("UPDATE web_sessions SET last_seen_at = now() - interval '61 seconds'", &[]).await.unwrap();
    assert!(!is_open(&app, &cookie).await, "idle past a one-minute setting");
    let expires: bool = owner
        .query_one("SELECT bool_and(expires_at < created_at + interval '2 hours 1 minute') FROM web_sessions", &[])
        .await
        .unwrap()
        .get(0);
    assert!(expires, "the maximum is HEMVIST_SESSION_MAX_HOURS after sign-in");
}

#[tokio::test]
async fn the_first_start_links_an_admin_of_the_configured_municipality_until_one_signs_in() {
    let app = TestApp::spawn().await;
    let client = app.pool.get().await.unwrap();
    let owner = app.owner_client().await;
    let stockholm = MunicipalityCode::parse("0180").unwrap();
    // The embedded default: the database's only municipality.
    let chosen = admin::first_start_municipality(&owner, &app.state.settings).await.unwrap();
    assert_eq!(chosen, Some(stockholm.clone()));
    let first = first_start_admin_link(&client, &app.state.settings, &stockholm).await.unwrap().unwrap();
    // Printed again at the next start while nobody has signed in (as Jupyter does).
    assert!(first_start_admin_link(&client, &app.state.settings, &stockholm).await.unwrap().is_some());
    let path = first.split_once("/login/").map(|(_, s)| format!("/login/{s}")).unwrap();
    let cookie = sign_in_with(&app, &path).await.1;
    let home = request(&app, Method::GET, "/", Some(&cookie), "").await;
    assert!(html(&home).contains("administratör"), "the link signs in an admin");
    assert_eq!(first_start_admin_link(&client, &app.state.settings, &stockholm).await.unwrap(), None);
    // Even after the cleanup has deleted the session and its link: the audit trail remembers.
    app.owner_client().await.execute("UPDATE web_sessions SET revoked_at = now()", &[]).await.unwrap();
    jobs::delete_closed_sessions(&app.pool, &app.state.settings).await.unwrap();
    assert_eq!(count(&app, "SELECT count(*) FROM web_sessions").await, 0);
    assert_eq!(first_start_admin_link(&client, &app.state.settings, &stockholm).await.unwrap(), None);

    // Another municipality: none is guessed among several; the one named in HEMVIST_MUNICIPALITY is used.
    app.add_municipality("0181", "Sodertalje").await;
    assert_eq!(admin::first_start_municipality(&owner, &app.state.settings).await.unwrap(), None);
    let named = Settings { municipality: Some("0181".into()), ..Settings::default() };
    let sodertalje = MunicipalityCode::parse("0181").unwrap();
    assert_eq!(admin::first_start_municipality(&owner, &named).await.unwrap(), Some(sodertalje.clone()));
    let unknown = Settings { municipality: Some("0999".into()), ..Settings::default() };
    let refused = admin::first_start_municipality(&owner, &unknown).await.unwrap_err();
    assert!(format!("{refused:#}").contains("hemvist municipality add 0999"), "{refused:#}");
    let other = first_start_admin_link(&client, &named, &sodertalje).await.unwrap().unwrap();
    let path = other.split_once("/login/").map(|(_, s)| format!("/login/{s}")).unwrap();
    let cookie = sign_in_with(&app, &path).await.1;
    let session_of: String = owner
        .query_one("SELECT municipality_code::text FROM web_sessions WHERE revoked_at IS NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(session_of, "0181", "an admin of the municipality named");
    assert!(is_open(&app, &cookie).await);
}

#[tokio::test]
async fn an_admins_link_carries_no_more_power_than_the_admin_and_is_audited() {
    let app = TestApp::spawn().await;
    let f = Fixtures::new(&app).await;
    jarva(&app, &f.admin).await;
    let shelter = hemvist_tests::fixtures::id_of(
        &f.post("/api/v1/shelters", &shelter_body("Ljuset", JARVA_LON, 5), "shelter").await,
    );

    // Only admins see the pages.
    let coordinator = signed_in(&app, &grant(Role::NightCoordinator, &[], &[], Some("n-1"))).await;
    for path in ["/admin/access", "/admin/districts", "/admin/shelters", "/admin/shelters/new"] {
        let refused = request(&app, Method::GET, path, Some(&coordinator), "").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
    }

    // An admin limited to Järva may link a housing officer of Järva, never one of the whole city.
    let jarva_admin = signed_in(&app, &grant(Role::Admin, &["jarva"], &[], Some("a-1"))).await;
    let csrf = csrf_of(&app, &jarva_admin).await;
    let whole_city = request(
        &app,
        Method::POST,
        "/admin/access/links",
        Some(&jarva_admin),
        &format!("csrf={csrf}&role=housing_officer"),
    )
    .await;
    assert_eq!(whole_city.status, StatusCode::FORBIDDEN);
    assert!(html(&whole_city).contains("bara gälla stadsdelar du själv har behörighet till"), "{}", html(&whole_city));
    let in_jarva = request(
        &app,
        Method::POST,
        "/admin/access/links",
        Some(&jarva_admin),
        &format!("csrf={csrf}&role=housing_officer&district=jarva&staff_id=h-7"),
    )
    .await;
    assert_eq!(in_jarva.status, StatusCode::OK);
    let url = html(&in_jarva).split(r#"<code id="new-link">"#).nth(1).unwrap().split('<').next().unwrap().to_owned();
    let (link_id, role, scope): (Uuid, String, Vec<String>) = {
        let row = app
            .owner_client()
            .await
            .query_one("SELECT id, role, district_scope FROM web_login_links ORDER BY created_at DESC LIMIT 1", &[])
            .await
            .unwrap();
        (row.get(0), row.get(1), row.get(2))
    };
    assert_eq!((role.as_str(), scope), ("housing_officer", vec!["jarva".to_owned()]));
    assert!(
        app.audit_events().await.iter().any(|e| e.0 == "create" && e.1 == "web_login_link" && e.2 == Some(link_id)),
        "the link is audited"
    );
    let officer = sign_in_with(&app, &format!("/login/{}", url.split("/login/").nth(1).unwrap())).await.1;
    assert_eq!(request(&app, Method::GET, "/housing", Some(&officer), "").await.status, StatusCode::OK);

    // What a role needs, and a scope that exists.
    let admin = signed_in(&app, &grant(Role::Admin, &[], &[], None)).await;
    let csrf = csrf_of(&app, &admin).await;
    for (form, says) in [
        ("role=shelter_staff", "boendet måste väljas för boendepersonal"),
        ("role=support_worker", "personal-id krävs för stödpersonal"),
        ("role=integration", "rollen måste väljas"),
        ("role=", "rollen måste väljas"),
        (&*format!("role=shelter_staff&shelter={}", Uuid::new_v4()), "boendet finns inte i kommunen"),
        ("role=housing_officer&district=bromma", "stadsdelen finns inte i kommunen"),
    ] {
        let refused =
            request(&app, Method::POST, "/admin/access/links", Some(&admin), &format!("csrf={csrf}&{form}")).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{form}");
        assert!(html(&refused).contains(says), "{form}: {says} in {}", html(&refused));
    }
    let staff = request(
        &app,
        Method::POST,
        "/admin/access/links",
        Some(&admin),
        &format!("csrf={csrf}&role=shelter_staff&shelter={shelter}&staff_id=s-1"),
    )
    .await;
    assert_eq!(staff.status, StatusCode::OK);
    assert!(html(&staff).contains(r#"<code id="new-link">"#));
    // Without the CSRF token nothing is made.
    let before = count(&app, "SELECT count(*) FROM web_login_links").await;
    let forged = request(&app, Method::POST, "/admin/access/links", Some(&admin), "role=admin").await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "SELECT count(*) FROM web_login_links").await, before);

    // Ending a session from the list signs it out, audited.
    let officer_session: Uuid = app
        .owner_client()
        .await
        .query_one("SELECT id FROM web_sessions WHERE staff_id = 'h-7'", &[])
        .await
        .unwrap()
        .get(0);
    let ended = request(
        &app,
        Method::POST,
        &format!("/admin/access/sessions/{officer_session}/end"),
        Some(&admin),
        &format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    assert_eq!(request(&app, Method::GET, "/housing", Some(&officer), "").await.status, StatusCode::UNAUTHORIZED);
    assert!(
        app.audit_events()
            .await
            .iter()
            .any(|e| e.0 == "delete" && e.1 == "web_session" && e.2 == Some(officer_session))
    );
    let again = request(
        &app,
        Method::POST,
        &format!("/admin/access/sessions/{officer_session}/end"),
        Some(&admin),
        &format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "an ended session cannot be ended again");
}

/// A multipart upload of `file` as the district form sends it.
fn upload(cookie: &str, csrf: &str, valid_from: &str, file: &[u8], lang: &str) -> Request<Body> {
    let boundary = "hemvist-test-boundary";
    let mut body = Vec::new();
    for (name, value) in [("csrf", csrf), ("valid_from", valid_from)] {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.geojson\"\r\n\
             Content-Type: application/geo+json\r\n\r\n"
        )
        .bytes(),
    );
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    Request::builder()
        .method(Method::POST)
        .uri(format!("/admin/districts/import{lang}"))
        .header("cookie", cookie)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn a_district_file_is_imported_whole_or_not_at_all_with_swedish_errors() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let admin = signed_in(&app, &grant(Role::Admin, &[], &[], None)).await;
    let csrf = csrf_of(&app, &admin).await;
    let feature = |code: Option<&str>, name: &str, [lon0, lat0, lon1, lat1]: [f64; 4]| json!({"type": "Feature", "properties": {"code": code, "name": name}, "geometry": box_polygon([lon0, lat0, lon1, lat1])});
    let bromma_box = [17.97, 59.38, 18.05, 59.43];
    let districts = || async { app.get("/api/v1/districts", &token).await.body["items"].as_array().unwrap().len() };

    // The second feature has no code: nothing of the file is written, and the page says which and why.
    let bad = serde_json::to_vec(&json!({"type": "FeatureCollection", "features": [
        feature(Some("jarva"), "Järva", JARVA_BOX), feature(None, "Bromma", bromma_box)]}))
    .unwrap();
    let refused = app.send(upload(&admin, &csrf, "2023-07-01", &bad, "")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&refused).contains("område 2 i filen, egenskapen code saknas"), "{}", html(&refused));
    assert_eq!(districts().await, 0, "nothing half-written");
    // In English on an English page.
    let english = app.send(upload(&admin, &csrf, "2023-07-01", &bad, "?lang=en")).await;
    assert!(html(&english).contains("features/1/properties/code: is missing"), "{}", html(&english));
    // Not GeoJSON at all, and an open ring.
    let not_geojson = app.send(upload(&admin, &csrf, "2023-07-01", b"<kml/>", "")).await;
    assert!(html(&not_geojson).contains("filen är inte en GeoJSON-fil"), "{}", html(&not_geojson));
    let open_ring = json!({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "jarva", "name": "Järva"},
        "geometry": {"type": "Polygon", "coordinates": [[[17.85, 59.38], [17.97, 59.38], [17.97, 59.43], [17.85, 59.43]]]}}]});
    let invalid = app.send(upload(&admin, &csrf, "2023-07-01", &serde_json::to_vec(&open_ring).unwrap(), "")).await;
    assert!(html(&invalid).contains("område 1 i filen, polygonen (geometry) är ogiltig"), "{}", html(&invalid));
    // Without the CSRF token: refused before anything is read.
    let forged = app.send(upload(&admin, "", "2023-07-01", &bad, "")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // A good file: both districts, from the date given, found by the API and a point lookup.
    let good = serde_json::to_vec(&json!({"type": "FeatureCollection", "features": [
        feature(Some("jarva"), "Järva", JARVA_BOX), feature(Some("bromma"), "Bromma", bromma_box)]}))
    .unwrap();
    let imported = app.send(upload(&admin, &csrf, "2023-07-01", &good, "")).await;
    assert_eq!(imported.status, StatusCode::SEE_OTHER);
    assert_eq!(imported.header("location"), Some("/admin/districts?imported=2"));
    let listed = app.get("/api/v1/districts", &token).await.body;
    let codes: Vec<(&str, &str)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["valid_from"].as_str().unwrap()))
        .collect();
    assert_eq!(codes, vec![("bromma", "2023-07-01"), ("jarva", "2023-07-01")]);
    let found = app.get("/api/v1/districts/lookup?lat=59.40&lon=18.00&on=2024-01-01", &token).await;
    assert_eq!(found.body["code"], "bromma");
    // A new district and one that overlaps what is there: refused whole in the database too, naming the
    // second; the new one is not written either.
    let partly = serde_json::to_vec(&json!({"type": "FeatureCollection", "features": [
        feature(Some("skarholmen"), "Skärholmen", [17.80, 59.26, 17.85, 59.29]), feature(Some("jarva"), "Järva", JARVA_BOX)]}))
    .unwrap();
    let twice = app.send(upload(&admin, &csrf, "2024-01-01", &partly, "")).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&twice).contains("område 2 i filen, egenskapen code krockar"), "{}", html(&twice));
    assert_eq!(districts().await, 2, "nothing of a file is written when one district cannot be");
    let audited = app.audit_events().await.iter().filter(|e| e.0 == "create" && e.1 == "district").count();
    assert_eq!(audited, 2, "each district created is audited");
}
