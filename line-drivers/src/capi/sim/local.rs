//! The simulator in process, shared by the lines of one test on one
//! thread (`Rc<RefCell>`, as the loopback exchange's lines share it): each
//! [`SimTransport`] is an application's connection, registered at once.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::rc::Rc;

use super::{ConnId, SimConfig, SimStats, Simulator};
use crate::capi::msg::Message;
use crate::capi::rcapi::Frame;
use crate::capi::transport::CapiTransport;

struct Hub {
    sim: Simulator,
    inboxes: BTreeMap<ConnId, VecDeque<(Message, Vec<u8>)>>,
    next_conn: ConnId,
}

impl Hub {
    fn route(&mut self) {
        while let Some((conn, frame)) = self.sim.poll_transmit() {
            if let (Some(inbox), Frame::Capi { message, data }) =
                (self.inboxes.get_mut(&conn), frame)
            {
                inbox.push_back((message, data));
            }
        }
    }
}

/// A simulator shared by in-process transports.
#[derive(Clone)]
pub struct SharedSim(Rc<RefCell<Hub>>);

impl SharedSim {
    /// A controller with these settings.
    pub fn new(config: SimConfig) -> Self {
        SharedSim(Rc::new(RefCell::new(Hub {
            sim: Simulator::new(config),
            inboxes: BTreeMap::new(),
            next_conn: 1,
        })))
    }

    /// A new application's connection, registered with at most 7 blocks
    /// outstanding.
    pub fn connect(&self) -> SimTransport {
        let mut hub = self.0.borrow_mut();
        let conn = hub.next_conn;
        hub.next_conn += 1;
        hub.inboxes.insert(conn, VecDeque::new());
        hub.sim.handle_frame(
            conn,
            Frame::RegisterReq {
                buffer_size: 2048,
                max_logical: 2,
                max_b_blocks: 7,
                max_b_len: 2048,
                version: 2,
            },
        );
        // The register confirmation is not a CAPI message: dropped.
        while hub.sim.poll_transmit().is_some() {}
        SimTransport {
            hub: self.clone(),
            conn,
        }
    }

    /// The simulator's counters.
    pub fn stats(&self) -> SimStats {
        self.0.borrow().sim.stats().clone()
    }

    /// B-channels in use.
    pub fn channels_in_use(&self) -> usize {
        self.0.borrow().sim.channels_in_use()
    }
}

/// One application's connection to a [`SharedSim`].
pub struct SimTransport {
    hub: SharedSim,
    conn: ConnId,
}

impl CapiTransport for SimTransport {
    fn send(&mut self, message: Message, data: Vec<u8>) -> io::Result<()> {
        let mut hub = self.hub.0.borrow_mut();
        hub.sim
            .handle_frame(self.conn, Frame::Capi { message, data });
        hub.route();
        Ok(())
    }

    fn receive(&mut self, into: &mut Vec<(Message, Vec<u8>)>) -> io::Result<()> {
        let mut hub = self.hub.0.borrow_mut();
        hub.route();
        if let Some(inbox) = hub.inboxes.get_mut(&self.conn) {
            into.extend(inbox.drain(..));
        }
        Ok(())
    }
}

impl Drop for SimTransport {
    fn drop(&mut self) {
        if let Ok(mut hub) = self.hub.0.try_borrow_mut() {
            hub.inboxes.remove(&self.conn);
            hub.sim.handle_close(self.conn);
            hub.route();
        }
    }
}
