//! Uketsuke's domain. Pure functions and plain data: no IO, no clock, no Tauri.
//! Everything that depends on "today" takes the date as an argument.

pub mod age;
pub mod eligibility;
pub mod error;
pub mod events;
pub mod kana;
pub mod models;
pub mod spreadsheet;
pub mod voucher;
pub mod wareki;

pub use error::DomainError;
pub use models::*;
