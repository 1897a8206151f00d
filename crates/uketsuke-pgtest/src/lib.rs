//! # uketsuke-pgtest
//!
//! Finds or starts a PostgreSQL server for the central service's tests and benchmarks, once per
//! process, and hands each test its own fresh, empty database.
//!
//! Tests must not share a database: they run in parallel and each expects to start from an empty
//! schema. Creating a database is cheap (tens of milliseconds), so every [`fresh_db`] call makes a
//! new one on a single server that the whole test binary shares.
//!
//! ## Where the server comes from
//!
//! [`server`] picks the first that applies, once per process, and remembers the answer (or the
//! failure, so a broken setup fails every test quickly instead of retrying per test):
//!
//! 1. **[`Source::Env`]** — `$DATABASE_URL` is set (and not empty): that server is used as is.
//!    The URL is the *admin* connection: its role must be allowed to create databases, and the
//!    test databases are created next to whatever database it names. Nothing else is tried if it
//!    cannot be reached — a URL that was given on purpose and does not work is an error, not a
//!    reason to quietly test against something else. Only plain-text connections are compiled in
//!    (tokio-postgres with `NoTls`): `sslmode=prefer` (the default) falls back to plain text,
//!    `sslmode=require` fails. The URL is read by tokio-postgres, as the central service reads
//!    its own, so its query may hold only the options tokio-postgres knows (`sslmode`,
//!    `connect_timeout`, `application_name`, `options`, …; others, such as `sslrootcert`, are
//!    rejected). What the URL leaves out is taken from `PGHOST` (or `PGHOSTADDR`), `PGPORT`,
//!    `PGUSER`, `PGPASSWORD` and `PGDATABASE` as libpq would — without a host, the first of
//!    `/var/run/postgresql`, `/private/tmp` and `/tmp` that holds the server's socket, else
//!    `localhost`; without a user, the OS user name — and written into [`Server::admin_url`] and
//!    so into every [`TestDb::url`], because tokio-postgres itself reads no environment.
//!    `~/.pgpass` is not read: put the password in the URL or in `PGPASSWORD`.
//! 2. **[`Source::Local5432`]** — a server answers on `127.0.0.1:5432` with trust authentication,
//!    as the role `postgres` or else as the current OS user name, database `postgres`, and that
//!    role can create databases. This is the usual developer machine and CI box with a packaged
//!    PostgreSQL.
//! 3. **[`Source::Throwaway`]** — otherwise a private cluster is started: `initdb`, `pg_ctl` and
//!    `postgres` are looked up on `PATH` and then in `/usr/lib/postgresql/<version>/bin` (Debian
//!    and Ubuntu keep them there, off `PATH`), highest version first. The cluster lives in a new
//!    temporary directory, uses trust authentication for the role `postgres`, listens on
//!    127.0.0.1 at a free port and on a unix socket inside that directory, and runs with
//!    `fsync=off` because nothing in it needs to survive. PostgreSQL refuses to run as root, so
//!    when the test runs as root (containers, CI) the cluster is created and run as `nobody`
//!    through `runuser` (or `setpriv`), and its directory is owned by `nobody`. The temporary
//!    directory (`$TMPDIR`, usually `/tmp`) must therefore be traversable by `nobody`, and short
//!    enough for a unix socket path (about 100 bytes).
//!
//! Setting `UKETSUKE_PGTEST_FORCE_THROWAWAY=1` ([`FORCE_THROWAWAY_VAR`]) skips 1 and 2 and always
//! starts a throwaway cluster; it exists so that path 3 can be tested on machines that do run a
//! server.
//!
//! ## Cleaning up the throwaway cluster
//!
//! Rust never runs `Drop` for statics, and a test binary can also die from a panic with
//! `panic=abort`, a signal or a timeout, so cleanup cannot live in this process. Instead, right
//! after creating the cluster directory, a small detached shell watchdog is started whose standard
//! input is a pipe; this process keeps the only write end and never writes to it. When the process
//! exits — however it exits, `SIGKILL` included — the kernel closes that end, the watchdog's `read`
//! returns, and it runs `pg_ctl stop -m immediate` and deletes the directory. So the server and its
//! files outlive the test binary by about a second. The watchdog runs in its own process group and
//! ignores `SIGINT`/`SIGHUP`, so a Ctrl-C on `cargo test` stops the tests but not their cleanup.
//!
//! ## Cleaning up test databases
//!
//! [`TestDb::drop_db`] drops a database (best effort; it also disconnects leftover sessions). A
//! test that fails or forgets to call it leaves its database behind: on a throwaway cluster that
//! does not matter, and on a shared server (sources 1 and 2) every test database is named
//! [`DB_PREFIX`]`<uuid>`, so leftovers are easy to find and drop by hand.
//!
//! ## Dump and restore
//!
//! [`pg_bin`] finds client tools such as `pg_dump`, `pg_restore` and `psql` the same way as the
//! server binaries. Pass them [`TestDb::url`] as `--dbname`. `pg_dump` refuses to dump from a
//! server of a newer major version than its own, and `pg_restore` must be at least as new as the
//! `pg_dump` that wrote a custom-format archive; taking the highest installed version (and, on
//! Debian, the `pg_wrapper` on `PATH`, which also picks a suitable version) satisfies both whenever
//! the server's own version is installed locally.
//!
//! ## Runtimes
//!
//! Each `#[tokio::test]` has its own runtime, and a connection is bound to the runtime that opened
//! it (tokio-postgres drives each connection with a task spawned there, which dies with that
//! runtime). So [`Server`] keeps only URLs, never a connection, and every call here opens and
//! closes its own short-lived admin connection in the caller's runtime.

mod bins;
mod os;
mod throwaway;

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;
use tokio::task::JoinHandle;
use tokio_postgres::{Client, Config, NoTls};
use tracing::{debug, info, warn};
use uuid::Uuid;

pub use bins::pg_bin;

/// Name prefix of every database made by [`fresh_db`], so that leftovers on a shared server can be
/// recognised and dropped.
pub const DB_PREFIX: &str = "uketsuke_test_";

/// Environment variable that, when set to `1`, makes [`server`] start a throwaway cluster even if
/// `$DATABASE_URL` is set or a server answers on port 5432.
pub const FORCE_THROWAWAY_VAR: &str = "UKETSUKE_PGTEST_FORCE_THROWAWAY";

/// How long one connection attempt may take. Generous because a loaded CI machine running many
/// tests at once can be slow to accept, but bounded so that a port held by something that is not
/// PostgreSQL cannot hang the suite.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a freshly started throwaway cluster gets to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Everything that can go wrong while finding or starting a server or making a database.
#[derive(Debug, thiserror::Error)]
pub enum PgTestError {
    /// `$DATABASE_URL` or a derived URL could not be parsed.
    #[error("invalid PostgreSQL URL {url}: {reason}")]
    BadUrl { url: String, reason: String },
    /// The server refused the connection or the login.
    #[error("could not connect to {url}: {}", ErrorChain(.source))]
    Connect { url: String, source: tokio_postgres::Error },
    /// Nothing answered within [`CONNECT_TIMEOUT`].
    #[error("connecting to {url} timed out after {timeout:?}")]
    ConnectTimeout { url: String, timeout: Duration },
    /// A statement on the admin connection failed.
    #[error("SQL failed: {}", ErrorChain(.0))]
    Sql(#[from] tokio_postgres::Error),
    /// No directory holds all of `initdb`, `pg_ctl` and `postgres`.
    #[error(
        "cannot start a throwaway PostgreSQL cluster: initdb, pg_ctl and postgres are neither on PATH nor in \
         /usr/lib/postgresql/*/bin (install the PostgreSQL server package, e.g. `apt-get install postgresql`, \
         or set $DATABASE_URL)"
    )]
    BinariesNotFound,
    /// Running as root, and there is no way to run PostgreSQL as an unprivileged user.
    #[error("running as root, and PostgreSQL refuses root: {0}")]
    NoUnprivilegedUser(String),
    /// A file system operation on the throwaway cluster's directory failed.
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    /// `initdb` or `pg_ctl` failed.
    #[error("`{command}` failed: {detail}")]
    Command { command: String, detail: String },
    /// The throwaway cluster started but did not accept connections in time.
    #[error(
        "the throwaway PostgreSQL cluster did not accept connections within {timeout:?}; \
         last error: {last_error}; log: {log_tail}"
    )]
    StartTimeout { timeout: Duration, last_error: String, log_tail: String },
    /// The blocking startup task panicked or was cancelled.
    #[error("throwaway cluster startup task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// Finding or starting the server failed (in this call or an earlier one: the one-time setup
    /// is not retried); the message is that failure.
    #[error("no PostgreSQL server for tests: {0}")]
    Unavailable(String),
}

/// Where the process-wide server came from; see the crate documentation for the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `$DATABASE_URL`.
    Env,
    /// A server already running on 127.0.0.1:5432.
    Local5432,
    /// A cluster started by this process, stopped and deleted after it exits.
    Throwaway,
}

/// The PostgreSQL server this process's tests use.
pub struct Server {
    admin_url: String,
    source: Source,
    /// Kept only for its lifetime: holding it keeps the throwaway cluster's watchdog waiting.
    cluster: Option<throwaway::Cluster>,
}

impl Server {
    /// Where this server came from.
    pub fn source(&self) -> Source {
        self.source
    }

    /// URL of a connection allowed to create and drop databases (it may contain a password).
    pub fn admin_url(&self) -> &str {
        &self.admin_url
    }

    /// For a throwaway cluster, its temporary directory: `data/` is the cluster, `postgres.log` its
    /// log (useful when a test fails oddly), `sock/` its unix socket. `None` for other sources.
    pub fn throwaway_dir(&self) -> Option<&Path> {
        self.cluster.as_ref().map(throwaway::Cluster::base)
    }
}

// By hand, because a `$DATABASE_URL` may carry a password and test failures print `Debug`.
impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("admin_url", &redact(&self.admin_url))
            .field("source", &self.source)
            .field("throwaway_dir", &self.throwaway_dir())
            .finish()
    }
}

/// The outcome of the one-time setup. The error is kept as text because errors are not `Clone`
/// and every later caller needs its own copy.
static SERVER: OnceCell<Result<Server, String>> = OnceCell::const_new();

/// Find or start the server once per process; every later call returns the same one (or the same
/// failure).
pub async fn server() -> Result<&'static Server, PgTestError> {
    SERVER
        .get_or_init(|| async {
            find_or_start().await.map_err(|e| {
                warn!(error = %e, "no PostgreSQL server for tests");
                e.to_string()
            })
        })
        .await
        .as_ref()
        .map_err(|message| PgTestError::Unavailable(message.clone()))
}

/// A database created for one test.
#[derive(Clone)]
pub struct TestDb {
    /// Connection URL of this database (same server, role and options as the admin URL).
    pub url: String,
    /// Database name, [`DB_PREFIX`] followed by a UUID.
    pub name: String,
    admin_url: String,
}

impl TestDb {
    /// Connection URL of this database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drop the database, disconnecting anything still connected to it (a pool the test forgot
    /// to close must not keep the database alive). Best effort: a test may ignore the result.
    pub async fn drop_db(mut self) -> Result<(), PgTestError> {
        let result = drop_database(&self.admin_url, &self.name).await;
        self.name.clear(); // nothing left for Drop to do
        result
    }
}

/// A database is dropped when its `TestDb` goes out of scope, so test runs against a
/// shared server (CI's, a developer's) leave nothing behind. Drop cannot await: it
/// runs the drop on a thread of its own with its own small runtime, and only logs
/// a failure.
impl Drop for TestDb {
    fn drop(&mut self) {
        if self.name.is_empty() {
            return;
        }
        let (admin_url, name) = (self.admin_url.clone(), std::mem::take(&mut self.name));
        let joined = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
            match rt {
                Ok(rt) => rt.block_on(drop_database(&admin_url, &name)),
                Err(source) => Err(PgTestError::Io { context: "a runtime to drop the test database".into(), source }),
            }
        })
        .join();
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "test database not dropped"),
            Err(_) => tracing::warn!("test database drop panicked"),
        }
    }
}

async fn drop_database(admin_url: &str, name: &str) -> Result<(), PgTestError> {
    {
        let admin = connect(admin_url).await?;
        let force = format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#);
        if let Err(e) = admin.client.batch_execute(&force).await {
            // `WITH (FORCE)` is PostgreSQL 13+. On older servers disconnect the sessions by hand;
            // a pool could reconnect in between, which is why this is only the fallback.
            debug!(error = %ErrorChain(&e), "DROP DATABASE ... WITH (FORCE) failed; terminating sessions and retrying");
            admin
                .client
                .execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", &[&name])
                .await?;
            let plain = format!(r#"DROP DATABASE IF EXISTS "{name}""#);
            admin.client.batch_execute(&plain).await?;
        }
        close(admin).await;
    }
    debug!(%name, "dropped test database");
    Ok(())
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb").field("url", &redact(&self.url)).field("name", &self.name).finish_non_exhaustive()
    }
}

/// A fresh, empty database for one test.
///
/// It is created from `template0`, not the default `template1`, for two reasons: on a shared
/// server `template1` may hold extensions or tables someone added, and `CREATE DATABASE` from a
/// template fails while anyone else is connected to that template, which parallel tests (or a
/// person with `psql` open) would otherwise trigger.
pub async fn fresh_db() -> Result<TestDb, PgTestError> {
    let server = server().await?;
    let name = format!("{DB_PREFIX}{}", Uuid::now_v7().simple());
    let url = with_database(&server.admin_url, &name)?;
    let admin = connect(&server.admin_url).await?;
    // The name is the prefix plus hex digits, so it is safe to splice into the statement.
    let create = format!(r#"CREATE DATABASE "{name}" TEMPLATE template0 ENCODING 'UTF8'"#);
    let created = admin.client.batch_execute(&create).await;
    close(admin).await;
    created?;
    debug!(%name, "created test database");
    Ok(TestDb { url, name, admin_url: server.admin_url.clone() })
}

async fn find_or_start() -> Result<Server, PgTestError> {
    if std::env::var(FORCE_THROWAWAY_VAR).is_ok_and(|v| v == "1") {
        info!("{FORCE_THROWAWAY_VAR}=1: starting a throwaway PostgreSQL cluster");
        return start_throwaway().await;
    }

    if let Some(url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.trim().is_empty()) {
        let url = complete_url(&url, |name| std::env::var(name).ok())?;
        let conn = connect(&url).await?;
        close(conn).await;
        info!(url = %redact(&url), "using PostgreSQL from $DATABASE_URL");
        return Ok(Server { admin_url: url, source: Source::Env, cluster: None });
    }

    for user in local_user_candidates() {
        let url = local_url(&user, 5432)?;
        match usable_local_admin(&url).await {
            Ok(true) => {
                info!(%url, "using the PostgreSQL server on 127.0.0.1:5432");
                return Ok(Server { admin_url: url, source: Source::Local5432, cluster: None });
            }
            Ok(false) => debug!(%user, "the role on 127.0.0.1:5432 may not create databases"),
            Err(e) => debug!(%user, error = %e, "no usable PostgreSQL on 127.0.0.1:5432"),
        }
    }

    info!("no PostgreSQL server found; starting a throwaway cluster");
    start_throwaway().await
}

/// Roles to try on port 5432: `postgres` is the packaged superuser, and the OS user name is what
/// `createuser $USER` setups (and Homebrew) give.
fn local_user_candidates() -> Vec<String> {
    let mut users = vec!["postgres".to_owned()];
    if let Some(me) = os::current_user_name() {
        if !users.contains(&me) {
            users.push(me);
        }
    }
    users
}

/// Whether `url` logs in and its role can create databases (a role that cannot is no use here,
/// and the next candidate may be better).
async fn usable_local_admin(url: &str) -> Result<bool, PgTestError> {
    let conn = connect(url).await?;
    let allowed = conn
        .client
        .query_one("SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user", &[])
        .await
        .and_then(|row| row.try_get::<_, bool>(0));
    close(conn).await;
    Ok(allowed?)
}

async fn start_throwaway() -> Result<Server, PgTestError> {
    // initdb and pg_ctl block for seconds; keep them off the runtime's worker threads.
    let cluster = tokio::task::spawn_blocking(throwaway::Cluster::start).await??;
    let url = local_url("postgres", cluster.port())?;
    wait_until_ready(&url, &cluster).await?;
    info!(%url, dir = %cluster.base().display(), "throwaway PostgreSQL cluster is ready");
    Ok(Server { admin_url: url, source: Source::Throwaway, cluster: Some(cluster) })
}

/// `pg_ctl -w` already waits for the server, but "ready" by its pid file and "accepts this login
/// over TCP" are not quite the same thing, so poll with a real connection.
async fn wait_until_ready(url: &str, cluster: &throwaway::Cluster) -> Result<(), PgTestError> {
    let started = Instant::now();
    loop {
        match connect(url).await {
            Ok(conn) => {
                close(conn).await;
                return Ok(());
            }
            Err(e) if started.elapsed() >= START_TIMEOUT => {
                return Err(PgTestError::StartTimeout {
                    timeout: START_TIMEOUT,
                    last_error: e.to_string(),
                    log_tail: cluster.log_tail(),
                });
            }
            Err(e) => {
                debug!(error = %e, "throwaway cluster not ready yet");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// `postgres://USER@127.0.0.1:PORT/postgres`, with the user name percent-encoded.
fn local_url(user: &str, port: u16) -> Result<String, PgTestError> {
    let base = format!("postgres://127.0.0.1:{port}/postgres");
    let mut url = url::Url::parse(&base).map_err(|e| bad_url(&base, e))?;
    url.set_username(user).map_err(|()| bad_url(&base, "cannot hold a user name"))?;
    Ok(url.into())
}

/// The admin URL with its database replaced by `name`; user, password, host and query options
/// (such as `sslmode`) stay as they are.
fn with_database(admin_url: &str, name: &str) -> Result<String, PgTestError> {
    let mut url = url::Url::parse(admin_url).map_err(|e| bad_url(admin_url, e))?;
    url.set_path(&format!("/{name}"));
    Ok(url.into())
}

fn bad_url(url: &str, reason: impl std::fmt::Display) -> PgTestError {
    PgTestError::BadUrl { url: redact(url), reason: reason.to_string() }
}

/// The URL with any password replaced, for logs and error messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Cannot fail: a URL that has a password can hold one.
            let _ = parsed.set_password(Some("***"));
            parsed.into()
        }
        Ok(parsed) => parsed.into(),
        Err(_) => "<unparsable URL>".to_owned(),
    }
}

/// A short-lived admin connection: the client, and the task (on the caller's runtime) that drives
/// its socket.
struct Conn {
    client: Client,
    driver: JoinHandle<Result<(), tokio_postgres::Error>>,
}

async fn connect(url: &str) -> Result<Conn, PgTestError> {
    let config = connect_config(url)?;
    match tokio::time::timeout(CONNECT_TIMEOUT, config.connect(NoTls)).await {
        Ok(Ok((client, connection))) => Ok(Conn { client, driver: tokio::spawn(connection) }),
        Ok(Err(source)) => Err(PgTestError::Connect { url: redact(url), source }),
        Err(_) => Err(PgTestError::ConnectTimeout { url: redact(url), timeout: CONNECT_TIMEOUT }),
    }
}

/// Close politely: dropping the client makes the driver send `Terminate` and finish, and waiting
/// for it means the session is gone (from this side) when this returns. A failure here only means
/// the server already dropped the connection.
async fn close(conn: Conn) {
    let Conn { client, driver } = conn;
    drop(client);
    match tokio::time::timeout(CONNECT_TIMEOUT, driver).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => debug!(error = %ErrorChain(&e), "closing admin connection failed"),
        Ok(Err(e)) => debug!(error = %e, "admin connection task failed"),
        Err(_) => debug!("closing admin connection timed out; leaving it to finish on its own"),
    }
}

/// `url` as tokio-postgres reads it.
fn connect_config(url: &str) -> Result<Config, PgTestError> {
    // tokio-postgres would also take a `key=value` string, but [`with_database`] needs a URL, so
    // insist on one here, where a bad `$DATABASE_URL` is first noticed.
    url::Url::parse(url).map_err(|e| bad_url(url, e))?;
    Config::from_str(url).map_err(|e| bad_url(url, ErrorChain(&e)))
}

/// `url` with what it leaves out filled in from libpq's environment variables, as libpq itself
/// would (`env` looks one up). Written into the URL rather than applied when connecting, so that
/// the test databases' URLs work with tokio-postgres, which reads no environment, and reach the
/// same server as the same role with `pg_dump`.
fn complete_url(url: &str, env: impl Fn(&str) -> Option<String>) -> Result<String, PgTestError> {
    let env = |name: &str| env(name).filter(|value| !value.is_empty());
    let config = connect_config(url)?;
    let mut parsed = url::Url::parse(url).map_err(|e| bad_url(url, e))?;
    let unfit = |what: &str| bad_url(url, format!("cannot hold the {what} from the environment"));
    if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
        let port = env("PGPORT").and_then(|port| port.parse().ok());
        let host = env("PGHOSTADDR").or_else(|| env("PGHOST")).unwrap_or_else(|| default_host(port.unwrap_or(5432)));
        // A socket directory goes in percent-encoded, as libpq and tokio-postgres both read it.
        let host = if host.starts_with('/') { percent_encode(&host) } else { host };
        parsed.set_host(Some(&host)).map_err(|_| unfit("host"))?;
        if config.get_ports().is_empty() {
            parsed.set_port(port).map_err(|()| unfit("port"))?;
        }
    }
    // Without a user, tokio-postgres takes the OS user name, as libpq does.
    if config.get_user().is_none() {
        if let Some(user) = env("PGUSER") {
            parsed.set_username(&user).map_err(|()| unfit("user"))?;
        }
    }
    if config.get_password().is_none() {
        if let Some(password) = env("PGPASSWORD") {
            parsed.set_password(Some(&password)).map_err(|()| unfit("password"))?;
        }
    }
    if config.get_dbname().is_none() {
        if let Some(dbname) = env("PGDATABASE") {
            parsed.set_path(&format!("/{dbname}"));
        }
    }
    let completed: String = parsed.into();
    connect_config(&completed)?;
    Ok(completed)
}

/// Every byte but ASCII letters, digits and `-._~` as `%XX`.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(byte).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// The usual unix socket directory that holds this port's socket, else `localhost`.
fn default_host(port: u16) -> String {
    let socket = format!(".s.PGSQL.{port}");
    ["/var/run/postgresql", "/private/tmp", "/tmp"]
        .into_iter()
        .find(|dir| Path::new(dir).join(&socket).exists())
        .unwrap_or("localhost")
        .to_owned()
}

/// A tokio-postgres error with its causes: its own `Display` is only the kind ("db error"), and
/// the server's message is in the source.
struct ErrorChain<'a>(&'a tokio_postgres::Error);

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = std::error::Error::source(self.0);
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_is_replaced_and_options_kept() {
        let url = with_database("postgres://u:p%40ss@db.example:6543/admin?sslmode=prefer", "uketsuke_test_x");
        assert_eq!(url.ok().as_deref(), Some("postgres://u:p%40ss@db.example:6543/uketsuke_test_x?sslmode=prefer"));
    }

    #[test]
    fn local_url_encodes_user() {
        assert_eq!(local_url("a b", 5432).ok().as_deref(), Some("postgres://a%20b@127.0.0.1:5432/postgres"));
    }

    fn env(name: &str) -> Option<String> {
        let value = match name {
            "PGHOST" => "/run/my pg",
            "PGPORT" => "6000",
            "PGUSER" => "env user",
            "PGPASSWORD" => "env:pass@",
            "PGDATABASE" => "envdb",
            _ => return None,
        };
        Some(value.to_owned())
    }

    #[test]
    fn env_fills_only_what_the_url_leaves_out() -> Result<(), PgTestError> {
        let full = "postgres://u:p@h:7000/db?sslmode=prefer";
        assert_eq!(complete_url(full, env)?, full);
        // A host without a port means 5432 to tokio-postgres, so `PGPORT` stays out.
        assert_eq!(complete_url("postgres://h", env)?, "postgres://env%20user:env%3Apass%40@h/envdb");

        let url = complete_url("postgres://", env)?;
        assert_eq!(url, "postgres://env%20user:env%3Apass%40@%2Frun%2Fmy%20pg:6000/envdb");
        let config = connect_config(&url)?;
        assert_eq!(config.get_hosts(), [tokio_postgres::config::Host::Unix("/run/my pg".into())]);
        assert_eq!(config.get_ports(), [6000]);
        assert_eq!(config.get_user(), Some("env user"));
        assert_eq!(config.get_password(), Some(&b"env:pass@"[..]));
        assert_eq!(config.get_dbname(), Some("envdb"));
        // Test databases keep all of it.
        let config = connect_config(&with_database(&url, "uketsuke_test_x")?)?;
        assert_eq!(config.get_hosts(), [tokio_postgres::config::Host::Unix("/run/my pg".into())]);
        assert_eq!(config.get_dbname(), Some("uketsuke_test_x"));

        let url = complete_url("postgres:///db?host=/run/pg&user=me", |_| None)?;
        assert_eq!(url, "postgres:///db?host=/run/pg&user=me");
        let url = complete_url("postgres:///db", |_| None)?;
        assert!(url.starts_with("postgres://") && url.ends_with("/db"), "{url}");
        assert_eq!(connect_config(&url)?.get_hosts().len(), 1);
        Ok(())
    }

    #[test]
    fn bad_urls_are_rejected_with_the_reason() {
        let err = connect_config("postgres://u@h/db?sslrootcert=/x").err().map(|e| e.to_string());
        assert!(err.as_deref().is_some_and(|e| e.contains("unknown option `sslrootcert`")), "{err:?}");
        assert!(matches!(connect_config("host=h user=u"), Err(PgTestError::BadUrl { .. })));
    }

    #[test]
    fn redact_hides_password_only() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
