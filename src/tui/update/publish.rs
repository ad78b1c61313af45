//! The publish dialog: fill in, confirm, publish exactly once through the forum source,
//! then copy/open the topic link or announce it in the room. Nothing typed is lost on errors.

use crossterm::event::KeyEvent;
use roomscribe_discourse::categories;
use roomscribe_discourse::composer;
use roomscribe_discourse::types::{ForumCommand, NewTopic, PublishedTopic};
use roomscribe_transcript::model::ChatCommand;

use super::{field, forum, post};
use crate::tui::keymap::Action;
use crate::tui::msg::Command;
use crate::tui::state::{Ask, Draft, Field, Level, MIN_POST, MIN_TITLE, Publish, Stage, State};
use crate::tui::transcript;

pub fn open(state: &mut State, out: &mut Vec<Command>) {
    if !state.editor.touched {
        post::rebuild(state);
    }
    if state.editor.text().trim().is_empty() {
        state.flash(
            Level::Warn,
            "nothing to publish: select messages first ([ and ], or :last:20)",
        );
        return;
    }
    let spec = state.selection.spec.as_ref();
    let title = match (&state.editor.title, spec.and_then(|s| s.title.clone())) {
        (t, _) if !t.is_empty() => t.clone(),
        (_, Some(t)) => t,
        _ => transcript::suggested_title(state),
    };
    let wanted = spec
        .and_then(|s| s.category.clone())
        .or_else(|| state.opts.default_category.clone());
    let category = wanted
        .and_then(|q| categories::resolve_for_posting(&q, &state.sidebar.categories).ok())
        .map(|c| c.id);
    let tags = spec.map(|s| s.tags.clone()).unwrap_or_default();
    state.publish = Some(Publish::new(&title, category, &tags));
    if state.sidebar.categories.is_empty() {
        out.push(Command::Forum(ForumCommand::RefreshCategories));
    }
}

pub fn on_key(state: &mut State, action: Option<Action>, key: KeyEvent, out: &mut Vec<Command>) {
    let Some(p) = state.publish.as_mut() else {
        return;
    };
    match (&p.stage, action) {
        (Stage::Confirm, Some(Action::Submit)) => publish_now(state, out),
        (Stage::Confirm, Some(Action::Cancel)) => p.stage = Stage::Form,
        (Stage::Confirm, _) => {}
        (_, Some(Action::Cancel)) => {
            state.editor.title = p.title_text();
            state.publish = None;
        }
        (Stage::Done(topic), Some(Action::CopyUrl)) => out.push(Command::Copy(topic.url.clone())),
        (Stage::Done(topic), Some(Action::OpenUrl)) => {
            out.push(Command::OpenUrl(topic.url.clone()))
        }
        (Stage::Done(_), Some(Action::Announce | Action::Submit)) if state.archive.is_some() => {
            state.flash(
                Level::Warn,
                "announcing is off: this is an archive, not a live room",
            );
        }
        (Stage::Done(topic), Some(Action::Announce | Action::Submit)) => {
            let text = format!(
                "Transcript posted to the forum: {} {}",
                topic.title, topic.url
            );
            state.ask = Some(Ask::Announce {
                url: topic.url.clone(),
                text,
            });
        }
        (Stage::Done(_) | Stage::Publishing, _) => {}
        (_, Some(Action::FocusNext)) => p.field = next(p.field, 1),
        (_, Some(Action::FocusPrev)) => p.field = next(p.field, 2),
        (_, Some(Action::Up)) if p.field == Field::Category => p.pick = p.pick.saturating_sub(1),
        (_, Some(Action::Down)) if p.field == Field::Category => p.pick += 1,
        (_, Some(Action::OpenComposer)) => composer(state, out),
        (_, Some(Action::Submit)) => submit(state),
        (_, _) => {
            let field_area = match p.field {
                Field::Title => &mut p.title,
                Field::Category => &mut p.filter,
                Field::Tags => &mut p.tags,
            };
            if field::input(Some(field_area), key) && p.field == Field::Category {
                p.pick = 0;
            }
        }
    }
    clamp_pick(state);
}

pub fn paste(state: &mut State, text: &str) {
    if let Some(p) = state.publish.as_mut() {
        let area = match p.field {
            Field::Title => &mut p.title,
            Field::Category => &mut p.filter,
            Field::Tags => &mut p.tags,
        };
        field::paste(Some(area), text);
    }
}

fn next(f: Field, step: usize) -> Field {
    let order = [Field::Title, Field::Category, Field::Tags];
    let i = order.iter().position(|x| *x == f).unwrap_or(0);
    order[(i + step) % order.len()]
}

fn clamp_pick(state: &mut State) {
    let cats = &state.sidebar.categories;
    if let Some(p) = state.publish.as_mut() {
        let n = p.choices(cats).len();
        p.pick = p.pick.min(n.saturating_sub(1));
    }
}

/// The category chosen in the picker, or the preselected one when the filter is untouched.
fn chosen(state: &State) -> Option<u64> {
    let p = state.publish.as_ref()?;
    let choices = p.choices(&state.sidebar.categories);
    if p.filter.lines().join("").is_empty()
        && p.field != Field::Category
        && let Some(id) = p.category
    {
        return Some(id);
    }
    choices.get(p.pick).map(|(_, c)| c.id)
}

fn submit(state: &mut State) {
    let category = chosen(state);
    let Some(p) = state.publish.as_mut() else {
        return;
    };
    let title = p.title_text();
    let raw = state.editor.text();
    let problem = if title.chars().count() < MIN_TITLE {
        Some(format!("the title needs at least {MIN_TITLE} characters"))
    } else if raw.trim().chars().count() < MIN_POST {
        Some(format!("the post needs at least {MIN_POST} characters"))
    } else if category.is_none() {
        Some("pick a category (Tab to the list, type to filter)".to_string())
    } else {
        None
    };
    p.category = category;
    if let Some(problem) = problem {
        p.problem = Some(problem);
        return;
    }
    p.problem = None;
    p.stage = Stage::Confirm;
    state.editor.title = title;
}

fn publish_now(state: &mut State, out: &mut Vec<Command>) {
    let external_id = crate::tui::transcript::selection_id(state);
    let media = crate::tui::transcript::post_media(state);
    let Some(p) = state.publish.as_mut() else {
        return;
    };
    let (title, raw, category, tags) = (
        p.title_text(),
        state.editor.text(),
        p.category,
        p.tag_list(),
    );
    p.stage = Stage::Publishing;
    out.push(Command::Forum(ForumCommand::Publish(NewTopic {
        title,
        raw,
        category_id: category,
        tags,
        external_id,
        media,
    })));
}

fn composer(state: &mut State, out: &mut Vec<Command>) {
    let Some(base) = state.opts.forum_url.clone() else {
        state.flash(
            Level::Error,
            "no forum URL configured (--forum or [forum] url)",
        );
        return;
    };
    let category = chosen(state);
    let Some(p) = state.publish.as_ref() else {
        return;
    };
    let cats = &state.sidebar.categories;
    let slug = category
        .and_then(|id| cats.iter().find(|c| c.id == id))
        .map(|c| categories::path(c, cats));
    match composer::new_topic_url(
        &base,
        &p.title_text(),
        &state.editor.text(),
        slug.as_deref(),
        &p.tag_list(),
    ) {
        Ok(url) => out.push(Command::OpenUrl(url)),
        Err(e) => state.flash(Level::Error, e.to_string()),
    }
}

pub fn published(state: &mut State, topic: PublishedTopic, out: &mut Vec<Command>) {
    let note = if topic.already {
        "already published"
    } else if topic.adopted {
        "found the topic an earlier attempt created"
    } else {
        "published"
    };
    state.flash(Level::Info, format!("{note}: {}", topic.url));
    // This transcript is done: keep it with its link, mark its messages, start afresh.
    let draft = Draft {
        room: state.opts.room.clone(),
        title: topic.title.clone(),
        text: state.editor.text(),
        saved_at: state.now,
    };
    out.push(Command::ArchivePublished {
        draft,
        url: topic.url.clone(),
    });
    out.push(Command::DeleteDraft {
        room: state.opts.room.clone(),
    });
    let tl = &state.room.timeline;
    if let Some(span) = state.selection.span(tl)
        && let (Some(a), Some(b)) = (tl.get(span.start), tl.get(span.end - 1))
    {
        state
            .room
            .published
            .push((a.event_id.clone(), b.event_id.clone()));
    }
    state.selection.clear();
    state.editor.reset();
    post::selection_changed(state);
    match state.publish.as_mut() {
        Some(p) => p.stage = Stage::Done(topic),
        None => {
            state.publish = Some(Publish {
                stage: Stage::Done(topic),
                ..Publish::new("", None, &[])
            })
        }
    }
}

pub fn failed(state: &mut State, errors: Vec<String>) {
    match state.publish.as_mut() {
        Some(p) => p.stage = Stage::Failed(errors),
        None => state.flash(
            Level::Error,
            format!("publish failed: {}", errors.join("; ")),
        ),
    }
}

pub fn send_announce(state: &mut State, url: &str, text: String, out: &mut Vec<Command>) {
    out.push(Command::Chat(ChatCommand::Send {
        txn_id: format!("roomscribe-announce-{}", forum::txn_safe(url)),
        body: text,
        html: None,
        notice: false,
    }));
    state.publish = None;
    state.screen = crate::tui::state::Screen::Room;
}
