//! The service's private certificate authority (rcgen): the CA, the service's own
//! TLS certificate, and terminal certificates signed from a terminal's CSR.
//!
//! Files in `pki_dir`: `ca.pem`, `ca.key`, `server.pem`, `server.key`, and
//! `export_signing.key` (the Ed25519 key that signs export designations and
//! grants, as hex of seed ‖ public key; made by [`init`], or by the first [`load`]
//! of a directory made before export existed). Keys are written 0600. The CA key
//! signs terminal certificates at enrollment and, under
//! [`EXPORT_KEY_DOMAIN`], the export key's public half, so terminals trust that
//! key through the CA they pinned. Keep the directory readable by the service only
//! (an HSM is the next step, not built).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use sha2::{Digest, Sha256};
use uketsuke_export::{ExportSigningKey, ExportVerifyingKey};
use uketsuke_protocol::export::EXPORT_KEY_DOMAIN;
use uketsuke_protocol::{base32, EnrollmentCode};

use crate::error::{CentralError, Result};

fn pki_err(e: impl std::fmt::Display) -> CentralError {
    CentralError::Pki(e.to_string())
}

pub struct Paths {
    pub ca_cert: PathBuf,
    pub ca_key: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub export_key: PathBuf,
    pub escrow_key: PathBuf,
}

impl Paths {
    pub fn new(dir: &Path) -> Paths {
        Paths {
            ca_cert: dir.join("ca.pem"),
            ca_key: dir.join("ca.key"),
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server.key"),
            export_key: dir.join("export_signing.key"),
            escrow_key: dir.join("audit_escrow.agekey"),
        }
    }
}

/// The loaded CA plus the service's TLS identity.
pub struct Pki {
    pub ca_pem: String,
    pub ca_der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
    pub server_cert_pem: String,
    pub server_key_pem: String,
    /// The CA key (PKCS#8 DER). Besides certificates it signs audit receipts,
    /// under their own domain tag, because the CA is what terminals pin.
    ca_key_pkcs8: zeroize::Zeroizing<Vec<u8>>,
    /// Signs export designations and grants (`uketsuke_export`).
    export_key: ExportSigningKey,
    /// The CA key's signature over the export key's PASERK string.
    export_key_signature: String,
    /// Opens the access logs' first MAC keys, which terminals seal to
    /// `escrow_recipient` (age X25519) so they never keep them readable.
    escrow_identity: age::secrecy::SecretString,
    escrow_recipient: String,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pki").field("ca_fingerprint", &ca_fingerprint(&self.ca_der)).finish()
    }
}

fn random_serial() -> Result<SerialNumber> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(pki_err)?;
    bytes[0] &= 0x7f; // positive
    Ok(SerialNumber::from_slice(&bytes))
}

/// The export signing key in `path`; a new one is made (and written 0600) if the
/// file does not exist. Two processes racing to make it both end up with the one
/// that was written first.
fn load_or_create_export_key(path: &Path) -> Result<ExportSigningKey> {
    let read = |p: &Path| -> Result<ExportSigningKey> {
        let text = zeroize::Zeroizing::new(fs::read_to_string(p)?);
        let bytes = zeroize::Zeroizing::new(
            hex::decode(text.trim()).map_err(|e| CentralError::Pki(format!("{}: {e}", p.display())))?,
        );
        ExportSigningKey::from_bytes(&bytes).map_err(|e| CentralError::Pki(format!("{}: {e}", p.display())))
    };
    if path.exists() {
        return read(path);
    }
    let key = ExportSigningKey::generate().map_err(pki_err)?;
    let text = zeroize::Zeroizing::new(format!("{}\n", hex::encode(key.to_bytes().as_slice())));
    match write_private(path, &text) {
        Ok(()) => {
            tracing::info!(key = %key.public_key().fingerprint(), "export signing key created");
            Ok(key)
        }
        Err(CentralError::Io(e)) if e.kind() == std::io::ErrorKind::AlreadyExists => read(path),
        Err(e) => Err(e),
    }
}

/// The access-log escrow identity in `path` (an age X25519 identity); made, and
/// written 0600, if the file does not exist (a PKI from before it). Racing
/// processes end up with the one written first.
fn load_or_create_escrow_identity(path: &Path) -> Result<(age::secrecy::SecretString, String)> {
    use age::secrecy::ExposeSecret;
    let read = |p: &Path| -> Result<(age::secrecy::SecretString, String)> {
        let text = zeroize::Zeroizing::new(fs::read_to_string(p)?);
        let identity = <age::x25519::Identity as std::str::FromStr>::from_str(text.trim())
            .map_err(|e| CentralError::Pki(format!("{}: {e}", p.display())))?;
        Ok((identity.to_string(), identity.to_public().to_string()))
    };
    if path.exists() {
        return read(path);
    }
    let (identity, recipient) = uketsuke_export::generate_identity();
    match write_private(path, &format!("{}\n", identity.expose_secret())) {
        Ok(()) => {
            tracing::info!(%recipient, "access-log escrow identity created");
            Ok((identity, recipient))
        }
        Err(CentralError::Io(e)) if e.kind() == std::io::ErrorKind::AlreadyExists => read(path),
        Err(e) => Err(e),
    }
}

/// Write a new file readable by its owner only (0600); refuses to overwrite.
pub(crate) fn write_private(path: &Path, contents: &str) -> Result<()> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// The fingerprint printed inside enrollment codes: base32 of SHA-256 of the CA's DER.
pub fn ca_fingerprint(ca_der: &[u8]) -> String {
    base32(&Sha256::digest(ca_der))[..EnrollmentCode::FINGERPRINT_CHARS].to_owned()
}

/// SHA-256 (hex) of a certificate's DER: how the service recognises a terminal.
pub fn cert_sha256(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// Make a new CA and a service certificate for `hosts` (DNS names or IP addresses).
/// Refuses to overwrite an existing CA.
pub fn init(dir: &Path, hosts: &[String], city: &str) -> Result<Pki> {
    let paths = Paths::new(dir);
    if paths.ca_key.exists() || paths.ca_cert.exists() {
        return Err(CentralError::Conflict(format!("a CA already exists in {}", dir.display())));
    }
    if hosts.is_empty() {
        return Err(CentralError::BadRequest("at least one host name or address for the service certificate".into()));
    }
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    let now = time::OffsetDateTime::now_utc();

    let ca_key = KeyPair::generate().map_err(pki_err)?;
    let mut ca = CertificateParams::default();
    ca.distinguished_name = DistinguishedName::new();
    ca.distinguished_name.push(DnType::OrganizationName, city);
    ca.distinguished_name.push(DnType::CommonName, "Uketsuke terminal CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    ca.not_before = now - time::Duration::hours(1);
    ca.not_after = now + time::Duration::days(3650);
    ca.serial_number = Some(random_serial()?);
    let ca_cert = ca.self_signed(&ca_key).map_err(pki_err)?;

    let server_key = KeyPair::generate().map_err(pki_err)?;
    let mut server = CertificateParams::new(Vec::<String>::new()).map_err(pki_err)?;
    for h in hosts {
        server.subject_alt_names.push(match h.parse::<std::net::IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName(h.as_str().try_into().map_err(pki_err)?),
        });
    }
    server.distinguished_name = DistinguishedName::new();
    server.distinguished_name.push(DnType::CommonName, hosts[0].as_str());
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.not_before = now - time::Duration::hours(1);
    server.not_after = now + time::Duration::days(825);
    server.serial_number = Some(random_serial()?);
    let ca_key_pem = ca_key.serialize_pem();
    let issuer = Issuer::new(ca, ca_key);
    let server_cert = server.signed_by(&server_key, &issuer).map_err(pki_err)?;

    fs::write(&paths.ca_cert, ca_cert.pem())?;
    write_private(&paths.ca_key, &ca_key_pem)?;
    fs::write(&paths.server_cert, server_cert.pem())?;
    write_private(&paths.server_key, &server_key.serialize_pem())?;
    load_or_create_export_key(&paths.export_key)?;
    load(dir)
}

/// Load the CA and the service certificate made by [`init`].
pub fn load(dir: &Path) -> Result<Pki> {
    let paths = Paths::new(dir);
    let read = |p: &Path| {
        fs::read_to_string(p)
            .map_err(|e| CentralError::Pki(format!("{}: {e} (run `uketsuke-central init-pki`)", p.display())))
    };
    let ca_pem = read(&paths.ca_cert)?;
    let ca_key = KeyPair::from_pem(&read(&paths.ca_key)?).map_err(pki_err)?;
    let ca_key_pkcs8 = zeroize::Zeroizing::new(ca_key.serialize_der());
    let issuer = Issuer::from_ca_cert_pem(&ca_pem, ca_key).map_err(pki_err)?;
    let ca_der = pem_to_der(&ca_pem)?;
    let export_key = load_or_create_export_key(&paths.export_key)?;
    let export_key_signature =
        uketsuke_auth::chain::sign(&ca_key_pkcs8, EXPORT_KEY_DOMAIN, &export_key.public_key().to_paserk())
            .map_err(pki_err)?;
    let (escrow_identity, escrow_recipient) = load_or_create_escrow_identity(&paths.escrow_key)?;
    Ok(Pki {
        ca_pem,
        ca_der,
        issuer,
        server_cert_pem: read(&paths.server_cert)?,
        server_key_pem: read(&paths.server_key)?,
        ca_key_pkcs8,
        export_key,
        export_key_signature,
        escrow_identity,
        escrow_recipient,
    })
}

pub fn pem_to_der(pem: &str) -> Result<Vec<u8>> {
    use rustls_pki_types::pem::PemObject;
    rustls_pki_types::CertificateDer::from_pem_slice(pem.as_bytes())
        .map(|c| c.to_vec())
        .map_err(|e| CentralError::Pki(format!("certificate PEM: {e}")))
}

impl Pki {
    /// The key audit receipts are signed with (`uketsuke_auth::RECEIPT_DOMAIN`).
    pub fn receipt_key(&self) -> &[u8] {
        &self.ca_key_pkcs8
    }

    pub fn fingerprint(&self) -> String {
        ca_fingerprint(&self.ca_der)
    }

    /// Opens what terminals sealed to [`Pki::escrow_recipient`].
    pub fn escrow_identity(&self) -> &age::secrecy::SecretString {
        &self.escrow_identity
    }

    /// The age recipient terminals seal their access log's `K_0` to (sent with every pull).
    pub fn escrow_recipient(&self) -> &str {
        &self.escrow_recipient
    }

    /// The key export designations and grants are signed with.
    pub fn export_key(&self) -> &ExportSigningKey {
        &self.export_key
    }

    /// The export key's public half, as terminals pin it.
    pub fn export_verifying_key(&self) -> ExportVerifyingKey {
        self.export_key.public_key()
    }

    /// The CA key's signature (`uketsuke_auth::chain::sign`, domain
    /// [`EXPORT_KEY_DOMAIN`]) over the export key's PASERK string
    /// (`ExportVerifyingKey::to_paserk`): a terminal checks it with
    /// `chain::verify_signature(ca_public_key, EXPORT_KEY_DOMAIN, &paserk, sig)`.
    pub fn export_key_signature(&self) -> &str {
        &self.export_key_signature
    }

    /// Sign a terminal certificate for the key in `csr_pem`. Only the public key is
    /// taken from the request; name, usage and lifetime are the service's.
    pub fn sign_terminal(&self, csr_pem: &str, terminal_id: uuid::Uuid, days: u32) -> Result<(String, String)> {
        let mut csr =
            CertificateSigningRequestParams::from_pem(csr_pem).map_err(|e| CentralError::CsrInvalid(e.to_string()))?;
        let now = time::OffsetDateTime::now_utc();
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, terminal_id.to_string());
        params.distinguished_name.push(DnType::OrganizationalUnitName, "Uketsuke terminal");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.not_before = now - time::Duration::minutes(5);
        params.not_after = now + time::Duration::days(days as i64);
        params.serial_number = Some(random_serial()?);
        params.use_authority_key_identifier_extension = true;
        csr.params = params;
        let cert = csr.signed_by(&self.issuer).map_err(pki_err)?;
        Ok((cert.pem(), cert_sha256(cert.der())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_makes_a_ca_that_signs_terminal_certificates_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let pki = init(dir.path(), &["localhost".into(), "127.0.0.1".into()], "みなと市").unwrap();
        assert_eq!(pki.fingerprint().len(), EnrollmentCode::FINGERPRINT_CHARS);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("ca.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = load(dir.path()).unwrap();
        assert_eq!(again.ca_der, pki.ca_der);
        assert!(matches!(init(dir.path(), &["localhost".into()], "x"), Err(CentralError::Conflict(_))));

        let device = KeyPair::generate().unwrap();
        let csr = CertificateParams::new(vec!["attacker.example".to_string()])
            .unwrap()
            .serialize_request(&device)
            .unwrap()
            .pem()
            .unwrap();
        let id = uuid::Uuid::now_v7();
        let (pem, sha) = pki.sign_terminal(&csr, id, 30).unwrap();
        assert_eq!(sha.len(), 64);
        let text = pem_to_der(&pem).unwrap();
        // The service's name, not the requested SAN, is in the certificate.
        let needle = id.to_string();
        assert!(text.windows(needle.len()).any(|w| w == needle.as_bytes()));
        assert!(!text.windows(16).any(|w| w == b"attacker.example"));
    }

    #[test]
    fn the_export_key_is_made_once_kept_private_and_signed_by_the_ca() {
        let dir = tempfile::tempdir().unwrap();
        let pki = init(dir.path(), &["localhost".into()], "x").unwrap();
        let path = dir.path().join("export_signing.key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let again = load(dir.path()).unwrap();
        assert_eq!(again.export_verifying_key(), pki.export_verifying_key(), "the same key on every load");
        let ca_public = crate::audit::certificate_public_key(&pki.ca_der).unwrap();
        let paserk = pki.export_verifying_key().to_paserk();
        assert!(uketsuke_auth::chain::verify_signature(
            &ca_public,
            EXPORT_KEY_DOMAIN,
            &paserk,
            pki.export_key_signature()
        ));
        assert!(!uketsuke_auth::chain::verify_signature(&ca_public, b"other", &paserk, pki.export_key_signature()));

        // A PKI directory made before export existed gets its key on the first load.
        fs::remove_file(&path).unwrap();
        let upgraded = load(dir.path()).unwrap();
        assert!(path.exists());
        assert_ne!(upgraded.export_verifying_key(), pki.export_verifying_key());
        assert_eq!(load(dir.path()).unwrap().export_verifying_key(), upgraded.export_verifying_key());

        fs::write(&path, "not hex").unwrap();
        assert_eq!(load(dir.path()).unwrap_err().code(), "PKI_ERROR", "a damaged key is refused, not replaced");
    }

    #[test]
    fn a_garbage_csr_is_refused_with_its_own_code() {
        let dir = tempfile::tempdir().unwrap();
        let pki = init(dir.path(), &["localhost".into()], "x").unwrap();
        let err = pki
            .sign_terminal(
                "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
                uuid::Uuid::nil(),
                1,
            )
            .unwrap_err();
        assert_eq!(err.code(), uketsuke_protocol::codes::CSR_INVALID);
    }
}
