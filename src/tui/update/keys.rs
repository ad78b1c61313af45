//! Keys → actions through the keymap; keys the keymap leaves alone go to the text field
//! of the current mode.

use crossterm::event::{KeyEvent, KeyEventKind};
use ratatui_textarea::TextArea;

use super::{editor, field, forum, post, publish, room};
use crate::tui::keymap::{Action, Mode};
use crate::tui::msg::Command;
use crate::tui::state::{Ask, Focus, State};

pub(super) fn on_key(state: &mut State, key: KeyEvent, out: &mut Vec<Command>) {
    if key.kind == KeyEventKind::Release {
        return;
    }
    let mode = state.mode();
    let action = state.keymap.action(mode, &key);
    match (mode, action) {
        (Mode::Help, Some(Action::Down)) => state.help_scroll = state.help_scroll.saturating_add(1),
        (Mode::Help, Some(Action::Up)) => state.help_scroll = state.help_scroll.saturating_sub(1),
        (Mode::Help, Some(Action::PageDown)) => {
            state.help_scroll = state.help_scroll.saturating_add(10)
        }
        (Mode::Help, Some(Action::PageUp)) => {
            state.help_scroll = state.help_scroll.saturating_sub(10)
        }
        (Mode::Help, Some(_)) => {
            state.help = false;
            state.help_scroll = 0;
        }
        (Mode::Confirm, Some(Action::Yes)) => answer(state, true, out),
        (Mode::Confirm, Some(Action::No | Action::Cancel)) => answer(state, false, out),
        (Mode::Command, Some(Action::Submit)) => room::submit_command(state, out),
        (Mode::Command, Some(Action::Cancel)) => state.command = None,
        (Mode::Command, None) => {
            field::input(state.command.as_mut(), key);
        }
        (Mode::Publish, a) => publish::on_key(state, a, key, out),
        (Mode::Editor, Some(Action::Publish)) => publish::open(state, out),
        (Mode::Editor | Mode::Search, a) => editor::on_key(state, a, key, out),
        (Mode::Normal, Some(a)) => normal(state, a, out),
        _ => {}
    }
}

pub(super) fn on_paste(state: &mut State, text: &str) {
    match state.mode() {
        Mode::Command => field::paste(state.command.as_mut(), text),
        Mode::Publish => publish::paste(state, text),
        Mode::Editor => editor::paste(state, text),
        _ => {}
    }
}

fn normal(state: &mut State, action: Action, out: &mut Vec<Command>) {
    match action {
        Action::Quit => {
            post::save_now(state, out);
            out.push(Command::Quit);
        }
        Action::Help => state.help = true,
        Action::Cancel => {
            state.flash = None;
            if !state.selection.is_empty() {
                room::clear_selection(state);
            }
        }
        Action::FocusNext | Action::FocusPrev => {
            let order = [Focus::Timeline, Focus::Users, Focus::Sidebar];
            let i = order.iter().position(|f| *f == state.focus).unwrap_or(0);
            let step = if action == Action::FocusNext {
                1
            } else {
                order.len() - 1
            };
            state.focus = order[(i + step) % order.len()];
            room::keep_cursor_visible(state);
        }
        Action::Editor => editor::open(state),
        Action::Publish => publish::open(state, out),
        Action::CommandLine => state.command = Some(TextArea::default()),
        _ => match state.focus {
            Focus::Timeline => room::on_action(state, action, out),
            Focus::Users => room::on_users_action(state, action),
            Focus::Sidebar => forum::on_action(state, action, out),
        },
    }
}

fn answer(state: &mut State, yes: bool, out: &mut Vec<Command>) {
    let Some(ask) = state.ask.take() else { return };
    match ask {
        Ask::RestoreDraft(draft) if yes => {
            editor::restore(state, &draft);
        }
        Ask::RestoreDraft(_) => {}
        Ask::Rebuild if yes => post::rebuild(state),
        Ask::Rebuild => {}
        Ask::Forward { key, plain, html } if yes => {
            forum::send_forward(state, key, plain, html, out)
        }
        Ask::Forward { .. } => {}
        Ask::Announce { url, text } if yes => publish::send_announce(state, &url, text, out),
        Ask::Announce { .. } => {}
    }
}
