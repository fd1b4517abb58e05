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

fn form_html(b: &Browser, error: Option<&str>) -> String {
    let err = error.map_or(String::new(), |e| {
        format!("<p class=\"error\">{}</p>", esc(e))
    });
    format!(
        "<h1>Send a fax</h1>{err}<form method=\"post\" action=\"/send\" enctype=\"multipart/form-data\" class=\"filters\">{}\
         <label>Numbers <input name=\"to\" required placeholder=\"+49 89 1234567, 0301234\" inputmode=\"tel\" size=\"28\"></label>\
         <label>Subject <input name=\"subject\" size=\"24\"></label>\
         <label>Cover text <textarea name=\"cover\" rows=\"3\" cols=\"32\"></textarea></label>\
         <label>Files (PDF, TIFF, images, text, Office) <input name=\"file\" type=\"file\" multiple></label>\
         <button>Send</button></form>",
        csrf_field(&b.csrf)
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
    match submit(&ctx, &b.user, form).await {
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
