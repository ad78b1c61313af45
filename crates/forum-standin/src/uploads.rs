//! `POST /uploads.json` as `UploadsController#create` and `UploadValidator` answer it: multipart
//! `file` + `type` (or `upload_type`), the site's `authorized_extensions`,
//! `max_image_size_kb` and `max_attachment_size_kb`, errors as 422 `{"errors": [...]}` in
//! Discourse's own words (`config/locales/server.en.yml`, keys under `upload.`).

use std::sync::Arc;

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha1::{Digest, Sha1};

use crate::Shared;
use crate::routes::{Reply, error, not_found, spec_json, viewer};

/// The site settings uploads obey. Defaults are Discourse's.
#[derive(Debug, Clone)]
pub struct UploadSettings {
    pub max_image_size_kb: u64,
    pub max_attachment_size_kb: u64,
    /// `authorized_extensions`, e.g. `jpg|jpeg|png|gif|heic|heif|webp|avif|svg`; `*` allows all.
    pub authorized_extensions: String,
}

impl Default for UploadSettings {
    fn default() -> Self {
        Self {
            max_image_size_kb: 4096,
            max_attachment_size_kb: 4096,
            authorized_extensions: "jpg|jpeg|png|gif|heic|heif|webp|avif|svg".into(),
        }
    }
}

/// An upload as stored, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUpload {
    pub id: u64,
    pub short_url: String,
    pub original_filename: String,
    pub bytes: Vec<u8>,
    pub user_id: i64,
}

/// `FileHelper.supported_images`.
fn is_image(ext: &str) -> bool {
    matches!(
        ext,
        "jpg" | "jpeg" | "png" | "gif" | "ico" | "webp" | "avif" | "heic" | "heif" | "svg"
    )
}

/// `ActiveSupport::NumberHelper.number_to_human_size`: 3 significant digits, zeros dropped.
pub fn human_size(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes} {}", if bytes == 1 { "Byte" } else { "Bytes" });
    }
    let units = ["KB", "MB", "GB", "TB"];
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < units.len() {
        v /= 1024.0;
        unit += 1;
    }
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    let s = format!("{v:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    format!("{s} {}", units[unit])
}

/// `Upload.base62_sha1`: the SHA-1 as one big number in base 62 (0-9, a-z, A-Z).
fn base62(digest: &[u8]) -> String {
    const ABC: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut num = digest.to_vec();
    let mut out = Vec::new();
    while num.iter().any(|b| *b != 0) {
        let mut rem = 0u32;
        for b in num.iter_mut() {
            let cur = (rem << 8) | u32::from(*b);
            *b = (cur / 62) as u8;
            rem = cur % 62;
        }
        out.push(ABC[rem as usize]);
    }
    if out.is_empty() {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

/// `ImageSizer.resize`: what the composer shows, at most 690×500, never enlarged.
fn thumbnail(w: u64, h: u64) -> (u64, u64) {
    if w == 0 || h == 0 {
        return (w, h);
    }
    let scale = (690.0 / w as f64).min(500.0 / h as f64).min(1.0);
    (
        ((w as f64 * scale).floor() as u64).max(1),
        ((h as f64 * scale).floor() as u64).max(1),
    )
}

fn rejected(message: String) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        axum::Json(json!({ "errors": [message] })),
    )
        .into_response()
}

pub async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Reply {
    let me = viewer(&shared, &headers)?.ok_or_else(|| {
        error(
            StatusCode::FORBIDDEN,
            &["You need to be logged in to do that."],
            Some("not_logged_in"),
        )
    })?;
    let (mut kind, mut file) = (None, None);
    while let Ok(Some(field)) = form.next_field().await {
        match field.name() {
            Some("type" | "upload_type") => kind = field.text().await.ok(),
            Some("file" | "files[]") => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| error(StatusCode::BAD_REQUEST, &["bad multipart body"], None))?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    if kind.as_deref().is_none_or(str::is_empty) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            &["You supplied invalid parameters to the request."],
            Some("invalid_parameters"),
        ));
    }
    let Some((name, bytes)) = file else {
        return Err(rejected("Sorry, you must provide a file to upload.".into()));
    };
    let settings = shared.upload_settings();
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let allowed: Vec<&str> = settings
        .authorized_extensions
        .split('|')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    if !allowed.contains(&"*") && !allowed.iter().any(|a| a.eq_ignore_ascii_case(&ext)) {
        return Err(rejected(format!(
            "Sorry, the file you are trying to upload is not authorized (authorized extensions: {}).",
            allowed.join(", ")
        )));
    }
    if bytes.is_empty() {
        return Err(rejected(
            "Sorry, but the file you provided is empty.".into(),
        ));
    }
    let image = is_image(&ext);
    let max_kb = if image {
        settings.max_image_size_kb
    } else {
        settings.max_attachment_size_kb
    };
    if bytes.len() as u64 > max_kb * 1024 {
        let max = human_size(max_kb * 1024);
        return Err(rejected(if image {
            format!(
                "Sorry, the image you are trying to upload is too big (maximum size is {max}), please resize it and try again."
            )
        } else {
            format!("Sorry, the file you are trying to upload is too big (maximum size is {max}).")
        }));
    }
    let sha1 = Sha1::digest(&bytes);
    let hex: String = sha1.iter().map(|b| format!("{b:02x}")).collect();
    let short = format!("{}.{ext}", base62(&sha1));
    let (w, h) = if image {
        imagesize::blob_size(&bytes)
            .map(|s| (s.width as u64, s.height as u64))
            .unwrap_or((0, 0))
    } else {
        (0, 0)
    };
    let (tw, th) = thumbnail(w, h);
    let id = {
        let mut uploads = shared.uploads();
        let id = uploads.len() as u64 + 1;
        uploads.push(StoredUpload {
            id,
            short_url: format!("upload://{short}"),
            original_filename: name.clone(),
            bytes: bytes.clone(),
            user_id: me.id,
        });
        id
    };
    // Discourse sends null for files that are not images; the spec (and so the stand-in)
    // types these as integers, so they are 0 here. The client reads both as "no size".
    let dims = |v: u64| json!(if image { v } else { 0 });
    let value = json!({
        "id": id,
        "url": format!("/uploads/default/original/1X/{hex}.{ext}"),
        "original_filename": name,
        "filesize": bytes.len(),
        "width": dims(w),
        "height": dims(h),
        "thumbnail_width": dims(tw),
        "thumbnail_height": dims(th),
        "extension": ext,
        "short_url": format!("upload://{short}"),
        "short_path": format!("/uploads/short-url/{short}"),
        "retain_hours": null,
        "human_filesize": human_size(bytes.len() as u64),
        "dominant_color": null,
        "thumbnail": null,
    });
    Ok(spec_json("post", "/uploads.json", value))
}

/// `GET /uploads/short-url/{base62}.{ext}`: the bytes (what `upload://` resolves to).
pub async fn show_short(State(shared): State<Arc<Shared>>, Path(file): Path<String>) -> Reply {
    let want = format!("upload://{file}");
    let uploads = shared.uploads();
    let up = uploads
        .iter()
        .find(|u| u.short_url == want)
        .ok_or_else(not_found)?;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/octet-stream")],
        up.bytes.clone(),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_rails() {
        assert_eq!(human_size(10 * 1024), "10 KB");
        assert_eq!(human_size(4096 * 1024), "4 MB");
        assert_eq!(human_size(1500 * 1024), "1.46 MB");
        assert_eq!(human_size(12), "12 Bytes");
    }

    #[test]
    fn base62_and_thumbnails() {
        assert_eq!(base62(&[0, 61]), "Z");
        assert_eq!(base62(&[0, 62]), "10");
        assert_eq!(thumbnail(1380, 500), (690, 250));
        assert_eq!(thumbnail(40, 30), (40, 30));
    }
}
