//! The journal's filter and its keyset paging, shared by the page and the
//! API. The order is the store's `by-time` index (newest first); a page
//! ends after `limit` matching records or after [`SCAN_BUDGET`] records
//! looked at, and the cursor is the index key of the last record looked
//! at, so a narrow filter over a large store costs bounded time per page
//! and never skips or repeats a record.

use kernel::message::{Direction, Message, Service, Status, Timestamp};
use kernel::store::{Record, Store, StoreError};
use serde::Deserialize;

/// Records looked at per page at most.
pub const SCAN_BUDGET: usize = 20_000;
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;

/// The filter as it stands in the URL query (every field optional).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FilterQuery {
    /// `in` or `out`.
    pub direction: Option<String>,
    /// `fax`, `voice`, `sms`.
    pub service: Option<String>,
    /// A status name (`queued`, `sent`, ...).
    pub status: Option<String>,
    /// Part of the other party's number.
    pub number: Option<String>,
    /// `YYYY-MM-DD`, UTC, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Words in the subject, the remote ident or the SMS text.
    pub q: Option<String>,
    /// The cursor of the next page.
    pub after: Option<String>,
    pub limit: Option<usize>,
}

/// A checked filter.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub direction: Option<Direction>,
    pub service: Option<Service>,
    pub status: Option<Status>,
    pub number: Option<String>,
    pub from: Option<Timestamp>,
    /// Exclusive end.
    pub until: Option<Timestamp>,
    pub text: Option<String>,
    pub after: Option<[u8; 16]>,
    pub limit: usize,
}

pub const STATUSES: [Status; 9] = [
    Status::Queued,
    Status::Sending,
    Status::Retrying,
    Status::Sent,
    Status::Failed,
    Status::Cancelled,
    Status::Deleted,
    Status::Received,
    Status::Delivered,
];

/// `YYYY-MM-DD` to the start of that day, UTC.
pub fn parse_day(s: &str) -> Option<Timestamp> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // H. Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(Timestamp(days as u64 * 86_400_000))
}

pub fn parse_cursor(s: &str) -> Option<[u8; 16]> {
    if s.len() != 32 {
        return None;
    }
    let mut k = [0u8; 16];
    for (i, b) in k.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(k)
}

fn empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl FilterQuery {
    /// The checked filter, or what is wrong with the query.
    pub fn check(&self) -> Result<Filter, String> {
        let direction = match empty(&self.direction) {
            None => None,
            Some("in") => Some(Direction::Incoming),
            Some("out") => Some(Direction::Outgoing),
            Some(o) => return Err(format!("direction '{o}': use in or out")),
        };
        let service = match empty(&self.service) {
            None => None,
            Some(s) => Some(
                crate::control::parse_service(s)
                    .ok_or_else(|| format!("service '{s}': use fax, voice or sms"))?,
            ),
        };
        let status = match empty(&self.status) {
            None => None,
            Some(s) => Some(
                STATUSES
                    .into_iter()
                    .find(|st| st.name() == s)
                    .ok_or_else(|| format!("status '{s}' is not a status"))?,
            ),
        };
        let day = |v: &Option<String>, name: &str| match empty(v) {
            None => Ok(None),
            Some(s) => parse_day(s)
                .map(Some)
                .ok_or_else(|| format!("{name} '{s}': write a date as YYYY-MM-DD")),
        };
        let from = day(&self.from, "from")?;
        let until = day(&self.to, "to")?.map(|t| t.plus_secs(86_400));
        let after = match empty(&self.after) {
            None => None,
            Some(c) => Some(parse_cursor(c).ok_or("after: not a cursor of this journal")?),
        };
        Ok(Filter {
            direction,
            service,
            status,
            number: empty(&self.number).map(|n| n.chars().filter(|c| c.is_ascii_digit()).collect()),
            from,
            until,
            text: empty(&self.q).map(str::to_lowercase),
            after,
            limit: self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
        })
    }
}

/// Who may see which records.
#[derive(Debug, Clone)]
pub enum Visibility {
    All,
    /// A user: their id and mail address.
    Own {
        id: String,
        email: String,
    },
}

impl Visibility {
    pub fn sees(&self, m: &Message) -> bool {
        match self {
            Visibility::All => true,
            Visibility::Own { id, email } => {
                let is = |a: &Option<String>| {
                    a.as_deref()
                        .is_some_and(|a| !email.is_empty() && a.eq_ignore_ascii_case(email))
                };
                m.user.as_deref() == Some(id.as_str())
                    || (m.direction == Direction::Outgoing && is(&m.sender_address))
                    || (m.direction == Direction::Incoming && is(&m.recipient_address))
            }
        }
    }
}

impl Filter {
    pub fn matches(&self, m: &Message) -> bool {
        if self.direction.is_some_and(|d| d != m.direction)
            || self.service.is_some_and(|s| s != m.service)
            || self.status.is_some_and(|s| s != m.status)
            || self.from.is_some_and(|t| m.created_at < t)
            || self.until.is_some_and(|t| m.created_at >= t)
        {
            return false;
        }
        if let Some(n) = &self.number {
            let other = crate::journal::number_of(m);
            let digits: String = other.chars().filter(|c| c.is_ascii_digit()).collect();
            if !digits.contains(n.as_str()) {
                return false;
            }
        }
        if let Some(t) = &self.text {
            let hay = [&m.subject, &m.remote_station_id, &m.text, &m.sender_address]
                .iter()
                .filter_map(|f| f.as_deref())
                .any(|f| f.to_lowercase().contains(t.as_str()));
            if !hay {
                return false;
            }
        }
        true
    }
}

/// One page of the journal.
pub struct JournalPage {
    pub records: Vec<Record>,
    /// The cursor of the next page; `None`: this was the last.
    pub next: Option<String>,
}

/// The records `who` may see that pass `filter`, newest first, one page.
pub fn page(store: &Store, filter: &Filter, who: &Visibility) -> Result<JournalPage, StoreError> {
    // With an end date and no cursor, start at the end date's key: the
    // index is ordered by time, so everything before it is newer.
    let start = filter.after.or_else(|| {
        filter.until.map(|t| {
            let mut k = [0u8; 16];
            k[..8].copy_from_slice(&(!t.0).to_be_bytes());
            k
        })
    });
    let mut records = Vec::new();
    let mut last = None;
    let mut scanned = 0;
    let mut exhausted = true;
    for item in store.newest_first(start) {
        let (key, r) = item?;
        if filter.from.is_some_and(|t| r.message.created_at < t) {
            break;
        }
        scanned += 1;
        last = Some(key);
        if who.sees(&r.message) && filter.matches(&r.message) {
            records.push(r);
        }
        if records.len() == filter.limit || scanned == SCAN_BUDGET {
            exhausted = false;
            break;
        }
    }
    let next = if exhausted {
        None
    } else {
        last.map(|k| crate::web::auth::hex(&k))
    };
    Ok(JournalPage { records, next })
}
