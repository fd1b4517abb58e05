//! Rows that change state without a reload: `/journal/events` is a
//! Server-Sent Events stream of `{id: status}` for the rows a page shows
//! (only those the user may see), sent when a status changes;
//! `/journal/status` answers the same once (for clients without SSE).
//!
//! Each stream reads its rows from the store once a second. Nothing is
//! pushed from the media thread: its record writes stay as they are, and
//! 20 browsers cost 20 small reads a second, not work on the media loop.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use kernel::message::Status;

use super::pages::Browser;
use super::{actions, WebContext, WebUser};

/// Rows one stream follows at most.
const MAX_ROWS: usize = 200;
/// How often a stream looks at its rows.
const EVERY: Duration = Duration::from_secs(1);

fn ids_of(q: &HashMap<String, String>) -> Vec<u64> {
    (q.get("ids").map(String::as_str).unwrap_or("").split(','))
        .filter_map(|s| s.parse::<u64>().ok())
        .take(MAX_ROWS)
        .collect()
}

/// `{id: status}` of the rows `user` may see; "sending page n/m" while a
/// fax is on a line.
fn statuses(
    ctx: &WebContext,
    user: &WebUser,
    ids: &[u64],
) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    for &id in ids {
        if let Ok(r) = actions::visible(ctx, user, id) {
            let m = &r.message;
            let s = if m.status == Status::Sending && m.pages > 0 {
                format!(
                    "sending page {}/{}",
                    (m.pages_sent + 1).min(m.pages),
                    m.pages
                )
            } else {
                m.status.name().to_string()
            };
            out.insert(id.to_string(), s.into());
        }
    }
    out
}

pub async fn journal_status(
    State(ctx): State<Arc<WebContext>>,
    b: Browser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let map = statuses(&ctx, &b.user, &ids_of(&q));
    axum::Json(serde_json::Value::Object(map)).into_response()
}

pub async fn journal_events(
    State(ctx): State<Arc<WebContext>>,
    b: Browser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ids = ids_of(&q);
    let user = b.user;
    // State: the statuses last sent (None: nothing sent yet).
    let stream = futures_util::stream::unfold(
        (
            ctx,
            user,
            ids,
            None::<serde_json::Map<String, serde_json::Value>>,
        ),
        |(ctx, user, ids, last)| async move {
            let mut first = last.is_none();
            loop {
                if !first {
                    tokio::time::sleep(EVERY).await;
                }
                first = false;
                let now = statuses(&ctx, &user, &ids);
                let changed: serde_json::Map<_, _> = match &last {
                    None => now.clone(),
                    Some(l) => (now.iter())
                        .filter(|(k, v)| l.get(*k) != Some(*v))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                };
                if last.is_none() || !changed.is_empty() {
                    let event = Event::default()
                        .event("status")
                        .data(serde_json::Value::Object(changed).to_string());
                    return Some((Ok::<_, Infallible>(event), (ctx, user, ids, Some(now))));
                }
            }
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
