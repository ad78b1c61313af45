//! The pre-filled composer link (`/new-topic?title=&body=&category=&tags=`): the user finishes
//! in the browser, no API key needed.

use url::Url;

use crate::error::{ForumError, Result};

/// Past this many bytes some browsers, proxies and Discourse's nginx refuse the URL.
pub const MAX_URL_BYTES: usize = 6000;

/// `category` is a slug or `parent/child`, as the composer expects.
pub fn new_topic_url(
    base: &str,
    title: &str,
    body: &str,
    category: Option<&str>,
    tags: &[String],
) -> Result<String> {
    let mut url = Url::parse(&format!("{}/new-topic", base.trim_end_matches('/')))
        .map_err(|e| ForumError::Config(format!("forum URL: {e}")))?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("title", title).append_pair("body", body);
        if let Some(c) = category {
            q.append_pair("category", c);
        }
        if !tags.is_empty() {
            q.append_pair("tags", &tags.join(","));
        }
    }
    let url = url.to_string();
    if url.len() > MAX_URL_BYTES {
        return Err(ForumError::Config(format!(
            "the post is too long for a composer link ({} bytes encoded, limit {MAX_URL_BYTES}); publish it via the API instead (`--publish`, needs a forum key)",
            url.len()
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_everything() {
        let u = new_topic_url(
            "https://f.org/",
            "A & B",
            "line 1\nline #2 ?",
            Some("support/chat"),
            &["a".into(), "b".into()],
        )
        .unwrap();
        assert_eq!(
            u,
            "https://f.org/new-topic?title=A+%26+B&body=line+1%0Aline+%232+%3F&category=support%2Fchat&tags=a%2Cb"
        );
    }

    #[test]
    fn too_long_says_so() {
        let err = new_topic_url("https://f.org", "t", &"x".repeat(7000), None, &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("too long") && err.contains("--publish"),
            "{err}"
        );
    }
}
