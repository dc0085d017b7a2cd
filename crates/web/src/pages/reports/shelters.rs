//! The shelter crate's reports: the guarantee per night and district, and occupancy per shelter.

use std::collections::BTreeMap;

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use hemvist_platform::ApiError;
use hemvist_platform::night::{Night, today};
use hemvist_shelter_beds::READ_SHELTER_REPORTS;
use hemvist_shelter_beds::guarantee::{
    GuaranteeCounts, GuaranteeNight, NightRange, OccupancyReport, ReportMonth, UNKNOWN_DISTRICT, guarantee_report,
    occupancy_report,
};
use jiff::ToSpan;
use serde::Deserialize;

use super::chart::{Bar, BarChart, Group};
use super::{Column, Field, Invalid, ReportTable, Shown, csv_download, csv_href, date_field, figure, report_page};
use crate::i18n::ReportText;
use crate::pages::page::SignedIn;
use crate::pages::{OnPage, PageResult};

pub const GUARANTEE_PATH: &str = "/reports/guarantee";
pub const OCCUPANCY_PATH: &str = "/reports/shelter-occupancy";

/// The nights shown when none are asked for: the last 30, up to tonight.
const DEFAULT_NIGHTS: i64 = 30;

#[derive(Debug, Default, Deserialize)]
pub struct NightsQuery {
    from: Option<String>,
    to: Option<String>,
    part: Option<String>,
}

/// The period form's values, as given or by default.
fn nights_fields(
    query: &NightsQuery,
    page: &SignedIn,
    r: &'static ReportText,
) -> (Vec<Field>, Result<NightRange, Invalid>) {
    let tonight = Night::containing(page.at, page.state.settings.night_cutover_hour).date();
    let first = tonight.checked_sub((DEFAULT_NIGHTS - 1).days()).unwrap_or(tonight);
    let from = date_field(query.from.as_deref(), first, "from", r);
    let to = date_field(query.to.as_deref(), tonight, "to", r);
    let value = |raw: &Option<String>, parsed: &Result<jiff::civil::Date, Invalid>| {
        raw.clone().unwrap_or_else(|| parsed.as_ref().map(ToString::to_string).unwrap_or_default())
    };
    let fields = vec![
        Field::new("from", r.first_night, "date", value(&query.from, &from)),
        Field::new("to", r.last_night, "date", value(&query.to, &to)),
    ];
    let range = from.and_then(|from| {
        let to = to?;
        NightRange::new(from, to).map_err(|_| Invalid { field: "to", message: r.night_range })
    });
    (fields, range)
}

/// The outcome counts in the tables' column order: requests, placed, declined, breaches, not eligible,
/// home municipality unknown.
fn counts(c: &GuaranteeCounts) -> [i64; 6] {
    [c.requests, c.placed, c.declined_by_person, c.no_suitable_bed, c.not_eligible, c.home_municipality_unknown]
}

/// The outcomes' CSS classes in the order of [`counts`] after the total.
const OUTCOME_CLASSES: [&str; 5] = ["seg-placed", "seg-declined", "seg-breach", "seg-not-eligible", "seg-unknown"];

fn count_columns(r: &ReportText) -> [&'static str; 6] {
    [r.col_requests, r.col_placed, r.col_declined, r.col_breaches, r.col_not_eligible, r.col_home_unknown]
}

fn district_name(code: &str, r: &ReportText) -> String {
    if code == UNKNOWN_DISTRICT { r.unknown_district.to_owned() } else { code.to_owned() }
}

fn columns(first: &[&'static str], r: &ReportText) -> Vec<Column> {
    let names = first.iter().map(|name| Column { name, numeric: false });
    names.chain(count_columns(r).into_iter().map(|name| Column { name, numeric: true })).collect()
}

/// Rows of (night, district, counts…) from one of the per-night maps.
fn night_rows(
    nights: &[GuaranteeNight],
    by: impl Fn(&GuaranteeNight) -> &BTreeMap<String, GuaranteeCounts>,
    r: &ReportText,
) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for night in nights {
        for (district, c) in by(night) {
            let mut row = vec![night.night.to_string(), district_name(district, r)];
            row.extend(counts(c).map(figure));
            rows.push(row);
        }
    }
    rows
}

fn guarantee_shown(nights: &[GuaranteeNight], range: NightRange, page: &SignedIn) -> Shown {
    let r = page.lang.text.reports();
    let (from, to) = (range.from.to_string(), range.to.to_string());
    let href = |part| csv_href(GUARANTEE_PATH, &[("from", &from), ("to", &to)], part, page);
    // The whole period per responsible district: what the chart draws.
    let mut totals: BTreeMap<&str, [i64; 6]> = BTreeMap::new();
    for night in nights {
        for (district, c) in &night.districts {
            let sum = totals.entry(district).or_default();
            for (s, n) in sum.iter_mut().zip(counts(c)) {
                *s += n;
            }
        }
    }
    let summary_rows = totals
        .iter()
        .map(|(district, c)| std::iter::once(district_name(district, r)).chain(c.map(figure)).collect())
        .collect();
    let names = count_columns(r);
    let said: Vec<String> = totals
        .iter()
        .map(|(district, c)| {
            let outcomes: Vec<String> = names[1..]
                .iter()
                .zip(&c[1..])
                .filter(|(_, n)| **n > 0)
                .map(|(name, n)| format!("{name} {n}"))
                .collect();
            format!("{} {} ({})", district_name(district, r), c[0], outcomes.join(", "))
        })
        .collect();
    let groups = totals
        .iter()
        .map(|(district, c)| Group {
            label: district_name(district, r),
            bars: vec![Bar {
                parts: OUTCOME_CLASSES.iter().zip(&c[1..]).map(|(class, n)| (*class, *n as f64)).collect(),
                text: figure(c[0]),
            }],
        })
        .collect();
    let legend = OUTCOME_CLASSES.iter().copied().zip(names[1..].iter().copied()).collect();
    let chart = (!totals.is_empty()).then(|| {
        let summary = format!("{}, {from}–{to}: {}.", r.guarantee_chart, said.join("; "));
        BarChart::new(summary, groups, 0.0, legend)
    });
    let tables = vec![
        ReportTable {
            id: "nights",
            title: r.guarantee_by_night,
            columns: columns(&[r.col_night, r.col_responsible_district], r),
            rows: night_rows(nights, |n| &n.districts, r),
            empty: r.no_requests,
            csv: href("nights"),
            file: r.file_names[0],
        },
        ReportTable {
            id: "locations",
            title: r.guarantee_by_location,
            columns: columns(&[r.col_night, r.col_location_district], r),
            rows: night_rows(nights, |n| &n.location_districts, r),
            empty: r.no_requests,
            csv: href("locations"),
            file: r.file_names[1],
        },
        ReportTable {
            id: "districts",
            title: r.guarantee_by_district,
            columns: columns(&[r.col_responsible_district], r),
            rows: summary_rows,
            empty: r.no_requests,
            csv: href("districts"),
            file: r.file_names[2],
        },
    ];
    Shown { period: format!("{from} – {to}"), chart_title: r.guarantee_chart, chart, tables }
}

/// The guarantee report: the form, the chart per responsible district and the tables.
pub async fn guarantee(page: SignedIn, query: Result<Query<NightsQuery>, QueryRejection>) -> PageResult {
    let work = page.work(READ_SHELTER_REPORTS)?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let r = page.lang.text.reports();
    let (fields, range) = nights_fields(&query, &page, r);
    let shown = match range {
        Ok(range) => {
            let nights = work.run(async |w| guarantee_report(w, range).await).await.on(&page)?;
            Ok(guarantee_shown(&nights, range, &page))
        }
        Err(invalid) => Err(invalid),
    };
    Ok(report_page(&page, [r.guarantee_title, r.guarantee_intro], GUARANTEE_PATH, fields, shown))
}

/// A table of the guarantee report as CSV.
pub async fn guarantee_csv(page: SignedIn, query: Result<Query<NightsQuery>, QueryRejection>) -> PageResult {
    let work = page.work(READ_SHELTER_REPORTS)?;
    let query = query.map_err(|e| ApiError::invalid("query", e.body_text())).on(&page)?.0;
    let r = page.lang.text.reports();
    let (_, range) = nights_fields(&query, &page, r);
    let range = range.map_err(|invalid| ApiError::invalid(invalid.field, invalid.message)).on(&page)?;
    let nights = work.run(async |w| guarantee_report(w, range).await).await.on(&page)?;
    let tables = guarantee_shown(&nights, range, &page).tables;
    csv_download(&page, tables, query.part.as_deref(), &format!("{}_{}", range.from, range.to))
}

#[derive(Debug, Default, Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

fn month_fields(query: &MonthQuery, r: &'static ReportText) -> (Vec<Field>, Result<ReportMonth, Invalid>) {
    let value = query.month.clone().unwrap_or_else(|| today().strftime("%Y-%m").to_string());
    let month = ReportMonth::parse(&value).map_err(|_| Invalid { field: "month", message: r.month_format });
    (vec![Field::new("month", r.month, "month", value)], month)
}

/// Occupancy as the tables write it: per cent with one decimal, in the page's language.
fn per_cent(occupancy: f64, lang_code: &str) -> String {
    let text = format!("{:.1}", occupancy * 100.0);
    if lang_code == "sv" { text.replace('.', ",") } else { text }
}

fn occupancy_shown(report: &OccupancyReport, page: &SignedIn) -> Shown {
    let r = page.lang.text.reports();
    let code = page.lang.text.code;
    let shown_occupancy = |o: Option<f64>| o.map_or_else(|| r.no_capacity.to_owned(), |o| per_cent(o, code));
    let rows = report
        .shelters
        .iter()
        .map(|s| {
            vec![s.name.clone(), figure(s.capacity_bed_nights), figure(s.used_bed_nights), shown_occupancy(s.occupancy)]
        })
        .collect();
    let groups = report
        .shelters
        .iter()
        .map(|s| Group {
            label: s.name.clone(),
            bars: vec![Bar {
                parts: vec![("seg-occupancy", s.occupancy.unwrap_or(0.0) * 100.0)],
                text: s.occupancy.map_or_else(|| r.no_capacity.to_owned(), |o| format!("{} %", per_cent(o, code))),
            }],
        })
        .collect();
    let said: Vec<String> =
        report.shelters.iter().map(|s| format!("{} {} %", s.name, shown_occupancy(s.occupancy))).collect();
    let chart = (!report.shelters.is_empty()).then(|| {
        let summary = format!("{}, {}: {}.", r.occupancy_chart, report.month, said.join("; "));
        BarChart::new(summary, groups, 100.0, Vec::new())
    });
    let table = ReportTable {
        id: "shelters",
        title: r.occupancy_table,
        columns: vec![
            Column { name: r.col_shelter, numeric: false },
            Column { name: r.col_capacity, numeric: true },
            Column { name: r.col_used, numeric: true },
            Column { name: r.col_occupancy, numeric: true },
        ],
        rows,
        empty: r.no_shelters,
        csv: csv_href(OCCUPANCY_PATH, &[("month", &report.month)], "shelters", page),
        file: r.file_names[3],
    };
    Shown { period: report.month.clone(), chart_title: r.occupancy_chart, chart, tables: vec![table] }
}

/// Occupancy per shelter over a month.
pub async fn occupancy(page: SignedIn, query: Result<Query<MonthQuery>, QueryRejection>) -> PageResult {
    let work = page.work(READ_SHELTER_REPORTS)?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let r = page.lang.text.reports();
    let (fields, month) = month_fields(&query, r);
    let shown = match month {
        Ok(month) => {
            let report = work.run(async |w| occupancy_report(w, &month).await).await.on(&page)?;
            Ok(occupancy_shown(&report, &page))
        }
        Err(invalid) => Err(invalid),
    };
    Ok(report_page(&page, [r.occupancy_title, r.occupancy_intro], OCCUPANCY_PATH, fields, shown))
}

pub async fn occupancy_csv(page: SignedIn, query: Result<Query<MonthQuery>, QueryRejection>) -> PageResult {
    let work = page.work(READ_SHELTER_REPORTS)?;
    let query = query.map_err(|e| ApiError::invalid("query", e.body_text())).on(&page)?.0;
    let r = page.lang.text.reports();
    let (_, month) = month_fields(&query, r);
    let month = month.map_err(|invalid| ApiError::invalid(invalid.field, invalid.message)).on(&page)?;
    let report = work.run(async |w| occupancy_report(w, &month).await).await.on(&page)?;
    csv_download(&page, occupancy_shown(&report, &page).tables, None, &month.label)
}
