//! A MessageBus long-poll client: `POST /message-bus/{client_id}/poll` with `channel → last_id`
//! (`-1` = no backlog, answered by `/__status`), chunked frames split on `\r\n|\r\n` (a literal
//! separator inside data arrives escaped as `\r\n||\r\n`) or one JSON array when not chunked.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use rand::Rng;
use reqwest::Method;
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::client::{Client, error_from_response, network_error};
use crate::error::{ForumError, Result};

const SEPARATOR: &[u8] = b"\r\n|\r\n";
const ESCAPED: &str = "\r\n||\r\n";
/// Discourse holds a poll ~25 s; allow for slow networks before calling it dead.
const POLL_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BusMessage {
    #[serde(default)]
    pub global_id: i64,
    pub message_id: i64,
    pub channel: String,
    #[serde(default)]
    pub data: serde_json::Value,
}

/// Splits a byte stream into frames by separator, whatever the chunk boundaries.
#[derive(Debug, Default)]
pub struct FrameParser {
    buf: Vec<u8>,
}

impl FrameParser {
    pub fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        self.buf.extend_from_slice(chunk);
        let mut frames = Vec::new();
        while let Some(pos) = self
            .buf
            .windows(SEPARATOR.len())
            .position(|w| w == SEPARATOR)
        {
            let rest = self.buf.split_off(pos + SEPARATOR.len());
            let mut frame = std::mem::replace(&mut self.buf, rest);
            frame.truncate(pos);
            frames.push(String::from_utf8_lossy(&frame).replace(ESCAPED, "\r\n|\r\n"));
        }
        frames
    }

    /// What is left when the stream ends (a proxy may have stripped the last separator).
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.buf);
        let text = String::from_utf8_lossy(&rest).trim().to_string();
        (!text.is_empty()).then_some(text)
    }
}

pub fn parse_frame(frame: &str) -> Result<Vec<BusMessage>> {
    serde_json::from_str(frame.trim())
        .map_err(|e| ForumError::Decode(format!("MessageBus frame: {e}")))
}

/// One client id for the session, and where each channel is.
#[derive(Debug)]
pub struct BusClient {
    client: Client,
    client_id: String,
    seq: u64,
    channels: BTreeMap<String, i64>,
    chunked: bool,
}

impl BusClient {
    pub fn new(client: Client, channels: &[String]) -> Self {
        let mut rng = rand::thread_rng();
        let client_id: String = (0..16)
            .map(|_| format!("{:x}", rng.gen_range(0..16u8)))
            .collect();
        Self {
            client,
            client_id,
            seq: 0,
            channels: channels.iter().map(|c| (c.clone(), -1)).collect(),
            chunked: true,
        }
    }

    /// Ask for one JSON array per poll (`Dont-Chunk: true`), for proxies that buffer chunks.
    pub fn set_chunked(&mut self, chunked: bool) {
        self.chunked = chunked;
    }

    /// One poll: long (held by the server) or, with `long = false`, answered at once (`dlp=t`,
    /// how we learn quickly that the forum is back). Messages go to `out` as their frames
    /// arrive; `connected` fires once the server has answered 200.
    pub async fn poll(
        &mut self,
        long: bool,
        out: &mpsc::Sender<BusMessage>,
        connected: impl FnOnce(),
    ) -> Result<()> {
        self.seq += 1;
        let mut form: Vec<(String, String)> = self
            .channels
            .iter()
            .map(|(c, id)| (c.clone(), id.to_string()))
            .collect();
        form.push(("__seq".into(), self.seq.to_string()));
        let mut rb = self
            .client
            .request(
                Method::POST,
                &format!(
                    "/message-bus/{}/poll{}",
                    self.client_id,
                    if long { "" } else { "?dlp=t" }
                ),
            )?
            .timeout(POLL_TIMEOUT)
            .form(&form);
        if !self.chunked {
            rb = rb.header("Dont-Chunk", "true");
        }
        let resp = rb.send().await.map_err(network_error)?;
        let status = resp.status();
        if !status.is_success() {
            let headers = resp.headers().clone();
            let body = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
            return Err(error_from_response(status, &headers, &body));
        }
        connected();
        let is_json = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        let mut parser = FrameParser::default();
        let mut stream = resp.bytes_stream();
        let mut whole = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(network_error)?;
            if is_json {
                whole.extend_from_slice(&chunk);
                continue;
            }
            for frame in parser.push(&chunk) {
                self.deliver(parse_frame(&frame)?, out).await;
            }
        }
        let tail = if is_json {
            Some(String::from_utf8_lossy(&whole).into_owned())
        } else {
            parser.finish()
        };
        if let Some(text) = tail.filter(|t| !t.trim().is_empty()) {
            self.deliver(parse_frame(&text)?, out).await;
        }
        Ok(())
    }

    async fn deliver(&mut self, messages: Vec<BusMessage>, out: &mpsc::Sender<BusMessage>) {
        for m in messages {
            if m.channel == "/__status" {
                if let Some(map) = m.data.as_object() {
                    for (channel, id) in map {
                        if let (Some(slot), Some(id)) =
                            (self.channels.get_mut(channel), id.as_i64())
                        {
                            *slot = id;
                        }
                    }
                }
                continue;
            }
            if let Some(slot) = self.channels.get_mut(&m.channel) {
                *slot = (*slot).max(m.message_id);
            }
            let _ = out.send(m).await;
        }
    }
}

/// Exponential backoff with ±20 % jitter, so many clients do not reconnect in step.
pub fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let exp = base.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(16)));
    let capped = exp.min(max);
    let jitter = rand::thread_rng().gen_range(0.8..1.2);
    capped.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_anywhere_and_unescape() {
        let data = r#"[{"global_id":1,"message_id":1,"channel":"/latest","data":{"s":"a"}}]"#;
        let escaped =
            "[{\"global_id\":2,\"message_id\":2,\"channel\":\"/x\",\"data\":\"p\r\n||\r\nq\"}]";
        let stream = format!("{data}\r\n|\r\n{escaped}\r\n|\r\n");
        let bytes = stream.as_bytes();
        for cut in 0..bytes.len() {
            let mut p = FrameParser::default();
            let mut frames = p.push(&bytes[..cut]);
            frames.extend(p.push(&bytes[cut..]));
            assert_eq!(frames.len(), 2, "cut at {cut}");
            assert_eq!(frames[0], data);
            assert!(frames[1].contains("p\r\n|\r\nq"));
            assert!(p.finish().is_none());
        }
    }

    #[test]
    fn joined_frames_and_a_missing_last_separator() {
        let mut p = FrameParser::default();
        let frames = p.push(b"[]\r\n|\r\n[]\r\n|\r\n[1]");
        assert_eq!(frames, vec!["[]", "[]"]);
        assert_eq!(p.finish().as_deref(), Some("[1]"));
    }

    #[test]
    fn backoff_grows_and_caps() {
        let base = Duration::from_secs(1);
        let max = Duration::from_secs(30);
        assert!(backoff(1, base, max) <= Duration::from_millis(1200));
        assert!(backoff(4, base, max) >= Duration::from_millis(6400));
        assert!(backoff(40, base, max) <= Duration::from_secs(36));
    }
}
