//! The operator's line view (issue 14): each line's state, number, medium,
//! T.30 phase, rate, ECM and page n/m as the media thread reports them,
//! and a hang-up button for operators only, behind the CSRF check.

mod web_harness;

use axum::http::StatusCode;
use web_harness::Web;

#[tokio::test]
async fn an_operator_sees_each_calls_progress_and_hangs_it_up() {
    let web = Web::start("web-lines");
    let olga = web.login("olga").await;
    let page = web.get("/lines", &olga).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = page.text();
    let rows: Vec<&str> = page.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 2, "{page}");
    for want in [
        "sip/pbx/1",
        "sending",
        "0301234",
        "T.38",
        "C (page data)",
        "14400 bit/s",
        "<td>on</td>",
        "<td>2/3</td>",
        "href=\"/messages/7\"",
        "action=\"/lines/hangup\"",
        "name=\"line\" value=\"sip/pbx/1\"",
    ] {
        assert!(rows[0].contains(want), "{want} in {}", rows[0]);
    }
    assert!(
        rows[1].contains("idle") && !rows[1].contains("hangup"),
        "{}",
        rows[1]
    );

    // Hang up: without the form's token nothing happens.
    let a = web
        .post_form(
            "/lines/hangup",
            Some(&olga.cookie),
            &[("line", "sip/pbx/1")],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(web.hung_up.lock().unwrap().is_empty());
    // A user, even with a valid token of their own, may not.
    let alice = web.login("alice").await;
    let a = web
        .post_form(
            "/lines/hangup",
            Some(&alice.cookie),
            &[("csrf", &alice.csrf), ("line", "sip/pbx/1")],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(web.hung_up.lock().unwrap().is_empty());
    // An idle line has no call to end.
    let a = web
        .post_form(
            "/lines/hangup",
            Some(&olga.cookie),
            &[("csrf", &olga.csrf), ("line", "loop/100")],
        )
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a.text().contains("No call on loop/100"));
    // The operator with the token: the media thread is asked, the audit
    // log has it, back to the lines.
    let a = web
        .post_form(
            "/lines/hangup",
            Some(&olga.cookie),
            &[("csrf", &olga.csrf), ("line", "sip/pbx/1")],
        )
        .await;
    assert!(a.status.is_redirection(), "{:?}", a.status);
    assert_eq!(
        *web.hung_up.lock().unwrap(),
        vec![("sip/pbx/1".to_string(), "olga".to_string())]
    );
    let adam = web.login("adam").await;
    let audit = web.get("/audit", &adam).await.text();
    assert!(
        audit.contains("hang-up") && audit.contains("sip/pbx/1"),
        "{audit}"
    );
}

#[tokio::test]
async fn the_api_gives_each_lines_progress() {
    let web = Web::start("api-lines");
    let token = web.token("olga", "read", "30").await;
    let v = web
        .api(axum::http::Method::GET, "/api/v1/lines", &token)
        .await
        .json();
    let l = &v["lines"][0];
    assert_eq!(l["medium"], "T.38");
    assert_eq!(l["phase"], "C (page data)");
    assert_eq!(l["bit_rate"], 14_400);
    assert_eq!(l["ecm"], true);
    assert_eq!(
        (l["page"].as_u64(), l["pages"].as_u64()),
        (Some(2), Some(3))
    );
}

#[tokio::test]
async fn an_operators_token_hangs_up_through_the_api() {
    let web = Web::start("api-hangup");
    let post = |token: String, body: &'static str| {
        let web = &web;
        async move {
            let auth = format!("Bearer {token}");
            let mut h = vec![("authorization", auth.as_str())];
            if !body.is_empty() {
                h.push(("content-type", "application/json"));
            }
            web.request(
                axum::http::Method::POST,
                "/api/v1/lines/hangup",
                &h,
                body.as_bytes().to_vec(),
            )
            .await
        }
    };
    let line = r#"{"line": "sip/pbx/1"}"#;
    let read = web.token("olga", "read", "30").await;
    assert_eq!(
        post(read, line).await.status,
        StatusCode::FORBIDDEN,
        "scope"
    );
    let alices = web.token("alice", "manage", "30").await;
    assert_eq!(
        post(alices, line).await.status,
        StatusCode::FORBIDDEN,
        "role"
    );
    assert!(web.hung_up.lock().unwrap().is_empty());
    let manage = web.token("olga", "manage", "30").await;
    assert_eq!(
        post(manage.clone(), "").await.status,
        StatusCode::BAD_REQUEST
    );
    let a = post(manage.clone(), r#"{"line": "loop/100"}"#).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert_eq!(a.content_type(), "application/problem+json");
    let a = post(manage, line).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["hung_up"], true);
    assert_eq!(
        *web.hung_up.lock().unwrap(),
        vec![("sip/pbx/1".to_string(), "olga".to_string())]
    );
}
