//! REST endpoints: auth like Discourse (admin key + Api-Username, or User API key), errors in
//! its shapes, faults on demand, and every JSON answer shaped and checked by the spec.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::state::User;
use crate::{Fault, Shared, render, schema};

pub type Reply = Result<Response, Response>;

const INVALID_ACCESS: &str =
    "You are not permitted to view the requested resource. The API username or key is invalid.";

pub fn error(status: StatusCode, errors: &[&str], error_type: Option<&str>) -> Response {
    let mut body = json!({ "errors": errors });
    if let Some(t) = error_type {
        body["error_type"] = json!(t);
    }
    (status, axum::Json(body)).into_response()
}

pub fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        &["The requested URL or resource could not be found."],
        Some("not_found"),
    )
}

/// Shapes `value` by the spec's schema for `method path`, and refuses to send a violation.
pub fn spec_json(method: &str, path: &str, value: Value) -> Response {
    let Some(schema) = schema::response_schema(method, path) else {
        return axum::Json(value).into_response();
    };
    let value = schema::complete(schema, value);
    let problems = schema::check(schema, &value);
    if problems.is_empty() {
        axum::Json(value).into_response()
    } else {
        let msg = format!("stand-in drifted from the spec: {}", problems.join("; "));
        (StatusCode::INTERNAL_SERVER_ERROR, msg).into_response()
    }
}

/// Who is asking; a wrong key or a username the key cannot act as is 403 `invalid_access`.
pub fn viewer(shared: &Shared, headers: &HeaderMap) -> Result<Option<User>, Response> {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let forum = shared.forum();
    let denied = || {
        error(
            StatusCode::FORBIDDEN,
            &[INVALID_ACCESS],
            Some("invalid_access"),
        )
    };
    if let Some(key) = h("Api-Key") {
        if key != shared.admin_key {
            return Err(denied());
        }
        let name = h("Api-Username").unwrap_or("system");
        return forum
            .user_by_name(name)
            .cloned()
            .map(Some)
            .ok_or_else(denied);
    }
    if let Some(key) = h("User-Api-Key") {
        let client = h("User-Api-Client-Id").unwrap_or("");
        return forum
            .users
            .iter()
            .find(|u| u.user_api_keys.iter().any(|(k, c)| k == key && c == client))
            .cloned()
            .map(Some)
            .ok_or_else(denied);
    }
    Ok(None)
}

/// Faults that hit any REST request (the bus has its own switch).
pub async fn faults(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    if shared.take_fault(Fault::Html502) {
        return proxy_502();
    }
    if shared.take_fault(Fault::RateLimitJson) {
        let body = json!({"errors": ["You’ve performed this action too many times. Please wait 1 second before trying again."],
            "error_type": "rate_limit", "extras": {"wait_seconds": 1, "time_left": "1 second"}});
        let mut resp = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
        resp.headers_mut().insert(header::RETRY_AFTER, 1.into());
        resp.headers_mut().insert(
            "Discourse-Rate-Limit-Error-Code",
            "create_post".parse().unwrap_or(1.into()),
        );
        return resp;
    }
    if shared.take_fault(Fault::RateLimitText) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::CONTENT_TYPE, "text/plain"), (header::RETRY_AFTER, "1"),
             (header::HeaderName::from_static("discourse-rate-limit-error-code"), "ip_10_secs_limit")],
            "Slow down, too many requests from this IP address.\nPlease retry again in 1 seconds.\nError code: ip_10_secs_limit.\n",
        )
            .into_response();
    }
    next.run(req).await
}

fn proxy_502() -> Response {
    let page = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n";
    (
        StatusCode::BAD_GATEWAY,
        [(header::CONTENT_TYPE, "text/html")],
        page,
    )
        .into_response()
}

pub async fn site(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Reply {
    let me = viewer(&shared, &headers)?;
    let v = render::site(&shared.forum(), me.as_ref());
    Ok(spec_json("get", "/site.json", v))
}

pub async fn latest(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Reply {
    let me = viewer(&shared, &headers)?;
    let forum = shared.forum();
    let mut topics: Vec<_> = forum
        .topics
        .values()
        .filter(|t| forum.visible_topic(t, me.as_ref()))
        .collect();
    if q.get("order").map(String::as_str) == Some("created") {
        topics.sort_by_key(|t| std::cmp::Reverse((t.created_at, t.id)));
    } else {
        topics.sort_by_key(|t| std::cmp::Reverse((t.bumped_at, t.id)));
    }
    let per_page = q
        .get("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(30usize);
    let items: Vec<Value> = topics
        .iter()
        .take(per_page)
        .map(|t| render::topic_item(&forum, t))
        .collect();
    let users: Vec<Value> = forum
        .users
        .iter()
        .map(|u| {
            json!({"id": u.id, "username": u.username, "name": u.username,
            "avatar_template": "/letter_avatar_proxy/v4/letter/a/df705f/{size}.png"})
        })
        .collect();
    let v = json!({"users": users, "primary_groups": [], "topic_list": {
        "can_create_topic": me.is_some(), "draft": null, "draft_key": "new_topic",
        "draft_sequence": 0, "per_page": per_page, "topics": items}});
    Ok(spec_json("get", "/latest.json", v))
}

pub async fn posts(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Reply {
    let me = viewer(&shared, &headers)?;
    let forum = shared.forum();
    let before = q
        .get("before")
        .and_then(|b| b.parse::<u64>().ok())
        .unwrap_or(u64::MAX);
    let list: Vec<Value> = forum
        .posts
        .values()
        .rev()
        .filter(|p| p.id < before)
        .filter(|p| {
            forum
                .topics
                .get(&p.topic_id)
                .is_some_and(|t| forum.visible_topic(t, me.as_ref()))
        })
        .take(50)
        .map(|p| render::post(&forum, p, me.as_ref()))
        .collect();
    Ok(spec_json(
        "get",
        "/posts.json",
        json!({ "latest_posts": list }),
    ))
}

pub async fn topic(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    let me = viewer(&shared, &headers)?;
    let forum = shared.forum();
    let id: u64 = id
        .trim_end_matches(".json")
        .parse()
        .map_err(|_| not_found())?;
    let t = forum
        .topics
        .get(&id)
        .filter(|t| forum.visible_topic(t, me.as_ref()))
        .ok_or_else(not_found)?;
    Ok(spec_json(
        "get",
        "/t/{id}.json",
        render::topic(&forum, t, me.as_ref()),
    ))
}

/// `/t/{slug}/{id}.json`, where the external-id redirect points.
pub async fn topic_with_slug(
    state: State<Arc<Shared>>,
    headers: HeaderMap,
    Path((_slug, id)): Path<(String, String)>,
) -> Reply {
    topic(state, headers, Path(id)).await
}

pub async fn user(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Reply {
    viewer(&shared, &headers)?;
    let forum = shared.forum();
    let u = forum
        .user_by_name(name.trim_end_matches(".json"))
        .ok_or_else(not_found)?;
    Ok(spec_json("get", "/u/{username}.json", render::user(u)))
}

pub async fn current(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Reply {
    let me = viewer(&shared, &headers)?.ok_or_else(not_found)?;
    Ok(axum::Json(
        json!({"current_user": {"id": me.id, "username": me.username, "admin": me.admin}}),
    )
    .into_response())
}

pub async fn notifications(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Reply {
    let me = viewer(&shared, &headers)?.ok_or_else(|| {
        error(
            StatusCode::FORBIDDEN,
            &["You are not permitted to view the requested resource."],
            Some("invalid_access"),
        )
    })?;
    Ok(spec_json(
        "get",
        "/notifications.json",
        render::notifications(&shared.forum(), &me),
    ))
}

/// `POST /posts.json`, JSON or form: a new topic (title, raw, category, tags) or a reply.
pub async fn create(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Reply {
    let me = viewer(&shared, &headers)?.ok_or_else(|| {
        error(
            StatusCode::FORBIDDEN,
            &["You are not permitted to view the requested resource."],
            Some("not_logged_in"),
        )
    })?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    let v: Value = if is_json {
        serde_json::from_slice(&body)
            .map_err(|_| error(StatusCode::BAD_REQUEST, &["invalid JSON"], None))?
    } else {
        form_to_json(&body)
    };
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let n = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_u64().or_else(|| x.as_str()?.parse().ok()))
    };
    let tags: Vec<String> = v
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(String::from))
        .collect();
    // `create_params` permits `external_id` only `if is_api?` (admin/global keys); anything
    // else sent by a User API key is dropped without an error, as Rails' `permit` does.
    let external_id = headers
        .contains_key("Api-Key")
        .then(|| s("external_id"))
        .filter(|e| !e.is_empty());
    let result = {
        let mut forum = shared.forum();
        match n("topic_id") {
            Some(t) => forum.add_post(t, me.id, &s("raw")).map_err(Some),
            None => forum
                .create_topic_with(
                    me.id,
                    &s("title"),
                    &s("raw"),
                    n("category"),
                    tags,
                    external_id,
                )
                .map(|tid| {
                    forum
                        .topics
                        .get(&tid)
                        .and_then(|t| t.posts.first().copied())
                        .unwrap_or(0)
                }),
        }
    };
    shared.bus_changed.notify_waiters();
    let post_id = match result {
        Ok(id) => id,
        Err(Some(errors)) => {
            let body = json!({"action": "create_post", "errors": errors});
            return Err((StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response());
        }
        Err(None) => {
            return Err(error(
                StatusCode::FORBIDDEN,
                &["You are not permitted to view the requested resource."],
                Some("invalid_access"),
            ));
        }
    };
    if shared.take_fault(Fault::DropAfterCreate) {
        return Err(crate::bus::broken_response());
    }
    if shared.take_fault(Fault::SlowAfterCreate) {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    }
    if shared.take_fault(Fault::Html502AfterCreate) {
        return Err(proxy_502());
    }
    if shared.take_fault(Fault::GarbageAfterCreate) {
        return Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            "{\"post\": {\"id\": 1, \"topic_\u{0}",
        )
            .into_response());
    }
    let forum = shared.forum();
    let p = forum.posts.get(&post_id).ok_or_else(not_found)?;
    Ok(spec_json(
        "post",
        "/posts.json",
        render::post(&forum, p, Some(&me)),
    ))
}

/// `a=1&tags[]=x&tags[]=y` → `{"a": "1", "tags": ["x", "y"]}`.
pub fn form_to_json(body: &[u8]) -> Value {
    let mut map = serde_json::Map::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        if let Some(base) = k.strip_suffix("[]") {
            let entry = map.entry(base.to_string()).or_insert_with(|| json!([]));
            if let Some(list) = entry.as_array_mut() {
                list.push(json!(v));
            }
        } else {
            map.insert(k.into_owned(), json!(v));
        }
    }
    Value::Object(map)
}
