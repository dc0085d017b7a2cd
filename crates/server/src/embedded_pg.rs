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
/// The port number in the socket's name (nothing listens on TCP).
pub const PORT: u16 = 5432;
/// Unix socket paths are limited to 107 bytes.
const MAX_SOCKET_PATH: usize = 100;

#[derive(Debug, Clone, Copy)]
pub struct ClusterOptions {
    /// Keep fsync on. Test clusters turn it off: they are thrown away anyway.
    pub durable: bool,
    /// Give PostgreSQL's buffer cache a quarter of the machine's memory ([`shared_buffers_mb`]). Test
    /// clusters, several at a time on one machine, keep PostgreSQL's default.
    pub buffers_for_machine: bool,
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
        let owner = cluster_owner()?;
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

    /// The cluster already made for `dir`, started unless it runs; never creates one. Commands that
    /// work on the server's data (tokens, municipalities, gallring) use this: run from another directory,
    /// a new empty cluster would silently take their writes.
    pub fn open_existing(dir: &Path) -> anyhow::Result<Cluster> {
        let owner = cluster_owner()?;
        let (data_dir, fallback) = locate_data_dir(dir, owner.as_ref())?;
        let exists = match &fallback {
            // Only a fallback that is ours and private is trusted (see `private_dir`).
            Some(fallback) if fallback.exists() => {
                check_private_dir(fallback, owner.as_ref())?;
                data_dir.join("PG_VERSION").exists()
            }
            Some(_) => false,
            None => data_dir.join("PG_VERSION").exists(),
        };
        if !exists {
            let absolute = std::path::absolute(dir)?;
            let cwd = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default();
            bail!(
                "no Hemvist database in {} (HEMVIST_DATA_DIR={}, working directory {cwd}); nothing was created. \
                 Run this command where the server runs, set HEMVIST_DATA_DIR to the server's data directory as \
                 an absolute path, or set DATABASE_URL",
                absolute.display(),
                dir.display()
            );
        }
        let mut cluster = Cluster { bin_dir: find_bin_dir()?, data_dir, owner, started_here: false };
        if !cluster.is_running()? {
            cluster.start()?;
            cluster.started_here = true;
        }
        Ok(cluster)
    }

    /// The cluster that belongs in `dir`, neither created nor started: for restoring a backup there.
    pub fn at(dir: &Path) -> anyhow::Result<Cluster> {
        let owner = cluster_owner()?;
        let data_dir = choose_data_dir(dir, owner.as_ref())?;
        Ok(Cluster { bin_dir: find_bin_dir()?, data_dir, owner, started_here: false })
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
        if options.buffers_for_machine {
            settings.push_str(&format!("shared_buffers = {}MB\n", shared_buffers_mb()));
        }
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
        self.owner_command(self.bin_dir.join(program))
    }

    /// Any program, run as the cluster's owner.
    pub fn owner_command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command.current_dir("/").env_remove("PGDATA").stdin(std::process::Stdio::null());
        if let Some(owner) = &self.owner {
            command.uid(owner.uid.as_raw()).gid(owner.gid.as_raw()).env("HOME", &owner.dir);
        }
        command
    }
}

/// PostgreSQL's buffer cache: a quarter of the machine's memory, from 128 MB (PostgreSQL's own default,
/// made for a machine shared with much else) to 8 GB; the page cache of the system keeps the rest. The
/// bed nights' indexes of a few years outgrow 128 MB, and every placement then writes out and reads
/// back index pages.
fn shared_buffers_mb() -> u64 {
    let total_kib = std::fs::read_to_string("/proc/meminfo").ok().and_then(|info| {
        info.lines()
            .find_map(|line| line.strip_prefix("MemTotal:")?.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
    });
    total_kib.map_or(128, |kib| (kib / 1024 / 4).clamp(128, 8192))
}

/// The unprivileged user the cluster runs as when we are root (PostgreSQL refuses to run as root).
fn cluster_owner() -> anyhow::Result<Option<User>> {
    if !geteuid().is_root() {
        return Ok(None);
    }
    Ok(Some(User::from_name("postgres")?.context(
        "running as root, but there is no 'postgres' system user to run PostgreSQL as \
         (install PostgreSQL: apt-get install postgresql)",
    )?))
}

pub(crate) fn check(output: &Output, what: &str) -> anyhow::Result<()> {
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
    let (data_dir, fallback) = locate_data_dir(dir, owner)?;
    if let Some(fallback) = fallback {
        // The name is predictable, so someone else may have made it first: it must be ours and private.
        private_dir(&fallback, owner)?;
    }
    Ok(data_dir)
}

/// Where the cluster for `dir` lives, and the fallback directory holding it when it is not under `dir`.
fn locate_data_dir(dir: &Path, owner: Option<&User>) -> anyhow::Result<(PathBuf, Option<PathBuf>)> {
    let dir = std::path::absolute(dir)?;
    let preferred = dir.join("pg");
    let reachable = owner.is_none_or(|owner| traversable_by(&dir, owner.uid));
    let socket_len = preferred.join(".s.PGSQL.5432").as_os_str().len();
    if reachable && socket_len <= MAX_SOCKET_PATH {
        return Ok((preferred, None));
    }
    let digest = hex_digest(dir.to_string_lossy().as_bytes());
    let fallback = std::env::temp_dir().join(format!("hemvist-pg-{}", &digest[..16]));
    Ok((fallback.join("pg"), Some(fallback)))
}

/// Creates `dir` atomically, owner-only and owned by the cluster user (`owner`, or us), or accepts it
/// if it exists and already is exactly that. Anything else is refused: with `--auth=trust`, a directory
/// another local user made or can enter would let them hand us a server of their own.
fn private_dir(dir: &Path, owner: Option<&User>) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {
            // Created by us with mode 0700: nobody else can enter it before it changes hands.
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            if let Some(owner) = owner {
                chown(dir, Some(owner.uid.as_raw()), Some(owner.gid.as_raw()))
                    .with_context(|| format!("cannot give {} to {}", dir.display(), owner.name))?;
            }
            Ok(())
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => check_private_dir(dir, owner),
        Err(error) => Err(error).with_context(|| format!("cannot create {}", dir.display())),
    }
}

/// Refuses an existing `dir` that is not a directory owned by the cluster user and closed to others.
fn check_private_dir(dir: &Path, owner: Option<&User>) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let cluster_uid = owner.map_or_else(geteuid, |o| o.uid).as_raw();
    let meta = std::fs::symlink_metadata(dir).with_context(|| format!("cannot inspect {}", dir.display()))?;
    match private_dir_problem(meta.file_type().is_dir(), meta.uid(), meta.mode(), cluster_uid) {
        None => Ok(()),
        Some(problem) => bail!(
            "refusing to use {} for the private PostgreSQL cluster: it already exists and {problem}. \
             Someone else may have made it; remove it if it is not yours, or set HEMVIST_DATA_DIR to a \
             directory the cluster user (uid {cluster_uid}) can reach",
            dir.display()
        ),
    }
}

/// Why an existing directory (its type, owner and mode) may not hold a cluster owned by `cluster_uid`.
fn private_dir_problem(is_dir: bool, uid: u32, mode: u32, cluster_uid: u32) -> Option<String> {
    if !is_dir {
        return Some("is not a directory (a symbolic link or a file)".to_owned());
    }
    if uid != cluster_uid {
        return Some(format!("belongs to uid {uid}, not to the cluster user (uid {cluster_uid})"));
    }
    if mode & 0o077 != 0 {
        return Some(format!("is open to group or others (mode {:o}; it must be 700)", mode & 0o7777));
    }
    None
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
    use std::os::unix::fs::MetadataExt;

    fn scratch(name: &str) -> PathBuf {
        let base = std::env::temp_dir().join(format!("hemvist-private-dir-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let _ = std::fs::remove_file(&base);
        base
    }

    #[test]
    fn a_fallback_someone_else_prepared_is_not_used() {
        // A data directory whose socket path would be too long falls back to a predictable name in $TMPDIR.
        let long = std::env::temp_dir().join(format!("hemvist-{}-{}", std::process::id(), "x".repeat(100)));
        let fallback = std::env::temp_dir().join(format!(
            "hemvist-pg-{}",
            &hex_digest(std::path::absolute(&long).expect("absolute").to_string_lossy().as_bytes())[..16]
        ));
        let _ = std::fs::remove_dir_all(&fallback);
        std::fs::create_dir(&fallback).expect("pre-created by 'someone else'");
        std::fs::set_permissions(&fallback, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let chosen = choose_data_dir(&long, None);
        let _ = std::fs::remove_dir_all(&fallback);
        let error = format!("{:#}", chosen.expect_err("used a world-writable directory"));
        assert!(error.contains(&fallback.display().to_string()), "names the directory: {error}");
        // Without it, the fallback is made afresh, owner-only.
        let chosen = choose_data_dir(&long, None).expect("fallback");
        assert_eq!(chosen, fallback.join("pg"));
        assert_eq!(std::fs::metadata(&fallback).expect("made").mode() & 0o777, 0o700);
        let _ = std::fs::remove_dir_all(&fallback);
    }

    #[test]
    fn the_fallback_is_created_owner_only() {
        let dir = scratch("fresh");
        private_dir(&dir, None).expect("created");
        let meta = std::fs::metadata(&dir).expect("exists");
        assert_eq!(meta.mode() & 0o777, 0o700);
        assert_eq!(meta.uid(), geteuid().as_raw());
        // Ours and private: accepted the next time.
        private_dir(&dir, None).expect("accepted again");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_existing_fallback_open_to_others_is_refused() {
        for mode in [0o755, 0o770, 0o707, 0o1777] {
            let dir = scratch("open");
            std::fs::create_dir(&dir).expect("pre-created");
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).expect("chmod");
            let error = format!("{:#}", private_dir(&dir, None).expect_err("accepted an open directory"));
            assert!(error.contains("refusing to use") && error.contains("group or others"), "{mode:o}: {error}");
            assert_eq!(std::fs::metadata(&dir).expect("kept").mode() & 0o7777, mode, "left as it was");
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    #[test]
    fn an_existing_fallback_of_another_user_or_a_link_is_refused() {
        assert_eq!(private_dir_problem(true, 1000, 0o40700, 1000), None);
        assert!(private_dir_problem(true, 1001, 0o40700, 1000).is_some_and(|p| p.contains("uid 1001")));
        assert!(private_dir_problem(false, 1000, 0o120777, 1000).is_some_and(|p| p.contains("not a directory")));
        // A symbolic link to a private directory of ours is still refused.
        let target = scratch("target");
        private_dir(&target, None).expect("target");
        let link = scratch("link");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        assert!(format!("{:#}", private_dir(&link, None).expect_err("followed a link")).contains("not a directory"));
        // Really owned by someone else (only root can give a directory away).
        if geteuid().is_root() {
            let foreign = scratch("foreign");
            std::fs::create_dir(&foreign).expect("pre-created");
            std::fs::set_permissions(&foreign, std::fs::Permissions::from_mode(0o700)).expect("chmod");
            chown(&foreign, Some(65_001), Some(65_001)).expect("chown");
            let error = format!("{:#}", private_dir(&foreign, None).expect_err("accepted another user's directory"));
            assert!(error.contains("uid 65001"), "{error}");
            let _ = std::fs::remove_dir_all(&foreign);
        }
        let _ = std::fs::remove_file(&link);
        let _ = std::fs::remove_dir_all(&target);
    }

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
