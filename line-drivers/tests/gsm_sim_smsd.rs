//! The GSM simulator (tests/gsm_sim) checked against smstools' smsd, DTE
//! software we did not write: smsd sends a spooled SMS through a simulated
//! modem (it arrives on a second one) and spools the SMS waiting on the
//! SIM as a file in its incoming directory (and deletes it from the SIM),
//! over a pty in real time.

mod gsm_sim;

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use gsm_sim::{stamp, Network};
use line_drivers::gsm::{split, Address, Deliver, Reference};
use test_kit::Scratch;

const A: &str = "+491701000001";
const B: &str = "+491701000002";

/// smsd and the device processes it forks, in a process group of their
/// own; stopped (TERM, then KILL) with the test.
struct Smsd(Child);

impl Drop for Smsd {
    fn drop(&mut self) {
        // The group's id is smsd's pid (process_group(0)).
        let group = format!("-{}", self.0.id());
        for sig in ["-TERM", "-KILL"] {
            let _ = Command::new("kill").args([sig, "--", &group]).status();
            std::thread::sleep(Duration::from_millis(300));
        }
        let _ = self.0.wait();
    }
}

fn smsd(dir: &Path, device: &Path) -> Smsd {
    for d in ["outgoing", "checked", "failed", "incoming", "sent"] {
        std::fs::create_dir_all(dir.join(d)).expect("spool dir");
    }
    let conf = dir.join("smsd.conf");
    let p = |n: &str| dir.join(n).display().to_string();
    std::fs::write(
        &conf,
        format!(
            "devices = GSM1\noutgoing = {}\nchecked = {}\nfailed = {}\nincoming = {}\nsent = {}\n\
             logfile = {}\nloglevel = 7\ninfofile = {}\npidfile = {}\nstats = \n\
             delaytime = 1\ndelaytime_mainprocess = 1\nblocktime = 1\nautosplit = 3\n\
             receive_before_send = no\n\n[GSM1]\ndevice = {}\nincoming = yes\nmode = new\n\
             pin = ignore\nbaudrate = 115200\ncheck_memory_method = 1\n",
            p("outgoing"),
            p("checked"),
            p("failed"),
            p("incoming"),
            p("sent"),
            p("smsd.log"),
            p("smsd.working"),
            p("smsd.pid"),
            device.display()
        ),
    )
    .expect("smsd.conf");
    let child = Command::new("/usr/sbin/smsd")
        .arg(format!("-c{}", conf.display()))
        .args(["-t", "-uroot", "-groot"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("smsd (scripts/setup.sh --test installs smstools)");
    Smsd(child)
}

/// smsd writes texts in ISO-8859-15 ("Alphabet: ISO"): Latin-1 with the
/// euro sign at 0xA4 (the other seven differences do not occur here).
fn iso_8859_15(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| if b == 0xa4 { '€' } else { char::from(b) })
        .collect()
}

fn log(dir: &Path) -> String {
    let log = std::fs::read_to_string(dir.join("smsd.log")).unwrap_or_default();
    let cut = log.len().saturating_sub(5000);
    log[log.ceil_char_boundary(cut)..].to_string()
}

#[test]
fn smsd_sends_and_receives_through_the_simulator() {
    let dir = Scratch::new("gsm-smsd");
    let mut net = Network::new(&[A, B]);
    net.modems[0].put(&Deliver {
        from: Address::number("+4930123456").expect("number"),
        sent: stamp(),
        status_report: false,
        more_to_send: false,
        user_data: split("Waiting for smsd: Grüße €", Reference::Short(1), 1)
            .expect("one")
            .remove(0),
    });
    let sim = net.on_ptys();
    let _smsd = smsd(dir.path(), &sim.devices[0]);
    std::fs::write(
        dir.path().join("outgoing/hello"),
        format!("To: {}\n\nHello from smsd, 10€", B.trim_start_matches('+')),
    )
    .expect("spool");
    // Sent: it arrives on B.
    let deadline = test_kit::wall() + Duration::from_secs(60);
    loop {
        let net = sim.net.lock().expect("network");
        if let Some((to, d)) = net.delivered.first() {
            assert_eq!(*to, 1);
            assert_eq!(d.user_data.text, "Hello from smsd, 10€");
            assert_eq!(d.from.to_text(), A);
            break;
        }
        assert!(
            test_kit::wall() < deadline,
            "nothing sent:\n{}",
            log(dir.path())
        );
        drop(net);
        std::thread::sleep(Duration::from_millis(100));
    }
    // Received: the message that waited on the SIM is a file.
    let deadline = test_kit::wall() + Duration::from_secs(60);
    loop {
        let files: Vec<String> = std::fs::read_dir(dir.path().join("incoming"))
            .expect("incoming")
            .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
            .map(|b| iso_8859_15(&b))
            .collect();
        if let Some(f) = files.first() {
            assert!(f.contains("From: 4930123456"), "{f}");
            assert!(f.contains("Alphabet: ISO"), "{f}");
            assert!(f.contains("\n\nWaiting for smsd: Grüße €"), "{f}");
            break;
        }
        assert!(
            test_kit::wall() < deadline,
            "nothing received:\n{}",
            log(dir.path())
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // smsd deleted it from the SIM (+CMGD) once it was spooled.
    let deadline = test_kit::wall() + Duration::from_secs(30);
    while !sim.net.lock().expect("network").modems[0]
        .storage
        .is_empty()
    {
        assert!(
            test_kit::wall() < deadline,
            "still on the SIM:\n{}",
            log(dir.path())
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
