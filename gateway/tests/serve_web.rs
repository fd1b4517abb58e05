//! The web journal in the real `ums serve` (embedded default): the first
//! admin password printed once, a login over a socket, a token, a fax
//! sent through the API along the same policy and render path as a mail,
//! its page as PNG, `ums passwd`, and a configured web port in use.

mod serve_harness;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;

use serve_harness::{listening, read, spawn, wait_for};
use test_kit::Proc;

const SMTP: u16 = 2961;
const WEB: u16 = 8961;

/// One HTTP/1.1 request on a fresh connection: (status, headers, body).
fn http(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", WEB)).expect("connect");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&out[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut body = out[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, head, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let nl = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let n = usize::from_str_radix(std::str::from_utf8(&b[..nl]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[nl + 2..nl + 2 + n]);
        b = &b[nl + 4 + n..];
    }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find(|l| l.to_ascii_lowercase().starts_with(&format!("{name}:")))
        .map(|l| l[name.len() + 1..].trim())
}

fn login(user: &str, password: &str) -> (u16, Option<String>) {
    let body = format!("user={user}&password={password}");
    let (status, head, _) = http(
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    );
    let cookie = header(&head, "set-cookie").map(|c| c.split(';').next().unwrap().to_string());
    (status, cookie)
}

#[test]
fn the_web_journal_of_ums_serve() {
    let dir = test_kit::Scratch::new("serve-web");
    let data = dir.subdir("data");
    let log = dir.path().join("serve.log");
    let web = format!("127.0.0.1:{WEB}");
    let smtp = format!("127.0.0.1:{SMTP}");
    let args = [
        "--data",
        data.to_str().unwrap(),
        "--smtp",
        &smtp,
        "--web",
        &web,
    ];
    let mut serve = Proc(spawn(&args, &log));
    assert!(wait_for(30, || listening(WEB)), "{}", read(&log));
    assert!(
        wait_for(10, || read(&log).contains("password ")),
        "{}",
        read(&log)
    );
    let text = read(&log);
    let password = text
        .split("user admin  password ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect("the first password is printed")
        .to_string();
    assert_eq!(password.len(), 20);
    assert!(text.contains(&format!("web journal on http://{web}/")));

    let (status, _, body) = http("GET", "/health/ready", &[], b"");
    assert_eq!((status, body.as_slice()), (200, &b"ready\n"[..]));
    assert_eq!(login("admin", "not it").0, 401);
    let (status, cookie) = login("admin", &password);
    assert_eq!(status, 303);
    let cookie = cookie.expect("a session cookie");

    // A token from the tokens page (CSRF from the page itself).
    let (_, _, page) = http("GET", "/tokens", &[("Cookie", &cookie)], b"");
    let page = String::from_utf8(page).unwrap();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let form = format!("csrf={csrf}&name=ci&scopes=read%2Csend&days=1");
    let (status, _, page) = http(
        "POST",
        "/tokens",
        &[
            ("Cookie", &cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        form.as_bytes(),
    );
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    let token = page
        .split("id=\"token\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let bearer = format!("Bearer {token}");

    // A fax through the API: rendered and queued like a mail.
    let b = "B0undary";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\n0895551\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nFrom the web\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"note.txt\"\r\n\
         Content-Type: text/plain\r\n\r\nHello by fax from the REST API.\r\n--{b}--\r\n"
    );
    let ct = format!("multipart/form-data; boundary={b}");
    let (status, head, out) = http(
        "POST",
        "/api/v1/messages",
        &[("Authorization", &bearer), ("Content-Type", &ct)],
        body.as_bytes(),
    );
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
    assert_eq!(
        status,
        201,
        "{head}\n{}\n{}",
        String::from_utf8_lossy(&out),
        read(&log)
    );
    let m = &v["messages"][0];
    assert_eq!(m["number"], "+49895551");
    assert_eq!(m["subject"], "From the web");
    assert!(m["pages"].as_u64().unwrap() >= 1, "{v}");
    let id = m["id"].as_u64().unwrap();
    let (status, head, png) = http(
        "GET",
        &format!("/api/v1/messages/{id}/pages/1"),
        &[("Authorization", &bearer)],
        b"",
    );
    assert_eq!(status, 200, "{head}");
    assert!(png.starts_with(b"\x89PNG"));
    // The journal page lists it.
    let (_, _, page) = http("GET", "/journal?service=fax", &[("Cookie", &cookie)], b"");
    assert!(String::from_utf8_lossy(&page).contains(&format!("href=\"/messages/{id}\"")));

    // `ums passwd` through the running gateway.
    let mut passwd = serve_harness::ums()
        .args(["passwd", "admin", "--data", data.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    passwd
        .stdin
        .take()
        .unwrap()
        .write_all(b"a new password 42\n")
        .unwrap();
    let out = passwd.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(login("admin", &password).0, 401);
    assert_eq!(login("admin", "a%20new%20password%2042").0, 303);
    // A user id the directory does not have is refused.
    let mut nobody = serve_harness::ums()
        .args(["passwd", "mallory", "--data", data.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    nobody
        .stdin
        .take()
        .unwrap()
        .write_all(b"whatever123\n")
        .unwrap();
    let out = nobody.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no [[user]] with id 'mallory'"));
    let _ = serve.0.kill();
}

#[test]
fn a_configured_web_port_in_use_stops_the_start() {
    let dir = test_kit::Scratch::new("serve-web-port");
    let _taken = std::net::TcpListener::bind(("127.0.0.1", WEB + 1)).unwrap();
    let config = dir.path().join("ums.toml");
    std::fs::write(
        &config,
        format!(
            "[smtp]\nlisten = \"127.0.0.1:{}\"\n\n[web]\nlisten = \"127.0.0.1:{}\"\n",
            SMTP + 1,
            WEB + 1
        ),
    )
    .unwrap();
    let log = dir.path().join("serve.log");
    let data = dir.subdir("data");
    let mut serve = Proc(spawn(
        &[
            "--config",
            config.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ],
        &log,
    ));
    let status = serve_harness::wait_exit(&mut serve.0, 30).expect("it stops");
    assert_eq!(status.code(), Some(2), "{}", read(&log));
    assert!(
        read(&log).contains(&format!("web listener on 127.0.0.1:{}", WEB + 1)),
        "{}",
        read(&log)
    );
}

/// `curl ARGS` (tests that need TLS use curl as the client).
fn curl(args: &[&str]) -> String {
    let out = std::process::Command::new("curl")
        .args(["-s", "-k", "--max-time", "5"])
        .args(args)
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn on_tls_the_cookie_is_secure_and_a_stalled_handshake_holds_nobody_up() {
    let dir = test_kit::Scratch::new("serve-web-tls");
    let config = dir.path().join("ums.toml");
    std::fs::write(
        &config,
        format!(
            "[smtp]\nlisten = \"127.0.0.1:{}\"\n\n[web]\nlisten = \"127.0.0.1:{}\"\ntls = \"on\"\n\n\
             [[user]]\nid = \"ops\"\nemail = \"ops@localhost\"\nrole = \"operator\"\n",
            SMTP + 2,
            WEB + 2
        ),
    )
    .unwrap();
    let log = dir.path().join("serve.log");
    let data = dir.subdir("data");
    let _serve = Proc(spawn(
        &[
            "--config",
            config.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ],
        &log,
    ));
    assert!(wait_for(30, || listening(WEB + 2)), "{}", read(&log));
    let base = format!("https://127.0.0.1:{}", WEB + 2);
    // A client that connects and says nothing.
    let _stalled = TcpStream::connect(("127.0.0.1", WEB + 2)).unwrap();
    assert_eq!(curl(&[&format!("{base}/health")]), "ok\n");
    // Plain HTTP on the TLS port gets nothing.
    assert_eq!(curl(&[&format!("http://127.0.0.1:{}/health", WEB + 2)]), "");
    let mut passwd = serve_harness::ums()
        .args(["passwd", "ops", "--data", data.to_str().unwrap()])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    passwd
        .stdin
        .take()
        .unwrap()
        .write_all(b"secret pass 1\n")
        .unwrap();
    assert!(passwd.wait().unwrap().success());
    let head = curl(&[
        "-D",
        "-",
        "-o",
        "/dev/null",
        "-d",
        "user=ops&password=secret%20pass%201",
        &format!("{base}/login"),
    ]);
    let cookie = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap_or_else(|| panic!("no cookie: {head}"));
    for flag in ["HttpOnly", "SameSite=Strict", "Secure"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
}
