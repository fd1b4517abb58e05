//! `ums serve` settings beyond routing: the site's own report templates
//! (`[reports] templates_dir`, reloaded on SIGHUP, a broken one stops the
//! start) and the render settings (`[render]`: paper, resolution).
//!
//! Reports go to a smart host of the test's own (a small SMTP sink that
//! keeps every mail), on ports 41100-41199 (the `daemon` helper's range).

mod serve_harness;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use serve_harness::*;
use test_kit::Scratch;

fn config(port: u16, sink: u16, extra: &str) -> String {
    format!(
        "[smtp]\nlisten = \"127.0.0.1:{port}\"\nhostname = \"ums.example.test\"\n\n\
         [smtp.smart_host]\nhost = \"127.0.0.1\"\nport = {sink}\ntls = \"none\"\n\n\
         [[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\n\n\
         [retry]\nintervals_secs = [1]\n\n{extra}\n"
    )
}

/// The mail of the sink whose text has every needle (quoted-printable
/// soft breaks undone).
fn mail_with(mails: &Mutex<Vec<String>>, needles: &[&str]) -> Option<String> {
    mails
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.replace("=\r\n", ""))
        .find(|m| needles.iter().all(|n| m.contains(n)))
}

#[test]
fn own_report_templates_reach_the_confirmation_and_reload_on_sighup() {
    const PORT: u16 = 41100;
    const SINK: u16 = 41101;
    let mails = smtp_sink(SINK, true).mails;
    let dir = Scratch::new("daemon-templates");
    let data = dir.join("data");
    let file = dir.join("ums.toml");
    let log = dir.join("serve.log");
    let templates = dir.join("texts");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("en.toml"),
        "[delivered]\nsubject = \"ACME fax to {recipient} done\"\n\
         outro = \"Sent by the ACME fax room, extension 100.\"\n",
    )
    .unwrap();
    std::fs::write(
        &file,
        config(PORT, SINK, "[reports]\ntemplates_dir = \"texts\"\n"),
    )
    .unwrap();
    let o = run(&["check-config", "--config", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));

    let doc = document(&dir, 1);
    let mut ums = serve_config(&file, &data, &log, PORT);
    let out = swaks(PORT, "anna@example.test", "5560@fax.localhost", &doc, &[]);
    assert!(text(&out).contains("<-  250 "), "{}", text(&out));
    let first = wait_for(240, || {
        mail_with(&mails, &["ACME fax room", "ACME fax to +49895560 done"]).is_some()
    });
    assert!(
        first,
        "no confirmation with the own texts; the sink has {:#?}\n{}",
        mails.lock().unwrap(),
        read(&log)
    );
    let mail = mail_with(&mails, &["ACME fax room"]).unwrap();
    assert!(
        mail.contains("was sent."),
        "the built-in intro stays: {mail}"
    );

    // SIGHUP: another text, for the next confirmation.
    std::fs::write(
        templates.join("en.toml"),
        "[delivered]\noutro = \"Reloaded: the ACME night shift.\"\n",
    )
    .unwrap();
    let mark = log_lines(&log);
    signal(&ums, "HUP");
    assert!(
        wait_log(&log, mark, &["msgid=reloaded", "1 own texts"], 30),
        "{}",
        read(&log)
    );
    let out = swaks(PORT, "anna@example.test", "5561@fax.localhost", &doc, &[]);
    assert!(text(&out).contains("<-  250 "), "{}", text(&out));
    let second = wait_for(240, || {
        mail_with(&mails, &["ACME night shift", "+49895561"]).is_some()
    });

    // A broken template on SIGHUP: logged with its place, the old texts stay.
    std::fs::write(
        templates.join("en.toml"),
        "[delivered]\nintro = \"Sent to {recipent}\"\n",
    )
    .unwrap();
    let mark = log_lines(&log);
    signal(&ums, "HUP");
    let refused = wait_log(
        &log,
        mark,
        &[
            "msgid=reload-failed",
            "en.toml:2:18: delivered.intro: unknown placeholder {recipent}",
        ],
        30,
    );
    signal(&ums, "TERM");
    let status = wait_exit(&mut ums, 150);
    assert!(
        second,
        "no confirmation with the reloaded text: {:#?}\n{}",
        mails.lock().unwrap(),
        read(&log)
    );
    assert!(refused, "{}", read(&log));
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
}

#[test]
fn a_broken_template_stops_the_start_and_check_config_says_where() {
    let dir = Scratch::new("daemon-bad-template");
    let file = dir.join("ums.toml");
    let texts = dir.join("texts");
    std::fs::create_dir_all(&texts).unwrap();
    std::fs::write(
        texts.join("de.toml"),
        "[incoming-fax]\nsubject = \"Fax von {caller}\"\n\n[incoming-fax-x]\n",
    )
    .unwrap();
    std::fs::write(
        &file,
        config(41102, 41103, "[reports]\ntemplates_dir = \"texts\"\n"),
    )
    .unwrap();
    let want = format!(
        "{}:4:2: incoming-fax-x: unknown kind of report",
        texts.join("de.toml").display()
    );
    let o = run(&["check-config", "--config", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains(&want), "{}", text(&o));

    let log = dir.join("serve.log");
    let data = dir.join("data");
    let mut ums = spawn(
        &[
            "--config",
            file.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ],
        &log,
    );
    let status = wait_exit(&mut ums, 30);
    assert_eq!(status.and_then(|s| s.code()), Some(78), "{}", read(&log));
    assert!(read(&log).contains(&want), "{}", read(&log));
    assert!(!listening(41102));

    // A file that is not a language's and a directory that is not there.
    std::fs::write(texts.join("fr.toml"), "").unwrap();
    std::fs::write(texts.join("de.toml"), "").unwrap();
    let o = run(&["check-config", "--config", file.to_str().unwrap()]);
    assert!(
        text(&o).contains("fr.toml: not a template file"),
        "{}",
        text(&o)
    );
    std::fs::write(
        &file,
        config(41102, 41103, "[reports]\ntemplates_dir = \"nowhere\"\n"),
    )
    .unwrap();
    let o = run(&["check-config", "--config", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("nowhere: cannot read the templates directory"),
        "{}",
        text(&o)
    );
}

/// Width, length and vertical resolution of every page of a TIFF, as
/// libtiff's `tiffinfo` reads them.
fn tiff_geometry(file: &Path) -> Vec<(u32, u32, String)> {
    let o = Command::new("tiffinfo")
        .arg(file)
        .output()
        .expect("tiffinfo (libtiff-tools)");
    assert!(o.status.success(), "{}", text(&o));
    let info = String::from_utf8_lossy(&o.stdout).to_string();
    let mut pages = Vec::new();
    let (mut w, mut l) = (0, 0);
    for line in info.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Image Width: ") {
            let mut it = rest.split_whitespace();
            w = it.next().unwrap().parse().unwrap();
            l = it.nth(2).unwrap().parse().unwrap();
        }
        if let Some(r) = line.strip_prefix("Resolution: ") {
            pages.push((w, l, r.to_string()));
        }
    }
    pages
}

#[test]
fn render_settings_give_letter_pages_at_standard_resolution() {
    const PORT: u16 = 41104;
    let dir = Scratch::new("daemon-render");
    let data = dir.join("data");
    let file = dir.join("ums.toml");
    let log = dir.join("serve.log");
    std::fs::write(
        &file,
        config(
            PORT,
            41105,
            "[render]\npaper = \"letter\"\nresolution = \"standard\"\ncover = \"always\"\n",
        ),
    )
    .unwrap();
    let doc = dir.join("letter.txt");
    std::fs::write(
        &doc,
        "Dear Sir or Madam,\n\nplease find the figures below.\n",
    )
    .unwrap();
    let mut ums = serve_config(&file, &data, &log, PORT);
    // The dialled number never answers (the simulated network's 0899991):
    // the document stays in the spool while the test reads it.
    let out = Command::new("swaks")
        .args(["--server", "127.0.0.1", "--port", &PORT.to_string()])
        .args([
            "--from",
            "anna@example.test",
            "--to",
            "0899991@fax.localhost",
        ])
        .args(["--attach-type", "text/plain", "--attach"])
        .arg(&doc)
        .output()
        .expect("swaks");
    assert!(text(&out).contains("<-  250 "), "{}", text(&out));
    let spool = data.join("spool");
    let tif = || {
        std::fs::read_dir(&spool).ok().and_then(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.extension().is_some_and(|x| x == "tif"))
        })
    };
    assert!(wait_for(60, || tif().is_some()), "no spool file");
    let pages = tiff_geometry(&tif().unwrap());
    signal(&ums, "TERM");
    let _ = wait_exit(&mut ums, 150);
    // The cover (with swaks's body text on it) and the text file's page:
    // 1728 wide, Letter (11 in) at 98 lines per inch.
    assert_eq!(pages.len(), 2, "{pages:?}");
    for (w, l, res) in &pages {
        assert_eq!(*w, 1728, "{pages:?}");
        assert_eq!(*l, 1078, "Letter at standard resolution: {pages:?}");
        assert!(
            res.starts_with("204, 98") || res.starts_with("204, 98."),
            "{res}"
        );
    }
}

/// swaks with its default body, no attachment.
fn swaks_text(port: u16, from: &str, to: &str) -> String {
    let o = Command::new("swaks")
        .args(["--server", "127.0.0.1", "--port", &port.to_string()])
        .args(["--from", from, "--to", to])
        .output()
        .expect("swaks");
    text(&o)
}

#[test]
fn sighup_changes_the_rate_limit_but_keeps_the_counts() {
    const PORT: u16 = 41106;
    let dir = Scratch::new("daemon-ratelimit");
    let data = dir.join("data");
    let file = dir.join("ums.toml");
    let log = dir.join("serve.log");
    let limit = |n: u32| {
        config(
            PORT,
            41107,
            &format!(
                "[dial_policy]\nmessages_per_sender = {n}\nwindow_secs = 3600\n\n\
                 [daemon]\nstop_timeout_secs = 5\n"
            ),
        )
    };
    std::fs::write(&file, limit(2)).unwrap();
    let mut ums = serve_config(&file, &data, &log, PORT);
    // 0899991 never answers: the calls stay few and short.
    let to = "0899991@fax.localhost";
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(swaks_text(PORT, "anna@example.test", to));
    }
    // One more message per hour: anna has used two, so one more goes.
    std::fs::write(&file, limit(3)).unwrap();
    let mark = log_lines(&log);
    signal(&ums, "HUP");
    let reloaded = wait_log(&log, mark, &["msgid=reloaded"], 30);
    for _ in 0..2 {
        answers.push(swaks_text(PORT, "anna@example.test", to));
    }
    signal(&ums, "TERM");
    let _ = wait_exit(&mut ums, 60);
    assert!(reloaded, "{}", read(&log));
    let accepted: Vec<bool> = answers
        .iter()
        .map(|a| a.contains("<-  250 2.0.0") || a.contains("queued as"))
        .collect();
    let limited: Vec<bool> = answers.iter().map(|a| a.contains("<** 4")).collect();
    assert_eq!(
        accepted,
        [true, true, false, true, false],
        "{answers:#?}\n{}",
        read(&log)
    );
    assert_eq!(limited, [false, false, true, false, true], "{answers:#?}");
}

/// Reads one SMTP reply (all its lines) from the stream.
fn reply(r: &mut BufReader<TcpStream>) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return all;
        }
        all.push_str(&line);
        if line.len() < 4 || line.as_bytes()[3] != b'-' {
            return all;
        }
    }
}

/// An SMTP client session: the stream to write and a reader of replies.
fn client(port: u16) -> (TcpStream, BufReader<TcpStream>) {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let r = BufReader::new(s.try_clone().unwrap());
    (s, r)
}

fn say(w: &mut TcpStream, r: &mut BufReader<TcpStream>, line: &str) -> String {
    w.write_all(format!("{line}\r\n").as_bytes()).unwrap();
    reply(r)
}

#[test]
fn sigterm_closes_idle_sessions_with_421_and_lets_a_message_in_data_finish() {
    const PORT: u16 = 41108;
    let dir = Scratch::new("daemon-stop");
    let data = dir.join("data");
    let file = dir.join("ums.toml");
    let log = dir.join("serve.log");
    std::fs::write(
        &file,
        config(PORT, 41109, "[daemon]\nstop_timeout_secs = 20\n"),
    )
    .unwrap();
    let mut ums = serve_config(&file, &data, &log, PORT);

    // An idle session, and one in the middle of its message's data.
    let (mut iw, mut ir) = client(PORT);
    assert!(reply(&mut ir).starts_with("220 "));
    assert!(say(&mut iw, &mut ir, "EHLO idle.test").starts_with("250"));
    let (mut dw, mut dr) = client(PORT);
    assert!(reply(&mut dr).starts_with("220 "));
    assert!(say(&mut dw, &mut dr, "EHLO data.test").starts_with("250"));
    assert!(say(&mut dw, &mut dr, "MAIL FROM:<anna@example.test>").starts_with("250"));
    assert!(say(&mut dw, &mut dr, "RCPT TO:<0899991@fax.localhost>").starts_with("250"));
    assert!(say(&mut dw, &mut dr, "DATA").starts_with("354"));
    dw.write_all(
        b"From: anna@example.test\r\nTo: 0899991@fax.localhost\r\n\
          Subject: finished after the stop\r\n\r\nHello by fax,\r\n",
    )
    .unwrap();

    let mark = log_lines(&log);
    signal(&ums, "TERM");
    assert!(
        wait_log(&log, mark, &["msgid=stopping"], 30),
        "{}",
        read(&log)
    );
    // The idle session hears 421 at once and is closed.
    let idle = reply(&mut ir);
    assert!(
        idle.starts_with("421 4.3.2 Service shutting down"),
        "{idle:?}"
    );
    let mut rest = String::new();
    assert_eq!(
        std::io::Read::read_to_string(&mut ir, &mut rest).unwrap_or(0),
        0
    );
    // No new sessions.
    assert!(
        wait_for(10, || !listening(PORT)),
        "the listener is still open"
    );
    // The message in DATA completes: an honest 250, then 421 and close.
    dw.write_all(b"the rest of the letter.\r\n.\r\n").unwrap();
    let done = reply(&mut dr);
    assert!(done.starts_with("250 "), "{done:?}\n{}", read(&log));
    let after = reply(&mut dr);
    assert!(
        after.starts_with("421 4.3.2 Service shutting down"),
        "{after:?}"
    );
    let status = wait_exit(&mut ums, 60);
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{}",
        read(&log)
    );
    // The message answered 250 is in the store.
    let o = run(&["journal", "--data", data.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("+49899991"), "{}", text(&o));
}

#[test]
fn voice_greetings_are_checked_by_check_config() {
    let dir = Scratch::new("daemon-voice");
    let file = dir.join("ums.toml");
    // A real 8 kHz mono WAV, written by Python's wave module.
    let ok = Command::new("python3")
        .arg("-c")
        .arg(
            "import wave,sys\n\
             w=wave.open(sys.argv[1],'wb');w.setnchannels(1);w.setsampwidth(2);\
             w.setframerate(8000);w.writeframes(b'\\x00\\x10'*8000);w.close()",
        )
        .arg(dir.join("hello.wav"))
        .status()
        .expect("python3");
    assert!(ok.success());
    std::fs::write(dir.join("broken.wav"), b"RIFF....WAVEnot a wave file").unwrap();
    let write = |voice: &str| {
        std::fs::write(&file, config(41110, 41111, &format!("[voice]\n{voice}\n"))).unwrap();
        run(&["check-config", "--config", file.to_str().unwrap()])
    };
    let o = write("default_greeting = \"hello.wav\"\nmax_length_secs = 60\n\n[voice.greetings]\nanna = \"hello.wav\"\n");
    assert!(o.status.success(), "{}", text(&o));
    let o = write("[voice.greetings]\nanna = \"broken.wav\"\n");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("voice.greetings.anna: greeting") && text(&o).contains("broken.wav"),
        "{}",
        text(&o)
    );
    let o = write("default_greeting = \"missing.wav\"\n");
    assert!(
        text(&o).contains("voice.default_greeting: greeting") && text(&o).contains("missing.wav"),
        "{}",
        text(&o)
    );
    let o = write("max_length_secs = 0\n");
    assert!(
        text(&o).contains("voice.max_length_secs: 0 s: give 1 to 3600"),
        "{}",
        text(&o)
    );
}
