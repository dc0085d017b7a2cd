//! `hemvist backup DIR` and `hemvist restore DIR`: a physical copy of the private cluster, taken while
//! it serves, and a fresh cluster made from one. The copy is `pg_basebackup`'s (a checkpoint, the data
//! files, and the WAL streamed while they were copied: consistent as of the backup's end, however busy
//! the server was), checked with `pg_verifybackup` against its manifest after the backup and again
//! before a restore. A server given `DATABASE_URL` is backed up with PostgreSQL's own tools instead.

use std::os::unix::fs::{PermissionsExt, chown};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};

use crate::embedded_pg::{CLUSTER_USER, Cluster, ClusterOptions, PORT, check};

/// What a backup wrote.
#[derive(Debug)]
pub struct BackupSummary {
    pub dir: PathBuf,
    pub bytes: u64,
    pub seconds: f64,
}

/// Copies the running `cluster` into `dir`, a new or empty directory, and verifies the copy.
pub fn backup(cluster: &Cluster, dir: &Path) -> anyhow::Result<BackupSummary> {
    let started = Instant::now();
    let dir = std::path::absolute(dir)?;
    if dir.exists() && std::fs::read_dir(&dir)?.next().is_some() {
        bail!("{} is not empty: a backup goes into a new or empty directory", dir.display());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    if let Some(owner) = cluster.owner() {
        chown(&dir, Some(owner.uid.as_raw()), Some(owner.gid.as_raw()))?;
    }
    let target = dir.to_string_lossy().into_owned();
    let socket = cluster.data_dir().to_string_lossy().into_owned();
    let port = PORT.to_string();
    let output = cluster
        .command("pg_basebackup")
        .args(["-D", &target, "-h", &socket, "-p", &port, "-U", CLUSTER_USER, "--no-password"])
        // Plain files with the WAL of the copy streamed alongside; start at once with a fast checkpoint.
        .args(["--format=plain", "--wal-method=stream", "--checkpoint=fast", "--label=hemvist backup"])
        .output()
        .context("cannot run pg_basebackup")?;
    check(&output, "pg_basebackup").with_context(|| {
        format!("backing up into {} (the cluster's owner must be able to write there)", dir.display())
    })?;
    verify(cluster, &dir)?;
    Ok(BackupSummary { bytes: size_of_tree(&dir)?, dir, seconds: started.elapsed().as_secs_f64() })
}

/// Makes the private cluster for `data_dir` (HEMVIST_DATA_DIR) from the backup in `backup`, and starts
/// it. Refuses when a cluster is already there: a restore never overwrites a database.
pub fn restore(data_dir: &Path, backup: &Path) -> anyhow::Result<Cluster> {
    let backup = std::path::absolute(backup)?;
    if !backup.join("PG_VERSION").is_file() || !backup.join("backup_manifest").is_file() {
        bail!("{} is not a backup made by hemvist backup (no PG_VERSION or backup_manifest)", backup.display());
    }
    let fresh = Cluster::at(data_dir)?;
    let target = fresh.data_dir().to_owned();
    if target.join("PG_VERSION").exists() {
        bail!(
            "a database already exists in {}: restore into a new HEMVIST_DATA_DIR (nothing was changed)",
            target.display()
        );
    }
    verify(&fresh, &backup)?;
    std::fs::create_dir_all(&target).with_context(|| format!("cannot create {}", target.display()))?;
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o700))?;
    if let Some(owner) = fresh.owner() {
        chown(&target, Some(owner.uid.as_raw()), Some(owner.gid.as_raw()))?;
    }
    let from = format!("{}/.", backup.display());
    let output = fresh
        .owner_command("cp")
        .args(["-a", "--", &from, &target.to_string_lossy()])
        .output()
        .context("cannot run cp")?;
    check(&output, "copying the backup")?;
    // The old cluster's socket lock came along (the socket lives in its data directory): not ours.
    let lock = target.join(format!(".s.PGSQL.{PORT}.lock"));
    if lock.exists() {
        std::fs::remove_file(&lock)?;
    }
    // The copy's settings name the old cluster's socket directory: this one listens in its own.
    let conf = target.join("postgresql.conf");
    let mut text = std::fs::read_to_string(&conf)?;
    let socket = target.to_string_lossy().replace('\'', "''");
    text.push_str(&format!(
        "\n# Restored by hemvist from {}\nunix_socket_directories = '{socket}'\n",
        backup.display()
    ));
    std::fs::write(&conf, text)?;
    // Starting replays the WAL that came with the backup, up to the consistent end of the copy.
    Cluster::ensure_running(data_dir, ClusterOptions { durable: true, buffers_for_machine: true })
}

/// `pg_verifybackup`: every file as the manifest lists it, and the WAL needed to make it consistent.
fn verify(cluster: &Cluster, dir: &Path) -> anyhow::Result<()> {
    let output = cluster
        .command("pg_verifybackup")
        .args(["--quiet", &dir.to_string_lossy()])
        .output()
        .context("cannot run pg_verifybackup")?;
    check(&output, "pg_verifybackup").with_context(|| format!("the backup in {} is damaged", dir.display()))
}

fn size_of_tree(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() { size_of_tree(&entry.path())? } else { meta.len() };
    }
    Ok(total)
}
