//! The access matrix, generated from the OpenAPI document: every operation, every role. A role the
//! operation does not name gets 403 (writes: never a success), a named role never 403, nobody a 5xx,
//! and without a token everything but /health and /ready is 401.

use hemvist_tests::{TestApp, TestRole as Role};
use http::{Method, Request, StatusCode};
use serde_json::Value;

fn roles_named(description: &str) -> Vec<Role> {
    let line = description.lines().find(|l| l.trim_start().starts_with("Roles:")).unwrap_or_default();
    if line.contains("every role") {
        return Role::ALL.to_vec();
    }
    let words: Vec<&str> = line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).collect();
    Role::ALL.into_iter().filter(|role| words.contains(&role.as_str())).collect()
}

/// A value for a required query parameter, by name.
fn query_value(name: &str) -> &'static str {
    match name {
        "quarter" => "2026-Q3",
        "month" => "2026-11",
        "night" | "from" | "date" | "on" | "as_of" => "2026-11-01",
        "to" => "2026-11-30",
        "lat" => "59.33",
        "lon" => "18.06",
        _ => "x",
    }
}

fn concrete_path(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment {
            "{night}" => "2026-11-23".to_owned(),
            "{version}" => "1".to_owned(),
            s if s.starts_with('{') => uuid::Uuid::new_v4().to_string(),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_operation_for_every_role() {
    let app = TestApp::spawn().await;
    let spec: Value = serde_json::from_str(&hemvist_server::openapi_json().unwrap()).unwrap();
    let mut tokens = Vec::new();
    for role in Role::ALL {
        // Unit-scoped roles get the scope they need to be let in at all.
        let token = match role {
            Role::ShelterStaff => app.token_for(role, "0180", &[], &[uuid::Uuid::new_v4()]).await,
            Role::SupportWorker => app.staff_token(role, "matrix.worker").await,
            _ => app.token(role).await,
        };
        tokens.push((role, token));
    }
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap();
            if id == "get_health" || id == "get_ready" {
                continue;
            }
            let allowed = roles_named(operation["description"].as_str().unwrap_or_default());
            assert!(!allowed.is_empty(), "{id} names no role");
            let query: Vec<String> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query" && p["required"] == true)
                .map(|p| format!("{0}={1}", p["name"].as_str().unwrap(), query_value(p["name"].as_str().unwrap())))
                .collect();
            let uri = format!("{}{}{}", concrete_path(path), if query.is_empty() { "" } else { "?" }, query.join("&"));
            let method: Method = method.to_uppercase().parse().unwrap();
            let has_body = operation.get("requestBody").is_some();
            let request = |token: Option<&str>| {
                let mut builder = Request::builder().method(method.clone()).uri(&uri);
                if let Some(token) = token {
                    builder = builder.header("authorization", format!("Bearer {token}"));
                }
                if has_body {
                    builder = builder.header("content-type", "application/json");
                    builder.body(axum::body::Body::from("{}")).unwrap()
                } else {
                    builder.body(axum::body::Body::empty()).unwrap()
                }
            };
            let anonymous = app.send(request(None)).await;
            assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{id} without a token");
            for (role, token) in &tokens {
                let response = app.send(request(Some(token))).await;
                let status = response.status;
                assert!(!status.is_server_error(), "{id} as {role}: {status} {}", response.body);
                if allowed.contains(role) {
                    assert_ne!(status, StatusCode::FORBIDDEN, "{id} must let {role} in: {}", response.body);
                } else if has_body {
                    // The body is read before the role is checked; whatever the answer, never a success.
                    assert!(status == StatusCode::FORBIDDEN || status.is_client_error(), "{id} as {role}: {status}");
                } else {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{id} must refuse {role}: {}", response.body);
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 500, "only {checked} checks");
}
