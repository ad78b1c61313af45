//! `roomscribe transcript`: one post from a room or an export file, printed as markdown or JSON.
//!
//! [`build_post`] is the whole pipeline from events to post, so fetching from a room
//! (`transcript ROOM`) and publishing (`--publish`, `--open`) only add their ends to it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::cli::{Format, TranscriptArgs};
use crate::config::Options;
use crate::error::usage;
use crate::transcript::model::{ChatMessage, RoomInfo, TimelineEvent};
use crate::transcript::{
    RenderOptions, RoomRef, Spec, Template, Timeline, render, room_label, select, sources, spec,
};

/// Everything besides the events and the spec that shapes a post.
#[derive(Debug, Clone)]
pub struct PostOptions {
    pub tz: Tz,
    pub timestamps: bool,
    /// Merge window when the spec has no `gap:`.
    pub gap: Duration,
    /// Chat sender → forum username (the config's `[users]`).
    pub users: BTreeMap<String, String>,
    pub template: Template,
    /// Category when the spec has none.
    pub default_category: Option<String>,
}

impl PostOptions {
    /// From the resolved options; `timestamps` is the `--timestamps` flag.
    pub fn from_options(opts: &Options, timestamps: bool) -> Self {
        Self {
            tz: opts.tz,
            timestamps: timestamps || opts.file.transcript.timestamps,
            gap: opts.gap,
            users: opts.file.users.clone(),
            template: opts.template.clone(),
            default_category: opts.file.forum.default_category.clone(),
        }
    }
}

/// A post ready to print or publish.
#[derive(Debug, Clone, Serialize)]
pub struct Post {
    pub title: String,
    pub category: Option<String>,
    pub tags: Vec<String>,
    /// The selected messages, after ignoring users and dropping redacted ones.
    pub messages: Vec<ChatMessage>,
    pub markdown: String,
}

/// Events (any order) + spec → the post. An empty selection is an error naming the spec.
pub fn build_post(
    events: Vec<TimelineEvent>,
    room: &RoomInfo,
    spec: &Spec,
    opts: &PostOptions,
) -> Result<Post> {
    build_post_of(events, None, room, spec, opts)
}

/// [`build_post`] for events kept while reading: `history` is how many the file held.
fn build_post_of(
    events: Vec<TimelineEvent>,
    history: Option<usize>,
    room: &RoomInfo,
    spec: &Spec,
    opts: &PostOptions,
) -> Result<Post> {
    let timeline = Timeline::from_events(events);
    let transcript = select(&timeline, spec, opts.gap);
    let history = history.unwrap_or(timeline.len());
    post_from(&transcript, history, room, spec, opts)
}

/// The post for a transcript already selected (the bot selects by reply or thread too).
pub fn post_from(
    transcript: &crate::transcript::Transcript<'_>,
    history: usize,
    room: &RoomInfo,
    spec: &Spec,
    opts: &PostOptions,
) -> Result<Post> {
    if transcript.stats.messages == 0 {
        bail!(
            "the selection is empty ({history} messages in the room's history); try last:N or an earlier from:"
        );
    }
    let render_opts = RenderOptions {
        tz: opts.tz,
        timestamps: opts.timestamps,
        users: opts.users.clone(),
    };
    let markdown = render(transcript, room, &render_opts, &opts.template);
    let title = spec.title.clone().unwrap_or_else(|| {
        opts.template
            .title(&room_label(room), transcript.messages(), opts.tz)
    });
    Ok(Post {
        title,
        category: spec
            .category
            .clone()
            .or_else(|| opts.default_category.clone()),
        tags: spec.tags.clone(),
        messages: transcript.messages().cloned().collect(),
        markdown,
    })
}

/// The selection's stable `external_id`: the room and its first and last message.
pub fn selection_id(room: &RoomInfo, messages: &[ChatMessage]) -> Option<String> {
    let (first, last) = (messages.first()?, messages.last()?);
    Some(crate::discourse::publish::external_id(
        &room.room_id,
        &first.event_id,
        &last.event_id,
    ))
}

/// Splits `transcript`'s positionals: with `--input`, the `room` word is the first spec token,
/// unless it names a room (useful for Gitter exports, which do not name theirs).
pub fn spec_words(args: &TranscriptArgs) -> (Option<RoomRef>, Vec<String>) {
    let mut words = Vec::with_capacity(args.spec.len() + 1);
    let mut room = None;
    if let Some(first) = &args.room {
        if args.input.is_some() && spec::is_spec_token(first) {
            words.push(first.clone());
        } else {
            match RoomRef::parse(first) {
                Ok(r) => room = Some(r),
                Err(_) => words.push(first.clone()),
            }
        }
    }
    words.extend(args.spec.iter().cloned());
    (room, words)
}

pub fn parse_spec(words: &[String], now: DateTime<Utc>, tz: Tz) -> Result<Spec> {
    spec::parse_tokens(words, now, tz).map_err(|e| usage(e.to_string()))
}

pub fn run(args: TranscriptArgs, options: &Options) -> Result<()> {
    let opts = PostOptions::from_options(options, args.timestamps);
    let (room_arg, words) = spec_words(&args);
    let spec = parse_spec(&words, Utc::now(), opts.tz)?;
    // Publishing from a room copies its media to the forum with the same Matrix client.
    let copy_media = args.publish && !args.no_media && options.file.transcript.media;
    let mut matrix = None;
    let mut history = None;
    let (mut room, events) = match (&args.input, &room_arg) {
        (Some(input), _) => {
            let (room, events, total) = read_input_for(input, &spec)?;
            history = total;
            (room, events)
        }
        (None, Some(r)) if copy_media => {
            let rt = super::matrix::runtime()?;
            let gap = spec.gap.unwrap_or(opts.gap);
            let (info, events, client) = super::matrix::fetch_room_on(&rt, r, &spec, gap, options)?;
            matrix = Some((rt, client));
            (info, events)
        }
        (None, Some(r)) => {
            super::matrix::fetch_room_blocking(r, &spec, spec.gap.unwrap_or(opts.gap), options)?
        }
        (None, None) => {
            return Err(usage(
                "name a room (org/room, #alias:server, ...) or pass --input FILE",
            ));
        }
    };
    if let Some(r) = room_arg {
        match r {
            RoomRef::Alias { alias, .. } => room.alias = Some(alias),
            RoomRef::Id { id, .. } => room.room_id = id,
        }
    }
    let post = build_post_of(events, history, &room, &spec, &opts)?;
    if args.publish || args.open {
        let external_id = selection_id(&room, &post.messages);
        let media = super::media::post_media(
            &post.messages.iter().collect::<Vec<_>>(),
            &room,
            &opts.template,
        );
        let raw = if copy_media && !media.is_empty() {
            // An export file has no session of its own: use the stored one when there is one.
            let session = match matrix.take() {
                Some(m) => Ok(m),
                None => matrix_for_media(options),
            };
            match session {
                Ok((rt, client)) => {
                    let forum = super::forum::connect(options)?;
                    let attached = rt.block_on(super::media::attach(
                        &client,
                        &forum,
                        &post.markdown,
                        &media,
                        external_id.as_deref(),
                    ));
                    for note in &attached.notes {
                        eprintln!("roomscribe: {note}");
                    }
                    attached.raw
                }
                Err(e) => {
                    eprintln!(
                        "roomscribe: {} file(s) not copied to the forum ({}); the post links to the messages",
                        media.len(),
                        crate::error::one_line(&e)
                    );
                    post.markdown.clone()
                }
            }
        } else {
            post.markdown.clone()
        };
        let req = super::publish::Request {
            title: &post.title,
            raw: &raw,
            category: post.category.as_deref(),
            tags: &post.tags,
            external_id,
        };
        return super::publish::deliver(&req, args.open, options);
    }
    let out = match args.format {
        Format::Markdown => post.markdown,
        Format::Json => roomscribe_transcript::sanitize::json_pretty(&post)? + "\n",
    };
    print!("{out}");
    Ok(())
}

/// A Matrix session for downloading media, from the settings or the stored session.
fn matrix_for_media(
    options: &Options,
) -> Result<(tokio::runtime::Runtime, crate::matrix::matrix_sdk::Client)> {
    let rt = super::matrix::runtime()?;
    let client = rt.block_on(super::matrix::client(options))?;
    Ok((rt, client))
}

/// Reads a Matrix event JSON file or a legacy Gitter export, streamed (see
/// [`sources::parse_reader`]); a large file shows a percent on stderr when it is a terminal.
pub fn read_input(path: &Path) -> Result<(RoomInfo, Vec<TimelineEvent>)> {
    let mut events = Vec::new();
    let room = read_shown(path, &mut |ev| events.push(ev))?;
    Ok((room, events))
}

/// [`read_input`] keeping only what `spec` needs where that is known while reading (`last:N`,
/// `from:`/`to:`), with how many messages the file held; the whole file otherwise, or when the
/// shortcut does not apply to it (see [`sources::LastVisible`]).
fn read_input_for(
    path: &Path,
    spec: &Spec,
) -> Result<(RoomInfo, Vec<TimelineEvent>, Option<usize>)> {
    let keeper = match spec.range {
        crate::transcript::Range::Last(n) => Some(sources::LastVisible::new(n)),
        crate::transcript::Range::Between { from, to } => {
            Some(sources::LastVisible::between(from, to))
        }
        _ => None,
    };
    if let Some(mut keep) = keeper {
        let room = read_shown(path, &mut |ev| keep.push(ev))?;
        if let Some((events, total)) = keep.finish() {
            return Ok((room, events, Some(total)));
        }
    }
    let (room, events) = read_input(path)?;
    Ok((room, events, None))
}

/// [`read_input_into`] with the percent on stderr for a large file, cleared at the end.
fn read_shown(path: &Path, sink: &mut dyn FnMut(TimelineEvent)) -> Result<RoomInfo> {
    let progress = super::progress::Stderr::for_file(path);
    let read = read_input_into(path, sink, |done, total| progress.show(done, total));
    progress.clear();
    read
}

/// Reads `path`, handing each event to `sink`.
fn read_input_into(
    path: &Path,
    sink: &mut dyn FnMut(TimelineEvent),
    progress: impl FnMut(u64, u64),
) -> Result<RoomInfo> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let reader = super::progress::Counting::new(file, total, progress);
    let parsed = sources::parse_reader_into(&path.display().to_string(), reader, sink)?;
    Ok(parsed.room)
}
