//! What a room message asks the bot: nothing, `help`, or a transcript (posted or previewed).
//! The selection itself is parsed by the one grammar (`transcript::spec`), like the CLI's
//! arguments and the TUI's `:` line.

/// A command, before its selection is parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Help,
    /// `preview`: reply with the pre-filled composer link instead of posting.
    Transcript {
        preview: bool,
        spec: String,
    },
}

/// The request in `body` when it starts with `prefix` (case-insensitive), else None.
pub fn parse_request(body: &str, prefix: &str) -> Option<Request> {
    let rest = strip_prefix(body.trim(), prefix)?;
    let rest = rest.trim();
    let (first, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    Some(match first.to_ascii_lowercase().as_str() {
        "help" | "--help" | "-h" => Request::Help,
        "preview" => Request::Transcript {
            preview: true,
            spec: tail.trim().to_string(),
        },
        _ => Request::Transcript {
            preview: false,
            spec: rest.to_string(),
        },
    })
}

/// True for any message addressed to the bot: such messages never go into a transcript.
pub fn is_command(body: &str, prefix: &str) -> bool {
    strip_prefix(body.trim(), prefix).is_some()
}

fn strip_prefix<'a>(body: &'a str, prefix: &str) -> Option<&'a str> {
    let head = body.get(..prefix.len())?;
    let rest = body.get(prefix.len()..)?;
    let word_ends = rest.is_empty() || rest.starts_with(char::is_whitespace);
    (head.eq_ignore_ascii_case(prefix) && word_ends).then_some(rest)
}

/// The help reply: the grammar in a few lines.
pub fn help(prefix: &str, tz: &str) -> String {
    format!(
        "{prefix} turns this room's conversation into one forum topic, posted as you (forum staff only).\n\
         {prefix} last:50 category:staff ignore:bob title:\"Webhook outage\" tags:a,b gap:5m\n\
         {prefix} from:15:35-16:10 (or from:T to:T) — times in {tz}\n\
         {prefix} — from the last quiet gap; as a reply to a message: from that message; in a thread: that thread\n\
         {prefix} preview ... — a link to a pre-filled topic instead of posting\n\
         {prefix} help — this text"
    )
}

/// Text the bot says, safe for every member's client: the one sanitizer's post mode (no
/// control or escape sequences, which titles typed in the room or forum words could carry),
/// and a word joiner after each `@`, so it can name people and `@room` without pinging anyone
/// in clients that still scan the body (the reply's `m.mentions` is empty as well).
pub fn defang(text: &str) -> String {
    roomscribe_transcript::sanitize::post(text).replace('@', "@\u{2060}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests() {
        let p = "!transcript";
        assert_eq!(parse_request("hello", p), None);
        assert_eq!(parse_request("!transcripts last:5", p), None);
        assert_eq!(parse_request("  !Transcript help", p), Some(Request::Help));
        assert_eq!(
            parse_request("!transcript last:5 ignore:bob", p),
            Some(Request::Transcript {
                preview: false,
                spec: "last:5 ignore:bob".into()
            })
        );
        assert_eq!(
            parse_request("!transcript preview last:5", p),
            Some(Request::Transcript {
                preview: true,
                spec: "last:5".into()
            })
        );
        assert_eq!(
            parse_request("!transcript", p),
            Some(Request::Transcript {
                preview: false,
                spec: String::new()
            })
        );
        assert!(is_command("!transcript last:3", p));
        assert!(!is_command("I like !transcript", p));
    }

    #[test]
    fn defanged_text_pings_nobody() {
        let t = defang("@room see @bob:hs");
        assert!(!t.contains("@room") && !t.contains("@bob"));
        let t = defang("published \u{1b}[2J“x\u{202e}”\u{7}\nnext line");
        assert_eq!(t, "published “x”\nnext line");
    }
}
