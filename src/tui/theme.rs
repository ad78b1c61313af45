//! Named style roles loaded from `themes/*.toml`. Widgets ask for a role, never for a colour.
//! Built-in themes are embedded; a file `<config dir>/themes/NAME.toml` overrides or adds one,
//! and may set only some roles (the rest come from the built-in theme of that name, or dark).

use std::collections::HashMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

const BUILT_IN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

macro_rules! roles {
    ($($variant:ident = $text:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Role { $($variant,)* }
        impl Role {
            pub const ALL: &'static [Role] = &[$(Role::$variant,)*];
            pub fn name(self) -> &'static str { match self { $(Role::$variant => $text,)* } }
        }
    };
}

roles!(
    Text = "text",
    Dim = "dim",
    Border = "border",
    BorderFocus = "border.focus",
    Title = "title",
    Selection = "selection",
    Cursor = "cursor",
    Ignored = "ignored",
    Time = "timeline.time",
    Day = "timeline.day",
    Reply = "timeline.reply",
    Emote = "timeline.emote",
    Notice = "timeline.notice",
    Media = "timeline.media",
    Redacted = "timeline.redacted",
    Edited = "timeline.edited",
    Progress = "timeline.progress",
    StatusBar = "status.bar",
    StatusOk = "status.ok",
    StatusWarn = "status.warn",
    StatusErr = "status.err",
    Mode = "status.mode",
    Route = "sidebar.route",
    Forwarded = "sidebar.forwarded",
    Dialog = "dialog",
    DialogTitle = "dialog.title",
    Input = "input",
    Key = "help.key",
    Match = "search.match",
);

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    palette: Palette,
    #[serde(default)]
    roles: HashMap<String, StyleSpec>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Palette {
    #[serde(default)]
    sender: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
}

#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    styles: HashMap<Role, Style>,
    senders: Vec<Color>,
}

impl Theme {
    /// A built-in or user theme by name (`None`: dark).
    pub fn load(name: Option<&str>, user_dir: &Path) -> Result<Self, String> {
        let name = name.unwrap_or("dark");
        let built_in = BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t);
        let user_path = user_dir.join(format!("{name}.toml"));
        let user = match std::fs::read_to_string(&user_path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("theme {}: {e}", user_path.display())),
        };
        if built_in.is_none() && user.is_none() {
            return Err(format!(
                "unknown theme {name} (built-in: dark, light, high-contrast; or add {})",
                user_path.display()
            ));
        }
        let mut theme = Self::parse(name, built_in.unwrap_or(BUILT_IN[0].1))?;
        if let Some(text) = user {
            theme
                .apply(&text)
                .map_err(|e| format!("theme {}: {e}", user_path.display()))?;
        }
        Ok(theme)
    }

    pub fn built_in(name: &str) -> Self {
        let text = BUILT_IN
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(BUILT_IN[0].1, |(_, t)| *t);
        Self::parse(name, text).unwrap_or_else(|_| Self::plain())
    }

    pub fn names() -> impl Iterator<Item = &'static str> {
        BUILT_IN.iter().map(|(n, _)| *n)
    }

    fn plain() -> Self {
        Self {
            name: "plain".into(),
            styles: HashMap::new(),
            senders: vec![Color::Reset],
        }
    }

    fn parse(name: &str, text: &str) -> Result<Self, String> {
        let mut t = Self {
            name: name.to_string(),
            ..Self::plain()
        };
        t.apply(text)?;
        Ok(t)
    }

    fn apply(&mut self, text: &str) -> Result<(), String> {
        let file: File = toml::from_str(text).map_err(|e| e.message().to_string())?;
        for (key, spec) in file.roles {
            let role = Role::ALL
                .iter()
                .find(|r| r.name() == key)
                .ok_or_else(|| format!("unknown role {key}"))?;
            self.styles.insert(*role, spec.style()?);
        }
        if !file.palette.sender.is_empty() {
            self.senders = file
                .palette
                .sender
                .iter()
                .map(|c| color(c))
                .collect::<Result<_, _>>()?;
        }
        Ok(())
    }

    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }

    pub fn defines(&self, role: Role) -> bool {
        self.styles.contains_key(&role)
    }

    /// A stable colour per user: the same sender always gets the same palette entry.
    pub fn sender(&self, user_id: &str) -> Style {
        // The workspace's one stable hash: the same colour in every run and on every platform.
        let h = roomscribe_transcript::strings::fnv1a(user_id.as_bytes());
        let n = self.senders.len().max(1) as u64;
        let c = self
            .senders
            .get((h % n) as usize)
            .copied()
            .unwrap_or(Color::Reset);
        self.style(Role::Text).fg(c).add_modifier(Modifier::BOLD)
    }
}

impl StyleSpec {
    fn style(&self) -> Result<Style, String> {
        let mut s = Style::default();
        if let Some(fg) = &self.fg {
            s = s.fg(color(fg)?);
        }
        if let Some(bg) = &self.bg {
            s = s.bg(color(bg)?);
        }
        for (on, m) in [
            (self.bold, Modifier::BOLD),
            (self.italic, Modifier::ITALIC),
            (self.dim, Modifier::DIM),
            (self.underline, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
        ] {
            if on {
                s = s.add_modifier(m);
            }
        }
        Ok(s)
    }
}

fn color(s: &str) -> Result<Color, String> {
    s.parse::<Color>().map_err(|_| format!("bad colour {s}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_themes_define_every_role() {
        for name in Theme::names() {
            let t = Theme::load(Some(name), Path::new("/nonexistent")).unwrap();
            for role in Role::ALL {
                assert!(t.defines(*role), "{name} lacks {}", role.name());
            }
            assert!(t.senders.len() >= 6, "{name}");
        }
    }

    #[test]
    fn sender_colour_is_stable_and_spread() {
        let t = Theme::built_in("dark");
        // Fixed answers: a change of hash or palette order shows here, not only in screenshots.
        assert_eq!(
            t.sender("@bob:gitter.im").fg,
            Some(Color::Rgb(97, 175, 239))
        );
        assert_eq!(
            t.sender("@mara:gitter.im").fg,
            Some(Color::Rgb(169, 183, 255))
        );
        let distinct: std::collections::HashSet<_> =
            ["@a:x", "@b:x", "@c:x", "@d:x", "@e:x", "@f:x"]
                .iter()
                .map(|u| t.sender(u).fg)
                .collect();
        assert!(distinct.len() >= 3);
    }

    #[test]
    fn user_file_overrides_some_roles() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("dark.toml"),
            "[roles]\nselection = { bg = \"#102030\" }\n",
        )
        .unwrap();
        let t = Theme::load(Some("dark"), dir.path()).unwrap();
        assert_eq!(
            t.style(Role::Selection).bg,
            Some(Color::Rgb(0x10, 0x20, 0x30))
        );
        assert!(t.defines(Role::StatusErr));
        std::fs::write(
            dir.path().join("bad.toml"),
            "[roles]\nnope = { fg = \"red\" }\n",
        )
        .unwrap();
        let err = Theme::load(Some("bad"), dir.path()).unwrap_err();
        assert!(err.contains("unknown role nope"), "{err}");
        assert!(
            Theme::load(Some("missing"), dir.path())
                .unwrap_err()
                .contains("unknown theme")
        );
    }
}
