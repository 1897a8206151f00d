//! `uketsuke-central`: the central service and its administration CLI.
//!
//! ```text
//! uketsuke-central --config central.toml init-pki --host localhost --host 127.0.0.1
//! uketsuke-central --config central.toml serve
//! uketsuke-central terminal add --name "会場A 受付1"     # prints the enrollment code
//! ```
//! Every command reads the same configuration (file, then `UKETSUKE_CENTRAL_*`).
//! Output is JSON on stdout; errors are `{code, message}` on stderr with exit code 1.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand};
use uketsuke_central::{accounts, admin, archive, audit, db, export, pki, Config, SystemClock};
use uketsuke_core::{Staff, Venue};
use uuid::Uuid;

#[derive(Parser)]
#[command(name = "uketsuke-central", about = "Uketsuke central service and administration")]
struct Cli {
    /// Configuration file (TOML). Environment variables UKETSUKE_CENTRAL_* override it.
    #[arg(long, global = true, env = "UKETSUKE_CENTRAL_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make the private CA and the service's TLS certificate in `pki_dir`.
    InitPki {
        /// DNS names or IP addresses terminals use to reach the service.
        #[arg(long = "host", required = true)]
        hosts: Vec<String>,
        #[arg(long, default_value = "みなと市")]
        organisation: String,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Run the service until SIGINT/SIGTERM.
    Serve,
    /// Raise the service epoch after restoring the database from a backup, so
    /// every terminal re-sends what the backup lost.
    BumpEpoch,
    /// Load the demo city (catalog, staff, roster) for trying the service out.
    DemoSeed {
        #[arg(long, default_value_t = 20_000)]
        residents: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// "today" for the demo sessions (default: today in JST).
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// The demo city only: a software authenticator for each demo staff member,
    /// registered here and written to DIR (a terminal's `demo-authenticators/`).
    DemoAuthenticators {
        #[arg(long)]
        out: PathBuf,
        /// The terminal they are for, e.g. "受付1".
        #[arg(long)]
        label: String,
    },
    #[command(subcommand)]
    Roster(RosterCmd),
    /// Write the attendance file (docs/attendance-csv.md) of a central export
    /// request a supervisor approved (`export request-attendance`), once,
    /// encrypted to the request's recipient (age).
    ExportAttendance {
        #[arg(long)]
        request: uuid::Uuid,
        /// Output file (created; an existing file is not overwritten).
        #[arg(long)]
        out: PathBuf,
    },
    #[command(subcommand)]
    Programme(ProgrammeCmd),
    #[command(subcommand)]
    Venue(VenueCmd),
    #[command(subcommand)]
    Session(SessionCmd),
    #[command(subcommand)]
    Staff(StaffCmd),
    #[command(subcommand)]
    Terminal(TerminalCmd),
    #[command(subcommand, name = "walk-in")]
    WalkIn(WalkInCmd),
    /// Open review flags (e.g. one resident checked in on two terminals).
    Review,
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Export to external media: designated terminals, recipients, requests, ledger.
    #[command(subcommand)]
    Export(ExportCmd),
    /// Which staff member each administrator's PostgreSQL role belongs to.
    #[command(subcommand)]
    Admin(AdminCmd),
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Link an administrator's login role to the staff member who uses it (the
    /// database owner only). A central export request names that person, and
    /// she may not approve it herself.
    Link {
        #[arg(long)]
        role: String,
        #[arg(long)]
        staff: String,
    },
    /// Every linked role.
    List,
}

#[derive(Subcommand)]
enum ExportCmd {
    /// Designate a terminal for export (bound to its current device key); replaces
    /// an older designation of it.
    Designate {
        terminal: Uuid,
        #[arg(long, default_value_t = 90)]
        days: u32,
    },
    /// Withdraw a terminal's designation.
    Withdraw { terminal: Uuid },
    #[command(subcommand)]
    Recipient(RecipientCmd),
    /// Export requests, newest first (without grant tokens).
    Requests {
        /// Only the ones waiting for a supervisor.
        #[arg(long)]
        pending: bool,
        #[arg(long, default_value_t = 200)]
        limit: i64,
    },
    /// Ask to export attendance for a period from the service itself: a
    /// supervisor approves it in the window, then `export-attendance` writes it.
    RequestAttendance {
        #[arg(long)]
        from: NaiveDate,
        #[arg(long)]
        to: NaiveDate,
        /// A registered recipient (`export recipient add`); the file is encrypted to it.
        #[arg(long)]
        recipient: String,
        #[arg(long)]
        purpose: String,
    },
    /// What terminals wrote to external media (dates in JST, both inclusive).
    Ledger {
        #[arg(long)]
        from: Option<NaiveDate>,
        #[arg(long)]
        to: Option<NaiveDate>,
    },
}

#[derive(Subcommand)]
enum RecipientCmd {
    /// Register a recipient and the age public key exports to it are encrypted to.
    Add {
        id: String,
        #[arg(long)]
        name: String,
        /// `age1…` (X25519). A new key is a new recipient.
        #[arg(long)]
        age_recipient: String,
    },
    /// Stop offering a recipient (pending requests to it can no longer be approved).
    Disable { id: String },
    /// The active recipients.
    List,
}

#[derive(Subcommand)]
enum RosterCmd {
    /// Import one roster extract (docs/roster-csv.md). All or nothing: any bad row
    /// imports nothing and every bad row is reported by line and field.
    Import {
        file: PathBuf,
        /// utf-8, shift_jis or auto.
        #[arg(long, default_value = "auto")]
        encoding: String,
        /// Import the good rows and write the bad ones to a reject file.
        #[arg(long)]
        skip_bad: bool,
        /// Where the reject file goes (default: FILE.rejects.csv).
        #[arg(long)]
        reject_file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ProgrammeCmd {
    /// Define or change programmes from a JSON file: one object or an array, in the
    /// shape `uketsuke_core::Programme` serialises to (see `programme list`).
    Add { file: PathBuf },
    /// The programmes, as JSON (the same shape `add` takes).
    List,
}

#[derive(Subcommand)]
enum VenueCmd {
    Add {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        address: String,
    },
}

#[derive(Subcommand)]
enum SessionCmd {
    Add {
        #[arg(long)]
        id: String,
        #[arg(long)]
        venue: String,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long)]
        start: String,
        #[arg(long)]
        end: String,
        /// Programme codes, comma-separated (e.g. 51,52,55).
        #[arg(long, value_delimiter = ',')]
        programmes: Vec<String>,
    },
}

#[derive(Subcommand)]
enum StaffCmd {
    Add {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        department: String,
        #[arg(long)]
        role: String,
    },
    Disable {
        id: String,
    },
    Enable {
        id: String,
    },
    /// Set a staff member's password, read from standard input (first line; the
    /// staff member types it at the administrator's desk). Checked against the policy.
    Password {
        id: String,
    },
    /// Grant or withdraw the permission to view 個人番号.
    MyNumber {
        id: String,
        #[arg(long, value_parser = ["grant", "withdraw"])]
        set: String,
    },
    /// Let only this OS account log in as this staff member (empty: any).
    OsAccount {
        id: String,
        #[arg(long, default_value = "")]
        account: String,
    },
    /// Clear failed logins and a lock.
    Unlock {
        id: String,
    },
    /// Let terminals at this venue receive the staff member's verifier (they can
    /// log in there), or withdraw it (removed from those terminals at their next sync).
    Venue {
        id: String,
        #[arg(long)]
        venue: String,
        #[arg(long, value_parser = ["assign", "withdraw"])]
        set: String,
    },
    /// Venue assignments (all, or one staff member's).
    Venues {
        id: Option<String>,
    },
    /// A person's FIDO2 authenticators (security keys, Windows Hello).
    #[command(subcommand)]
    Authenticator(AuthenticatorCmd),
}

#[derive(Subcommand)]
enum AuthenticatorCmd {
    /// A one-time code with which the person registers an authenticator at a
    /// terminal (with their password). Shown once; valid for `authenticator_invite_hours`.
    Invite { id: String },
    /// Registered authenticators (all, or one person's), revoked ones included.
    List { id: Option<String> },
    /// Revoke one by its credential id (at least 8 hex characters of it).
    Revoke { credential: String },
    /// Register the person's security key here, on USB, with the person present
    /// (they touch it with their registered finger). The city's policy judges it.
    Register {
        id: String,
        #[arg(long)]
        label: String,
        /// Seconds to wait for the key.
        #[arg(long, default_value_t = 60)]
        wait: u64,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Shipped access-log entries, newest first.
    Query {
        #[arg(long)]
        staff: Option<String>,
        #[arg(long)]
        resident: Option<String>,
        #[arg(long)]
        operation: Option<String>,
        #[arg(long)]
        from: Option<NaiveDate>,
        #[arg(long)]
        to: Option<NaiveDate>,
        #[arg(long, default_value_t = 200)]
        limit: i64,
    },
    /// A resident's access report (who looked at the record, when, why).
    Report { resident: String },
    /// Open findings: gaps, edits, reorders, forged checkpoints, silent terminals.
    Flags,
    /// Re-verify every stored chain, and flag terminals that were online within
    /// `--silent-hours` but shipped no access log in that time.
    Verify {
        #[arg(long, default_value_t = 24)]
        silent_hours: i64,
        /// An anchor written earlier by `audit anchor`: the admin log must still
        /// reach it, unchanged.
        #[arg(long)]
        anchor: Option<PathBuf>,
    },
    /// Write where the admin log's chain stands now to FILE (created, owner-only),
    /// to keep outside the database: `audit verify --anchor FILE` later finds
    /// entries cut off the end or a chain recomputed whole.
    Anchor {
        #[arg(long)]
        out: PathBuf,
    },
    /// Move entries older than a year into a sealed archive file in DIR (kept 7 years).
    Archive {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Check a sealed archive file: seal, the CA's signature, every chain in it.
    VerifyArchive { file: PathBuf },
}

#[derive(Subcommand)]
enum TerminalCmd {
    /// Register a terminal and print its one-time enrollment code.
    Add {
        #[arg(long)]
        name: String,
    },
    Assign {
        terminal: Uuid,
        session: String,
    },
    Unassign {
        terminal: Uuid,
        session: String,
    },
    /// Lock the terminal out from its next request on.
    Revoke {
        terminal: Uuid,
        #[arg(long)]
        reason: String,
    },
    List,
}

#[derive(Subcommand)]
enum WalkInCmd {
    List {
        #[arg(long)]
        all: bool,
    },
    /// Match a provisional person to a roster resident.
    Match {
        provisional: String,
        resident: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    Reject {
        provisional: String,
        #[arg(long)]
        reason: String,
    },
}

fn print(v: impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(&v).expect("serialisable"));
}

fn init_logs(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tokio_postgres=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutdown requested");
}

async fn run(cli: Cli) -> uketsuke_central::Result<()> {
    let config =
        Config::load(cli.config.as_deref()).map_err(|e| uketsuke_central::CentralError::BadRequest(e.to_string()))?;
    init_logs(&config.log_format);
    let now = Utc::now();
    if let Command::InitPki { hosts, organisation } = &cli.command {
        let pki = pki::init(&config.pki_dir, hosts, organisation)?;
        print(serde_json::json!({ "pki_dir": config.pki_dir, "ca_fingerprint": pki.fingerprint() }));
        return Ok(());
    }
    let pool = db::pool(&config.database_url, config.pool_size)?;
    let applied = db::migrate(&pool).await?;
    if !applied.is_empty() {
        tracing::info!(?applied, "migrations applied");
    }
    if !matches!(cli.command, Command::Serve | Command::Migrate) {
        log_command(&pool, now).await?;
    }
    match cli.command {
        Command::InitPki { .. } => unreachable!("handled above"),
        Command::Migrate => print(serde_json::json!({ "applied": applied })),
        Command::Serve => {
            let state = uketsuke_central::state(config.clone(), Arc::new(SystemClock)).await?;
            let listener = tokio::net::TcpListener::bind(config.listen).await?;
            tracing::info!(listen = %config.listen, ca = %state.pki.fingerprint(), "serving");
            let tls = uketsuke_central::tls::server_config(&state.pki)?;
            // Stored chains re-verified and silent terminals flagged, on a timer.
            tokio::spawn(audit::watch(
                state.pool.clone(),
                state.clock.clone(),
                std::time::Duration::from_secs(config.audit_check_minutes.max(1) * 60),
                chrono::Duration::hours(config.audit_silent_hours.max(1)),
            ));
            let grace = std::time::Duration::from_secs(config.shutdown_grace_secs);
            uketsuke_central::tls::serve(
                listener,
                tls,
                uketsuke_central::routes::router(state),
                shutdown_signal(),
                grace,
                uketsuke_central::tls::Limits::from_config(&config),
                std::sync::Arc::new(uketsuke_central::tls::Connections::default()),
            )
            .await?;
            tracing::info!("stopped");
        }
        Command::BumpEpoch => {
            let epoch = db::bump_epoch(&pool.get().await?).await?;
            print(serde_json::json!({ "epoch": epoch }));
        }
        Command::DemoSeed { residents, seed, today } => {
            let today = today
                .unwrap_or_else(|| now.with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap()).date_naive());
            let n =
                admin::demo_seed(&pool, &uketsuke_demo::DemoConfig { seed, residents, today }, config.argon2()).await?;
            // The demo export recipient's identity (secret key) goes next to the CA,
            // so demo exports can be decrypted: `age -d -i <pki_dir>/demo-recipient.agekey`.
            let recipient = export::demo_recipient(&pool, &config.pki_dir, now).await?;
            print(serde_json::json!({ "residents": n, "export_recipient": recipient }));
        }
        Command::Roster(RosterCmd::Import { file, encoding, skip_bad, reject_file }) => {
            let encoding = uketsuke_roster::Encoding::from_code(&encoding)
                .ok_or_else(|| uketsuke_central::CentralError::BadRequest(format!("unknown encoding {encoding}")))?;
            let bytes = std::fs::read(&file)?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let today = now.with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap()).date_naive();
            let report = admin::import_roster(&pool, &bytes, &name, encoding, skip_bad, today, now).await?;
            for e in &report.errors {
                eprintln!("{}:{}: {} [{}] {}", name, e.line, e.field, e.code, e.message_ja);
            }
            if let Some(rejects) = &report.reject_file {
                let path = reject_file.unwrap_or_else(|| {
                    let mut p = file.clone().into_os_string();
                    p.push(".rejects.csv");
                    PathBuf::from(p)
                });
                std::fs::write(&path, rejects)?;
                eprintln!("rejected rows written to {}", path.display());
            }
            print(&report);
            if !report.imported() {
                return Err(uketsuke_central::CentralError::BadRequest(format!(
                    "ROSTER_REFUSED: {} bad row(s); nothing was imported",
                    report.rows_rejected
                )));
            }
        }
        Command::ExportAttendance { request, out } => {
            let written = uketsuke_central::export::central::write(&pool, request, &out, now).await?;
            print(serde_json::json!({ "written": written, "out": out }));
        }
        Command::Programme(ProgrammeCmd::Add { file }) => {
            let text = std::fs::read_to_string(&file)?;
            let value: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| uketsuke_central::CentralError::BadRequest(format!("{}: {e}", file.display())))?;
            let list = if value.is_array() { value } else { serde_json::Value::Array(vec![value]) };
            let programmes: Vec<uketsuke_core::Programme> = serde_json::from_value(list)
                .map_err(|e| uketsuke_central::CentralError::BadRequest(format!("{}: {e}", file.display())))?;
            let n = admin::add_programmes(&pool, &programmes).await?;
            print(serde_json::json!({ "programmes": n }));
        }
        Command::Programme(ProgrammeCmd::List) => print(admin::list_programmes(&pool).await?),
        Command::Venue(VenueCmd::Add { id, name, address }) => {
            admin::upsert_venue(&pool.get().await?, &Venue { venue_id: id, name, address }).await?;
            print(serde_json::json!({ "ok": true }));
        }
        Command::Session(SessionCmd::Add { id, venue, date, start, end, programmes }) => {
            let session = uketsuke_core::Session {
                session_id: id,
                venue_id: venue,
                date,
                start_time: start,
                end_time: end,
                programmes,
            };
            admin::upsert_session(&pool.get().await?, &session).await?;
            print(serde_json::json!({ "ok": true }));
        }
        Command::Staff(StaffCmd::Add { id, name, department, role }) => {
            let staff = Staff { staff_id: id, name, department, role: admin::parse_role(&role)?, active: true };
            admin::upsert_staff(&pool.get().await?, &staff).await?;
            print(serde_json::json!({ "ok": true }));
        }
        Command::Staff(StaffCmd::Disable { id }) => {
            admin::set_staff_active(&pool, &id, false).await?;
            print(serde_json::json!({ "ok": true }));
        }
        Command::Staff(StaffCmd::Enable { id }) => {
            admin::set_staff_active(&pool, &id, true).await?;
            print(serde_json::json!({ "ok": true }));
        }
        Command::Terminal(TerminalCmd::Add { name }) => {
            let pki = pki::load(&config.pki_dir)?;
            let t = admin::add_terminal(&pool, &name, &pki.fingerprint(), now, config.enrollment_code_hours).await?;
            print(serde_json::json!({
                "terminal_id": t.terminal_id,
                "enrollment_code": t.code.display(),
                "expires_at": t.expires_at,
            }));
        }
        Command::Terminal(TerminalCmd::Assign { terminal, session }) => {
            admin::assign(&pool, terminal, &session, now).await?;
            print(serde_json::json!({ "ok": true }));
        }
        Command::Terminal(TerminalCmd::Unassign { terminal, session }) => {
            admin::unassign(&pool, terminal, &session).await?;
            print(serde_json::json!({ "ok": true }));
        }
        Command::Terminal(TerminalCmd::Revoke { terminal, reason }) => {
            admin::revoke(&pool, terminal, &reason, now).await?;
            print(serde_json::json!({ "ok": true }));
        }
        Command::Terminal(TerminalCmd::List) => print(admin::list_terminals(&pool).await?),
        Command::WalkIn(WalkInCmd::List { all }) => print(admin::list_walk_ins(&pool, !all).await?),
        Command::WalkIn(WalkInCmd::Match { provisional, resident, note }) => {
            admin::decide_walk_in(&pool, &provisional, Some(&resident), &note, now).await?;
            print(serde_json::json!({ "ok": true }));
        }
        Command::WalkIn(WalkInCmd::Reject { provisional, reason }) => {
            admin::decide_walk_in(&pool, &provisional, None, &reason, now).await?;
            print(serde_json::json!({ "ok": true }));
        }
        Command::Review => print(admin::list_review_flags(&pool).await?),
        Command::Staff(StaffCmd::Password { id }) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            let password = zeroize::Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
            accounts::set_password(&pool, &id, &password, config.argon2(), now).await?;
            print(serde_json::json!({ "ok": true }));
        }
        Command::Staff(StaffCmd::MyNumber { id, set }) => {
            accounts::set_my_number_permission(&pool, &id, set == "grant", now).await?;
            print(serde_json::json!({ "ok": true }));
        }
        Command::Staff(StaffCmd::OsAccount { id, account }) => {
            let account = Some(account.trim()).filter(|a| !a.is_empty());
            accounts::set_os_account(&pool, &id, account, now).await?;
            print(serde_json::json!({ "ok": true }));
        }
        Command::Staff(StaffCmd::Venue { id, venue, set }) => {
            accounts::set_venue(&pool, &id, &venue, set == "assign", now).await?;
            print(serde_json::json!({ "ok": true }));
        }
        Command::Staff(StaffCmd::Venues { id }) => {
            let rows = accounts::venues_of(&pool.get().await?, id.as_deref()).await?;
            let rows: Vec<_> = rows
                .into_iter()
                .map(|(staff_id, venue_id, at)| serde_json::json!({ "staff_id": staff_id, "venue_id": venue_id, "assigned_at": at }))
                .collect();
            print(rows);
        }
        Command::Staff(StaffCmd::Authenticator(AuthenticatorCmd::Invite { id })) => {
            let lifetime = chrono::Duration::hours(config.authenticator_invite_hours);
            let invite = uketsuke_central::identity::authenticators::invite(&pool, &id, lifetime, now).await?;
            eprintln!("登録コード（一度だけ表示）: {}  有効期限: {}", invite.code, invite.expires_at);
            print(serde_json::to_value(&invite).expect("serialisable"));
        }
        Command::Staff(StaffCmd::Authenticator(AuthenticatorCmd::List { id })) => {
            let c = pool.get().await?;
            print(uketsuke_central::identity::authenticators::list(&c, id.as_deref()).await?);
        }
        Command::Staff(StaffCmd::Authenticator(AuthenticatorCmd::Register { id, label, wait })) => {
            let identity = uketsuke_central::identity::Identity::from_config(&config)?;
            let key = uketsuke_identity::SecurityKey::new(std::time::Duration::from_secs(wait));
            eprintln!("セキュリティキーを差し込み、登録する指で触れてください…");
            let done = uketsuke_central::identity::authenticators::register_here(
                &pool,
                &identity,
                &id,
                Box::new(key),
                &label,
                now,
            )
            .await?;
            print(done);
        }
        Command::DemoAuthenticators { out, label } => {
            let identity = uketsuke_central::identity::Identity::from_config(&config)?;
            let staff =
                uketsuke_central::identity::authenticators::demo_authenticators(&pool, &identity, &out, &label, now)
                    .await?;
            print(serde_json::json!({ "staff": staff, "dir": out }));
        }
        Command::Staff(StaffCmd::Authenticator(AuthenticatorCmd::Revoke { credential })) => {
            print(uketsuke_central::identity::authenticators::revoke(&pool, &credential, now).await?);
        }
        Command::Staff(StaffCmd::Unlock { id }) => {
            accounts::unlock(&pool, &id, now).await?;
            print(serde_json::json!({ "ok": true }));
        }
        Command::Audit(AuditCmd::Query { staff, resident, operation, from, to, limit }) => {
            let day = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
            let filter = audit::Filter {
                staff_id: staff,
                resident_id: resident,
                operation,
                from: from.map(day),
                to: to.map(|d| day(d) + chrono::Duration::days(1)),
                limit,
            };
            print(audit::query(&pool, &filter).await?);
        }
        Command::Audit(AuditCmd::Report { resident }) => {
            accounts::admin_log(&pool.get().await?, now, "audit.report", &resident, "").await?;
            print(audit::resident_report(&pool, &resident).await?);
        }
        Command::Audit(AuditCmd::Flags) => print(audit::open_flags(&pool).await?),
        Command::Audit(AuditCmd::Anchor { out }) => {
            let Some(head) = audit::admin_log_anchor(&pool.get().await?, now).await? else {
                return Err(uketsuke_central::CentralError::NotFound("the admin log is empty".into()));
            };
            let text = serde_json::to_vec_pretty(&head).expect("serialisable");
            uketsuke_central::files::write_synced(&out, &text)?;
            print(serde_json::json!({ "out": out, "anchor": head }));
        }
        Command::Audit(AuditCmd::Verify { silent_hours, anchor }) => {
            let anchor: Option<audit::AdminLogAnchor> = match anchor {
                Some(f) => Some(serde_json::from_slice(&std::fs::read(&f)?).map_err(|e| {
                    uketsuke_central::CentralError::BadRequest(format!("{}: not an anchor: {e}", f.display()))
                })?),
                None => None,
            };
            let mut report = audit::check(&pool, chrono::Duration::hours(silent_hours), now).await?;
            if let (None, Some(a)) = (&report.admin_log, &anchor) {
                report.admin_log = audit::check_admin_log_anchor(&pool.get().await?, a).await?;
            }
            let ok = report.ok();
            print(serde_json::json!({ "ok": ok, "broken_chains": report.broken_chains,
                "silent_terminals": report.silent_terminals, "admin_log": report.admin_log }));
            if !ok {
                std::process::exit(2);
            }
        }
        Command::Audit(AuditCmd::Archive { dir }) => {
            let pki = pki::load(&config.pki_dir)?;
            std::fs::create_dir_all(&dir)?;
            let done = archive::archive(&pool, &dir, pki.receipt_key(), now).await?;
            accounts::admin_log(&pool.get().await?, now, "audit.archive", &dir.display().to_string(), "").await?;
            print(serde_json::json!({ "archived": done }));
        }
        Command::Export(ExportCmd::Designate { terminal, days }) => {
            let pki = pki::load(&config.pki_dir)?;
            print(export::designate(&pool, &pki, terminal, days, now).await?);
        }
        Command::Export(ExportCmd::Withdraw { terminal }) => {
            let withdrawn = export::withdraw(&pool, terminal, now).await?;
            print(serde_json::json!({ "ok": true, "withdrawn": withdrawn }));
        }
        Command::Export(ExportCmd::Recipient(RecipientCmd::Add { id, name, age_recipient })) => {
            print(export::add_recipient(&pool, &id, &name, &age_recipient, now).await?);
        }
        Command::Export(ExportCmd::Recipient(RecipientCmd::Disable { id })) => {
            export::disable_recipient(&pool, &id, now).await?;
            print(serde_json::json!({ "ok": true }));
        }
        Command::Export(ExportCmd::Recipient(RecipientCmd::List)) => {
            print(export::list_recipients(&pool.get().await?).await?);
        }
        Command::Export(ExportCmd::Requests { pending, limit }) => {
            print(export::list_requests(&pool, pending, limit, now).await?);
        }
        Command::Export(ExportCmd::RequestAttendance { from, to, recipient, purpose }) => {
            let request_id =
                uketsuke_central::export::central::request(&pool, from, to, &recipient, &purpose, now).await?;
            print(serde_json::json!({ "request_id": request_id, "state": "pending" }));
        }
        Command::Export(ExportCmd::Ledger { from, to }) => {
            let jst = chrono::FixedOffset::east_opt(9 * 3600).expect("JST");
            let start = |d: NaiveDate| {
                d.and_hms_opt(0, 0, 0).expect("midnight").and_local_timezone(jst).single().expect("JST").to_utc()
            };
            let lines =
                export::ledger(&pool, from.map(start), to.map(|d| start(d + chrono::Duration::days(1)))).await?;
            print(lines);
        }
        Command::Admin(AdminCmd::Link { role, staff }) => {
            accounts::link_admin(&pool, &role, &staff, now).await?;
            print(serde_json::json!({ "role": role, "staff_id": staff }));
        }
        Command::Admin(AdminCmd::List) => print(accounts::admin_links(&pool.get().await?).await?),
        Command::Audit(AuditCmd::VerifyArchive { file }) => {
            let pki = pki::load(&config.pki_dir)?;
            let ca_key = audit::certificate_public_key(&pki.ca_der)?;
            match archive::verify(&std::fs::read(&file)?, &ca_key) {
                Ok(h) => print(serde_json::json!({ "ok": true, "archive_id": h.archive_id, "entries": h.entries,
                    "retain_until": h.retain_until, "chains": h.chains })),
                Err(e) => {
                    print(serde_json::json!({ "ok": false, "code": e.code(), "message": e.to_string() }));
                    std::process::exit(2);
                }
            }
        }
    }
    Ok(())
}

/// Every administration command, before it runs, in the admin log: who (the
/// PostgreSQL role the database authenticated), which command, and its
/// arguments as given (staff and resident ids included; passwords come on
/// standard input, never as arguments).
async fn log_command(pool: &deadpool_postgres::Pool, now: chrono::DateTime<Utc>) -> uketsuke_central::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The subcommand path (`staff authenticator invite`), after any global option.
    let mut words: Vec<&str> = Vec::new();
    let mut rest = args.iter();
    while let Some(a) = rest.next() {
        if a == "--config" {
            rest.next();
            continue;
        }
        let is_word = !a.is_empty() && a.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !a.starts_with('-');
        if !is_word || words.len() == 3 {
            break;
        }
        words.push(a);
    }
    let action = format!("cli.{}", words.join("."));
    let detail: String = args.join(" ").chars().take(1000).collect();
    accounts::admin_log(&pool.get().await?, now, &action, "", &detail).await
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        eprintln!("{}", serde_json::to_string(&e.body()).expect("serialisable"));
        if !matches!(e, uketsuke_central::CentralError::BadRequest(_) | uketsuke_central::CentralError::NotFound(_)) {
            eprintln!("{e}");
        }
        std::process::exit(1);
    }
}
