//! The equal-treatment pages (issue 14): the district equity report, caseworker continuity, empty homes
//! while people wait, and deviations (lex Sarah); each table also as CSV. They run the equity crate's
//! functions in a unit of work for the roles the API names.

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use hemvist_equity::READ_EQUITY_REPORTS;
use hemvist_equity::continuity::{ContinuityReport, continuity_report};
use hemvist_equity::deviations::http::READ_DEVIATIONS;
use hemvist_equity::deviations::{DeviationView, list_deviations_for};
use hemvist_equity::equity::{EquityReport, equity_report};
use hemvist_equity::vacancy::http::MAX_APARTMENTS;
use hemvist_equity::vacancy::{VacancyReport, vacancy_report};
use hemvist_platform::ApiError;
use hemvist_platform::night::today;
use hemvist_platform::period::check_period;
use jiff::ToSpan;
use serde::Deserialize;

use super::{Column, Field, Invalid, ReportTable, Shown, csv_download, csv_href, date_field, figure, report_page};
use crate::i18n::EquityText;
use crate::pages::page::SignedIn;
use crate::pages::{OnPage, PageResult};

pub const EQUITY_PATH: &str = "/reports/equity";
pub const CONTINUITY_PATH: &str = "/reports/continuity";
pub const VACANCY_PATH: &str = "/reports/vacancy";
pub const DEVIATIONS_PATH: &str = "/reports/deviations";

#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
    part: Option<String>,
}

/// The period form: by default the last 90 days up to today.
fn period_fields(
    query: &PeriodQuery,
    page: &SignedIn,
) -> (Vec<Field>, Result<(jiff::civil::Date, jiff::civil::Date), Invalid>) {
    let (r, e) = (page.lang.text.reports(), page.lang.text.equity());
    let last = today();
    let first = last.checked_sub(89.days()).unwrap_or(last);
    let from = date_field(query.from.as_deref(), first, "from", r);
    let to = date_field(query.to.as_deref(), last, "to", r);
    let value = |raw: &Option<String>, parsed: &Result<jiff::civil::Date, Invalid>| {
        raw.clone().unwrap_or_else(|| parsed.as_ref().map(ToString::to_string).unwrap_or_default())
    };
    let fields = vec![
        Field::new("from", e.from, "date", value(&query.from, &from)),
        Field::new("to", e.to, "date", value(&query.to, &to)),
    ];
    let period = from.and_then(|from| {
        let to = to?;
        check_period(from, to, 366).map(|()| (from, to)).map_err(|_| Invalid { field: "to", message: e.period_format })
    });
    (fields, period)
}

/// A figure with up to two decimals in the page's language; empty when not given.
fn decimal(value: Option<f64>, page: &SignedIn) -> String {
    let Some(value) = value else { return String::new() };
    let text = format!("{value:.2}");
    let text = text.strip_suffix(".00").map(str::to_owned).unwrap_or(text);
    if page.lang.text.code == "sv" { text.replace('.', ",") } else { text }
}

fn columns(names: &[(&'static str, bool)]) -> Vec<Column> {
    names.iter().map(|(name, numeric)| Column { name, numeric: *numeric }).collect()
}

fn equity_shown(report: &EquityReport, page: &SignedIn) -> Shown {
    let e: &EquityText = page.lang.text.equity();
    let (from, to) = (report.from.to_string(), report.to.to_string());
    let rows = report
        .cells
        .iter()
        .map(|c| {
            vec![
                c.district_code.clone(),
                e.metric(c.metric).to_owned(),
                e.group(c.group).to_owned(),
                c.n.map(figure).unwrap_or_default(),
                c.count.map(figure).unwrap_or_default(),
                decimal(c.value, page),
                decimal(c.p90, page),
                decimal(c.city_value, page),
                decimal(c.city_p90, page),
                e.comparison(c.comparison).to_owned(),
                c.p_value.map(|p| format!("{p:.4}")).unwrap_or_default(),
            ]
        })
        .collect();
    let table = ReportTable {
        id: "districts",
        title: e.equity_table,
        columns: columns(&[
            (e.col_district, false),
            (e.col_metric, false),
            (e.col_group, false),
            (e.col_n, true),
            (e.col_count, true),
            (e.col_value, true),
            (e.col_p90, true),
            (e.col_city_value, true),
            (e.col_city_p90, true),
            (e.col_comparison, false),
            (e.col_p_value, true),
        ]),
        rows,
        empty: e.no_cells,
        csv: csv_href(EQUITY_PATH, &[("from", &from), ("to", &to)], "districts", page),
        file: "likvardighet",
    };
    Shown { period: format!("{from} – {to}"), chart_title: "", chart: None, tables: vec![table] }
}

/// The district equity report for a period.
pub async fn equity(page: SignedIn, query: Result<Query<PeriodQuery>, QueryRejection>) -> PageResult {
    let work = page.work(READ_EQUITY_REPORTS)?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let e = page.lang.text.equity();
    let (fields, period) = period_fields(&query, &page);
    let shown = match period {
        Ok((from, to)) => {
            let report = work.run(async |w| equity_report(w, from, to).await).await.on(&page)?;
            Ok(equity_shown(&report, &page))
        }
        Err(invalid) => Err(invalid),
    };
    Ok(report_page(&page, [e.equity_title, e.equity_intro], EQUITY_PATH, fields, shown))
}

pub async fn equity_csv(page: SignedIn, query: Result<Query<PeriodQuery>, QueryRejection>) -> PageResult {
    let work = page.work(READ_EQUITY_REPORTS)?;
    let query = query.map_err(|e| ApiError::invalid("query", e.body_text())).on(&page)?.0;
    let (_, period) = period_fields(&query, &page);
    let (from, to) = period.map_err(|invalid| ApiError::invalid(invalid.field, invalid.message)).on(&page)?;
    let report = work.run(async |w| equity_report(w, from, to).await).await.on(&page)?;
    csv_download(&page, equity_shown(&report, &page).tables, query.part.as_deref(), &format!("{from}_{to}"))
}

fn continuity_shown(report: &ContinuityReport, page: &SignedIn) -> Shown {
    let e = page.lang.text.equity();
    let href = |part| csv_href(CONTINUITY_PATH, &[], part, page);
    let share = |s: Option<f64>| s.map(|s| decimal(Some(s * 100.0), page)).unwrap_or_default();
    let districts = ReportTable {
        id: "districts",
        title: e.continuity_districts,
        columns: columns(&[
            (e.col_district, false),
            (e.col_people, true),
            (e.col_kept_one, true),
            (e.col_share_kept, true),
        ]),
        rows: report
            .districts
            .iter()
            .map(|d| {
                vec![
                    d.district_code.clone(),
                    d.people.map(figure).unwrap_or_default(),
                    d.kept_one.map(figure).unwrap_or_default(),
                    share(d.share_kept),
                ]
            })
            .collect(),
        empty: e.nobody_changed,
        csv: href("districts"),
        file: "kontinuitet",
    };
    let people = ReportTable {
        id: "people",
        title: e.continuity_people,
        columns: columns(&[(e.col_person, false), (e.col_district, false), (e.col_changes, true)]),
        rows: report
            .people
            .iter()
            .map(|p| vec![p.person_id.to_string(), p.district_code.clone().unwrap_or_default(), figure(p.changes)])
            .collect(),
        empty: e.nobody_changed,
        csv: href("people"),
        file: "handlaggarbyten",
    };
    let protected = ReportTable {
        id: "protected",
        title: e.continuity_protected,
        columns: columns(&[(e.col_name, false), (e.col_district, false), (e.col_changes, true)]),
        rows: report
            .protected_changed
            .iter()
            .map(|p| {
                vec![
                    format!("{} {}", p.given_name, p.family_name),
                    p.district_code.clone().unwrap_or_default(),
                    figure(p.changes),
                ]
            })
            .collect(),
        empty: e.nobody_changed,
        csv: href("protected"),
        file: "skyddade-byten",
    };
    let period = format!("{} – {}", report.since.strftime("%Y-%m-%d"), report.until.strftime("%Y-%m-%d"));
    Shown { period, chart_title: "", chart: None, tables: vec![districts, people, protected] }
}

#[derive(Debug, Default, Deserialize)]
pub struct PartQuery {
    part: Option<String>,
}

/// Caseworker continuity over the last twelve months.
pub async fn continuity(page: SignedIn) -> PageResult {
    let work = page.work(READ_EQUITY_REPORTS)?;
    let e = page.lang.text.equity();
    let at = page.at;
    let report = work.run(async |w| continuity_report(w, at).await).await.on(&page)?;
    let shown = Ok(continuity_shown(&report, &page));
    Ok(report_page(&page, [e.continuity_title, e.continuity_intro], CONTINUITY_PATH, Vec::new(), shown))
}

pub async fn continuity_csv(page: SignedIn, query: Result<Query<PartQuery>, QueryRejection>) -> PageResult {
    let work = page.work(READ_EQUITY_REPORTS)?;
    let query = query.map_err(|e| ApiError::invalid("query", e.body_text())).on(&page)?.0;
    let at = page.at;
    let report = work.run(async |w| continuity_report(w, at).await).await.on(&page)?;
    csv_download(&page, continuity_shown(&report, &page).tables, query.part.as_deref(), &today().to_string())
}

fn vacancy_shown(report: &VacancyReport, page: &SignedIn) -> Shown {
    let e = page.lang.text.equity();
    let (from, to) = (report.from.to_string(), report.to.to_string());
    let href = |part| csv_href(VACANCY_PATH, &[("from", &from), ("to", &to)], part, page);
    let districts = ReportTable {
        id: "districts",
        title: e.vacancy_districts,
        columns: columns(&[
            (e.col_district, false),
            (e.col_vacant_apartment_days, true),
            (e.col_waiting_person_days, true),
            (e.col_days_with_both, true),
            (e.col_matchable_days, true),
        ]),
        rows: report
            .districts
            .iter()
            .map(|d| {
                vec![
                    d.district_code.clone(),
                    figure(d.vacant_apartment_days),
                    figure(d.waiting_person_days),
                    figure(d.days_with_both),
                    figure(d.matchable_days),
                ]
            })
            .collect(),
        empty: e.no_vacancy,
        csv: href("districts"),
        file: "tomma-hem",
    };
    let apartments = ReportTable {
        id: "apartments",
        title: e.vacancy_apartments,
        columns: columns(&[(e.col_address, false), (e.col_district, false), (e.col_vacant_days, true)]),
        rows: report
            .apartments
            .iter()
            .map(|a| vec![a.address.clone(), a.district_code.clone(), figure(a.vacant_days)])
            .collect(),
        empty: e.no_vacancy,
        csv: href("apartments"),
        file: "lediga-lagenheter",
    };
    Shown { period: format!("{from} – {to}"), chart_title: "", chart: None, tables: vec![districts, apartments] }
}

/// Empty homes while people wait, for a period.
pub async fn vacancy(page: SignedIn, query: Result<Query<PeriodQuery>, QueryRejection>) -> PageResult {
    let work = page.work(READ_EQUITY_REPORTS)?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let e = page.lang.text.equity();
    let (fields, period) = period_fields(&query, &page);
    let shown = match period {
        Ok((from, to)) => {
            let report = work.run(async |w| vacancy_report(w, from, to, MAX_APARTMENTS).await).await.on(&page)?;
            Ok(vacancy_shown(&report, &page))
        }
        Err(invalid) => Err(invalid),
    };
    Ok(report_page(&page, [e.vacancy_title, e.vacancy_intro], VACANCY_PATH, fields, shown))
}

pub async fn vacancy_csv(page: SignedIn, query: Result<Query<PeriodQuery>, QueryRejection>) -> PageResult {
    let work = page.work(READ_EQUITY_REPORTS)?;
    let query = query.map_err(|e| ApiError::invalid("query", e.body_text())).on(&page)?.0;
    let (_, period) = period_fields(&query, &page);
    let (from, to) = period.map_err(|invalid| ApiError::invalid(invalid.field, invalid.message)).on(&page)?;
    let report = work.run(async |w| vacancy_report(w, from, to, MAX_APARTMENTS).await).await.on(&page)?;
    csv_download(&page, vacancy_shown(&report, &page).tables, query.part.as_deref(), &format!("{from}_{to}"))
}

fn deviations_shown(list: &[DeviationView], page: &SignedIn) -> Shown {
    let e = page.lang.text.equity();
    let rows = list
        .iter()
        .map(|d| {
            let concerns = match (&d.person_id, &d.unit) {
                (Some(person), Some(unit)) => format!("{person}, {unit}"),
                (Some(person), None) => person.to_string(),
                (None, unit) => unit.clone().unwrap_or_default(),
            };
            vec![
                d.recorded_on.to_string(),
                d.occurred_on.to_string(),
                e.source(d.source).to_owned(),
                concerns,
                d.what_happened.clone(),
                e.state(d.state).to_owned(),
                d.assessment.map(|a| e.assessment(a)).unwrap_or_default().to_owned(),
                d.next_step.map(|s| e.step(s)).unwrap_or_default().to_owned(),
                d.due_on.map(|d| d.to_string()).unwrap_or_default(),
                if d.overdue { e.overdue.to_owned() } else { String::new() },
            ]
        })
        .collect();
    let table = ReportTable {
        id: "deviations",
        title: e.deviations_table,
        columns: columns(&[
            (e.col_recorded_on, false),
            (e.col_occurred_on, false),
            (e.col_source, false),
            (e.col_concerns, false),
            (e.col_what, false),
            (e.col_state, false),
            (e.col_assessment, false),
            (e.col_next_step, false),
            (e.col_due_on, false),
            (e.col_overdue, false),
        ]),
        rows,
        empty: e.no_deviations,
        csv: csv_href(DEVIATIONS_PATH, &[], "deviations", page),
        file: "avvikelser",
    };
    Shown { period: today().to_string(), chart_title: "", chart: None, tables: vec![table] }
}

/// The deviations the caller may see, with what is overdue.
pub async fn deviations(page: SignedIn) -> PageResult {
    let work = page.work(READ_DEVIATIONS)?;
    let e = page.lang.text.equity();
    let list = work.run(async |w| list_deviations_for(w, false).await).await.on(&page)?;
    let shown = Ok(deviations_shown(&list, &page));
    Ok(report_page(&page, [e.deviations_title, e.deviations_intro], DEVIATIONS_PATH, Vec::new(), shown))
}

pub async fn deviations_csv(page: SignedIn) -> PageResult {
    let work = page.work(READ_DEVIATIONS)?;
    let list = work.run(async |w| list_deviations_for(w, false).await).await.on(&page)?;
    csv_download(&page, deviations_shown(&list, &page).tables, None, &today().to_string())
}
