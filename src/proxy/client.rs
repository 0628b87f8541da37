//! The pooled HTTP/1.1 + HTTP/2 client used for upstream MCP servers and for
//! fetching JWKS documents.
//!
//! Every pooled connection is driven by a task on the runtime that opened it,
//! so each serving thread gets a client of its own ([`client_with`]): its
//! pooled connections and their tasks then never cross threads.
//!
//! TLS uses rustls with the platform's trust roots, or only the configured CA
//! bundle when one is given (a private PKI should not also trust the world).

use std::path::Path;
use std::time::Duration;

use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;
use rustls::RootCertStore;
use rustls_pki_types::{CertificateDer, pem::PemObject};

use crate::body::GatewayBody;

/// The shared upstream client.
pub type HttpClient = Client<HttpsConnector<HttpConnector>, GatewayBody>;

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The CA bundle could not be read or holds no usable certificate.
    #[error("CA bundle {path}: {reason}")]
    CaBundle {
        /// Path of the bundle.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// No trust roots at all (no CA bundle and the platform store is empty).
    #[error("no TLS trust roots available: {0}")]
    NoRoots(String),
}

/// Builds the client. `ca_bundle`, when set, replaces the platform roots.
///
/// # Errors
/// When the bundle is unreadable or empty, or the platform store cannot be loaded.
pub fn build_client(ca_bundle: Option<&Path>) -> Result<HttpClient, Error> {
    Ok(client_with(tls_config(ca_bundle)?))
}

/// The TLS configuration every client of the process shares: loading the
/// trust roots is the expensive part, so it is done once and each serving
/// thread's client is made from it with [`client_with`].
///
/// # Errors
/// As [`build_client`].
pub fn tls_config(ca_bundle: Option<&Path>) -> Result<rustls::ClientConfig, Error> {
    let roots = match ca_bundle {
        Some(path) => bundle_roots(path)?,
        None => platform_roots()?,
    };
    Ok(
        rustls::ClientConfig::builder_with_provider(
            rustls::crypto::ring::default_provider().into(),
        )
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::NoRoots(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth(),
    )
}

/// A client with its own connection pool, trusting what `tls` trusts.
pub fn client_with(tls: rustls::ClientConfig) -> HttpClient {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(Duration::from_secs(10)));
    let https = HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(90))
        .build(https)
}

fn bundle_roots(path: &Path) -> Result<RootCertStore, Error> {
    let err = |reason: String| Error::CaBundle {
        path: path.display().to_string(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| err(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(e.to_string()))?;
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(err("no usable certificate".into()));
    }
    Ok(roots)
}

fn platform_roots() -> Result<RootCertStore, Error> {
    let loaded = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(loaded.certs);
    if roots.is_empty() {
        // A machine with no CA store can still reach plain-http upstreams;
        // https upstreams will fail their handshake with a clear error.
        tracing::warn!(
            errors = loaded.errors.len(),
            "platform trust store is empty"
        );
    }
    Ok(roots)
}
