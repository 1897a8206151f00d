//! Benchmark (not a test): app cold start to the login screen, and the memory the
//! running app holds. Run by `bash scripts/bench-startup.sh`, which builds the
//! release app and provides the keyring, the display and a tauri-driver; results go
//! to docs/benchmarks.md.
//!
//! Each run launches the app as a new process on an existing demo store (made once
//! by `uketsuke-cli demo`, as a venue laptop starts every morning), times from the
//! WebDriver's "new session" request (which starts the app) until the login form is
//! on screen, then sums the resident memory of the app and its WebKit child
//! processes. Prints one JSON object.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use uketsuke_e2e::{env_path, Window};

struct Args {
    runs: usize,
    residents: usize,
    driver: String,
}

fn args() -> Args {
    let mut a = Args { runs: 7, residents: 20_000, driver: "http://127.0.0.1:4454".into() };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--runs" => a.runs = value.parse().expect("--runs N"),
            "--residents" => a.residents = value.parse().expect("--residents N"),
            "--driver" => a.driver = value.clone(),
            other => panic!("unknown argument {other} (--runs N, --residents N, --driver URL)"),
        }
    }
    a
}

/// `(pid, parent pid)` of every process.
fn processes() -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // "pid (comm) state ppid …": comm may hold spaces, so split after the last ')'.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { continue };
        if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            out.push((pid, ppid));
        }
    }
    out
}

/// The app's process and everything it started (WebKitWebProcess, WebKitNetworkProcess).
fn app_tree(app: &Path) -> Vec<u32> {
    let procs = processes();
    let roots: Vec<u32> = procs
        .iter()
        .map(|p| p.0)
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).ok().as_deref() == Some(app))
        .collect();
    assert_eq!(roots.len(), 1, "exactly one app process expected, found {roots:?}");
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for (pid, ppid) in &procs {
        children.entry(*ppid).or_default().push(*pid);
    }
    let mut tree = roots.clone();
    let mut i = 0;
    while i < tree.len() {
        tree.extend(children.get(&tree[i]).into_iter().flatten().copied());
        i += 1;
    }
    tree
}

/// A field of `/proc/PID/<file>` in kB ("VmRSS:   123 kB").
fn kb(pid: u32, file: &str, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).unwrap_or_default();
    text.lines().find_map(|l| l.strip_prefix(field)?.trim().strip_suffix("kB")?.trim().parse().ok()).unwrap_or(0)
}

struct Memory {
    rss_mib: f64,
    pss_mib: f64,
    /// PSS per process, by command name.
    by_process: Vec<(String, f64)>,
}

fn memory(app: &Path) -> Memory {
    let tree = app_tree(app);
    let mib = |kb: u64| kb as f64 / 1024.0;
    let rss: u64 = tree.iter().map(|p| kb(*p, "status", "VmRSS:")).sum();
    let pss: u64 = tree.iter().map(|p| kb(*p, "smaps_rollup", "Pss:")).sum();
    let by_process = tree
        .iter()
        .map(|p| {
            let name = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default().trim().to_owned();
            (name, mib(kb(*p, "smaps_rollup", "Pss:")))
        })
        .collect();
    Memory { rss_mib: mib(rss), pss_mib: mib(pss), by_process }
}

/// Wait until the app process has exited (the next run must start a new one).
async fn wait_gone(app: &Path) {
    for _ in 0..200 {
        let running = processes()
            .iter()
            .any(|(pid, _)| std::fs::read_link(format!("/proc/{pid}/exe")).ok().as_deref() == Some(app));
        if !running {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the app did not exit after its session was closed");
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main]
async fn main() {
    let a = args();
    let app: PathBuf = env_path("UKETSUKE_APP").canonicalize().expect("UKETSUKE_APP exists");
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env_path("UKETSUKE_CLI"))
        .args(["demo", "--residents", &a.residents.to_string(), "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "uketsuke-cli demo: {}", String::from_utf8_lossy(&out.stderr));

    let mut start_ms = Vec::new();
    let mut mem = Vec::new();
    // One launch first, not counted: it warms the page cache after the build.
    for run in 0..=a.runs {
        let t = Instant::now();
        let w = Window::open_dir(dir.path(), &a.driver).await;
        loop {
            let shown = match w.client.find(Locator::Css("#login-form")).await {
                Ok(el) => el.is_displayed().await.unwrap_or(false),
                Err(_) => false,
            };
            if shown {
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(60), "no login screen after 60 s");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let elapsed = t.elapsed().as_secs_f64() * 1000.0;
        // Memory once the login screen is up and the start-up work has settled.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let m = memory(&app);
        w.client.close().await.unwrap();
        wait_gone(&app).await;
        if run > 0 {
            start_ms.push(elapsed);
            mem.push(m);
        }
    }
    let mut sorted = start_ms.clone();
    sorted.sort_by(f64::total_cmp);
    let max_rss = mem.iter().map(|m| m.rss_mib).fold(0.0, f64::max);
    let max_pss = mem.iter().map(|m| m.pss_mib).fold(0.0, f64::max);
    let round = |x: f64| (x * 10.0).round() / 10.0;
    let report = serde_json::json!({
        "benchmark": "startup",
        "runs": a.runs,
        "residents": a.residents,
        "cold_start_to_login_ms": {
            "median": round(percentile(&sorted, 0.5)),
            "max": round(*sorted.last().unwrap()),
            "all": start_ms.iter().map(|x| round(*x)).collect::<Vec<_>>(),
        },
        "pss_mib_by_process_last_run": mem
            .last()
            .unwrap()
            .by_process
            .iter()
            .map(|(name, pss)| serde_json::json!({ "process": name, "pss": round(*pss) }))
            .collect::<Vec<_>>(),
        "resident_memory_mib": { "rss_sum_max": round(max_rss), "pss_sum_max": round(max_pss) },
    });
    println!("{report}");
}
