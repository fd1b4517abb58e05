//! Third-party TLS peers for the SIP line (issue 17): a CA and a server
//! certificate made by the test with openssl, Kamailio as TLS registrar
//! and proxy (digest auth from its `auth` module, locations in memory, an
//! INVITE without SRTP refused 488), baresip over TLS with SRTP (SDES),
//! and tshark capturing loopback; espeak-ng speech and how a recording
//! compares with it. Shared with the gateway's test of the same voicemail
//! (`gateway/tests/serve_sip_tls_voicemail.rs`, by `#[path]`).
#![allow(dead_code)]

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Kamailio's TLS port.
pub const PROXY_PORT: u16 = 5061;
/// The password of our trunk's account on Kamailio.
pub const PASSWORD: &str = "s3cret";
/// Our trunk's account (and number).
pub const TRUNK_USER: &str = "4930100";
/// A second gateway's account on the same proxy.
pub const SECOND_USER: &str = "4930200";

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a certificate it signed for `127.0.0.1` and `proxy.test`.
pub struct Pki {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn pki(dir: &Path) -> Pki {
    let p = |n: &str| dir.join(n);
    run(Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=ums test CA", "-keyout"])
        .arg(p("ca.key"))
        .arg("-out")
        .arg(p("ca.pem")));
    run(Command::new("openssl")
        .args([
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=proxy.test",
        ])
        .arg("-keyout")
        .arg(p("key.pem"))
        .arg("-out")
        .arg(p("req.csr")));
    std::fs::write(
        p("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:proxy.test\nextendedKeyUsage=serverAuth,clientAuth\n",
    )
    .unwrap();
    run(Command::new("openssl")
        .args(["x509", "-req", "-days", "2", "-in"])
        .arg(p("req.csr"))
        .arg("-CA")
        .arg(p("ca.pem"))
        .arg("-CAkey")
        .arg(p("ca.key"))
        .arg("-CAcreateserial")
        .arg("-extfile")
        .arg(p("ext.cnf"))
        .arg("-out")
        .arg(p("cert.pem")));
    Pki {
        ca: p("ca.pem"),
        cert: p("cert.pem"),
        key: p("key.pem"),
    }
}

/// Waits until something listens on TCP `port`.
pub fn wait_listening(port: u16, what: &str) {
    let t0 = test_kit::wall();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "{what} does not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Sends signal `sig` to our child (by its id).
fn signal(child: &Child, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string())
        .status();
}

/// Ends a child of ours: SIGTERM (its own children go with it), then waits.
fn stop(child: &mut Child) {
    signal(child, "TERM");
    let t0 = test_kit::wall();
    while child.try_wait().ok().flatten().is_none() {
        if t0.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Kamailio on 127.0.0.1:5061 (TLS), configured in `dir`.
pub struct Kamailio {
    child: Option<Child>,
    pub log: PathBuf,
    dir: PathBuf,
}

const KAMAILIO_CFG: &str = r#"#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=2
auto_aliases=no
enable_tls=yes
listen=tls:127.0.0.1:5061
tcp_accept_aliases=yes
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "tls.so"
loadmodule "auth.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
modparam("tls", "config", "@DIR@/tls.cfg")
modparam("usrloc", "db_mode", 0)

request_route {
    xlog("L_NOTICE", "REQ $rm $ru from $si:$sp over $proto\n");
    if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
    if (is_method("REGISTER")) {
        if ($fU == "@USER@" || $fU == "@USER2@") { $var(pw) = "@PASSWORD@"; } else { $var(pw) = ""; }
        if (!pv_auth_check("$fd", "$var(pw)", "0", "1")) {
            xlog("L_NOTICE", "challenge REGISTER of $fU\n");
            auth_challenge("$fd", "0");
            exit;
        }
        if (!save("location")) { sl_reply_error(); exit; }
        xlog("L_NOTICE", "REGISTERED $fU at $ct\n");
        exit;
    }
    if (has_totag()) {
        if (loose_route()) { t_relay(); exit; }
        if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
        sl_send_reply("404", "Not here");
        exit;
    }
    if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
    if (is_method("INVITE") && !search_body("RTP/SAVP")) {
        xlog("L_NOTICE", "REFUSED INVITE without SRTP\n");
        sl_send_reply("488", "SRTP Required");
        exit;
    }
    record_route();
    if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
    t_relay();
}
"#;

impl Kamailio {
    pub fn start(dir: &Path, pki: &Pki) -> Kamailio {
        Kamailio::start_with(dir, pki, false)
    }

    /// `client_certs`: Kamailio asks every client for a certificate of
    /// the test's CA and refuses a connection without one.
    pub fn start_with(dir: &Path, pki: &Pki, client_certs: bool) -> Kamailio {
        let dir = dir.join("kamailio");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("tls.cfg"),
            format!(
                "[server:default]\nmethod = TLSv1.2+\nverify_certificate = {v}\nrequire_certificate = {v}\n\
                 ca_list = {}\nprivate_key = {}\ncertificate = {}\n\n[client:default]\nmethod = TLSv1.2+\n\
                 verify_certificate = no\nrequire_certificate = no\n",
                pki.ca.display(),
                pki.key.display(),
                pki.cert.display(),
                v = if client_certs { "yes" } else { "no" },
            ),
        )
        .unwrap();
        let cfg = KAMAILIO_CFG
            .replace("@DIR@", &dir.display().to_string())
            .replace("@USER@", TRUNK_USER)
            .replace("@USER2@", SECOND_USER)
            .replace("@PASSWORD@", PASSWORD);
        std::fs::write(dir.join("kamailio.cfg"), cfg).unwrap();
        let mut k = Kamailio {
            child: None,
            log: dir.join("kamailio.log"),
            dir,
        };
        k.restart();
        k
    }

    /// (Re)starts the process (its locations are in memory: a restart
    /// forgets every registration).
    pub fn restart(&mut self) {
        if let Some(mut c) = self.child.take() {
            stop(&mut c);
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new("kamailio")
            .arg("-f")
            .arg(self.dir.join("kamailio.cfg"))
            .args(["-DD", "-E", "-Y"])
            .arg(&self.dir)
            .arg("-P")
            .arg(self.dir.join("kamailio.pid"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("kamailio (apt: kamailio kamailio-tls-modules)");
        self.child = Some(child);
        wait_listening(PROXY_PORT, "kamailio");
    }

    /// Freezes (`STOP`) or thaws (`CONT`) the process: its connections
    /// stay open but nothing answers.
    pub fn signal(&self, sig: &str) {
        let Some(c) = &self.child else { return };
        // Its workers (children of the process we started) hold the
        // connections: each by its id, then the main process.
        let pid = c.id();
        let kids =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        for kid in kids.split_whitespace() {
            let _ = Command::new("kill")
                .arg(format!("-{sig}"))
                .arg(kid)
                .status();
        }
        signal(c, sig);
    }

    pub fn stop(&mut self) {
        // A frozen process (see `signal`) could not act on SIGTERM.
        self.signal("CONT");
        if let Some(mut c) = self.child.take() {
            stop(&mut c);
        }
    }

    pub fn log(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        self.stop();
    }
}

/// baresip calling `target` over TLS through Kamailio with SRTP (`mediaenc`
/// `srtp-mand`), playing `wav` (8 kHz mono); it quits after `secs`.
pub struct Baresip {
    child: Child,
    pub log: PathBuf,
}

impl Baresip {
    pub fn call(
        dir: &Path,
        pki: &Pki,
        target: &str,
        wav: &Path,
        mediaenc: Option<&str>,
        secs: u32,
    ) -> Baresip {
        let dir = dir.join("baresip");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("config"),
            format!(
                "poll_method epoll\nsip_listen 127.0.0.1:5082\nsip_cafile {}\n\
                 net_interface 127.0.0.1\naudio_player aufile,{}\naudio_source aufile,{}\n\
                 audio_alert aufile,/dev/null\nrtp_ports 20440-20459\nrtcp_mux no\n\
                 jitter_buffer_delay 5-10\nmodule_path /usr/lib/baresip/modules\n\
                 module g711.so\nmodule aufile.so\nmodule srtp.so\n\
                 module_tmp uuid.so\nmodule_tmp account.so\nmodule_app menu.so\n",
                pki.ca.display(),
                dir.join("heard.wav").display(),
                wav.display()
            ),
        )
        .unwrap();
        let enc = mediaenc
            .map(|m| format!(";mediaenc={m}"))
            .unwrap_or_default();
        std::fs::write(
            dir.join("accounts"),
            format!(
                "<sip:555@127.0.0.1;transport=tls>;regint=0;audio_codecs=pcmu{enc};\
                 outbound=\"sip:127.0.0.1:{PROXY_PORT};transport=tls\"\n"
            ),
        )
        .unwrap();
        let log = dir.join("baresip.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new("baresip")
            .arg("-f")
            .arg(&dir)
            .arg("-e")
            .arg(format!("/dial {target}"))
            .arg("-t")
            .arg(secs.to_string())
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("baresip");
        Baresip { child, log }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// tshark writing loopback's packets to a file.
pub struct Capture {
    child: Child,
    pub file: PathBuf,
}

impl Capture {
    pub fn start(dir: &Path) -> Capture {
        let file = dir.join("lo.pcapng");
        let child = Command::new("tshark")
            .args(["-i", "lo", "-q", "-w"])
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tshark");
        let t0 = test_kit::wall();
        while std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0) == 0 {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "tshark does not capture"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Capture { child, file }
    }

    /// Stops the capture; the file stays.
    pub fn stop(mut self) -> PathBuf {
        // A moment for the last packets, then SIGINT: tshark finishes the file.
        std::thread::sleep(Duration::from_millis(500));
        signal(&self.child, "INT");
        let _ = self.child.wait();
        self.file.clone()
    }
}

/// tshark's fields `fields` of the packets matching `filter` in `file`
/// (`decode_as`: extra `-d` rules), one line a packet.
pub fn tshark_fields(
    file: &Path,
    decode_as: &[String],
    filter: &str,
    fields: &[&str],
) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(file);
    for d in decode_as {
        cmd.args(["-d", d]);
    }
    cmd.args(["-Y", filter, "-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark -r");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// A WAV of `text` spoken by espeak-ng, 8 kHz mono 16 bit.
pub fn speech_wav(dir: &Path, text: &str) -> PathBuf {
    let raw = dir.join("speech-22k.wav");
    run(Command::new("espeak-ng").arg("-w").arg(&raw).arg(text));
    let wav = dir.join("speech.wav");
    run(Command::new("sox")
        .arg(&raw)
        .args(["-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer"])
        .arg(&wav));
    wav
}

/// `wav` after `secs` of silence (sox): the speech starts after a
/// greeting the UA does not wait for (it plays from the answer).
pub fn delayed(dir: &Path, wav: &Path, secs: f64) -> PathBuf {
    let out = dir.join("speech-delayed.wav");
    run(Command::new("sox")
        .arg(wav)
        .arg(&out)
        .args(["pad", &format!("{secs}"), "0"]));
    out
}

/// How a recording compares with the speech it should carry.
#[derive(Debug, Clone, Copy)]
pub struct SpeechMatch {
    /// Lengths of the source and the recording, seconds.
    pub source_secs: f64,
    pub heard_secs: f64,
    /// Energy of the recording over that of the source.
    pub energy_ratio: f64,
    /// 20 ms frames of the recording with speech (RMS over 300) and with
    /// next to nothing (under 100): speech has both.
    pub voiced: usize,
    pub quiet: usize,
    /// Correlation of the two envelopes (RMS per 20 ms) at the best lag
    /// where they overlap by 2 s or more, either starting first: about 0.8
    /// for the speech sent, about 0 for noise or a tone.
    pub envelope: f64,
}

/// Compares `heard` (8 kHz) with the `source` speech.
pub fn compare_speech(source: &[i16], heard: &[i16]) -> SpeechMatch {
    let energy = |s: &[i16]| s.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>();
    let (src, rms) = (frame_rms(source), frame_rms(heard));
    const OVERLAP: usize = 100;
    let later = (0..rms.len().saturating_sub(OVERLAP)).map(|lag| correlation(&src, &rms[lag..]));
    let earlier = (1..src.len().saturating_sub(OVERLAP)).map(|lag| correlation(&src[lag..], &rms));
    SpeechMatch {
        source_secs: source.len() as f64 / 8000.0,
        heard_secs: heard.len() as f64 / 8000.0,
        energy_ratio: energy(heard) / energy(source).max(1.0),
        voiced: rms.iter().filter(|r| **r > 300.0).count(),
        quiet: rms.iter().filter(|r| **r < 100.0).count(),
        envelope: later.chain(earlier).fold(f64::MIN, f64::max),
    }
}

/// Pearson correlation of `a` and `b` over their common length.
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (ma, mb) = (
        a.iter().sum::<f64>() / n as f64,
        b.iter().sum::<f64>() / n as f64,
    );
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt().max(1e-9)
}

/// Writes 8 kHz mono 16-bit samples as a WAV.
pub fn write_wav(path: &Path, samples: &[i16]) {
    let data = samples.len() as u32 * 2;
    let mut b = Vec::with_capacity(44 + data as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&8000u32.to_le_bytes());
    b.extend_from_slice(&16000u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data.to_le_bytes());
    for s in samples {
        b.extend_from_slice(&s.to_le_bytes());
    }
    std::fs::write(path, b).unwrap();
}

/// The samples of a 16-bit mono WAV (its `data` chunk).
pub fn read_wav(path: &Path) -> Vec<i16> {
    let b = std::fs::read(path).unwrap();
    let mut i = 12;
    while i + 8 <= b.len() {
        let len = u32::from_le_bytes(b[i + 4..i + 8].try_into().unwrap()) as usize;
        if &b[i..i + 4] == b"data" {
            let end = (i + 8 + len).min(b.len());
            return b[i + 8..end]
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
        }
        i += 8 + len + (len & 1);
    }
    Vec::new()
}

/// RMS of each 20 ms frame.
pub fn frame_rms(samples: &[i16]) -> Vec<f64> {
    samples
        .chunks(160)
        .map(|f| (f.iter().map(|s| (*s as f64).powi(2)).sum::<f64>() / f.len() as f64).sqrt())
        .collect()
}

/// [`tshark_fields`] with one preference `-o` (e.g. a TLS key log).
pub fn tshark_fields_with(file: &Path, pref: &str, filter: &str, fields: &[&str]) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(file)
        .args(["-o", pref, "-Y", filter, "-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark -r");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}
