//! Speakers in the selection with their counts; ignored ones dimmed and marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::pane;
use super::wrap::{pad, truncate};
use crate::tui::state::{Focus, State};
use crate::tui::theme::Role;
use roomscribe_transcript::sanitize;

/// Rows above the first speaker inside the pane (the summary line).
pub const HEADER_ROWS: u16 = 1;

pub fn draw(frame: &mut Frame, state: &State, area: Rect) {
    let th = &state.theme;
    let sel = &state.selection;
    let focused = state.focus == Focus::Users;
    let mut title = Line::styled(
        format!(" Speakers · {} ", sel.speakers.len()),
        th.style(Role::Title),
    );
    if focused {
        let km = &state.keymap;
        let keys = km.keys_for(
            crate::tui::keymap::Mode::Normal,
            crate::tui::keymap::Action::ToggleIgnore,
        );
        title.push_span(Span::styled(format!("{keys} ignore "), th.style(Role::Key)));
    }
    let w = usize::from(area.width.saturating_sub(2));
    let mut lines = Vec::new();
    if sel.is_empty() {
        lines.push(Line::styled("no selection", th.style(Role::Dim)));
        lines.push(Line::styled("[ ] mark first/last", th.style(Role::Dim)));
        lines.push(Line::styled(": command, S guess", th.style(Role::Dim)));
    } else {
        let st = &sel.stats;
        let span = st
            .span()
            .map_or(String::new(), |d| format!(" · {}m", d.num_minutes()));
        lines.push(Line::styled(
            format!("{} kept{span}", st.messages),
            th.style(Role::Dim),
        ));
        for (i, s) in sel.speakers.iter().enumerate() {
            let ignored = sel.is_ignored(&s.sender, &s.name);
            let mark = if ignored { "✗" } else { "✓" };
            let name_w = w.saturating_sub(8);
            let name = truncate(&sanitize::display(&s.name), name_w);
            let style = if ignored {
                th.style(Role::Ignored)
            } else {
                th.sender(&s.sender)
            };
            let mut line = Line::from(vec![
                Span::styled(
                    format!("{mark} "),
                    if ignored {
                        th.style(Role::StatusErr)
                    } else {
                        th.style(Role::StatusOk)
                    },
                ),
                Span::styled(pad(&name, name_w), style),
                Span::styled(format!("{:>5}", s.count), th.style(Role::Dim)),
            ]);
            if focused && i == state.user_cursor {
                line = line.style(th.style(Role::Cursor));
            }
            lines.push(line);
        }
    }
    frame.render_widget(
        Paragraph::new(lines).block(pane(state, title, focused)),
        area,
    );
}
