//! A service that stays up on a hostile LAN: a host throws thousands of idle and
//! slow connections at the listener, which keeps only a bounded number of them,
//! each for a bounded time, while a real terminal on another address enrolls and
//! syncs.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uketsuke_synctest::{session_am, Central, Terminal};

const PER_ADDRESS: usize = 40;

/// A connection from `from` (another loopback address: another host on the LAN).
async fn connect_from(from: &str, to: SocketAddr) -> std::io::Result<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(format!("{from}:0").parse().unwrap())?;
    socket.connect(to).await
}

/// Whether the service closed `stream` (EOF or reset) within `within`.
async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 256];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_idle_and_slow_connections_are_bounded_while_a_terminal_syncs() {
    let central = Central::start_configured(uketsuke_synctest::RESIDENTS, |c| {
        c.max_connections_per_address = PER_ADDRESS;
        c.max_connections = 200;
        c.tls_handshake_secs = 2;
        c.header_read_secs = 2;
        c.connection_lifetime_secs = 30;
    })
    .await;
    let addr = central.addr;
    let open = || central.running.as_ref().unwrap().connections.open();

    // 2,000 connections from one host that never say anything.
    let mut idle = Vec::new();
    for _ in 0..2000 {
        match connect_from("127.0.0.2", addr).await {
            Ok(s) => idle.push(s),
            Err(e) => panic!("the attacker's own connect failed: {e}"),
        }
    }
    // A few that start a TLS handshake and stall mid-way (a slow client).
    let mut slow = Vec::new();
    for _ in 0..10 {
        let mut s = connect_from("127.0.0.3", addr).await.unwrap();
        s.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01]).await.unwrap();
        slow.push(s);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(open() <= PER_ADDRESS + 10, "kept {} connections", open());

    // A real terminal, from another address, enrolls and syncs meanwhile.
    let started = Instant::now();
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let report = t.engine.sync_once(&t.store).await.expect("the terminal syncs while the LAN is noisy");
    let _ = report;
    assert!(t.count("SELECT count(*) FROM residents") > 0, "the roster arrived");
    assert!(started.elapsed() < Duration::from_secs(20), "synced in {:?}", started.elapsed());

    // The attacker's admitted connections are closed once their handshake time is up.
    let mut closed = 0;
    for s in idle.iter_mut().take(PER_ADDRESS) {
        if closed_within(s, Duration::from_secs(5)).await {
            closed += 1;
        }
    }
    assert_eq!(closed, PER_ADDRESS, "every idle connection the service kept was closed in time");
    for s in slow.iter_mut() {
        assert!(closed_within(s, Duration::from_secs(5)).await, "a stalled handshake is closed in time");
    }
    let settle = Instant::now();
    while open() > 2 && settle.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(open() <= 2, "still open: {}", open());
    drop(idle);
}

/// A client that completes TLS and then sends no request is closed after the
/// header-read time: an idle keep-alive connection holds nothing for long.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_sends_no_request_is_closed() {
    let central = Central::start_configured(uketsuke_synctest::RESIDENTS, |c| {
        c.header_read_secs = 1;
        c.connection_lifetime_secs = 30;
    })
    .await;
    let ca = std::fs::read(central.pki_dir.path().join("ca.pem")).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile_certs(&ca) {
        roots.add(cert).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config.clone()));
    let tcp = tokio::net::TcpStream::connect(central.addr).await.unwrap();
    let mut tls = connector.connect(name.clone(), tcp).await.unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 64];
    let ended = matches!(tokio::time::timeout(Duration::from_secs(10), tls.read(&mut buf)).await, Ok(Ok(0) | Err(_)));
    assert!(ended, "the silent connection was kept");
    assert!(started.elapsed() < Duration::from_secs(5), "closed after {:?}", started.elapsed());
    // HTTP/2 is not offered (its multiplexing would need bounds of its own).
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(central.addr).await.unwrap();
    assert!(connector.connect(name, tcp).await.is_err(), "an HTTP/2-only client is refused at the handshake");
}

fn rustls_pemfile_certs(pem: &[u8]) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem).map(|c| c.unwrap()).collect()
}

/// Enrollment attempts from one address, and identity requests from one
/// terminal, are limited per minute: over the limit the service answers
/// RATE_LIMITED and does no work; other addresses and terminals go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrollment_and_identity_requests_are_rate_limited() {
    let central = Central::start_configured(uketsuke_synctest::RESIDENTS, |c| {
        c.enroll_per_minute_per_address = 3;
        c.identity_per_minute_per_terminal = 5;
    })
    .await;
    // A real terminal enrolls (one attempt from this address), then someone guesses.
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let ca = std::fs::read_to_string(central.pki_dir.path().join("ca.pem")).unwrap();
    let guess = |code: &str| uketsuke_protocol::EnrollRequest { code: code.into(), csr_pem: "not a CSR".into() };
    let stranger = uketsuke_sync::Transport::new(&central.url(), &ca, None).unwrap();
    let mut codes = Vec::new();
    for i in 0..5 {
        let res = stranger
            .post::<_, uketsuke_protocol::EnrollResponse>(
                "/v1/enroll",
                &guess(&format!("GUESS-{i}")),
                uketsuke_synctest::now(),
            )
            .await;
        codes.push(res.unwrap_err().code().to_owned());
    }
    assert_eq!(&codes[..2], ["ENROLLMENT_CODE_INVALID"; 2], "{codes:?}");
    assert_eq!(&codes[2..], ["RATE_LIMITED"; 3], "{codes:?}");

    // Identity requests: five a minute for this terminal, then refused.
    let bare = uketsuke_protocol::OnlineLoginRequest { staff_id: "S0001".into(), proof: None };
    let mut answers = Vec::new();
    for _ in 0..7 {
        let res = t
            .engine
            .transport()
            .post::<_, uketsuke_protocol::OnlineLoginResponse>("/v1/auth/online-login", &bare, uketsuke_synctest::now())
            .await;
        answers.push(res.unwrap_err().code().to_owned());
    }
    assert_eq!(&answers[..5], ["IDENTITY_PROOF_REQUIRED"; 5], "{answers:?}");
    assert_eq!(&answers[5..], ["RATE_LIMITED"; 2], "{answers:?}");
    // The terminal's ordinary work is not limited.
    t.engine.sync_once(&t.store).await.unwrap();
}
