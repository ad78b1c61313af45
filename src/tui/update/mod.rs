//! `update(&mut State, Msg) -> Vec<Command>`: every change to the state happens here, and
//! nothing here touches the terminal, the disk or the network.

// `keys` and `mouse` dispatch input to the others and nothing imports them; `field` and `post`
// are leaves shared by the rest. tests/update_imports.rs keeps this free of circles.
mod editor;
mod field;
mod forum;
mod keys;
mod mouse;
mod post;
mod publish;
mod room;

use roomscribe_discourse::types::ForumEvent;
use roomscribe_transcript::model::ChatEvent;

use super::msg::{Command, Msg};
use super::state::{Ask, Level, State};

pub use room::initial_commands;

pub fn update(state: &mut State, msg: Msg) -> Vec<Command> {
    let mut out = Vec::new();
    match msg {
        Msg::Key(key) => keys::on_key(state, key, &mut out),
        Msg::Mouse(ev) => mouse::on_mouse(state, ev, &mut out),
        Msg::Paste(text) => keys::on_paste(state, &text),
        Msg::Resize { width, height } => {
            state.width = width;
            state.height = height;
            room::keep_cursor_visible(state);
        }
        Msg::Tick(now) => {
            state.tick_redraw |= state.tick(now);
            editor::autosave(state, &mut out);
        }
        Msg::Chat(ev) => on_chat(state, ev),
        Msg::Forum(ev) => on_forum(state, ev, &mut out),
        Msg::EditorReturned(Ok(text)) => editor::replace_text(state, &text, &mut out),
        Msg::EditorReturned(Err(e)) => state.flash(Level::Error, format!("$EDITOR: {e}")),
        Msg::DraftFound(draft) => {
            if state.ask.is_none() && draft.text != state.editor.text() {
                state.ask = Some(Ask::RestoreDraft(draft));
            }
        }
        Msg::Notice(text) => state.flash(Level::Info, text),
        Msg::Failed(text) => state.flash(Level::Error, text),
    }
    out
}

fn on_chat(state: &mut State, ev: ChatEvent) {
    match ev {
        ChatEvent::Error(e) => {
            // A failed history request ends it; scrolling up asks again.
            state.room.backfill.active = false;
            state.flash(Level::Error, e);
        }
        ChatEvent::Sent { .. } => state.flash(Level::Info, "sent to the room"),
        ChatEvent::Connection(c) => {
            state.room.conn = c;
            state.room.conn_since = state.now;
        }
        ev => {
            let backfill = matches!(ev, ChatEvent::Backfill { .. });
            let changed = state.room.apply(ev);
            if changed {
                room::after_timeline_change(state, backfill);
            }
        }
    }
}

fn on_forum(state: &mut State, ev: ForumEvent, out: &mut Vec<Command>) {
    match ev {
        ForumEvent::Categories(cats) => state.sidebar.categories = cats,
        ForumEvent::Item(item) => state.sidebar.push(item),
        ForumEvent::Connection(c) => {
            state.sidebar.conn = c;
            state.sidebar.conn_since = state.now;
        }
        ForumEvent::Published(topic) => publish::published(state, topic, out),
        ForumEvent::PublishFailed { errors } => publish::failed(state, errors),
        ForumEvent::Error(e) => state.flash(Level::Error, e),
    }
}
