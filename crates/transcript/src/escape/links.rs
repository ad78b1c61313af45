//! Where linkify makes a link: an `@` or `[` there is part of the address, not markup.

/// Characters linkify keeps inside a web address whatever follows them.
pub(super) fn url_char(c: char) -> bool {
    c.is_alphanumeric() || "-._~/%+=&:?#@".contains(c)
}

/// The web address (scheme or `www.`) that byte `at` lies in, if the text before `at` is one
/// linkify reads without a doubt: from the scheme to `at`.
pub(super) fn url_before(s: &str, at: usize) -> Option<&str> {
    let before = s.get(..at).unwrap_or("");
    // linkify keeps balanced brackets in a path.
    let start = before
        .rfind(|c: char| !(url_char(c) || c == '[' || c == ']'))
        .map_or(0, |i| i + 1);
    let word = before.get(start..).unwrap_or("");
    // Most words are no address: look before lowering anything.
    let www = word
        .as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"www."));
    if !www && !word.contains("://") {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    let p = ["https://", "http://", "www."]
        .iter()
        .filter_map(|scheme| lower.find(scheme).map(|p| (p, scheme.len())))
        .min()?;
    let left_ok = lower
        .get(..p.0)
        .is_none_or(|l| !l.ends_with(|c: char| c.is_ascii_alphanumeric()));
    let host = word.get(p.0 + p.1..).unwrap_or("");
    (left_ok && host.starts_with(|c: char| c.is_ascii_alphanumeric()) && path_started(host))
        .then(|| word.get(p.0..).unwrap_or(""))
}

/// Whether `host...` has a path after its host name (and port): before it, linkify ends the
/// address at anything but a host character (`www.x.org:smile:` is `www.x.org`).
pub(super) fn path_started(s: &str) -> bool {
    let rest = s.trim_start_matches(|c: char| c.is_alphanumeric() || c == '.' || c == '-');
    let rest = match rest.strip_prefix(':') {
        Some(port) => port.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    rest.starts_with(['/', '?', '#'])
}

/// Top-level domains Discourse links without a scheme (its `markdown_linkify_tlds` default).
pub(super) const FUZZY_TLDS: &[&str] = &[
    "com", "net", "org", "io", "onion", "co", "tv", "ru", "cn", "us", "uk", "me", "de", "fr", "fi",
    "gov",
];

/// Whether `at` lies in the path of an address linkify links: with a scheme, or a bare
/// `host.tld/...`.
pub(super) fn in_url(s: &str, at: usize) -> bool {
    // Before the path starts, `@` or `[` ends the address (`www.x.org@bob`).
    if let Some(word) = url_before(s, at) {
        // An unbalanced `]` ends it; any bracket: take no chances.
        if word.contains(['[', ']']) {
            return false;
        }
        let lower = word.to_ascii_lowercase();
        let host = lower.split_once("://").map_or(lower.as_str(), |(_, h)| h);
        return host.contains('/');
    }
    // A bare address only counts from a word start: linkify may not take it after markup.
    let before = s.get(..at).unwrap_or("");
    let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let word = before.get(start..).unwrap_or("");
    // Core linkify sees text tokens: an entity or escape of ours would end the address; and
    // it links no bare address after a backslash in the same text.
    if !word.chars().all(|c| url_char(c) && c != '&') || before.contains('\\') {
        return false;
    }
    let Some((host, _)) = word.split_once('/') else {
        return false;
    };
    let labels: Vec<&str> = host.split('.').collect();
    // A host name's labels neither start nor end with `-`; `--example.com` is no address to
    // linkify (and the typographer has made its `--` a dash by then), so its `@` can mention.
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| FUZZY_TLDS.contains(&tld.to_ascii_lowercase().as_str()))
}

/// A `[` inside a scheme address, closed by `]` before the address ends: linkify takes it
/// (with the raw text, so a backslash would show in the link).
pub(super) fn bracket_in_url(s: &str, at: usize) -> bool {
    if url_before(s, at).is_none() {
        return false;
    }
    let after = s.get(at + 1..).unwrap_or("");
    let close = after.find(|c: char| !url_char(c));
    close.is_some_and(|p| after.get(p..).is_some_and(|r| r.starts_with(']')))
}

/// An `@` Discourse's mention rule may link: at the start of a text token (a word start, or
/// right after a link that linkify ended there), before a name character, and not in a link.
pub(super) fn mention_at(s: &str, at: usize) -> bool {
    let after = s.get(at + 1..).unwrap_or("");
    let prev = s.get(..at).and_then(|r| r.chars().next_back());
    // Usernames are ASCII unless a site turns on `unicode_usernames`.
    // `\_` is `_` once markdown has read the escape.
    let name = after.strip_prefix("\\_").map_or(after, |_| "_");
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') || in_url(s, at) {
        return false;
    }
    if !prev.is_some_and(char::is_alphanumeric) {
        return true;
    }
    // `www.x.org@bob`: linkify links the address and `@bob` starts the next text; but
    // `first.last@example.com` is one e-mail link.
    let before = s.get(..at).unwrap_or("");
    let word = before
        .get(before.rfind(char::is_whitespace).map_or(0, |i| i + 1)..)
        .unwrap_or("");
    word.contains(['.', ':']) && (word.contains('@') || !email_domain(after))
}

/// Whether `s` starts with a host name linkify accepts in an e-mail address.
pub(super) fn email_domain(s: &str) -> bool {
    let host: &str = s
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        .next()
        .unwrap_or("");
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty())
        && labels
            .last()
            .is_some_and(|tld| FUZZY_TLDS.contains(&tld.to_ascii_lowercase().as_str()))
}
