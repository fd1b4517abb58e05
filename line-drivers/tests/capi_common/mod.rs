//! What the tests through Debian's libcapi20 share: one simulator per
//! process with libcapi20's rcapi module pointed at it (libcapi20 reads
//! its configuration once per process: `$HOME/.capi20rc` in a scratch
//! directory, `/etc` untouched), and lines on it through libcapi20 or
//! through our native remote-CAPI client.
#![allow(dead_code)] // each test file uses part of it

use std::sync::OnceLock;
use std::time::Duration;

use line_drivers::capi::controller::ControllerConfig;
use line_drivers::capi::ffi::Library;
use line_drivers::capi::libcapi20::Libcapi20;
use line_drivers::capi::line::CapiLine;
use line_drivers::capi::session::RegisterLimits;
use line_drivers::capi::sim::tcp::SimServer;
use line_drivers::capi::sim::SimConfig;
use line_drivers::capi::transport::RcapiTcp;
use line_drivers::LineId;

pub const LIMITS: RegisterLimits = RegisterLimits {
    max_logical: 1,
    max_b_blocks: 7,
    max_b_len: 2048,
};

/// B-channels of the shared simulator: enough for every test of a file at
/// once (`cargo test` runs them on threads of one process).
pub const B_CHANNELS: u16 = 16;

/// The simulator, and libcapi20 configured for it (its rcapi module
/// opens a connection when asked whether a CAPI is installed, and keeps
/// the configuration from then on).
pub fn simulator() -> &'static SimServer {
    static SIM: OnceLock<SimServer> = OnceLock::new();
    SIM.get_or_init(|| {
        let server = SimServer::start(
            SimConfig {
                b_channels: B_CHANNELS,
                refused: Vec::new(),
            },
            0,
        )
        .expect("simulator");
        let home = test_kit::Scratch::new("capi-libcapi20-home");
        std::fs::write(
            home.join(".capi20rc"),
            format!("REMOTE rcapi 127.0.0.1 {}\n", server.addr().port()),
        )
        .unwrap();
        let old = std::env::var_os("HOME");
        std::env::set_var("HOME", home.path());
        let lib = Library::get().expect("libcapi20 (scripts/setup.sh installs libcapi20-3)");
        let installed = lib.check_installed();
        match old {
            Some(h) => std::env::set_var("HOME", h),
            None => std::env::remove_var("HOME"),
        }
        installed.expect("libcapi20 finds the simulator");
        server
    })
}

/// A line answering `msn` and calling from it.
pub fn config(msn: &str) -> ControllerConfig {
    ControllerConfig {
        msns: vec![msn.into()],
        calling_msn: Some(msn.into()),
        ..ControllerConfig::default()
    }
}

/// A line through libcapi20.
pub fn ffi_line(msn: &str) -> CapiLine<Libcapi20> {
    ffi_line_with(msn, config(msn))
}

/// A line through libcapi20 with its own settings.
pub fn ffi_line_with(name: &str, config: ControllerConfig) -> CapiLine<Libcapi20> {
    simulator();
    let t = Libcapi20::open(LIMITS, 1).expect("libcapi20 registers");
    assert_eq!(
        t.profile().b_channels,
        B_CHANNELS,
        "the simulator's profile"
    );
    assert!(t.app_id() > 0);
    CapiLine::new(LineId(format!("capi/ffi/{name}")), config, t)
}

/// A line through our native remote-CAPI client.
pub fn native_line(msn: &str) -> CapiLine<RcapiTcp> {
    native_line_with(msn, config(msn))
}

/// A line through our native client with its own settings.
pub fn native_line_with(name: &str, config: ControllerConfig) -> CapiLine<RcapiTcp> {
    let t =
        RcapiTcp::connect(simulator().addr(), LIMITS, 1, Duration::from_secs(5)).expect("rcapi");
    CapiLine::new(LineId(format!("capi/native/{name}")), config, t)
}

/// Lets real time pass after a simulated tick until the simulator has
/// read what the lines wrote: at least `min`, then until the octets it
/// received stand still for a millisecond (at most 50 ms). Simulated
/// media time runs faster than real time; a busy machine that delayed the
/// simulator's threads by a window's worth of ticks would make it drop
/// DATA_B3 blocks, as a controller does when an application does not
/// answer.
pub fn settle(server: &SimServer, min: Duration) {
    std::thread::sleep(min);
    let start = test_kit::wall();
    let mut last = server.octets_received();
    while start.elapsed() < Duration::from_millis(50) {
        std::thread::sleep(Duration::from_millis(1));
        let now = server.octets_received();
        if now == last {
            return;
        }
        last = now;
    }
}
