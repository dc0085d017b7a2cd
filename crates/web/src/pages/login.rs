//! Signing in with a one-time link, and signing out. Opening the link shows a button; only pressing it
//! (a POST) uses the link, so a mail scanner or link preview that fetches it does not.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use hemvist_platform::{ApiError, AppState, Path};
use serde::Deserialize;

use super::{Layout, OnPage, PageResult, render};
use crate::i18n::Lang;
use crate::sessions::{self, Session};

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

pub async fn sign_in(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    Path(secret): Path<String>,
) -> PageResult {
    refuse_cross_site(&headers).on_page(lang, &headers)?;
    match sessions::sign_in(&state, &secret, &headers).await.on_page(lang, &headers)? {
        Some(cookie) => {
            let mut response = Redirect::to("/").into_response();
            let cookie = HeaderValue::from_str(&cookie).map_err(ApiError::internal).on_page(lang, &headers)?;
            response.headers_mut().append(header::SET_COOKIE, cookie);
            Ok(response)
        }
        None => {
            let layout = Layout::new(lang, lang.text.sign_in_title, None);
            let page = LoginPage { layout, action: String::new(), unusable: true };
            Ok(render(&page, lang, StatusCode::GONE))
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: Option<String>,
}

pub async fn sign_out(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    let mut response = Redirect::to("/").into_response();
    if let Some(session) = Session::of(&state, &headers).await.on_page(lang, &headers)? {
        session.check_csrf(&headers, form.csrf.as_deref()).on_page(lang, &headers)?;
        let cookie = sessions::sign_out(&state, &session).await.on_page(lang, &headers)?;
        let cookie = HeaderValue::from_str(&cookie).map_err(ApiError::internal).on_page(lang, &headers)?;
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
