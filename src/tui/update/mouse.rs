//! Mouse: the wheel scrolls what is under it, a click focuses and picks, a click in the users
//! panel toggles ignoring, a right click in the timeline marks the selection's first/last.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::room;
use crate::tui::keymap::Action;
use crate::tui::msg::Command;
use crate::tui::state::{Focus, Screen, State};
use crate::tui::widgets::{layout, sidebar, timeline, users};

const WHEEL: usize = 3;

pub fn on_mouse(state: &mut State, ev: MouseEvent, out: &mut Vec<Command>) {
    if state.help || state.ask.is_some() || state.publish.is_some() || state.command.is_some() {
        return;
    }
    if state.screen == Screen::Transcript {
        if matches!(
            ev.kind,
            MouseEventKind::ScrollUp | MouseEventKind::ScrollDown
        ) {
            state.editor.area.input(ev);
        }
        return;
    }
    let a = layout::areas(state);
    let (col, row) = (ev.column, ev.row);
    let pane = if layout::hit(a.timeline, col, row) {
        Focus::Timeline
    } else if a.users.is_some_and(|r| layout::hit(r, col, row)) {
        Focus::Users
    } else if a.sidebar.is_some_and(|r| layout::hit(r, col, row)) {
        Focus::Sidebar
    } else {
        return;
    };
    match ev.kind {
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
            let action = if ev.kind == MouseEventKind::ScrollUp {
                Action::Up
            } else {
                Action::Down
            };
            for _ in 0..WHEEL {
                act(state, pane, action, out);
            }
        }
        MouseEventKind::Down(button) => {
            state.focus = pane;
            click(state, pane, button, row, out);
        }
        _ => {}
    }
}

fn act(state: &mut State, pane: Focus, action: Action, out: &mut Vec<Command>) {
    match pane {
        Focus::Timeline => room::on_action(state, action, out),
        Focus::Users => room::on_users_action(state, action),
        Focus::Sidebar => super::forum::on_action(state, action, out),
    }
}

fn click(state: &mut State, pane: Focus, button: MouseButton, row: u16, out: &mut Vec<Command>) {
    let a = layout::areas(state);
    match pane {
        Focus::Timeline => {
            let Some(i) = timeline::message_at(state, row) else {
                return;
            };
            state.room.move_to(i);
            if button == MouseButton::Right {
                let first = state.selection.span(&state.room.timeline).map(|s| s.start);
                let action = match first {
                    Some(f) if i >= f => Action::MarkLast,
                    _ => Action::MarkFirst,
                };
                room::on_action(state, action, out);
            }
            room::keep_cursor_visible(state);
        }
        Focus::Users => {
            let Some(r) = a.users else { return };
            let offset = row.checked_sub(r.y + 1 + users::HEADER_ROWS);
            if let Some(i) = offset.map(usize::from)
                && i < state.selection.speakers.len()
            {
                room::toggle_user(state, i);
            }
        }
        Focus::Sidebar => {
            let Some(r) = a.sidebar else { return };
            let rows = usize::from(r.height.saturating_sub(2) / sidebar::ITEM_ROWS).max(1);
            if let Some(off) = row.checked_sub(r.y + 1) {
                let i = sidebar::first_shown(state, rows) + usize::from(off / sidebar::ITEM_ROWS);
                if i < state.sidebar.items.len() {
                    state.sidebar.cursor = i;
                }
            }
        }
    }
}
