//! What every page handler starts from: the request as a page sees it ([`Page`]), the same with the
//! signed-in session ([`SignedIn`], a sign-in page when there is none) and a POST form whose CSRF token
//! was checked ([`SignedForm`]). Errors become [`PageError`]s in the page's language.

use std::convert::Infallible;
use std::ops::Deref;

use askama::Template;
use axum::Form;
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
}

impl FromRequestParts<AppState> for Page {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let at = Timestamp::now();
        let Ok(lang) = Lang::from_request_parts(parts, state).await;
        Ok(Page { state: state.clone(), lang, headers: parts.headers.clone(), at })
    }
}

impl Page {
    /// The session of the request's cookie, if it is open.
    pub async fn session(&self) -> Result<Option<Session>, PageError> {
        Session::of(&self.state, &self.headers).await.on(self)
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
