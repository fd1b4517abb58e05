//! Application ids assigned by the router: the simulator gives each
//! registration an id of its own (never 1) in the register confirmation
//! and drops messages with any other. Our native client takes the id it
//! is given: a call between two `CapiLine`s on it goes through (answer,
//! DTMF, hang-up) with no message dropped; a client that keeps sending
//! id 1 is not listened to.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use line_drivers::capi::controller::ControllerConfig;
use line_drivers::capi::line::CapiLine;
use line_drivers::capi::msg::{Message, Params};
use line_drivers::capi::rcapi::{Frame, FrameReader};
use line_drivers::capi::session::RegisterLimits;
use line_drivers::capi::sim::tcp::SimServer;
use line_drivers::capi::sim::{app_id_of, SimConfig};
use line_drivers::capi::transport::RcapiTcp;
use line_drivers::{
    CallProgress, DtmfDigit, HangupCause, Line, LineEvent, LineId, Media, MediaKind, SimClock,
};

const LIMITS: RegisterLimits = RegisterLimits {
    max_logical: 1,
    max_b_blocks: 7,
    max_b_len: 2048,
};

fn server() -> SimServer {
    let s = SimServer::start(
        SimConfig {
            b_channels: 2,
            refused: Vec::new(),
        },
        0,
    )
    .expect("simulator");
    s.assign_app_ids();
    s
}

fn line(s: &SimServer, msn: &str) -> CapiLine<RcapiTcp> {
    let t = RcapiTcp::connect(s.addr(), LIMITS, 1, Duration::from_secs(5)).expect("rcapi");
    let config = ControllerConfig {
        msns: vec![msn.into()],
        calling_msn: Some(msn.into()),
        ..ControllerConfig::default()
    };
    CapiLine::new(LineId(format!("capi/{msn}")), config, t)
}

#[test]
fn the_native_client_uses_the_id_the_router_assigned() {
    let s = server();
    let mut a = line(&s, "100");
    let mut b = line(&s, "200");
    let ids = [a.transport().app_id(), b.transport().app_id()];
    let conns = s.connection_ids();
    assert_eq!(ids, [app_id_of(conns[0]), app_id_of(conns[1])]);
    assert!(ids[0] != 1 && ids[0] != ids[1], "{ids:?}");

    let mut clock = SimClock::new(test_kit::origin());
    let (mut ev_a, mut ev_b) = (Vec::new(), Vec::new());
    let mut tick = |a: &mut CapiLine<RcapiTcp>,
                    b: &mut CapiLine<RcapiTcp>,
                    ea: &mut Vec<LineEvent>,
                    eb: &mut Vec<LineEvent>| {
        std::thread::sleep(Duration::from_millis(2));
        let now = clock.tick();
        a.tick(now);
        b.tick(now);
        ea.extend(std::iter::from_fn(|| a.poll_event()));
        eb.extend(std::iter::from_fn(|| b.poll_event()));
        now
    };
    let now = tick(&mut a, &mut b, &mut ev_a, &mut ev_b);
    let call_a = a.dial("200", MediaKind::Audio, now).expect("dial");
    let mut call_b = None;
    for _ in 0..300 {
        let now = tick(&mut a, &mut b, &mut ev_a, &mut ev_b);
        if call_b.is_none() {
            call_b = ev_b.iter().find_map(|e| match e {
                LineEvent::Incoming { call, .. } => Some(*call),
                _ => None,
            });
            if let Some(c) = call_b {
                b.answer(c, now).expect("answer");
            }
        }
        let up = ev_a.iter().any(|e| {
            matches!(
                e,
                LineEvent::Progress {
                    progress: CallProgress::Answered,
                    ..
                }
            )
        });
        if up {
            break;
        }
    }
    let call_b = call_b.expect("the call rang at B");
    for _ in 0..20 {
        tick(&mut a, &mut b, &mut ev_a, &mut ev_b);
    }
    let now = tick(&mut a, &mut b, &mut ev_a, &mut ev_b);
    let d = DtmfDigit::new('7', Duration::from_millis(80)).unwrap();
    a.send(call_a, Media::Dtmf(d), now).expect("DTMF");
    for _ in 0..50 {
        tick(&mut a, &mut b, &mut ev_a, &mut ev_b);
    }
    assert!(
        ev_b.iter().any(|e| matches!(e, LineEvent::Media { call, media: Media::Dtmf(d) } if *call == call_b && d.digit() == '7')),
        "{ev_b:?}"
    );
    let now = tick(&mut a, &mut b, &mut ev_a, &mut ev_b);
    a.hangup(call_a, HangupCause::NormalClearing, now);
    for _ in 0..50 {
        tick(&mut a, &mut b, &mut ev_a, &mut ev_b);
    }
    assert!(
        ev_b.iter().any(|e| matches!(e, LineEvent::HungUp { .. })),
        "{ev_b:?}"
    );
    let stats = s.stats();
    assert_eq!(stats.connected, 1);
    assert_eq!((stats.wrong_app_id, stats.bad_frames), (0, 0), "{stats:?}");
}

#[test]
fn a_client_that_keeps_id_one_is_not_listened_to() {
    let s = server();
    let mut stream = TcpStream::connect(s.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let register = Frame::RegisterReq {
        buffer_size: 2048,
        max_logical: 1,
        max_b_blocks: 7,
        max_b_len: 2048,
        version: 2,
    };
    stream.write_all(&register.encode()).unwrap();
    let listen = Frame::Capi {
        message: Message {
            app_id: 1,
            number: 1,
            address: 1,
            params: Params::ListenReq {
                info_mask: 0,
                cip_mask: 0x1_0012,
                cip_mask2: 0,
                calling: None,
                calling_subaddress: Vec::new(),
            },
        },
        data: Vec::new(),
    };
    stream.write_all(&listen.encode()).unwrap();
    let mut reader = FrameReader::new();
    let mut frames = Vec::new();
    let mut buf = [0; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        reader.push(&buf[..n]);
        while let Some(f) = reader.next_frame() {
            frames.push(f.expect("a good frame"));
        }
    }
    let assigned = app_id_of(*s.connection_ids().last().unwrap());
    assert_eq!(
        frames,
        [Frame::RegisterConf {
            app_id: assigned,
            info: 0
        }],
        "no LISTEN_CONF for a message with id 1"
    );
    assert_eq!(s.stats().wrong_app_id, 1);
}
