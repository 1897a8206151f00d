//! The process hardening takes effect (its own test binary: it changes the process).

#[test]
fn the_app_process_cannot_be_dumped_or_attached_after_hardening() {
    #[cfg(target_os = "linux")]
    assert!(!uketsuke_api::harden::process_is_hardened(), "a test process starts dumpable");
    uketsuke_api::harden::harden_process().unwrap();
    assert!(uketsuke_api::harden::process_is_hardened());
    #[cfg(target_os = "linux")]
    {
        // The kernel hands /proc/self to root: another process of this user can no
        // longer read this one's memory.
        use std::os::unix::fs::MetadataExt;
        let owner = std::fs::metadata("/proc/self/mem").unwrap().uid();
        assert_eq!(owner, 0);
    }
}
