//! SIP over TLS (RFC 3261 §26.2, RFC 5630 for `sip:` URIs): the rustls
//! configurations of a trunk. The connections themselves are the TCP
//! transport's ([`super::transport`]) with a `rustls::Connection` between
//! the socket and the stream framer; rustls is sans-IO, so the handshake
//! runs on the line's tick like every other byte.
//!
//! Trust: the system's trust store (`rustls-native-certs`: the
//! distribution's bundle, `/etc/ssl/certs` on Debian, or `SSL_CERT_FILE`)
//! plus an optional CA file of the provider's (or a test's own CA); the
//! Mozilla roots (`webpki-roots`) only when the system has no store. The
//! server name checked is the configured one, else the trunk's next-hop
//! host. Our own certificate is optional: it serves the connections a
//! peer opens to us (without one they are refused) and is shown to a
//! provider that asks for a client certificate. PEM is read with `rustls-pemfile`
//! as `smtp::tls::load` does; that function cannot be called from here
//! (`smtp` depends on `kernel`, which depends on this crate).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

/// TLS settings of a trunk (`transport = "tls"`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SipTlsConfig {
    /// PEM CA certificates trusted besides the Mozilla roots.
    pub ca_file: Option<PathBuf>,
    /// The name the provider's certificate must carry (default: the host
    /// of the trunk's next hop).
    pub server_name: Option<String>,
    /// Our certificate chain (PEM) for connections peers open to us.
    pub cert: Option<PathBuf>,
    /// The private key of `cert` (PEM).
    pub key: Option<PathBuf>,
}

/// The rustls side of a TLS trunk.
pub(crate) struct TlsContext {
    pub client: Arc<rustls::ClientConfig>,
    pub server: Option<Arc<rustls::ServerConfig>>,
    pub server_name: ServerName<'static>,
    /// The server name as text (for log lines).
    pub name: String,
}

/// The system's trust anchors (empty if it has none or they cannot be
/// read; unreadable single certificates are skipped).
fn system_roots() -> Vec<CertificateDer<'static>> {
    rustls_native_certs::load_native_certs().certs
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let pem = read(path)?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{}: no certificate found (expected PEM 'BEGIN CERTIFICATE')",
            path.display()
        ));
    }
    Ok(certs)
}

fn key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let pem = read(path)?;
    rustls_pemfile::private_key(&mut pem.as_slice())
        .map_err(|e| format!("{}: {e}", path.display()))?
        .ok_or_else(|| format!("{}: no private key found", path.display()))
}

impl TlsContext {
    /// Build the configurations; `next_hop_host` names the server when no
    /// `server_name` is set.
    pub fn new(cfg: &SipTlsConfig, next_hop_host: &str) -> Result<TlsContext, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        let (system, _bad) = roots.add_parsable_certificates(system_roots());
        if system == 0 {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        if let Some(ca) = &cfg.ca_file {
            for c in certs(ca)? {
                roots.add(c).map_err(|e| format!("{}: {e}", ca.display()))?;
            }
        }
        let client = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots);
        // Our certificate, shown when the provider asks for one.
        let client = match (&cfg.cert, &cfg.key) {
            (Some(cert), Some(k)) => client
                .with_client_auth_cert(certs(cert)?, key(k)?)
                .map_err(|e| format!("certificate and key do not fit together: {e}"))?,
            _ => client.with_no_client_auth(),
        };
        // The session keys go to the file `SSLKEYLOGFILE` names, if it
        // is set (as curl and browsers do): tshark then reads the SIP.
        let mut client = client;
        client.key_log = Arc::new(rustls::KeyLogFile::new());
        let server = match (&cfg.cert, &cfg.key) {
            (Some(cert), Some(k)) => Some(Arc::new(
                rustls::ServerConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| e.to_string())?
                    .with_no_client_auth()
                    .with_single_cert(certs(cert)?, key(k)?)
                    .map_err(|e| format!("certificate and key do not fit together: {e}"))?,
            )),
            (None, None) => None,
            _ => return Err("a TLS certificate needs its key and the key its certificate".into()),
        };
        let name = cfg.server_name.as_deref().unwrap_or(next_hop_host);
        let server_name = ServerName::try_from(name.to_string())
            .map_err(|_| format!("{name:?} is not a TLS server name"))?;
        Ok(TlsContext {
            client: Arc::new(client),
            server,
            server_name,
            name: name.to_string(),
        })
    }

    /// A client connection to the trunk.
    pub fn connect(&self) -> Option<rustls::Connection> {
        rustls::ClientConnection::new(self.client.clone(), self.server_name.clone())
            .ok()
            .map(rustls::Connection::Client)
    }

    /// A server connection for a peer that connected to us (None without
    /// a certificate of ours).
    pub fn accept(&self) -> Option<rustls::Connection> {
        let server = self.server.clone()?;
        rustls::ServerConnection::new(server)
            .ok()
            .map(rustls::Connection::Server)
    }
}
