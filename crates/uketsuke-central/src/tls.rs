//! The HTTPS listener: rustls with an optional client certificate (enrollment
//! and `/health` work without one; every other route requires one, checked per
//! request against the terminals table so a revocation bites on the next
//! request), hyper's HTTP/1.1, bounded for a hostile LAN ([`Limits`]), and a
//! graceful shutdown that lets requests in flight finish.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::error::{CentralError, Result};
use crate::pki::Pki;

/// The DER of the client certificate the connection presented, if any.
#[derive(Debug, Clone)]
pub struct PeerCert(pub Option<Arc<Vec<u8>>>);

/// The client's address (for limits per address).
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub std::net::SocketAddr);

pub fn server_config(pki: &Pki) -> Result<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(pki.ca_der.clone())).map_err(|e| CentralError::Pki(e.to_string()))?;
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()
        .map_err(|e| CentralError::Pki(e.to_string()))?;
    let certs = CertificateDer::pem_slice_iter(pki.server_cert_pem.as_bytes())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| CentralError::Pki(format!("server.pem: {e}")))?;
    let key = PrivateKeyDer::from_pem_slice(pki.server_key_pem.as_bytes())
        .map_err(|e| CentralError::Pki(format!("server.key: {e}")))?;
    let mut cfg = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CentralError::Pki(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)
        .map_err(|e| CentralError::Pki(e.to_string()))?;
    // HTTP/1.1 only: one request at a time per connection, which the bounds in
    // [`Limits`] are written for (HTTP/2 multiplexing would need limits per stream).
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(cfg)
}

/// How much of itself the listener gives a LAN that may be hostile: connections
/// at once (all, and per client address), and how long a connection may take to
/// finish its TLS handshake, to send a request's headers (also while idle
/// between requests), and to live at all.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub max_connections_per_address: usize,
    pub tls_handshake: Duration,
    pub header_read: Duration,
    pub connection_lifetime: Duration,
}

impl Limits {
    pub fn from_config(c: &crate::config::Config) -> Limits {
        Limits {
            max_connections: c.max_connections.max(1),
            max_connections_per_address: c.max_connections_per_address.max(1),
            tls_handshake: Duration::from_secs(c.tls_handshake_secs.max(1)),
            header_read: Duration::from_secs(c.header_read_secs.max(1)),
            connection_lifetime: Duration::from_secs(c.connection_lifetime_secs.max(1)),
        }
    }
}

/// Connections open now, in all and per client address.
#[derive(Debug, Default)]
pub struct Connections {
    per_address: Mutex<HashMap<IpAddr, usize>>,
    total: AtomicUsize,
}

impl Connections {
    /// Connections open now.
    pub fn open(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }

    fn admit(self: &Arc<Self>, ip: IpAddr, limits: &Limits) -> Option<Admitted> {
        let mut map = self.per_address.lock().unwrap_or_else(|p| p.into_inner());
        let here = map.get(&ip).copied().unwrap_or(0);
        if here >= limits.max_connections_per_address || self.total.load(Ordering::SeqCst) >= limits.max_connections {
            return None;
        }
        map.insert(ip, here + 1);
        self.total.fetch_add(1, Ordering::SeqCst);
        Some(Admitted { connections: self.clone(), ip })
    }
}

/// One admitted connection; counted until dropped.
struct Admitted {
    connections: Arc<Connections>,
    ip: IpAddr,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut map = self.connections.per_address.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
        self.connections.total.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serve `app` on `listener` until `shutdown` resolves, then stop accepting and
/// give connections in flight up to `grace` to finish. Connections over the
/// [`Limits`] are closed at once.
pub async fn serve(
    listener: TcpListener,
    tls: ServerConfig,
    app: Router,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
    limits: Limits,
    connections: Arc<Connections>,
) -> Result<()> {
    let acceptor = TlsAcceptor::from(Arc::new(tls));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(admitted) = connections.admit(peer.ip(), &limits) else {
            tracing::debug!(%peer, "connection refused: too many open");
            drop(stream);
            continue;
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _admitted = admitted;
            let tls = match tokio::time::timeout(limits.tls_handshake, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    tracing::info!(%peer, error = %e, "TLS handshake refused");
                    return;
                }
                Err(_) => {
                    tracing::info!(%peer, "TLS handshake timed out");
                    return;
                }
            };
            let cert = tls.get_ref().1.peer_certificates().and_then(|c| c.first()).map(|c| Arc::new(c.to_vec()));
            let peer_cert = PeerCert(cert);
            let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(peer_cert.clone());
                req.extensions_mut().insert(PeerAddr(peer));
                app.clone().oneshot(req.map(axum::body::Body::new))
            });
            // The header-read time also bounds a connection idle between requests.
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read);
            let conn = builder.serve_connection(TokioIo::new(tls), service);
            let served = tokio::time::timeout(limits.connection_lifetime, watcher.watch(conn)).await;
            match served {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "connection ended with an error"),
                Err(_) => tracing::debug!(%peer, "connection closed at the end of its lifetime"),
            }
        });
    }
    drop(listener);
    tracing::info!(connections = graceful.count(), "shutting down: waiting for requests in flight");
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("grace period over; closing the remaining connections");
    }
    Ok(())
}
