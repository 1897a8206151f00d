//! The few facts about OS users this crate needs, from libc: whether we are root, who `nobody`
//! is (to hand the throwaway cluster to it), and our own user name (a role name to try on 5432).

use std::ffi::{c_char, c_int, CStr, CString};

/// A user account from the password database.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub(crate) name: String,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
}

/// Whether the effective user is root, which PostgreSQL refuses to run as.
pub(crate) fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Look up an account by name.
pub(crate) fn account_by_name(name: &str) -> Option<Account> {
    let name = CString::new(name).ok()?;
    lookup(|pwd, buf, len, result| {
        // SAFETY: every pointer comes from `lookup` and is valid for the call; `name` outlives it.
        unsafe { libc::getpwnam_r(name.as_ptr(), pwd, buf, len, result) }
    })
}

/// The effective user's name: from the password database, else `$USER` (a uid with no entry,
/// as in some containers, still has a `$USER` set by whoever started it).
pub(crate) fn current_user_name() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    lookup(|pwd, buf, len, result| {
        // SAFETY: every pointer comes from `lookup` and is valid for the call.
        unsafe { libc::getpwuid_r(uid, pwd, buf, len, result) }
    })
    .map(|account| account.name)
    .or_else(|| std::env::var("USER").ok().filter(|user| !user.is_empty()))
}

/// Runs a reentrant `getpw*_r` call, growing the buffer while it reports `ERANGE`. The
/// non-reentrant `getpwnam` would share a static buffer with any other thread doing the same.
fn lookup(call: impl Fn(*mut libc::passwd, *mut c_char, usize, *mut *mut libc::passwd) -> c_int) -> Option<Account> {
    let mut buf: Vec<c_char> = vec![0; 1024];
    loop {
        // SAFETY: `passwd` is plain data (integers and pointers), for which all-zero is valid;
        // the call overwrites it before anything reads it.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = call(&mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
        if rc == libc::ERANGE && buf.len() < (1 << 20) {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        // SAFETY: on success `pw_name` points to a NUL-terminated string inside `buf`, which is
        // still alive here.
        let name = unsafe { CStr::from_ptr(pwd.pw_name) }.to_string_lossy().into_owned();
        return Some(Account { name, uid: pwd.pw_uid, gid: pwd.pw_gid });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_account_exists() {
        let root = account_by_name("root");
        assert_eq!(root.map(|a| (a.name, a.uid, a.gid)), Some(("root".to_owned(), 0, 0)));
    }

    #[test]
    fn unknown_account_is_none() {
        assert!(account_by_name("uketsuke-no-such-user").is_none());
    }

    #[test]
    fn current_user_has_a_name() {
        assert!(current_user_name().is_some_and(|name| !name.is_empty()));
    }
}
