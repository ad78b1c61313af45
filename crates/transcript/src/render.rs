//! One Discourse post from a transcript, laid out by the template, every chat value escaped.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::escape;
use crate::model::{ChatMessage, MessageKind, RoomInfo};
use crate::room::gitter_room_name;
use crate::select::{Line, Transcript, Turn};
use crate::template::{Pieces, Template, Var};

/// How a reply quotes the message it answers: at most this many characters.
const QUOTE_CHARS: usize = 100;

#[derive(Debug, Clone)]
pub struct RenderOptions {
    pub tz: Tz,
    /// Add the template's `stamp` (HH:MM) to each turn.
    pub timestamps: bool,
    /// Chat sender (Matrix id or display name, any case) → forum username: rendered as a real
    /// `@mention` on purpose. Everyone else is shown as `@name` without pinging anyone.
    pub users: BTreeMap<String, String>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            tz: Tz::UTC,
            timestamps: false,
            users: BTreeMap::new(),
        }
    }
}

/// The post's markdown: a single `[quote]` block linking back to the room's first message.
pub fn render(t: &Transcript<'_>, room: &RoomInfo, opts: &RenderOptions, tpl: &Template) -> String {
    let size: usize = t.lines.iter().map(|l| l.msg.body.len() + 64).sum();
    let mut out = String::with_capacity(size + 512);
    let first = t.lines.first().map(|l| l.msg);
    let mut cache = Cache::default();
    tpl.post.write(&mut out, |var, out| match var {
        Var::Header => header(first, room, tpl, out),
        Var::Turns => {
            for (i, turn) in t.turns().enumerate() {
                if i > 0 {
                    out.push_str(&tpl.turn_separator);
                }
                write_turn(&turn, room, opts, tpl, &mut cache, out);
            }
        }
        Var::Room => escape::inline(&room_label(room), out),
        _ => {}
    });
    out
}

/// `org/room` for Gitter rooms, else the name, alias or id.
pub fn room_label(room: &RoomInfo) -> String {
    room.alias
        .as_deref()
        .and_then(gitter_room_name)
        .or_else(|| legacy_gitter_room(&room.room_id).map(str::to_string))
        .or_else(|| room.name.clone())
        .or_else(|| room.alias.clone())
        .unwrap_or_else(|| room.room_id.clone())
}

/// A legacy Gitter export names its room `org/room` instead of a Matrix id.
fn legacy_gitter_room(id: &str) -> Option<&str> {
    (!id.starts_with('!') && id.contains('/')).then_some(id)
}

/// A link to one message with the built-in template; see [`Template::permalink`].
pub fn permalink(room: &RoomInfo, event_id: &str) -> String {
    Template::builtin().permalink(room, event_id)
}

impl Template {
    /// A link to one message: the Gitter web app for gitter.im rooms (`link_gitter`),
    /// matrix.to for other Matrix rooms (`link_matrix`), gitter.im for legacy Gitter ids.
    pub fn permalink(&self, room: &RoomInfo, event_id: &str) -> String {
        if !event_id.starts_with('$') {
            if let Some(name) = room.alias.as_deref().and_then(gitter_room_name) {
                return format!("https://gitter.im/{name}?at={}", encode(event_id));
            }
            if let Some(name) = legacy_gitter_room(&room.room_id) {
                return format!("https://gitter.im/{}?at={}", encode(name), encode(event_id));
            }
        }
        let target = room.alias.as_deref().unwrap_or(&room.room_id);
        let gitter = room.alias.as_deref().and_then(gitter_room_name).is_some();
        let pieces = if gitter {
            &self.link_gitter
        } else {
            &self.link_matrix
        };
        let mut link = String::new();
        pieces.write(&mut link, |var, out| match var {
            Var::Target => out.push_str(&encode(target)),
            Var::Event => out.push_str(&encode(event_id)),
            Var::Via => {
                if room.alias.is_none()
                    && let Some((_, server)) = room.room_id.split_once(':')
                {
                    out.push_str("?via=");
                    out.push_str(&encode(server));
                }
            }
            _ => {}
        });
        link
    }
}

/// Percent-encodes what could end a markdown link or URL; keeps Matrix sigils readable.
fn encode(s: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b'!')
        .remove(b'$')
        .remove(b':')
        .remove(b'@')
        .remove(b'#')
        .remove(b'/')
        .remove(b'=')
        .remove(b'+')
        .remove(b',')
        .remove(b';');
    utf8_percent_encode(s, KEEP).to_string()
}

fn header(first: Option<&ChatMessage>, room: &RoomInfo, tpl: &Template, out: &mut String) {
    let link = first.map_or_else(|| room_link(room), |m| tpl.permalink(room, &m.event_id));
    let gitter = room
        .alias
        .as_deref()
        .and_then(gitter_room_name)
        .or_else(|| legacy_gitter_room(&room.room_id).map(str::to_string));
    let is_matrix = room.alias.is_some() || room.room_id.starts_with('!');
    let pieces = match (&gitter, is_matrix) {
        (Some(_), _) => &tpl.header_gitter,
        (None, true) => &tpl.header_matrix,
        // An export that does not say which room it is from: nothing to link to.
        (None, false) => &tpl.header_plain,
    };
    pieces.write(out, |var, out| match var {
        Var::GitterRoom => escape::inline(gitter.as_deref().unwrap_or(""), out),
        Var::Room => escape::inline(&room_label(room), out),
        Var::Permalink => out.push_str(&link),
        _ => {}
    });
}

fn room_link(room: &RoomInfo) -> String {
    match legacy_gitter_room(&room.room_id) {
        Some(name) => format!("https://gitter.im/{}", encode(name)),
        None => format!(
            "https://matrix.to/#/{}",
            encode(room.alias.as_deref().unwrap_or(&room.room_id))
        ),
    }
}

/// Rendered speaker labels by speaker number, and the last stamp: a long transcript has few
/// speakers and many turns in the same minute.
#[derive(Default)]
struct Cache {
    labels: Vec<Option<String>>,
    stamp: Option<(i64, String)>,
}

impl Cache {
    fn label(&mut self, line: &Line<'_>, users: &BTreeMap<String, String>) -> &str {
        let i = line.who.speaker as usize;
        if self.labels.len() <= i {
            self.labels.resize(i + 1, None);
        }
        match self.labels.get_mut(i) {
            Some(slot) => slot.get_or_insert_with(|| {
                let mut label = String::new();
                speaker(line.msg, users, &mut label);
                label
            }),
            None => "",
        }
    }

    fn stamp(&mut self, ts: DateTime<Utc>, tz: Tz, tpl: &Template) -> &str {
        let key = ts.timestamp().div_euclid(tpl.stamp_step);
        if self.stamp.as_ref().is_none_or(|(k, _)| *k != key) {
            use std::fmt::Write;
            let mut s = String::new();
            let _ = write!(
                s,
                "{}",
                ts.with_timezone(&tz)
                    .format_with_items(tpl.time_items.iter())
            );
            self.stamp = Some((key, s));
        }
        self.stamp.as_ref().map_or("", |(_, s)| s.as_str())
    }
}

fn write_turn<'a>(
    turn: &Turn<'_, 'a>,
    room: &RoomInfo,
    opts: &RenderOptions,
    tpl: &Template,
    cache: &mut Cache,
    out: &mut String,
) {
    let Some(head) = turn.messages.first() else {
        return;
    };
    let first = head.msg;
    tpl.turn.write(out, |var, out| match var {
        Var::Speaker => out.push_str(cache.label(head, &opts.users)),
        Var::Stamp if opts.timestamps => tpl.stamp.write(out, |v, out| {
            if v == Var::Time {
                out.push_str(cache.stamp(first.ts, opts.tz, tpl));
            }
        }),
        Var::Lines => {
            for (i, line) in turn.messages.iter().enumerate() {
                if i > 0 {
                    out.push_str(&tpl.line_separator);
                }
                write_line(line, room, tpl, out);
            }
        }
        _ => {}
    });
}

/// `@forumuser` when mapped on purpose; otherwise `@name` that cannot ping.
fn speaker(m: &ChatMessage, users: &BTreeMap<String, String>, out: &mut String) {
    let mapped = users
        .get(&m.sender)
        .or_else(|| users.get(&m.sender_name))
        .or_else(|| {
            users
                .iter()
                .find(|(k, _)| {
                    k.eq_ignore_ascii_case(&m.sender) || k.eq_ignore_ascii_case(&m.sender_name)
                })
                .map(|(_, v)| v)
        });
    if let Some(user) = mapped {
        out.push('@');
        out.extend(
            user.chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-')),
        );
        return;
    }
    out.push('@');
    out.push_str(escape::NO_MENTION);
    let name = crate::sanitize::post(display_name(m));
    let name = name.trim_start();
    escape::inline(name.strip_prefix('@').unwrap_or(name), out);
}

fn display_name(m: &ChatMessage) -> &str {
    if crate::sanitize::post(&m.sender_name).trim().is_empty() {
        &m.sender
    } else {
        &m.sender_name
    }
}

fn write_line(line: &Line<'_>, room: &RoomInfo, tpl: &Template, out: &mut String) {
    match line.reply {
        Some(target) if !target.redacted => tpl.reply.write(out, |var, out| match var {
            Var::Name => escape::inline(display_name(target), out),
            Var::Quoted => escape::inline(&snippet(&target.body), out),
            Var::Line => write_message(line.msg, room, tpl, out),
            _ => {}
        }),
        _ => write_message(line.msg, room, tpl, out),
    }
}

fn snippet(body: &str) -> String {
    let one_line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= QUOTE_CHARS {
        return one_line;
    }
    let mut s: String = one_line.chars().take(QUOTE_CHARS).collect();
    s.push('…');
    s
}

fn write_message(m: &ChatMessage, room: &RoomInfo, tpl: &Template, out: &mut String) {
    let (pieces, media): (&Pieces, Option<(&str, Option<&str>)>) = match &m.kind {
        MessageKind::Text => (&tpl.text, None),
        MessageKind::Notice => (&tpl.notice, None),
        MessageKind::Emote => (&tpl.emote, None),
        MessageKind::Image { url, name } => (&tpl.image, Some((url, name.as_deref()))),
        MessageKind::File { url, name } => (&tpl.file, Some((url, name.as_deref()))),
    };
    pieces.write(out, |var, out| match (var, media) {
        (Var::Text, _) => escape::body(&m.body, out),
        (Var::Name, None) => escape::inline(display_name(m), out),
        (Var::Name, Some((_, name))) => {
            let label = name.filter(|n| !n.trim().is_empty()).unwrap_or(&m.body);
            escape::inline(
                if label.trim().is_empty() {
                    "attachment"
                } else {
                    label
                },
                out,
            );
        }
        (Var::Url, Some((url, _))) => {
            if url.starts_with("https://") || url.starts_with("http://") {
                out.push_str(&encode(url));
            } else {
                out.push_str(&tpl.permalink(room, &m.event_id));
            }
        }
        _ => {}
    });
}

/// One message as the post shows it (e.g. a media message's link), so a publisher can find
/// and replace it in the post, also after the user edited the text around it.
pub fn message_markdown(m: &ChatMessage, room: &RoomInfo, tpl: &Template) -> String {
    let mut out = String::new();
    write_message(m, room, tpl, &mut out);
    out
}

/// A topic title from the room and the messages' time span, e.g.
/// `gitterHQ/services chat, 2026-11-25 14:03–15:20`.
pub fn suggest_title<'a>(
    room_name: &str,
    messages: impl IntoIterator<Item = &'a ChatMessage>,
    tz: Tz,
) -> String {
    Template::builtin().title(room_name, messages, tz)
}

impl Template {
    /// `suggest_title` with this template's title lines.
    pub fn title<'a>(
        &self,
        room_name: &str,
        messages: impl IntoIterator<Item = &'a ChatMessage>,
        tz: Tz,
    ) -> String {
        let mut span: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
        for m in messages {
            span = Some(match span {
                None => (m.ts, m.ts),
                Some((a, b)) => (a.min(m.ts), b.max(m.ts)),
            });
        }
        let clean_room = crate::sanitize::post(room_name).replace('\n', " ");
        let mut out = String::new();
        let Some((a, b)) = span else {
            self.title_empty
                .write(&mut out, |_, out| out.push_str(&clean_room));
            return out;
        };
        let (a, b) = (a.with_timezone(&tz), b.with_timezone(&tz));
        let pieces = if a.date_naive() == b.date_naive() {
            &self.title
        } else {
            &self.title_days
        };
        pieces.write(&mut out, |var, out| {
            let v = match var {
                Var::Room => clean_room.clone(),
                Var::Date => a.format("%Y-%m-%d").to_string(),
                Var::Start => a.format(&self.time_format).to_string(),
                Var::End => b.format(&self.time_format).to_string(),
                Var::EndDate => b.format("%Y-%m-%d").to_string(),
                _ => String::new(),
            };
            out.push_str(&v);
        });
        out
    }
}
