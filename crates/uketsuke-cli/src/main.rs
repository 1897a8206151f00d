//! `uketsuke-cli`: support staff's tool on the same core as the window.
//! Every command takes `--data-dir`; output for machines is JSON on stdout,
//! errors are `{code, message}` JSON on stderr with a non-zero exit.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use serde::Serialize;
use uketsuke_api::{demo, ApiError, App, SystemClock};
use uketsuke_store::{db, keystore, DataDir, Keystore, Store, RESET_CONFIRMATION};

#[derive(Parser)]
#[command(name = "uketsuke-cli", version, about = "Uketsuke terminal support tool (受付 端末サポート)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DirArg {
    /// The terminal's data directory (default: $UKETSUKE_DATA_DIR, else the app's).
    #[arg(long, env = "UKETSUKE_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(clap::Args, Clone)]
struct StaffArg {
    /// Staff id to log in as (e.g. S0001). The password is read from standard
    /// input and the person touches their own authenticator, checked exactly as
    /// the window checks them; the access log records this person.
    #[arg(long)]
    staff: String,
}

#[derive(Subcommand)]
enum Command {
    /// Create an encrypted store filled with N synthetic residents.
    Demo {
        #[command(flatten)]
        dir: DirArg,
        #[arg(long, default_value_t = demo::DEFAULT_RESIDENTS)]
        residents: usize,
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
    },
    /// Check the store: key present, file encrypted, integrity, schema version.
    Doctor {
        #[command(flatten)]
        dir: DirArg,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set the local cache aside (kept encrypted in quarantine/) so a new one is made.
    ResetCache {
        #[command(flatten)]
        dir: DirArg,
        /// Type RESET here to confirm without a prompt.
        #[arg(long)]
        confirm: Option<String>,
        /// The administrator resetting a store that opens (password on standard
        /// input, their authenticator), exactly as in the window. A store that does
        /// not open (a lost key) needs nobody.
        #[arg(long)]
        staff: Option<String>,
    },
    /// Find residents by voucher number or kana (+ birth date). JSON output.
    Search {
        #[command(flatten)]
        dir: DirArg,
        #[command(flatten)]
        staff: StaffArg,
        #[arg(long, conflicts_with_all = ["kana", "birth"])]
        voucher: Option<String>,
        #[arg(long)]
        kana: Option<String>,
        /// ISO or 和暦 (昭和30年4月1日, S30.4.1, 3300401)
        #[arg(long, requires = "kana")]
        birth: Option<String>,
    },
    /// Enroll this terminal with the central service (address and one-time code
    /// from the administrator). A demo store is set aside, still encrypted.
    Enroll {
        #[command(flatten)]
        dir: DirArg,
        /// e.g. https://central.city.local:8443
        #[arg(long)]
        server: String,
        /// The enrollment code, e.g. ABCD-2345-…
        #[arg(long)]
        code: String,
    },
    /// Run one sync cycle now (push, verify, pull) and print what it did.
    Sync {
        #[command(flatten)]
        dir: DirArg,
    },
    /// Show the sync state (pending, refused, last success, skew). JSON output.
    SyncStatus {
        #[command(flatten)]
        dir: DirArg,
    },
    /// Eligibility of a resident for every programme of a session. JSON output.
    Eligibility {
        #[command(flatten)]
        dir: DirArg,
        #[command(flatten)]
        staff: StaffArg,
        #[arg(long)]
        resident: String,
        #[arg(long)]
        session: String,
    },
}

fn default_data_dir() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join(keystore::SERVICE)
}

fn data_dir(d: &DirArg) -> DataDir {
    DataDir::new(d.data_dir.clone().unwrap_or_else(default_data_dir))
}

fn print_json<T: Serialize>(v: &T) {
    println!("{}", serde_json::to_string_pretty(v).expect("serialises"));
}

fn keystore_ready() -> Result<Keystore, ApiError> {
    Ok(uketsuke_api::keystore::os_keystore()?)
}

fn attach(dir: &DirArg, staff: &StaffArg) -> Result<App, ApiError> {
    let app = App::attach(data_dir(dir), keystore_ready()?, Arc::new(SystemClock));
    let mut lines = std::io::stdin().lines();
    let mut next = |field: &str| -> Result<zeroize::Zeroizing<String>, ApiError> {
        match lines.next() {
            Some(Ok(l)) => Ok(zeroize::Zeroizing::new(l)),
            _ => Err(ApiError::new("FIELD_REQUIRED", format!("{field} on standard input")).with("field", field)),
        }
    };
    let password = next("password")?;
    // The second factor is the person's authenticator, which the app finds itself.
    let request = uketsuke_api::LoginRequest { staff_id: staff.staff.clone(), password: password.to_string() };
    runtime().block_on(app.login(&request))?;
    Ok(app)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime")
}

fn run(cli: Cli) -> Result<ExitCode, ApiError> {
    match cli.command {
        Command::Demo { dir, residents, seed } => {
            let dd = data_dir(&dir);
            let ks = keystore_ready()?;
            let started = std::time::Instant::now();
            let now = chrono::Utc::now();
            let (mut store, created) = Store::open_or_create(&dd, &ks, now)?;
            if !created {
                return Err(ApiError::new("STORE_EXISTS", "a store already exists in this data directory")
                    .with("hint", "reset-cache first"));
            }
            // The production Argon2id cost, as the window's demo: the end-to-end tests log in on it.
            let params = uketsuke_api::app::DemoOptions::default().password_params;
            let n = demo::seed(&mut store, residents, seed, params, now)?;
            // The demo staff's software authenticators, as the window's demo makes them.
            demo::ensure_authenticators(&mut store, dd.root())?;
            #[derive(Serialize)]
            struct Out {
                store_id: String,
                residents: usize,
                seconds: f64,
            }
            print_json(&Out {
                store_id: store.meta().store_id.clone(),
                residents: n,
                seconds: started.elapsed().as_secs_f64(),
            });
            Ok(ExitCode::SUCCESS)
        }
        Command::Doctor { dir, json } => {
            let report = db::doctor(&data_dir(&dir), &keystore_ready()?);
            if json {
                print_json(&report);
            } else {
                let mark = |b: bool| if b { "OK " } else { "NG " };
                println!("{}鍵（OSの資格情報ストア） key present", mark(report.key_present));
                println!("{}ファイルは暗号化済み file encrypted", mark(report.file_encrypted));
                println!("{}鍵でファイルを開ける key opens store", mark(report.key_opens_store));
                println!("{}整合性 integrity_check", mark(report.integrity_ok));
                println!("{}ページ認証 cipher_integrity_check", mark(report.cipher_integrity_ok));
                println!(
                    "{}スキーマ schema {} / {}",
                    mark(report.schema_version == Some(report.schema_latest)),
                    report.schema_version.map(|v| v.to_string()).unwrap_or_else(|| "-".into()),
                    report.schema_latest
                );
                if let Some(v) = &report.cipher_version {
                    println!("   SQLCipher {v}");
                }
                if let (Some(r), Some(p)) = (report.residents, report.pending_events) {
                    println!("   住民 residents {r} / 未送信 pending events {p}");
                }
                if let Some(code) = &report.error_code {
                    println!("   エラー error {code}: {}", report.error.clone().unwrap_or_default());
                    if matches!(code.as_str(), "STORE_KEY_MISSING" | "STORE_WRONG_KEY" | "STORE_NOT_ENCRYPTED") {
                        println!(
                            "   → uketsuke-cli reset-cache で初期化できます（元のファイルは暗号化のまま隔離されます）"
                        );
                    }
                }
                println!("{}", if report.ok { "結果: 正常 (ok)" } else { "結果: 異常 (failed)" });
            }
            Ok(if report.ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::ResetCache { dir, confirm, staff } => {
            // The window's door: an administrator's login for a store that opens, the
            // same refusals (unsent events; an unshipped log without an online,
            // verified administrator), the reset logged in the new store.
            let opens = Store::open_existing(&data_dir(&dir), &keystore_ready()?).is_ok();
            let app = if opens {
                let Some(staff) = staff else {
                    return Err(ApiError::new("FIELD_REQUIRED", "an administrator logs in to reset: --staff")
                        .with("field", "staff"));
                };
                attach(&dir, &StaffArg { staff })?
            } else {
                App::attach(data_dir(&dir), keystore_ready()?, Arc::new(SystemClock))
            };
            let word = match confirm {
                Some(w) => w,
                None => {
                    eprint!(
                        "ローカルキャッシュを初期化します。元のファイルは quarantine/ に暗号化のまま移されます。\n\
                         Reset the local cache? Type {RESET_CONFIRMATION} to confirm: "
                    );
                    std::io::stderr().flush().ok();
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line).ok();
                    line
                }
            };
            print_json(&app.reset_local_cache(&word)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Search { dir, staff, voucher, kana, birth } => {
            let app = attach(&dir, &staff)?;
            match (voucher, kana) {
                (Some(v), _) => print_json(&vec![app.lookup_voucher(&v)?]),
                (None, Some(k)) => print_json(&app.search_residents(&k, birth.as_deref())?),
                (None, None) => return Err(ApiError::new("FIELD_REQUIRED", "give --voucher or --kana")),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Enroll { dir, server, code } => {
            let app = App::start(
                data_dir(&dir),
                keystore_ready()?,
                Arc::new(SystemClock),
                uketsuke_api::app::DemoOptions { residents: 0, ..Default::default() },
            );
            let status = runtime().block_on(app.enroll(&server, &code))?;
            print_json(&status);
            Ok(ExitCode::SUCCESS)
        }
        Command::Sync { dir } => {
            let app = App::attach(data_dir(&dir), keystore_ready()?, Arc::new(SystemClock));
            let result = runtime().block_on(app.sync_once());
            let view = app.sync_view();
            match result {
                Ok(report) => {
                    print_json(&serde_json::json!({
                        "pushed": report.pushed, "rejected": report.rejected, "deferred": report.deferred,
                        "resent": report.resent, "roster": report.roster, "remote_events": report.remote_events,
                        "walk_ins": report.walk_ins, "pages": report.pages, "skew_ms": report.skew_ms,
                        "status": view,
                    }));
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Err(e),
            }
        }
        Command::SyncStatus { dir } => {
            let app = App::attach(data_dir(&dir), keystore_ready()?, Arc::new(SystemClock));
            print_json(&app.sync_view());
            Ok(ExitCode::SUCCESS)
        }
        Command::Eligibility { dir, staff, resident, session } => {
            let app = attach(&dir, &staff)?;
            let card = app.resident_card(&resident, &session)?;
            print_json(&card.eligibility);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("UKETSUKE_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = uketsuke_api::harden::harden_process() {
        tracing::warn!(error = %e, "process hardening failed");
    }
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", serde_json::to_string(&e).expect("serialises"));
            ExitCode::from(2)
        }
    }
}
