//! A private PostgreSQL cluster for one test process (source 3 in the crate documentation).
//!
//! Layout of its temporary directory: `data/` (the cluster), `sock/` (its unix socket, so it
//! never touches the system's `/var/run/postgresql`), `postgres.log`.

use std::ffi::OsString;
use std::fs::{DirBuilder, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::TcpListener;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};

use tracing::{debug, info, warn};
use uuid::Uuid;

use crate::{bins, os, PgTestError};

/// The user a root process hands the cluster to. `nobody` exists on every Unix and owns nothing,
/// which is exactly what a throwaway cluster should be able to touch.
const UNPRIVILEGED_USER: &str = "nobody";

/// `pg_ctl start` is retried with a new port this many times: the free port is found by binding
/// port 0 and releasing it, so another process can take it before PostgreSQL binds it.
const START_ATTEMPTS: usize = 3;

/// Appended to `postgresql.conf`. Durability is pointless for a cluster deleted on exit, and
/// turning it off makes the many `CREATE DATABASE`s and small transactions of tests much faster.
const SETTINGS: &str = "
# Added by uketsuke-pgtest: a throwaway cluster for tests, deleted when the test process exits.
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
";

/// Shell watchdog; see the crate documentation. Arguments: pg_ctl, data dir, base dir, then the
/// command prefix that runs a program as the cluster's owner (empty when not root).
///
/// `read` returns only at end of file (or if someone writes a line, which nobody does, hence the
/// loop): that is, when every write end of its stdin is closed. The only write end is held by the
/// test process and is close-on-exec, so no other program inherits it. `PATH` is extended because
/// the test's own `PATH` may lack `rm` and `head` (the program paths it needs are absolute).
const WATCHDOG_SCRIPT: &str = r#"
trap '' HUP INT
PATH=/usr/bin:/bin${PATH:+:$PATH}
while read -r _; do :; done
pg_ctl=$1; data=$2; base=$3; shift 3
"$@" "$pg_ctl" -D "$data" stop -m immediate -w -t 30 >/dev/null 2>&1
if [ -f "$data/postmaster.pid" ]; then
  kill -QUIT "$(head -n 1 "$data/postmaster.pid")" 2>/dev/null
  sleep 2
fi
rm -rf "$base"
"#;

/// A running throwaway cluster. Dropping it (only possible when startup fails, since the
/// successful one lives in a static) makes the watchdog stop and delete it right away.
#[derive(Debug)]
pub(crate) struct Cluster {
    base: PathBuf,
    port: u16,
    _watchdog: Watchdog,
}

impl Cluster {
    /// Create, configure and start the cluster. Blocking: runs `initdb` and `pg_ctl`.
    pub(crate) fn start() -> Result<Self, PgTestError> {
        let bin = bins::server_bin_dir().ok_or(PgTestError::BinariesNotFound)?;
        let run_as = if os::is_root() { Some(RunAs::find()?) } else { None };

        let base =
            std::env::temp_dir().join(format!("uketsuke-pgtest-{}-{}", std::process::id(), Uuid::now_v7().simple()));
        let data = base.join("data");
        let pg_ctl = bin.join("pg_ctl");
        // The watchdog is started before anything goes into the directory, so that every later
        // failure, and the process's exit, is cleaned up by the same code.
        let watchdog = make_private_dir(&base, run_as.as_ref())
            .and_then(|()| Watchdog::spawn(&pg_ctl, &data, &base, run_as.as_ref()))
            .inspect_err(|_| {
                if let Err(rm) = std::fs::remove_dir_all(&base) {
                    debug!(dir = %base.display(), error = %rm, "could not remove the throwaway cluster directory");
                }
            })?;
        let sock = base.join("sock");
        make_private_dir(&sock, run_as.as_ref())?;

        let mut initdb = program(run_as.as_ref(), &bin.join("initdb"), &base);
        initdb.arg("-D").arg(&data).args([
            "--auth=trust",
            "-U",
            "postgres",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        ]);
        run(initdb, "initdb")?;

        let conf = data.join("postgresql.conf");
        let socket_line = format!("unix_socket_directories = '{}'\n", sock.display().to_string().replace('\'', "''"));
        OpenOptions::new()
            .append(true)
            .open(&conf)
            .and_then(|mut file| file.write_all(format!("{SETTINGS}{socket_line}").as_bytes()))
            .map_err(|source| PgTestError::Io { context: format!("appending to {}", conf.display()), source })?;

        let cluster = Cluster { port: 0, base, _watchdog: watchdog };
        cluster.start_on_free_port(&pg_ctl, &data, run_as.as_ref())
    }

    fn start_on_free_port(mut self, pg_ctl: &Path, data: &Path, run_as: Option<&RunAs>) -> Result<Self, PgTestError> {
        let log = self.log_path();
        let mut last_error = None;
        for attempt in 1..=START_ATTEMPTS {
            let port = free_port()?;
            let mut start = program(run_as, pg_ctl, &self.base);
            start.arg("-D").arg(data).arg("-l").arg(&log).args([
                "-o",
                &format!("-p {port}"),
                "-w",
                "-t",
                "30",
                "start",
            ]);
            match run(start, "pg_ctl start") {
                Ok(()) => {
                    info!(port, dir = %self.base.display(), "started throwaway PostgreSQL cluster");
                    self.port = port;
                    return Ok(self);
                }
                Err(e) => {
                    warn!(attempt, port, error = %e, log = %self.log_tail(), "throwaway cluster did not start");
                    // A server that came up too slowly for `-w` would block the next attempt.
                    let mut stop = program(run_as, pg_ctl, &self.base);
                    stop.arg("-D").arg(data).args(["stop", "-m", "immediate", "-w"]);
                    if let Err(stop_error) = run(stop, "pg_ctl stop") {
                        debug!(error = %stop_error, "nothing to stop after the failed start");
                    }
                    last_error = Some(e);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| PgTestError::Command {
            command: "pg_ctl start".to_owned(),
            detail: "was not attempted".to_owned(),
        }))
    }

    pub(crate) fn base(&self) -> &Path {
        &self.base
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    fn log_path(&self) -> PathBuf {
        self.base.join("postgres.log")
    }

    /// The last few lines of the server log, for error messages.
    pub(crate) fn log_tail(&self) -> String {
        const TAIL: u64 = 2000;
        let mut text = String::new();
        let read = std::fs::File::open(self.log_path()).and_then(|mut file| {
            let len = file.metadata()?.len();
            file.seek(SeekFrom::Start(len.saturating_sub(TAIL)))?;
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)?;
            text = String::from_utf8_lossy(&bytes).trim().to_owned();
            Ok(())
        });
        match read {
            Ok(()) if text.is_empty() => "(empty)".to_owned(),
            Ok(()) => text,
            Err(e) => format!("(unreadable: {e})"),
        }
    }
}

/// Holds the write end of the watchdog's stdin; see [`WATCHDOG_SCRIPT`].
#[derive(Debug)]
struct Watchdog {
    _stdin: ChildStdin,
}

impl Watchdog {
    fn spawn(pg_ctl: &Path, data: &Path, base: &Path, run_as: Option<&RunAs>) -> Result<Self, PgTestError> {
        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(WATCHDOG_SCRIPT)
            .arg("uketsuke-pgtest-watchdog")
            .arg(pg_ctl)
            .arg(data)
            .arg(base)
            .args(run_as.map(|r| r.prefix.as_slice()).unwrap_or_default())
            .stdin(Stdio::piped())
            // Not the test's stdout/stderr: `cargo test` waits for those pipes to close.
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .current_dir("/")
            // Out of the terminal's foreground process group, so Ctrl-C does not reach it.
            .process_group(0);
        let mut child = command.spawn().map_err(|source| PgTestError::Io {
            context: "starting the cleanup watchdog (/bin/sh)".to_owned(),
            source,
        })?;
        let stdin = child.stdin.take().ok_or_else(|| PgTestError::Io {
            context: "starting the cleanup watchdog".to_owned(),
            source: std::io::Error::other("no stdin pipe"),
        })?;
        // The `Child` is dropped without waiting: the watchdog must outlive this process.
        debug!(pid = child.id(), "started cleanup watchdog");
        Ok(Watchdog { _stdin: stdin })
    }
}

/// How to run a program as the unprivileged owner of the cluster when we are root.
#[derive(Debug)]
struct RunAs {
    /// `runuser -u nobody --` or `setpriv ... --`, to put before the program.
    prefix: Vec<OsString>,
    uid: u32,
    gid: u32,
}

impl RunAs {
    fn find() -> Result<Self, PgTestError> {
        let account = os::account_by_name(UNPRIVILEGED_USER)
            .ok_or_else(|| PgTestError::NoUnprivilegedUser(format!("there is no user `{UNPRIVILEGED_USER}`")))?;
        let prefix: Vec<OsString> = if let Some(runuser) = find_system_program("runuser") {
            vec![runuser.into(), "-u".into(), UNPRIVILEGED_USER.into(), "--".into()]
        } else if let Some(setpriv) = find_system_program("setpriv") {
            vec![
                setpriv.into(),
                format!("--reuid={}", account.uid).into(),
                format!("--regid={}", account.gid).into(),
                "--clear-groups".into(),
                "--".into(),
            ]
        } else {
            return Err(PgTestError::NoUnprivilegedUser("neither runuser nor setpriv was found".to_owned()));
        };
        Ok(RunAs { prefix, uid: account.uid, gid: account.gid })
    }
}

/// `runuser` lives in `/usr/sbin` or `/sbin`, which a non-login root shell may not have on `PATH`.
fn find_system_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| bins::is_executable(candidate))
}

/// A mode-0700 directory, owned by the cluster's user when we run as root (initdb and the server
/// write into it; everyone else has no business there).
fn make_private_dir(path: &Path, run_as: Option<&RunAs>) -> Result<(), PgTestError> {
    let io = |source| PgTestError::Io { context: format!("creating {}", path.display()), source };
    DirBuilder::new().mode(0o700).create(path).map_err(io)?;
    if let Some(run_as) = run_as {
        std::os::unix::fs::chown(path, Some(run_as.uid), Some(run_as.gid)).map_err(io)?;
    }
    Ok(())
}

/// `program`, run as the cluster's user if needed, from inside the cluster directory: the test's
/// own working directory may not be readable by `nobody`, and initdb complains about that.
fn program(run_as: Option<&RunAs>, program: &Path, cwd: &Path) -> Command {
    let mut command = match run_as.and_then(|r| r.prefix.split_first()) {
        Some((first, rest)) => {
            let mut command = Command::new(first);
            command.args(rest).arg(program);
            command
        }
        None => Command::new(program),
    };
    command.current_dir(cwd).stdin(Stdio::null());
    command
}

/// Run to completion; a non-zero exit becomes an error carrying the program's output.
fn run(mut command: Command, what: &str) -> Result<(), PgTestError> {
    debug!(?command, "running");
    let output = command.output().map_err(|source| PgTestError::Io { context: format!("running {what}"), source })?;
    if output.status.success() {
        return Ok(());
    }
    let mut detail = format!("{}", output.status);
    for stream in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(stream);
        let text = text.trim();
        if !text.is_empty() {
            detail.push_str("; ");
            detail.push_str(text);
        }
    }
    Err(PgTestError::Command { command: what.to_owned(), detail })
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
fn free_port() -> Result<u16, PgTestError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|source| PgTestError::Io { context: "finding a free port on 127.0.0.1".to_owned(), source })
}
