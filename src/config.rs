//! The config file (TOML) as written. [`Options`] merges it with flags and environment into
//! the one resolved value every command uses; [`Secrets`] runs the `*_command`s (through
//! `sh -c`, so secrets need not sit in the file) lazily, once each.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::error::usage;

mod options;
mod secrets;
pub use options::{Options, named_zone, system_zone};
pub use secrets::{Secrets, run_secret_command};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Theme name: a file `themes/NAME.toml` (built-in: dark, light, high-contrast).
    pub theme: Option<String>,
    /// IANA time zone for showing and reading times; default: the system's local zone.
    pub timezone: Option<String>,
    pub matrix: MatrixConfig,
    pub forum: ForumConfig,
    pub transcript: TranscriptConfig,
    /// Chat sender (Matrix id or display name) → forum username, rendered as a real @mention.
    pub users: BTreeMap<String, String>,
    /// Notification rules, in order: the first rule that matches an item decides for its room.
    pub rules: Vec<RuleConfig>,
    /// Key overrides: `"mode.key" = "action"`, e.g. `"normal.ctrl-d" = "page_down"`.
    pub keys: BTreeMap<String, String>,
    /// `roomscribe bot`: rooms, command prefix, who may ask.
    pub bot: BotConfig,
    /// The persistent room cache (matrix-sdk's sqlite stores).
    pub cache: CacheConfig,
}

/// The `[cache]` section.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// Size bound in MB: a bigger cache is cleared at start.
    pub max_mb: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self { max_mb: 200 }
    }
}

/// The `[bot]` section: what `roomscribe bot` listens to and whom it obeys.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct BotConfig {
    /// Rooms to serve (any ROOM form), besides those given as arguments.
    pub rooms: Vec<String>,
    /// The word that starts a command (Matrix clients eat unknown `/commands`).
    pub prefix: String,
    /// Who may ask for transcripts: "staff" (admins and moderators) or "admins".
    pub allow: String,
    /// Also require at least this power level in the room.
    pub min_power_level: Option<i64>,
    /// Commands older than this when the bot sees them get an "expired" reply.
    pub max_age: String,
    /// Per-user wait between two transcript commands.
    pub cooldown: String,
}

impl Default for BotConfig {
    fn default() -> Self {
        Self {
            rooms: Vec::new(),
            prefix: "!transcript".into(),
            allow: "staff".into(),
            min_power_level: None,
            max_age: "1h".into(),
            cooldown: "1m".into(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatrixConfig {
    pub homeserver: Option<String>,
    pub user: Option<String>,
    pub access_token_command: Option<String>,
    pub password_command: Option<String>,
    /// Send forum notices as `m.text` instead of `m.notice` (for bridged rooms that drop notices).
    pub send_as_text: bool,
    /// How long a first connection to the room is retried before giving up ("2m" when unset).
    pub give_up_after: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForumConfig {
    pub url: Option<String>,
    /// Admin API key acting as `username`.
    pub api_key_command: Option<String>,
    pub username: Option<String>,
    /// User API key (from `roomscribe login discourse`; stored in the data dir by default).
    pub user_api_key_command: Option<String>,
    /// Category used when none is given: id, slug, parent/child or name.
    pub default_category: Option<String>,
    /// Use plain polling instead of MessageBus.
    pub poll_only: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TranscriptConfig {
    /// Merge window for runs of one speaker, e.g. "90s" or "5m".
    pub gap: String,
    /// Add HH:MM stamps to each speaker's turn.
    pub timestamps: bool,
    /// A template TOML file replacing the built-in one.
    pub template: Option<PathBuf>,
    /// When publishing, copy the selection's images and files to the forum (authenticated
    /// Matrix media is unreadable for forum readers); false leaves links to the messages.
    pub media: bool,
}

impl Default for TranscriptConfig {
    fn default() -> Self {
        Self {
            gap: "5m".into(),
            timestamps: false,
            template: None,
            media: true,
        }
    }
}

/// Notification rules are defined next to the code that applies them.
pub use roomscribe_discourse::rules::RuleConfig;

impl Config {
    /// Reads the file given by `--config`, else the default path if it exists, else defaults.
    /// Any problem with the file is a usage error (exit 2) naming the file and the line.
    pub fn load(explicit: Option<&Path>) -> Result<Self> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let p = crate::paths::default_config_file();
                if !p.exists() {
                    return Ok(Self::default());
                }
                p
            }
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| usage(format!("cannot read config {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| usage(format!("config {}: {e}", path.display())))
    }

    /// `line N: what is wrong`, on one line (toml's own message spans several).
    pub fn parse(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let msg = e.message().trim().replace('\n', " ");
            match line {
                Some(n) => usage(format!("line {n}: {msg}")),
                None => usage(msg),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_example_parses() {
        let c = Config::parse(
            r#"
theme = "light"
timezone = "Europe/Berlin"
[matrix]
homeserver = "https://matrix.org"
send_as_text = true
[forum]
url = "https://forum.example.org"
default_category = "support/chat"
[transcript]
gap = "90s"
timestamps = true
[users]
"@bob:gitter.im" = "bob"
[[rules]]
category = "support"
filter = "watch"
room = "org/room"
[keys]
"normal.ctrl-d" = "page_down"
"#,
        )
        .unwrap();
        assert_eq!(c.theme.as_deref(), Some("light"));
        assert_eq!(c.rules.len(), 1);
        assert_eq!(c.users["@bob:gitter.im"], "bob");
        assert!(c.matrix.send_as_text);
    }

    #[test]
    fn unknown_key_is_a_clear_error() {
        let err = Config::parse("colour = 1").unwrap_err().to_string();
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn toml_errors_name_the_line_and_are_usage_errors() {
        let err = Config::parse("theme = \"dark\"\n\n[transcript]\ngap = 5\n").unwrap_err();
        assert_eq!(crate::error::exit_code(&err), 2);
        let text = err.to_string();
        assert!(text.starts_with("line 4: "), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }
}
