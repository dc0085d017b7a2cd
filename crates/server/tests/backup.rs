//! `hemvist backup` and `hemvist restore` (issue 15, part 3). A backup taken while the server serves
//! restores into a fresh cluster that holds every table exactly as the source did (row count and an
//! md5 of the ordered rows, table by table); a backup taken under a write load holds every write
//! acknowledged before it began; a restore never overwrites an existing database.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use common::{Served, call, connect, hemvist_in, owner_config};
use hemvist_server::embedded_pg::{Cluster, ClusterOptions};
use serde_json::json;

/// Every table's row count and the md5 of its rows in order, by name.
async fn table_sums(client: &tokio_postgres::Client) -> BTreeMap<String, (i64, String)> {
    let tables: Vec<String> = client
        .query(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
              WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut sums = BTreeMap::new();
    for table in tables {
        let row = client
            .query_one(
                &format!(
                    "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM {table} t"
                ),
                &[],
            )
            .await
            .unwrap();
        sums.insert(table, (row.get(0), row.get(1)));
    }
    sums
}

/// Restores `backup` into a new directory and starts the restored cluster.
fn restore(root: &Path, name: &str, backup: &Path) -> Cluster {
    let target = root.join(name);
    hemvist_in(&target, &["restore", &backup.to_string_lossy()]);
    Cluster::ensure_running(&target, ClusterOptions { durable: false, buffers_for_machine: false }).unwrap()
}

/// Some of everything: a district, shelters, people, guarantee placements (beds, requests, audit).
fn seed(served: &Served, admin: &str) {
    let district = json!({"code": "jarva", "name": "Järva", "valid_from": "2023-07-01", "boundary": {"type": "Polygon",
        "coordinates": [[[17.85, 59.38], [17.97, 59.38], [17.97, 59.43], [17.85, 59.43], [17.85, 59.38]]]}});
    assert_eq!(call(&served.base, admin, "POST", "/api/v1/districts", Some(&district)).0, 201);
    for i in 0..3 {
        let shelter = json!({"name": format!("Härbärge {i}"), "operator": "Stadsmissionen", "address": "Gatan 1",
            "lat": 59.40, "lon": 17.88 + f64::from(i) * 0.01, "eligibility": {"accepts_women": true, "accepts_men": true},
            "total_beds": 10, "opens_at": "19:00", "check_in_deadline": "23:00"});
        assert_eq!(call(&served.base, admin, "POST", "/api/v1/shelters", Some(&shelter)).0, 201);
    }
    for i in 0..12 {
        let (status, person) = call(&served.base, admin, "POST", "/api/v1/people", Some(&walk_in(i)));
        assert_eq!(status, 201, "{person}");
        let ask = json!({"person_id": person["id"], "channel": "homelessness_reception", "lat": 59.40, "lon": 17.9});
        let (status, request) = call(&served.base, admin, "POST", "/api/v1/guarantee-requests", Some(&ask));
        assert_eq!((status, &request["outcome"]), (201, &json!("placed")), "{request}");
    }
}

fn walk_in(i: usize) -> serde_json::Value {
    json!({"identity_kind": "none", "given_name": format!("Backup{i}"), "family_name": "Test", "sex": "unknown",
        "home_municipality_code": "0180"})
}

#[test]
fn a_backup_taken_while_serving_restores_every_table_exactly() {
    let served = Served::start();
    let admin = served.token("admin");
    seed(&served, &admin);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let root = served.dir.path().to_owned();

    // 1. Under a write load: everything acknowledged before the backup began is in it.
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let writer = {
        let (base, admin, stop, acked) = (served.base.clone(), admin.clone(), stop.clone(), acked.clone());
        std::thread::spawn(move || {
            let mut i = 100;
            while !stop.load(Ordering::Relaxed) {
                let (status, person) = call(&base, &admin, "POST", "/api/v1/people", Some(&walk_in(i)));
                assert_eq!(status, 201, "{person}");
                acked.lock().unwrap().push(person["id"].as_str().unwrap().to_owned());
                i += 1;
            }
        })
    };
    while acked.lock().unwrap().len() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let acked_before = acked.lock().unwrap().clone();
    let started = Instant::now();
    hemvist_in(&served.data_dir, &["backup", &root.join("busy").to_string_lossy()]);
    let busy_seconds = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    let acked_after = acked.lock().unwrap().clone();
    let busy = restore(&root, "restored-busy", &root.join("busy"));
    let restored_people: Vec<String> = runtime.block_on(async {
        let client = connect(&owner_config(busy.data_dir())).await;
        let rows = client.query("SELECT id::text FROM people WHERE given_name LIKE 'Backup%'", &[]).await.unwrap();
        rows.iter().map(|r| r.get(0)).collect()
    });
    busy.stop().unwrap();
    let missing = acked_before.iter().filter(|id| !restored_people.contains(id)).count();
    let unknown = restored_people.len().saturating_sub(acked_after.len() + 12 + 1);
    println!(
        "backup under a write load ({:.1} s): {} people acknowledged before it began, {missing} of them missing; \
         {} in the copy, {} acknowledged by the end",
        busy_seconds,
        acked_before.len() + 12,
        restored_people.len(),
        acked_after.len() + 12
    );
    assert_eq!(missing, 0, "writes acknowledged before the backup are in it");
    assert_eq!(unknown, 0, "the copy holds nothing that was never written (one write may have been in flight)");

    // 2. Serving, quiet: the restored cluster equals the source, table by table.
    let started = Instant::now();
    hemvist_in(&served.data_dir, &["backup", &root.join("quiet").to_string_lossy()]);
    let quiet_seconds = started.elapsed().as_secs_f64();
    let source = runtime.block_on(async { table_sums(&connect(&served.owner_config()).await).await });
    let quiet = restore(&root, "restored-quiet", &root.join("quiet"));
    let copy = runtime.block_on(async { table_sums(&connect(&owner_config(quiet.data_dir())).await).await });
    quiet.stop().unwrap();
    let rows: i64 = source.values().map(|(count, _)| count).sum();
    let differing: Vec<&String> = source.keys().chain(copy.keys()).filter(|t| source.get(*t) != copy.get(*t)).collect();
    println!(
        "backup while serving ({quiet_seconds:.1} s), restored into a fresh cluster: {} tables, {rows} rows; \
         tables differing in row count or md5: {}",
        source.len(),
        differing.len()
    );
    assert!(source.len() > 20 && source["public.guarantee_requests"].0 >= 12, "the source has data: {source:?}");
    assert!(differing.is_empty(), "differ: {differing:?}");

    // 3. A restore never overwrites a database.
    let output = std::process::Command::new(common::BIN)
        .args(["restore", &root.join("quiet").to_string_lossy()])
        .env_remove("DATABASE_URL")
        .env("HEMVIST_DATA_DIR", &served.data_dir)
        .output()
        .unwrap();
    assert!(!output.status.success(), "restored over the live database");
    assert!(String::from_utf8_lossy(&output.stderr).contains("already exists"));
    let after = runtime.block_on(async { table_sums(&connect(&served.owner_config()).await).await });
    assert_eq!(after, source, "the live database is untouched");
}
