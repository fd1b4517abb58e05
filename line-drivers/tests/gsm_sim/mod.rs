//! A GSM network in the tests (issue 15): simulated modems ([`SimModem`],
//! the DCE side of 3GPP TS 27.005/27.007) and an SMSC that carries
//! SMS-SUBMITs between them after a delay, sends status reports back, and
//! keeps trying while a recipient's SIM is full. Sans-IO like the engines:
//! octets in and out per modem, time passed in; [`Network::on_ptys`] puts
//! it on ptys for DTE software we did not write (gammu).
#![allow(dead_code)] // each test file uses part of it

pub mod modem;
pub mod pty;

use std::time::{Duration, Instant};

use line_drivers::gsm::{Address, Deliver, StatusReport, Submit};
pub use modem::{stamp, SimModem};

/// A message on its way.
#[derive(Debug)]
struct Transit {
    at: Instant,
    from: usize,
    mr: u8,
    submit: Submit,
    tries: u32,
}

pub struct Network {
    pub modems: Vec<SimModem>,
    /// How long the SMSC takes to deliver.
    pub delay: Duration,
    /// Status for a recipient no modem has (TP-ST).
    pub unknown_status: u8,
    transit: Vec<Transit>,
    /// Every message delivered: (recipient index, the DELIVER).
    pub delivered: Vec<(usize, Deliver)>,
    /// How long a `+CMT` waits for `+CNMA` before the network gives up on
    /// it (and delivers it again after `delay`); the modem turns its
    /// indications off then (TS 27.005 §3.4.4).
    pub ack_timeout: Duration,
    /// `+CMT`s never acknowledged (each delivered again).
    pub unacknowledged: u32,
    /// Messages from outside (a handset of another network) on their way:
    /// when, to which modem, what.
    inbound: Vec<(Instant, usize, Deliver)>,
}

impl Network {
    pub fn new(numbers: &[&str]) -> Network {
        Network {
            modems: numbers.iter().map(|n| SimModem::new(n)).collect(),
            delay: Duration::from_millis(500),
            unknown_status: 0x43,
            transit: Vec::new(),
            delivered: Vec::new(),
            ack_timeout: Duration::from_secs(3),
            unacknowledged: 0,
            inbound: Vec::new(),
        }
    }

    /// Octets from the DTE of modem `i`.
    pub fn input(&mut self, i: usize, bytes: &[u8], now: Instant) {
        self.modems[i].input(bytes);
        for (mr, submit) in std::mem::take(&mut self.modems[i].submitted) {
            self.transit.push(Transit {
                at: now + self.delay,
                from: i,
                mr,
                submit,
                tries: 0,
            });
        }
    }

    /// Octets for the DTE of modem `i`.
    pub fn output(&mut self, i: usize) -> Vec<u8> {
        self.modems[i].take_output()
    }

    /// A message from outside for modem `i`, delivered at the next tick
    /// (again and again while the SIM is full or a `+CMT` is not
    /// acknowledged).
    pub fn send_to(&mut self, i: usize, d: Deliver, now: Instant) {
        self.inbound.push((now, i, d));
    }

    /// The SMSC's work that is due.
    pub fn tick(&mut self, now: Instant) {
        for i in 0..self.modems.len() {
            let m = &mut self.modems[i];
            if m.awaiting_ack.is_none() {
                m.ack_since = None;
                continue;
            }
            let since = *m.ack_since.get_or_insert(now);
            if now.duration_since(since) >= self.ack_timeout {
                let d = m.awaiting_ack.take().expect("awaiting");
                m.ack_since = None;
                m.cnmi[1] = 0;
                m.cnmi[3] = 0;
                self.unacknowledged += 1;
                self.inbound.push((now + self.delay, i, d));
            }
        }
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.inbound)
            .into_iter()
            .partition(|(at, _, _)| *at <= now);
        self.inbound = later;
        for (_, i, d) in due {
            let m = &mut self.modems[i];
            if !m.silent && m.registered() && m.deliver(&d) {
                self.delivered.push((i, d));
            } else {
                self.inbound.push((now + self.delay, i, d));
            }
        }
        let due: Vec<Transit> = {
            let (due, later) = std::mem::take(&mut self.transit)
                .into_iter()
                .partition(|t| t.at <= now);
            self.transit = later;
            due
        };
        for mut t in due {
            let from = Address::number(&self.modems[t.from].number).expect("sender number");
            let to = t.submit.to.to_text();
            let status = match self.modems.iter().position(|m| m.number == to) {
                None => Some(self.unknown_status),
                Some(r) => {
                    let d = Deliver {
                        from,
                        sent: stamp(),
                        status_report: t.submit.status_report,
                        more_to_send: false,
                        user_data: t.submit.user_data.clone(),
                    };
                    let m = &mut self.modems[r];
                    if !m.silent && m.registered() && m.deliver(&d) {
                        self.delivered.push((r, d));
                        Some(0x00)
                    } else {
                        // SIM full, silent or off the network: try again.
                        t.tries += 1;
                        t.at = now + self.delay;
                        None
                    }
                }
            };
            match status {
                Some(st) if t.submit.status_report => {
                    let r = StatusReport {
                        reference: t.mr,
                        recipient: t.submit.to.clone(),
                        submitted: stamp(),
                        discharged: stamp(),
                        status: st,
                    };
                    self.modems[t.from].report(&r);
                }
                Some(_) => {}
                None => self.transit.push(t),
            }
        }
    }

    /// Messages still on their way.
    pub fn in_transit(&self) -> usize {
        self.transit.len() + self.inbound.len()
    }
}
