//! Uploading a file for a post (`POST /uploads.json`, `type=composer`) and the markdown that
//! embeds it, in the forms Discourse's composer writes (`lib/uploads.js`, `getUploadMarkdown`).

use std::time::Duration;

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde::Deserialize;

use crate::client::{Client, send_json};
use crate::error::{ForumError, Result};

/// The fields of Discourse's `UploadSerializer` that the markdown needs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Uploaded {
    pub short_url: String,
    pub original_filename: String,
    #[serde(default)]
    pub filesize: u64,
    pub width: Option<u64>,
    pub height: Option<u64>,
    pub thumbnail_width: Option<u64>,
    pub thumbnail_height: Option<u64>,
    pub human_filesize: Option<String>,
}

/// Uploads `bytes` as `filename`. A refusal (extension not authorized, too big) is
/// `ForumError::Rejected` with Discourse's words; a proxy's 413 is `Http { status: 413 }`.
pub async fn upload(
    client: &Client,
    filename: &str,
    bytes: Vec<u8>,
    mime: Option<&str>,
) -> Result<Uploaded> {
    let mut part = Part::bytes(bytes).file_name(filename.to_string());
    if let Some(m) = mime {
        part = part
            .mime_str(m)
            .map_err(|e| ForumError::Config(format!("bad media type {m:?}: {e}")))?;
    }
    let form = Form::new()
        .text("type", "composer")
        .text("synchronous", "true")
        .part("file", part);
    let rb = client
        .request(Method::POST, "/uploads.json")?
        .timeout(Duration::from_secs(120))
        .multipart(form);
    let up: Uploaded = send_json(rb).await?;
    if !up.short_url.starts_with("upload://") {
        return Err(ForumError::Decode(format!(
            "the upload has no upload:// address ({})",
            up.short_url
        )));
    }
    Ok(up)
}

/// `isImage` / `isAudio` / `isVideo` of Discourse's `lib/uploads.js`, by file name.
fn kind(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" | "webp" | "jpg" | "jpeg" | "gif" | "svg" | "ico" | "heic" | "heif" => "image",
        "mov" | "mp4" | "webm" | "m4v" | "3gp" | "ogv" | "avi" | "mpeg" => "video",
        "mp3" | "ogg" | "oga" | "opus" | "wav" | "m4a" | "m4b" | "m4p" | "m4r" | "aac" | "flac" => {
            "audio"
        }
        _ => "attachment",
    }
}

/// Text safe inside `[...|...]`: Discourse's `markdownNameFromFileName` drops `[`, `]` and
/// `|`; line breaks, controls and `@` (a mention in link text would ping) go too.
fn label(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | '|' | '@' | '<' | '>' | '`' | '\\'))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    if clean.is_empty() {
        "file".into()
    } else {
        clean
    }
}

/// The markdown the composer inserts for `up`: `![name|WxH](upload://…)` for images,
/// `![name|video]` / `![name|audio]` for playable media, `[file|attachment](upload://…) (size)`
/// for anything else.
pub fn markdown(up: &Uploaded) -> String {
    let name = &up.original_filename;
    let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
    match kind(name) {
        "image" => {
            let w = up.thumbnail_width.or(up.width);
            let h = up.thumbnail_height.or(up.height);
            match (w, h) {
                (Some(w), Some(h)) if w > 0 && h > 0 => {
                    format!("![{}|{w}x{h}]({})", label(stem), up.short_url)
                }
                _ => format!("![{}]({})", label(stem), up.short_url),
            }
        }
        media @ ("video" | "audio") => format!("![{}|{media}]({})", label(stem), up.short_url),
        _ => {
            let size = up
                .human_filesize
                .as_deref()
                .map(|s| format!(" ({})", label(s)))
                .unwrap_or_default();
            format!("[{}|attachment]({}){size}", label(name), up.short_url)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(name: &str, w: Option<u64>) -> Uploaded {
        Uploaded {
            short_url: "upload://abc.x".into(),
            original_filename: name.into(),
            filesize: 10,
            width: w,
            height: w,
            thumbnail_width: w,
            thumbnail_height: w.map(|w| w / 2),
            human_filesize: Some("10 Bytes".into()),
        }
    }

    #[test]
    fn forms_match_the_composer() {
        assert_eq!(
            markdown(&up("cat.png", Some(40))),
            "![cat|40x20](upload://abc.x)"
        );
        assert_eq!(
            markdown(&up("clip.mp4", None)),
            "![clip|video](upload://abc.x)"
        );
        assert_eq!(
            markdown(&up("talk.mp3", None)),
            "![talk|audio](upload://abc.x)"
        );
        assert_eq!(
            markdown(&up("log.txt", None)),
            "[log.txt|attachment](upload://abc.x) (10 Bytes)"
        );
    }

    #[test]
    fn names_cannot_break_out() {
        let md = markdown(&up("a]](x) [/quote] @bob\n|y.txt", None));
        assert_eq!(
            md,
            "[a(x) /quote bob y.txt|attachment](upload://abc.x) (10 Bytes)"
        );
    }
}
