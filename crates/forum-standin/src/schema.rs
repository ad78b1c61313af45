//! The subset of JSON Schema that Discourse's OpenAPI spec uses for responses (type, required,
//! properties, additionalProperties, items), used two ways: to complete a stand-in answer with
//! every field the spec requires (typed defaults), and to check every answer against the spec.

use std::sync::OnceLock;

use serde_json::{Map, Value};

static SPEC: OnceLock<Value> = OnceLock::new();

/// Discourse's published OpenAPI document (copied from the reference material).
pub fn spec() -> &'static Value {
    SPEC.get_or_init(|| {
        serde_json::from_str(include_str!("../spec/openapi.json")).unwrap_or(Value::Null)
    })
}

/// The 200 response schema of `method path` (path as templated in the spec, e.g. `/t/{id}.json`).
pub fn response_schema(method: &str, path: &str) -> Option<&'static Value> {
    spec()
        .get("paths")?
        .get(path)?
        .get(method)?
        .get("responses")?
        .get("200")?
        .get("content")?
        .get("application/json")?
        .get("schema")
}

fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

fn default_for(schema: &Value) -> Value {
    let ts = types(schema);
    if ts.contains(&"null") {
        return Value::Null;
    }
    match ts.first().copied() {
        Some("string") => Value::String(String::new()),
        Some("integer") | Some("number") => Value::from(0),
        Some("boolean") => Value::Bool(false),
        Some("array") => Value::Array(vec![]),
        Some("object") => complete(schema, Value::Object(Map::new())),
        _ => Value::Null,
    }
}

/// Shapes an answer like Discourse's: drops fields a closed schema does not list and adds every
/// required-but-missing field (recursively) with a default of its type.
pub fn complete(schema: &Value, value: Value) -> Value {
    match value {
        Value::Object(mut map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
                map.retain(|k, _| props.is_some_and(|p| p.contains_key(k)));
            }
            if let Some(props) = props {
                for (k, v) in map.iter_mut() {
                    if let Some(sub) = props.get(k) {
                        *v = complete(sub, std::mem::take(v));
                    }
                }
            }
            for req in required(schema) {
                if !map.contains_key(req) {
                    let sub = props.and_then(|p| p.get(req)).unwrap_or(&Value::Null);
                    map.insert(req.to_string(), default_for(sub));
                }
            }
            Value::Object(map)
        }
        Value::Array(items) => {
            let sub = schema.get("items").unwrap_or(&Value::Null);
            Value::Array(items.into_iter().map(|v| complete(sub, v)).collect())
        }
        other => other,
    }
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}

/// Every violation of `schema` by `value`, as `path: problem` lines.
pub fn check(schema: &Value, value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check_at(schema, value, "$", &mut out);
    out
}

fn check_at(schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let ts = types(schema);
    if !ts.is_empty() && !ts.iter().any(|t| type_ok(t, value)) {
        out.push(format!("{at}: expected {ts:?}, got {value}"));
        return;
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            for req in required(schema) {
                if !map.contains_key(req) {
                    out.push(format!("{at}: missing required {req:?}"));
                }
            }
            let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
            let required = |k: &str| {
                schema
                    .get("required")
                    .and_then(Value::as_array)
                    .is_some_and(|r| r.iter().any(|x| x.as_str() == Some(k)))
            };
            for (k, v) in map {
                // Rails serializers send null for optional fields the spec types as string etc.
                if v.is_null() && !required(k) {
                    continue;
                }
                match props.and_then(|p| p.get(k)) {
                    Some(sub) => check_at(sub, v, &format!("{at}.{k}"), out),
                    None if closed => out.push(format!("{at}: unexpected property {k:?}")),
                    None => {}
                }
            }
        }
        Value::Array(items) => {
            if let Some(sub) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    check_at(sub, v, &format!("{at}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// Keys the recorded fixture has that the stand-in's answer lacks or types differently.
/// Keys the current spec no longer knows (old fixtures) and garbled keys are not compared.
pub fn compare_with_fixture(schema: &Value, fixture: &Value, ours: &Value) -> Vec<String> {
    let mut out = Vec::new();
    compare_at(schema, fixture, ours, "$", &mut out);
    out
}

fn same_kind(a: &Value, b: &Value) -> bool {
    a.is_null()
        || b.is_null()
        || std::mem::discriminant(a) == std::mem::discriminant(b)
        || (a.is_number() && b.is_number())
}

fn compare_at(schema: &Value, fixture: &Value, ours: &Value, at: &str, out: &mut Vec<String>) {
    match (fixture, ours) {
        (Value::Object(f), Value::Object(o)) => {
            let props = schema.get("properties").and_then(Value::as_object);
            for (k, fv) in f {
                if k.contains(char::is_whitespace) {
                    continue;
                }
                let sub = match props {
                    Some(p) => match p.get(k) {
                        Some(s) => s,
                        None => continue,
                    },
                    None => &Value::Null,
                };
                match o.get(k) {
                    None => out.push(format!("{at}: fixture key {k:?} missing")),
                    Some(ov) if !same_kind(fv, ov) => {
                        out.push(format!("{at}.{k}: fixture {fv} vs ours {ov}"))
                    }
                    Some(ov) => compare_at(sub, fv, ov, &format!("{at}.{k}"), out),
                }
            }
        }
        (Value::Array(f), Value::Array(o)) => {
            if let (Some(fv), Some(ov)) = (f.first(), o.first()) {
                let sub = schema.get("items").unwrap_or(&Value::Null);
                compare_at(sub, fv, ov, &format!("{at}[0]"), out);
            }
        }
        _ => {}
    }
}

/// The names a schema lists as required.
fn required(schema: &Value) -> impl Iterator<Item = &str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn completes_and_checks() {
        let schema = json!({"type": "object", "additionalProperties": false,
            "required": ["a", "b", "c"],
            "properties": {"a": {"type": "integer"}, "b": {"type": ["string", "null"]},
                "c": {"type": "object", "required": ["d"], "properties": {"d": {"type": "array"}}}}});
        let full = complete(&schema, json!({"a": 1}));
        assert_eq!(full, json!({"a": 1, "b": null, "c": {"d": []}}));
        assert!(check(&schema, &full).is_empty());
        let bad = check(&schema, &json!({"a": "x", "z": 1}));
        assert_eq!(bad.len(), 4, "{bad:?}");
    }

    #[test]
    fn the_spec_loads() {
        assert!(response_schema("get", "/site.json").is_some());
        assert!(response_schema("post", "/posts.json").is_some());
    }
}
