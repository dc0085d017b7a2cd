//! What the failover test checks on the new primary once the load has stopped.

use anyhow::Context;

use crate::Outcome;

pub struct Figures {
    pub acked_requests: usize,
    pub placed: usize,
    pub replayed: usize,
    pub acked_reports: usize,
    pub lost: usize,
    pub double_placements: i64,
}

/// On the new primary (the multi-host URL finds it): every acknowledged write is there, and nobody
/// was placed twice.
pub async fn check(
    url: &str,
    night: &str,
    guarantee: &[(String, Outcome)],
    reports: &[(String, Outcome)],
) -> anyhow::Result<Figures> {
    let config: tokio_postgres::Config = url.parse()?;
    let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    let mut lost = 0;
    let (mut acked_requests, mut placed, mut replayed) = (0, 0, 0);
    for (_, outcome) in guarantee {
        let Outcome::Acknowledged { body, replayed: replay } = outcome else { continue };
        acked_requests += 1;
        replayed += usize::from(*replay);
        let id: uuid::Uuid = body["id"].as_str().context("request id")?.parse()?;
        let found = client.query_opt("SELECT 1 FROM guarantee_requests WHERE id = $1", &[&id]).await?;
        if found.is_none() {
            lost += 1;
        }
        if let Some(assignment) = body["bed"]["assignment_id"].as_str() {
            placed += 1;
            let assignment: uuid::Uuid = assignment.parse()?;
            if client.query_opt("SELECT 1 FROM bed_assignments WHERE id = $1", &[&assignment]).await?.is_none() {
                lost += 1;
            }
        }
    }
    let mut acked_reports = 0;
    for (reason, outcome) in reports {
        if let Outcome::Acknowledged { .. } = outcome {
            acked_reports += 1;
            let found = client
                .query_opt("SELECT 1 FROM shelter_night_reports WHERE out_of_service_reason = $1", &[reason])
                .await?;
            if found.is_none() {
                lost += 1;
            }
        }
    }
    let night: jiff::civil::Date = night.parse()?;
    // A person asked once (one key): more than one request or more than one bed is a double placement.
    let double_placements: i64 = client
        .query_one(
            "SELECT (SELECT count(*) FROM (SELECT person_id FROM guarantee_requests WHERE night = $1
                                           GROUP BY person_id HAVING count(*) > 1) twice)
                  + (SELECT count(*) FROM (SELECT person_id FROM bed_assignments WHERE night = $1
                                           GROUP BY person_id HAVING count(*) > 1) twice)",
            &[&night],
        )
        .await?
        .try_get(0)?;
    Ok(Figures { acked_requests, placed, replayed, acked_reports, lost, double_placements })
}
