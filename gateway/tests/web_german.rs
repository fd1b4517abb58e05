//! German beyond the journal: the login page (by the browser's language,
//! before anyone is known), the send form, the tokens page and the
//! operator's pages in the user's `language`.

mod web_harness;

use axum::http::Method;
use web_harness::Web;

#[tokio::test]
async fn login_send_tokens_and_operator_pages_speak_german() {
    let web = Web::start("web-german-more");
    let login = |lang: &'static str| {
        let web = &web;
        async move {
            web.request(
                Method::GET,
                "/login",
                &[("accept-language", lang)],
                Vec::new(),
            )
            .await
            .text()
        }
    };
    let de = login("de-DE,de;q=0.9,en;q=0.5").await;
    for word in ["Anmelden", "Benutzer", "Passwort"] {
        assert!(de.contains(word), "{word}: {de}");
    }
    let en = login("en-GB,de;q=0.5").await;
    assert!(en.contains("Log in") && en.contains("Password") && !en.contains("Passwort"));
    // A wrong password says so in the browser's language.
    let a = web
        .request(
            Method::POST,
            "/login",
            &[
                ("accept-language", "de"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            b"user=alice&password=wrong".to_vec(),
        )
        .await;
    assert!(a.text().contains("Benutzer oder Passwort falsch."));

    let mut users = web_harness::users();
    for u in &mut users {
        if u.id == "olga" {
            u.language = kernel::report::Language::De;
        }
    }
    web.ctx.set_users(users);
    let olga = web.login("olga").await;
    let send = web.get("/send", &olga).await.text();
    for word in ["Fax senden", "Nummern", "Deckblatt-Text", "Vorschau"] {
        assert!(send.contains(word), "{word}: {send}");
    }
    let tokens = web.get("/tokens", &olga).await.text();
    for word in [
        "API-Schlüssel",
        "Neuer Schlüssel",
        "Gültig (Tage)",
        "Erstellen",
    ] {
        assert!(tokens.contains(word), "{word}: {tokens}");
    }
    let lines = web.get("/lines", &olga).await.text();
    for word in [
        "Leitungen",
        "Zustand",
        "T.30-Phase",
        "Seite",
        "Auflegen",
        "Seit (UTC)",
    ] {
        assert!(lines.contains(word), "{word}: {lines}");
    }
    let dead = web.get("/dead-letters", &olga).await.text();
    assert!(
        dead.contains("Keine: jede Benachrichtigung wurde zugestellt."),
        "{dead}"
    );
    // Alice keeps English.
    let alice = web.login("alice").await;
    assert!(web.get("/send", &alice).await.text().contains("Send a fax"));
}
