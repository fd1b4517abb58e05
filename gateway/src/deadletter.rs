//! The dead-letter directory as operators see it: `ums deadletter list`
//! and `ums deadletter retry`. The files are what the outbound delivery
//! writes (`<id>.eml`: `X-UMS-Dead-Letter`, `X-UMS-Envelope-From`,
//! `X-UMS-Envelope-To` header lines, then the mail as it was).

use std::path::Path;

use kernel::report::{MailKind, OutgoingMail};
use kernel::store::Store;
use serde::{Deserialize, Serialize};

/// One dead letter.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The file name without `.eml`.
    pub id: String,
    pub path: String,
    /// Seconds since the epoch the file was written.
    pub written: u64,
    pub reason: String,
    pub envelope_from: String,
    pub recipients: Vec<String>,
    pub subject: String,
}

/// The header lines of a mail (unfolded), up to the empty line.
fn headers(data: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(data);
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split("\r\n").flat_map(|l| l.split('\n')) {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

fn addresses(v: &str) -> Vec<String> {
    v.split(',')
        .map(|a| {
            a.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
        .filter(|a| !a.is_empty())
        .collect()
}

fn read(path: &Path) -> Result<(DeadLetter, Vec<u8>), String> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let written = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    let h = headers(&data);
    let get = |name: &str| {
        h.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let letter = DeadLetter {
        id: path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default(),
        path: path.display().to_string(),
        written,
        reason: get("X-UMS-Dead-Letter"),
        envelope_from: get("X-UMS-Envelope-From")
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_string(),
        recipients: addresses(&get("X-UMS-Envelope-To")),
        subject: get("Subject"),
    };
    Ok((letter, data))
}

/// The dead letters in `dir`, oldest first (no directory: none).
pub fn list(dir: &Path) -> Result<Vec<DeadLetter>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "eml") {
            out.push(read(&p)?.0);
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The most of a dead letter's mail [`show`] gives.
pub const SHOW_LIMIT: usize = 512 * 1024;

/// Dead letter `id` (one [`list`] names: nothing else is opened) and its
/// mail as it was, as text (invalid UTF-8 replaced), cut at
/// [`SHOW_LIMIT`] bytes (`true`: it was cut).
pub fn show(dir: &Path, id: &str) -> Result<Option<(DeadLetter, String, bool)>, String> {
    let Some(letter) = list(dir)?.into_iter().find(|l| l.id == id) else {
        return Ok(None);
    };
    let (letter, data) = read(Path::new(&letter.path))?;
    let mail = original(&data);
    let cut = mail.len() > SHOW_LIMIT;
    let text = String::from_utf8_lossy(&mail[..mail.len().min(SHOW_LIMIT)]).into_owned();
    Ok(Some((letter, text, cut)))
}

/// The mail without the three `X-UMS-` lines the dead-letter writer put
/// in front of it.
fn original(data: &[u8]) -> &[u8] {
    let mut rest = data;
    for _ in 0..3 {
        let is_ours = rest.len() > 6 && rest[..6].eq_ignore_ascii_case(b"X-UMS-");
        if !is_ours {
            break;
        }
        match rest.iter().position(|b| *b == b'\n') {
            Some(i) => rest = &rest[i + 1..],
            None => break,
        }
    }
    rest
}

/// Put dead letters back into the outbox (all of them when `ids` is
/// empty); each file is removed once its mail is stored. Returns the ids
/// retried.
pub fn retry(store: &Store, dir: &Path, ids: &[String]) -> Result<Vec<String>, String> {
    let letters = list(dir)?;
    for id in ids {
        if !letters.iter().any(|l| &l.id == id) {
            return Err(format!("no dead letter {id} in {}", dir.display()));
        }
    }
    let mut done = Vec::new();
    for l in letters {
        if !ids.is_empty() && !ids.contains(&l.id) {
            continue;
        }
        let (l, data) = read(Path::new(&l.path))?;
        if l.recipients.is_empty() {
            return Err(format!("{}: no X-UMS-Envelope-To line", l.path));
        }
        let mail = OutgoingMail {
            envelope_from: l.envelope_from.clone(),
            recipients: l.recipients.clone(),
            data: original(&data).to_vec(),
            kind: MailKind::ErrorNotice,
        };
        store.enqueue_mail(&mail).map_err(|e| e.to_string())?;
        std::fs::remove_file(&l.path).map_err(|e| format!("{}: {e}", l.path))?;
        done.push(l.id);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_original_mail_comes_back_without_our_lines() {
        let file = b"X-UMS-Dead-Letter: 550 no\r\nX-UMS-Envelope-From: <>\r\nX-UMS-Envelope-To: <a@b>, <c@d>\r\nSubject: hi\r\n\r\nbody";
        assert_eq!(original(file), b"Subject: hi\r\n\r\nbody");
        let h = headers(file);
        assert_eq!(addresses(&h[2].1), vec!["a@b", "c@d"]);
    }
}
