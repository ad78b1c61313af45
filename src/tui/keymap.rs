//! Keys as data: (mode, key) → action. Defaults below, overridden by `Config.keys`
//! (`"mode.key" = "action"`). The help overlay is generated from the same table.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal : $help:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant,)* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];
            pub fn name(self) -> &'static str { match self { $($name::$variant => $text,)* } }
            pub fn help(self) -> &'static str { match self { $($name::$variant => $help,)* } }
            pub fn parse(s: &str) -> Option<Self> { Self::ALL.iter().copied().find(|v| v.name() == s) }
        }
    };
}

named_enum!(
    /// Where keys go. Text-entry modes pass unbound keys on to their text field.
    Mode {
        Normal = "normal": "browsing the room",
        Command = "command": "the : command line",
        Editor = "editor": "editing the transcript",
        Search = "search": "searching the transcript",
        Publish = "publish": "the publish dialog",
        Confirm = "confirm": "a yes/no question",
        Help = "help": "this help",
    }
);

named_enum!(
    Action {
        Quit = "quit": "quit (the draft is kept)",
        Help = "help": "show or hide this help",
        Cancel = "cancel": "close / back / clear",
        Submit = "submit": "accept",
        Yes = "yes": "answer yes",
        No = "no": "answer no",
        FocusNext = "focus_next": "next pane",
        FocusPrev = "focus_prev": "previous pane",
        Up = "up": "move up",
        Down = "down": "move down",
        PageUp = "page_up": "page up (loads older history at the top)",
        PageDown = "page_down": "page down",
        Top = "top": "oldest loaded message",
        Bottom = "bottom": "newest message, follow live",
        MarkFirst = "mark_first": "mark the first message of the selection",
        MarkLast = "mark_last": "mark the last message of the selection",
        ClearSelection = "clear_selection": "clear the selection",
        GuessStart = "guess_start": "guess where the conversation started",
        FollowLive = "follow_live": "extend the selection to now and keep taking live messages",
        SelectThread = "select_thread": "select the message's thread or reply chain",
        CommandLine = "command_line": "selection command (:last:50 ignore:bob)",
        ToggleIgnore = "toggle_ignore": "ignore / unignore the user",
        Backfill = "backfill": "load older messages",
        Editor = "editor": "edit the transcript",
        Publish = "publish": "publish the transcript as a topic",
        Forward = "forward": "forward the forum item to the room",
        OpenUrl = "open_url": "open the link in the browser",
        CopyUrl = "copy_url": "copy the link (OSC 52)",
        Announce = "announce": "announce the topic link in the room",
        OpenComposer = "open_composer": "open a pre-filled composer in the browser",
        ExternalEditor = "external_editor": "edit in $EDITOR",
        TogglePreview = "toggle_preview": "preview the rendered post",
        Rebuild = "rebuild": "rebuild the transcript from the selection",
        Undo = "undo": "undo",
        Redo = "redo": "redo",
        Search = "search": "search the transcript",
        SearchNext = "search_next": "next match",
        SearchPrev = "search_prev": "previous match",
    }
);

/// A key with its modifiers, normalised so `G` and `shift-g` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::SHIFT) && c.is_ascii_lowercase() => {
                KeyCode::Char(c.to_ascii_uppercase())
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            c => c,
        };
        if matches!(code, KeyCode::Char(_)) {
            mods.remove(KeyModifiers::SHIFT);
        }
        Self { code, mods }
    }

    pub fn from_event(ev: &KeyEvent) -> Self {
        Self::new(ev.code, ev.modifiers)
    }

    /// `j`, `G`, `ctrl-d`, `alt-r`, `shift-f3`, `pagedown`, `enter`, `space`, `f1` ...
    pub fn parse(s: &str) -> Option<Self> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, n) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") && rest.len() > 6 {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            mods |= m;
            rest = rest.get(n..)?;
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" => KeyCode::PageDown,
            f if f.len() > 1 && f.starts_with('f') => KeyCode::F(f.get(1..)?.parse().ok()?),
            _ => {
                let mut chars = rest.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                KeyCode::Char(c)
            }
        };
        if code == KeyCode::Tab && mods.contains(KeyModifiers::SHIFT) {
            return Some(Self::new(KeyCode::BackTab, KeyModifiers::NONE));
        }
        Some(Self::new(code, mods))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (m, name) in [
            (KeyModifiers::CONTROL, "ctrl-"),
            (KeyModifiers::ALT, "alt-"),
            (KeyModifiers::SHIFT, "shift-"),
        ] {
            if self.mods.contains(m) {
                f.write_str(name)?;
            }
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            other => write!(f, "{}", format!("{other:?}").to_ascii_lowercase()),
        }
    }
}

const DEFAULTS: &[(Mode, &str, Action)] = {
    use Action::*;
    use Mode as M;
    &[
        (M::Normal, "q", Quit),
        (M::Normal, "ctrl-c", Quit),
        (M::Normal, "?", Help),
        (M::Normal, "f1", Help),
        (M::Normal, "esc", Cancel),
        (M::Normal, "tab", FocusNext),
        (M::Normal, "shift-tab", FocusPrev),
        (M::Normal, "k", Up),
        (M::Normal, "up", Up),
        (M::Normal, "j", Down),
        (M::Normal, "down", Down),
        (M::Normal, "ctrl-u", PageUp),
        (M::Normal, "pgup", PageUp),
        (M::Normal, "ctrl-d", PageDown),
        (M::Normal, "pgdn", PageDown),
        (M::Normal, "g", Top),
        (M::Normal, "home", Top),
        (M::Normal, "G", Bottom),
        (M::Normal, "end", Bottom),
        (M::Normal, "[", MarkFirst),
        (M::Normal, "]", MarkLast),
        (M::Normal, "x", ClearSelection),
        (M::Normal, "S", GuessStart),
        (M::Normal, "L", FollowLive),
        (M::Normal, "t", SelectThread),
        (M::Normal, ":", CommandLine),
        (M::Normal, "i", ToggleIgnore),
        (M::Normal, "space", ToggleIgnore),
        (M::Normal, "b", Backfill),
        (M::Normal, "e", Editor),
        (M::Normal, "enter", Editor),
        (M::Normal, "p", Publish),
        (M::Normal, "f", Forward),
        (M::Normal, "o", OpenUrl),
        (M::Normal, "y", CopyUrl),
        (M::Command, "enter", Submit),
        (M::Command, "esc", Cancel),
        (M::Command, "ctrl-c", Cancel),
        (M::Editor, "esc", Cancel),
        (M::Editor, "f1", Help),
        (M::Editor, "ctrl-o", ExternalEditor),
        (M::Editor, "ctrl-p", TogglePreview),
        (M::Editor, "f2", TogglePreview),
        (M::Editor, "alt-r", Rebuild),
        (M::Editor, "ctrl-z", Undo),
        (M::Editor, "ctrl-u", Undo),
        (M::Editor, "ctrl-r", Redo),
        (M::Editor, "ctrl-f", Search),
        (M::Editor, "f3", SearchNext),
        (M::Editor, "shift-f3", SearchPrev),
        (M::Editor, "ctrl-s", Publish),
        (M::Search, "enter", Submit),
        (M::Search, "esc", Cancel),
        (M::Publish, "esc", Cancel),
        (M::Publish, "enter", Submit),
        (M::Publish, "tab", FocusNext),
        (M::Publish, "shift-tab", FocusPrev),
        (M::Publish, "up", Up),
        (M::Publish, "down", Down),
        (M::Publish, "ctrl-o", OpenComposer),
        (M::Publish, "ctrl-y", CopyUrl),
        (M::Publish, "ctrl-b", OpenUrl),
        (M::Publish, "ctrl-a", Announce),
        (M::Confirm, "y", Yes),
        (M::Confirm, "enter", Yes),
        (M::Confirm, "n", No),
        (M::Confirm, "esc", No),
        (M::Help, "esc", Cancel),
        (M::Help, "j", Down),
        (M::Help, "down", Down),
        (M::Help, "k", Up),
        (M::Help, "up", Up),
        (M::Help, "pgdn", PageDown),
        (M::Help, "space", PageDown),
        (M::Help, "pgup", PageUp),
        (M::Help, "?", Cancel),
        (M::Help, "q", Cancel),
        (M::Help, "f1", Cancel),
    ]
};

#[derive(Debug, Clone)]
pub struct Keymap {
    map: HashMap<(Mode, Key), Action>,
}

impl Keymap {
    /// The defaults with `overrides` applied; an unknown mode, key or action is a one-line error.
    pub fn new(overrides: &BTreeMap<String, String>) -> Result<Self, String> {
        let mut map = HashMap::new();
        for &(mode, key, action) in DEFAULTS {
            let key = Key::parse(key).ok_or_else(|| format!("bad default key {key}"))?;
            map.insert((mode, key), action);
        }
        for (spec, action) in overrides {
            let (mode, key) = spec.split_once('.').ok_or_else(|| {
                format!("key \"{spec}\": write it as mode.key, e.g. normal.ctrl-d")
            })?;
            let mode =
                Mode::parse(mode).ok_or_else(|| format!("key \"{spec}\": unknown mode {mode}"))?;
            let key =
                Key::parse(key).ok_or_else(|| format!("key \"{spec}\": unknown key {key}"))?;
            if action == "none" {
                map.remove(&(mode, key));
                continue;
            }
            let action = Action::parse(action)
                .ok_or_else(|| format!("key \"{spec}\": unknown action {action}"))?;
            map.insert((mode, key), action);
        }
        // There must always be a way out, or a moderator over SSH is stuck in the app.
        let can_quit = map
            .iter()
            .any(|(&(mode, _), &a)| mode == Mode::Normal && a == Action::Quit);
        if !can_quit {
            return Err(
                "no key quits the app: keep q or ctrl-c, or bind one, e.g. \"normal.ctrl-q\" = \"quit\""
                    .into(),
            );
        }
        Ok(Self { map })
    }

    pub fn action(&self, mode: Mode, key: &KeyEvent) -> Option<Action> {
        self.map.get(&(mode, Key::from_event(key))).copied()
    }

    /// The keys bound to an action in a mode, shortest first, for hints ("?", "ctrl-o").
    pub fn keys_for(&self, mode: Mode, action: Action) -> String {
        self.help_rows()
            .into_iter()
            .find(|(m, _, a)| *m == mode && *a == action)
            .map_or_else(|| "(unbound)".to_string(), |(_, keys, _)| keys)
    }

    /// (mode, "keys", action) rows for the help overlay, sorted, keys for one action joined.
    pub fn help_rows(&self) -> Vec<(Mode, String, Action)> {
        let mut by: BTreeMap<(Mode, Action), Vec<String>> = BTreeMap::new();
        for (&(mode, key), &action) in &self.map {
            by.entry((mode, action)).or_default().push(key.to_string());
        }
        by.into_iter()
            .map(|((mode, action), mut keys)| {
                keys.sort_by_key(|k| (k.len(), k.clone()));
                (mode, keys.join(" "), action)
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "keymap_tests.rs"]
mod tests;
