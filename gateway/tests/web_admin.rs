//! The administrator's pages: the users with their role and password
//! state, a new password shown once (and working), every user's tokens
//! with their revoke; nobody else gets them.

mod web_harness;

use axum::http::StatusCode;
use web_harness::Web;

#[tokio::test]
async fn an_admin_sees_users_and_tokens_and_sets_a_password() {
    let web = Web::start("web-admin");
    let alice_token = web.token("alice", "read", "30").await;
    assert!(alice_token.starts_with("ums_"));
    let adam = web.login("adam").await;
    let a = web.get("/admin/users", &adam).await;
    assert_eq!(a.status, StatusCode::OK);
    let page = a.text();
    for want in [
        "<td>alice<br>",
        "olga@example.com",
        "<td>operator</td>",
        "<td>admin</td>",
        "action=\"/admin/users/bob/password\"",
        "href=\"/admin/users\"",
    ] {
        assert!(page.contains(want), "{want} in {page}");
    }
    // Alice's token is listed with its revoke.
    let tokens = page.split("<h2>").nth(1).unwrap();
    assert!(
        tokens.contains("<td>alice</td>") && tokens.contains("/revoke\""),
        "{tokens}"
    );

    // Users and operators get none of it.
    for who in ["alice", "olga"] {
        let s = web.login(who).await;
        assert_eq!(
            web.get("/admin/users", &s).await.status,
            StatusCode::FORBIDDEN
        );
        let a = web
            .post_form(
                "/admin/users/bob/password",
                Some(&s.cookie),
                &[("csrf", &s.csrf)],
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{who}");
        assert!(!web
            .get("/journal", &s)
            .await
            .text()
            .contains("/admin/users"));
    }
    // Without the form's token: refused.
    let a = web
        .post_form("/admin/users/bob/password", Some(&adam.cookie), &[])
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    // Nobody of that name: nothing set.
    let a = web
        .post_form(
            "/admin/users/mallory/password",
            Some(&adam.cookie),
            &[("csrf", &adam.csrf)],
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(!web.ctx.accounts.has_password("mallory").unwrap());

    // A new password for bob, shown once; the old one stops working.
    let a = web
        .post_form(
            "/admin/users/bob/password",
            Some(&adam.cookie),
            &[("csrf", &adam.csrf)],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let page = a.text();
    let password = page
        .split("<pre class=\"sms\" id=\"password\">")
        .nth(1)
        .and_then(|r| r.split("</pre>").next())
        .unwrap()
        .to_string();
    assert!(password.len() >= 12, "{password}");
    assert!(web
        .login_as("bob", web_harness::PASSWORD)
        .await
        .status
        .is_client_error());
    assert!(web.login_as("bob", &password).await.status.is_redirection());
    let audit = web.get("/audit", &adam).await.text();
    assert!(
        audit.contains("password-set") && audit.contains("<td>bob</td>"),
        "{audit}"
    );
}
