//! The end-to-end tests, one binary (each file is a module). They need the display,
//! keyring, tauri-driver and built binaries that scripts/test.sh provides, and run one
//! at a time (`--test-threads=1`), so `cargo test` leaves them out unless asked for by
//! name: `cargo test --workspace --test e2e` (see Cargo.toml).

mod export;
mod ipc_guard;
mod login_audit;
mod reception;
mod recovery_and_language;
mod two_terminals;
