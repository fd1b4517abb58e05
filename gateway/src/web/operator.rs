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
use super::i18n::tr;
use super::pages::{forbidden, Browser};
use super::{Role, WebContext};

pub async fn lines(State(ctx): State<Arc<WebContext>>, b: Browser) -> Response {
    if b.user.role < Role::Operator {
        return forbidden("The lines are for operators.");
    }
    let lines = match super::actions::ask_media(&ctx, crate::simnet::MediaRequest::Status).await {
        Ok(lines) => lines,
        Err(e) => return unavailable(e),
    };
    let t = |en| tr(b.user.language, en);
    let mut body = format!("<h1>{}</h1><table class=\"lines\"><thead><tr>", t("Lines"));
    for head in ["Line", "Group", "State", "Message", "Remote"] {
        let _ = write!(body, "<th>{}</th>", t(head));
    }
    let _ = write!(
        body,
        "<th>{} ({})</th>",
        t("Since"),
        esc(&ctx.zone_name(&b.user.id))
    );
    for head in ["Medium", "T.30 phase", "Rate", "ECM", "Page"] {
        let _ = write!(body, "<th>{}</th>", t(head));
    }
    body.push_str("<th></th></tr></thead><tbody>");
    for l in &lines {
        let msg = l.message.map_or(String::new(), |id| {
            format!("<a href=\"/messages/{}\">{id}</a>", id.0)
        });
        let rate = if l.bit_rate > 0 {
            format!("{} bit/s", l.bit_rate)
        } else {
            String::new()
        };
        let ecm = match (l.bit_rate > 0, l.ecm) {
            (false, _) => "",
            (true, true) => "on",
            (true, false) => "off",
        };
        let page = match (l.page, l.pages) {
            (0, _) => String::new(),
            (n, 0) => n.to_string(),
            (n, m) => format!("{n}/{m}"),
        };
        let hangup = if l.state == "idle" || l.state == "unavailable" {
            String::new()
        } else {
            format!(
                "<form method=\"post\" action=\"/lines/hangup\">{}<input type=\"hidden\" \
                 name=\"line\" value=\"{}\"><button>{}</button></form>",
                csrf_field(&b.csrf),
                esc(&l.line),
                t("Hang up")
            )
        };
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td class=\"status\">{}</td><td>{msg}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{rate}</td><td>{ecm}</td><td>{page}</td><td>{hangup}</td></tr>",
            esc(&l.line),
            esc(&l.group),
            esc(&l.state),
            esc(l.remote.as_deref().unwrap_or("")),
            l.since
                .map_or(String::new(), |t| ctx.local_time(&b.user.id, t)),
            esc(l.medium.as_deref().unwrap_or("")),
            esc(l.phase.as_deref().unwrap_or("")),
        );
    }
    body.push_str("</tbody></table>");
    Html(page("Lines", Some(&b.viewer()), &body)).into_response()
}

/// An operator hangs up the call on a line (the form's `line`).
pub async fn line_hangup(
    State(ctx): State<Arc<WebContext>>,
    b: Browser,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = b.checked(&ctx, &form) {
        return r;
    }
    if b.user.role < Role::Operator {
        return forbidden("The lines are for operators.");
    }
    let Some(line) = form.get("line").filter(|l| !l.is_empty()) else {
        return (StatusCode::BAD_REQUEST, "which line?").into_response();
    };
    let asked = super::actions::ask_media(&ctx, |reply| crate::simnet::MediaRequest::HangUp {
        line: line.clone(),
        by: b.user.id.clone(),
        reply,
    })
    .await;
    match asked {
        Ok(true) => {
            ctx.audit(&b.user.id, "hang-up", Some(line.clone()), b.peer);
            Redirect::to("/lines").into_response()
        }
        Ok(false) => (
            StatusCode::CONFLICT,
            Html(page(
                "Lines",
                Some(&b.viewer()),
                &format!(
                    "<p class=\"error\">No call on {} to hang up.</p><p><a href=\"/lines\">Lines</a></p>",
                    esc(line)
                ),
            )),
        )
            .into_response(),
        Err(e) => unavailable(e),
    }
}

/// The media thread could not be asked (not running, or stopped).
fn unavailable(e: super::actions::ActionError) -> Response {
    let why = match e {
        super::actions::ActionError::Unavailable(why) => why,
        other => format!("{other:?}"),
    };
    (StatusCode::SERVICE_UNAVAILABLE, why).into_response()
}

pub async fn dead_letters(State(ctx): State<Arc<WebContext>>, b: Browser) -> Response {
    if b.user.role < Role::Operator {
        return forbidden("Dead letters are for operators.");
    }
    let list = match crate::deadletter::list(&ctx.dead_letter_dir) {
        Ok(l) => l,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    };
    let t = |en| tr(b.user.language, en);
    let mut body = format!("<h1>{}</h1>", t("Dead letters"));
    if list.is_empty() {
        let _ = write!(
            body,
            "<p class=\"muted\">{}</p>",
            t("None: every notice was delivered.")
        );
    } else {
        let _ = write!(
            body,
            "<table><thead><tr><th>{} (UTC)</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>",
            t("Written"),
            t("To"),
            t("Subject"),
            t("Why"),
        );
        for l in &list {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>\
                 <form method=\"post\" action=\"/dead-letters/retry\">{}\
                 <input type=\"hidden\" name=\"id\" value=\"{}\"><button>{}</button></form></td></tr>",
                crate::journal::short_time(kernel::message::Timestamp(l.written * 1000)),
                esc(&l.recipients.join(", ")),
                format_args!(
                    "<a href=\"/dead-letters/{}\">{}</a>",
                    super::html::url_component(&l.id),
                    esc(if l.subject.is_empty() { "(no subject)" } else { &l.subject })
                ),
                esc(&l.reason),
                csrf_field(&b.csrf),
                esc(&l.id),
                t("Retry"),
            );
        }
        body.push_str("</tbody></table>");
    }
    dead_webhooks(&ctx, &b, &mut body);
    Html(page("Dead letters", Some(&b.viewer()), &body)).into_response()
}

/// One dead letter: why, to whom, and the mail as it was (as text).
pub async fn dead_letter(
    State(ctx): State<Arc<WebContext>>,
    b: Browser,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    if b.user.role < Role::Operator {
        return forbidden("Dead letters are for operators.");
    }
    let dir = ctx.dead_letter_dir.clone();
    let found = tokio::task::spawn_blocking(move || crate::deadletter::show(&dir, &id)).await;
    let (l, text, cut) = match found {
        Ok(Ok(Some(v))) => v,
        Ok(Ok(None)) => {
            return (
                StatusCode::NOT_FOUND,
                Html(page(
                    "Dead letters",
                    Some(&b.viewer()),
                    "<p class=\"error\">No such dead letter.</p>",
                )),
            )
                .into_response()
        }
        Ok(Err(e)) => return (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    ctx.audit(&b.user.id, "dead-letter-view", Some(l.id.clone()), b.peer);
    let mut body = format!(
        "<h1>Dead letter {}</h1><dl><dt>Why</dt><dd>{}</dd><dt>From</dt><dd>{}</dd>\
         <dt>To</dt><dd>{}</dd><dt>Subject</dt><dd>{}</dd><dt>Written</dt><dd>{}</dd></dl>\
         <form method=\"post\" action=\"/dead-letters/retry\">{}<input type=\"hidden\" name=\"id\" \
         value=\"{}\"><button>Retry</button></form><h2>The mail</h2><pre class=\"mail\">{}</pre>",
        esc(&l.id),
        esc(&l.reason),
        esc(&l.envelope_from),
        esc(&l.recipients.join(", ")),
        esc(&l.subject),
        esc(&ctx.local_time(&b.user.id, kernel::message::Timestamp(l.written * 1000))),
        csrf_field(&b.csrf),
        esc(&l.id),
        esc(&text),
    );
    if cut {
        let _ = write!(
            body,
            "<p class=\"muted\">Cut at {} KiB.</p>",
            crate::deadletter::SHOW_LIMIT / 1024
        );
    }
    body.push_str("<p><a href=\"/dead-letters\">Dead letters</a></p>");
    Html(page("Dead letters", Some(&b.viewer()), &body)).into_response()
}

/// The webhook deliveries given up, with a retry each.
fn dead_webhooks(ctx: &WebContext, b: &Browser, body: &mut String) {
    let t = |en| tr(b.user.language, en);
    let Ok(dead) = crate::webhook::dead(&ctx.store) else {
        return;
    };
    if dead.is_empty() {
        return;
    }
    let _ = write!(
        body,
        "<h2>{}</h2><table class=\"webhooks\"><thead><tr><th>URL</th><th>{}</th><th>{}</th>\
         <th>{}</th><th></th></tr></thead><tbody>",
        t("Webhooks given up"),
        t("Status"),
        t("Attempts"),
        t("Why"),
    );
    for (key, d) in &dead {
        let status = serde_json::from_str::<serde_json::Value>(&d.body)
            .ok()
            .map(|v| format!("{} {}", v["id"], v["status"].as_str().unwrap_or("")))
            .unwrap_or_default();
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><form method=\"post\" \
             action=\"/webhooks/retry\">{}<input type=\"hidden\" name=\"key\" value=\"{}\">\
             <button>{}</button></form></td></tr>",
            esc(&d.url),
            esc(&status),
            d.attempts,
            esc(d.last_error.as_deref().unwrap_or("")),
            csrf_field(&b.csrf),
            esc(key),
            t("Retry"),
        );
    }
    body.push_str("</tbody></table>");
}

/// An operator sends a webhook delivery given up once more.
pub async fn webhook_retry(
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
    let key = form.get("key").cloned().unwrap_or_default();
    match crate::webhook::revive(&ctx.store, &key, ctx.now()) {
        Ok(true) => {
            ctx.audit(&b.user.id, "webhook-retry", Some(key), b.peer);
            Redirect::to("/dead-letters").into_response()
        }
        Ok(false) => (StatusCode::NOT_FOUND, "no such webhook delivery given up").into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
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
