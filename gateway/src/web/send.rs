//! Sending from the web: the multipart form (the page's and the API's),
//! the mail `ums send` would build from it, and its submission through
//! the gateway's policy ([`super::Outgoing::submit`]).

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use kernel::store::Record;

use super::actions::ActionError;
use super::html::{csrf_field, esc, page};
use super::pages::Browser;
use super::{WebContext, WebUser};

/// What a send form carries.
#[derive(Debug, Default)]
pub struct SendForm {
    pub to: Vec<String>,
    pub subject: Option<String>,
    pub cover: Option<String>,
    /// (file name, bytes, content type)
    pub files: Vec<(String, Vec<u8>, String)>,
    pub csrf: Option<String>,
    /// `preview` or `send` (the button pressed).
    pub action: Option<String>,
}

pub enum FormError {
    /// Beyond `web.upload_limit_mb`.
    TooLarge,
    Bad(String),
}

pub fn too_large_text(limit: usize) -> String {
    format!(
        "the upload is larger than the limit of {} (web.upload_limit_mb); nothing was sent",
        if limit >= 1 << 20 {
            format!("{} MiB", limit >> 20)
        } else {
            format!("{} KiB", limit >> 10)
        }
    )
}

/// Read the multipart form; the body limit cuts it off (`TooLarge`).
pub async fn read_form(mut form: Multipart) -> Result<SendForm, FormError> {
    let mut out = SendForm::default();
    let fail = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            FormError::TooLarge
        } else {
            FormError::Bad(e.body_text())
        }
    };
    while let Some(field) = form.next_field().await.map_err(fail)? {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let ct = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_string();
        let bytes = field.bytes().await.map_err(fail)?;
        let text = || String::from_utf8_lossy(&bytes).trim().to_string();
        match name.as_str() {
            "to" => out.to.extend(
                text()
                    .split([',', ';', '\n'])
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
            ),
            "subject" => out.subject = Some(text()).filter(|s| !s.is_empty()),
            "cover" => out.cover = Some(text()).filter(|s| !s.is_empty()),
            "csrf" => out.csrf = Some(text()),
            "action" => out.action = Some(text()),
            // A browser sends an empty part for a file input left empty.
            "file" if !bytes.is_empty() => out.files.push((
                super::api::sanitize_name(file_name.as_deref().unwrap_or("document")),
                bytes.to_vec(),
                ct,
            )),
            _ => {}
        }
    }
    Ok(out)
}

/// Submit `form` as `user` (blocking work off the runtime).
pub async fn submit(
    ctx: &WebContext,
    user: &WebUser,
    form: SendForm,
) -> Result<Vec<Record>, ActionError> {
    let (to, mail) = mail_of(ctx, user, &form)?;
    let out = ctx
        .outgoing
        .clone()
        .ok_or_else(|| ActionError::Unavailable("sending is not available".into()))?;
    let from = user.email.clone();
    tokio::task::spawn_blocking(move || out.submit(&from, &to, mail))
        .await
        .map_err(|e| ActionError::Internal(e.to_string()))?
        .map_err(ActionError::Conflict)
}

/// Previews kept per user at most; the oldest goes first.
const PREVIEWS_PER_USER: usize = 3;
/// How long a preview waits to be sent.
const PREVIEW_SECS: u64 = 30 * 60;
/// Pages shown in a preview at most.
const PREVIEW_PAGES: usize = 50;

/// A rendered send form waiting for "send": the mail as it will be
/// submitted, and its pages as PNG.
pub struct Preview {
    pub user: String,
    pub to: Vec<String>,
    pub mail: Vec<u8>,
    pub pngs: Vec<Vec<u8>>,
    pub pages: usize,
    pub made: kernel::message::Timestamp,
}

/// `mail` as the render pool renders it (the same parse and renderer).
pub fn render(
    mail: &[u8],
    options: &kernel::render::RenderOptions,
) -> Result<Vec<fax_t30::tiff::TiffPage>, String> {
    let doc = smtp::mime::parse_document(mail).ok_or("the message could not be read")?;
    kernel::render::render_mail(&doc, options)
        .map(|r| r.pages)
        .map_err(|e| e.to_string())
}

fn form_html(b: &Browser, error: Option<&str>) -> String {
    let err = error.map_or(String::new(), |e| {
        format!("<p class=\"error\">{}</p>", esc(e))
    });
    let t = |en| super::i18n::tr(b.user.language, en);
    format!(
        "<h1>{}</h1>{err}<form method=\"post\" action=\"/send\" enctype=\"multipart/form-data\" class=\"filters\">{}\
         <label>{} <input name=\"to\" required placeholder=\"+49 89 1234567, 0301234\" inputmode=\"tel\" size=\"28\"></label>\
         <label>{} <input name=\"subject\" size=\"24\"></label>\
         <label>{} <textarea name=\"cover\" rows=\"3\" cols=\"32\"></textarea></label>\
         <label>{} <input name=\"file\" type=\"file\" multiple></label>\
         <button name=\"action\" value=\"preview\">{}</button> \
         <button name=\"action\" value=\"send\">{}</button></form>",
        t("Send a fax"),
        csrf_field(&b.csrf),
        t("Numbers"),
        t("Subject"),
        t("Cover text"),
        t("Files (PDF, TIFF, images, text, Office)"),
        t("Preview"),
        t("Send"),
    )
}

pub async fn send_page(b: Browser) -> Response {
    Html(page("Send", Some(&b.viewer()), &form_html(&b, None))).into_response()
}

pub async fn send_post(
    State(ctx): State<Arc<WebContext>>,
    b: Browser,
    form: Multipart,
) -> Response {
    let again = |status: StatusCode, text: &str| {
        (
            status,
            Html(page("Send", Some(&b.viewer()), &form_html(&b, Some(text)))),
        )
            .into_response()
    };
    let form = match read_form(form).await {
        Ok(f) => f,
        Err(FormError::TooLarge) => {
            return again(
                StatusCode::PAYLOAD_TOO_LARGE,
                &too_large_text(ctx.settings.upload_limit),
            )
        }
        Err(FormError::Bad(t)) => return again(StatusCode::BAD_REQUEST, &t),
    };
    let csrf_ok = form
        .csrf
        .as_deref()
        .is_some_and(|t| ctx.accounts.csrf_ok(&b.sid, t));
    if !csrf_ok {
        return super::pages::forbidden(
            "The form has no valid CSRF token. Reload the page and try again.",
        );
    }
    if form.action.as_deref() == Some("preview") {
        return match preview(&ctx, &b.user, form).await {
            Ok(key) => preview_page(&ctx, &b, &key),
            Err(ActionError::BadRequest(t)) => again(StatusCode::BAD_REQUEST, &t),
            Err(ActionError::Conflict(t)) => again(StatusCode::UNPROCESSABLE_ENTITY, &t),
            Err(e) => again(StatusCode::SERVICE_UNAVAILABLE, &format!("{e:?}")),
        };
    }
    sent_page(&ctx, &b, submit(&ctx, &b.user, form).await, again)
}

fn sent_page(
    ctx: &WebContext,
    b: &Browser,
    result: Result<Vec<Record>, ActionError>,
    again: impl Fn(StatusCode, &str) -> Response,
) -> Response {
    match result {
        Ok(records) => {
            let mut body = String::from("<h1>Sent to the queue</h1><ul>");
            for r in &records {
                ctx.audit(&b.user.id, "send", Some(r.message.id.0.to_string()), b.peer);
                let _ = write!(
                    body,
                    "<li><a href=\"/messages/{}\">{}</a>: {} ({})</li>",
                    r.message.id.0,
                    r.message.id,
                    esc(&crate::journal::number_of(&r.message)),
                    esc(&super::pages::report_words(r))
                );
            }
            body.push_str("</ul><p><a href=\"/send\">Send another</a></p>");
            (StatusCode::OK, Html(page("Sent", Some(&b.viewer()), &body))).into_response()
        }
        Err(ActionError::BadRequest(t)) => again(StatusCode::BAD_REQUEST, &t),
        Err(ActionError::Conflict(t)) => again(StatusCode::UNPROCESSABLE_ENTITY, &t),
        Err(ActionError::Unavailable(t)) => again(StatusCode::SERVICE_UNAVAILABLE, &t),
        Err(e) => again(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:?}")),
    }
}

/// Render `form` and keep it for "send"; the preview's key.
async fn preview(ctx: &WebContext, user: &WebUser, form: SendForm) -> Result<String, ActionError> {
    let (to, mail) = mail_of(ctx, user, &form)?;
    let out = ctx
        .outgoing
        .clone()
        .ok_or_else(|| ActionError::Unavailable("sending is not available".into()))?;
    let for_render = mail.clone();
    let pngs = tokio::task::spawn_blocking(move || {
        let pages = out.render(&for_render)?;
        let n = pages.len();
        let mut pngs = Vec::new();
        for p in pages.iter().take(PREVIEW_PAGES) {
            let page = p.decode().map_err(|e| e.to_string())?;
            pngs.push(kernel::render::page_png(&page, 360));
        }
        Ok::<_, String>((pngs, n))
    })
    .await
    .map_err(|e| ActionError::Internal(e.to_string()))?
    .map_err(ActionError::Conflict)?;
    let key = super::auth::hex(&super::auth::random_bytes()[..16]);
    let now = ctx.now();
    let mut previews = kernel::lock::lock(&ctx.previews);
    previews.retain(|_, p| p.made.plus_secs(PREVIEW_SECS) > now);
    let mut mine: Vec<(String, kernel::message::Timestamp)> = (previews.iter())
        .filter(|(_, p)| p.user == user.id)
        .map(|(k, p)| (k.clone(), p.made))
        .collect();
    mine.sort_by_key(|(_, t)| *t);
    while mine.len() >= PREVIEWS_PER_USER {
        previews.remove(&mine.remove(0).0);
    }
    previews.insert(
        key.clone(),
        Preview {
            user: user.id.clone(),
            to,
            mail,
            pages: pngs.1,
            pngs: pngs.0,
            made: now,
        },
    );
    Ok(key)
}

/// The recipients as addresses and the mail of `form`, checked.
fn mail_of(
    ctx: &WebContext,
    user: &WebUser,
    form: &SendForm,
) -> Result<(Vec<String>, Vec<u8>), ActionError> {
    if form.to.is_empty() {
        return Err(ActionError::BadRequest(
            "give at least one number to send to".into(),
        ));
    }
    if form.files.is_empty() && form.cover.is_none() {
        return Err(ActionError::BadRequest(
            "nothing to send: give a file or a cover text".into(),
        ));
    }
    let to: Vec<String> = (form.to.iter())
        .map(|t| match (&ctx.fax_domain, t.contains('@')) {
            (Some(d), false) => format!("{}@{d}", t.split_whitespace().collect::<String>()),
            _ => t.clone(),
        })
        .collect();
    let mail = super::api::build_mail(
        &user.email,
        &to,
        form.subject.as_deref(),
        form.cover.as_deref(),
        &form.files,
        ctx.now(),
    );
    Ok((to, mail))
}

fn preview_page(ctx: &WebContext, b: &Browser, key: &str) -> Response {
    let previews = kernel::lock::lock(&ctx.previews);
    let Some(p) = previews.get(key) else {
        return (StatusCode::NOT_FOUND, "no such preview").into_response();
    };
    let mut body = format!(
        "<h1>Preview</h1><p>{} page(s) to {}.</p><div class=\"pages\">",
        p.pages,
        esc(&p.to.join(", "))
    );
    for n in 1..=p.pngs.len() {
        let _ = write!(
            body,
            "<img alt=\"page {n}\" src=\"/send/preview/{key}/{n}\">"
        );
    }
    let _ = write!(
        body,
        "</div><form method=\"post\" action=\"/send/preview/{key}\" class=\"actions\">{}\
         <button>Send these pages</button> <a href=\"/send\">Start over</a></form>",
        csrf_field(&b.csrf)
    );
    Html(page("Preview", Some(&b.viewer()), &body)).into_response()
}

/// A page of a preview (its owner only).
pub async fn preview_png(
    State(ctx): State<Arc<WebContext>>,
    b: Browser,
    axum::extract::Path((key, n)): axum::extract::Path<(String, usize)>,
) -> Response {
    let previews = kernel::lock::lock(&ctx.previews);
    let png = (previews.get(&key))
        .filter(|p| p.user == b.user.id)
        .and_then(|p| p.pngs.get(n.wrapping_sub(1)));
    match png {
        Some(png) => (
            [(axum::http::header::CONTENT_TYPE, "image/png")],
            png.clone(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such preview page").into_response(),
    }
}

/// "Send these pages": the previewed mail goes out as it was rendered.
pub async fn preview_send(
    State(ctx): State<Arc<WebContext>>,
    b: Browser,
    axum::extract::Path(key): axum::extract::Path<String>,
    axum::Form(form): axum::Form<std::collections::HashMap<String, String>>,
) -> Response {
    if let Err(r) = b.checked(&ctx, &form) {
        return r;
    }
    let taken = {
        let mut previews = kernel::lock::lock(&ctx.previews);
        match previews.get(&key) {
            Some(p) if p.user == b.user.id => previews.remove(&key),
            _ => None,
        }
    };
    let again = |status: StatusCode, text: &str| {
        (
            status,
            Html(page("Send", Some(&b.viewer()), &form_html(&b, Some(text)))),
        )
            .into_response()
    };
    let Some(p) = taken else {
        return again(
            StatusCode::NOT_FOUND,
            "This preview has expired or was sent; fill the form again.",
        );
    };
    let Some(out) = ctx.outgoing.clone() else {
        return again(StatusCode::SERVICE_UNAVAILABLE, "sending is not available");
    };
    let from = b.user.email.clone();
    let result = tokio::task::spawn_blocking(move || out.submit(&from, &p.to, p.mail))
        .await
        .map_err(|e| ActionError::Internal(e.to_string()))
        .and_then(|r| r.map_err(ActionError::Conflict));
    sent_page(&ctx, &b, result, again)
}
