//! The report pages of the auditor, the admin and the other roles the API lets read a report: each
//! report as tables and a chart for a period chosen in a small form, and each table as a CSV file
//! (`/reports/<name>.csv`, the same cells). They run the domain crates' report functions in a unit of
//! work for the roles the API names: the same scope, counts-only rules and audit as the API.

mod chart;
pub mod equity;
pub mod people;
pub mod shelters;

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hemvist_platform::ApiError;
use hemvist_platform::auth::Role;
use jiff::civil::Date;

use self::chart::BarChart;
use super::page::SignedIn;
use super::{Layout, OnPage, PageResult, render};
use crate::i18n::{ReportText, Text};

pub const REPORTS_PATH: &str = "/reports";

/// The roles that may read at least one report: the index is theirs.
pub fn reads_reports(role: Role) -> bool {
    available(role).next().is_some()
}

/// A report's title and intro in a language.
type Titles = fn(&Text) -> [&'static str; 2];

/// The reports a role may read (the roles each domain crate names for its reports): path and titles.
fn available(role: Role) -> impl Iterator<Item = (&'static str, Titles)> {
    let shelter_reports = hemvist_shelter_beds::READ_SHELTER_REPORTS.contains(&role);
    let people_reports = hemvist_tenants::api::reports::READ_REPORTS.contains(&role);
    let equity_reports = hemvist_equity::READ_EQUITY_REPORTS.contains(&role);
    // Listed for those who read the equity reports too; a support worker opens the page by its link.
    let deviations = equity_reports && hemvist_equity::deviations::http::READ_DEVIATIONS.contains(&role);
    let all: [(&'static str, bool, Titles); 8] = [
        (shelters::GUARANTEE_PATH, shelter_reports, |t| [t.reports().guarantee_title, t.reports().guarantee_intro]),
        (shelters::OCCUPANCY_PATH, shelter_reports, |t| [t.reports().occupancy_title, t.reports().occupancy_intro]),
        (people::IVO_PATH, people_reports, |t| [t.reports().ivo_title, t.reports().ivo_intro]),
        (people::SITUATIONS_PATH, people_reports, |t| [t.reports().situations_title, t.reports().situations_intro]),
        (equity::EQUITY_PATH, equity_reports, |t| [t.equity().equity_title, t.equity().equity_intro]),
        (equity::CONTINUITY_PATH, equity_reports, |t| [t.equity().continuity_title, t.equity().continuity_intro]),
        (equity::VACANCY_PATH, equity_reports, |t| [t.equity().vacancy_title, t.equity().vacancy_intro]),
        (equity::DEVIATIONS_PATH, deviations, |t| [t.equity().deviations_title, t.equity().deviations_intro]),
    ];
    all.into_iter().filter(|(_, allowed, _)| *allowed).map(|(path, _, text)| (path, text))
}

#[derive(Template)]
#[template(path = "reports.html")]
struct IndexPage {
    layout: Layout,
    r: &'static ReportText,
    reports: Vec<(&'static str, &'static str, &'static str)>,
}

pub async fn index(page: SignedIn) -> PageResult {
    let role = page.session.principal.role;
    if !reads_reports(role) {
        return Err(ApiError::forbidden("the reports")).on(&page);
    }
    let r = page.lang.text.reports();
    let reports = available(role)
        .map(|(path, text)| {
            let [title, intro] = text(page.lang.text);
            (path, title, intro)
        })
        .collect();
    Ok(page.render(&IndexPage { layout: page.layout(r.index_title), r, reports }))
}

/// A column of a report table.
pub struct Column {
    pub name: &'static str,
    /// Figures, aligned right.
    pub numeric: bool,
}

/// One table of a report as shown on the page and as its CSV file: the same header and cells.
pub struct ReportTable {
    pub id: &'static str,
    pub title: &'static str,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    /// Shown instead of an empty table.
    pub empty: &'static str,
    /// Where its CSV file is.
    pub csv: String,
    /// The file name's word for it (see `ReportText::file_names`).
    pub file: &'static str,
}

impl ReportTable {
    /// The table as RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they must be.
    fn to_csv(&self) -> Result<Vec<u8>, ApiError> {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
        writer.write_record(self.columns.iter().map(|c| c.name)).map_err(ApiError::internal)?;
        for row in &self.rows {
            writer.write_record(row).map_err(ApiError::internal)?;
        }
        writer.into_inner().map_err(ApiError::internal)
    }
}

/// A period field of a report's form.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    /// The input's type: date, month or text.
    pub kind: &'static str,
    pub value: String,
    pub hint: Option<&'static str>,
    pub required: bool,
    pub invalid: bool,
}

impl Field {
    fn new(name: &'static str, label: &'static str, kind: &'static str, value: String) -> Self {
        Field { name, label, kind, value, hint: None, required: true, invalid: false }
    }
}

/// A field the period was rejected for, and what to write instead.
pub struct Invalid {
    pub field: &'static str,
    pub message: &'static str,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    layout: Layout,
    r: &'static ReportText,
    intro: &'static str,
    action: &'static str,
    fields: Vec<Field>,
    error: Option<&'static str>,
    period: Option<String>,
    chart_title: &'static str,
    chart: Option<BarChart>,
    tables: Vec<ReportTable>,
}

/// What a report page shows once its period is valid.
pub struct Shown {
    pub period: String,
    pub chart_title: &'static str,
    pub chart: Option<BarChart>,
    pub tables: Vec<ReportTable>,
}

/// The report page: the form, then the chart and the tables, or (422) the form with what to fix.
fn report_page(
    page: &SignedIn,
    [title, intro]: [&'static str; 2],
    action: &'static str,
    mut fields: Vec<Field>,
    shown: Result<Shown, Invalid>,
) -> Response {
    let r = page.lang.text.reports();
    let layout = page.layout(title);
    match shown {
        Ok(shown) => page.render(&ReportPage {
            layout,
            r,
            intro,
            action,
            fields,
            error: None,
            period: Some(shown.period),
            chart_title: shown.chart_title,
            chart: shown.chart,
            tables: shown.tables,
        }),
        Err(invalid) => {
            for field in fields.iter_mut().filter(|f| f.name == invalid.field) {
                field.invalid = true;
            }
            let page_view = ReportPage {
                layout,
                r,
                intro,
                action,
                fields,
                error: Some(invalid.message),
                period: None,
                chart_title: "",
                chart: None,
                tables: Vec::new(),
            };
            render(&page_view, page.lang, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// The table `part` (or the first) of a report as a CSV download named after the table and `period`.
fn csv_download(page: &SignedIn, tables: Vec<ReportTable>, part: Option<&str>, period: &str) -> PageResult {
    let table = match part {
        None => tables.into_iter().next(),
        Some(part) => tables.into_iter().find(|t| t.id == part),
    };
    let table = table.ok_or(ApiError::invalid("part", "no such table in this report")).on(page)?;
    let body = table.to_csv().on(page)?;
    let name = file_name(&["hemvist", table.file, period]);
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{name}.csv\"")).map_err(ApiError::internal).on(page)?;
    let content_type = HeaderValue::from_static("text/csv; charset=utf-8");
    Ok(([(header::CONTENT_TYPE, content_type), (header::CONTENT_DISPOSITION, disposition)], body).into_response())
}

/// The page's query string for a table's CSV file, in the page's language.
fn csv_href(path: &str, query: &[(&str, &str)], part: &str, page: &SignedIn) -> String {
    let mut pairs: Vec<String> =
        query.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", encode(v))).collect();
    pairs.push(format!("part={part}"));
    pairs.push(format!("lang={}", page.lang.text.code));
    format!("{path}.csv?{}", pairs.join("&"))
}

/// Percent-encodes a query value (what a form would send).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Only what is safe in a file name: letters, digits, `-` and `_` of ASCII.
fn file_name(parts: &[&str]) -> String {
    let joined = parts.iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join("-");
    joined.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).collect()
}

/// A date of the form (what the API's date parameters accept), or `default` when not given.
fn date_field(raw: Option<&str>, default: Date, field: &'static str, r: &ReportText) -> Result<Date, Invalid> {
    match raw {
        None => Ok(default),
        Some(raw) => raw.parse().map_err(|_| Invalid { field, message: r.date_format }),
    }
}

/// A count as the tables write it.
fn figure(n: impl std::fmt::Display) -> String {
    n.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_is_rfc_4180() {
        let table = ReportTable {
            id: "t",
            title: "",
            columns: vec![Column { name: "Boende", numeric: false }, Column { name: "Beläggning (%)", numeric: true }],
            rows: vec![vec!["Härbärge \"Ljuset\", Järva".into(), "66,7".into()], vec!["Enkelt".into(), "50".into()]],
            empty: "",
            csv: String::new(),
            file: "t",
        };
        let csv = String::from_utf8(table.to_csv().unwrap_or_default()).unwrap_or_default();
        assert_eq!(csv, "Boende,Beläggning (%)\r\n\"Härbärge \"\"Ljuset\"\", Järva\",\"66,7\"\r\nEnkelt,50\r\n");
    }

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(file_name(&["hemvist", "ivo", "2026-Q3", "../x y"]), "hemvist-ivo-2026-Q3-xy");
        assert_eq!(encode("2026-Q3"), "2026-Q3");
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }
}
