//! Who is asking: passwords (argon2, in the store), sessions (in the
//! store, so they survive a restart), CSRF tokens, the lockout after wrong
//! passwords, and API tokens with scopes.
//!
//! State lives in side trees of the kernel's sled database:
//! `side-web-passwords` (user id → PHC string), `side-web-sessions`
//! (SHA-256 of the session id → [`Session`]), `side-web-tokens` (token id →
//! [`ApiToken`], the secret only as its SHA-256), `side-web-lockout` (user
//! id → [`Lockout`]), `side-web-secret` (the key of the CSRF HMAC).
//!
//! The seam for other ways to log in (a trusted reverse-proxy header, an
//! LDAP bind) is [`Authenticator`]: the web layer only asks it whether a
//! user id and a password belong together.

use hmac::{Hmac, Mac};
use kernel::message::Timestamp;
use kernel::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Checks a password for a user id. [`Accounts`] checks the argon2 hash in
/// the store; an LDAP bind or a proxy header would be another.
pub trait Authenticator: Send + Sync {
    fn verify(&self, user: &str, password: &str) -> Result<bool, StoreError>;
}

/// Wrong passwords in a row before the lockout starts.
pub const FREE_FAILURES: u32 = 3;
/// The first lockout; it doubles with every further wrong password.
pub const FIRST_LOCKOUT_SECS: u64 = 2;
/// The longest lockout.
pub const MAX_LOCKOUT_SECS: u64 = 15 * 60;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Lockout {
    pub failures: u32,
    pub until: Timestamp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub user: String,
    pub expires: Timestamp,
}

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// List and read messages, pages, documents, lines, dead letters.
    Read,
    /// Send and resend.
    Send,
    /// Cancel and delete.
    Manage,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        match s.trim() {
            "read" => Some(Scope::Read),
            "send" => Some(Scope::Send),
            "manage" => Some(Scope::Manage),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: String,
    pub user: String,
    pub name: String,
    /// SHA-256 of the secret part, hex.
    pub hash: String,
    pub scopes: Vec<Scope>,
    pub created: Timestamp,
    pub expires: Option<Timestamp>,
    pub last_used: Option<Timestamp>,
    pub revoked: bool,
}

/// Why a login did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    /// Wrong user or password (the two are not told apart).
    Wrong,
    /// Too many wrong passwords: try again at this time.
    Locked(Timestamp),
}

/// The accounts' trees.
#[derive(Clone)]
pub struct Accounts {
    store: Store,
    passwords: sled::Tree,
    sessions: sled::Tree,
    tokens: sled::Tree,
    lockout: sled::Tree,
    secret: [u8; 32],
    params: argon2::Params,
}

/// 32 random bytes from the OS.
pub fn random_bytes() -> [u8; 32] {
    let mut b = [0u8; 32];
    getrandom::getrandom(&mut b).expect("the OS has randomness");
    b
}

/// A new password people can type: 20 letters and digits (~119 bits).
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    random_bytes()[..20]
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

fn json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("serialises")
}

fn decode<T: for<'de> Deserialize<'de>>(v: &[u8]) -> Option<T> {
    serde_json::from_slice(v).ok()
}

/// Constant-time comparison of two byte strings.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Accounts {
    /// The accounts in `store`, argon2 with its recommended cost.
    pub fn open(store: &Store) -> Result<Accounts, StoreError> {
        Accounts::with_params(store, argon2::Params::default())
    }

    /// With an own argon2 cost (tests use a cheap one).
    pub fn with_params(store: &Store, params: argon2::Params) -> Result<Accounts, StoreError> {
        let secret_tree = store.side_tree("web-secret")?;
        let secret = match secret_tree.get("csrf")? {
            Some(v) if v.len() == 32 => v.as_ref().try_into().expect("32 bytes"),
            _ => {
                let s = random_bytes();
                secret_tree.insert("csrf", &s[..])?;
                store.commit()?;
                s
            }
        };
        Ok(Accounts {
            store: store.clone(),
            passwords: store.side_tree("web-passwords")?,
            sessions: store.side_tree("web-sessions")?,
            tokens: store.side_tree("web-tokens")?,
            lockout: store.side_tree("web-lockout")?,
            secret,
            params,
        })
    }

    fn argon2(&self) -> argon2::Argon2<'static> {
        argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            self.params.clone(),
        )
    }

    /// Set `user`'s password (stored as an argon2id PHC string).
    pub fn set_password(&self, user: &str, password: &str) -> Result<(), StoreError> {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::encode_b64(&random_bytes()[..16]).expect("16 bytes is a salt");
        let phc = self
            .argon2()
            .hash_password(password.as_bytes(), &salt)
            .expect("argon2 with valid parameters")
            .to_string();
        self.passwords.insert(user, phc.as_bytes())?;
        self.lockout.remove(user)?;
        self.store.commit()
    }

    pub fn has_password(&self, user: &str) -> Result<bool, StoreError> {
        Ok(self.passwords.contains_key(user)?)
    }

    /// A login attempt at `now`: the password is not even checked while
    /// the user is locked out. Every wrong password past
    /// [`FREE_FAILURES`] locks the user out for twice as long as the last.
    pub fn login(&self, user: &str, password: &str, now: Timestamp) -> Result<(), LoginError> {
        self.login_with(self, user, password, now)
    }

    /// [`Accounts::login`] with another way to check the password (the
    /// lockout stays ours).
    pub fn login_with(
        &self,
        auth: &dyn Authenticator,
        user: &str,
        password: &str,
        now: Timestamp,
    ) -> Result<(), LoginError> {
        let mut lock: Lockout = (self.lockout.get(user).ok().flatten())
            .and_then(|v| decode(&v))
            .unwrap_or_default();
        if lock.until > now {
            return Err(LoginError::Locked(lock.until));
        }
        if auth.verify(user, password).unwrap_or(false) {
            if lock.failures > 0 {
                let _ = self.lockout.remove(user);
                let _ = self.store.commit();
            }
            return Ok(());
        }
        lock.failures += 1;
        if lock.failures >= FREE_FAILURES {
            let doublings = (lock.failures - FREE_FAILURES).min(20);
            let secs = (FIRST_LOCKOUT_SECS << doublings).min(MAX_LOCKOUT_SECS);
            lock.until = now.plus_secs(secs);
        }
        let _ = self.lockout.insert(user, json(&lock));
        let _ = self.store.commit();
        Err(if lock.until > now {
            LoginError::Locked(lock.until)
        } else {
            LoginError::Wrong
        })
    }

    /// A new session for `user`: its id (the cookie's value).
    pub fn new_session(
        &self,
        user: &str,
        now: Timestamp,
        lifetime_secs: u64,
    ) -> Result<String, StoreError> {
        self.sweep_sessions(now);
        let sid = hex(&random_bytes());
        let s = Session {
            user: user.to_string(),
            expires: now.plus_secs(lifetime_secs),
        };
        self.sessions.insert(sha256_hex(&sid), json(&s))?;
        self.store.commit()?;
        Ok(sid)
    }

    /// Forget expired sessions (at each login: the tree holds only live
    /// ones and those of the last lifetime).
    fn sweep_sessions(&self, now: Timestamp) {
        let expired: Vec<sled::IVec> = (self.sessions.iter().flatten())
            .filter(|(_, v)| decode::<Session>(v).is_none_or(|s| s.expires <= now))
            .map(|(k, _)| k)
            .collect();
        for k in expired {
            let _ = self.sessions.remove(k);
        }
    }

    /// The number of stored sessions and lockout records (tests).
    pub fn stored(&self) -> (usize, usize) {
        (self.sessions.len(), self.lockout.len())
    }

    /// The session behind a cookie value, if it exists and has not expired.
    pub fn session(&self, sid: &str, now: Timestamp) -> Option<Session> {
        let key = sha256_hex(sid);
        let s: Session = decode(&self.sessions.get(&key).ok()??)?;
        if s.expires <= now {
            let _ = self.sessions.remove(&key);
            return None;
        }
        Some(s)
    }

    pub fn end_session(&self, sid: &str) {
        let _ = self.sessions.remove(sha256_hex(sid));
        let _ = self.store.commit();
    }

    /// The CSRF token of a session: an HMAC of its id, so nothing more is
    /// stored and it cannot be made without the session cookie.
    pub fn csrf(&self, sid: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("any key length");
        mac.update(b"csrf:");
        mac.update(sid.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    pub fn csrf_ok(&self, sid: &str, token: &str) -> bool {
        same(self.csrf(sid).as_bytes(), token.as_bytes())
    }

    /// A new API token; the returned string is shown once and never again
    /// (`ums_<id>_<secret>`; only the secret's SHA-256 is kept).
    pub fn create_token(
        &self,
        user: &str,
        name: &str,
        scopes: Vec<Scope>,
        expires: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(ApiToken, String), StoreError> {
        let id = hex(&random_bytes()[..8]);
        let secret = hex(&random_bytes());
        let t = ApiToken {
            id: id.clone(),
            user: user.to_string(),
            name: name.to_string(),
            hash: sha256_hex(&secret),
            scopes,
            created: now,
            expires,
            last_used: None,
            revoked: false,
        };
        self.tokens.insert(&id, json(&t))?;
        self.store.commit()?;
        Ok((t, format!("ums_{id}_{secret}")))
    }

    /// The token behind a bearer string, if it is valid at `now` (not
    /// revoked, not expired); notes its last use.
    pub fn check_token(&self, bearer: &str, now: Timestamp) -> Option<ApiToken> {
        let rest = bearer.strip_prefix("ums_")?;
        let (id, secret) = rest.split_once('_')?;
        let mut t: ApiToken = decode(&self.tokens.get(id).ok()??)?;
        if !same(t.hash.as_bytes(), sha256_hex(secret).as_bytes()) {
            return None;
        }
        if t.revoked || t.expires.is_some_and(|e| e <= now) {
            return None;
        }
        t.last_used = Some(now);
        let _ = self.tokens.insert(id, json(&t));
        Some(t)
    }

    /// The tokens of `user` (all users' with `None`).
    pub fn tokens(&self, user: Option<&str>) -> Vec<ApiToken> {
        (self.tokens.iter().flatten())
            .filter_map(|(_, v)| decode::<ApiToken>(&v))
            .filter(|t| user.is_none_or(|u| t.user == u))
            .collect()
    }

    /// Revoke token `id` if `user` owns it (or `user` is `None`: an admin).
    pub fn revoke(&self, id: &str, user: Option<&str>) -> Result<bool, StoreError> {
        let Some(v) = self.tokens.get(id)? else {
            return Ok(false);
        };
        let Some(mut t) = decode::<ApiToken>(&v) else {
            return Ok(false);
        };
        if user.is_some_and(|u| t.user != u) {
            return Ok(false);
        }
        t.revoked = true;
        self.tokens.insert(id, json(&t))?;
        self.store.commit()?;
        Ok(true)
    }
}

impl Authenticator for Accounts {
    fn verify(&self, user: &str, password: &str) -> Result<bool, StoreError> {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        let Some(phc) = self.passwords.get(user)? else {
            // As much work as a real check, so timing does not say which
            // user ids exist.
            let _ = self.argon2().hash_password_into(
                password.as_bytes(),
                b"no-such-user-salt",
                &mut [0u8; 32],
            );
            return Ok(false);
        };
        let phc = String::from_utf8_lossy(&phc).into_owned();
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return Ok(false);
        };
        Ok(self
            .argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    }
}
