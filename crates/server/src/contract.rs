//! What the OpenAPI document says beyond what utoipa's attributes can: the text pattern of every free
//! text field (utoipa takes only a literal, so fields name it as [`text::LINE`] or [`text::LINES`]),
//! the rules between fields of one body (JSON Schema `anyOf`), a separate body for registering a person,
//! and the links from each created resource to the operations on it, so that a client (and
//! schemathesis' stateful phase) can follow what it created. The document the server serves and the
//! one committed in `openapi/openapi.json` both pass through [`refine`].
//!
//! Rules between a field and the state of the world (a date not in the future, `to` after `from`, an
//! id that must exist, an ETag this API gave out) cannot be written in JSON Schema; each operation's
//! description says them, and the API answers 422 (or 404, 409, 412) naming the field.

use hemvist_platform::text;
use serde_json::{Map, Value, json};

/// Collection POSTs whose new resource lives under another path, by its id.
const CREATED_ELSEWHERE: &[(&str, &str)] = &[
    ("/api/v1/people/{id}/decisions", "/api/v1/decisions/{id}"),
    ("/api/v1/people/{id}/support-plans", "/api/v1/support-plans/{id}"),
    ("/api/v1/nights/{night}/assignments", "/api/v1/bed-assignments/{id}"),
    ("/api/v1/walk-ins", "/api/v1/people/{id}"),
];

/// Rules between the fields of one body, by schema name: the body must match one of the shapes.
fn shapes() -> Vec<(&'static str, Value)> {
    // Not here: a shelter takes women, men or both (`Eligibility`). Said as `const: true` on a boolean,
    // openapi-python-client 0.29 writes a client that does not import (`!= Trueand`), and `enum: [true]`
    // makes it drop every shelter and bed-board operation; the schema's description says the rule and
    // the API answers 422.
    vec![
        // A later placement names its shelter; nothing else does. `other` says what happened.
        (
            "ResolutionInput",
            json!([
                {"properties": {"kind": {"const": "placed_later"}, "shelter_id": {"type": "string"}}, "required": ["shelter_id"]},
                {"properties": {"kind": {"enum": ["emergency_housing", "declined"]}, "shelter_id": {"type": "null"}}},
                {"properties": {"kind": {"const": "other"}, "shelter_id": {"type": "null"}, "note": {"type": "string"}}, "required": ["note"]}
            ]),
        ),
        // A pending offer has no answer date; an answer has one.
        (
            "OfferResponseInput",
            json!([
                {"properties": {"response": {"const": "pending"}, "responded_on": {"type": "null"}}},
                {"properties": {"response": {"enum": ["accepted", "declined"]}, "responded_on": {"type": "string"}}, "required": ["responded_on"]}
            ]),
        ),
    ]
}

/// Properties a client may send back when replacing a person (they must equal what is stored) but
/// not when registering one: `POST /people` takes `NewPersonInput`, without them.
const SET_BY_THE_SYSTEM: &[&str] = &[
    "id",
    "household_id",
    "household_role",
    "version",
    "identity_masked",
    "belongs_to_municipality",
    "contact_withheld",
];

/// Everything this module adds to the generated document.
pub fn refine(doc: &mut Value) {
    put_text_patterns(doc);
    refine_parameters(doc);
    mark_related_parameters(doc);
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for (name, any_of) in shapes() {
            if let Some(schema) = schemas.get_mut(name).and_then(Value::as_object_mut) {
                schema.insert("anyOf".into(), any_of);
            }
        }
        if let Some(mut new_person) = schemas.get("PersonInput").cloned() {
            if let Some(properties) = new_person.get_mut("properties").and_then(Value::as_object_mut) {
                properties.retain(|name, _| !SET_BY_THE_SYSTEM.contains(&name.as_str()));
            }
            new_person["description"] = json!("What a client sends to register a person.");
            schemas.insert("NewPersonInput".into(), new_person);
        }
    }
    if let Some(body) = doc.pointer_mut("/paths/~1api~1v1~1people/post/requestBody/content/application~1json/schema") {
        *body = json!({"$ref": "#/components/schemas/NewPersonInput"});
    }
    add_links(doc);
}

/// Replaces the pattern names fields carry with the patterns themselves.
fn put_text_patterns(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(pattern)) = map.get_mut("pattern") {
                if pattern == text::LINE {
                    *pattern = text::LINE_PATTERN.into();
                } else if pattern == text::LINES {
                    *pattern = text::LINES_PATTERN.into();
                }
            }
            map.values_mut().for_each(put_text_patterns);
        }
        Value::Array(items) => items.iter_mut().for_each(put_text_patterns),
        _ => {}
    }
}

/// Path, query and header parameters: a value there is text, never JSON `null`, so an optional one
/// is absent rather than `null` (utoipa types an `Option` as `[T, "null"]`).
fn refine_parameters(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut() {
        let Some(operations) = item.as_object_mut() else { continue };
        for operation in operations.values_mut() {
            let Some(parameters) = operation.get_mut("parameters").and_then(Value::as_array_mut) else { continue };
            for parameter in parameters {
                let Some(schema) = parameter.get_mut("schema").and_then(Value::as_object_mut) else { continue };
                if let Some(Value::Array(types)) = schema.get_mut("type") {
                    types.retain(|t| t != "null");
                    if let [only] = types.as_slice() {
                        let only = only.clone();
                        schema.insert("type".into(), only);
                    }
                }
            }
        }
    }
}

/// Marks the operations whose query parameters are related in a way JSON Schema cannot say, for
/// clients and for schemathesis.toml (which selects them by these marks, so new operations are
/// covered): `x-opaque-cursor` where a `cursor` must be one the list gave out (else 422), and
/// `x-related-parameters` where `from`/`to` are a period (`to` not before `from`, at most 366 days) or
/// optional `lat`/`lon` come together (both or neither, else 422).
fn mark_related_parameters(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut() {
        let Some(operations) = item.as_object_mut() else { continue };
        for operation in operations.values_mut().filter_map(Value::as_object_mut) {
            let query: Vec<(String, bool)> = operation
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
                .map(|p| {
                    let name = p.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
                    (name, p.get("required").and_then(Value::as_bool).unwrap_or(false))
                })
                .collect();
            let has = |name: &str| query.iter().any(|(n, _)| n == name);
            let optional = |name: &str| query.iter().any(|(n, required)| n == name && !required);
            if has("cursor") {
                operation.insert("x-opaque-cursor".into(), Value::Bool(true));
            }
            if (has("from") && has("to")) || (optional("lat") && optional("lon")) {
                operation.insert("x-related-parameters".into(), Value::Bool(true));
            }
        }
    }
}

/// The path parameters of a path template, in order.
fn path_params(path: &str) -> Vec<&str> {
    path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect()
}

/// For every POST answering 201 with a body that has an `id`: a link to each operation on the created
/// resource whose path parameters are all known (the POST's own, from its path; the new one, its id).
fn add_links(doc: &mut Value) {
    let Some(paths) = doc.get("paths").and_then(Value::as_object).cloned() else { return };
    let schemas = doc.pointer("/components/schemas").cloned().unwrap_or(Value::Null);
    for (post_path, item) in &paths {
        let Some(created) = item.pointer("/post/responses/201") else { continue };
        if !body_has_id(created, &schemas) {
            continue;
        }
        // Where the new resource lives, and the name of its id there.
        let base = match CREATED_ELSEWHERE.iter().find(|(from, _)| from == post_path) {
            Some((_, base)) => (*base).to_owned(),
            None => {
                let prefix = format!("{post_path}/{{");
                let Some(param) = paths
                    .keys()
                    .find_map(|p| p.strip_prefix(&prefix).and_then(|rest| rest.split('}').next()).map(str::to_owned))
                else {
                    continue;
                };
                format!("{post_path}/{{{param}}}")
            }
        };
        let known_from_request = path_params(post_path);
        let new_param = path_params(&base).last().map(|p| (*p).to_owned()).unwrap_or_default();
        let mut links = Map::new();
        for (path, target) in &paths {
            if path != &base && !path.starts_with(&format!("{base}/")) {
                continue;
            }
            let params = path_params(path);
            if !params.iter().all(|p| *p == new_param || known_from_request.contains(p)) {
                continue;
            }
            let Some(operations) = target.as_object() else { continue };
            for operation in operations.values() {
                let Some(id) = operation.get("operationId").and_then(Value::as_str) else { continue };
                let parameters: Map<String, Value> = params
                    .iter()
                    .map(|p| {
                        let from = if *p == new_param {
                            "$response.body#/id".to_owned()
                        } else {
                            format!("$request.path.{p}")
                        };
                        ((*p).to_owned(), Value::String(from))
                    })
                    .collect();
                links.insert(id.to_owned(), json!({"operationId": id, "parameters": parameters}));
            }
        }
        if links.is_empty() {
            continue;
        }
        let pointer = format!("/paths/{}/post/responses/201", post_path.replace('~', "~0").replace('/', "~1"));
        if let Some(response) = doc.pointer_mut(&pointer).and_then(Value::as_object_mut) {
            response.insert("links".into(), Value::Object(links));
        }
    }
}

/// Whether a response's JSON body is (a reference to) an object with an `id`.
fn body_has_id(response: &Value, schemas: &Value) -> bool {
    let Some(schema) = response.pointer("/content/application~1json/schema") else { return false };
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap_or_default();
            schemas.get(name).unwrap_or(&Value::Null)
        }
        None => schema,
    };
    schema.pointer("/properties/id").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client generated by openapi-python-client (0.29) does not import when a schema pins a
    /// boolean with `const`, and drops operations when it does with `enum`: the committed document
    /// does neither.
    #[test]
    fn no_schema_pins_a_boolean() {
        fn pinned(value: &Value, at: &str, found: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    if map.get("const").is_some_and(Value::is_boolean)
                        || map.get("enum").and_then(Value::as_array).is_some_and(|e| e.iter().any(Value::is_boolean))
                    {
                        found.push(at.to_owned());
                    }
                    for (key, child) in map {
                        pinned(child, &format!("{at}/{key}"), found);
                    }
                }
                Value::Array(items) => {
                    for (i, child) in items.iter().enumerate() {
                        pinned(child, &format!("{at}/{i}"), found);
                    }
                }
                _ => {}
            }
        }
        let doc: Value = serde_json::from_str(include_str!("../../../openapi/openapi.json")).expect("the document");
        let mut found = Vec::new();
        pinned(&doc, "", &mut found);
        assert!(found.is_empty(), "booleans pinned at {found:?}");
    }

    #[test]
    fn links_follow_created_resources_and_their_children() {
        let mut doc = json!({
            "paths": {
                "/api/v1/leases": {"post": {"operationId": "create_lease", "responses": {"201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Lease"}}}}}}},
                "/api/v1/leases/{id}": {"get": {"operationId": "get_lease"}},
                "/api/v1/leases/{id}/notices/{notice_id}": {"put": {"operationId": "answer_notice"}},
                "/api/v1/leases/{id}/notices": {"post": {"operationId": "create_notice", "responses": {"201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Lease"}}}}}}}
            },
            "components": {"schemas": {"Lease": {"properties": {"id": {"type": "string"}}}}}
        });
        add_links(&mut doc);
        let lease_links = &doc["paths"]["/api/v1/leases"]["post"]["responses"]["201"]["links"];
        assert_eq!(lease_links["get_lease"]["parameters"]["id"], "$response.body#/id");
        assert_eq!(lease_links["create_notice"]["parameters"]["id"], "$response.body#/id");
        // The notice's own id is not known from the lease.
        assert!(lease_links.get("answer_notice").is_none());
        let notice_links = &doc["paths"]["/api/v1/leases/{id}/notices"]["post"]["responses"]["201"]["links"];
        assert_eq!(notice_links["answer_notice"]["parameters"]["id"], "$request.path.id");
        assert_eq!(notice_links["answer_notice"]["parameters"]["notice_id"], "$response.body#/id");
    }

    #[test]
    fn parameters_are_never_null() {
        let mut doc = json!({"paths": {"/a": {"put": {"parameters": [
            {"name": "if-match", "in": "header", "schema": {"type": ["string", "null"]}},
            {"name": "limit", "in": "query", "schema": {"type": ["integer", "null"], "minimum": 1}}
        ]}}}});
        refine_parameters(&mut doc);
        let parameters = &doc["paths"]["/a"]["put"]["parameters"];
        assert_eq!(parameters[0]["schema"], json!({"type": "string"}));
        assert_eq!(parameters[1]["schema"], json!({"type": "integer", "minimum": 1}));
    }

    #[test]
    fn related_parameters_are_marked() {
        let query = |name: &str, required: bool| json!({"name": name, "in": "query", "required": required});
        let mut doc = json!({"paths": {
            "/list": {"get": {"parameters": [query("limit", false), query("cursor", false)]}},
            "/report": {"get": {"parameters": [query("from", true), query("to", true)]}},
            "/near": {"get": {"parameters": [query("lat", false), query("lon", false)]}},
            "/lookup": {"get": {"parameters": [query("lat", true), query("lon", true)]}}
        }});
        mark_related_parameters(&mut doc);
        let paths = &doc["paths"];
        assert_eq!(paths["/list"]["get"]["x-opaque-cursor"], true);
        assert_eq!(paths["/report"]["get"]["x-related-parameters"], true);
        assert_eq!(paths["/near"]["get"]["x-related-parameters"], true);
        assert!(paths["/lookup"]["get"].get("x-related-parameters").is_none());
        assert!(paths["/report"]["get"].get("x-opaque-cursor").is_none());
    }

    #[test]
    fn text_patterns_are_put_in() {
        let mut doc = json!({"a": {"pattern": text::LINE}, "b": [{"pattern": text::LINES}], "c": {"pattern": "^x$"}});
        put_text_patterns(&mut doc);
        assert_eq!(doc["a"]["pattern"], text::LINE_PATTERN);
        assert_eq!(doc["b"][0]["pattern"], text::LINES_PATTERN);
        assert_eq!(doc["c"]["pattern"], "^x$");
    }
}
