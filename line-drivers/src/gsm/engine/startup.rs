//! What the end of each command means: the start-up sequence (each answer
//! picks the next command), sends, reads and deletes.

use std::time::Instant;

use super::command::{Cmd, Outcome};
use super::{GsmEngine, GsmEvent, InFlight, Phase};
use crate::gsm::errors::{cme_error, cms_error, is_wrong_pin, Failure};
use crate::gsm::response::{
    self, choose_cnmi_for, fields, is_direct, signal_dbm, value, Registration,
};

impl GsmEngine {
    /// A command ended with `outcome`.
    pub(super) fn finish(&mut self, f: InFlight, outcome: Outcome, now: Instant) {
        let first = |name: &str| {
            f.info
                .iter()
                .find_map(|l| value(l, name))
                .map(str::to_string)
        };
        let text = || f.info.first().cloned().unwrap_or_default();
        let ok = outcome == Outcome::Ok;
        let next = |e: &mut GsmEngine, c: Cmd| e.queue.push_front(c);
        match f.cmd {
            Cmd::Probe => {
                if ok {
                    self.start(now);
                } else {
                    self.schedule_probe(now);
                }
            }
            Cmd::Reset if !ok => self.fault("the modem refused ATZ", now),
            Cmd::Reset => next(self, Cmd::EchoOff),
            Cmd::EchoOff => next(self, Cmd::VerboseErrors),
            Cmd::VerboseErrors => next(self, Cmd::Manufacturer),
            Cmd::Manufacturer => {
                self.info.manufacturer = text();
                next(self, Cmd::Model);
            }
            Cmd::Model => {
                self.info.model = text();
                next(self, Cmd::Serial);
            }
            Cmd::Serial => {
                self.info.serial = text();
                next(self, Cmd::PinQuery);
            }
            Cmd::PinQuery => match (first("+CPIN"), outcome) {
                (Some(s), Outcome::Ok) if s.eq_ignore_ascii_case("READY") => {
                    next(self, Cmd::RegReport)
                }
                (Some(s), Outcome::Ok) if s.eq_ignore_ascii_case("SIM PIN") => {
                    match (&self.config.pin, self.pin_entered) {
                        (Some(_), false) => {
                            self.pin_entered = true;
                            next(self, Cmd::PinEnter);
                        }
                        (None, _) => self.go_out_of_service(
                            "the SIM asks for a PIN and none is configured".into(),
                            true,
                            now,
                        ),
                        (Some(_), true) => self.wrong_pin(now),
                    }
                }
                (Some(s), Outcome::Ok) => self.go_out_of_service(
                    format!("the SIM asks for {s}; not entering anything (a person must act)"),
                    true,
                    now,
                ),
                (_, Outcome::Cme(v)) => self.fault(&format!("SIM: {}", cme_error(&v).text), now),
                _ => self.fault("the modem does not say the SIM's state (+CPIN?)", now),
            },
            Cmd::PinEnter => match outcome {
                Outcome::Ok => next(self, Cmd::PinQuery),
                Outcome::Cme(v) if !is_wrong_pin(&v) => {
                    self.fault(&format!("entering the PIN: {}", cme_error(&v).text), now)
                }
                _ => self.wrong_pin(now),
            },
            // Unsolicited registration changes where the modem has them.
            Cmd::RegReport => next(self, Cmd::RegQuery),
            Cmd::RegQuery => {
                self.reg_cs = first("+CREG").and_then(|v| Registration::parse(&v, true));
                next(self, Cmd::EpsRegReport);
            }
            Cmd::EpsRegReport if ok => next(self, Cmd::EpsRegQuery),
            // No LTE: +CREG alone says.
            Cmd::EpsRegReport => self.registered_or_not(now),
            Cmd::EpsRegQuery => {
                self.reg_eps = first("+CEREG").and_then(|v| Registration::parse(&v, true));
                self.registered_or_not(now);
            }
            Cmd::Operator => {
                self.info.operator = first("+COPS").and_then(|v| response::operator(&v));
                next(self, Cmd::OperatorNumeric);
            }
            Cmd::OperatorNumeric => {
                self.info.operator_code = first("+COPS").and_then(|v| response::operator(&v));
                next(self, Cmd::Signal);
            }
            Cmd::Signal => {
                self.info.signal_dbm = first("+CSQ").and_then(|v| signal_dbm(&v));
                // After start-up it is the sweep's refresh: nothing follows.
                if self.phase == Phase::Starting {
                    next(self, Cmd::Smsc);
                }
            }
            Cmd::Smsc => {
                self.info.smsc = first("+CSCA")
                    .and_then(|v| fields(&v).into_iter().next())
                    .filter(|s| !s.is_empty());
                next(self, Cmd::PduMode);
            }
            Cmd::PduMode if !ok => self.go_out_of_service(
                "the modem has no SMS PDU mode (+CMGF=0 refused)".into(),
                true,
                now,
            ),
            Cmd::PduMode if self.config.direct => next(self, Cmd::Service),
            Cmd::PduMode => next(self, Cmd::NmiQuery),
            // Without phase 2+ there is no +CNMA: store-then-read.
            Cmd::Service => {
                self.info.direct = ok;
                next(self, Cmd::NmiQuery);
            }
            Cmd::NmiQuery => {
                let chosen = first("+CNMI").and_then(|v| choose_cnmi_for(&v, self.info.direct));
                if chosen.as_deref().is_some_and(|s| !is_direct(s)) {
                    self.info.direct = false;
                }
                match chosen {
                    Some(s) if ok => next(self, Cmd::NmiSet(s)),
                    _ => {
                        self.info.direct = false;
                        next(self, Cmd::List)
                    }
                }
            }
            Cmd::NmiSet(s) => {
                if ok {
                    self.info.indications = Some(s);
                } else {
                    self.info.direct = false;
                }
                // Set again after an unacknowledged +CMT: nothing follows.
                if self.phase == Phase::Starting {
                    next(self, Cmd::List);
                }
            }
            // A +CNMA the modem no longer expected (+CMS ERROR 340): the
            // network delivers that message again; nothing to do.
            Cmd::Ack => {}
            Cmd::List => {
                if self.phase == Phase::Starting {
                    self.phase = Phase::Ready;
                    self.next_sweep = Some(now + self.config.sweep_interval);
                    self.events.push_back(GsmEvent::Ready(self.info.clone()));
                }
            }
            // An empty index (deleted meanwhile) ends with OK and no PDU.
            Cmd::Read(_) => {}
            Cmd::Delete(i) => {
                if ok {
                    self.handed_up.remove(&i);
                }
            }
            Cmd::Send { id, .. } => {
                let mr = first("+CMGS").and_then(|v| fields(&v).first()?.parse::<u8>().ok());
                let event = match (outcome, mr) {
                    (Outcome::Ok, Some(reference)) => {
                        self.outstanding.insert(reference, id);
                        GsmEvent::Sent { id, reference }
                    }
                    (Outcome::Ok, None) => GsmEvent::SendFailed {
                        id,
                        failure: Failure::temporary("the modem sent no +CMGS reference"),
                    },
                    (Outcome::Cms(v), _) => GsmEvent::SendFailed {
                        id,
                        failure: cms_error(&v),
                    },
                    (Outcome::Cme(v), _) => GsmEvent::SendFailed {
                        id,
                        failure: cme_error(&v),
                    },
                    (Outcome::Error, _) => GsmEvent::SendFailed {
                        id,
                        failure: Failure::temporary("the modem answered ERROR to +CMGS"),
                    },
                };
                self.events.push_back(event);
            }
        }
    }

    /// After `+CREG?` and `+CEREG?`: on to the operator if either is
    /// registered (an LTE modem may be on EPS only), else out of service
    /// until the network is back (an unsolicited `+CREG`/`+CEREG`, or the
    /// next probe).
    fn registered_or_not(&mut self, now: Instant) {
        match self.registration() {
            Some(r) if r.is_registered() => {
                self.info.registration = Some(r);
                self.no_network = false;
                self.queue.push_front(Cmd::Operator);
            }
            r => {
                self.info.registration = r;
                let why = r.map_or("the modem does not say (+CREG?)", Registration::text);
                self.fault(&format!("no network: {why}"), now);
                self.no_network = true;
            }
        }
    }

    fn wrong_pin(&mut self, now: Instant) {
        self.go_out_of_service(
            "the SIM refused the configured PIN; it is not tried again (a second wrong try may lock the SIM): fix the PIN and restart the line".into(),
            true,
            now,
        );
    }
}
