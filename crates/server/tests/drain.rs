//! SIGTERM drains the requests in flight (issue 15, part 4): none is cut off. The real binary serves;
//! a lock held by another session keeps several requests waiting in PostgreSQL while SIGTERM arrives;
//! once the lock goes they all answer 200, and only then does the server stop, cleanly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Served, agent, call, connect};

const IN_FLIGHT: usize = 5;

#[test]
fn sigterm_lets_every_request_in_flight_finish() {
    let mut served = Served::start();
    let token = served.token("admin");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let owner = runtime.block_on(connect(&served.owner_config()));
    runtime.block_on(owner.batch_execute("BEGIN; LOCK TABLE shelters IN ACCESS EXCLUSIVE MODE")).unwrap();

    let requests: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let (base, token) = (served.base.clone(), token.clone());
            std::thread::spawn(move || call(&base, &token, "GET", "/api/v1/shelters", None).0)
        })
        .collect();
    // Another session: pg_stat_activity is a snapshot taken once per transaction.
    let observer = runtime.block_on(connect(&served.owner_config()));
    let waiting = || -> i64 {
        runtime
            .block_on(observer.query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = 'hemvist_api' AND wait_event_type = 'Lock'",
                &[],
            ))
            .unwrap()
            .get(0)
    };
    let started = Instant::now();
    while waiting() < IN_FLIGHT as i64 {
        assert!(started.elapsed() < Duration::from_secs(30), "the requests never reached PostgreSQL");
        std::thread::sleep(Duration::from_millis(20));
    }

    common::sigterm(served.child.id());
    let signalled = Instant::now();
    std::thread::sleep(Duration::from_millis(700));
    assert!(served.child.try_wait().unwrap().is_none(), "the server exited with requests in flight");
    // Draining: it takes no new work.
    let refused = agent(Duration::from_secs(2)).get(format!("{}/health", served.base)).call().is_err();
    assert!(refused, "a new request was served after SIGTERM");

    runtime.block_on(owner.batch_execute("ROLLBACK")).unwrap();
    let released = signalled.elapsed();
    let statuses: Vec<u16> = requests.into_iter().map(|r| r.join().unwrap()).collect();
    let exit = loop {
        if let Some(status) = served.child.try_wait().unwrap() {
            break status;
        }
        assert!(signalled.elapsed() < Duration::from_secs(60), "the server did not stop after draining");
        std::thread::sleep(Duration::from_millis(50));
    };
    let drained = signalled.elapsed();
    let answered = statuses.iter().filter(|s| **s == 200).count();
    println!(
        "SIGTERM with {IN_FLIGHT} requests in flight: {answered} answered 200, {} cut off; the server exited ({exit}) \
         {} ms after the signal, the lock holding them having gone at {} ms",
        IN_FLIGHT - answered,
        drained.as_millis(),
        released.as_millis()
    );
    assert_eq!(statuses, vec![200; IN_FLIGHT], "every request in flight is answered in full");
    assert!(exit.success(), "a clean exit: {exit}\n{}", served.log());
    // It stopped its private cluster too.
    assert!(!served.data_dir.join("pg/postmaster.pid").exists(), "PostgreSQL still running");
}
