//! A transcript's images and files on the forum. Since authenticated media (Matrix 1.11) an
//! `mxc://` link is dead for forum readers, so each selected media message whose link is still
//! in the post is downloaded through the SDK, uploaded to the forum, and its link replaced by
//! the embed Discourse's composer writes. What cannot be copied keeps its link to the message,
//! and a note says why.

use roomscribe_discourse::uploads::{markdown, upload};
use roomscribe_matrix::download_media;
use roomscribe_matrix::matrix_sdk::Client as MatrixClient;
use roomscribe_transcript::Template;
use roomscribe_transcript::model::{ChatMessage, MessageKind, RoomInfo};
use roomscribe_transcript::render::message_markdown;

use crate::discourse::Client as ForumClient;
use crate::tui::sanitize;

/// Far above any forum's limit; a bound so a huge file cannot exhaust memory.
const MAX_DOWNLOAD: usize = 256 * 1024 * 1024;

/// The post with embeds in place of links, and one line per file that stayed a link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attached {
    pub raw: String,
    pub notes: Vec<String>,
    pub uploaded: usize,
}

/// The media messages worth copying: `mxc://` files (web URLs already work for readers).
fn media(m: &ChatMessage) -> Option<(&str, String)> {
    let (url, name) = match &m.kind {
        MessageKind::Image { url, name } | MessageKind::File { url, name } => (url, name),
        _ => return None,
    };
    if m.redacted || !url.starts_with("mxc://") {
        return None;
    }
    let name = name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| Some(m.body.clone()).filter(|b| !b.trim().is_empty()))
        .unwrap_or_else(|| "file".into());
    // A file name, not a path: the forum stores it as given.
    let name = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("file")
        .to_string();
    Some((url, name))
}

pub async fn attach(
    matrix: &MatrixClient,
    forum: &ForumClient,
    raw: &str,
    messages: &[ChatMessage],
    room: &RoomInfo,
    template: &Template,
) -> Attached {
    let mut out = Attached {
        raw: raw.to_string(),
        ..Attached::default()
    };
    for m in messages {
        let Some((url, name)) = media(m) else {
            continue;
        };
        let link = message_markdown(m, room, template);
        // The user may have cut it from the post: then there is nothing to copy.
        if link.is_empty() || !out.raw.contains(&link) {
            continue;
        }
        let shown = sanitize::clean(&name);
        let bytes = match download_media(matrix, url, MAX_DOWNLOAD).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "media download failed");
                out.notes.push(format!(
                    "{shown}: not copied to the forum (the homeserver: {}); the post links to the message",
                    sanitize::clean(&e.to_string())
                ));
                continue;
            }
        };
        match upload(forum, &name, bytes, None).await {
            Ok(up) => {
                out.raw = out.raw.replacen(&link, &markdown(&up), 1);
                out.uploaded += 1;
            }
            Err(e) => {
                tracing::warn!(error = %e, "upload refused");
                out.notes.push(format!(
                    "{shown}: not copied to the forum ({}); the post links to the message",
                    sanitize::clean(&e.lines().join("; "))
                ));
            }
        }
    }
    out
}
