//! The one resolved options value: config file + environment + flags, checked once at start
//! and used by every command, the TUI and the bot. Values that need parsing (zone, gap,
//! template) are parsed here, once, with a one-line usage error (exit 2) naming the key;
//! everything else is read from [`Options::file`] as written. Adding a config key means adding
//! it to its section in `config.rs` and, if it needs a check, one line in [`Options::resolve`].

use std::str::FromStr;

use anyhow::Result;
use chrono::Duration;
use chrono_tz::Tz;
use roomscribe_transcript::strings::strip_userinfo;
use roomscribe_transcript::{Template, spec};

use super::{Config, Secrets};
use crate::cli::Global;
use crate::error::usage;

/// Everything a command needs from flags, environment and the config file.
#[derive(Debug)]
pub struct Options {
    /// The config file as read; keys that need no resolving are used from here.
    pub file: Config,
    /// `--tz`/`ROOMSCRIBE_TZ`, else `timezone`, else `$TZ`, else the system's zone, else UTC.
    pub tz: Tz,
    /// `transcript.gap`: merge window when a selection has no `gap:`.
    pub gap: Duration,
    /// `transcript.template`, or the built-in one.
    pub template: Template,
    /// `--homeserver` or `matrix.homeserver`, without userinfo (it would leak into errors).
    pub homeserver: Option<String>,
    pub matrix_user: Option<String>,
    pub forum_url: Option<String>,
    pub forum_username: Option<String>,
    /// `matrix.give_up_after`: how long a first connection to a room is retried.
    pub give_up_after: std::time::Duration,
    /// Resolved on first use, once per process.
    pub secrets: Secrets,
}

impl Options {
    /// Reads the config file (`--config`, else the default path if present) and resolves it.
    pub fn load(global: &Global) -> Result<Self> {
        let file = Config::load(global.config.as_deref())?;
        Self::resolve(global, file)
    }

    /// Flags and environment win over the file. Runs no secret command.
    pub fn resolve(global: &Global, file: Config) -> Result<Self> {
        // The file's zone is checked even when a flag overrides it: a typo shows up now.
        let file_tz = file
            .timezone
            .as_deref()
            .map(|name| named_zone("timezone", name))
            .transpose()?;
        let tz = match &global.tz {
            Some(name) => named_zone("--tz", name)?,
            None => file_tz.unwrap_or_else(system_zone),
        };
        let gap = spec::parse_duration(&file.transcript.gap)
            .map_err(|e| usage(format!("transcript.gap: {}", e.reason)))?;
        let give_up_after = file.matrix.give_up_after.as_deref().unwrap_or("2m");
        let give_up_after = spec::parse_duration(give_up_after)
            .ok()
            .and_then(|d| d.to_std().ok())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                usage(format!(
                    "matrix.give_up_after: {give_up_after:?} is not a duration like \"2m\" or \"90s\""
                ))
            })?;
        let template = match &file.transcript.template {
            Some(path) => load_template(path)?,
            None => Template::builtin(),
        };
        if file.cache.max_mb == 0 {
            return Err(usage(
                "cache.max_mb: must be at least 1 (use --no-cache to bypass)",
            ));
        }
        crate::tui::keymap::Keymap::new(&file.keys).map_err(|e| usage(format!("[keys]: {e}")))?;
        let pick = |flag: &Option<String>, key: &Option<String>| flag.clone().or(key.clone());
        Ok(Self {
            tz,
            gap,
            template,
            homeserver: pick(&global.homeserver, &file.matrix.homeserver)
                .map(|h| strip_userinfo(&h)),
            matrix_user: pick(&global.matrix_user, &file.matrix.user),
            forum_url: pick(&global.forum, &file.forum.url),
            forum_username: pick(&global.forum_username, &file.forum.username),
            give_up_after,
            secrets: Secrets::new(global, &file),
            file,
        })
    }

    /// What the terminal app needs for `room`.
    pub fn tui(&self, room: &str) -> crate::tui::state::Options {
        crate::tui::state::Options {
            room: room.to_string(),
            tz: self.tz,
            gap: self.gap,
            timestamps: self.file.transcript.timestamps,
            forum_url: self.forum_url.clone(),
            default_category: self.file.forum.default_category.clone(),
            send_as_text: self.file.matrix.send_as_text,
            users: self.file.users.clone(),
            template: self.template.clone(),
        }
    }
}

/// An IANA zone name; `key` says where it came from.
pub fn named_zone(key: &str, name: &str) -> Result<Tz> {
    Tz::from_str(name.trim()).map_err(|_| {
        usage(format!(
            "{key}: unknown time zone {name:?} (use an IANA name like Europe/Berlin)"
        ))
    })
}

/// `$TZ` (as the C library reads it), else the system's zone, else UTC.
pub fn system_zone() -> Tz {
    let from_env = std::env::var("TZ")
        .ok()
        .map(|t| t.trim_start_matches(':').to_string());
    from_env
        .into_iter()
        .chain(iana_time_zone::get_timezone().ok())
        .find_map(|n| Tz::from_str(&n).ok())
        .unwrap_or(Tz::UTC)
}

fn load_template(path: &std::path::Path) -> Result<Template> {
    let key = format!("transcript.template {}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| usage(format!("{key}: {e}")))?;
    Template::from_toml(&text).map_err(|e| usage(format!("{key}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(toml: &str) -> Result<Options> {
        Options::resolve(&Global::default(), Config::parse(toml)?)
    }

    fn err(toml: &str) -> String {
        let e = resolve(toml).unwrap_err();
        assert_eq!(crate::error::exit_code(&e), 2, "{e}");
        crate::error::one_line(&e)
    }

    #[test]
    fn compound_gaps_work() {
        let o = resolve("[transcript]\ngap = \"1m30s\"").unwrap();
        assert_eq!(o.gap, Duration::seconds(90));
        assert_eq!(o.tui("org/room").gap, Duration::seconds(90));
    }

    #[test]
    fn absurd_values_are_one_line_usage_errors_naming_the_key() {
        assert_eq!(
            err("[transcript]\ngap = \"9999999999999h\""),
            "transcript.gap: 9999999999999h is too long (at most 7 days)"
        );
        assert_eq!(
            err("[transcript]\ngap = \"99999999999999999999999h\""),
            "transcript.gap: 99999999999999999999999h is too long (at most 7 days)"
        );
        assert!(err("[transcript]\ngap = \"5 parsecs\"").starts_with("transcript.gap: "));
        assert!(err("timezone = \"Mars/Base\"").starts_with("timezone: unknown time zone"));
        assert!(
            err("[transcript]\ntemplate = \"/nonexistent.toml\"")
                .starts_with("transcript.template /nonexistent.toml: ")
        );
        assert!(err("[keys]\n\"normal.j\" = \"fly\"").starts_with("[keys]: "));
        assert!(err("[cache]\nmax_mb = 0").starts_with("cache.max_mb: must be at least 1"));
        assert!(err("[cache]\nmax_mb = -5").contains("line 2"));
        assert_eq!(resolve("").unwrap().file.cache.max_mb, 200);
        assert_eq!(
            resolve("[cache]\nmax_mb = 50").unwrap().file.cache.max_mb,
            50
        );
    }

    #[test]
    fn flags_win_and_userinfo_is_dropped() {
        let global = Global {
            tz: Some("Europe/Berlin".into()),
            homeserver: Some("http://user:pass@hs.example:8008/".into()),
            ..Global::default()
        };
        let file = Config::parse("timezone = \"Mars/Base\"").unwrap();
        let err = Options::resolve(&global, file).unwrap_err().to_string();
        assert!(err.starts_with("timezone: "), "{err}");
        let o = Options::resolve(&global, Config::default()).unwrap();
        assert_eq!(o.tz, chrono_tz::Europe::Berlin);
        assert_eq!(o.homeserver.as_deref(), Some("http://hs.example:8008/"));
    }
}
