//! HylaFAX on one modem of an [`IaxPair`](crate::iaxmodem::IaxPair): a
//! private spool (`tests/peers/fax/hylafax-spool.sh`), `faxgetty` to answer
//! calls, and `faxq` + `hfaxd` + `sendfax` to send. Needs root and the
//! `hylafax-server`/`hylafax-client` packages (scripts/setup.sh --test);
//! the modems' ptys must belong to `uucp:uucp` (HylaFAX's user).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::{wait_for_text, Proc};

/// A private HylaFAX spool in `dir/hf` for `devices`.
pub fn spool(dir: &Path, devices: &[&Path]) -> PathBuf {
    let hf = dir.join("hf");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../peers/fax/hylafax-spool.sh");
    let status = Command::new("bash")
        .arg(script)
        .arg(&hf)
        .args(devices)
        .status()
        .expect("hylafax-spool.sh");
    assert!(status.success(), "hylafax-spool.sh failed");
    hf
}

/// HylaFAX's name for a device: its path with `/` as `_`.
pub fn devid(device: &Path) -> String {
    device.display().to_string().replace('/', "_")
}

/// faxgetty of spool `hf` on `device`, idle and ready (it answers calls as
/// a receiver).
pub fn faxgetty(hf: &Path, device: &Path) -> Proc {
    let out = std::fs::File::create(hf.join(format!("faxgetty{}.out", devid(device)))).unwrap();
    let child = Command::new("faxgetty")
        .arg("-q")
        .arg(hf)
        .arg(device)
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("faxgetty");
    let status = hf.join("status").join(devid(device));
    assert!(
        wait_for_text(&status, "Running and idle", Duration::from_secs(20)),
        "faxgetty on {device:?} not ready"
    );
    Proc(child)
}

/// HylaFAX as a sender on `device`: faxq, hfaxd on 127.0.0.1:`port` and
/// faxgetty, ready for [`sendfax`].
pub fn sender(hf: &Path, device: &Path, port: u16) -> [Proc; 3] {
    let faxq = Proc(
        Command::new("faxq")
            .args(["-D", "-q"])
            .arg(hf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("faxq"),
    );
    let hfaxd = Proc(
        Command::new("hfaxd")
            .args(["-d", "-q"])
            .arg(hf)
            .args(["-l", "127.0.0.1", "-i", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("hfaxd"),
    );
    let getty = faxgetty(hf, device);
    [faxq, hfaxd, getty]
}

/// `sendfax` of `file` to `number` through the HylaFAX of [`sender`] on
/// `device`; `args`: sendfax's options (resolution, rate).
pub fn sendfax(device: &Path, port: u16, number: u16, args: &[&str], file: &Path) {
    let out = Command::new("sendfax")
        .arg("-h")
        .arg(format!("{}@127.0.0.1:{port}", devid(device)))
        .args(["-n", "-N"])
        // sendfax takes its options before the destination.
        .args(args)
        .args(["-d", &number.to_string()])
        .arg(file)
        .output()
        .expect("sendfax");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("request id is"),
        "sendfax: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
