//! Concatenated SMS put back together (3GPP TS 23.040 §9.2.3.24.1): parts
//! are kept by sender, reference and count until all have come; after a
//! time-out the parts that came are handed up with a note of what is
//! missing. Every part's SIM index goes with the message, so the caller
//! deletes the parts from the SIM only once the whole is stored.
//! Sans-IO: time is an argument.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use super::address::{Address, Timestamp};
use super::pdu::Deliver;

/// The most messages waiting for parts at once; beyond it the oldest is
/// handed up as it is (a sender cannot make us hold parts without end).
pub const MAX_PENDING: usize = 64;

/// A message ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reassembled {
    /// The sender.
    pub from: Address,
    /// When the service centre took the first part that came.
    pub sent: Timestamp,
    /// The parts' texts, in order.
    pub text: String,
    /// The SIM indexes of every part (to delete once stored).
    pub indexes: Vec<u32>,
    /// Part numbers that never came (empty when whole).
    pub missing: Vec<u8>,
    /// How many parts the message has.
    pub total: u8,
    /// The concatenation reference the parts shared (`None`: one SMS).
    pub reference: Option<u16>,
    /// Some part came straight (`+CMT`): the last one waits for `+CNMA`.
    pub direct: bool,
    /// Each part's [`part_key`] (empty for one SMS).
    pub part_keys: Vec<String>,
}

fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn stamp(t: &Timestamp) -> String {
    format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}{:+}",
        t.year, t.month, t.day, t.hour, t.minute, t.second, t.tz_quarters
    )
}

/// What names one part of a concatenated SMS across restarts (its SMSC
/// time stamp, originator, reference, place and a digest of its text):
/// a part the network delivers again after its message was stored (its
/// `+CNMA` never came) is recognised and dropped. `None` for one SMS.
pub fn part_key(d: &Deliver) -> Option<String> {
    let c = d.user_data.concat.filter(|c| c.total > 1)?;
    Some(format!(
        "part1|{}|{}|{}|{}/{}|{:016x}",
        d.from.to_text(),
        stamp(&d.sent),
        c.reference,
        c.seq,
        c.total,
        fnv(&d.user_data.text)
    ))
}

impl Reassembled {
    /// What names this message across restarts, so that one read again
    /// from the SIM (a crash after it was stored, before `+CMGD`) is not
    /// stored twice: the SMSC time stamp, the originator, the
    /// concatenation reference, the parts and a digest (FNV-1a, 64 bits)
    /// of the text. The same text from the same sender within the same
    /// second of the SMSC's clock counts as the same message.
    pub fn dedupe_key(&self) -> String {
        let missing: Vec<String> = self.missing.iter().map(u8::to_string).collect();
        format!(
            "sms1|{}|{}|{}|{}|{}|{:016x}",
            self.from.to_text(),
            stamp(&self.sent),
            self.reference.map_or("-".into(), |r| r.to_string()),
            self.total,
            missing.join(","),
            fnv(&self.text),
        )
    }

    /// The text with a note of the missing parts, if any.
    pub fn text_with_note(&self) -> String {
        if self.missing.is_empty() {
            return self.text.clone();
        }
        let list: Vec<String> = self.missing.iter().map(u8::to_string).collect();
        format!(
            "{}\n\n[incomplete: part {} of {} did not arrive]",
            self.text,
            list.join(", "),
            self.total
        )
    }
}

type Key = (String, u16, u8);

#[derive(Debug)]
struct Pending {
    since: Instant,
    direct: bool,
    parts: BTreeMap<u8, Deliver>,
    indexes: Vec<u32>,
}

/// See the module docs.
#[derive(Debug)]
pub struct Reassembly {
    timeout: Duration,
    pending: HashMap<Key, Pending>,
}

impl Reassembly {
    /// Parts wait at most `timeout` for the others.
    pub fn new(timeout: Duration) -> Reassembly {
        Reassembly {
            timeout,
            pending: HashMap::new(),
        }
    }

    /// Messages waiting for parts.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// A message or part arrived (`index`: its place on the SIM). A whole
    /// message comes back at once; a part once all have come, or when
    /// [`MAX_PENDING`] pushes the oldest out.
    pub fn push(&mut self, index: Option<u32>, message: Deliver, now: Instant) -> Vec<Reassembled> {
        let Some(c) = message.user_data.concat.filter(|c| c.total > 1) else {
            return vec![Reassembled {
                from: message.from,
                sent: message.sent,
                text: message.user_data.text,
                indexes: index.into_iter().collect(),
                missing: Vec::new(),
                total: 1,
                reference: None,
                direct: index.is_none(),
                part_keys: Vec::new(),
            }];
        };
        let key = (message.from.to_text(), c.reference, c.total);
        let mut out = Vec::new();
        if !self.pending.contains_key(&key) && self.pending.len() >= MAX_PENDING {
            if let Some(oldest) = self.oldest() {
                out.extend(self.take(&oldest));
            }
        }
        let p = self.pending.entry(key.clone()).or_insert_with(|| Pending {
            since: now,
            direct: false,
            parts: BTreeMap::new(),
            indexes: Vec::new(),
        });
        p.direct |= index.is_none();
        // A part twice (read again, or sent twice): one text, both deleted.
        p.parts.entry(c.seq).or_insert(message);
        p.indexes.extend(index);
        if p.parts.len() == usize::from(c.total) {
            out.extend(self.take(&key));
        }
        out
    }

    /// Messages whose parts waited longer than the time-out, with what came.
    pub fn poll_expired(&mut self, now: Instant) -> Vec<Reassembled> {
        let due: Vec<Key> = (self.pending.iter())
            .filter(|(_, p)| now >= p.since + self.timeout)
            .map(|(k, _)| k.clone())
            .collect();
        due.iter().filter_map(|k| self.take(k)).collect()
    }

    /// When the next message times out.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending.values().map(|p| p.since + self.timeout).min()
    }

    fn oldest(&self) -> Option<Key> {
        (self.pending.iter())
            .min_by_key(|(_, p)| p.since)
            .map(|(k, _)| k.clone())
    }

    fn take(&mut self, key: &Key) -> Option<Reassembled> {
        let p = self.pending.remove(key)?;
        let total = key.2;
        let first = p.parts.values().next()?;
        let (from, sent) = (first.from.clone(), first.sent);
        let missing = (1..=total).filter(|s| !p.parts.contains_key(s)).collect();
        let part_keys = p.parts.values().filter_map(part_key).collect();
        let text = p.parts.into_values().map(|d| d.user_data.text).collect();
        Some(Reassembled {
            from,
            sent,
            text,
            indexes: p.indexes,
            missing,
            total,
            reference: Some(key.1),
            direct: p.direct,
            part_keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gsm::{split, Reference};

    fn parts(text: &str, from: &str) -> Vec<Deliver> {
        split(text, Reference::Short(9), 9)
            .unwrap()
            .into_iter()
            .map(|user_data| Deliver {
                from: Address::number(from).unwrap(),
                sent: Timestamp {
                    year: 26,
                    month: 12,
                    day: 7,
                    hour: 15,
                    minute: 0,
                    second: 0,
                    tz_quarters: 4,
                },
                status_report: false,
                more_to_send: false,
                user_data,
            })
            .collect()
    }

    #[test]
    fn parts_in_any_order_make_the_whole() {
        let now = test_kit::origin();
        let text: String = "abcdefghij".chars().cycle().take(400).collect();
        let mut r = Reassembly::new(Duration::from_secs(60));
        let mut p = parts(&text, "+4930123");
        assert_eq!(p.len(), 3);
        let third = p.pop().unwrap();
        assert!(r.push(Some(7), third, now).is_empty());
        // Another sender's message with the same reference is another message.
        let other = parts(&text, "+4930999").remove(0);
        assert!(r.push(Some(9), other, now).is_empty());
        assert!(r.push(Some(3), p[1].clone(), now).is_empty());
        assert!(
            r.push(Some(3), p[1].clone(), now).is_empty(),
            "a part twice"
        );
        let done = r.push(Some(5), p[0].clone(), now);
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].text, text);
        assert_eq!(done[0].indexes, [7, 3, 3, 5]);
        assert!(done[0].missing.is_empty());
        assert_eq!(done[0].text_with_note(), text);
        assert_eq!(r.pending(), 1);
    }

    #[test]
    fn parts_that_wait_too_long_come_with_a_note() {
        let now = test_kit::origin();
        let text: String = "xyz".chars().cycle().take(400).collect();
        let mut r = Reassembly::new(Duration::from_secs(60));
        let p = parts(&text, "+4930123");
        r.push(Some(1), p[0].clone(), now);
        r.push(Some(2), p[2].clone(), now);
        assert_eq!(r.poll_timeout(), Some(now + Duration::from_secs(60)));
        assert!(r.poll_expired(now + Duration::from_secs(59)).is_empty());
        let late = r.poll_expired(now + Duration::from_secs(60));
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].missing, [2]);
        assert_eq!(late[0].indexes, [1, 2]);
        assert!(late[0]
            .text_with_note()
            .ends_with("[incomplete: part 2 of 3 did not arrive]"));
        assert_eq!(r.pending(), 0);
    }

    #[test]
    fn a_single_message_comes_at_once_and_pending_is_bounded() {
        let now = test_kit::origin();
        let mut r = Reassembly::new(Duration::from_secs(60));
        let one = parts("hi", "+4930123").remove(0);
        assert_eq!(r.push(Some(4), one, now)[0].text, "hi");
        let text: String = "q".repeat(200);
        let mut out = Vec::new();
        for i in 0..=MAX_PENDING {
            let first = parts(&text, &format!("+49301{i:03}")).remove(0);
            out.extend(r.push(Some(i as u32), first, now + Duration::from_millis(i as u64)));
        }
        assert_eq!(r.pending(), MAX_PENDING);
        assert_eq!(out.len(), 1, "the oldest pushed out");
        assert_eq!(out[0].from.to_text(), "+49301000");
    }

    #[test]
    fn the_dedupe_key_names_one_message() {
        let now = test_kit::origin();
        let key = |text: &str, from: &str| {
            let mut r = Reassembly::new(Duration::from_secs(60));
            let mut out = Vec::new();
            for p in parts(text, from) {
                out.extend(r.push(None, p, now));
            }
            out.remove(0).dedupe_key()
        };
        let long: String = "abc".chars().cycle().take(300).collect();
        assert_eq!(key("hi", "+4930123"), key("hi", "+4930123"), "read again");
        assert_eq!(
            key("hi", "+4930123"),
            "sms1|+4930123|261207150000+4|-|1||08ba5f07b55ec3da"
        );
        assert_ne!(key("hi", "+4930123"), key("ho", "+4930123"));
        assert_ne!(key("hi", "+4930123"), key("hi", "+4930124"));
        assert_eq!(key(&long, "+4930123"), key(&long, "+4930123"));
        assert!(key(&long, "+4930123").contains("|9|2||"));
    }
}
