//! Dispatch of the subcommands. The headless ones (transcript, tail, feed, watch, publish,
//! categories, login) print to stdout; `tui` and `demo` hand over to the terminal app
//! (`crate::app`).

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, Command, LoginService};
use crate::config::Options;

// Moved to their own places; kept under these names for the commands below.
pub use crate::connect::{forum, matrix};

pub mod bot;
pub mod categories;
pub mod feed;
pub mod login;
pub mod login_discourse;
pub mod media;
pub mod progress;
pub mod publish;
pub mod tail;
pub mod transcript;
pub mod watch;

pub fn run(cli: Cli) -> Result<()> {
    // Printing completions or the man page needs no config, so a broken one cannot block them.
    match &cli.command {
        Some(Command::Completions { shell }) => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "roomscribe",
                &mut std::io::stdout(),
            );
            return Ok(());
        }
        Some(Command::Manpage) => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            return Ok(());
        }
        _ => {}
    }
    let opts = Options::load(&cli.global)?;
    let Some(command) = cli.command else {
        return match cli.room {
            Some(room) => crate::app::tui::run(&room, &opts, false),
            None => {
                Cli::command().print_help()?;
                Ok(())
            }
        };
    };
    let opts = &opts;
    match command {
        Command::Completions { .. } | Command::Manpage => Ok(()),
        Command::Tui {
            input: Some(file),
            room,
            ..
        } => crate::app::archive::run(&file, room.as_deref(), opts),
        Command::Tui {
            room: Some(room),
            no_cache,
            ..
        } => crate::app::tui::run(&room, opts, no_cache),
        Command::Tui { .. } => Err(crate::error::usage("name a room or pass --input FILE")),
        Command::Demo { pace } => crate::app::demo::run(pace, opts),
        Command::Transcript(args) => transcript::run(args, opts),
        Command::Tail {
            room,
            json,
            backfill,
        } => tail::run(&room, json, backfill, opts),
        Command::Login {
            service: LoginService::Matrix { method, no_browser },
        } => login::matrix(method, no_browser, opts),
        Command::Categories { json } => categories::run(json, opts),
        Command::Feed { json } => feed::run(json, opts),
        Command::Watch { room } => watch::run(&room, opts),
        Command::Bot { rooms } => bot::run(&rooms, opts),
        Command::Publish {
            title,
            category,
            tags,
            open,
            file,
        } => publish::run(&title, &category, &tags, open, &file, opts),
        Command::Login {
            service: LoginService::Discourse { no_browser },
        } => login_discourse::run(no_browser, opts),
    }
}
