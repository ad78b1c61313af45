//! The real terminal: raw mode, alternate screen, mouse and bracketed paste on; always put
//! back on exit, on error and on panic. `$EDITOR` runs with the terminal handed back.

use std::io::{self, Write};
use std::sync::Arc;

use anyhow::Result;
use base64::Engine;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

use super::app::{self, App, SystemClock};
use super::executor::{self, Control, Executor};
use super::source::Links;

fn enter() -> io::Result<()> {
    enable_raw_mode()?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )
}

fn leave() -> io::Result<()> {
    let r = execute!(
        io::stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen
    );
    disable_raw_mode()?;
    execute!(io::stdout(), crossterm::cursor::Show)?;
    r
}

struct Crossterm;

impl Control for Crossterm {
    fn edit(&mut self, text: &str) -> Result<String, String> {
        leave().map_err(|e| e.to_string())?;
        let result = executor::edit_with(&executor::editor_command(), text);
        enter().map_err(|e| e.to_string())?;
        result
    }

    fn copy(&mut self, text: &str) -> io::Result<()> {
        let b64 = base64::engine::general_purpose::STANDARD.encode(text);
        let mut out = io::stdout();
        write!(out, "\x1b]52;c;{b64}\x07")?;
        out.flush()
    }
}

/// Takes over the terminal and runs the app on these sources until the user quits.
/// `drafts` is where the editor's text is autosaved and looked for at start.
pub async fn run(mut app: App, links: Links, drafts: std::path::PathBuf) -> Result<()> {
    use std::io::IsTerminal;
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        anyhow::bail!(
            "the app needs a terminal (stdin and stdout are not both one); for scripts use \
             `roomscribe transcript`, `tail` or `feed`"
        );
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = leave();
        previous(info);
    }));
    enter()?;
    let result = async {
        let mut term =
            ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(io::stdout()))?;
        app::full_redraw(&mut term)?;
        let exec = Executor::new(drafts);
        app::run(
            &mut app,
            &mut term,
            &mut Crossterm,
            super::input::events,
            links,
            Arc::new(SystemClock),
            exec,
        )
        .await
    }
    .await;
    let restored = leave();
    let _ = std::panic::take_hook();
    result?;
    restored?;
    Ok(())
}
