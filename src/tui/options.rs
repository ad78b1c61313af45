//! App options from config and flags, and the time zone (named, `TZ`, or the system's).

use std::str::FromStr;

use anyhow::{Result, anyhow};
use chrono::Duration;
use chrono_tz::Tz;
use roomscribe_transcript::Template;

use crate::config::{Config, Settings};
use crate::tui::state::Options;

pub fn options(config: &Config, settings: &Settings, room: &str) -> Result<Options> {
    Ok(Options {
        room: room.to_string(),
        tz: zone(settings.tz.as_deref())?,
        gap: gap(&config.transcript.gap)?,
        timestamps: config.transcript.timestamps,
        forum_url: settings.forum_url.clone(),
        default_category: config.forum.default_category.clone(),
        send_as_text: config.matrix.send_as_text,
        users: config.users.clone(),
        template: match &config.transcript.template {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow!("transcript template {}: {e}", path.display()))?;
                Template::from_toml(&text)
                    .map_err(|e| anyhow!("transcript template {}: {e}", path.display()))?
            }
            None => Template::builtin(),
        },
    })
}

/// `90s`, `5m`, `1h`.
fn gap(s: &str) -> Result<Duration> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| anyhow!("transcript.gap: {s} is not like 90s or 5m"))?;
    match unit {
        "s" | "" => Ok(Duration::seconds(n)),
        "m" => Ok(Duration::minutes(n)),
        "h" => Ok(Duration::hours(n)),
        _ => Err(anyhow!("transcript.gap: {s} is not like 90s or 5m")),
    }
}

/// The named zone, else `$TZ`, else the system's (`/etc/timezone`, `/etc/localtime`), else UTC.
pub fn zone(name: Option<&str>) -> Result<Tz> {
    if let Some(n) = name {
        return Tz::from_str(n)
            .map_err(|_| anyhow!("unknown time zone {n} (use an IANA name like Europe/Berlin)"));
    }
    let candidates = [
        std::env::var("TZ")
            .ok()
            .map(|t| t.trim_start_matches(':').to_string()),
        std::fs::read_to_string("/etc/timezone")
            .ok()
            .map(|s| s.trim().to_string()),
        std::fs::read_link("/etc/localtime").ok().and_then(|p| {
            p.to_str()
                .and_then(|s| s.split("zoneinfo/").nth(1))
                .map(str::to_string)
        }),
    ];
    Ok(candidates
        .into_iter()
        .flatten()
        .find_map(|n| Tz::from_str(&n).ok())
        .unwrap_or(Tz::UTC))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_and_zones() {
        assert_eq!(gap("90s").unwrap(), Duration::seconds(90));
        assert_eq!(gap("5m").unwrap(), Duration::minutes(5));
        assert!(gap("5 parsecs").is_err());
        assert_eq!(
            zone(Some("Europe/Berlin")).unwrap(),
            chrono_tz::Europe::Berlin
        );
        assert!(
            zone(Some("Mars/Base"))
                .unwrap_err()
                .to_string()
                .contains("Mars/Base")
        );
    }
}
