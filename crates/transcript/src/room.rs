//! Every way a user names a room: `org/room` (Gitter), `https://gitter.im/org/room`,
//! `#alias:server`, `!id:server` (or a server-less `!id`), and matrix.to links, optionally
//! pointing at an event and carrying `?via=` servers.

use std::fmt;
use std::str::FromStr;

/// The homeserver that hosts every Gitter room.
pub const GITTER_SERVER: &str = "gitter.im";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomRef {
    Alias {
        /// `#localpart:server`
        alias: String,
        via: Vec<String>,
        event_id: Option<String>,
    },
    Id {
        /// `!opaque:server` or, from room version 12, just `!opaque`.
        id: String,
        via: Vec<String>,
        event_id: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("room {input:?}: {reason}")]
pub struct RoomError {
    pub input: String,
    pub reason: String,
}

const FORMS: &str =
    "use org/room, https://gitter.im/org/room, #alias:server, !id:server or a matrix.to link";

impl RoomRef {
    pub fn parse(input: &str) -> Result<Self, RoomError> {
        let err = |reason: String| RoomError {
            input: input.to_string(),
            reason,
        };
        let s = input.trim();
        if s.is_empty() {
            return Err(err(format!("empty ({FORMS})")));
        }
        if let Some(rest) = strip_scheme(s).and_then(|r| r.strip_prefix("matrix.to/")) {
            return matrix_to(rest).map_err(err);
        }
        if let Some(host_path) = strip_scheme(s) {
            return gitter_url(host_path).map_err(err);
        }
        if s.starts_with('#') || s.starts_with('!') {
            return identifier(s, Vec::new(), None).map_err(err);
        }
        gitter_name_to_ref(s).map_err(err)
    }

    /// The alias or room id, as the Matrix API takes it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Alias { alias, .. } => alias,
            Self::Id { id, .. } => id,
        }
    }

    pub fn event_id(&self) -> Option<&str> {
        match self {
            Self::Alias { event_id, .. } | Self::Id { event_id, .. } => event_id.as_deref(),
        }
    }

    pub fn via(&self) -> &[String] {
        match self {
            Self::Alias { via, .. } | Self::Id { via, .. } => via,
        }
    }
}

impl FromStr for RoomRef {
    type Err = RoomError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for RoomRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `org/room` for a Gitter alias `#org_room:gitter.im` (the first `_` was the `/`: GitHub
/// organisation names cannot contain one).
pub fn gitter_room_name(alias: &str) -> Option<String> {
    let local = alias.strip_prefix('#')?.strip_suffix(":gitter.im")?;
    let (org, room) = local.split_once('_')?;
    (!org.is_empty() && !room.is_empty()).then(|| format!("{org}/{room}"))
}

fn strip_scheme(s: &str) -> Option<&str> {
    s.strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
}

fn gitter_name_to_ref(s: &str) -> Result<RoomRef, String> {
    let parts: Vec<&str> = s.split('/').collect();
    let valid = |p: &&str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if !(2..=3).contains(&parts.len()) || !parts.iter().all(valid) {
        return Err(format!("not a room name ({FORMS})"));
    }
    Ok(RoomRef::Alias {
        alias: format!("#{}:{GITTER_SERVER}", parts.join("_")),
        via: Vec::new(),
        event_id: None,
    })
}

fn gitter_url(host_path: &str) -> Result<RoomRef, String> {
    let (host, rest) = host_path.split_once('/').unwrap_or((host_path, ""));
    match host {
        "gitter.im" | "www.gitter.im" => {
            let path = rest.split(['?', '#']).next().unwrap_or("");
            gitter_name_to_ref(path.trim_end_matches('/'))
        }
        // Element-on-Gitter links: https://app.gitter.im/#/room/#org_room:gitter.im
        "app.gitter.im" => {
            let frag = rest.strip_prefix("#/room/").ok_or("not a room link")?;
            link_target(frag)
        }
        _ => Err(format!("{host} is not gitter.im or matrix.to ({FORMS})")),
    }
}

fn matrix_to(rest: &str) -> Result<RoomRef, String> {
    let frag = rest
        .strip_prefix("#/")
        .ok_or("a matrix.to link looks like https://matrix.to/#/#alias:server")?;
    link_target(frag)
}

/// `ROOM[/EVENT][?via=a&via=b]`, each part possibly percent-encoded.
fn link_target(frag: &str) -> Result<RoomRef, String> {
    let (path, query) = frag.split_once('?').unwrap_or((frag, ""));
    let via = query
        .split('&')
        .filter_map(|kv| kv.strip_prefix("via="))
        .map(percent_decode)
        .collect::<Result<Vec<_>, _>>()?;
    let (room, event) = match path.split_once('/') {
        Some((r, e)) => (r, Some(e.trim_end_matches('/'))),
        None => (path, None),
    };
    let room = percent_decode(room)?;
    let event = match event.filter(|e| !e.is_empty()) {
        Some(e) => {
            let e = percent_decode(e)?;
            if !e.starts_with('$') || e.len() < 2 {
                return Err(format!("{e:?} is not an event id (it starts with $)"));
            }
            Some(e)
        }
        None => None,
    };
    identifier(&room, via, event)
}

fn identifier(s: &str, via: Vec<String>, event_id: Option<String>) -> Result<RoomRef, String> {
    let bad = |what: &str| format!("{what} ({FORMS})");
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("contains spaces"));
    }
    if let Some(local) = s.strip_prefix('#') {
        return match local.split_once(':') {
            Some((l, server)) if !l.is_empty() && !server.is_empty() => Ok(RoomRef::Alias {
                alias: s.to_string(),
                via,
                event_id,
            }),
            _ => Err(bad("an alias needs a server: #name:server")),
        };
    }
    if let Some(local) = s.strip_prefix('!') {
        let ok = match local.split_once(':') {
            Some((l, server)) => !l.is_empty() && !server.is_empty(),
            None => !local.is_empty(),
        };
        return if ok {
            Ok(RoomRef::Id {
                id: s.to_string(),
                via,
                event_id,
            })
        } else {
            Err(bad("a room id looks like !id:server"))
        };
    }
    Err(bad("not a room alias or id"))
}

/// The crate decodes leniently (a stray `%` stays as it is); a link with a broken escape is
/// more likely mistyped, so it is refused with a reason first.
fn percent_decode(s: &str) -> Result<String, String> {
    let broken = s.match_indices('%').any(|(i, _)| {
        s.as_bytes()
            .get(i + 1..i + 3)
            .is_none_or(|h| !h.iter().all(u8::is_ascii_hexdigit))
    });
    if broken {
        return Err(format!("bad percent escape in {s:?}"));
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| format!("{s:?} is not UTF-8 after decoding"))
}
