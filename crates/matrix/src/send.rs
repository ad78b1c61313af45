//! Sending a message (forum notices) with the caller's transaction id, so a retry of the same
//! message is deduplicated by the server and two messages never collide.

use std::time::Duration;

use matrix_sdk::Client;
use matrix_sdk::ruma::api::client::message::send_message_event::v3 as send_event;
use matrix_sdk::ruma::api::error::ErrorKind;
use matrix_sdk::ruma::events::MessageLikeEventType;
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{OwnedRoomId, OwnedTransactionId};
use serde_json::json;

use crate::error::{Error, Result, describe_http, kind_of};
use crate::live::Backoff;

/// Network failures are retried this often (same transaction id, so never twice in the room);
/// the SDK itself waits out `M_LIMIT_EXCEEDED` using the server's `Retry-After`.
const ATTEMPTS: u32 = 8;

/// The event content: `m.notice` (or `m.text`) with an HTML body when given.
pub(crate) fn content(body: &str, html: Option<&str>, notice: bool) -> serde_json::Value {
    let mut c = json!({
        "msgtype": if notice { "m.notice" } else { "m.text" },
        "body": body,
    });
    if let Some(h) = html {
        c["format"] = json!("org.matrix.custom.html");
        c["formatted_body"] = json!(h);
    }
    c
}

/// A reply to `reply_to` (inside the thread `thread_root` when given) that mentions nobody:
/// an empty `m.mentions` tells clients not to ping from the body's words (`@room`, names), and
/// there is no fallback quote carrying the asker's id.
pub(crate) fn reply_content(
    body: &str,
    html: Option<&str>,
    notice: bool,
    reply_to: &str,
    thread_root: Option<&str>,
) -> serde_json::Value {
    let mut c = content(body, html, notice);
    c["m.mentions"] = json!({});
    c["m.relates_to"] = match thread_root {
        Some(root) => json!({
            "rel_type": "m.thread",
            "event_id": root,
            "is_falling_back": false,
            "m.in_reply_to": {"event_id": reply_to},
        }),
        None => json!({"m.in_reply_to": {"event_id": reply_to}}),
    };
    c
}

/// Sends one message and returns its event id.
pub async fn send_message(
    client: &Client,
    room_id: &OwnedRoomId,
    txn_id: &str,
    body: &str,
    html: Option<&str>,
    notice: bool,
) -> Result<String> {
    send_content(client, room_id, txn_id, &content(body, html, notice)).await
}

/// Sends a threaded reply to `reply_to` (see [`reply_content`]) and returns its event id.
#[allow(clippy::too_many_arguments)]
pub async fn send_reply(
    client: &Client,
    room_id: &OwnedRoomId,
    txn_id: &str,
    body: &str,
    html: Option<&str>,
    notice: bool,
    reply_to: &str,
    thread_root: Option<&str>,
) -> Result<String> {
    let c = reply_content(body, html, notice, reply_to, thread_root);
    send_content(client, room_id, txn_id, &c).await
}

async fn send_content(
    client: &Client,
    room_id: &OwnedRoomId,
    txn_id: &str,
    content: &serde_json::Value,
) -> Result<String> {
    let raw = Raw::new(content)
        .map_err(|e| Error::Request(e.to_string()))?
        .cast_unchecked();
    let txn: OwnedTransactionId = txn_id.into();
    let mut backoff = Backoff::default();
    loop {
        let request = send_event::Request::new_raw(
            room_id.clone(),
            txn.clone(),
            MessageLikeEventType::RoomMessage,
            raw.clone(),
        );
        match client.send(request).await {
            Ok(resp) => return Ok(resp.event_id.to_string()),
            Err(e) => {
                let retry = match kind_of(&e) {
                    None => e.as_client_api_error().is_none(),
                    Some(ErrorKind::LimitExceeded(_)) => true,
                    Some(_) => false,
                };
                let (wait, attempt) = backoff.next_delay();
                if !retry || attempt >= ATTEMPTS {
                    return Err(Error::http(&e));
                }
                tracing::warn!(
                    "send failed (attempt {attempt}), retrying in {wait:?}: {}",
                    describe_http(&e)
                );
                tokio::time::sleep(wait.min(Duration::from_secs(10))).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notice_with_html() {
        let c = content("**hi**", Some("<b>hi</b>"), true);
        assert_eq!(c["msgtype"], "m.notice");
        assert_eq!(c["format"], "org.matrix.custom.html");
        assert_eq!(c["formatted_body"], "<b>hi</b>");
        let c = content("hi", None, false);
        assert_eq!(c["msgtype"], "m.text");
        assert!(c.get("format").is_none());
    }

    #[test]
    fn replies_mention_nobody_and_stay_in_the_thread() {
        let c = reply_content("ok", None, true, "$cmd", Some("$root"));
        assert_eq!(c["m.mentions"], json!({}));
        assert_eq!(c["m.relates_to"]["rel_type"], "m.thread");
        assert_eq!(c["m.relates_to"]["m.in_reply_to"]["event_id"], "$cmd");
        let c = reply_content("ok", None, true, "$cmd", None);
        assert_eq!(
            c["m.relates_to"],
            json!({"m.in_reply_to": {"event_id": "$cmd"}})
        );
    }
}
