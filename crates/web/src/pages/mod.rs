//! The pages: each handler extracts a [`page::SignedIn`] (or, for a POST form, a [`page::SignedForm`]
//! whose CSRF token was checked), parses its input, runs the domain function in a unit of work for
//! the roles the domain crate names and renders a template. Errors become a page (or, for htmx, a
//! message in the page's message area), never a stack trace.

pub mod admin;
pub mod home;
pub mod housing;
pub mod login;
pub mod maps;
pub mod night;
pub mod page;
pub mod reports;
pub mod shelter;
pub mod sso;
pub mod support;

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use hemvist_platform::ApiError;

use crate::i18n::{LANG_COOKIE, Lang, Text, error_detail};
use crate::sessions::Session;

/// What the layout around every page needs.
pub struct Layout {
    pub t: &'static Text,
    pub title: &'static str,
    /// The signed-in role's name and the session's CSRF token.
    pub signed_in: Option<(&'static str, String)>,
    /// The pages of the signed-in role: path and name.
    pub nav: Vec<(&'static str, &'static str)>,
}

impl Layout {
    pub fn new(lang: Lang, title: &'static str, session: Option<&Session>) -> Self {
        let signed_in = session.map(|s| (lang.text.role(s.principal.role), s.csrf.clone()));
        let nav = session.map(|s| role_pages(s.principal.role, lang.text)).unwrap_or_default();
        Layout { t: lang.text, title, signed_in, nav }
    }

    pub fn csrf(&self) -> &str {
        self.signed_in.as_ref().map_or("", |(_, csrf)| csrf)
    }
}

/// The pages a role has in the menu.
fn role_pages(role: hemvist_platform::auth::Role, t: &'static Text) -> Vec<(&'static str, &'static str)> {
    use hemvist_platform::auth::Role;
    let mut pages = match role {
        Role::Admin => {
            let a = t.admin();
            vec![
                (housing::HOUSING_PATH, t.housing_nav),
                (admin::DISTRICTS_PATH, a.districts_nav),
                (admin::SHELTERS_PATH, a.shelters_nav),
                (admin::ACCESS_PATH, a.access_nav),
            ]
        }
        Role::HousingOfficer => vec![(housing::HOUSING_PATH, t.housing_nav)],
        Role::SupportWorker => vec![(support::SUPPORT_PATH, t.support_nav)],
        _ => Vec::new(),
    };
    // The auditor, the admin and every other role that may read a report (the domain crates name them).
    if reports::reads_reports(role) {
        pages.push((reports::REPORTS_PATH, t.reports().nav));
    }
    pages
}

/// Whether the request came from htmx (and wants a fragment back).
pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

/// Renders a template as a page, remembering a language chosen with `?lang=`.
pub fn render(template: &impl Template, lang: Lang, status: StatusCode) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            if lang.chosen
                && let Ok(cookie) = HeaderValue::from_str(&format!(
                    "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Strict",
                    lang.text.code
                ))
            {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(error) => {
            tracing::error!(%error, "rendering a page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Html(lang.text.error_internal)).into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    message: &'static str,
    detail: Option<String>,
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message {
    message: &'static str,
    detail: Option<String>,
}

/// An error on a page: shown in the page's language.
pub struct PageError {
    pub error: ApiError,
    pub lang: Lang,
    pub htmx: bool,
}

pub type PageResult = Result<Response, PageError>;

/// Attaches the page's language and kind to an error.
pub trait OnPage<T> {
    fn on_page(self, lang: Lang, headers: &HeaderMap) -> Result<T, PageError>;

    /// The same, for a [`page::Page`].
    fn on(self, page: &page::Page) -> Result<T, PageError>
    where
        Self: Sized,
    {
        self.on_page(page.lang, &page.headers)
    }
}

impl<T> OnPage<T> for Result<T, ApiError> {
    fn on_page(self, lang: Lang, headers: &HeaderMap) -> Result<T, PageError> {
        self.map_err(|error| PageError { error, lang, htmx: is_htmx(headers) })
    }
}

/// An error as a page shows it: a headline for its kind and what to fix, in the page's language.
pub struct ErrorView {
    pub message: &'static str,
    pub detail: Option<String>,
}

impl ErrorView {
    pub fn of(error: &ApiError, lang: Lang) -> Self {
        let t = lang.text;
        let message = match error {
            ApiError::Unauthenticated => t.error_sign_in,
            ApiError::Forbidden(_) => t.error_forbidden,
            ApiError::NotFound(_) | ApiError::MethodNotAllowed(_) => t.error_not_found,
            ApiError::Conflict { .. } | ApiError::PreconditionFailed => t.error_conflict,
            ApiError::Unavailable(_) => t.error_unavailable,
            ApiError::Internal(_) => t.error_internal,
            _ => t.error_invalid,
        };
        // Causes of 5xx are logged, never shown; 4xx details say what to fix.
        if error.status().is_server_error() {
            tracing::error!(?error, "page failed");
        }
        ErrorView { message, detail: error_detail(error, lang) }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let t = self.lang.text;
        let status = self.error.status();
        let ErrorView { message, detail } = ErrorView::of(&self.error, self.lang);
        if self.htmx {
            let mut response = render(&Message { message, detail }, self.lang, status);
            let headers = response.headers_mut();
            headers.insert("hx-retarget", HeaderValue::from_static("#messages"));
            headers.insert("hx-reswap", HeaderValue::from_static("innerHTML"));
            return response;
        }
        let layout = Layout { t, title: t.error_title, signed_in: None, nav: Vec::new() };
        render(&ErrorPage { layout, message, detail }, self.lang, status)
    }
}

/// Formats a moment as the local time of day in Stockholm.
pub fn local_time(at: jiff::Timestamp) -> String {
    at.to_zoned(hemvist_platform::night::city_time_zone()).strftime("%H:%M").to_string()
}

/// Formats a moment as a date and time of day in Stockholm.
pub fn local_date_time(at: jiff::Timestamp) -> String {
    at.to_zoned(hemvist_platform::night::city_time_zone()).strftime("%Y-%m-%d %H:%M").to_string()
}
