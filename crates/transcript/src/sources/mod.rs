//! Offline inputs: a JSON array of Matrix room events (the `chunk` of `/messages`, any order,
//! or the whole `{"chunk": [...]}` response) or a legacy Gitter export (REST API message
//! objects, as a JSON array or one object per line). Which one is detected from the content.

mod gitter;
mod last;
mod matrix;
mod stream;

pub use last::LastVisible;

use std::io::{BufReader, Read};

use serde_json::Value;

use crate::model::{RoomInfo, TimelineEvent};

/// What a file holds: its events in any order, and what it says about its room.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub room: RoomInfo,
    pub events: Vec<TimelineEvent>,
}

/// One line naming the file and the position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {position}: {reason}")]
pub struct SourceError {
    pub file: String,
    pub position: String,
    pub reason: String,
}

/// Parses a file's text. `file` names it in errors; a Gitter export, which does not name its
/// room, gets `file`'s stem as the room until the caller knows better.
pub fn parse(file: &str, text: &str) -> Result<Parsed, SourceError> {
    parse_reader(file, text.as_bytes())
}

/// Reads an export incrementally from any reader (a file, a pipe): a JSON array is read one
/// element at a time, Gitter messages straight into their compact form, so memory follows the
/// kept messages, not the file. Errors are as [`parse`]'s.
pub fn parse_reader<R: Read>(file: &str, reader: R) -> Result<Parsed, SourceError> {
    let mut events = Vec::new();
    let mut parsed = parse_reader_into(file, reader, &mut |e| events.push(e))?;
    parsed.events = events;
    Ok(parsed)
}

/// [`parse_reader`] handing each event to `sink` as soon as it is converted (a Gitter export's
/// while it is read; a Matrix export's once all are read), so a caller can keep only what it
/// needs. The returned `events` is empty.
pub fn parse_reader_into<R: Read>(
    file: &str,
    reader: R,
    sink: &mut dyn FnMut(TimelineEvent),
) -> Result<Parsed, SourceError> {
    let stem = std::path::Path::new(file)
        .file_stem()
        .map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned());
    let err = |position: String, reason: String| SourceError {
        file: file.to_string(),
        position,
        reason,
    };
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let array = stream::skip_bom_and_peek(&mut reader).map_err(|e| err("start".into(), e))?;
    let items = if array == Some(b'[') {
        stream::array(reader, &stem, sink).map_err(|(p, r)| err(p, r))?
    } else {
        stream::values(reader, &stem, sink).map_err(|(p, r)| err(p, r))?
    };
    let items = match items {
        Items::Gitter => {
            let room = RoomInfo {
                room_id: stem.clone(),
                alias: None,
                name: Some(stem),
            };
            return Ok(Parsed {
                room,
                events: Vec::new(),
            });
        }
        Items::Raw(items) => items,
    };
    let (room, events) =
        matrix::convert(&items).map_err(|(i, r)| err(format!("event {}", i + 1), r))?;
    events.into_iter().for_each(&mut *sink);
    Ok(Parsed {
        room,
        events: Vec::new(),
    })
}

/// What the reading loop gathered: Gitter messages (already handed to the sink), or Matrix
/// events, which need the whole set (any order, display names from member events) to convert.
enum Items {
    Gitter,
    Raw(Vec<Value>),
}

/// serde_json's message without its own " at line L column C" (the position is given apart).
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_string()
}
