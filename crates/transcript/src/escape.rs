//! Chat markdown inside the post's `[quote]` block, read by Discourse as the chat showed it.
//!
//! Checked against Discourse's own engine (`tests/discourse.rs`). What Discourse does that
//! matters here:
//! - the outer `[quote]` ends at the first line whose text starts with `[/quote]` (a nested
//!   `[quote]` line counts up), fences or not; lines indented 4+ columns or starting with
//!   `>` are not looked at;
//! - markdown-it runs with HTML, inline BBCode, linkify and a mention rule that links
//!   `@name` at a word start in any text that is not code or a link.
//!
//! So chat markdown is passed through as is, except outside code: `<` of HTML and `[` of
//! links/BBCode get a backslash (markdown shows the character, nothing else), and an `@` that
//! Discourse would take for a mention gets an empty HTML comment after it (dropped when
//! cooked: the reader sees `@name`, nobody is linked or pinged). Code is never changed; a
//! fenced block whose lines would end the quote is written as an indented block instead, with
//! the same text. Each message closes its own fences, so messages cannot run into each other.

use crate::sanitize;

/// Put after an `@`: ends markdown-it's text token, so the mention rule sees no name.
pub(crate) const NO_MENTION: &str = "<!-- -->";

/// A fence as CommonMark sees it: up to 3 spaces, then 3+ backticks or tildes.
fn fence(line: &str) -> Option<(char, usize, &str)> {
    let trimmed = line.trim_start_matches(' ');
    if !trimmed.starts_with(['`', '~']) {
        return None;
    }
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let ch = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = trimmed.chars().take_while(|c| *c == ch).count();
    let info = trimmed.get(n..).unwrap_or("");
    (n >= 3 && !(ch == '`' && info.contains('`'))).then_some((ch, n, info))
}

/// Leading blank columns, tabs to the next multiple of 4.
fn indent(line: &str) -> usize {
    let mut col = 0;
    for c in line.chars() {
        match c {
            ' ' => col += 1,
            '\t' => col += 4 - col % 4,
            _ => break,
        }
    }
    col
}

/// Splits up to `max` blockquote markers (`>` after up to 3 spaces, one optional space) off a
/// line: (markers, prefix, rest).
fn quote_prefix(line: &str, max: usize) -> (usize, &str, &str) {
    if !line.starts_with([' ', '>']) {
        return (0, "", line);
    }
    let mut depth = 0;
    let mut at = 0;
    while depth < max {
        let rest = line.get(at..).unwrap_or("");
        let spaces = rest.len() - rest.trim_start_matches(' ').len();
        if spaces > 3 || !rest.get(spaces..).is_some_and(|r| r.starts_with('>')) {
            break;
        }
        at += spaces + 1;
        if line.get(at..).is_some_and(|r| r.starts_with([' ', '\t'])) {
            at += 1;
        }
        depth += 1;
    }
    let (prefix, rest) = line.split_at(at.min(line.len()));
    (depth, prefix, rest)
}

/// A list item's start: `-`, `*`, `+` or `1.`/`1)` then a blank or the line end.
fn list_marker(s: &str) -> bool {
    let t = s.trim_start_matches(' ');
    if !t.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '*' | '+')) {
        return false;
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    let rest = if digits > 0 {
        match t.get(digits..) {
            Some(r) if r.starts_with(['.', ')']) && digits <= 9 => r.get(1..).unwrap_or(""),
            _ => return false,
        }
    } else if t.starts_with(['-', '*', '+']) {
        t.get(1..).unwrap_or("")
    } else {
        return false;
    };
    rest.is_empty() || rest.starts_with([' ', '\t'])
}

/// A list item that starts with a fence (`- ````, `1. ~~~`): its content column and the
/// fence. An ordered item other than 1 cannot interrupt a paragraph.
fn list_fence(s: &str, prev_blank: bool) -> Option<(usize, (char, usize, &str))> {
    let (marker_end, after) = list_item(s, prev_blank)?;
    let spaces = after.len() - after.trim_start_matches(' ').len();
    if !(1..=4).contains(&spaces) {
        return None;
    }
    let rest = after.get(spaces..)?;
    let f = fence(rest).filter(|_| !rest.starts_with(' '))?;
    Some((marker_end + spaces, f))
}

/// A list item whose content starts with indented code (`-     code`: a marker, one space,
/// then four more).
fn list_code(s: &str, prev_blank: bool) -> bool {
    let Some((marker_end, after)) = list_item(s, prev_blank) else {
        return false;
    };
    let _ = marker_end;
    let spaces = after.len() - after.trim_start_matches(' ').len();
    spaces >= 5 && !after.trim().is_empty() && !after.get(..spaces).unwrap_or("").contains('\t')
}

/// A list item's marker end and what follows it, when the line starts one.
fn list_item(s: &str, prev_blank: bool) -> Option<(usize, &str)> {
    if !list_marker(s) || indent(s) > 3 || s.contains('\t') {
        return None;
    }
    let t = s.trim_start_matches(' ');
    let marker_end = s.len() - t.len() + t.find(' ')?;
    let number = t.get(..t.find(['.', ')']).unwrap_or(0)).unwrap_or("");
    if !(number.is_empty() || number == "1" || prev_blank) {
        return None;
    }
    Some((marker_end, s.get(marker_end..)?))
}

/// A code line that Discourse's quote rule would read as `[quote]` or `[/quote]`.
fn ends_quote(line: &str) -> bool {
    if indent(line) >= 4 {
        return false;
    }
    let t = line.trim_start();
    if !t.starts_with('[') {
        return false;
    }
    let t = t.to_ascii_lowercase();
    t.starts_with("[/quote") || t.starts_with("[quote")
}

struct Fence<'a> {
    depth: usize,
    prefix: &'a str,
    ch: char,
    n: usize,
    /// Spaces before the opening fence (CommonMark takes as many off each code line).
    indent: usize,
    /// The list item's content column for a fence that opens a list item (`- ````), else 0.
    base: usize,
    lines: Vec<&'a str>,
}

/// A message body as markdown that stays inside its quote and pings nobody; appended to `out`,
/// whose end tells whether the body starts a line.
pub(crate) fn body(text: &str, out: &mut String) {
    let cleaned = sanitize::post(text);
    let mut fenced: Option<Fence<'_>> = None;
    // The blockquote depth of the indented code block the last line was in.
    let mut indented: Option<usize> = None;
    let mut in_list = false;
    let mut mid_line = !(out.is_empty() || out.ends_with('\n'));
    let mut prev_blank = out.is_empty() || out.ends_with("\n\n");
    // Trailing blank lines are nothing, except inside a fence left open.
    let whole = cleaned.strip_suffix('\n').unwrap_or(&cleaned);
    // An unpaired backtick run can only pair with one on a later line; an HTML tag needs a
    // `>` and a link or BBCode a `]`, on this line or a later one. (One pass for both.)
    let (mut last_tick, mut last_gt, mut last_close, mut line_no) = (None, None, None, 0);
    let mut special = false;
    for b in whole.bytes() {
        match b {
            b'\n' => line_no += 1,
            b'`' => {
                last_tick = Some(line_no);
                special = true;
            }
            b'>' => last_gt = Some(line_no),
            b']' => last_close = Some(line_no),
            b'~' | b'<' | b'[' | b'@' | b'&' => special = true,
            _ => {}
        }
    }
    // Nothing here that could be markup to escape, a fence or a mention: as it is.
    if !special {
        if mid_line && whole.starts_with('>') {
            out.push('\n');
        }
        out.push_str(whole);
        return;
    }
    for (i, line) in whole.split('\n').enumerate() {
        let ticks_later = last_tick.is_some_and(|l| i < l);
        // Conservatively also when the only one is before the position on this line.
        let later = Later {
            gt: last_gt.is_some_and(|l| i <= l),
            close: last_close.is_some_and(|l| i <= l),
        };
        if let Some(f) = fenced.as_mut() {
            let (depth, _, inner) = quote_prefix(line, f.depth);
            let padded = inner
                .as_bytes()
                .get(..f.base)
                .is_some_and(|p| p.iter().all(|b| *b == b' '));
            let in_item = f.base == 0 || inner.trim().is_empty() || padded;
            if depth == f.depth && in_item {
                let inner = inner.get(f.base..).unwrap_or("");
                if fence(inner)
                    .is_some_and(|(c, m, info)| c == f.ch && m >= f.n && info.trim().is_empty())
                {
                    f.lines.push(line);
                    if let Some(f) = fenced.take() {
                        write_fence(f, true, out);
                    }
                    prev_blank = false;
                    continue;
                }
                f.lines.push(line);
                continue;
            }
            // The blockquote holding the fence ended, and the fence with it.
            if let Some(f) = fenced.take() {
                write_fence(f, true, out);
            }
        }
        if i > 0 {
            out.push('\n');
        }
        let (depth, prefix, inner) = quote_prefix(line, usize::MAX);
        if mid_line {
            mid_line = false;
            // Markdown sees no block start in the middle of a line; make ours start one so
            // both agree, or read the line as text.
            if depth > 0 || fence(inner).is_some() {
                out.push('\n');
            } else {
                text_line(line, ticks_later, later, out);
                prev_blank = false;
                continue;
            }
        }
        if inner.trim().is_empty() {
            out.push_str(line);
            prev_blank = true;
            continue;
        }
        // After `>`, a tab's width depends on the column: only plain spaces count there.
        let col = if depth == 0 {
            indent(inner)
        } else {
            inner.len() - inner.trim_start_matches(' ').len()
        };
        if col >= 4 && !in_list && (indented == Some(depth) || prev_blank) {
            indented = Some(depth);
            out.push_str(line);
            continue;
        }
        indented = None;
        let item = list_marker(inner);
        if item && list_code(inner, prev_blank) {
            in_list = true;
            out.push_str(line);
            prev_blank = false;
            continue;
        }
        if let Some((base, (ch, n, _))) = list_fence(inner, prev_blank).filter(|_| item) {
            in_list = true;
            fenced = Some(Fence {
                depth,
                prefix,
                ch,
                n,
                indent: 0,
                base,
                lines: vec![line],
            });
            prev_blank = false;
            continue;
        }
        if let Some((ch, n, _)) = fence(inner).filter(|_| col == 0 || !in_list) {
            if depth == 0 {
                in_list = false;
            }
            fenced = Some(Fence {
                depth,
                prefix,
                ch,
                n,
                indent: col,
                base: 0,
                lines: vec![line],
            });
            prev_blank = false;
            continue;
        }
        if item {
            in_list = true;
        } else if col == 0 && prev_blank {
            in_list = false;
        }
        out.push_str(prefix);
        text_line(inner, ticks_later, later, out);
        prev_blank = false;
    }
    if let Some(f) = fenced.take() {
        write_fence(f, false, out);
    }
}

/// A fenced block as the chat wrote it (closed if it was not), or, when a line of it would
/// end the post's quote, as an indented block with the same text.
fn write_fence(f: Fence<'_>, closed: bool, out: &mut String) {
    let code = f
        .lines
        .get(1..f.lines.len() - usize::from(closed))
        .unwrap_or(&[]);
    let dangerous = f.depth == 0 && code.iter().any(|l| ends_quote(l));
    if !dangerous {
        for (i, l) in f.lines.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(l);
        }
        if !closed {
            out.push('\n');
            if f.depth > 0 {
                // `>` and exactly one space, so the list item's column is where it was.
                out.push_str(f.prefix.trim_end());
                out.push(' ');
            }
            out.push_str(&" ".repeat(f.base));
            out.extend(std::iter::repeat_n(f.ch, f.n));
        }
        return;
    }
    if f.base > 0 {
        // An indented block would leave the list item: show it as text (escaped), safe.
        for (i, l) in f.lines.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            text_line(
                l,
                true,
                Later {
                    gt: true,
                    close: true,
                },
                out,
            );
        }
        return;
    }
    // Indented code cannot interrupt a paragraph: give it its blank line.
    if !(out.is_empty() || out.ends_with("\n\n")) {
        out.push('\n');
    }
    for (i, l) in code.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let skip = l.len() - l.trim_start_matches(' ').len();
        out.push_str("    ");
        out.push_str(l.get(skip.min(f.indent)..).unwrap_or(""));
    }
}

/// Whether the character at byte `i` is escaped by an odd run of backslashes before it.
fn escaped(s: &str, i: usize) -> bool {
    let before = s.get(..i).unwrap_or("");
    (before.len() - before.trim_end_matches('\\').len()) % 2 == 1
}

/// One line of text: backtick spans paired on the line stay code, the rest is escaped.
/// Unpaired backticks are escaped when a later line has one they could pair with (markdown
/// would see code where we escaped, or text where we did not).
fn text_line(line: &str, ticks_later: bool, later: Later, out: &mut String) {
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

/// Whether a `>` / `]` comes on this line or a later one of the message.
#[derive(Clone, Copy)]
struct Later {
    gt: bool,
    close: bool,
}

/// Chat markdown outside code: no HTML, links, images, BBCode or mentions; the rest as is.
/// Without a `>` after it, `<` cannot start HTML, nor `[` a link or BBCode without a `]`:
/// they stay as they are (linkify may take them into an address).
fn text(s: &str, later: Later, out: &mut String) {
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
fn kept_escape(s: &str, i: usize) -> bool {
    if !escaped(s, i) {
        return false;
    }
    let run = s
        .get(..i)
        .map_or(0, |b| b.len() - b.trim_end_matches('\\').len());
    url_before(s, i - run).is_none()
}

/// The length of an entity for `@` or `[` at the start of `s`.
fn entity_for_at_or_bracket(s: &str) -> Option<usize> {
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
fn starts_markup(s: &str, i: usize) -> bool {
    s.get(i + 1..)
        .and_then(|r| r.chars().next())
        .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'))
}

/// `<https://...>`, `<mailto:...>` or `<name@host>`: markdown's autolinks, kept as links.
fn autolink(s: &str, i: usize) -> bool {
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

/// Characters linkify keeps inside a web address whatever follows them.
fn url_char(c: char) -> bool {
    c.is_alphanumeric() || "-._~/%+=&:?#@".contains(c)
}

/// The web address (scheme or `www.`) that byte `at` lies in, if the text before `at` is one
/// linkify reads without a doubt: from the scheme to `at`.
fn url_before(s: &str, at: usize) -> Option<&str> {
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
fn path_started(s: &str) -> bool {
    let rest = s.trim_start_matches(|c: char| c.is_alphanumeric() || c == '.' || c == '-');
    let rest = match rest.strip_prefix(':') {
        Some(port) => port.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    rest.starts_with(['/', '?', '#'])
}

/// Top-level domains Discourse links without a scheme (its `markdown_linkify_tlds` default).
const FUZZY_TLDS: &[&str] = &[
    "com", "net", "org", "io", "onion", "co", "tv", "ru", "cn", "us", "uk", "me", "de", "fr", "fi",
    "gov",
];

/// Whether `at` lies in the path of an address linkify links: with a scheme, or a bare
/// `host.tld/...`.
fn in_url(s: &str, at: usize) -> bool {
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
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels
            .last()
            .is_some_and(|tld| FUZZY_TLDS.contains(&tld.to_ascii_lowercase().as_str()))
}

/// A `[` inside a scheme address, closed by `]` before the address ends: linkify takes it
/// (with the raw text, so a backslash would show in the link).
fn bracket_in_url(s: &str, at: usize) -> bool {
    if url_before(s, at).is_none() {
        return false;
    }
    let after = s.get(at + 1..).unwrap_or("");
    let close = after.find(|c: char| !url_char(c));
    close.is_some_and(|p| after.get(p..).is_some_and(|r| r.starts_with(']')))
}

/// An `@` Discourse's mention rule may link: at the start of a text token (a word start, or
/// right after a link that linkify ended there), before a name character, and not in a link.
fn mention_at(s: &str, at: usize) -> bool {
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
fn email_domain(s: &str) -> bool {
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
