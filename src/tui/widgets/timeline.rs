//! The room timeline: day separators, local times, stable sender colours, replies with
//! context, kinds told apart, selection and ignored users shown. Only visible messages are
//! laid out, so a 100,000-message room draws as fast as a small one.

use chrono::Datelike;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use roomscribe_transcript::model::{ChatMessage, MessageKind};

use super::wrap::{truncate, width, wrap};
use super::{layout, pane};
use crate::tui::sanitize;
use crate::tui::state::{Focus, State};
use crate::tui::theme::Role;

const TIME_W: usize = 6;
const GUTTER_W: usize = 2;
const NAME_W: usize = 12;

pub fn inner(area: Rect) -> Rect {
    Rect {
        x: area.x + 1,
        y: area.y + 1,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    }
}

/// The lines of message `i` at this width (day separator and reply context included).
pub fn message_lines(state: &State, i: usize, w: u16) -> Vec<Line<'static>> {
    let tl = &state.room.timeline;
    let Some(m) = tl.get(i) else {
        return Vec::new();
    };
    let th = &state.theme;
    let tz = state.opts.tz;
    let w = usize::from(w);
    let local = m.ts.with_timezone(&tz);
    let mut lines = Vec::new();
    let new_day = i == 0
        || tl
            .get(i - 1)
            .is_none_or(|p| p.ts.with_timezone(&tz).date_naive() != local.date_naive());
    if new_day {
        let label = format!(
            " {} {} {} {} ",
            local.format("%A"),
            local.day(),
            local.format("%B"),
            local.year()
        );
        let side = w.saturating_sub(width(&label)) / 2;
        let rule = "─".repeat(side);
        lines.push(Line::styled(
            format!("{rule}{label}{rule}"),
            th.style(Role::Day),
        ));
    }
    let span = state.selection.span(tl);
    let selected = state.selection.contains(&span, i);
    let ignored = state.selection.ignores(m);
    let cursor = i == state.room.cursor;
    let text_w = w.saturating_sub(TIME_W + GUTTER_W + NAME_W + 1).max(8);
    let indent = " ".repeat(TIME_W + GUTTER_W + NAME_W + 1);
    let mut base = th.style(Role::Text);
    if selected {
        base = base.patch(th.style(Role::Selection));
    }
    if cursor {
        base = base.patch(th.style(Role::Cursor));
    }
    let dimmed = |role: Role| {
        if ignored {
            th.style(Role::Ignored)
        } else {
            th.style(role)
        }
    };
    if let Some(reply_id) = &m.reply_to {
        let ctx = match tl.by_id(reply_id) {
            Some(r) => format!("↳ {}: {}", sanitize::clean(&r.sender_name), first_line(r)),
            None => "↳ in reply to an earlier message".to_string(),
        };
        lines.push(
            Line::from(vec![
                Span::raw(indent.clone()),
                Span::styled(truncate(&ctx, text_w), dimmed(Role::Reply)),
            ])
            .style(base),
        );
    }
    let (body, role) = body_of(m);
    let name = match m.kind {
        MessageKind::Emote => "*".to_string(),
        _ => truncate(&sanitize::clean(&m.sender_name), NAME_W),
    };
    let name_style = if ignored {
        th.style(Role::Ignored)
    } else {
        th.sender(&m.sender)
    };
    let gutter = if selected { "▍ " } else { "  " };
    let mut wrapped = Vec::new();
    for l in sanitize::lines(&body) {
        wrapped.extend(wrap(&l, text_w));
    }
    for (n, text) in wrapped.into_iter().enumerate() {
        let mut spans = if n == 0 {
            vec![
                Span::styled(format!("{} ", local.format("%H:%M")), dimmed(Role::Time)),
                Span::styled(gutter, th.style(Role::BorderFocus)),
                Span::styled(format!("{name:<NAME_W$} ", name = name), name_style),
            ]
        } else {
            vec![Span::raw(indent.clone())]
        };
        spans.push(Span::styled(text, dimmed(role)));
        lines.push(Line::from(spans).style(base));
    }
    if m.edited
        && !m.redacted
        && let Some(last) = lines.last_mut()
    {
        last.spans
            .push(Span::styled(" (edited)", dimmed(Role::Edited)));
    }
    lines
}

fn first_line(m: &ChatMessage) -> String {
    if m.redacted {
        return "(deleted)".into();
    }
    sanitize::clean(m.body.lines().next().unwrap_or(""))
}

fn body_of(m: &ChatMessage) -> (String, Role) {
    if m.redacted {
        return ("(message deleted)".into(), Role::Redacted);
    }
    match &m.kind {
        MessageKind::Text => (m.body.clone(), Role::Text),
        MessageKind::Emote => (format!("{} {}", m.sender_name, m.body), Role::Emote),
        MessageKind::Notice => (m.body.clone(), Role::Notice),
        MessageKind::Image { name, .. } => (
            format!("[image] {}", name.as_deref().unwrap_or(&m.body)),
            Role::Media,
        ),
        MessageKind::File { name, .. } => (
            format!("[file] {}", name.as_deref().unwrap_or(&m.body)),
            Role::Media,
        ),
    }
}

/// Messages on screen, top to bottom: (index, its lines, lines cut off at the top).
pub fn visible(state: &State, area: Rect) -> Vec<(usize, Vec<Line<'static>>, usize)> {
    let len = state.room.timeline.len();
    let h = usize::from(area.height);
    if len == 0 || h == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut used = 0;
    let mut i = state.room.bottom.min(len - 1);
    loop {
        let lines = message_lines(state, i, area.width);
        used += lines.len();
        out.push((i, lines, 0));
        if used >= h || i == 0 {
            break;
        }
        i -= 1;
    }
    out.reverse();
    if let Some(first) = out.first_mut() {
        first.2 = used.saturating_sub(h);
    }
    out
}

/// The first message shown whole.
pub fn top_index(state: &State, area: Rect) -> usize {
    let v = visible(state, area);
    match v.first() {
        Some((i, _, 0)) => *i,
        Some((i, _, _)) => i + 1,
        None => 0,
    }
}

/// The bottom index that puts message `top` at the top of the pane.
pub fn bottom_for_top(state: &State, area: Rect, top: usize) -> usize {
    let len = state.room.timeline.len();
    let mut used = 0;
    let mut i = top;
    while i < len {
        used += message_lines(state, i, area.width).len();
        if used > usize::from(area.height) {
            return i.saturating_sub(1).max(top);
        }
        i += 1;
    }
    len.saturating_sub(1)
}

/// Which message is drawn at this screen row.
pub fn message_at(state: &State, row: u16) -> Option<usize> {
    let area = inner(layout::areas(state).timeline);
    let mut y = area.y;
    for (i, lines, cut) in visible(state, area) {
        let n = u16::try_from(lines.len() - cut).unwrap_or(u16::MAX);
        if row >= y && row < y.saturating_add(n) {
            return Some(i);
        }
        y = y.saturating_add(n);
    }
    None
}

pub fn draw(frame: &mut Frame, state: &State, area: Rect) {
    let th = &state.theme;
    let room = &state.room;
    let title = Line::from(vec![
        Span::styled(
            format!(" {} ", sanitize::clean(&room.title())),
            th.style(Role::Title),
        ),
        Span::styled(
            format!("· {} messages ", room.timeline.len()),
            th.style(Role::Dim),
        ),
    ]);
    let block = pane(state, title, state.focus == Focus::Timeline);
    let inner = inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = Vec::new();
    for (_, ls, cut) in visible(state, inner) {
        lines.extend(ls.into_iter().skip(cut));
    }
    let top_row = if room.backfill.active {
        Some(Line::styled(
            format!("⟳ loading older messages… {} so far", room.backfill.fetched),
            th.style(Role::Progress),
        ))
    } else if room.backfill.reached_start
        && top_index(state, inner) == 0
        && lines.len() < usize::from(inner.height)
    {
        Some(Line::styled("── start of the room ──", th.style(Role::Dim)))
    } else if room.timeline.is_empty() {
        Some(Line::styled("no messages yet", th.style(Role::Dim)))
    } else {
        None
    };
    if let Some(l) = top_row {
        if lines.len() >= usize::from(inner.height) && !lines.is_empty() {
            lines.remove(0);
        }
        lines.insert(0, l);
    }
    frame.render_widget(Paragraph::new(lines).style(Style::default()), inner);
}
