//! The one resolved options value, through the real binary: every command reads the same
//! config the same way (`gap = "1m30s"` works everywhere, absurd values are one-line usage
//! errors naming the key, exit 2, never a panic), and each secret command runs at most once
//! and only for the commands that need that very secret.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/crates/transcript/data/sample-room.json"
);

/// Nothing listens on port 9 (discard) here: connecting fails at once.
const DEAD: &str = "http://127.0.0.1:9";

const SECRETS: [&str; 4] = ["token", "password", "apikey", "userkey"];

/// Runs the binary; commands that retry forever (feed, watch) are stopped after a few seconds,
/// long after they resolved their options and secrets.
fn run(dir: &Path, config: &str, args: &[&str]) -> Output {
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    let (out, err) = (dir.join("stdout"), dir.join("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_roomscribe"))
        .arg("--config")
        .arg(&path)
        .args(args)
        .env("ROOMSCRIBE_DATA_DIR", dir.join("data"))
        .env("ROOMSCRIBE_STATE_DIR", dir.join("state"))
        .env("XDG_CONFIG_HOME", dir)
        .env("ROOMSCRIBE_TZ", "UTC")
        .env("BROWSER", "true")
        .env_remove("ROOMSCRIBE_MATRIX_PASSWORD")
        .env_remove("ROOMSCRIBE_MATRIX_TOKEN")
        .env_remove("ROOMSCRIBE_FORUM_API_KEY")
        .env_remove("ROOMSCRIBE_FORUM_USER_API_KEY")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(8);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: std::fs::read(&out).unwrap(),
        stderr: std::fs::read(&err).unwrap(),
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A config whose secret commands each append a line to their own counter file.
fn counting_config(dir: &Path, matrix: bool, forum_admin: bool, forum_user: bool) -> String {
    let cmd = |name: &str| {
        format!(
            "\"echo x >> '{}'; echo secret-{name}\"",
            dir.join(name).display()
        )
    };
    let mut c = format!("[matrix]\nhomeserver = \"{DEAD}\"\nuser = \"@bob:localhost\"\n");
    if matrix {
        c += &format!("access_token_command = {}\n", cmd("token"));
        c += &format!("password_command = {}\n", cmd("password"));
    }
    c += &format!("[forum]\nurl = \"{DEAD}\"\nusername = \"bob\"\n");
    if forum_admin {
        c += &format!("api_key_command = {}\n", cmd("apikey"));
    }
    if forum_user {
        c += &format!("user_api_key_command = {}\n", cmd("userkey"));
    }
    c + "[[rules]]\ncategory = \"support\"\nfilter = \"watch\"\nroom = \"org/room\"\n"
}

fn counts(dir: &Path) -> Vec<(&'static str, usize)> {
    SECRETS
        .iter()
        .map(|&n| {
            let lines = std::fs::read_to_string(dir.join(n)).map_or(0, |t| t.lines().count());
            (n, lines)
        })
        .collect()
}

fn expect(pairs: &[(&'static str, usize)]) -> Vec<(&'static str, usize)> {
    SECRETS
        .iter()
        .map(|&n| (n, pairs.iter().find(|(k, _)| *k == n).map_or(0, |p| p.1)))
        .collect()
}

/// (args, which secrets are configured (matrix, admin key, user key), runs expected).
type Case<'a> = (Vec<&'a str>, (bool, bool, bool), Vec<(&'static str, usize)>);

#[test]
fn each_command_runs_only_the_secret_commands_it_needs_once() {
    let draft = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(draft.path(), "hello").unwrap();
    let draft = draft.path().to_str().unwrap().to_string();
    let publish = ["publish", "--title", "T", "--category", "c", &draft];
    let cases: Vec<Case> = vec![
        (
            vec!["transcript", "-i", SAMPLE, "last:3"],
            (true, true, true),
            vec![],
        ),
        (
            vec!["login", "discourse", "--no-browser"],
            (true, true, true),
            vec![],
        ),
        (vec!["categories"], (true, true, true), vec![("apikey", 1)]),
        (
            vec!["categories"],
            (true, false, true),
            vec![("userkey", 1)],
        ),
        (vec!["feed"], (true, true, true), vec![("apikey", 1)]),
        (publish.to_vec(), (true, true, true), vec![("apikey", 1)]),
        (
            vec!["transcript", "-i", SAMPLE, "last:3", "--publish"],
            (true, true, true),
            vec![("apikey", 1)],
        ),
        (
            vec!["tail", "org/room"],
            (true, true, true),
            vec![("token", 1)],
        ),
        (
            vec!["transcript", "org/room", "last:3"],
            (true, true, true),
            vec![("token", 1)],
        ),
        (
            vec!["watch", "org/room"],
            (true, true, true),
            vec![("apikey", 1), ("token", 1)],
        ),
        // The app connects to both services, each secret once (it used to resolve twice).
        (
            vec!["tui", "org/room"],
            (true, true, true),
            vec![("apikey", 1), ("token", 1)],
        ),
        (vec!["demo"], (true, true, true), vec![]),
    ];
    for (args, (m, a, u), want) in cases {
        let dir = tempfile::tempdir().unwrap();
        let o = run(dir.path(), &counting_config(dir.path(), m, a, u), &args);
        assert_eq!(
            counts(dir.path()),
            expect(&want),
            "{args:?}: {}",
            stderr(&o)
        );
        assert!(!stderr(&o).contains("secret-"), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn without_a_token_the_password_command_runs_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = counting_config(dir.path(), true, false, false)
        .replace("access_token_command", "# access_token_command");
    let o = run(dir.path(), &config, &["tail", "org/room"]);
    assert_eq!(
        counts(dir.path()),
        expect(&[("password", 1)]),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("secret-password"));
}

const EVERY_COMMAND: &[&[&str]] = &[
    &["transcript", "-i", SAMPLE, "last:3"],
    &["tui", "org/room"],
    &["org/room"],
    &["demo"],
    &["tail", "org/room"],
    &["feed"],
    &["watch", "org/room"],
    &["categories"],
    &["publish", "--title", "T", "--category", "c", "-"],
    &["login", "matrix"],
    &["login", "discourse"],
];

#[test]
fn absurd_config_values_are_one_line_usage_errors_in_every_command() {
    let bad = [
        (
            "[transcript]\ngap = \"9999999999999h\"\n",
            "roomscribe: transcript.gap: 9999999999999h is too long (at most 7 days)",
        ),
        (
            "[transcript]\ngap = \"5 parsecs\"\n",
            "roomscribe: transcript.gap: ",
        ),
        (
            "timezone = \"Mars/Base\"\n",
            "roomscribe: timezone: unknown time zone \"Mars/Base\"",
        ),
        (
            "[transcript]\ntemplate = \"/nonexistent/t.toml\"\n",
            "roomscribe: transcript.template /nonexistent/t.toml: ",
        ),
        (
            "[keys]\n\"normal.q\" = \"none\"\n\"normal.ctrl-c\" = \"none\"\n",
            "roomscribe: [keys]: no key quits the app",
        ),
        ("theme = \"dark\"\n[transcript]\ngap = 5\n", "line 3: "),
    ];
    for (config, want) in bad {
        for args in EVERY_COMMAND {
            let dir = tempfile::tempdir().unwrap();
            let o = run(dir.path(), config, args);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{args:?} {config:?}: {err}");
            assert!(err.contains(want), "{args:?} {config:?}: {err}");
            assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
}

#[test]
fn a_compound_gap_works_in_every_command() {
    for args in EVERY_COMMAND {
        let dir = tempfile::tempdir().unwrap();
        let config = format!("[transcript]\ngap = \"1m30s\"\n[matrix]\nhomeserver = \"{DEAD}\"\n");
        let o = run(dir.path(), &config, args);
        let err = stderr(&o);
        assert!(!err.contains("gap"), "{args:?}: {err}");
        assert_ne!(o.status.code(), Some(2), "{args:?}: {err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        "[transcript]\ngap = \"1m30s\"\n",
        &["transcript", "-i", SAMPLE, "last:3"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_password_in_the_homeserver_url_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let config = "[matrix]\nhomeserver = \"http://moderator:hunter2@127.0.0.1:9/\"\n";
    for args in [
        &["--matrix-token", "t", "tail", "org/room"][..],
        &["login", "matrix"][..],
    ] {
        let o = run(dir.path(), config, args);
        let log =
            std::fs::read_to_string(dir.path().join("state/roomscribe.log")).unwrap_or_default();
        for text in [
            stderr(&o),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            log,
        ] {
            assert!(!text.contains("hunter2"), "{args:?}: {text}");
        }
        assert!(stderr(&o).contains("127.0.0.1:9"), "{}", stderr(&o));
    }
}

#[cfg(unix)]
#[test]
fn the_log_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), "", &["transcript", "-i", SAMPLE, "last:3"]);
    let log = dir.path().join("state/roomscribe.log");
    let mode = std::fs::metadata(&log).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}
