//! A forum item as a room notice: plain text and HTML (title linked, short excerpt quoted).

use roomscribe_transcript::RoomRef;
use roomscribe_transcript::sanitize::display;

use crate::types::{ForumItem, ItemKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub plain: String,
    pub html: String,
}

const EXCERPT_CHARS: usize = 280;

/// `title — url`, as `watch` prints what it forwarded: forum text made safe for a terminal.
pub fn summary(item: &ForumItem) -> String {
    display(&format!("{} — {}", item.title, item.url))
}

/// The notice for `item`. Forum text is untrusted: controls, escape sequences and direction
/// overrides are removed (the one sanitizer's terminal mode) before it reaches the room's
/// clients, in the plain body and in the HTML.
pub fn notice(item: &ForumItem) -> Notice {
    let (title, url, username) = (
        display(&item.title),
        display(&item.url),
        display(&item.username),
    );
    let verb = match item.kind {
        ItemKind::NewTopic => "posted a new topic",
        ItemKind::Reply => "replied in",
        ItemKind::Notification => "notified you in",
    };
    let user = if username.trim().is_empty() {
        "someone"
    } else {
        &username
    };
    let excerpt = short(&display(&item.excerpt));
    let plain = format!("{user} {verb} {title} — {url}");
    let mut html = format!(
        "{} {verb} <a href=\"{}\">{}</a>",
        escape(user),
        escape(&url),
        escape(&title)
    );
    if !excerpt.is_empty() {
        html.push_str(&format!("<blockquote>{}</blockquote>", escape(&excerpt)));
    }
    Notice { plain, html }
}

fn short(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= EXCERPT_CHARS {
        flat
    } else {
        let cut: String = flat.chars().take(EXCERPT_CHARS).collect();
        format!("{}…", cut.trim_end())
    }
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The workspace's one stable hash, under the name other modules of this crate already use
/// (`crate::forward::fnv1a`): a re-export, never a second copy.
pub use roomscribe_transcript::strings::fnv1a;

/// The Matrix transaction id for forwarding `key` to `room`: the same in every run and from
/// every part of roomscribe (the app and `watch`), so the homeserver drops a second send.
/// The room is hashed in its canonical form: `org/room` and `#org_room:gitter.im` agree.
pub fn txn_id(room: &str, key: &str) -> String {
    let canonical = match RoomRef::parse(room) {
        Ok(RoomRef::Alias { alias, .. }) => alias,
        Ok(RoomRef::Id { id, .. }) => id,
        Err(_) => room.to_string(),
    };
    // The workspace's one stable hash (std's hasher differs between builds).
    let hash = fnv1a(canonical.as_bytes());
    let key: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("roomscribe-fwd-{hash:016x}-{key}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> ForumItem {
        ForumItem {
            key: "post:5".into(),
            kind: ItemKind::Reply,
            topic_id: 3,
            post_id: Some(5),
            post_number: Some(2),
            title: "Build <broken> & \"why\"".into(),
            category_id: Some(1),
            tags: vec![],
            username: "alice".into(),
            excerpt: "see <script>alert(1)</script>\n\n it's fine".into(),
            url: "https://f.org/t/build/3/2?a=1&b=2".into(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            routes: vec![],
        }
    }

    #[test]
    fn plain_and_escaped_html() {
        let n = notice(&item());
        assert_eq!(
            n.plain,
            "alice replied in Build <broken> & \"why\" — https://f.org/t/build/3/2?a=1&b=2"
        );
        assert_eq!(
            n.html,
            "alice replied in <a href=\"https://f.org/t/build/3/2?a=1&amp;b=2\">Build &lt;broken&gt; &amp; &quot;why&quot;</a>\
             <blockquote>see &lt;script&gt;alert(1)&lt;/script&gt; it&#39;s fine</blockquote>"
        );
    }

    #[test]
    fn long_excerpt_is_cut_on_a_char_boundary() {
        let mut it = item();
        it.excerpt = "é".repeat(1000);
        let n = notice(&it);
        assert!(n.html.contains('…'));
        assert!(n.html.len() < 1000);
    }

    #[test]
    fn the_crate_name_for_the_hash_is_the_one_hash() {
        // Topic external ids (publish.rs) are built from this name; a fixed vector, not itself.
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn txn_ids_are_stable_distinct_and_follow_the_room_not_its_spelling() {
        // A fixed literal: a notice sent by an older build must get the same id after an
        // upgrade, or the homeserver would show it twice.
        assert_eq!(
            txn_id("org/room", "post:12"),
            "roomscribe-fwd-7694eca125d8accd-post-12"
        );
        assert_eq!(
            txn_id("org/room", "post:12"),
            txn_id("#org_room:gitter.im", "post:12")
        );
        assert_ne!(
            txn_id("org/room", "post:12"),
            txn_id("org/other", "post:12")
        );
        assert_ne!(txn_id("org/room", "post:12"), txn_id("org/room", "post:13"));
        assert!(
            txn_id("#a:b", "notification:1")
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        );
    }
}
