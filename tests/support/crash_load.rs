//! The crash tests' load, named in one place for the harness
//! (`tests/bin/crash_harness.rs`) and the checks (`tests/crash.rs`).

use kernel::numbering::NumberingPlan;

/// The site: +49 89 1234, our lines are its extensions.
pub fn site_plan() -> NumberingPlan {
    NumberingPlan::germany("89", "1234")
}

/// The mail domain of every mailbox (the test Postfix's).
pub const DOMAIN: &str = "example.test";
/// Where incoming faxes and SMS are mailed (`<name>@example.test`).
pub const FAX_MAILBOX: &str = "faxin";
pub const SMS_MAILBOX: &str = "smsin";
/// Gets error notices: the tests expect none.
pub const POSTMASTER: &str = "postmaster";

/// The mailbox name of the sender of outgoing fax `k`.
pub fn sender_box(k: usize) -> String {
    format!("s{k:03}")
}

/// The sender of outgoing fax `k` (its confirmation goes there).
pub fn sender(k: usize) -> String {
    format!("{}@{DOMAIN}", sender_box(k))
}

/// The number outgoing fax `k` is dialled at (a virtual fax machine of its
/// own keeps what it gets).
pub fn dial_number(k: usize) -> String {
    format!("0897{k:04}")
}

/// The caller of incoming fax `i`, as the network presents it.
pub fn fax_caller(i: usize) -> String {
    format!("0301110{i:03}")
}

/// The sender of incoming SMS `i` and its text.
pub fn sms_caller(i: usize) -> String {
    format!("0171555{i:03}")
}
pub fn sms_text(i: usize) -> String {
    format!("crash test SMS {i:03}")
}

/// A caller's number as the gateway stores it (E.164).
pub fn stored_number(plan: &NumberingPlan, raw: &str) -> String {
    plan.normalize_caller(raw, None)
        .map_or_else(|| raw.to_string(), |n| n.as_str().to_string())
}

/// Every mailbox the load needs, for `out` outgoing faxes.
pub fn mailboxes(out: usize) -> Vec<String> {
    let mut users: Vec<String> = (0..out).map(sender_box).collect();
    users.extend([FAX_MAILBOX, SMS_MAILBOX, POSTMASTER].map(String::from));
    users
}
