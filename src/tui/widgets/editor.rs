//! The transcript editor pane: the post (or its preview), counts and Discourse minimums.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::pane;
use crate::tui::keymap::{Action, Mode};
use crate::tui::state::{MIN_POST, State};
use crate::tui::theme::Role;
use roomscribe_transcript::sanitize;

pub fn draw(frame: &mut Frame, state: &State, area: Rect) {
    let th = &state.theme;
    let ed = &state.editor;
    let chars = ed.chars();
    let (ok, role) = if chars >= MIN_POST {
        ("✓", Role::StatusOk)
    } else {
        ("✗", Role::StatusErr)
    };
    let origin = if ed.touched {
        "edited"
    } else {
        "live from selection"
    };
    let title = Line::from(vec![
        Span::styled(
            if ed.preview {
                " Preview "
            } else {
                " Transcript "
            },
            th.style(Role::Title),
        ),
        Span::styled(
            format!("· {} words · {chars} chars ", ed.words()),
            th.style(Role::Dim),
        ),
        Span::styled(format!("post ≥{MIN_POST} {ok} "), th.style(role)),
        Span::styled(format!("· {origin} "), th.style(Role::Dim)),
    ]);
    let km = &state.keymap;
    let hints = [
        (Action::Cancel, "back"),
        (Action::Publish, "publish"),
        (Action::ExternalEditor, "$EDITOR"),
        (Action::TogglePreview, "preview"),
        (Action::Search, "search"),
        (Action::Rebuild, "rebuild"),
        (Action::Help, "keys"),
    ];
    let mut spans = vec![Span::raw(" ")];
    for (a, label) in hints {
        spans.push(Span::styled(
            km.keys_for(Mode::Editor, a),
            th.style(Role::Key),
        ));
        spans.push(Span::styled(format!(" {label}  "), th.style(Role::Dim)));
    }
    let block = pane(state, title, true).title_bottom(Line::from(spans));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let body = Rect {
        height: inner.height.saturating_sub(u16::from(ed.search.is_some())),
        ..inner
    };
    if ed.preview {
        frame.render_widget(
            Paragraph::new(preview(state)).wrap(Wrap { trim: false }),
            body,
        );
    } else if ed.area.is_empty() {
        let msg =
            "Nothing selected yet: go back (esc), mark messages with [ and ], or type :last:20";
        frame.render_widget(Paragraph::new(Line::styled(msg, th.style(Role::Dim))), body);
    } else {
        frame.render_widget(&ed.area, body);
    }
    if let Some(q) = &ed.search {
        let row = Rect {
            y: inner.y + inner.height.saturating_sub(1),
            height: 1,
            ..inner
        };
        let line = Line::from(vec![
            Span::styled("search: ", th.style(Role::Key)),
            Span::styled(q.lines().join(" "), th.style(Role::Input)),
        ]);
        frame.render_widget(Paragraph::new(line), row);
    }
}

/// A light rendering of the markdown: headings, quotes and bold names stand out.
fn preview(state: &State) -> Vec<Line<'static>> {
    let th = &state.theme;
    state
        .editor
        .area
        .lines()
        .iter()
        .map(|l| {
            let l = sanitize::display(l);
            if l.starts_with('#') {
                Line::styled(
                    l.trim_start_matches('#').trim().to_string(),
                    th.style(Role::Title),
                )
            } else if l.starts_with('>') {
                Line::styled(l, th.style(Role::Reply))
            } else if let Some(rest) = l.strip_prefix("**") {
                match rest.split_once("**") {
                    Some((name, tail)) => Line::from(vec![
                        Span::styled(name.to_string(), th.style(Role::Title)),
                        Span::styled(tail.to_string(), th.style(Role::Text)),
                    ]),
                    None => Line::styled(l, th.style(Role::Text)),
                }
            } else {
                Line::styled(l, th.style(Role::Text))
            }
        })
        .collect()
}
