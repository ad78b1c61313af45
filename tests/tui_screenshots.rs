//! Regenerates `screenshots/*.svg` from real app states:
//! `cargo test -p roomscribe --test tui_screenshots -- --ignored`

mod tui_support;

use roomscribe::discourse::types::ForumEvent;
use roomscribe::transcript::model::{ChatEvent, ConnState};
use roomscribe::tui::Msg;
use tui_support::*;

#[test]
#[ignore = "writes screenshots/; run on purpose"]
fn write_screenshots() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let shot = |name: &str, app: &roomscribe::tui::App, light: bool| {
        std::fs::write(
            dir.join(format!("{name}.svg")),
            svg::svg(&render(app), light),
        )
        .unwrap();
    };
    let mut app = loaded("dark", 130, 32);
    keys(&mut app, "k k k k k k k [ j j j j j j ]");
    shot("room", &app, false);
    keys(&mut app, "e");
    shot("editor", &app, false);
    keys(&mut app, "ctrl-s tab");
    type_text(&mut app, "chat");
    shot("publish", &app, false);
    let mut app = loaded("dark", 130, 32);
    keys(&mut app, "tab tab f");
    shot("forward", &app, false);
    let mut app = loaded("light", 130, 32);
    keys(&mut app, "S ?");
    shot("help-light", &app, true);
    let mut app = loaded("high-contrast", 80, 24);
    keys(&mut app, "S");
    app.handle(Msg::Chat(ChatEvent::Connection(ConnState::Reconnecting {
        in_secs: 4,
        attempt: 2,
        why: "the homeserver answered 502 Bad Gateway".into(),
    })));
    app.handle(Msg::Forum(ForumEvent::Connection(ConnState::Offline {
        reason: "forum unreachable".into(),
    })));
    shot("tiny-high-contrast", &app, false);
}
