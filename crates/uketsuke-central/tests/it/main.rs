//! The central service's integration tests, one binary so the suite links once per
//! crate and shares one PostgreSQL server per process (each file is a module).

mod admin;
mod cli;
mod exhaustion;
mod export;
mod hostile_terminal;
mod kill;
mod login_evidence;
mod password_endpoint;
