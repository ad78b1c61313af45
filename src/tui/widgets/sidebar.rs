//! Live forum activity: what it is, who, where, which rule routes it to which room, and
//! whether it was forwarded already.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use roomscribe_discourse::types::ItemKind;
use roomscribe_transcript::model::ConnState;

use super::pane;
use super::wrap::truncate;
use crate::tui::state::{Focus, State};
use crate::tui::theme::Role;
use roomscribe_transcript::sanitize;

/// Each item takes this many rows.
pub const ITEM_ROWS: u16 = 2;

pub fn draw(frame: &mut Frame, state: &State, area: Rect) {
    let th = &state.theme;
    let sb = &state.sidebar;
    let focused = state.focus == Focus::Sidebar;
    let mut title = Line::styled(
        format!(" Forum · {} ", sb.items.len()),
        th.style(Role::Title),
    );
    if focused {
        let km = &state.keymap;
        let keys = km.keys_for(
            crate::tui::keymap::Mode::Normal,
            crate::tui::keymap::Action::Forward,
        );
        title.push_span(Span::styled(
            format!("{keys} forward "),
            th.style(Role::Key),
        ));
    }
    let w = usize::from(area.width.saturating_sub(2));
    let rows = usize::from(area.height.saturating_sub(2) / ITEM_ROWS).max(1);
    let first = first_shown(state, rows);
    let mut lines = Vec::new();
    if sb.items.is_empty() {
        lines.push(Line::styled("no forum activity yet", th.style(Role::Dim)));
    }
    for (i, item) in sb.items.iter().enumerate().skip(first).take(rows) {
        let kind = match item.kind {
            ItemKind::NewTopic => "new",
            ItemKind::Reply => "re:",
            ItemKind::Notification => "you",
        };
        let head = truncate(&sanitize::display(&item.title), w.saturating_sub(5));
        let mut top = Line::from(vec![
            Span::styled(format!("{kind:<4}"), th.style(Role::Dim)),
            Span::styled(head, th.style(Role::Title)),
        ]);
        let cat = sb.category_name(item.category_id).unwrap_or("");
        let mut info = format!(
            "    {} · {}",
            sanitize::display(&item.username),
            sanitize::display(cat)
        );
        let mut spans = Vec::new();
        if !item.routes.is_empty() {
            info.push_str(" → ");
        }
        spans.push(Span::styled(info.clone(), th.style(Role::Dim)));
        let forwarded = sb.forwarded.contains(&item.key);
        let tail = if forwarded { " ✓ fwd" } else { "" };
        let room_w = w.saturating_sub(super::wrap::width(&info) + tail.len());
        spans.push(Span::styled(
            truncate(&sanitize::display(&item.routes.join(",")), room_w),
            th.style(Role::Route),
        ));
        spans.push(Span::styled(tail, th.style(Role::Forwarded)));
        let mut bottom = Line::from(spans);
        if focused && i == sb.cursor {
            top = top.style(th.style(Role::Cursor));
            bottom = bottom.style(th.style(Role::Cursor));
        }
        lines.push(top);
        lines.push(bottom);
    }
    // The connection's trouble, in its own words, where the forum is shown.
    let mut block = pane(state, title, focused);
    match &sb.conn {
        ConnState::Offline { reason } => {
            let text = truncate(&format!(" offline: {} ", sanitize::display(reason)), w);
            block = block.title_bottom(Line::styled(text, th.style(Role::StatusErr)));
        }
        ConnState::Reconnecting { in_secs, .. } | ConnState::CachedOffline { in_secs, .. } => {
            let left = state.seconds_left(*in_secs, sb.conn_since);
            let text = format!(" reconnecting in {left}s ");
            block = block.title_bottom(Line::styled(text, th.style(Role::StatusWarn)));
        }
        ConnState::Connecting | ConnState::Connected => {}
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Keeps the cursor's item on screen.
pub fn first_shown(state: &State, rows: usize) -> usize {
    state.sidebar.cursor.saturating_sub(rows.saturating_sub(1))
}
