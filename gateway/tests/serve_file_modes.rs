//! A gateway started by hand, from a shell with the usual umask 022, keeps
//! what it writes to itself: its data directory is 0700 and nothing in it
//! is readable by another user (under systemd the unit's UMask and
//! StateDirectoryMode say so; here `ums serve` must). A data directory
//! that others may read, left by an older gateway, is made private at the
//! next start, with a warning in the log.

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use test_kit::Scratch;

mod serve_harness;

use serve_harness::{listening, read, signal, text, wait_exit, wait_for};

const SMTP_PORT: u16 = 40420;

/// `umask 022; exec ums serve ...`, its log in `log`, up once it listens.
fn serve_with_umask_022(data: &Path, log: &Path) -> Child {
    let err = std::fs::File::create(log).unwrap();
    let child = Command::new("sh")
        .args(["-c", "umask 022; exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_ums"))
        .args(["serve", "--data"])
        .arg(data)
        .args(["--smtp", &format!("127.0.0.1:{SMTP_PORT}")])
        .args(["--user", "anna@example.test"])
        .env_remove("STATE_DIRECTORY")
        .env_remove("NOTIFY_SOCKET")
        .stdout(Stdio::null())
        .stderr(Stdio::from(err))
        .spawn()
        .expect("sh runs ums serve");
    assert!(
        wait_for(30, || listening(SMTP_PORT)
            && data.join("ums.sock").exists()),
        "{}",
        read(log)
    );
    child
}

fn ums(args: &[&str], data: &Path) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_ums"))
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("ums runs");
    assert_eq!(o.status.code(), Some(0), "ums {args:?}: {}", text(&o));
    text(&o)
}

/// Every path under `dir` with its mode, sockets left out: the control
/// socket is 0666 on purpose (the peer's credentials decide who is
/// served), and nobody else can reach it through the 0700 directory.
fn modes(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let meta = std::fs::symlink_metadata(e.path()).unwrap();
        if meta.file_type().is_socket() {
            continue;
        }
        out.push((e.path(), meta.permissions().mode() & 0o7777));
        if meta.is_dir() {
            out.extend(modes(&e.path()));
        }
    }
    out
}

fn stop(mut child: Child) {
    signal(&child, "TERM");
    assert!(wait_exit(&mut child, 60).is_some(), "ums serve stops");
}

#[test]
fn a_hand_started_gateway_keeps_its_data_to_itself_whatever_the_umask() {
    let dir = Scratch::new("file-modes");
    let data = dir.join("data");
    let log = dir.join("serve.log");
    let daemon = serve_with_umask_022(&data, &log);

    // Something of everything: a fax and an SMS come in (files in the
    // store and beside it), faxes wait in the spool (9990 is busy on the
    // simulated network: no call to wait for), one of them came by mail.
    let doc = serve_harness::document(&dir, 1);
    let doc = doc.to_str().unwrap();
    let fax = [
        "simulate",
        "fax",
        "--from",
        "0301234567",
        "--to",
        "101",
        doc,
    ];
    assert!(ums(&fax, &data).contains("sent, 1 page"));
    ums(
        &["simulate", "sms", "--from", "01701234", "--to", "100", "Hi"],
        &data,
    );
    ums(&["send", "--to", "9990", doc], &data);
    let o = serve_harness::swaks(
        SMTP_PORT,
        "anna@example.test",
        "9990@fax.localhost",
        Path::new(doc),
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(wait_for(30, || ums(&["journal", "--json"], &data)
        .matches("\"Outgoing\"")
        .count()
        >= 2));

    let all = modes(&data);
    let files = all.iter().filter(|(p, _)| p.is_file()).count();
    assert!(files >= 8, "a data directory with {files} files: {all:#?}");
    let tif = all
        .iter()
        .any(|(p, _)| p.extension().is_some_and(|e| e == "tif"));
    assert!(tif, "the received fax is in the data directory: {all:#?}");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&data), 0o700);
    let open: Vec<_> = all.iter().filter(|(_, m)| m & 0o077 != 0).collect();
    assert!(open.is_empty(), "readable by others: {open:#?}");
    stop(daemon);

    // An older gateway's directory, open to everyone: private again at
    // the next start, and the log says so.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let daemon = serve_with_umask_022(&data, &log);
    assert_eq!(mode(&data), 0o700);
    let l = read(&log);
    let warning = l
        .lines()
        .find(|l| l.contains("msgid=data-dir-mode"))
        .unwrap_or_else(|| panic!("{l}"));
    assert!(warning.starts_with("<4>"), "{warning}");
    assert!(warning.contains("was mode 755, now 700"), "{warning}");
    stop(daemon);
}
