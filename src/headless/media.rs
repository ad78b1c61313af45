//! A transcript's images and files on the forum. Since authenticated media (Matrix 1.11) an
//! `mxc://` link is dead for forum readers, so each selected media message whose link is still
//! in the post is downloaded through the SDK, uploaded to the forum, and its link replaced by
//! the embed Discourse's composer writes. What cannot be copied keeps its link to the message,
//! and a note says why.

use roomscribe_discourse::Auth;
use roomscribe_discourse::publish::{RetryPolicy, find_by_external_id, publish};
use roomscribe_discourse::types::{ForumCommand, ForumEvent, PostMedia};
use roomscribe_discourse::uploads::{markdown, upload};
use roomscribe_matrix::download_media;
use roomscribe_matrix::matrix_sdk::Client as MatrixClient;
use roomscribe_transcript::Template;
use roomscribe_transcript::model::{ChatMessage, MessageKind, RoomInfo};
use roomscribe_transcript::render::message_markdown;
use tokio::sync::mpsc;

use crate::discourse::Client as ForumClient;
use roomscribe_transcript::sanitize;

/// Far above any forum's limit; a bound so a huge file cannot exhaust memory.
const MAX_DOWNLOAD: usize = 256 * 1024 * 1024;

/// The post with embeds in place of links, and one line per file that stayed a link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attached {
    pub raw: String,
    pub notes: Vec<String>,
    pub uploaded: usize,
}

/// The media messages worth copying: `mxc://` files (web URLs already work for readers),
/// each with the link the post shows for it.
pub fn post_media(
    messages: &[&ChatMessage],
    room: &RoomInfo,
    template: &Template,
) -> Vec<PostMedia> {
    messages
        .iter()
        .filter_map(|m| {
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
            let link = message_markdown(m, room, template);
            (!link.is_empty()).then(|| PostMedia {
                url: url.clone(),
                name,
                link,
            })
        })
        .collect()
}

/// Copies `media` into `raw`. Nothing is uploaded when the topic's `external_id` shows this
/// selection is on the forum already (publishing will say so).
pub async fn attach(
    matrix: &MatrixClient,
    forum: &ForumClient,
    raw: &str,
    media: &[PostMedia],
    external_id: Option<&str>,
) -> Attached {
    let mut out = Attached {
        raw: raw.to_string(),
        ..Attached::default()
    };
    if let (Auth::AdminKey { .. }, Some(id)) = (forum.auth(), external_id)
        && let Ok(Some(_)) = find_by_external_id(forum, id).await
    {
        return out;
    }
    for item in media {
        // The user may have cut it from the post: then there is nothing to copy.
        if !out.raw.contains(&item.link) {
            continue;
        }
        let shown = sanitize::display(&item.name);
        let bytes = match download_media(matrix, &item.url, MAX_DOWNLOAD).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "media download failed");
                out.notes.push(format!(
                    "{shown}: not copied to the forum (the homeserver: {}); the post links to the message",
                    sanitize::display(&e.to_string())
                ));
                continue;
            }
        };
        match upload(forum, &item.name, bytes, None).await {
            Ok(up) => {
                out.raw = out.raw.replacen(&item.link, &markdown(&up), 1);
                out.uploaded += 1;
            }
            Err(e) => {
                tracing::warn!(error = %e, "upload refused");
                out.notes.push(format!(
                    "{shown}: not copied to the forum ({}); the post links to the message",
                    sanitize::display(&e.lines().join("; "))
                ));
            }
        }
    }
    out
}

/// The app's forum commands pass through here: a `Publish` carrying media gets them copied
/// first (the Matrix client downloads, the forum client uploads), then is published with the
/// notes in its answer; everything else goes on to the feed.
pub async fn relay(
    mut from_app: mpsc::Receiver<ForumCommand>,
    to_feed: mpsc::Sender<ForumCommand>,
    events: mpsc::Sender<ForumEvent>,
    matrix: MatrixClient,
    forum: ForumClient,
) {
    while let Some(cmd) = from_app.recv().await {
        match cmd {
            ForumCommand::Publish(mut topic) if !topic.media.is_empty() => {
                let (matrix, forum, events) = (matrix.clone(), forum.clone(), events.clone());
                tokio::spawn(async move {
                    let media = std::mem::take(&mut topic.media);
                    let attached = attach(
                        &matrix,
                        &forum,
                        &topic.raw,
                        &media,
                        topic.external_id.as_deref(),
                    )
                    .await;
                    topic.raw = attached.raw;
                    let ev = match publish(&forum, &topic, &RetryPolicy::default()).await {
                        Ok(mut done) => {
                            done.notes = attached.notes;
                            ForumEvent::Published(done)
                        }
                        Err(e) => ForumEvent::PublishFailed { errors: e.lines() },
                    };
                    let _ = events.send(ev).await;
                });
            }
            other => {
                if to_feed.send(other).await.is_err() {
                    break;
                }
            }
        }
    }
}
