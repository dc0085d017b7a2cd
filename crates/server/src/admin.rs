//! Operator commands on the server's data: municipalities and token expiry. They run as the tables'
//! owner through the `hemvist` binary, never through the API.

use anyhow::{Context, bail};
use hemvist_platform::MunicipalityCode;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, Zoned};
use serde::Serialize;

/// When a token given `--expires raw` at `now` stops working: a duration from now (`90d`, `12h`,
/// `2w`, `1 year`, ISO 8601 `P90D`), a date (valid through that day, Europe/Stockholm) or an RFC 3339
/// timestamp. It must lie in the future.
pub fn parse_expiry(raw: &str, now: &Zoned) -> anyhow::Result<Timestamp> {
    let raw = raw.trim();
    let expires = if let Ok(date) = raw.parse::<Date>() {
        let next_day = date.tomorrow().context("that date is out of range")?;
        next_day.to_zoned(TimeZone::get("Europe/Stockholm")?)?.timestamp()
    } else if let Ok(timestamp) = raw.parse::<Timestamp>() {
        timestamp
    } else if let Ok(span) = raw.parse::<Span>() {
        now.checked_add(span).context("that duration is out of range")?.timestamp()
    } else {
        bail!(
            "--expires {raw:?}: give a duration (90d, 12h, 2w), a date (2026-12-31) or a timestamp (2026-12-31T18:00:00Z)"
        );
    };
    if expires <= now.timestamp() {
        bail!("--expires {raw:?} is not in the future ({expires})");
    }
    Ok(expires)
}

#[derive(Debug, Clone, Serialize)]
pub struct Municipality {
    pub municipality_code: String,
    pub name: String,
}

pub async fn municipalities(client: &tokio_postgres::Client) -> anyhow::Result<Vec<Municipality>> {
    let rows = client
        .query("SELECT municipality_code::text, name FROM municipalities ORDER BY municipality_code", &[])
        .await?;
    rows.iter().map(|row| Ok(Municipality { municipality_code: row.try_get(0)?, name: row.try_get(1)? })).collect()
}

/// Fails with what to do when `code` is not a municipality of this database.
pub async fn require_municipality(client: &tokio_postgres::Client, code: &MunicipalityCode) -> anyhow::Result<()> {
    let known = municipalities(client).await?;
    if known.iter().any(|m| m.municipality_code == code.as_str()) {
        return Ok(());
    }
    let list = known.iter().map(|m| format!("{} {}", m.municipality_code, m.name)).collect::<Vec<_>>().join(", ");
    bail!("unknown municipality {code} (known: {list}); add it first with: hemvist municipality add {code} NAME")
}

/// The municipality the first start's admin sign-in link is for: `HEMVIST_MUNICIPALITY` (which must
/// exist), or else the database's only municipality (the embedded default has one, Stockholm 0180);
/// None when there are several and none is named.
pub async fn first_start_municipality(
    client: &tokio_postgres::Client,
    settings: &hemvist_platform::settings::Settings,
) -> anyhow::Result<Option<MunicipalityCode>> {
    if let Some(code) = &settings.municipality {
        let code = MunicipalityCode::parse(code).map_err(|e| anyhow::anyhow!("HEMVIST_MUNICIPALITY: {e}"))?;
        require_municipality(client, &code).await.context("HEMVIST_MUNICIPALITY")?;
        return Ok(Some(code));
    }
    match municipalities(client).await?.as_slice() {
        [only] => Ok(Some(MunicipalityCode::parse(&only.municipality_code).map_err(|e| anyhow::anyhow!("{e}"))?)),
        _ => Ok(None),
    }
}

/// Adds a municipality (reference data the API may not change).
pub async fn add_municipality(
    client: &tokio_postgres::Client,
    code: &MunicipalityCode,
    name: &str,
) -> anyhow::Result<Municipality> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.contains('\0') {
        bail!("the municipality's name must be 1 to 200 characters");
    }
    let inserted = client
        .query_opt(
            "INSERT INTO municipalities (municipality_code, name) VALUES ($1, $2)
             ON CONFLICT (municipality_code) DO NOTHING RETURNING municipality_code::text, name",
            &[&code.as_str(), &name],
        )
        .await
        .context("adding the municipality")?;
    match inserted {
        Some(row) => Ok(Municipality { municipality_code: row.try_get(0)?, name: row.try_get(1)? }),
        None => bail!("municipality {code} exists already"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Zoned {
        "2025-03-29T12:00:00+01:00[Europe/Stockholm]".parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn durations_dates_and_timestamps() {
        let at = |raw: &str| parse_expiry(raw, &now()).map(|t| t.to_string()).unwrap_or_else(|e| format!("{e}"));
        assert_eq!(at("90d"), "2025-06-27T10:00:00Z", "noon local time 90 days on, across the switch to summer time");
        assert_eq!(at("12h"), "2025-03-29T23:00:00Z");
        assert_eq!(at("2w"), "2025-04-12T10:00:00Z");
        assert_eq!(at("P1D"), "2025-03-30T10:00:00Z");
        assert_eq!(at("2025-12-31"), "2025-12-31T23:00:00Z", "valid through the date, Stockholm time");
        assert_eq!(at("2025-06-30"), "2025-06-30T22:00:00Z", "midnight summer time");
        assert_eq!(at("2025-04-01T08:00:00Z"), "2025-04-01T08:00:00Z");
        for bad in ["2025-03-28", "2025-01-01T00:00:00Z", "-1d", "0d", "soon", ""] {
            assert!(parse_expiry(bad, &now()).is_err(), "{bad}");
        }
    }
}
