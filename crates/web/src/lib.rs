//! The staff web app, served at `/` by the same binary as the API: server-rendered HTML (askama),
//! htmx for partial updates, both vendored and embedded, a strict Content-Security-Policy (nothing
//! inline, nothing from elsewhere), Swedish first with English. Pages call the domain crates' public
//! functions through the platform unit of work, as a [`sessions::Session`]'s Principal: the same role
//! checks, scope, masking and audit as the API. Not part of the OpenAPI document.

pub mod i18n;
mod pages;
pub mod sessions;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hemvist_platform::AppState;

/// The vendored htmx (npm `htmx.org`), served under a versioned name so it can be cached for good.
pub const HTMX_PATH: &str = "/assets/htmx-2.0.11.min.js";
const HTMX: &[u8] = include_bytes!("../assets/htmx-2.0.11.min.js");
const APP_CSS: &[u8] = include_bytes!("../assets/app.css");

/// Scripts and styles only from files of this origin, so an injected `<script>` or `style=""` does not run.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The pages and their assets, to merge into the server's router (outside the API document).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home::home))
        .route("/login/{secret}", get(pages::login::login_page).post(pages::login::sign_in))
        .route("/logout", post(pages::login::sign_out))
        .route("/shelters/{id}/tonight", get(pages::shelter::tonight))
        .route("/shelters/{id}/tonight/count", post(pages::shelter::report_count))
        .route("/bed-assignments/{id}/{change}", post(pages::shelter::change_guest))
        .route(pages::housing::HOUSING_PATH, get(pages::housing::housing))
        .route(pages::support::SUPPORT_PATH, get(pages::support::my_people))
        .route("/people/{id}", get(pages::support::person))
        .route("/night/board", get(pages::night::board))
        .route("/night/board/table", get(pages::night::board_table))
        .route("/night/desk", get(pages::night::desk))
        .route("/night/desk/walk-in", post(pages::night::walk_in))
        .route("/night/desk/request", post(pages::night::record_request))
        .route("/night/breaches", get(pages::night::breaches))
        .route(pages::admin::DISTRICTS_PATH, get(pages::admin::districts))
        .route(
            "/admin/districts/import",
            post(pages::admin::import_districts).layer(DefaultBodyLimit::max(pages::admin::UPLOAD_LIMIT_BYTES)),
        )
        .route(pages::admin::SHELTERS_PATH, get(pages::admin::shelters).post(pages::admin::create_shelter))
        .route("/admin/shelters/new", get(pages::admin::new_shelter))
        .route("/admin/shelters/{id}", get(pages::admin::edit_shelter).post(pages::admin::update_shelter))
        .route(pages::admin::ACCESS_PATH, get(pages::admin::access))
        .route("/admin/access/links", post(pages::admin::make_link))
        .route("/admin/access/sessions/{id}/end", post(pages::admin::end_session))
        .route(HTMX_PATH, get(|| asset(HTMX, "text/javascript; charset=utf-8", true)))
        .route("/assets/app.css", get(|| asset(APP_CSS, "text/css; charset=utf-8", false)))
        .layer(axum::middleware::from_fn(security_headers))
}

async fn asset(body: &'static [u8], content_type: &'static str, immutable: bool) -> Response {
    let cache = if immutable { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, cache)], body).into_response()
}

/// Every page: the CSP, no framing, no sniffing, no referrer (a sign-in link must not leak), and pages
/// with personal data are never stored by the browser or a proxy.
async fn security_headers(request: Request, next: Next) -> Response {
    let is_asset = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !is_asset {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
