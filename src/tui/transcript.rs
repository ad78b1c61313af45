//! The post and its title, from the selection, through the transcript engine.

use roomscribe_transcript::model::RoomInfo;
use roomscribe_transcript::{RenderOptions, render, room_label, select};

use super::state::State;

fn room_info(state: &State) -> RoomInfo {
    state.room.info.clone().unwrap_or_else(|| RoomInfo {
        room_id: state.room.asked.clone(),
        alias: None,
        name: Some(state.room.asked.clone()),
    })
}

/// The merged post as Discourse markdown (empty without a selection).
pub fn markdown(state: &State) -> String {
    let Some(span) = state.selection.span(&state.room.timeline) else {
        return String::new();
    };
    // A `gap:` typed on the command line wins over the configured merge window.
    let gap = state
        .selection
        .spec
        .as_ref()
        .and_then(|s| s.gap)
        .unwrap_or(state.opts.gap);
    let t = select::build(&state.room.timeline, span, &state.selection.filter(), gap);
    if t.stats.messages == 0 {
        return String::new();
    }
    let opts = RenderOptions {
        tz: state.opts.tz,
        timestamps: state.opts.timestamps,
        users: state.opts.users.clone(),
    };
    let info = room_info(state);
    let post = render(&t, &info, &opts, &state.opts.template);
    match (&state.selection.thread, t.lines.first()) {
        (Some(_), Some(root)) => format!("{}\n\n{post}", thread_note(&info, root.msg)),
        _ => post,
    }
}

/// The line a thread's post starts with: it is a thread, and where its root is.
fn thread_note(room: &RoomInfo, root: &roomscribe_transcript::model::ChatMessage) -> String {
    let target = room.alias.as_deref().unwrap_or(&room.room_id);
    let enc = |s: &str| {
        s.replace('%', "%25")
            .replace('#', "%23")
            .replace('/', "%2F")
    };
    format!(
        "*A thread, from its first message: <https://matrix.to/#/{}/{}>*",
        enc(target),
        enc(&root.event_id)
    )
}

/// A title suggestion for the publish dialog: room and time span.
pub fn suggested_title(state: &State) -> String {
    let tl = &state.room.timeline;
    let Some(span) = state.selection.span(tl) else {
        return String::new();
    };
    let filter = state.selection.filter();
    let kept = tl.range(span).filter(|m| filter.keeps(m));
    state
        .opts
        .template
        .title(&room_label(&room_info(state)), kept, state.opts.tz)
}

/// The selection's stable `external_id` (room, first and last kept message), so publishing
/// the same selection twice finds the first topic.
pub fn selection_id(state: &State) -> Option<String> {
    let tl = &state.room.timeline;
    let span = state.selection.span(tl)?;
    let filter = state.selection.filter();
    let mut kept = tl.range(span).filter(|m| filter.keeps(m));
    let first = kept.next()?;
    let last = kept.next_back().unwrap_or(first);
    Some(roomscribe_discourse::publish::external_id(
        &room_info(state).room_id,
        &first.event_id,
        &last.event_id,
    ))
}

/// The selection's chat files, for the publisher to copy to the forum.
pub fn post_media(state: &State) -> Vec<roomscribe_discourse::types::PostMedia> {
    let tl = &state.room.timeline;
    let Some(span) = state.selection.span(tl) else {
        return Vec::new();
    };
    let filter = state.selection.filter();
    let kept: Vec<_> = tl.range(span).filter(|m| filter.keeps(m)).collect();
    crate::headless::media::post_media(&kept, &room_info(state), &state.opts.template)
}
