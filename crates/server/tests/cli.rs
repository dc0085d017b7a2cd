//! The `hemvist` binary's operator commands, run as an operator would: tokens (create with expiry,
//! list, revoke), municipalities, and what happens when run away from the server's data.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use hemvist_platform::auth::{find_active_token, hash_token};
use hemvist_server::embedded_pg::{Cluster, ClusterOptions, ensure_database};
use serde_json::Value;

/// A throwaway cluster, stopped and removed when the test ends (pass or fail).
struct Throwaway {
    cluster: Cluster,
    dir: PathBuf,
}

impl Drop for Throwaway {
    fn drop(&mut self) {
        let _ = self.cluster.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn throwaway() -> Throwaway {
    let dir = tempfile::Builder::new().prefix("hemvist-cli-").tempdir().unwrap().keep();
    // The cluster may belong to the unprivileged postgres user, who must be able to enter.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let cluster = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || Cluster::ensure_running(&dir, ClusterOptions { durable: false, buffers_for_machine: false })
    })
    .await
    .unwrap()
    .unwrap();
    let throwaway = Throwaway { cluster, dir };
    ensure_database(&throwaway.cluster, "cli").await.unwrap();
    throwaway
}

fn database_url(cluster: &Cluster) -> String {
    format!("host={} port=5432 user=hemvist dbname=cli", cluster.data_dir().display())
}

/// Runs `hemvist args` with only the environment given (and a backtrace asked for, to see none).
fn hemvist(env: &[(&str, &str)], cwd: &Path, args: &[&str]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_hemvist"));
    command.args(args).current_dir(cwd).env_remove("DATABASE_URL").env_remove("HEMVIST_DATA_DIR");
    command.env("RUST_BACKTRACE", "1").env("RUST_LOG", "warn");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn assert_fails_cleanly(output: &Output, says: &str) {
    let err = stderr(output);
    assert!(!output.status.success(), "succeeded: {}{err}", stdout(output));
    assert!(err.contains(says), "the error should say {says:?}: {err}");
    assert!(!err.contains("backtrace") && !err.contains("panicked"), "a clean message, not a backtrace: {err}");
}

/// A connection as the API makes them (a pool client), to check tokens as the API does.
async fn connect(url: &str) -> deadpool_postgres::Object {
    hemvist_platform::db::pool(url.parse().unwrap(), 1).unwrap().get().await.unwrap()
}

#[tokio::test]
async fn tokens_and_municipalities_from_the_command_line() {
    let db = throwaway().await;
    let url = database_url(&db.cluster);
    let env = [("DATABASE_URL", url.as_str())];
    let cwd = std::env::temp_dir();

    // An unknown municipality: a clear error saying what to do.
    let unknown = hemvist(&env, &cwd, &["token", "create", "--role", "admin", "--municipality", "0181"]);
    assert_fails_cleanly(&unknown, "unknown municipality 0181");
    assert!(stderr(&unknown).contains("hemvist municipality add 0181"), "{}", stderr(&unknown));
    let added = hemvist(&env, &cwd, &["municipality", "add", "0181", "Södertälje"]);
    assert!(added.status.success(), "{}", stderr(&added));
    assert_fails_cleanly(&hemvist(&env, &cwd, &["municipality", "add", "0181", "Södertälje"]), "exists already");
    assert_fails_cleanly(&hemvist(&env, &cwd, &["municipality", "add", "181", "Fel"]), "four digits");
    let listed: Value = serde_json::from_str(&stdout(&hemvist(&env, &cwd, &["municipality", "list"]))).unwrap();
    assert_eq!(listed[1], serde_json::json!({"municipality_code": "0181", "name": "Södertälje"}));

    // A token that expires in 90 days, accepted as the API accepts tokens.
    let created = hemvist(
        &env,
        &cwd,
        &["token", "create", "--role", "admin", "--municipality", "0181", "--expires", "90d", "--name", "ops"],
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let token = stdout(&created).trim().to_owned();
    assert!(token.starts_with("hv_"), "{token}");
    let client = connect(&url).await;
    let principal = find_active_token(&client, &hash_token(&token)).await.unwrap().expect("accepted");
    assert_eq!(principal.municipality.as_str(), "0181");
    let days: f64 = client
        .query_one(
            "SELECT extract(epoch FROM expires_at - now())::float8 / 86400 FROM api_tokens WHERE id = $1",
            &[&principal.token_id],
        )
        .await
        .unwrap()
        .get(0);
    assert!((89.0..=91.0).contains(&days), "{days} days");
    let forever = hemvist(&env, &cwd, &["token", "create", "--role", "auditor", "--name", "no expiry"]);
    assert!(forever.status.success(), "{}", stderr(&forever));
    assert_fails_cleanly(
        &hemvist(&env, &cwd, &["token", "create", "--role", "admin", "--expires", "2020-01-01"]),
        "not in the future",
    );
    assert_fails_cleanly(
        &hemvist(&env, &cwd, &["token", "create", "--role", "admin", "--expires", "soon"]),
        "--expires",
    );

    // The list shows who and what, never the secret.
    let list = hemvist(&env, &cwd, &["token", "list"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let text = stdout(&list);
    assert!(!text.contains(&token) && !text.contains(&hash_token(&token)), "no secrets: {text}");
    let tokens: Value = serde_json::from_str(&text).unwrap();
    let tokens = tokens.as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    let ops = tokens.iter().find(|t| t["name"] == "ops").unwrap();
    assert_eq!(ops["id"], principal.token_id.to_string());
    assert_eq!((ops["role"].as_str(), ops["municipality_code"].as_str()), (Some("admin"), Some("0181")));
    assert!(ops["created_at"].is_string() && ops["expires_at"].is_string(), "{ops}");
    assert_eq!(ops["revoked_at"], Value::Null);
    assert!(tokens.iter().any(|t| t["name"] == "no expiry" && t["expires_at"].is_null()));

    // Revoked: the API no longer accepts it; revoking again says so.
    let id = principal.token_id.to_string();
    let revoked = hemvist(&env, &cwd, &["token", "revoke", &id]);
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    assert!(find_active_token(&client, &hash_token(&token)).await.unwrap().is_none());
    assert_fails_cleanly(&hemvist(&env, &cwd, &["token", "revoke", &id]), "already revoked");
    let tokens: Value = serde_json::from_str(&stdout(&hemvist(&env, &cwd, &["token", "list"]))).unwrap();
    assert!(tokens.as_array().unwrap().iter().any(|t| t["id"] == id.as_str() && t["revoked_at"].is_string()));
}

#[test]
fn token_commands_away_from_the_server_create_nothing() {
    // Another directory, no DATABASE_URL: no cluster there, so the commands fail and make none.
    let elsewhere = tempfile::Builder::new().prefix("hemvist-elsewhere-").tempdir().unwrap();
    for args in [
        &["token", "create", "--role", "admin"][..],
        &["token", "list"][..],
        &["municipality", "add", "0181", "Södertälje"][..],
    ] {
        let output = hemvist(&[], elsewhere.path(), args);
        assert_fails_cleanly(&output, "no Hemvist database in");
        assert!(stderr(&output).contains("DATABASE_URL"), "says how to point at the server: {}", stderr(&output));
        assert!(stdout(&output).is_empty(), "no token printed: {}", stdout(&output));
        assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0, "nothing created for {args:?}");
    }
    // The same with HEMVIST_DATA_DIR naming a directory without a cluster.
    let dir = elsewhere.path().join("data");
    let output = hemvist(&[("HEMVIST_DATA_DIR", dir.to_str().unwrap())], Path::new("/"), &["token", "list"]);
    assert_fails_cleanly(&output, &dir.display().to_string());
    assert!(!dir.exists());
}

/// A start that fails on the database (here: a migration applied differently from the one the binary
/// carries) leaves no PostgreSQL running behind the operator's back: the cluster this process started
/// is stopped again, and the message says what failed.
#[tokio::test]
async fn a_failed_migration_stops_the_cluster_it_started() {
    let throwaway = throwaway().await;
    let dir = throwaway.dir.to_str().unwrap().to_owned();
    let env = [("HEMVIST_DATA_DIR", dir.as_str())];
    let first = hemvist(&env, Path::new("/"), &["migrate"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let hemvist_db = format!("host={} port=5432 user=hemvist dbname=hemvist", throwaway.cluster.data_dir().display());
    connect(&hemvist_db)
        .await
        .execute("UPDATE refinery_schema_history SET checksum = '1' WHERE version = 1", &[])
        .await
        .unwrap();
    throwaway.cluster.stop().unwrap();
    let pid_file = throwaway.cluster.data_dir().join("postmaster.pid");
    assert!(!pid_file.exists(), "stopped before the second start");

    let failed = hemvist(&env, Path::new("/"), &["migrate"]);
    assert_fails_cleanly(&failed, "migrating the database");
    assert!(!pid_file.exists(), "PostgreSQL left running after the failed start: {}", stderr(&failed));
}
