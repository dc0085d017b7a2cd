//! The tenants crate's reports: decisions not executed in time (IVO, quarterly) and the homelessness
//! situations on a date.

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use hemvist_platform::ApiError;
use hemvist_platform::night::today;
use hemvist_tenants::api::reports::{
    NonExecutedDecisionsReport, Quarter, READ_REPORTS, SituationCount, SituationsReport, non_executed_decisions_report,
    parse_quarter, situations_report,
};
use jiff::civil::Date;
use serde::Deserialize;

use super::chart::{Bar, BarChart, Group};
use super::{Column, Field, Invalid, ReportTable, Shown, csv_download, csv_href, date_field, figure, report_page};
use crate::i18n::{ReportText, Text};
use crate::pages::page::SignedIn;
use crate::pages::{OnPage, PageResult};

pub const IVO_PATH: &str = "/reports/non-executed-decisions";
pub const SITUATIONS_PATH: &str = "/reports/situations";

#[derive(Debug, Default, Deserialize)]
pub struct QuarterQuery {
    quarter: Option<String>,
    district: Option<String>,
    part: Option<String>,
}

/// The quarter before today's: the one whose report is due.
fn last_quarter(today: Date) -> Quarter {
    let this = u8::try_from((today.month() - 1) / 3 + 1).unwrap_or(1);
    if this == 1 {
        Quarter { year: today.year() - 1, number: 4 }
    } else {
        Quarter { year: today.year(), number: this - 1 }
    }
}

/// The form's quarter and district; an empty district means every district in the caller's scope.
fn quarter_fields(query: &QuarterQuery, r: &'static ReportText) -> (Vec<Field>, Result<Quarter, Invalid>) {
    let value = query.quarter.clone().unwrap_or_else(|| last_quarter(today()).to_string());
    let quarter = parse_quarter(&value).map_err(|_| Invalid { field: "quarter", message: r.quarter_format });
    let quarter_field = Field { hint: Some(r.quarter_hint), ..Field::new("quarter", r.quarter, "text", value) };
    let district = query.district.clone().unwrap_or_default();
    let district_field = Field {
        hint: Some(r.district_hint),
        required: false,
        ..Field::new("district", r.district_filter, "text", district)
    };
    (vec![quarter_field, district_field], quarter)
}

fn district_filter(query: &QuarterQuery) -> Option<String> {
    query.district.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned)
}

/// Women, men and unknown: the CSS classes of the chart's parts.
const SEX_CLASSES: [&str; 3] = ["seg-women", "seg-men", "seg-unknown-sex"];

fn ivo_shown(report: &NonExecutedDecisionsReport, page: &SignedIn) -> Shown {
    let t: &Text = page.lang.text;
    let r = t.reports();
    let district = report.district.clone().unwrap_or_default();
    let href = |part| csv_href(IVO_PATH, &[("quarter", &report.quarter), ("district", &district)], part, page);
    let council_rows = report
        .council_summary
        .iter()
        .map(|c| {
            vec![
                t.intervention(c.intervention).to_owned(),
                figure(c.women),
                figure(c.men),
                figure(c.unknown),
                figure(c.total),
            ]
        })
        .collect();
    let case_rows = report
        .cases
        .iter()
        .map(|c| {
            vec![
                c.decided_on.to_string(),
                t.intervention(c.intervention).to_owned(),
                r.sex(c.sex).to_owned(),
                c.district_code.clone().unwrap_or_default(),
                r.lateness(c.lateness).to_owned(),
                c.period_start.to_string(),
                c.deadline.to_string(),
                r.status(c.status).to_owned(),
                c.ended_on.map(|d| d.to_string()).unwrap_or_default(),
                c.closing_reason.clone().unwrap_or_default(),
                c.delay_reasons.clone().unwrap_or_default(),
                c.interim_help.clone().unwrap_or_default(),
                figure(c.offers.len()),
            ]
        })
        .collect();
    let groups = report
        .council_summary
        .iter()
        .map(|c| Group {
            label: t.intervention(c.intervention).to_owned(),
            bars: vec![Bar {
                parts: SEX_CLASSES.iter().copied().zip([c.women, c.men, c.unknown].map(f64::from)).collect(),
                text: figure(c.total),
            }],
        })
        .collect();
    let said: Vec<String> = report
        .council_summary
        .iter()
        .map(|c| {
            format!(
                "{} {} ({} {}, {} {}, {} {})",
                t.intervention(c.intervention),
                c.total,
                r.col_women,
                c.women,
                r.col_men,
                c.men,
                r.col_unknown_sex,
                c.unknown
            )
        })
        .collect();
    let legend = SEX_CLASSES.iter().copied().zip([r.col_women, r.col_men, r.col_unknown_sex]).collect();
    let chart = (!report.council_summary.is_empty()).then(|| {
        let summary = format!("{}, {}: {}.", r.ivo_chart, report.quarter, said.join("; "));
        BarChart::new(summary, groups, 0.0, legend)
    });
    let text_columns = |names: &[&'static str]| names.iter().map(|name| Column { name, numeric: false }).collect();
    let mut case_columns: Vec<Column> = text_columns(&[
        r.col_decided_on,
        r.col_intervention,
        r.col_sex,
        r.col_decision_district,
        r.col_lateness,
        r.col_period_start,
        r.col_deadline,
        r.col_status,
        r.col_ended_on,
        r.col_closing_reason,
        r.col_delay_reasons,
        r.col_interim_help,
    ]);
    case_columns.push(Column { name: r.col_offers, numeric: true });
    let mut council_columns: Vec<Column> = text_columns(&[r.col_intervention]);
    council_columns.extend(
        [r.col_women, r.col_men, r.col_unknown_sex, r.col_total].into_iter().map(|name| Column { name, numeric: true }),
    );
    let tables = vec![
        ReportTable {
            id: "cases",
            title: r.ivo_cases,
            columns: case_columns,
            rows: case_rows,
            empty: r.nothing_to_report,
            csv: href("cases"),
            file: r.file_names[4],
        },
        ReportTable {
            id: "council",
            title: r.ivo_council,
            columns: council_columns,
            rows: council_rows,
            empty: r.nothing_to_report,
            csv: href("council"),
            file: r.file_names[5],
        },
    ];
    let period = format!("{} ({} – {})", report.quarter, report.first_day, report.last_day);
    Shown { period, chart_title: r.ivo_chart, chart, tables }
}

/// The quarter's IVO report: the council's count as a chart and table, and the decisions to report.
pub async fn ivo(page: SignedIn, query: Result<Query<QuarterQuery>, QueryRejection>) -> PageResult {
    let work = page.work(READ_REPORTS)?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let r = page.lang.text.reports();
    let (fields, quarter) = quarter_fields(&query, r);
    let shown = match quarter {
        Ok(quarter) => {
            let district = district_filter(&query);
            let report =
                work.run(async |w| non_executed_decisions_report(w, quarter, district).await).await.on(&page)?;
            Ok(ivo_shown(&report, &page))
        }
        Err(invalid) => Err(invalid),
    };
    Ok(report_page(&page, [r.ivo_title, r.ivo_intro], IVO_PATH, fields, shown))
}

pub async fn ivo_csv(page: SignedIn, query: Result<Query<QuarterQuery>, QueryRejection>) -> PageResult {
    let work = page.work(READ_REPORTS)?;
    let query = query.map_err(|e| ApiError::invalid("query", e.body_text())).on(&page)?.0;
    let r = page.lang.text.reports();
    let (_, quarter) = quarter_fields(&query, r);
    let quarter = quarter.map_err(|invalid| ApiError::invalid(invalid.field, invalid.message)).on(&page)?;
    let district = district_filter(&query);
    let report =
        work.run(async |w| non_executed_decisions_report(w, quarter, district.clone()).await).await.on(&page)?;
    let period = district.map_or_else(|| quarter.to_string(), |district| format!("{quarter}-{district}"));
    csv_download(&page, ivo_shown(&report, &page).tables, query.part.as_deref(), &period)
}

#[derive(Debug, Default, Deserialize)]
pub struct DateQuery {
    date: Option<String>,
}

fn date_fields(query: &DateQuery, r: &'static ReportText) -> (Vec<Field>, Result<Date, Invalid>) {
    let date = date_field(query.date.as_deref(), today(), "date", r);
    let value = query.date.clone().unwrap_or_else(|| date.as_ref().map(ToString::to_string).unwrap_or_default());
    (vec![Field::new("date", r.date, "date", value)], date)
}

/// The two CSS classes of the classifications' bars: Socialstyrelsen's, Stockholm's.
const CLASSIFICATION_CLASSES: [&str; 2] = ["seg-national", "seg-stockholm"];

fn situations_shown(report: &SituationsReport, page: &SignedIn) -> Shown {
    let r = page.lang.text.reports();
    let classifications = [(r.national, &report.national), (r.stockholm, &report.stockholm)];
    let mut rows = Vec::new();
    for (name, counts) in classifications {
        for c in counts.iter() {
            rows.push(vec![
                name.to_owned(),
                r.situation(c.situation).to_owned(),
                figure(c.women),
                figure(c.men),
                figure(c.unknown),
                figure(c.total),
            ]);
        }
    }
    // Situation by situation, the two classifications side by side.
    let pairs: Vec<(&SituationCount, &SituationCount)> = report.national.iter().zip(&report.stockholm).collect();
    let groups = pairs
        .iter()
        .map(|(national, stockholm)| Group {
            label: r.situation(national.situation).to_owned(),
            bars: [national, stockholm]
                .iter()
                .zip(CLASSIFICATION_CLASSES)
                .map(|(c, class)| Bar { parts: vec![(class, f64::from(c.total))], text: figure(c.total) })
                .collect(),
        })
        .collect();
    let said: Vec<String> = pairs
        .iter()
        .map(|(n, s)| format!("{}: {} {}, {} {}", r.situation(n.situation), r.national, n.total, r.stockholm, s.total))
        .collect();
    let summary = format!("{}, {}: {}.", r.situations_chart, report.date, said.join("; "));
    let legend = CLASSIFICATION_CLASSES.iter().copied().zip([r.national, r.stockholm]).collect();
    let chart = Some(BarChart::new(summary, groups, 0.0, legend));
    let mut columns: Vec<Column> =
        [r.col_classification, r.col_situation].into_iter().map(|name| Column { name, numeric: false }).collect();
    columns.extend(
        [r.col_women, r.col_men, r.col_unknown_sex, r.col_total].into_iter().map(|name| Column { name, numeric: true }),
    );
    let date = report.date.to_string();
    let table = ReportTable {
        id: "situations",
        title: r.situations_table,
        columns,
        rows,
        empty: "",
        csv: csv_href(SITUATIONS_PATH, &[("date", &date)], "situations", page),
        file: r.file_names[6],
    };
    Shown { period: date, chart_title: r.situations_chart, chart, tables: vec![table] }
}

/// How many people were in each situation on a date, by both classifications.
pub async fn situations(page: SignedIn, query: Result<Query<DateQuery>, QueryRejection>) -> PageResult {
    let work = page.work(READ_REPORTS)?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let r = page.lang.text.reports();
    let (fields, date) = date_fields(&query, r);
    let shown = match date {
        Ok(date) => {
            let report = work.run(async |w| situations_report(w, date).await).await.on(&page)?;
            Ok(situations_shown(&report, &page))
        }
        Err(invalid) => Err(invalid),
    };
    Ok(report_page(&page, [r.situations_title, r.situations_intro], SITUATIONS_PATH, fields, shown))
}

pub async fn situations_csv(page: SignedIn, query: Result<Query<DateQuery>, QueryRejection>) -> PageResult {
    let work = page.work(READ_REPORTS)?;
    let query = query.map_err(|e| ApiError::invalid("query", e.body_text())).on(&page)?.0;
    let r = page.lang.text.reports();
    let (_, date) = date_fields(&query, r);
    let date = date.map_err(|invalid| ApiError::invalid(invalid.field, invalid.message)).on(&page)?;
    let report = work.run(async |w| situations_report(w, date).await).await.on(&page)?;
    csv_download(&page, situations_shown(&report, &page).tables, None, &date.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quarter_due_is_the_one_before_today() {
        assert_eq!(last_quarter(Date::constant(2026, 1, 15)).to_string(), "2025-Q4");
        assert_eq!(last_quarter(Date::constant(2026, 3, 31)).to_string(), "2025-Q4");
        assert_eq!(last_quarter(Date::constant(2026, 4, 1)).to_string(), "2026-Q1");
        assert_eq!(last_quarter(Date::constant(2026, 12, 31)).to_string(), "2026-Q3");
    }
}
