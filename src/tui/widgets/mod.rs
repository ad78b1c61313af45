//! One file per pane or dialog; each draws from `&State` only and asks the theme for roles.

pub mod confirm;
pub mod editor;
pub mod help;
pub mod layout;
pub mod publish;
pub mod sidebar;
pub mod status;
pub mod timeline;
pub mod users;
pub mod wrap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Clear};

use super::state::{Screen, State};
use super::theme::Role;

/// Below this the panes cannot be laid out; the app says so instead (80×24 is the target).
const MIN_WIDTH: u16 = 40;
const MIN_HEIGHT: u16 = 10;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, state: &State) {
    let size = frame.area();
    if size.width < MIN_WIDTH || size.height < MIN_HEIGHT {
        let msg = format!("roomscribe needs at least {MIN_WIDTH}×{MIN_HEIGHT}");
        frame.render_widget(ratatui::widgets::Paragraph::new(msg), size);
        return;
    }
    let areas = layout::areas(state);
    match state.screen {
        Screen::Room => {
            timeline::draw(frame, state, areas.timeline);
            if let Some(a) = areas.users {
                users::draw(frame, state, a);
            }
            if let Some(a) = areas.sidebar {
                sidebar::draw(frame, state, a);
            }
        }
        Screen::Transcript => editor::draw(frame, state, areas.timeline),
    }
    status::draw(frame, state, areas.status, areas.message);
    if state.publish.is_some() {
        publish::draw(frame, state, frame.area());
    }
    if state.ask.is_some() {
        confirm::draw(frame, state, frame.area());
    }
    if state.help {
        help::draw(frame, state, frame.area());
    }
}

/// A bordered pane; the focused one gets the focus border.
pub fn pane<'a>(state: &State, title: Line<'a>, focused: bool) -> Block<'a> {
    let role = if focused {
        Role::BorderFocus
    } else {
        Role::Border
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(state.theme.style(role))
        .title(title)
        .style(state.theme.style(Role::Text))
}

/// A dialog box centred in `outer`, cleared underneath.
pub fn dialog<'a>(
    frame: &mut Frame,
    state: &State,
    outer: Rect,
    w: u16,
    h: u16,
    title: &'a str,
) -> (Rect, Block<'a>) {
    let w = w.min(outer.width);
    let h = h.min(outer.height);
    let area = Rect {
        x: outer.x + (outer.width - w) / 2,
        y: outer.y + (outer.height - h) / 2,
        width: w,
        height: h,
    };
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(state.theme.style(Role::BorderFocus))
        .title(Line::styled(
            format!(" {title} "),
            state.theme.style(Role::DialogTitle),
        ))
        .style(state.theme.style(Role::Dialog));
    (area, block)
}
