//! API tokens in the browser: a user's list (last use, expiry), a new
//! token shown once, revoke (an admin may revoke anyone's).

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;

use super::actions::ActionError;
use super::html::{csrf_field, esc, page};
use super::pages::{error_page, Browser};
use super::{auth, Role, WebContext};

type Ctx = State<Arc<WebContext>>;

pub async fn tokens(State(ctx): Ctx, b: Browser) -> Response {
    let list = ctx.accounts.tokens(Some(&b.user.id));
    let t = |en| super::i18n::tr(b.user.language, en);
    let mut body = format!("<h1>{}</h1>", t("API tokens"));
    body.push_str(&token_table(&list, &b.csrf));
    let _ = write!(
        body,
        "<h2>{}</h2><form method=\"post\" action=\"/tokens\" class=\"filters\">{}\
         <label>{} <input name=\"name\" required></label>\
         <label>{} <input name=\"scopes\" value=\"read\" placeholder=\"read,send,manage\"></label>\
         <label>{} <input name=\"days\" type=\"number\" min=\"1\" value=\"90\"></label>\
         <button>{}</button></form>",
        t("New token"),
        csrf_field(&b.csrf),
        t("Name"),
        t("Scopes"),
        t("Valid for days"),
        t("Create"),
    );
    Html(page("API tokens", Some(&b.viewer()), &body)).into_response()
}

fn token_table(list: &[auth::ApiToken], csrf: &str) -> String {
    if list.is_empty() {
        return "<p class=\"muted\">No tokens.</p>".into();
    }
    let mut s = String::from(
        "<table><thead><tr><th>Name</th><th>Scopes</th><th>Expires</th><th>Last used</th><th></th></tr></thead><tbody>",
    );
    for t in list {
        let scopes: Vec<&str> = t
            .scopes
            .iter()
            .map(|s| match s {
                auth::Scope::Read => "read",
                auth::Scope::Send => "send",
                auth::Scope::Manage => "manage",
            })
            .collect();
        let action = if t.revoked {
            "revoked".to_string()
        } else {
            format!(
                "<form method=\"post\" action=\"/tokens/{}/revoke\">{}<button class=\"danger\">Revoke</button></form>",
                esc(&t.id),
                csrf_field(csrf)
            )
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{action}</td></tr>",
            esc(&t.name),
            scopes.join(", "),
            t.expires.map_or("never".into(), crate::journal::short_time),
            t.last_used
                .map_or("never".into(), crate::journal::short_time),
        );
    }
    s.push_str("</tbody></table>");
    s
}

pub async fn token_create(
    State(ctx): Ctx,
    b: Browser,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = b.checked(&ctx, &form) {
        return r;
    }
    let name = form.get("name").map(|s| s.trim()).unwrap_or("token");
    let mut scopes = Vec::new();
    for s in form
        .get("scopes")
        .map(String::as_str)
        .unwrap_or("read")
        .split(',')
    {
        match auth::Scope::parse(s) {
            Some(sc) if !scopes.contains(&sc) => scopes.push(sc),
            Some(_) => {}
            None => {
                return error_page(
                    &b,
                    ActionError::BadRequest(format!("'{s}' is not a scope: read, send or manage")),
                )
            }
        }
    }
    let now = ctx.now();
    let expires = form
        .get("days")
        .and_then(|d| d.trim().parse::<u64>().ok())
        .map(|d| now.plus_secs(d.min(3650) * 86_400));
    match ctx
        .accounts
        .create_token(&b.user.id, name, scopes, expires, now)
    {
        Ok((t, secret)) => {
            ctx.audit(&b.user.id, "token-created", Some(t.id.clone()), b.peer);
            let body = format!(
                "<h1>Token created</h1><p>Copy it now: it is shown only once.</p>\
                 <pre class=\"sms\" id=\"token\">{}</pre><p><a href=\"/tokens\">Back</a></p>",
                esc(&secret)
            );
            Html(page("Token created", Some(&b.viewer()), &body)).into_response()
        }
        Err(e) => error_page(&b, ActionError::Internal(e.to_string())),
    }
}

pub async fn token_revoke(
    State(ctx): Ctx,
    b: Browser,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = b.checked(&ctx, &form) {
        return r;
    }
    let owner = (b.user.role != Role::Admin).then_some(b.user.id.as_str());
    match ctx.accounts.revoke(&id, owner) {
        Ok(true) => {
            ctx.audit(&b.user.id, "token-revoked", Some(id), b.peer);
            Redirect::to("/tokens").into_response()
        }
        Ok(false) => error_page(&b, ActionError::NotFound),
        Err(e) => error_page(&b, ActionError::Internal(e.to_string())),
    }
}
