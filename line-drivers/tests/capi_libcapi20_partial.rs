//! libcapi20 never stalls the media thread on a partial message: its rcapi
//! module, once it has read a frame's length, spins until the rest of the
//! frame is there (up to 5 s). The simulator (`SimServer::inject`) sends
//! the first octets of a frame and the rest two seconds later, from
//! another thread: reading the line's transport meanwhile returns at once
//! with nothing (`capi::ffi` calls libcapi20 only when a whole frame is
//! queued), and once the rest is there the message arrives whole. Its own
//! test binary: libcapi20 keeps its configuration for the process.

use std::time::Duration;

use line_drivers::capi::ffi::Library;
use line_drivers::capi::libcapi20::Libcapi20;
use line_drivers::capi::msg::{Message, Params};
use line_drivers::capi::rcapi::Frame;
use line_drivers::capi::session::RegisterLimits;
use line_drivers::capi::sim::tcp::SimServer;
use line_drivers::capi::sim::SimConfig;
use line_drivers::capi::transport::CapiTransport;

#[test]
fn a_partial_frame_waits_for_the_next_tick_instead_of_blocking() {
    let server = SimServer::start(
        SimConfig {
            b_channels: 2,
            refused: Vec::new(),
        },
        0,
    )
    .expect("simulator");
    let home = test_kit::Scratch::new("capi-libcapi20-partial");
    std::fs::write(
        home.join(".capi20rc"),
        format!("REMOTE rcapi 127.0.0.1 {}\n", server.addr().port()),
    )
    .unwrap();
    // The only thread yet: libcapi20 reads its configuration now.
    std::env::set_var("HOME", home.path());
    Library::get()
        .expect("libcapi20 (libcapi20-3)")
        .check_installed()
        .expect("libcapi20 finds the simulator");
    let limits = RegisterLimits {
        max_logical: 1,
        max_b_blocks: 7,
        max_b_len: 2048,
    };
    let mut t = Libcapi20::open(limits, 1).expect("libcapi20 registers");
    let conn = *server
        .connection_ids()
        .last()
        .expect("the application's connection");

    let message = Message {
        app_id: t.app_id(),
        number: 0x8001,
        address: 0x0101,
        params: Params::InfoInd {
            number: 0x8001,
            element: Vec::new(),
        },
    };
    let octets = Frame::Capi {
        message: message.clone(),
        data: Vec::new(),
    }
    .encode();
    let (head, tail) = octets.split_at(5);
    server.inject(conn, head).expect("inject");
    std::thread::sleep(Duration::from_millis(50));
    let rest = tail.to_vec();
    let later = std::thread::scope(|s| {
        let h = s.spawn(|| {
            std::thread::sleep(Duration::from_secs(2));
            server.inject(conn, &rest).expect("inject");
        });
        // The frame is not whole: nothing, at once (a call into libcapi20
        // would spin until the rest came, 2 s from now).
        let t0 = test_kit::wall();
        let mut got = Vec::new();
        t.receive(&mut got).expect("receive");
        let took = t0.elapsed();
        assert!(got.is_empty(), "{got:?}");
        assert!(
            took < Duration::from_secs(1),
            "the read waited {took:?} for the rest of the frame"
        );
        h.join().expect("injector");
        let mut got = Vec::new();
        for _ in 0..100 {
            std::thread::sleep(Duration::from_millis(10));
            t.receive(&mut got).expect("receive");
            if !got.is_empty() {
                break;
            }
        }
        got
    });
    assert_eq!(later.len(), 1, "{later:?}");
    assert_eq!(later[0].0.params, message.params);
    assert_eq!(later[0].0.address, message.address);
}
