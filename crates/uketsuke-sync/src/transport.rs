//! HTTPS to the central service: rustls with the service's CA as the only root
//! and, once enrolled, the device certificate as client identity (mutual TLS).
//! Every request sends the terminal's clock and reads the service's, so each
//! sync measures clock skew.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uketsuke_protocol::{codes, ErrorBody, SERVER_TIME_HEADER, TERMINAL_TIME_HEADER};

use crate::error::{Result, SyncError};

pub fn pem_cert(pem: &str) -> Result<Vec<u8>> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .map(|c| c.to_vec())
        .map_err(|e| SyncError::Identity(format!("certificate PEM: {e}")))
}

/// Short text for a reqwest error, with its cause (e.g. "connection refused").
pub fn describe(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    s
}

#[derive(Clone)]
pub struct Transport {
    http: reqwest::Client,
    base: String,
}

/// The service's clock as read from a response, and the terminal's skew.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub server_time: Option<DateTime<Utc>>,
    /// Terminal clock minus service clock, from the midpoint of the request.
    pub skew_ms: Option<i64>,
}

impl Transport {
    pub fn new(base: &str, ca_pem: &str, identity: Option<(&str, &str)>) -> Result<Transport> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from(pem_cert(ca_pem)?)).map_err(|e| SyncError::Identity(e.to_string()))?;
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| SyncError::Identity(e.to_string()))?
            .with_root_certificates(roots);
        let tls = match identity {
            Some((cert_pem, key_pem)) => {
                let chain = vec![CertificateDer::from(pem_cert(cert_pem)?)];
                let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
                    .map_err(|e| SyncError::Identity(format!("device key: {e}")))?;
                builder.with_client_auth_cert(chain, key).map_err(|e| SyncError::Identity(e.to_string()))?
            }
            None => builder.with_no_client_auth(),
        };
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .https_only(true)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| SyncError::Identity(e.to_string()))?;
        Ok(Transport { http, base: base.trim_end_matches('/').to_owned() })
    }

    /// POST JSON, with `now` the terminal's clock at sending.
    pub async fn post<Req: Serialize, Res: DeserializeOwned>(
        &self,
        path: &str,
        body: &Req,
        now: DateTime<Utc>,
    ) -> Result<(Res, Timing)> {
        let sent = std::time::Instant::now();
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header(TERMINAL_TIME_HEADER, now.to_rfc3339())
            .json(body)
            .send()
            .await
            .map_err(|e| SyncError::Offline(describe(&e)))?;
        let elapsed = chrono::Duration::from_std(sent.elapsed()).unwrap_or_default();
        let server_time = res
            .headers()
            .get(SERVER_TIME_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
            .map(|t| t.with_timezone(&Utc));
        let midpoint = now + elapsed / 2;
        let timing = Timing { server_time, skew_ms: server_time.map(|s| (midpoint - s).num_milliseconds()) };
        let status = res.status();
        let bytes = res.bytes().await.map_err(|e| SyncError::Offline(describe(&e)))?;
        if !status.is_success() {
            let body: ErrorBody = serde_json::from_slice(&bytes).unwrap_or(ErrorBody {
                code: if status.is_server_error() { codes::UNAVAILABLE.into() } else { codes::BAD_REQUEST.into() },
                message: format!("HTTP {status}"),
            });
            return Err(if body.code == codes::REVOKED {
                SyncError::Revoked(body.message)
            } else {
                SyncError::Refused { code: body.code, message: body.message }
            });
        }
        let parsed = serde_json::from_slice(&bytes).map_err(|e| SyncError::Protocol(format!("{path}: {e}")))?;
        Ok((parsed, timing))
    }
}
