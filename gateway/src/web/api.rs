//! `/api/v1`: what the pages do, for programs. A Bearer token (see
//! [`super::auth`]) with the scope the call needs; JSON with stable field
//! names; every error an RFC 9457 problem (`application/problem+json`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRequestParts, Multipart, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use kernel::message::{Direction, Message};
use kernel::store::Record;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::actions::{self, ActionError};
use super::auth::Scope;
use super::query::{self, FilterQuery};
use super::{WebContext, WebUser};

type Ctx = State<Arc<WebContext>>;

pub fn routes(upload_limit: usize) -> Router<Arc<WebContext>> {
    Router::new()
        .route("/messages", get(list).post(send))
        .route("/messages/{id}", get(one))
        .route("/messages/{id}/pages/{n}", get(page_png))
        .route("/messages/{id}/document", get(document))
        .route("/messages/{id}/audio", get(audio))
        .route("/messages/{id}/cancel", post(cancel))
        .route("/messages/{id}/delete", post(delete))
        .route("/messages/{id}/resend", post(resend))
        .route("/lines", get(lines))
        .route("/lines/hangup", post(hang_up))
        .route("/dead-letters", get(dead_letters))
        .route("/openapi.json", get(openapi))
        .fallback(|| async { problem(StatusCode::NOT_FOUND, "Not found", "No such API resource.") })
        // The multipart reader stops at the limit (413); a bit of room
        // for the form's own parts.
        .layer(DefaultBodyLimit::max(upload_limit))
}

/// The OpenAPI 3.1 document of this API (`tests/web_openapi.rs` checks
/// it against the routes here).
pub const OPENAPI: &str = include_str!("assets/openapi.json");

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// An RFC 9457 problem.
pub fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = json!({
        "type": "about:blank",
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
    });
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/problem+json"),
    );
    r
}

fn from_action(e: ActionError) -> Response {
    match e {
        ActionError::NotFound => problem(StatusCode::NOT_FOUND, "Not found", "No such message."),
        ActionError::Conflict(t) => problem(StatusCode::CONFLICT, "Conflict", &t),
        ActionError::Forbidden(t) => problem(StatusCode::FORBIDDEN, "Forbidden", &t),
        ActionError::BadRequest(t) => problem(StatusCode::BAD_REQUEST, "Bad request", &t),
        ActionError::Unavailable(t) => problem(StatusCode::SERVICE_UNAVAILABLE, "Unavailable", &t),
        ActionError::Internal(t) => {
            problem(StatusCode::INTERNAL_SERVER_ERROR, "Internal error", &t)
        }
    }
}

/// A caller with a valid token.
pub struct Caller {
    pub user: WebUser,
    pub token: String,
    pub scopes: Vec<Scope>,
    pub peer: Option<SocketAddr>,
}

impl Caller {
    fn needs(&self, scope: Scope) -> Result<(), Response> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(problem(
                StatusCode::FORBIDDEN,
                "Scope missing",
                &format!("this token lacks the '{}' scope", scope_name(scope)),
            ))
        }
    }

    fn audit(&self, ctx: &WebContext, action: &str, id: Option<u64>) {
        ctx.audit(
            &format!("{} (token {})", self.user.id, self.token),
            action,
            id.map(|i| i.to_string()),
            self.peer,
        );
    }
}

fn scope_name(s: Scope) -> &'static str {
    match s {
        Scope::Read => "read",
        Scope::Send => "send",
        Scope::Manage => "manage",
    }
}

impl FromRequestParts<Arc<WebContext>> for Caller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &Arc<WebContext>,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = |detail: &str| {
            let mut r = problem(StatusCode::UNAUTHORIZED, "Unauthorized", detail);
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"ums\""),
            );
            r
        };
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| unauthorized("give a token: Authorization: Bearer ums_..."))?;
        let t = ctx
            .accounts
            .check_token(bearer.trim(), ctx.now())
            .ok_or_else(|| unauthorized("the token is unknown, expired or revoked"))?;
        let user = ctx
            .user(&t.user)
            .ok_or_else(|| unauthorized("the token's user is no longer in the directory"))?;
        Ok(Caller {
            user,
            token: t.id,
            scopes: t.scopes,
            peer: super::pages::peer(&parts.extensions),
        })
    }
}

/// A message as the API shows it (stable field names).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MessageView {
    pub id: u64,
    pub direction: String,
    pub service: String,
    pub status: String,
    pub number: String,
    pub name: Option<String>,
    pub subject: Option<String>,
    pub remote_ident: Option<String>,
    pub pages: u32,
    pub pages_sent: u32,
    /// Attempts made (an attempt a restart cut short does not count).
    pub attempt_count: u32,
    /// The last attempts (up to 20), oldest first, each with its cause.
    pub attempts: Vec<AttemptView>,
    pub reason: String,
    pub report: String,
    pub text: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub completed_at: Option<String>,
    pub has_document: bool,
}

/// One attempt of an outgoing message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttemptView {
    pub number: u32,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub line: String,
    pub dialled: Option<String>,
    pub first_page: u32,
    pub pages_confirmed: u32,
    /// How it ended in words; null while it runs.
    pub outcome: Option<String>,
    /// The class: `busy`, `no_answer`, `call_dropped`, `sent`, ...
    pub cause: Option<String>,
    /// `Q.850 <n>` from the network or `T.30 <n> (<NAME>)` from the fax.
    pub code: Option<String>,
    pub bit_rate: u32,
}

impl AttemptView {
    pub fn of(a: &kernel::message::Attempt) -> AttemptView {
        AttemptView {
            number: a.number,
            started_at: a.started_at.iso8601(),
            ended_at: a.ended_at.map(|t| t.iso8601()),
            line: a.line.clone(),
            dialled: a.dialled.clone(),
            first_page: a.first_page,
            pages_confirmed: a.pages_confirmed,
            outcome: a.outcome.clone(),
            cause: a.cause.map(cause_name),
            code: a.code.clone(),
            bit_rate: a.bit_rate,
        }
    }
}

/// `NoAnswer` → `no_answer`: the report class as a stable word.
pub fn cause_name(c: kernel::report::Cause) -> String {
    let mut out = String::new();
    for (i, ch) in format!("{c:?}").chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_lowercase());
    }
    out
}

pub fn view(ctx: &WebContext, r: &Record) -> MessageView {
    let m: &Message = &r.message;
    MessageView {
        id: m.id.0,
        direction: match m.direction {
            Direction::Outgoing => "out".into(),
            Direction::Incoming => "in".into(),
        },
        service: m.service.name().into(),
        status: m.status.name().into(),
        number: crate::journal::number_of(m),
        name: ctx.name_of(m),
        subject: m.subject.clone(),
        remote_ident: m.remote_station_id.clone(),
        pages: m.pages,
        pages_sent: m.pages_sent,
        attempt_count: m.attempts,
        attempts: m.attempt_log.iter().map(AttemptView::of).collect(),
        reason: crate::journal::reason_of(m),
        report: super::pages::report_words(r),
        text: m.text.clone(),
        created_at: m.created_at.iso8601(),
        updated_at: m.updated_at.iso8601(),
        completed_at: m.completed_at.map(|t| t.iso8601()),
        has_document: m.document.is_some(),
    }
}

async fn list(State(ctx): Ctx, c: Caller, Query(q): Query<FilterQuery>) -> Response {
    if let Err(r) = c.needs(Scope::Read) {
        return r;
    }
    let filter = match q.check() {
        Ok(f) => f,
        Err(e) => return problem(StatusCode::BAD_REQUEST, "Bad filter", &e),
    };
    let vis = c.user.visibility();
    let store = ctx.store.clone();
    match tokio::task::spawn_blocking(move || query::page(&store, &filter, &vis)).await {
        Ok(Ok(p)) => {
            let items: Vec<MessageView> = p.records.iter().map(|r| view(&ctx, r)).collect();
            Json(json!({"messages": items, "next": p.next})).into_response()
        }
        Ok(Err(e)) => from_action(ActionError::Internal(e.to_string())),
        Err(e) => from_action(ActionError::Internal(e.to_string())),
    }
}

async fn one(State(ctx): Ctx, c: Caller, Path(id): Path<u64>) -> Response {
    if let Err(r) = c.needs(Scope::Read) {
        return r;
    }
    match actions::visible(&ctx, &c.user, id) {
        Ok(r) => {
            c.audit(&ctx, "view", Some(id));
            Json(view(&ctx, &r)).into_response()
        }
        Err(e) => from_action(e),
    }
}

async fn page_png(
    State(ctx): Ctx,
    c: Caller,
    Path((id, n)): Path<(u64, u32)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = c.needs(Scope::Read) {
        return r;
    }
    let path = match actions::visible(&ctx, &c.user, id).and_then(|r| actions::spool_file(&ctx, &r))
    {
        Ok(p) => p,
        Err(e) => return from_action(e),
    };
    match actions::page_png(path, n, super::pages::width_of(&q)).await {
        Ok(png) => ([(header::CONTENT_TYPE, "image/png")], png).into_response(),
        Err(e) => from_action(e),
    }
}

async fn document(State(ctx): Ctx, c: Caller, Path(id): Path<u64>) -> Response {
    if let Err(r) = c.needs(Scope::Read) {
        return r;
    }
    let (r, path) = match actions::visible(&ctx, &c.user, id)
        .and_then(|r| actions::spool_file(&ctx, &r).map(|p| (r, p)))
    {
        Ok(x) => x,
        Err(e) => return from_action(e),
    };
    match actions::pdf(path, &r).await {
        Ok(pdf) => {
            c.audit(&ctx, "download", Some(id));
            ([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response()
        }
        Err(e) => from_action(e),
    }
}

async fn audio(State(ctx): Ctx, c: Caller, Path(id): Path<u64>) -> Response {
    if let Err(r) = c.needs(Scope::Read) {
        return r;
    }
    let result = actions::visible(&ctx, &c.user, id).and_then(|r| {
        let p = actions::spool_file(&ctx, &r)?;
        actions::wav(&p, &r)
    });
    match result {
        Ok(wav) => {
            c.audit(&ctx, "download", Some(id));
            ([(header::CONTENT_TYPE, "audio/wav")], wav).into_response()
        }
        Err(e) => from_action(e),
    }
}

async fn cancel(State(ctx): Ctx, c: Caller, Path(id): Path<u64>) -> Response {
    remove(ctx, c, id, false).await
}

async fn delete(State(ctx): Ctx, c: Caller, Path(id): Path<u64>) -> Response {
    remove(ctx, c, id, true).await
}

async fn remove(ctx: Arc<WebContext>, c: Caller, id: u64, delete: bool) -> Response {
    if let Err(r) = c.needs(Scope::Manage) {
        return r;
    }
    match actions::remove(&ctx, &c.user, id, delete).await {
        Ok(status) => {
            c.audit(&ctx, if delete { "delete" } else { "cancel" }, Some(id));
            Json(json!({"id": id, "status": status.name()})).into_response()
        }
        Err(e) => from_action(e),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ResendBody {
    number: Option<String>,
}

async fn resend(
    State(ctx): Ctx,
    c: Caller,
    Path(id): Path<u64>,
    body: Option<Json<ResendBody>>,
) -> Response {
    if let Err(r) = c.needs(Scope::Send) {
        return r;
    }
    let number = body.and_then(|Json(b)| b.number);
    match actions::resend(&ctx, &c.user, id, number).await {
        Ok(r) => {
            c.audit(&ctx, "resend", Some(id));
            (StatusCode::CREATED, Json(view(&ctx, &r))).into_response()
        }
        Err(e) => from_action(e),
    }
}

async fn lines(State(ctx): Ctx, c: Caller) -> Response {
    if let Err(r) = c.needs(Scope::Read) {
        return r;
    }
    if c.user.role < super::Role::Operator {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "the lines are for operators",
        );
    }
    match actions::ask_media(&ctx, crate::simnet::MediaRequest::Status).await {
        Ok(lines) => Json(json!({"lines": lines})).into_response(),
        Err(e) => from_action(e),
    }
}

#[derive(Debug, Deserialize)]
struct HangUpBody {
    line: String,
}

/// An operator's token (scope manage) hangs up the call on a line.
async fn hang_up(State(ctx): Ctx, c: Caller, body: Option<Json<HangUpBody>>) -> Response {
    if let Err(r) = c.needs(Scope::Manage) {
        return r;
    }
    if c.user.role < super::Role::Operator {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "the lines are for operators",
        );
    }
    let Some(Json(HangUpBody { line })) = body else {
        return problem(
            StatusCode::BAD_REQUEST,
            "Bad request",
            "give the line: {\"line\": \"loop/100\"}",
        );
    };
    let asked = actions::ask_media(&ctx, |reply| crate::simnet::MediaRequest::HangUp {
        line: line.clone(),
        by: c.user.id.clone(),
        reply,
    })
    .await;
    match asked {
        Ok(true) => {
            ctx.audit(
                &format!("{} (token {})", c.user.id, c.token),
                "hang-up",
                Some(line.clone()),
                c.peer,
            );
            Json(json!({"line": line, "hung_up": true})).into_response()
        }
        Ok(false) => problem(
            StatusCode::CONFLICT,
            "No call",
            &format!("no call on {line} to hang up"),
        ),
        Err(e) => from_action(e),
    }
}

async fn dead_letters(State(ctx): Ctx, c: Caller) -> Response {
    if let Err(r) = c.needs(Scope::Read) {
        return r;
    }
    if c.user.role < super::Role::Operator {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "dead letters are for operators",
        );
    }
    match crate::deadletter::list(&ctx.dead_letter_dir) {
        Ok(l) => Json(json!({"dead_letters": l})).into_response(),
        Err(e) => from_action(ActionError::Internal(e)),
    }
}

/// `POST /api/v1/messages`, multipart: `to` (repeatable, or comma
/// separated), `subject`, `cover` (text on a first page), `file`
/// (repeatable). Goes through the SMTP connector's policy as `ums send`
/// does.
async fn send(State(ctx): Ctx, c: Caller, form: Multipart) -> Response {
    if let Err(r) = c.needs(Scope::Send) {
        return r;
    }
    let form = match super::send::read_form(form).await {
        Ok(f) => f,
        Err(super::send::FormError::TooLarge) => {
            return problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Upload too large",
                &super::send::too_large_text(ctx.settings.upload_limit),
            )
        }
        Err(super::send::FormError::Bad(t)) => {
            return problem(StatusCode::BAD_REQUEST, "Bad form", &t)
        }
    };
    match super::send::submit(&ctx, &c.user, form).await {
        Ok(records) => {
            for r in &records {
                c.audit(&ctx, "send", Some(r.message.id.0));
            }
            let items: Vec<MessageView> = records.iter().map(|r| view(&ctx, r)).collect();
            (StatusCode::CREATED, Json(json!({"messages": items}))).into_response()
        }
        Err(ActionError::BadRequest(t)) => problem(StatusCode::BAD_REQUEST, "Bad request", &t),
        Err(ActionError::Conflict(t)) => {
            problem(StatusCode::UNPROCESSABLE_ENTITY, "Not accepted", &t)
        }
        Err(e) => from_action(e),
    }
}

/// A file name as a MIME parameter may carry it: no path, no quotes or
/// control characters.
pub fn sanitize_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    if clean.trim().is_empty() || clean == "." || clean == ".." {
        "document".into()
    } else {
        clean
    }
}

/// The mail `ums send` would build: the cover text as the body (the
/// connector typesets it as the first page), the files as attachments.
pub fn build_mail(
    from: &str,
    to: &[String],
    subject: Option<&str>,
    cover: Option<&str>,
    files: &[(String, Vec<u8>, String)],
    now: kernel::message::Timestamp,
) -> Vec<u8> {
    use kernel::report::mime::{write_message, Part};
    let mut parts = Vec::new();
    if let Some(c) = cover.filter(|c| !c.is_empty()) {
        parts.push(Part::text("plain", &format!("{c}\n")));
    }
    for (name, bytes, ct) in files {
        parts.push(Part::binary(ct, bytes).attachment(name));
    }
    let mut headers = vec![
        ("Date".to_string(), now.rfc5322()),
        ("MIME-Version".to_string(), "1.0".to_string()),
        ("To".to_string(), to.join(", ")),
        ("From".to_string(), from.to_string()),
    ];
    if let Some(s) = subject {
        headers.push(("Subject".to_string(), kernel::report::mime::unstructured(s)));
    }
    let body = Part::multipart("mixed", "", parts);
    write_message(&headers, &body, &format!("ums-web-{}", now.0))
}
