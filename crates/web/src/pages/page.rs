//! What every page handler starts from: the request as a page sees it ([`Page`]), the same with the
//! signed-in session ([`SignedIn`], a sign-in page when there is none) and a POST form whose CSRF token
//! was checked ([`SignedForm`], or [`SignedUpload`] for a file upload). Errors become [`PageError`]s in
//! the page's language.

use std::convert::Infallible;
use std::ops::Deref;

use askama::Template;
use axum::Form;
use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hemvist_platform::auth::Role;
use hemvist_platform::work::{UnitOfWork, Work};
use hemvist_platform::{ApiError, AppState};
use jiff::Timestamp;
use serde::de::DeserializeOwned;

use super::{Layout, OnPage, PageError, is_htmx, render};
use crate::i18n::Lang;
use crate::sessions::Session;

/// The request as a page sees it: the app, the page's language and the request's headers.
pub struct Page {
    pub state: AppState,
    pub lang: Lang,
    pub headers: HeaderMap,
    /// When the request came in.
    pub at: Timestamp,
    /// The client the failure budget counts this request against (see `HEMVIST_TRUSTED_PROXIES`).
    pub client: Option<std::net::IpAddr>,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let at = Timestamp::now();
        let Ok(lang) = Lang::from_request_parts(parts, state).await;
        let client = state.auth.failures.client_of(parts);
        Ok(Page { state: state.clone(), lang, headers: parts.headers.clone(), at, client })
    }
}

impl Page {
    /// The session of the request's cookie, if it is open.
    pub async fn session(&self) -> Result<Option<Session>, PageError> {
        Session::of(&self.state, &self.headers, self.client).await.on(self)
    }

    /// The session, or the sign-in page (401).
    pub async fn signed_in(self) -> Result<SignedIn, PageError> {
        let session = self.session().await?.ok_or(ApiError::Unauthenticated).on(&self)?;
        Ok(SignedIn { page: self, session })
    }

    /// Whether the request came from htmx (and wants a fragment back).
    pub fn is_htmx(&self) -> bool {
        is_htmx(&self.headers)
    }

    /// Renders a template as a 200 page in the page's language.
    pub fn render(&self, template: &impl Template) -> Response {
        render(template, self.lang, StatusCode::OK)
    }
}

/// A page of a signed-in member of staff.
pub struct SignedIn {
    pub page: Page,
    pub session: Session,
}

impl Deref for SignedIn {
    type Target = Page;

    fn deref(&self) -> &Page {
        &self.page
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Ok(page) = Page::from_request_parts(parts, state).await;
        page.signed_in().await
    }
}

impl SignedIn {
    /// The layout around a page with this title, with the role's menu.
    pub fn layout(&self, title: &'static str) -> Layout {
        Layout::new(self.lang, title, Some(&self.session))
    }

    /// A unit of work as the session's Principal: 403 unless its role is one of `roles`.
    pub fn work(&self, roles: &[Role]) -> Result<UnitOfWork<'_>, PageError> {
        self.state.unit_of_work(&self.session.principal, roles).on(self)
    }

    /// Runs `work` in one unit of work as the session's Principal (see [`SignedIn::work`]).
    pub async fn run<T>(
        &self,
        roles: &[Role],
        work: impl AsyncFnOnce(&mut Work<'_>) -> Result<T, ApiError>,
    ) -> Result<T, PageError> {
        self.work(roles)?.run(work).await.on(self)
    }
}

/// A POST form with a `csrf` field.
pub trait CsrfField {
    fn csrf(&self) -> Option<&str>;
}

/// A signed-in page's POST form, its CSRF token checked (the form's field, or the htmx header).
/// Extracted in the order the handlers always had: the form, then the session, then the token.
pub struct SignedForm<T>(pub SignedIn, pub T);

impl<T: CsrfField + DeserializeOwned + Send> FromRequest<AppState> for SignedForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let Ok(page) = Page::from_request_parts(&mut parts, state).await;
        let Form(form) = Form::<T>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let page = page.signed_in().await.map_err(IntoResponse::into_response)?;
        page.session.check_csrf(&page.headers, form.csrf()).on(&page).map_err(IntoResponse::into_response)?;
        Ok(SignedForm(page, form))
    }
}

/// The text fields and files of a `multipart/form-data` POST (a file upload).
#[derive(Debug, Default)]
pub struct Upload {
    fields: Vec<(String, String)>,
    files: Vec<(String, Vec<u8>)>,
}

impl Upload {
    /// A text field's value.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// A file's bytes; None when no file was chosen (browsers send an empty part then).
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files.iter().find(|(n, bytes)| n == name && !bytes.is_empty()).map(|(_, v)| v.as_slice())
    }

    async fn read(mut multipart: Multipart) -> Result<Self, ApiError> {
        let mut upload = Upload::default();
        let unreadable = |error: MultipartError| match error.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge("the file is too large".into()),
            _ => ApiError::BadRequest("the form could not be read".into()),
        };
        while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_owned();
            if field.file_name().is_some() {
                let bytes = field.bytes().await.map_err(unreadable)?;
                upload.files.push((name, bytes.to_vec()));
            } else {
                let text = field.text().await.map_err(unreadable)?;
                upload.fields.push((name, text));
            }
        }
        Ok(upload)
    }
}

/// A signed-in page's file upload (`multipart/form-data`), its CSRF token checked (the form's `csrf`
/// field, or the htmx header) as [`SignedForm`] checks a urlencoded form's. The route sets how large
/// the body may be (`DefaultBodyLimit`).
pub struct SignedUpload(pub SignedIn, pub Upload);

impl FromRequest<AppState> for SignedUpload {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let Ok(page) = Page::from_request_parts(&mut parts, state).await;
        let page = page.signed_in().await.map_err(IntoResponse::into_response)?;
        let multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| ApiError::UnsupportedMediaType("a file upload (multipart/form-data) is expected".into()))
            .on(&page)
            .map_err(IntoResponse::into_response)?;
        let upload = Upload::read(multipart).await.on(&page).map_err(IntoResponse::into_response)?;
        page.session.check_csrf(&page.headers, upload.field("csrf")).on(&page).map_err(IntoResponse::into_response)?;
        Ok(SignedUpload(page, upload))
    }
}
