//! The forum source task: live items over MessageBus (polling `/posts.json` when the bus is
//! unavailable), routed by the rules, plus publishing and category refreshes on command.
//! The app (and `roomscribe feed`/`watch`) talk to it only through the two channels.

use std::time::Duration;

use roomscribe_transcript::model::ConnState;
use tokio::sync::mpsc;

use crate::client::Client;
use crate::error::{ForumError, Result};
use crate::items::Resolver;
use crate::message_bus::{BusClient, BusMessage, backoff};
use crate::publish::{RetryPolicy, publish, whoami};
use crate::rules::{Rule, RuleConfig, compile_each, route};
use crate::types::{Category, ForumCommand, ForumEvent, ForumItem};
use crate::{Auth, categories};

#[derive(Debug, Clone)]
pub struct FeedOptions {
    /// Never use MessageBus (config `forum.poll_only`).
    pub poll_only: bool,
    pub poll_interval: Duration,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Consecutive bus failures before polling takes over (the bus keeps retrying).
    pub fallback_after: u32,
    pub publish: RetryPolicy,
    /// Resume after this post id (what `watch` saw last) instead of starting at "now".
    pub since_post: Option<u64>,
}

impl Default for FeedOptions {
    fn default() -> Self {
        Self {
            poll_only: false,
            poll_interval: Duration::from_secs(30),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            fallback_after: 3,
            publish: RetryPolicy::default(),
            since_post: None,
        }
    }
}

enum Signal {
    Bus(BusMessage),
    Conn(ConnState),
    /// True: the bus is unusable, poll instead.
    Fallback(bool),
}

pub async fn run(
    client: Client,
    rules: Vec<RuleConfig>,
    cmd_rx: mpsc::Receiver<ForumCommand>,
    ev_tx: mpsc::Sender<ForumEvent>,
) {
    run_with(client, rules, FeedOptions::default(), cmd_rx, ev_tx).await
}

struct Feed {
    client: Client,
    rule_configs: Vec<RuleConfig>,
    rules: Vec<Rule>,
    cats: Vec<Category>,
    resolver: Resolver,
    notifications: bool,
    ev_tx: mpsc::Sender<ForumEvent>,
    opts: FeedOptions,
}

pub async fn run_with(
    client: Client,
    rules: Vec<RuleConfig>,
    opts: FeedOptions,
    mut cmd_rx: mpsc::Receiver<ForumCommand>,
    ev_tx: mpsc::Sender<ForumEvent>,
) {
    let mut feed = Feed {
        client,
        rule_configs: rules,
        rules: Vec::new(),
        cats: Vec::new(),
        resolver: Resolver::default(),
        notifications: false,
        ev_tx,
        opts,
    };
    let _ = feed
        .ev_tx
        .send(ForumEvent::Connection(ConnState::Connecting))
        .await;
    let me = tokio::select! {
        me = feed.prepare() => me,
        _ = wait_shutdown(&mut cmd_rx) => return,
    };
    // Catch up on what happened since `since_post` (nothing new when starting at "now").
    let _ = feed.refresh(true, false).await;
    let (sig_tx, mut sig_rx) = mpsc::channel(64);
    let mut fallback = feed.opts.poll_only;
    let bus_task = if feed.opts.poll_only {
        let _ = feed
            .ev_tx
            .send(ForumEvent::Connection(ConnState::Connected))
            .await;
        None
    } else {
        let mut channels = vec!["/latest".to_string(), "/new".to_string()];
        if let Some(id) = me {
            channels.push(format!("/notification/{id}"));
        }
        let bus = BusClient::new(feed.client.clone(), &channels);
        Some(tokio::spawn(bus_loop(bus, feed.opts.clone(), sig_tx)))
    };
    let mut tick = tokio::time::interval(feed.opts.poll_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            cmd = cmd_rx.recv() => match cmd {
                None | Some(ForumCommand::Shutdown) => break,
                Some(ForumCommand::RefreshCategories) => feed.refresh_categories().await,
                Some(ForumCommand::Publish(topic)) => {
                    let (client, tx, policy) = (feed.client.clone(), feed.ev_tx.clone(), feed.opts.publish.clone());
                    tokio::spawn(async move {
                        let ev = match publish(&client, &topic, &policy).await {
                            Ok(done) => ForumEvent::Published(done),
                            Err(e) => ForumEvent::PublishFailed { errors: e.lines() },
                        };
                        let _ = tx.send(ev).await;
                    });
                }
            },
            Some(sig) = sig_rx.recv() => match sig {
                Signal::Conn(state) => { let _ = feed.ev_tx.send(ForumEvent::Connection(state)).await; }
                Signal::Fallback(on) => {
                    if on && !fallback {
                        tracing::info!("MessageBus unavailable; polling instead");
                    }
                    fallback = on;
                }
                Signal::Bus(m) if m.channel.starts_with("/notification/") => { let _ = feed.refresh(false, true).await; }
                Signal::Bus(_) => { let _ = feed.refresh(true, false).await; }
            },
            _ = tick.tick(), if fallback => {
                let ok = feed.refresh(true, true).await;
                if feed.opts.poll_only {
                    let state = match ok {
                        Ok(()) => ConnState::Connected,
                        Err(e) => ConnState::Offline { reason: e.to_string() },
                    };
                    let _ = feed.ev_tx.send(ForumEvent::Connection(state)).await;
                }
            }
        }
    }
    if let Some(task) = bus_task {
        task.abort();
    }
}

async fn wait_shutdown(cmd_rx: &mut mpsc::Receiver<ForumCommand>) {
    while let Some(cmd) = cmd_rx.recv().await {
        if cmd == ForumCommand::Shutdown {
            return;
        }
    }
}

impl Feed {
    /// Categories, rules, who we are and where the forum is now; retried through outages.
    async fn prepare(&mut self) -> Option<i64> {
        let mut attempt = 0;
        loop {
            let why = match self.try_prepare().await {
                Ok(me) => return me,
                Err(e) if !e.is_transient() => {
                    let _ = self.ev_tx.send(ForumEvent::Error(e.to_string())).await;
                    let state = ConnState::Offline {
                        reason: e.to_string(),
                    };
                    let _ = self.ev_tx.send(ForumEvent::Connection(state)).await;
                    // Credentials or config are wrong: waiting longer will not help soon.
                    attempt = attempt.max(8);
                    e.to_string()
                }
                Err(e) => {
                    tracing::warn!(error = %e, "forum not reachable yet");
                    e.to_string()
                }
            };
            attempt += 1;
            let wait = backoff(attempt, self.opts.backoff_base, self.opts.backoff_max);
            let state = ConnState::Reconnecting {
                in_secs: wait.as_secs(),
                attempt,
                why,
            };
            let _ = self.ev_tx.send(ForumEvent::Connection(state)).await;
            tokio::time::sleep(wait).await;
        }
    }

    async fn try_prepare(&mut self) -> Result<Option<i64>> {
        self.cats = categories::fetch(&self.client).await?;
        let _ = self
            .ev_tx
            .send(ForumEvent::Categories(self.cats.clone()))
            .await;
        let (rules, problems) = compile_each(&self.rule_configs, &self.cats);
        self.rules = rules;
        for line in problems {
            let _ = self.ev_tx.send(ForumEvent::Error(line)).await;
        }
        let me = match self.client.auth() {
            Auth::Anonymous => None,
            _ => Some(whoami(&self.client).await?.id),
        };
        self.notifications = me.is_some();
        self.resolver
            .start(&self.client, self.notifications, self.opts.since_post)
            .await?;
        Ok(me)
    }

    async fn refresh_categories(&mut self) {
        match categories::fetch(&self.client).await {
            Ok(cats) => {
                self.cats = cats;
                // Bad rules were reported at start; the good ones keep working.
                self.rules = compile_each(&self.rule_configs, &self.cats).0;
                let _ = self
                    .ev_tx
                    .send(ForumEvent::Categories(self.cats.clone()))
                    .await;
            }
            Err(e) => {
                let _ = self.ev_tx.send(ForumEvent::Error(e.to_string())).await;
            }
        }
    }

    async fn refresh(&mut self, posts: bool, notifications: bool) -> Result<()> {
        let mut items: Vec<ForumItem> = Vec::new();
        if posts {
            items.extend(
                self.resolver
                    .new_posts(&self.client)
                    .await
                    .inspect_err(log)?,
            );
        }
        if notifications && self.notifications {
            items.extend(
                self.resolver
                    .new_notifications(&self.client)
                    .await
                    .inspect_err(log)?,
            );
        }
        for mut item in items {
            item.routes = route(&item, &self.rules, &self.cats);
            let _ = self.ev_tx.send(ForumEvent::Item(item)).await;
        }
        Ok(())
    }
}

fn log(e: &ForumError) {
    tracing::warn!(error = %e, "forum refresh failed");
}

async fn bus_loop(mut bus: BusClient, opts: FeedOptions, tx: mpsc::Sender<Signal>) {
    let (msg_tx, mut msg_rx) = mpsc::channel::<BusMessage>(64);
    let forward = {
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(m) = msg_rx.recv().await {
                if tx.send(Signal::Bus(m)).await.is_err() {
                    return;
                }
            }
        })
    };
    let mut failures: u32 = 0;
    let mut connected = false;
    loop {
        let mut answered = false;
        let result = bus.poll(connected, &msg_tx, || answered = true).await;
        if answered && !connected {
            connected = true;
            let _ = tx.send(Signal::Conn(ConnState::Connected)).await;
            if failures >= opts.fallback_after {
                let _ = tx.send(Signal::Fallback(false)).await;
            }
            failures = 0;
        }
        let Err(e) = result else {
            continue;
        };
        tracing::warn!(error = %e, "MessageBus poll failed");
        let unavailable = matches!(
            e,
            ForumError::NotFound(_) | ForumError::Forbidden(_) | ForumError::InvalidAccess(_)
        ) || matches!(
            e,
            ForumError::Http {
                status: 403 | 404,
                ..
            }
        );
        failures += 1;
        connected = false;
        if unavailable || failures == opts.fallback_after {
            let _ = tx.send(Signal::Fallback(true)).await;
        }
        if unavailable {
            // The instance does not offer the bus to us; polling carries on alone.
            let _ = tx.send(Signal::Conn(ConnState::Connected)).await;
            break;
        }
        let wait = backoff(failures, opts.backoff_base, opts.backoff_max);
        let state = ConnState::Reconnecting {
            in_secs: wait.as_secs(),
            attempt: failures,
            why: e.to_string(),
        };
        let _ = tx.send(Signal::Conn(state)).await;
        tokio::time::sleep(wait).await;
    }
    forward.abort();
}
