//! Every way to name a room.

use roomscribe_transcript::RoomRef;
use roomscribe_transcript::room::gitter_room_name;

fn alias(a: &str) -> RoomRef {
    RoomRef::Alias {
        alias: a.into(),
        via: vec![],
        event_id: None,
    }
}

#[test]
fn gitter_forms() {
    let want = alias("#gitterHQ_services:gitter.im");
    for input in [
        "gitterHQ/services",
        " gitterHQ/services ",
        "https://gitter.im/gitterHQ/services",
        "https://gitter.im/gitterHQ/services/",
        "http://gitter.im/gitterHQ/services?at=5c7d2a9e1b2c3d4e5f601a01",
        "https://app.gitter.im/#/room/#gitterHQ_services:gitter.im",
        "#gitterHQ_services:gitter.im",
    ] {
        assert_eq!(RoomRef::parse(input), Ok(want.clone()), "{input}");
    }
    assert_eq!(
        gitter_room_name("#gitterHQ_services:gitter.im").as_deref(),
        Some("gitterHQ/services")
    );
    assert_eq!(gitter_room_name("#rust:matrix.org"), None);
}

#[test]
fn matrix_forms() {
    assert_eq!(
        RoomRef::parse("!OGEhHVWSdvArJzumhm:matrix.org"),
        Ok(RoomRef::Id {
            id: "!OGEhHVWSdvArJzumhm:matrix.org".into(),
            via: vec![],
            event_id: None
        })
    );
    // Room version 12 ids have no server part.
    assert!(matches!(
        RoomRef::parse("!Nf3kq0aB9sWcpV1"),
        Ok(RoomRef::Id { .. })
    ));
    assert_eq!(
        RoomRef::parse("https://matrix.to/#/#rust:matrix.org"),
        Ok(alias("#rust:matrix.org"))
    );
    assert_eq!(
        RoomRef::parse("https://matrix.to/#/%23rust%3Amatrix.org"),
        Ok(alias("#rust:matrix.org"))
    );
    let r =
        RoomRef::parse("https://matrix.to/#/!abc:gitter.im/$ev_id-1?via=gitter.im&via=matrix.org")
            .unwrap();
    assert_eq!(r.as_str(), "!abc:gitter.im");
    assert_eq!(r.event_id(), Some("$ev_id-1"));
    assert_eq!(r.via(), ["gitter.im", "matrix.org"]);
    assert_eq!(r.to_string(), "!abc:gitter.im");
}

#[test]
fn errors_are_one_line_and_say_what_to_use() {
    for (input, why) in [
        ("", "empty"),
        ("services", "not a room name"),
        ("a/b/c/d", "not a room name"),
        ("org/room with space", "not a room name"),
        ("#nohost", "needs a server"),
        ("#:gitter.im", "needs a server"),
        ("!", "looks like !id:server"),
        ("https://example.com/x/y", "not gitter.im or matrix.to"),
        ("https://matrix.to/rust", "looks like https://matrix.to/#/"),
        ("https://matrix.to/#/#a:b/notanevent", "not an event id"),
        ("https://matrix.to/#/%2", "bad percent escape"),
        ("https://matrix.to/#/%FF%FE", "not UTF-8"),
        ("@bob:gitter.im", "not a room"),
    ] {
        let e = RoomRef::parse(input).expect_err(input).to_string();
        assert!(e.contains(why), "{input}: {e}");
        assert!(!e.contains('\n'));
    }
}
