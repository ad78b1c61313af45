//! Yes/no questions: restore a draft, throw away edits, forward a notice (shown first).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::dialog;
use crate::tui::keymap::{Action, Mode};
use crate::tui::state::{Ask, State};
use crate::tui::theme::Role;
use roomscribe_transcript::sanitize;

pub fn draw(frame: &mut Frame, state: &State, outer: Rect) {
    let Some(ask) = &state.ask else { return };
    let th = &state.theme;
    let (title, question, body): (&str, String, Vec<String>) = match ask {
        Ask::RestoreDraft(d) => (
            "Unsaved transcript",
            format!(
                "Restore the draft saved {}?",
                d.saved_at
                    .with_timezone(&state.opts.tz)
                    .format("%a %d %b %H:%M")
            ),
            d.text.lines().take(6).map(str::to_string).collect(),
        ),
        Ask::Rebuild => (
            "Rebuild",
            "Rebuild from the selection and lose your edits?".into(),
            vec![],
        ),
        Ask::Forward { plain, .. } => (
            "Forward to the room",
            "Send this notice to the room?".into(),
            plain.lines().map(str::to_string).collect(),
        ),
        Ask::Announce { text, .. } => (
            "Announce",
            "Send this to the room?".into(),
            vec![text.clone()],
        ),
    };
    let h = u16::try_from(body.len()).unwrap_or(20).min(14) + 6;
    let (area, block) = dialog(frame, state, outer, 72, h, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = vec![Line::styled(question, th.style(Role::Title)), Line::raw("")];
    for l in body {
        lines.push(Line::styled(
            format!("  {}", sanitize::display(&l)),
            th.style(Role::Reply),
        ));
    }
    lines.push(Line::raw(""));
    let km = &state.keymap;
    lines.push(Line::from(vec![
        Span::styled(km.keys_for(Mode::Confirm, Action::Yes), th.style(Role::Key)),
        Span::styled(" yes   ", th.style(Role::Dim)),
        Span::styled(km.keys_for(Mode::Confirm, Action::No), th.style(Role::Key)),
        Span::styled(" no", th.style(Role::Dim)),
    ]));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
