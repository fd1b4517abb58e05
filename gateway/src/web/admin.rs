//! The administrator's pages: the users of the directory with their role,
//! language, zone and whether they have a password and tokens; a new
//! password for a user (made here, shown once, like `ums passwd`); every
//! user's API tokens with their revoke. Users themselves come from the
//! configuration (`[[user]]`): adding one is a config change and a reload.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;

use super::actions::ActionError;
use super::html::{csrf_field, esc, page};
use super::i18n::tr;
use super::pages::{error_page, forbidden, Browser};
use super::{auth, Role, WebContext};

type Ctx = State<Arc<WebContext>>;

pub async fn users(State(ctx): Ctx, b: Browser) -> Response {
    if b.user.role != Role::Admin {
        return forbidden("Users are for administrators.");
    }
    let t = |en| tr(b.user.language, en);
    let users = kernel::lock::read(&ctx.users).clone();
    let tokens = ctx.accounts.tokens(None);
    let mut body = format!("<h1>{}</h1><table><thead><tr>", t("Users"));
    for h in [
        "User",
        "Name",
        "Role",
        "Language",
        "Zone",
        "Password",
        "API tokens",
        "",
    ] {
        let _ = write!(body, "<th>{}</th>", if h.is_empty() { "" } else { t(h) });
    }
    body.push_str("</tr></thead><tbody>");
    for u in &users {
        let has_password = ctx.accounts.has_password(&u.id).unwrap_or(false);
        let live = tokens
            .iter()
            .filter(|tk| tk.user == u.id && !tk.revoked)
            .count();
        let _ = write!(
            body,
            "<tr><td>{}<br><span class=\"muted\">{}</span></td><td>{}</td><td>{}</td><td>{:?}</td>\
             <td>{}</td><td>{}</td><td>{live}</td><td><form method=\"post\" \
             action=\"/admin/users/{}/password\">{}<button>{}</button></form></td></tr>",
            esc(&u.id),
            esc(&u.email),
            esc(&u.name),
            u.role.name(),
            u.language,
            esc(&ctx.zone_name(&u.id)),
            if has_password { t("set") } else { t("none") },
            super::html::url_component(&u.id),
            csrf_field(&b.csrf),
            t("New password"),
        );
    }
    body.push_str("</tbody></table>");
    let _ = write!(body, "<h2>{}</h2>", t("API tokens"));
    if tokens.is_empty() {
        let _ = write!(body, "<p class=\"muted\">{}</p>", t("No tokens."));
    } else {
        body.push_str("<table><thead><tr>");
        for h in ["User", "Name", "Scopes", "Expires", "Last used", ""] {
            let _ = write!(body, "<th>{}</th>", if h.is_empty() { "" } else { t(h) });
        }
        body.push_str("</tr></thead><tbody>");
        for tk in &tokens {
            let scopes: Vec<&str> = (tk.scopes.iter())
                .map(|s| match s {
                    auth::Scope::Read => "read",
                    auth::Scope::Send => "send",
                    auth::Scope::Manage => "manage",
                })
                .collect();
            let action = if tk.revoked {
                t("revoked").to_string()
            } else {
                format!(
                    "<form method=\"post\" action=\"/tokens/{}/revoke\">{}<button class=\"danger\">{}</button></form>",
                    esc(&tk.id),
                    csrf_field(&b.csrf),
                    t("Revoke")
                )
            };
            let when = |x: Option<kernel::message::Timestamp>| {
                x.map_or(t("never").to_string(), |x| ctx.local_time(&b.user.id, x))
            };
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{action}</td></tr>",
                esc(&tk.user),
                esc(&tk.name),
                scopes.join(", "),
                esc(&when(tk.expires)),
                esc(&when(tk.last_used)),
            );
        }
        body.push_str("</tbody></table>");
    }
    Html(page(t("Users"), Some(&b.viewer()), &body)).into_response()
}

/// A new password for a user, made here and shown once (as `ums passwd`).
pub async fn new_password(
    State(ctx): Ctx,
    b: Browser,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = b.checked(&ctx, &form) {
        return r;
    }
    if b.user.role != Role::Admin {
        return forbidden("Users are for administrators.");
    }
    if ctx.user(&id).is_none() {
        return error_page(&b, ActionError::NotFound);
    }
    let password = auth::new_password();
    if let Err(e) = ctx.accounts.set_password(&id, &password) {
        return error_page(&b, ActionError::Internal(e.to_string()));
    }
    ctx.audit(&b.user.id, "password-set", Some(id.clone()), b.peer);
    let t = |en| tr(b.user.language, en);
    let body = format!(
        "<h1>{}</h1><p>{} <b>{}</b></p><pre class=\"sms\" id=\"password\">{}</pre>\
         <p><a href=\"/admin/users\">{}</a></p>",
        t("New password"),
        t("Give it to the user now: it is shown only once."),
        esc(&id),
        esc(&password),
        t("Users"),
    );
    Html(page(t("New password"), Some(&b.viewer()), &body)).into_response()
}
