//! The admin's districts: the municipality's district versions, and an import of a GeoJSON file
//! (multipart upload) through the geo crate's import, which creates each district as the API's
//! `create_district` does, all in one unit of work or none.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use hemvist_geo::{MANAGE_DISTRICTS, NewDistrict, all_districts, parse_district_file};
use hemvist_platform::ApiError;
use hemvist_platform::night::today;
use jiff::civil::Date;
use serde::Deserialize;

use super::{DISTRICTS_PATH, render_with, see_other};
use crate::i18n::AdminText;
use crate::pages::page::{SignedIn, SignedUpload, Upload};
use crate::pages::{ErrorView, Layout, OnPage, PageResult};

/// How large an uploaded GeoJSON file may be (detailed boundaries are larger than a form).
pub const UPLOAD_LIMIT_BYTES: usize = 20 * 1024 * 1024;

pub struct DistrictRow {
    pub code: String,
    pub name: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_districts.html")]
struct DistrictsPage {
    layout: Layout,
    a: &'static AdminText,
    districts: Vec<DistrictRow>,
    valid_from: String,
    error: Option<ErrorView>,
    imported: Option<usize>,
}

#[derive(Debug, Deserialize)]
pub struct DistrictsQuery {
    imported: Option<usize>,
}

pub async fn districts(Query(query): Query<DistrictsQuery>, page: SignedIn) -> PageResult {
    show(&page, query.imported, None, StatusCode::OK).await
}

async fn show(page: &SignedIn, imported: Option<usize>, error: Option<ErrorView>, status: StatusCode) -> PageResult {
    let districts = page.run(MANAGE_DISTRICTS, async |w| all_districts(w).await).await?;
    let a = page.lang.text.admin();
    let rows = districts
        .into_iter()
        .map(|d| DistrictRow {
            code: d.code,
            name: d.name,
            valid_from: d.valid_from.to_string(),
            valid_to: d.valid_to.map(|to| to.to_string()),
        })
        .collect();
    let view = DistrictsPage {
        layout: page.layout(a.districts_title),
        a,
        districts: rows,
        valid_from: today().to_string(),
        error,
        imported,
    };
    Ok(render_with(page, &view, status))
}

/// The file's districts, valid from the form's date.
fn parse_upload(upload: &Upload) -> Result<Vec<NewDistrict>, ApiError> {
    let valid_from = upload
        .field("valid_from")
        .and_then(|raw| raw.trim().parse::<Date>().ok())
        .ok_or_else(|| ApiError::invalid("valid_from", "must be a date (YYYY-MM-DD)"))?;
    let file = upload.file("file").ok_or_else(|| ApiError::invalid("file", "no file was chosen"))?;
    parse_district_file(file, valid_from)
}

pub async fn import_districts(SignedUpload(page, upload): SignedUpload) -> PageResult {
    // The role is checked before the file is read.
    let work = page.work(MANAGE_DISTRICTS)?;
    let imported = match parse_upload(&upload) {
        Ok(districts) => work.run(async |w| hemvist_geo::import_districts(w, &districts).await).await,
        Err(error) => Err(error),
    };
    match imported {
        Ok(created) => Ok(see_other(&format!("{DISTRICTS_PATH}?imported={}", created.len()))),
        Err(error) if error.status().is_client_error() => {
            let status = error.status();
            show(&page, None, Some(ErrorView::of(&error, page.lang)), status).await
        }
        Err(error) => Err(error).on(&page),
    }
}
