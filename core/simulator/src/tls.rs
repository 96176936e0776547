//! HTTPS for the simulator: a self-signed certificate for `127.0.0.1` and `localhost`, made at
//! start, that a client trusts by adding it as an extra root
//! ([`Simulator::ca_cert_pem`](super::Simulator::ca_cert_pem)).

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

use mppoint::error::{Error, ErrorKind, Result};

/// A generated certificate and the acceptor that serves it.
pub(crate) struct Tls {
    pub cert_pem: String,
    pub acceptor: TlsAcceptor,
}

fn config_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Config,
        format!("simulator: could not {what}: {e}"),
    )
}

/// Makes the certificate and a rustls server configuration (ring, TLS 1.2 and 1.3, HTTP/1.1).
pub(crate) fn generate() -> Result<Tls> {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .map_err(|e| config_error("generate the TLS certificate", e))?;
    let cert_pem = ck.cert.pem();
    let cert_der: CertificateDer<'static> = ck.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| config_error("set up TLS", e))?
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key)
        .map_err(|e| config_error("load the TLS certificate", e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        cert_pem,
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}
