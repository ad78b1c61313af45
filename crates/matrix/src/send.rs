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

/// Sends one message and returns its event id.
pub async fn send_message(
    client: &Client,
    room_id: &OwnedRoomId,
    txn_id: &str,
    body: &str,
    html: Option<&str>,
    notice: bool,
) -> Result<String> {
    let raw = Raw::new(&content(body, html, notice))
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
}
