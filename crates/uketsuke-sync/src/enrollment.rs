//! Enrollment: turn a service address and a one-time code into a device identity.
//!
//! 1. The code carries a fingerprint of the service's CA. The terminal fetches the
//!    CA certificate (`GET /v1/ca`, over TLS it cannot verify yet) and accepts it
//!    only if its SHA-256 matches the fingerprint: from then on the CA is pinned.
//! 2. It makes a P-256 device key (rcgen), sends a CSR with the code over TLS
//!    verified against the pinned CA, and receives its certificate.
//! 3. The private key goes to the OS credential store (`device-key/<terminal id>`);
//!    the certificate, CA, address and terminal id to `enrollment.json` (0600) in
//!    the data directory. Nothing secret is in that file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uketsuke_protocol::{base32, EnrollRequest, EnrollResponse, EnrollmentCode};
use uketsuke_store::{DataDir, Keystore};
use uuid::Uuid;

use crate::error::{Result, SyncError};
use crate::transport::{self, Transport};

pub const ENROLLMENT_FILE: &str = "enrollment.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    pub service_url: String,
    pub terminal_id: Uuid,
    pub terminal_name: String,
    pub ca_pem: String,
    pub cert_pem: String,
    pub enrolled_at: DateTime<Utc>,
}

pub fn key_entry(terminal_id: Uuid) -> String {
    format!("device-key/{terminal_id}")
}

fn path(dir: &DataDir) -> PathBuf {
    dir.root().join(ENROLLMENT_FILE)
}

impl Enrollment {
    pub fn load(dir: &DataDir) -> Result<Option<Enrollment>> {
        let p = path(dir);
        match std::fs::read_to_string(&p) {
            Ok(s) => {
                serde_json::from_str(&s).map(Some).map_err(|e| SyncError::Identity(format!("{}: {e}", p.display())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SyncError::Identity(format!("{}: {e}", p.display()))),
        }
    }

    fn save(&self, dir: &Path) -> Result<()> {
        let io = |e: std::io::Error| SyncError::Identity(e.to_string());
        std::fs::create_dir_all(dir).map_err(io)?;
        let tmp = dir.join(format!("{ENROLLMENT_FILE}.tmp"));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        {
            use std::io::Write;
            let mut f = opts.open(&tmp).map_err(io)?;
            f.write_all(serde_json::to_string_pretty(self).expect("serialisable").as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, dir.join(ENROLLMENT_FILE)).map_err(io)
    }

    /// What the engine signs audit checkpoints with (the device key) and checks
    /// receipts against (the pinned CA).
    pub fn audit_identity(&self, keystore: &Keystore) -> Result<crate::audit::AuditIdentity> {
        let key = keystore
            .get(&key_entry(self.terminal_id))?
            .ok_or_else(|| SyncError::Identity("the device key is missing from the OS credential store".into()))?;
        let key_pem = std::str::from_utf8(&key).map_err(|_| SyncError::Identity("device key is not PEM".into()))?;
        Ok(crate::audit::AuditIdentity {
            terminal_id: self.terminal_id,
            device_key: crate::audit::pkcs8_der(key_pem)?,
            ca_public_key: crate::audit::certificate_public_key(&self.ca_pem)?,
        })
    }

    /// SHA-256 of this terminal's certificate (DER): what a person's assertion
    /// at this terminal is bound to ([`uketsuke_identity::bound_challenge`]).
    pub fn cert_sha256(&self) -> Result<[u8; 32]> {
        use sha2::Digest;
        Ok(sha2::Sha256::digest(transport::pem_cert(&self.cert_pem)?).into())
    }

    /// The device key from the OS credential store and a transport that uses it.
    pub fn transport(&self, keystore: &Keystore) -> Result<Transport> {
        let key = keystore
            .get(&key_entry(self.terminal_id))?
            .ok_or_else(|| SyncError::Identity("the device key is missing from the OS credential store".into()))?;
        let key_pem = std::str::from_utf8(&key).map_err(|_| SyncError::Identity("device key is not PEM".into()))?;
        Transport::new(&self.service_url, &self.ca_pem, Some((&self.cert_pem, key_pem)))
    }
}

/// Accepts any server certificate. Used for one request only: fetching the CA
/// certificate, which is then checked against the fingerprint in the code.
#[derive(Debug)]
struct FetchCaOnly(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for FetchCaOnly {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

async fn fetch_ca(service_url: &str) -> Result<String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| SyncError::Identity(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(FetchCaOnly(provider)))
        .with_no_client_auth();
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .map_err(|e| SyncError::Identity(e.to_string()))?;
    let url = format!("{}/v1/ca", service_url.trim_end_matches('/'));
    let res = http.get(&url).send().await.map_err(|e| SyncError::Offline(transport::describe(&e)))?;
    if !res.status().is_success() {
        return Err(SyncError::Protocol(format!("GET /v1/ca: {}", res.status())));
    }
    res.text().await.map_err(|e| SyncError::Offline(transport::describe(&e)))
}

/// Enroll this terminal. Refuses if it is already enrolled.
pub async fn enroll(dir: &DataDir, keystore: &Keystore, service_url: &str, code: &str) -> Result<Enrollment> {
    if Enrollment::load(dir)?.is_some() {
        return Err(SyncError::Refused {
            code: "ALREADY_ENROLLED".into(),
            message: "this terminal is already enrolled".into(),
        });
    }
    let code = EnrollmentCode::parse(code).ok_or(SyncError::CodeMalformed)?;
    let service_url = service_url.trim().trim_end_matches('/').to_owned();
    let ca_pem = fetch_ca(&service_url).await?;
    let ca_der = transport::pem_cert(&ca_pem)?;
    let fingerprint = &base32(&Sha256::digest(&ca_der))[..EnrollmentCode::FINGERPRINT_CHARS];
    if fingerprint != code.ca_fingerprint {
        return Err(SyncError::CaMismatch);
    }
    let key = rcgen::KeyPair::generate().map_err(|e| SyncError::Identity(e.to_string()))?;
    let csr = rcgen::CertificateParams::new(Vec::<String>::new())
        .and_then(|p| p.serialize_request(&key))
        .and_then(|c| c.pem())
        .map_err(|e| SyncError::Identity(e.to_string()))?;
    let pinned = Transport::new(&service_url, &ca_pem, None)?;
    let (res, _): (EnrollResponse, _) =
        pinned.post("/v1/enroll", &EnrollRequest { code: code.secret.clone(), csr_pem: csr }, Utc::now()).await?;
    keystore.set_verified(&key_entry(res.terminal_id), key.serialize_pem().as_bytes())?;
    let enrollment = Enrollment {
        service_url,
        terminal_id: res.terminal_id,
        terminal_name: res.terminal_name,
        ca_pem,
        cert_pem: res.cert_pem,
        enrolled_at: res.service.server_time,
    };
    enrollment.save(dir.root())?;
    tracing::info!(terminal_id = %enrollment.terminal_id, "enrolled");
    Ok(enrollment)
}
