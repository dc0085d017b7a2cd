//! The housing officer's and the support worker's pages in a real browser (Debian's chromium through
//! chromedriver), with axe-core on every page (WCAG 2.1 AA) and a screenshot under target/browser/.
//! Fails, never skips, when the browser is missing.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use axum::body::Body;
use hemvist_tests::TestRole as Role;
use hemvist_tests::fixtures::{Fixtures, PersonSpec, granted_on, jarva, plan_content};
use hemvist_tests::web::{assert_accessible, grant, login_link, output_dir, served_app, stockholm_today};
use hemvist_tests::webdriver::Driver;
use http::{Request, StatusCode, header};
use jiff::ToSpan;
use jiff::civil::Date;
use serde_json::json;
use tower::ServiceExt;

/// The IVO rule (domain.md): a granted decision is to be executed within three months of the decision
/// date; later, it is reported. Month ends clamp (30 November + 3 months = 28/29 February).
fn ivo_date(decided_on: Date) -> Date {
    decided_on.checked_add(3.months()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn housing_officer_sees_the_decision_two_weeks_from_its_ivo_date_first() {
    let app = served_app().await;
    let f = Fixtures::new(&app).await;
    jarva(&app, &f.admin).await;
    let today = stockholm_today();
    // Granted about 2.5 months ago: its IVO date is two weeks away.
    let urgent_on = today.checked_add(14.days()).unwrap().checked_sub(3.months()).unwrap();
    // Granted a month ago: two months left.
    let recent_on = today.checked_sub(1.month()).unwrap();
    let (urgent_ivo, recent_ivo) = (ivo_date(urgent_on), ivo_date(recent_on));
    let urgent_days = (urgent_ivo - today).get_days();
    assert!((12..=14).contains(&urgent_days), "about two weeks: {urgent_days}");

    // Created in the "wrong" order, so the page's order is not the order of creation.
    let recent_person = f.person(&PersonSpec::default()).await;
    let recent =
        granted_on(&app, &f.admin, &recent_person.id, "housing_first", &recent_on.to_string(), "Bostadslös").await;
    let urgent_person = f.person(&PersonSpec::default()).await;
    let urgent =
        granted_on(&app, &f.admin, &urgent_person.id, "trial_apartment", &urgent_on.to_string(), "Bostadslös").await;
    // An executed decision is not waiting.
    let done_person = f.person(&PersonSpec::default()).await;
    let done = granted_on(&app, &f.admin, &done_person.id, "other", &recent_on.to_string(), "Bostadslös").await;
    f.post(&format!("/api/v1/decisions/{done}/execute"), &json!({"executed_on": today.to_string()}), "execute").await;

    // A tenant 20 days late with the rent, served notice 10 days ago, the committee told 8 days ago:
    // the three weeks to pay and keep the home run from then.
    let tenant = f.person(&PersonSpec::default()).await;
    let (lease, _) = f.active_lease(&tenant.id, "housing_first").await;
    // Its decision is executed (the move-in), so it does not wait; executing again, if so, is refused.
    let _ = app
        .post(&format!("/api/v1/decisions/{}/execute", lease.decision), &f.admin, &json!({"executed_on": "2025-02-01"}))
        .await;
    let due_on = today.checked_sub(20.days()).unwrap();
    let period = due_on.strftime("%Y-%m").to_string();
    let charge = json!({"period": period, "amount_sek": 5200, "due_on": due_on.to_string()});
    f.post(&format!("/api/v1/leases/{}/rent-charges", lease.id), &charge, "rent charge").await;
    let notified_on = today.checked_sub(8.days()).unwrap();
    let notice = json!({"served_on": today.checked_sub(10.days()).unwrap().to_string(), "committee_notified_on": notified_on.to_string()});
    f.post(&format!("/api/v1/leases/{}/rent-notices", lease.id), &notice, "notice").await;
    let address = lease.apartment_address.clone();

    let link = login_link(&app, &grant(Role::HousingOfficer, "handlaggare-3")).await;
    let screenshot = output_dir().join("housing-officer-decisions.png");
    let urgent_name = format!("{} {}", urgent_person.given_name, urgent_person.family_name);
    let done_name = format!("{} {}", done_person.given_name, done_person.family_name);
    let (urgent_b, recent_b) = (urgent.clone(), recent.clone());
    tokio::task::spawn_blocking(move || {
        let driver = Driver::start().expect("chromedriver");
        let browser = driver.browser(1280, 900).expect("chromium");
        browser.goto(&link).unwrap();
        browser.click("main form button[type=submit]").unwrap();
        browser.wait_for_text("h1", "Start").unwrap();
        assert_accessible(&browser, "the start page of a housing officer");
        // The menu leads to the housing page.
        browser.click("header nav a[href='/housing']").unwrap();
        browser.wait_for_text("h1", "Bostad").unwrap();
        let top_id = browser.execute("return document.querySelector('#awaiting tbody tr').id;", json!([])).unwrap();
        assert_eq!(top_id, json!(format!("decision-{urgent_b}")), "the most urgent decision first");
        let rows = browser
            .execute("return Array.from(document.querySelectorAll('#awaiting tbody tr')).map(r => r.id);", json!([]))
            .unwrap();
        assert_eq!(
            rows,
            json!([format!("decision-{urgent_b}"), format!("decision-{recent_b}")]),
            "executed ones are not waiting"
        );
        let top = "#awaiting tbody tr:first-child";
        assert_eq!(browser.text(&format!("{top} .person")).unwrap(), urgent_name);
        assert_eq!(browser.text(&format!("{top} .ivo-date")).unwrap(), urgent_ivo.to_string());
        assert_eq!(browser.text(&format!("{top} .days-left")).unwrap(), urgent_days.to_string());
        let second = "#awaiting tbody tr:nth-child(2)";
        assert_eq!(browser.text(&format!("{second} .ivo-date")).unwrap(), recent_ivo.to_string());
        let page_text = browser.text("main").unwrap();
        assert!(!page_text.contains(&done_name), "an executed decision is listed");
        // The arrears: 21 days after the committee was told, moved past a weekend or holiday.
        let row = browser
            .execute("return Array.from(document.querySelectorAll('#arrears tbody tr:first-child > *')).map(c => c.textContent.trim());", json!([]))
            .unwrap();
        let cells: Vec<String> = serde_json::from_value(row).unwrap();
        assert_eq!(cells[0], address);
        assert_eq!(cells[2], "5200");
        assert_eq!(cells[3], "20");
        let deadline: Date = cells[4].parse().expect("a redemption deadline");
        let earliest = notified_on.checked_add(21.days()).unwrap();
        assert!((earliest..=earliest.checked_add(5.days()).unwrap()).contains(&deadline), "{deadline}");
        assert_eq!(cells[5], "Pågår");
        assert_accessible(&browser, "the housing officer's page");
        std::fs::write(&screenshot, browser.screenshot().unwrap()).unwrap();
    })
    .await
    .expect("the browser steps passed");

    // Listing them was audited as the signed-in housing officer.
    let client = app.owner_client().await;
    let listed: i64 = client
        .query_one(
            "SELECT count(*) FROM audit_events a JOIN web_sessions s ON s.id = a.actor_token_id
              WHERE s.staff_id = 'handlaggare-3' AND a.action = 'list' AND a.resource_type = 'decision'
                AND a.resource_id = ANY($1)",
            &[&vec![urgent.parse::<uuid::Uuid>().unwrap(), recent.parse::<uuid::Uuid>().unwrap()]],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(listed, 2);
    assert!(std::fs::metadata(output_dir().join("housing-officer-decisions.png")).is_ok_and(|m| m.len() > 1000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_worker_cannot_open_a_person_not_assigned_and_gets_a_proper_page() {
    let app = served_app().await;
    let f = Fixtures::new(&app).await;
    jarva(&app, &f.admin).await;
    let mine = f.person_of("stod-1").await;
    let theirs = f.person_of("stod-2").await;
    // A plan of my person whose review is overdue.
    let overdue = stockholm_today().checked_sub(3.days()).unwrap().to_string();
    f.post(&format!("/api/v1/people/{}/support-plans", mine.id), &json!({"content": plan_content(&overdue)}), "plan")
        .await;

    // Without a browser: the status is 404 and the body a Swedish HTML page, not a problem+json.
    {
        let link = login_link(&app, &grant(Role::SupportWorker, "stod-1")).await;
        let path = link.split_once("/login/").map(|(_, secret)| format!("/login/{secret}")).unwrap();
        let signed_in = app.router.clone().oneshot(Request::post(&path).body(Body::empty()).unwrap()).await.unwrap();
        let cookie = signed_in.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
        for id in [theirs.id.clone(), "not-a-uuid".to_owned()] {
            let response = app
                .router
                .clone()
                .oneshot(
                    Request::get(format!("/people/{id}")).header(header::COOKIE, &cookie).body(Body::empty()).unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::NOT_FOUND);
            assert!(response.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
            let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
            let body = String::from_utf8(body.to_vec()).unwrap();
            assert!(body.contains("<html lang=\"sv\""), "Swedish: {body}");
            assert!(body.contains("Personen hittades inte"), "{body}");
            assert!(!body.contains(&theirs.family_name), "nothing of the person shown");
        }
    }

    let link = login_link(&app, &grant(Role::SupportWorker, "stod-1")).await;
    let screenshots =
        (output_dir().join("support-worker-my-people.png"), output_dir().join("support-worker-not-assigned.png"));
    let (mine_b, theirs_b) = (mine.clone(), theirs.clone());
    tokio::task::spawn_blocking(move || {
        let driver = Driver::start().expect("chromedriver");
        let browser = driver.browser(390, 844).expect("chromium");
        browser.goto(&link).unwrap();
        browser.click("main form button[type=submit]").unwrap();
        browser.wait_for_text("h1", "Start").unwrap();
        browser.click("header nav a[href='/support']").unwrap();
        browser.wait_for_text("h1", "Mina personer").unwrap();
        let people = browser.text("#my-people").unwrap();
        assert!(people.contains(&mine_b.family_name), "{people}");
        assert!(!people.contains(&theirs_b.family_name), "{people}");
        let reviews = browser.text("#reviews").unwrap();
        assert!(reviews.contains(&mine_b.family_name) && reviews.contains("försenad"), "{reviews}");
        assert_accessible(&browser, "the support worker's page");
        std::fs::write(&screenshots.0, browser.screenshot().unwrap()).unwrap();

        // My person opens.
        browser.click(&format!("#my-people a[href='/people/{}']", mine_b.id)).unwrap();
        browser.wait_for_text("h1", &mine_b.family_name).unwrap();
        assert_accessible(&browser, "a person's page");

        // Someone else's person: a proper page in Swedish.
        let base = browser.current_url().unwrap();
        let origin = base.split("/people/").next().unwrap().to_owned();
        browser.goto(&format!("{origin}/people/{}", theirs_b.id)).unwrap();
        browser.wait_for_text("h1", "Personen hittades inte").unwrap();
        let text = browser.text("main").unwrap();
        assert!(text.contains("inte tilldelad dig"), "{text}");
        assert!(!text.contains(&theirs_b.family_name));
        assert_accessible(&browser, "the page of a person not assigned");
        std::fs::write(&screenshots.1, browser.screenshot().unwrap()).unwrap();
    })
    .await
    .expect("the browser steps passed");

    // The refused look was not audited as a read of the person.
    let client = app.owner_client().await;
    let theirs_id: uuid::Uuid = theirs.id.parse().unwrap();
    let read: i64 = client
        .query_one(
            "SELECT count(*) FROM audit_events a JOIN web_sessions s ON s.id = a.actor_token_id
              WHERE s.staff_id = 'stod-1' AND a.person_id = $1",
            &[&theirs_id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(read, 0);
}
