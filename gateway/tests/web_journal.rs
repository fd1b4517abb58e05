//! The web journal's pages as each role sees them, and the attacks of
//! issue 14: other users' ids, forms without CSRF tokens, markup in
//! message fields, documents outside the spool, wrong passwords.

mod web_harness;

use axum::http::{Method, StatusCode};
use kernel::message::{MessageId, Service, Status};
use web_harness::{Web, PASSWORD, T0};

#[tokio::test]
async fn without_a_session_pages_go_to_the_login() {
    let web = Web::start("web-no-session");
    let a = web
        .request(Method::GET, "/journal?service=fax", &[], Vec::new())
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(
        a.headers["location"],
        "/login?next=%2Fjournal%3Fservice%3Dfax"
    );
    let a = web.request(Method::GET, "/login", &[], Vec::new()).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text().contains("name=\"password\""));
    // A forged cookie is no session.
    let a = web
        .request(
            Method::GET,
            "/journal",
            &[("cookie", "ums_session=00ff")],
            Vec::new(),
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_user_sees_own_messages_an_operator_all() {
    let web = Web::start("web-own");
    let a1 = web.add(web.outgoing_fax("alice", "+49301111", 1, T0));
    let b1 = web.add(web.outgoing_fax("bob", "+49302222", 1, T0.plus_secs(1)));
    let a2 = web.add(web.incoming("alice", Service::Sms, T0.plus_secs(2)));
    let alice = web.login("alice").await;
    let page = web.get("/journal", &alice).await.text();
    assert!(page.contains(&format!("href=\"/messages/{a1}\"")), "{page}");
    assert!(page.contains(&format!("href=\"/messages/{a2}\"")));
    assert!(!page.contains(&format!("href=\"/messages/{b1}\"")));
    assert!(!page.contains("+49302222"));
    // Newest first.
    let pos = |id: u64| page.find(&format!("data-id=\"{id}\"")).unwrap();
    assert!(pos(a2) < pos(a1));

    let olga = web.login("olga").await;
    let page = web.get("/journal", &olga).await.text();
    for id in [a1, b1, a2] {
        assert!(
            page.contains(&format!("data-id=\"{id}\"")),
            "operator misses {id}"
        );
    }
    // Filters are in the URL.
    let page = web
        .get("/journal?direction=in&service=sms", &olga)
        .await
        .text();
    assert!(page.contains(&format!("data-id=\"{a2}\"")));
    assert!(!page.contains(&format!("data-id=\"{a1}\"")));
    let page = web.get("/journal?number=2222", &olga).await.text();
    assert!(
        page.contains(&format!("data-id=\"{b1}\"")) && !page.contains(&format!("data-id=\"{a1}\""))
    );
    let bad = web.get("/journal?from=yesterday", &olga).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("YYYY-MM-DD"));
}

#[tokio::test]
async fn guessing_another_users_id_finds_nothing() {
    let web = Web::start("web-guess");
    let bobs = web.add(web.outgoing_fax("bob", "+49302222", 2, T0));
    let alice = web.login("alice").await;
    let missing = web.get("/messages/999999", &alice).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    for path in [
        format!("/messages/{bobs}"),
        format!("/messages/{bobs}/pages/1"),
        format!("/messages/{bobs}/document"),
        format!("/messages/{bobs}/audio"),
    ] {
        let a = web.get(&path, &alice).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
        // The same answer as for an id that does not exist.
        assert_eq!(a.text(), missing.text(), "{path}");
        assert!(!a.text().contains("+49302222") && !a.text().contains("Offer"));
    }
    for action in ["cancel", "delete", "resend"] {
        let a = web
            .post_form(
                &format!("/messages/{bobs}/{action}"),
                Some(&alice.cookie),
                &[("csrf", &alice.csrf), ("number", "+49303333")],
            )
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{action}");
    }
    assert!(
        web.removed.lock().unwrap().is_empty(),
        "nothing reached the media thread"
    );
    assert_eq!(web.store.len(), 1, "nothing was resent");
    // Bob's message was not touched and the log names no view of it by alice.
    let st = web
        .store
        .get(kernel::message::MessageId(bobs))
        .unwrap()
        .unwrap();
    assert_eq!(st.message.status, Status::Queued);
    let log = web.ctx.audit.newest(100);
    assert!(!log
        .iter()
        .any(|e| e.user == "alice" && e.object.as_deref() == Some(&bobs.to_string())));
    // Bob himself sees it, and the view is logged.
    let bob = web.login("bob").await;
    assert_eq!(
        web.get(&format!("/messages/{bobs}"), &bob).await.status,
        StatusCode::OK
    );
    assert!(web
        .ctx
        .audit
        .newest(10)
        .iter()
        .any(|e| e.user == "bob" && e.action == "view"));
}

#[tokio::test]
async fn a_form_without_the_csrf_token_is_refused() {
    let web = Web::start("web-csrf");
    let id = web.add(web.outgoing_fax("alice", "+49301111", 1, T0));
    let alice = web.login("alice").await;
    let other = web.login("bob").await;
    for form in [
        vec![],
        vec![("csrf", "0000")],
        vec![("csrf", other.csrf.as_str())],
    ] {
        let a = web
            .post_form(
                &format!("/messages/{id}/cancel"),
                Some(&alice.cookie),
                &form,
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{form:?}");
    }
    let a = web.post_form("/logout", Some(&alice.cookie), &[]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(web.removed.lock().unwrap().is_empty());
    // With it, the cancel reaches the media thread.
    let a = web
        .post_form(
            &format!("/messages/{id}/cancel"),
            Some(&alice.cookie),
            &[("csrf", &alice.csrf)],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    assert_eq!(*web.removed.lock().unwrap(), vec![(id, false)]);
    let log = web.ctx.audit.newest(10);
    assert!(log
        .iter()
        .any(|e| e.action == "cancel" && e.object.as_deref() == Some(&id.to_string())));
    // Log out ends the session.
    let a = web
        .post_form("/logout", Some(&alice.cookie), &[("csrf", &alice.csrf)])
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(
        web.get("/journal", &alice).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn markup_in_message_fields_is_shown_as_text() {
    let web = Web::start("web-escape");
    let evil = "<script>alert('x')</script><img src=x onerror=alert(1)>";
    let mut fax = web.outgoing_fax("alice", "+49301111", 1, T0);
    fax.subject = Some(evil.into());
    fax.failure_attachment = Some(format!("{evil}.pdf"));
    fax.status = Status::Failed;
    fax.remote_station_id = Some(evil.into());
    let fax = web.add(fax);
    let mut sms = web.incoming("alice", Service::Sms, T0.plus_secs(1));
    sms.text = Some(evil.into());
    let sms = web.add(sms);
    let mut fax_in = web.incoming("alice", Service::Fax, T0.plus_secs(2));
    fax_in.remote_station_id = Some(evil.into());
    let fax_in = web.add(fax_in);
    let alice = web.login("alice").await;
    for path in [
        "/journal".to_string(),
        format!("/messages/{fax}"),
        format!("/messages/{sms}"),
        format!("/messages/{fax_in}"),
        format!("/journal?q={}", gateway::web::html::url_component(evil)),
    ] {
        let page = web.get(&path, &alice).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let t = page.text();
        assert!(
            !t.contains("<script>alert") && !t.contains("<img src=x"),
            "{path}: {t}"
        );
        assert!(
            t.contains("&lt;script&gt;alert(&#39;x&#39;)"),
            "{path}: {t}"
        );
        // And the browser is told to run only our own script anyway.
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.starts_with("default-src 'self'"), "{csp}");
    }
    let t = web.get(&format!("/messages/{fax}"), &alice).await.text();
    assert!(
        t.contains("&lt;img src=x onerror=alert(1)&gt;.pdf"),
        "the file name: {t}"
    );
}

#[tokio::test]
async fn a_document_outside_the_spool_is_not_served() {
    let web = Web::start("web-spool");
    // A path in the store that leaves the spool with `..`.
    let outside = web.dir.path().join("secret.tif");
    web_harness::write_pages(&outside, 1);
    let mut m = web.outgoing_fax("alice", "+49301111", 0, T0);
    m.pages = 1;
    m.document = Some(format!("{}/../secret.tif", web.spool().display()));
    let dotdot = web.add(m);
    // A link in the spool that points out of it.
    let link = web.spool().join("link.tif");
    std::os::unix::fs::symlink(&outside, &link).unwrap();
    let mut m = web.outgoing_fax("alice", "+49301111", 0, T0);
    m.pages = 1;
    m.document = Some(link.display().to_string());
    let linked = web.add(m);
    // An absolute path elsewhere.
    let mut m = web.outgoing_fax("alice", "+49301111", 0, T0);
    m.pages = 1;
    m.document = Some("/etc/passwd".into());
    let etc = web.add(m);
    let alice = web.login("alice").await;
    for id in [dotdot, linked, etc] {
        for what in ["pages/1", "document"] {
            let a = web.get(&format!("/messages/{id}/{what}"), &alice).await;
            assert_eq!(a.status, StatusCode::NOT_FOUND, "{id}/{what}");
        }
    }
    // A document in the spool is served.
    let ok = web.add(web.outgoing_fax("alice", "+49301111", 2, T0));
    let png = web.get(&format!("/messages/{ok}/pages/2"), &alice).await;
    assert_eq!(png.status, StatusCode::OK);
    assert!(png.body.starts_with(b"\x89PNG"));
    assert_eq!(
        web.get(&format!("/messages/{ok}/pages/3"), &alice)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let pdf = web.get(&format!("/messages/{ok}/document"), &alice).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with(b"%PDF-"));
    assert!(pdf.body.windows(9).filter(|w| w == b"/Type /Pa").count() >= 2);
    let log = web.ctx.audit.newest(10);
    assert!(log
        .iter()
        .any(|e| e.action == "download" && e.object.as_deref() == Some(&ok.to_string())));
}

#[tokio::test]
async fn the_message_page_has_thumbnails_audio_and_text() {
    let web = Web::start("web-message");
    let fax = web.add(web.outgoing_fax("alice", "+49301111", 3, T0));
    let mut voice = web.incoming("alice", Service::Voice, T0.plus_secs(1));
    let wav = web.spool().join("v.wav");
    std::fs::write(&wav, b"RIFF\x24\0\0\0WAVEfmt ").unwrap();
    voice.document = Some(wav.display().to_string());
    let voice = web.add(voice);
    let mut sms = web.incoming("alice", Service::Sms, T0.plus_secs(2));
    sms.text = Some("Call me back".into());
    let sms = web.add(sms);
    let alice = web.login("alice").await;
    let page = web.get(&format!("/messages/{fax}"), &alice).await.text();
    for n in 1..=3 {
        assert!(
            page.contains(&format!("src=\"/messages/{fax}/pages/{n}\"")),
            "{page}"
        );
    }
    assert!(page.contains(&format!("href=\"/messages/{fax}/document\"")));
    assert!(
        page.contains("is waiting for a line"),
        "the report in words: {page}"
    );
    for action in ["cancel", "delete", "resend"] {
        assert!(page.contains(&format!("action=\"/messages/{fax}/{action}\"")));
    }
    let page = web.get(&format!("/messages/{voice}"), &alice).await.text();
    assert!(page.contains(&format!(
        "<audio controls preload=\"none\" src=\"/messages/{voice}/audio\">"
    )));
    let a = web.get(&format!("/messages/{voice}/audio"), &alice).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.content_type(), "audio/wav");
    let page = web.get(&format!("/messages/{sms}"), &alice).await.text();
    assert!(page.contains("<pre class=\"sms\">Call me back</pre>"));
}

#[tokio::test]
async fn resend_queues_the_same_pages_to_a_corrected_number() {
    let web = Web::start("web-resend");
    let mut m = web.outgoing_fax("alice", "+49301111", 2, T0);
    m.status = Status::Failed;
    let doc = m.document.clone();
    let id = web.add(m);
    let alice = web.login("alice").await;
    let a = web
        .post_form(
            &format!("/messages/{id}/resend"),
            Some(&alice.cookie),
            &[("csrf", &alice.csrf), ("number", "+49 30 4444")],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    let new_id: u64 = a.headers["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/messages/")
        .parse()
        .unwrap();
    assert_ne!(new_id, id);
    let r = web
        .store
        .get(kernel::message::MessageId(new_id))
        .unwrap()
        .unwrap();
    assert_eq!(r.message.recipient_number.as_deref(), Some("+49304444"));
    assert_eq!(r.message.document, doc, "the pages as they were");
    assert_eq!(r.message.pages, 2);
    assert_eq!(r.message.user.as_deref(), Some("alice"));
    assert_eq!(r.message.status, Status::Queued);
    // A number that is none is refused, nothing stored.
    let before = web.store.len();
    let a = web
        .post_form(
            &format!("/messages/{id}/resend"),
            Some(&alice.cookie),
            &[("csrf", &alice.csrf), ("number", "<script>")],
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.text().contains("&lt;script&gt;"));
    assert_eq!(web.store.len(), before);
}

#[tokio::test]
async fn wrong_passwords_lock_out_with_backoff() {
    let web = Web::start("web-lockout");
    for _ in 0..2 {
        assert_eq!(
            web.login_as("alice", "wrong").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // The third wrong one starts the lockout: even the right password is
    // refused until it ends.
    assert_eq!(
        web.login_as("alice", "wrong").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let a = web.login_as("alice", PASSWORD).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.headers["retry-after"], "2");
    // Other users are not locked.
    assert_eq!(
        web.login_as("bob", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    web.advance_secs(2);
    // One more wrong password doubles it.
    let a = web.login_as("alice", "wrong").await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.headers["retry-after"], "4");
    web.advance_secs(3);
    assert_eq!(
        web.login_as("alice", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    web.advance_secs(1);
    assert_eq!(
        web.login_as("alice", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    // A success clears the count.
    assert_eq!(
        web.login_as("alice", "wrong").await.status,
        StatusCode::UNAUTHORIZED
    );
    // Unknown users get the same answer as a wrong password, and leave
    // no lockout record behind.
    let (_, locks) = web.ctx.accounts.stored();
    for i in 0..5 {
        let a = web.login_as(&format!("mallory{i}"), "x").await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(web.ctx.accounts.stored().1, locks);
    let log = web.ctx.audit.newest(100);
    assert!(log.iter().filter(|e| e.action == "login-failed").count() >= 3);
}

#[tokio::test]
async fn sessions_survive_a_restart_and_expire() {
    let web = Web::with_settings(
        "web-restart",
        gateway::web::WebSettings {
            session_secs: 600,
            ..Default::default()
        },
    );
    let s = web.login("alice").await;
    let web_harness::Web {
        dir,
        store,
        ctx,
        router,
        ..
    } = web;
    drop((router, ctx));
    store.flush().unwrap();
    drop(store);
    let store = kernel::store::Store::open(&dir.path().join("store")).unwrap();
    let web = Web::on(
        dir,
        store,
        gateway::web::WebSettings {
            session_secs: 600,
            ..Default::default()
        },
    );
    assert_eq!(web.get("/journal", &s).await.status, StatusCode::OK);
    let _never_used_again = web.login("olga").await;
    web.advance_secs(601);
    assert_eq!(web.get("/journal", &s).await.status, StatusCode::SEE_OTHER);
    // Expired sessions are swept at the next login.
    web.advance_secs(1);
    let _ = web.login("bob").await;
    assert_eq!(web.ctx.accounts.stored().0, 1);
}

#[tokio::test]
async fn the_audit_log_is_for_admins() {
    let web = Web::start("web-audit");
    let id = web.add(web.outgoing_fax("alice", "+49301111", 1, T0));
    let alice = web.login("alice").await;
    web.get(&format!("/messages/{id}"), &alice).await;
    assert_eq!(
        web.get("/audit", &alice).await.status,
        StatusCode::FORBIDDEN
    );
    let olga = web.login("olga").await;
    assert_eq!(web.get("/audit", &olga).await.status, StatusCode::FORBIDDEN);
    let adam = web.login("adam").await;
    let page = web.get("/audit", &adam).await;
    assert_eq!(page.status, StatusCode::OK);
    let t = page.text();
    assert!(t.contains("<td>alice</td><td>view</td>"), "{t}");
}

#[tokio::test]
async fn health_answers_without_a_login() {
    let web = Web::start("web-health");
    let a = web.request(Method::GET, "/health", &[], Vec::new()).await;
    assert_eq!((a.status, a.text().as_str()), (StatusCode::OK, "ok\n"));
    let a = web
        .request(Method::GET, "/health/ready", &[], Vec::new())
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let css = web
        .request(Method::GET, "/assets/style.css", &[], Vec::new())
        .await;
    assert!(css.text().contains("prefers-color-scheme: dark"));
}

#[tokio::test]
async fn the_send_form_needs_its_token_and_keeps_to_the_limit() {
    let web = Web::with_settings(
        "web-send",
        gateway::web::WebSettings {
            upload_limit: 32 << 10,
            ..Default::default()
        },
    );
    let alice = web.login("alice").await;
    let form = web.get("/send", &alice).await.text();
    assert!(form.contains("enctype=\"multipart/form-data\"") && form.contains(&alice.csrf));
    let cookie = [("cookie", alice.cookie.as_str())];
    // Without the token: refused, nothing submitted.
    let a = web
        .post_multipart(
            "/send",
            &cookie,
            &[("to", None, b"0301111"), ("cover", None, b"Hi")],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    // Too large: cut with a clear message.
    let big = vec![b'A'; 100 << 10];
    let a = web
        .post_multipart(
            "/send",
            &cookie,
            &[
                ("csrf", None, alice.csrf.as_bytes()),
                ("to", None, b"0301111"),
                ("file", Some("big.pdf"), &big),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        a.text().contains("larger than the limit of 32 KiB"),
        "{}",
        a.text()
    );
    assert!(web.submitted.lock().unwrap().is_empty());
    // A refused number is shown as text, nothing queued.
    let a = web
        .post_multipart(
            "/send",
            &cookie,
            &[
                ("csrf", None, alice.csrf.as_bytes()),
                ("to", None, b"<b>x</b>"),
                ("cover", None, b"Hi"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text());
    assert!(!a.text().contains("<b>x</b>"));
    assert_eq!(web.store.len(), 0);
    // And a good one is queued as alice.
    let a = web
        .post_multipart(
            "/send",
            &cookie,
            &[
                ("csrf", None, alice.csrf.as_bytes()),
                ("to", None, b"0301111"),
                ("subject", None, b"Order"),
                ("cover", None, b"Please find attached"),
                ("file", Some("order.pdf"), b"%PDF-1.4 tiny"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert!(a.text().contains("+49301111"));
    let sent = web.submitted.lock().unwrap();
    let mail = String::from_utf8_lossy(&sent.last().unwrap().2).into_owned();
    assert!(
        mail.contains("Subject: Order") && mail.contains("Please find attached"),
        "{mail}"
    );
    assert!(mail.contains("order.pdf"));
    assert_eq!(web.store.len(), 1);
    let r = web.store.newest_first(None).next().unwrap().unwrap().1;
    assert_eq!(r.message.user.as_deref(), Some("alice"));
}

#[tokio::test]
async fn live_status_answers_only_for_visible_rows() {
    let web = Web::start("web-live");
    let mine = web.add(web.outgoing_fax("alice", "+49301111", 3, T0));
    let theirs = web.add(web.outgoing_fax("bob", "+49302222", 1, T0));
    let alice = web.login("alice").await;
    let v: serde_json::Value = serde_json::from_slice(
        &web.get(&format!("/journal/status?ids={mine},{theirs},77"), &alice)
            .await
            .body,
    )
    .unwrap();
    assert_eq!(v, serde_json::json!({ mine.to_string(): "queued" }));
    let mut r = web.store.get(MessageId(mine)).unwrap().unwrap();
    r.message.status = Status::Sending;
    r.message.pages_sent = 1;
    web.store.update(&r, "test").unwrap();
    let v: serde_json::Value = serde_json::from_slice(
        &web.get(&format!("/journal/status?ids={mine}"), &alice)
            .await
            .body,
    )
    .unwrap();
    assert_eq!(v[mine.to_string()], "sending page 2/3");
}

#[tokio::test]
async fn lines_and_dead_letters_are_for_operators() {
    let web = Web::start("web-operator");
    let dl = web.dir.path().join("dead-letter");
    std::fs::create_dir_all(&dl).unwrap();
    let alice = web.login("alice").await;
    assert_eq!(
        web.get("/dead-letters", &alice).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        web.get("/lines", &alice).await.status,
        StatusCode::FORBIDDEN
    );
    let page = web.get("/journal", &alice).await.text();
    assert!(!page.contains("href=\"/lines\""));
    let olga = web.login("olga").await;
    let page = web.get("/dead-letters", &olga).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("every notice was delivered"));
    assert!(web
        .get("/journal", &olga)
        .await
        .text()
        .contains("href=\"/dead-letters\""));
    let a = web
        .post_form(
            "/dead-letters/retry",
            Some(&olga.cookie),
            &[("csrf", &olga.csrf), ("id", "../../x")],
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_preview_shows_every_page_before_anything_is_queued() {
    let web = Web::start("web-preview");
    let alice = web.login("alice").await;
    let cookie = [("cookie", alice.cookie.as_str())];
    // A render error is shown on the form; nothing is queued.
    let a = web
        .post_multipart(
            "/send",
            &cookie,
            &[
                ("csrf", None, alice.csrf.as_bytes()),
                ("action", None, b"preview"),
                ("to", None, b"0301111"),
                ("file", Some("broken<i>.pdf"), b"%PDF-1.4 this is no PDF"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text());
    assert!(a.text().contains("broken&lt;i&gt;.pdf"), "{}", a.text());
    assert!(web.submitted.lock().unwrap().is_empty());
    // A good one: its pages as the renderer makes them.
    let a = web
        .post_multipart(
            "/send",
            &cookie,
            &[
                ("csrf", None, alice.csrf.as_bytes()),
                ("action", None, b"preview"),
                ("to", None, b"0301111"),
                ("cover", None, b"Please call me back about the order."),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let t = a.text();
    assert!(t.contains("1 page(s) to 0301111@fax.example.com"), "{t}");
    let key = t
        .split("src=\"/send/preview/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("a page image")
        .to_string();
    let png = web.get(&format!("/send/preview/{key}/1"), &alice).await;
    assert_eq!(png.status, StatusCode::OK);
    assert!(png.body.starts_with(b"\x89PNG"));
    assert!(
        web.submitted.lock().unwrap().is_empty(),
        "a preview sends nothing"
    );
    // Another user cannot see or send it.
    let bob = web.login("bob").await;
    assert_eq!(
        web.get(&format!("/send/preview/{key}/1"), &bob)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let a = web
        .post_form(
            &format!("/send/preview/{key}"),
            Some(&bob.cookie),
            &[("csrf", &bob.csrf)],
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    // Without the token: refused.
    let a = web
        .post_form(&format!("/send/preview/{key}"), Some(&alice.cookie), &[])
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    // "Send these pages".
    let a = web
        .post_form(
            &format!("/send/preview/{key}"),
            Some(&alice.cookie),
            &[("csrf", &alice.csrf)],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let sent = web.submitted.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert!(String::from_utf8_lossy(&sent[0].2).contains("Please call me back"));
    assert_eq!(web.store.len(), 1);
    // Once only.
    let a = web
        .post_form(
            &format!("/send/preview/{key}"),
            Some(&alice.cookie),
            &[("csrf", &alice.csrf)],
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_german_user_reads_german_pages() {
    let web = Web::start("web-german");
    let mut users = web_harness::users();
    users[0].language = kernel::report::Language::De;
    web.ctx.set_users(users);
    let id = web.add(web.outgoing_fax("alice", "+49301111", 1, T0));
    let alice = web.login("alice").await;
    let page = web.get("/journal", &alice).await.text();
    assert!(page.contains("<html lang=\"de\">"), "{page}");
    for word in ["Abmelden", "Richtung", "ein und aus", "Betreff", "Seiten"] {
        assert!(page.contains(word), "{word}: {page}");
    }
    let page = web.get(&format!("/messages/{id}"), &alice).await.text();
    for word in [
        "PDF herunterladen",
        "Erneut senden",
        "Abbrechen",
        "<dt>Nummer</dt>",
    ] {
        assert!(page.contains(word), "{word}: {page}");
    }
    // Bob keeps English.
    let bob = web.login("bob").await;
    let page = web.get("/journal", &bob).await.text();
    assert!(page.contains("<html lang=\"en\">") && page.contains("Log out"));
    let missing = web.get("/messages/999", &alice).await.text();
    assert!(missing.contains("Keine solche Nachricht."));
}

#[tokio::test]
async fn rows_change_state_over_server_sent_events() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let web = Web::start("web-sse");
    let mine = web.add(web.outgoing_fax("alice", "+49301111", 3, T0));
    let theirs = web.add(web.outgoing_fax("bob", "+49302222", 1, T0));
    let alice = web.login("alice").await;
    let req = axum::http::Request::get(format!("/journal/events?ids={mine},{theirs}"))
        .header("cookie", &alice.cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = web.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut body = resp.into_body();
    let mut next_event = async || loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
            .await
            .expect("an event within 5 s")
            .expect("the stream goes on")
            .unwrap();
        if let Ok(data) = frame.into_data() {
            let text = String::from_utf8_lossy(&data).into_owned();
            if text.contains("event: status") {
                return text;
            }
        }
    };
    let first = next_event().await;
    assert!(first.contains(&format!("\"{mine}\":\"queued\"")), "{first}");
    assert!(
        !first.contains(&theirs.to_string()),
        "bob's row leaks: {first}"
    );
    let mut r = web.store.get(MessageId(mine)).unwrap().unwrap();
    r.message.status = Status::Sending;
    r.message.pages_sent = 2;
    web.store.update(&r, "test").unwrap();
    let second = next_event().await;
    assert!(second.contains("sending page 3/3"), "{second}");
    r.message.status = Status::Sent;
    r.message.pages_sent = 3;
    web.store.update(&r, "test").unwrap();
    let third = next_event().await;
    assert!(third.contains(&format!("\"{mine}\":\"sent\"")), "{third}");
}

/// Streams of several browsers share one poller: each row is read once a
/// round however many follow it, each stream gets only its own rows' news
/// (and only rows its user may see), a closed stream leaves the others
/// running, and the poller ends once nobody follows.
#[tokio::test]
async fn live_streams_share_one_poller() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let web = Web::start("web-sse-shared");
    let mine = web.add(web.outgoing_fax("alice", "+49301111", 3, T0));
    let theirs = web.add(web.outgoing_fax("bob", "+49302222", 2, T0));
    let alice = web.login("alice").await;
    let bob = web.login("bob").await;
    let open = async |cookie: &str, ids: String| {
        let req = axum::http::Request::get(format!("/journal/events?ids={ids}"))
            .header("cookie", cookie)
            .body(axum::body::Body::empty())
            .unwrap();
        let resp = web.router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.into_body()
    };
    // The next status event, or None if none comes within `secs`.
    async fn event(body: &mut axum::body::Body, secs: u64) -> Option<String> {
        let wait = std::time::Duration::from_secs(secs);
        loop {
            let frame = tokio::time::timeout(wait, body.frame()).await.ok()?;
            let data = frame.expect("the stream goes on").unwrap().into_data();
            if let Ok(data) = data {
                let text = String::from_utf8_lossy(&data).into_owned();
                if text.contains("event: status") {
                    return Some(text);
                }
            }
        }
    }
    let set = |id: u64, status: Status, sent: u32| {
        let mut r = web.store.get(MessageId(id)).unwrap().unwrap();
        r.message.status = status;
        r.message.pages_sent = sent;
        web.store.update(&r, "test").unwrap();
    };
    let mut a = open(&alice.cookie, format!("{mine},{theirs}")).await;
    let mut b = open(&bob.cookie, format!("{theirs}")).await;
    let first = event(&mut a, 5).await.expect("alice's first event");
    assert!(!first.contains(&theirs.to_string()), "{first}");
    assert!(event(&mut b, 5).await.is_some(), "bob's first event");
    assert_eq!(web.ctx.live.followed(), 2, "two rows, read once each");
    assert!(web.ctx.live.polling());

    set(theirs, Status::Sending, 1);
    let news = event(&mut b, 5).await.expect("bob hears of his row");
    assert!(news.contains("sending page 2/2"), "{news}");
    assert_eq!(
        event(&mut a, 2).await,
        None,
        "alice hears nothing of bob's row"
    );
    set(mine, Status::Sent, 3);
    let news = event(&mut a, 5).await.expect("alice hears of her row");
    assert!(news.contains(&format!("\"{mine}\":\"sent\"")), "{news}");
    assert!(!news.contains(&theirs.to_string()), "{news}");

    drop(a);
    assert_eq!(web.ctx.live.followed(), 1, "alice's row is no longer read");
    set(theirs, Status::Sent, 2);
    let news = event(&mut b, 5).await.expect("bob's stream goes on");
    assert!(news.contains(&format!("\"{theirs}\":\"sent\"")), "{news}");
    drop(b);
    assert_eq!(web.ctx.live.followed(), 0);
    let stopped = async {
        while web.ctx.live.polling() {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), stopped)
        .await
        .expect("the poller ends once nobody follows");
}
