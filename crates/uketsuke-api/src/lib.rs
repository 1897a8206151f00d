//! The API surface of the terminal: what the window's Tauri commands and the CLI call.
//!
//! - [`App`] owns the store (or the reason it could not be opened), the logged-in
//!   staff member and an injectable [`Clock`].
//! - Every operation checks, here in Rust, that someone is logged in and that their
//!   [`Role`](uketsuke_core::Role) allows the [`Action`].
//! - Every failure is an [`ApiError`] `{code, message, details}`; the window maps
//!   `code` to Japanese or English text and never matches on messages.

pub mod app;
pub mod clock;
pub mod demo;
pub mod error;
pub mod export_gate;
pub mod harden;
pub mod keystore;
pub mod login;
pub mod permissions;
pub mod sync;
pub mod upkeep;

pub use app::{App, AppStatus, StoreState};
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::ApiError;
pub use login::{LoginPolicy, LoginRequest, LogoutReason};
pub use permissions::Action;
pub use sync::{run_sync_loop, SyncState, SyncView};
pub use upkeep::run_wal_upkeep;
