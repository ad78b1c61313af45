//! The room pane and the users panel: moving, marking, the `:` command line, ignoring users,
//! and asking for older history when the user scrolls past what is loaded.

use roomscribe_transcript::model::{BackfillRequest, ChatCommand, MessageKind};
use roomscribe_transcript::select;
use roomscribe_transcript::spec::{self, Range};

use super::post;
use crate::tui::keymap::Action;
use crate::tui::msg::Command;
use crate::tui::state::{Level, State};
use crate::tui::widgets::{layout, timeline};

/// Messages asked for per backfill page when scrolling up.
pub const PAGE: usize = 100;

/// What the app asks for when it starts: recent history, and any draft left from before.
pub fn initial_commands(state: &mut State) -> Vec<Command> {
    state.room.backfill.active = true;
    vec![
        Command::Chat(ChatCommand::Backfill(BackfillRequest::Last(PAGE))),
        Command::LoadDraft {
            room: state.opts.room.clone(),
        },
    ]
}

pub fn on_action(state: &mut State, action: Action, out: &mut Vec<Command>) {
    let page = page_size(state);
    match action {
        Action::Up => state.room.move_by(-1),
        Action::Down => state.room.move_by(1),
        Action::PageUp => state.room.move_by(-page),
        Action::PageDown => state.room.move_by(page),
        Action::Top => state.room.move_to(0),
        Action::Bottom => state.room.to_bottom(),
        Action::MarkFirst | Action::MarkLast => mark(state, action == Action::MarkFirst),
        Action::ClearSelection => clear_selection(state),
        Action::GuessStart => {
            let tl = &state.room.timeline;
            let mut span = select::guess(tl);
            // The next transcript starts where the last published one ended.
            if let Some(after) = state.room.after_published()
                && span.start < after
                && after < span.end
            {
                span.start = after;
            }
            state.selection.thread = None;
            state.selection.set_span(tl, span, false);
            selection_changed(state);
        }
        Action::FollowLive => {
            if state.selection.is_empty() {
                state.flash(Level::Warn, "select messages first ([ and ], or :last:20)");
            } else {
                state.selection.follow_live();
                state.flash(Level::Info, "the selection now follows live messages");
                selection_changed(state);
            }
        }
        Action::SelectThread => {
            if let Some(m) = state.room.timeline.get(state.room.cursor) {
                let spec = spec::Spec {
                    range: Range::Thread(m.event_id.clone()),
                    ..spec::Spec::default()
                };
                state.selection.pending = None;
                state.selection.apply_spec(&state.room.timeline, &spec);
                let n = state.selection.thread.as_ref().map_or(0, |t| t.len());
                state.selection.spec = Some(spec);
                state.flash(Level::Info, format!("thread selected: {n} messages"));
                selection_changed(state);
            }
        }
        Action::ToggleIgnore => {
            if let Some(m) = state.room.timeline.get(state.room.cursor) {
                let (sender, name) = (m.sender.clone(), m.sender_name.clone());
                state.selection.toggle_ignore(&sender, &name);
                selection_changed(state);
            }
        }
        Action::Backfill => request_backfill(state, BackfillRequest::Last(PAGE), out),
        Action::OpenUrl | Action::CopyUrl => {
            let url = state
                .room
                .timeline
                .get(state.room.cursor)
                .and_then(|m| match &m.kind {
                    MessageKind::Image { url, .. } | MessageKind::File { url, .. } => {
                        Some(url.clone())
                    }
                    _ => None,
                });
            match url {
                Some(u) if action == Action::OpenUrl => out.push(Command::OpenUrl(u)),
                Some(u) => out.push(Command::Copy(u)),
                None => state.flash(Level::Warn, "this message has no link"),
            }
        }
        _ => {}
    }
    if matches!(action, Action::Up | Action::PageUp | Action::Top) && state.room.cursor == 0 {
        request_backfill(state, BackfillRequest::Last(PAGE), out);
    }
    keep_cursor_visible(state);
}

pub fn on_users_action(state: &mut State, action: Action) {
    let n = state.selection.speakers.len();
    match action {
        Action::Up => state.user_cursor = state.user_cursor.saturating_sub(1),
        Action::Down => state.user_cursor = (state.user_cursor + 1).min(n.saturating_sub(1)),
        Action::Top => state.user_cursor = 0,
        Action::Bottom => state.user_cursor = n.saturating_sub(1),
        Action::ToggleIgnore => toggle_user(state, state.user_cursor),
        _ => {}
    }
}

pub fn toggle_user(state: &mut State, index: usize) {
    if let Some(s) = state.selection.speakers.get(index) {
        let (sender, name) = (s.sender.clone(), s.name.clone());
        state.selection.toggle_ignore(&sender, &name);
        state.user_cursor = index;
        selection_changed(state);
    }
}

fn mark(state: &mut State, first: bool) {
    let Some(id) = state
        .room
        .timeline
        .get(state.room.cursor)
        .map(|m| m.event_id.clone())
    else {
        return;
    };
    let sel = &mut state.selection;
    sel.pending = None;
    sel.thread = None;
    if first {
        sel.first = Some(id);
    } else {
        if sel.first.is_none() {
            sel.first = Some(id.clone());
        }
        sel.last = Some(id);
    }
    selection_changed(state);
}

pub fn clear_selection(state: &mut State) {
    state.selection.clear();
    selection_changed(state);
}

/// The `:` line: the same grammar and one-line errors as `roomscribe transcript`.
pub fn submit_command(state: &mut State, out: &mut Vec<Command>) {
    let Some(line) = state.command.take() else {
        return;
    };
    let text = line.lines().join(" ");
    let text = text.trim().trim_start_matches(':');
    if text.is_empty() {
        return;
    }
    match spec::parse(text, state.now, state.opts.tz) {
        Ok(spec) => {
            state.selection.pending = None;
            state.selection.apply_spec(&state.room.timeline, &spec);
            let want = match &spec.range {
                Range::Between { from, .. }
                    if state.room.timeline.get(0).is_none_or(|m| m.ts > *from) =>
                {
                    Some(BackfillRequest::Since(*from))
                }
                Range::Last(n) => {
                    let visible = state.room.timeline.iter().filter(|m| !m.redacted).count();
                    (visible < *n).then(|| BackfillRequest::Last(n - visible))
                }
                _ => None,
            };
            state.selection.pending = Some(spec.clone());
            state.selection.spec = Some(spec);
            if let Some(req) = want {
                request_backfill(state, req, out);
            }
            selection_changed(state);
        }
        Err(e) => state.flash(Level::Error, e.to_string()),
    }
}

fn request_backfill(state: &mut State, req: BackfillRequest, out: &mut Vec<Command>) {
    let b = &mut state.room.backfill;
    if b.active || b.reached_start {
        return;
    }
    b.active = true;
    b.fetched = 0;
    out.push(Command::Chat(ChatCommand::Backfill(req)));
}

/// New, older, edited or redacted messages: keep the selection, counts and post current.
/// A `:` spec is re-resolved only when older history arrives (what it asked for); live
/// messages never move a selection that was made.
pub fn after_timeline_change(state: &mut State, backfill: bool) {
    if backfill && let Some(spec) = state.selection.pending.clone() {
        state.selection.apply_spec(&state.room.timeline, &spec);
        if !state.room.backfill.active {
            state.selection.pending = None;
        }
    }
    state.refresh_selection();
    post::follow_selection(state);
    keep_cursor_visible(state);
}

pub fn selection_changed(state: &mut State) {
    state.refresh_selection();
    post::selection_changed(state);
}

fn page_size(state: &State) -> isize {
    let rows = layout::areas(state).timeline.height;
    isize::try_from(rows / 2).unwrap_or(1).max(1)
}

/// Moves the viewport (not the cursor) so the cursor's message is on screen.
pub fn keep_cursor_visible(state: &mut State) {
    let area = timeline::inner(layout::areas(state).timeline);
    let room = &state.room;
    if room.timeline.is_empty() {
        return;
    }
    let (cursor, bottom) = (room.cursor, room.bottom);
    if cursor >= bottom {
        state.room.bottom = cursor;
        return;
    }
    let (tl, tz) = (&room.timeline, state.opts.tz);
    let first = room.rows.top_index(tl, bottom, area.height, area.width, tz);
    if cursor < first {
        state.room.bottom = room
            .rows
            .bottom_for_top(tl, cursor, area.height, area.width, tz);
    }
}
