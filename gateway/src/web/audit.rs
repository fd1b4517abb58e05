//! The audit log: who viewed, downloaded, sent, resent, cancelled or
//! deleted what, when, from which address. Append-only: entries are keyed
//! by a counter of the store's database and nothing here removes one.

use kernel::message::Timestamp;
use kernel::store::{Store, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Timestamp,
    /// The user id (or `token:<id>` behind an API token's user).
    pub user: String,
    /// `view`, `download`, `send`, `resend`, `cancel`, `delete`, `login`,
    /// `login-failed`, `token-created`, `token-revoked`.
    pub action: String,
    /// The message (or token) it was about.
    pub object: Option<String>,
    /// The client's address.
    pub from: Option<String>,
}

#[derive(Clone)]
pub struct Audit {
    store: Store,
    tree: sled::Tree,
}

impl Audit {
    pub fn open(store: &Store) -> Result<Audit, StoreError> {
        Ok(Audit {
            store: store.clone(),
            tree: store.side_tree("web-audit")?,
        })
    }

    /// Append an entry (durable before this returns).
    pub fn log(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let id = self.tree.generate_id_compat()?;
        let v = serde_json::to_vec(entry).expect("serialises");
        self.tree.insert(id.to_be_bytes(), v)?;
        self.store.commit()
    }

    /// The newest `n` entries, newest first.
    pub fn newest(&self, n: usize) -> Vec<AuditEntry> {
        (self.tree.iter().rev().flatten())
            .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
            .take(n)
            .collect()
    }
}

/// sled trees have no counter of their own: the last key plus one (the
/// log is appended to under the tree's own order; two writers racing for
/// the same key are serialised by `compare_and_swap`).
trait NextKey {
    fn generate_id_compat(&self) -> Result<u64, sled::Error>;
}

impl NextKey for sled::Tree {
    fn generate_id_compat(&self) -> Result<u64, sled::Error> {
        loop {
            let next = match self.last()? {
                Some((k, _)) => u64::from_be_bytes(k.as_ref().try_into().unwrap_or([0; 8])) + 1,
                None => 1,
            };
            let won = self
                .compare_and_swap(next.to_be_bytes(), None as Option<&[u8]>, Some(&b"{}"[..]))?
                .is_ok();
            if won {
                return Ok(next);
            }
        }
    }
}
