//! Times as users type them: `HH:MM` (the most recent such time), `YYYY-MM-DD HH:MM`
//! (in the given zone) or RFC 3339.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

pub(crate) struct Resolved {
    pub at: DateTime<Utc>,
    /// Typed as a bare `HH:MM`.
    pub bare: bool,
}

pub(crate) fn is_bare_time(s: &str) -> bool {
    let Some((h, m)) = s.split_once(':') else {
        return false;
    };
    (1..=2).contains(&h.len())
        && m.len() == 2
        && h.bytes().all(|b| b.is_ascii_digit())
        && m.bytes().all(|b| b.is_ascii_digit())
}

const FORMS: &str = "use HH:MM, YYYY-MM-DD HH:MM or RFC 3339";

pub(crate) fn resolve(value: &str, now: DateTime<Utc>, tz: Tz) -> Result<Resolved, String> {
    if is_bare_time(value) {
        let t = NaiveTime::parse_from_str(value, "%H:%M")
            .map_err(|_| format!("{value:?} is not a time of day (00:00 to 23:59)"))?;
        return most_recent(t, now, tz).map(|at| Resolved { at, bare: true });
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Ok(Resolved {
            at: at.with_timezone(&Utc),
            bare: false,
        });
    }
    let naive = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(value, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .ok()
            .map(|d| d.and_time(NaiveTime::MIN))
    })
    .ok_or_else(|| format!("{value:?} is not a time ({FORMS})"))?;
    let at = match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => t,
        LocalResult::Ambiguous(a, _) => a,
        LocalResult::None => return Err(skipped(value, tz)),
    };
    Ok(Resolved {
        at: at.with_timezone(&Utc),
        bare: false,
    })
}

/// The latest instant `<= now` whose local time in `tz` is `t`.
fn most_recent(t: NaiveTime, now: DateTime<Utc>, tz: Tz) -> Result<DateTime<Utc>, String> {
    let today = now.with_timezone(&tz).date_naive();
    for back in 0..3 {
        let day = today - Duration::days(back);
        let candidates: Vec<DateTime<Utc>> = match tz.from_local_datetime(&day.and_time(t)) {
            LocalResult::Single(a) => vec![a.with_timezone(&Utc)],
            LocalResult::Ambiguous(a, b) => vec![b.with_timezone(&Utc), a.with_timezone(&Utc)],
            LocalResult::None => Vec::new(),
        };
        if let Some(at) = candidates.into_iter().find(|at| *at <= now) {
            return Ok(at);
        }
    }
    Err(skipped(&t.format("%H:%M").to_string(), tz))
}

fn skipped(value: &str, tz: Tz) -> String {
    format!("{value} does not exist in {tz} (clock change); pick another time")
}

/// `2026-11-25 14:30` in the zone, for error messages and titles.
pub(crate) fn show(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// `2 h 5 min`, `40 s`: a duration as people say it, for replies and messages.
pub fn human(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        _ if s % 3600 / 60 == 0 => format!("{} h", s / 3600),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}
