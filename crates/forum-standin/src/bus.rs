//! A real MessageBus long-poll: `POST /message-bus/{client_id}/poll` with `channel → last_id`;
//! `-1` answers `/__status`; otherwise the request is held until something is published or the
//! hold time ends. Chunked `text/plain` frames separated by `\r\n|\r\n` (sent in pieces, as
//! proxies may split them), or one JSON array with `Dont-Chunk: true`; `?dlp=t` never holds.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::routes::{form_to_json, not_found, viewer};
use crate::state::Forum;
use crate::{Fault, Shared};

const SEPARATOR: &str = "\r\n|\r\n";

/// A response that breaks the connection instead of finishing (what a crash or cut looks like).
pub fn broken_response() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped on purpose"))
    });
    Response::new(Body::from_stream(stream))
}

type Subs = HashMap<String, i64>;

fn parse_subs(headers: &HeaderMap, body: &[u8]) -> Subs {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    let v: Value = if is_json {
        serde_json::from_slice(body).unwrap_or(Value::Null)
    } else {
        form_to_json(body)
    };
    v.as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| !k.starts_with("__"))
        .filter_map(|(k, v)| {
            let id = v.as_i64().or_else(|| v.as_str()?.trim().parse().ok())?;
            Some((k.clone(), id))
        })
        .collect()
}

/// Messages due for these subscriptions; advances `subs` past them.
fn pending(forum: &Forum, subs: &mut Subs, me: Option<i64>) -> Vec<Value> {
    let mut status = serde_json::Map::new();
    let mut out = Vec::new();
    for (channel, last) in subs.iter_mut() {
        let current = forum.last_id(channel);
        if *last < 0 || *last > current {
            status.insert(channel.clone(), json!(current));
            *last = current;
            continue;
        }
        let from = *last;
        for m in forum
            .bus
            .iter()
            .filter(|m| &m.channel == channel && m.message_id > from)
        {
            if m.user_id.is_none() || m.user_id == me {
                out.push(json!({"global_id": m.global_id, "message_id": m.message_id,
                    "channel": m.channel, "data": m.data}));
            }
            *last = m.message_id;
        }
    }
    if !status.is_empty() {
        out.insert(
            0,
            json!({"global_id": -1, "message_id": -1, "channel": "/__status", "data": status}),
        );
    }
    out
}

fn frame(messages: &[Value]) -> String {
    let text = Value::Array(messages.to_vec()).to_string();
    format!("{}{SEPARATOR}", text.replace(SEPARATOR, "\r\n||\r\n"))
}

enum Wait {
    Due(Vec<Value>),
    Timeout,
    Stopped,
}

/// Holds until something is due for these subscriptions, the deadline passes, or the server
/// stops. The notification is armed before looking, so a publish in between is not missed.
async fn wait(
    shared: &Shared,
    subs: &mut Subs,
    me: Option<i64>,
    deadline: tokio::time::Instant,
    stop: &tokio_util::sync::CancellationToken,
) -> Wait {
    loop {
        let notified = shared.bus_changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let due = pending(&shared.forum(), subs, me);
        if !due.is_empty() {
            return Wait::Due(due);
        }
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep_until(deadline) => return Wait::Timeout,
            _ = stop.cancelled() => return Wait::Stopped,
        }
    }
}

pub async fn poll(
    State(shared): State<Arc<Shared>>,
    Path(_client_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if shared.fault_active(Fault::BusUnavailable) {
        return not_found();
    }
    let me = match viewer(&shared, &headers) {
        Ok(me) => me.map(|u| u.id),
        Err(resp) => return resp,
    };
    let mut subs = parse_subs(&headers, &body);
    let long_poll = q.get("dlp").map(String::as_str) != Some("t");
    let chunked = headers.get("Dont-Chunk").and_then(|v| v.to_str().ok()) != Some("true");
    let hold = shared.poll_hold();
    let stop = shared.stop_token();
    let first = pending(&shared.forum(), &mut subs, me);
    if !first.is_empty() || !long_poll {
        return answer(chunked, &first);
    }
    if !chunked {
        let deadline = tokio::time::Instant::now() + hold;
        return match wait(&shared, &mut subs, me, deadline, &stop).await {
            Wait::Due(due) => answer(false, &due),
            Wait::Timeout => answer(false, &[]),
            Wait::Stopped => broken_response(),
        };
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + hold;
        loop {
            match wait(&shared, &mut subs, me, deadline, &stop).await {
                Wait::Due(due) => {
                    let text = frame(&due);
                    // Two pieces: the client must parse by separator, not by chunk.
                    let mid = text.len() / 2;
                    let (a, b) = text.split_at(
                        text.char_indices()
                            .map(|(i, _)| i)
                            .find(|i| *i >= mid)
                            .unwrap_or(0),
                    );
                    for piece in [a, b] {
                        if tx.send(Ok(Bytes::from(piece.to_string()))).await.is_err() {
                            return;
                        }
                    }
                }
                Wait::Timeout => return,
                Wait::Stopped => {
                    let _ = tx.send(Err(std::io::Error::other("server stopped"))).await;
                    return;
                }
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
    .boxed();
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "must-revalidate, private, max-age=0"),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

fn answer(chunked: bool, messages: &[Value]) -> Response {
    if chunked {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            frame(messages),
        )
            .into_response()
    } else {
        axum::Json(Value::Array(messages.to_vec())).into_response()
    }
}
