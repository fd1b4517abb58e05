//! The remote-CAPI simulator (`line_drivers::capi::sim`) against code we
//! did not write: Debian's libcapi20 reaches it through its `rcapi` module
//! (`$HOME/.capi20rc` in a scratch directory names the simulator's port;
//! `/etc` is not touched) and makes a whole call between two of its
//! B-channels (`tests/capi/libcapi20_call.c`, compiled here with `cc`).
//! Our own framing is checked on the same wire: the register request
//! libcapi20 sent is the octets `rcapi::Frame::RegisterReq` writes, and a
//! client built on our `FrameReader` gets the same answers.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use line_drivers::capi::msg::{Message, Params};
use line_drivers::capi::rcapi::{Frame, FrameReader, Profile};
use line_drivers::capi::sim::tcp::SimServer;
use line_drivers::capi::sim::SimConfig;

fn build(dir: &Path, name: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/capi/{name}.c"));
    let exe = dir.join(name);
    let out = Command::new("cc")
        .args(["-Wall", "-Werror", "-o"])
        .arg(&exe)
        .arg(&src)
        .arg("-lcapi20")
        .output()
        .expect("cc");
    assert!(
        out.status.success(),
        "cc failed (is libcapi20-dev installed? scripts/setup.sh):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

fn config() -> SimConfig {
    SimConfig {
        b_channels: 2,
        refused: vec![("999".into(), 1)],
    }
}

#[test]
fn libcapi20_calls_between_two_channels_of_the_simulator_through_rcapi() {
    let dir = test_kit::Scratch::new("capi-rcapi");
    let exe = build(dir.path(), "libcapi20_call");
    let sim = SimServer::start(config(), 0).expect("simulator");
    std::fs::write(
        dir.join(".capi20rc"),
        format!("REMOTE rcapi 127.0.0.1 {}\n", sim.addr().port()),
    )
    .unwrap();
    let out = Command::new(&exe)
        .env("HOME", dir.path())
        .output()
        .expect("run libcapi20_call");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let got: BTreeMap<&str, &str> = text
        .lines()
        .flat_map(|l| l.split(' '))
        .filter_map(|kv| kv.split_once('='))
        .collect();
    assert!(
        out.status.success(),
        "libcapi20_call failed:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The program has exited; the simulator's threads may still be reading
    // the last messages it sent. Each connection is closed once its reader
    // met the end of the stream, after everything before it.
    for _ in 0..500 {
        if sim.connections() == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(sim.connections(), 0, "the simulator still reads after 5 s");
    let want = [
        ("isinstalled", "0"),
        ("register_a", "0"),
        ("register_b", "0"),
        ("distinct_apps", "1"),
        ("profile", "0"),
        ("controllers", "1"),
        ("b_channels", "2"),
        ("manufacturer", "ums"),
        ("listen_conf", "0"),
        ("connect_conf", "0"),
        ("ind_cip", "4"),
        ("ind_called", "80313030"),
        ("ind_calling", "0180323030"),
        ("alert_conf", "0"),
        ("alerting", "0x8001"),
        ("b3_conf", "0"),
        ("data_conf", "0"),
        ("handle", "42"),
        ("data_len", "160"),
        ("facility_conf", "0"),
        ("dtmf", "3523"),
        ("disconnect_conf", "0"),
        ("reason_b", "0"),
        ("reason_a", "0x3490"),
        ("reason_refused", "0x3481"),
        ("release", "0"),
        ("done", "1"),
    ];
    for (k, v) in want {
        assert_eq!(got.get(k).copied(), Some(v), "{k}\n{text}");
    }
    // The data arrived as sent (the C side sums what it sent the same way).
    let sum = (0..160u32).fold(0u32, |s, i| s.wrapping_mul(31).wrapping_add((i * 7) & 0xff));
    assert_eq!(got.get("data_sum").copied(), Some(sum.to_string().as_str()));
    assert_eq!(sim.stats().connected, 1);
    assert_eq!(sim.stats().bad_frames, 0, "{:?}", sim.stats());
    assert_eq!(sim.channels_in_use(), 0);

    // Each application's connection opened with the register request our
    // framing writes for the same limits (2 connections, 7 blocks, 2048).
    let register = Frame::RegisterReq {
        buffer_size: 2048,
        max_logical: 2,
        max_b_blocks: 7,
        max_b_len: 2048,
        version: 2,
    }
    .encode();
    let streams = sim.received();
    let registered = streams
        .values()
        .filter(|s| s.starts_with(&register))
        .count();
    assert_eq!(registered, 2, "{streams:?}");

    // Everything libcapi20 put on the wire in the whole call reads with
    // our framing and codec and is written back by them to the same
    // octets: our stream for the same messages is libcapi20's.
    let mut messages = 0;
    for (conn, stream) in &streams {
        let mut r = FrameReader::new();
        r.push(stream);
        let mut again = Vec::new();
        while let Some(f) = r.next_frame() {
            let f = f.unwrap_or_else(|e| panic!("connection {conn}: {e}"));
            messages += usize::from(matches!(f, Frame::Capi { .. }));
            again.extend(f.encode());
        }
        assert_eq!(r.buffered(), 0);
        assert!(again == *stream, "connection {conn}: our octets differ");
    }
    // A: LISTEN, ALERT, CONNECT_RESP and the responses to CONNECT_ACTIVE,
    // CONNECT_B3, CONNECT_B3_ACTIVE, DATA_B3, FACILITY, DISCONNECT_B3 and
    // DISCONNECT (10); B: two CONNECT_REQs, CONNECT_B3_REQ, DATA_B3_REQ,
    // FACILITY_REQ, DISCONNECT_REQ and the responses to INFO,
    // CONNECT_ACTIVE, CONNECT_B3_ACTIVE, DISCONNECT_B3 and two DISCONNECTs
    // (12).
    assert_eq!(messages, 22);
}

/// A blocking client on our framing: send frames, read the next one.
struct Client {
    stream: TcpStream,
    reader: FrameReader,
}

impl Client {
    fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        Client {
            stream,
            reader: FrameReader::new(),
        }
    }

    fn send(&mut self, f: &Frame) {
        self.stream.write_all(&f.encode()).unwrap();
    }

    fn next(&mut self) -> Frame {
        let mut buf = [0; 4096];
        loop {
            if let Some(f) = self.reader.next_frame() {
                return f.expect("a good frame");
            }
            let n = self.stream.read(&mut buf).expect("read");
            assert!(n > 0, "the simulator closed the connection");
            self.reader.push(&buf[..n]);
        }
    }
}

#[test]
fn our_framing_registers_reads_the_profile_and_listens() {
    let sim = SimServer::start(config(), 0).expect("simulator");
    let mut c = Client::connect(sim.addr().port());
    c.send(&Frame::RegisterReq {
        buffer_size: 2048,
        max_logical: 2,
        max_b_blocks: 7,
        max_b_len: 2048,
        version: 2,
    });
    assert_eq!(c.next(), Frame::RegisterConf { app_id: 0, info: 0 });
    c.send(&Frame::GetProfileReq { controller: 1 });
    let Frame::GetProfileConf { info: 0, profile } = c.next() else {
        panic!("no profile")
    };
    let p = Profile::decode(&profile).unwrap();
    assert_eq!((p.controllers, p.b_channels), (1, 2));
    c.send(&Frame::GetProfileReq { controller: 7 });
    assert!(matches!(
        c.next(),
        Frame::GetProfileConf { info: 0x2002, .. }
    ));
    let listen = Message {
        app_id: 1,
        number: 5,
        address: 1,
        params: Params::ListenReq {
            info_mask: 0,
            cip_mask: 1,
            cip_mask2: 0,
            calling: None,
            calling_subaddress: Vec::new(),
        },
    };
    c.send(&Frame::Capi {
        message: listen,
        data: Vec::new(),
    });
    let Frame::Capi { message, .. } = c.next() else {
        panic!("no LISTEN_CONF")
    };
    assert_eq!((message.number, message.address), (5, 1));
    assert_eq!(message.params, Params::ListenConf { info: 0 });
}

#[test]
fn garbage_closes_only_its_own_connection() {
    let sim = SimServer::start(config(), 0).expect("simulator");
    let mut good = Client::connect(sim.addr().port());
    let mut bad = TcpStream::connect(sim.addr()).unwrap();
    bad.write_all(&[0xff, 0xff, 0, 0, 0, 0]).unwrap();
    bad.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut b = [0; 16];
    assert_eq!(bad.read(&mut b).unwrap_or(0), 0, "the simulator closes it");
    good.send(&Frame::GetProfileReq { controller: 1 });
    assert!(matches!(good.next(), Frame::GetProfileConf { info: 0, .. }));
    assert_eq!(sim.stats().bad_frames, 1);
}

/// A controller on our native client over a real TCP connection.
struct NativeApp {
    stream: TcpStream,
    client: line_drivers::capi::session::RcapiClient,
    ctrl: line_drivers::capi::controller::Controller,
    events: Vec<line_drivers::capi::controller::ControllerEvent>,
}

impl NativeApp {
    fn connect(port: u16, config: line_drivers::capi::controller::ControllerConfig) -> NativeApp {
        use line_drivers::capi::session::{RcapiClient, RcapiEvent, RegisterLimits};
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_nonblocking(true).unwrap();
        let mut app = NativeApp {
            stream,
            client: RcapiClient::new(),
            ctrl: line_drivers::capi::controller::Controller::new(config),
            events: Vec::new(),
        };
        app.client.register(RegisterLimits {
            max_logical: 2,
            max_b_blocks: 7,
            max_b_len: 2048,
        });
        app.client.get_profile(1);
        let mut seen = Vec::new();
        let t0 = test_kit::wall();
        while seen.len() < 2 {
            assert!(t0.elapsed() < Duration::from_secs(5), "{seen:?}");
            app.io(|ev| seen.push(ev));
        }
        assert_eq!(seen[0], RcapiEvent::Registered);
        assert!(matches!(&seen[1], RcapiEvent::Profile(Ok(p)) if p.b_channels == 2));
        app
    }

    /// Writes what the client has, reads what came, hands each event to
    /// `f` (messages go to the controller first).
    fn io(&mut self, mut f: impl FnMut(line_drivers::capi::session::RcapiEvent)) {
        use line_drivers::capi::session::RcapiEvent;
        while let Some((m, d)) = self.ctrl.poll_transmit() {
            self.client.send(m, d);
        }
        let out = self.client.take_output();
        if !out.is_empty() {
            self.stream.set_nonblocking(false).unwrap();
            self.stream.write_all(&out).unwrap();
            self.stream.set_nonblocking(true).unwrap();
        }
        let mut buf = [0; 4096];
        match self.stream.read(&mut buf) {
            Ok(0) => panic!("the simulator closed the connection"),
            Ok(n) => self.client.handle_bytes(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(1))
            }
            Err(e) => panic!("{e}"),
        }
        while let Some(ev) = self.client.poll_event() {
            match ev {
                RcapiEvent::Message(m, d) => self.ctrl.handle_message(m, &d, test_kit::wall()),
                other => f(other),
            }
        }
        self.events
            .extend(std::iter::from_fn(|| self.ctrl.poll_event()));
    }
}

/// Runs both until `done` says so (5 s at most).
fn run_until(
    a: &mut NativeApp,
    b: &mut NativeApp,
    mut done: impl FnMut(&NativeApp, &NativeApp) -> bool,
) {
    let t0 = test_kit::wall();
    while !done(a, b) {
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "A: {:?}\nB: {:?}",
            a.events,
            b.events
        );
        a.io(|e| panic!("A: {e:?}"));
        b.io(|e| panic!("B: {e:?}"));
    }
}

#[test]
fn our_native_client_calls_between_two_channels_over_tcp() {
    use line_drivers::capi::controller::{ControllerConfig, ControllerEvent as Ev, CIP_AUDIO_3K1};
    use line_drivers::HangupCause;
    let sim = SimServer::start(config(), 0).expect("simulator");
    let port = sim.addr().port();
    let mut a = NativeApp::connect(
        port,
        ControllerConfig {
            calling_msn: Some("200".into()),
            ..ControllerConfig::default()
        },
    );
    let mut b = NativeApp::connect(
        port,
        ControllerConfig {
            msns: vec!["100".into()],
            ..ControllerConfig::default()
        },
    );
    b.ctrl.listen();
    run_until(&mut a, &mut b, |_, b| !b.events.is_empty());
    assert_eq!(b.events.remove(0), Ev::Listening { info: 0 });

    let ca = a.ctrl.dial("100", CIP_AUDIO_3K1, test_kit::wall()).unwrap();
    run_until(&mut a, &mut b, |_, b| !b.events.is_empty());
    let Ev::Incoming {
        call: cb, calling, ..
    } = b.events.remove(0)
    else {
        panic!("{:?}", b.events)
    };
    assert_eq!(calling.as_deref(), Some("200"));
    b.ctrl.answer(cb, test_kit::wall());
    run_until(&mut a, &mut b, |a, b| {
        !a.events.is_empty() && !b.events.is_empty()
    });
    assert_eq!(a.events.remove(0), Ev::Connected(ca));
    assert_eq!(b.events.remove(0), Ev::Connected(cb));

    let frame = [1234i16; fax_t30::media::FRAME_SAMPLES];
    for _ in 0..5 {
        assert!(a.ctrl.send_audio(ca, &frame));
    }
    run_until(&mut a, &mut b, |_, b| b.events.len() >= 5);
    let want = frame.map(|s| fax_t30::g711::Law::ALaw.compand(s));
    for e in b.events.drain(..) {
        assert_eq!(e, Ev::Audio(cb, want));
    }

    a.ctrl
        .hangup(ca, HangupCause::NormalClearing, test_kit::wall());
    run_until(&mut a, &mut b, |a, b| {
        !a.events.is_empty() && !b.events.is_empty()
    });
    assert_eq!(a.events, [Ev::HungUp(ca, HangupCause::NormalClearing)]);
    assert_eq!(b.events, [Ev::HungUp(cb, HangupCause::NormalClearing)]);
    assert_eq!(sim.stats().bad_frames, 0);
    assert_eq!(sim.channels_in_use(), 0);
}
