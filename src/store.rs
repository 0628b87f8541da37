//! Gateway state: what must be shared between replicas and remembered between
//! requests, behind one object-safe [`Store`] trait.
//!
//! A gateway handle carries everything needed to *route* a follow-up (see
//! [`crate::handle`]); the store carries what a handle cannot: revocations,
//! terminal-state tracking, the per-principal task index (legacy
//! `tasks/list` filtering and live-task caps), the policy epoch,
//! failed-lookup counters for lockout, and legacy session records (idle
//! deadlines; see [`session`]). It sits behind the `handle` decode step: a
//! follow-up is verified from the handle, then checked here.
//!
//! Backends: [`memory::MemoryStore`] (tests, demos, single node) and
//! [`FailingStore`] (an unreachable store). Durable and shared backends
//! implement the same trait.
//!
//! Invariants every backend and caller keeps:
//! - **Fail closed.** Every operation is fallible; a caller that gets an
//!   [`Error`] denies the follow-up (an internal error, never an allow).
//! - **Bounded.** Every entry has a TTL derived from gateway policy (result
//!   retention, maximum task lifetime, lockout window), never from what an
//!   upstream claims, so state is bounded by policy.
//! - **Keyed.** Every hot-path operation ([`Store::task`],
//!   [`Store::is_revoked`], [`Store::epoch`], [`Store::use_session`]) is a
//!   fixed number of keyed lookups, whatever the number of live tasks. Admission costs what
//!   changed since the last one (expiry-ordered live sets, like a Redis
//!   sorted set); listing and owner revocation walk one owner's tasks, which
//!   caps and TTLs bound. No operation scans the whole store. This maps
//!   one-to-one onto Redis keys, sorted sets and `EXPIRE`.
//! - **Time is explicit.** Operations take unix seconds from the caller, so
//!   replicas agree and tests are deterministic.

mod failing;
pub mod memory;
pub mod session;

use futures_util::future::BoxFuture;

use crate::handle::Owner;

pub use failing::FailingStore;
pub use session::{SessionGrant, SessionKey, SessionMint, SessionRecord, SessionUse};

/// Identifies one upstream task: the route, the upstream session it lives
/// in (legacy era; `None` when stateless) and the upstream task id. Ordered
/// (route, session, upstream) so listings and expiry queues are stable.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskKey {
    /// Route name (one route per upstream).
    pub route: String,
    /// Upstream `Mcp-Session-Id`, if the task lives in a session.
    pub session: Option<String>,
    /// The upstream's task id.
    pub upstream: String,
}

/// What the gateway remembers about a task it has issued a handle for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRecord {
    /// The identity the task (and every handle for it) is bound to.
    pub owner: Owner,
    /// The owner's tenant, for tenant caps and tenant revocation.
    pub tenant: Option<String>,
    /// The tool that created the task, if known.
    pub tool: Option<String>,
    /// Creation time (unix seconds); equals the handle's `issued_at`.
    pub created_at: u64,
    /// When the task stops being usable (unix seconds), already capped by
    /// gateway policy; `None` means the policy's maximum lifetime applies.
    pub expires_at: Option<u64>,
    /// When the task was first seen in a terminal state.
    pub terminal_at: Option<u64>,
}

/// The outcome of [`Store::admit_task`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Recorded (or already recorded for the same owner).
    Admitted,
    /// The owner already has `per_principal` live tasks.
    PrincipalCapReached,
    /// The owner's tenant already has `per_tenant` live tasks.
    TenantCapReached,
    /// The key is already recorded for *another* owner: the upstream reused
    /// a task id. The caller must not issue a handle for it (isolation must
    /// not depend on the upstream's id hygiene).
    KeyConflict,
}

impl Admission {
    /// Whether the task was admitted.
    pub fn is_admitted(self) -> bool {
        self == Admission::Admitted
    }
}

/// Live-task limits enforced at admission; `None` means unlimited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caps {
    /// Maximum live tasks per owner.
    pub per_principal: Option<u32>,
    /// Maximum live tasks per tenant (tasks without a tenant are exempt).
    pub per_tenant: Option<u32>,
}

/// How long the store remembers things; the same policy every backend
/// applies, so state is bounded by configuration, not by upstream claims.
///
/// Revocation entries are kept for the longest of `max_task_lifetime_secs`,
/// `max_session_lifetime_secs` and `max_request_state_lifetime_secs` after
/// they are made, which is correct only because the gateway never seals a
/// task handle that outlives `issued_at + max_task_lifetime_secs`, a session
/// handle that outlives `issued_at + max_session_lifetime_secs`, nor a
/// `requestState` handle that outlives `issued_at +
/// max_request_state_lifetime_secs`: a handle a purged revocation could
/// have caught has expired on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// How long a terminal task stays known (its result readable).
    pub result_retention_secs: u64,
    /// The longest any task (and any task handle) may live, from creation.
    pub max_task_lifetime_secs: u64,
    /// The longest any legacy session (and its handle) may live, from
    /// creation; `0` when the store backs no sessions.
    pub max_session_lifetime_secs: u64,
    /// The longest a `requestState` handle may live (it has no record of
    /// its own; only revocations must last that long); `0` when none is
    /// sealed.
    pub max_request_state_lifetime_secs: u64,
}

impl RetentionPolicy {
    /// Each duration the longer of `self`'s and `other`'s.
    pub fn widest(self, other: RetentionPolicy) -> RetentionPolicy {
        RetentionPolicy {
            result_retention_secs: self.result_retention_secs.max(other.result_retention_secs),
            max_task_lifetime_secs: self
                .max_task_lifetime_secs
                .max(other.max_task_lifetime_secs),
            max_session_lifetime_secs: self
                .max_session_lifetime_secs
                .max(other.max_session_lifetime_secs),
            max_request_state_lifetime_secs: self
                .max_request_state_lifetime_secs
                .max(other.max_request_state_lifetime_secs),
        }
    }

    /// When a non-terminal task stops counting as live: its expiry, capped
    /// at the maximum lifetime.
    pub fn live_until(&self, record: &TaskRecord) -> u64 {
        let cap = record
            .created_at
            .saturating_add(self.max_task_lifetime_secs);
        record.expires_at.map_or(cap, |e| e.min(cap))
    }

    /// When a task record is purged: `min(expires_at, terminal_at +
    /// result_retention)`, and never later than the maximum lifetime.
    pub fn purge_at(&self, record: &TaskRecord) -> u64 {
        let live = self.live_until(record);
        match record.terminal_at {
            Some(t) => live.min(t.saturating_add(self.result_retention_secs)),
            None => live,
        }
    }

    /// When a revocation made at `at` can no longer affect any handle.
    pub fn revocation_until(&self, at: u64) -> u64 {
        at.saturating_add(
            self.max_task_lifetime_secs
                .max(self.max_session_lifetime_secs)
                .max(self.max_request_state_lifetime_secs),
        )
    }
}

/// A store failure. Callers fail closed on every variant.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The backend could not be reached or did not answer in time.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The backend answered with data that cannot be right.
    #[error("store data corrupt: {0}")]
    Corrupt(String),
}

/// The future every [`Store`] operation returns.
pub type StoreFuture<'a, T> = BoxFuture<'a, Result<T, Error>>;

/// Shared gateway state. Object safe: the app holds an `Arc<dyn Store>`.
///
/// The returned futures borrow only `self`: a backend that does I/O copies
/// the arguments it needs before returning.
///
/// # Errors
/// Every operation returns [`Error`] when the backend cannot answer; the
/// caller must then deny, never allow.
pub trait Store: Send + Sync + 'static {
    /// Records a newly created task in its owner's index, enforcing `caps`
    /// on *live* tasks (not terminal, not expired, not revoked) at `now`.
    /// Idempotent for the same key and owner; a record that is not live at
    /// `now` occupies no slot and is always admitted.
    fn admit_task(
        &self,
        key: &TaskKey,
        record: TaskRecord,
        caps: &Caps,
        now: u64,
    ) -> StoreFuture<'_, Admission>;

    /// The record, if known and not purged at `now`. A purged record means
    /// the task is past its retention: treat its handles as expired.
    fn task(&self, key: &TaskKey, now: u64) -> StoreFuture<'_, Option<TaskRecord>>;

    /// Marks a task terminal at `at`. The first call wins; later calls keep
    /// the first timestamp. Unknown keys are ignored.
    fn mark_terminal(&self, key: &TaskKey, at: u64) -> StoreFuture<'_, ()>;

    /// The owner's known, unrevoked tasks on `route` at `now`, oldest first
    /// (for filtering legacy `tasks/list`). Bounded by caps and retention.
    fn owner_tasks(&self, owner: &Owner, route: &str, now: u64) -> StoreFuture<'_, Vec<TaskKey>>;

    /// Revokes every handle for one task issued at or before `at`.
    fn revoke_task(&self, key: &TaskKey, at: u64) -> StoreFuture<'_, ()>;

    /// Revokes every handle of one owner issued at or before `at`.
    fn revoke_owner(&self, owner: &Owner, at: u64) -> StoreFuture<'_, ()>;

    /// Revokes every handle of one tenant issued at or before `at`.
    fn revoke_tenant(&self, tenant: &str, at: u64) -> StoreFuture<'_, ()>;

    /// Whether a handle for `key`, owned by `owner` in `tenant` and issued at
    /// `issued_at`, is revoked by a task, owner or tenant revocation at or
    /// after `issued_at`. A fixed number of keyed lookups.
    fn is_revoked(
        &self,
        key: &TaskKey,
        owner: &Owner,
        tenant: Option<&str>,
        issued_at: u64,
    ) -> StoreFuture<'_, bool>;

    /// The global policy epoch: handles sealed with a lower epoch are dead.
    fn epoch(&self) -> StoreFuture<'_, u32>;

    /// Bumps the policy epoch and returns the new value.
    fn bump_epoch(&self) -> StoreFuture<'_, u32>;

    /// Adds one failed lookup for `principal_key` in the fixed window of
    /// `window_secs` containing `now`, and returns the window's count.
    fn record_failure(
        &self,
        principal_key: &Owner,
        window_secs: u64,
        now: u64,
    ) -> StoreFuture<'_, u32>;

    /// The failed-lookup count of the window containing `now`.
    fn failures(&self, principal_key: &Owner, window_secs: u64, now: u64) -> StoreFuture<'_, u32>;

    /// Opens legacy session `key` (its owner in `tenant`) at `now` and
    /// returns the record to seal its handle from. A live record of the same
    /// key is kept, its idle deadline moved to `grant.idle_until`, so the
    /// same upstream session keeps its handle; otherwise `grant` is recorded
    /// at the current epoch, replacing any ended record.
    fn open_session(
        &self,
        key: &SessionKey,
        tenant: Option<&str>,
        grant: SessionGrant,
        now: u64,
    ) -> StoreFuture<'_, SessionRecord>;

    /// One use at `now` of session `key` (its owner in `tenant`) through a
    /// handle sealed as `mint`: [`SessionUse::Live`] (its idle deadline then
    /// moves to `idle_until`) or why it is over. An ended record is
    /// forgotten. A fixed number of keyed lookups.
    fn use_session(
        &self,
        key: &SessionKey,
        tenant: Option<&str>,
        mint: SessionMint,
        now: u64,
        idle_until: u64,
    ) -> StoreFuture<'_, SessionUse>;

    /// Forgets session `key` if `mint` is its current record (its client
    /// ended it); later uses of its handle are [`SessionUse::Unknown`].
    fn end_session(&self, key: &SessionKey, mint: SessionMint) -> StoreFuture<'_, ()>;

    /// Keeps state at least as long as `at_least` says from now on: new
    /// settings may let handles live longer than the store was built for.
    /// Retention only ever grows, so a handle sealed under the old
    /// settings keeps what backs it.
    fn widen_retention(&self, at_least: RetentionPolicy);
}

/// A finished future, for backends that answer synchronously.
fn ready<'a, T: Send + 'a>(result: Result<T, Error>) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(result))
}

#[cfg(test)]
mod tests;
