//! The status bar (mode, connections, room, selection) and the message / command line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use roomscribe_transcript::model::ConnState;

use crate::tui::keymap::{Action, Mode};
use crate::tui::state::{Level, State};
use crate::tui::theme::Role;
use chrono::{DateTime, Utc};
use roomscribe_transcript::sanitize;

/// Below this width the status bar uses short forms.
const COMPACT_BELOW: u16 = 100;

fn conn<'a>(state: &State, label: &'a str, c: &ConnState, since: DateTime<Utc>) -> Vec<Span<'a>> {
    let th = &state.theme;
    // Narrow terminals get the short forms; the forum's reason also shows in its sidebar.
    let wide = state.width >= COMPACT_BELOW;
    let (text, role) = match c {
        ConnState::Connecting => ("connecting…".to_string(), Role::StatusWarn),
        ConnState::Connected if wide => ("● connected".to_string(), Role::StatusOk),
        ConnState::Connected => ("●".to_string(), Role::StatusOk),
        // CachedOffline: what is on screen came from the local cache; the server was not
        // reached yet.
        ConnState::Reconnecting {
            in_secs,
            attempt,
            why,
        }
        | ConnState::CachedOffline {
            in_secs,
            attempt,
            why,
        } => {
            let left = state.seconds_left(*in_secs, since);
            let (long, short) = match c {
                ConnState::CachedOffline { .. } => (
                    format!("◌ cached, offline · retry in {left}s (#{attempt})"),
                    "◌ cached, offline".to_string(),
                ),
                _ => (
                    format!("⟳ reconnecting in {left}s (#{attempt})"),
                    format!("⟳ {left}s"),
                ),
            };
            let text = match (wide, why.is_empty()) {
                (true, false) => format!("{long}: {}", sanitize::display(why)),
                (true, true) => long,
                (false, _) => short,
            };
            (text, Role::StatusWarn)
        }
        ConnState::Offline { reason } if wide => (
            format!("✗ offline: {}", sanitize::display(reason)),
            Role::StatusErr,
        ),
        ConnState::Offline { .. } => ("✗ offline".to_string(), Role::StatusErr),
    };
    vec![
        Span::styled(format!(" {label} "), th.style(Role::StatusBar)),
        Span::styled(text, th.style(role)),
    ]
}

pub fn draw(frame: &mut Frame, state: &State, bar: Rect, message: Rect) {
    let th = &state.theme;
    let sep = || Span::styled(" │", th.style(Role::StatusBar));
    let mut spans = vec![Span::styled(
        format!(" {} ", state.mode().name().to_uppercase()),
        th.style(Role::Mode),
    )];
    match &state.archive {
        Some(file) => spans.push(Span::styled(
            format!(" archive {}", sanitize::display(file)),
            th.style(Role::StatusOk),
        )),
        None => spans.extend(conn(state, "chat", &state.room.conn, state.room.conn_since)),
    }
    spans.push(sep());
    spans.extend(conn(
        state,
        "forum",
        &state.sidebar.conn,
        state.sidebar.conn_since,
    ));
    spans.push(sep());
    let sel = &state.selection;
    let summary = if sel.is_empty() {
        " no selection".to_string()
    } else {
        let s = &sel.stats;
        let mins = s.span().map_or(0, |d| d.num_minutes());
        let ignored = if sel.ignored.is_empty() {
            String::new()
        } else {
            format!(", {} ignored", sel.ignored.len())
        };
        let speakers = if state.width >= COMPACT_BELOW {
            "speakers"
        } else {
            "spk"
        };
        // A selection is fixed once made; say so when it grows with the room instead.
        let kind = match (sel.thread.is_some(), sel.follows()) {
            (true, _) => " · thread",
            (false, true) => " · following live",
            (false, false) => "",
        };
        format!(
            " {} msgs · {} {speakers} · {mins} min{ignored}{kind}",
            s.messages,
            s.speakers.len()
        )
    };
    spans.push(Span::styled(summary, th.style(Role::StatusBar)));
    if !state.sidebar_shown() && !state.sidebar.items.is_empty() {
        spans.push(sep());
        spans.push(Span::styled(
            format!(" forum {} (tab)", state.sidebar.items.len()),
            th.style(Role::StatusBar),
        ));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(th.style(Role::StatusBar)),
        bar,
    );

    if let Some(cmd) = &state.command {
        let prompt = Line::from(vec![
            Span::styled(":", th.style(Role::Key)),
            Span::styled(cmd.lines().join(" "), th.style(Role::Input)),
            Span::styled(
                " ",
                th.style(Role::Input)
                    .add_modifier(ratatui::style::Modifier::REVERSED),
            ),
        ]);
        frame.render_widget(Paragraph::new(prompt), message);
        return;
    }
    let line = match &state.flash {
        Some(f) => {
            let role = match f.level {
                Level::Info => Role::StatusOk,
                Level::Warn => Role::StatusWarn,
                Level::Error => Role::StatusErr,
            };
            Line::styled(sanitize::display(&f.text), th.style(role))
        }
        None => {
            let help = state.keymap.keys_for(Mode::Normal, Action::Help);
            Line::from(vec![
                Span::styled(sanitize::display(&state.room.title()), th.style(Role::Dim)),
                Span::styled(format!("  {help} help"), th.style(Role::Dim)),
            ])
        }
    };
    frame.render_widget(Paragraph::new(line), message);
}
