//! The reading loop behind [`super::parse_reader`]: a JSON array element by element (a serde
//! sequence visitor over the reader), anything else as a stream of values (one object, a
//! `{"chunk": [...]}` response, or NDJSON). No whole-file `String` or `Value` is ever built for
//! an array or NDJSON export.

use std::fmt;
use std::io::{BufRead, Read};

use serde::de::{self, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::error::Category;

use super::{Items, gitter, json_reason};
use crate::model::TimelineEvent;

/// (position, reason), made into a `SourceError` by the caller, who knows the file.
type Failure = (String, String);

type Sink<'s> = &'s mut dyn FnMut(TimelineEvent);

/// Skips a UTF-8 byte-order mark (some Windows tools write one; JSON has no room for it) and
/// returns the first byte that is not whitespace, when the first buffer holds one.
pub(super) fn skip_bom_and_peek<R: BufRead>(reader: &mut R) -> Result<Option<u8>, String> {
    let buf = reader.fill_buf().map_err(|e| e.to_string())?;
    if buf.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    let buf = reader.fill_buf().map_err(|e| e.to_string())?;
    Ok(buf.iter().copied().find(|b| !b.is_ascii_whitespace()))
}

/// A top-level array: the first element decides the format; Gitter messages after it are
/// deserialized typed, straight into their compact form.
pub(super) fn array<R: Read>(reader: R, stem: &str, sink: Sink<'_>) -> Result<Items, Failure> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut loader = Loader {
        stem,
        sink,
        count: 0,
        items: None,
        failed: None,
    };
    let res = de::Deserializer::deserialize_seq(&mut de, &mut loader).and_then(|()| de.end());
    if let Some(f) = loader.failed {
        return Err(f);
    }
    match res {
        Ok(()) => Ok(loader.items.unwrap_or(Items::Raw(Vec::new()))),
        Err(e) if e.classify() == Category::Data && matches!(loader.items, Some(Items::Gitter)) => {
            Err((format!("message {}", loader.count), json_reason(&e)))
        }
        Err(e) => Err(at(&e)),
    }
}

/// Not an array: one value (an object, or `{"chunk": [...]}`), or one object per line.
pub(super) fn values<R: Read>(reader: R, stem: &str, sink: Sink<'_>) -> Result<Items, Failure> {
    let mut it = serde_json::Deserializer::from_reader(reader).into_iter::<Value>();
    let first = match it.next() {
        None => return Ok(Items::Raw(Vec::new())),
        Some(Err(e)) => return Err(at(&e)),
        Some(Ok(v)) => v,
    };
    let second = match it.next() {
        None => return single(first, stem, sink),
        Some(Err(e)) => return Err(line(&e)),
        Some(Ok(v)) => v,
    };
    if !first.is_object() {
        return Err(top_level("expected a JSON array"));
    }
    let rest = it.map(|r| r.map_err(|e| line(&e)));
    if gitter::looks_like(&first) {
        for (i, v) in [Ok(first), Ok(second)].into_iter().chain(rest).enumerate() {
            sink(gitter_value(v?, stem, i + 1)?);
        }
        return Ok(Items::Gitter);
    }
    let items = [Ok(first), Ok(second)]
        .into_iter()
        .chain(rest)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Items::Raw(items))
}

fn single(v: Value, stem: &str, sink: Sink<'_>) -> Result<Items, Failure> {
    let items = match v {
        Value::Object(mut obj) => match obj.remove("chunk") {
            Some(Value::Array(items)) => items,
            _ if obj.contains_key("id") => vec![Value::Object(obj)],
            _ => {
                return Err(top_level(
                    "expected an array of events or messages, or {\"chunk\": [...]}",
                ));
            }
        },
        _ => return Err(top_level("expected a JSON array")),
    };
    if !items.first().is_some_and(gitter::looks_like) {
        return Ok(Items::Raw(items));
    }
    for (i, v) in items.into_iter().enumerate() {
        sink(gitter_value(v, stem, i + 1)?);
    }
    Ok(Items::Gitter)
}

fn gitter_value(v: Value, stem: &str, n: usize) -> Result<TimelineEvent, Failure> {
    gitter::convert(v, stem).map_err(|r| (format!("message {n}"), r))
}

fn top_level(reason: &str) -> Failure {
    ("top level".into(), reason.into())
}

/// A syntax error in one JSON value: where it is, serde_json's own words.
fn at(e: &serde_json::Error) -> Failure {
    (
        format!("line {}, column {}", e.line(), e.column()),
        e.to_string(),
    )
}

/// An error in one line of NDJSON.
fn line(e: &serde_json::Error) -> Failure {
    (format!("line {}", e.line()), json_reason(e))
}

struct Loader<'a> {
    stem: &'a str,
    sink: Sink<'a>,
    /// Elements started so far: the one that failed, when one does.
    count: usize,
    items: Option<Items>,
    /// A first element that is JSON but not a message (serde_json's error would lose why).
    failed: Option<Failure>,
}

impl<'de> Visitor<'de> for &mut Loader<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of events or messages")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.count = 1;
        let Some(first) = seq.next_element::<Value>()? else {
            return Ok(());
        };
        if !gitter::looks_like(&first) {
            let mut raw = vec![first];
            loop {
                self.count += 1;
                match seq.next_element::<Value>()? {
                    Some(v) => raw.push(v),
                    None => break,
                }
            }
            self.items = Some(Items::Raw(raw));
            return Ok(());
        }
        let first = match gitter::convert(first, self.stem) {
            Ok(e) => e,
            Err(r) => {
                self.failed = Some(("message 1".into(), r));
                return Err(de::Error::custom("not a message"));
            }
        };
        (self.sink)(first);
        self.items = Some(Items::Gitter);
        loop {
            self.count += 1;
            let Some(m) = seq.next_element::<gitter::Message>()? else {
                return Ok(());
            };
            (self.sink)(gitter::from_message(m, self.stem));
        }
    }
}
