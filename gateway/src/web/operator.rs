//! The operator's pages: the lines as the media thread sees them, and
//! the dead letters with their retry.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;

use super::html::{csrf_field, esc, page};
use super::pages::{forbidden, Browser};
use super::{Role, WebContext};

pub async fn lines(State(ctx): State<Arc<WebContext>>, b: Browser) -> Response {
    if b.user.role < Role::Operator {
        return forbidden("The lines are for operators.");
    }
    let Some(media) = &ctx.media else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the media thread is not running",
        )
            .into_response();
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let sent = media
        .send(crate::media_loop::MediaControl::Request(
            crate::simnet::MediaRequest::Status(tx),
        ))
        .is_ok();
    let Some(lines) = (if sent { rx.await.ok() } else { None }) else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the media thread has stopped",
        )
            .into_response();
    };
    let mut body = String::from(
        "<h1>Lines</h1><table><thead><tr><th>Line</th><th>Group</th><th>State</th>\
         <th>Message</th><th>Remote</th><th>Since (UTC)</th></tr></thead><tbody>",
    );
    for l in &lines {
        let msg = l.message.map_or(String::new(), |id| {
            format!("<a href=\"/messages/{}\">{id}</a>", id.0)
        });
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td class=\"status\">{}</td><td>{msg}</td><td>{}</td><td>{}</td></tr>",
            esc(&l.line),
            esc(&l.group),
            esc(&l.state),
            esc(l.remote.as_deref().unwrap_or("")),
            l.since.map_or(String::new(), crate::journal::short_time),
        );
    }
    body.push_str("</tbody></table>");
    Html(page("Lines", Some(&b.viewer()), &body)).into_response()
}

pub async fn dead_letters(State(ctx): State<Arc<WebContext>>, b: Browser) -> Response {
    if b.user.role < Role::Operator {
        return forbidden("Dead letters are for operators.");
    }
    let list = match crate::deadletter::list(&ctx.dead_letter_dir) {
        Ok(l) => l,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    };
    let mut body = String::from("<h1>Dead letters</h1>");
    if list.is_empty() {
        body.push_str("<p class=\"muted\">None: every notice was delivered.</p>");
    } else {
        body.push_str(
            "<table><thead><tr><th>Written (UTC)</th><th>To</th><th>Subject</th><th>Why</th><th></th></tr></thead><tbody>",
        );
        for l in &list {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>\
                 <form method=\"post\" action=\"/dead-letters/retry\">{}\
                 <input type=\"hidden\" name=\"id\" value=\"{}\"><button>Retry</button></form></td></tr>",
                crate::journal::short_time(kernel::message::Timestamp(l.written * 1000)),
                esc(&l.recipients.join(", ")),
                esc(&l.subject),
                esc(&l.reason),
                csrf_field(&b.csrf),
                esc(&l.id),
            );
        }
        body.push_str("</tbody></table>");
    }
    Html(page("Dead letters", Some(&b.viewer()), &body)).into_response()
}

pub async fn dead_letter_retry(
    State(ctx): State<Arc<WebContext>>,
    b: Browser,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = b.checked(&ctx, &form) {
        return r;
    }
    if b.user.role < Role::Operator {
        return forbidden("Dead letters are for operators.");
    }
    let Some(id) = form.get("id") else {
        return (StatusCode::BAD_REQUEST, "which dead letter?").into_response();
    };
    match crate::deadletter::retry(&ctx.store, &ctx.dead_letter_dir, std::slice::from_ref(id)) {
        Ok(_) => {
            ctx.audit(&b.user.id, "dead-letter-retry", Some(id.clone()), b.peer);
            Redirect::to("/dead-letters").into_response()
        }
        Err(e) => (
            StatusCode::NOT_FOUND,
            Html(page(
                "Dead letters",
                Some(&b.viewer()),
                &format!("<p class=\"error\">{}</p>", esc(&e)),
            )),
        )
            .into_response(),
    }
}

/// The audit log, newest first (admins).
pub async fn audit(State(ctx): State<Arc<WebContext>>, b: Browser) -> Response {
    if b.user.role != Role::Admin {
        return forbidden("The audit log is for administrators.");
    }
    let mut body = String::from(
        "<h1>Audit log</h1><table><thead><tr><th>When (UTC)</th><th>User</th><th>Action</th><th>Object</th><th>From</th></tr></thead><tbody>",
    );
    for e in ctx.audit.newest(500) {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&e.at.iso8601()),
            esc(&e.user),
            esc(&e.action),
            esc(e.object.as_deref().unwrap_or("")),
            esc(e.from.as_deref().unwrap_or(""))
        );
    }
    body.push_str("</tbody></table>");
    Html(page("Audit log", Some(&b.viewer()), &body)).into_response()
}
