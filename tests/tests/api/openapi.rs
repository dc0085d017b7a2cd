//! The committed OpenAPI document must be the one the code produces.

#[test]
fn committed_openapi_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let generated = hemvist_server::openapi_json().unwrap();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json` (or UPDATE_OPENAPI=1 cargo test)"
    );
}

#[test]
fn every_operation_is_named_and_secured() {
    let spec: serde_json::Value = serde_json::from_str(&hemvist_server::openapi_json().unwrap()).unwrap();
    let public = ["get_health", "get_ready"];
    let mut count = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        assert!(path.starts_with("/api/v1/") || path == "/health" || path == "/ready", "{path}");
        for (method, operation) in item.as_object().unwrap() {
            count += 1;
            let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(id.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{id}");
            if !public.contains(&id) {
                assert!(operation["security"].is_array(), "{id} declares no security");
                let description = operation["description"].as_str().unwrap_or_default();
                assert!(description.contains("Roles:"), "{id} does not say which roles may call it");
                assert!(operation["responses"]["401"].is_object(), "{id} does not document 401");
            }
        }
    }
    assert!(count >= 8, "only {count} operations");
}
