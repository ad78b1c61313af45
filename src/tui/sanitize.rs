//! Chat text is untrusted: nothing in it may reach the terminal as a control sequence
//! (cursor moves, colours, window title, OSC 52 clipboard) or reorder text (bidi overrides).

/// One display line: control characters become `�`, tabs become spaces.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' => out.push_str("    "),
            c if is_unsafe(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Text split into display lines (`\n`, `\r\n`, lone `\r`), each cleaned.
pub fn lines(s: &str) -> Vec<String> {
    s.split('\n')
        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
        .map(clean)
        .collect()
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_cannot_reach_the_terminal() {
        let evil = "hi\x1b[2J\x1b]0;owned\x07\x1b]52;c;ZXZpbA==\x07\u{9b}31m\u{202e}txt.exe";
        let s = clean(evil);
        assert!(!s.chars().any(|c| c.is_control()), "{s:?}");
        assert!(!s.contains('\u{202e}'));
        assert!(s.starts_with("hi\u{FFFD}[2J"));
    }

    #[test]
    fn newlines_split_and_tabs_expand() {
        assert_eq!(lines("a\r\nb\rc\n\td"), vec!["a", "b", "c", "    d"]);
    }
}
