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
//! links/BBCode become entities (markdown shows the character; an entity, unlike a backslash,
//! cannot be taken into a web address by linkify), and an `@` that
//! Discourse would take for a mention gets an empty HTML comment after it (dropped when
//! cooked: the reader sees `@name`, nobody is linked or pinged). Code is never changed; a
//! fenced block whose lines would end the quote is written as an indented block instead, with
//! the same text. Each message closes its own fences, so messages cannot run into each other.

/// Put after an `@`: ends markdown-it's text token, so the mention rule sees no name.
pub(crate) const NO_MENTION: &str = "<!-- -->";

mod blocks;
mod links;
mod text;

pub(crate) use blocks::body;
pub(crate) use text::inline;
