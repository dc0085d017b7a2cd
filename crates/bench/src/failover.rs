//! `hemvist-failover`: the failover test's load, kill and measurements, driven by
//! `scripts/failover-test.sh` (which builds the pg_auto_failover monitor, primary and synchronous
//! standby on loopback ports and passes them in the environment).
//!
//! It serves the real `hemvist` binary against the multi-host `DATABASE_URL`, runs a write load of
//! guarantee requests (each with its own Idempotency-Key, retried on 503, a lost connection or a
//! timeout, as a client should) and nightly capacity reports, kills the primary with SIGKILL (its
//! pg_autoctl keeper, postmaster and backends: the server is gone), keeps the load on until writes
//! succeed again, and then checks on the new primary: acknowledged writes lost, double placements,
//! seconds until writes succeed again, and requests that failed. Exits non-zero when a figure that
//! must be 0 is not. Only 127.0.0.1 is addressed; every loop is bounded in count and time.
//!
//! Environment: `FAILOVER_DATABASE_URL` (multi-host, `target_session_attrs=read-write`),
//! `FAILOVER_NODES` (`port:pgdata:keeper_pid,...`), optional `FAILOVER_SERVER_LOG`,
//! `FAILOVER_WARMUP_SECS` (default 8), `FAILOVER_AFTER_SECS` (load kept on after recovery, default 8).
#![allow(clippy::expect_used)] // a test driver stops loudly when its set-up fails

mod failover_checks;

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::Mutex;

use failover_checks::check;

type HttpClient = Client<HttpConnector, Full<Bytes>>;

const SHELTERS: usize = 20;
const BEDS: u32 = 100;
const PEOPLE: usize = 1500;
const GUARANTEE_WORKERS: usize = 6;
/// A client gives a request up after this long without a final answer.
const GIVE_UP: Duration = Duration::from_secs(90);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const RETRY_PAUSE: Duration = Duration::from_millis(200);
const MAX_RUN: Duration = Duration::from_secs(240);

/// One node of the pg_auto_failover group.
struct Node {
    port: u16,
    pgdata: String,
    keeper_pid: u32,
}

/// The final answer to one write, after its retries.
enum Outcome {
    /// 2xx, with its body; `replayed` when the server answered with an earlier attempt's result.
    Acknowledged { body: serde_json::Value, replayed: bool },
    /// Gave up, or an answer that is not worth a retry (4xx, 500).
    Failed { last: String },
}

/// What the load saw, attempt by attempt.
#[derive(Default)]
struct Tally {
    attempts: usize,
    unavailable_503: usize,
    connection_lost: usize,
    timed_out: usize,
    other_errors: Vec<String>,
    /// Attempts that got a retryable failure after the kill: (when, what).
    failures_after_kill: Vec<Instant>,
}

struct Load {
    http: HttpClient,
    base: String,
    token: String,
    tally: Mutex<Tally>,
    killed_at: Mutex<Option<Instant>>,
    /// When a write attempt sent after the kill was first acknowledged.
    recovered_at: Mutex<Option<Instant>>,
    stop: AtomicBool,
}

impl Load {
    /// Sends `method path body` with `key` until a final answer: 2xx, a 4xx or 500 (not retried), or
    /// giving up. 503, a lost connection and a timeout are retried with the same key.
    async fn write(&self, method: &str, path: &str, body: &serde_json::Value, key: Option<&str>) -> Outcome {
        let started = Instant::now();
        let mut last = String::new();
        while started.elapsed() < GIVE_UP {
            let attempt = Instant::now();
            let mut builder = http::Request::builder()
                .method(method)
                .uri(format!("{}{path}", self.base))
                .header("authorization", format!("Bearer {}", self.token))
                .header("content-type", "application/json");
            if let Some(key) = key {
                builder = builder.header("idempotency-key", key);
            }
            let request = builder.body(Full::new(Bytes::from(body.to_string()))).expect("request");
            let answer = tokio::time::timeout(ATTEMPT_TIMEOUT, async {
                let response = self.http.request(request).await?;
                let status = response.status();
                let replayed = response.headers().contains_key("idempotent-replayed");
                let bytes = response.into_body().collect().await?.to_bytes();
                anyhow::Ok((status, bytes, replayed))
            })
            .await;
            let retry = {
                let mut tally = self.tally.lock().await;
                tally.attempts += 1;
                let retry = match &answer {
                    Ok(Ok((status, bytes, replayed))) if status.is_success() => {
                        let body = serde_json::from_slice(bytes).unwrap_or(serde_json::Value::Null);
                        if self.killed_at.lock().await.is_some_and(|killed| attempt > killed) {
                            self.recovered_at.lock().await.get_or_insert_with(Instant::now);
                        }
                        return Outcome::Acknowledged { body, replayed: *replayed };
                    }
                    Ok(Ok((status, _, _))) if status.as_u16() == 503 => {
                        tally.unavailable_503 += 1;
                        true
                    }
                    Ok(Ok((status, bytes, _))) => {
                        last = format!("{status}: {}", String::from_utf8_lossy(bytes));
                        tally.other_errors.push(last.clone());
                        false
                    }
                    Ok(Err(error)) => {
                        tally.connection_lost += 1;
                        last = format!("connection: {error:#}");
                        true
                    }
                    Err(_) => {
                        tally.timed_out += 1;
                        last = "timed out".into();
                        true
                    }
                };
                if retry && self.killed_at.lock().await.is_some() {
                    tally.failures_after_kill.push(Instant::now());
                }
                retry
            };
            if !retry {
                return Outcome::Failed { last };
            }
            tokio::time::sleep(RETRY_PAUSE).await;
        }
        Outcome::Failed { last: format!("gave up after {} s: {last}", GIVE_UP.as_secs()) }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("FAILOVER_DATABASE_URL").context("FAILOVER_DATABASE_URL")?;
    let nodes = parse_nodes(&std::env::var("FAILOVER_NODES").context("FAILOVER_NODES")?)?;
    let warmup = Duration::from_secs(env_secs("FAILOVER_WARMUP_SECS", 8));
    let after = Duration::from_secs(env_secs("FAILOVER_AFTER_SECS", 8));
    let server_bin = std::env::current_exe()?.with_file_name("hemvist");
    if !server_bin.exists() {
        bail!("{} not found: cargo build -p hemvist-server -p hemvist-bench", server_bin.display());
    }
    let port = 20_000 + u16::try_from(std::process::id() % 20_000).unwrap_or(0);
    let log = match std::env::var("FAILOVER_SERVER_LOG") {
        Ok(path) => Stdio::from(std::fs::File::create(path)?),
        Err(_) => Stdio::null(),
    };
    let mut server = tokio::process::Command::new(&server_bin)
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("HEMVIST_BIND", format!("127.0.0.1:{port}"))
        .env("HEMVIST_DB_POOL_SIZE", "12")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let http: HttpClient = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(32).build_http();
    wait_ready(&http, &base).await?;
    let token = create_token(&server_bin, &url).await?;
    let night = hemvist_platform::night::Night::containing(jiff::Timestamp::now(), 8).date().to_string();
    let load = Arc::new(Load {
        http,
        base,
        token,
        tally: Mutex::default(),
        killed_at: Mutex::new(None),
        recovered_at: Mutex::new(None),
        stop: AtomicBool::new(false),
    });

    let seeding = Instant::now();
    let (shelters, people) = seed(&load).await?;
    println!(
        "seeded {} shelters of {BEDS} beds and {} people in {:.1} s",
        shelters.len(),
        people.len(),
        seeding.elapsed().as_secs_f64()
    );
    *load.tally.lock().await = Tally::default();

    // The load: guarantee requests by several coordinators, capacity reports by the shelters.
    let next_person = Arc::new(AtomicUsize::new(0));
    let people = Arc::new(people);
    let mut workers = Vec::new();
    for _ in 0..GUARANTEE_WORKERS {
        let (load, people, next_person) = (load.clone(), people.clone(), next_person.clone());
        workers.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            while !load.stop.load(Ordering::Relaxed) {
                let i = next_person.fetch_add(1, Ordering::Relaxed);
                let Some(person) = people.get(i) else { break };
                let key = format!("failover-{}", uuid::Uuid::new_v4());
                let body = serde_json::json!({"person_id": person, "channel": "homelessness_reception",
                    "lat": 59.40, "lon": 17.9});
                outcomes
                    .push((person.clone(), load.write("POST", "/api/v1/guarantee-requests", &body, Some(&key)).await));
            }
            outcomes
        }));
    }
    let reporter = {
        let (load, shelters, night) = (load.clone(), shelters.clone(), night.clone());
        tokio::spawn(async move {
            let mut outcomes = Vec::new();
            let mut n = 0usize;
            while !load.stop.load(Ordering::Relaxed) {
                let shelter = &shelters[n % shelters.len()];
                let reason = format!("failover test report {n}");
                let body = serde_json::json!({"beds_in_service": BEDS - 1, "beds_out_of_service": 1,
                    "out_of_service_reason": reason});
                let path = format!("/api/v1/shelters/{shelter}/nights/{night}");
                outcomes.push((reason, load.write("PUT", &path, &body, None).await));
                n += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            outcomes
        })
    };

    let run_started = Instant::now();
    tokio::time::sleep(warmup).await;
    let primary = find_primary(&nodes).await?;
    let killed = kill_node(primary)?;
    let killed_at = Instant::now();
    *load.killed_at.lock().await = Some(killed_at);
    println!("killed the primary (port {}) with SIGKILL: {killed}", primary.port);

    // Until a guarantee request sent after the kill is acknowledged, then some more load.
    let recovered_at = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Some(at) = *load.recovered_at.lock().await {
            break Some(at);
        }
        if run_started.elapsed() > MAX_RUN {
            break None;
        }
    };
    if recovered_at.is_some() {
        tokio::time::sleep(after).await;
    }
    load.stop.store(true, Ordering::Relaxed);
    let mut guarantee = Vec::new();
    for worker in workers {
        guarantee.extend(worker.await?);
    }
    let reports = reporter.await?;
    let _ = server.start_kill();
    let _ = server.wait().await;

    let figures = check(&url, &night, &guarantee, &reports).await?;
    let tally = load.tally.lock().await;
    let window = match (tally.failures_after_kill.first(), tally.failures_after_kill.last()) {
        (Some(first), Some(last)) => last.duration_since(*first).as_secs_f64(),
        _ => 0.0,
    };
    let failed: Vec<&String> = guarantee
        .iter()
        .map(|(_, o)| o)
        .chain(reports.iter().map(|(_, o)| o))
        .filter_map(|o| match o {
            Outcome::Failed { last } => Some(last),
            Outcome::Acknowledged { .. } => None,
        })
        .collect();
    let seconds_down = recovered_at.map(|at| at.duration_since(killed_at).as_secs_f64());
    println!("== failover figures");
    println!(
        "guarantee requests acknowledged:     {} ({} placed in a bed; {} answered by an idempotent replay)",
        figures.acked_requests, figures.placed, figures.replayed
    );
    println!("capacity reports acknowledged:       {}", figures.acked_reports);
    println!(
        "attempts: {} (503: {}, connection lost: {}, timed out: {}, other errors: {})",
        tally.attempts,
        tally.unavailable_503,
        tally.connection_lost,
        tally.timed_out,
        tally.other_errors.len()
    );
    println!("acknowledged writes lost:            {}", figures.lost);
    println!("double placements:                   {}", figures.double_placements);
    match seconds_down {
        Some(s) => {
            println!("seconds until writes succeed again:  {s:.1} (503s and lost connections seen for {window:.1} s)")
        }
        None => println!("seconds until writes succeed again:  never (gave up after {} s)", MAX_RUN.as_secs()),
    }
    println!("requests that failed:                {}", failed.len());
    for last in failed.iter().take(5) {
        println!("  failed: {last}");
    }
    let mut ok = true;
    if figures.lost != 0 {
        println!("FAIL: acknowledged writes were lost");
        ok = false;
    }
    if figures.double_placements != 0 {
        println!("FAIL: double placements");
        ok = false;
    }
    if seconds_down.is_none() {
        println!("FAIL: writes never succeeded again");
        ok = false;
    }
    if !failed.is_empty() {
        println!("FAIL: requests failed");
        ok = false;
    }
    if ok {
        println!("failover test passed");
        Ok(())
    } else {
        std::process::exit(1)
    }
}

fn env_secs(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn parse_nodes(raw: &str) -> anyhow::Result<Vec<Node>> {
    raw.split(',')
        .map(|node| {
            let mut parts = node.splitn(3, ':');
            let (Some(port), Some(pgdata), Some(pid)) = (parts.next(), parts.next(), parts.next()) else {
                bail!("FAILOVER_NODES: {node} is not port:pgdata:keeper_pid")
            };
            Ok(Node { port: port.parse()?, pgdata: pgdata.to_owned(), keeper_pid: pid.parse()? })
        })
        .collect()
}

async fn wait_ready(http: &HttpClient, base: &str) -> anyhow::Result<()> {
    for _ in 0..600 {
        let ready = http::Request::get(format!("{base}/ready")).body(Full::new(Bytes::new()))?;
        if http.request(ready).await.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the server did not become ready")
}

async fn create_token(server_bin: &std::path::Path, url: &str) -> anyhow::Result<String> {
    let output = tokio::process::Command::new(server_bin)
        .args(["token", "create", "--role", "night_coordinator", "--name", "failover test"])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .await?;
    if !output.status.success() {
        bail!("token create failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

/// Shelters and people through the API (as an admin would), before the load starts.
async fn seed(load: &Arc<Load>) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let admin = {
        let url = std::env::var("FAILOVER_DATABASE_URL")?;
        let bin = std::env::current_exe()?.with_file_name("hemvist");
        let output = tokio::process::Command::new(bin)
            .args(["token", "create", "--role", "admin", "--name", "failover test seeding"])
            .env("DATABASE_URL", url)
            .output()
            .await?;
        String::from_utf8(output.stdout)?.trim().to_owned()
    };
    let seeder = Arc::new(Load {
        http: load.http.clone(),
        base: load.base.clone(),
        token: admin,
        tally: Mutex::default(),
        killed_at: Mutex::new(None),
        recovered_at: Mutex::new(None),
        stop: AtomicBool::new(false),
    });
    let district = serde_json::json!({"code": "jarva", "name": "Järva", "valid_from": "2023-07-01",
        "boundary": {"type": "Polygon", "coordinates":
            [[[17.85, 59.38], [17.97, 59.38], [17.97, 59.43], [17.85, 59.43], [17.85, 59.38]]]}});
    id_of(seeder.write("POST", "/api/v1/districts", &district, None).await)?;
    let mut shelters = Vec::new();
    for i in 0..SHELTERS {
        let body = serde_json::json!({"name": format!("Failover {i}"), "operator": "Stadsmissionen",
            "address": format!("Failovergatan {i}"), "lat": 59.40, "lon": 17.86 + i as f64 * 0.005,
            "eligibility": {"accepts_women": true, "accepts_men": true}, "total_beds": BEDS,
            "opens_at": "19:00", "check_in_deadline": "23:00"});
        shelters.push(id_of(seeder.write("POST", "/api/v1/shelters", &body, None).await)?);
    }
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (seeder, next) = (seeder.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < PEOPLE {
                let body = serde_json::json!({"identity_kind": "none", "given_name": "Failover",
                    "family_name": "Test", "sex": "unknown", "home_municipality_code": "0180"});
                ids.push(id_of(seeder.write("POST", "/api/v1/people", &body, None).await)?);
            }
            anyhow::Ok(ids)
        }));
    }
    let mut people = Vec::new();
    for task in tasks {
        people.extend(task.await??);
    }
    Ok((shelters, people))
}

fn id_of(outcome: Outcome) -> anyhow::Result<String> {
    match outcome {
        Outcome::Acknowledged { body, .. } => {
            body["id"].as_str().map(str::to_owned).with_context(|| format!("no id in {body}"))
        }
        Outcome::Failed { last } => bail!("seeding failed: {last}"),
    }
}

async fn connect(port: u16, dbname: &str) -> anyhow::Result<tokio_postgres::Client> {
    let mut config = tokio_postgres::Config::new();
    config.host("127.0.0.1").port(port).user("postgres").dbname(dbname).connect_timeout(Duration::from_secs(3));
    let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

async fn find_primary(nodes: &[Node]) -> anyhow::Result<&Node> {
    for node in nodes {
        if let Ok(client) = connect(node.port, "postgres").await
            && !client.query_one("SELECT pg_is_in_recovery()", &[]).await?.try_get::<_, bool>(0)?
        {
            return Ok(node);
        }
    }
    bail!("no primary among the nodes")
}

/// SIGKILL to the node's pg_autoctl keeper (its process group, started with setsid), its postmaster
/// and the postmaster's children: the database server is gone at once, as when its machine dies.
fn kill_node(node: &Node) -> anyhow::Result<String> {
    let pid_file = std::fs::read_to_string(format!("{}/postmaster.pid", node.pgdata))?;
    let postmaster = pid_file.lines().next().context("empty postmaster.pid")?.trim().to_owned();
    let children = std::process::Command::new("pgrep").args(["-P", &postmaster]).output()?;
    let children: Vec<String> =
        String::from_utf8_lossy(&children.stdout).split_whitespace().map(str::to_owned).collect();
    let group = format!("-{}", node.keeper_pid);
    let mut args = vec!["-9", "--", group.as_str(), postmaster.as_str()];
    args.extend(children.iter().map(String::as_str));
    let status = std::process::Command::new("kill").args(&args).status()?;
    if !status.success() {
        bail!("kill {args:?} failed");
    }
    Ok(format!("keeper group {}, postmaster {postmaster} and its {} child processes", node.keeper_pid, children.len()))
}
