//! The browser's pages: plain HTML forms (they work without JavaScript),
//! each POST checked against the session's CSRF token (403 without it).

use std::collections::HashMap;
use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use kernel::message::{Direction, Message, Service, Status};
use kernel::store::Record;

use super::actions::{self, ActionError};
use super::html::{csrf_field, esc, page, url_component, Viewer};
use super::i18n::tr;
use super::query::{self, FilterQuery};
use super::{Role, WebContext, WebUser};

type Ctx = State<Arc<WebContext>>;

pub fn routes() -> Router<Arc<WebContext>> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/journal") }))
        .route(
            "/login",
            get(super::login::login_form).post(super::login::login),
        )
        .route("/logout", post(super::login::logout))
        .route("/journal", get(journal))
        .route("/journal/status", get(super::live::journal_status))
        .route("/journal/events", get(super::live::journal_events))
        .route("/messages/{id}", get(message))
        .route("/messages/{id}/pages/{n}", get(page_image))
        .route("/messages/{id}/document", get(document))
        .route("/messages/{id}/audio", get(audio))
        .route("/messages/{id}/cancel", post(cancel))
        .route("/messages/{id}/delete", post(delete))
        .route("/messages/{id}/resend", post(resend))
        .route(
            "/tokens",
            get(super::tokens::tokens).post(super::tokens::token_create),
        )
        .route("/tokens/{id}/revoke", post(super::tokens::token_revoke))
        .route("/audit", get(super::operator::audit))
        .route("/admin/users", get(super::admin::users))
        .route(
            "/admin/users/{id}/password",
            post(super::admin::new_password),
        )
        .route(
            "/send",
            get(super::send::send_page).post(super::send::send_post),
        )
        .route("/send/preview/{key}/{n}", get(super::send::preview_png))
        .route("/send/preview/{key}", post(super::send::preview_send))
        .route("/lines", get(super::operator::lines))
        .route("/lines/hangup", post(super::operator::line_hangup))
        .route("/dead-letters", get(super::operator::dead_letters))
        .route("/dead-letters/{id}", get(super::operator::dead_letter))
        .route("/webhooks/retry", post(super::operator::webhook_retry))
        .route(
            "/dead-letters/retry",
            post(super::operator::dead_letter_retry),
        )
}

/// The client's address (when the server passed it).
pub fn peer(ext: &axum::http::Extensions) -> Option<SocketAddr> {
    ext.get::<axum::extract::ConnectInfo<super::ClientAddr>>()
        .map(|c| c.0 .0)
}

/// A logged-in browser: the user, the session and its CSRF token.
pub struct Browser {
    pub user: WebUser,
    pub sid: String,
    pub csrf: String,
    pub peer: Option<SocketAddr>,
}

impl Browser {
    pub fn viewer(&self) -> Viewer<'_> {
        Viewer {
            name: &self.user.name,
            role: self.user.role.name(),
            csrf: &self.csrf,
            admin: self.user.role == Role::Admin,
            operator: self.user.role >= Role::Operator,
            lang: self.user.language,
        }
    }

    /// The form's CSRF field matches the session's.
    pub fn checked(
        &self,
        ctx: &WebContext,
        form: &HashMap<String, String>,
    ) -> Result<(), Response> {
        match form.get("csrf") {
            Some(t) if ctx.accounts.csrf_ok(&self.sid, t) => Ok(()),
            _ => Err(forbidden(
                "The form has no valid CSRF token. Reload the page and try again.",
            )),
        }
    }
}

impl FromRequestParts<Arc<WebContext>> for Browser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &Arc<WebContext>,
    ) -> Result<Self, Self::Rejection> {
        match super::session_user(ctx, &parts.headers) {
            Some((user, sid)) => Ok(Browser {
                csrf: ctx.accounts.csrf(&sid),
                user,
                sid,
                peer: peer(&parts.extensions),
            }),
            None => {
                let back = parts
                    .uri
                    .path_and_query()
                    .map_or("/journal", |p| p.as_str());
                Err(Redirect::to(&format!("/login?next={}", url_component(back))).into_response())
            }
        }
    }
}

pub fn forbidden(text: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        Html(page(
            "Forbidden",
            None,
            &format!("<p class=\"error\">{}</p>", esc(text)),
        )),
    )
        .into_response()
}

pub fn error_page(b: &Browser, e: ActionError) -> Response {
    let (status, text) = match e {
        ActionError::NotFound => (
            StatusCode::NOT_FOUND,
            tr(b.user.language, "No such message.").to_string(),
        ),
        ActionError::Conflict(t) => (StatusCode::CONFLICT, t),
        ActionError::Forbidden(t) => (StatusCode::FORBIDDEN, t),
        ActionError::BadRequest(t) => (StatusCode::BAD_REQUEST, t),
        ActionError::Unavailable(t) => (StatusCode::SERVICE_UNAVAILABLE, t),
        ActionError::Internal(t) => (StatusCode::INTERNAL_SERVER_ERROR, t),
    };
    let body = format!(
        "<p class=\"error\">{}</p><p><a href=\"/journal\">{}</a></p>",
        esc(&text),
        tr(b.user.language, "Back to the journal")
    );
    (status, Html(page("Error", Some(&b.viewer()), &body))).into_response()
}

fn select(name: &str, current: Option<&str>, options: &[(&str, &str)]) -> String {
    let mut s = format!("<select name=\"{name}\">");
    for (value, label) in options {
        let sel = if current == Some(*value) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            s,
            "<option value=\"{}\"{sel}>{}</option>",
            esc(value),
            esc(label)
        );
    }
    s.push_str("</select>");
    s
}

fn direction_label(d: Direction) -> &'static str {
    match d {
        Direction::Outgoing => "out",
        Direction::Incoming => "in",
    }
}

/// The subject, else the SMS text or the remote ident, cut to a line.
fn note(m: &Message) -> String {
    let s = (m.subject.as_deref())
        .or(m.text.as_deref())
        .or(m.remote_station_id.as_deref())
        .unwrap_or("");
    if s.chars().count() > 80 {
        let mut t: String = s.chars().take(79).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    }
}

fn pages_label(m: &Message) -> String {
    match (m.service, m.direction) {
        (Service::Fax, Direction::Outgoing) => format!("{}/{}", m.pages_sent, m.pages),
        (Service::Fax, Direction::Incoming) => m.pages.to_string(),
        _ => "–".into(),
    }
}

/// The filter's query string without the cursor.
fn filter_query(q: &FilterQuery) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("direction", &q.direction),
        ("service", &q.service),
        ("status", &q.status),
        ("number", &q.number),
        ("from", &q.from),
        ("to", &q.to),
        ("q", &q.q),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
            parts.push(format!("{k}={}", url_component(v)));
        }
    }
    if let Some(l) = q.limit {
        parts.push(format!("limit={l}"));
    }
    parts.join("&")
}

async fn journal(State(ctx): Ctx, b: Browser, Query(q): Query<FilterQuery>) -> Response {
    let filter = match q.check() {
        Ok(f) => f,
        Err(e) => return error_page(&b, ActionError::BadRequest(e)),
    };
    let vis = b.user.visibility();
    let store = ctx.store.clone();
    let result = tokio::task::spawn_blocking(move || query::page(&store, &filter, &vis)).await;
    let p = match result {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return error_page(&b, ActionError::Internal(e.to_string())),
        Err(e) => return error_page(&b, ActionError::Internal(e.to_string())),
    };
    let v = |o: &Option<String>| o.as_deref().unwrap_or("").to_string();
    let l = b.user.language;
    let t = |en| tr(l, en);
    let mut statuses = vec![("", t("any status"))];
    statuses.extend(query::STATUSES.iter().map(|s| (s.name(), s.name())));
    let mut body = format!(
        "<h1>{}</h1><form method=\"get\" action=\"/journal\" class=\"filters\">",
        t("Journal")
    );
    let _ = write!(
        body,
        "<label>{} {}</label><label>{} {}</label><label>{} {}</label>\
         <label>{} <input name=\"number\" value=\"{}\" size=\"12\" inputmode=\"tel\"></label>\
         <label>{} <input name=\"from\" type=\"date\" value=\"{}\"></label>\
         <label>{} <input name=\"to\" type=\"date\" value=\"{}\"></label>\
         <label>{} <input name=\"q\" value=\"{}\" placeholder=\"{}\"></label>\
         <button>{}</button> <a href=\"/journal\">{}</a></form>",
        t("Direction"),
        select(
            "direction",
            q.direction.as_deref(),
            &[("", t("in and out")), ("in", t("in")), ("out", t("out"))]
        ),
        t("Service"),
        select(
            "service",
            q.service.as_deref(),
            &[
                ("", t("all")),
                ("fax", "fax"),
                ("voice", "voice"),
                ("sms", "SMS")
            ]
        ),
        t("Status"),
        select("status", q.status.as_deref(), &statuses),
        t("Number"),
        esc(&v(&q.number)),
        t("From"),
        esc(&v(&q.from)),
        t("To"),
        esc(&v(&q.to)),
        t("Text"),
        esc(&v(&q.q)),
        t("subject, ident"),
        t("Filter"),
        t("Clear"),
    );
    if p.records.is_empty() {
        let _ = write!(body, "<p class=\"muted\">{}</p>", t("No messages."));
    } else {
        let _ = write!(
            body,
            "<table><thead><tr><th>{} ({})</th><th></th><th>{}</th><th>{}</th>\
             <th class=\"hide-narrow\">{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t("Time"),
            esc(&ctx.zone_name(&b.user.id)),
            t("Service"),
            t("Number"),
            t("Subject"),
            t("Pages"),
            t("Status")
        );
        for r in &p.records {
            let m = &r.message;
            let name = ctx.name_of(m).map_or(String::new(), |n| {
                format!("<br><span class=\"muted\">{}</span>", esc(&n))
            });
            let status = m.status.name();
            let _ = write!(
                body,
                "<tr data-id=\"{id}\"><td><a href=\"/messages/{id}\">{}</a></td><td>{}</td><td>{}</td>\
                 <td>{}{name}</td><td class=\"hide-narrow\">{}</td><td class=\"page-count\">{}</td>\
                 <td class=\"status status-{status}\">{status}</td></tr>",
                esc(&ctx.local_time(&b.user.id, m.created_at)),
                direction_label(m.direction),
                m.service.name(),
                esc(&crate::journal::number_of(m)),
                esc(&note(m)),
                esc(&pages_label(m)),
                id = m.id.0,
            );
        }
        body.push_str("</tbody></table>");
    }
    if let Some(next) = &p.next {
        let fq = filter_query(&q);
        let _ = write!(
            body,
            "<p><a rel=\"next\" href=\"/journal?{}{}after={}\">{}</a></p>",
            esc(&fq),
            if fq.is_empty() { "" } else { "&amp;" },
            esc(next),
            t("Older messages →")
        );
    }
    Html(page(t("Journal"), Some(&b.viewer()), &body)).into_response()
}

fn field(body: &mut String, label: &str, value: Option<&str>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        let _ = write!(body, "<dt>{}</dt><dd>{}</dd>", esc(label), esc(v));
    }
}

/// Every attempt the record keeps, with its line, number, cause and code.
fn attempts_table(
    body: &mut String,
    m: &kernel::message::Message,
    t: impl Fn(&'static str) -> &'static str,
    time: impl Fn(kernel::message::Timestamp) -> String,
) {
    if m.attempt_log.is_empty() {
        return;
    }
    let _ = write!(
        body,
        "<h2>{}</h2><table class=\"attempts\"><thead><tr><th>#</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t("Attempts"),
        t("Time"),
        t("Line"),
        t("Dialled"),
        t("Pages"),
        t("Outcome"),
        t("Code")
    );
    for a in &m.attempt_log {
        let outcome = a.outcome.as_deref().unwrap_or(t("in progress"));
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}/{}</td><td>{}</td><td>{}</td></tr>",
            a.number,
            esc(&time(a.started_at)),
            esc(&a.line),
            esc(a.dialled.as_deref().unwrap_or("")),
            a.pages_confirmed,
            m.pages,
            esc(outcome),
            esc(a.code.as_deref().unwrap_or(""))
        );
    }
    body.push_str("</tbody></table>");
}

/// The report in words: what happened, in the sentence the report mail has.
pub fn report_words(r: &Record) -> String {
    let m = &r.message;
    let who = crate::journal::number_of(m);
    let what = match m.service {
        Service::Fax => format!("fax of {} page(s)", m.pages),
        Service::Voice => "voice message".into(),
        Service::Sms => "SMS".into(),
    };
    let head = match (m.direction, m.status) {
        (Direction::Outgoing, Status::Sent) => {
            format!("The {what} to {who} was sent: every page was confirmed.")
        }
        (Direction::Outgoing, Status::Failed) => format!("The {what} to {who} could not be sent."),
        (Direction::Outgoing, Status::Cancelled) => format!("The {what} to {who} was cancelled."),
        (Direction::Outgoing, Status::Deleted) => format!("The {what} to {who} was deleted."),
        (Direction::Outgoing, Status::Retrying) => {
            format!("The {what} to {who} will be tried again.")
        }
        (Direction::Outgoing, Status::Sending) => format!("The {what} to {who} is being sent now."),
        (Direction::Outgoing, _) => format!("The {what} to {who} is waiting for a line."),
        (Direction::Incoming, _) => format!("A {what} from {who} was received."),
    };
    let reason = crate::journal::reason_of(m);
    if reason.is_empty() {
        head
    } else {
        format!("{head} {reason}")
    }
}

fn audit_view(ctx: &WebContext, b: &Browser, action: &str, id: u64) {
    ctx.audit(&b.user.id, action, Some(id.to_string()), b.peer);
}

async fn message(State(ctx): Ctx, b: Browser, Path(id): Path<u64>) -> Response {
    let r = match actions::visible(&ctx, &b.user, id) {
        Ok(r) => r,
        Err(e) => return error_page(&b, e),
    };
    audit_view(&ctx, &b, "view", id);
    let l = b.user.language;
    let t = |en| tr(l, en);
    let m = &r.message;
    let status = m.status.name();
    let mut body = format!(
        "<h1>{} {} {}</h1><p class=\"report status-{status}\">{}</p><dl>",
        m.service.name(),
        direction_label(m.direction),
        m.id,
        esc(&report_words(&r))
    );
    field(&mut body, t("Status"), Some(status));
    field(&mut body, t("Number"), Some(&crate::journal::number_of(m)));
    field(&mut body, t("User"), ctx.name_of(m).as_deref());
    field(&mut body, t("From"), m.sender_address.as_deref());
    field(&mut body, t("To"), m.recipient_address.as_deref());
    field(&mut body, t("Subject"), m.subject.as_deref());
    field(&mut body, t("Remote ident"), m.remote_station_id.as_deref());
    field(
        &mut body,
        t("Created"),
        Some(&ctx.local_time(&b.user.id, m.created_at)),
    );
    field(
        &mut body,
        t("Completed"),
        m.completed_at
            .map(|c| ctx.local_time(&b.user.id, c))
            .as_deref(),
    );
    if m.service == Service::Fax {
        field(&mut body, t("Pages"), Some(&pages_label(m)));
    }
    if m.transmit_speed > 0 {
        field(
            &mut body,
            t("Rate"),
            Some(&format!("{} bit/s", m.transmit_speed)),
        );
    }
    field(&mut body, t("Line"), m.line.as_deref());
    field(&mut body, t("Attempts"), Some(&m.attempts.to_string()));
    if let Some(j) = &r.job {
        field(&mut body, t("Last failure"), j.last_reason.as_deref());
    }
    field(&mut body, t("File"), m.failure_attachment.as_deref());
    body.push_str("</dl>");
    attempts_table(&mut body, m, t, |at| ctx.local_time(&b.user.id, at));
    if let Some(t) = &m.text {
        let _ = write!(body, "<h2>Text</h2><pre class=\"sms\">{}</pre>", esc(t));
    }
    if m.document.is_some() {
        match m.service {
            Service::Fax => {
                body.push_str("<h2>Pages</h2><div class=\"pages\">");
                for n in 1..=m.pages {
                    let _ = write!(
                        body,
                        "<a href=\"/messages/{id}/pages/{n}?width=1200\"><img loading=\"lazy\" \
                         alt=\"page {n}\" src=\"/messages/{id}/pages/{n}\"></a>"
                    );
                }
                let _ = write!(
                    body,
                    "</div><p><a href=\"/messages/{id}/document\" download>{}</a></p>",
                    t("Download the PDF")
                );
            }
            Service::Voice => {
                let _ = write!(
                    body,
                    "<h2>{}</h2><audio controls preload=\"none\" src=\"/messages/{id}/audio\"></audio>",
                    t("Recording")
                );
            }
            Service::Sms => {}
        }
    }
    if m.direction == Direction::Outgoing {
        let csrf = csrf_field(&b.csrf);
        body.push_str("<div class=\"actions\">");
        if !m.status.is_final() {
            let _ = write!(
                body,
                "<form method=\"post\" action=\"/messages/{id}/cancel\">{csrf}<button>{}</button></form>\
                 <form method=\"post\" action=\"/messages/{id}/delete\">{csrf}<button class=\"danger\">{}</button></form>",
                t("Cancel"),
                t("Delete")
            );
        }
        let _ = write!(
            body,
            "<form method=\"post\" action=\"/messages/{id}/resend\">{csrf}\
             <input name=\"number\" placeholder=\"{}\" inputmode=\"tel\" size=\"16\"> \
             <button>{}</button></form>",
            esc(m.recipient_number.as_deref().unwrap_or(t("same number"))),
            t("Send again")
        );
        body.push_str("</div>");
    }
    Html(page(&format!("Message {}", m.id), Some(&b.viewer()), &body)).into_response()
}

fn binary(content_type: &'static str, bytes: Vec<u8>, filename: Option<String>) -> Response {
    let mut r = ([(header::CONTENT_TYPE, content_type)], bytes).into_response();
    if let Some(f) = filename {
        if let Ok(v) = header::HeaderValue::from_str(&format!("attachment; filename=\"{f}\"")) {
            r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
    }
    r
}

pub fn width_of(q: &HashMap<String, String>) -> u32 {
    q.get("width")
        .and_then(|w| w.parse().ok())
        .unwrap_or(360u32)
        .clamp(60, 1728)
}

async fn page_image(
    State(ctx): Ctx,
    b: Browser,
    Path((id, n)): Path<(u64, u32)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let path = match actions::visible(&ctx, &b.user, id).and_then(|r| actions::spool_file(&ctx, &r))
    {
        Ok(p) => p,
        Err(e) => return error_page(&b, e),
    };
    match actions::page_png(path, n, width_of(&q)).await {
        Ok(png) => binary("image/png", png, None),
        Err(e) => error_page(&b, e),
    }
}

async fn document(State(ctx): Ctx, b: Browser, Path(id): Path<u64>) -> Response {
    let (r, path) = match actions::visible(&ctx, &b.user, id)
        .and_then(|r| actions::spool_file(&ctx, &r).map(|p| (r, p)))
    {
        Ok(x) => x,
        Err(e) => return error_page(&b, e),
    };
    match actions::pdf(path, &r).await {
        Ok(pdf) => {
            audit_view(&ctx, &b, "download", id);
            binary(
                "application/pdf",
                pdf,
                Some(format!("fax-{}.pdf", r.message.id)),
            )
        }
        Err(e) => error_page(&b, e),
    }
}

async fn audio(State(ctx): Ctx, b: Browser, Path(id): Path<u64>) -> Response {
    let result = actions::visible(&ctx, &b.user, id).and_then(|r| {
        let p = actions::spool_file(&ctx, &r)?;
        actions::wav(&p, &r)
    });
    match result {
        Ok(wav) => {
            audit_view(&ctx, &b, "download", id);
            binary("audio/wav", wav, None)
        }
        Err(e) => error_page(&b, e),
    }
}

async fn cancel(
    State(ctx): Ctx,
    b: Browser,
    Path(id): Path<u64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    remove(ctx, b, id, form, false).await
}

async fn delete(
    State(ctx): Ctx,
    b: Browser,
    Path(id): Path<u64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    remove(ctx, b, id, form, true).await
}

async fn remove(
    ctx: Arc<WebContext>,
    b: Browser,
    id: u64,
    form: HashMap<String, String>,
    delete: bool,
) -> Response {
    if let Err(r) = b.checked(&ctx, &form) {
        return r;
    }
    match actions::remove(&ctx, &b.user, id, delete).await {
        Ok(_) => {
            audit_view(&ctx, &b, if delete { "delete" } else { "cancel" }, id);
            Redirect::to(&format!("/messages/{id}")).into_response()
        }
        Err(e) => error_page(&b, e),
    }
}

async fn resend(
    State(ctx): Ctx,
    b: Browser,
    Path(id): Path<u64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = b.checked(&ctx, &form) {
        return r;
    }
    match actions::resend(&ctx, &b.user, id, form.get("number").cloned()).await {
        Ok(r) => {
            audit_view(&ctx, &b, "resend", id);
            Redirect::to(&format!("/messages/{}", r.message.id.0)).into_response()
        }
        Err(e) => error_page(&b, e),
    }
}
