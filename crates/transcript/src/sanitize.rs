//! The one sanitizer for untrusted text (chat messages, names, forum titles and excerpts).
//!
//! Both outputs remove the same things, so the terminal and the forum never disagree about
//! what a message said: C0/C1 controls (keeping `\n` and `\t`), DEL, terminal escape
//! sequences and the invisible direction marks/overrides that can reorder text. Line breaks
//! (`\r\n`, lone `\r`, U+2028/9) become `\n`. Only whole, terminated sequences are dropped
//! with their parameters; a stray introducer (`ESC ]` without its terminator, a lone U+009D
//! from mis-decoded text) is dropped alone and the text after it is kept.
//!
//! - [`post`]: for Discourse (the transcript's escaping builds on it); tabs and newlines kept.
//! - [`display`] / [`display_lines`]: for the terminal; tabs become spaces, lines split.
//! - [`json_line`]: JSON whose strings carry the same data with the unsafe characters as
//!   `\u` escapes, so a consumer piping it into a terminal gets no control sequence.

use std::borrow::Cow;
use std::iter::Peekable;
use std::str::Chars;

/// How many columns a tab becomes on the terminal.
const TAB: &str = "    ";

/// Characters that are removed (or, for line breaks, turned into `\n`).
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_invisible_mark(c) || is_line_break(c)
}

/// Direction marks, embeddings, overrides and isolates.
fn is_invisible_mark(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn is_line_break(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

/// Text for a forum post: unsafe characters removed, line breaks as `\n`, tabs kept.
pub fn post(s: &str) -> Cow<'_, str> {
    // Branch-free per chunk, so the common all-ASCII check is vectorized.
    let plain_ascii = s.as_bytes().chunks(32).all(|chunk| {
        chunk.iter().fold(true, |ok, &b| {
            ok & ((0x20..0x7f).contains(&b) | (b == b'\n') | (b == b'\t'))
        })
    });
    if plain_ascii || !s.chars().any(is_unsafe) {
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
            c if is_line_break(c) => out.push('\n'),
            '\u{1b}' => escape_sequence(&mut chars),
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// One terminal line: [`post`], with tabs as spaces and line breaks as spaces.
pub fn display(s: &str) -> String {
    let clean = post(s);
    if !clean.contains(['\t', '\n']) {
        return clean.into_owned();
    }
    clean.replace('\t', TAB).replace('\n', " ")
}

/// Text split into terminal lines, each as [`display`] makes it.
pub fn display_lines(s: &str) -> Vec<String> {
    post(s).split('\n').map(|l| l.replace('\t', TAB)).collect()
}

/// After an ESC: skips a whole CSI or a terminated string sequence; otherwise only the ESC
/// (and a string introducer) goes, so no text is lost to a sequence that never ends.
fn escape_sequence(chars: &mut Peekable<Chars<'_>>) {
    match chars.peek() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            let mut ahead = chars.clone();
            if string_end(&mut ahead) {
                *chars = ahead;
            }
        }
        _ => {}
    }
}

/// Parameters and intermediates, then the final byte; a malformed one ends at the first
/// character that cannot belong to it.
fn skip_csi(chars: &mut Peekable<Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        if !('\u{20}'..='\u{3f}').contains(&c) {
            if ('\u{40}'..='\u{7e}').contains(&c) {
                chars.next();
            }
            return;
        }
        chars.next();
    }
}

/// Advances past a string sequence's terminator (BEL, ST or `ESC \`); false when another
/// control or the end comes first.
fn string_end(chars: &mut Peekable<Chars<'_>>) -> bool {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return true,
            // ST is `ESC \`; any other ESC aborts the string and starts its own sequence.
            '\u{1b}' if chars.peek() == Some(&'\\') => {
                chars.next();
                return true;
            }
            '\u{1b}' => return false,
            c if c.is_control() => return false,
            _ => {}
        }
    }
    false
}

/// One line of JSON for `value`, with DEL, C1 controls, direction marks and U+2028/9 written
/// as `\uXXXX` (serde_json escapes only C0); the same data for any JSON reader.
pub fn json_line<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    json_escape(serde_json::to_string(value)?)
}

/// [`json_line`], indented for people.
pub fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    json_escape(serde_json::to_string_pretty(value)?)
}

fn json_escape(s: String) -> serde_json::Result<String> {
    if s.is_ascii() && !s.contains('\u{7f}') {
        return Ok(s);
    }
    // These characters can only occur inside JSON strings, so escaping them in place is
    // valid JSON with the same data.
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if c == '\u{7f}'
            || (c.is_control() && c != '\n')
            || is_invisible_mark(c)
            || is_line_break(c)
        {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_cannot_reach_the_terminal() {
        let evil = "hi\x1b[2J\x1b]0;owned\x07\x1b]52;c;ZXZpbA==\x07\u{9b}31m\u{202e}txt.exe";
        let s = display(evil);
        assert_eq!(s, "hi31mtxt.exe");
    }

    #[test]
    fn stray_controls_keep_the_text_after_them() {
        assert_eq!(post("before \u{9d} after"), "before  after");
        assert_eq!(post("before \u{1b}] after"), "before  after");
        assert_eq!(post("a\u{90}b\u{9c}c\u{9b}d"), "abcd");
        assert_eq!(
            post("x\u{1b}]8;;http://e.com\u{1b}\\link\u{1b}]8;;\u{1b}\\"),
            "xlink"
        );
    }

    #[test]
    fn newlines_split_and_tabs_expand() {
        assert_eq!(
            display_lines("a\r\nb\rc\n\td\u{2028}e"),
            vec!["a", "b", "c", "    d", "e"]
        );
        assert_eq!(display("a\nb\tc"), "a b    c");
    }

    #[test]
    fn json_escapes_what_a_terminal_would_run() {
        let line = json_line(&"a\u{9b}b\u{202e}c\u{7f}d\u{1b}").unwrap_or_default();
        assert_eq!(line, r#""a\u009bb\u202ec\u007fd\u001b""#);
        let back: String = serde_json::from_str(&line).unwrap_or_default();
        assert_eq!(back, "a\u{9b}b\u{202e}c\u{7f}d\u{1b}");
    }
}
