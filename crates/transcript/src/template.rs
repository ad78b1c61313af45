//! The post template: data (`themes/transcript.toml`), parsed once into literal and placeholder
//! pieces so rendering 100k messages is plain string pushing.

use std::sync::OnceLock;

use chrono::format::{Item, StrftimeItems};
use serde::Deserialize;

const BUILTIN: &str = include_str!("../../../themes/transcript.toml");

/// A placeholder a template may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Var {
    Header,
    Turns,
    GitterRoom,
    Room,
    Permalink,
    Speaker,
    Stamp,
    Time,
    Lines,
    Text,
    Name,
    Url,
    Quoted,
    Line,
    Date,
    Start,
    End,
    EndDate,
    Target,
    Event,
    Via,
}

const NAMES: &[(&str, Var)] = &[
    ("header", Var::Header),
    ("turns", Var::Turns),
    ("gitter_room", Var::GitterRoom),
    ("room", Var::Room),
    ("permalink", Var::Permalink),
    ("speaker", Var::Speaker),
    ("stamp", Var::Stamp),
    ("time", Var::Time),
    ("lines", Var::Lines),
    ("text", Var::Text),
    ("name", Var::Name),
    ("url", Var::Url),
    ("quoted", Var::Quoted),
    ("line", Var::Line),
    ("date", Var::Date),
    ("start", Var::Start),
    ("end", Var::End),
    ("end_date", Var::EndDate),
    ("target", Var::Target),
    ("event", Var::Event),
    ("via", Var::Via),
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Lit(String),
    Var(Var),
    /// A typo in a user's template; `check` reports it, so it is never written.
    Unknown(String),
}

/// One parsed template string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pieces(Vec<Seg>);

impl Pieces {
    /// Writes the template, asking `fill` for each placeholder's (already safe) value.
    pub(crate) fn write(&self, out: &mut String, mut fill: impl FnMut(Var, &mut String)) {
        for seg in &self.0 {
            match seg {
                Seg::Lit(s) => out.push_str(s),
                Seg::Var(v) => fill(*v, out),
                Seg::Unknown(_) => {}
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("transcript template: {0}")]
pub struct TemplateError(String);

/// The post layout; see `themes/transcript.toml` for what each part means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub(crate) post: Pieces,
    pub(crate) header_gitter: Pieces,
    pub(crate) header_matrix: Pieces,
    pub(crate) header_plain: Pieces,
    pub(crate) link_gitter: Pieces,
    pub(crate) link_matrix: Pieces,
    pub(crate) turn: Pieces,
    pub(crate) turn_separator: String,
    pub(crate) stamp: Pieces,
    pub(crate) time_format: String,
    /// `time_format`, parsed once.
    pub(crate) time_items: Vec<Item<'static>>,
    /// Seconds between different renderings of `time_format` (60 without seconds in it).
    pub(crate) stamp_step: i64,
    pub(crate) line_separator: String,
    pub(crate) text: Pieces,
    pub(crate) notice: Pieces,
    pub(crate) emote: Pieces,
    pub(crate) image: Pieces,
    pub(crate) file: Pieces,
    pub(crate) reply: Pieces,
    pub(crate) title: Pieces,
    pub(crate) title_days: Pieces,
    pub(crate) title_empty: Pieces,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Raw {
    post: Option<String>,
    header_gitter: Option<String>,
    header_matrix: Option<String>,
    header_plain: Option<String>,
    link_gitter: Option<String>,
    link_matrix: Option<String>,
    turn: Option<String>,
    turn_separator: Option<String>,
    stamp: Option<String>,
    time_format: Option<String>,
    line_separator: Option<String>,
    text: Option<String>,
    notice: Option<String>,
    emote: Option<String>,
    image: Option<String>,
    file: Option<String>,
    reply: Option<String>,
    title: Option<String>,
    title_days: Option<String>,
    title_empty: Option<String>,
}

impl Default for Template {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Template {
    /// The template shipped in `themes/transcript.toml`.
    pub fn builtin() -> Self {
        static BUILT: OnceLock<Template> = OnceLock::new();
        BUILT
            .get_or_init(|| {
                // Tests render with it, so a broken built-in file cannot go unnoticed; an empty
                // template is the only fallback that needs no panic.
                Self::from_toml(BUILTIN)
                    .unwrap_or_else(|_| Self::build(Raw::default(), &Raw::default()))
            })
            .clone()
    }

    /// A user's template file; keys it leaves out keep the built-in value.
    pub fn from_toml(text: &str) -> Result<Self, TemplateError> {
        let user: Raw = toml::from_str(text).map_err(|e| TemplateError(e.message().to_string()))?;
        let base: Raw = toml::from_str(BUILTIN).unwrap_or_default();
        let mut t = Self::build(user, &base);
        t.check()?;
        t.stamp_step = stamp_step(&t.time_items);
        Ok(t)
    }

    fn build(user: Raw, base: &Raw) -> Self {
        let pick =
            |u: Option<String>, b: &Option<String>| u.or_else(|| b.clone()).unwrap_or_default();
        let p = |u: Option<String>, b: &Option<String>| pieces(&pick(u, b));
        Self {
            post: p(user.post, &base.post),
            header_gitter: p(user.header_gitter, &base.header_gitter),
            header_matrix: p(user.header_matrix, &base.header_matrix),
            header_plain: p(user.header_plain, &base.header_plain),
            link_gitter: p(user.link_gitter, &base.link_gitter),
            link_matrix: p(user.link_matrix, &base.link_matrix),
            turn: p(user.turn, &base.turn),
            turn_separator: pick(user.turn_separator, &base.turn_separator),
            stamp: p(user.stamp, &base.stamp),
            time_items: StrftimeItems::new(&pick(user.time_format.clone(), &base.time_format))
                .parse_to_owned()
                .unwrap_or_default(),
            stamp_step: 1,
            time_format: pick(user.time_format, &base.time_format),
            line_separator: pick(user.line_separator, &base.line_separator),
            text: p(user.text, &base.text),
            notice: p(user.notice, &base.notice),
            emote: p(user.emote, &base.emote),
            image: p(user.image, &base.image),
            file: p(user.file, &base.file),
            reply: p(user.reply, &base.reply),
            title: p(user.title, &base.title),
            title_days: p(user.title_days, &base.title_days),
            title_empty: p(user.title_empty, &base.title_empty),
        }
    }

    /// Every placeholder must be one its key provides.
    fn check(&self) -> Result<(), TemplateError> {
        use Var::*;
        let rules: [(&str, &Pieces, &[Var]); 17] = [
            ("post", &self.post, &[Header, Turns, Room]),
            (
                "header_gitter",
                &self.header_gitter,
                &[GitterRoom, Room, Permalink],
            ),
            ("header_matrix", &self.header_matrix, &[Room, Permalink]),
            ("header_plain", &self.header_plain, &[Room]),
            ("link_gitter", &self.link_gitter, &[Target, Event, Via]),
            ("link_matrix", &self.link_matrix, &[Target, Event, Via]),
            ("turn", &self.turn, &[Speaker, Stamp, Lines]),
            ("stamp", &self.stamp, &[Time]),
            ("text", &self.text, &[Text, Name]),
            ("notice", &self.notice, &[Text, Name]),
            ("emote", &self.emote, &[Text, Name]),
            ("image", &self.image, &[Name, Url]),
            ("file", &self.file, &[Name, Url]),
            ("reply", &self.reply, &[Name, Quoted, Line]),
            ("title", &self.title, &[Room, Date, Start, End]),
            (
                "title_days",
                &self.title_days,
                &[Room, Date, Start, End, EndDate],
            ),
            ("title_empty", &self.title_empty, &[Room]),
        ];
        for (key, p, allowed) in rules {
            for seg in &p.0 {
                match seg {
                    Seg::Var(v) if !allowed.contains(v) => {
                        let names: Vec<String> = allowed
                            .iter()
                            .map(|a| format!("{{{}}}", name_of(*a)))
                            .collect();
                        return Err(TemplateError(format!(
                            "{key}: {{{}}} is not available here (use {})",
                            name_of(*v),
                            names.join(", ")
                        )));
                    }
                    Seg::Unknown(name) => {
                        return Err(TemplateError(format!(
                            "{key}: unknown placeholder {{{name}}}"
                        )));
                    }
                    _ => {}
                }
            }
        }
        if StrftimeItems::new(&self.time_format).parse().is_err() {
            return Err(TemplateError(format!(
                "time_format: {:?} is not a strftime format",
                self.time_format
            )));
        }
        Ok(())
    }
}

/// 60 when the format shows nothing finer than minutes, so one rendering serves a minute.
fn stamp_step(items: &[Item<'_>]) -> i64 {
    use chrono::format::{Fixed, Numeric};
    let fine = items.iter().any(|i| match i {
        Item::Numeric(n, _) => matches!(
            n,
            Numeric::Second | Numeric::Nanosecond | Numeric::Timestamp
        ),
        Item::Fixed(f) => !matches!(
            f,
            Fixed::ShortMonthName
                | Fixed::LongMonthName
                | Fixed::ShortWeekdayName
                | Fixed::LongWeekdayName
                | Fixed::LowerAmPm
                | Fixed::UpperAmPm
                | Fixed::TimezoneName
                | Fixed::TimezoneOffset
                | Fixed::TimezoneOffsetColon
        ),
        _ => false,
    });
    if fine { 1 } else { 60 }
}

fn name_of(v: Var) -> &'static str {
    NAMES.iter().find(|(_, x)| *x == v).map_or("?", |(n, _)| n)
}

/// Splits `a {x} b {{c}}` into pieces.
fn pieces(src: &str) -> Pieces {
    let mut segs = Vec::new();
    let mut lit = String::new();
    let mut rest = src;
    while let Some(i) = rest.find(['{', '}']) {
        let (before, after) = rest.split_at(i);
        lit.push_str(before);
        if let Some(r) = after
            .strip_prefix("{{")
            .or_else(|| after.strip_prefix("}}"))
        {
            lit.push_str(after.get(..1).unwrap_or(""));
            rest = r;
            continue;
        }
        let body = after.get(1..).unwrap_or("");
        match body.split_once('}').filter(|_| after.starts_with('{')) {
            Some((name, r)) => {
                if !lit.is_empty() {
                    segs.push(Seg::Lit(std::mem::take(&mut lit)));
                }
                match NAMES.iter().find(|(n, _)| *n == name) {
                    Some((_, v)) => segs.push(Seg::Var(*v)),
                    None => segs.push(Seg::Unknown(name.to_string())),
                }
                rest = r;
            }
            None => {
                lit.push_str(after.get(..1).unwrap_or(""));
                rest = body;
            }
        }
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        segs.push(Seg::Lit(lit));
    }
    Pieces(segs)
}
