//! Argon2id on the service, bounded. Each verification or hash holds
//! `argon2_memory_kib` (64 MiB) for its duration, so unbounded parallel requests could
//! exhaust the service's memory. [`PasswordWork::run`] runs the work off the async
//! runtime with at most `limit` at a time; a request that waits longer than `wait` for
//! its turn is refused with `SERVICE_BUSY` (503) and may be retried.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::error::{CentralError, Result};

#[derive(Debug)]
pub struct PasswordWork {
    permits: Semaphore,
    limit: usize,
    wait: Duration,
    running: AtomicUsize,
    peak: AtomicUsize,
}

impl PasswordWork {
    /// At most `limit` (at least 1) at a time; wait at most `wait` for a turn.
    pub fn new(limit: usize, wait: Duration) -> PasswordWork {
        let limit = limit.max(1);
        PasswordWork {
            permits: Semaphore::new(limit),
            limit,
            wait,
            running: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The most that ever ran at once (for tests and the service's own checks).
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// Run `work` (Argon2id) on the blocking pool once a turn is free.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let _permit = match tokio::time::timeout(self.wait, self.permits.acquire()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_closed)) => return Err(CentralError::Internal("password work closed".into())),
            Err(_elapsed) => return Err(CentralError::Busy("too many password checks at once; try again".into())),
        };
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let out = tokio::task::spawn_blocking(work).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        out.map_err(|e| CentralError::Internal(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_than_the_limit_runs_at_once_and_every_request_is_answered() {
        let work = Arc::new(PasswordWork::new(2, Duration::from_secs(30)));
        let tasks: Vec<_> = (0..24u64)
            .map(|i| {
                let work = work.clone();
                tokio::spawn(async move {
                    work.run(move || {
                        std::thread::sleep(Duration::from_millis(20));
                        i * 2
                    })
                    .await
                })
            })
            .collect();
        let mut sum = 0;
        for t in tasks {
            sum += t.await.unwrap().unwrap();
        }
        assert_eq!(sum, (0..24u64).map(|i| i * 2).sum::<u64>());
        assert_eq!(work.peak(), 2, "two at a time, never more, and the bound was reached");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_that_waits_too_long_is_refused_as_busy() {
        let work = Arc::new(PasswordWork::new(1, Duration::from_millis(50)));
        let holder = {
            let work = work.clone();
            tokio::spawn(async move { work.run(|| std::thread::sleep(Duration::from_millis(500))).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        let refused = work.run(|| ()).await.unwrap_err();
        assert_eq!(refused.code(), "SERVICE_BUSY");
        holder.await.unwrap().unwrap();
        assert_eq!(work.peak(), 1);
        work.run(|| ()).await.unwrap();
    }

    #[test]
    fn a_limit_of_zero_still_lets_one_run() {
        assert_eq!(PasswordWork::new(0, Duration::from_secs(1)).limit(), 1);
    }
}
