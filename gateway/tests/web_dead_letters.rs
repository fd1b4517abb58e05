//! A dead letter's content for operators: why, to whom, and the mail as it
//! was, shown as text; nobody else, nothing outside the directory.

mod web_harness;

use axum::http::StatusCode;
use web_harness::Web;

#[tokio::test]
async fn an_operator_reads_a_dead_letter_as_text() {
    let web = Web::start("web-dead-letter");
    let dl = web.dir.path().join("dead-letter");
    std::fs::create_dir_all(&dl).unwrap();
    std::fs::write(
        dl.join("0001-notice.eml"),
        "X-UMS-Dead-Letter: 550 5.1.1 mailbox unknown\r\n\
         X-UMS-Envelope-From: <>\r\n\
         X-UMS-Envelope-To: <ops@example.com>\r\n\
         Subject: Fax to +49301111 <b>failed</b>\r\n\
         \r\n\
         The fax could not be sent.<script>alert(1)</script>\r\n",
    )
    .unwrap();
    std::fs::write(
        web.dir.path().join("secret.eml"),
        "X-UMS-Dead-Letter: x\r\n\r\nsecret\r\n",
    )
    .unwrap();

    let olga = web.login("olga").await;
    let list = web.get("/dead-letters", &olga).await.text();
    assert!(
        list.contains("href=\"/dead-letters/0001-notice\""),
        "{list}"
    );
    let a = web.get("/dead-letters/0001-notice", &olga).await;
    assert_eq!(a.status, StatusCode::OK);
    let page = a.text();
    for want in [
        "550 5.1.1 mailbox unknown",
        "ops@example.com",
        "Fax to +49301111 &lt;b&gt;failed&lt;/b&gt;",
        "The fax could not be sent.&lt;script&gt;alert(1)&lt;/script&gt;",
        "action=\"/dead-letters/retry\"",
    ] {
        assert!(page.contains(want), "{want} in {page}");
    }
    assert!(!page.contains("<script>alert"));
    assert!(
        !page.contains("X-UMS-Envelope-To"),
        "our own lines are not the mail's"
    );

    for bad in ["nothing", "..%2Fsecret", "%2E%2E%2Fsecret"] {
        let a = web.get(&format!("/dead-letters/{bad}"), &olga).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{bad}");
        assert!(!a.text().contains("secret\r"), "{bad}");
    }
    let alice = web.login("alice").await;
    assert_eq!(
        web.get("/dead-letters/0001-notice", &alice).await.status,
        StatusCode::FORBIDDEN
    );
    let adam = web.login("adam").await;
    let audit = web.get("/audit", &adam).await.text();
    assert!(audit.contains("dead-letter-view"), "{audit}");
}

#[tokio::test]
async fn webhooks_given_up_are_listed_and_retried_by_operators() {
    use gateway::webhook::{Target, WebhookSettings, Webhooks};
    let web = Web::start("web-dead-webhooks");
    let hooks = Webhooks::open(
        &web.store,
        WebhookSettings {
            targets: vec![Target {
                name: "global".into(),
                url: "http://127.0.0.1:9/<gone>".into(),
                secret: "k".into(),
                owner: None,
            }],
            max_attempts: 1,
            ..WebhookSettings::default()
        },
    )
    .unwrap();
    let id = web.add(web.outgoing_fax("alice", "+49301111", 1, web_harness::T0));
    let pass = hooks.deliver_due(web_harness::T0).await.unwrap();
    assert_eq!(pass.dead, 1);

    let olga = web.login("olga").await;
    let page = web.get("/dead-letters", &olga).await.text();
    assert!(page.contains("Webhooks given up"), "{page}");
    assert!(page.contains("http://127.0.0.1:9/&lt;gone&gt;"), "{page}");
    assert!(page.contains(&format!("{id} queued")), "{page}");
    let key = page
        .split("name=\"key\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let alice = web.login("alice").await;
    let a = web
        .post_form(
            "/webhooks/retry",
            Some(&alice.cookie),
            &[("csrf", &alice.csrf), ("key", &key)],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = web
        .post_form("/webhooks/retry", Some(&olga.cookie), &[("key", &key)])
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "no CSRF token");
    let a = web
        .post_form(
            "/webhooks/retry",
            Some(&olga.cookie),
            &[("csrf", &olga.csrf), ("key", "00ff")],
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = web
        .post_form(
            "/webhooks/retry",
            Some(&olga.cookie),
            &[("csrf", &olga.csrf), ("key", &key)],
        )
        .await;
    assert!(a.status.is_redirection(), "{:?}", a.status);
    let d = hooks.deliveries().unwrap();
    assert!(!d[0].1.dead && d[0].1.attempts == 0, "{d:?}");
    assert!(!web
        .get("/dead-letters", &olga)
        .await
        .text()
        .contains("Webhooks given up"));
}
