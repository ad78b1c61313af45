//! The `[bot]` settings, checked once at start (a bad value is a usage error, not a panic).

use anyhow::Result;
use chrono::Duration;

use super::access::Allow;
use crate::config::Options as Resolved;
use crate::error::usage;
use crate::headless::transcript::PostOptions;
use crate::transcript::spec;

/// The `[bot]` settings, checked at start.
#[derive(Debug, Clone)]
pub struct Options {
    pub prefix: String,
    pub allow: Allow,
    pub min_power_level: Option<i64>,
    pub max_age: Duration,
    pub cooldown: Duration,
    pub post: PostOptions,
}

impl Options {
    pub fn resolve(resolved: &Resolved) -> Result<Self> {
        let b = &resolved.file.bot;
        let allow = Allow::parse(&b.allow).ok_or_else(|| {
            crate::error::usage(format!(
                "config bot.allow: {:?} is not \"staff\" or \"admins\"",
                b.allow
            ))
        })?;
        let prefix = b.prefix.trim().to_string();
        if prefix.is_empty() || prefix.contains(char::is_whitespace) {
            return Err(crate::error::usage(
                "config bot.prefix: one word, e.g. \"!transcript\"",
            ));
        }
        Ok(Self {
            prefix,
            allow,
            min_power_level: b.min_power_level,
            max_age: duration("max_age", &b.max_age)?,
            cooldown: duration("cooldown", &b.cooldown)?,
            post: PostOptions::from_options(resolved, false),
        })
    }
}

/// A duration setting (`"1h"`, `"90s"`) through the one duration parser.
fn duration(name: &str, value: &str) -> Result<Duration> {
    spec::parse_duration(value).map_err(|e| usage(format!("config bot.{name}: {}", e.reason)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(bot: &str) -> Result<Options> {
        let config = crate::config::Config::parse(&format!("[bot]\n{bot}")).unwrap();
        let resolved = Resolved::resolve(&crate::cli::Global::default(), config)?;
        Options::resolve(&resolved)
    }

    #[test]
    fn defaults_and_clear_errors_for_bad_values() {
        let o = resolve("").unwrap();
        assert_eq!(o.prefix, "!transcript");
        assert_eq!(o.allow, Allow::Staff);
        assert_eq!(o.max_age, Duration::hours(1));
        assert_eq!(o.cooldown, Duration::minutes(1));
        for (bad, names) in [
            ("allow = \"everyone\"", "bot.allow"),
            ("max_age = \"soon\"", "bot.max_age"),
            ("cooldown = \"-\"", "bot.cooldown"),
            ("prefix = \"two words\"", "bot.prefix"),
        ] {
            let err = resolve(bad).unwrap_err().to_string();
            assert!(err.contains(names), "{bad}: {err}");
        }
    }
}
