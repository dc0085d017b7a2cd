//! The staff web app's pages at Stockholm scale: each role signs in with a one-time link (as staff do)
//! and its pages are fetched over loopback. The server time is the page's `Server-Timing` header (the
//! page is rendered whole before it is sent); the target is under 50 ms each.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use hemvist_platform::MunicipalityCode;
use hemvist_platform::auth::Role;
use hemvist_platform::settings::Settings;
use hemvist_web::sessions::{Grant, create_login_link};
use http_body_util::{BodyExt, Full};
use uuid::Uuid;

use crate::{HttpClient, percentile};

/// The target for each page's server time.
const TARGET_MS: f64 = 50.0;

/// A role's pages: who signs in and what they open.
struct RolePages {
    grant: Grant,
    paths: Vec<String>,
}

fn grant(role: Role, shelter_scope: Vec<Uuid>, staff_id: Option<&str>) -> Grant {
    Grant {
        municipality: MunicipalityCode::parse("0180").expect("code"),
        role,
        district_scope: Vec::new(),
        shelter_scope,
        staff_id: staff_id.map(Into::into),
    }
}

/// Opens every role's pages for `seconds` (at most 200 requests a page, 2 at a time) and prints each
/// page's server time. Returns how many pages missed the target.
pub async fn run(
    http: &HttpClient,
    base: &str,
    config: &tokio_postgres::Config,
    tonight: jiff::civil::Date,
    seconds: u64,
    table: &mut crate::Table,
) -> anyhow::Result<usize> {
    let pool = hemvist_platform::db::pool(config.clone(), 1)?;
    let db = pool.get().await?;
    let shelter: Uuid = db.query_one("SELECT id FROM shelters ORDER BY id LIMIT 1", &[]).await?.get(0);
    let roles = [
        RolePages { grant: grant(Role::Admin, vec![], None), paths: vec!["/".into()] },
        RolePages {
            grant: grant(Role::NightCoordinator, vec![], Some("bench-night")),
            paths: vec![
                "/night/board".into(),
                format!("/night/board/table?night={tonight}"),
                "/night/desk".into(),
                "/night/breaches".into(),
            ],
        },
        RolePages {
            grant: grant(Role::ShelterStaff, vec![shelter], Some("bench-shelter")),
            paths: vec![format!("/shelters/{shelter}/tonight")],
        },
        RolePages { grant: grant(Role::HousingOfficer, vec![], Some("bench-housing")), paths: vec!["/housing".into()] },
        RolePages { grant: grant(Role::SupportWorker, vec![], Some("bench-support")), paths: vec!["/support".into()] },
    ];
    table.line(String::new());
    table.line(format!(
        "{:<52} {:>9} {:>14} {:>14} {:>14}  target < {TARGET_MS} ms",
        "page", "requests", "server p50 ms", "server p99 ms", "client p50 ms"
    ));
    let mut missed = 0;
    let settings = Settings { public_url: Some(base.to_owned()), ..Settings::default() };
    for role in roles {
        let link = create_login_link(&db, &settings, &role.grant).await?;
        let cookie = sign_in(http, &link).await?;
        for path in role.paths {
            let (server, client) = fetch_page(http, &format!("{base}{path}"), &cookie, seconds).await?;
            let p99 = percentile_ms(&server, 0.99);
            let verdict = if p99 < TARGET_MS { "met" } else { "MISSED" };
            missed += usize::from(p99 >= TARGET_MS);
            table.line(format!(
                "{:<52} {:>9} {:>14.2} {:>14.2} {:>14.2}  {verdict}",
                format!("{:?} {}", role.grant.role, path.replace(&shelter.to_string(), "{id}")),
                server.len(),
                percentile_ms(&server, 0.50),
                p99,
                percentile(&client, 0.50),
            ));
        }
    }
    Ok(missed)
}

/// Presses the sign-in button of a one-time link: the session cookie.
async fn sign_in(http: &HttpClient, link: &str) -> anyhow::Result<String> {
    let request = http::Request::post(link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::new()))?;
    let response = http.request(request).await?;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.split(';').next().filter(|kv| kv.contains('=')).map(str::to_owned))
        .with_context(|| format!("no session cookie from {link}: {}", response.status()))?;
    Ok(cookie)
}

/// Server times (from `Server-Timing`) and client latencies of one page, sorted.
async fn fetch_page(
    http: &HttpClient,
    url: &str,
    cookie: &str,
    seconds: u64,
) -> anyhow::Result<(Vec<f64>, Vec<Duration>)> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut workers = Vec::new();
    for _ in 0..2 {
        let (http, url, cookie) = (http.clone(), url.to_owned(), cookie.to_owned());
        workers.push(tokio::spawn(async move {
            let (mut server, mut client) = (Vec::new(), Vec::new());
            while Instant::now() < deadline && server.len() < 100 {
                let request = http::Request::get(&url).header("cookie", &cookie).body(Full::new(Bytes::new()))?;
                let sent = Instant::now();
                let response = http.request(request).await?;
                let status = response.status();
                let timing = response
                    .headers()
                    .get("server-timing")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split("dur=").nth(1))
                    .and_then(|v| v.parse::<f64>().ok());
                let _ = response.into_body().collect().await?;
                if !status.is_success() {
                    bail!("{url}: {status}");
                }
                client.push(sent.elapsed());
                server.push(timing.with_context(|| format!("{url}: no Server-Timing"))?);
            }
            anyhow::Ok((server, client))
        }));
    }
    let (mut server, mut client) = (Vec::new(), Vec::new());
    for worker in workers {
        let (s, c) = worker.await??;
        server.extend(s);
        client.extend(c);
    }
    server.sort_by(f64::total_cmp);
    client.sort();
    Ok((server, client))
}

fn percentile_ms(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}
