//! The transcript editor's keys: typing, undo/redo, search, `$EDITOR` hand-off, preview, and
//! autosave. What the editor *is* (text, touched, saving) lives on `state::Editor`.

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use super::{field, post};
use crate::tui::keymap::Action;
use crate::tui::msg::Command;
use crate::tui::state::{Ask, Draft, Level, Screen, State};

pub fn open(state: &mut State) {
    state.screen = Screen::Transcript;
    if !state.editor.touched {
        post::rebuild(state);
    }
}

pub fn on_key(state: &mut State, action: Option<Action>, key: KeyEvent, out: &mut Vec<Command>) {
    if state.editor.search.is_some() {
        return search_key(state, action, key);
    }
    let now = state.now;
    match action {
        Some(Action::Cancel) => {
            post::save_now(state, out);
            state.screen = Screen::Room;
        }
        Some(Action::Help) => state.help = true,
        Some(Action::ExternalEditor) => out.push(Command::SpawnEditor {
            text: state.editor.text(),
        }),
        Some(Action::TogglePreview) => state.editor.preview = !state.editor.preview,
        Some(Action::Rebuild) if state.editor.touched => state.ask = Some(Ask::Rebuild),
        Some(Action::Rebuild) => post::rebuild(state),
        Some(Action::Undo) => {
            if state.editor.area.undo() {
                state.editor.touch(now);
            }
        }
        Some(Action::Redo) => {
            if state.editor.area.redo() {
                state.editor.touch(now);
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
        Some(_) => {}
        None if state.editor.preview => {}
        None => {
            if state.editor.area.input(key) {
                state.editor.touch(now);
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
            field::input(state.editor.search.as_mut(), key);
        }
    }
}

/// Pasted text goes in as typed (control characters replaced).
pub fn paste(state: &mut State, text: &str) {
    if state.editor.preview {
        return;
    }
    state
        .editor
        .area
        .insert_str(roomscribe_transcript::sanitize::display_lines(text).join("\n"));
    state.editor.touch(state.now);
}

/// The text came back from `$EDITOR`.
pub fn replace_text(state: &mut State, text: &str, out: &mut Vec<Command>) {
    if state.editor.replace(text, state.now) {
        post::save_now(state, out);
    }
}

pub fn restore(state: &mut State, draft: &Draft) {
    state.editor.restore(draft);
    state.flash(Level::Info, "draft restored");
}

pub fn autosave(state: &mut State, out: &mut Vec<Command>) {
    if state.editor.autosave_due(state.now) {
        post::save_now(state, out);
    }
}
