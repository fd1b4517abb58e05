//! Rows that change state without a reload: `/journal/events` is a
//! Server-Sent Events stream of `{id: status}` for the rows a page shows
//! (only those the user may see), sent when a status changes;
//! `/journal/status` answers the same once (for clients without SSE).
//!
//! Nothing is pushed from the media thread: its record writes stay as they
//! are. One poller ([`Live`]) reads the rows that any stream follows from
//! the store once a second, each row once however many browsers follow it,
//! and wakes the streams only when a row's status changed; a stream then
//! answers from the poller's copies. 20 browsers on the same page cost the
//! store what one costs (the bench's first version, a read per stream and
//! row, put 1 000 reads a second on the web's workers and lifted the media
//! loop's p99 lateness by 24 ms on two cores).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use kernel::lock::lock;
use kernel::message::{Message, MessageId, Status};
use tokio::sync::watch;

use super::pages::Browser;
use super::{actions, WebContext, WebUser};

/// Rows one stream follows at most.
const MAX_ROWS: usize = 200;
/// How often the poller looks at the rows followed.
const EVERY: Duration = Duration::from_secs(1);

type Statuses = serde_json::Map<String, serde_json::Value>;

fn ids_of(q: &HashMap<String, String>) -> Vec<u64> {
    (q.get("ids").map(String::as_str).unwrap_or("").split(','))
        .filter_map(|s| s.parse::<u64>().ok())
        .take(MAX_ROWS)
        .collect()
}

/// A row's status in words: "sending page n/m" while a fax is on a line.
fn status_text(m: &Message) -> String {
    if m.status == Status::Sending && m.pages > 0 {
        format!(
            "sending page {}/{}",
            (m.pages_sent + 1).min(m.pages),
            m.pages
        )
    } else {
        m.status.name().to_string()
    }
}

/// `{id: status}` of the rows `user` may see, read from the store.
fn statuses(ctx: &WebContext, user: &WebUser, ids: &[u64]) -> Statuses {
    let mut out = Statuses::new();
    for &id in ids {
        if let Ok(r) = actions::visible(ctx, user, id) {
            out.insert(id.to_string(), status_text(&r.message).into());
        }
    }
    out
}

/// The one poller behind every live stream of a web server.
pub struct Live {
    rows: Mutex<Rows>,
    /// Bumped when a followed row's status changed.
    changed: watch::Sender<u64>,
}

#[derive(Default)]
struct Rows {
    /// Row id → streams following it.
    followers: HashMap<u64, usize>,
    /// The last copy read of each followed row (`None`: not in the store).
    copies: HashMap<u64, Option<Arc<Message>>>,
    polling: bool,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            rows: Mutex::default(),
            changed: watch::Sender::new(0),
        }
    }
}

impl Live {
    /// Distinct rows the poller reads each round.
    pub fn followed(&self) -> usize {
        lock(&self.rows).followers.len()
    }

    /// Whether the poller runs (it ends a round after the last stream).
    pub fn polling(&self) -> bool {
        lock(&self.rows).polling
    }
}

/// One stream's rows: followed while it lives.
struct Following {
    ctx: Arc<WebContext>,
    ids: Vec<u64>,
}

impl Following {
    /// Follow `ids`: rows no stream followed yet are read now, and the
    /// poller starts if it is not running.
    fn new(ctx: Arc<WebContext>, ids: Vec<u64>) -> Following {
        let fresh: Vec<u64> = {
            let rows = lock(&ctx.live.rows);
            ids.iter()
                .copied()
                .filter(|id| !rows.copies.contains_key(id))
                .collect()
        };
        let read: Vec<(u64, Option<Arc<Message>>)> = fresh
            .into_iter()
            .map(|id| (id, read_row(&ctx, id)))
            .collect();
        let start = {
            let mut rows = lock(&ctx.live.rows);
            for &id in &ids {
                *rows.followers.entry(id).or_default() += 1;
            }
            for (id, m) in read {
                rows.copies.entry(id).or_insert(m);
            }
            !std::mem::replace(&mut rows.polling, true)
        };
        if start {
            tokio::spawn(poll(Arc::clone(&ctx)));
        }
        Following { ctx, ids }
    }

    /// `{id: status}` of the rows `user` may see, from the poller's copies.
    fn statuses(&self, user: &WebUser) -> Statuses {
        let rows = lock(&self.ctx.live.rows);
        let seen = user.visibility();
        let mut out = Statuses::new();
        for id in &self.ids {
            if let Some(Some(m)) = rows.copies.get(id) {
                if seen.sees(m) {
                    out.insert(id.to_string(), status_text(m).into());
                }
            }
        }
        out
    }
}

impl Drop for Following {
    fn drop(&mut self) {
        let mut rows = lock(&self.ctx.live.rows);
        for id in &self.ids {
            if let Some(n) = rows.followers.get_mut(id) {
                *n -= 1;
                if *n == 0 {
                    rows.followers.remove(id);
                    rows.copies.remove(id);
                }
            }
        }
    }
}

fn read_row(ctx: &WebContext, id: u64) -> Option<Arc<Message>> {
    let r = ctx.store.get(MessageId(id)).ok().flatten()?;
    Some(Arc::new(r.message))
}

/// Reads the followed rows once a [`EVERY`]; ends when nobody follows.
async fn poll(ctx: Arc<WebContext>) {
    loop {
        tokio::time::sleep(EVERY).await;
        let ids: Vec<u64> = {
            let mut rows = lock(&ctx.live.rows);
            if rows.followers.is_empty() {
                rows.polling = false;
                return;
            }
            rows.followers.keys().copied().collect()
        };
        let read: Vec<(u64, Option<Arc<Message>>)> =
            ids.into_iter().map(|id| (id, read_row(&ctx, id))).collect();
        let mut changed = false;
        {
            let mut rows = lock(&ctx.live.rows);
            for (id, m) in read {
                let Some(old) = rows.copies.get_mut(&id) else {
                    continue; // nobody follows it any more
                };
                let text = |m: &Option<Arc<Message>>| m.as_deref().map(status_text);
                changed |= text(old) != text(&m);
                *old = m;
            }
        }
        if changed {
            ctx.live.changed.send_modify(|n| *n += 1);
        }
    }
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
    let woken = ctx.live.changed.subscribe();
    let following = Following::new(ctx, ids_of(&q));
    let user = b.user;
    // State: the statuses last sent (None: nothing sent yet).
    let stream = futures_util::stream::unfold(
        (following, user, woken, None::<Statuses>),
        |(following, user, mut woken, last)| async move {
            loop {
                if last.is_some() && woken.changed().await.is_err() {
                    return None;
                }
                let now = following.statuses(&user);
                let changed: Statuses = match &last {
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
                    return Some((
                        Ok::<_, Infallible>(event),
                        (following, user, woken, Some(now)),
                    ));
                }
            }
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
