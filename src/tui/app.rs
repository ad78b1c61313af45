//! The app: state plus the loop that feeds it. `App` alone runs headless (tests feed `Msg`s and
//! draw into a `TestBackend`); `run` adds terminal input, a tick, the sources and the executor.

use std::io;
use std::sync::Arc;

use anyhow::Result;
use chrono::{DateTime, Utc};
use crossterm::event::Event;
use futures_util::{FutureExt, Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;

use super::executor::{Control, Executor};
use super::keymap::Keymap;
use super::msg::{Command, Msg};
use super::source::Links;
use super::state::{Options, State};
use super::theme::Theme;
use super::{update, widgets};
use crate::config::Config;
use crate::error::usage;

/// Where "now" comes from: the system clock, or a fixed one in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// Most terminal events applied between two frames.
const BURST_KEYS: usize = 4096;

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

pub struct App {
    pub state: State,
}

impl App {
    /// Keymap and theme come from the config (theme files from `<config dir>/themes`).
    pub fn new(config: &Config, opts: Options, now: DateTime<Utc>) -> Result<Self> {
        let keymap = Keymap::new(&config.keys).map_err(|e| usage(format!("config [keys]: {e}")))?;
        let theme = Theme::load(
            config.theme.as_deref(),
            &crate::paths::config_dir().join("themes"),
        )
        .map_err(|e| usage(format!("theme: {e}")))?;
        Ok(Self {
            state: State::new(opts, keymap, theme, now),
        })
    }

    /// What to do first: ask for recent history and look for a left-over draft.
    pub fn start(&mut self) -> Vec<Command> {
        update::initial_commands(&mut self.state)
    }

    pub fn handle(&mut self, msg: Msg) -> Vec<Command> {
        update::update(&mut self.state, msg)
    }

    pub fn draw(&self, frame: &mut ratatui::Frame) {
        widgets::draw(frame, &self.state);
    }
}

/// Runs until the user quits. `input` makes a fresh terminal event stream (it is dropped
/// while `$EDITOR` owns the terminal, so the two never read the same keys).
pub async fn run<B, S, F>(
    app: &mut App,
    term: &mut Terminal<B>,
    control: &mut dyn Control,
    mut input: F,
    links: Links,
    clock: Arc<dyn Clock>,
    executor: Executor,
) -> Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = io::Result<Event>> + Unpin,
    F: FnMut() -> S,
{
    let Links {
        chat_tx,
        mut chat_rx,
        forum_tx,
        mut forum_rx,
    } = links;
    let (back_tx, mut back_rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let exec = executor.with(chat_tx.clone(), forum_tx.clone(), back_tx);
    let size = term.size()?;
    let mut cmds = app.handle(Msg::Resize {
        width: size.width,
        height: size.height,
    });
    cmds.extend(app.handle(Msg::Tick(clock.now())));
    cmds.extend(app.start());
    let mut events = Some(input());
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut redraw = true;
    loop {
        for cmd in std::mem::take(&mut cmds) {
            match cmd {
                Command::Quit => return Ok(()),
                Command::SpawnEditor { text } => {
                    drop(events.take());
                    let result = control.edit(&text);
                    events = Some(input());
                    full_redraw(term)?;
                    cmds.extend(app.handle(Msg::EditorReturned(result)));
                    redraw = true;
                }
                Command::Copy(text) => {
                    let msg = match control.copy(&text) {
                        Ok(()) => Msg::Notice(format!("copied: {text}")),
                        Err(e) => Msg::Failed(format!("copy failed: {e}")),
                    };
                    cmds.extend(app.handle(msg));
                }
                other => exec.run(other),
            }
        }
        if !cmds.is_empty() {
            continue;
        }
        if redraw {
            term.draw(|f| app.draw(f))?;
            redraw = false;
        }
        let Some(stream) = events.as_mut() else {
            continue;
        };
        // Biased: what sources said before a key was pressed is applied before that key.
        let msg = tokio::select! {
            biased;
            Some(ev) = chat_rx.recv() => Msg::Chat(ev),
            Some(ev) = forum_rx.recv() => Msg::Forum(ev),
            Some(m) = back_rx.recv() => m,
            ev = stream.next() => match ev {
                Some(Ok(ev)) => match terminal_msg(ev) { Some(m) => m, None => continue },
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            _ = tick.tick() => {
                cmds = app.handle(Msg::Tick(clock.now()));
                redraw |= std::mem::take(&mut app.state.tick_redraw);
                continue;
            }
        };
        cmds = app.handle(msg);
        // Keys already waiting (an unbracketed paste, tmux send-keys) are applied before the
        // next frame too: a frame per key would leave thousands of keys, and the Esc behind
        // them, queued for minutes. Quit and `$EDITOR` stop the drain.
        for _ in 0..BURST_KEYS {
            // Source events waiting go first, as in the select above.
            let sources_waiting = !chat_rx.is_empty() || !forum_rx.is_empty();
            if sources_waiting
                || cmds
                    .iter()
                    .any(|c| matches!(c, Command::Quit | Command::SpawnEditor { .. }))
            {
                break;
            }
            let Some(Some(Ok(ev))) = stream.next().now_or_never() else {
                break;
            };
            if let Some(m) = terminal_msg(ev) {
                cmds.extend(app.handle(m));
            }
        }
        // A burst (a backfill page, a paste) is applied whole before the next frame.
        for _ in 0..256 {
            let next = match (chat_rx.try_recv(), forum_rx.try_recv()) {
                (Ok(c), Ok(f)) => vec![Msg::Chat(c), Msg::Forum(f)],
                (Ok(c), Err(_)) => vec![Msg::Chat(c)],
                (Err(_), Ok(f)) => vec![Msg::Forum(f)],
                (Err(_), Err(_)) => break,
            };
            for m in next {
                cmds.extend(app.handle(m));
            }
        }
        redraw = true;
    }
}

/// Clears the screen and forgets what was drawn, without asking the terminal where its cursor
/// is (`Terminal::clear` does, and not every terminal answers).
pub fn full_redraw<B: Backend>(term: &mut Terminal<B>) -> Result<(), B::Error> {
    let size = term.size()?;
    term.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}

fn terminal_msg(ev: Event) -> Option<Msg> {
    Some(match ev {
        Event::Key(k) => Msg::Key(k),
        Event::Mouse(m) => Msg::Mouse(m),
        Event::Paste(p) => Msg::Paste(p),
        Event::Resize(width, height) => Msg::Resize { width, height },
        Event::FocusGained | Event::FocusLost => return None,
    })
}
