//! [`FailingStore`]: the behaviour of a store that cannot be reached. Every
//! operation answers [`Error::Unavailable`], so tests can prove that callers
//! fail closed (design §5) without stopping a real backend.

use super::{
    Admission, Caps, Error, SessionGrant, SessionKey, SessionMint, SessionRecord, SessionUse,
    Store, StoreFuture, TaskKey, TaskRecord, ready,
};
use crate::handle::Owner;

/// A store whose backend is unreachable: every call fails.
#[derive(Clone, Copy, Debug, Default)]
pub struct FailingStore;

impl FailingStore {
    /// A failing store.
    pub fn new() -> FailingStore {
        FailingStore
    }
}

fn unavailable<'a, T: Send + 'a>() -> StoreFuture<'a, T> {
    ready(Err(Error::Unavailable("store unreachable".into())))
}

// === impl FailingStore ===

impl Store for FailingStore {
    fn admit_task(
        &self,
        _: &TaskKey,
        _: TaskRecord,
        _: &Caps,
        _: u64,
    ) -> StoreFuture<'_, Admission> {
        unavailable()
    }

    fn task(&self, _: &TaskKey, _: u64) -> StoreFuture<'_, Option<TaskRecord>> {
        unavailable()
    }

    fn mark_terminal(&self, _: &TaskKey, _: u64) -> StoreFuture<'_, ()> {
        unavailable()
    }

    fn owner_tasks(&self, _: &Owner, _: &str, _: u64) -> StoreFuture<'_, Vec<TaskKey>> {
        unavailable()
    }

    fn revoke_task(&self, _: &TaskKey, _: u64) -> StoreFuture<'_, ()> {
        unavailable()
    }

    fn revoke_owner(&self, _: &Owner, _: u64) -> StoreFuture<'_, ()> {
        unavailable()
    }

    fn revoke_tenant(&self, _: &str, _: u64) -> StoreFuture<'_, ()> {
        unavailable()
    }

    fn is_revoked(&self, _: &TaskKey, _: &Owner, _: Option<&str>, _: u64) -> StoreFuture<'_, bool> {
        unavailable()
    }

    fn epoch(&self) -> StoreFuture<'_, u32> {
        unavailable()
    }

    fn bump_epoch(&self) -> StoreFuture<'_, u32> {
        unavailable()
    }

    fn record_failure(&self, _: &Owner, _: u64, _: u64) -> StoreFuture<'_, u32> {
        unavailable()
    }

    fn failures(&self, _: &Owner, _: u64, _: u64) -> StoreFuture<'_, u32> {
        unavailable()
    }

    fn open_session(
        &self,
        _: &SessionKey,
        _: Option<&str>,
        _: SessionGrant,
        _: u64,
    ) -> StoreFuture<'_, SessionRecord> {
        unavailable()
    }

    fn use_session(
        &self,
        _: &SessionKey,
        _: Option<&str>,
        _: SessionMint,
        _: u64,
        _: u64,
    ) -> StoreFuture<'_, SessionUse> {
        unavailable()
    }

    fn end_session(&self, _: &SessionKey, _: SessionMint) -> StoreFuture<'_, ()> {
        unavailable()
    }

    fn widen_retention(&self, _: crate::store::RetentionPolicy) {}
}
