//! The README's first command, run the way the README says: `./scripts/start.sh`
//! (in the background here) installs what it needs, builds ums in release
//! mode and starts the gateway on 127.0.0.1:2525. Its output shows the next
//! two commands; the test types exactly those: `ums send` sends a fax (a
//! mail through the gateway's SMTP policy), and `ums journal` shows it sent.
//! The fax is at the virtual fax machine, and libtiff's `tiffinfo` reads it.
//! The first command runs without a PATH: on a fresh machine nothing but
//! what `start.sh` built is there (it printed a swaks command once, which
//! `start.sh` does not install).
//!
//! The data directory is a temporary one (`UMS_DATA`), not the user's
//! `~/.local/share/ums`. The first run builds the release binary: slow.

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use test_kit::Scratch;

struct Started(Child);

impl Drop for Started {
    fn drop(&mut self) {
        // start.sh execs `ums serve`: this is the gateway's pid.
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

fn read(path: &Path) -> String {
    let mut s = String::new();
    if let Ok(mut f) = std::fs::File::open(path) {
        let _ = f.read_to_string(&mut s);
    }
    s
}

#[test]
fn the_readme_first_command_starts_a_gateway_that_faxes() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains("./scripts/start.sh "),
        "the README's first command"
    );
    let dir = Scratch::new("quickstart");
    let data = dir.join("data");
    let log = dir.join("start.log");
    let out = std::fs::File::create(&log).unwrap();
    let child = Command::new("./scripts/start.sh")
        .current_dir(&root)
        .env("UMS_DATA", &data)
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("scripts/start.sh runs");
    let mut started = Started(child);

    // It builds first (minutes on a fresh checkout), then listens and
    // prints the next steps.
    let mut ready = false;
    for _ in 0..(45 * 60 * 2) {
        if read(&log).contains("The gateway is ready")
            && TcpStream::connect(("127.0.0.1", 2525)).is_ok()
        {
            ready = true;
            break;
        }
        if let Ok(Some(status)) = started.0.try_wait() {
            panic!("start.sh ended with {status}:\n{}", read(&log));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(ready, "the gateway did not come up:\n{}", read(&log));

    // The two commands it shows, typed as shown.
    let output = read(&log);
    let shown: Vec<&str> = output
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("./target/release/ums ") || l.starts_with("ums "))
        .collect();
    assert_eq!(shown.len(), 2, "two commands:\n{output}");
    assert!(
        shown[0].starts_with("./target/release/ums send --to 0895551 ")
            && shown[1].ends_with("ums journal"),
        "{output}"
    );
    let o = Command::new("/bin/sh")
        .arg("-c")
        .arg(shown[0])
        .current_dir(&root)
        .env("PATH", "/nonexistent")
        .env("UMS_DATA", &data)
        .output()
        .expect("sh");
    assert!(
        o.status.success(),
        "{}: {}{}",
        shown[0],
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );

    let journal = || {
        let o = Command::new("sh")
            .arg("-c")
            .arg(shown[1])
            .current_dir(&root)
            .env("UMS_DATA", &data)
            .output()
            .expect("ums journal");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let mut table = String::new();
    for _ in 0..240 {
        table = journal();
        if table
            .lines()
            .any(|l| l.contains("+49895551") && l.contains(" sent "))
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        table
            .lines()
            .any(|l| l.contains("+49895551") && l.contains(" sent ") && l.contains("1/1")),
        "the confirmation in the journal:\n{table}"
    );

    // The virtual fax machine has it: a fine-resolution G4 fax page.
    let fax = data.join("virtual-network/0895551/fax-0001.tif");
    let o = Command::new("tiffinfo")
        .arg(&fax)
        .output()
        .expect("tiffinfo (libtiff-tools)");
    let info = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(info.contains("Image Width: 1728"), "{info}");
    assert!(info.contains("Resolution: 204, 196"), "{info}");
    assert!(info.contains("CCITT"), "{info}");
}
