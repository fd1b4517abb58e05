//! Running the real `ums` binary in the tests: the log on stderr captured
//! to a file, signals, swaks (scratch directories come from `test_kit`).
#![allow(dead_code)] // each test file uses a part

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fax_t30::page::Resolution;

pub fn ums() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ums"));
    // Not under systemd, whatever runs the tests.
    c.env_remove("STATE_DIRECTORY")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC");
    c
}

/// `ums serve ARGS`, stderr to `log`.
pub fn spawn(args: &[&str], log: &Path) -> Child {
    let err = std::fs::File::create(log).unwrap();
    ums()
        .arg("serve")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::from(err))
        .spawn()
        .expect("ums serve starts")
}

/// `ums serve --config FILE --data DATA`, its log in `log`; returns once it
/// listens for SMTP on `port` (panics with the log if it does not in 30 s).
pub fn serve_config(file: &Path, data: &Path, log: &Path, port: u16) -> Child {
    let child = spawn(
        &[
            "--config",
            file.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ],
        log,
    );
    assert!(wait_for(30, || listening(port)), "{}", read(log));
    child
}

/// Run `ums ARGS` to the end.
pub fn run(args: &[&str]) -> Output {
    ums().args(args).output().expect("ums runs")
}

pub fn read(path: &Path) -> String {
    let mut s = String::new();
    if let Ok(mut f) = std::fs::File::open(path) {
        let _ = f.read_to_string(&mut s);
    }
    s
}

/// Poll `what` every 100 ms for up to `secs`.
pub fn wait_for(secs: u64, mut what: impl FnMut() -> bool) -> bool {
    for _ in 0..secs * 10 {
        if what() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

pub fn listening(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// Wait until the log has a line containing every needle, after line `from`.
pub fn wait_log(log: &Path, from: usize, needles: &[&str], secs: u64) -> bool {
    wait_for(secs, || {
        read(log)
            .lines()
            .skip(from)
            .any(|l| needles.iter().all(|n| l.contains(n)))
    })
}

pub fn log_lines(log: &Path) -> usize {
    read(log).lines().count()
}

pub fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{sig}"), &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig}");
}

/// Wait for the process to end, at most `secs`; kill it if it does not.
pub fn wait_exit(child: &mut Child, secs: u64) -> Option<ExitStatus> {
    for _ in 0..secs * 10 {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// swaks to the gateway with a TIFF attached.
pub fn swaks(port: u16, from: &str, to: &str, doc: &Path, extra: &[&str]) -> Output {
    Command::new("swaks")
        .args(["--server", "127.0.0.1", "--port", &port.to_string()])
        .args(["--from", from, "--to", to])
        .args(["--attach-type", "image/tiff", "--attach"])
        .arg(doc)
        .args(extra)
        .output()
        .expect("swaks")
}

/// `ums journal --json` of a data directory.
pub fn journal(data: &Path) -> Vec<serde_json::Value> {
    let o = ums()
        .args(["journal", "--json", "--data"])
        .arg(data)
        .output()
        .expect("ums journal");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    serde_json::from_slice(&o.stdout).expect("journal --json is JSON")
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A fine-resolution test document of `pages` pages (a call of some
/// tens of seconds on the simulated network).
pub fn document(dir: &Path, pages: u32) -> PathBuf {
    let doc = dir.join("doc.tif");
    gateway::document::write_pages(
        &doc,
        &gateway::document::demo_pages(pages, Resolution::Fine),
    )
    .unwrap();
    doc
}

/// Pages in the faxes a virtual fax machine received.
pub fn received_pages(data: &Path, number: &str) -> Vec<usize> {
    let dir = data.join("virtual-network").join(number);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "tif"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .map(|f| fax_t30::tiff::read_tiff_file(f).map_or(0, |p| p.len()))
        .collect()
}

/// `ums serve` on `data` (no config) with SMTP on `port` and user
/// anna@example.test, output discarded; returns once it listens.
pub fn serve_as_anna(data: &Path, port: u16) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ums"))
        .args(["serve", "--data"])
        .arg(data)
        .args([
            "--smtp",
            &format!("127.0.0.1:{port}"),
            "--user",
            "anna@example.test",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ums serve starts");
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("ums serve did not listen on {port}");
}

/// A smart host on `port` that refuses every recipient (550) while `accept`
/// is false, and otherwise takes the mails and keeps them.
pub struct SmtpSink {
    pub accept: Arc<AtomicBool>,
    pub mails: Arc<Mutex<Vec<String>>>,
}

pub fn smtp_sink(port: u16, accepting: bool) -> SmtpSink {
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("sink port free");
    let accept = Arc::new(AtomicBool::new(accepting));
    let mails = Arc::new(Mutex::new(Vec::new()));
    let (a, m) = (Arc::clone(&accept), Arc::clone(&mails));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (a, m) = (Arc::clone(&a), Arc::clone(&m));
            std::thread::spawn(move || {
                let _ = session(stream, &a, &m);
            });
        }
    });
    SmtpSink { accept, mails }
}

fn session(
    stream: TcpStream,
    accept: &AtomicBool,
    mails: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut w = stream.try_clone()?;
    let mut r = BufReader::new(stream);
    w.write_all(b"220 sink ESMTP\r\n")?;
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.to_ascii_uppercase();
        if cmd.starts_with("RCPT") && !accept.load(Ordering::SeqCst) {
            w.write_all(b"550 5.1.1 no such mailbox here\r\n")?;
        } else if cmd.starts_with("DATA") {
            w.write_all(b"354 go on\r\n")?;
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if r.read_line(&mut l)? == 0 {
                    return Ok(());
                }
                if l == ".\r\n" {
                    break;
                }
                data.push_str(&l);
            }
            mails.lock().unwrap().push(data);
            w.write_all(b"250 2.0.0 taken\r\n")?;
        } else if cmd.starts_with("QUIT") {
            w.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            w.write_all(b"250 ok\r\n")?;
        }
    }
}

/// The parts of the mail in `file` whose type is `content_type` (e.g.
/// `application/pdf`, `audio/wav`), decoded by Python's `email` package
/// (not our MIME code) into files in `dir`; their paths, in mail order.
pub fn attachments(file: &Path, dir: &Path, content_type: &str) -> Vec<PathBuf> {
    let script = "import email,sys,pathlib\n\
        m=email.message_from_bytes(pathlib.Path(sys.argv[1]).read_bytes())\n\
        for i,p in enumerate(m.walk()):\n\
        \x20if p.get_content_type()==sys.argv[3]:\n\
        \x20\x20o=pathlib.Path(sys.argv[2])/f'att-{i}-{p.get_filename() or \"part\"}'\n\
        \x20\x20o.write_bytes(p.get_payload(decode=True))\n\
        \x20\x20print(o)\n";
    std::fs::create_dir_all(dir).unwrap();
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(file)
        .arg(dir)
        .arg(content_type)
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(PathBuf::from)
        .collect()
}

/// A gateway started from the configuration in `file` after
/// `ums check-config` accepted it: `ums serve` with its data in
/// `<dir>/data` and its log in `<dir>/ums.log`, listening for SMTP on
/// `smtp`, and once the log has a line with all of `ready` (within `secs`).
pub struct Gateway {
    pub proc: test_kit::Proc,
    pub data: PathBuf,
    pub log: PathBuf,
}

pub fn checked_gateway(file: &Path, smtp: u16, ready: &[&str], secs: u64) -> Gateway {
    let out = run(&["check-config", "--config", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let dir = file.parent().expect("the file's directory");
    let (data, log) = (dir.join("data"), dir.join("ums.log"));
    let proc = test_kit::Proc(serve_config(file, &data, &log, smtp));
    assert!(wait_log(&log, 0, ready, secs), "{}", read(&log));
    Gateway { proc, data, log }
}
