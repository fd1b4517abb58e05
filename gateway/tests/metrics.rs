//! `ums serve --metrics`: the Prometheus endpoint, scraped over HTTP and
//! parsed by the Prometheus project's own Python parser
//! (`prometheus_client.parser`, Debian's python3-prometheus-client), before
//! and after faxes sent through the gateway with swaks.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use test_kit::Scratch;

const SMTP: u16 = 40510;
const METRICS: u16 = 40511;

/// `name{k="v",...}` (labels sorted) -> value, as the parser read them.
type Samples = BTreeMap<String, f64>;

const PARSER: &str = r#"
import sys
from prometheus_client.parser import text_string_to_metric_families
text = sys.stdin.read()
for fam in text_string_to_metric_families(text):
    print("TYPE", fam.name, fam.type)
    for s in fam.samples:
        labels = ",".join('%s="%s"' % (k, v) for k, v in sorted(s.labels.items()))
        print("SAMPLE", "%s{%s}" % (s.name, labels), repr(float(s.value)))
"#;

struct Scrape {
    content_type: String,
    samples: Samples,
    types: BTreeMap<String, String>,
}

fn http_get(path: &str) -> (String, String) {
    let mut c = TcpStream::connect(("127.0.0.1", METRICS)).expect("metrics port");
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(c, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut resp = String::new();
    c.read_to_string(&mut resp).unwrap();
    let (head, body) = resp.split_once("\r\n\r\n").expect("HTTP response");
    (head.to_string(), body.to_string())
}

fn scrape() -> Scrape {
    let (head, body) = http_get("/metrics");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap_or_default()
        .to_string();
    // Debian's python3 (with python3-prometheus-client), not another one on PATH.
    let mut py = Command::new("/usr/bin/python3")
        .args(["-c", PARSER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3");
    py.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    let out = py.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the Prometheus parser refused the text:\n{}\n{body}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut samples = Samples::new();
    let mut types = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut w = line.split(' ');
        match (w.next(), w.next(), w.next()) {
            (Some("TYPE"), Some(n), Some(t)) => {
                types.insert(n.to_string(), t.to_string());
            }
            (Some("SAMPLE"), Some(n), Some(v)) => {
                samples.insert(n.to_string(), v.parse().unwrap());
            }
            _ => panic!("{line}"),
        }
    }
    Scrape {
        content_type,
        samples,
        types,
    }
}

impl Scrape {
    fn get(&self, key: &str) -> f64 {
        *self
            .samples
            .get(key)
            .unwrap_or_else(|| panic!("no {key} in {:#?}", self.samples))
    }
    fn fax(&self, direction: &str, status: &str) -> f64 {
        self.get(&format!(
            "ums_messages{{direction=\"{direction}\",service=\"fax\",status=\"{status}\"}}"
        ))
    }
    fn busy_lines(&self) -> f64 {
        self.samples
            .iter()
            .filter(|(k, _)| k.starts_with("ums_line_calls_in_progress{"))
            .map(|(_, v)| v)
            .sum()
    }
}

fn serve(data: &Path, log: &Path) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ums"))
        .args(["serve", "--data"])
        .arg(data)
        .args(["--smtp", &format!("127.0.0.1:{SMTP}")])
        .args(["--metrics", &format!("127.0.0.1:{METRICS}")])
        .args(["--user", "anna@example.test"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("ums serve starts");
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", METRICS)).is_ok() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!(
        "ums serve did not listen on {METRICS}: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

fn swaks(to: &str, attach_type: &str, file: &Path) {
    let out = Command::new("swaks")
        .args(["--server", "127.0.0.1", "--port", &SMTP.to_string()])
        .args(["--from", "anna@example.test", "--to", to])
        .args(["--attach-type", attach_type, "--attach"])
        .arg(file)
        .output()
        .expect("swaks");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("<-  250 2.0.0"), "{text}");
}

struct Stop(Child);
impl Drop for Stop {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

#[test]
fn metrics_parse_and_follow_a_fax_through_the_gateway() {
    let dir = Scratch::new("fax-through");
    let data = dir.join("data");
    let res = Resolution::Standard;
    let page = BilevelPage::test_pattern(PaperSize::A4.width(), PaperSize::A4.rows(res), res, 3);
    let doc = dir.join("doc.tif");
    gateway::document::write_pages(&doc, &[page]).unwrap();
    let pdf = dir.join("doc.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n%%EOF\n").unwrap();

    let _ums = Stop(serve(&data, &dir.join("serve.log")));

    let before = scrape();
    assert_eq!(
        before.content_type,
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert_eq!(before.types["ums_messages"], "gauge");
    assert_eq!(before.types["ums_fax_pages"], "counter");
    assert_eq!(before.types["ums_media_tick_lateness_seconds"], "histogram");
    assert_eq!(before.fax("outgoing", "sent"), 0.0);
    assert_eq!(
        before.get("ums_fax_pages_total{direction=\"outgoing\"}"),
        0.0
    );
    assert_eq!(before.get("ums_queue_length{}"), 0.0);
    assert_eq!(before.get("ums_render_errors_total{}"), 0.0);
    assert_eq!(before.get("ums_dead_letters{}"), 0.0);
    assert_eq!(before.busy_lines(), 0.0);
    // The four loopback lines of the embedded default.
    for l in ["100", "101", "102", "103"] {
        before.get(&format!("ums_line_calls_in_progress{{line=\"{l}\"}}"));
    }
    let ticks_before = before.get("ums_media_tick_lateness_seconds_count{}");
    assert_eq!(
        ticks_before,
        before.get("ums_media_tick_lateness_seconds_bucket{le=\"+Inf\"}")
    );

    // A PDF cannot be rendered yet: a render error, the message failed.
    swaks("5551@fax.localhost", "application/pdf", &pdf);
    // A TIFF page and swaks's body text: two pages to the virtual fax machine.
    swaks("5550@fax.localhost", "image/tiff", &doc);

    let mut saw_queue = false;
    let mut saw_busy = false;
    let mut last = scrape();
    for _ in 0..900 {
        saw_queue |= last.get("ums_queue_length{}") >= 1.0;
        saw_busy |= last.busy_lines() >= 1.0;
        if last.fax("outgoing", "sent") >= 1.0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        last = scrape();
    }
    assert_eq!(last.fax("outgoing", "sent"), 1.0, "{:#?}", last.samples);
    assert!(saw_queue, "the queued fax never showed in ums_queue_length");
    assert!(saw_busy, "no line ever showed a call in progress");
    assert_eq!(last.fax("outgoing", "failed"), 1.0);
    assert_eq!(last.get("ums_render_errors_total{}"), 1.0);
    assert_eq!(last.get("ums_fax_pages_total{direction=\"outgoing\"}"), 2.0);
    assert_eq!(last.get("ums_queue_length{}"), 0.0);
    let ticks_after = last.get("ums_media_tick_lateness_seconds_count{}");
    assert!(
        ticks_after > ticks_before,
        "{ticks_before} -> {ticks_after}"
    );
    // Cumulative buckets never go down.
    let mut buckets: Vec<(f64, f64)> = last
        .samples
        .iter()
        .filter_map(|(k, v)| {
            let le = k.strip_prefix("ums_media_tick_lateness_seconds_bucket{le=\"")?;
            Some((le.trim_end_matches("\"}").parse::<f64>().unwrap(), *v))
        })
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(buckets.len() >= 10);
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{buckets:?}");
    assert_eq!(buckets.last().unwrap(), &(f64::INFINITY, ticks_after));
    assert!(
        last.get("ums_media_tick_lateness_max_seconds{}") > 0.0,
        "a real clock is never exactly on time"
    );

    let (head, _) = http_get("/nothing");
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
}

#[test]
fn a_metrics_port_in_use_stops_the_start_with_a_clear_message() {
    let dir = Scratch::new("port-in-use");
    let _taken = std::net::TcpListener::bind(("127.0.0.1", 40512)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ums"))
        .args(["serve", "--data"])
        .arg(dir.join("data"))
        .args(["--smtp", "127.0.0.1:40513", "--metrics", "127.0.0.1:40512"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("metrics listener on 127.0.0.1:40512"), "{err}");
}
