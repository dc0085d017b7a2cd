//! Assembles the one route table, its OpenAPI document, the middleware stack, and the database
//! (a configured server or the private cluster).

pub mod admin;
pub mod backup;
mod contract;
pub mod embedded_pg;
pub mod gallring;
pub mod jobs;
pub mod migrate;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hemvist_platform::error::PROBLEM_JSON;
use hemvist_platform::{ApiError, AppState, Json};
use serde::Serialize;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
pub const DOCS_PATH: &str = "/docs";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hemvist API",
        description = "Housing First, trial and training apartments, support plans and emergency shelter \
            placement (Tak över huvudet) for a Swedish municipality.\n\n\
            Every call except /health and /ready needs `Authorization: Bearer <token>`; each operation \
            names the roles that may call it. Errors are RFC 9457 problem+json. Lists are cursor-paginated: \
            pass `next_cursor` back as `cursor`.",
        license(name = "EUPL-1.2")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "districts", description = "Districts (stadsdelsområden): date-versioned boundaries"),
        (name = "operations", description = "Liveness and readiness"),
        (name = "api-tokens", description = "Integration tokens: made by an admin, shown once, expire, revoked")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from `hemvist token create`"))
                    .build(),
            ),
        );
    }
}

/// The route table of every domain crate and its OpenAPI document, from one source.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(ready))
        .merge(hemvist_geo::router())
        .merge(hemvist_apartments::router())
        .merge(hemvist_tenants::router())
        .merge(hemvist_support_plans::router())
        .merge(hemvist_shelter_beds::router())
        .merge(hemvist_platform::tokens::http::router())
        .merge(hemvist_equity::router())
        .split_for_parts()
}

/// The OpenAPI document as served and as committed in `openapi/openapi.json`: what the routes declare,
/// refined by [`contract::refine`].
pub fn openapi() -> serde_json::Value {
    refined(&api().1)
}

fn refined(spec: &utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut doc = serde_json::to_value(spec).unwrap_or_default();
    contract::refine(&mut doc);
    doc
}

/// The OpenAPI document as committed in `openapi/openapi.json`.
pub fn openapi_json() -> anyhow::Result<String> {
    Ok(format!("{}\n", serde_json::to_string_pretty(&openapi())?))
}

/// The whole HTTP application: routes, docs, fallbacks and the middleware stack.
pub fn app(state: AppState) -> Router {
    let (routes, spec) = api();
    let timeout = state.settings.request_timeout;
    let body_limit = state.settings.body_limit_bytes;
    routes
        .merge(SwaggerUi::new(DOCS_PATH).external_url_unchecked(OPENAPI_PATH, refined(&spec)))
        // The staff web app at `/`: pages, not API operations, so outside the OpenAPI document.
        .merge(hemvist_web::router(&state.settings))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
                    let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id)
                }))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(CatchPanicLayer::custom(|_| ApiError::internal("handler panicked").into_response()))
                .layer(axum::middleware::from_fn(problem_for_bare_errors))
                .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
                .layer(DefaultBodyLimit::max(body_limit)),
        )
        .with_state(state)
}

async fn unknown_route() -> ApiError {
    ApiError::NotFound("route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed("this route does not take that method".into())
}

/// Errors made by middleware (a timeout, say) come without a body; give them a problem body too.
async fn problem_for_bare_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || response.headers().contains_key(header::CONTENT_TYPE)
    {
        return response;
    }
    let problem = hemvist_platform::Problem {
        problem_type: format!("urn:hemvist:problem:http-{}", status.as_u16()),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: (status == StatusCode::SERVICE_UNAVAILABLE).then(|| "the request took too long; retry".to_owned()),
        errors: Vec::new(),
    };
    let (mut parts, _) = response.into_parts();
    let mut fresh = (status, axum::Json(problem)).into_response();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    parts.headers.remove(header::CONTENT_LENGTH);
    std::mem::swap(fresh.headers_mut(), &mut parts.headers);
    fresh
}

#[derive(Serialize, ToSchema)]
pub struct HealthStatus {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness: the process answers. Needs no token.
#[utoipa::path(get, path = "/health", tag = "operations", operation_id = "get_health",
    responses((status = 200, description = "The process is alive", body = HealthStatus)))]
pub async fn health() -> Json<HealthStatus> {
    Json(HealthStatus { status: "ok" })
}

/// Readiness: the database answers. Needs no token.
#[utoipa::path(get, path = "/ready", tag = "operations", operation_id = "get_ready",
    responses((status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "The database does not answer", body = hemvist_platform::Problem,
            content_type = "application/problem+json")))]
pub async fn ready(State(state): State<AppState>) -> Result<Json<HealthStatus>, ApiError> {
    let client = state.db().await?;
    tokio::time::timeout(Duration::from_secs(2), client.simple_query("SELECT 1"))
        .await
        .map_err(|_| ApiError::Unavailable("readiness query timed out".into()))??;
    Ok(Json(HealthStatus { status: "ready" }))
}
