//! The forum sidebar: move through items, preview a forward, send it, open or copy links.

use roomscribe_discourse::forward;
use roomscribe_transcript::model::ChatCommand;

use crate::tui::keymap::Action;
use crate::tui::msg::Command;
use crate::tui::state::{Ask, Level, State};

pub fn on_action(state: &mut State, action: Action, out: &mut Vec<Command>) {
    let sb = &mut state.sidebar;
    let n = sb.items.len();
    match action {
        Action::Up => sb.cursor = sb.cursor.saturating_sub(1),
        Action::Down => sb.cursor = (sb.cursor + 1).min(n.saturating_sub(1)),
        Action::Top => sb.cursor = 0,
        Action::Bottom => sb.cursor = n.saturating_sub(1),
        Action::Forward => ask_forward(state),
        Action::OpenUrl => {
            if let Some(item) = sb.selected() {
                out.push(Command::OpenUrl(item.url.clone()));
            }
        }
        Action::CopyUrl => {
            if let Some(item) = sb.selected() {
                out.push(Command::Copy(item.url.clone()));
            }
        }
        _ => {}
    }
}

/// Shows the notice exactly as it will be sent; `y` sends it.
fn ask_forward(state: &mut State) {
    let Some(item) = state.sidebar.selected() else {
        state.flash(Level::Warn, "no forum item selected");
        return;
    };
    let notice = forward::notice(item);
    state.ask = Some(Ask::Forward {
        key: item.key.clone(),
        plain: notice.plain,
        html: Some(notice.html),
    });
}

pub fn send_forward(
    state: &mut State,
    key: String,
    plain: String,
    html: Option<String>,
    out: &mut Vec<Command>,
) {
    out.push(Command::Chat(ChatCommand::Send {
        // The same id `roomscribe watch` uses for this item and room: the homeserver drops a
        // second send, whichever of the two sends first.
        txn_id: crate::discourse::forward::txn_id(&state.opts.room, &key),
        body: plain,
        html,
        notice: !state.opts.send_as_text,
    }));
    state.sidebar.forwarded.insert(key);
    state.flash(Level::Info, "forwarded to the room");
}

/// Keeps only characters that are safe in a Matrix transaction id path segment.
pub fn txn_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
