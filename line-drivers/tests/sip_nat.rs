//! NAT (issue 17) through a real NAT: the test makes two network namespaces
//! beside its own (the test's own is "inside", where our line runs): a
//! router that masquerades (nftables) what leaves for the "outside", and the
//! outside, where a third-party registrar/proxy (Kamailio, without any
//! NAT help of its own: no nathelper, no rtpproxy) and SIPp run. The
//! router maps the SIP port to another one (40000-40999), so only what the
//! registrar's `received`/`rport` tell us (RFC 3581) makes a Contact that
//! reaches us; the media ports are forwarded to us (a static NAT for
//! media) and our SDP carries the configured public address. UDP bindings in the router expire after 5 s
//! without traffic.
//!
//! * `registration_calls_and_media_through_a_real_nat`: we register, learn
//!   the public address and register it; we call SIPp (through Kamailio)
//!   and our 1 kHz tone comes back through SIPp's RTP echo (media both
//!   ways through the NAT); then, after 12 s without calls that our CRLF
//!   keep-alives bridge, SIPp calls us through Kamailio, which finds us
//!   only at the learned Contact through the kept binding, and the tone it
//!   streams to our SDP's public address arrives; its SDP names an address
//!   nobody has, and symmetric RTP sends our media where its tone comes
//!   from. The From of our requests names the public address, as Contact
//!   does.
//! * `without_keepalives_the_nat_forgets_us`: the same without the CRLF
//!   keep-alive: after the 12 s the binding is gone and the incoming call
//!   does not reach us (the control that shows the keep-alive matters).
//!
//! Needs root (`ip netns`, nftables), kamailio and sipp (scripts/setup.sh).

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fax_t30::media::{AudioFrame, FRAME_SAMPLES};
use line_drivers::sip::{SipLine, SipLineConfig, T38Policy, TrunkConfig, TrunkMode};
use line_drivers::{CallProgress, Line, LineEvent, Media};
use test_kit::{wall, Scratch};

const INSIDE: &str = "10.17.0.2";
const PUBLIC: &str = "198.51.100.1";
const OUTSIDE: &str = "198.51.100.2";

fn run(cmd: &str) {
    let st = Command::new("sh").arg("-c").arg(cmd).status().expect("sh");
    assert!(st.success(), "`{cmd}` failed (root, iproute2, nftables?)");
}

/// The router and outside namespaces, removed when dropped.
struct Net {
    router: String,
    outside: String,
}

impl Net {
    fn up(tag: &str) -> Net {
        let pid = std::process::id();
        let net = Net {
            router: format!("ums-nat-{tag}-r-{pid}"),
            outside: format!("ums-nat-{tag}-o-{pid}"),
        };
        let (r, o) = (&net.router, &net.outside);
        run(&format!("ip netns add {r} && ip netns add {o}"));
        run(&format!(
            "ip link set lo up; ip link add ni0 type veth peer name nr0 netns {r} && \
             ip addr add {INSIDE}/24 dev ni0 && ip link set ni0 up && \
             ip route add default via 10.17.0.1"
        ));
        run(&format!(
            "ip netns exec {r} sh -c 'ip link set lo up && \
             ip link add nr1 type veth peer name no0 netns {o} && \
             ip addr add 10.17.0.1/24 dev nr0 && ip link set nr0 up && \
             ip addr add {PUBLIC}/24 dev nr1 && ip link set nr1 up && \
             sysctl -qw net.ipv4.ip_forward=1'"
        ));
        // The outside has no route to 10.17.0.0/24: only the NAT's address
        // reaches the inside.
        run(&format!(
            "ip netns exec {o} sh -c 'ip link set lo up && \
             ip addr add {OUTSIDE}/24 dev no0 && ip link set no0 up'"
        ));
        // SIP leaves through a dynamic NAPT that maps the port; the media
        // ports are forwarded (the static NAT `public_address` is for).
        let rules = "table ip nat {\n chain post {\n  type nat hook postrouting priority 100;\n  \
             oifname \"nr1\" udp sport 5060 masquerade to :40000-40999\n  \
             oifname \"nr1\" masquerade\n }\n \
             chain pre {\n  type nat hook prerouting priority -100;\n  \
             iifname \"nr1\" udp dport 20000-20099 dnat to 10.17.0.2\n }\n}\n";
        let st = Command::new("ip")
            .args(["netns", "exec", r, "nft", "-f", "-"])
            .stdin(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write as _;
                c.stdin.take().expect("stdin").write_all(rules.as_bytes())?;
                c.wait()
            })
            .expect("nft");
        assert!(st.success(), "nft masquerade rules");
        // Conntrack is there now (the NAT table loaded it): UDP bindings
        // live 5 s without traffic.
        run(&format!(
            "ip netns exec {r} sysctl -qw net.netfilter.nf_conntrack_udp_timeout=5 \
             net.netfilter.nf_conntrack_udp_timeout_stream=5"
        ));
        net
    }

    fn outside(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.outside, program]);
        c
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.router])
            .status();
        let _ = Command::new("ip")
            .args(["netns", "del", &self.outside])
            .status();
    }
}

/// A peer process: SIGTERM (Kamailio stops its workers on it), then
/// SIGKILL if it lingers.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        for _ in 0..30 {
            if self.0.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const KAMAILIO_CFG: &str = r#"#!KAMAILIO
debug=2
log_stderror=yes
children=2
auto_aliases=no
listen=udp:198.51.100.2:5060
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "siputils.so"
loadmodule "textops.so"
loadmodule "xlog.so"
modparam("usrloc", "db_mode", 0)
request_route {
    if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
    xlog("L_INFO", "NATTEST $rm $ru from $si:$sp fu $fu\n");
    if (is_method("REGISTER")) { save("location"); exit; }
    if (has_totag()) {
        if (is_method("ACK")) { forward(); exit; }
        t_relay(); exit;
    }
    if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
    if ($rU == "4930100") {
        if (!lookup("location")) { sl_send_reply("404", "Not Registered"); exit; }
        t_relay(); exit;
    }
    $du = "sip:198.51.100.2:5070";
    t_relay(); exit;
}
"#;

/// SIPp answers our call and echoes our RTP (`-rtp_echo`), then waits for
/// our BYE.
const UAS: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="nat uas">
  <recv request="INVITE" />
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:200@[local_ip]:[local_port]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP4 [media_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8
a=rtpmap:8 PCMA/8000
]]></send>
  <recv request="ACK" />
  <recv request="BYE" />
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
"#;

/// SIPp calls 4930100 through Kamailio and streams a tone to our SDP.
const UAC: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="nat uac">
  <send retrans="500"><![CDATA[
INVITE sip:4930100@198.51.100.2:5060 SIP/2.0
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]
From: <sip:555@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:4930100@198.51.100.2:5060>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:555@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP4 [media_ip]
s=-
c=IN IP4 192.0.2.99
t=0 0
m=audio [rtpstream_audio_port] RTP/AVP 8
a=rtpmap:8 PCMA/8000
]]></send>
  <recv response="100" optional="true" />
  <recv response="180" optional="true" />
  <recv response="200" rrs="true" />
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]
From: <sip:555@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <nop><action><exec rtp_stream="tone.wav,1,8" /></action></nop>
  <pause milliseconds="4000" />
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]
From: <sip:555@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" />
</scenario>
"#;

fn sipp(net: &Net, dir: &Path, scenario: &str, port: u16, media: u16, extra: &[&str]) -> Peer {
    let log = std::fs::File::create(dir.join(format!("sipp-{port}.log"))).expect("log");
    let child = net
        .outside("sipp")
        .current_dir(dir)
        .args(["-sf", scenario, "-i", OUTSIDE, "-p", &port.to_string()])
        .args(["-mi", OUTSIDE, "-mp", &media.to_string()])
        .args(["-m", "1", "-timeout", "40s", "-nostdin", "-trace_err"])
        .args(extra)
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("sipp (Debian sip-tester) runs");
    Peer(child)
}

/// 1 kHz at `amp`, continuing at sample `n0`.
fn tone(n0: u64) -> AudioFrame {
    let mut f = [0i16; FRAME_SAMPLES];
    for (i, s) in f.iter_mut().enumerate() {
        let t = (n0 + i as u64) as f64 / 8000.0;
        *s = (8000.0 * (2.0 * std::f64::consts::PI * 1000.0 * t).sin()) as i16;
    }
    f
}

/// Whether a frame is mostly 1 kHz (Goertzel against the frame's energy)
/// and not quiet.
fn is_tone(f: &AudioFrame) -> bool {
    let k = 2.0 * (2.0 * std::f64::consts::PI * 1000.0 / 8000.0).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let mut energy = 0.0f64;
    for &x in f.iter() {
        let x = f64::from(x);
        energy += x * x;
        let s = x + k * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = s1 * s1 + s2 * s2 - k * s1 * s2;
    let n = f.len() as f64;
    let rms = (energy / n).sqrt();
    // A pure tone gives power = energy * n / 2.
    rms > 300.0 && power / (energy * n / 2.0) > 0.5
}

struct Gateway {
    line: SipLine,
    t0: Instant,
    k: u64,
}

impl Gateway {
    /// Runs the line's 20 ms ticks for `d` of real time; `each` sees every
    /// event and may act on the line.
    fn run(
        &mut self,
        d: Duration,
        mut each: impl FnMut(&mut SipLine, Instant, Option<LineEvent>) -> bool,
    ) -> bool {
        let end = self.k + d.as_millis() as u64 / 20;
        while self.k < end {
            let now = self.t0 + Duration::from_millis(20 * self.k);
            if let Some(w) = now.checked_duration_since(wall()) {
                std::thread::sleep(w);
            }
            self.k += 1;
            self.line.tick(now);
            if each(&mut self.line, now, None) {
                return true;
            }
            while let Some(ev) = self.line.poll_event() {
                if each(&mut self.line, now, Some(ev)) {
                    return true;
                }
            }
        }
        false
    }
}

fn gateway(keepalive: bool) -> Gateway {
    let trunk = TrunkConfig {
        mode: TrunkMode::Register {
            registrar: format!("{OUTSIDE}:5060"),
            expires: 3600,
        },
        ..TrunkConfig::static_peer("nat", format!("{OUTSIDE}:5060"), "4930100")
    };
    let mut cfg = SipLineConfig::new("sip/nat", trunk, INSIDE.parse().unwrap(), 5060, 20000);
    cfg.t38_policy = T38Policy::Never;
    cfg.public_address = Some(PUBLIC.parse().unwrap());
    cfg.symmetric_rtp = true;
    cfg.media_keepalive = Some(Duration::from_secs(1));
    cfg.nat_keepalive = keepalive.then_some(Duration::from_secs(2));
    let t0 = wall();
    Gateway {
        line: SipLine::bind(cfg, t0).expect("bind"),
        t0,
        k: 0,
    }
}

/// The NAT, Kamailio outside, our line inside, registered with its
/// learned address.
fn setup(tag: &str, keepalive: bool) -> (Net, Scratch, Peer, Gateway) {
    let net = Net::up(tag);
    let dir = Scratch::new(tag);
    std::fs::write(dir.join("kamailio.cfg"), KAMAILIO_CFG).unwrap();
    std::fs::write(dir.join("uas.xml"), UAS).unwrap();
    std::fs::write(dir.join("uac.xml"), UAC).unwrap();
    run(&format!(
        "sox -n -r 8000 -c 1 -e a-law -b 8 {} synth 4 sine 1000 vol 0.3",
        dir.join("tone.wav").display()
    ));
    let log = std::fs::File::create(dir.join("kamailio.log")).unwrap();
    let kam = Peer(
        net.outside("kamailio")
            .args(["-f", "kamailio.cfg", "-DD", "-E", "-m", "32", "-M", "8"])
            .args(["-Y", dir.path().to_str().unwrap()])
            .args(["-P", dir.join("kamailio.pid").to_str().unwrap()])
            .current_dir(&*dir)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("kamailio runs"),
    );
    let listening = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        net.outside("ss")
            .args(["-lun"])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("198.51.100.2:5060"))
    });
    assert!(
        listening,
        "kamailio listens (see {})",
        dir.join("kamailio.log").display()
    );
    let mut gw = gateway(keepalive);
    // Registration through the NAT: the registrar's answer tells the
    // mapped port; the Contact with it is registered at once.
    let public: IpAddr = PUBLIC.parse().unwrap();
    let learned = |l: &SipLine| {
        l.learned_address()
            .filter(|a| a.ip() == public && (40000..41000).contains(&a.port()))
    };
    let ok = gw.run(Duration::from_secs(10), |l, now, _| {
        learned(l).is_some() && l.is_registered(now) == Some(true)
    });
    assert!(
        ok,
        "registered through the NAT with the learned address (learned {:?}, {:?})",
        gw.line.learned_address(),
        gw.line.registration_event()
    );
    let addr = learned(&gw.line).unwrap();
    // The second REGISTER (the learned Contact) is through as well.
    let kamlog = dir.join("kamailio.log");
    gw.run(Duration::from_secs(2), |_, _, _| false);
    let text = std::fs::read_to_string(&kamlog).unwrap_or_default();
    assert!(
        text.matches("NATTEST REGISTER").count() >= 2,
        "the changed Contact was registered again:\n{text}"
    );
    eprintln!("learned public address {addr}");
    (net, dir, kam, gw)
}

/// Waits 12 s without calls (the router forgets a binding after 5 s),
/// then SIPp calls us; returns whether the call came in and how many
/// frames of its tone arrived.
fn incoming_after_a_pause(
    net: &Net,
    dir: &Scratch,
    gw: &mut Gateway,
) -> (bool, usize, Option<SocketAddr>) {
    gw.run(Duration::from_secs(12), |_, _, _| false);
    let _uac = sipp(
        net,
        dir,
        "uac.xml",
        5080,
        6100,
        &[&format!("{OUTSIDE}:5060")],
    );
    let mut rang = false;
    let mut heard = 0;
    let mut sent = 0u64;
    let mut call = None;
    let mut target = None;
    gw.run(Duration::from_secs(12), |l, now, ev| {
        match ev {
            Some(LineEvent::Incoming { call: c, .. }) => {
                rang = true;
                call = Some(c);
                l.answer(c, now).expect("answer");
            }
            Some(LineEvent::Media {
                media: Media::Audio(f),
                ..
            }) if is_tone(&f) => {
                heard += 1;
                target = l.media_target();
            }
            Some(LineEvent::HungUp { .. }) => return true,
            None => {
                if let Some(c) = call {
                    // Our media (silence) opens the binding the streamed
                    // tone comes back through, as a phone's would.
                    let _ = l.send(c, Media::Audio([0; FRAME_SAMPLES]), now);
                    sent += 1;
                }
            }
            _ => {}
        }
        false
    });
    eprintln!(
        "incoming: rang {rang}, tone frames {heard}, frames sent {sent}, {:?}",
        gw.line.stats()
    );
    (rang, heard, target)
}

#[test]
fn registration_calls_and_media_through_a_real_nat() {
    let (net, dir, _kam, mut gw) = setup("calls", true);
    // Outgoing: SIPp answers through Kamailio and echoes our tone.
    let uas = sipp(&net, &dir, "uas.xml", 5070, 6000, &["-rtp_echo"]);
    std::thread::sleep(Duration::from_millis(500));
    let id = gw
        .line
        .dial(
            "200",
            line_drivers::MediaKind::Audio,
            gw.t0 + Duration::from_millis(20 * gw.k),
        )
        .expect("dial");
    let mut up = false;
    let mut echoed = 0;
    let mut n = 0u64;
    gw.run(Duration::from_secs(10), |l, now, ev| {
        match ev {
            Some(LineEvent::Progress {
                progress: CallProgress::Answered,
                ..
            }) => up = true,
            Some(LineEvent::Media {
                media: Media::Audio(f),
                ..
            }) if is_tone(&f) => echoed += 1,
            Some(LineEvent::HungUp { cause, .. }) => panic!("outgoing call ended: {cause:?}"),
            None if up => {
                l.send(id, Media::Audio(tone(n)), now).expect("send");
                n += FRAME_SAMPLES as u64;
            }
            _ => {}
        }
        up && echoed >= 50
    });
    assert!(up, "the outgoing call was answered through the NAT");
    assert!(
        echoed >= 50,
        "our tone went out and came back through the NAT ({echoed} frames)"
    );
    let target: Option<SocketAddr> = gw.line.media_target();
    assert_eq!(
        target,
        Some(format!("{OUTSIDE}:6000").parse().unwrap()),
        "media goes where SIPp's comes from"
    );
    // The INVITE's From names the learned public address, as its Contact
    // does, never our private one.
    let kamlog = std::fs::read_to_string(dir.join("kamailio.log")).unwrap_or_default();
    let invite = (kamlog.lines())
        .find(|l| l.contains("NATTEST INVITE sip:200@"))
        .unwrap_or_else(|| panic!("no INVITE in Kamailio's log:\n{kamlog}"));
    assert!(
        invite.contains(&format!("fu sip:4930100@{PUBLIC}:")) && !invite.contains(INSIDE),
        "{invite}"
    );
    // On hold (we send nothing for 3 s): the media keep-alives (RTP of an
    // unnegotiated payload type, RFC 6263) go out through the NAT, and
    // SIPp's echo of them comes back through it.
    let (before, rtp_before) = (gw.line.stats().media_keepalives, gw.line.stats().rtp_in);
    gw.run(Duration::from_secs(3), |_, _, _| false);
    let s = gw.line.stats();
    assert!(
        s.media_keepalives >= before + 2,
        "media keep-alives while silent: {s:?}"
    );
    assert!(
        s.rtp_in > rtp_before,
        "the keep-alives were echoed back through the NAT: {s:?}"
    );
    let now = gw.t0 + Duration::from_millis(20 * gw.k);
    gw.line
        .hangup(id, line_drivers::HangupCause::NormalClearing, now);
    gw.run(Duration::from_secs(2), |_, _, _| false);
    drop(uas);
    // Incoming, after a pause the CRLF keep-alives bridge.
    let (rang, heard, target) = incoming_after_a_pause(&net, &dir, &mut gw);
    assert!(
        rang,
        "the incoming call reached us through the binding the keep-alives held"
    );
    assert!(
        heard >= 50,
        "SIPp's tone arrived at our SDP's public address ({heard} frames)"
    );
    // Symmetric RTP: our media went to where SIPp's tone came from, not
    // to the SDP's 192.0.2.99.
    let target = target.expect("media target");
    assert_eq!(
        target.ip(),
        OUTSIDE.parse::<IpAddr>().unwrap(),
        "latched to SIPp's source ({target})"
    );
    assert_eq!(gw.line.stats().media_refused, 0);
}

#[test]
fn without_keepalives_the_nat_forgets_us() {
    let (net, dir, _kam, mut gw) = setup("nokeep", false);
    let (rang, _, _) = incoming_after_a_pause(&net, &dir, &mut gw);
    assert!(
        !rang,
        "without keep-alives the router forgot the binding: no call can come in"
    );
}
