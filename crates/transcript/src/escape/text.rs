//! Text outside code: HTML, links, BBCode, local dates and mentions neutralised, the rest of
//! the chat's markdown as it is.

use super::NO_MENTION;
use super::links::{bracket_in_url, in_url, mention_at, url_before};
use crate::sanitize;

/// Whether the character at byte `i` is escaped by an odd run of backslashes before it.
pub(super) fn escaped(s: &str, i: usize) -> bool {
    let before = s.get(..i).unwrap_or("");
    (before.len() - before.trim_end_matches('\\').len()) % 2 == 1
}

/// One line of text: backtick spans paired on the line stay code, the rest is escaped.
/// Unpaired backticks are escaped when a later line has one they could pair with (markdown
/// would see code where we escaped, or text where we did not).
pub(super) fn text_line(line: &str, ticks_later: bool, later: Later, out: &mut String) {
    let mut rest = line;
    let mut scanned = 0;
    while let Some(start) = rest
        .get(scanned..)
        .and_then(|r| r.find('`'))
        .map(|p| p + scanned)
    {
        // Escaped, or inside a web address (linkify takes it before markdown sees code):
        // text, so what follows is escaped as text.
        if escaped(rest, start) || url_before(rest, start).is_some() {
            let run = rest
                .get(start..)
                .map_or(1, |r| r.len() - r.trim_start_matches('`').len());
            scanned = start + run;
            continue;
        }
        let (before, from_tick) = rest.split_at(start);
        text(before, later, out);
        let n = from_tick.chars().take_while(|c| *c == '`').count();
        let (ticks, after) = from_tick.split_at(n);
        match closing_run(after, n) {
            Some(end) => {
                let (inner, tail) = after.split_at(end);
                out.push_str(ticks);
                out.push_str(inner);
                out.push_str(ticks);
                rest = tail.get(n..).unwrap_or("");
            }
            None if ticks_later => {
                for _ in 0..n {
                    out.push_str("\\`");
                }
                rest = after;
            }
            None => {
                out.push_str(ticks);
                rest = after;
            }
        }
        scanned = 0;
    }
    text(rest, later, out);
}

/// Byte offset of the next run of exactly `n` backticks.
pub(super) fn closing_run(s: &str, n: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i) == Some(&b'`') {
            let run = bytes.get(i..)?.iter().take_while(|b| **b == b'`').count();
            if run == n {
                return Some(i);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    None
}

/// Whether a `>` / `]` comes on this line or a later one of the message.
#[derive(Clone, Copy)]
pub(super) struct Later {
    pub(super) gt: bool,
    pub(super) close: bool,
}

/// Chat markdown outside code: no HTML, links, images, BBCode or mentions; the rest as is.
/// Without a `>` after it, `<` cannot start HTML, nor `[` a link or BBCode without a `]`:
/// they stay as they are (linkify may take them into an address).
pub(super) fn text(s: &str, later: Later, out: &mut String) {
    let mut done = 0;
    // Every character that needs care is ASCII, so a byte scan finds them and the byte
    // offsets are character boundaries.
    for (i, b) in s.bytes().enumerate() {
        // An entity, not a backslash: linkify takes a backslash into an address it ends,
        // which would leave the character after it raw.
        let (with, add) = match b {
            b'<' if !later.gt || kept_escape(s, i) || !starts_markup(s, i) || autolink(s, i) => {
                continue;
            }
            b'<' => ("&lt;", ""),
            // Local dates are found in the text after escapes are resolved.
            b'[' if s.get(i + 1..).is_some_and(|r| r.starts_with("date")) && !in_url(s, i) => {
                (if escaped(s, i) { "[" } else { "&#91;" }, NO_MENTION)
            }
            b'[' if !later.close || kept_escape(s, i) || bracket_in_url(s, i) => continue,
            b'[' => ("&#91;", ""),
            b'@' if mention_at(s, i) => ("@", NO_MENTION),
            b'&' => {
                // `&#64;bob` is `@bob` to the mention rule, `&#91;date=` a local date.
                if let Some(len) = entity_for_at_or_bracket(s.get(i..).unwrap_or("")) {
                    out.push_str(s.get(done..i + len).unwrap_or(""));
                    out.push_str(NO_MENTION);
                    done = i + len;
                }
                continue;
            }
            _ => continue,
        };
        out.push_str(s.get(done..i).unwrap_or(""));
        out.push_str(with);
        out.push_str(add);
        done = i + 1;
    }
    out.push_str(s.get(done..).unwrap_or(""));
}

/// A character the chat escaped itself (`\<`), not right after a web address.
pub(super) fn kept_escape(s: &str, i: usize) -> bool {
    if !escaped(s, i) {
        return false;
    }
    let run = s
        .get(..i)
        .map_or(0, |b| b.len() - b.trim_end_matches('\\').len());
    url_before(s, i - run).is_none()
}

/// The length of an entity for `@` or `[` at the start of `s`.
pub(super) fn entity_for_at_or_bracket(s: &str) -> Option<usize> {
    let end = s.char_indices().take(12).find(|(_, c)| *c == ';')?.0;
    let name = s.get(1..end)?;
    let value = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        u32::from_str_radix(hex, 16).ok()
    } else if let Some(dec) = name.strip_prefix('#') {
        dec.parse::<u32>().ok()
    } else {
        match name {
            "commat" => Some(64),
            "lsqb" | "lbrack" => Some(91),
            _ => None,
        }
    };
    matches!(value, Some(64 | 91)).then_some(end + 1)
}

/// `<` that could open an HTML tag, comment, declaration or processing instruction.
pub(super) fn starts_markup(s: &str, i: usize) -> bool {
    s.get(i + 1..)
        .and_then(|r| r.chars().next())
        .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'))
}

/// `<https://...>`, `<mailto:...>` or `<name@host>`: markdown's autolinks, kept as links.
pub(super) fn autolink(s: &str, i: usize) -> bool {
    let rest = s.get(i + 1..).unwrap_or("");
    let Some(end) = rest.find('>') else {
        return false;
    };
    let inner = rest.get(..end).unwrap_or("");
    if inner.is_empty() || inner.contains(|c: char| c.is_whitespace() || c.is_control() || c == '<')
    {
        return false;
    }
    let scheme = ["https://", "http://", "mailto:"].iter().any(|p| {
        inner.len() > p.len()
            && inner
                .get(..p.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(p))
    });
    let email = inner.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty()
            && user
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c))
            && host
                .split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    });
    scheme || email
}

/// One line of literal text with every markup character neutralized (names, reply snippets).
pub(crate) fn inline(s: &str, out: &mut String) {
    let cleaned = sanitize::post(s);
    let mut first = true;
    for word in cleaned.split_whitespace() {
        if !first {
            out.push(' ');
        }
        first = false;
        let mut prev = None;
        let mut chars = word.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                // Plain in a word: only a leading or doubled `-` is markdown.
                '-' if prev.is_some() && prev != Some('-') && chars.peek() != Some(&'-') => {
                    out.push('-');
                }
                '/' | ',' | ';' | '?' => out.push(c),
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '@' if prev.is_none_or(|p: char| !p.is_alphanumeric()) => {
                    out.push('@');
                    out.push_str(NO_MENTION);
                }
                '[' => {
                    out.push_str("\\[");
                    out.push_str(NO_MENTION);
                }
                // `:)` is an emoji shortcut even with the parenthesis escaped.
                ':' => {
                    out.push_str("\\:");
                    out.push_str(NO_MENTION);
                }
                c if c.is_ascii_punctuation() && c != '@' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
            prev = Some(c);
        }
    }
}
