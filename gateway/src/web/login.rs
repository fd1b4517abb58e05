//! Logging in and out: the login form (a user id or address and a
//! password, checked by the [`super::auth::Authenticator`] with the
//! lockout of [`super::auth::Accounts`]), the session cookie, the log-out.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;

use kernel::report::Language;

use super::html::{esc, page};
use super::i18n::tr;
use super::pages::{peer, Browser};
use super::{auth, WebContext, COOKIE};

type Ctx = State<Arc<WebContext>>;

/// A safe place to go after the login: a path of ours, never a URL.
fn local_next(next: Option<&String>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.clone(),
        _ => "/journal".into(),
    }
}

pub async fn login_form(
    Query(q): Query<HashMap<String, String>>,
    headers: header::HeaderMap,
) -> Response {
    Html(login_page(
        &local_next(q.get("next")),
        None,
        browser_language(&headers),
    ))
    .into_response()
}

/// Before a login the user's `language` is unknown: the browser's first
/// choice decides (German if it asks for it, else English).
fn browser_language(headers: &header::HeaderMap) -> Language {
    let first = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if first == "de" || first.starts_with("de-") || first.starts_with("de;") {
        Language::De
    } else {
        Language::En
    }
}

fn login_page(next: &str, error: Option<&str>, lang: Language) -> String {
    let t = |en| tr(lang, en);
    let err = error.map_or(String::new(), |e| {
        format!("<p class=\"error\">{}</p>", esc(e))
    });
    page(
        t("Log in"),
        None,
        &format!(
            "<h1>{}</h1>{err}<form method=\"post\" action=\"/login\" class=\"filters\">\
             <input type=\"hidden\" name=\"next\" value=\"{}\">\
             <label>{} <input name=\"user\" autocomplete=\"username\" required autofocus></label>\
             <label>{} <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
             <button>{}</button></form>",
            t("Log in"),
            esc(next),
            t("User"),
            t("Password"),
            t("Log in"),
        ),
    )
}

/// The login form's POST. No CSRF token exists before a session; the
/// session cookie is `SameSite=Strict`, so a login from a foreign form
/// gives the attacker nothing it could use.
pub async fn login(
    State(ctx): Ctx,
    ext: axum::http::Extensions,
    headers: header::HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = browser_language(&headers);
    let peer = peer(&ext);
    let next = local_next(form.get("next"));
    let name = form.get("user").map(|s| s.trim()).unwrap_or_default();
    let password = form.get("password").map(String::as_str).unwrap_or_default();
    // A user logs in with the directory id or the mail address.
    let user = kernel::lock::read(&ctx.users)
        .iter()
        .find(|u| u.id == name || u.email.eq_ignore_ascii_case(name))
        .cloned();
    // A name the directory does not have leaves nothing in the store
    // (no lockout record a stranger could fill it with) and costs the
    // same password check; the log keeps its first 64 characters.
    let id = user
        .as_ref()
        .map_or_else(|| name.chars().take(64).collect(), |u| u.id.clone());
    let now = ctx.now();
    let accounts = ctx.accounts.clone();
    let authenticator = ctx.authenticator.clone();
    let (id2, pw, known) = (id.clone(), password.to_string(), user.is_some());
    let outcome = tokio::task::spawn_blocking(move || {
        if known {
            accounts.login_with(&*authenticator, &id2, &pw, now)
        } else {
            let _ = authenticator.verify("", &pw);
            Err(auth::LoginError::Wrong)
        }
    })
    .await
    .unwrap_or(Err(auth::LoginError::Wrong));
    match (outcome, user) {
        (Ok(()), Some(u)) => {
            let Ok(sid) = ctx
                .accounts
                .new_session(&u.id, now, ctx.settings.session_secs)
            else {
                return (StatusCode::INTERNAL_SERVER_ERROR, "session store failed").into_response();
            };
            ctx.audit(&u.id, "login", None, peer);
            let cookie = format!(
                "{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
                ctx.settings.session_secs,
                if ctx.settings.secure_cookies {
                    "; Secure"
                } else {
                    ""
                }
            );
            let mut r = Redirect::to(&next).into_response();
            r.headers_mut().insert(
                header::SET_COOKIE,
                header::HeaderValue::from_str(&cookie).expect("cookie is ASCII"),
            );
            r
        }
        (Err(auth::LoginError::Locked(until)), _) => {
            ctx.audit(&id, "login-locked", None, peer);
            let secs = now.secs_until(until).max(1);
            let mut r = (
                StatusCode::TOO_MANY_REQUESTS,
                Html(login_page(
                    &next,
                    Some(&match lang {
                        Language::De => {
                            format!("Zu viele falsche Passwörter. Erneut versuchen in {secs} s.")
                        }
                        _ => format!("Too many wrong passwords. Try again in {secs} s."),
                    }),
                    lang,
                )),
            )
                .into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
            r
        }
        _ => {
            ctx.audit(&id, "login-failed", None, peer);
            (
                StatusCode::UNAUTHORIZED,
                Html(login_page(
                    &next,
                    Some(tr(lang, "Wrong user or password.")),
                    lang,
                )),
            )
                .into_response()
        }
    }
}

pub async fn logout(
    State(ctx): Ctx,
    b: Browser,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = b.checked(&ctx, &form) {
        return r;
    }
    ctx.accounts.end_session(&b.sid);
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        header::HeaderValue::from_static(
            "ums_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    r
}
