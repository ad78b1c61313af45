//! What "happens" on the demo forum: generated topics, replies and notifications from small
//! word lists, varied and never the same item twice, so the sidebar reads like a real forum.

use std::collections::HashSet;

use crate::discourse::types::ItemKind;

const USERS: &[&str] = &[
    "maria",
    "kenji",
    "oluwaseun",
    "lea",
    "sam",
    "ines",
    "tomasz",
    "priya",
    "noah",
    "chen",
];
const AREAS: &[(&str, u64)] = &[
    ("the IRC bridge", 4),
    ("the Slack bridge", 4),
    ("webhooks", 3),
    ("the Android app", 2),
    ("SSO login", 3),
    ("room search", 2),
    ("the REST API", 2),
    ("email notifications", 2),
    ("the Docker image", 3),
    ("nightly backups", 3),
];
const PROBLEMS: &[&str] = &[
    "stops working after the upgrade",
    "is slow in rooms with long history",
    "shows times in the wrong zone",
    "fails behind a corporate proxy",
    "drops messages after a restart",
    "returns 401 for freshly made tokens",
    "ignores the config file",
    "logs the same warning every second",
];
const WISHES: &[&str] = &[
    "could keep threads together",
    "should support per-room settings",
    "needs a dry-run mode",
    "could show who is typing",
];
const FIXES: &[&str] = &[
    "clearing the cache",
    "re-saving the secret",
    "restarting the worker",
    "setting HTTPS_PROXY",
    "running the migration again",
];

/// One generated event: (kind, category, user, topic title, excerpt).
pub type Item = (ItemKind, u64, String, String, String);

pub struct Activity {
    rng: u64,
    seen: HashSet<(String, String)>,
    /// Topics that exist, with their category: replies go to these.
    topics: Vec<(String, u64)>,
    /// Topics the demo user published: others reply to them, which notifies the user.
    mine: Vec<String>,
}

impl Activity {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: seed | 1,
            seen: HashSet::new(),
            topics: Vec::new(),
            mine: Vec::new(),
        }
    }

    /// The user published a topic: replies to it will come.
    pub fn published(&mut self, title: &str, category: u64) {
        self.mine.push(title.to_string());
        self.topics.push((title.to_string(), category));
    }

    fn pick(&mut self, n: usize) -> usize {
        // A small LCG: varied enough for a demo, and the same run after run for a seed.
        self.rng = self
            .rng
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.rng >> 33).unwrap_or(0) % n.max(1)
    }

    fn one<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.pick(list.len())]
    }

    fn version(&mut self) -> String {
        format!("3.{}.{}", 1 + self.pick(9), self.pick(10))
    }

    /// The next item, never one seen before.
    pub fn next(&mut self) -> Item {
        let mut tries = 0;
        loop {
            tries += 1;
            let mut item = self.candidate();
            if tries > 50 {
                // After a very long run the word lists run dry; a number keeps items apart.
                item.4 = format!("{} ({})", item.4, self.seen.len());
            }
            if self.seen.insert((item.3.clone(), item.4.clone())) {
                if item.0 == ItemKind::NewTopic {
                    self.topics.push((item.3.clone(), item.1));
                }
                return item;
            }
        }
    }

    fn candidate(&mut self) -> Item {
        let user = self.one(USERS).to_string();
        let roll = self.pick(20);
        if roll < 4 && !self.topics.is_empty() {
            return self.notification(user);
        }
        if roll < 11 && !self.topics.is_empty() {
            let at = self.pick(self.topics.len());
            let (title, cat) = self.topics[at].clone();
            let fix = self.one(FIXES);
            let version = self.version();
            let excerpt = match self.pick(5) {
                0 => format!("Same here on {version}, it started last week."),
                1 => format!("Did you try {fix}? That was it for me."),
                2 => format!("{} fixed it on {version}, thanks!", capital(fix)),
                3 => format!(
                    "Could you post the logs with debug on? I can't reproduce on {version}."
                ),
                _ => format!(
                    "Confirmed on {version}; tracked as issue #{}.",
                    2000 + self.pick(900)
                ),
            };
            return (ItemKind::Reply, cat, user, title, excerpt);
        }
        let (area, cat) = AREAS[self.pick(AREAS.len())];
        let version = self.version();
        let (title, excerpt) = match self.pick(3) {
            0 => {
                let problem = self.one(PROBLEMS);
                (
                    format!("{} {problem}", capital(area)),
                    format!("Since {version} {area} {problem}. Anyone else seeing this?"),
                )
            }
            1 => (
                format!("How do I set up {area} on {version}?"),
                format!("The docs for {area} seem to describe an older release; what changed?"),
            ),
            _ => {
                let wish = self.one(WISHES);
                (
                    format!("Idea: {area} {wish}"),
                    format!("It would help moderators a lot if {area} {wish}."),
                )
            }
        };
        (ItemKind::NewTopic, cat, user, title, excerpt)
    }

    /// A mention of the demo user, or a reply to a topic they published.
    fn notification(&mut self, user: String) -> Item {
        if !self.mine.is_empty() && self.pick(2) == 0 {
            let at = self.pick(self.mine.len());
            let title = self.mine[at].clone();
            let excerpt = match self.pick(3) {
                0 => "Thanks for writing this up, it answers my question.".to_string(),
                1 => format!("{user} replied to your topic: one more detail from the chat…"),
                _ => "Could you add the part about the proxy settings too?".to_string(),
            };
            return (ItemKind::Notification, 5, user, title, excerpt);
        }
        let at = self.pick(self.topics.len());
        let (title, cat) = self.topics[at].clone();
        let excerpt = format!("{user} mentioned you: @you, is this the same as in the chat room?");
        (ItemKind::Notification, cat, user, title, excerpt)
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hundreds_of_items_never_repeat_and_mix_every_kind() {
        let mut a = Activity::new(7);
        a.published("Transcript: webhook troubles", 5);
        let items: Vec<Item> = (0..300).map(|_| a.next()).collect();
        let unique: HashSet<_> = items.iter().map(|i| (&i.3, &i.4)).collect();
        assert_eq!(unique.len(), items.len());
        for kind in [ItemKind::NewTopic, ItemKind::Reply, ItemKind::Notification] {
            assert!(
                items.iter().filter(|i| i.0 == kind).count() > 20,
                "{kind:?}"
            );
        }
        assert!(
            items
                .iter()
                .any(|i| i.0 == ItemKind::Notification && i.3.starts_with("Transcript"))
        );
        let titles: HashSet<_> = items.iter().map(|i| &i.3).collect();
        assert!(titles.len() > 50, "varied topics");
    }
}
