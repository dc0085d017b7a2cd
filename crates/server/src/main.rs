//! `hemvist`: serve the API (default), apply migrations, print the OpenAPI document, manage tokens and
//! municipalities, dispose of old files.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hemvist_platform::auth::{NewToken, Role, create_token_expiring, list_tokens, revoke_token};
use hemvist_platform::settings::Settings;
use hemvist_platform::{AppState, MunicipalityCode};
use hemvist_server::embedded_pg::{Cluster, ClusterOptions, ensure_database};
use hemvist_server::{DOCS_PATH, admin, app, gallring, jobs, migrate, openapi_json};
use hemvist_web::sessions::{Grant, create_login_link, first_start_admin_link};
use tracing_subscriber::EnvFilter;

// glibc's allocator spent a fifth of a large report's server time in malloc and free (perf): the
// many small values of a request are what mimalloc is made for.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "hemvist", version, about = "Housing First and emergency shelter placement API")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Dispose of personal files five years after their last entry (gallring).
    Gallring {
        /// Only list what would go, and what is kept for research.
        #[arg(long)]
        dry_run: bool,
        /// The day to reckon from (default: today).
        #[arg(long)]
        as_of: Option<jiff::civil::Date>,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Print a one-time sign-in link to the staff web app (valid 24 hours, used once).
    LoginLink {
        /// admin, housing_officer, support_worker, shelter_staff, night_coordinator or auditor.
        #[arg(long)]
        role: String,
        /// Municipality code.
        #[arg(long, default_value = "0180")]
        municipality: String,
        /// Limit the session to this shelter (repeatable; shelter staff need one).
        #[arg(long = "shelter")]
        shelters: Vec<uuid::Uuid>,
        /// Limit the session to this district code (repeatable).
        #[arg(long = "district")]
        districts: Vec<String>,
        /// The member of staff who signs in (required for support workers).
        #[arg(long)]
        staff: Option<String>,
    },
    /// Back up the private cluster into DIR (new or empty) while it serves: pg_basebackup, verified.
    Backup { dir: std::path::PathBuf },
    /// Make the private cluster in HEMVIST_DATA_DIR (where there is none yet) from a backup in DIR.
    Restore { dir: std::path::PathBuf },
    /// Manage the municipalities this database serves.
    Municipality {
        #[command(subcommand)]
        command: MunicipalityCommand,
    },
}

#[derive(Subcommand)]
enum MunicipalityCommand {
    /// Add a municipality (its four-digit code, e.g. 0181, and its name).
    Add { code: String, name: String },
    /// List the municipalities (JSON).
    List,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it (it is shown only this once).
    Create {
        /// admin, housing_officer, support_worker, shelter_staff, night_coordinator, integration or auditor.
        #[arg(long)]
        role: String,
        /// Municipality code.
        #[arg(long, default_value = "0180")]
        municipality: String,
        /// Limit the token to this shelter (repeatable).
        #[arg(long = "shelter")]
        shelters: Vec<uuid::Uuid>,
        /// Limit the token to this district code (repeatable).
        #[arg(long = "district")]
        districts: Vec<String>,
        /// The member of staff the token speaks for (required for support workers).
        #[arg(long)]
        staff: Option<String>,
        /// A name saying whose token this is.
        #[arg(long, default_value = "created with hemvist token create")]
        name: String,
        /// When the token stops working: a duration (90d, 12h, 2w), a date (valid through that day,
        /// Europe/Stockholm) or a timestamp. Default: never (revoke it instead).
        #[arg(long)]
        expires: Option<String>,
    },
    /// List tokens (JSON): id, name, role, municipality, scope, created, expires, revoked; never secrets.
    List,
    /// Revoke a token: the API refuses it from now on.
    Revoke { id: uuid::Uuid },
}

/// The database the process works on, and the private cluster if it runs one.
struct Database {
    config: tokio_postgres::Config,
    cluster: Option<Cluster>,
}

impl Database {
    /// The database, creating the private cluster when there is none yet (serve, migrate).
    async fn open(settings: &Settings) -> anyhow::Result<Self> {
        Self::open_with(settings, true).await
    }

    /// The server's existing database: commands on its data (tokens, municipalities, gallring) never
    /// create a new, empty cluster that the running server would not see.
    async fn open_existing(settings: &Settings) -> anyhow::Result<Self> {
        Self::open_with(settings, false).await
    }

    async fn open_with(settings: &Settings, create: bool) -> anyhow::Result<Self> {
        let database = match &settings.database_url {
            Some(url) => {
                Database { config: url.parse().context("DATABASE_URL is not a PostgreSQL URL")?, cluster: None }
            }
            None => {
                let dir = settings.data_dir.clone();
                let cluster = tokio::task::spawn_blocking(move || {
                    if create {
                        Cluster::ensure_running(&dir, ClusterOptions { durable: true, buffers_for_machine: true })
                    } else {
                        Cluster::open_existing(&dir)
                    }
                })
                .await??;
                eprintln!("hemvist: private PostgreSQL cluster in {}", cluster.data_dir().display());
                let database = Database { config: cluster.config("hemvist"), cluster: Some(cluster) };
                if let Some(cluster) = &database.cluster
                    && let Err(error) = ensure_database(cluster, "hemvist").await
                {
                    database.close();
                    return Err(error);
                }
                database
            }
        };
        // A cluster this process started is stopped again when it cannot be used: a failed start leaves
        // no PostgreSQL running behind the operator's back.
        match migrate::run(&database.config).await.context("migrating the database") {
            Ok(applied) => {
                if applied > 0 {
                    eprintln!("hemvist: applied {applied} migration(s)");
                }
                Ok(database)
            }
            Err(error) => {
                database.close();
                Err(error)
            }
        }
    }

    /// Stops the private cluster if this process started it.
    fn close(self) {
        if let Some(cluster) = self.cluster.filter(Cluster::started_here)
            && let Err(error) = cluster.stop()
        {
            eprintln!("hemvist: stopping PostgreSQL failed: {error:#}");
        }
    }
}

/// Errors are printed as one clear message (with their causes), never as a backtrace.
fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("hemvist: error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hemvist: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,refinery_core=warn,tokio_postgres=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let settings = Settings::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            std::io::stdout().write_all(openapi_json()?.as_bytes())?;
            Ok(())
        }
        Command::Migrate => {
            let database = Database::open(&settings).await?;
            database.close();
            Ok(())
        }
        Command::Token { command } => token(&settings, command).await,
        Command::Municipality { command } => municipality(&settings, command).await,
        Command::LoginLink { role, municipality, shelters, districts, staff } => {
            let role = Role::parse(&role)
                .with_context(|| format!("unknown role {role}; one of: {}", Role::ALL.map(Role::as_str).join(", ")))?;
            let municipality = MunicipalityCode::parse(&municipality)
                .map_err(|_| anyhow::anyhow!("--municipality {municipality}: must be four digits, e.g. 0180"))?;
            let grant =
                Grant { municipality, role, district_scope: districts, shelter_scope: shelters, staff_id: staff };
            // The rules the admin's page follows too (shelter staff need --shelter, support workers --staff).
            grant.check().map_err(|e| anyhow::anyhow!("{e}"))?;
            let url = with_owner(&settings, async |client| {
                admin::require_municipality(client, &grant.municipality).await?;
                create_login_link(client, &settings, &grant).await.map_err(|e| anyhow::anyhow!("{e}"))
            })
            .await?;
            println!("{url}");
            Ok(())
        }
        Command::Gallring { dry_run, as_of } => {
            let as_of = as_of.unwrap_or_else(hemvist_platform::night::today);
            let database = Database::open_existing(&settings).await?;
            let result = async {
                let (mut client, connection) = database.config.connect(tokio_postgres::NoTls).await?;
                tokio::spawn(connection);
                if dry_run {
                    gallring::cases(&client, as_of).await
                } else {
                    gallring::dispose(&mut client, as_of).await
                }
            }
            .await;
            database.close();
            let cases = result?;
            println!("{}", serde_json::to_string_pretty(&cases)?);
            eprintln!(
                "hemvist: {} file(s) {} as of {as_of}",
                cases.len(),
                if dry_run { "due (dry run, nothing disposed of)" } else { "disposed of" }
            );
            Ok(())
        }
        Command::Backup { dir } => backup(&settings, dir).await,
        Command::Restore { dir } => restore(&settings, dir).await,
        Command::Serve => serve(settings).await,
    }
}

/// Runs `work` on a connection as the tables' owner to the server's existing database.
async fn with_owner<T>(
    settings: &Settings,
    work: impl AsyncFnOnce(&deadpool_postgres::Object) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let database = Database::open_existing(settings).await?;
    let result = async {
        let pool = hemvist_platform::db::pool(database.config.clone(), 1)?;
        let client = pool.get().await?;
        work(&client).await
    }
    .await;
    database.close();
    result
}

async fn token(settings: &Settings, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { role, municipality, shelters, districts, staff, name, expires } => {
            let role = Role::parse(&role)
                .with_context(|| format!("unknown role {role}; one of: {}", Role::ALL.map(Role::as_str).join(", ")))?;
            let municipality = MunicipalityCode::parse(&municipality)
                .map_err(|_| anyhow::anyhow!("--municipality {municipality}: must be four digits, e.g. 0180"))?;
            let now = jiff::Zoned::now();
            let expires_at = expires.as_deref().map(|raw| admin::parse_expiry(raw, &now)).transpose()?;
            let new = NewToken {
                name,
                municipality,
                role,
                district_scope: districts,
                shelter_scope: shelters,
                staff_id: staff,
            };
            let token = with_owner(settings, async |client| {
                admin::require_municipality(client, &new.municipality).await?;
                let (_, token) =
                    create_token_expiring(client, &new, expires_at).await.map_err(|e| anyhow::anyhow!("{e}"))?;
                Ok(token)
            })
            .await?;
            println!("{token}");
            Ok(())
        }
        TokenCommand::List => {
            let tokens =
                with_owner(settings, async |client| list_tokens(client).await.map_err(|e| anyhow::anyhow!("{e}")))
                    .await?;
            println!("{}", serde_json::to_string_pretty(&tokens)?);
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            let revoked = with_owner(settings, async |client| {
                revoke_token(client, None, id).await.map_err(|e| anyhow::anyhow!("{e}"))
            })
            .await?;
            if !revoked {
                anyhow::bail!(
                    "no token {id} that could be revoked: unknown or already revoked (see hemvist token list)"
                );
            }
            eprintln!("hemvist: token {id} revoked");
            Ok(())
        }
    }
}

/// Backs up the private cluster; a server with DATABASE_URL is backed up with PostgreSQL's own tools.
async fn backup(settings: &Settings, dir: std::path::PathBuf) -> anyhow::Result<()> {
    if settings.database_url.is_some() {
        anyhow::bail!(
            "hemvist backup copies the private cluster; with DATABASE_URL back up that server with its own \
             tools (pg_basebackup, pgBackRest)"
        );
    }
    let data_dir = settings.data_dir.clone();
    let summary = tokio::task::spawn_blocking(move || {
        let cluster = Cluster::open_existing(&data_dir)?;
        let summary = hemvist_server::backup::backup(&cluster, &dir);
        if cluster.started_here() {
            cluster.stop()?;
        }
        summary
    })
    .await??;
    eprintln!(
        "hemvist: backup in {}: {:.1} MB, verified against its manifest, in {:.1} s",
        summary.dir.display(),
        summary.bytes as f64 / 1e6,
        summary.seconds
    );
    Ok(())
}

/// Makes the private cluster from a backup, then checks that it opens and leaves it stopped.
async fn restore(settings: &Settings, dir: std::path::PathBuf) -> anyhow::Result<()> {
    if settings.database_url.is_some() {
        anyhow::bail!(
            "hemvist restore makes the private cluster; unset DATABASE_URL (restore that server with its own tools)"
        );
    }
    let data_dir = settings.data_dir.clone();
    let cluster = tokio::task::spawn_blocking(move || hemvist_server::backup::restore(&data_dir, &dir)).await??;
    let opened = async {
        let (client, connection) = cluster.config("hemvist").connect(tokio_postgres::NoTls).await?;
        let connection = tokio::spawn(connection);
        let migrations: i64 =
            client.query_one("SELECT count(*) FROM refinery_schema_history", &[]).await?.try_get(0)?;
        drop(client);
        let _ = connection.await;
        anyhow::Ok(migrations)
    }
    .await;
    let stopped = cluster.stop();
    let migrations = opened.context("the restored cluster does not open")?;
    stopped?;
    eprintln!(
        "hemvist: restored into {} ({migrations} migrations applied); start it with hemvist serve",
        cluster.data_dir().display()
    );
    Ok(())
}

async fn municipality(settings: &Settings, command: MunicipalityCommand) -> anyhow::Result<()> {
    match command {
        MunicipalityCommand::Add { code, name } => {
            let code = MunicipalityCode::parse(&code)
                .map_err(|_| anyhow::anyhow!("municipality code {code}: must be four digits, e.g. 0181"))?;
            let added =
                with_owner(settings, async |client| admin::add_municipality(client, &code, &name).await).await?;
            eprintln!("hemvist: municipality {} {} added", added.municipality_code, added.name);
            Ok(())
        }
        MunicipalityCommand::List => {
            let all = with_owner(settings, async |client| admin::municipalities(client).await).await?;
            println!("{}", serde_json::to_string_pretty(&all)?);
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let database = Database::open(&settings).await?;
    // Serving as the tables' owner is refused unless the operator says so (HEMVIST_ALLOW_OWNER_ROLE=1).
    let allow_owner = std::env::var("HEMVIST_ALLOW_OWNER_ROLE").is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"));
    let serving = match migrate::serving_config_as(&database.config, migrate::API_ROLE, allow_owner).await {
        Ok(serving) => serving,
        Err(error) => {
            database.close();
            return Err(error);
        }
    };
    let serving = hemvist_platform::db::with_request_limits(serving, settings.request_timeout);
    let pool = hemvist_platform::db::pool(serving, settings.db_pool_size)?;
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .with_context(|| format!("cannot listen on {} (set HEMVIST_BIND)", settings.bind))?;
    let address = listener.local_addr()?;
    let has_admin = {
        let client = pool.get().await?;
        client
            .query_one("SELECT EXISTS (SELECT 1 FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL)", &[])
            .await?
            .try_get::<_, bool>(0)?
    };
    eprintln!("hemvist: serving on http://{address}  (API docs: http://{address}{DOCS_PATH})");
    if !has_admin {
        eprintln!("hemvist: no admin token yet; create one with:  cargo run --release -- token create --role admin");
    }
    // Like Jupyter: until an admin has signed in, each start prints a sign-in link for one.
    let admin_link = {
        let client = pool.get().await?;
        match admin::first_start_municipality(&client, &settings).await? {
            Some(municipality) => first_start_admin_link(&client, &settings, &municipality)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .map(|url| (municipality, url)),
            None => {
                eprintln!(
                    "hemvist: several municipalities: set HEMVIST_MUNICIPALITY for the first admin sign-in link, \
                     or run hemvist login-link --role admin --municipality CODE"
                );
                None
            }
        }
    };
    match admin_link {
        Some((municipality, url)) => {
            eprintln!("hemvist: sign in to the web app as admin of {municipality} (once, within 24 hours):\n    {url}")
        }
        None => eprintln!(
            "hemvist: web app at {}/  (sign-in links: hemvist login-link --role <role>)",
            settings.public_base_url()
        ),
    }
    let hold_release = jobs::spawn_hold_release(pool.clone(), settings.hold_release_interval);
    let state = AppState::new(pool.clone(), settings.clone());
    let session_cleanup = jobs::spawn_session_cleanup(pool, settings, state.auth.clone());
    // The peer's address goes with each request: failed sign-ins and bad tokens are limited by it.
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, service).with_graceful_shutdown(shutdown_signal()).await;
    eprintln!("hemvist: shutting down");
    for job in [hold_release, session_cleanup].into_iter().flatten() {
        job.abort();
    }
    database.close();
    served.context("serving HTTP")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
