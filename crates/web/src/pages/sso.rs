//! Signing in at the city's identity provider (OpenID Connect): `/login/sso` sends the browser there,
//! `/login/sso/callback` opens the session. A user none of whose groups is mapped gets a "no access"
//! page (403) and no session; a failed or forged callback counts against the client address's budget
//! of failed sign-ins (429 past it).

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::Query;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hemvist_platform::ApiError;
use serde::Deserialize;

use super::page::Page;
use super::{Layout, OnPage, PageResult, render};
use crate::sessions::model::cookie_value;
use crate::sessions::sso::{FLOW_COOKIE, Outcome, Sso, clear_flow_cookie};
use crate::sessions::{self};

#[derive(Template)]
#[template(path = "sso_done.html")]
struct Done {
    layout: Layout,
}

#[derive(Template)]
#[template(path = "sso_refused.html")]
struct Refused {
    layout: Layout,
    title: &'static str,
    message: &'static str,
}

/// The provider, when single sign-on is configured.
pub type SsoExtension = Option<Extension<Arc<Sso>>>;

pub async fn start(sso: SsoExtension, page: Page) -> PageResult {
    let Some(Extension(sso)) = sso else {
        return Err(ApiError::NotFound("single sign-on")).on(&page);
    };
    let settings = &page.state.settings;
    let (url, cookie) = sso.start(&settings.public_base_url(), settings.served_over_tls()).await.on(&page)?;
    let mut response = Redirect::to(&url).into_response();
    append_cookie(&mut response, &cookie).on(&page)?;
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
}

pub async fn callback(sso: SsoExtension, Query(query): Query<Callback>, page: Page) -> PageResult {
    let Some(Extension(sso)) = sso else {
        return Err(ApiError::NotFound("single sign-on")).on(&page);
    };
    let failures = &page.state.auth.failures;
    let client = page.client;
    failures.check(client).on(&page)?;
    let secret = page
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|cookie| cookie_value(cookie, FLOW_COOKIE))
        .unwrap_or_default()
        .to_owned();
    let outcome = match (query.code.as_deref(), query.state.as_deref()) {
        (Some(code), Some(state)) => {
            sso.finish(&page.state, &secret, state, code, sessions::request_id(&page.headers)).await
        }
        // The provider sent an error (the user cancelled, say) or nothing usable.
        _ => Err(ApiError::Unauthenticated),
    };
    let t = page.lang.text.sso();
    let secure = page.state.settings.served_over_tls();
    let mut response = match outcome {
        Ok(Outcome::SignedIn(cookie)) => {
            // A page of this site moves on to the start page: the session cookie is SameSite=Strict,
            // and a redirect straight from the provider's site would not send it.
            let layout = Layout::new(page.lang, t.signing_in, None);
            let mut response = render(&Done { layout }, page.lang, StatusCode::OK);
            append_cookie(&mut response, &cookie).on(&page)?;
            response
        }
        Ok(Outcome::NoAccess) => {
            let _ = failures.failed(client, ApiError::Unauthenticated);
            let layout = Layout::new(page.lang, t.no_access_title, None);
            let refused = Refused { layout, title: t.no_access_title, message: t.no_access };
            render(&refused, page.lang, StatusCode::FORBIDDEN)
        }
        Err(ApiError::Unauthenticated) => {
            let error = failures.failed(client, ApiError::Unauthenticated);
            if matches!(error, ApiError::TooManyRequests { .. }) {
                return Err(error).on(&page);
            }
            let layout = Layout::new(page.lang, t.failed_title, None);
            let refused = Refused { layout, title: t.failed_title, message: t.failed };
            render(&refused, page.lang, StatusCode::UNAUTHORIZED)
        }
        Err(other) => return Err(other).on(&page),
    };
    append_cookie(&mut response, &clear_flow_cookie(secure)).on(&page)?;
    Ok(response)
}

fn append_cookie(response: &mut Response, cookie: &str) -> Result<(), ApiError> {
    let value = HeaderValue::from_str(cookie).map_err(ApiError::internal)?;
    response.headers_mut().append(header::SET_COOKIE, value);
    Ok(())
}
