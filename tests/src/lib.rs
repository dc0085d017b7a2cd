#![allow(clippy::expect_used, clippy::unwrap_used)] // a harness fails loudly by design
//! End-to-end test harness. Tests run in-process against the real router and a real PostgreSQL:
//! `TEST_DATABASE_URL` if set, otherwise a throwaway private cluster started once per test process.
//! A template database is migrated once; each test gets its own copy (`CREATE DATABASE .. TEMPLATE`).

pub mod fixtures;
pub mod oidc;
pub mod web;
pub mod webdriver;

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use deadpool_postgres::Pool;
use hemvist_platform::auth::{NewToken, Role, create_token};
use hemvist_platform::settings::Settings;
use hemvist_platform::{AppState, MunicipalityCode};
use hemvist_server::embedded_pg::{Cluster, ClusterOptions};
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub use hemvist_platform::auth::Role as TestRole;

struct Server {
    /// Connects to the maintenance database, for CREATE/DROP DATABASE.
    admin: tokio_postgres::Config,
    template: String,
    /// Whether test databases must be dropped (a shared server); a private cluster is thrown away whole.
    drop_databases: bool,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();

fn server() -> &'static Server {
    let server = SERVER.get_or_init(|| {
        // Set up on a thread of its own: each test has its own runtime, and this outlives them all.
        std::thread::spawn(|| {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            runtime.block_on(set_up()).map_err(|e| format!("{e:#}"))
        })
        .join()
        .unwrap_or_else(|_| Err("test database setup panicked".into()))
    });
    match server {
        Ok(server) => server,
        Err(error) => panic!("cannot set up the test database: {error}"),
    }
}

async fn set_up() -> anyhow::Result<Server> {
    let (admin, drop_databases) = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => (url.parse::<tokio_postgres::Config>()?, true),
        _ => (start_private_cluster()?, false),
    };
    let template = format!("hemvist_template_{}", std::process::id());
    let (client, connection) = admin.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    client.batch_execute(&format!("DROP DATABASE IF EXISTS {template}")).await?;
    client.batch_execute(&format!("CREATE DATABASE {template}")).await?;
    let mut template_config = admin.clone();
    template_config.dbname(&template);
    hemvist_server::migrate::run(&template_config).await?;
    Ok(Server { admin, template, drop_databases })
}

/// A cluster in a fresh temporary directory, removed by a watchdog once this test process is gone.
fn start_private_cluster() -> anyhow::Result<tokio_postgres::Config> {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let dir = tempfile::Builder::new().prefix("hemvist-test-").tempdir()?.keep();
    // The cluster may belong to another (unprivileged) user who must be able to enter this directory.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
    let cluster = Cluster::ensure_running(&dir, ClusterOptions { durable: false, buffers_for_machine: false })?;
    let watchdog = r#"while [ -e "/proc/$1" ]; do sleep 0.5; done
        kill -QUIT "$(head -n 1 "$2/postmaster.pid")" 2>/dev/null; sleep 2; rm -rf "$3""#;
    std::process::Command::new("sh")
        .args(["-c", watchdog, "hemvist-test-watchdog"])
        .arg(std::process::id().to_string())
        .arg(cluster.data_dir())
        .arg(&dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()?;
    Ok(cluster.config("postgres"))
}

/// The application on a database of its own.
pub struct TestApp {
    pub router: Router,
    pub pool: Pool,
    pub state: AppState,
    database: String,
}

impl TestApp {
    /// A connection to this test's database as its owner (a superuser), for set-up the API may not do.
    pub async fn owner_client(&self) -> tokio_postgres::Client {
        let mut config = server().admin.clone();
        config.dbname(&self.database);
        let (client, connection) = config.connect(tokio_postgres::NoTls).await.expect("owner connection");
        tokio::spawn(connection);
        client
    }

    /// Connection settings for this test's database as its owner.
    pub fn owner_config(&self) -> tokio_postgres::Config {
        let mut config = server().admin.clone();
        config.dbname(&self.database);
        config
    }
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status, and returns it.
    #[track_caller]
    pub fn assert_problem(&self, status: StatusCode) -> &Value {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "body: {}", self.body);
        assert_eq!(self.body["status"], status.as_u16(), "body: {}", self.body);
        assert!(self.body["type"].as_str().is_some_and(|t| t.starts_with("urn:hemvist:problem:")), "{}", self.body);
        assert!(self.body["title"].is_string());
        &self.body
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Settings::default()).await
    }

    pub async fn spawn_with(settings: Settings) -> TestApp {
        let server = server();
        let database = format!("hemvist_test_{}", uuid::Uuid::new_v4().simple());
        let (client, connection) = server.admin.connect(tokio_postgres::NoTls).await.expect("connect to test server");
        tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {database} TEMPLATE {}", server.template))
            .await
            .expect("create test database");
        let mut config = server.admin.clone();
        config.dbname(&database);
        // Serve as the server does (the restricted hemvist_api role), keep the owner for set-up.
        let serving = hemvist_server::migrate::serving_config(&config).await.expect("serving role");
        let serving = hemvist_platform::db::with_request_limits(serving, settings.request_timeout);
        let pool = hemvist_platform::db::pool(serving, 40).expect("pool");
        let state = AppState::new(pool.clone(), settings);
        TestApp { router: hemvist_server::app(state.clone()), pool, state, database }
    }

    /// A token of `role` for Stockholm (0180) without unit scope.
    pub async fn token(&self, role: Role) -> String {
        self.token_for(role, "0180", &[], &[]).await
    }

    /// A token of `role` speaking for a member of staff.
    pub async fn staff_token(&self, role: Role, staff_id: &str) -> String {
        self.token_with(role, "0180", &[], &[], Some(staff_id)).await
    }

    pub async fn token_for(
        &self,
        role: Role,
        municipality: &str,
        districts: &[&str],
        shelters: &[uuid::Uuid],
    ) -> String {
        self.token_with(role, municipality, districts, shelters, None).await
    }

    /// A token of `role` with every kind of scope.
    pub async fn token_with(
        &self,
        role: Role,
        municipality: &str,
        districts: &[&str],
        shelters: &[uuid::Uuid],
        staff_id: Option<&str>,
    ) -> String {
        let client = self.pool.get().await.expect("db");
        let new = NewToken {
            name: format!("test {role}"),
            municipality: MunicipalityCode::parse(municipality).expect("municipality"),
            role,
            district_scope: districts.iter().map(|d| (*d).to_owned()).collect(),
            shelter_scope: shelters.to_vec(),
            staff_id: staff_id.map(str::to_owned),
        };
        create_token(&client, &new).await.expect("token").1
    }

    /// Adds a municipality besides Stockholm, for scoping tests.
    pub async fn add_municipality(&self, code: &str, name: &str) {
        let client = self.owner_client().await;
        client
            .execute("INSERT INTO municipalities (municipality_code, name) VALUES ($1, $2)", &[&code, &name])
            .await
            .expect("insert municipality");
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        TestResponse { status, headers, body }
    }

    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(Body::from(serde_json::to_vec(body).expect("json"))),
            None => builder.body(Body::empty()),
        };
        self.send(request.expect("request")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> TestResponse {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> TestResponse {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> TestResponse {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> TestResponse {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Audit events recorded so far, oldest first, as (action, resource_type, resource_id, person_id).
    pub async fn audit_events(&self) -> Vec<(String, String, Option<uuid::Uuid>, Option<uuid::Uuid>)> {
        let client = self.pool.get().await.expect("db");
        client
            .query("SELECT action, resource_type, resource_id, person_id FROM audit_events ORDER BY id", &[])
            .await
            .expect("audit query")
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.pool.close();
        let server = server();
        if !server.drop_databases {
            return;
        }
        let admin = server.admin.clone();
        let database = self.database.clone();
        // Drop is synchronous; the drop runs on a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let (client, connection) = admin.connect(tokio_postgres::NoTls).await.ok()?;
                tokio::spawn(connection);
                client.batch_execute(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")).await.ok()
            })
        })
        .join();
    }
}
