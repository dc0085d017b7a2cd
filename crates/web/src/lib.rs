//! The staff web app, served at `/` by the same binary as the API: server-rendered HTML (askama),
//! htmx for partial updates and Leaflet for maps, all vendored and embedded, a strict
//! Content-Security-Policy (nothing inline, nothing from elsewhere but the map tiles' host when one is
//! configured), Swedish first with English. Pages call the domain crates' public
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
use hemvist_platform::settings::Settings;

/// The vendored htmx (npm `htmx.org`), served under a versioned name so it can be cached for good.
pub const HTMX_PATH: &str = "/assets/htmx-2.0.11.min.js";
const HTMX: &[u8] = include_bytes!("../assets/htmx-2.0.11.min.js");
const APP_CSS: &[u8] = include_bytes!("../assets/app.css");

/// The vendored Leaflet (npm `leaflet@1.9.4`, `dist/` and LICENSE, unchanged), under a versioned path.
pub const LEAFLET_DIR: &str = "/assets/leaflet-1.9.4";
const LEAFLET_JS: &[u8] = include_bytes!("../assets/leaflet-1.9.4/leaflet.js");
const LEAFLET_CSS: &[u8] = include_bytes!("../assets/leaflet-1.9.4/leaflet.css");
/// The images leaflet.css refers to (our markers are drawn with CSS and need none of them).
const LEAFLET_IMAGES: [(&str, &[u8]); 5] = [
    ("layers.png", include_bytes!("../assets/leaflet-1.9.4/images/layers.png")),
    ("layers-2x.png", include_bytes!("../assets/leaflet-1.9.4/images/layers-2x.png")),
    ("marker-icon.png", include_bytes!("../assets/leaflet-1.9.4/images/marker-icon.png")),
    ("marker-icon-2x.png", include_bytes!("../assets/leaflet-1.9.4/images/marker-icon-2x.png")),
    ("marker-shadow.png", include_bytes!("../assets/leaflet-1.9.4/images/marker-shadow.png")),
];
/// Our one script for the maps.
const MAP_JS: &[u8] = include_bytes!("../assets/map.js");

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Scripts and styles only from files of this origin, so an injected `<script>` or `style=""` does not
/// run; images from this origin, `data:` and, when `HEMVIST_MAP_TILES_URL` is set, its origin only.
pub fn content_security_policy(settings: &Settings) -> String {
    let tiles = settings.map_tiles_origin().map(|origin| format!(" {origin}")).unwrap_or_default();
    // Signing out of a single sign-on session goes on to the identity provider.
    let provider =
        settings.oidc.as_ref().and_then(|oidc| oidc.issuer_origin()).map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; object-src 'none'; \
         base-uri 'none'; form-action 'self'{provider}; frame-ancestors 'none'"
    )
}

/// The pages and their assets, to merge into the server's router (outside the API document).
pub fn router(settings: &Settings) -> Router<AppState> {
    // The tile origin was checked when the settings were read; should the policy still not make a
    // header, everything comes from this origin alone.
    let csp = HeaderValue::try_from(content_security_policy(settings))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    let router = Router::new()
        .route("/", get(pages::home::home))
        .route("/login/{secret}", get(pages::login::login_page).post(pages::login::sign_in))
        .route("/logout", post(pages::login::sign_out))
        .route("/login/sso", get(pages::sso::start))
        .route(sessions::sso::CALLBACK_PATH, get(pages::sso::callback))
        .route("/shelters/{id}/tonight", get(pages::shelter::tonight))
        .route("/shelters/{id}/tonight/count", post(pages::shelter::report_count))
        .route("/bed-assignments/{id}/{change}", post(pages::shelter::change_guest))
        .route(pages::housing::HOUSING_PATH, get(pages::housing::housing))
        .route(pages::housing::MAP_DATA_PATH, get(pages::maps::housing_map))
        .route(pages::support::SUPPORT_PATH, get(pages::support::my_people))
        .route("/people/{id}", get(pages::support::person))
        .route("/night/board", get(pages::night::board))
        .route("/night/board/table", get(pages::night::board_table))
        .route("/night/board/map.json", get(pages::maps::board_map))
        .route("/night/desk", get(pages::night::desk))
        .route("/night/desk/walk-in", post(pages::night::walk_in))
        .route("/night/desk/request", post(pages::night::record_request))
        .route("/night/breaches", get(pages::night::breaches))
        .route(pages::reports::REPORTS_PATH, get(pages::reports::index))
        .route("/reports/guarantee", get(pages::reports::shelters::guarantee))
        .route("/reports/guarantee.csv", get(pages::reports::shelters::guarantee_csv))
        .route("/reports/shelter-occupancy", get(pages::reports::shelters::occupancy))
        .route("/reports/shelter-occupancy.csv", get(pages::reports::shelters::occupancy_csv))
        .route("/reports/non-executed-decisions", get(pages::reports::people::ivo))
        .route("/reports/non-executed-decisions.csv", get(pages::reports::people::ivo_csv))
        .route("/reports/situations", get(pages::reports::people::situations))
        .route("/reports/situations.csv", get(pages::reports::people::situations_csv))
        .route(pages::reports::equity::EQUITY_PATH, get(pages::reports::equity::equity))
        .route("/reports/equity.csv", get(pages::reports::equity::equity_csv))
        .route(pages::reports::equity::CONTINUITY_PATH, get(pages::reports::equity::continuity))
        .route("/reports/continuity.csv", get(pages::reports::equity::continuity_csv))
        .route(pages::reports::equity::VACANCY_PATH, get(pages::reports::equity::vacancy))
        .route("/reports/vacancy.csv", get(pages::reports::equity::vacancy_csv))
        .route(pages::reports::equity::DEVIATIONS_PATH, get(pages::reports::equity::deviations))
        .route("/reports/deviations.csv", get(pages::reports::equity::deviations_csv))
        .route("/night/breaches/{id}/resolution", post(pages::night::resolve))
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
        .route("/admin/access/tokens", post(pages::admin::make_token))
        .route("/admin/access/tokens/{id}/revoke", post(pages::admin::revoke_token))
        .route(HTMX_PATH, get(|| asset(HTMX, JAVASCRIPT, true)))
        .route("/assets/app.css", get(|| asset(APP_CSS, CSS, false)))
        .route("/assets/map.js", get(|| asset(MAP_JS, JAVASCRIPT, false)))
        .route(&format!("{LEAFLET_DIR}/leaflet.js"), get(|| asset(LEAFLET_JS, JAVASCRIPT, true)))
        .route(&format!("{LEAFLET_DIR}/leaflet.css"), get(|| asset(LEAFLET_CSS, CSS, true)))
        .route(&format!("{LEAFLET_DIR}/images/{{name}}"), get(leaflet_image))
        .layer(axum::middleware::from_fn(move |request: Request, next: Next| {
            security_headers(csp.clone(), request, next)
        }))
        .layer(axum::middleware::from_fn(server_timing));
    // Single sign-on, when configured: the provider's metadata is discovered once and kept.
    match settings.oidc.clone() {
        Some(oidc) => router.layer(axum::Extension(std::sync::Arc::new(sessions::sso::Sso::new(oidc)))),
        None => router,
    }
}

async fn leaflet_image(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    match LEAFLET_IMAGES.iter().find(|(file, _)| *file == name) {
        Some((_, bytes)) => asset(bytes, "image/png", true).await,
        None => hemvist_platform::ApiError::NotFound("asset").into_response(),
    }
}

/// How long the server took for a page, as `Server-Timing: app;dur=MS` (the W3C header browsers show
/// in their developer tools). The benchmark reads it: a page is rendered whole before it is sent, so
/// this is the page's server time.
async fn server_timing(request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let mut response = next.run(request).await;
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(value) = HeaderValue::from_str(&format!("app;dur={millis:.2}")) {
        response.headers_mut().insert("server-timing", value);
    }
    response
}

async fn asset(body: &'static [u8], content_type: &'static str, immutable: bool) -> Response {
    let cache = if immutable { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, cache)], body).into_response()
}

/// Every page: the CSP, no framing, no sniffing, no referrer (a sign-in link must not leak), and pages
/// with personal data are never stored by the browser or a proxy.
async fn security_headers(csp: HeaderValue, request: Request, next: Next) -> Response {
    let is_asset = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !is_asset {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
