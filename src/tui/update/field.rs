//! One-line text fields (the `:` line, the search prompt, the publish dialog's fields):
//! typing and pasting into them. A leaf: it uses no other part of `update`.

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use roomscribe_transcript::sanitize;

/// Feeds a key to a field (Enter never reaches it: the keymap takes it); true when it changed.
pub fn input(field: Option<&mut TextArea<'static>>, key: KeyEvent) -> bool {
    field.is_some_and(|f| f.input(key))
}

/// Pastes text as one line: newlines become spaces, control characters are replaced.
pub fn paste(field: Option<&mut TextArea<'static>>, text: &str) {
    if let Some(f) = field {
        f.insert_str(sanitize::display(&text.replace(['\n', '\r'], " ")));
    }
}
