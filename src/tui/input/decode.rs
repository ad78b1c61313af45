//! Terminal bytes → the crossterm events the app speaks. The parsing is termwiz's, because its
//! parser is told whether more bytes are waiting: crossterm's holds an Esc that ends a full read
//! until the next key arrives (crossterm-rs/crossterm#993), so Esc after a long unbracketed burst
//! was lost. What is translated here keeps crossterm's conventions, which the keymap and the
//! editor expect (an upper-case letter carries SHIFT, Shift-Tab is BackTab, 0-based mouse cells).

use std::collections::VecDeque;

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use termwiz::input::{self as tw, InputEvent, InputParser, MouseButtons};

pub struct Decoder {
    parser: InputParser,
    held: Option<MouseButton>,
}

impl Default for Decoder {
    fn default() -> Self {
        Self {
            parser: InputParser::new(),
            held: None,
        }
    }
}

impl Decoder {
    /// Decodes `bytes`; `more` says more may follow at once, so a trailing Esc (or the start of
    /// a sequence) is kept until the next call. Call with no bytes and `more == false` when the
    /// terminal has gone quiet, and what was kept is decided.
    pub fn feed(&mut self, bytes: &[u8], more: bool, out: &mut VecDeque<Event>) {
        let held = &mut self.held;
        self.parser.parse(
            bytes,
            |ev| {
                if let Some(ev) = convert(ev, held) {
                    out.push_back(ev);
                }
            },
            more,
        );
    }
}

fn convert(ev: InputEvent, held: &mut Option<MouseButton>) -> Option<Event> {
    match ev {
        InputEvent::Key(k) => key(k).map(Event::Key),
        InputEvent::Mouse(m) => Some(Event::Mouse(mouse(m, held))),
        InputEvent::Paste(text) => Some(Event::Paste(text)),
        InputEvent::Resized { cols, rows } => Some(Event::Resize(
            u16::try_from(cols).unwrap_or(u16::MAX),
            u16::try_from(rows).unwrap_or(u16::MAX),
        )),
        InputEvent::PixelMouse(_) | InputEvent::Wake => None,
    }
}

fn modifiers(m: tw::Modifiers) -> KeyModifiers {
    let mut out = KeyModifiers::NONE;
    for (from, to) in [
        (tw::Modifiers::SHIFT, KeyModifiers::SHIFT),
        (tw::Modifiers::ALT, KeyModifiers::ALT),
        (tw::Modifiers::CTRL, KeyModifiers::CONTROL),
        (tw::Modifiers::SUPER, KeyModifiers::SUPER),
    ] {
        if m.intersects(from) {
            out |= to;
        }
    }
    out
}

fn key(k: tw::KeyEvent) -> Option<KeyEvent> {
    use tw::KeyCode as T;
    let mut mods = modifiers(k.modifiers);
    let code = match k.key {
        T::Char(c) => {
            if c.is_uppercase() {
                mods |= KeyModifiers::SHIFT;
            }
            KeyCode::Char(c)
        }
        T::Tab if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
        T::Tab => KeyCode::Tab,
        T::Enter => KeyCode::Enter,
        T::Escape => KeyCode::Esc,
        T::Backspace => KeyCode::Backspace,
        T::Delete => KeyCode::Delete,
        T::Insert => KeyCode::Insert,
        T::Home => KeyCode::Home,
        T::End => KeyCode::End,
        T::PageUp => KeyCode::PageUp,
        T::PageDown => KeyCode::PageDown,
        T::UpArrow | T::ApplicationUpArrow => KeyCode::Up,
        T::DownArrow | T::ApplicationDownArrow => KeyCode::Down,
        T::LeftArrow | T::ApplicationLeftArrow => KeyCode::Left,
        T::RightArrow | T::ApplicationRightArrow => KeyCode::Right,
        T::Function(n) => KeyCode::F(n),
        _ => return None,
    };
    Some(KeyEvent::new(code, mods))
}

/// termwiz reports which buttons are down; crossterm reports what changed, so the button held
/// since the last report tells a press from a drag and names the one released.
fn mouse(m: tw::MouseEvent, held: &mut Option<MouseButton>) -> MouseEvent {
    let b = &m.mouse_buttons;
    let now = if b.contains(MouseButtons::LEFT) {
        Some(MouseButton::Left)
    } else if b.contains(MouseButtons::RIGHT) {
        Some(MouseButton::Right)
    } else if b.contains(MouseButtons::MIDDLE) {
        Some(MouseButton::Middle)
    } else {
        None
    };
    let positive = b.contains(MouseButtons::WHEEL_POSITIVE);
    let kind = if b.contains(MouseButtons::VERT_WHEEL) {
        if positive {
            MouseEventKind::ScrollUp
        } else {
            MouseEventKind::ScrollDown
        }
    } else if b.contains(MouseButtons::HORZ_WHEEL) {
        if positive {
            MouseEventKind::ScrollLeft
        } else {
            MouseEventKind::ScrollRight
        }
    } else {
        let kind = match (*held, now) {
            (None, Some(b)) => MouseEventKind::Down(b),
            (Some(was), Some(b)) if was == b => MouseEventKind::Drag(b),
            (Some(_), Some(b)) => MouseEventKind::Down(b),
            (Some(was), None) => MouseEventKind::Up(was),
            (None, None) => MouseEventKind::Moved,
        };
        *held = now;
        kind
    };
    MouseEvent {
        kind,
        column: m.x.saturating_sub(1),
        row: m.y.saturating_sub(1),
        modifiers: modifiers(m.modifiers),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8], more: bool) -> Vec<Event> {
        let mut d = Decoder::default();
        let mut out = VecDeque::new();
        d.feed(bytes, more, &mut out);
        out.into()
    }

    fn k(code: KeyCode, mods: KeyModifiers) -> Event {
        Event::Key(KeyEvent::new(code, mods))
    }

    #[test]
    fn an_esc_ending_a_full_read_is_kept_until_the_terminal_is_quiet_then_is_esc() {
        let mut d = Decoder::default();
        let mut out = VecDeque::new();
        let mut burst = vec![b'a'; 1_023];
        burst.push(0x1b);
        d.feed(&burst, true, &mut out);
        assert_eq!(out.len(), 1_023);
        assert!(
            out.iter()
                .all(|e| *e == k(KeyCode::Char('a'), KeyModifiers::NONE))
        );
        out.clear();
        d.feed(&[], false, &mut out);
        assert_eq!(
            Vec::from(out.clone()),
            [k(KeyCode::Esc, KeyModifiers::NONE)]
        );
        out.clear();
        d.feed(b"q", true, &mut out);
        assert_eq!(Vec::from(out), [k(KeyCode::Char('q'), KeyModifiers::NONE)]);
    }

    #[test]
    fn a_sequence_split_across_reads_is_one_key() {
        let mut d = Decoder::default();
        let mut out = VecDeque::new();
        d.feed(b"\x1b[", true, &mut out);
        d.feed(b"A", false, &mut out);
        assert_eq!(Vec::from(out), [k(KeyCode::Up, KeyModifiers::NONE)]);
    }

    #[test]
    fn keys_keep_crossterms_conventions() {
        let none = KeyModifiers::NONE;
        let cases: &[(&[u8], Event)] = &[
            (b"G", k(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            (b"\x03", k(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            (b"\x1bx", k(KeyCode::Char('x'), KeyModifiers::ALT)),
            (b"\x1b[Z", k(KeyCode::BackTab, KeyModifiers::SHIFT)),
            (b"\t", k(KeyCode::Tab, none)),
            (b"\r", k(KeyCode::Enter, none)),
            (b"\x7f", k(KeyCode::Backspace, none)),
            (b"\x1b[3~", k(KeyCode::Delete, none)),
            (b"\x1b[5~", k(KeyCode::PageUp, none)),
            (b"\x1b[6~", k(KeyCode::PageDown, none)),
            (b"\x1b[H", k(KeyCode::Home, none)),
            (b"\x1b[F", k(KeyCode::End, none)),
            (b"\x1bOA", k(KeyCode::Up, none)),
            (b"\x1b[1;5D", k(KeyCode::Left, KeyModifiers::CONTROL)),
            (b"\x1bOP", k(KeyCode::F(1), none)),
            (b"\x1b[15~", k(KeyCode::F(5), none)),
            ("é".as_bytes(), k(KeyCode::Char('é'), none)),
            (b"\x1b", k(KeyCode::Esc, none)),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                decode(bytes, false),
                std::slice::from_ref(want),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn a_bracketed_paste_is_one_event_even_with_escapes_inside() {
        let got = decode(b"\x1b[200~line one\r\n\x1b[2Jtwo\x1b[201~", false);
        assert_eq!(got, [Event::Paste("line one\r\n\x1b[2Jtwo".into())]);
    }

    #[test]
    fn mouse_reports_become_press_drag_release_and_wheel_in_zero_based_cells() {
        let got = decode(
            b"\x1b[<0;10;5M\x1b[<32;11;5M\x1b[<0;11;5m\x1b[<2;3;4M\x1b[<2;3;4m\x1b[<64;1;1M\x1b[<65;1;1M",
            false,
        );
        let kinds: Vec<_> = got
            .iter()
            .map(|e| match e {
                Event::Mouse(m) => (m.kind, m.column, m.row),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                (MouseEventKind::Down(MouseButton::Left), 9, 4),
                (MouseEventKind::Drag(MouseButton::Left), 10, 4),
                (MouseEventKind::Up(MouseButton::Left), 10, 4),
                (MouseEventKind::Down(MouseButton::Right), 2, 3),
                (MouseEventKind::Up(MouseButton::Right), 2, 3),
                (MouseEventKind::ScrollUp, 0, 0),
                (MouseEventKind::ScrollDown, 0, 0),
            ]
        );
    }
}
