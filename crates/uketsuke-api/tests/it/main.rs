//! The API's integration tests, one binary so the suite links once per crate (each
//! file is a module). `harden.rs` stays its own binary: it changes the process.

mod export_flow;
mod login_online;
mod sync_runner;
