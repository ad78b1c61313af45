//! What the first-screen benches share: a room of `MESSAGES` messages that a reader has
//! joined, reached through a loopback proxy adding `ONE_WAY` each way, and timing the app
//! until its first screen shows.

use std::path::Path;
use std::time::{Duration, Instant};

use roomscribe_testkit::{DelayProxy, Synapse, TestUser};

use crate::pty::Pty;

pub const MESSAGES: usize = 200;
pub const RUNS: usize = 5;
pub const ONE_WAY: Duration = Duration::from_millis(50);

pub struct SlowRoom {
    pub reader: TestUser,
    pub room_id: String,
    /// The alias the app is given.
    pub room: String,
    /// The newest message's body: on screen means the first screen is drawn.
    pub newest: String,
    pub proxy: DelayProxy,
}

/// Users and the room are named after `prefix`, fresh for each run of a bench.
pub async fn slow_room(hs: &Synapse, prefix: &str) -> SlowRoom {
    let owner = hs
        .register(&format!("{prefix}owner"))
        .await
        .expect("register");
    let reader = hs
        .register(&format!("{prefix}reader"))
        .await
        .expect("register");
    let alias = format!("{prefix}{}", uuid::Uuid::new_v4().simple());
    let room_id = owner.create_room(Some(&alias)).await.expect("room");
    for i in 0..MESSAGES {
        owner
            .say(&room_id, &format!("bench message {i}"))
            .await
            .expect("send");
    }
    reader.join(&room_id).await.expect("join");
    let server = owner.user_id.split_once(':').map_or("localhost", |s| s.1);
    let proxy = DelayProxy::in_front_of(&hs.url, ONE_WAY)
        .await
        .expect("proxy");
    SlowRoom {
        reader,
        room_id,
        room: format!("#{alias}:{server}"),
        newest: format!("bench message {}", MESSAGES - 1),
        proxy,
    }
}

/// Starts the app with `args` and waits until all of `until` is on screen: how long that
/// took, and the app, still running.
pub fn first_screen(
    args: &[&str],
    home: &Path,
    env: &[(&str, &str)],
    until: &[&str],
) -> (Duration, Pty) {
    let mut env = env.to_vec();
    env.push(("ROOMSCRIBE_TZ", "UTC"));
    let started = Instant::now();
    let pty = Pty::spawn(args, home, &env, 30, 110);
    // Finer than Pty::wait_for's 100 ms poll: the figures are a few tens of milliseconds.
    loop {
        let text = pty.contents();
        if until.iter().all(|w| text.contains(w)) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no first screen: {text}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    (started.elapsed(), pty)
}

pub fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
