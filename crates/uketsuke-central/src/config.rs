//! Configuration: a TOML file (optional) overridden by `UKETSUKE_CENTRAL_*`
//! environment variables, e.g. `UKETSUKE_CENTRAL_DATABASE_URL`, `UKETSUKE_CENTRAL_LISTEN`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// PostgreSQL URL, e.g. `postgres://uketsuke@127.0.0.1/uketsuke`.
    pub database_url: String,
    /// Address the HTTPS (mutual TLS) listener binds.
    pub listen: SocketAddr,
    /// Directory with `ca.pem`, `ca.key`, `server.pem`, `server.key` (made by `init-pki`).
    pub pki_dir: PathBuf,
    /// How long an enrollment code stays valid.
    pub enrollment_code_hours: u32,
    /// How long a terminal certificate is valid.
    pub terminal_cert_days: u32,
    /// `text` or `json` log lines.
    pub log_format: String,
    /// Connections in the pool.
    pub pool_size: usize,
    /// Seconds to let requests in flight finish on shutdown.
    pub shutdown_grace_secs: u64,
    /// Argon2id cost for staff passwords (security.md §7.1: 64 MiB, 3 passes, 1 lane).
    /// Terminals verify with the parameters stored in each hash.
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    /// Argon2id computations at once on the service (each holds `argon2_memory_kib`),
    /// and how long a request waits for a turn before SERVICE_BUSY.
    pub argon2_max_concurrent: usize,
    pub argon2_wait_secs: u64,
    /// Minutes between the service's own access-log checks (re-verify stored
    /// chains, flag silent terminals).
    pub audit_check_minutes: u64,
    /// A terminal seen online within this many hours that shipped no access log in
    /// that time is flagged as silent.
    pub audit_silent_hours: i64,
    /// WebAuthn relying party: a host name under the city's control, the same on
    /// the service and every terminal. Changing it invalidates every registered
    /// authenticator.
    pub rp_id: String,
    /// The city's authenticator policy: the models accepted, proven by their
    /// attestation (the manufacturer's root and the models' AAGUIDs under it).
    /// User verification is always required. Software authenticators are
    /// accepted only by a service running the demo city.
    pub authenticator_models: Vec<AuthenticatorModel>,
    /// How long an invitation to register an authenticator stays valid.
    pub authenticator_invite_hours: i64,
    /// How long a per-action challenge (and a registration) may be answered.
    pub challenge_seconds: i64,
    /// 個人番号 views allowed within any hour, per person and per terminal.
    pub my_number_per_hour_staff: i64,
    pub my_number_per_hour_terminal: i64,
    /// Connections the listener keeps open at once, in all and per client
    /// address; more are closed as they arrive.
    pub max_connections: usize,
    pub max_connections_per_address: usize,
    /// Seconds a connection has for its TLS handshake, for a request's headers
    /// (also while idle between requests), and to live at all.
    pub tls_handshake_secs: u64,
    pub header_read_secs: u64,
    pub connection_lifetime_secs: u64,
    /// Seconds a request waits for a database connection before SERVICE_BUSY.
    pub pool_wait_secs: u64,
    /// Enrollment attempts per minute from one client address.
    pub enroll_per_minute_per_address: u32,
    /// Person-proving requests (challenges, logins, registrations, password
    /// changes, unlocks) per minute from one terminal.
    pub identity_per_minute_per_terminal: u32,
}

/// One accepted authenticator model in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticatorModel {
    pub description: String,
    /// The manufacturer's attestation root certificate, PEM.
    pub ca_file: PathBuf,
    pub aaguids: Vec<uuid::Uuid>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "postgres://postgres@127.0.0.1:5432/uketsuke".into(),
            listen: "127.0.0.1:8443".parse().expect("valid address"),
            pki_dir: PathBuf::from("pki"),
            enrollment_code_hours: 72,
            terminal_cert_days: 397,
            log_format: "text".into(),
            pool_size: 16,
            shutdown_grace_secs: 10,
            argon2_memory_kib: uketsuke_auth::Argon2Params::RECOMMENDED.m_kib,
            argon2_iterations: uketsuke_auth::Argon2Params::RECOMMENDED.t,
            argon2_parallelism: uketsuke_auth::Argon2Params::RECOMMENDED.p,
            argon2_max_concurrent: 2,
            argon2_wait_secs: 10,
            audit_check_minutes: 60,
            audit_silent_hours: 24,
            rp_id: "uketsuke.city.example".into(),
            authenticator_models: Vec::new(),
            authenticator_invite_hours: 24,
            challenge_seconds: 180,
            my_number_per_hour_staff: 20,
            my_number_per_hour_terminal: 60,
            max_connections: 1024,
            max_connections_per_address: 64,
            tls_handshake_secs: 10,
            header_read_secs: 15,
            connection_lifetime_secs: 600,
            pool_wait_secs: 10,
            enroll_per_minute_per_address: 10,
            identity_per_minute_per_terminal: 60,
        }
    }
}

impl Config {
    pub fn argon2(&self) -> uketsuke_auth::Argon2Params {
        uketsuke_auth::Argon2Params {
            m_kib: self.argon2_memory_kib,
            t: self.argon2_iterations,
            p: self.argon2_parallelism,
        }
    }

    /// Defaults, then the file (if given and present), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, Box<figment::Error>> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            fig = fig.merge(Toml::file_exact(file));
        }
        fig.merge(Env::prefixed("UKETSUKE_CENTRAL_")).extract().map_err(Box::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API returns its own error type
    fn file_then_environment_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("central.toml", "listen = \"127.0.0.1:9443\"\npool_size = 4\n")?;
            jail.set_env("UKETSUKE_CENTRAL_POOL_SIZE", "8");
            let cfg = Config::load(Some(Path::new("central.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(cfg.listen, "127.0.0.1:9443".parse().unwrap());
            assert_eq!(cfg.pool_size, 8, "environment wins over the file");
            assert_eq!(cfg.enrollment_code_hours, 72, "defaults fill the rest");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn the_documented_example_is_valid_and_states_the_defaults() {
        // In a Jail: serialised with the test above, which sets environment variables.
        figment::Jail::expect_with(|_| {
            let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/central.example.toml");
            assert_eq!(Config::load(Some(&example)).map_err(|e| e.to_string())?, Config::default());
            Ok(())
        });
    }

    #[test]
    fn a_missing_named_file_is_an_error() {
        assert!(Config::load(Some(Path::new("/nonexistent/central.toml"))).is_err());
    }
}
