//! Offline inputs: a JSON array of Matrix room events (the `chunk` of `/messages`, any order,
//! or the whole `{"chunk": [...]}` response) or a legacy Gitter export (REST API message
//! objects, as a JSON array or one object per line). Which one is detected from the content.

mod gitter;
mod matrix;

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
    let err = |position: String, reason: String| SourceError {
        file: file.to_string(),
        position,
        reason,
    };
    // Exports saved by some Windows tools start with a byte-order mark; JSON has no room for it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let items = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items,
        Ok(Value::Object(mut obj)) => match obj.remove("chunk") {
            Some(Value::Array(items)) => items,
            _ if obj.contains_key("id") => vec![Value::Object(obj)],
            _ => {
                return Err(err(
                    "top level".into(),
                    "expected an array of events or messages, or {\"chunk\": [...]}".into(),
                ));
            }
        },
        Ok(_) => return Err(err("top level".into(), "expected a JSON array".into())),
        // Not one JSON value: maybe one object per line.
        Err(e) => ndjson(text).map_err(|(line, reason)| {
            if line == 1 {
                err(
                    format!("line {}, column {}", e.line(), e.column()),
                    e.to_string(),
                )
            } else {
                err(format!("line {line}"), reason)
            }
        })?,
    };
    let is_gitter = items.first().is_some_and(gitter::looks_like);
    if is_gitter {
        let stem = std::path::Path::new(file)
            .file_stem()
            .map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned());
        let events = items
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                gitter::convert(v, &stem).map_err(|r| err(format!("message {}", i + 1), r))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let room = RoomInfo {
            room_id: stem.clone(),
            alias: None,
            name: Some(stem),
        };
        return Ok(Parsed { room, events });
    }
    let (room, events) =
        matrix::convert(&items).map_err(|(i, r)| err(format!("event {}", i + 1), r))?;
    Ok(Parsed { room, events })
}

fn ndjson(text: &str) -> Result<Vec<Value>, (usize, String)> {
    let mut items = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        items.push(serde_json::from_str(line).map_err(|e| (i + 1, json_reason(&e)))?);
    }
    Ok(items)
}

/// serde_json's message without its own " at line L column C" (the position is given apart).
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_string()
}
