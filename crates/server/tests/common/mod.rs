//! The real `hemvist` binary on a private cluster in a temporary directory, for the tests that need a
//! process of their own: signals, backups. Only 127.0.0.1 is addressed.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)] // each test file uses what it needs

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_hemvist");

/// A served `hemvist` and the directory it keeps its cluster in.
pub struct Served {
    pub child: Child,
    pub base: String,
    pub data_dir: PathBuf,
    pub dir: tempfile::TempDir,
}

impl Served {
    /// `hemvist serve` on a fresh private cluster; returns once /ready answers.
    pub fn start() -> Served {
        let dir = tempfile::Builder::new().prefix("hemvist-served-").tempdir().unwrap();
        // The cluster may belong to an unprivileged user (when we are root), who must enter this.
        std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let data_dir = dir.path().join("data");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let child = Command::new(BIN)
            .arg("serve")
            .env_remove("DATABASE_URL")
            .env("HEMVIST_DATA_DIR", &data_dir)
            .env("HEMVIST_BIND", format!("127.0.0.1:{port}"))
            .env("HEMVIST_HOLD_RELEASE_INTERVAL_SECS", "0")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let served = Served { child, base: format!("http://127.0.0.1:{port}"), data_dir, dir };
        let started = Instant::now();
        while agent(Duration::from_secs(2))
            .get(format!("{}/ready", served.base))
            .call()
            .map(|r| r.status().as_u16())
            .ok()
            != Some(200)
        {
            assert!(started.elapsed() < Duration::from_secs(180), "not ready: {}", served.log());
            std::thread::sleep(Duration::from_millis(200));
        }
        served
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// `hemvist ARGS` on this server's data; its stdout.
    pub fn hemvist(&self, args: &[&str]) -> String {
        hemvist_in(&self.data_dir, args)
    }

    /// A token of `role`, made as an operator would.
    pub fn token(&self, role: &str) -> String {
        self.hemvist(&["token", "create", "--role", role]).trim().to_owned()
    }

    /// Connection settings for the served database as the cluster's owner.
    pub fn owner_config(&self) -> tokio_postgres::Config {
        owner_config(&self.data_dir.join("pg"))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            sigterm(self.child.id());
            let _ = self.child.wait();
        }
    }
}

/// Sends SIGTERM to `pid`, as a service manager stopping the server does.
pub fn sigterm(pid: u32) {
    let status = Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(status.success(), "kill -TERM {pid}");
}

/// `hemvist ARGS` with `HEMVIST_DATA_DIR=data_dir`; panics with its stderr when it fails.
pub fn hemvist_in(data_dir: &Path, args: &[&str]) -> String {
    let output = Command::new(BIN)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("HEMVIST_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success(), "hemvist {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// The `hemvist` database of the cluster whose socket is in `pgdata`, as the cluster's owner.
pub fn owner_config(pgdata: &Path) -> tokio_postgres::Config {
    let mut config = tokio_postgres::Config::new();
    config
        .host_path(pgdata)
        .port(hemvist_server::embedded_pg::PORT)
        .user(hemvist_server::embedded_pg::CLUSTER_USER)
        .dbname("hemvist");
    config
}

pub async fn connect(config: &tokio_postgres::Config) -> tokio_postgres::Client {
    let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// An HTTP client that returns every status as an answer, giving up after `timeout`.
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(timeout)).build().into()
}

/// `method path` with a bearer token and a JSON body; the status and the parsed body.
pub fn call(
    base: &str,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> (u16, serde_json::Value) {
    let url = format!("{base}{path}");
    let agent = agent(Duration::from_secs(60));
    let auth = format!("Bearer {token}");
    let response = match (method, body) {
        ("GET", _) => agent.get(&url).header("authorization", &auth).call(),
        ("POST", Some(body)) => agent.post(&url).header("authorization", &auth).send_json(body),
        ("PUT", Some(body)) => agent.put(&url).header("authorization", &auth).send_json(body),
        _ => panic!("unsupported {method}"),
    };
    let mut response = response.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
}
