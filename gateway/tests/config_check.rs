//! The configuration file: the shipped example is valid; a bad file is
//! refused by `ums check-config` and by `ums serve` alike, with
//! `file:line:column: key: what is wrong`; a data directory that cannot be
//! used and a port in use stop the start with a clear message.

mod serve_harness;

use std::path::Path;

use serve_harness::*;
use test_kit::Scratch;

#[test]
fn the_example_config_is_valid() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/ums.toml");
    let out = run(&["check-config", "--config", example.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains(": ok"), "{}", text(&out));
}

/// (name, file text, line, key, words of the reason)
const BAD: &[(&str, &str, usize, &str, &str)] = &[
    (
        "syntax",
        "[smtp]\nhostname = \"gw.example.com\"\nlisten = 127.0.0.1:2525\n",
        3,
        "smtp.listen",
        "invalid float",
    ),
    (
        "unknown-key",
        "[smtp]\nhostname = \"gw.example.com\"\nallowed_network = [\"10.0.0.0/8\"]\n",
        3,
        "smtp.allowed_network",
        "unknown field `allowed_network`",
    ),
    (
        "wrong-type",
        "[daemon]\nstop_timeout_secs = \"two minutes\"\n",
        2,
        "daemon.stop_timeout_secs",
        "invalid type: string \"two minutes\", expected u64",
    ),
    (
        "bad-network",
        "[smtp]\n\nallowed_networks = [\"127.0.0.0/8\", \"10.0.0.0/33\"]\n",
        3,
        "smtp.allowed_networks",
        "'10.0.0.0/33' is not a network",
    ),
    (
        "route-to-nobody",
        "[[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\n\n[[route]]\npattern = \"2?\"\nmailbox = \"user:bob\"\n",
        7,
        "route[0].mailbox",
        "'user:bob' names no user",
    ),
    (
        "gsm-pin",
        "[[gsm]]\nname = \"a\"\ndevice = \"/dev/ttyUSB2\"\nnumber = \"4930100\"\npin = \"12ab\"\n",
        5,
        "gsm[0].pin",
        "a PIN is 4 to 8 digits",
    ),
    (
        "gsm-device-of-a-modem",
        "[[modem]]\nname = \"f\"\ndevice = \"/dev/ttyUSB0\"\nnumber = \"4930100\"\n\n[[gsm]]\nname = \"a\"\ndevice = \"/dev/ttyUSB0\"\nnumber = \"4930101\"\n",
        8,
        "gsm[0].device",
        "/dev/ttyUSB0 is another modem's device",
    ),
    (
        "trunk-registrar-and-peer",
        "[[trunk]]\nname = \"provider\"\nregistrar = \"sip.example.net\"\npeer = \"192.0.2.10:5060\"\nuser = \"4989123456\"\nlisten = \"192.0.2.20:5060\"\n",
        4,
        "trunk[0].peer",
        "not both",
    ),
    (
        "trunk-wildcard-listen",
        "[[trunk]]\nname = \"pbx\"\npeer = \"192.0.2.10\"\nuser = \"100\"\nlisten = \"0.0.0.0:5060\"\n",
        5,
        "trunk[0].listen",
        "not a wildcard",
    ),
    (
        "trunk-rtp-ports",
        "[[trunk]]\nname = \"pbx\"\npeer = \"192.0.2.10\"\nuser = \"100\"\nlisten = \"192.0.2.20:5060\"\nrtp_ports = [20001, 20002]\n",
        6,
        "trunk[0].rtp_ports",
        "even first port",
    ),
    (
        "trunk-zero-channels",
        "[[trunk]]\nname = \"pbx\"\npeer = \"192.0.2.10\"\nuser = \"100\"\nlisten = \"192.0.2.20:5060\"\nchannels = 0\n",
        6,
        "trunk[0].channels",
        "0: give 1 to 64",
    ),
    (
        "trunk-too-many-channels",
        "[[trunk]]\nname = \"pbx\"\npeer = \"192.0.2.10\"\nuser = \"100\"\nlisten = \"192.0.2.20:5060\"\nchannels = 65\nrtp_ports = [20000, 29999]\n",
        6,
        "trunk[0].channels",
        "65: give 1 to 64",
    ),
    (
        "trunk-negative-channels",
        "[[trunk]]\nname = \"pbx\"\npeer = \"192.0.2.10\"\nuser = \"100\"\nlisten = \"192.0.2.20:5060\"\nchannels = -2\n",
        6,
        "trunk[0].channels",
        "invalid value",
    ),
    (
        "trunk-channels-need-ports",
        "[[trunk]]\nname = \"pbx\"\npeer = \"192.0.2.10\"\nuser = \"100\"\nlisten = \"192.0.2.20:5060\"\nchannels = 3\nrtp_ports = [20000, 20007]\n",
        7,
        "trunk[0].rtp_ports",
        "3 channels need 12",
    ),
    (
        "trunk-bad-peer",
        "[[trunk]]\nname = \"pbx\"\npeer = \"pbx.example.net:50x\"\nuser = \"100\"\nlisten = \"192.0.2.20:5060\"\n",
        3,
        "trunk[0].peer",
        "is not a port",
    ),
    (
        "trunk-t38-preferred-without-t38",
        "[[trunk]]\nname = \"pbx\"\npeer = \"192.0.2.10\"\nuser = \"100\"\nlisten = \"192.0.2.20:5060\"\nt38 = false\n",
        1,
        "trunk[0].t38_preferred",
        "set t38_preferred = false too",
    ),
    (
        "short-password",
        "[[smtp.auth_user]]\nname = \"scanner\"\npassword = \"secret\"\n",
        3,
        "smtp.auth_user[0].password",
        "at least 12 characters",
    ),
    (
        "web-clear-text-beyond-loopback",
        "[web]\nlisten = \"0.0.0.0:8025\"\ntls = \"off\"\n",
        3,
        "web.tls",
        "logins and sessions would cross the network in clear text",
    ),
    (
        "web-upload-limit",
        "[web]\nupload_limit_mb = 0\n",
        2,
        "web.upload_limit_mb",
        "the upload limit is 1 to 1024 MiB",
    ),
    (
        "webhook-without-secret",
        "[web]\nwebhook = \"http://127.0.0.1:9000/hook\"\n",
        2,
        "web.webhook",
        "needs webhook_secret",
    ),
    (
        "webhook-not-http",
        "[web]\nwebhook_secret = \"k\"\nwebhook = \"ftp://example.test/\"\n",
        3,
        "web.webhook",
        "starts with http:// or https://",
    ),
    (
        "user-webhook-without-secret",
        "[web]\n[[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\nwebhook = \"https://hooks.example.test/anna\"\n",
        5,
        "user[0].webhook",
        "needs webhook_secret",
    ),
    (
        "user-timezone",
        "[web]\n[[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\ntimezone = \"Mars/Olympus\"\n",
        5,
        "user[0].timezone",
        "time zone Mars/Olympus",
    ),
    (
        "web-role",
        "[[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\nrole = \"root\"\n",
        4,
        "user[0].role",
        "unknown variant `root`",
    ),
    (
        "capi-no-transport",
        "[[capi]]\nname = \"isdn\"\n",
        2,
        "capi[0].name",
        "give remote = \"host:port\"",
    ),
    (
        "capi-remote-no-port",
        "[[capi]]\nname = \"isdn\"\nremote = \"router\"\n",
        3,
        "capi[0].remote",
        "'router': write host:port",
    ),
    (
        "capi-transport",
        "[[capi]]\nname = \"isdn\"\ntransport = \"kcapi\"\n",
        3,
        "capi[0].transport",
        "the transport is \"libcapi20\"",
    ),
    (
        "capi-b-channels",
        "[[capi]]\nname = \"isdn\"\nremote = \"r:2662\"\nb_channels = 31\n",
        4,
        "capi[0].b_channels",
        "use 1 to 30 B-channels",
    ),
    (
        "capi-msn",
        "[[capi]]\nname = \"isdn\"\nremote = \"r:2662\"\nnumbers = [\"12a\"]\n",
        4,
        "capi[0].numbers[0]",
        "an MSN or DDI is digits",
    ),
];

#[test]
fn check_config_and_serve_name_file_line_key_and_reason() {
    let dir = Scratch::new("bad-config");
    for (name, body, line, key, reason) in BAD {
        let file = dir.join(format!("{name}.toml"));
        std::fs::write(&file, body).unwrap();
        let f = file.to_str().unwrap();
        let expected = format!("{f}:{line}:");

        let out = run(&["check-config", "--config", f]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.starts_with(&expected), "{name}: {err}");
        assert!(err.contains(&format!(" {key}: ")), "{name}: {err}");
        assert!(err.contains(reason), "{name}: {err}");

        // serve refuses the same file with the same words, before binding.
        let data = dir.join(format!("{name}-data"));
        let out = ums()
            .args(["serve", "--config", f, "--data"])
            .arg(&data)
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(78), "{name}: {log}");
        let line_ = log.lines().find(|l| l.contains("msgid=config-invalid"));
        let line_ = line_.unwrap_or_else(|| panic!("{name}: {log}"));
        assert!(line_.starts_with("<3>level=err "), "{name}: {log}");
        assert!(line_.contains(&expected), "{name}: {log}");
        assert!(line_.contains(&format!(" {key}: ")), "{name}: {log}");
        assert!(line_.contains(reason), "{name}: {log}");
        assert!(!data.join("store").exists(), "{name}: started anyway");
    }
}

#[test]
fn a_missing_config_file_is_an_error() {
    let dir = Scratch::new("missing-config");
    let f = dir.join("nope.toml");
    let out = run(&["check-config", "--config", f.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("nope.toml") && err.contains("cannot read"),
        "{err}"
    );
}

#[test]
fn a_data_directory_that_cannot_be_made_stops_the_start() {
    let dir = Scratch::new("data-dir");
    // A regular file where the data directory's parent should be.
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    for data in [file.join("data"), "/proc/ums-config-test/data".into()] {
        let log = dir.join("serve.log");
        let mut child = spawn(
            &[
                "--smtp",
                "127.0.0.1:40302",
                "--data",
                data.to_str().unwrap(),
            ],
            &log,
        );
        let status = wait_exit(&mut child, 30).expect("exits");
        let log = read(&log);
        assert_eq!(status.code(), Some(2), "{log}");
        assert!(log.contains("msgid=data-dir-failed"), "{log}");
        assert!(log.contains(data.to_str().unwrap()), "{log}");
        assert!(!listening(40302));
    }
    // A data directory that does not exist yet is made.
    let data = dir.join("new/deeper/data");
    let log = dir.join("serve-new.log");
    let mut child = spawn(
        &[
            "--smtp",
            "127.0.0.1:40302",
            "--data",
            data.to_str().unwrap(),
        ],
        &log,
    );
    let up = wait_for(30, || listening(40302));
    signal(&child, "TERM");
    let status = wait_exit(&mut child, 30);
    assert!(up, "{}", read(&log));
    assert!(status.is_some_and(|s| s.success()), "{}", read(&log));
    assert!(data.join("store").is_dir());
}

#[test]
fn a_port_in_use_stops_the_start_with_the_address() {
    let dir = Scratch::new("port-in-use");
    let _taken = std::net::TcpListener::bind("127.0.0.1:40303").unwrap();
    let data = dir.join("data");
    let log = dir.join("serve.log");
    let mut child = spawn(
        &[
            "--smtp",
            "127.0.0.1:40303",
            "--data",
            data.to_str().unwrap(),
        ],
        &log,
    );
    let status = wait_exit(&mut child, 30).expect("exits");
    let log = read(&log);
    assert_eq!(status.code(), Some(2), "{log}");
    let line = log
        .lines()
        .find(|l| l.contains("msgid=start-failed"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(line.starts_with("<3>"), "{log}");
    assert!(line.contains("127.0.0.1:40303"), "{log}");
    assert!(line.contains("in use"), "{log}");
}

#[test]
fn a_world_readable_file_with_passwords_is_valid_but_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Scratch::new("warnings");
    let file = dir.join("ums.toml");
    std::fs::write(
        &file,
        "[[smtp.auth_user]]\nname = \"scanner\"\npassword = \"a long random password\"\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    for (mode, warned) in [(0o644, true), (0o640, false)] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = run(&["check-config", "--config", f]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert_eq!(
            text(&out).contains("warning: ") && text(&out).contains("every user may read it"),
            warned,
            "mode {mode:o}: {}",
            text(&out)
        );
    }
}

#[test]
fn rtp_ports_in_the_kernels_ephemeral_range_are_warned_about() {
    // Issue 12: a port the kernel may hand to any outgoing socket.
    let (lo, hi) = {
        let r = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap();
        let v: Vec<u16> = r.split_whitespace().map(|p| p.parse().unwrap()).collect();
        (v[0], v[1])
    };
    let dir = Scratch::new("ephemeral");
    let file = dir.join("ums.toml");
    let trunk = |ports: (u32, u32)| {
        format!(
            "[[trunk]]\nname = \"pbx\"\npeer = \"192.0.2.10\"\nuser = \"100\"\n\
             listen = \"192.0.2.20:5060\"\nrtp_ports = [{}, {}]\n",
            ports.0, ports.1
        )
    };
    let inside = ((u32::from(lo) + 100) & !1, u32::from(lo) + 199);
    let below = (u32::from(lo) - 200, u32::from(lo) - 101);
    assert!(u32::from(hi) > inside.1);
    for (ports, warned) in [(inside, true), (below, false)] {
        std::fs::write(&file, trunk(ports)).unwrap();
        let out = run(&["check-config", "--config", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let t = text(&out);
        assert_eq!(
            t.contains("warning: trunk[0].rtp_ports") && t.contains("ephemeral"),
            warned,
            "{ports:?}: {t}"
        );
    }
}

#[test]
fn check_config_shows_the_number_a_modem_answers_for_as_routing_sees_it() {
    // Munich's numbering plan: a local number gets the area code, a
    // national one the country code; routing matches these forms.
    let dir = Scratch::new("config-modem-number");
    let file = dir.join("ums.toml");
    std::fs::write(
        &file,
        "[numbering]\ncountry_code = \"49\"\narea_code = \"89\"\n\n\
         [[modem]]\nname = \"a\"\ndevice = \"/dev/ttyUSB0\"\nnumber = \"4930100\"\n\n\
         [[modem]]\nname = \"b\"\ndevice = \"/dev/ttyUSB1\"\nnumber = \"030100\"\n",
    )
    .unwrap();
    let out = run(&["check-config", "--config", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("answers 4930100 (+49894930100)"), "{t}");
    assert!(t.contains("answers 030100 (+4930100)"), "{t}");
}

#[test]
fn check_config_shows_a_capi_controllers_lines_and_numbers() {
    let dir = Scratch::new("config-capi");
    let file = dir.join("ums.toml");
    std::fs::write(
        &file,
        "[numbering]\ncountry_code = \"49\"\narea_code = \"89\"\n\n\
         [[capi]]\nname = \"isdn\"\nremote = \"127.0.0.1:2662\"\nb_channels = 2\n\
         numbers = [\"4930100\", \"030101\"]\n\n\
         [[capi]]\nname = \"card\"\ntransport = \"libcapi20\"\ngroup = \"isdn\"\n",
    )
    .unwrap();
    let out = run(&["check-config", "--config", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains(
            "capi isdn: remote CAPI at 127.0.0.1:2662, controller 1, 2 B-channel line(s) \
             capi/isdn/1..2, answers 4930100 (+49894930100), 030101 (+4930101), group capi"
        ),
        "{t}"
    );
    assert!(t.contains("capi card: libcapi20, controller 1"), "{t}");
    assert!(t.contains("answers every call, group isdn"), "{t}");
}
