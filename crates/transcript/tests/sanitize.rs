//! One sanitizer: the terminal and the forum post remove exactly the same characters.

use proptest::prelude::*;
use roomscribe_transcript::sanitize::{display, display_lines, is_unsafe, json_line, post};

/// Text rich in what terminals and Discourse care about.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\u{1b}[2J".to_string()),
        Just("\u{1b}]52;c;ZXZpbA==\u{7}".to_string()),
        Just("\u{1b}]8;;http://x\u{1b}\\".to_string()),
        Just("\u{1b}P1$q\u{9c}".to_string()),
        Just("\u{1b}]".to_string()),
        Just("\u{1b}".to_string()),
        Just("\r\n".to_string()),
        Just("\r".to_string()),
        Just("\t".to_string()),
        Just("\u{8}\u{7f}".to_string()),
        Just("\u{200e}\u{200f}\u{2028}\u{2029}\u{202e}\u{2066}".to_string()),
        (0x80u32..0xa0).prop_map(|c| char::from_u32(c).map(String::from).unwrap_or_default()),
        "[a-zäЖ ]{1,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..20).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn terminal_and_post_remove_the_same(s in hostile()) {
        let posted = post(&s);
        prop_assert!(!posted.chars().any(is_unsafe), "{:?}", posted);
        // The terminal shows the post's text, with tabs as spaces.
        let lines = display_lines(&s);
        prop_assert_eq!(lines.join("\n"), posted.replace('\t', "    "));
        prop_assert_eq!(display(&s), posted.replace('\t', "    ").replace('\n', " "));
        for l in &lines {
            prop_assert!(!l.chars().any(|c| c.is_control()), "{:?}", l);
        }
    }

    #[test]
    fn json_lines_carry_the_same_data_without_raw_controls(s in hostile()) {
        let line = json_line(&serde_json::json!({ "title": s })).unwrap_or_default();
        prop_assert!(!line.chars().any(|c| c.is_control() || is_unsafe(c)), "{:?}", line);
        let back: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        prop_assert_eq!(back["title"].as_str(), Some(s.as_str()));
    }
}

#[test]
fn text_after_a_stray_control_is_kept() {
    assert_eq!(post("before \u{9d} after"), "before  after");
    assert_eq!(display("a\u{1b}]0;title"), "a0;title");
    assert_eq!(display("x\u{1b}[31mred\u{1b}[0m"), "xred");
}
