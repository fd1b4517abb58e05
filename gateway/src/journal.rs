//! The journal as the client tools show it: selecting records, the status
//! summary, and the aligned text people read. The same functions serve the
//! daemon (over the control socket) and `ums journal` reading the store
//! directly when no daemon runs.

use std::path::Path;

use kernel::message::{Direction, Message, Service, Status, Timestamp};
use kernel::report::{Cause, Language};
use kernel::store::{Record, Store, StoreError};
use serde::{Deserialize, Serialize};

/// Which records `ums journal` shows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct JournalFilter {
    pub service: Option<Service>,
    /// Created at or after this time.
    pub since: Option<Timestamp>,
}

/// The records that pass `filter`, oldest first.
pub fn select(store: &Store, filter: &JournalFilter) -> Result<Vec<Record>, StoreError> {
    let mut out = Vec::new();
    for r in store.all() {
        let r = r?;
        if filter.service.is_some_and(|s| s != r.message.service) {
            continue;
        }
        if filter.since.is_some_and(|t| r.message.created_at < t) {
            continue;
        }
        out.push(r);
    }
    Ok(out)
}

/// One recent failure for `ums status`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecentError {
    pub id: u64,
    pub when: Timestamp,
    pub number: String,
    pub reason: String,
}

/// The queue and error part of `ums status`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusSummary {
    pub queued: usize,
    pub retrying: usize,
    pub sending: usize,
    pub messages: usize,
    pub dead_letters: usize,
    /// The last failures (failed, or waiting to retry), newest first.
    pub last_errors: Vec<RecentError>,
}

/// How many failures `ums status` lists.
const LAST_ERRORS: usize = 5;

pub fn status(
    store: &Store,
    data_dir: &Path,
    _now: Timestamp,
) -> Result<StatusSummary, StoreError> {
    let mut s = StatusSummary {
        queued: 0,
        retrying: 0,
        sending: 0,
        messages: 0,
        dead_letters: crate::deadletter::list(&data_dir.join("dead-letter")).map_or(0, |l| l.len()),
        last_errors: Vec::new(),
    };
    let mut errors = Vec::new();
    for r in store.all() {
        let m = r?.message;
        s.messages += 1;
        match m.status {
            Status::Queued => s.queued += 1,
            Status::Retrying => s.retrying += 1,
            Status::Sending => s.sending += 1,
            _ => {}
        }
        if matches!(m.status, Status::Failed | Status::Retrying) {
            errors.push(RecentError {
                id: m.id.0,
                when: m.updated_at,
                number: number_of(&m),
                reason: reason_of(&m),
            });
        }
    }
    errors.sort_by(|a, b| b.when.cmp(&a.when).then(b.id.cmp(&a.id)));
    errors.truncate(LAST_ERRORS);
    s.last_errors = errors;
    Ok(s)
}

/// The other party's number: the recipient of an outgoing message, the
/// caller of an incoming one.
pub fn number_of(m: &Message) -> String {
    let n = match m.direction {
        Direction::Outgoing => m.recipient_number.as_deref().or(m.dial_string.as_deref()),
        Direction::Incoming => m.caller_number.as_deref(),
    };
    n.unwrap_or("-").to_string()
}

/// The sentence for the status: the report's text for the failure cause,
/// with the line's own words where they say more.
pub fn reason_of(m: &Message) -> String {
    let detail = m.status_reason.as_deref();
    match m.failure_cause {
        Some(Cause::Other) | None => detail.unwrap_or("").to_string(),
        Some(c) => {
            // The report's sentence with the code behind it (Q.850, T.30).
            let human = c.human(Language::En, m.failure_attachment.as_deref(), detail);
            match c.entry().diagnostic {
                "" => human,
                code => format!("{human} ({code})"),
            }
        }
    }
}

/// `2026-11-27 20:26`, UTC.
pub fn short_time(t: Timestamp) -> String {
    let iso = t.iso8601();
    iso.get(..16).unwrap_or(&iso).replace('T', " ")
}

fn pages(m: &Message) -> String {
    match (m.service, m.direction) {
        (Service::Fax, Direction::Outgoing) => format!("{}/{}", m.pages_sent, m.pages),
        (Service::Fax, Direction::Incoming) => m.pages.to_string(),
        _ => "-".into(),
    }
}

/// Cut `s` to `n` characters, marking the cut.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The journal as an aligned table, one line per message.
pub fn table(records: &[Record]) -> String {
    let mut rows = vec![[
        "ID".to_string(),
        "WHEN (UTC)".into(),
        "DIR".into(),
        "SERVICE".into(),
        "NUMBER".into(),
        "STATUS".into(),
        "PAGES".into(),
        "NOTE".into(),
    ]];
    for r in records {
        let m = &r.message;
        let note = match m.status {
            Status::Received | Status::Delivered if m.service == Service::Sms => {
                m.text.as_deref().unwrap_or("").replace(['\r', '\n'], " ")
            }
            Status::Received | Status::Delivered => m
                .recipient_address
                .as_deref()
                .map(|a| format!("for {a}"))
                .unwrap_or_default(),
            _ => reason_of(m),
        };
        rows.push([
            m.id.to_string(),
            short_time(m.created_at),
            match m.direction {
                Direction::Outgoing => "out".into(),
                Direction::Incoming => "in".into(),
            },
            m.service.name().into(),
            number_of(m),
            m.status.name().into(),
            pages(m),
            cut(&note, 80),
        ]);
    }
    align(&rows)
}

/// Columns padded to their widest cell; the last column is not padded.
pub fn align<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `ums journal show ID`: every field a person needs, the report sentence
/// and where the document is.
pub fn show(r: &Record) -> String {
    let m = &r.message;
    let mut rows: Vec<[String; 2]> = Vec::new();
    let mut add = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            rows.push([format!("{k}:"), v]);
        }
    };
    add("message", Some(m.id.to_string()));
    add(
        "direction",
        Some(
            match m.direction {
                Direction::Outgoing => "outgoing",
                Direction::Incoming => "incoming",
            }
            .into(),
        ),
    );
    add("service", Some(m.service.name().into()));
    add("status", Some(m.status.name().into()));
    let report = match (m.direction, m.status) {
        (Direction::Outgoing, Status::Sent) => Some(Cause::Sent.human(Language::En, None, None)),
        (Direction::Outgoing, Status::Queued) => Some("Waiting for a free line.".into()),
        (Direction::Outgoing, Status::Sending) => Some("On a line now.".into()),
        (Direction::Incoming, _) => Some(match m.status_reason.as_deref() {
            Some(r) => format!("Received, incomplete: {r}"),
            None => "Received.".into(),
        }),
        _ => Some(reason_of(m)),
    };
    add("report", report);
    add("reason", m.status_reason.clone());
    add("from", m.sender_address.clone().or(m.caller_number.clone()));
    add("to", m.recipient_number.clone());
    add(
        "mailbox",
        (m.direction == Direction::Incoming)
            .then(|| m.recipient_address.clone())
            .flatten(),
    );
    add("dialled", m.dial_string.clone());
    add("subject", m.subject.clone());
    add("text", m.text.clone());
    if m.service == Service::Fax {
        add("pages", Some(pages(m)));
        add(
            "speed",
            (m.transmit_speed > 0).then(|| format!("{} bit/s", m.transmit_speed)),
        );
        add("remote id", m.remote_station_id.clone());
        add("local id", m.local_station_id.clone());
    }
    add("attempts", (m.attempts > 0).then(|| m.attempts.to_string()));
    add("line", m.line.clone());
    add(
        "duration",
        (m.duration_secs > 0).then(|| format!("{} s", m.duration_secs)),
    );
    add("created", Some(m.created_at.iso8601()));
    add("updated", Some(m.updated_at.iso8601()));
    add("completed", m.completed_at.map(Timestamp::iso8601));
    add("user", m.user.clone());
    add(
        "document",
        m.document.as_ref().map(|d| {
            if Path::new(d).is_file() {
                d.clone()
            } else {
                format!("{d} (missing)")
            }
        }),
    );
    align(&rows)
}

/// `--since`: `30m`, `2h`, `7d`, a date `2026-11-27` or a UTC time
/// `2026-11-27T10:00` / `2026-11-27T10:00:00Z`.
pub fn parse_since(s: &str, now: Timestamp) -> Result<Timestamp, String> {
    let bad = || {
        format!("--since {s}: write an age (30m, 2h, 7d) or a UTC date and time (2026-11-27, 2026-11-27T10:00)")
    };
    let s = s.trim();
    let is_age = !s.contains('-');
    if let Some(unit) = s
        .chars()
        .last()
        .filter(|c| is_age && c.is_ascii_alphabetic())
    {
        let n: u64 = s[..s.len() - 1].parse().map_err(|_| bad())?;
        let secs = match unit {
            's' => n,
            'm' => n * 60,
            'h' => n * 3600,
            'd' => n * 86_400,
            _ => return Err(bad()),
        };
        return Ok(Timestamp(now.0.saturating_sub(secs.saturating_mul(1000))));
    }
    let (date, time) = s.split_once('T').unwrap_or((s, "00:00"));
    let d: Vec<&str> = date.split('-').collect();
    let t: Vec<&str> = time.trim_end_matches('Z').split(':').collect();
    if d.len() != 3 || !(2..=3).contains(&t.len()) {
        return Err(bad());
    }
    let num = |x: &str| x.parse::<i64>().map_err(|_| bad());
    let (y, mo, da) = (num(d[0])?, num(d[1])?, num(d[2])?);
    let (h, mi) = (num(t[0])?, num(t[1])?);
    let sec = t.get(2).map_or(Ok(0), |x| num(x))?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || h > 23 || mi > 59 || sec > 60 {
        return Err(bad());
    }
    let days = days_from_civil(y, mo, da);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec;
    u64::try_from(secs)
        .map(|s| Timestamp(s * 1000))
        .map_err(|_| bad())
}

/// Days since 1970-01-01 (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_ages_and_dates() {
        let now = Timestamp(1_795_811_201_000); // 2026-11-27T20:26:41Z
        assert_eq!(parse_since("2h", now).unwrap().0, now.0 - 7_200_000);
        assert_eq!(
            parse_since("2026-11-27T20:26:41Z", now).unwrap(),
            now,
            "a full time"
        );
        assert_eq!(
            parse_since("2026-11-27", now).unwrap().iso8601(),
            "2026-11-27T00:00:00Z"
        );
        for bad in ["yesterday", "2h30", "2026-13-01", "5x", ""] {
            assert!(parse_since(bad, now).is_err(), "{bad}");
        }
    }

    #[test]
    fn columns_line_up() {
        let t = align(&[
            ["a".to_string(), "bb".into(), "c".into()],
            ["aaa".to_string(), "b".into(), "".into()],
        ]);
        assert_eq!(t, "a    bb  c\naaa  b\n");
    }
}
