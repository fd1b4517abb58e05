//! The client tools against a running `ums serve` (the real binary), over
//! its control socket: the simulated network's special numbers end busy /
//! no answer / not a fax in the journal, every other number is a fax
//! machine that keeps what it got, `ums simulate fax|sms` come in through
//! the kernel, `ums send`, `ums queue cancel`, `ums deadletter list|retry`
//! work, a peer that is not root nor the gateway's user is refused, and
//! without the daemon `ums journal` reads the store itself.
//!
//! Mail goes to a smart host of the test's own that refuses every
//! recipient at first, so undeliverable notices become dead letters.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::Ordering;
use std::time::Duration;
use test_kit::Scratch;

mod serve_harness;

use serve_harness::smtp_sink;

const SMTP_PORT: u16 = 40410;
const SINK_PORT: u16 = 40411;

fn ums() -> &'static str {
    env!("CARGO_BIN_EXE_ums")
}

struct Daemon {
    child: Child,
    data: PathBuf,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn serve(data: &Path) -> Daemon {
    serve_on(data, SMTP_PORT, SINK_PORT)
}

fn serve_on(data: &Path, smtp_port: u16, sink_port: u16) -> Daemon {
    let child = Command::new(ums())
        .args(["serve", "--data"])
        .arg(data)
        .args(["--smtp", &format!("127.0.0.1:{smtp_port}")])
        .args(["--smart-host", &format!("127.0.0.1:{sink_port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ums serve starts");
    let d = Daemon {
        child,
        data: data.to_path_buf(),
    };
    for _ in 0..400 {
        if data.join("ums.sock").exists() && TcpStream::connect(("127.0.0.1", smtp_port)).is_ok() {
            return d;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("ums serve did not come up");
}

fn run(args: &[&str], data: &Path) -> Output {
    Command::new(ums())
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("ums runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn swaks(to: &str) {
    let o = Command::new("swaks")
        .args(["--server", &format!("127.0.0.1:{SMTP_PORT}")])
        .args(["--from", "fax@localhost", "--to", to, "--body", "Hello"])
        .output()
        .expect("swaks (scripts/setup.sh --test installs it)");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

fn journal(data: &Path) -> Vec<serde_json::Value> {
    let o = run(&["journal", "--json"], data);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    serde_json::from_slice(&o.stdout).expect("journal --json is JSON")
}

fn find(
    recs: &[serde_json::Value],
    pred: impl Fn(&serde_json::Value) -> bool,
) -> Option<&serde_json::Value> {
    recs.iter().find(|r| pred(&r["message"]))
}

/// Wait until `pred` holds for some journal record; returns it.
fn wait_for(
    data: &Path,
    what: &str,
    secs: u64,
    pred: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    for _ in 0..secs * 2 {
        let recs = journal(data);
        if let Some(r) = find(&recs, &pred) {
            return r["message"].clone();
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("{what}: not in the journal: {:#?}", journal(data));
}

fn to(n: &str) -> impl Fn(&serde_json::Value) -> bool + '_ {
    move |m| m["recipient_number"] == n
}

#[test]
fn client_tools_against_a_running_gateway() {
    let dir = Scratch::new("client-tools");
    let data = dir.join("data");
    let sink = smtp_sink(SINK_PORT, false);
    let daemon = serve(&data);

    // The virtual caller: a fax and an SMS come in (while our lines are
    // free: a busy line answers the virtual caller "busy").
    let png = dir.join("page.png");
    let st = Command::new("convert")
        .args(["-size", "800x600", "xc:white", "-fill", "black"])
        .args(["-draw", "rectangle 100,100 700,500"])
        .arg(&png)
        .status()
        .expect("ImageMagick");
    assert!(st.success());
    let o = run(
        &[
            "simulate",
            "fax",
            "--from",
            "0301234567",
            "--to",
            "101",
            png.to_str().unwrap(),
        ],
        &data,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("sent, 1 page"), "{}", text(&o));
    let o = run(
        &[
            "simulate",
            "sms",
            "--from",
            "01701234567",
            "--to",
            "100",
            "Ring me back",
        ],
        &data,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // Not one of our lines: refused, exit 1.
    let o = run(
        &[
            "simulate",
            "fax",
            "--from",
            "0301234567",
            "--to",
            "999",
            png.to_str().unwrap(),
        ],
        &data,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    // The special numbers, and a fax machine.
    for n in ["9990", "9991", "9992", "9993", "0895553"] {
        swaks(&format!("{n}@fax.localhost"));
    }

    let fax_in = wait_for(&data, "the simulated incoming fax", 30, |m| {
        m["direction"] == "Incoming" && m["service"] == "Fax"
    });
    assert_eq!(fax_in["caller_number"], "+49301234567");
    assert_eq!(fax_in["recipient_number"], "+49891234101");
    assert_eq!(fax_in["pages"], 1);
    let doc = fax_in["document"].as_str().expect("the fax is kept");
    assert!(Path::new(doc).is_file());
    let sms_in = wait_for(&data, "the simulated SMS", 5, |m| {
        m["direction"] == "Incoming" && m["service"] == "Sms"
    });
    assert_eq!(sms_in["text"], "Ring me back");
    assert_eq!(sms_in["caller_number"], "+491701234567");
    let o = run(&["journal", "--service", "sms"], &data);
    let t = text(&o);
    assert!(t.contains("Ring me back") && !t.contains(" fax "), "{t}");

    // `ums send` over the socket, to a fax machine and to a busy number.
    let o = run(
        &[
            "send",
            "--to",
            "0895554",
            "--cover",
            "--subject",
            "by ums send",
            png.to_str().unwrap(),
        ],
        &data,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("queued, 2 pages"),
        "cover + image: {}",
        text(&o)
    );
    let o = run(&["send", "--to", "9990", png.to_str().unwrap()], &data);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run(&["send", "--to", "9990", "/nonexistent.png"], &data);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    // Busy and unallocated answer at once.
    let busy = wait_for(&data, "busy", 30, |m| {
        to("+49899990")(m) && m["status"] == "Retrying"
    });
    assert_eq!(busy["failure_cause"], "Busy");
    let gone = wait_for(&data, "unallocated", 30, |m| {
        to("+49899993")(m) && m["status"] == "Failed"
    });
    assert_eq!(gone["failure_cause"], "BadNumber");

    // Cancel the second busy one while it waits for its retry.
    let recs = journal(&data);
    let waiting: Vec<u64> = recs
        .iter()
        .map(|r| &r["message"])
        .filter(|m| to("+49899990")(m))
        .map(|m| m["id"].as_u64().unwrap())
        .collect();
    assert_eq!(waiting.len(), 2, "{recs:#?}");
    let second = waiting[1].to_string();
    wait_for(&data, "the second busy fax retrying", 30, |m| {
        m["id"].as_u64() == Some(waiting[1]) && m["status"] == "Retrying"
    });
    let o = run(&["queue", "cancel", &second], &data);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("cancelled"), "{}", text(&o));
    let o = run(&["queue", "cancel", &second], &data);
    assert_eq!(o.status.code(), Some(1), "not in the queue any more");
    let o = run(&["journal", "show", &second], &data);
    assert!(text(&o).contains("status:     cancelled"), "{}", text(&o));

    // Sent faxes are at their virtual fax machines, as real TIFF-F.
    let sent = wait_for(&data, "the fax by ums send", 90, |m| {
        to("+49895554")(m) && m["status"] == "Sent"
    });
    assert_eq!(sent["pages_sent"], 2);
    wait_for(&data, "the fax by mail", 60, |m| {
        to("+49895553")(m) && m["status"] == "Sent"
    });
    for n in ["0895553", "0895554"] {
        let f = data.join(format!("virtual-network/{n}/fax-0001.tif"));
        let o = Command::new("tiffinfo").arg(&f).output().expect("tiffinfo");
        let t = text(&o);
        assert!(o.status.success(), "{t}");
        assert!(t.contains("Image Width: 1728"), "{t}");
    }
    assert!(
        !data.join("virtual-network/0899990").exists(),
        "special numbers have no machine"
    );

    // No answer (30 s of ringing) and a voice (no fax tones: T.30 gives up).
    let silent = wait_for(&data, "no answer", 90, |m| {
        to("+49899991")(m) && m["attempts"] == 1 && m["status"] != "Sending"
    });
    assert_eq!(silent["failure_cause"], "NoAnswer", "{silent:#}");
    let voice = wait_for(&data, "voice", 90, |m| {
        to("+49899992")(m) && m["attempts"] == 1 && m["status"] != "Sending"
    });
    assert_eq!(voice["failure_cause"], "NotAFax", "{voice:#}");
    let o = run(&["journal"], &data);
    let t = text(&o);
    for want in [
        "The line was busy. (Q.850 cause 17: user busy)",
        "Nobody answered the call. (Q.850 cause 19: no answer from user)",
        "The number answered, but not as a fax machine.",
        "The number does not exist. (Q.850 cause 1",
    ] {
        assert!(t.contains(want), "{want}:\n{t}");
    }

    // Status over the socket.
    let o = run(&["status"], &data);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("loop/100") && t.contains("loop/103"), "{t}");
    assert!(t.contains("last errors"), "{t}");

    // The smart host refused everything: the notices are dead letters.
    let mut letters = Vec::new();
    for _ in 0..60 {
        let o = run(&["deadletter", "list", "--json"], &data);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        letters = serde_json::from_slice::<Vec<serde_json::Value>>(&o.stdout).unwrap();
        if !letters.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(!letters.is_empty(), "no dead letters");
    assert!(
        letters
            .iter()
            .any(|l| l["reason"].as_str().unwrap_or("").contains("550")),
        "{letters:#?}"
    );
    let o = run(&["deadletter", "list"], &data);
    assert!(text(&o).contains("REASON"), "{}", text(&o));

    // A peer that is neither root nor the gateway's user is refused.
    let bin = dir.join("ums");
    std::fs::copy(ums(), &bin).unwrap();
    for p in [dir.path(), data.as_path()] {
        let _ = Command::new("chmod").arg("755").arg(p).status();
    }
    let o = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args(["status", "--data"])
        .arg(&data)
        .output()
        .expect("setpriv");
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(
        text(&o).contains("not permitted: uid 65534"),
        "{}",
        text(&o)
    );

    // Retry: now the smart host takes them.
    sink.accept.store(true, Ordering::SeqCst);
    let before = sink.mails.lock().unwrap().len();
    let o = run(&["deadletter", "retry", "--all"], &data);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("back in the outbox"), "{}", text(&o));
    for _ in 0..100 {
        if sink.mails.lock().unwrap().len() >= before + letters.len() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(sink.mails.lock().unwrap().len() >= before + letters.len());

    // Without the daemon: journal and deadletter list read the data
    // directory; status needs the daemon (exit 3).
    let data = daemon.data.clone();
    drop(daemon);
    let o = run(&["journal"], &data);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("Ring me back"), "{}", text(&o));
    let o = run(&["status"], &data);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let o = run(&["deadletter", "list"], &data);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run(&["journal", "show", "999999"], &data);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

/// Issue 12: `ums simulate fax` takes a PDF (it said "give a fax TIFF, an
/// image or a text file"): the client renders it with the gateway's
/// renderer, and the virtual caller sends its pages to our line. A damaged
/// PDF is refused before any call, by name, as damaged.
#[test]
fn simulate_fax_sends_a_pdf() {
    let dir = std::env::temp_dir().join("ums-cli-simulate-pdf");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("data");
    let daemon = serve_on(&data, 40412, 40413);

    // Two pages, made by ImageMagick and img2pdf.
    let mut pngs = Vec::new();
    for (i, draw) in ["rectangle 100,100 700,500", "circle 400,300 400,550"]
        .iter()
        .enumerate()
    {
        let png = dir.join(format!("page{i}.png"));
        let st = Command::new("convert")
            .args(["-size", "800x600", "xc:white", "-fill", "black"])
            .args(["-draw", draw])
            .arg(&png)
            .status()
            .expect("ImageMagick");
        assert!(st.success());
        pngs.push(png);
    }
    let pdf = dir.join("letter.pdf");
    let st = Command::new("img2pdf")
        .args(&pngs)
        .arg("-o")
        .arg(&pdf)
        .status()
        .expect("img2pdf (scripts/setup.sh --test installs it)");
    assert!(st.success());

    let simulate = |file: &Path| {
        run(
            &[
                "simulate",
                "fax",
                "--from",
                "0301234567",
                "--to",
                "102",
                file.to_str().unwrap(),
            ],
            &data,
        )
    };
    let o = simulate(&pdf);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("sent, 2 pages"), "{}", text(&o));
    let fax_in = wait_for(&data, "the PDF as an incoming fax", 30, |m| {
        m["direction"] == "Incoming" && m["service"] == "Fax"
    });
    assert_eq!(fax_in["recipient_number"], "+49891234102");
    assert_eq!(fax_in["pages"], 2);

    let broken = dir.join("broken.pdf");
    std::fs::write(&broken, b"%PDF-1.4\n%%EOF\n").unwrap();
    let o = simulate(&broken);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("broken.pdf: the file is damaged"),
        "{}",
        text(&o)
    );
    drop(daemon);
}
