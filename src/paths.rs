//! Where roomscribe keeps its files (XDG): config, data (sessions, drafts, forwarded ids), state (log).

use std::path::PathBuf;

use directories::ProjectDirs;

fn dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "roomscribe")
}

fn from_env(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `ROOMSCRIBE_CONFIG_DIR` overrides, for tests and unusual setups.
pub fn config_dir() -> PathBuf {
    from_env("ROOMSCRIBE_CONFIG_DIR")
        .or_else(|| dirs().map(|d| d.config_dir().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(".roomscribe/config"))
}

/// Sessions, drafts and the forwarded-items record. `ROOMSCRIBE_DATA_DIR` overrides.
pub fn data_dir() -> PathBuf {
    from_env("ROOMSCRIBE_DATA_DIR")
        .or_else(|| dirs().map(|d| d.data_dir().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(".roomscribe/data"))
}

pub fn drafts_dir() -> PathBuf {
    data_dir().join("drafts")
}

/// The log file's folder. `ROOMSCRIBE_STATE_DIR` overrides.
pub fn state_dir() -> PathBuf {
    from_env("ROOMSCRIBE_STATE_DIR")
        .or_else(|| dirs().and_then(|d| d.state_dir().map(|p| p.to_path_buf())))
        .unwrap_or_else(data_dir)
}

pub fn default_config_file() -> PathBuf {
    config_dir().join("config.toml")
}

pub fn default_log_file() -> PathBuf {
    state_dir().join("roomscribe.log")
}
