//! Ceremonies end to end with the software authenticator: what the service and
//! the terminal accept and refuse.

mod ceremony;
