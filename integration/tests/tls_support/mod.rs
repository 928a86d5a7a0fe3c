//! Certificates made at test time (rcgen) and the rustls configs the `tls_*` tests use.
//!
//! One CA per test run signs a leaf for `localhost` and 127.0.0.1; a client trusts that CA
//! only. The bad cases are variations: a self-signed leaf the client does not trust, a leaf
//! from the same CA that expired in 2001. Configs use rustls's process default provider,
//! which is `ring`, the only one the `tls` feature compiles in.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, date_time_ymd};
pub use weft::tls::rustls;
use weft::tls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
pub use weft_test_support::within;

/// A hang guard for each test: far above what any of them takes.
pub const LIMIT: Duration = Duration::from_secs(60);

/// A server identity: its certificate chain and key.
pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl Identity {
    fn clone_key(&self) -> PrivateKeyDer<'static> {
        self.key.clone_key()
    }
}

/// A CA and what it signs.
pub struct Pki {
    pub ca: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl Pki {
    pub fn new() -> Pki {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "weft test CA");
        let key = KeyPair::generate().unwrap();
        let ca = params.self_signed(&key).unwrap();
        Pki {
            ca: ca.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf for `localhost` and 127.0.0.1, signed by this CA.
    pub fn leaf(&self) -> Identity {
        self.leaf_with(|_| {})
    }

    /// A leaf that expired on 2001-01-01.
    pub fn expired_leaf(&self) -> Identity {
        self.leaf_with(|params| {
            params.not_before = date_time_ymd(2000, 1, 1);
            params.not_after = date_time_ymd(2001, 1, 1);
        })
    }

    fn leaf_with(&self, edit: impl FnOnce(&mut CertificateParams)) -> Identity {
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        edit(&mut params);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Identity {
            chain: vec![cert.der().clone(), self.ca.clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        }
    }

    /// A client config trusting this CA only, for the given TLS versions.
    pub fn client_config(
        &self,
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> rustls::ClientConfig {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.ca.clone()).unwrap();
        rustls::ClientConfig::builder_with_protocol_versions(versions)
            .with_root_certificates(roots)
            .with_no_client_auth()
    }
}

/// A self-signed leaf for `localhost` that no test client trusts.
pub fn self_signed() -> Identity {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(["localhost".to_owned()]).unwrap();
    Identity {
        chain: vec![cert.der().clone()],
        key: PrivatePkcs8KeyDer::from(signing_key.serialize_der()).into(),
    }
}

pub const ALL_VERSIONS: &[&rustls::SupportedProtocolVersion] = rustls::ALL_VERSIONS;

/// A server config with `identity`, TLS 1.2 and 1.3, and the given ALPN protocols.
pub fn server_config(identity: &Identity, alpn: &[&[u8]]) -> rustls::ServerConfig {
    let mut config = rustls::ServerConfig::builder_with_protocol_versions(ALL_VERSIONS)
        .with_no_client_auth()
        .with_single_cert(identity.chain.clone(), identity.clone_key())
        .unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    config
}

/// The acceptor for a server config.
pub fn acceptor(config: rustls::ServerConfig) -> weft::tls::TlsAcceptor {
    weft::tls::TlsAcceptor::new(Arc::new(config))
}

/// The connector for a client config.
pub fn connector(config: rustls::ClientConfig) -> weft::tls::TlsConnector {
    weft::tls::TlsConnector::new(Arc::new(config))
}
