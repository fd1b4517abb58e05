//! `/api/v1`: tokens and their scopes, the journal's keyset paging, the
//! problem details, the upload limit, and the attacks as an API client.

mod web_harness;

use axum::http::{Method, StatusCode};
use kernel::message::{Service, Status, Timestamp};
use web_harness::{id_of, Web, T0};

#[tokio::test]
async fn without_a_valid_token_the_api_answers_401_problems() {
    let web = Web::start("api-401");
    for auth in [
        None,
        Some("Bearer nonsense"),
        Some("Bearer ums_0000_1111"),
        Some("Basic YWxpY2U6eA=="),
    ] {
        let h: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", *a)).collect();
        let a = web
            .request(Method::GET, "/api/v1/messages", &h, Vec::new())
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(a.content_type(), "application/problem+json");
        assert_eq!(a.json()["status"], 401);
        assert!(a.headers.contains_key("www-authenticate"));
    }
    // Unknown API paths are problems too.
    let t = web.token("alice", "read", "30").await;
    let a = web.api(Method::GET, "/api/v1/nothing", &t).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.content_type(), "application/problem+json");
}

#[tokio::test]
async fn expired_and_revoked_tokens_get_401() {
    let web = Web::start("api-token-life");
    let id = web.add(web.outgoing_fax("alice", "+49301111", 1, T0));
    let t = web.token("alice", "read", "1").await;
    assert!(t.starts_with("ums_"));
    // Shown once: the token list has no secret.
    let s = web.login("alice").await;
    let list = web.get("/tokens", &s).await.text();
    assert!(!list.contains(&t) && !list.contains(t.rsplit('_').next().unwrap()));
    let a = web
        .api(Method::GET, &format!("/api/v1/messages/{id}"), &t)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert!(
        web.get("/tokens", &s).await.text().contains("2026-"),
        "last use is shown"
    );
    // A day later it has expired.
    web.advance_secs(86_400);
    assert_eq!(
        web.api(Method::GET, &format!("/api/v1/messages/{id}"), &t)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // A revoked one is refused at once.
    let t2 = web.token("alice", "read", "30").await;
    assert_eq!(
        web.api(Method::GET, "/api/v1/messages", &t2).await.status,
        StatusCode::OK
    );
    let token_id = t2.split('_').nth(1).unwrap();
    // Bob cannot revoke alice's token.
    let bob = web.login("bob").await;
    let a = web
        .post_form(
            &format!("/tokens/{token_id}/revoke"),
            Some(&bob.cookie),
            &[("csrf", &bob.csrf)],
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(
        web.api(Method::GET, "/api/v1/messages", &t2).await.status,
        StatusCode::OK
    );
    let s = web.login("alice").await;
    let a = web
        .post_form(
            &format!("/tokens/{token_id}/revoke"),
            Some(&s.cookie),
            &[("csrf", &s.csrf)],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(
        web.api(Method::GET, "/api/v1/messages", &t2).await.status,
        StatusCode::UNAUTHORIZED
    );
    // A token with its secret changed is no token.
    let t3 = web.token("alice", "read", "30").await;
    let mut forged = t3.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == '0' { '1' } else { '0' });
    assert_eq!(
        web.api(Method::GET, "/api/v1/messages", &forged)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn scopes_limit_what_a_token_does() {
    let web = Web::start("api-scopes");
    let id = web.add(web.outgoing_fax("alice", "+49301111", 1, T0));
    let read = web.token("alice", "read", "30").await;
    for (path, scope) in [
        ("cancel", "manage"),
        ("delete", "manage"),
        ("resend", "send"),
    ] {
        let a = web
            .api(
                Method::POST,
                &format!("/api/v1/messages/{id}/{path}"),
                &read,
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{path}");
        assert!(a.json()["detail"].as_str().unwrap().contains(scope));
    }
    assert!(web.removed.lock().unwrap().is_empty());
    let manage = web.token("alice", "manage", "30").await;
    let a = web.api(Method::GET, "/api/v1/messages", &manage).await;
    assert_eq!(
        a.status,
        StatusCode::FORBIDDEN,
        "manage alone does not read"
    );
    let a = web
        .api(
            Method::POST,
            &format!("/api/v1/messages/{id}/delete"),
            &manage,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert_eq!(a.json(), serde_json::json!({"id": id, "status": "deleted"}));
    assert_eq!(*web.removed.lock().unwrap(), vec![(id, true)]);
    // Lines and dead letters are for operators.
    let all = web.token("alice", "read,send,manage", "30").await;
    assert_eq!(
        web.api(Method::GET, "/api/v1/lines", &all).await.status,
        StatusCode::FORBIDDEN
    );
    let olga = web.token("olga", "read", "30").await;
    let a = web.api(Method::GET, "/api/v1/dead-letters", &olga).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json(), serde_json::json!({"dead_letters": []}));
}

#[tokio::test]
async fn guessing_ids_through_the_api_finds_nothing() {
    let web = Web::start("api-guess");
    let bobs = web.add(web.outgoing_fax("bob", "+49302222", 1, T0));
    let t = web.token("alice", "read,send,manage", "30").await;
    let missing = web.api(Method::GET, "/api/v1/messages/424242", &t).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    for (m, path) in [
        (Method::GET, format!("/api/v1/messages/{bobs}")),
        (Method::GET, format!("/api/v1/messages/{bobs}/pages/1")),
        (Method::GET, format!("/api/v1/messages/{bobs}/document")),
        (Method::POST, format!("/api/v1/messages/{bobs}/cancel")),
        (Method::POST, format!("/api/v1/messages/{bobs}/delete")),
        (Method::POST, format!("/api/v1/messages/{bobs}/resend")),
    ] {
        let a = web.api(m, &path, &t).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            a.body, missing.body,
            "{path}: the same answer as no message"
        );
    }
    let list = web.api(Method::GET, "/api/v1/messages", &t).await.json();
    assert_eq!(id_of(&list), Vec::<u64>::new());
    assert!(web.removed.lock().unwrap().is_empty());
    assert_eq!(web.store.len(), 1);
}

#[tokio::test]
async fn keyset_paging_walks_every_record_once_newest_first() {
    let web = Web::start("api-paging");
    // 230 messages, several per millisecond (equal times: the id decides),
    // two users, both directions.
    let mut expected = Vec::new();
    let mut batch = Vec::new();
    for i in 0..230u64 {
        let at = Timestamp(T0.0 + (i / 3) * 1000);
        let m = if i % 4 == 0 {
            web.incoming(if i % 8 == 0 { "alice" } else { "bob" }, Service::Sms, at)
        } else {
            web.outgoing_fax(if i % 2 == 0 { "alice" } else { "bob" }, "+49301111", 0, at)
        };
        expected.push((m.created_at, m.id.0, m.user.clone().unwrap(), m.direction));
        batch.push(kernel::store::Record {
            message: m,
            job: None,
        });
    }
    web.store.insert_batch(&batch).unwrap();
    expected.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let olga = web.token("olga", "read", "30").await;
    let walk = |filter: &'static str| {
        let web = &web;
        let olga = olga.clone();
        async move {
            let mut got = Vec::new();
            let mut after = String::new();
            for _ in 0..100 {
                let a = web
                    .api(
                        Method::GET,
                        &format!("/api/v1/messages?limit=40{filter}{after}"),
                        &olga,
                    )
                    .await;
                assert_eq!(a.status, StatusCode::OK, "{}", a.text());
                let v = a.json();
                let ids = id_of(&v);
                assert!(ids.len() <= 40);
                got.extend(ids);
                match v["next"].as_str() {
                    Some(n) => after = format!("&after={n}"),
                    None => return got,
                }
            }
            panic!("paging does not end");
        }
    };
    let all: Vec<u64> = expected.iter().map(|e| e.1).collect();
    assert_eq!(walk("").await, all);
    let incoming: Vec<u64> = (expected.iter())
        .filter(|e| e.3 == kernel::message::Direction::Incoming)
        .map(|e| e.1)
        .collect();
    assert_eq!(walk("&direction=in").await, incoming);
    // A date range: the first 60 s after T0 hold messages 0..180.
    let day = T0.iso8601()[..10].to_string();
    let a = web
        .api(
            Method::GET,
            &format!("/api/v1/messages?from={day}&to={day}&limit=200"),
            &olga,
        )
        .await;
    assert_eq!(id_of(&a.json()).len(), 200);
    // Alice's own list through her token: only hers.
    let alice = web.token("alice", "read", "30").await;
    let a = web
        .api(Method::GET, "/api/v1/messages?limit=200", &alice)
        .await
        .json();
    let mine: Vec<u64> = expected
        .iter()
        .filter(|e| e.2 == "alice")
        .map(|e| e.1)
        .collect();
    assert_eq!(id_of(&a), mine);
    // A bad cursor is a 400 problem.
    let a = web
        .api(Method::GET, "/api/v1/messages?after=zz", &olga)
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.content_type(), "application/problem+json");
}

#[tokio::test]
async fn an_oversize_upload_is_cut_at_the_limit_with_413() {
    let web = Web::with_settings(
        "api-upload",
        gateway::web::WebSettings {
            upload_limit: 64 << 10,
            ..Default::default()
        },
    );
    let t = web.token("alice", "send", "30").await;
    let boundary = "XyZ";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\n+49301111\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(b'A', 1 << 20));
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let auth = format!("Bearer {t}");
    let ct = format!("multipart/form-data; boundary={boundary}");
    let a = web
        .request(
            Method::POST,
            "/api/v1/messages",
            &[("authorization", &auth), ("content-type", &ct)],
            body,
        )
        .await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", a.text());
    assert_eq!(a.content_type(), "application/problem+json");
    let detail = a.json()["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("limit of 64 KiB"), "{detail}");
    assert_eq!(web.store.len(), 0);
    // A small one passes the limit (and reaches the sending path).
    let small = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\n+49301111\r\n--{boundary}--\r\n"
    );
    let a = web
        .request(
            Method::POST,
            "/api/v1/messages",
            &[("authorization", &auth), ("content-type", &ct)],
            small.into_bytes(),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text());
    assert!(a.json()["detail"]
        .as_str()
        .unwrap()
        .contains("nothing to send"));
    assert!(web.submitted.lock().unwrap().is_empty());
    let a = web
        .post_multipart(
            "/api/v1/messages",
            &[("authorization", &auth)],
            &[
                ("to", None, b"030 1111, 030 2222"),
                ("cover", None, b"Hello"),
                ("file", Some("../../etc/x.pdf"), b"%PDF-1.4"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let v = a.json();
    assert_eq!(v["messages"].as_array().unwrap().len(), 2);
    assert_eq!(v["messages"][1]["number"], "+49302222");
    let sent = web.submitted.lock().unwrap();
    let (from, to, mail) = &sent[0];
    assert_eq!(from, "alice@example.com");
    assert_eq!(to, &["0301111@fax.example.com", "0302222@fax.example.com"]);
    let mail = String::from_utf8_lossy(mail);
    assert!(mail.contains("x.pdf"), "{mail}");
    assert!(
        !mail.contains("etc/x"),
        "the file name without its path: {mail}"
    );
}

#[tokio::test]
async fn a_message_and_its_pages_through_the_api() {
    let web = Web::start("api-message");
    let mut m = web.outgoing_fax("alice", "+49301111", 2, T0);
    m.subject = Some("<b>Quote</b>".into());
    m.status = Status::Failed;
    let id = web.add(m);
    let t = web.token("alice", "read,send", "30").await;
    let v = web
        .api(Method::GET, &format!("/api/v1/messages/{id}"), &t)
        .await
        .json();
    assert_eq!(v["id"], id);
    assert_eq!(v["direction"], "out");
    assert_eq!(v["service"], "fax");
    assert_eq!(v["status"], "failed");
    assert_eq!(v["number"], "+49301111");
    assert_eq!(
        v["subject"], "<b>Quote</b>",
        "JSON carries the text as it is"
    );
    assert_eq!(v["pages"], 2);
    assert_eq!(v["has_document"], true);
    let png = web
        .api(
            Method::GET,
            &format!("/api/v1/messages/{id}/pages/1?width=200"),
            &t,
        )
        .await;
    assert_eq!(png.content_type(), "image/png");
    let w = u32::from_be_bytes(png.body[16..20].try_into().unwrap());
    assert_eq!(w, 200);
    let pdf = web
        .api(Method::GET, &format!("/api/v1/messages/{id}/document"), &t)
        .await;
    assert!(pdf.body.starts_with(b"%PDF-"));
    let a = web
        .request(
            Method::POST,
            &format!("/api/v1/messages/{id}/resend"),
            &[
                ("authorization", &format!("Bearer {t}")),
                ("content-type", "application/json"),
            ],
            br#"{"number": "+49 30 5555"}"#.to_vec(),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let v = a.json();
    assert_eq!(v["number"], "+49305555");
    assert_eq!(v["status"], "queued");
    assert_eq!(v["pages"], 2);
    let log = web.ctx.audit.newest(20);
    assert!(log
        .iter()
        .any(|e| e.action == "resend" && e.user.starts_with("alice (token ")));
}
