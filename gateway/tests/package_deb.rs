//! The appliance package: `scripts/package-deb.sh` builds the .deb, dpkg-deb
//! and lintian inspect it, and it is installed with apt into a fresh Debian
//! 12 root (debootstrap, built once and kept under target/tmp) where the
//! unit's ExecStart runs as the unit's user and reaches READY=1. No
//! container: `chroot`, with /proc mounted in a private mount namespace.
//! Needs root, debootstrap and lintian (scripts/setup.sh --test) and the
//! Debian mirror the host's apt uses.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use test_kit::Scratch;

const SMTP_PORT: u16 = 40520;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The Debian mirror this machine's apt uses for bookworm.
fn host_mirror() -> String {
    let deb822 =
        std::fs::read_to_string("/etc/apt/sources.list.d/debian.sources").unwrap_or_default();
    for stanza in deb822.split("\n\n") {
        let field = |name: &str| {
            stanza
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_string())
        };
        if let (Some(uris), Some(suites)) = (field("URIs:"), field("Suites:")) {
            if suites.split_whitespace().any(|s| s == "bookworm") {
                return uris.split_whitespace().next().unwrap().to_string();
            }
        }
    }
    let list = std::fs::read_to_string("/etc/apt/sources.list").unwrap_or_default();
    for l in list.lines() {
        let w: Vec<&str> = l.split_whitespace().collect();
        if w.len() >= 3 && w[0] == "deb" && w[2] == "bookworm" {
            return w[1].to_string();
        }
    }
    panic!("no bookworm mirror in this machine's apt sources");
}

/// A minimal Debian 12 root, made once (about a minute) and reused.
fn base_root() -> PathBuf {
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pkg-debootstrap");
    let root = cache.join("bookworm");
    let stamp = cache.join("bookworm.ok");
    if !stamp.exists() {
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        run(Command::new("debootstrap")
            .args(["--variant=minbase", "bookworm"])
            .arg(&root)
            .arg(host_mirror()));
        std::fs::write(&stamp, "").unwrap();
    }
    root
}

/// Run `script` with `root`'s /proc mounted, in a private mount namespace.
fn in_root(root: &Path, script: &str) -> Output {
    let r = root.display();
    run(Command::new("unshare").args([
        "-m",
        "sh",
        "-c",
        &format!("set -e; mount -t proc proc '{r}/proc'; {script}"),
    ]))
}

/// What a unit file says for `key` in [Service] (the last one wins).
fn unit_value(unit: &str, key: &str) -> String {
    unit.lines()
        .filter_map(|l| l.strip_prefix(&format!("{key}=")))
        .next_back()
        .unwrap_or_else(|| panic!("no {key}= in the unit"))
        .to_string()
}

#[test]
fn the_deb_builds_inspects_clean_installs_and_its_unit_command_starts() {
    let dir = Scratch::new("deb");

    // Build it (from the test binary; the script's default is a release build).
    let out = run(Command::new(repo().join("scripts/package-deb.sh"))
        .args(["--binary", env!("CARGO_BIN_EXE_ums"), "--out"])
        .arg(&dir));
    let deb = PathBuf::from(text(&out).trim());
    assert!(deb.is_file(), "{deb:?}");

    // Its control data.
    let info = text(&run(Command::new("dpkg-deb").arg("-I").arg(&deb)));
    for want in [
        "Package: ums",
        "Architecture: amd64",
        "Depends: ",
        "adduser",
        "libtiff6",
        "libc6",
    ] {
        assert!(info.contains(want), "{want} not in:\n{info}");
    }
    let conffiles = text(&run(Command::new("dpkg-deb")
        .args(["--info"])
        .arg(&deb)
        .arg("conffiles")));
    assert_eq!(conffiles.trim(), "/etc/ums/ums.toml");
    // Its files, root-owned with the modes Debian expects.
    let list = text(&run(Command::new("dpkg-deb").arg("-c").arg(&deb)));
    for (mode, path) in [
        ("-rwxr-xr-x root/root", "./usr/bin/ums"),
        ("-rw-r--r-- root/root", "./lib/systemd/system/ums.service"),
        ("-rw-r--r-- root/root", "./lib/udev/rules.d/60-ums.rules"),
        ("-rw-r--r-- root/root", "./etc/ums/ums.toml"),
        ("-rw-r--r-- root/root", "./usr/share/doc/ums/copyright"),
    ] {
        assert!(
            list.lines()
                .any(|l| l.starts_with(mode) && l.ends_with(path)),
            "{mode} {path} not in:\n{list}"
        );
    }
    // lintian: no errors, except that the placeholder maintainer address
    // is not a real one (set DEB_MAINTAINER for a release build).
    let lint = Command::new("lintian")
        .arg("--allow-root")
        .arg(&deb)
        .output()
        .expect("lintian");
    let lint = text(&lint);
    let errors: Vec<&str> = lint
        .lines()
        .filter(|l| l.starts_with("E:") && !l.contains("bogus-mail-host"))
        .collect();
    assert!(errors.is_empty(), "{lint}");

    // A fresh Debian 12 root; the package installed with apt as an admin would.
    let root = dir.join("root");
    run(Command::new("cp").arg("-a").arg(base_root()).arg(&root));
    std::fs::copy(&deb, root.join("tmp/ums.deb")).unwrap();
    let archives = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pkg-debootstrap/archives");
    std::fs::create_dir_all(archives.join("partial")).unwrap();
    let r = root.display();
    in_root(
        &root,
        &format!(
            "mount --bind '{}' '{r}/var/cache/apt/archives'; \
             DEBIAN_FRONTEND=noninteractive chroot '{r}' apt-get install -y -q --no-install-recommends /tmp/ums.deb",
            archives.display()
        ),
    );

    // What postinst made.
    let facts = text(&in_root(
        &root,
        &format!(
            "chroot '{r}' sh -c 'getent passwd ums; id -nG ums; \
             stat -c \"%n %U:%G %a\" /var/lib/ums /etc/ums /etc/ums/ums.toml; \
             ls /etc/systemd/system/multi-user.target.wants/'"
        ),
    ));
    let passwd = facts.lines().next().unwrap();
    assert!(
        passwd.starts_with("ums:") && passwd.contains(":/var/lib/ums:/usr/sbin/nologin"),
        "{facts}"
    );
    let groups: Vec<&str> = facts.lines().nth(1).unwrap().split_whitespace().collect();
    assert!(
        groups.contains(&"ums") && groups.contains(&"dialout"),
        "{facts}"
    );
    assert!(facts.contains("/var/lib/ums ums:ums 750"), "{facts}");
    assert!(facts.contains("/etc/ums root:ums 750"), "{facts}");
    assert!(facts.contains("/etc/ums/ums.toml root:ums 640"), "{facts}");
    assert!(facts.contains("ums.service"), "not enabled: {facts}");

    // The unit's command line, as the unit's user, inside the root: it
    // tells the notify socket READY=1 and answers SMTP.
    let unit = std::fs::read_to_string(root.join("lib/systemd/system/ums.service")).unwrap();
    let exec = unit_value(&unit, "ExecStart");
    let (user, group) = (unit_value(&unit, "User"), unit_value(&unit, "Group"));
    let extra = unit_value(&unit, "SupplementaryGroups");
    let sock_path = root.join("run/ums-notify.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    std::fs::set_permissions(&sock_path, std::fs::Permissions::from_mode(0o666)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut ums = Command::new("/usr/sbin/chroot")
        .arg(format!("--userspec={user}:{group}"))
        .arg(format!("--groups={}", extra.replace(' ', ",")))
        .arg(&root)
        .args(exec.split_whitespace())
        .args(["--smtp", &format!("127.0.0.1:{SMTP_PORT}")])
        .env_clear()
        .env("NOTIFY_SOCKET", "/run/ums-notify.sock")
        .env("PATH", "/usr/bin:/bin")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chroot");
    let mut buf = [0u8; 256];
    let mut ready = false;
    while let Ok(n) = sock.recv(&mut buf) {
        if &buf[..n] == b"READY=1" {
            ready = true;
            break;
        }
    }
    let banner = std::net::TcpStream::connect(("127.0.0.1", SMTP_PORT)).map(|mut c| {
        use std::io::Read;
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut b = [0u8; 64];
        let n = c.read(&mut b).unwrap_or(0);
        String::from_utf8_lossy(&b[..n]).into_owned()
    });
    let _ = Command::new("kill")
        .args(["-TERM", &ums.id().to_string()])
        .status();
    let status = ums.wait().unwrap();
    let mut err = String::new();
    {
        use std::io::Read;
        let _ = ums.stderr.take().unwrap().read_to_string(&mut err);
    }
    assert!(ready, "no READY=1 from `{exec}` in the root: {err}");
    assert!(
        banner.as_ref().is_ok_and(|b| b.starts_with("220 ")),
        "{banner:?}"
    );
    assert!(status.success(), "{status:?}: {err}");
    // It wrote its store as the ums user.
    let owner = text(&in_root(
        &root,
        &format!("chroot '{r}' stat -c %U /var/lib/ums/store"),
    ));
    assert_eq!(owner.trim(), "ums");

    // Purge: the files, the conffile and the state go.
    in_root(&root, &format!("chroot '{r}' dpkg --purge ums"));
    for gone in [
        "usr/bin/ums",
        "lib/systemd/system/ums.service",
        "lib/udev/rules.d/60-ums.rules",
        "etc/ums",
        "var/lib/ums",
    ] {
        assert!(
            !root.join(gone).exists(),
            "{gone} is still there after purge"
        );
    }
}
