//! The room timeline: day separators, local times, stable sender colours, replies with
//! context, kinds told apart, selection and ignored users shown. Only visible messages are
//! laid out, so a 100,000-message room draws as fast as a small one.

use chrono::Datelike;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use roomscribe_transcript::model::{ChatMessage, MessageKind};

use super::wrap::{pad, truncate, width, wrap};
use super::{layout, pane};
use crate::tui::state::rows::{NAME_W, TIME_W, body_text, new_day, text_width};
use crate::tui::state::{Focus, State};
use crate::tui::theme::Role;
use roomscribe_transcript::sanitize;

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
    if new_day(tl, i, tz) {
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
    let selected = state.selection.selects(&span, i, m);
    let published = !selected && state.room.is_published(i);
    let ignored = state.selection.ignores(m);
    let cursor = i == state.room.cursor;
    let text_w = text_width(u16::try_from(w).unwrap_or(u16::MAX));
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
    // The reply's context goes first, on the sender's line, so it reads as part of this message.
    let mut rows: Vec<(String, Role)> = Vec::new();
    if let Some(reply_id) = &m.reply_to {
        let ctx = match tl.by_id(reply_id) {
            Some(r) => format!("↳ {}: {}", sanitize::display(&r.sender_name), first_line(r)),
            None => "↳ in reply to an earlier message".to_string(),
        };
        rows.push((truncate(&ctx, text_w), Role::Reply));
    }
    let (body, role) = (body_text(m), role_of(m));
    for l in sanitize::display_lines(&body) {
        rows.extend(wrap(&l, text_w).into_iter().map(|t| (t, role)));
    }
    let name = match m.kind {
        MessageKind::Emote => "*".to_string(),
        _ => truncate(&sanitize::display(&m.sender_name), NAME_W),
    };
    let name_style = if ignored {
        th.style(Role::Ignored)
    } else {
        th.sender(&m.sender)
    };
    let gutter = match (selected, published) {
        (true, _) => "▍ ",
        (false, true) => "✓ ",
        (false, false) => "  ",
    };
    let no_time = " ".repeat(TIME_W);
    let blank_name = " ".repeat(NAME_W + 1);
    for (n, (text, role)) in rows.into_iter().enumerate() {
        let (time, name) = if n == 0 {
            (
                format!("{} ", local.format("%H:%M")),
                format!("{} ", pad(&name, NAME_W)),
            )
        } else {
            (no_time.clone(), blank_name.clone())
        };
        let spans = vec![
            Span::styled(time, dimmed(Role::Time)),
            Span::styled(gutter, th.style(Role::BorderFocus)),
            Span::styled(name, name_style),
            Span::styled(text, dimmed(role)),
        ];
        lines.push(Line::from(spans).style(base));
    }
    if m.edited
        && !m.redacted
        && let Some(last) = lines.last_mut()
    {
        last.spans
            .push(Span::styled(" (edited)", dimmed(Role::Edited)));
    }
    // Fill each row so the selection and cursor backgrounds span the pane.
    for line in &mut lines {
        let rest = w.saturating_sub(line.width());
        if rest > 0 {
            line.push_span(Span::raw(" ".repeat(rest)));
        }
    }
    lines
}

fn first_line(m: &ChatMessage) -> String {
    if m.redacted {
        return "(deleted)".into();
    }
    sanitize::display(m.body.lines().next().unwrap_or(""))
}

/// Kept in step with `rows::body_text`, which says what the body reads.
fn role_of(m: &ChatMessage) -> Role {
    if m.redacted {
        return Role::Redacted;
    }
    match &m.kind {
        MessageKind::Text => Role::Text,
        MessageKind::Emote => Role::Emote,
        MessageKind::Notice => Role::Notice,
        MessageKind::Image { .. } | MessageKind::File { .. } => Role::Media,
    }
}

/// Messages on screen, top to bottom: (index, its lines, lines cut off at the top).
/// Which ones fit comes from the cached row counts; only those get styled lines.
pub fn visible(state: &State, area: Rect) -> Vec<(usize, Vec<Line<'static>>, usize)> {
    let room = &state.room;
    let tl = &room.timeline;
    let Some((top, cut)) =
        room.rows
            .window(tl, room.bottom, area.height, area.width, state.opts.tz)
    else {
        return Vec::new();
    };
    let bottom = room.bottom.min(tl.len() - 1);
    let mut out: Vec<_> = (top..=bottom)
        .map(|i| (i, message_lines(state, i, area.width), 0))
        .collect();
    if let Some(first) = out.first_mut() {
        first.2 = cut;
    }
    out
}

/// Exactly the lines drawn in the pane, each with the message it belongs to (none for the
/// history indicator at the top). Drawing and mouse clicks both use it.
pub fn screen_lines(state: &State, inner: Rect) -> Vec<(Option<usize>, Line<'static>)> {
    let th = &state.theme;
    let room = &state.room;
    let visible = visible(state, inner);
    let top_is_first = visible
        .first()
        .is_some_and(|(i, _, cut)| *i == 0 && *cut == 0);
    let mut lines: Vec<(Option<usize>, Line<'static>)> = Vec::new();
    for (i, ls, cut) in visible {
        lines.extend(ls.into_iter().skip(cut).map(|l| (Some(i), l)));
    }
    let top_row = if room.backfill.active {
        Some(Line::styled(
            format!("⟳ loading older messages… {} so far", room.backfill.fetched),
            th.style(Role::Progress),
        ))
    } else if room.backfill.reached_start && top_is_first && lines.len() < usize::from(inner.height)
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
        lines.insert(0, (None, l));
    }
    lines
}

/// Which message is drawn at this screen row.
pub fn message_at(state: &State, row: u16) -> Option<usize> {
    let area = inner(layout::areas(state).timeline);
    let offset = usize::from(row.checked_sub(area.y)?);
    screen_lines(state, area).get(offset).and_then(|(i, _)| *i)
}

pub fn draw(frame: &mut Frame, state: &State, area: Rect) {
    let th = &state.theme;
    let room = &state.room;
    let title = Line::from(vec![
        Span::styled(
            format!(" {} ", sanitize::display(&room.title())),
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
    let lines: Vec<Line> = screen_lines(state, inner)
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
