//! The command-line surface: clap definitions only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "roomscribe", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The room to open when no subcommand is given (same as `roomscribe tui ROOM`).
    pub room: Option<String>,
}

/// Connection settings; each can also come from the environment or the config file.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Connection (flags, environment or config file)")]
pub struct Global {
    /// Config file (default: $XDG_CONFIG_HOME/roomscribe/config.toml).
    #[arg(long, global = true, env = "ROOMSCRIBE_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Matrix homeserver URL (gitter.im rooms live on a Matrix homeserver).
    #[arg(long, global = true, env = "ROOMSCRIBE_HOMESERVER", value_name = "URL")]
    pub homeserver: Option<String>,
    /// Matrix access token (prefer `roomscribe login matrix`, which stores a session).
    #[arg(
        long,
        global = true,
        env = "ROOMSCRIBE_MATRIX_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub matrix_token: Option<String>,
    /// Matrix user id for password login; the password comes from ROOMSCRIBE_MATRIX_PASSWORD.
    #[arg(
        long,
        global = true,
        env = "ROOMSCRIBE_MATRIX_USER",
        value_name = "USER"
    )]
    pub matrix_user: Option<String>,
    /// Discourse forum base URL.
    #[arg(long, global = true, env = "ROOMSCRIBE_FORUM_URL", value_name = "URL")]
    pub forum: Option<String>,
    /// Discourse admin API key (with --forum-username: post as that user).
    #[arg(
        long,
        global = true,
        env = "ROOMSCRIBE_FORUM_API_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub forum_api_key: Option<String>,
    /// Forum username the admin API key acts as.
    #[arg(
        long,
        global = true,
        env = "ROOMSCRIBE_FORUM_USERNAME",
        value_name = "NAME"
    )]
    pub forum_username: Option<String>,
    /// Discourse User API key (from `roomscribe login discourse`).
    #[arg(
        long,
        global = true,
        env = "ROOMSCRIBE_FORUM_USER_API_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub forum_user_api_key: Option<String>,
    /// Time zone for showing and reading times (IANA name, e.g. Europe/Berlin; default: local).
    #[arg(long, global = true, env = "ROOMSCRIBE_TZ", value_name = "ZONE")]
    pub tz: Option<String>,
    /// Log file (default: $XDG_STATE_HOME/roomscribe/roomscribe.log). Nothing is logged to the screen.
    #[arg(long, global = true, env = "ROOMSCRIBE_LOG", value_name = "PATH")]
    pub log_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The interactive app on a live room (the default command).
    Tui {
        /// org/room, https://gitter.im/org/room, #alias:server, !id:server or a matrix.to link.
        /// Optional with --input (it then names the archive's room).
        #[arg(required_unless_present = "input")]
        room: Option<String>,
        /// Curate an archive instead of a live room: a Matrix event JSON file or a legacy
        /// Gitter export. No Matrix connection; announcing in a room is off.
        #[arg(long, short = 'i', value_name = "FILE")]
        input: Option<std::path::PathBuf>,
        /// Keep nothing on disk: no persistent room cache (memory only).
        #[arg(long)]
        no_cache: bool,
    },
    /// The app on an embedded offline room and forum: no accounts, no network.
    Demo {
        /// Seconds between live demo messages.
        #[arg(long, default_value_t = 6)]
        pace: u64,
    },
    /// Print (or publish) one transcript post from a room or an export file.
    Transcript(TranscriptArgs),
    /// Print live messages of a room as they arrive.
    Tail {
        room: String,
        /// Print JSON lines instead of text.
        #[arg(long)]
        json: bool,
        /// First print this many earlier messages.
        #[arg(long, value_name = "N")]
        backfill: Option<usize>,
    },
    /// Print live forum activity (new topics, replies, notifications).
    Feed {
        #[arg(long)]
        json: bool,
    },
    /// Forward forum activity routed to ROOM by the notification rules, as notices, forever.
    Watch { room: String },
    /// The room's own bot: `!transcript ...` commands in ROOMs (and `[bot] rooms`), plus the
    /// `[[rules]]` notices for each of them, in one long-running service.
    #[command(
        long_about = "The room's own bot: a long-running service for one or more rooms (arguments and/or `[bot] rooms` in the config), on one Matrix sync.\n\nIn a room, forum staff type:\n  !transcript last:50 category:staff ignore:bob title:\"Webhook outage\" tags:a,b gap:5m\n  !transcript from:15:35-16:10      (bare times in the bot's --tz / timezone)\n  !transcript                      (start at the last quiet gap)\n  !transcript preview ...          (reply with a pre-filled composer link instead)\n  !transcript help\nSent as a reply to a message, it selects from that message to the command; in a thread, that thread.\n\nOnly forum admins/moderators (`[bot] allow`), mapped from the Matrix sender by `[users]` or the same localpart, may ask; the topic is created as them with the admin API key (--forum-api-key, --forum-username for the bot's own lookups). Each command is handled once, across restarts (`<data dir>/bot.json`); commands older than `[bot] max_age` get an \"expired\" reply. It also forwards the `[[rules]]` notices for each of its rooms.\n\n`[bot]` keys: rooms, prefix (default \"!transcript\"), allow (\"staff\" | \"admins\"), min_power_level, max_age (default 1h), cooldown (per person, default 1m). README: \"Run the bot\" (config, systemd unit, inviting it, the power it needs)."
    )]
    Bot {
        /// Rooms to serve (org/room, #alias:server, !id:server, ...), added to `[bot] rooms`.
        rooms: Vec<String>,
    },
    /// Publish a file (or stdin with `-`) as a new topic.
    Publish {
        #[arg(long)]
        title: String,
        /// Category id, slug, parent/child slug or name.
        #[arg(long)]
        category: String,
        #[arg(long, value_delimiter = ',')]
        tags: Vec<String>,
        /// Open the pre-filled composer in the browser instead of posting via the API.
        #[arg(long)]
        open: bool,
        /// Markdown file, or `-` for standard input.
        file: PathBuf,
    },
    /// List the forum's categories and whether you may post in them.
    Categories {
        #[arg(long)]
        json: bool,
    },
    /// Sign in and store the session (0600) in the data directory.
    Login {
        #[command(subcommand)]
        service: LoginService,
    },
    /// Print a shell completion script.
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff).
    Manpage,
}

#[derive(Debug, Subcommand)]
pub enum LoginService {
    /// Matrix: OAuth 2.0 (MAS), SSO, password or token, whichever the server offers.
    Matrix {
        /// Force a method instead of choosing from what the server offers.
        #[arg(long, value_enum)]
        method: Option<MatrixLoginMethod>,
        /// Do not start a browser or a local listener: print the URL, paste the redirect back (SSH).
        #[arg(long)]
        no_browser: bool,
    },
    /// Discourse: create a User API key in the browser and paste the payload back.
    Discourse {
        #[arg(long)]
        no_browser: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MatrixLoginMethod {
    Oauth,
    Sso,
    Password,
    Token,
}

#[derive(Debug, Clone, Copy, Default, ValueEnum, PartialEq, Eq)]
pub enum Format {
    #[default]
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub struct TranscriptArgs {
    /// Read messages from a file (Matrix event JSON or a legacy Gitter export) instead of a room.
    #[arg(long, short = 'i', value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// The room; with --input this word is read as the first selection token.
    #[arg(required_unless_present = "input")]
    pub room: Option<String>,
    /// Selection: last:N from:HH:MM-HH:MM from:T to:T ignore:a,b category:C title:"T" tags:a,b gap:5m
    #[arg(value_name = "SPEC")]
    pub spec: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,
    /// Publish it as a new topic via the API and print the topic URL.
    #[arg(long, conflicts_with = "open")]
    pub publish: bool,
    /// Open the pre-filled composer in the browser (or print its URL over SSH).
    #[arg(long)]
    pub open: bool,
    /// Add HH:MM stamps to each speaker's turn.
    #[arg(long)]
    pub timestamps: bool,
    /// With --publish: link to images and files instead of uploading them to the forum.
    #[arg(long)]
    pub no_media: bool,
}
