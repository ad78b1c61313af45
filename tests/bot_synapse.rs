//! `roomscribe bot` against a real Synapse and the stand-in forum: commands answered once, as
//! the forum staff member who asked, as threaded replies; refusals and grammar errors; restarts
//! and outages; two rooms in one process.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use roomscribe_forum_standin::ForumStandin;
use roomscribe_testkit::{TestUser, encode, require_synapse};
use serde_json::Value;

/// Only a hang fails; never a speed assertion.
const PATIENCE: Duration = Duration::from_secs(90);

struct Bot {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Bot {
    fn start(forum: &ForumStandin, dir: &Path, homeserver: &str, token: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_roomscribe"))
            .arg("bot")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir)
            .env("ROOMSCRIBE_DATA_DIR", dir.join("data"))
            .env("ROOMSCRIBE_CONFIG_DIR", dir.join("config"))
            .env("ROOMSCRIBE_STATE_DIR", dir.join("state"))
            .env("ROOMSCRIBE_FORUM_URL", forum.base_url())
            .env("ROOMSCRIBE_FORUM_API_KEY", forum.admin_key())
            .env("ROOMSCRIBE_FORUM_USERNAME", "system")
            .env("ROOMSCRIBE_HOMESERVER", homeserver)
            .env("ROOMSCRIBE_MATRIX_TOKEN", token)
            .env("ROOMSCRIBE_TZ", "Europe/Berlin")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        for out in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits until `n` lines (since this process started) contain `what`.
    async fn wait_for(&mut self, what: &str, n: usize) {
        let lines = std::mem::replace(&mut self.lines, mpsc::channel().1);
        let mut seen = std::mem::take(&mut self.seen);
        let what_owned = what.to_string();
        let (ok, lines, seen) = tokio::task::spawn_blocking(move || {
            let deadline = std::time::Instant::now() + PATIENCE;
            loop {
                if seen.iter().filter(|l| l.contains(&what_owned)).count() >= n {
                    return (true, lines, seen);
                }
                let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) else {
                    return (false, lines, seen);
                };
                match lines.recv_timeout(left) {
                    Ok(line) => seen.push(line),
                    Err(_) => return (false, lines, seen),
                }
            }
        })
        .await
        .unwrap();
        self.lines = lines;
        self.seen = seen;
        assert!(
            ok,
            "the bot never printed {what:?} {n} times; it printed: {:#?}",
            self.seen
        );
    }

    /// SIGKILL: nothing is flushed or recorded on the way out.
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_config(dir: &Path, text: &str) {
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::write(dir.join("config/config.toml"), text).unwrap();
}

/// The room's messages, oldest first.
async fn messages(user: &TestUser, room_id: &str) -> Vec<Value> {
    let path = format!("/rooms/{}/messages?dir=b&limit=200", encode(room_id));
    let page = user.get(&path).await.unwrap();
    let mut out: Vec<Value> = page["chunk"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["type"] == "m.room.message")
        .cloned()
        .collect();
    out.reverse();
    out
}

async fn replies_from(user: &TestUser, room_id: &str, bot: &str) -> Vec<Value> {
    messages(user, room_id)
        .await
        .into_iter()
        .filter(|e| e["sender"] == bot)
        .collect()
}

fn reply_target(e: &Value) -> &str {
    e["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
        .as_str()
        .unwrap_or("")
}

fn body(e: &Value) -> &str {
    e["content"]["body"].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_command_publishes_once_as_them_others_are_refused_bad_commands_explained() {
    let Some(synapse) = require_synapse() else {
        return;
    };
    let forum = ForumStandin::start().await.unwrap();
    assert!(forum.add_user("modsy", false, true));
    let moderator = synapse.register("mod").await.unwrap();
    let bob = synapse.register("bob").await.unwrap();
    let carol = synapse.register("carol").await.unwrap();
    let bot_user = synapse.register("bot").await.unwrap();
    let room = moderator.create_room(None).await.unwrap();
    bob.join(&room).await.unwrap();
    carol.join(&room).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &format!(
            "[users]\n\"{}\" = \"modsy\"\n\"{}\" = \"alice\"\n\n[bot]\nrooms = [\"{room}\"]\ncooldown = \"0\"\n",
            moderator.user_id, carol.user_id
        ),
    );
    let mut bot = Bot::start(&forum, dir.path(), &synapse.url, &bot_user.access_token);
    bot.wait_for("room connected", 1).await;

    moderator
        .say(&room, "Message one from the moderator")
        .await
        .unwrap();
    bob.say(&room, "bob two is noise").await.unwrap();
    carol.say(&room, "Message three from carol").await.unwrap();
    bob.say(&room, "bob four is noise").await.unwrap();
    moderator
        .say(&room, "Message five, the last one")
        .await
        .unwrap();
    // Test users have unique names, so bob is named by his Matrix id.
    let ask = format!(
        "!transcript last:5 category:support ignore:{} title:\"Bot transcript of five\"",
        bob.user_id
    );
    let cmd = moderator.say(&room, &ask).await.unwrap();
    bot.wait_for(&format!("replied to {cmd}"), 1).await;

    let topics = forum.topics();
    assert_eq!(topics.len(), 1, "{topics:#?}");
    let t = &topics[0];
    assert_eq!(t.username, "modsy");
    assert_eq!(t.title, "Bot transcript of five");
    let post = &t.posts[0];
    for want in ["Message one", "Message three", "Message five"] {
        assert!(post.contains(want), "{want}: {post}");
    }
    assert!(
        !post.contains("bob two") && !post.contains("bob four"),
        "{post}"
    );
    assert!(!post.contains("!transcript"), "{post}");
    let replies = replies_from(&moderator, &room, &bot_user.user_id).await;
    assert_eq!(replies.len(), 1, "{replies:#?}");
    assert_eq!(reply_target(&replies[0]), cmd);
    assert!(
        body(&replies[0]).contains(&format!("/t/"))
            && body(&replies[0]).contains(&t.id.to_string()),
        "{replies:#?}"
    );
    assert_eq!(replies[0]["content"]["m.mentions"], serde_json::json!({}));

    // Someone who is not forum staff: a refusal, nothing published.
    let refused = carol
        .say(&room, "!transcript last:3 category:support")
        .await
        .unwrap();
    bot.wait_for(&format!("replied to {refused}"), 1).await;
    // A bad command: the grammar's own words, naming both tokens.
    let bad = moderator
        .say(&room, "!transcript last:5 from:10:00-11:00")
        .await
        .unwrap();
    bot.wait_for(&format!("replied to {bad}"), 1).await;
    let help = moderator.say(&room, "!transcript help").await.unwrap();
    bot.wait_for(&format!("replied to {help}"), 1).await;
    bot.kill();

    assert_eq!(forum.topics().len(), 1);
    let replies = replies_from(&moderator, &room, &bot_user.user_id).await;
    let to = |id: &str| {
        replies
            .iter()
            .filter(|r| reply_target(r) == id)
            .map(|r| body(r).to_string())
            .collect::<Vec<_>>()
    };
    let refusal = to(&refused);
    assert_eq!(refusal.len(), 1, "{replies:#?}");
    assert!(refusal[0].contains("only forum staff"), "{refusal:?}");
    let error = to(&bad);
    assert_eq!(error.len(), 1, "{replies:#?}");
    assert!(
        error[0].contains("last:5") && error[0].contains("from:10:00-11:00"),
        "{error:?}"
    );
    assert!(to(&help)[0].contains("preview"), "{replies:#?}");
    assert!(replies.iter().all(|r| !body(r).contains("@room")));
    for r in &replies { eprintln!("REPLY: {}", body(r)); }
}
