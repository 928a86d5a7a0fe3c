//! A self-signed certificate for `localhost` and its key, for this crate's doc examples.
//!
//! Doc examples build against weft's dev-dependencies, and a certificate generator there
//! (rcgen, with its crypto backend) would be compiled into every first build of the tour and
//! the tests, TLS or not. So the examples load these two files instead; the integration tests
//! make fresh certificates with rcgen. Valid from 2026 to 2126. Its private key is public:
//! never trust this certificate outside an example.

use super::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The examples' certificate (DER) and its PKCS #8 key. Not part of the API.
///
/// ```
/// let (cert, _key) = weft::tls::__doc_certificate();
/// assert!(!cert.is_empty());
/// ```
#[doc(hidden)]
pub fn __doc_certificate() -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    (
        CertificateDer::from(&include_bytes!("doc_cert.der")[..]),
        PrivatePkcs8KeyDer::from(&include_bytes!("doc_key.der")[..]).into(),
    )
}
