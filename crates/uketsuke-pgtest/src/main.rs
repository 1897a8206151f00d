//! `uketsuke-pgtest`: one PostgreSQL server for a whole test run.
//!
//! Finds or starts a server exactly as the tests do ([`uketsuke_pgtest::server`]: `$DATABASE_URL`,
//! else 127.0.0.1:5432, else a throwaway cluster), prints its admin URL as the only line on
//! standard output, then waits until its standard input closes. scripts/test.sh runs it once and
//! exports that URL as `$DATABASE_URL`, so on a machine without a server every test binary shares
//! one throwaway cluster instead of running `initdb` for itself. A throwaway cluster is stopped
//! and deleted about a second after this process exits, however it exits (the crate's watchdog).

use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("uketsuke-pgtest: no runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let server = match runtime.block_on(uketsuke_pgtest::server()) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("uketsuke-pgtest: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{}", server.admin_url()).and_then(|()| out.flush()).is_err() {
        return ExitCode::FAILURE;
    }
    drop(out);
    eprintln!("uketsuke-pgtest: PostgreSQL for this run: {:?}", server.source());
    // Nothing is ever written to standard input: this returns when the caller closes it or exits.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    ExitCode::SUCCESS
}
