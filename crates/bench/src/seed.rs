//! History-scaled seeding: the scale stretches the history, not its density. Decisions per day and bed
//! nights per night stay Stockholm's at every scale, and the history ends on [`HISTORY_END`], so a
//! scale-10 run holds ten times the years of a scale-1 run (10M decisions, 50M bed nights: a country's
//! worth) and a report of one quarter or month has the same answer at both: what grows is only what
//! the report should not pay for. The two large tables are loaded with COPY, their triggers off (the
//! rows are valid by construction), and the counts the triggers keep are computed once afterwards.

use bytes::Bytes;
use futures::SinkExt;
use jiff::ToSpan;
use jiff::civil::{Date, date};
use uuid::Uuid;

/// The last day of the seeded history; the reports of the bench ask about its last quarter and month.
pub const HISTORY_END: Date = date(2026, 6, 30);
/// Stockholm's pace at scale 1: a million decisions over 2,400 days.
const DECISIONS_PER_DAY: i64 = 417;
/// Stockholm's pace at scale 1: five million bed nights over 500 nights.
const BED_NIGHTS_PER_NIGHT: i64 = 10_000;

pub struct Scale {
    pub districts: i64,
    pub shelters: i64,
    pub apartments: i64,
    pub people: i64,
    pub decisions: i64,
    pub bed_nights: i64,
}

impl Scale {
    pub fn stockholm(factor: f64) -> Self {
        let n = |full: f64| ((full * factor).round() as i64).max(1);
        Self {
            districts: 11,
            shelters: 60,
            apartments: n(2_000.0),
            people: n(10_000.0),
            decisions: n(1_000_000.0),
            bed_nights: n(5_000_000.0),
        }
    }

    /// Days of decisions and nights of bed nights the history spans.
    pub fn span(&self) -> (i64, i64) {
        (
            (self.decisions + DECISIONS_PER_DAY - 1) / DECISIONS_PER_DAY,
            (self.bed_nights + BED_NIGHTS_PER_NIGHT - 1) / BED_NIGHTS_PER_NIGHT,
        )
    }
}

pub async fn seed(client: &tokio_postgres::Client, s: &Scale) -> anyhow::Result<()> {
    client.batch_execute("SET synchronous_commit = off").await?;
    for i in 0..s.districts {
        let (lon, lat) = (17.8 + (i % 4) as f64 * 0.1, 59.2 + (i / 4) as f64 * 0.1);
        let boundary = serde_json::json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.1, lat], [lon + 0.1, lat + 0.1], [lon, lat + 0.1], [lon, lat]]]});
        client
            .execute(
                "INSERT INTO districts (municipality_code, code, name, valid_from, boundary) VALUES ('0180', $1, $1, '2023-07-01', $2)",
                &[&format!("d{i}"), &boundary],
            )
            .await?;
    }
    // Positions: the centre of district g % 11.
    let sql = format!(
        "INSERT INTO shelters (municipality_code, name, operator, address, lat, lon, district_code, accepts_women, accepts_men,
             total_beds, opens_at, check_in_deadline)
         SELECT '0180', 'Shelter ' || g, 'Operator', 'Address ' || g, 59.25 + ((g % 11) / 4) * 0.1, 17.85 + ((g % 11) % 4) * 0.1,
                'd' || (g % 11), true, true, 20 + g % 40, '19:00', '23:00'
           FROM generate_series(1, {}) g;
         INSERT INTO apartments (municipality_code, address, lat, lon, district_id, district_code, rooms, area_sqm, floor, has_lift,
             wheelchair_accessible, monthly_rent_sek, landlord, first_hand_start)
         SELECT '0180', 'Gatan ' || g, 59.25 + ((g % 11) / 4) * 0.1, 17.85 + ((g % 11) % 4) * 0.1, d.id, d.code, 1 + g % 4, 30 + g % 60,
                g % 8, g % 2 = 0, g % 5 = 0, 5000 + g % 3000, 'Housing company', '2020-01-01'
           FROM generate_series(1, {}) g JOIN districts d ON d.code = 'd' || (g % 11);
         INSERT INTO people (municipality_code, identity_kind, given_name, family_name, birth_date, birth_year, birth_month,
             birth_day, sex, home_municipality_code, responsible_district_code)
         SELECT '0180', 'none', 'Person', 'Number ' || g, b, extract(year FROM b), extract(month FROM b), extract(day FROM b),
                CASE WHEN g % 2 = 0 THEN 'woman' ELSE 'man' END, '0180', 'd' || (g % 11)
           FROM generate_series(1, {}) g, LATERAL (SELECT date '1950-01-01' + (g % 20000) AS b) birth;",
        s.shelters, s.apartments, s.people,
    );
    client.batch_execute(&sql).await?;
    let people: Vec<Uuid> =
        client.query("SELECT id FROM people ORDER BY id", &[]).await?.iter().map(|r| r.get(0)).collect();
    let shelters: Vec<Uuid> =
        client.query("SELECT id FROM shelters ORDER BY id", &[]).await?.iter().map(|r| r.get(0)).collect();
    client
        .batch_execute("ALTER TABLE decisions DISABLE TRIGGER ALL; ALTER TABLE bed_assignments DISABLE TRIGGER ALL")
        .await?;
    copy_decisions(client, s.decisions, &people).await?;
    copy_bed_nights(client, s.bed_nights, &people, &shelters).await?;
    client
        .batch_execute(
            "ALTER TABLE decisions ENABLE TRIGGER ALL; ALTER TABLE bed_assignments ENABLE TRIGGER ALL;
             INSERT INTO shelter_night_counts (municipality_code, night, shelter_id, taken, used, version)
             SELECT municipality_code, night, shelter_id, count(*) FILTER (WHERE status IN ('reserved', 'checked_in')),
                    count(*) FILTER (WHERE status IN ('reserved', 'checked_in', 'checked_out')), 1
               FROM bed_assignments GROUP BY municipality_code, night, shelter_id;
             INSERT INTO person_month_moves (municipality_code, person_id, month, nights, moves, first_night,
                                             first_shelter, last_night, last_shelter)
             SELECT n.municipality_code, n.person_id, n.month, count(*), count(*) FILTER (WHERE n.before <> n.shelter_id),
                    min(n.night), (array_agg(n.shelter_id) FILTER (WHERE n.before IS NULL))[1],
                    max(n.night), (array_agg(n.shelter_id) FILTER (WHERE n.after IS NULL))[1]
               FROM (SELECT b.municipality_code, b.person_id, date_trunc('month', b.night::timestamp)::date AS month,
                            b.night, b.shelter_id, lag(b.shelter_id) OVER nights AS before,
                            lead(b.shelter_id) OVER nights AS after
                       FROM bed_assignments b
                      WHERE b.status IN ('reserved', 'checked_in', 'checked_out')
                     WINDOW nights AS (PARTITION BY b.municipality_code, b.person_id,
                                                    date_trunc('month', b.night::timestamp)::date
                                       ORDER BY b.night, b.created_at, b.id)) n
              GROUP BY n.municipality_code, n.person_id, n.month;",
        )
        .await?;
    // As autovacuum would have by now: statistics, and visibility maps that let index-only scans skip the heap.
    client.batch_execute("VACUUM ANALYZE").await?;
    Ok(())
}

/// Streams text rows made by `row` into `COPY <target> FROM STDIN`, a megabyte at a time.
async fn copy(
    client: &tokio_postgres::Client,
    target: &str,
    rows: i64,
    mut row: impl FnMut(i64, &mut String),
) -> anyhow::Result<()> {
    let sink = client.copy_in(&format!("COPY {target} FROM STDIN")).await?;
    futures::pin_mut!(sink);
    let mut buffer = String::with_capacity(1 << 21);
    for g in 0..rows {
        row(g, &mut buffer);
        if buffer.len() >= 1 << 20 {
            sink.send(Bytes::from(std::mem::take(&mut buffer))).await?;
            buffer.reserve(1 << 21);
        }
    }
    if !buffer.is_empty() {
        sink.send(Bytes::from(buffer)).await?;
    }
    sink.finish().await?;
    Ok(())
}

fn day_before_end(days: i64) -> anyhow::Result<Date> {
    Ok(HISTORY_END.checked_sub(days.days())?)
}

/// Decisions at Stockholm's pace back from the end of the history: one in ten denied, one granted
/// decision in a thousand not executed (closed after a year when older than two, as a decision nobody
/// executes is closed in time: otherwise each quarter would report every one since the history began),
/// the rest executed 0–149 days after the decision.
async fn copy_decisions(client: &tokio_postgres::Client, count: i64, people: &[Uuid]) -> anyhow::Result<()> {
    const INTERVENTIONS: [&str; 6] =
        ["trial_apartment", "training_apartment", "housing_first", "emergency_shelter", "supported_housing", "other"];
    let days = (count + DECISIONS_PER_DAY - 1) / DECISIONS_PER_DAY;
    let decided: Vec<Date> = (0..days).map(day_before_end).collect::<anyhow::Result<_>>()?;
    let target =
        "decisions (municipality_code, person_id, intervention, district_code, applied_on, decided_on, outcome, reasons,
                  executed_on, closed_on, closing_reason)";
    let long_ago = day_before_end(730)?;
    copy(client, target, count, |g, out| {
        use std::fmt::Write;
        let decided_on = decided[(g / DECISIONS_PER_DAY) as usize];
        let applied_on = decided_on.saturating_sub(10.days());
        let person = people[(g as usize) % people.len()];
        let intervention = INTERVENTIONS[(g % 6) as usize];
        let denied = g % 10 == 0;
        let outcome = if denied { "denied" } else { "granted" };
        // The deciding district, as the equity report groups by it (issue 14).
        let district = g % 11;
        let _ =
            write!(out, "0180\t{person}\t{intervention}\td{district}\t{applied_on}\t{decided_on}\t{outcome}\tSeeded\t");
        if denied {
            out.push_str("\\N\t\\N\t\\N\n");
        } else if g % 1000 == 7 && decided_on < long_ago {
            let _ = writeln!(out, "\\N\t{}\tSeeded: no longer needed", decided_on.saturating_add(365.days()));
        } else if g % 1000 == 7 {
            out.push_str("\\N\t\\N\t\\N\n");
        } else {
            let _ = writeln!(out, "{}\t\\N\t\\N", decided_on.saturating_add((g % 150).days()));
        }
    })
    .await
}

/// Bed nights at Stockholm's pace back from the end of the history, checked out; ids in order, so the
/// primary key grows at its end.
async fn copy_bed_nights(
    client: &tokio_postgres::Client,
    count: i64,
    people: &[Uuid],
    shelters: &[Uuid],
) -> anyhow::Result<()> {
    let nights = (count + BED_NIGHTS_PER_NIGHT - 1) / BED_NIGHTS_PER_NIGHT;
    let dates: Vec<Date> = (0..nights).map(day_before_end).collect::<anyhow::Result<_>>()?;
    let target = "bed_assignments (municipality_code, id, shelter_id, night, person_id, status, hold_until)";
    let (p, s) = (people.len() as i64, shelters.len() as i64);
    copy(client, target, count, |g, out| {
        use std::fmt::Write;
        let night = dates[(g / BED_NIGHTS_PER_NIGHT) as usize];
        let id = Uuid::from_u128((0x0180_u128 << 112) | g as u128);
        let person = people[(g % p) as usize];
        let shelter = shelters[((g + g / p) % s) as usize];
        let _ = writeln!(out, "0180\t{id}\t{shelter}\t{night}\t{person}\tchecked_out\t{night} 23:00:00+00");
    })
    .await
}
