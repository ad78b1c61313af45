//! One command, start to finish: decide the answer (help, a grammar error, a refusal, a
//! preview link, or a topic to publish), record it, publish as the asker, reply in the room.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use roomscribe_matrix::matrix_sdk::Client as ChatClient;
use roomscribe_matrix::matrix_sdk::ruma::OwnedRoomId;
use roomscribe_matrix::send_reply;

use super::access::{Asker, forum_username, refusal};
use super::command::{Request, defang, help, parse_request};
use super::history::{Exclude, choose, fetch, only_thread};
pub use super::options::Options;
use super::record::{BotRecord, Stage};
use crate::discourse::publish::{RetryPolicy, publish, with_retries};
use crate::discourse::types::NewTopic;
use crate::discourse::{Auth, Client, categories, composer};
use crate::headless::transcript::{post_from, selection_id};
use crate::transcript::model::{ChatEvent, ChatMessage, RoomInfo, TimelineEvent};
use crate::transcript::sanitize::display;
use crate::transcript::{Range, Timeline, human, spec};

/// How long an answer the room refuses is retried.
const GIVE_UP_REPLYING: Duration = Duration::days(1);

pub struct Parts {
    pub chat: ChatClient,
    pub admin: Client,
    pub forum_url: String,
    pub key: String,
    pub bot_user: String,
    pub rooms: HashMap<String, RoomInfo>,
    pub record: BotRecord,
    pub path: PathBuf,
    pub opts: Options,
}

pub struct Bot {
    p: Parts,
    /// Sender → when their last transcript command was accepted.
    last_ask: HashMap<String, DateTime<Utc>>,
    /// Sender → when they were last told they may not ask.
    last_refused: HashMap<String, DateTime<Utc>>,
}

/// What a command comes to before anything is published.
enum Answer {
    Say(String),
    Publish(Stage),
    /// Handled without a word (a repeated refusal within the cooldown).
    Quiet,
}

impl Bot {
    pub fn new(p: Parts) -> Self {
        Self {
            p,
            last_ask: HashMap::new(),
            last_refused: HashMap::new(),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.p.opts.prefix
    }

    fn tz(&self) -> Tz {
        self.p.opts.post.tz
    }

    /// Handles a sync batch's commands in order, then stores the position after it.
    pub async fn batch(&mut self, b: roomscribe_matrix::Batch) -> Result<()> {
        self.retry_replies().await?;
        for (room, ev) in b.events {
            let ChatEvent::Live(TimelineEvent::Message(m)) = ev else {
                continue;
            };
            if m.redacted || m.sender == self.p.bot_user {
                continue;
            }
            if let Some(req) = parse_request(&m.body, &self.p.opts.prefix) {
                self.command(&room, &m, req).await?;
            }
        }
        self.p.record.position = Some(b.position);
        self.p.record.save(&self.p.path)
    }

    async fn command(&mut self, room: &str, m: &ChatMessage, req: Request) -> Result<()> {
        let stage = self
            .p
            .record
            .commands
            .get(&m.event_id)
            .map(|h| h.stage.clone());
        let text = match stage {
            Some(Stage::Done) => return Ok(()),
            Some(Stage::Replying { .. }) => return self.send_recorded(&m.event_id).await,
            // A kill during publishing: the topic may exist; look before posting again.
            Some(stage @ Stage::Publishing { .. }) => self.publish(room, m, stage, true).await?,
            None => {
                let age = Utc::now() - m.ts;
                let answer = if age > self.p.opts.max_age {
                    Answer::Say(format!(
                        "this command expired: it was sent {} ago, and the bot handles commands up to {} old. Send it again.",
                        human(age),
                        human(self.p.opts.max_age)
                    ))
                } else {
                    self.evaluate(room, m, req).await
                };
                match answer {
                    Answer::Say(text) => text,
                    Answer::Quiet => {
                        println!("ignored {}: refused again within the cooldown", m.event_id);
                        self.p.record.set(&m.event_id, room, m.ts, Stage::Done);
                        return self.p.record.save(&self.p.path);
                    }
                    Answer::Publish(stage) => {
                        self.p.record.set(&m.event_id, room, m.ts, stage.clone());
                        self.p.record.save(&self.p.path)?;
                        self.publish(room, m, stage, false).await?
                    }
                }
            }
        };
        self.reply(room, m, text).await
    }

    /// Records the answer, sends it as a threaded reply, records that it arrived.
    async fn reply(&mut self, room: &str, m: &ChatMessage, text: String) -> Result<()> {
        let stage = Stage::Replying {
            text,
            thread: m.thread_id.clone(),
        };
        self.p.record.set(&m.event_id, room, m.ts, stage);
        self.p.record.save(&self.p.path)?;
        self.send_recorded(&m.event_id).await
    }

    /// Replies the homeserver has not confirmed yet (an outage, a rate limit): sent again with
    /// their transaction ids before each batch, so none waits for a restart or is shown twice.
    async fn retry_replies(&mut self) -> Result<()> {
        let waiting: Vec<String> = self
            .p
            .record
            .commands
            .iter()
            .filter(|(_, h)| matches!(h.stage, Stage::Replying { .. }))
            .map(|(id, _)| id.clone())
            .collect();
        for id in waiting {
            // A room that will not take it (the bot was removed, say): not retried forever.
            let Some((ts, room)) = self
                .p
                .record
                .commands
                .get(&id)
                .map(|h| (h.ts, h.room.clone()))
            else {
                continue;
            };
            if Utc::now() - ts > GIVE_UP_REPLYING {
                eprintln!("roomscribe: room: gave up replying to {id}");
                self.p.record.set(&id, &room, ts, Stage::Done);
                self.p.record.save(&self.p.path)?;
                continue;
            }
            self.send_recorded(&id).await?;
        }
        Ok(())
    }

    /// Sends the recorded `Replying` answer to command `id`; Done once the homeserver has it.
    async fn send_recorded(&mut self, id: &str) -> Result<()> {
        let Some(h) = self.p.record.commands.get(id).cloned() else {
            return Ok(());
        };
        let Stage::Replying { text, thread } = &h.stage else {
            return Ok(());
        };
        let Ok(room_id) = OwnedRoomId::try_from(h.room.as_str()) else {
            return Ok(());
        };
        // Derived from the command: a resend after a restart is the same message.
        let txn = crate::discourse::forward::txn_id(id, "bot-reply");
        let body = defang(text);
        let sent = send_reply(
            &self.p.chat,
            &room_id,
            &txn,
            &body,
            None,
            true,
            id,
            thread.as_deref(),
        )
        .await;
        match sent {
            Ok(_) => {
                println!("replied to {id}: {}", display(text));
                self.p.record.set(id, &h.room, h.ts, Stage::Done);
                self.p.record.save(&self.p.path)
            }
            Err(e) => {
                // Left as `Replying`: sent again before the next batch (same transaction id).
                eprintln!("roomscribe: room: replying: {e}");
                Ok(())
            }
        }
    }

    async fn evaluate(&mut self, room: &str, m: &ChatMessage, req: Request) -> Answer {
        let (preview, words) = match req {
            Request::Help => return Answer::Say(help(&self.p.opts.prefix, self.tz().name())),
            Request::Transcript { preview, spec } => (preview, spec),
        };
        let spec = match spec::parse(&words, m.ts, self.tz()) {
            Ok(s) => s,
            Err(e) => {
                return Answer::Say(format!(
                    "not understood: {e} — see {} help",
                    self.p.opts.prefix
                ));
            }
        };
        let forum_user = forum_username(&m.sender, &self.p.opts.post.users);
        let who = Asker {
            sender: &m.sender,
            forum_user: &forum_user,
            room,
        };
        if let Some(why) = refusal(&self.p.admin, &self.p.chat, &who, &self.p.opts).await {
            // One refusal per cooldown and person: a flood of commands from someone who may
            // not ask does not become a flood of replies.
            if let Some(last) = self.last_refused.get(&m.sender)
                && m.ts - *last < self.p.opts.cooldown
            {
                return Answer::Quiet;
            }
            self.last_refused.insert(m.sender.clone(), m.ts);
            return Answer::Say(format!("not published: {why}"));
        }
        if let Some(last) = self.last_ask.get(&m.sender) {
            let since = m.ts - *last;
            if since < self.p.opts.cooldown {
                return Answer::Say(format!(
                    "not published: one transcript per {} per person; try again in {}",
                    human(self.p.opts.cooldown),
                    human(self.p.opts.cooldown - since)
                ));
            }
        }
        self.last_ask.insert(m.sender.clone(), m.ts);
        match self.prepare(room, m, &spec, &forum_user, preview).await {
            Ok(a) => a,
            Err(e) => Answer::Say(format!("not published: {}", crate::error::one_line(&e))),
        }
    }

    async fn prepare(
        &self,
        room: &str,
        m: &ChatMessage,
        spec: &crate::transcript::Spec,
        forum_user: &str,
        preview: bool,
    ) -> Result<Answer> {
        let room_id = OwnedRoomId::try_from(room)?;
        let ex = Exclude {
            prefix: &self.p.opts.prefix,
            bot_user: &self.p.bot_user,
        };
        let mut events = fetch(&self.p.chat, &room_id, m, spec, &ex).await?;
        if let Some(root) = &m.thread_id {
            events = only_thread(events, root);
        }
        let tl = Timeline::from_events(events);
        let opts = &self.p.opts.post;
        let transcript = choose(&tl, m, spec, opts.gap);
        let info = self.p.rooms.get(room).cloned().unwrap_or(RoomInfo {
            room_id: room.to_string(),
            alias: None,
            name: None,
        });
        let post = post_from(&transcript, tl.len(), &info, spec, opts)?;
        let Some(category) = post.category.clone() else {
            return Ok(Answer::Say(format!(
                "not published: name a category, e.g. {} last:20 category:support",
                self.p.opts.prefix
            )));
        };
        let user = self.as_user(forum_user)?;
        let policy = RetryPolicy::default();
        let cats = with_retries(&policy, || categories::fetch(&user)).await?;
        let note = match spec.range {
            Range::Between { .. } => format!(" (times read in {})", self.tz()),
            _ => String::new(),
        };
        if preview {
            let cat = categories::resolve(&category, &cats)?;
            let path = categories::path(cat, &cats);
            let url = composer::new_topic_url(
                &self.p.forum_url,
                &post.title,
                &post.markdown,
                Some(&path),
                &post.tags,
            )?;
            return Ok(Answer::Say(format!(
                "preview of “{}” ({} messages{note}): open this link to finish the topic yourself: {url}",
                post.title,
                post.messages.len()
            )));
        }
        let cat = categories::resolve_for_posting(&category, &cats)?;
        Ok(Answer::Publish(Stage::Publishing {
            forum_user: forum_user.to_string(),
            title: post.title,
            raw: post.markdown,
            category_id: Some(cat.id),
            tags: post.tags,
            external_id: selection_id(&info, &post.messages),
            note,
        }))
    }

    fn as_user(&self, forum_user: &str) -> Result<Client> {
        Ok(Client::new(
            &self.p.forum_url,
            Auth::AdminKey {
                key: self.p.key.clone(),
                username: forum_user.to_string(),
            },
        )?)
    }

    /// Publishes the recorded topic exactly once, through the client's exactly-once path
    /// (`external_id`); `resumed`: an earlier, killed run may have created it already.
    async fn publish(
        &mut self,
        _room: &str,
        _m: &ChatMessage,
        stage: Stage,
        resumed: bool,
    ) -> Result<String> {
        let Stage::Publishing {
            forum_user,
            title,
            raw,
            category_id,
            tags,
            external_id,
            note,
        } = stage
        else {
            return Ok(String::new());
        };
        let user = self.as_user(&forum_user)?;
        let topic = NewTopic {
            title,
            raw,
            category_id,
            tags,
            external_id,
            media: Vec::new(),
        };
        Ok(
            match publish(&user, &topic, &RetryPolicy::default()).await {
                // Found by its id: made by this command before a restart, or by someone who
                // published the same messages earlier (from the app, the CLI or the bot).
                Ok(done) if done.already && !resumed => {
                    format!("already published “{}”: {}", done.title, done.url)
                }
                Ok(done) => format!("published “{}”{note}: {}", done.title, done.url),
                Err(e) => format!("not published: {}", e.lines().join("; ")),
            },
        )
    }
}
