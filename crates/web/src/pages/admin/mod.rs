//! The admin's pages (role admin, its own municipality; in the admin's menu): the districts with a
//! GeoJSON import, the shelters (create, change beds and rules) and staff access (one-time sign-in
//! links, open sessions). Each runs the domain crates' functions the API runs, in the same unit of
//! work, so the role check, validation and audit are the API's. Forms are plain HTML forms: a refused
//! one is shown again with what to fix, a saved one redirects (303) to the list.

mod access;
mod districts;
mod shelters;
mod tokens;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub use access::{access, end_session, make_link};
pub use districts::{UPLOAD_LIMIT_BYTES, districts, import_districts};
pub use shelters::{create_shelter, edit_shelter, new_shelter, shelters, update_shelter};
pub use tokens::{make_token, revoke_token};

use super::page::{CsrfField, SignedIn};
use super::render;

pub const DISTRICTS_PATH: &str = "/admin/districts";
pub const SHELTERS_PATH: &str = "/admin/shelters";
pub const ACCESS_PATH: &str = "/admin/access";

/// A form's fields as name and value pairs, for forms that repeat a name (lists of checkboxes).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct Pairs(Vec<(String, String)>);

impl Pairs {
    /// The first value of a field, trimmed.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim())
    }

    /// Every non-empty value of a field.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.0.iter().filter(move |(n, v)| n == name && !v.trim().is_empty()).map(|(_, v)| v.trim())
    }
}

impl CsrfField for Pairs {
    fn csrf(&self) -> Option<&str> {
        self.get("csrf")
    }
}

/// After a form was saved: back to `path`, so a reload does not send it again.
fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// A page shown with `status` (a refused form: its error's status).
fn render_with(page: &SignedIn, template: &impl Template, status: StatusCode) -> Response {
    render(template, page.lang, status)
}
