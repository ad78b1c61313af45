//! The post follows the selection until the user edits it. A leaf of `update`: the room, the
//! editor and the publish dialog all call it, it calls none of them.

use crate::tui::keymap::{Action, Mode};
use crate::tui::msg::Command;
use crate::tui::state::{Level, Screen, State};
use crate::tui::transcript;

/// Puts the post built from the selection into the editor (edits are dropped).
pub fn rebuild(state: &mut State) {
    let text = transcript::markdown(state);
    state.editor.rebuild(&text);
}

/// After the selection changed: an untouched post follows, an edited one is kept (and the
/// user is told how to rebuild it).
pub fn selection_changed(state: &mut State) {
    if state.editor.touched {
        let keys = state.keymap.keys_for(Mode::Editor, Action::Rebuild);
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

/// Writes the draft now if it changed (leaving the editor, quitting, `$EDITOR` returning).
pub fn save_now(state: &mut State, out: &mut Vec<Command>) {
    let (room, now) = (state.opts.room.clone(), state.now);
    if let Some(draft) = state.editor.save(&room, now) {
        out.push(Command::SaveDraft(draft));
    }
}
