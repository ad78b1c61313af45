//! The publish dialog: the form, then progress, then the topic link and what to do with it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use roomscribe_discourse::types::PublishedTopic;

use super::dialog;
use super::wrap::truncate;
use crate::tui::keymap::{Action, Mode};
use crate::tui::state::{Field, MIN_TITLE, Publish, Stage, State};
use crate::tui::theme::Role;
use roomscribe_transcript::sanitize;

/// Category rows shown in the picker.
const PICK_ROWS: usize = 7;

pub fn draw(frame: &mut Frame, state: &State, outer: Rect) {
    let Some(p) = &state.publish else { return };
    let (area, block) = dialog(frame, state, outer, 76, 22, "Publish to the forum");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = match &p.stage {
        Stage::Done(topic) => done(state, topic),
        Stage::Publishing => vec![
            Line::styled("Publishing… ", state.theme.style(Role::Progress)),
            Line::styled(
                "The draft stays saved until the forum confirms.",
                state.theme.style(Role::Dim),
            ),
        ],
        Stage::Confirm => confirm(state, p),
        Stage::Form | Stage::Failed(_) => form(state, p, usize::from(inner.width)),
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn field<'a>(state: &State, p: &Publish, which: Field, label: &'a str, text: String) -> Line<'a> {
    let th = &state.theme;
    let focused = p.field == which;
    let label_role = if focused { Role::Key } else { Role::Dim };
    let mut spans = vec![
        Span::styled(format!("{label:<9}"), th.style(label_role)),
        Span::styled(sanitize::display(&text), th.style(Role::Input)),
    ];
    if focused {
        spans.push(Span::styled("▏", th.style(Role::Key)));
    }
    Line::from(spans)
}

fn form(state: &State, p: &Publish, w: usize) -> Vec<Line<'static>> {
    let th = &state.theme;
    let km = &state.keymap;
    let title = p.title_text();
    let n = title.chars().count();
    let (mark, role) = if n >= MIN_TITLE {
        ("✓", Role::StatusOk)
    } else {
        ("✗", Role::StatusErr)
    };
    let mut lines = vec![field(state, p, Field::Title, "Title", title.clone())];
    lines.push(Line::styled(
        format!("         {n} chars, at least {MIN_TITLE} {mark}"),
        th.style(role),
    ));
    let filter = p.filter.lines().join(" ");
    let choices = p.choices(&state.sidebar.categories);
    let current = p
        .category
        .and_then(|id| state.sidebar.categories.iter().find(|c| c.id == id));
    let shown = match (p.field == Field::Category || !filter.is_empty(), current) {
        (false, Some(c)) => c.name.clone(),
        _ => filter,
    };
    lines.push(field(state, p, Field::Category, "Category", shown));
    if state.sidebar.categories.is_empty() {
        lines.push(Line::styled(
            "         loading categories…",
            th.style(Role::Dim),
        ));
    } else if choices.is_empty() {
        lines.push(Line::styled(
            "         no category you may post in matches",
            th.style(Role::StatusWarn),
        ));
    }
    let first = p.pick.saturating_sub(PICK_ROWS - 1);
    for (i, (path, c)) in choices.iter().enumerate().skip(first).take(PICK_ROWS) {
        let picked = if p.field == Field::Category {
            i == p.pick
        } else {
            Some(c.id) == p.category
        };
        let lock = if c.read_restricted { " (private)" } else { "" };
        let text = truncate(
            &sanitize::display(&format!("{path}{lock}")),
            w.saturating_sub(11),
        );
        let role = if picked { Role::Cursor } else { Role::Text };
        lines.push(Line::from(vec![
            Span::raw("         "),
            Span::styled(if picked { "› " } else { "  " }, th.style(Role::Key)),
            Span::styled(text, th.style(role)),
        ]));
    }
    lines.push(field(
        state,
        p,
        Field::Tags,
        "Tags",
        p.tags.lines().join(" "),
    ));
    lines.push(Line::raw(""));
    if let Some(problem) = &p.problem {
        lines.push(Line::styled(problem.clone(), th.style(Role::StatusErr)));
    }
    if let Stage::Failed(errors) = &p.stage {
        lines.push(Line::styled(
            "The forum refused the post:",
            th.style(Role::StatusErr),
        ));
        for e in errors {
            lines.push(Line::styled(
                format!("  {}", sanitize::display(e)),
                th.style(Role::StatusErr),
            ));
        }
    }
    let hint = |a: Action, label: &str| {
        vec![
            Span::styled(km.keys_for(Mode::Publish, a), th.style(Role::Key)),
            Span::styled(format!(" {label}  "), th.style(Role::Dim)),
        ]
    };
    let mut spans = hint(Action::Submit, "publish");
    spans.extend(hint(Action::FocusNext, "next field"));
    spans.extend(hint(Action::OpenComposer, "open composer in browser"));
    spans.extend(hint(Action::Cancel, "cancel"));
    lines.push(Line::from(spans));
    lines
}

fn confirm(state: &State, p: &Publish) -> Vec<Line<'static>> {
    let th = &state.theme;
    let km = &state.keymap;
    let cats = &state.sidebar.categories;
    let category = p
        .category
        .and_then(|id| cats.iter().find(|c| c.id == id))
        .map_or_else(String::new, |c| crate::tui::state::category_path(cats, c));
    let row = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{label:<10}"), th.style(Role::Dim)),
            Span::styled(sanitize::display(&value), th.style(Role::Text)),
        ])
    };
    let ed = &state.editor;
    let mut lines = vec![
        Line::styled("Publish this as a new topic?", th.style(Role::Title)),
        Line::raw(""),
        row("Title", p.title_text()),
        row("Category", category),
        row("Tags", p.tag_list().join(", ")),
        row(
            "Post",
            format!("{} words, {} chars", ed.words(), ed.chars()),
        ),
        Line::raw(""),
    ];
    for l in ed.area.lines().iter().take(6) {
        lines.push(Line::styled(
            format!("  {}", sanitize::display(l)),
            th.style(Role::Reply),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled(
            km.keys_for(Mode::Publish, Action::Submit),
            th.style(Role::Key),
        ),
        Span::styled(" publish now   ", th.style(Role::Dim)),
        Span::styled(
            km.keys_for(Mode::Publish, Action::Cancel),
            th.style(Role::Key),
        ),
        Span::styled(" back to the form", th.style(Role::Dim)),
    ]));
    lines
}

fn done(state: &State, topic: &PublishedTopic) -> Vec<Line<'static>> {
    let th = &state.theme;
    let km = &state.keymap;
    let head = if topic.already {
        "Already published (not posted again):"
    } else if topic.adopted {
        "Found the topic an earlier attempt created:"
    } else {
        "Published:"
    };
    let mut lines = vec![
        Line::styled(head, th.style(Role::StatusOk)),
        Line::styled(sanitize::display(&topic.url), th.style(Role::Media)),
    ];
    // What could not go into the post (media the forum refused, ...), one line each.
    for note in &topic.notes {
        lines.push(Line::styled(sanitize::display(note), th.style(Role::Dim)));
    }
    lines.push(Line::raw(""));
    for (a, label) in [
        (Action::CopyUrl, "copy the link"),
        (Action::OpenUrl, "open it in the browser"),
        (Action::Announce, "announce it in the room"),
        (Action::Cancel, "close"),
    ] {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:>10} ", km.keys_for(Mode::Publish, a)),
                th.style(Role::Key),
            ),
            Span::styled(label, th.style(Role::Text)),
        ]));
    }
    lines
}
