//! SIGHUP during a fax call: the call goes on to the last page, and the new
//! SMTP policy (networks, AUTH users) and users take effect at once. An
//! invalid file on SIGHUP is logged and the configuration in force stays.

mod serve_harness;

use serve_harness::*;
use test_kit::Scratch;

const PORT: u16 = 40310;
const BOB_PASSWORD: &str = "correct horse battery";

fn config(extra: &str) -> String {
    format!(
        "[smtp]\nlisten = \"127.0.0.1:{PORT}\"\nhostname = \"ums.example.test\"\n{extra}\n\
         [[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\n\n\
         [retry]\nintervals_secs = [1]\n"
    )
}

#[test]
fn sighup_during_a_call_swaps_policy_and_users_and_the_call_completes() {
    let dir = Scratch::new("sighup");
    let data = dir.join("data");
    let file = dir.join("ums.toml");
    let log = dir.join("serve.log");
    // Before: mail from loopback needs no AUTH; bob is nobody.
    std::fs::write(&file, config("allowed_networks = [\"127.0.0.0/8\"]\n")).unwrap();
    let doc = document(&dir, 3);
    let mut ums = serve_config(&file, &data, &log, PORT);

    let out = swaks(PORT, "anna@example.test", "5550@fax.localhost", &doc, &[]);
    assert!(text(&out).contains("<-  250 "), "{}", text(&out));
    assert!(
        wait_log(&log, 0, &["msgid=calls", "1 call(s) in progress"], 60),
        "{}",
        read(&log)
    );

    // After: only 192.0.2.0/24 may send without AUTH; bob may log in and is
    // a user who may fax.
    let after = config(&format!(
        "allowed_networks = [\"192.0.2.0/24\"]\n\n\
         [[smtp.auth_user]]\nname = \"bob\"\npassword = \"{BOB_PASSWORD}\"\n\n\
         [[user]]\nid = \"bob\"\nemail = \"bob@example.test\"\n"
    ));
    std::fs::write(&file, after).unwrap();
    let mark = log_lines(&log);
    signal(&ums, "HUP");
    assert!(
        wait_log(&log, mark, &["msgid=reloaded"], 30),
        "{}",
        read(&log)
    );

    let refused = swaks(PORT, "anna@example.test", "5551@fax.localhost", &doc, &[]);
    assert!(
        text(&refused).contains("<** 530 "),
        "loopback no longer trusted: {}",
        text(&refused)
    );
    let bob = [
        "--tls",
        "--auth",
        "PLAIN",
        "--auth-user",
        "bob",
        "--auth-password",
        BOB_PASSWORD,
    ];
    let out = swaks(PORT, "bob@example.test", "5551@fax.localhost", &doc, &bob);
    assert!(text(&out).contains("<-  250 "), "{}", text(&out));

    // An invalid file on SIGHUP changes nothing.
    std::fs::write(&file, config("allowed_networks = [\"127.0.0.0/99\"]\n")).unwrap();
    let mark = log_lines(&log);
    signal(&ums, "HUP");
    assert!(
        wait_log(
            &log,
            mark,
            &[
                "msgid=reload-failed",
                "ums.toml:4:",
                "smtp.allowed_networks",
                "'127.0.0.0/99' is not a network"
            ],
            30
        ),
        "{}",
        read(&log)
    );
    let still = swaks(PORT, "anna@example.test", "5552@fax.localhost", &doc, &[]);
    assert!(text(&still).contains("<** 530 "), "{}", text(&still));
    let out = swaks(PORT, "bob@example.test", "5552@fax.localhost", &doc, &bob);
    assert!(text(&out).contains("<-  250 "), "{}", text(&out));

    // anna's call, in progress across the reloads, ends with every page
    // (swaks's body text and the 3 pages); bob's faxes go out too.
    let done = wait_for(300, || {
        received_pages(&data, "0895550") == [4]
            && received_pages(&data, "0895551") == [4]
            && received_pages(&data, "0895552") == [4]
    });
    signal(&ums, "TERM");
    let status = wait_exit(&mut ums, 150);
    let text_log = read(&log);
    assert!(
        done,
        "far ends: {:?} {:?} {:?}\n{text_log}",
        received_pages(&data, "0895550"),
        received_pages(&data, "0895551"),
        received_pages(&data, "0895552")
    );
    // The first call was never interrupted: no line went idle before the reload.
    let lines: Vec<&str> = text_log.lines().collect();
    let reloaded = lines
        .iter()
        .position(|l| l.contains("msgid=reloaded"))
        .unwrap();
    let first_idle = lines
        .iter()
        .position(|l| l.contains("0 call(s) in progress"))
        .unwrap();
    assert!(first_idle > reloaded, "{text_log}");
    assert!(status.is_some_and(|s| s.success()), "{:?}", status);
}
