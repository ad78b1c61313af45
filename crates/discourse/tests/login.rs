//! The User API key flow end to end: the approval page of the stand-in encrypts a fresh key with
//! our public key; we decrypt it, check the nonce, and the key then works.

use roomscribe_discourse::publish::whoami;
use roomscribe_discourse::user_api_key::KeyRequest;
use roomscribe_discourse::{Auth, Client, ForumError};
use roomscribe_forum_standin::ForumStandin;

#[tokio::test]
async fn approved_payload_becomes_a_working_key() {
    let forum = ForumStandin::start().await.unwrap();
    let request = KeyRequest::generate(1024).unwrap();
    let url = request.authorize_url(&forum.base_url()).unwrap();
    // The browser, signed in as alice, approves.
    let page = reqwest::Client::new()
        .get(&url)
        .header("Api-Key", forum.admin_key())
        .header("Api-Username", "alice")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = page.find("<pre id=\"payload\">").unwrap() + "<pre id=\"payload\">".len();
    let end = page.find("</pre>").unwrap();
    let stored = request
        .accept(&forum.base_url(), &page[start..end])
        .unwrap();

    let auth = Auth::UserKey {
        key: stored.key.clone(),
        client_id: stored.client_id.clone(),
    };
    let me = whoami(&Client::new(&stored.forum, auth).unwrap())
        .await
        .unwrap();
    assert_eq!(me.username, "alice");

    // The key is bound to its client id.
    let wrong = Auth::UserKey {
        key: stored.key,
        client_id: "someone-else".into(),
    };
    let err = whoami(&Client::new(&stored.forum, wrong).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, ForumError::InvalidAccess(_)), "{err:?}");

    // A payload for another request (other key pair, other nonce) is refused.
    let other = KeyRequest::generate(1024).unwrap();
    let payload = forum
        .approve_user_api_key("bob", &other.authorize_url(&forum.base_url()).unwrap())
        .unwrap();
    assert!(request.accept(&forum.base_url(), &payload).is_err());
    assert!(other.accept(&forum.base_url(), &payload).is_ok());
}
