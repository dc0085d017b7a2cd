//! The report pages in a real browser (chromium through chromedriver): the guarantee per night and
//! district, shelter occupancy, the IVO quarter and the homelessness situations, each as tables, a bar
//! chart and CSV files. The data are made through the API and every figure expected is counted here by
//! hand from domain.md's rules. axe-core on every page (WCAG 2.1 AA); screenshots under target/browser/.
//! Fails, never skips, when the browser is missing.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use axum::body::Body;
use hemvist_tests::TestApp;
use hemvist_tests::TestRole as Role;
use hemvist_tests::fixtures::{BROMMA_LON, Fixtures, JARVA_LON, LAT, PersonSpec, granted_on, merged, next_month_night};
use hemvist_tests::web::{check_page, grant, login_link, served_app, shelter_grant, stockholm_today};
use hemvist_tests::webdriver::{Browser, Driver};
use http::{Request, StatusCode, header};
use jiff::ToSpan;
use jiff::civil::Date;
use serde_json::{Value, json};
use tower::ServiceExt;

/// A person made through the API: their id and the names that must never show in a report.
struct Made {
    id: String,
    names: [String; 2],
}

async fn person(f: &Fixtures<'_>, sex: &str, district: &'static str, protected: bool) -> Made {
    let spec = PersonSpec { district: Some(district), protected, ..PersonSpec::default() };
    let (body, given, family) = f.person_body(&spec);
    let created = f.post("/api/v1/people", &merged(body, json!({"sex": sex})), "person").await;
    Made { id: created["id"].as_str().unwrap().to_owned(), names: [given, family] }
}

/// 21:00 in Stockholm on `night`: a request that belongs to that night.
fn evening_of(night: Date) -> String {
    let zone = jiff::tz::TimeZone::get("Europe/Stockholm").unwrap();
    night.at(21, 0, 0, 0).to_zoned(zone).unwrap().timestamp().to_string()
}

/// A request in a past night, recorded afterwards with what happened (`shelter` when placed).
async fn past_request(
    f: &Fixtures<'_>,
    who: &Made,
    night: Date,
    outcome: &str,
    shelter: Option<&str>,
    lon: Option<f64>,
) {
    let mut body = json!({"person_id": who.id, "channel": "homelessness_reception", "requested_at": evening_of(night),
                          "recorded_outcome": outcome});
    if let Some(shelter) = shelter {
        body["shelter_id"] = json!(shelter);
    }
    if let Some(lon) = lon {
        body["lat"] = json!(LAT);
        body["lon"] = json!(lon);
    }
    let recorded = f.post("/api/v1/guarantee-requests", &body, "past guarantee request").await;
    assert_eq!(recorded["outcome"], outcome, "{recorded}");
}

fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|row| row.iter().map(|cell| (*cell).to_owned()).collect()).collect()
}

/// The cells of a table's body rows, as shown.
fn table(browser: &Browser<'_>, id: &str) -> Vec<Vec<String>> {
    let cells = browser
        .execute(
            "return Array.from(document.querySelectorAll('#' + arguments[0] + ' tbody tr'))
                 .map(r => Array.from(r.children).map(c => c.textContent.trim()));",
            json!([id]),
        )
        .unwrap();
    serde_json::from_value(cells).unwrap()
}

/// The number of bars in the page's chart, and what it says to a screen reader.
fn chart(browser: &Browser<'_>) -> (u64, String) {
    let found = browser
        .execute(
            "const svg = document.querySelector('#chart svg');
             return [svg.querySelectorAll('g.bar').length, svg.getAttribute('role'), svg.getAttribute('aria-label'),
                     svg.querySelector('title').textContent];",
            json!([]),
        )
        .unwrap();
    assert_eq!(found[1], "img", "the chart is an image to assistive technology");
    assert_eq!(found[2], found[3], "the title says what the label says");
    (found[0].as_u64().unwrap(), found[2].as_str().unwrap().to_owned())
}

/// A CSV file as its link on the page fetches it with the browser's session.
struct Download {
    status: u64,
    content_type: String,
    disposition: String,
    body: String,
}

fn download(browser: &Browser<'_>, table_id: &str) -> Download {
    let got = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const href = document.querySelector('#csv-' + arguments[0]).getAttribute('href');
             fetch(href).then(async r => done({status: r.status, type: r.headers.get('content-type'),
                 disposition: r.headers.get('content-disposition'), body: await r.text()}))
               .catch(e => done({status: 0, type: '', disposition: String(e), body: ''}));",
            json!([table_id]),
        )
        .unwrap();
    Download {
        status: got["status"].as_u64().unwrap(),
        content_type: got["type"].as_str().unwrap_or_default().to_owned(),
        disposition: got["disposition"].as_str().unwrap_or_default().to_owned(),
        body: got["body"].as_str().unwrap_or_default().to_owned(),
    }
}

/// Records of an RFC 4180 file, read by a CSV parser.
fn records(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The file is a CSV download named for the report and period, with this header, and its rows are
/// the table's cells exactly.
#[track_caller]
fn assert_csv(file: &Download, name: &str, header: &[&str], shown: &[Vec<String>]) {
    assert_eq!(file.status, 200, "{}", file.body);
    assert_eq!(file.content_type, "text/csv; charset=utf-8");
    assert_eq!(file.disposition, format!("attachment; filename=\"{name}\""));
    assert!(file.body.ends_with("\r\n") && !file.body.replace("\r\n", "").contains('\n'), "CRLF line ends");
    let mut rows = records(&file.body);
    assert_eq!(rows.remove(0), header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>(), "the header row");
    assert_eq!(rows, shown, "the file holds the table's cells");
}

/// Signs in with a one-time link in a way a plain HTTP client can: the session cookie.
async fn session_cookie(app: &TestApp, link: &str) -> String {
    let path = link.split_once("/login/").map(|(_, secret)| format!("/login/{secret}")).unwrap();
    let signed_in = app.router.clone().oneshot(Request::post(&path).body(Body::empty()).unwrap()).await.unwrap();
    signed_in.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned()
}

/// GET `path` with the session cookie: the status, the content type and the body.
async fn fetch(app: &TestApp, cookie: &str, path: &str) -> (StatusCode, String, String) {
    let request = Request::get(path).header(header::COOKIE, cookie).body(Body::empty()).unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap().to_owned();
    let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    (status, content_type, String::from_utf8(body.to_vec()).unwrap())
}

/// Occupancy as the page writes it in Swedish: per cent with one decimal and a decimal comma.
fn per_cent_sv(used: i64, capacity: i64) -> String {
    format!("{:.1}", used as f64 * 100.0 / capacity as f64).replace('.', ",")
}

const GUARANTEE_HEADER: [&str; 8] = [
    "Natt",
    "Ansvarig stadsdel",
    "Begäranden",
    "Placerade",
    "Tackade nej",
    "Garantibrott",
    "Ej hemmahörande",
    "Hemkommun okänd",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auditor_reads_each_report_as_table_chart_and_csv_with_the_figures_counted_by_hand() {
    let app = served_app().await;
    let base = app.state.settings.public_url.clone().unwrap();
    let f = Fixtures::new(&app).await;
    f.two_districts().await;
    let shelter_name = "Härbärge \"Ljuset\", Järva";
    let ljuset = f.shelter_at(shelter_name, JARVA_LON, 4).await;
    f.shelter_at("Nattcaféet", JARVA_LON, 2).await;

    // The guarantee, two past nights (recorded afterwards). Night 1: three people of Järva ask, two
    // placed, one breach (standing in Bromma); one of Bromma with protected identity declines, no
    // position given. Night 2: one of Järva placed.
    let today = stockholm_today();
    let (night1, night2) = (today.checked_sub(3.days()).unwrap(), today.checked_sub(2.days()).unwrap());
    let a = person(&f, "woman", "jarva", false).await;
    let b = person(&f, "man", "jarva", false).await;
    let c = person(&f, "man", "jarva", false).await;
    let d = person(&f, "woman", "bromma", true).await;
    past_request(&f, &a, night1, "placed", Some(&ljuset), Some(JARVA_LON)).await;
    past_request(&f, &b, night1, "placed", Some(&ljuset), Some(JARVA_LON)).await;
    past_request(&f, &c, night1, "no_suitable_bed", None, Some(BROMMA_LON)).await;
    past_request(&f, &d, night1, "declined_by_person", None, None).await;
    past_request(&f, &a, night2, "placed", Some(&ljuset), Some(JARVA_LON)).await;
    // Counted by the person's responsible district (domain.md), night by night, districts by code.
    let (n1, n2) = (night1.to_string(), night2.to_string());
    let guarantee_nights = strings(&[
        &[&n1, "bromma", "1", "0", "1", "0", "0", "0"],
        &[&n1, "jarva", "3", "2", "0", "1", "0", "0"],
        &[&n2, "jarva", "1", "1", "0", "0", "0", "0"],
    ]);
    // Where the person stood is its own count: C stood in Bromma, D gave no position.
    let guarantee_locations = strings(&[
        &[&n1, "bromma", "1", "0", "0", "1", "0", "0"],
        &[&n1, "jarva", "2", "2", "0", "0", "0", "0"],
        &[&n1, "okänd", "1", "0", "1", "0", "0", "0"],
        &[&n2, "jarva", "1", "1", "0", "0", "0", "0"],
    ]);
    let guarantee_districts =
        strings(&[&["bromma", "1", "0", "1", "0", "0", "0"], &["jarva", "4", "3", "0", "1", "0", "0"]]);

    // Occupancy next month: Ljuset (4 beds) reports 2 in service and 2 out on the 1st; two beds given
    // that night and one on the 2nd. No other night is reported, so each counts all its beds.
    let first = next_month_night(1);
    let month = first.strftime("%Y-%m").to_string();
    let days = i64::from(first.days_in_month());
    let report =
        json!({"beds_in_service": 2, "beds_out_of_service": 2, "out_of_service_reason": "Ingen värme i rum 3"});
    f.put(&format!("/api/v1/shelters/{ljuset}/nights/{first}"), &report, "capacity").await;
    f.bed(&first.to_string(), &ljuset, &a.id).await;
    f.bed(&first.to_string(), &ljuset, &b.id).await;
    f.bed(&first.tomorrow().unwrap().to_string(), &ljuset, &c.id).await;
    let ljuset_capacity = 2 + 4 * (days - 1);
    let occupancy_rows = strings(&[
        &[shelter_name, &ljuset_capacity.to_string(), "3", &per_cent_sv(3, ljuset_capacity)],
        &["Nattcaféet", &(2 * days).to_string(), "0", "0,0"],
    ]);

    // IVO, 2025-Q3: a granted decision must be executed within three months of the decision date.
    let w1 = person(&f, "woman", "jarva", false).await;
    let m1 = person(&f, "man", "jarva", false).await;
    let w2 = person(&f, "woman", "bromma", true).await;
    let m2 = person(&f, "man", "jarva", false).await;
    let x = person(&f, "woman", "jarva", false).await;
    // Decided 03-31, never executed: late from 07-01, still late at the quarter's end.
    let w1_decision = granted_on(&app, &f.admin, &w1.id, "housing_first", "2025-03-31", "Bostadslös").await;
    let delay =
        json!({"delay_reasons": "Väntar på \"rätt\" lägenhet, nära skolan", "interim_help": "Boendestöd varje vecka"});
    f.put(&format!("/api/v1/decisions/{w1_decision}/delay"), &delay, "delay").await;
    let offer = json!({"offered_on": "2025-08-01", "description": "Bostad först-lägenhet"});
    f.post(&format!("/api/v1/decisions/{w1_decision}/offers"), &offer, "offer").await;
    // Decided 04-15 (deadline 07-15), executed 08-20: late, then executed in the quarter.
    let m1_decision = granted_on(&app, &f.admin, &m1.id, "trial_apartment", "2025-04-15", "Bostadslös").await;
    f.post(&format!("/api/v1/decisions/{m1_decision}/execute"), &json!({"executed_on": "2025-08-20"}), "execute").await;
    // Decided 05-02 in Bromma (deadline 08-02) and 06-01 (deadline 09-01): still late at 09-30.
    granted_on(&app, &f.admin, &w2.id, "housing_first", "2025-05-02", "Bostadslös").await;
    granted_on(&app, &f.admin, &m2.id, "training_apartment", "2025-06-01", "Bostadslös").await;
    // Executed on time: never reported.
    let x_decision = granted_on(&app, &f.admin, &x.id, "other", "2025-05-01", "Bostadslös").await;
    f.post(&format!("/api/v1/decisions/{x_decision}/execute"), &json!({"executed_on": "2025-06-01"}), "execute").await;
    let late = "Ej verkställt inom tre månader";
    let still = "Fortfarande ej verkställt";
    let ivo_cases = strings(&[
        &[
            "2025-03-31",
            "Bostad först",
            "kvinna",
            "jarva",
            late,
            "2025-03-31",
            "2025-06-30",
            still,
            "",
            "",
            "Väntar på \"rätt\" lägenhet, nära skolan",
            "Boendestöd varje vecka",
            "1",
        ],
        &[
            "2025-04-15",
            "Försökslägenhet",
            "man",
            "jarva",
            late,
            "2025-04-15",
            "2025-07-15",
            "Verkställt under kvartalet",
            "2025-08-20",
            "",
            "",
            "",
            "0",
        ],
        &[
            "2025-05-02",
            "Bostad först",
            "kvinna",
            "bromma",
            late,
            "2025-05-02",
            "2025-08-02",
            still,
            "",
            "",
            "",
            "",
            "0",
        ],
        &[
            "2025-06-01",
            "Träningslägenhet",
            "man",
            "jarva",
            late,
            "2025-06-01",
            "2025-09-01",
            still,
            "",
            "",
            "",
            "",
            "0",
        ],
    ]);
    // For the committee: still late at the quarter's end, by intervention and sex.
    let ivo_council = strings(&[&["Bostad först", "2", "0", "0", "2"], &["Träningslägenhet", "0", "1", "0", "1"]]);

    // Situations on 2025-03-01, from arrangements recorded from 2025-01-01.
    let mut situation_people = Vec::new();
    for (sex, kind, protected) in [
        ("woman", "outdoors", false),
        ("woman", "outdoors", true),
        ("man", "emergency_shelter", false),
        ("woman", "institution_leaving_without_home", false),
        ("woman", "living_with_relatives", false),
        ("man", "second_hand_contract", false),
        ("woman", "living_with_friends", false),
    ] {
        let who = person(&f, sex, "jarva", protected).await;
        let body = json!({"kind": kind, "valid_from": "2025-01-01"});
        f.post(&format!("/api/v1/people/{}/housing-arrangements", who.id), &body, "arrangement").await;
        situation_people.push(who);
    }
    // Socialstyrelsen: 1 acute (outdoors ×2, shelter), 2 institution, 4 own short-term (relatives,
    // second-hand, friends). Stockholm's count leaves out second-hand contracts and relatives.
    let (sos, sthlm) = ("Socialstyrelsen", "Stockholms stad");
    let (s1, s2, s3, s4) = (
        "1. Akut hemlöshet",
        "2. Institution eller stödboende",
        "3. Långsiktiga boendelösningar",
        "4. Eget kortsiktigt boende",
    );
    let situation_rows = strings(&[
        &[sos, s1, "2", "1", "0", "3"],
        &[sos, s2, "1", "0", "0", "1"],
        &[sos, s3, "0", "0", "0", "0"],
        &[sos, s4, "2", "1", "0", "3"],
        &[sthlm, s1, "2", "1", "0", "3"],
        &[sthlm, s2, "1", "0", "0", "1"],
        &[sthlm, s3, "0", "0", "0", "0"],
        &[sthlm, s4, "1", "0", "0", "1"],
    ]);

    // Nobody is named in a report: not these people, not those with protected identity.
    let mut secrets: Vec<String> = Vec::new();
    for who in [&a, &b, &c, &d, &w1, &m1, &w2, &m2, &x].into_iter().chain(&situation_people) {
        secrets.push(who.id.clone());
        secrets.extend(who.names.iter().cloned());
    }

    let link = login_link(&app, &grant(Role::Auditor, "granskare-1")).await;
    let cookie = session_cookie(&app, &login_link(&app, &grant(Role::Auditor, "granskare-1")).await).await;
    let guarantee_query = format!("from={}&to={n2}", night1.yesterday().unwrap());
    let expected = (guarantee_nights.clone(), guarantee_locations, guarantee_districts, occupancy_rows.clone());
    let ivo_expected = (ivo_cases.clone(), ivo_council);
    let (situations_b, secrets_b, month_b, gq) =
        (situation_rows.clone(), secrets.clone(), month.clone(), guarantee_query.clone());
    let (n1_b, n2_b) = (night1, night2);
    tokio::task::spawn_blocking(move || {
        let driver = Driver::start().expect("chromedriver");
        let browser = driver.browser(1280, 900).expect("chromium");
        browser.goto(&link).unwrap();
        browser.click("main form button[type=submit]").unwrap();
        browser.wait_for_text("h1", "Start").unwrap();
        let no_one_named = |page: &str| {
            let html = browser.execute("return document.documentElement.outerHTML;", json!([])).unwrap();
            let html = html.as_str().unwrap();
            for secret in &secrets_b {
                assert!(!html.contains(secret.as_str()), "{secret} shown on {page}");
            }
        };

        // The auditor's menu leads to the reports, all eight of them (issue 14 added four).
        browser.click("header nav a[href='/reports']").unwrap();
        browser.wait_for_text("h1", "Rapporter").unwrap();
        let listed = browser
            .execute(
                "return Array.from(document.querySelectorAll('.report-list a')).map(a => a.getAttribute('href'));",
                json!([]),
            )
            .unwrap();
        assert_eq!(
            listed,
            json!([
                "/reports/guarantee",
                "/reports/shelter-occupancy",
                "/reports/non-executed-decisions",
                "/reports/situations",
                "/reports/equity",
                "/reports/continuity",
                "/reports/vacancy",
                "/reports/deviations"
            ])
        );
        check_page(&browser, "the reports index", "reports-index.png");

        // The guarantee.
        browser.goto(&format!("{base}/reports/guarantee?{gq}")).unwrap();
        browser.wait_for_text("h1", "Tak över huvudet-garantin").unwrap();
        assert_eq!(table(&browser, "nights"), expected.0);
        assert_eq!(table(&browser, "locations"), expected.1);
        assert_eq!(table(&browser, "districts"), expected.2);
        let (bars, said) = chart(&browser);
        assert_eq!(bars, 2, "one bar per responsible district");
        assert!(
            said.contains("jarva 4 (Placerade 3, Garantibrott 1)") && said.contains("bromma 1 (Tackade nej 1)"),
            "{said}"
        );
        no_one_named("the guarantee report");
        check_page(&browser, "the guarantee report", "reports-guarantee.png");
        let period = format!("{}_{}", n1_b.yesterday().unwrap(), n2_b);
        let file = download(&browser, "nights");
        assert_csv(&file, &format!("hemvist-garantin-natter-{period}.csv"), &GUARANTEE_HEADER, &expected.0);
        let mut location_header = GUARANTEE_HEADER;
        location_header[1] = "Stadsdel där personen befann sig";
        let file = download(&browser, "locations");
        assert_csv(&file, &format!("hemvist-garantin-plats-{period}.csv"), &location_header, &expected.1);
        assert!(file.body.contains(&format!("{n1_b},okänd,1,0,1,0,0,0\r\n")), "plain fields unquoted: {}", file.body);

        // Occupancy.
        browser.goto(&format!("{base}/reports/shelter-occupancy?month={month_b}")).unwrap();
        browser.wait_for_text("h1", "Beläggning på akutboenden").unwrap();
        assert_eq!(table(&browser, "shelters"), expected.3);
        assert_eq!(chart(&browser).0, 2, "one bar per shelter");
        check_page(&browser, "the occupancy report", "reports-occupancy.png");
        let file = download(&browser, "shelters");
        let header = ["Boende", "Platsnätter i bruk", "Använda platsnätter", "Beläggning (%)"];
        assert_csv(&file, &format!("hemvist-belaggning-{month_b}.csv"), &header, &expected.3);
        // RFC 4180: a field with quotes or a comma is quoted and its quotes doubled.
        let line = format!("\"Härbärge \"\"Ljuset\"\", Järva\",{},3,\"{}\"\r\n", expected.3[0][1], expected.3[0][3]);
        assert!(file.body.contains(&line), "{line:?} in {:?}", file.body);

        // The IVO quarter: nothing was late yet in 2025-Q2; 2025-Q3 asked for through the form.
        browser.goto(&format!("{base}/reports/non-executed-decisions?quarter=2025-Q2")).unwrap();
        browser.wait_for_text("h1", "Ej verkställda beslut (IVO)").unwrap();
        browser.wait_for_text("main", "Inget att rapportera detta kvartal.").unwrap();
        assert!(browser.execute("return document.querySelector('#chart');", json!([])).unwrap().is_null(), "no chart");
        browser.fill("#period-quarter", "2025-Q3").unwrap();
        browser.click("#show-report").unwrap();
        browser.wait_for_text("#period", "2025-Q3").unwrap();
        assert_eq!(table(&browser, "cases"), ivo_expected.0);
        assert_eq!(table(&browser, "council"), ivo_expected.1);
        let (bars, said) = chart(&browser);
        assert_eq!(bars, 2, "one bar per intervention still late");
        assert!(said.contains("Bostad först 2 (Kvinnor 2, Män 0, Okänt kön 0)"), "{said}");
        no_one_named("the IVO report");
        check_page(&browser, "the IVO report", "reports-ivo.png");
        let file = download(&browser, "cases");
        let header = [
            "Beslutsdag",
            "Insats",
            "Kön",
            "Beslutets stadsdel",
            "Skäl till rapport",
            "Tre månader räknas från",
            "Sista dag i tid",
            "Läge vid kvartalets slut",
            "Verkställt eller avslutat",
            "Skäl till avslut",
            "Skäl till dröjsmålet",
            "Stöd i väntan",
            "Erbjudanden",
        ];
        assert_csv(&file, "hemvist-ivo-2025-Q3.csv", &header, &ivo_expected.0);
        assert!(file.body.contains(",\"Väntar på \"\"rätt\"\" lägenhet, nära skolan\",Boendestöd varje vecka,1\r\n"));
        let file = download(&browser, "council");
        let header = ["Insats", "Kvinnor", "Män", "Okänt kön", "Totalt"];
        assert_csv(&file, "hemvist-ivo-namnden-2025-Q3.csv", &header, &ivo_expected.1);

        // The situations.
        browser.goto(&format!("{base}/reports/situations?date=2025-03-01")).unwrap();
        browser.wait_for_text("h1", "Hemlöshetssituationer").unwrap();
        assert_eq!(table(&browser, "situations"), situations_b);
        let (bars, said) = chart(&browser);
        assert_eq!(bars, 8, "situations 1–4, each by both classifications");
        assert!(said.contains("4. Eget kortsiktigt boende: Socialstyrelsen 3, Stockholms stad 1"), "{said}");
        no_one_named("the situations report");
        check_page(&browser, "the situations report", "reports-situations.png");
        let file = download(&browser, "situations");
        let header = ["Indelning", "Situation", "Kvinnor", "Män", "Okänt kön", "Totalt"];
        assert_csv(&file, "hemvist-situationer-2025-03-01.csv", &header, &situations_b);

        // A period the report cannot have: the form again, in Swedish, saying what to write (422).
        browser.goto(&format!("{base}/reports/non-executed-decisions?quarter=2025-Q3")).unwrap();
        browser.fill("#period-quarter", "2025-Q5").unwrap();
        browser.click("#show-report").unwrap();
        let error = browser.wait_for_text("#period-error", "Kontrollera perioden").unwrap();
        assert!(error.contains("Ange ett kvartal som ÅÅÅÅ-Qn"), "{error}");
        let invalid = browser
            .execute("return document.querySelector('#period-quarter').getAttribute('aria-invalid');", json!([]))
            .unwrap();
        assert_eq!(invalid, json!("true"));
        assert!(browser.execute("return document.querySelector('#cases');", json!([])).unwrap().is_null(), "no table");
        check_page(&browser, "a report asked for an impossible quarter", "reports-invalid-quarter.png");
    })
    .await
    .expect("the browser steps passed");

    // The same files for a plain HTTP client with the session cookie; English column names with ?lang=en.
    let (status, content_type, body) =
        fetch(&app, &cookie, &format!("/reports/guarantee.csv?{guarantee_query}&lang=en")).await;
    assert_eq!((status, content_type.as_str()), (StatusCode::OK, "text/csv; charset=utf-8"));
    let rows = records(&body);
    assert_eq!(
        rows[0],
        [
            "Night",
            "Responsible district",
            "Requests",
            "Placed",
            "Declined",
            "Guarantee breaches",
            "Not eligible",
            "Home municipality unknown"
        ]
    );
    assert_eq!(rows[1..], guarantee_nights[..]);
    let (_, _, body) = fetch(&app, &cookie, &format!("/reports/shelter-occupancy.csv?month={month}&lang=en")).await;
    let rows = records(&body);
    let english_per_cent = occupancy_rows[0][3].replace(',', ".");
    assert_eq!(rows[1], [shelter_name.to_owned(), ljuset_capacity.to_string(), "3".into(), english_per_cent]);
    let (status, _, body) = fetch(&app, &cookie, "/reports/situations.csv?date=2025-03-01").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(records(&body)[1..], situation_rows[..]);
    for secret in &secrets {
        assert!(!body.contains(secret.as_str()));
    }

    // Read as the signed-in auditor: the same audit as the API (the report, and each decision listed).
    let client = app.owner_client().await;
    let audited: Vec<(String, String, Option<String>)> = client
        .query(
            "SELECT a.action, a.resource_type, a.details->>'report' FROM audit_events a
               JOIN web_sessions s ON s.id = a.actor_token_id WHERE s.staff_id = 'granskare-1'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let count = |action: &str, resource: &str, report: Option<&str>| {
        audited.iter().filter(|(a, r, d)| a == action && r == resource && d.as_deref() == report).count()
    };
    // The IVO page for 2025-Q2 (empty), 2025-Q3 by the form, its two files and once more before the
    // impossible quarter (refused before any read); the situations page and its file twice.
    assert_eq!(count("read", "report", Some("non_executed_decisions")), 5, "{audited:?}");
    assert_eq!(count("read", "report", Some("situations")), 3, "{audited:?}");
    assert_eq!(count("list", "decision", None), 4 * 4, "the four decisions each time 2025-Q3 was read: {audited:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_only_for_the_roles_the_api_allows_and_periods_checked_as_the_api_does() {
    let app = served_app().await;
    let base = app.state.settings.public_url.clone().unwrap();
    let f = Fixtures::new(&app).await;
    f.two_districts().await;
    let shelter = f.shelter_at("Nattljuset", JARVA_LON, 6).await;

    // Which report each role may open, written from the API's roles (operation × role → allowed).
    let reports =
        ["/reports/guarantee", "/reports/shelter-occupancy", "/reports/non-executed-decisions", "/reports/situations"];
    let access: [(Role, [bool; 4]); 7] = [
        (Role::Admin, [true, true, true, true]),
        (Role::Auditor, [true, true, true, true]),
        (Role::NightCoordinator, [true, true, false, false]),
        (Role::HousingOfficer, [false, false, true, true]),
        (Role::SupportWorker, [false, false, false, false]),
        (Role::ShelterStaff, [false, false, false, false]),
        (Role::Integration, [false, false, false, false]),
    ];
    for (role, allowed) in access {
        let grant =
            if role == Role::ShelterStaff { shelter_grant(&shelter, "boende-1") } else { grant(role, "staff-1") };
        let cookie = session_cookie(&app, &login_link(&app, &grant).await).await;
        for (path, allowed) in reports.iter().zip(allowed) {
            for path in [path.to_string(), format!("{path}.csv")] {
                let (status, content_type, body) = fetch(&app, &cookie, &path).await;
                if allowed {
                    assert_eq!(status, StatusCode::OK, "{role:?} {path}");
                } else {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} {path}");
                    assert!(content_type.starts_with("text/html"), "{role:?} {path}: a page, not a file");
                    assert!(body.contains("Du har inte behörighet till det här."), "{role:?} {path}: {body}");
                }
            }
        }
        let (status, _, home) = fetch(&app, &cookie, "/reports").await;
        let any = allowed.contains(&true);
        assert_eq!(status, if any { StatusCode::OK } else { StatusCode::FORBIDDEN }, "{role:?} /reports");
        if any {
            for (path, allowed) in reports.iter().zip(allowed) {
                assert_eq!(home.contains(&format!("href=\"{path}\"")), allowed, "{role:?} lists {path}");
            }
        }
    }

    // Periods the API refuses are refused here too, with a 422 page in Swedish that says what to write.
    let cookie = session_cookie(&app, &login_link(&app, &grant(Role::Auditor, "granskare-2")).await).await;
    let invalid = [
        (
            "/reports/guarantee?from=2025-03-10&to=2025-03-01",
            "Sista natten ska vara samma natt som den första eller senare",
        ),
        ("/reports/guarantee?from=2024-01-01&to=2025-03-01", "högst 366 nätter"),
        ("/reports/guarantee?from=2025-02-30&to=2025-03-01", "Ange ett datum som ÅÅÅÅ-MM-DD"),
        ("/reports/shelter-occupancy?month=2025-13", "Ange en månad som ÅÅÅÅ-MM"),
        ("/reports/non-executed-decisions?quarter=2025-Q0", "Ange ett kvartal som ÅÅÅÅ-Qn"),
        ("/reports/situations?date=igår", "Ange ett datum som ÅÅÅÅ-MM-DD"),
    ];
    for (path, message) in invalid {
        let (status, content_type, body) = fetch(&app, &cookie, path).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(content_type.starts_with("text/html"), "{path}");
        assert!(body.contains("<html lang=\"sv\"") && body.contains(message), "{path}: {body}");
        let (csv_path, query) = path.split_once('?').unwrap();
        let (status, content_type, _) = fetch(&app, &cookie, &format!("{csv_path}.csv?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{csv_path}.csv");
        assert!(content_type.starts_with("text/html"), "{csv_path}.csv");
    }
    // The API agrees on the same periods.
    let auditor = app.token(Role::Auditor).await;
    for path in [
        "/api/v1/reports/guarantee?from=2025-03-10&to=2025-03-01",
        "/api/v1/reports/guarantee?from=2024-01-01&to=2025-03-01",
        "/api/v1/reports/shelter-occupancy?month=2025-13",
        "/api/v1/reports/non-executed-decisions?quarter=2025-Q0",
    ] {
        assert_eq!(app.get(path, &auditor).await.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    }

    // A breach two nights ago, so the phone shows a chart (one bar: Järva).
    let who = person(&f, "woman", "jarva", false).await;
    past_request(&f, &who, stockholm_today().checked_sub(2.days()).unwrap(), "no_suitable_bed", None, None).await;

    // In a browser on a phone: shelter staff see no reports in their menu and get the forbidden page;
    // a night coordinator reads the guarantee report on the phone.
    let staff_link = login_link(&app, &shelter_grant(&shelter, "boende-2")).await;
    let night_link = login_link(&app, &grant(Role::NightCoordinator, "natt-1")).await;
    let auditor_link = login_link(&app, &grant(Role::Auditor, "granskare-2")).await;
    let empty: Value = json!([]);
    tokio::task::spawn_blocking(move || {
        let driver = Driver::start().expect("chromedriver");
        let browser = driver.browser(390, 844).expect("chromium");
        browser.goto(&staff_link).unwrap();
        browser.click("main form button[type=submit]").unwrap();
        browser.wait_for_text("h1", "Nattljuset").unwrap();
        let menu = browser
            .execute("return document.querySelectorAll(\"header nav a[href='/reports']\").length;", empty.clone())
            .unwrap();
        assert_eq!(menu, json!(0));
        browser.goto(&format!("{base}/reports/guarantee")).unwrap();
        let text = browser.wait_for_text("main", "Du har inte behörighet till det här.").unwrap();
        assert!(!text.contains("Begäranden"), "{text}");
        check_page(&browser, "the forbidden page of a report", "reports-forbidden.png");

        let phone = driver.browser(390, 844).expect("a second chromium session");
        phone.goto(&night_link).unwrap();
        phone.click("main form button[type=submit]").unwrap();
        phone.wait_for_text("h1", "Nattens platstavla").unwrap();
        phone.click("header nav a[href='/reports']").unwrap();
        phone.wait_for_text("h1", "Rapporter").unwrap();
        phone.click(".report-list a[href='/reports/guarantee']").unwrap();
        phone.wait_for_text("h1", "Tak över huvudet-garantin").unwrap();
        assert_eq!(chart(&phone).0, 1);
        let overflow =
            phone.execute("return document.documentElement.scrollWidth <= window.innerWidth;", empty.clone()).unwrap();
        assert_eq!(overflow, json!(true), "the page fits a phone; wide tables scroll on their own");
        check_page(&phone, "the guarantee report on a phone", "reports-guarantee-phone.png");

        // The four reports of issue 14 on an auditor's phone: each fits the screen (its tables scroll on
        // their own) and passes axe. The breach above recorded a deviation, so that list has a row.
        let auditor = driver.browser(390, 844).expect("a third chromium session");
        auditor.goto(&auditor_link).unwrap();
        auditor.click("main form button[type=submit]").unwrap();
        auditor.wait_for_text("h1", "Start").unwrap();
        for (path, title, shot) in [
            ("/reports/equity", "Likvärdighet mellan stadsdelar", "reports-equity-phone.png"),
            ("/reports/continuity", "Kontinuitet i handläggningen", "reports-continuity-phone.png"),
            ("/reports/vacancy", "Tomma lägenheter medan människor väntar", "reports-vacancy-phone.png"),
            ("/reports/deviations", "Avvikelser och lex Sarah", "reports-deviations-phone.png"),
        ] {
            auditor.goto(&format!("{base}{path}")).unwrap();
            auditor.wait_for_text("h1", title).unwrap();
            let fits = auditor
                .execute("return document.documentElement.scrollWidth <= window.innerWidth;", empty.clone())
                .unwrap();
            assert_eq!(fits, json!(true), "{path} fits a phone; wide tables scroll on their own");
            // A form only where there is something to choose (the period of equity and vacancy).
            let forms =
                auditor.execute("return document.querySelectorAll('main form').length;", empty.clone()).unwrap();
            let choosable = matches!(path, "/reports/equity" | "/reports/vacancy");
            assert_eq!(forms, json!(u64::from(choosable)), "{path}");
            check_page(&auditor, &format!("{path} on a phone"), shot);
        }
        let rows = auditor.execute("return document.querySelectorAll('main table tbody tr').length;", empty).unwrap();
        assert!(rows.as_u64().is_some_and(|n| n >= 1), "the breach's deviation is listed: {rows}");
    })
    .await
    .expect("the browser steps passed");
}
