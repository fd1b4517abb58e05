//! An API client generated from the OpenAPI document that the real `ums
//! serve` serves (openapi-python-client, installed by `scripts/setup.sh
//! --test` in /opt/ums-test-python) sends a fax: the document is fetched
//! and the client generated at test time, then `send_fax` posts a PDF to
//! /api/v1/messages with a token, and `get_message` and `list_messages`
//! find it (web_api_client/send_fax.py).

mod serve_harness;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;

use serve_harness::{listening, read, spawn, wait_for};
use test_kit::Proc;

const SMTP: u16 = 2981;
const WEB: u16 = 8981;
const VENV: &str = "/opt/ums-test-python";

/// One HTTP/1.1 request (the gateway closes after it): (status, head, body).
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
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&out[..split]).into_owned();
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, out[split + 4..].to_vec())
}

/// The generator and the Python that runs its client: the setup's venv, or
/// what is on PATH. None (a skip) only outside CI.
fn generator() -> Option<(PathBuf, PathBuf)> {
    let venv = Path::new(VENV).join("bin");
    let pair = if venv.join("openapi-python-client").exists() {
        (venv.join("openapi-python-client"), venv.join("python"))
    } else {
        ("openapi-python-client".into(), "python3".into())
    };
    if Command::new(&pair.0).arg("--version").output().is_ok() {
        return Some(pair);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "openapi-python-client missing under CI: scripts/setup.sh --test installs it in {VENV}"
    );
    eprintln!("skipped: needs openapi-python-client (scripts/setup.sh --test)");
    None
}

#[test]
fn a_client_generated_from_the_served_document_sends_a_fax() {
    let Some((generate, python)) = generator() else {
        return;
    };
    let dir = test_kit::Scratch::new("web-api-client");
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
    let _serve = Proc(spawn(&args, &log));
    assert!(wait_for(30, || listening(WEB)), "{}", read(&log));
    assert!(wait_for(10, || read(&log).contains("password ")));
    let password = read(&log)
        .split("user admin  password ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect("the first password")
        .to_string();

    // A token with the send scope, made on the tokens page.
    let (status, head, _) = http(
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        format!("user=admin&password={password}").as_bytes(),
    );
    assert_eq!(status, 303, "{head}");
    let cookie = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or(l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    let (_, _, page) = http("GET", "/tokens", &[("Cookie", &cookie)], b"");
    let page = String::from_utf8(page).unwrap();
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).unwrap();
    let csrf = &csrf[..csrf.find('"').unwrap()];
    let (status, _, page) = http(
        "POST",
        "/tokens",
        &[
            ("Cookie", &cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        format!("csrf={csrf}&name=generated&scopes=read%2Csend&days=1").as_bytes(),
    );
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    let token = page.split("id=\"token\">").nth(1).unwrap();
    let token = &token[..token.find('<').unwrap()];

    // The client, generated from the document as served.
    let (status, _, doc) = http("GET", "/api/v1/openapi.json", &[], b"");
    assert_eq!(status, 200);
    let spec = dir.path().join("openapi.json");
    std::fs::write(&spec, doc).unwrap();
    let client = dir.path().join("ums_client");
    let out = Command::new(&generate)
        .arg("generate")
        .arg("--path")
        .arg(&spec)
        .args(["--meta", "none", "--output-path"])
        .arg(&client)
        .output()
        .expect("the generator runs");
    assert!(
        out.status.success() && client.join("api/default/send_fax.py").exists(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let generated = std::fs::read_to_string(client.join("models/send_fax_body.py")).unwrap();
    assert!(generated.contains("list[File]"), "files as binary parts");

    // It sends a PDF and finds the message again.
    let pdf = dir.path().join("offer.pdf");
    write_pdf(&pdf);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web_api_client/send_fax.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(format!("http://{web}"))
        .arg(token)
        .arg(&pdf)
        .env("PYTHONPATH", dir.path())
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        read(&log)
    );
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["number"], "+49895551", "{m}");
    assert_eq!(m["pages"], 2, "{m}");
    // The gateway agrees, without the generated client.
    let id = m["id"].as_u64().unwrap();
    let bearer = format!("Bearer {token}");
    let (status, _, body) = http(
        "GET",
        &format!("/api/v1/messages/{id}"),
        &[("Authorization", &bearer)],
        b"",
    );
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["subject"], "From the generated client");
}

/// A two-page PDF made by our own page model.
fn write_pdf(path: &Path) {
    use fax_t30::page::{BilevelPage, Resolution};
    let pages: Vec<_> = (1..=2u32)
        .map(|i| {
            let mut p = BilevelPage::blank(1728, 2200, Resolution::Fine);
            for y in 200..260 {
                for x in 200..(200 + 300 * i) {
                    p.set(x, y, true);
                }
            }
            fax_t30::tiff::TiffPage::from_page(&p, fax_t30::codec::Compression::T6)
        })
        .collect();
    std::fs::write(
        path,
        fax_t30::pdf::pdf_from_pages(&pages, &Default::default()),
    )
    .unwrap();
}
