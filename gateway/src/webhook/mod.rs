//! Webhooks: each status change of a message (queued, sending, retrying,
//! sent, failed, cancelled, deleted, received, delivered) posted as JSON to
//! the global URL (`[web] webhook`) and to its user's (`[[user]] webhook`),
//! signed ([`sign`]), retried with exponential backoff.
//!
//! Durable like the outbox of mails: the kernel's store writes each
//! status change's [`StatusEvent`] in the same transaction as the record
//! (`Store::record_status_events`, switched on before the media loop
//! starts). This task turns each event into one delivery per URL, in one
//! transaction that also removes the event (`Store::take_status_event`),
//! into the side tree `webhooks`; a delivery leaves it when its URL answers
//! 2xx, or is marked dead after `max_attempts` (a log line
//! `msgid=webhook-dead`). Its attempts and next try are written after each
//! try, so a restart goes on where it was and loses nothing. A post the
//! receiver took just before a crash, before its removal was written, is
//! posted again: at-least-once, with the same `X-Ums-Delivery` id.
//!
//! It runs on the daemon's runtime; the media thread only writes its
//! records as before. Time is an argument ([`Webhooks::deliver_due`]).

pub mod http;
pub mod sign;

use std::time::Duration;

use kernel::events::StatusEvent;
use kernel::message::{Direction, Timestamp};
use kernel::store::{Store, StoreError};
use serde::{Deserialize, Serialize};

/// Where events go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `global`, or `user:<id>`: the key of its deliveries.
    pub name: String,
    pub url: String,
    pub secret: String,
    /// A user's hook gets only that user's messages.
    pub owner: Option<Owner>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub id: String,
    pub email: String,
}

impl Target {
    fn wants(&self, e: &StatusEvent) -> bool {
        let Some(o) = &self.owner else {
            return true;
        };
        let mine = |a: &Option<String>| {
            a.as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(&o.email))
        };
        match &e.user {
            Some(u) => *u == o.id,
            None => match e.direction {
                Direction::Outgoing => mine(&e.sender_address),
                Direction::Incoming => mine(&e.recipient_address),
            },
        }
    }
}

/// The webhooks' settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    pub targets: Vec<Target>,
    /// Posts per delivery before it is marked dead.
    pub max_attempts: u32,
    /// The wait after the first failure; it doubles after each.
    pub backoff_secs: u64,
    /// The longest wait between two posts.
    pub max_backoff_secs: u64,
    pub timeout: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            targets: Vec::new(),
            max_attempts: 10,
            backoff_secs: 10,
            max_backoff_secs: 3600,
            timeout: Duration::from_secs(10),
        }
    }
}

impl WebhookSettings {
    /// The wait after `attempts` failed posts (1: the first failure).
    pub fn backoff_after(&self, attempts: u32) -> u64 {
        let shift = attempts.saturating_sub(1).min(30);
        self.backoff_secs
            .saturating_mul(1u64 << shift)
            .min(self.max_backoff_secs)
    }
}

/// One post owed to one URL, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub target: String,
    pub url: String,
    /// The JSON posted (the same bytes on every try).
    pub body: String,
    pub attempts: u32,
    pub next_at: Timestamp,
    #[serde(default)]
    pub last_error: Option<String>,
    /// Gave up after `max_attempts`: kept for operators, not posted again.
    #[serde(default)]
    pub dead: bool,
}

/// What one pass did (for tests and metrics).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub events: usize,
    pub delivered: usize,
    pub failed: usize,
    pub dead: usize,
}

/// The webhook queue over a store (cheap to clone: sled handles).
#[derive(Clone)]
pub struct Webhooks {
    store: Store,
    tree: sled::Tree,
    /// Swapped by a reload (URLs, secrets, attempts); a pass works with
    /// the settings it started with.
    settings: std::sync::Arc<std::sync::RwLock<WebhookSettings>>,
}

fn key(event: u64, target: &str) -> Vec<u8> {
    let mut k = event.to_be_bytes().to_vec();
    k.extend_from_slice(target.as_bytes());
    k
}

/// The JSON a receiver gets for `e`.
pub fn payload(event_id: u64, target: &str, e: &StatusEvent) -> String {
    serde_json::json!({
        "type": "message.status",
        "delivery": format!("{event_id}-{target}"),
        "id": e.id.0,
        "status": e.status.name(),
        "previous": e.previous.map(kernel::message::Status::name),
        "at": e.at.iso8601(),
        "direction": match e.direction { Direction::Outgoing => "out", Direction::Incoming => "in" },
        "service": e.service.name(),
        "number": e.number,
        "user": e.user,
        "pages": e.pages,
        "pages_sent": e.pages_sent,
        "attempts": e.attempts,
        "reason": e.reason,
    })
    .to_string()
}

impl Webhooks {
    /// The queue on `store`; switches the store's status feed on (call it
    /// before anything else writes records).
    pub fn open(store: &Store, settings: WebhookSettings) -> Result<Webhooks, StoreError> {
        store.record_status_events();
        Ok(Webhooks {
            tree: store.side_tree("webhooks")?,
            store: store.clone(),
            settings: std::sync::Arc::new(std::sync::RwLock::new(settings)),
        })
    }

    /// New settings (a reload). Deliveries to a target no longer there
    /// are dropped at their next turn, with a log line.
    pub fn set_settings(&self, settings: WebhookSettings) {
        *kernel::lock::write(&self.settings) = settings;
    }

    fn settings(&self) -> WebhookSettings {
        kernel::lock::read(&self.settings).clone()
    }

    /// Turn the store's status events into deliveries (one per URL that
    /// wants it), each event exactly once. Blocking (sled, a flush).
    pub fn take_events(&self, now: Timestamp) -> Result<usize, StoreError> {
        let settings = self.settings();
        let mut n = 0;
        loop {
            let events = self.store.status_events(256)?;
            if events.is_empty() {
                break;
            }
            for (id, e) in &events {
                let entries: Vec<(Vec<u8>, Vec<u8>)> = (settings.targets.iter())
                    .filter(|t| t.wants(e))
                    .map(|t| {
                        let d = Delivery {
                            target: t.name.clone(),
                            url: t.url.clone(),
                            body: payload(*id, &t.name, e),
                            attempts: 0,
                            next_at: now,
                            last_error: None,
                            dead: false,
                        };
                        (key(*id, &t.name), serde_json::to_vec(&d).expect("json"))
                    })
                    .collect();
                self.store.take_status_event(*id, &self.tree, &entries)?;
                n += 1;
            }
            self.store.commit()?;
        }
        Ok(n)
    }

    /// Every delivery in the queue, dead ones too: (key, delivery).
    pub fn deliveries(&self) -> Result<Vec<(Vec<u8>, Delivery)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.tree.iter() {
            let (k, v) = kv?;
            if let Ok(d) = serde_json::from_slice::<Delivery>(&v) {
                out.push((k.to_vec(), d));
            }
        }
        Ok(out)
    }

    /// Take new events, then post every delivery that is due at `now`.
    /// The events' take and the flush run on the blocking pool, the posts
    /// on the runtime.
    pub async fn deliver_due(&self, now: Timestamp) -> Result<Pass, StoreError> {
        let this = self.clone();
        let events = tokio::task::spawn_blocking(move || this.take_events(now))
            .await
            .map_err(|e| StoreError::Write(sled::Error::ReportableBug(e.to_string())))??;
        let mut pass = Pass {
            events,
            ..Pass::default()
        };
        let settings = self.settings();
        for (k, mut d) in self.deliveries()? {
            if d.dead || d.next_at > now {
                continue;
            }
            let Some(target) = settings.targets.iter().find(|t| t.name == d.target) else {
                // The hook was removed from the configuration: nobody to tell.
                crate::ulog!(
                    Warning,
                    "webhook-dropped",
                    "webhook {}: no longer configured, delivery dropped",
                    d.target
                );
                self.tree.remove(&k)?;
                continue;
            };
            d.url = target.url.clone();
            let result = match http::Url::parse(&target.url) {
                Ok(url) => {
                    let ts = now.0 / 1000;
                    let event = u64::from_be_bytes(k[..8].try_into().unwrap_or([0; 8]));
                    let headers = [
                        (sign::TIMESTAMP_HEADER, ts.to_string()),
                        (
                            sign::SIGNATURE_HEADER,
                            sign::sign(&target.secret, ts, d.body.as_bytes()),
                        ),
                        (sign::DELIVERY_HEADER, format!("{event}-{}", d.target)),
                    ];
                    http::post(&url, &headers, d.body.as_bytes(), settings.timeout).await
                }
                Err(e) => Err(e),
            };
            d.attempts += 1;
            match result {
                Ok(code) if (200..300).contains(&code) => {
                    self.tree.remove(&k)?;
                    pass.delivered += 1;
                    continue;
                }
                Ok(code) => d.last_error = Some(format!("HTTP {code}")),
                Err(e) => d.last_error = Some(e),
            }
            let why = d.last_error.clone().unwrap_or_default();
            if d.attempts >= settings.max_attempts {
                d.dead = true;
                pass.dead += 1;
                crate::ulog!(
                    Err,
                    "webhook-dead",
                    "webhook {} ({}): gave up after {} posts: {why}",
                    d.target,
                    d.url,
                    d.attempts
                );
            } else {
                d.next_at = now.plus_secs(settings.backoff_after(d.attempts));
                pass.failed += 1;
                crate::ulog!(
                    Warning,
                    "webhook-deferred",
                    "webhook {} ({}): post {} failed: {why}; next at {}",
                    d.target,
                    d.url,
                    d.attempts,
                    d.next_at.iso8601()
                );
            }
            self.tree
                .insert(&k, serde_json::to_vec(&d).expect("json"))?;
        }
        if pass.delivered + pass.failed + pass.dead > 0 {
            let store = self.store.clone();
            tokio::task::spawn_blocking(move || store.commit())
                .await
                .map_err(|e| StoreError::Write(sled::Error::ReportableBug(e.to_string())))??;
        }
        Ok(pass)
    }
}

/// The deliveries given up (for operators): (key as hex, delivery).
pub fn dead(store: &Store) -> Result<Vec<(String, Delivery)>, StoreError> {
    let tree = store.side_tree("webhooks")?;
    let mut out = Vec::new();
    for kv in tree.iter() {
        let (k, v) = kv?;
        if let Ok(d) = serde_json::from_slice::<Delivery>(&v) {
            if d.dead {
                out.push((crate::web::auth::hex(&k), d));
            }
        }
    }
    Ok(out)
}

/// Give a delivery given up its attempts back, due at `now` (an
/// operator's retry). `false`: no such dead delivery.
pub fn revive(store: &Store, key_hex: &str, now: Timestamp) -> Result<bool, StoreError> {
    let tree = store.side_tree("webhooks")?;
    let Some(key) = unhex(key_hex) else {
        return Ok(false);
    };
    let Some(v) = tree.get(&key)? else {
        return Ok(false);
    };
    let Ok(mut d) = serde_json::from_slice::<Delivery>(&v) else {
        return Ok(false);
    };
    if !d.dead {
        return Ok(false);
    }
    d.dead = false;
    d.attempts = 0;
    d.next_at = now;
    tree.insert(&key, serde_json::to_vec(&d).expect("json"))?;
    store.commit()?;
    Ok(true)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 512 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}
