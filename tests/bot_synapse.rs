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
        Self::start_with(forum, dir, homeserver, token, &[])
    }

    fn start_with(
        forum: &ForumStandin,
        dir: &Path,
        homeserver: &str,
        token: &str,
        rooms: &[&str],
    ) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_roomscribe"))
            .arg("bot")
            .args(rooms)
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
        body(&replies[0]).contains("/t/") && body(&replies[0]).contains(&t.id.to_string()),
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
}

/// Waits until the bot has stored a sync position; returns the record.
async fn stored_record(dir: &Path) -> Value {
    let path = dir.join("data/bot.json");
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let rec = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
        if let Some(rec) = rec.filter(|r| r["position"].is_string()) {
            return rec;
        }
        assert!(std::time::Instant::now() < deadline, "no position stored");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

struct Room {
    forum: ForumStandin,
    moderator: TestUser,
    bot_user: TestUser,
    room: String,
    dir: tempfile::TempDir,
}

async fn setup(extra_config: &str) -> Option<(roomscribe_testkit::Synapse, Room)> {
    let synapse = require_synapse()?;
    let forum = ForumStandin::start().await.unwrap();
    assert!(forum.add_user("modsy", false, true));
    let moderator = synapse.register("mod").await.unwrap();
    let bot_user = synapse.register("bot").await.unwrap();
    let room = moderator.create_room(None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &format!(
            "[users]\n\"{}\" = \"modsy\"\n\n[bot]\nrooms = [\"{room}\"]\ncooldown = \"0\"\n{extra_config}",
            moderator.user_id
        ),
    );
    Some((
        synapse.clone(),
        Room {
            forum,
            moderator,
            bot_user,
            room,
            dir,
        },
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_right_after_the_forum_committed_the_restart_adopts_the_topic_and_replies_once() {
    let Some((synapse, r)) = setup("").await else {
        return;
    };
    let start = || {
        Bot::start(
            &r.forum,
            r.dir.path(),
            &synapse.url,
            &r.bot_user.access_token,
        )
    };
    let mut bot = start();
    bot.wait_for("room connected", 1).await;
    let before = stored_record(r.dir.path()).await;
    for i in 1..=3 {
        r.moderator
            .say(&r.room, &format!("Line {i} of the outage talk"))
            .await
            .unwrap();
    }
    let title = "Outage talk kept exactly once";
    let cmd = r
        .moderator
        .say(
            &r.room,
            &format!("!transcript last:3 category:support title:\"{title}\""),
        )
        .await
        .unwrap();
    bot.wait_for(&format!("replied to {cmd}"), 1).await;
    bot.kill();

    // As if the kill came after the forum committed and before anything else was recorded:
    // the position is from before the command and the command is still "publishing".
    let mut rec = before;
    rec["commands"][&cmd] = serde_json::json!({
        "room": r.room, "ts": "2020-01-01T00:00:00Z",
        "stage": {"stage": "publishing", "forum_user": "modsy", "title": title,
                  "raw": "lost with the process", "category_id": 2, "tags": [], "note": ""}
    });
    std::fs::write(r.dir.path().join("data/bot.json"), rec.to_string()).unwrap();
    let mut bot = start();
    bot.wait_for(&format!("replied to {cmd}"), 1).await;
    bot.kill();

    let topics = r.forum.topics();
    assert_eq!(topics.len(), 1, "{topics:#?}");
    let replies = replies_from(&r.moderator, &r.room, &r.bot_user.user_id).await;
    assert_eq!(replies.len(), 1, "{replies:#?}");
    assert!(
        body(&replies[0]).contains(&format!("/{}", topics[0].id)),
        "{replies:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_sent_while_stopped_are_handled_once_and_old_ones_expire() {
    let Some((synapse, r)) = setup("max_age = \"8s\"\n").await else {
        return;
    };
    let start = || {
        Bot::start(
            &r.forum,
            r.dir.path(),
            &synapse.url,
            &r.bot_user.access_token,
        )
    };
    let mut bot = start();
    bot.wait_for("room connected", 1).await;
    stored_record(r.dir.path()).await;
    bot.kill();

    r.moderator
        .say(&r.room, "Said while the bot is down, early")
        .await
        .unwrap();
    let old = r
        .moderator
        .say(
            &r.room,
            "!transcript last:1 category:support title:\"This old command expires\"",
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(9)).await;
    r.moderator
        .say(&r.room, "Said while the bot is down, later")
        .await
        .unwrap();
    let fresh = r
        .moderator
        .say(
            &r.room,
            "!transcript last:1 category:support title:\"Sent while the bot was down\"",
        )
        .await
        .unwrap();
    let mut bot = start();
    bot.wait_for(&format!("replied to {old}"), 1).await;
    bot.wait_for(&format!("replied to {fresh}"), 1).await;
    bot.kill();
    // Once more: nothing is handled twice.
    let mut bot = start();
    bot.wait_for("room connected", 1).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    bot.kill();

    let topics = r.forum.topics();
    assert_eq!(topics.len(), 1, "{topics:#?}");
    assert_eq!(topics[0].title, "Sent while the bot was down");
    assert!(topics[0].posts[0].contains("down, later"), "{topics:#?}");
    let replies = replies_from(&r.moderator, &r.room, &r.bot_user.user_id).await;
    assert_eq!(replies.len(), 2, "{replies:#?}");
    let to_old: Vec<_> = replies.iter().filter(|e| reply_target(e) == old).collect();
    assert_eq!(to_old.len(), 1);
    assert!(body(to_old[0]).contains("expired"), "{to_old:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_selects_from_its_message_and_a_thread_selects_the_thread() {
    let Some((synapse, r)) = setup("").await else {
        return;
    };
    let mut bot = Bot::start(
        &r.forum,
        r.dir.path(),
        &synapse.url,
        &r.bot_user.access_token,
    );
    bot.wait_for("room connected", 1).await;
    let m = &r.moderator;
    m.say(&r.room, "Before the start, left out").await.unwrap();
    let start = m.say(&r.room, "The start of the story").await.unwrap();
    m.say(&r.room, "The end of the story").await.unwrap();
    let by_reply = m
        .send(
            &r.room,
            "m.room.message",
            serde_json::json!({"msgtype": "m.text",
                "body": "> <@x:localhost> The start of the story\n\n!transcript category:support title:\"Selected by a reply\"",
                "m.relates_to": {"m.in_reply_to": {"event_id": start}}}),
        )
        .await
        .unwrap();
    bot.wait_for(&format!("replied to {by_reply}"), 1).await;

    let root = m.say(&r.room, "Thread root about caching").await.unwrap();
    let in_thread = |body: &str| {
        serde_json::json!({"msgtype": "m.text", "body": body,
            "m.relates_to": {"rel_type": "m.thread", "event_id": root, "is_falling_back": true,
                             "m.in_reply_to": {"event_id": root}}})
    };
    m.send(
        &r.room,
        "m.room.message",
        in_thread("Caching reply inside the thread"),
    )
    .await
    .unwrap();
    m.say(&r.room, "Main timeline chatter, not in the thread")
        .await
        .unwrap();
    let thread_cmd = m
        .send(
            &r.room,
            "m.room.message",
            in_thread("!transcript category:support title:\"Selected by a thread\""),
        )
        .await
        .unwrap();
    bot.wait_for(&format!("replied to {thread_cmd}"), 1).await;
    bot.kill();

    let topics = r.forum.topics();
    let post = |t: &str| {
        topics
            .iter()
            .find(|x| x.title == t)
            .map(|x| x.posts[0].clone())
            .unwrap_or_else(|| panic!("no topic {t}: {topics:#?}"))
    };
    let p = post("Selected by a reply");
    assert!(p.contains("The start") && p.contains("The end"), "{p}");
    assert!(
        !p.contains("Before the start") && !p.contains("!transcript"),
        "{p}"
    );
    let p = post("Selected by a thread");
    assert!(
        p.contains("Thread root") && p.contains("Caching reply"),
        "{p}"
    );
    assert!(
        !p.contains("Main timeline") && !p.contains("The end"),
        "{p}"
    );
    let replies = replies_from(&r.moderator, &r.room, &r.bot_user.user_id).await;
    let threaded = replies
        .iter()
        .find(|e| reply_target(e) == thread_cmd)
        .unwrap();
    assert_eq!(threaded["content"]["m.relates_to"]["rel_type"], "m.thread");
    assert_eq!(
        threaded["content"]["m.relates_to"]["event_id"],
        root.as_str()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_rooms_in_one_process_each_get_their_own_answers_and_notices() {
    let Some(synapse) = require_synapse() else {
        return;
    };
    let forum = ForumStandin::start().await.unwrap();
    assert!(forum.add_user("modsy", false, true));
    let moderator = synapse.register("mod").await.unwrap();
    let bot_user = synapse.register("bot").await.unwrap();
    let a = moderator.create_room(None).await.unwrap();
    let b = moderator.create_room(None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &format!(
            "[users]\n\"{}\" = \"modsy\"\n\n[bot]\nrooms = [\"{a}\"]\ncooldown = \"0\"\n\n\
             [[rules]]\ncategory = \"support\"\nfilter = \"watch\"\nroom = \"{a}\"\n\n\
             [[rules]]\ncategory = \"dev\"\nfilter = \"watch\"\nroom = \"{b}\"\n",
            moderator.user_id
        ),
    );
    // Room b comes from the command line, room a from the config.
    let mut bot = Bot::start_with(
        &forum,
        dir.path(),
        &synapse.url,
        &bot_user.access_token,
        &[&b],
    );
    bot.wait_for("room connected", 1).await;
    bot.wait_for("forum connected", 1).await;
    moderator.say(&a, "Room A says hello").await.unwrap();
    moderator.say(&b, "Room B says hello").await.unwrap();
    let cmd_a = moderator
        .say(
            &a,
            "!transcript last:1 category:support title:\"Room A transcript here\"",
        )
        .await
        .unwrap();
    let cmd_b = moderator
        .say(
            &b,
            "!transcript preview last:1 category:support title:\"Room B preview here\"",
        )
        .await
        .unwrap();
    bot.wait_for(&format!("replied to {cmd_a}"), 1).await;
    bot.wait_for(&format!("replied to {cmd_b}"), 1).await;
    forum
        .publish_post_as(
            "alice",
            None,
            "Support news for room A",
            "Only room A gets this.",
            2,
            &[],
        )
        .unwrap();
    forum
        .publish_post_as(
            "bob",
            None,
            "Dev news for room B",
            "Only room B gets this one.",
            4,
            &[],
        )
        .unwrap();
    bot.wait_for("forwarded: Support news for room A", 1).await;
    bot.wait_for("forwarded: Dev news for room B", 1).await;
    bot.kill();

    let topics = forum.topics();
    let mine: Vec<_> = topics.iter().filter(|t| t.username == "modsy").collect();
    assert_eq!(mine.len(), 1, "{topics:#?}");
    assert!(mine[0].posts[0].contains("Room A says") && !mine[0].posts[0].contains("Room B"));
    let in_a = replies_from(&moderator, &a, &bot_user.user_id).await;
    let in_b = replies_from(&moderator, &b, &bot_user.user_id).await;
    let bodies = |v: &[Value]| v.iter().map(|e| body(e).to_string()).collect::<Vec<_>>();
    let (ba, bb) = (bodies(&in_a), bodies(&in_b));
    // Room a: the reply, the support notice and the notice of the new transcript topic itself
    // (it is in support too); room b: the preview reply and the dev notice.
    assert_eq!(in_a.len(), 3, "{ba:#?}");
    assert_eq!(in_b.len(), 2, "{bb:#?}");
    assert!(in_a.iter().any(|e| reply_target(e) == cmd_a));
    assert!(
        in_b.iter()
            .any(|e| reply_target(e) == cmd_b && body(e).contains("/new-topic?"))
    );
    assert!(
        ba.iter().any(|x| x.contains("Support news")) && !ba.iter().any(|x| x.contains("Dev news"))
    );
    assert!(
        bb.iter().any(|x| x.contains("Dev news")) && !bb.iter().any(|x| x.contains("Support news"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn real_kill_the_moment_the_topic_exists_still_one_topic_one_reply() {
    let Some((synapse, r)) = setup("").await else {
        return;
    };
    let start = || {
        Bot::start(
            &r.forum,
            r.dir.path(),
            &synapse.url,
            &r.bot_user.access_token,
        )
    };
    let mut bot = start();
    bot.wait_for("room connected", 1).await;
    stored_record(r.dir.path()).await;
    r.moderator
        .say(&r.room, "The only line of this talk")
        .await
        .unwrap();
    // The forum commits and then drops the answer, so the bot is between "created" and
    // "recorded" when the kill comes.
    r.forum
        .set_fault(roomscribe_forum_standin::Fault::DropAfterCreate, 1);
    let cmd = r
        .moderator
        .say(
            &r.room,
            "!transcript last:1 category:support title:\"Killed mid publish\"",
        )
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + PATIENCE;
    while r.forum.topics().is_empty() {
        assert!(std::time::Instant::now() < deadline, "never published");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    bot.kill();
    let mut bot = start();
    bot.wait_for("room connected", 1).await;
    let replies = |r: &Room| {
        let (m, room, bot) = (
            r.moderator.clone(),
            r.room.clone(),
            r.bot_user.user_id.clone(),
        );
        async move { replies_from(&m, &room, &bot).await }
    };
    let deadline = std::time::Instant::now() + PATIENCE;
    while replies(&r).await.is_empty() {
        assert!(std::time::Instant::now() < deadline, "never replied");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    bot.kill();
    assert_eq!(r.forum.topics().len(), 1, "{:#?}", r.forum.topics());
    let got = replies(&r).await;
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(reply_target(&got[0]), cmd);
    assert!(body(&got[0]).contains("Killed mid publish"), "{got:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cooldown_and_room_power_level_are_enforced_and_refusals_do_not_flood() {
    let Some((synapse, r)) = setup("min_power_level = 50\n").await else {
        return;
    };
    // A second forum admin who has no power in the room.
    let low = synapse.register("low").await.unwrap();
    low.join(&r.room).await.unwrap();
    let mut cfg = std::fs::read_to_string(r.dir.path().join("config/config.toml")).unwrap();
    cfg = cfg.replace("cooldown = \"0\"", "cooldown = \"1h\"");
    cfg = cfg.replace(
        "[users]\n",
        &format!("[users]\n\"{}\" = \"admin\"\n", low.user_id),
    );
    std::fs::write(r.dir.path().join("config/config.toml"), cfg).unwrap();
    let mut bot = Bot::start(
        &r.forum,
        r.dir.path(),
        &synapse.url,
        &r.bot_user.access_token,
    );
    bot.wait_for("room connected", 1).await;
    r.moderator
        .say(&r.room, "Something worth keeping")
        .await
        .unwrap();
    let first = r
        .moderator
        .say(
            &r.room,
            "!transcript last:1 category:support title:\"First within the hour\"",
        )
        .await
        .unwrap();
    bot.wait_for(&format!("replied to {first}"), 1).await;
    let second = r
        .moderator
        .say(
            &r.room,
            "!transcript last:1 category:support title:\"Second within the hour\"",
        )
        .await
        .unwrap();
    bot.wait_for(&format!("replied to {second}"), 1).await;
    let weak = low
        .say(
            &r.room,
            "!transcript last:1 category:support title:\"From a powerless admin\"",
        )
        .await
        .unwrap();
    bot.wait_for(&format!("replied to {weak}"), 1).await;
    // Refused again within the cooldown: handled, but without another reply.
    let again = low
        .say(
            &r.room,
            "!transcript last:1 category:support title:\"Asking again\"",
        )
        .await
        .unwrap();
    bot.wait_for(&format!("ignored {again}"), 1).await;
    bot.kill();
    let topics = r.forum.topics();
    let replies = replies_from(&r.moderator, &r.room, &r.bot_user.user_id).await;
    assert_eq!(topics.len(), 1, "{topics:#?} {replies:#?}");
    assert_eq!(topics[0].title, "First within the hour");
    let to = |id: &str| {
        replies
            .iter()
            .find(|e| reply_target(e) == id)
            .map(|e| body(e).to_string())
            .unwrap_or_default()
    };
    assert!(to(&second).contains("try again in"), "{replies:#?}");
    assert!(to(&weak).contains("power level 50"), "{replies:#?}");
    assert!(
        replies.iter().all(|e| reply_target(e) != again),
        "{replies:#?}"
    );
    assert_eq!(replies.len(), 3, "{replies:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_with_bare_times_names_the_zone_links_the_composer_and_pings_nobody() {
    let Some((synapse, r)) = setup("").await else {
        return;
    };
    let mut bot = Bot::start(
        &r.forum,
        r.dir.path(),
        &synapse.url,
        &r.bot_user.access_token,
    );
    bot.wait_for("room connected", 1).await;
    r.moderator
        .say(&r.room, "A line worth a preview")
        .await
        .unwrap();
    // A bare start two minutes ago, in the bot's zone (the test runs it in Europe/Berlin).
    let start = (chrono::Utc::now() - chrono::Duration::minutes(2))
        .with_timezone(&chrono_tz::Europe::Berlin)
        .format("%H:%M");
    let cmd = r
        .moderator
        .say(
            &r.room,
            &format!(
                "!transcript preview from:{start} category:support title:\"Ping @room and {}\"",
                r.moderator.user_id
            ),
        )
        .await
        .unwrap();
    bot.wait_for(&format!("replied to {cmd}"), 1).await;
    bot.kill();
    assert!(r.forum.topics().is_empty(), "a preview publishes nothing");
    let replies = replies_from(&r.moderator, &r.room, &r.bot_user.user_id).await;
    assert_eq!(replies.len(), 1, "{replies:#?}");
    let reply = &replies[0];
    let text = body(reply);
    assert_eq!(reply_target(reply), cmd);
    assert!(text.contains("Europe/Berlin"), "{text}");
    assert!(text.contains("/new-topic?"), "{text}");
    assert!(text.contains("Ping"), "{text}");
    assert!(
        !text.contains("@room") && !text.contains(&r.moderator.user_id),
        "{text}"
    );
    assert_eq!(reply["content"]["m.mentions"], serde_json::json!({}));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_and_a_notice_the_homeserver_refused_are_sent_once_it_may_without_a_restart() {
    let Some((synapse, r)) = setup("").await else {
        return;
    };
    let cfg = std::fs::read_to_string(r.dir.path().join("config/config.toml")).unwrap();
    let rule = format!(
        "\n[[rules]]\ncategory = \"support\"\nfilter = \"watch\"\nroom = \"{}\"\n",
        r.room
    );
    std::fs::write(r.dir.path().join("config/config.toml"), cfg + &rule).unwrap();
    let mut bot = Bot::start(
        &r.forum,
        r.dir.path(),
        &synapse.url,
        &r.bot_user.access_token,
    );
    bot.wait_for("room connected", 1).await;
    bot.wait_for("forum connected", 1).await;
    // Messages now need power 50: the bot (0) cannot answer.
    let path = format!("/rooms/{}/state/m.room.power_levels/", encode(&r.room));
    let mut levels = r.moderator.get(&path).await.unwrap();
    levels["events_default"] = 50.into();
    let put = |levels: Value| {
        let (m, room) = (r.moderator.clone(), r.room.clone());
        async move {
            m.put_state(&room, "m.room.power_levels", levels)
                .await
                .unwrap()
        }
    };
    put(levels.clone()).await;
    let cmd = r.moderator.say(&r.room, "!transcript help").await.unwrap();
    bot.wait_for("replying:", 1).await;
    r.forum
        .publish_post_as(
            "alice",
            None,
            "Notice refused at first",
            "It must still reach the room, once.",
            2,
            &[],
        )
        .unwrap();
    bot.wait_for("sending:", 1).await;
    levels["events_default"] = 0.into();
    put(levels).await;
    // Any later activity in the room brings the next batch, and the reply goes out.
    r.moderator.say(&r.room, "Anyone there?").await.unwrap();
    bot.wait_for(&format!("replied to {cmd}"), 1).await;
    bot.wait_for("forwarded: Notice refused at first", 1).await;
    bot.kill();
    let replies = replies_from(&r.moderator, &r.room, &r.bot_user.user_id).await;
    assert_eq!(replies.len(), 2, "{replies:#?}");
    assert_eq!(
        replies.iter().filter(|e| reply_target(e) == cmd).count(),
        1,
        "{replies:#?}"
    );
    assert_eq!(
        replies
            .iter()
            .filter(|e| body(e).contains("Notice refused at first"))
            .count(),
        1,
        "{replies:#?}"
    );
}
