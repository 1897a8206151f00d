//! Source 3, the throwaway cluster. Its own test binary, because the server is chosen once per
//! process: here `UKETSUKE_PGTEST_FORCE_THROWAWAY=1` is set before anything asks for it.
//!
//! The cleanup happens only after the process exits, so it cannot be checked from inside that
//! process: `throwaway_cluster_is_removed_after_exit` runs `inner_throwaway_cluster` in a child
//! process of this same binary and then checks, from outside, that the server and its directory
//! are gone.
#![cfg(target_os = "linux")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{connect, TestResult};
use uketsuke_pgtest::{fresh_db, server, Source, FORCE_THROWAWAY_VAR};

/// Marks the line through which the child reports its cluster to the parent.
const REPORT: &str = "UKETSUKE_PGTEST_CLUSTER";

#[tokio::test]
#[ignore = "run in a child process by throwaway_cluster_is_removed_after_exit"]
async fn inner_throwaway_cluster() -> TestResult {
    // Normally already set by the parent; set it here too so the test can be run on its own.
    // Nothing else in this process reads the environment yet.
    std::env::set_var(FORCE_THROWAWAY_VAR, "1");

    let server = server().await?;
    assert_eq!(server.source(), Source::Throwaway);
    assert!(!server.admin_url().contains(":5432/"), "{}", server.admin_url());
    let dir = server.throwaway_dir().ok_or("a throwaway server has a directory")?;
    let pid_file = std::fs::read_to_string(dir.join("data").join("postmaster.pid"))?;
    let pid = pid_file.lines().next().ok_or("empty postmaster.pid")?.trim();
    let port = url_port(server.admin_url()).ok_or("admin URL has a port")?;
    println!("{REPORT} {pid} {port} {}", dir.display());

    let db = fresh_db().await?;
    let conn = connect(db.url()).await?;
    conn.batch_execute("CREATE TABLE t (n int); INSERT INTO t VALUES (20), (22);").await?;
    let sum: i64 = conn.query_one("SELECT sum(n) FROM t", &[]).await?.try_get(0)?;
    assert_eq!(sum, 42);
    let fsync: String = conn.query_one("SHOW fsync", &[]).await?.try_get(0)?;
    assert_eq!(fsync, "off");
    drop(conn);
    db.drop_db().await?;

    common::dump_restore_roundtrip().await
}

#[test]
fn throwaway_cluster_is_removed_after_exit() -> TestResult {
    let out_dir = tempfile::tempdir()?;
    let out_path = out_dir.path().join("child.out");
    let mut child = Command::new(std::env::current_exe()?)
        .args(["inner_throwaway_cluster", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(FORCE_THROWAWAY_VAR, "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path)?)
        .stderr(Stdio::inherit())
        .spawn()?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > Duration::from_secs(180) {
            child.kill()?;
            child.wait()?;
            return Err("the child test process did not finish within 180 s".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = std::fs::read_to_string(&out_path)?;
    assert!(status.success(), "child failed ({status}):\n{output}");

    let report = output
        .lines()
        .find_map(|line| line.split_once(REPORT).map(|(_, rest)| rest))
        .ok_or_else(|| format!("no {REPORT} line in:\n{output}"))?;
    let mut fields = report.split_whitespace();
    let (pid, port, dir) = match (fields.next(), fields.next(), fields.next()) {
        (Some(pid), Some(port), Some(dir)) => (pid.to_owned(), port.parse::<u16>()?, PathBuf::from(dir)),
        _ => return Err(format!("bad report line: {report}").into()),
    };

    // The watchdog notices the exit at once, but stopping the server takes a moment.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let alive = postmaster_alive(&pid, &dir);
        let listening = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
        let exists = dir.exists();
        if !alive && !listening && !exists {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "30 s after exit: postmaster {pid} alive={alive}, port {port} listening={listening}, \
                 {} exists={exists}",
                dir.display()
            )
            .into());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Whether `pid` is still that cluster's postmaster (checking the command line, not just the pid,
/// so that a reused pid does not count).
fn postmaster_alive(pid: &str, dir: &Path) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(&*dir.to_string_lossy()))
}

fn url_port(url: &str) -> Option<u16> {
    let after_host = url.rsplit_once('@')?.1;
    let port = after_host.split_once(':')?.1;
    port.split(['/', '?']).next()?.parse().ok()
}
