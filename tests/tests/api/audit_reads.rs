//! Audit completeness per person read: for every role, after every read that shows a person (their id
//! or name, in any list, search, report or object), an audit event names that person. Which reads show
//! whom is found in the answers themselves, not taken from the code.

use hemvist_tests::fixtures::{Fixtures, World};
use hemvist_tests::{TestApp, TestRole as Role};
use uuid::Uuid;

#[tokio::test]
async fn every_read_that_shows_a_person_is_audited_with_that_person() {
    let app = TestApp::spawn().await;
    let fx = Fixtures::new(&app).await;
    let w = World::seed(&fx).await;
    let shelter_a: Uuid = w.shelter_a.parse().unwrap();
    let readers = [
        ("admin", fx.admin.clone()),
        ("housing_officer of Järva", app.token_for(Role::HousingOfficer, "0180", &["jarva"], &[]).await),
        ("support_worker sw.a", app.staff_token(Role::SupportWorker, "sw.a").await),
        ("shelter_staff of shelter A", app.token_for(Role::ShelterStaff, "0180", &[], &[shelter_a]).await),
        ("night_coordinator", app.token(Role::NightCoordinator).await),
        ("integration", app.token(Role::Integration).await),
        ("auditor", app.token(Role::Auditor).await),
    ];
    let client = app.pool.get().await.unwrap();
    let last_event = || async {
        let row = client.query_one("SELECT coalesce(max(id), 0)::bigint FROM audit_events", &[]).await.unwrap();
        row.get::<_, i64>(0)
    };
    let mut failures = Vec::new();
    let mut shown_total = 0;
    let mut showing = std::collections::BTreeSet::new();
    for (reader, token) in &readers {
        for (operation, path) in w.reads() {
            let before = last_event().await;
            let response = app.get(&path, token).await;
            if !response.status.is_success() {
                continue;
            }
            let text = response.body.to_string();
            let shown: Vec<_> = w
                .people()
                .into_iter()
                .filter(|s| s.identity().iter().any(|marker| text.contains(marker.as_str())))
                .collect();
            if shown.is_empty() {
                continue;
            }
            let audited: Vec<Uuid> = client
                .query(
                    "SELECT DISTINCT person_id FROM audit_events WHERE id > $1 AND person_id IS NOT NULL",
                    &[&before],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            showing.insert(operation);
            for s in shown {
                shown_total += 1;
                if !audited.contains(&s.person.id.parse().unwrap()) {
                    failures.push(format!(
                        "{reader} · {operation} {path}: shows {} without an audit event",
                        s.person.given_name
                    ));
                }
            }
        }
    }
    eprintln!("reads that showed people: {showing:?}");
    // The walk reaches people through lists, searches, reports and objects alike.
    for operation in [
        "list_people",
        "get_household",
        "list_leases",
        "list_rent_arrears",
        "get_non_executed_decisions_report",
        "list_overdue_support_plan_reviews",
        "list_bed_assignments",
        "list_guarantee_requests",
        "list_guarantee_breaches",
        "get_bouncing_report",
    ] {
        assert!(showing.contains(operation), "no read of {operation} showed anyone: the world does not reach it");
    }
    assert!(shown_total > 100, "the walk showed only {shown_total} people: the world is not being read");
    assert!(failures.is_empty(), "{} reads not audited per person:\n{}", failures.len(), failures.join("\n"));
}
