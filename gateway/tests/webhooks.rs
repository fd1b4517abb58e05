//! Webhooks (issue 14): a receiver on 127.0.0.1 checks each post's
//! signature, refuses the first two (500) and takes the third; a restart
//! in between loses nothing; a wrong secret would not verify; a user's
//! hook gets only that user's messages; a hook that never answers 2xx is
//! marked dead after its attempts. Time is passed in: backoffs of minutes
//! cost nothing.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use gateway::webhook::{sign, Owner, Target, WebhookSettings, Webhooks};
use kernel::message::{MessageId, Status, Timestamp};
use kernel::runner::outgoing_fax;
use kernel::store::{Record, Store};

const T0: Timestamp = Timestamp(1_800_000_000_000);
const SECRET: &str = "hook secret";

/// One post the receiver got.
#[derive(Debug, Clone)]
struct Post {
    path: String,
    body: serde_json::Value,
    delivery: String,
    /// The signature checked with the right secret at the post's time.
    verifies: bool,
    /// ... and with a wrong one.
    verifies_with_wrong_secret: bool,
}

struct Receiver {
    url: String,
    posts: Arc<Mutex<Vec<Post>>>,
}

/// A receiver that answers 500 to the first `refuse` posts of each
/// delivery, then 204.
async fn receiver(refuse: usize) -> Receiver {
    let posts: Arc<Mutex<Vec<Post>>> = Default::default();
    let seen = Arc::clone(&posts);
    let handler = move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
        let seen = Arc::clone(&seen);
        async move {
            let h = |n: &str| {
                headers
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string()
            };
            let ts: u64 = h(sign::TIMESTAMP_HEADER).parse().unwrap_or(0);
            let sig = h(sign::SIGNATURE_HEADER);
            // The receiver's clock is the post's own time here: the test
            // passes simulated time to the sender.
            let check = |secret: &str| sign::verify(secret, ts, &sig, &body, ts, 300);
            let post = Post {
                path: uri.path().to_string(),
                body: serde_json::from_slice(&body).unwrap_or_default(),
                delivery: h(sign::DELIVERY_HEADER),
                verifies: check(SECRET),
                verifies_with_wrong_secret: check("not the secret"),
            };
            let mut p = seen.lock().unwrap();
            let id = post.delivery.clone();
            p.push(post);
            if p.iter().filter(|p| p.delivery == id).count() <= refuse {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::NO_CONTENT
            }
        }
    };
    let app = axum::Router::new().fallback(axum::routing::post(handler));
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await });
    Receiver {
        url: format!("http://{addr}/hooks/ums"),
        posts,
    }
}

fn global(url: &str) -> Target {
    Target {
        name: "global".into(),
        url: url.into(),
        secret: SECRET.into(),
        owner: None,
    }
}

fn settings(targets: Vec<Target>) -> WebhookSettings {
    WebhookSettings {
        targets,
        max_attempts: 5,
        backoff_secs: 10,
        ..WebhookSettings::default()
    }
}

fn fax(id: u64, user: &str) -> Record {
    let mut r = outgoing_fax(MessageId(id), "4930123", PathBuf::from("x.tif"), 2, T0);
    r.message.user = Some(user.into());
    r.message.sender_address = Some(format!("{user}@example.com"));
    r.message.recipient_number = Some("+4930123".into());
    r
}

#[tokio::test]
async fn refused_twice_taken_the_third_time_across_a_restart() {
    let dir = test_kit::Scratch::new("webhooks-retry");
    let rx = receiver(2).await;
    let store = Store::open(&dir.join("store")).unwrap();
    let hooks = Webhooks::open(&store, settings(vec![global(&rx.url)])).unwrap();
    let mut rec = fax(1, "alice");
    store.insert_batch(std::slice::from_ref(&rec)).unwrap();
    rec.message.status = Status::Sent;
    rec.message.pages_sent = 2;
    rec.message.updated_at = T0.plus_secs(60);
    store.update(&rec, "AttemptEnded").unwrap();

    // First pass: both events become deliveries; each post is refused.
    let pass = hooks.deliver_due(T0).await.unwrap();
    assert_eq!((pass.events, pass.failed, pass.delivered), (2, 2, 0));
    // Nothing is due before its backoff.
    let pass = hooks.deliver_due(T0.plus_secs(9)).await.unwrap();
    assert_eq!(pass.failed + pass.delivered, 0);
    assert_eq!(rx.posts.lock().unwrap().len(), 2);

    // A restart: the queue is in the store, attempts and next try too.
    drop(hooks);
    drop(store);
    let store = Store::open(&dir.join("store")).unwrap();
    let hooks = Webhooks::open(&store, settings(vec![global(&rx.url)])).unwrap();
    let queued = hooks.deliveries().unwrap();
    assert_eq!(queued.len(), 2);
    assert!(queued.iter().all(|(_, d)| d.attempts == 1
        && d.next_at == T0.plus_secs(10)
        && d.last_error.as_deref() == Some("HTTP 500")));

    // Second try: refused again; the next waits twice as long (20 s).
    let pass = hooks.deliver_due(T0.plus_secs(10)).await.unwrap();
    assert_eq!((pass.delivered, pass.failed), (0, 2));
    let pass = hooks.deliver_due(T0.plus_secs(29)).await.unwrap();
    assert_eq!(pass.delivered + pass.failed, 0);
    // The third post of each is taken.
    let pass = hooks.deliver_due(T0.plus_secs(30)).await.unwrap();
    assert_eq!((pass.delivered, pass.failed), (2, 0));
    assert!(hooks.deliveries().unwrap().is_empty());
    let pass = hooks.deliver_due(T0.plus_secs(3600)).await.unwrap();
    assert_eq!(pass, Default::default(), "nothing left, nothing twice");

    let posts = rx.posts.lock().unwrap().clone();
    assert_eq!(posts.len(), 6);
    for p in &posts {
        assert_eq!(p.path, "/hooks/ums");
        assert!(p.verifies, "{p:?}");
        assert!(!p.verifies_with_wrong_secret, "{p:?}");
    }
    // Each delivery: three tries, the same id and body on each.
    let ids: std::collections::BTreeSet<&str> = posts.iter().map(|p| p.delivery.as_str()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    for p in &posts {
        assert_eq!(posts.iter().filter(|q| q.delivery == p.delivery).count(), 3);
        let first = posts.iter().find(|q| q.delivery == p.delivery).unwrap();
        assert_eq!(p.body, first.body);
    }
    let statuses: Vec<&str> = posts[4..]
        .iter()
        .map(|p| p.body["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["queued", "sent"], "in the order they happened");
    let sent = &posts[5].body;
    assert_eq!(sent["id"], 1);
    assert_eq!(sent["previous"], "queued");
    assert_eq!(sent["number"], "+4930123");
    assert_eq!(sent["pages_sent"], 2);
    assert_eq!(sent["user"], "alice");
    assert_eq!(sent["at"], T0.plus_secs(60).iso8601());
    assert_eq!(sent["type"], "message.status");
}

#[tokio::test]
async fn a_users_hook_gets_only_that_users_messages() {
    let dir = test_kit::Scratch::new("webhooks-user");
    let all = receiver(0).await;
    let alices = receiver(0).await;
    let store = Store::open(&dir.join("store")).unwrap();
    let alice = Target {
        name: "user:alice".into(),
        url: alices.url.clone(),
        secret: SECRET.into(),
        owner: Some(Owner {
            id: "alice".into(),
            email: "alice@example.com".into(),
        }),
    };
    let hooks = Webhooks::open(&store, settings(vec![global(&all.url), alice])).unwrap();
    let mut no_user = fax(3, "x");
    no_user.message.user = None;
    no_user.message.sender_address = Some("Alice@Example.com".into());
    store
        .insert_batch(&[fax(1, "alice"), fax(2, "bob"), no_user])
        .unwrap();
    let pass = hooks.deliver_due(T0).await.unwrap();
    assert_eq!(pass.delivered, 5);
    let ids = |r: &Receiver| -> Vec<u64> {
        let mut v: Vec<u64> = (r.posts.lock().unwrap().iter())
            .map(|p| p.body["id"].as_u64().unwrap())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&all), vec![1, 2, 3]);
    assert_eq!(ids(&alices), vec![1, 3], "by user id, else by address");
}

#[tokio::test]
async fn a_hook_that_never_takes_a_post_is_marked_dead() {
    let dir = test_kit::Scratch::new("webhooks-dead");
    let rx = receiver(usize::MAX).await;
    let store = Store::open(&dir.join("store")).unwrap();
    let hooks = Webhooks::open(&store, settings(vec![global(&rx.url)])).unwrap();
    store.insert_batch(&[fax(1, "alice")]).unwrap();
    let mut now = T0;
    for _ in 0..20 {
        hooks.deliver_due(now).await.unwrap();
        now = now.plus_secs(3600);
    }
    assert_eq!(
        rx.posts.lock().unwrap().len(),
        5,
        "max_attempts posts, no more"
    );
    let d = hooks.deliveries().unwrap();
    assert_eq!(d.len(), 1, "kept for operators");
    assert!(d[0].1.dead);
    // Nothing listens: a refused connection counts as a failure too.
    let dir2 = test_kit::Scratch::new("webhooks-closed");
    let store2 = Store::open(&dir2.join("store")).unwrap();
    let hooks2 = Webhooks::open(&store2, settings(vec![global("http://127.0.0.1:9/x")])).unwrap();
    store2.insert_batch(&[fax(1, "alice")]).unwrap();
    let pass = hooks2.deliver_due(T0).await.unwrap();
    assert_eq!(pass.failed, 1);
    let d = hooks2.deliveries().unwrap();
    assert!(
        d[0].1.last_error.as_deref().unwrap().contains("connect"),
        "{d:?}"
    );
}

#[test]
fn the_backoff_doubles_up_to_its_cap() {
    let s = WebhookSettings {
        backoff_secs: 10,
        max_backoff_secs: 100,
        ..WebhookSettings::default()
    };
    let waits: Vec<u64> = (1..=6).map(|n| s.backoff_after(n)).collect();
    assert_eq!(waits, vec![10, 20, 40, 80, 100, 100]);
}

#[test]
fn the_configuration_gives_the_global_hook_and_each_users() {
    let text = r#"
[web]
webhook = "https://crm.example.test/ums"
webhook_secret = "global key"
webhook_attempts = 4
webhook_backoff_secs = 30

[[user]]
id = "anna"
email = "anna@example.test"
webhook = "http://127.0.0.1:9000/anna"

[[user]]
id = "ben"
email = "ben@example.test"
webhook = "http://127.0.0.1:9000/ben"
webhook_secret = "ben's key"

[[user]]
id = "cleo"
email = "cleo@example.test"
"#;
    let loaded = gateway::config::Loaded::parse(text, "hooks.toml").unwrap();
    let w = loaded.webhooks().unwrap();
    assert_eq!((w.max_attempts, w.backoff_secs), (4, 30));
    let t: Vec<(&str, &str, &str, Option<&str>)> = (w.targets.iter())
        .map(|t| {
            (
                t.name.as_str(),
                t.url.as_str(),
                t.secret.as_str(),
                t.owner.as_ref().map(|o| o.email.as_str()),
            )
        })
        .collect();
    assert_eq!(
        t,
        vec![
            ("global", "https://crm.example.test/ums", "global key", None),
            (
                "user:anna",
                "http://127.0.0.1:9000/anna",
                "global key",
                Some("anna@example.test")
            ),
            (
                "user:ben",
                "http://127.0.0.1:9000/ben",
                "ben's key",
                Some("ben@example.test")
            ),
        ]
    );
    // No hook configured: none started, the store's feed stays off.
    let plain = gateway::config::Loaded::parse("[web]\n", "plain.toml").unwrap();
    assert!(plain.webhooks().is_none());
}

#[tokio::test]
async fn a_reload_moves_pending_posts_to_the_new_url_and_drops_removed_hooks() {
    let dir = test_kit::Scratch::new("webhooks-reload");
    let old = receiver(usize::MAX).await;
    let new = receiver(0).await;
    let store = Store::open(&dir.join("store")).unwrap();
    let hooks = Webhooks::open(&store, settings(vec![global(&old.url)])).unwrap();
    store.insert_batch(&[fax(1, "alice")]).unwrap();
    assert_eq!(hooks.deliver_due(T0).await.unwrap().failed, 1);
    // The URL changes (a reload): the pending post goes to the new one.
    hooks.set_settings(settings(vec![global(&new.url)]));
    let pass = hooks.deliver_due(T0.plus_secs(10)).await.unwrap();
    assert_eq!(pass.delivered, 1);
    assert_eq!(new.posts.lock().unwrap().len(), 1);
    assert!(new.posts.lock().unwrap()[0].verifies);
    // The hook is removed: what is pending is dropped, nothing posted.
    store.insert_batch(&[fax(2, "alice")]).unwrap();
    hooks.set_settings(WebhookSettings::default());
    let pass = hooks.deliver_due(T0.plus_secs(20)).await.unwrap();
    assert_eq!((pass.events, pass.delivered, pass.failed), (1, 0, 0));
    assert!(hooks.deliveries().unwrap().is_empty());
    assert_eq!(old.posts.lock().unwrap().len(), 1);
    assert_eq!(new.posts.lock().unwrap().len(), 1);
}
