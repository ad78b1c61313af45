//! Secrets, resolved per service, lazily, once per process. A secret is a flag/env value or
//! the first line a `*_command` prints (`pass`, GPG, a keyring); the command runs only when a
//! command asks for that very secret, and at most once: a GPG prompt never shows twice and
//! `login discourse` never runs the Matrix password command.

use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow, bail};

use super::Config;
use crate::cli::Global;

/// The four secrets roomscribe may need. Cheap to build: nothing runs until asked.
#[derive(Debug, Default)]
pub struct Secrets {
    matrix_token: Secret,
    matrix_password: Secret,
    forum_api_key: Secret,
    forum_user_api_key: Secret,
}

impl Secrets {
    pub fn new(global: &Global, file: &Config) -> Self {
        Self {
            matrix_token: Secret::new(
                "matrix.access_token_command",
                global.matrix_token.clone(),
                file.matrix.access_token_command.clone(),
            ),
            matrix_password: Secret::new(
                "matrix.password_command",
                std::env::var("ROOMSCRIBE_MATRIX_PASSWORD").ok(),
                file.matrix.password_command.clone(),
            ),
            forum_api_key: Secret::new(
                "forum.api_key_command",
                global.forum_api_key.clone(),
                file.forum.api_key_command.clone(),
            ),
            forum_user_api_key: Secret::new(
                "forum.user_api_key_command",
                global.forum_user_api_key.clone(),
                file.forum.user_api_key_command.clone(),
            ),
        }
    }

    pub fn matrix_token(&self) -> Result<Option<String>> {
        self.matrix_token.get()
    }

    pub fn matrix_password(&self) -> Result<Option<String>> {
        self.matrix_password.get()
    }

    pub fn forum_api_key(&self) -> Result<Option<String>> {
        self.forum_api_key.get()
    }

    pub fn forum_user_api_key(&self) -> Result<Option<String>> {
        self.forum_user_api_key.get()
    }
}

#[derive(Default)]
struct Secret {
    /// The config key named in errors.
    key: &'static str,
    given: Option<String>,
    command: Option<String>,
    /// The outcome of the first `get`, success or failure: a refused prompt is not repeated.
    value: OnceLock<Result<Option<String>, String>>,
}

/// Values stay out of debug output (and so out of logs).
impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret")
            .field("key", &self.key)
            .field("given", &self.given.is_some())
            .field("command", &self.command.is_some())
            .finish_non_exhaustive()
    }
}

impl Secret {
    fn new(key: &'static str, given: Option<String>, command: Option<String>) -> Self {
        Self {
            key,
            given,
            command,
            value: OnceLock::new(),
        }
    }

    fn get(&self) -> Result<Option<String>> {
        let value = self
            .value
            .get_or_init(|| match (&self.given, &self.command) {
                (Some(v), _) => Ok(Some(v.clone())),
                (None, Some(cmd)) => run_secret_command(cmd)
                    .map(Some)
                    .map_err(|e| format!("{}: {}", self.key, crate::error::one_line(&e))),
                (None, None) => Ok(None),
            });
        value.clone().map_err(|e| anyhow!(e))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_command_first_line() {
        assert_eq!(run_secret_command("printf 'abc\\nxyz'").unwrap(), "abc");
        assert!(run_secret_command("exit 3").is_err());
    }

    #[test]
    fn a_command_runs_once_and_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let count = dir.path().join("count");
        let cmd = format!("echo x >> '{}'; echo s3cret", count.display());
        let secret = Secret::new("forum.api_key_command", None, Some(cmd));
        assert!(!count.exists(), "nothing runs before it is asked for");
        assert_eq!(secret.get().unwrap().as_deref(), Some("s3cret"));
        assert_eq!(secret.get().unwrap().as_deref(), Some("s3cret"));
        assert_eq!(std::fs::read_to_string(&count).unwrap(), "x\n");
        assert!(!format!("{secret:?}").contains("s3cret"));
    }

    #[test]
    fn a_failing_command_names_its_key_and_is_not_retried() {
        let dir = tempfile::tempdir().unwrap();
        let count = dir.path().join("count");
        let cmd = format!("echo x >> '{}'; exit 1", count.display());
        let secret = Secret::new("matrix.password_command", None, Some(cmd));
        let err = secret.get().unwrap_err().to_string();
        assert!(err.starts_with("matrix.password_command: "), "{err}");
        assert!(secret.get().is_err());
        assert_eq!(std::fs::read_to_string(&count).unwrap(), "x\n");
    }
}
