//! The config file (TOML), merged with flags and environment. Secrets may come from a command
//! (`*_command`, run through `sh -c`), so they need not sit in the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::cli::Global;

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
            .with_context(|| format!("cannot read config {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("config {}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.message()))
    }
}

/// Runs a `*_command` and returns its first output line: how secrets stay out of the file.
pub fn run_secret_command(cmd: &str) -> Result<String> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| "cannot run secret command")?;
    if !out.status.success() {
        bail!("secret command exited with {}", out.status);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().next().unwrap_or("").trim().to_string();
    if line.is_empty() {
        bail!("secret command printed nothing");
    }
    Ok(line)
}

/// Everything needed to connect, after flags > environment > config file.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub homeserver: Option<String>,
    pub matrix_token: Option<String>,
    pub matrix_user: Option<String>,
    pub matrix_password: Option<String>,
    pub forum_url: Option<String>,
    pub forum_api_key: Option<String>,
    pub forum_username: Option<String>,
    pub forum_user_api_key: Option<String>,
    pub tz: Option<String>,
}

impl Settings {
    pub fn resolve(global: &Global, config: &Config) -> Result<Self> {
        let secret = |flag: &Option<String>, cmd: &Option<String>| -> Result<Option<String>> {
            match (flag, cmd) {
                (Some(v), _) => Ok(Some(v.clone())),
                (None, Some(c)) => run_secret_command(c).map(Some),
                (None, None) => Ok(None),
            }
        };
        let password_env = std::env::var("ROOMSCRIBE_MATRIX_PASSWORD").ok();
        Ok(Self {
            homeserver: global
                .homeserver
                .clone()
                .or_else(|| config.matrix.homeserver.clone()),
            matrix_token: secret(&global.matrix_token, &config.matrix.access_token_command)?,
            matrix_user: global
                .matrix_user
                .clone()
                .or_else(|| config.matrix.user.clone()),
            matrix_password: secret(&password_env, &config.matrix.password_command)?,
            forum_url: global.forum.clone().or_else(|| config.forum.url.clone()),
            forum_api_key: secret(&global.forum_api_key, &config.forum.api_key_command)?,
            forum_username: global
                .forum_username
                .clone()
                .or_else(|| config.forum.username.clone()),
            forum_user_api_key: secret(
                &global.forum_user_api_key,
                &config.forum.user_api_key_command,
            )?,
            tz: global.tz.clone().or_else(|| config.timezone.clone()),
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
    fn secret_command_first_line() {
        assert_eq!(run_secret_command("printf 'abc\\nxyz'").unwrap(), "abc");
        assert!(run_secret_command("exit 3").is_err());
    }
}
