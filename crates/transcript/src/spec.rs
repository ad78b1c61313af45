//! The selection grammar, shared by the CLI, the TUI command line and any future bot:
//! `last:N from:HH:MM-HH:MM from:T to:T to:now thread:$event ignore:a,b category:C title:"T"
//! tags:a,b gap:5m`, tokens in any order, space separated, values may be quoted.

use std::fmt;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use chrono_tz::Tz;

use crate::when::{self, Resolved};
use crate::words::{quote, unquote};

pub use crate::words::tokenize;

/// Which messages a spec asks for, before ignoring users.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Range {
    /// Start at the last quiet gap (see `select::guess`).
    #[default]
    Guess,
    /// The room's last N visible (not redacted) messages; ignored users are dropped after.
    Last(usize),
    /// The Matrix thread (or reply chain) this event belongs to, root first.
    Thread(String),
    /// Messages with `from <= ts <= to`; `to: None` means up to now (including live ones).
    Between {
        from: DateTime<Utc>,
        to: Option<DateTime<Utc>>,
    },
}

/// A parsed selection: what to take and how to publish it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Spec {
    pub range: Range,
    /// Display names or Matrix ids, as typed; compared case-insensitively.
    pub ignore: Vec<String>,
    /// Category slug or id, as typed.
    pub category: Option<String>,
    pub title: Option<String>,
    pub tags: Vec<String>,
    /// Merge window for runs of one speaker; None: the caller's default.
    pub gap: Option<Duration>,
    /// `to:now`: the selection keeps taking live messages. Otherwise a live view (the TUI,
    /// the bot) fixes the range when the spec is given.
    pub follow: bool,
}

/// One line: which token is wrong and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{token}`: {reason}")]
pub struct SpecError {
    pub token: String,
    pub reason: String,
}

impl SpecError {
    pub(crate) fn new(token: &str, reason: impl Into<String>) -> Self {
        Self {
            token: token.to_string(),
            reason: reason.into(),
        }
    }
}

/// The spec as tokens `parse` reads back (times as RFC 3339 in UTC), e.g. to echo what was
/// understood. Empty for a plain guess.
impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut words: Vec<String> = Vec::new();
        match &self.range {
            Range::Guess => {}
            Range::Last(n) => words.push(format!("last:{n}")),
            Range::Thread(id) => words.push(format!("thread:{}", quote(id))),
            Range::Between { from, to } => {
                words.push(format!(
                    "from:{}",
                    from.to_rfc3339_opts(SecondsFormat::AutoSi, true)
                ));
                if let Some(to) = to {
                    words.push(format!(
                        "to:{}",
                        to.to_rfc3339_opts(SecondsFormat::AutoSi, true)
                    ));
                }
            }
        }
        if self.follow {
            words.push("to:now".into());
        }
        if !self.ignore.is_empty() {
            words.push(format!("ignore:{}", quote(&self.ignore.join(","))));
        }
        if let Some(c) = &self.category {
            words.push(format!("category:{}", quote(c)));
        }
        if let Some(t) = &self.title {
            words.push(format!("title:{}", quote(t)));
        }
        if !self.tags.is_empty() {
            words.push(format!("tags:{}", quote(&self.tags.join(","))));
        }
        if let Some(gap) = self.gap {
            let secs = gap.num_seconds();
            words.push(match secs {
                0 => "gap:0".to_string(),
                s if s % 3600 == 0 => format!("gap:{}h", s / 3600),
                s if s % 60 == 0 => format!("gap:{}m", s / 60),
                s => format!("gap:{s}s"),
            });
        }
        f.write_str(&words.join(" "))
    }
}

const KEYS: &str = "last, from, to, thread, ignore, category, title, tags, gap";
const KEY_LIST: [&str; 9] = [
    "last", "from", "to", "thread", "ignore", "category", "title", "tags", "gap",
];

/// Whether a word starts with a selection key (`last:`, `from:` ...), e.g. to tell a room
/// argument from the first spec token.
pub fn is_spec_token(word: &str) -> bool {
    word.split_once(':')
        .is_some_and(|(k, _)| KEY_LIST.iter().any(|key| key.eq_ignore_ascii_case(k)))
}

/// A merge window as in `gap:` (`90s`, `5m`, `1h`, `1m30s`, `0`), e.g. from the config file.
pub fn parse_duration(value: &str) -> Result<Duration, SpecError> {
    parse_gap(value, value.trim())
}

/// Parses a command line typed as one string (TUI, bot). `now` and `tz` resolve bare times.
pub fn parse(input: &str, now: DateTime<Utc>, tz: Tz) -> Result<Spec, SpecError> {
    let tokens = tokenize(input)?;
    parse_tokens(&tokens, now, tz)
}

/// Parses tokens that are already split (argv). A value may still carry one pair of quotes.
pub fn parse_tokens(tokens: &[String], now: DateTime<Utc>, tz: Tz) -> Result<Spec, SpecError> {
    let mut b = Builder::default();
    for token in tokens {
        b.token(token)?;
    }
    b.finish(now, tz)
}

#[derive(Default)]
struct Builder {
    seen: Vec<&'static str>,
    last: Option<(String, usize)>,
    from: Option<(String, String)>,
    range_to: Option<String>,
    to: Option<(String, String)>,
    thread: Option<(String, String)>,
    spec: Spec,
}

impl Builder {
    fn key_once(&mut self, key: &'static str, token: &str) -> Result<(), SpecError> {
        if self.seen.contains(&key) {
            return Err(SpecError::new(
                token,
                format!("duplicate key {key}: give it once"),
            ));
        }
        self.seen.push(key);
        Ok(())
    }

    fn token(&mut self, token: &str) -> Result<(), SpecError> {
        let Some((key, raw)) = token.split_once(':') else {
            return Err(SpecError::new(
                token,
                format!("expected key:value (keys: {KEYS})"),
            ));
        };
        let value = unquote(raw).trim();
        let Some(key) = KEY_LIST.into_iter().find(|k| k.eq_ignore_ascii_case(key)) else {
            return Err(SpecError::new(
                token,
                format!("unknown key {key:?} (keys: {KEYS})"),
            ));
        };
        self.key_once(key, token)?;
        if value.is_empty() {
            return Err(SpecError::new(token, format!("empty value for {key}:")));
        }
        match key {
            "last" => self.last = Some((token.to_string(), parse_count(token, value)?)),
            "from" => self.set_from(token, value)?,
            "to" if value.eq_ignore_ascii_case("now") => self.spec.follow = true,
            "to" => self.to = Some((token.to_string(), value.to_string())),
            "thread" => self.thread = Some((token.to_string(), value.to_string())),
            "ignore" => self.spec.ignore = list(token, value)?,
            "category" => self.spec.category = Some(value.to_string()),
            "title" => self.spec.title = Some(value.to_string()),
            "tags" => self.spec.tags = list(token, value)?,
            _ => self.spec.gap = Some(parse_gap(token, value)?),
        }
        Ok(())
    }

    fn set_from(&mut self, token: &str, value: &str) -> Result<(), SpecError> {
        // `from:HH:MM-HH:MM`: both ends bare times. Full dates contain '-' too, so only split
        // when the left side alone is a bare time.
        if let Some((a, b)) = value.split_once('-').map(|(a, b)| (a.trim(), b.trim()))
            && when::is_bare_time(a)
        {
            if !when::is_bare_time(b) {
                return Err(SpecError::new(
                    token,
                    format!("{b:?} is not a time HH:MM (range form is from:HH:MM-HH:MM)"),
                ));
            }
            self.range_to = Some(b.to_string());
            self.from = Some((token.to_string(), a.to_string()));
            return Ok(());
        }
        self.from = Some((token.to_string(), value.to_string()));
        Ok(())
    }

    fn finish(mut self, now: DateTime<Utc>, tz: Tz) -> Result<Spec, SpecError> {
        let range_token = self.from.as_ref().map(|f| f.0.clone());
        if let Some((thread_tok, id)) = &self.thread {
            let other = (self.last.as_ref().map(|l| &l.0))
                .or(range_token.as_ref())
                .or(self.to.as_ref().map(|t| &t.0));
            if let Some(other) = other {
                return Err(SpecError::new(
                    thread_tok,
                    format!("thread: cannot be combined with `{other}`: use one or the other"),
                ));
            }
            if !id.starts_with('$') {
                return Err(SpecError::new(
                    thread_tok,
                    "expected an event id like thread:$abc123",
                ));
            }
            self.spec.range = Range::Thread(id.clone());
            return Ok(self.spec);
        }
        if let Some((last_tok, n)) = &self.last {
            if let Some(other) = range_token.as_ref().or(self.to.as_ref().map(|t| &t.0)) {
                return Err(SpecError::new(
                    last_tok,
                    format!("last: cannot be combined with `{other}`: use one or the other"),
                ));
            }
            self.spec.range = Range::Last(*n);
            return Ok(self.spec);
        }
        let to_src = match (&self.range_to, &self.to) {
            (Some(_), Some((to_tok, _))) => {
                return Err(SpecError::new(
                    to_tok,
                    "the from: range already has an end; drop to: or the -HH:MM",
                ));
            }
            (Some(b), None) => range_token.clone().map(|t| (t, b.clone())),
            (None, Some(t)) => Some(t.clone()),
            (None, None) => None,
        };
        let Some((from_tok, from_val)) = self.from.clone() else {
            if let Some((to_tok, _)) = to_src {
                return Err(SpecError::new(&to_tok, "to: needs a from: as well"));
            }
            return Ok(self.spec);
        };
        let from = when::resolve(&from_val, now, tz)
            .map_err(|reason| SpecError::new(&from_tok, reason))?;
        if from.at > now {
            return Err(SpecError::new(
                &from_tok,
                format!(
                    "{} is in the future (now {})",
                    when::show(from.at, tz),
                    when::show(now, tz)
                ),
            ));
        }
        let to = match to_src {
            None => None,
            Some((to_tok, to_val)) => Some(resolve_to(&to_tok, &to_val, &from, now, tz)?),
        };
        self.spec.range = Range::Between { from: from.at, to };
        Ok(self.spec)
    }
}

fn resolve_to(
    token: &str,
    value: &str,
    from: &Resolved,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<DateTime<Utc>, SpecError> {
    let to = when::resolve(value, now, tz).map_err(|reason| SpecError::new(token, reason))?;
    if to.at > now {
        return Err(SpecError::new(
            token,
            format!(
                "{} is in the future (now {})",
                when::show(to.at, tz),
                when::show(now, tz)
            ),
        ));
    }
    if to.at < from.at {
        // A bare end that would fit after the start if it were today is simply not reached yet.
        let hint = if to.bare && to.at + Duration::days(1) > now {
            format!(" ({value} today is still in the future)")
        } else {
            String::new()
        };
        return Err(SpecError::new(
            token,
            format!(
                "end {} is before start {}{hint}",
                when::show(to.at, tz),
                when::show(from.at, tz)
            ),
        ));
    }
    Ok(to.at)
}

fn parse_count(token: &str, value: &str) -> Result<usize, SpecError> {
    let n: usize = value.parse().map_err(|_| {
        SpecError::new(
            token,
            format!("{value:?} is not a number of messages (e.g. last:50)"),
        )
    })?;
    if n == 0 {
        return Err(SpecError::new(token, "last: must be at least 1"));
    }
    Ok(n)
}

fn list(token: &str, value: &str) -> Result<Vec<String>, SpecError> {
    let items: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if items.is_empty() {
        return Err(SpecError::new(
            token,
            "empty list: give names separated by commas",
        ));
    }
    Ok(items)
}

/// `90s`, `5m`, `1h`, `1m30s`, or `0` (never merge).
/// The longest merge window: longer ones merge unrelated conversations.
const MAX_GAP_SECS: i64 = 7 * 86_400;

fn parse_gap(token: &str, value: &str) -> Result<Duration, SpecError> {
    let bad = || {
        SpecError::new(
            token,
            format!("{value:?} is not a duration (e.g. 90s, 5m, 1h, 1m30s)"),
        )
    };
    if value == "0" {
        return Ok(Duration::zero());
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in value.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return Err(bad()),
        };
        if digits.is_empty() {
            return Err(bad());
        }
        // Digits beyond i64 are just as much too long as a big number that fits.
        let too_long = || SpecError::new(token, format!("{value} is too long (at most 7 days)"));
        let n: i64 = digits.parse().map_err(|_| too_long())?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .filter(|t| *t <= MAX_GAP_SECS)
            .ok_or_else(too_long)?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(bad());
    }
    Ok(Duration::seconds(total))
}
