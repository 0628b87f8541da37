//! Task handles on the wire: where the [`rewrite`](crate::rewrite) tables,
//! the [`handle`](crate::handle) codec and the [`store`](crate::store) meet
//! the traffic.
//!
//! Where it sits: after a POST is validated ([`TaskGuard::to_upstream`], in
//! `to_upstream.rs`, before anything is forwarded) and on every message the
//! upstream sends back, as a JSON body or one SSE event at a time
//! ([`TaskGuard::to_client`], in `to_client.rs`).
//!
//! What a message of each era looks like (where ids and Task objects sit,
//! the TTL member, the opt-in, the task methods) is the era's
//! [`Dialect`](crate::mcp::dialect::Dialect): the rules here read it and
//! never match on the era.
//!
//! What it keeps (design §2):
//! - **No upstream task id reaches a client.** Every server-minted id at a
//!   location the era governs becomes a handle sealed for the caller; an id
//!   the caller does not own is never sealed: the message carrying it is
//!   dropped (requests, notifications), filtered (legacy `tasks/list`,
//!   listen acknowledgements) or replaced by an internal error (responses).
//! - **Checked before forwarding.** Every handle in a request is verified
//!   for the caller (owner, route, kind, expiry, epoch) and checked against
//!   the store (known, not purged, not revoked) before the request leaves;
//!   the first failure refuses the whole request with the answer an upstream
//!   gives for an unknown task ([`Refusal`]), whatever the reason. A listen
//!   filter is the exception: its unusable entries are dropped (`listen`),
//!   so the caller's own tasks still stream.
//! - **Fail closed.** A store failure refuses a follow-up with an internal
//!   error and drops or replaces an upstream message it could not check.
//! - **TTL.** A requested `params.task.ttl` and every granted `ttl`/`ttlMs`
//!   the client sees is capped at the policy's `max_ttl` (`null` becomes the
//!   cap); the handle and the store record expire at the effective time.
//!   A terminal task stays readable for `result_retention`, then its handles
//!   are dead.
//! - **Deterministic handles.** A handle is sealed from the store record
//!   (creation time, expiry), so the same task always gets the same handle
//!   for its owner, on every message and every replica.
//!
//! Client-hosted legacy tasks (L10–L14) are the client's own ids: they pass
//! unchanged both ways, bound to the caller and upstream session that
//! created them (see `hosted`).
//!
//! The current era's `requestState` gets the same treatment as a task id
//! (sealed for the caller, checked before forwarding): see
//! [`request_state`].

mod clock;
mod hosted;
mod listen;
pub mod mediation;
mod pending;
pub mod request_state;
mod revoke;
mod task_object;
mod to_client;
mod to_upstream;

use std::sync::{Arc, OnceLock};

use crate::auth::Principal;
use crate::config::{RequestStatePolicy, TaskPolicy};
use crate::handle::{HandleCodec, Owner};
use crate::store::{Caps, RetentionPolicy, Store, TaskKey};

pub use clock::Clock;
pub use pending::{CREATION_WAIT, CreationTicket, Creations};
pub use revoke::{IdentitySelector, Revocation, Revoked};
pub use to_client::{Verdict, internal_error};
pub use to_upstream::{Follow, Refusal};

/// Whether `message` is a response creating a task (legacy L1, current M1:
/// the era's creation row).
pub fn creates_task(message: &serde_json::Value, era: crate::mcp::Era) -> bool {
    task_object::created_task_id(message, era.dialect()).is_some()
}

/// The id map both directions rewrite with: server-side task ids (and
/// related-task ids) from `tasks`, list cursors from `cursors`; a client's
/// own task ids are never replaced.
fn replacement_map<'a>(
    tasks: &'a std::collections::HashMap<String, String>,
    cursors: &'a std::collections::HashMap<String, String>,
) -> impl FnMut(crate::rewrite::Role, &str) -> Result<Option<String>, std::convert::Infallible> + 'a
{
    use crate::rewrite::Role;
    move |role, value| {
        Ok(match role {
            Role::ClientTask => None,
            Role::ListCursor => cursors.get(value).cloned(),
            Role::ServerTask | Role::RelatedTask => tasks.get(value).cloned(),
        })
    }
}

/// Task-handle enforcement shared by every request. Cheap to share by `Arc`.
pub struct TaskGuard {
    codec: Arc<HandleCodec>,
    store: Arc<dyn Store>,
    policy: TaskPolicy,
    request_state: RequestStatePolicy,
    clock: Clock,
    creations: pending::Creations,
}

/// Who is asking, and where: what every handle is bound to.
///
/// The owner digest is computed on first use, so requests that never touch
/// a task (most of them) do not pay for it.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Route name.
    pub route: Arc<str>,
    principal: Arc<Principal>,
    owner: OnceLock<Owner>,
    /// The upstream session the request travels in (legacy era).
    pub session: Option<String>,
}

impl Caller {
    /// The caller for `principal` on `route`, in upstream session `session`.
    pub fn new(route: Arc<str>, principal: Arc<Principal>, session: Option<String>) -> Caller {
        Caller {
            route,
            principal,
            owner: OnceLock::new(),
            session,
        }
    }

    /// The caller's identity digest.
    pub fn owner(&self) -> Owner {
        *self.owner.get_or_init(|| Owner::of(&self.principal))
    }

    /// The caller's tenant (for tenant caps and revocation).
    pub fn tenant(&self) -> Option<&str> {
        self.principal.tenant()
    }

    /// The store key of upstream task `upstream` in this caller's session.
    fn key(&self, upstream: &str) -> TaskKey {
        TaskKey {
            route: self.route.to_string(),
            session: self.session.clone(),
            upstream: upstream.to_string(),
        }
    }
}

impl TaskGuard {
    /// Enforcement with `codec`, `store` and `policy`, reading time from `clock`.
    pub fn new(
        codec: Arc<HandleCodec>,
        store: Arc<dyn Store>,
        policy: TaskPolicy,
        clock: Clock,
    ) -> TaskGuard {
        TaskGuard {
            codec,
            store,
            policy,
            request_state: RequestStatePolicy::default(),
            clock,
            creations: pending::Creations::default(),
        }
    }

    /// This guard, sealing `requestState` handles under `policy`.
    #[must_use]
    pub fn with_request_state(mut self, policy: RequestStatePolicy) -> TaskGuard {
        self.request_state = policy;
        self
    }

    /// This guard, tracking creations in flight in `creations` (shared with
    /// the guards of earlier and later settings).
    #[must_use]
    pub fn with_creations(mut self, creations: Creations) -> TaskGuard {
        self.creations = creations;
        self
    }

    /// The store retention that matches `policy` (a store must keep records
    /// as long as the handles it backs may live: expiries are rounded up to
    /// the next whole second, creation times down, hence the extra second).
    pub fn retention(policy: &TaskPolicy) -> RetentionPolicy {
        RetentionPolicy {
            result_retention_secs: policy.result_retention.as_secs().max(1),
            max_task_lifetime_secs: policy.max_ttl.as_secs().saturating_add(1),
            // Sessions add theirs where the store is built (`app`).
            max_session_lifetime_secs: 0,
            max_request_state_lifetime_secs: 0,
        }
    }

    /// The codec sealing handles.
    pub fn codec(&self) -> &HandleCodec {
        &self.codec
    }

    fn caps(&self) -> Caps {
        Caps {
            per_principal: self.policy.max_live_per_principal,
            per_tenant: self.policy.max_live_per_tenant,
        }
    }

    /// The cap in milliseconds.
    fn max_ttl_ms(&self) -> u64 {
        u64::try_from(self.policy.max_ttl.as_millis()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod dialect_tests;
#[cfg(test)]
mod listen_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod ttl_tests;
