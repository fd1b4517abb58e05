//! A web journal on a store of its own, driven through the router with
//! `tower::ServiceExt::oneshot` (no socket): users of each role, messages
//! of each kind, a clock the test moves, a stand-in media thread that
//! answers cancel and delete, and resend through the kernel's acceptor.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use gateway::media_loop::MediaControl;
use gateway::web::auth::Accounts;
use gateway::web::{Outgoing, Role, WebContext, WebSettings, WebUser};
use kernel::accept::Acceptor;
use kernel::directory::{Directory, User};
use kernel::job::Job;
use kernel::message::{Direction, Message, MessageId, Service, Status, Timestamp};
use kernel::numbering::{DialPolicy, NumberingPlan, RateLimiter};
use kernel::store::{Record, Store};
use tower::ServiceExt;

pub const T0: Timestamp = Timestamp(1_795_811_201_000);
pub const PASSWORD: &str = "correct horse battery";

/// Mails submitted for sending: (from, to, the mail).
pub type Submitted = Arc<Mutex<Vec<(String, Vec<String>, Vec<u8>)>>>;

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn content_type(&self) -> String {
        (self.headers.get(header::CONTENT_TYPE))
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }
}

/// A logged-in browser.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub struct Web {
    pub dir: test_kit::Scratch,
    pub store: Store,
    pub ctx: Arc<WebContext>,
    pub router: axum::Router,
    pub clock: Arc<AtomicU64>,
    /// What the stand-in media thread was asked: (id, delete).
    pub removed: Arc<Mutex<Vec<(u64, bool)>>>,
    /// Calls the stand-in media thread was asked to hang up: (line, by).
    pub hung_up: Arc<Mutex<Vec<(String, String)>>>,
    /// Mails submitted for sending: (from, to, the mail).
    pub submitted: Submitted,
}

struct TestOutgoing {
    acceptor: Mutex<Acceptor>,
    store: Store,
    clock: Arc<AtomicU64>,
    submitted: Submitted,
}

impl Outgoing for TestOutgoing {
    fn resend(&self, original: &Message, number: Option<&str>) -> Result<Record, String> {
        gateway::web::outgoing::resend_with(
            &self.acceptor,
            &self.store,
            &|_| {},
            Timestamp(self.clock.load(Ordering::SeqCst)),
            original,
            number,
        )
    }

    /// Records the mail and queues one message per recipient through
    /// the acceptor (no rendering: one page).
    fn submit(&self, from: &str, to: &[String], mail: Vec<u8>) -> Result<Vec<Record>, String> {
        self.submitted
            .lock()
            .unwrap()
            .push((from.to_string(), to.to_vec(), mail));
        let now = Timestamp(self.clock.load(Ordering::SeqCst));
        let mut out = Vec::new();
        for rcpt in to {
            let req = kernel::accept::AcceptRequest {
                envelope_sender: from.to_string(),
                from_header: Some(from.to_string()),
                rcpt: rcpt.clone(),
                pages: 1,
                ..Default::default()
            };
            let id = self.store.next_id().unwrap();
            match kernel::lock::lock(&self.acceptor).accept(&req, id, now) {
                kernel::accept::Accepted::Queued(r) => out.push(r),
                kernel::accept::Accepted::Rejected { refusal, .. } => return Err(refusal.text),
            }
        }
        self.store.insert_batch(&out).map_err(|e| e.to_string())?;
        Ok(out)
    }
}

pub fn users() -> Vec<WebUser> {
    let u = |id: &str, role| WebUser {
        id: id.into(),
        email: format!("{id}@example.com"),
        name: format!("{id} name"),
        role,
        language: Default::default(),
    };
    vec![
        u("alice", Role::User),
        u("bob", Role::User),
        u("olga", Role::Operator),
        u("adam", Role::Admin),
    ]
}

fn directory() -> Directory {
    Directory {
        users: users()
            .into_iter()
            .map(|w| User {
                id: w.id,
                name: w.name,
                email: w.email,
                ..Default::default()
            })
            .collect(),
        groups: vec![],
        default_recipient: "ops@example.com".into(),
    }
}

impl Web {
    pub fn start(name: &str) -> Web {
        Web::with_settings(name, WebSettings::default())
    }

    pub fn with_settings(name: &str, settings: WebSettings) -> Web {
        let dir = test_kit::Scratch::new(name);
        let store = Store::open(&dir.subdir("store")).expect("store");
        Web::on(dir, store, settings)
    }

    /// A web over an existing store (a restart).
    pub fn on(dir: test_kit::Scratch, store: Store, settings: WebSettings) -> Web {
        std::fs::create_dir_all(dir.path().join("spool")).expect("spool");
        let clock = Arc::new(AtomicU64::new(T0.0 + 3_600_000));
        // A cheap argon2 cost: the tests check the logic, not the cost.
        let params = argon2::Params::new(64, 1, 1, None).expect("params");
        let accounts = Accounts::with_params(&store, params).expect("accounts");
        let c = Arc::clone(&clock);
        let mut ctx = WebContext::with_accounts(
            accounts,
            store.clone(),
            dir.path().join("spool"),
            dir.path().join("dead-letter"),
            users(),
            settings,
            Box::new(move || Timestamp(c.load(Ordering::SeqCst))),
        )
        .expect("context");
        let plan = NumberingPlan::germany("89", "123456");
        let submitted = Arc::new(Mutex::new(Vec::new()));
        ctx.outgoing = Some(Arc::new(TestOutgoing {
            acceptor: Mutex::new(Acceptor::new(
                plan.clone(),
                DialPolicy::new(&plan),
                directory(),
                RateLimiter::new(100, 3600),
                vec![("fax.example.com".into(), Service::Fax)],
            )),
            store: store.clone(),
            clock: Arc::clone(&clock),
            submitted: Arc::clone(&submitted),
        }));
        ctx.fax_domain = Some("fax.example.com".into());
        let (tx, rx) = mpsc::channel::<MediaControl>();
        let removed = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&removed);
        let hung_up: Arc<Mutex<Vec<(String, String)>>> = Default::default();
        let hangups = Arc::clone(&hung_up);
        std::thread::spawn(move || {
            use gateway::simnet::MediaRequest;
            while let Ok(m) = rx.recv() {
                match m {
                    MediaControl::Request(MediaRequest::Remove {
                        id, delete, reply, ..
                    }) => {
                        seen.lock().unwrap().push((id.0, delete));
                        let _ = reply.send(Ok(true));
                    }
                    MediaControl::Request(MediaRequest::Status(reply)) => {
                        let _ = reply.send(stand_in_lines());
                    }
                    MediaControl::Request(MediaRequest::HangUp { line, by, reply }) => {
                        let busy = stand_in_lines()
                            .iter()
                            .any(|l| l.line == line && l.state != "idle");
                        if busy {
                            hangups.lock().unwrap().push((line, by));
                        }
                        let _ = reply.send(busy);
                    }
                    _ => {}
                }
            }
        });
        ctx.media = Some(tx);
        for u in users() {
            ctx.accounts
                .set_password(&u.id, PASSWORD)
                .expect("password");
        }
        let ctx = Arc::new(ctx);
        Web {
            router: gateway::web::router(Arc::clone(&ctx)),
            dir,
            store,
            ctx,
            clock,
            removed,
            hung_up,
            submitted,
        }
    }

    pub fn spool(&self) -> PathBuf {
        self.dir.path().join("spool")
    }

    pub fn advance_secs(&self, s: u64) {
        self.clock.fetch_add(s * 1000, Ordering::SeqCst);
    }

    pub async fn request(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = self
            .router
            .clone()
            .oneshot(req.body(Body::from(body)).expect("request"))
            .await
            .expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str, s: &Session) -> Answer {
        self.request(Method::GET, uri, &[("cookie", &s.cookie)], Vec::new())
            .await
    }

    /// A form POST as a browser sends it.
    pub async fn post_form(
        &self,
        uri: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
    ) -> Answer {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", gateway::web::html::url_component(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut h = vec![("content-type", "application/x-www-form-urlencoded")];
        if let Some(c) = cookie {
            h.push(("cookie", c));
        }
        self.request(Method::POST, uri, &h, body.into_bytes()).await
    }

    pub async fn login_as(&self, user: &str, password: &str) -> Answer {
        self.post_form("/login", None, &[("user", user), ("password", password)])
            .await
    }

    pub async fn login(&self, user: &str) -> Session {
        let a = self.login_as(user, PASSWORD).await;
        assert_eq!(
            a.status,
            StatusCode::SEE_OTHER,
            "login of {user}: {}",
            a.text()
        );
        let set = a.headers[header::SET_COOKIE].to_str().unwrap().to_string();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        let cookie = set.split(';').next().unwrap().to_string();
        let page = self
            .request(Method::GET, "/tokens", &[("cookie", &cookie)], Vec::new())
            .await
            .text();
        let csrf = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a CSRF field")
            .to_string();
        Session { cookie, csrf }
    }

    /// A token for `user` with `scopes` (through the tokens form).
    pub async fn token(&self, user: &str, scopes: &str, days: &str) -> String {
        let s = self.login(user).await;
        let a = self
            .post_form(
                "/tokens",
                Some(&s.cookie),
                &[
                    ("csrf", &s.csrf),
                    ("name", "test"),
                    ("scopes", scopes),
                    ("days", days),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        let t = a.text();
        t.split("id=\"token\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .expect("the token is shown")
            .to_string()
    }

    /// A multipart POST: `fields` (name, file name, bytes).
    pub async fn post_multipart(
        &self,
        uri: &str,
        headers: &[(&str, &str)],
        fields: &[(&str, Option<&str>, &[u8])],
    ) -> Answer {
        let b = "TeStBoUnDaRy";
        let mut body = Vec::new();
        for (name, file, bytes) in fields {
            body.extend(
                format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"").bytes(),
            );
            if let Some(f) = file {
                body.extend(format!("; filename=\"{f}\"\r\nContent-Type: application/pdf").bytes());
            }
            body.extend(b"\r\n\r\n");
            body.extend_from_slice(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{b}--\r\n").bytes());
        let ct = format!("multipart/form-data; boundary={b}");
        let mut h = headers.to_vec();
        h.push(("content-type", &ct));
        self.request(Method::POST, uri, &h, body).await
    }

    pub async fn api(&self, method: Method, uri: &str, token: &str) -> Answer {
        let auth = format!("Bearer {token}");
        self.request(method, uri, &[("authorization", &auth)], Vec::new())
            .await
    }

    /// Store a message; returns its id.
    pub fn add(&self, m: Message) -> u64 {
        let job = (m.direction == Direction::Outgoing).then(|| Job::new(m.pages, 5, m.created_at));
        let id = m.id.0;
        self.store
            .insert_batch(&[Record { message: m, job }])
            .expect("insert");
        id
    }

    /// A fax from `user` to `number` with `pages` real pages in the spool.
    pub fn outgoing_fax(&self, user: &str, number: &str, pages: u32, at: Timestamp) -> Message {
        let id = self.store.next_id().unwrap();
        let mut m = Message::new(id, Direction::Outgoing, Service::Fax, at);
        m.user = Some(user.into());
        m.sender_address = Some(format!("{user}@example.com"));
        m.envelope_sender = Some(format!("{user}@example.com"));
        m.recipient_number = Some(number.into());
        m.recipient_address = Some(format!("{number}@fax.example.com"));
        m.original_recipient = m.recipient_address.clone();
        m.dial_string = Some(number.trim_start_matches('+').into());
        m.subject = Some(format!("Offer for {number}"));
        m.pages = pages;
        m.status = Status::Queued;
        if pages > 0 {
            let path = self.spool().join(format!("{}.tif", id.0));
            write_pages(&path, pages);
            m.document = Some(path.display().to_string());
        }
        m
    }

    pub fn incoming(&self, user: &str, service: Service, at: Timestamp) -> Message {
        let id = self.store.next_id().unwrap();
        let mut m = Message::new(id, Direction::Incoming, service, at);
        m.user = Some(user.into());
        m.recipient_address = Some(format!("{user}@example.com"));
        m.caller_number = Some("+4930555123".into());
        m
    }
}

/// What the stand-in media thread says its lines do: one sending a fax
/// over T.38, page 2 of 3, one idle.
pub fn stand_in_lines() -> Vec<kernel::runner::LineState> {
    let line = |name: &str, state: &str| kernel::runner::LineState {
        line: name.into(),
        group: "default".into(),
        state: state.into(),
        message: None,
        remote: None,
        since: None,
        medium: None,
        phase: None,
        bit_rate: 0,
        ecm: false,
        page: 0,
        pages: 0,
        network: None,
    };
    let mut busy = line("sip/pbx/1", "sending");
    busy.message = Some(MessageId(7));
    busy.remote = Some("0301234".into());
    busy.since = Some(T0);
    busy.medium = Some("T.38".into());
    busy.phase = Some("C (page data)".into());
    busy.bit_rate = 14_400;
    busy.ecm = true;
    busy.page = 2;
    busy.pages = 3;
    vec![busy, line("loop/100", "idle")]
}

/// A TIFF-F of `n` fine A4 pages, each with a black bar as wide as its
/// number (so pages differ).
pub fn write_pages(path: &std::path::Path, n: u32) {
    use fax_t30::page::{BilevelPage, Resolution};
    let pages: Vec<_> = (1..=n)
        .map(|i| {
            let mut p = BilevelPage::blank(1728, 400, Resolution::Fine);
            for y in 100..140 {
                for x in 100..(100 + 100 * i) {
                    p.set(x, y, true);
                }
            }
            fax_t30::tiff::TiffPage::from_page(&p, fax_t30::codec::Compression::T6)
        })
        .collect();
    fax_t30::tiff::write_tiff_file(path, &pages, &Default::default()).expect("tiff");
}

pub fn id_of(v: &serde_json::Value) -> Vec<u64> {
    v["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["id"].as_u64().unwrap())
        .collect()
}

pub fn _unused(_: MessageId) {}
