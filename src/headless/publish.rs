//! `roomscribe publish` and `transcript --publish/--open`: one new topic, created exactly once
//! via the API (URL printed), or the pre-filled composer opened/printed. When publishing fails
//! the text is kept in `<data dir>/drafts/` and the error says where.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::forum;
use crate::config::Options;
use crate::discourse::publish::{RetryPolicy, external_id_for_text, publish, with_retries};
use crate::discourse::types::NewTopic;
use crate::discourse::{Client, categories, composer};
use crate::paths;

/// What to post; `category` as the user typed it (id, slug, parent/child or name).
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub title: &'a str,
    pub raw: &'a str,
    pub category: Option<&'a str>,
    pub tags: &'a [String],
    /// The selection's stable id (see `publish::external_id`); `publish FILE` derives one
    /// from the title and text.
    pub external_id: Option<String>,
}

pub fn run(
    title: &str,
    category: &str,
    tags: &[String],
    open: bool,
    file: &Path,
    opts: &Options,
) -> Result<()> {
    let raw = read_text(file)?;
    let req = Request {
        title,
        raw: &raw,
        category: Some(category),
        tags,
        external_id: Some(external_id_for_text(title, &raw)),
    };
    deliver(&req, open, opts)
}

fn read_text(file: &Path) -> Result<String> {
    if file == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read standard input")?;
        Ok(s)
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
    }
}

/// Publishes via the API (`open = false`) or hands over to the browser composer.
pub fn deliver(req: &Request<'_>, open: bool, opts: &Options) -> Result<()> {
    if open {
        return open_composer(req, opts);
    }
    let result = forum::connect(opts)
        .and_then(|client| forum::runtime()?.block_on(publish_once(&client, req)));
    match result {
        Ok(url) => {
            println!("{url}");
            Ok(())
        }
        Err(err) => match save_draft(&paths::drafts_dir(), req) {
            Ok(path) => Err(err.context(format!(
                "not published; the post is saved in {}",
                path.display()
            ))),
            Err(save) => Err(err.context(format!(
                "not published, and the draft could not be saved: {save}"
            ))),
        },
    }
}

async fn publish_once(client: &Client, req: &Request<'_>) -> Result<String> {
    let category_id = match req.category {
        Some(q) => {
            let policy = RetryPolicy::default();
            let cats = with_retries(&policy, || categories::fetch(client)).await?;
            Some(categories::resolve_for_posting(q, &cats)?.id)
        }
        None => None,
    };
    let topic = NewTopic {
        title: req.title.to_string(),
        raw: req.raw.to_string(),
        category_id,
        tags: req.tags.to_vec(),
        external_id: req.external_id.clone(),
        media: Vec::new(),
    };
    let done = publish(client, &topic, &RetryPolicy::default()).await?;
    if done.already {
        eprintln!("roomscribe: already published: {}", done.url);
    } else if done.adopted {
        eprintln!(
            "roomscribe: an earlier attempt had already created the topic; not posting it twice"
        );
    }
    Ok(done.url)
}

fn open_composer(req: &Request<'_>, opts: &Options) -> Result<()> {
    let client = forum::connect(opts)?;
    // The composer wants a slug path; resolve what the user typed when the forum answers.
    let category = match req.category {
        Some(q) => {
            let cats = forum::runtime()?.block_on(categories::fetch(&client));
            Some(match cats {
                Ok(cats) => categories::resolve(q, &cats).map(|c| categories::path(c, &cats))?,
                Err(e) => {
                    tracing::warn!(error = %e, "categories unavailable; using the category as typed");
                    q.to_string()
                }
            })
        }
        None => None,
    };
    let url = composer::new_topic_url(
        &client.base_url(),
        req.title,
        req.raw,
        category.as_deref(),
        req.tags,
    )?;
    if crate::browser::open(&url) {
        eprintln!("roomscribe: opened the composer in your browser");
    } else {
        eprintln!("roomscribe: open this link to finish the post in your browser:");
    }
    println!("{url}");
    Ok(())
}

/// `<drafts>/publish-<time>-<title words>.md`, holding the post text as it would have gone out.
pub fn save_draft(dir: &Path, req: &Request<'_>) -> std::io::Result<PathBuf> {
    let words = roomscribe_transcript::strings::slug(req.title)
        .split('-')
        .take(8)
        .collect::<Vec<_>>()
        .join("-");
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let path = dir.join(format!("publish-{stamp}-{words}.md"));
    roomscribe_files::write_private(&path, req.raw.as_bytes())?;
    Ok(path)
}
