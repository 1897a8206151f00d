//! Process hardening for the terminal app, applied before any secret is read.
//!
//! The Rust core holds the database key and the device key in memory while the
//! app runs (ARCHITECTURE.md, "Secrets in memory"): logins are verified offline
//! against the encrypted store, and the outbox drains while the window is
//! locked. What must not happen is that memory leaves the process: a core dump
//! on a crash, or another process of the same OS user attaching a debugger or
//! reading `/proc/PID/mem`. On Linux the process is marked not dumpable, which
//! does both (the kernel then also makes `/proc/PID` owned by root).

/// Mark the process not dumpable (Linux). Elsewhere a no-op that says so: Windows
/// and macOS rely on their own process protections (documented in ARCHITECTURE.md).
pub fn harden_process() -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{set_dumpable_behavior, DumpableBehavior};
        set_dumpable_behavior(DumpableBehavior::NotDumpable).map_err(|e| format!("PR_SET_DUMPABLE: {e}"))
    }
    #[cfg(not(target_os = "linux"))]
    {
        Ok(())
    }
}

/// Whether [`harden_process`] is in effect (Linux; `true` elsewhere).
pub fn process_is_hardened() -> bool {
    #[cfg(target_os = "linux")]
    {
        matches!(rustix::process::dumpable_behavior(), Ok(rustix::process::DumpableBehavior::NotDumpable))
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}
