//! The runner's incoming faxes: a call to a fax number is answered by a
//! receiving [`FaxCall`]; when it ends, what arrived (complete pages, and
//! the readable part of a page cut off by a dropped call) is kept under the
//! message's id, made durable, and stored as a routed incoming message.

use std::path::PathBuf;
use std::time::Instant;

use fax_t30::FaxOptions;
use line_drivers::{CallEnd, CallId, FaxCall, FaxCallEvent, FaxRole, MediaKind};

use super::incoming::{incoming_message, Arrival};
use super::{file_safe, CallState, InboundConfig, Runner, Slot};
use crate::message::{Service, Timestamp};
use crate::store::StoreError;

/// A fax coming in on a line.
pub(super) struct Receiving {
    pub fax: FaxCall,
    pub caller: Option<String>,
    pub called: String,
    pub started: Timestamp,
    pub progress: super::progress::CallProgress,
}

/// A receiver's options: our CSI.
pub(super) fn receive_options(cfg: &InboundConfig) -> FaxOptions {
    FaxOptions {
        calling_party: false,
        ident: cfg.ident.clone(),
        ..FaxOptions::default()
    }
}

/// Where a call's fax is received until the message has its id.
pub(super) fn receive_file(cfg: &InboundConfig, line: &str, call: CallId) -> PathBuf {
    cfg.spool
        .join(format!("rx-{}-{}.tif", file_safe(line), call.0))
}

/// Remove what receptions cut short by a stop left in `spool`
/// (`rx-<line>-<call>.tif` and its `.partN.tif` files): a fax that
/// arrived whole was renamed to `<id>.tif` before its record was stored,
/// and the caller of one cut short sends it again. Run at start, before
/// any call. Returns how many files went.
pub(super) fn remove_cut_receptions(spool: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(spool) else {
        return 0;
    };
    let cut = entries.filter_map(Result::ok).filter(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name.starts_with("rx-") && name.ends_with(".tif")
    });
    cut.filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

/// Answer `call` as a fax receiver. `None`: it could not be answered (the
/// call is refused).
#[allow(clippy::too_many_arguments)]
pub(super) fn answer(
    cfg: &InboundConfig,
    slot: &mut Slot,
    call: CallId,
    caller: Option<String>,
    called: String,
    media: MediaKind,
    media_now: Instant,
    now: Timestamp,
) -> Option<Receiving> {
    let file = receive_file(cfg, &slot.line.id().0, call);
    let role = FaxRole::Receive { file };
    let fax = FaxCall::answer(
        slot.line.as_mut(),
        call,
        media,
        role,
        receive_options(cfg),
        media_now,
    );
    match fax {
        Ok(fax) => Some(Receiving {
            fax,
            caller,
            called,
            started: now,
            progress: Default::default(),
        }),
        Err(e) => {
            eprintln!(
                "<3>ums: a fax call on {} could not be answered: {e}",
                slot.line.id()
            );
            None
        }
    }
}

impl Runner {
    /// Drive an incoming fax; when it ends, store it as a routed message.
    pub(super) fn tick_receiving(&mut self, i: usize, now: Timestamp) -> Result<(), StoreError> {
        let CallState::Receiving(r) = &mut self.slots[i].state else {
            return Ok(());
        };
        let mut end = None;
        while let Some(ev) = r.fax.poll_event() {
            r.progress.handle(&ev);
            if let FaxCallEvent::Ended(e) = ev {
                end = Some(e);
            }
        }
        let Some(end) = end else {
            return Ok(());
        };
        let CallState::Receiving(r) = std::mem::replace(&mut self.slots[i].state, CallState::Idle)
        else {
            return Ok(());
        };
        let line = self.slots[i].line.id().0.clone();
        let Some(cfg) = self.inbound.as_ref() else {
            return Ok(());
        };
        let id = self.store.next_id()?;
        let arrival = Arrival {
            service: Service::Fax,
            caller: r.caller.as_deref(),
            called: &r.called,
            line: &line,
            started: r.started,
        };
        let mut m = incoming_message(cfg, id, &arrival, now);
        m.local_station_id = Some(cfg.ident.clone());
        m.duration_secs = r.started.secs_until(now) as u32;
        let received = match end {
            CallEnd::Fax(outcome) => {
                m.pages = outcome.pages_confirmed;
                m.pages_sent = outcome.pages_confirmed;
                m.transmit_speed = outcome.bit_rate;
                m.remote_station_id = outcome.remote_ident.clone();
                if !outcome.success {
                    m.status_reason = Some(outcome.summary());
                }
                outcome.file.clone()
            }
            CallEnd::NotConnected(cause) => {
                m.status_reason = Some(cause.text().to_string());
                None
            }
            CallEnd::Failed(e) => {
                m.status_reason = Some(e);
                None
            }
        };
        // Keep what arrived under the message's id, on disk (file and
        // directory) before the record that names it.
        if let Some(file) = received {
            let kept = cfg.spool.join(format!("{id}.tif"));
            self.store.failpoint("before:received-document");
            match crate::durable::rename(&file, &kept) {
                Ok(()) => m.document = Some(kept.display().to_string()),
                Err(e) => {
                    eprintln!("<3>ums: received fax {id}: {e}");
                    let why = format!("the received pages could not be kept: {e}");
                    m.status_reason = Some(match m.status_reason.take() {
                        Some(r) => format!("{r} {why}"),
                        None => why,
                    });
                }
            }
            self.store.failpoint("after:received-document");
        }
        self.store_incoming(m)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crash mid-reception left its files in the spool for good.
    #[test]
    fn receptions_cut_short_are_removed_and_kept_faxes_stay() {
        let dir = std::env::temp_dir().join(format!("ums-cut-rx-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for name in [
            "rx-loop_100-3.tif",
            "rx-sip_t_1-7.part1.tif",
            "00000042.tif",
        ] {
            std::fs::write(dir.join(name), b"II*\0").unwrap();
        }
        assert_eq!(remove_cut_receptions(&dir), 2);
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(left, ["00000042.tif"]);
        assert_eq!(remove_cut_receptions(&dir.join("missing")), 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
