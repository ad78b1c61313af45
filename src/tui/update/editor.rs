//! The transcript editor: live rebuild from the selection until edited, undo/redo, search,
//! `$EDITOR` hand-off, preview, and autosave after a quiet moment.

use chrono::Duration;
use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use super::{keys, publish};
use crate::tui::keymap::Action;
use crate::tui::msg::Command;
use crate::tui::state::{Ask, Draft, Level, Screen, State};
use crate::tui::transcript;

/// Autosave waits this long after the last change, so typing does not write on every key.
const QUIET: Duration = Duration::seconds(2);

pub fn open(state: &mut State) {
    state.screen = Screen::Transcript;
    if !state.editor.touched {
        rebuild(state);
    }
}

pub fn on_key(state: &mut State, action: Option<Action>, key: KeyEvent, out: &mut Vec<Command>) {
    if state.editor.search.is_some() {
        return search_key(state, action, key);
    }
    match action {
        Some(Action::Cancel) => {
            save_now(state, out);
            state.screen = Screen::Room;
        }
        Some(Action::Help) => state.help = true,
        Some(Action::ExternalEditor) => out.push(Command::SpawnEditor {
            text: state.editor.text(),
        }),
        Some(Action::TogglePreview) => state.editor.preview = !state.editor.preview,
        Some(Action::Rebuild) if state.editor.touched => state.ask = Some(Ask::Rebuild),
        Some(Action::Rebuild) => rebuild(state),
        Some(Action::Undo) => {
            if state.editor.area.undo() {
                touched(state);
            }
        }
        Some(Action::Redo) => {
            if state.editor.area.redo() {
                touched(state);
            }
        }
        Some(Action::Search) => {
            let style = state.theme.style(crate::tui::theme::Role::Match);
            state.editor.area.set_search_style(style);
            state.editor.search = Some(TextArea::default());
        }
        Some(Action::SearchNext) => {
            state.editor.area.search_forward(false);
        }
        Some(Action::SearchPrev) => {
            state.editor.area.search_back(false);
        }
        Some(Action::Publish) => publish::open(state, out),
        Some(_) => {}
        None if state.editor.preview => {}
        None => {
            if state.editor.area.input(key) {
                touched(state);
            }
        }
    }
}

fn search_key(state: &mut State, action: Option<Action>, key: KeyEvent) {
    match action {
        Some(Action::Submit) => {
            let query = state
                .editor
                .search
                .take()
                .map(|s| s.lines().join(" "))
                .unwrap_or_default();
            match state.editor.area.set_search_pattern(&query) {
                Ok(()) if query.is_empty() => {}
                Ok(()) => {
                    if !state.editor.area.search_forward(true) {
                        state.flash(Level::Warn, format!("not found: {query}"));
                    }
                }
                Err(e) => {
                    let first = e
                        .to_string()
                        .lines()
                        .last()
                        .unwrap_or("bad pattern")
                        .trim()
                        .to_string();
                    state.flash(Level::Error, format!("search: {first}"));
                }
            }
        }
        Some(Action::Cancel) => state.editor.search = None,
        _ => {
            keys::text_input(state.editor.search.as_mut(), key);
        }
    }
}

pub fn touched(state: &mut State) {
    state.editor.touched = true;
    state.editor.changed_at = Some(state.now);
}

/// The text came back from `$EDITOR`.
pub fn replace_text(state: &mut State, text: &str, out: &mut Vec<Command>) {
    if text.trim_end() != state.editor.text().trim_end() {
        state.editor.set_text(text);
        touched(state);
        save_now(state, out);
    }
}

pub fn restore(state: &mut State, draft: &Draft) {
    state.editor.set_text(&draft.text);
    state.editor.title = draft.title.clone();
    state.editor.touched = true;
    state.editor.saved = draft.text.clone();
    state.flash(Level::Info, "draft restored");
}

pub fn rebuild(state: &mut State) {
    let text = transcript::markdown(state);
    state.editor.set_text(&text);
    state.editor.touched = false;
}

pub fn selection_changed(state: &mut State) {
    if state.editor.touched {
        let keys = state
            .keymap
            .keys_for(crate::tui::keymap::Mode::Editor, Action::Rebuild);
        state.flash(
            Level::Warn,
            format!(
                "selection changed; your edited post is kept ({keys} in the editor rebuilds it)"
            ),
        );
    } else {
        follow_selection(state);
    }
}

/// An untouched post follows the selection; it is only rendered while on screen (and when the
/// editor or the publish dialog opens), so a live room with a big selection stays cheap.
pub fn follow_selection(state: &mut State) {
    if !state.editor.touched && state.screen == Screen::Transcript {
        rebuild(state);
    }
}

pub fn autosave(state: &mut State, out: &mut Vec<Command>) {
    let quiet = state
        .editor
        .changed_at
        .is_some_and(|t| state.now - t >= QUIET);
    if quiet {
        save_now(state, out);
    }
}

pub fn save_now(state: &mut State, out: &mut Vec<Command>) {
    if !state.editor.touched {
        return;
    }
    let text = state.editor.text();
    state.editor.changed_at = None;
    if text == state.editor.saved {
        return;
    }
    state.editor.saved = text.clone();
    out.push(Command::SaveDraft(Draft {
        room: state.opts.room.clone(),
        title: state.editor.title.clone(),
        text,
        saved_at: state.now,
    }));
}
