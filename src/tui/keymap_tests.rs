use super::*;

fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

#[test]
fn vim_keys_and_arrows_both_move() {
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    let none = KeyModifiers::NONE;
    assert_eq!(
        km.action(Mode::Normal, &ev(KeyCode::Char('j'), none)),
        Some(Action::Down)
    );
    assert_eq!(
        km.action(Mode::Normal, &ev(KeyCode::Down, none)),
        Some(Action::Down)
    );
    assert_eq!(
        km.action(Mode::Normal, &ev(KeyCode::Char('k'), none)),
        Some(Action::Up)
    );
    assert_eq!(
        km.action(Mode::Normal, &ev(KeyCode::Up, none)),
        Some(Action::Up)
    );
    assert_eq!(
        km.action(Mode::Normal, &ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
        Some(Action::Bottom)
    );
    assert_eq!(
        km.action(Mode::Normal, &ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
        Some(Action::FocusPrev)
    );
    // Text-entry modes leave printable keys to the field.
    assert_eq!(km.action(Mode::Editor, &ev(KeyCode::Char('j'), none)), None);
}

#[test]
fn overrides_replace_add_and_unbind() {
    let mut o = BTreeMap::new();
    o.insert("normal.ctrl-n".to_string(), "down".to_string());
    o.insert("normal.j".to_string(), "none".to_string());
    o.insert("editor.alt-p".to_string(), "toggle_preview".to_string());
    let km = Keymap::new(&o).unwrap();
    assert_eq!(
        km.action(Mode::Normal, &ev(KeyCode::Char('n'), KeyModifiers::CONTROL)),
        Some(Action::Down)
    );
    assert_eq!(
        km.action(Mode::Normal, &ev(KeyCode::Char('j'), KeyModifiers::NONE)),
        None
    );
    assert_eq!(
        km.action(Mode::Editor, &ev(KeyCode::Char('p'), KeyModifiers::ALT)),
        Some(Action::TogglePreview)
    );
}

#[test]
fn bad_overrides_are_one_line_errors() {
    for (k, v, want) in [
        ("nomode", "down", "mode.key"),
        ("weird.j", "down", "unknown mode weird"),
        ("normal.ctrl-", "down", "unknown key"),
        ("normal.j", "fly", "unknown action fly"),
    ] {
        let mut o = BTreeMap::new();
        o.insert(k.to_string(), v.to_string());
        let err = Keymap::new(&o).unwrap_err();
        assert!(err.contains(want), "{err}");
        assert!(!err.contains('\n'));
    }
}

#[test]
fn keys_round_trip_through_text() {
    for s in [
        "j",
        "G",
        "ctrl-d",
        "alt-r",
        "shift-f3",
        "pgdn",
        "enter",
        "space",
        "f1",
        "shift-tab",
        "?",
        ":",
    ] {
        let k = Key::parse(s).unwrap();
        assert_eq!(Key::parse(&k.to_string()), Some(k), "{s}");
    }
    assert_eq!(Key::parse("shift-g"), Key::parse("G"));
}

#[test]
fn every_default_parses_and_help_lists_every_mode() {
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    let rows = km.help_rows();
    for mode in Mode::ALL {
        assert!(rows.iter().any(|(m, _, _)| m == mode), "{mode:?}");
    }
    let quit = rows
        .iter()
        .find(|(m, _, a)| *m == Mode::Normal && *a == Action::Quit)
        .unwrap();
    assert_eq!(quit.1, "q ctrl-c");
}

#[test]
fn a_keymap_without_a_way_to_quit_is_refused() {
    let both: BTreeMap<String, String> = [("normal.q", "none"), ("normal.ctrl-c", "none")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let err = Keymap::new(&both).unwrap_err();
    assert!(err.starts_with("no key quits the app"), "{err}");
    assert!(!err.contains('\n'));
    let mut rebound = both.clone();
    rebound.insert("normal.ctrl-q".into(), "quit".into());
    assert!(Keymap::new(&rebound).is_ok());
    let one: BTreeMap<String, String> = [("normal.q".to_string(), "none".to_string())].into();
    assert!(Keymap::new(&one).is_ok());
}
