//! Every attempt of an outgoing message with its cause, on the message
//! page and in the API (issue 14: "every attempt with its cause").

mod web_harness;

use axum::http::Method;
use kernel::job::{AttemptResult, FailureKind};
use kernel::message::Status;
use kernel::report::Cause;
use web_harness::{Web, T0};

fn busy() -> AttemptResult {
    AttemptResult {
        pages_confirmed: 0,
        failure: Some((FailureKind::Temporary, "The number was <busy>.".into())),
        bit_rate: 0,
        remote_id: None,
        duration_secs: 0,
        cause: Some(Cause::Busy),
        code: Some("Q.850 17".into()),
    }
}

fn sent(pages: u32) -> AttemptResult {
    AttemptResult {
        pages_confirmed: pages,
        failure: None,
        bit_rate: 14_400,
        remote_id: Some("REMOTE".into()),
        duration_secs: 40,
        cause: Some(Cause::Sent),
        code: Some("T.30 0 (OK)".into()),
    }
}

#[tokio::test]
async fn each_attempt_is_shown_with_its_cause_and_code() {
    let web = Web::start("web-attempts");
    let mut m = web.outgoing_fax("alice", "+49301111", 2, T0);
    m.begin_attempt(1, "loop/100", 1, T0.plus_secs(1));
    m.end_attempt(&busy(), T0.plus_secs(2));
    m.begin_attempt(2, "loop/101", 1, T0.plus_secs(120));
    m.end_attempt(&sent(2), T0.plus_secs(160));
    m.attempts = 2;
    m.pages_sent = 2;
    m.status = Status::Sent;
    let id = web.add(m);
    let alice = web.login("alice").await;
    let page = web.get(&format!("/messages/{id}"), &alice).await.text();
    let table = page
        .split("<table class=\"attempts\">")
        .nth(1)
        .expect("an attempts table")
        .split("</table>")
        .next()
        .unwrap();
    let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 2, "{table}");
    for want in [
        "loop/100",
        "49301111",
        "0/2",
        "The number was &lt;busy&gt;.",
        "Q.850 17",
    ] {
        assert!(rows[0].contains(want), "{want} in {}", rows[0]);
    }
    for want in ["loop/101", "2/2", "2 page(s) confirmed", "T.30 0 (OK)"] {
        assert!(rows[1].contains(want), "{want} in {}", rows[1]);
    }

    let token = web.token("alice", "read", "30").await;
    let v = web
        .api(Method::GET, &format!("/api/v1/messages/{id}"), &token)
        .await
        .json();
    assert_eq!(v["attempt_count"], 2);
    let a = v["attempts"].as_array().expect("attempts: [...]");
    assert_eq!(a.len(), 2);
    assert_eq!(a[0]["number"], 1);
    assert_eq!(a[0]["cause"], "busy");
    assert_eq!(a[0]["code"], "Q.850 17");
    assert_eq!(a[0]["outcome"], "The number was <busy>.");
    assert_eq!(a[0]["dialled"], "49301111");
    assert_eq!(a[0]["line"], "loop/100");
    assert_eq!(a[0]["started_at"], T0.plus_secs(1).iso8601());
    assert_eq!(a[0]["ended_at"], T0.plus_secs(2).iso8601());
    assert_eq!(a[1]["cause"], "sent");
    assert_eq!(a[1]["pages_confirmed"], 2);
    assert_eq!(a[1]["bit_rate"], 14_400);
}

#[tokio::test]
async fn an_attempt_in_progress_says_so_and_a_message_without_any_has_no_table() {
    let web = Web::start("web-attempts-open");
    let mut m = web.outgoing_fax("alice", "+49301111", 1, T0);
    m.begin_attempt(1, "loop/100", 1, T0.plus_secs(1));
    m.attempts = 1;
    m.status = Status::Sending;
    let id = web.add(m);
    let fresh = web.add(web.outgoing_fax("alice", "+49302222", 1, T0));
    let alice = web.login("alice").await;
    let page = web.get(&format!("/messages/{id}"), &alice).await.text();
    assert!(page.contains("<td>in progress</td>"), "{page}");
    let page = web.get(&format!("/messages/{fresh}"), &alice).await.text();
    assert!(!page.contains("class=\"attempts\""), "{page}");
    let token = web.token("alice", "read", "30").await;
    let v = web
        .api(Method::GET, &format!("/api/v1/messages/{id}"), &token)
        .await
        .json();
    assert!(v["attempts"][0]["ended_at"].is_null());
    assert!(v["attempts"][0]["outcome"].is_null());
    let v = web
        .api(Method::GET, &format!("/api/v1/messages/{fresh}"), &token)
        .await
        .json();
    assert_eq!(v["attempts"], serde_json::json!([]));
}
