//! `hemvist`: serve the API (default), apply migrations, print the OpenAPI document, create tokens.

use std::io::Write;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hemvist_platform::auth::{NewToken, Role, create_token};
use hemvist_platform::settings::Settings;
use hemvist_platform::{AppState, MunicipalityCode};
use hemvist_server::embedded_pg::{Cluster, ClusterOptions, ensure_database};
use hemvist_server::{DOCS_PATH, app, gallring, jobs, migrate, openapi_json};
use tracing_subscriber::EnvFilter;

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
    },
}

/// The database the process works on, and the private cluster if it runs one.
struct Database {
    config: tokio_postgres::Config,
    cluster: Option<Cluster>,
}

impl Database {
    async fn open(settings: &Settings) -> anyhow::Result<Self> {
        let database = match &settings.database_url {
            Some(url) => {
                Database { config: url.parse().context("DATABASE_URL is not a PostgreSQL URL")?, cluster: None }
            }
            None => {
                let dir = settings.data_dir.clone();
                let cluster = tokio::task::spawn_blocking(move || {
                    Cluster::ensure_running(&dir, ClusterOptions { durable: true })
                })
                .await??;
                eprintln!("hemvist: private PostgreSQL cluster in {}", cluster.data_dir().display());
                ensure_database(&cluster, "hemvist").await?;
                Database { config: cluster.config("hemvist"), cluster: Some(cluster) }
            }
        };
        let applied = migrate::run(&database.config).await.context("migrating the database")?;
        if applied > 0 {
            eprintln!("hemvist: applied {applied} migration(s)");
        }
        Ok(database)
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
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
        Command::Token { command: TokenCommand::Create { role, municipality, shelters, districts, staff, name } } => {
            let role = Role::parse(&role)
                .with_context(|| format!("unknown role {role}; one of: {}", Role::ALL.map(Role::as_str).join(", ")))?;
            let municipality = MunicipalityCode::parse(&municipality).map_err(|e| anyhow::anyhow!("{e}"))?;
            let database = Database::open(&settings).await?;
            let result = async {
                let pool = hemvist_platform::db::pool(database.config.clone(), 1)?;
                let client = pool.get().await?;
                let new = NewToken {
                    name,
                    municipality,
                    role,
                    district_scope: districts,
                    shelter_scope: shelters,
                    staff_id: staff,
                };
                create_token(&client, &new).await.map_err(|e| anyhow::anyhow!("{e}"))
            }
            .await;
            database.close();
            let (_, token) = result?;
            println!("{token}");
            Ok(())
        }
        Command::Gallring { dry_run, as_of } => {
            let as_of = as_of.unwrap_or_else(hemvist_platform::night::today);
            let database = Database::open(&settings).await?;
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
        Command::Serve => serve(settings).await,
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let database = Database::open(&settings).await?;
    let serving = migrate::serving_config(&database.config).await?;
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
    let hold_release = jobs::spawn_hold_release(pool.clone(), settings.hold_release_interval);
    let state = AppState::new(pool, settings);
    let served = axum::serve(listener, app(state)).with_graceful_shutdown(shutdown_signal()).await;
    eprintln!("hemvist: shutting down");
    if let Some(job) = hold_release {
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
