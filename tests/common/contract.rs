//! Every answer the API gave in a test, checked against the OpenAPI
//! document it serves: the route and method are documented, the status is
//! one of the operation's, the media type is the documented one, and the
//! body validates against the documented schema (JSON Schema 2020-12, as
//! OpenAPI 3.1 uses it).

use chatorder_api::observe::Observed;
use serde_json::Value;

/// What is wrong with `seen`, one sentence per answer (empty: all good).
pub fn violations(document: &Value, seen: &[Observed]) -> Vec<String> {
    let mut wrong = Vec::new();
    for o in seen {
        if let Err(why) = check(document, o) {
            wrong.push(format!("{} {:?} -> {}: {why}", o.method, o.route, o.status));
        }
    }
    wrong
}

fn check(document: &Value, o: &Observed) -> Result<(), String> {
    let Some(route) = o.route.as_deref() else {
        // Nothing matched (a 404 or 405 for an unknown address): not an
        // operation of the document.
        return Ok(());
    };
    if route.starts_with("/api/v1/docs") || route == "/api/v1/openapi.json" {
        return Ok(());
    }
    if !route.starts_with("/api/") {
        // The web app's pages and files (tests/web.rs checks them).
        return Ok(());
    }
    let method = o.method.to_lowercase();
    let operation = &document["paths"][route][&method];
    if operation.is_null() {
        // A method the address does not take (405), or a body refused
        // before any handler (413): no operation, but still a problem.
        if document["paths"][route].is_object() && [405, 413].contains(&o.status) {
            let schema = serde_json::json!({"$ref": "#/components/schemas/Problem"});
            return validate(document, schema, o);
        }
        return Err("the route is not in the document".into());
    }
    let responses = &operation["responses"];
    let status = o.status.to_string();
    let mut response = responses.get(&status).or_else(|| responses.get("default"));
    let Some(mut found) = response.take() else {
        return Err(format!(
            "status {status} is not documented for this operation"
        ));
    };
    if let Some(reference) = found["$ref"].as_str() {
        found = pointer(document, reference)?;
    }
    if o.body.is_empty() {
        return Ok(());
    }
    let media = o
        .content_type
        .as_deref()
        .and_then(|t| t.split(';').next())
        .unwrap_or("")
        .trim();
    let Some(content) = found["content"].get(media) else {
        return Err(format!("media type `{media}` is not documented here"));
    };
    if !media.ends_with("json") {
        // CSV and the like: the documented media type is what is checked.
        return Ok(());
    }
    validate(document, content["schema"].clone(), o)
}

/// Whether `o`'s body is JSON that `schema` (of `document`) accepts.
fn validate(document: &Value, mut schema: Value, o: &Observed) -> Result<(), String> {
    let body: Value = serde_json::from_slice(&o.body).map_err(|e| {
        format!(
            "the body is not JSON ({e}): {}",
            String::from_utf8_lossy(&o.body)
        )
    })?;
    let Some(object) = schema.as_object_mut() else {
        return Err("no schema".into());
    };
    // References like #/components/schemas/X resolve within this root.
    object.insert("components".into(), document["components"].clone());
    let validator = jsonschema::validator_for(&schema).map_err(|e| format!("bad schema: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{} in {body}", errors.join("; ")))
    }
}

fn pointer<'a>(document: &'a Value, reference: &str) -> Result<&'a Value, String> {
    reference
        .strip_prefix('#')
        .and_then(|p| document.pointer(p))
        .ok_or_else(|| format!("unresolved reference {reference}"))
}
