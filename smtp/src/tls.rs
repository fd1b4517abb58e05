//! TLS for STARTTLS (RFC 3207): the certificate and key from the
//! configuration, or a self-signed pair generated on first start and kept
//! in the state directory (so clients that pin it keep working).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: no certificate found (expected PEM 'BEGIN CERTIFICATE')")]
    NoCertificate { path: PathBuf },
    #[error("{path}: no private key found (expected PEM 'BEGIN PRIVATE KEY' or 'BEGIN RSA/EC PRIVATE KEY')")]
    NoKey { path: PathBuf },
    #[error("certificate and key do not fit together: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("generating a self-signed certificate failed: {0}")]
    Generate(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> TlsError + '_ {
    move |source| TlsError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Load a PEM certificate chain and key.
pub fn load(
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    let cert_pem = std::fs::read(cert).map_err(io(cert))?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .collect::<Result<_, _>>()
        .map_err(io(cert))?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate { path: cert.into() });
    }
    let key_pem = std::fs::read(key).map_err(io(key))?;
    let key = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .map_err(io(key))?
        .ok_or_else(|| TlsError::NoKey { path: key.into() })?;
    Ok((certs, key))
}

/// The self-signed pair in `dir` (`tls-cert.pem`, `tls-key.pem`), made on
/// first use for `hostname`.
pub fn self_signed(dir: &Path, hostname: &str) -> Result<(PathBuf, PathBuf), TlsError> {
    let cert = dir.join("tls-cert.pem");
    let key = dir.join("tls-key.pem");
    if cert.is_file() && key.is_file() {
        return Ok((cert, key));
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let generated =
        rcgen::generate_simple_self_signed(vec![hostname.to_string(), "localhost".to_string()])
            .map_err(|e| TlsError::Generate(e.to_string()))?;
    write_private(&key, generated.signing_key.serialize_pem().as_bytes())?;
    write_private(&cert, generated.cert.pem().as_bytes())?;
    Ok((cert, key))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    kernel::durable::write_private(path, bytes).map_err(io(path))
}

/// A rustls server configuration for the given pair.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let (certs, key) = load(cert, key)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    Ok(Arc::new(config))
}
