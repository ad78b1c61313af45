//! The `?` overlay, generated from the keymap, so it always tells the truth about the keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::dialog;
use crate::tui::keymap::{Action, Mode};
use crate::tui::state::State;
use crate::tui::theme::Role;

pub fn draw(frame: &mut Frame, state: &State, outer: Rect) {
    let th = &state.theme;
    let below = state.mode_below_help();
    let w = outer.width.saturating_sub(4).min(90);
    let h = outer.height.saturating_sub(2);
    let (area, block) = dialog(frame, state, outer, w, h, "Keys");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = state.keymap.help_rows();
    let mut lines = vec![Line::styled(
        format!(
            "{}: {}   ({} scroll; keys are set in the config: [keys] \"mode.key\" = \"action\")",
            below.name(),
            below.help(),
            state.keymap.keys_for(Mode::Help, Action::Down),
        ),
        th.style(Role::Dim),
    )];
    let order = std::iter::once(below).chain(
        Mode::ALL
            .iter()
            .copied()
            .filter(|m| *m != below && *m != Mode::Help),
    );
    for mode in order {
        lines.push(Line::styled(
            format!("── {} ──", mode.name()),
            th.style(Role::Title),
        ));
        for (_, keys, action) in rows.iter().filter(|(m, _, _)| *m == mode) {
            lines.push(Line::from(vec![
                Span::styled(format!("{keys:>18}  "), th.style(Role::Key)),
                Span::styled(action.help(), th.style(Role::Text)),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines).scroll((state.help_scroll, 0)), inner);
}
