//! Sync against the real central service, one binary so the suite links once per crate
//! and shares one PostgreSQL server per process (each file is a module).

mod audit_shipping;
mod sync_roundtrip;
