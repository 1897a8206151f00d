//! One sync cycle: push, check the service still holds what it accepted, pull.
//!
//! The store is touched only between network calls, through [`StoreAccess`], so
//! the venue's work never waits for the network: each step locks, reads or
//! writes one transaction, and unlocks.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use uketsuke_protocol::*;
use uketsuke_store::{sync, Store};
use uuid::Uuid;

use crate::error::{Result, SyncError};
use crate::transport::Transport;

/// The clock (injectable for tests: a terminal whose clock is a day off).
pub type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Events per push request.
pub const PUSH_BATCH: usize = 500;
/// Rows per stream per pull page. Larger pages mean fewer transactions, each
/// touching a B-tree page more than once (5,000 → 20,000: 12.5 s → 7.9 s at 300k;
/// 20,000 → 50,000: 6.5–6.8 s → 5.5–5.8 s). 100,000 was no faster end to end (the
/// first page takes longer to arrive) and held ~120 MB more (docs/benchmarks.md).
pub const PULL_PAGE: u32 = 50_000;

/// Short, exclusive access to the store.
pub trait StoreAccess: Send + Sync {
    fn with<R>(&self, f: impl FnOnce(&mut Store) -> uketsuke_store::Result<R>) -> Result<R>;
}

impl StoreAccess for Mutex<Store> {
    fn with<R>(&self, f: impl FnOnce(&mut Store) -> uketsuke_store::Result<R>) -> Result<R> {
        let mut guard = self.lock().unwrap_or_else(|p| p.into_inner());
        Ok(f(&mut guard)?)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub pushed: usize,
    pub rejected: usize,
    pub deferred: usize,
    /// Events re-queued because the service no longer held them (restore).
    pub resent: usize,
    pub roster: usize,
    pub remote_events: usize,
    pub walk_ins: usize,
    pub pages: usize,
    pub skew_ms: Option<i64>,
    /// Time spent waiting for pull pages from the service, and applying them to
    /// the store (measurement only; the benchmark reports them).
    pub pull_waiting: Duration,
    pub pull_applying: Duration,
    /// Time until the outbox was drained (pushing and recording the answers), and
    /// spent shipping the access log (measurement only; the benchmark reports them).
    pub pushing: Duration,
    pub audit_shipping: Duration,
    /// Access-log entries the service received and receipted.
    pub audit_shipped: usize,
    /// Export ledger entries the service received.
    pub exports_shipped: usize,
}

pub struct Engine {
    transport: Transport,
    pub(crate) now: Now,
    audit: Option<crate::audit::AuditIdentity>,
    page: u32,
    push_batch: usize,
}

impl Engine {
    pub fn new(transport: Transport, now: Now) -> Engine {
        Engine { transport, now, audit: None, page: PULL_PAGE, push_batch: PUSH_BATCH }
    }

    /// Ship the access log with every sync, signed with this identity.
    pub fn with_audit(mut self, identity: crate::audit::AuditIdentity) -> Engine {
        self.audit = Some(identity);
        self
    }

    pub(crate) fn audit_identity(&self) -> Option<&crate::audit::AuditIdentity> {
        self.audit.as_ref()
    }

    /// Rows per stream per pull page (smaller pages in tests make cuts land mid-pull).
    pub fn with_page_size(mut self, rows: u32) -> Engine {
        self.page = rows.max(1);
        self
    }

    /// Events per push request (at most the service's limit).
    pub fn with_push_batch(mut self, events: usize) -> Engine {
        self.push_batch = events.clamp(1, MAX_PUSH_BATCH);
        self
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Push, verify, pull. Records success or failure in the store for the window.
    pub async fn sync_once(&self, store: &impl StoreAccess) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        let result = self.cycle(store, &mut report).await;
        let at = (self.now)();
        match &result {
            Ok(()) => store.with(|s| sync::record_success(s.connection(), at, report.skew_ms))?,
            Err(e) => store.with(|s| sync::record_failure(s.connection(), at, e.code(), &e.to_string()))?,
        }
        result.map(|()| report)
    }

    async fn cycle(&self, store: &impl StoreAccess, report: &mut SyncReport) -> Result<()> {
        let stream_id: Uuid = store
            .with(|s| Ok(s.meta().store_id.clone()))?
            .parse()
            .map_err(|_| SyncError::Protocol("the store id is not a UUID".into()))?;
        // Before pushing: once new events are accepted, the newest accepted one
        // would be known again and a restore would go unnoticed.
        let started = Instant::now();
        let lost = self.latest_accepted_missing(store).await?;
        let changed = self.push_all(store, stream_id, report).await?;
        if changed || lost {
            report.resent += self.reconcile(store).await?;
            if report.resent > 0 {
                self.push_all(store, stream_id, report).await?;
            }
        }
        report.pushing = started.elapsed();
        self.pull_all(store, report).await?;
        // After the pull, so a refused shipment (a broken chain is for people to
        // look at) does not hold back the venue's events or the roster.
        let started = Instant::now();
        report.audit_shipped = self.ship_audit(store).await?;
        report.audit_shipping = started.elapsed();
        report.exports_shipped = self.ship_export_ledger(store).await?;
        if self.audit_identity().is_some() {
            self.refresh_export_state(store, None).await?;
        }
        Ok(())
    }

    /// Push until the queue is empty or nothing more moves. Returns whether the
    /// service's identity or epoch changed.
    async fn push_all(&self, store: &impl StoreAccess, stream_id: Uuid, report: &mut SyncReport) -> Result<bool> {
        let mut changed = false;
        let mut skip: HashSet<Uuid> = HashSet::new();
        loop {
            let batch: Vec<PushEvent> = store
                .with(|s| sync::pending_batch(s.connection(), self.push_batch + skip.len()))?
                .into_iter()
                .filter(|e| !skip.contains(&e.event_id))
                .take(self.push_batch)
                .collect();
            if batch.is_empty() {
                return Ok(changed);
            }
            let (res, timing): (PushResponse, _) =
                self.transport.post("/v1/push", &PushRequest { stream_id, events: batch }, (self.now)()).await?;
            report.skew_ms = timing.skew_ms.or(report.skew_ms);
            let tally = store.with(|s| {
                changed |= sync::note_service(s.connection(), &res.service)?;
                sync::apply_push_results(s.connection_mut(), &res.results)
            })?;
            report.pushed += tally.accepted;
            report.rejected += tally.rejected;
            report.deferred += tally.deferred;
            // Deferred events stay pending; don't send them again in this cycle.
            for r in &res.results {
                if matches!(r.outcome, EventOutcome::Deferred { .. }) {
                    skip.insert(r.event_id);
                }
            }
            if tally.accepted + tally.rejected == 0 {
                return Ok(changed);
            }
        }
    }

    /// Whether the service has lost the newest event it once accepted from us (a
    /// restore without an epoch bump): one id, one small request per cycle.
    async fn latest_accepted_missing(&self, store: &impl StoreAccess) -> Result<bool> {
        let Some(latest) = store.with(|s| sync::latest_accepted_event_id(s.connection()))? else {
            return Ok(false);
        };
        let id: Uuid = latest.parse().map_err(|_| SyncError::Protocol("event id".into()))?;
        let (res, _): (KnownResponse, _) =
            self.transport.post("/v1/events/known", &KnownRequest { event_ids: vec![id] }, (self.now)()).await?;
        Ok(!res.known.contains(&id))
    }

    /// Ask which accepted events the service holds; re-queue the rest.
    async fn reconcile(&self, store: &impl StoreAccess) -> Result<usize> {
        let ids = store.with(|s| sync::accepted_event_ids(s.connection()))?;
        let mut missing = Vec::new();
        for chunk in ids.chunks(5000) {
            let asked: Vec<Uuid> = chunk.iter().filter_map(|s| s.parse().ok()).collect();
            let (res, _): (KnownResponse, _) = self
                .transport
                .post("/v1/events/known", &KnownRequest { event_ids: asked.clone() }, (self.now)())
                .await?;
            let known: HashSet<Uuid> = res.known.into_iter().collect();
            missing.extend(asked.into_iter().filter(|id| !known.contains(id)).map(|id| id.to_string()));
            store.with(|s| sync::note_service(s.connection(), &res.service))?;
        }
        if !missing.is_empty() {
            tracing::warn!(missing = missing.len(), "the service lost accepted events; sending them again");
        }
        store.with(|s| sync::requeue_missing(s.connection_mut(), &missing))
    }

    /// Pull pages until none is left. The next page is fetched while the current
    /// one is applied; a cursor is stored only with the page it covers, so a cut
    /// anywhere resumes from the last applied page.
    async fn pull_all(&self, store: &impl StoreAccess, report: &mut SyncReport) -> Result<()> {
        store.with(|s| sync::apply_deferred_roster(s.connection_mut()))?;
        let fetch = |cursors: Cursors| {
            let (transport, now, limit) = (self.transport.clone(), self.now.clone(), self.page);
            tokio::spawn(async move {
                transport.post::<_, PullPage>("/v1/pull", &PullRequest { cursors, limit }, now()).await
            })
        };
        let mut next = fetch(store.with(|s| sync::cursors(s.connection()))?);
        loop {
            let waiting = Instant::now();
            let (page, timing) = next.await.map_err(|e| SyncError::Protocol(e.to_string()))??;
            let applying = Instant::now();
            report.pull_waiting += applying - waiting;
            report.skew_ms = timing.skew_ms.or(report.skew_ms);
            let prefetch = page.more.then(|| fetch(page.cursors.clone()));
            let applied = store.with(|s| {
                sync::note_service(s.connection(), &page.service)?;
                sync::apply_pull_page(s.connection_mut(), &page)
            });
            let tally = match applied {
                Ok(t) => t,
                Err(e) => {
                    if let Some(p) = prefetch {
                        p.abort();
                    }
                    return Err(e);
                }
            };
            report.pages += 1;
            report.pull_applying += applying.elapsed();
            report.roster += tally.roster;
            report.remote_events += tally.events;
            report.walk_ins += tally.walk_ins;
            match prefetch {
                Some(p) => next = p,
                None => return Ok(()),
            }
        }
    }
}
