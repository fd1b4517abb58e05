//! A W3C WebDriver client small enough to read: Debian's `chromedriver`
//! driving Debian's `chromium`, headless, over plain HTTP/1.1 on loopback
//! (std sockets and serde_json; no WebDriver crate, nothing downloads a
//! browser). Only what the browser tests use.
#![allow(dead_code)] // each test file uses a part

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};
use test_kit::Proc;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The W3C element key in a JSON answer.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Whether the browser is here. Under CI (`CI=true`) a missing browser is a
/// failure, not a skip: `scripts/setup.sh --test` installs it.
pub fn available() -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{CHROMIUM} or {CHROMEDRIVER} missing under CI: scripts/setup.sh --test installs chromium and chromium-driver"
    );
    eprintln!("skipped: needs chromium and chromium-driver (scripts/setup.sh --test)");
    false
}

/// A running chromedriver on `port`, stopped on drop.
pub struct Driver {
    port: u16,
    _proc: Proc,
}

impl Driver {
    pub fn start(port: u16, log: &Path) -> Driver {
        let err = std::fs::File::create(log).unwrap();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::from(err))
            .spawn()
            .expect("chromedriver starts");
        let d = Driver {
            port,
            _proc: Proc(child),
        };
        for _ in 0..100 {
            if let Ok((200, v)) = request(port, "GET", "/status", None) {
                if v["value"]["ready"] == true {
                    return d;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("chromedriver did not answer on {port}");
    }

    /// A headless browser of its own (fresh profile under `profile`).
    pub fn session(&self, profile: &Path) -> Browser {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,1000",
                    "--autoplay-policy=no-user-gesture-required",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        }}});
        let (status, v) = request(self.port, "POST", "/session", Some(&caps)).expect("session");
        assert_eq!(status, 200, "new session: {v}");
        Browser {
            port: self.port,
            id: v["value"]["sessionId"].as_str().unwrap().to_string(),
        }
    }
}

/// One browser session.
pub struct Browser {
    port: u16,
    id: String,
}

impl Browser {
    fn cmd(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let p = format!("/session/{}{path}", self.id);
        let (status, v) = request(self.port, method, &p, body).expect("webdriver");
        assert_eq!(status, 200, "{method} {path}: {v}");
        v["value"].clone()
    }

    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(&json!({ "url": url })));
    }

    pub fn url(&self) -> String {
        self.cmd("GET", "/url", None).as_str().unwrap().to_string()
    }

    /// The element `css` matches (waits up to 10 s for it).
    pub fn find(&self, css: &str) -> String {
        for _ in 0..100 {
            let p = format!("/session/{}/element", self.id);
            let body = json!({"using": "css selector", "value": css});
            if let Ok((200, v)) = request(self.port, "POST", &p, Some(&body)) {
                return v["value"][ELEMENT]
                    .as_str()
                    .unwrap_or_else(|| panic!("{css}: {v}"))
                    .to_string();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("no element {css} on {}:\n{}", self.url(), self.text("body"));
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(&json!({ "text": text })),
        );
    }

    pub fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), Some(&json!({})));
    }

    /// `script` (a function body; `arguments` are `args`) run in the page.
    pub fn js(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(&json!({"script": script, "args": args})),
        )
    }

    /// An async script: it calls `arguments[arguments.length - 1](result)`.
    pub fn js_async(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/async",
            Some(&json!({"script": script, "args": args})),
        )
    }

    /// The text of the first element `css` matches ("" when none).
    pub fn text(&self, css: &str) -> String {
        self.js(
            "var e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
            json!([css]),
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Poll `script` (returns a truthy value when done) every 200 ms for up
    /// to `secs`; the last value.
    pub fn wait(&self, secs: u64, script: &str) -> Option<Value> {
        for _ in 0..secs * 5 {
            let v = self.js(script, json!([]));
            if !(v.is_null() || v == false || v == "" || v == 0) {
                return Some(v);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        None
    }

    /// A PNG of the window, written to `dir/name.png` and copied to
    /// `target/browser-shots/` (the CI artefacts).
    pub fn screenshot(&self, dir: &Path, name: &str) -> PathBuf {
        let b64 = self.cmd("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, &png).unwrap();
        let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser-shots");
        if std::fs::create_dir_all(&shots).is_ok() {
            let _ = std::fs::write(shots.join(format!("{name}.png")), &png);
        }
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = request(self.port, "DELETE", &format!("/session/{}", self.id), None);
    }
}

/// One request to chromedriver: (status, JSON body).
fn request(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(120)))?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    // chromedriver keeps the connection open: read the head, then
    // Content-Length bytes.
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    let split = loop {
        if let Some(p) = out.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = s.read(&mut buf)?;
        if n == 0 {
            return Err(std::io::Error::other("no head"));
        }
        out.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&out[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while out.len() < split + 4 + len {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    let v = serde_json::from_slice(&out[split + 4..]).unwrap_or(Value::Null);
    Ok((status, v))
}
