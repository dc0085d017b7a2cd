//! SQL of the equity report: one statement (`equity.sql`) over the period's dates.

use hemvist_platform::MunicipalityCode;
use hemvist_platform::db::GenericClient;
use jiff::civil::Date;

use super::model::Aggregate;

/// One row of `equity.sql`: a metric's aggregate for one group, in one district or city-wide.
#[derive(Debug, Clone)]
pub struct AggregateRow {
    pub metric: String,
    /// None: the whole city.
    pub district: Option<String>,
    /// Set when the row is by sex.
    pub sex: Option<String>,
    /// Set when the row is by household with or without children.
    pub children: Option<bool>,
    pub aggregate: Aggregate,
}

/// Every aggregate of the period `from`..=`to`; `today` decides which decisions' three months have run out.
pub async fn aggregates(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    from: Date,
    to: Date,
    today: Date,
) -> Result<Vec<AggregateRow>, tokio_postgres::Error> {
    // The report hashes a quarter's decisions (tens of thousands) and its people: keep them in memory.
    // JIT compiling this statement costs more than it saves, and a generic plan does not know how narrow
    // the period is: plan it for its dates each time.
    client
        .batch_execute(
            "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off; SET LOCAL plan_cache_mode = force_custom_plan",
        )
        .await?;
    let statement = client.prepare_cached(include_str!("equity.sql")).await?;
    let rows = client.query(&statement, &[&municipality.as_str(), &from, &to, &today]).await?;
    rows.iter()
        .map(|row| {
            let city: bool = row.try_get("city")?;
            let by_sex: bool = row.try_get("by_sex")?;
            let by_children: bool = row.try_get("by_children")?;
            Ok(AggregateRow {
                metric: row.try_get("metric")?,
                district: if city { None } else { row.try_get("district")? },
                sex: if by_sex { row.try_get("sex")? } else { None },
                children: if by_children { row.try_get("children")? } else { None },
                aggregate: Aggregate {
                    n: row.try_get("n")?,
                    total: row.try_get("total")?,
                    median: row.try_get("median")?,
                    p90: row.try_get("p90")?,
                    rank_sum: row.try_get("rank_sum")?,
                },
            })
        })
        .collect()
}
