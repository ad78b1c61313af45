//! Block structure: fences, indented code, blockquotes and list items, as CommonMark reads
//! them, so code is passed through and only text is escaped.

use super::NO_MENTION;
use super::text::{Later, text_line};
use crate::sanitize;

/// A fence as CommonMark sees it: up to 3 spaces, then 3+ backticks or tildes.
pub(super) fn fence(line: &str) -> Option<(char, usize, &str)> {
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
pub(super) fn indent(line: &str) -> usize {
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
pub(super) fn quote_prefix(line: &str, max: usize) -> (usize, &str, &str) {
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
pub(super) fn list_marker(s: &str) -> bool {
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
pub(super) fn list_fence(s: &str, prev_blank: bool) -> Option<(usize, (char, usize, &str))> {
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
pub(super) fn list_code(s: &str, prev_blank: bool) -> bool {
    let Some((marker_end, after)) = list_item(s, prev_blank) else {
        return false;
    };
    let _ = marker_end;
    let spaces = after.len() - after.trim_start_matches(' ').len();
    spaces >= 5 && !after.trim().is_empty() && !after.get(..spaces).unwrap_or("").contains('\t')
}

/// A list item's marker end and what follows it, when the line starts one.
pub(super) fn list_item(s: &str, prev_blank: bool) -> Option<(usize, &str)> {
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
pub(super) fn ends_quote(line: &str) -> bool {
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

pub(super) struct Fence<'a> {
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
    // The last line was an empty list item (`-`): no paragraph a line could continue.
    let mut prev_empty_item = false;
    // Trailing blank lines are nothing, except inside a fence left open.
    let whole = cleaned.strip_suffix('\n').unwrap_or(&cleaned);
    // A message that starts indented could continue a list the one before it left open
    // (messages of a turn are only a blank line apart): an empty comment line ends any list.
    let first = whole.split('\n').find(|l| !l.trim().is_empty());
    if !mid_line && !out.is_empty() && first.is_some_and(|l| l.starts_with([' ', '\t'])) {
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(NO_MENTION);
        out.push_str("\n\n");
        prev_blank = true;
    }
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
        // A line at the left margin after a blank line or an empty item ends a list.
        let after_item = std::mem::take(&mut prev_empty_item);
        if !line.starts_with([' ', '\t']) && (prev_blank || after_item) && !list_marker(line) {
            in_list = false;
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
            prev_empty_item = !inner.trim().contains([' ', '\t']);
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
pub(super) fn write_fence(f: Fence<'_>, closed: bool, out: &mut String) {
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
