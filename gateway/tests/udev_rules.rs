//! The udev rules (`udev/60-ums.rules`) checked by udev itself: systemd
//! 252's `udevadm test` parses them and applies them to fake USB modems.
//!
//! Debian 12's udevadm has no `verify`, and its `test` reads the system's
//! rules directories and creates device links under /dev. So each run is in
//! a private mount namespace (`unshare -m`): tmpfs over /dev, /run and the
//! rules directories (only our file is loaded), and a fake sysfs tree bind
//! mounted over /sys (a USB device, its interface and the tty under it, as
//! the kernel lays them out). udev's own `usb_id` and `path_id` builtins
//! read that tree; nothing on the host is touched. Needs root (the suite
//! runs as root) and the `udev` package (scripts/setup.sh).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use test_kit::Scratch;

const RULES_NAME: &str = "60-ums.rules";

fn rules_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../udev/60-ums.rules"))
        .expect("udev/60-ums.rules")
}

/// A tty under a USB interface, as a modem driver makes it.
struct UsbTty {
    vendor: &'static str,
    product: &'static str,
    serial: Option<&'static str>,
    /// USB port path, e.g. "1-2".
    port: &'static str,
    interface: u8,
    tty: &'static str,
    minor: u32,
}

/// What a device the test adds looks like in sysfs and /dev.
enum Fake {
    Usb(UsbTty),
    /// A class device outside USB (e.g. capi/capi20).
    Class {
        class: &'static str,
        name: &'static str,
        major: u32,
        minor: u32,
    },
}

impl Fake {
    fn devnode(&self) -> (String, u32, u32) {
        match self {
            Fake::Usb(u) => (
                u.tty.to_string(),
                if u.tty.starts_with("ttyACM") {
                    166
                } else {
                    188
                },
                u.minor,
            ),
            Fake::Class {
                name, major, minor, ..
            } => (name.to_string(), *major, *minor),
        }
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn link(target: &str, at: &Path) {
    std::os::unix::fs::symlink(target, at).unwrap();
}

/// Lay out `dev` under `sys` (mounted at /sys later); returns its syspath.
fn fake_sysfs(sys: &Path, dev: &Fake) -> String {
    for d in [
        "bus/usb",
        "bus/pci",
        "bus/usb-serial",
        "class/tty",
        "class/capi",
    ] {
        std::fs::create_dir_all(sys.join(d)).unwrap();
    }
    match dev {
        Fake::Usb(u) => {
            let pci = "devices/pci0000:00/0000:00:14.0";
            write(&sys.join("devices/pci0000:00/uevent"), "");
            write(
                &sys.join(pci).join("uevent"),
                "PCI_SLOT_NAME=0000:00:14.0\n",
            );
            link("/sys/bus/pci", &sys.join(pci).join("subsystem"));
            let hub = format!("{pci}/usb1");
            write(&sys.join(&hub).join("uevent"), "DEVTYPE=usb_device\n");
            link("/sys/bus/usb", &sys.join(&hub).join("subsystem"));
            let usb = format!("{hub}/{}", u.port);
            let d = sys.join(&usb);
            write(
                &d.join("uevent"),
                &format!(
                    "DEVTYPE=usb_device\nPRODUCT={}/{}/100\nTYPE=0/0/0\n",
                    u.vendor.trim_start_matches('0'),
                    u.product.trim_start_matches('0')
                ),
            );
            link("/sys/bus/usb", &d.join("subsystem"));
            write(&d.join("idVendor"), &format!("{}\n", u.vendor));
            write(&d.join("idProduct"), &format!("{}\n", u.product));
            write(&d.join("bcdDevice"), "0100\n");
            write(&d.join("manufacturer"), "Maker\n");
            write(&d.join("product"), "Modem\n");
            if let Some(s) = u.serial {
                write(&d.join("serial"), &format!("{s}\n"));
            }
            let intf = format!("{usb}/{}:1.{}", u.port, u.interface);
            let i = sys.join(&intf);
            write(
                &i.join("uevent"),
                "DEVTYPE=usb_interface\nINTERFACE=255/0/0\n",
            );
            link("/sys/bus/usb", &i.join("subsystem"));
            write(
                &i.join("bInterfaceNumber"),
                &format!("{:02x}\n", u.interface),
            );
            write(&i.join("bInterfaceClass"), "ff\n");
            write(&i.join("bInterfaceSubClass"), "00\n");
            write(&i.join("bInterfaceProtocol"), "00\n");
            // ttyUSB: a usb-serial port device between the interface and
            // the tty (option, sierra, qcserial); ttyACM: the tty directly.
            let parent = if u.tty.starts_with("ttyUSB") {
                let p = format!("{intf}/{}", u.tty);
                write(&sys.join(&p).join("uevent"), "");
                link("/sys/bus/usb-serial", &sys.join(&p).join("subsystem"));
                p
            } else {
                intf
            };
            let (name, major, minor) = dev.devnode();
            let tty = format!("{parent}/tty/{name}");
            let t = sys.join(&tty);
            write(
                &t.join("uevent"),
                &format!("MAJOR={major}\nMINOR={minor}\nDEVNAME={name}\n"),
            );
            write(&t.join("dev"), &format!("{major}:{minor}\n"));
            link("/sys/class/tty", &t.join("subsystem"));
            format!("/sys/{tty}")
        }
        Fake::Class {
            class,
            name,
            major,
            minor,
        } => {
            let p = format!("devices/virtual/{class}/{name}");
            let t = sys.join(&p);
            write(
                &t.join("uevent"),
                &format!("MAJOR={major}\nMINOR={minor}\nDEVNAME={name}\n"),
            );
            write(&t.join("dev"), &format!("{major}:{minor}\n"));
            link(&format!("/sys/class/{class}"), &t.join("subsystem"));
            format!("/sys/{p}")
        }
    }
}

struct Outcome {
    /// udev's complaints about the rules file while parsing it.
    diagnostics: Vec<String>,
    /// `/dev/NODE GROUP MODE` after the rules ran.
    node: String,
    /// The links under /dev/ums, as `ums/NAME -> TARGET`.
    links: Vec<String>,
    log: String,
}

/// Run `udevadm test` with only `rules` loaded, for an "add" of `dev`.
fn udev_test(name: &str, rules: &str, dev: &Fake) -> Outcome {
    let dir = Scratch::new(name);
    let sys = dir.join("sys");
    let syspath = fake_sysfs(&sys, dev);
    let rules_file = dir.join(RULES_NAME);
    std::fs::write(&rules_file, rules).unwrap();
    let (node, major, minor) = dev.devnode();
    let mut script = String::from("set -e\n");
    let _ = writeln!(script, "mount --bind '{}' /sys", sys.display());
    for d in ["/dev", "/run", "/etc/udev/rules.d", "/usr/lib/udev/rules.d"] {
        let _ = writeln!(script, "mount -t tmpfs none {d}");
    }
    let _ = writeln!(
        script,
        "mkdir -p /run/udev\ncp '{}' /etc/udev/rules.d/\nmknod /dev/{node} c {major} {minor}",
        rules_file.display()
    );
    let _ = writeln!(
        script,
        "SYSTEMD_DEVICE_VERIFY_SYSFS=0 udevadm test --action=add '{syspath}' >&2"
    );
    let _ = writeln!(script, "echo \"NODE $(stat -c '%n %G %a' /dev/{node})\"");
    let _ = writeln!(
        script,
        "[ -d /dev/ums ] && find /dev/ums -type l -printf 'LINK %P -> %l\\n' | sort || true"
    );
    let out = Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .output()
        .expect("unshare (util-linux)");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "udevadm test did not run (root and the udev package are needed):\n{log}"
    );
    let prefix = format!("/etc/udev/rules.d/{RULES_NAME}:");
    Outcome {
        diagnostics: log
            .lines()
            .filter(|l| l.starts_with(&prefix))
            .map(str::to_string)
            .collect(),
        node: stdout
            .lines()
            .find_map(|l| l.strip_prefix("NODE "))
            .unwrap_or_default()
            .to_string(),
        links: stdout
            .lines()
            .filter_map(|l| l.strip_prefix("LINK "))
            .map(|l| format!("ums/{l}"))
            .collect(),
        log,
    }
}

fn usr5637(serial: Option<&'static str>) -> Fake {
    Fake::Usb(UsbTty {
        vendor: "0baf",
        product: "0303",
        serial,
        port: "1-2",
        interface: 0,
        tty: "ttyACM0",
        minor: 0,
    })
}

#[test]
fn the_rules_parse_without_a_complaint_from_udev() {
    let o = udev_test("clean", &rules_text(), &usr5637(Some("0000001")));
    assert!(
        o.log.contains(&format!(
            "Reading rules file: /etc/udev/rules.d/{RULES_NAME}"
        )),
        "udev did not read our file:\n{}",
        o.log
    );
    assert!(o.diagnostics.is_empty(), "{:#?}", o.diagnostics);
}

#[test]
fn a_broken_copy_of_the_rules_is_caught() {
    let good = rules_text();
    let lines = good.lines().count();
    for (what, bad) in [
        (
            "unknown key",
            "SUBSYSTEM==\"tty\", VENDOR==\"0baf\", GROUP=\"dialout\"",
        ),
        (
            "assignment as match",
            "SUBSYSTEM==\"tty\", GROUP==\"dialout\"",
        ),
        ("unterminated value", "SUBSYSTEM==\"tty\", MODE=\"0660"),
        (
            "GOTO to no label",
            "SUBSYSTEM==\"tty\", GOTO=\"ums_nowhere\"",
        ),
    ] {
        let text = format!("{good}{bad}\n");
        let o = udev_test("broken", &text, &usr5637(Some("0000001")));
        assert!(
            o.diagnostics
                .iter()
                .any(|d| d.contains(&format!("{RULES_NAME}:{}", lines + 1))),
            "{what}: udev said nothing about line {}:\n{}",
            lines + 1,
            o.log
        );
    }
}

#[test]
fn a_fax_modem_gets_its_serial_name_and_port_name_in_dialout() {
    let o = udev_test("fax", &rules_text(), &usr5637(Some("0000001")));
    assert_eq!(o.node, "/dev/ttyACM0 dialout 660", "{}", o.log);
    assert_eq!(
        o.links,
        [
            "ums/by-port/fax-pci-0000_00_14_0-usb-0_2_1_0 -> ../../ttyACM0",
            "ums/fax-0000001 -> ../ttyACM0",
        ],
        "{}",
        o.log
    );
}

#[test]
fn a_fax_modem_without_serial_is_named_by_its_port() {
    let o = udev_test("fax-noserial", &rules_text(), &usr5637(None));
    assert_eq!(o.node, "/dev/ttyACM0 dialout 660", "{}", o.log);
    assert_eq!(
        o.links,
        ["ums/by-port/fax-pci-0000_00_14_0-usb-0_2_1_0 -> ../../ttyACM0"],
        "{}",
        o.log
    );
}

#[test]
fn a_quectel_modem_names_every_port_and_its_at_port() {
    let port = |interface: u8, tty, minor| {
        Fake::Usb(UsbTty {
            vendor: "2c7c",
            product: "0125",
            serial: Some("EC25X1"),
            port: "1-4",
            interface,
            tty,
            minor,
        })
    };
    let at = udev_test("gsm-at", &rules_text(), &port(2, "ttyUSB2", 2));
    assert_eq!(at.node, "/dev/ttyUSB2 dialout 660", "{}", at.log);
    assert_eq!(
        at.links,
        [
            "ums/by-port/gsm-pci-0000_00_14_0-usb-0_4_1_2 -> ../../ttyUSB2",
            "ums/gsm-EC25X1 -> ../ttyUSB2",
            "ums/gsm-EC25X1-if02 -> ../ttyUSB2",
        ],
        "{}",
        at.log
    );
    let nmea = udev_test("gsm-nmea", &rules_text(), &port(1, "ttyUSB1", 1));
    assert_eq!(
        nmea.links,
        [
            "ums/by-port/gsm-pci-0000_00_14_0-usb-0_4_1_1 -> ../../ttyUSB1",
            "ums/gsm-EC25X1-if01 -> ../ttyUSB1",
        ],
        "{}",
        nmea.log
    );
}

#[test]
fn a_huawei_modem_gets_per_interface_names() {
    let o = udev_test(
        "gsm-huawei",
        &rules_text(),
        &Fake::Usb(UsbTty {
            vendor: "12d1",
            product: "1506",
            serial: Some("HW77"),
            port: "1-3",
            interface: 0,
            tty: "ttyUSB0",
            minor: 0,
        }),
    );
    assert_eq!(o.node, "/dev/ttyUSB0 dialout 660", "{}", o.log);
    assert_eq!(
        o.links,
        [
            "ums/by-port/gsm-pci-0000_00_14_0-usb-0_3_1_0 -> ../../ttyUSB0",
            "ums/gsm-HW77-if00 -> ../ttyUSB0",
        ],
        "{}",
        o.log
    );
}

#[test]
fn another_usb_serial_device_is_left_alone() {
    // An FTDI USB-serial adapter: not ours, no name, permissions untouched.
    let o = udev_test(
        "ftdi",
        &rules_text(),
        &Fake::Usb(UsbTty {
            vendor: "0403",
            product: "6001",
            serial: Some("FT1"),
            port: "1-5",
            interface: 0,
            tty: "ttyUSB0",
            minor: 0,
        }),
    );
    assert!(o.links.is_empty(), "{:?}", o.links);
    assert_eq!(o.node, "/dev/ttyUSB0 root 644", "{}", o.log);
}

#[test]
fn the_capi_device_is_open_to_dialout() {
    let o = udev_test(
        "capi",
        &rules_text(),
        &Fake::Class {
            class: "capi",
            name: "capi20",
            major: 68,
            minor: 0,
        },
    );
    assert_eq!(o.node, "/dev/capi20 dialout 660", "{}", o.log);
    assert_eq!(o.links, ["ums/capi20 -> ../capi20"], "{}", o.log);
}

#[test]
fn every_fax_modem_id_is_a_modem_in_udevs_hardware_database() {
    // The vendor/product pairs of the fax rules, read from the file, must
    // be modems by udev's own USB database (catches a typo in an ID).
    let mut checked = 0;
    for line in rules_text()
        .lines()
        .filter(|l| l.contains("UMS_KIND}=\"fax\""))
    {
        let value = |key: &str| {
            let at = line.find(key).unwrap_or_else(|| panic!("{key} in {line}")) + key.len();
            line[at..].split('"').next().unwrap().to_string()
        };
        let vendor = value("ENV{ID_VENDOR_ID}==\"");
        for product in value("ENV{ID_MODEL_ID}==\"").split('|') {
            let modalias = format!("usb:v{}p{}", vendor.to_uppercase(), product.to_uppercase());
            let out = Command::new("systemd-hwdb")
                .args(["query", &modalias])
                .output()
                .expect("systemd-hwdb");
            let text = String::from_utf8_lossy(&out.stdout);
            let model = text
                .lines()
                .find_map(|l| l.strip_prefix("ID_MODEL_FROM_DATABASE="))
                .unwrap_or_else(|| panic!("{modalias} is not in udev's hwdb: {text}"));
            // Multi-Tech's MT5634MU is listed as "MultiMobileUSB".
            let m = model.to_lowercase();
            assert!(
                m.contains("modem") || m.contains("fax") || m.contains("multimobile"),
                "{modalias} is {model}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} fax modem IDs found");
}

#[test]
fn a_local_rule_as_the_readme_shows_marks_an_unlisted_modem() {
    // udev/README.md: a 59-ums-local.rules line setting UMS_KIND before
    // ours. Loaded here as the first line of the same file (same order).
    let local = "SUBSYSTEM==\"tty\", ATTRS{idVendor}==\"0403\", ATTRS{idProduct}==\"6001\", ENV{UMS_KIND}=\"fax\"\n";
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../udev/README.md"))
            .unwrap();
    assert!(readme.contains(&local.replace("0403", "1234").replace("6001", "5678")));
    let o = udev_test(
        "local",
        &format!("{local}{}", rules_text()),
        &Fake::Usb(UsbTty {
            vendor: "0403",
            product: "6001",
            serial: Some("FT1"),
            port: "1-5",
            interface: 0,
            tty: "ttyUSB0",
            minor: 0,
        }),
    );
    assert_eq!(o.node, "/dev/ttyUSB0 dialout 660", "{}", o.log);
    assert!(
        o.links.contains(&"ums/fax-FT1 -> ../ttyUSB0".to_string()),
        "{:?}",
        o.links
    );
}
