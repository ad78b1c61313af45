//! Making chat text safe inside the post's `[quote]` block on Discourse.
//!
//! Discourse parses BBCode blocks (`[quote]`, `[details]`...) by looking for a tag at the start
//! of a line, without regard to markdown code fences, and then markdown-it (with HTML, inline
//! BBCode, @mentions and linkify) inside. So:
//! - in text, `\` `[` and `<` are escaped (`\\`, `\[`, `&lt;`): no links, images, BBCode or HTML;
//! - in code (fences and backtick spans) text is kept as is, except that `[` of a block tag gets
//!   a ZERO WIDTH SPACE after it, so `[/quote]` in code cannot close the outer quote;
//! - every backtick run is either paired on its own line or escaped, and every fence is closed at
//!   the end of its message, so we and markdown always agree on what is code;
//! - `@word` outside code and URLs gets a WORD JOINER after the `@`: it looks the same but pings
//!   nobody (Discourse only links `@` directly followed by a name);
//! - C0/C1 controls, ANSI/OSC escape sequences and bidi overrides are removed everywhere.

use std::borrow::Cow;

const ZWSP: char = '\u{200B}';
const WORD_JOINER: char = '\u{2060}';

/// BBCode tags Discourse (or a common plugin) treats as blocks; neutralized even inside code.
const BLOCK_TAGS: &[&str] = &[
    "quote", "details", "spoiler", "poll", "wrap", "code", "chat", "hide", "blur", "grid",
    "center", "left", "right", "date", "summary", "table", "img", "url", "email",
];

fn needs_cleaning(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Drops controls (keeping `\n` and `\t`), escape sequences and bidi overrides; CRLF → LF.
pub(crate) fn clean(s: &str) -> Cow<'_, str> {
    // Branch-free per chunk, so the common all-ASCII check is vectorized.
    let plain_ascii = s.as_bytes().chunks(32).all(|chunk| {
        chunk.iter().fold(true, |ok, &b| {
            ok & ((0x20..0x7f).contains(&b) | (b == b'\n') | (b == b'\t'))
        })
    });
    if plain_ascii || !s.chars().any(needs_cleaning) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\u{1b}' => match chars.next() {
                Some('[') => skip_csi(&mut chars),
                Some(']' | 'P' | 'X' | '^' | '_') => skip_string(&mut chars),
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        if !('\u{20}'..='\u{3f}').contains(&c) {
            // The final byte ends the sequence; anything else ends a malformed one.
            if ('\u{40}'..='\u{7e}').contains(&c) {
                chars.next();
            }
            return;
        }
        chars.next();
    }
}

/// OSC/DCS/...: up to BEL or ST; stops (keeping it) at any other control such as a newline.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        match c {
            '\u{7}' | '\u{9c}' => {
                chars.next();
                return;
            }
            '\u{1b}' => {
                chars.next();
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            c if c.is_control() => return,
            _ => {
                chars.next();
            }
        }
    }
}

/// A fence as CommonMark sees it: up to 3 spaces, then 3+ backticks or tildes.
fn fence(line: &str) -> Option<(char, usize, &str)> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let ch = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = trimmed.chars().take_while(|c| *c == ch).count();
    let info = trimmed.get(n..).unwrap_or("");
    (n >= 3 && !(ch == '`' && info.contains('`'))).then_some((ch, n, info))
}

/// A message body as markdown that stays inside its quote and pings nobody; appended to `out`,
/// whose end tells whether the body starts a line.
pub(crate) fn body(text: &str, out: &mut String) {
    let cleaned = clean(text);
    let mut open: Option<(char, usize)> = None;
    for (i, line) in cleaned.trim_end().split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        } else if fence(line).is_some() && !(out.is_empty() || out.ends_with('\n')) {
            // Mid-line (`* name ```...`) markdown would not see a fence, but it would see our
            // closing one: start the fence on its own line so both agree.
            out.push('\n');
        }
        match (open, fence(line)) {
            (Some((ch, n)), Some((c, m, info))) if c == ch && m >= n && info.trim().is_empty() => {
                open = None;
                out.push_str(line);
            }
            (Some(_), _) => code(line, out),
            (None, Some((ch, n, _))) => {
                open = Some((ch, n));
                code(line, out);
            }
            // Right under the speaker's line, `---` or `===` would turn that line into a heading.
            (None, None) if i == 0 && is_underline(line) => {
                out.push('\\');
                text_line(line, out);
            }
            (None, None) => text_line(line, out),
        }
    }
    if let Some((ch, n)) = open {
        out.push('\n');
        out.extend(std::iter::repeat_n(ch, n));
    }
}

fn is_underline(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && (t.chars().all(|c| c == '=') || t.chars().all(|c| c == '-' || c == ' '))
}

/// Code as is, except that block tags cannot be recognised.
pub(crate) fn code(s: &str, out: &mut String) {
    let mut rest = s;
    while let Some(pos) = rest.find('[') {
        let (before, after) = rest.split_at(pos);
        out.push_str(before);
        out.push('[');
        let tail = after.get(1..).unwrap_or("");
        let name = tail.strip_prefix('/').unwrap_or(tail);
        let is_block = BLOCK_TAGS.iter().any(|t| {
            name.get(..t.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(t))
                && !name
                    .get(t.len()..)
                    .and_then(|r| r.chars().next())
                    .is_some_and(|c| c.is_ascii_alphanumeric())
        });
        if is_block {
            out.push(ZWSP);
        }
        rest = tail;
    }
    out.push_str(rest);
}

/// One line outside fences: backtick spans paired on the line stay code, the rest is escaped.
fn text_line(line: &str, out: &mut String) {
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        let (before, from_tick) = rest.split_at(start);
        text(before, out);
        let n = from_tick.chars().take_while(|c| *c == '`').count();
        let (ticks, after) = from_tick.split_at(n);
        match closing_run(after, n) {
            Some(end) => {
                let (inner, tail) = after.split_at(end);
                out.push_str(ticks);
                code(inner, out);
                out.push_str(ticks);
                rest = tail.get(n..).unwrap_or("");
            }
            None => {
                for _ in 0..n {
                    out.push_str("\\`");
                }
                rest = after;
            }
        }
    }
    text(rest, out);
}

/// Byte offset of the next run of exactly `n` backticks.
fn closing_run(s: &str, n: usize) -> Option<usize> {
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

/// Plain text: no BBCode, links, images or HTML; `@name` made harmless outside URLs.
fn text(s: &str, out: &mut String) {
    let mut done = 0;
    // Every character that needs escaping is ASCII, so a byte scan finds them and the byte
    // offsets are character boundaries.
    for (i, b) in s.bytes().enumerate() {
        if !matches!(b, b'\\' | b'<' | b'[' | b'@') {
            continue;
        }
        let next = s.get(i + 1..).and_then(|r| r.chars().next());
        let (replacement, extra) = match b {
            b'\\' => ("\\\\", None),
            b'<' => ("&lt;", None),
            b'[' => (
                "\\[",
                next.filter(|n| *n == '/' || n.is_alphabetic())
                    .map(|_| ZWSP),
            ),
            _ if next.is_some_and(|n| n.is_alphanumeric() || n == '_') && !in_url(s, i) => {
                ("@", Some(WORD_JOINER))
            }
            _ => continue,
        };
        out.push_str(s.get(done..i).unwrap_or(""));
        out.push_str(replacement);
        out.extend(extra);
        done = i + 1;
    }
    out.push_str(s.get(done..).unwrap_or(""));
}

/// Whether byte `at` lies inside a web address that linkify will turn into a link (an `@`
/// there is part of the address, not a mention): the word so far starts like a URL and has a
/// host character before `at`.
fn in_url(s: &str, at: usize) -> bool {
    let before = s.get(..at).unwrap_or("");
    let word_start = before
        .rfind(|c: char| c.is_whitespace())
        .map_or(0, |i| i + 1);
    let word = before.get(word_start..).unwrap_or("");
    let lower = word.to_ascii_lowercase();
    ["https://", "http://", "www."].iter().any(|scheme| {
        lower.find(scheme).is_some_and(|p| {
            let host = lower.get(p + scheme.len()..).unwrap_or("");
            let left_ok = lower
                .get(..p)
                .is_none_or(|l| !l.ends_with(|c: char| c.is_alphanumeric()));
            left_ok && host.starts_with(|c: char| c.is_alphanumeric())
        })
    })
}

/// One line of plain text with every markup character neutralized (names, reply snippets).
pub(crate) fn inline(s: &str, out: &mut String) {
    let cleaned = clean(s);
    let mut first = true;
    for word in cleaned.split_whitespace() {
        if !first {
            out.push(' ');
        }
        first = false;
        let from = out.len();
        text(word, out);
        if word.contains(['*', '_', '`', '~', '|', '#', '>', '!']) {
            let escaped: String = out.get(from..).unwrap_or("").to_string();
            out.truncate(from);
            for c in escaped.chars() {
                if matches!(c, '*' | '_' | '`' | '~' | '|' | '#' | '>' | '!') {
                    out.push('\\');
                }
                out.push(c);
            }
        }
    }
}
