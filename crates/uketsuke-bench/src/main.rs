//! Uketsuke benchmarks. Each prints one JSON object on stdout.
//!
//! `reception`: voucher lookup, kana search and check-in on a store of N demo residents,
//! on the real SQLCipher file and — same code, same workload, same run — on a plain
//! SQLite file, to measure what encryption costs. Every measured operation includes
//! the access-log write (and for check-in the outbox event) the app performs, with
//! `synchronous = FULL` (durable commits).
//!
//! `sync-pull`, `sync-push`, `central-ingest`: the real central service (mutual TLS
//! on loopback, PostgreSQL from uketsuke-pgtest: `$DATABASE_URL`, else 127.0.0.1:5432,
//! else a throwaway cluster) and real terminal stores; only setup is untimed.
//!
//! The key is kept in keyring-core's in-memory store here: the benchmark measures the
//! database, not the OS credential store (which is touched once per open).

use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use clap::{Parser, Subcommand};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rusqlite::Connection;
use serde::Serialize;
use uketsuke_core::{CopayCategory, IdentityMethod, ScreeningStatus};
use uketsuke_demo::DemoConfig;
use uketsuke_store::ops::{self as store_ops, CatalogLoad};
use uketsuke_store::reception::{self, CheckInRequest, CopayInput, ScreeningInput};
use uketsuke_store::{migrate, Actor, DataDir, Keystore, Store};

mod sync_bench;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Reception workload on N residents.
    Reception {
        #[arg(long, default_value_t = 300_000)]
        residents: usize,
        /// Operations measured per kind.
        #[arg(long, default_value_t = 2_000)]
        ops: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// First roster pull of N residents from the central service over mutual TLS
    /// on loopback into a fresh SQLCipher store (rows/s).
    SyncPull {
        #[arg(long, default_value_t = 300_000)]
        residents: usize,
    },
    /// Push of N queued outbox events to the central service (seconds).
    SyncPush {
        #[arg(long, default_value_t = 10_000)]
        events: usize,
    },
    /// N terminals pushing at once to one central service (events/s).
    CentralIngest {
        #[arg(long, default_value_t = 50)]
        terminals: usize,
        /// Events per terminal.
        #[arg(long, default_value_t = 2_000)]
        events: usize,
    },
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 1, 0, 0).unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

#[derive(Debug, Serialize, Clone, Copy)]
struct Stats {
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    mean_ms: f64,
}

fn stats(mut v: Vec<f64>) -> Stats {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pick = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        p50_ms: pick(0.50),
        p99_ms: pick(0.99),
        max_ms: *v.last().unwrap(),
        mean_ms: v.iter().sum::<f64>() / v.len() as f64,
    }
}

fn timed(mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1000.0
}

struct Workload {
    vouchers: Vec<String>,
    kana_queries: Vec<(String, Option<String>)>,
    checkins: Vec<CheckInRequest>,
}

fn workload(cfg: &DemoConfig, sessions: &[(String, Vec<String>)], n: usize, seed: u64) -> Workload {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut picks: Vec<usize> = (0..cfg.residents).collect();
    picks.shuffle(&mut rng);
    let sample: Vec<_> = picks.iter().take(n).map(|i| uketsuke_demo::resident(cfg, *i)).collect();
    let vouchers = sample.iter().map(|d| d.voucher.voucher_no.clone()).collect();
    let kana_queries = sample
        .iter()
        .map(|d| {
            let kana: String =
                d.resident.name_kana.chars().filter(|c| *c != '\u{3000}').take(rng.random_range(2..=4)).collect();
            let birth = rng.random_bool(0.5).then(|| d.resident.birth_date.to_string());
            (kana, birth)
        })
        .collect();
    let checkins = sample
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let (session_id, programmes) = &sessions[i % sessions.len()];
            CheckInRequest {
                session_id: session_id.clone(),
                resident_id: d.resident.resident_id.clone(),
                identity_method: IdentityMethod::VoucherOnly,
                copay: CopayInput { category: CopayCategory::Standard, proof: String::new(), amount_yen: 500 },
                screenings: vec![ScreeningInput {
                    programme_code: programmes[i % programmes.len()].clone(),
                    status: ScreeningStatus::Received,
                    stop_reason: None,
                    override_reason: Some("bench".into()),
                }],
            }
        })
        .collect();
    Workload { vouchers, kana_queries, checkins }
}

fn load(conn: &mut Connection, cfg: &DemoConfig) {
    let cat = uketsuke_demo::catalog(cfg);
    let load = CatalogLoad { staff: cat.staff, programmes: cat.programmes, venues: cat.venues, sessions: cat.sessions };
    store_ops::load_catalog(conn, &load).unwrap();
    let items = uketsuke_demo::residents(cfg).map(|d| (d.resident, vec![d.voucher], d.history));
    store_ops::load_residents(conn, items, 10_000).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;").unwrap();
}

#[derive(Serialize)]
struct Side {
    voucher_lookup: Stats,
    kana_search: Stats,
    checkin: Stats,
    load_seconds: f64,
}

#[derive(Default)]
struct Samples {
    lookups: Vec<f64>,
    searches: Vec<f64>,
    checkins: Vec<f64>,
    /// The WAL folded in and truncated after an operation (`Store::fold_wal`; the
    /// window's upkeep does it off the operation's path, a moment later).
    folds: Vec<f64>,
}

/// One side of the comparison: a connection and the samples taken on it.
struct Bench<'c> {
    conn: &'c mut Connection,
    terminal: String,
    clock: DateTime<Utc>,
    samples: Samples,
}

/// What `Store::fold_wal` runs once something was committed, on either connection.
fn fold(conn: &Connection) {
    assert!(uketsuke_store::db::fold_wal(conn).unwrap(), "nothing else reads the benchmark's files");
}

impl Bench<'_> {
    /// The functions `Store` calls, on either connection, for operations `range` of each kind.
    fn run(&mut self, w: &Workload, range: std::ops::Range<usize>) {
        let actor = Actor { staff_id: "S0001".into(), department: "bench".into() };
        let (conn, terminal, t) = (&mut *self.conn, self.terminal.as_str(), self.clock);
        for v in &w.vouchers[range.clone()] {
            self.samples.lookups.push(timed(|| {
                store_ops::find_by_voucher(conn, terminal, &actor, t, v).unwrap();
            }));
            self.samples.folds.push(timed(|| fold(conn)));
        }
        for (k, b) in &w.kana_queries[range.clone()] {
            self.samples.searches.push(timed(|| {
                let hits = store_ops::search_kana(conn, terminal, &actor, t, k, b.as_deref()).unwrap();
                assert!(!hits.is_empty(), "query {k} found nobody");
            }));
            self.samples.folds.push(timed(|| fold(conn)));
        }
        for req in &w.checkins[range] {
            self.clock += Duration::milliseconds(10);
            let at = self.clock;
            self.samples.checkins.push(timed(|| {
                reception::check_in(conn, &actor, terminal, at, req).unwrap();
            }));
            self.samples.folds.push(timed(|| fold(conn)));
        }
    }
}

fn pragmas(conn: &Connection) {
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    conn.pragma_update(None, "secure_delete", "ON").unwrap();
    conn.pragma_update(None, "temp_store", "MEMORY").unwrap();
    conn.pragma_update(None, "cache_size", -65_536).unwrap();
}

fn reception_bench(n: usize, ops_n: usize, seed: u64) -> serde_json::Value {
    let cfg = DemoConfig { seed: 2026, residents: n, today: today() };
    let cat = uketsuke_demo::catalog(&cfg);
    let sessions: Vec<(String, Vec<String>)> = cat
        .sessions
        .iter()
        .filter(|s| s.date == today())
        .map(|s| (s.session_id.clone(), s.programmes.clone()))
        .collect();
    let w = workload(&cfg, &sessions, ops_n.min(n), seed);

    // Encrypted: the real store path (create, key, verify, migrate).
    keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap());
    let enc_dir = tempfile::tempdir_in(std::env::current_dir().unwrap()).unwrap();
    let t = Instant::now();
    let (mut store, _) =
        Store::open_or_create(&DataDir::new(enc_dir.path()), &Keystore::new("uketsuke-bench"), now()).unwrap();
    let terminal = store.terminal_id().to_owned();
    let enc = store.connection_mut();
    load(enc, &cfg);
    let enc_load = t.elapsed().as_secs_f64();

    let plain_dir = tempfile::tempdir_in(std::env::current_dir().unwrap()).unwrap();
    let t = Instant::now();
    let mut plain = Connection::open(plain_dir.path().join("plain.db")).unwrap();
    pragmas(&plain);
    migrate::migrate(&mut plain).unwrap();
    load(&mut plain, &cfg);
    let plain_load = t.elapsed().as_secs_f64();

    // Same workload, same code; the sides alternate in batches so that drift in the
    // machine (other load, the disk) falls on both alike.
    let mut e = Bench { conn: enc, terminal: terminal.clone(), clock: now(), samples: Samples::default() };
    let mut p = Bench { conn: &mut plain, terminal, clock: now(), samples: Samples::default() };
    const BATCH: usize = 100;
    for start in (0..w.vouchers.len()).step_by(BATCH) {
        let range = start..(start + BATCH).min(w.vouchers.len());
        e.run(&w, range.clone());
        p.run(&w, range);
    }
    let (e_v, e_k, e_c) = (stats(e.samples.lookups), stats(e.samples.searches), stats(e.samples.checkins));
    let (p_v, p_k, p_c) = (stats(p.samples.lookups), stats(p.samples.searches), stats(p.samples.checkins));
    let e_fold = stats(e.samples.folds);
    serde_json::json!({
        "benchmark": "reception",
        "residents": n,
        "ops_per_kind": w.vouchers.len(),
        "voucher_lookup_p99_ms": e_v.p99_ms,
        "kana_search_p99_ms": e_k.p99_ms,
        "checkin_p99_ms": e_c.p99_ms,
        // Folding the WAL after one operation, timed apart from the operation.
        "wal_fold": e_fold,
        // Total time of the same check-in workload, SQLCipher over plain SQLite.
        "sqlcipher_over_plain_ratio": e_c.mean_ms / p_c.mean_ms,
        "sqlcipher_over_plain_ratio_lookup": e_v.mean_ms / p_v.mean_ms,
        "sqlcipher_over_plain_ratio_search": e_k.mean_ms / p_k.mean_ms,
        "sqlcipher": Side { voucher_lookup: e_v, kana_search: e_k, checkin: e_c, load_seconds: enc_load },
        "plain": Side { voucher_lookup: p_v, kana_search: p_k, checkin: p_c, load_seconds: plain_load },
        "machine": machine(),
    })
}

fn machine() -> serde_json::Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    serde_json::json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "os": std::env::consts::OS,
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime")
}

fn with_machine(mut v: serde_json::Value) -> serde_json::Value {
    v["machine"] = machine();
    v
}

fn main() {
    let cli = Cli::parse();
    let out = match cli.command {
        Cmd::Reception { residents, ops, seed } => reception_bench(residents, ops, seed),
        Cmd::SyncPull { residents } => with_machine(runtime().block_on(sync_bench::pull(residents))),
        Cmd::SyncPush { events } => with_machine(runtime().block_on(sync_bench::push(events))),
        Cmd::CentralIngest { terminals, events } => {
            with_machine(runtime().block_on(sync_bench::ingest(terminals, events)))
        }
    };
    println!("{}", serde_json::to_string(&out).unwrap());
}
