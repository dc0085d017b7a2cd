//! Signing in with a one-time link, and signing out. Opening the link shows a button; only pressing it
//! (a POST) uses the link, so a mail scanner or link preview that fetches it does not.

use askama::Template;
use axum::Form;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use hemvist_platform::{ApiError, Path};
use serde::Deserialize;

use super::page::{CsrfField, Page};
use super::sso::SsoExtension;
use super::{Layout, OnPage, PageResult, render};
use crate::i18n::Lang;
use crate::sessions;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    action: String,
    unusable: bool,
}

pub async fn login_page(lang: Lang, Path(secret): Path<String>) -> PageResult {
    let layout = Layout::new(lang, lang.text.sign_in_title, None);
    let unusable = !sessions::model::well_formed(&secret);
    Ok(render(&LoginPage { layout, action: format!("/login/{secret}"), unusable }, lang, StatusCode::OK))
}

pub async fn sign_in(Path(secret): Path<String>, page: Page) -> PageResult {
    refuse_cross_site(&page.headers).on(&page)?;
    // A link that is unknown, used or expired counts against the address's failed sign-ins.
    let failures = &page.state.auth.failures;
    let client = page.client;
    failures.check(client).on(&page)?;
    match sessions::sign_in(&page.state, &secret, &page.headers).await.on(&page)? {
        Some(cookie) => {
            let mut response = Redirect::to("/").into_response();
            let cookie = HeaderValue::from_str(&cookie).map_err(ApiError::internal).on(&page)?;
            response.headers_mut().append(header::SET_COOKIE, cookie);
            Ok(response)
        }
        None => {
            if let error @ ApiError::TooManyRequests { .. } = failures.failed(client, ApiError::Unauthenticated) {
                return Err(error).on(&page);
            }
            let layout = Layout::new(page.lang, page.lang.text.sign_in_title, None);
            let login = LoginPage { layout, action: String::new(), unusable: true };
            Ok(render(&login, page.lang, StatusCode::GONE))
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: Option<String>,
}

impl CsrfField for CsrfForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

pub async fn sign_out(sso: SsoExtension, page: Page, Form(form): Form<CsrfForm>) -> PageResult {
    let mut response = Redirect::to("/").into_response();
    if let Some(session) = page.session().await? {
        session.check_csrf(&page.headers, form.csrf.as_deref()).on(&page)?;
        let cookie = sessions::sign_out(&page.state, &session).await.on(&page)?;
        // Signed in at the identity provider: end that session too (RP-initiated logout), so the
        // next visitor of this browser is not signed in again without a password.
        if let (true, Some(axum::Extension(sso))) = (session.sso, sso)
            && let Some(url) = sso.logout_url(&page.state.settings.public_base_url()).await
        {
            response = Redirect::to(&url).into_response();
        }
        let cookie = HeaderValue::from_str(&cookie).map_err(ApiError::internal).on(&page)?;
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// A POST sent from another site is refused (login CSRF); browsers say so in Sec-Fetch-Site.
pub fn refuse_cross_site(headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("cross-site" | "same-site") => Err(ApiError::forbidden("a form from another site")),
        _ => Ok(()),
    }
}
