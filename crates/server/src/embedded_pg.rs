//! A private PostgreSQL cluster run from the installed PostgreSQL binaries, for `cargo run` without a
//! DATABASE_URL and for the tests. PostgreSQL refuses to run as root, so when we are root the cluster
//! belongs to an unprivileged system user (`postgres`) and its commands run as that user. It listens
//! only on a unix socket inside its data directory.

use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context, bail};
use nix::unistd::{Uid, User, geteuid};

/// The superuser the private cluster is created with.
pub const CLUSTER_USER: &str = "hemvist";
const PORT: u16 = 5432;
/// Unix socket paths are limited to 107 bytes.
const MAX_SOCKET_PATH: usize = 100;

#[derive(Debug, Clone, Copy)]
pub struct ClusterOptions {
    /// Keep fsync on. Test clusters turn it off: they are thrown away anyway.
    pub durable: bool,
}

#[derive(Debug)]
pub struct Cluster {
    bin_dir: PathBuf,
    data_dir: PathBuf,
    owner: Option<User>,
    started_here: bool,
}

impl Cluster {
    /// Creates the cluster under `dir` if needed and starts it unless it already runs.
    pub fn ensure_running(dir: &Path, options: ClusterOptions) -> anyhow::Result<Cluster> {
        let bin_dir = find_bin_dir()?;
        let owner = if geteuid().is_root() {
            Some(User::from_name("postgres")?.context(
                "running as root, but there is no 'postgres' system user to run PostgreSQL as \
                 (install PostgreSQL: apt-get install postgresql)",
            )?)
        } else {
            None
        };
        let data_dir = choose_data_dir(dir, owner.as_ref())?;
        let mut cluster = Cluster { bin_dir, data_dir, owner, started_here: false };
        if !cluster.data_dir.join("PG_VERSION").exists() {
            cluster.init(options)?;
        }
        if !cluster.is_running()? {
            cluster.start()?;
            cluster.started_here = true;
        }
        Ok(cluster)
    }

    /// Connection settings for `dbname` over the cluster's unix socket.
    pub fn config(&self, dbname: &str) -> tokio_postgres::Config {
        let mut config = tokio_postgres::Config::new();
        config.host_path(&self.data_dir).port(PORT).user(CLUSTER_USER).dbname(dbname);
        config
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The unprivileged user that owns the cluster, when we run as root.
    pub fn owner(&self) -> Option<&User> {
        self.owner.as_ref()
    }

    /// Whether this process started the server (and so should stop it).
    pub fn started_here(&self) -> bool {
        self.started_here
    }

    pub fn stop(&self) -> anyhow::Result<()> {
        let output = self.pg_ctl(&["stop", "-m", "fast", "-w", "-t", "60"])?;
        check(&output, "pg_ctl stop")
    }

    fn init(&self, options: ClusterOptions) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create {}", self.data_dir.display()))?;
        std::fs::set_permissions(&self.data_dir, std::fs::Permissions::from_mode(0o700))?;
        if let Some(owner) = &self.owner {
            chown(&self.data_dir, Some(owner.uid.as_raw()), Some(owner.gid.as_raw()))?;
        }
        let data = self.data_dir.to_string_lossy().into_owned();
        let output = self.run(
            "initdb",
            &["-D", &data, "-U", CLUSTER_USER, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-instructions"],
        )?;
        check(&output, "initdb")?;
        // Only a unix socket in the data directory: nothing listens on the network.
        let socket_dir = data.replace('\'', "''");
        let mut settings = format!(
            "\n# Added by hemvist\nlisten_addresses = ''\nunix_socket_directories = '{socket_dir}'\n\
             port = {PORT}\nmax_connections = 200\ntimezone = 'UTC'\n"
        );
        if !options.durable {
            settings.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        }
        let conf = self.data_dir.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf)?;
        text.push_str(&settings);
        std::fs::write(&conf, text)?;
        Ok(())
    }

    fn is_running(&self) -> anyhow::Result<bool> {
        // pg_ctl status: 0 running, 3 not running, 4 no usable data directory.
        Ok(self.pg_ctl(&["status"])?.status.success())
    }

    fn start(&self) -> anyhow::Result<()> {
        let log = self.data_dir.join("postgres.log").to_string_lossy().into_owned();
        let output = self.pg_ctl(&["start", "-w", "-t", "60", "-l", &log])?;
        check(&output, "pg_ctl start").with_context(|| format!("see the server log {log}"))
    }

    fn pg_ctl(&self, args: &[&str]) -> anyhow::Result<Output> {
        let data = self.data_dir.to_string_lossy().into_owned();
        let mut all = vec!["-D", data.as_str()];
        all.extend_from_slice(args);
        self.run("pg_ctl", &all)
    }

    fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<Output> {
        let mut command = self.command(program);
        command.args(args);
        command.output().with_context(|| format!("cannot run {program} from {}", self.bin_dir.display()))
    }

    /// A PostgreSQL program of the cluster's installation, run as the cluster's owner.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(program));
        command.current_dir("/").env_remove("PGDATA").stdin(std::process::Stdio::null());
        if let Some(owner) = &self.owner {
            command.uid(owner.uid.as_raw()).gid(owner.gid.as_raw()).env("HOME", &owner.dir);
        }
        command
    }
}

fn check(output: &Output, what: &str) -> anyhow::Result<()> {
    if output.status.success() {
        return Ok(());
    }
    bail!(
        "{what} failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `PG_BINDIR`, else the newest `/usr/lib/postgresql/*/bin` (Debian), else the directory of `initdb` on PATH.
pub fn find_bin_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("PG_BINDIR") {
        return Ok(PathBuf::from(dir));
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    debian.sort();
    if let Some((_, bin)) = debian.pop() {
        return Ok(bin);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
        .context("no PostgreSQL server binaries found: install them (apt-get install postgresql) or set PG_BINDIR")
}

/// `dir/pg`, unless the unprivileged owner could not reach it (a root-only home or temp directory) or
/// its socket path would be too long; then a directory under /tmp named after `dir`.
fn choose_data_dir(dir: &Path, owner: Option<&User>) -> anyhow::Result<PathBuf> {
    let dir = std::path::absolute(dir)?;
    let preferred = dir.join("pg");
    let reachable = owner.is_none_or(|owner| traversable_by(&dir, owner.uid));
    let socket_len = preferred.join(".s.PGSQL.5432").as_os_str().len();
    if reachable && socket_len <= MAX_SOCKET_PATH {
        return Ok(preferred);
    }
    let digest = hex_digest(dir.to_string_lossy().as_bytes());
    let fallback = std::env::temp_dir().join(format!("hemvist-pg-{}", &digest[..16]));
    std::fs::create_dir_all(&fallback)?;
    if let Some(owner) = owner {
        chown(&fallback, Some(owner.uid.as_raw()), Some(owner.gid.as_raw()))?;
    }
    Ok(fallback.join("pg"))
}

/// Whether `uid` can walk down to `dir` (every existing ancestor searchable by others or owned by it).
fn traversable_by(dir: &Path, uid: Uid) -> bool {
    use std::os::unix::fs::MetadataExt;
    dir.ancestors().filter_map(|a| std::fs::metadata(a).ok()).all(|m| m.mode() & 0o001 != 0 || m.uid() == uid.as_raw())
}

fn hex_digest(bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    // Only names a directory; collisions between two checkouts would merely share a cluster.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    format!("{:016x}{:016x}", hasher.finish(), bytes.len())
}

/// Creates `dbname` if the cluster does not have it yet.
pub async fn ensure_database(cluster: &Cluster, dbname: &str) -> anyhow::Result<()> {
    let (client, connection) = cluster.config("postgres").connect(tokio_postgres::NoTls).await?;
    let connection = tokio::spawn(connection);
    let exists = client.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&dbname]).await?.is_some();
    if !exists {
        client.batch_execute(&format!("CREATE DATABASE \"{}\"", dbname.replace('"', "\"\""))).await?;
    }
    drop(client);
    let _ = connection.await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_only_directories_are_not_traversable() {
        let uid = Uid::from_raw(65_000);
        assert!(traversable_by(Path::new("/usr/lib"), uid));
        let private = std::env::temp_dir().join(format!("hemvist-private-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&private);
        let _ = std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700));
        assert!(!traversable_by(&private.join("x"), uid));
        let _ = std::fs::remove_dir_all(&private);
    }
}
