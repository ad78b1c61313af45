//! The MessageBus client against the stand-in, in both answer styles.

use roomscribe_discourse::message_bus::BusClient;
use roomscribe_discourse::{Auth, Client};
use roomscribe_forum_standin::ForumStandin;
use tokio::sync::mpsc;

#[tokio::test]
async fn chunked_and_unchunked_polls_deliver_and_track_positions() {
    let forum = ForumStandin::start().await.unwrap();
    let auth = Auth::AdminKey {
        key: forum.admin_key(),
        username: "admin".into(),
    };
    let client = Client::new(&forum.base_url(), auth).unwrap();
    for chunked in [true, false] {
        let mut bus = BusClient::new(client.clone(), &["/new".to_string()]);
        bus.set_chunked(chunked);
        let (tx, mut rx) = mpsc::channel(8);
        let mut answered = false;
        // -1: only the status, no backlog.
        bus.poll(false, &tx, || answered = true).await.unwrap();
        assert!(answered);
        assert!(rx.try_recv().is_err());
        let title = format!("Bus topic, chunked = {chunked}");
        forum
            .publish_post_as("alice", None, &title, "A body that is long enough.", 2, &[])
            .unwrap();
        bus.poll(true, &tx, || {}).await.unwrap();
        let m = rx.try_recv().unwrap();
        assert_eq!(m.channel, "/new");
        assert_eq!(m.data["message_type"], "new_topic");
        assert!(rx.try_recv().is_err(), "one message, once");
    }
}
