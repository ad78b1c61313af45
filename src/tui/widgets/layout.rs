//! Where each pane goes, as a pure function of the terminal size and the state, so mouse
//! clicks in `update` hit exactly what was drawn.

use ratatui::layout::Rect;

use crate::tui::state::{Focus, Screen, State};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// The timeline, or the editor on the transcript screen.
    pub timeline: Rect,
    pub users: Option<Rect>,
    pub sidebar: Option<Rect>,
    pub status: Rect,
    /// The line under the status bar: messages and the `:` command line.
    pub message: Rect,
}

pub fn areas(state: &State) -> Areas {
    let (w, h) = (state.width, state.height.max(3));
    let body_h = h - 2;
    let status = Rect::new(0, body_h, w, 1);
    let message = Rect::new(0, body_h + 1, w, 1);
    let body = Rect::new(0, 0, w, body_h);
    if state.screen == Screen::Transcript || w < 60 {
        return Areas {
            timeline: body,
            users: None,
            sidebar: None,
            status,
            message,
        };
    }
    let right_w = if w >= 110 { 44 } else { 28 };
    let timeline = Rect::new(0, 0, w - right_w, body_h);
    let right = Rect::new(w - right_w, 0, right_w, body_h);
    let (users, sidebar) = if w >= 110 {
        let users_h = (body_h * 2 / 5).max(5).min(body_h);
        (
            Some(Rect::new(right.x, 0, right_w, users_h)),
            Some(Rect::new(right.x, users_h, right_w, body_h - users_h)),
        )
    } else if state.focus == Focus::Sidebar {
        (None, Some(right))
    } else {
        (Some(right), None)
    };
    Areas {
        timeline,
        users,
        sidebar,
        status,
        message,
    }
}

pub fn hit(r: Rect, col: u16, row: u16) -> bool {
    col >= r.x && col < r.x + r.width && row >= r.y && row < r.y + r.height
}
