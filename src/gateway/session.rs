//! Legacy `Mcp-Session-Id` binding and lifetime: a session id is a
//! capability too, and it expires and obeys revocation like a task handle
//! (design §2, last paragraph).
//!
//! The client never sees an upstream session id: every `Mcp-Session-Id` the
//! upstream returns is replaced with a sealed session handle bound to the
//! caller's identity and route; every one the client presents is opened and
//! replaced with the upstream's id. A handle that does not open for this
//! caller (another identity's, forged, from another route or key) or whose
//! session is over is answered exactly like an unknown session — `404` —
//! and nothing is forwarded. Binding is to identity claims, not token bytes,
//! so a refreshed token of the same identity keeps its session.
//!
//! Lifetime rules ([`SessionPolicy`]; state in [`crate::store::session`]):
//! - **Absolute.** A session lives at most `max_lifetime` from the
//!   `initialize` answer that opened it: `issued_at` and `expires_at` are
//!   sealed into the handle and checked before anything else.
//! - **Idle.** A session no request used for `idle_timeout` ends; each
//!   accepted request moves its idle deadline (never past `expires_at`).
//! - **Revocation.** The handle carries the policy epoch it was opened at:
//!   an epoch bump ends every session opened before it, and an owner or
//!   tenant revocation every session of theirs opened at or before it. A
//!   session opened afterwards works.
//! - **One handle per session.** A response naming the session the client
//!   presented carries back the very handle the client sent (no re-sealing,
//!   no store call), so no later response can mint a handle that outlives
//!   the first. A response naming a session the client did not present (the
//!   `initialize` answer) opens it in the store: a live record of the same
//!   owner and upstream session is reused, so the handle is the same.
//! - **Fail closed.** A store failure refuses the request (or replaces the
//!   answer that would have opened a session) with `503`, never an allow.
//! - **Ending.** A `DELETE` the upstream accepts forgets the session.
//!
//! Cost: stateless traffic (no `Mcp-Session-Id`) pays a header lookup and
//! nothing else; a request with a session pays one verification and one
//! store call, on a boxed slow path.
//!
//! Times are whole seconds: creation is rounded down and deadlines up
//! ([`Clock`]), so a granted lifetime is never cut short and may last up to
//! a second longer.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderValue};

use crate::auth::Principal;
use crate::config::SessionPolicy;
use crate::error::GatewayError;
use crate::handle::{Denial, HandleCodec, Kind, Owner, Sealed};
use crate::mcp::header;
use crate::store::{SessionGrant, SessionKey, SessionMint, Store};
use crate::tasks::Clock;

/// Session binding and lifetime for every route. Cheap to share by `Arc`.
pub struct Sessions {
    codec: Arc<HandleCodec>,
    store: Arc<dyn Store>,
    policy: SessionPolicy,
    clock: Clock,
}

/// The live session a request travels in.
#[derive(Debug)]
pub(super) struct Presented {
    key: SessionKey,
    mint: SessionMint,
    /// The handle exactly as the client sent it.
    handle: HeaderValue,
}

impl Presented {
    /// The upstream's session id.
    pub(super) fn upstream(&self) -> &str {
        &self.key.upstream
    }
}

impl Sessions {
    /// Sessions sealed with `codec`, remembered in `store`, living as long
    /// as `policy` says on `clock`'s time.
    pub fn new(
        codec: Arc<HandleCodec>,
        store: Arc<dyn Store>,
        policy: SessionPolicy,
        clock: Clock,
    ) -> Sessions {
        Sessions {
            codec,
            store,
            policy,
            clock,
        }
    }

    /// How long a store must keep a revocation for sessions to obey it: the
    /// longest a session handle lives from its (rounded-down) creation.
    pub fn retention_secs(policy: &SessionPolicy) -> u64 {
        whole_secs_up(policy.max_lifetime).saturating_add(1)
    }

    /// Replaces the client's session handle with the upstream session id.
    /// `None` when the request carries no session.
    ///
    /// # Errors
    /// [`GatewayError::UnknownSession`] for a handle that does not open for
    /// this caller on this route or whose session is over (the reason is
    /// logged, not returned); [`GatewayError::SessionStateUnavailable`] when
    /// the store cannot be asked.
    pub(super) async fn to_upstream(
        &self,
        route: &str,
        principal: &Principal,
        headers: &mut HeaderMap,
    ) -> Result<Option<Presented>, GatewayError> {
        let Some(value) = headers.get(header::SESSION_ID) else {
            return Ok(None);
        };
        let owner = Owner::of(principal);
        let now = self.clock.now_secs();
        let opened = value
            .to_str()
            .map_err(|_| Denial::Malformed)
            .and_then(|text| {
                self.codec
                    .verify(Kind::Session, route, text, &owner, now, 0)
            });
        let sealed = match opened {
            // A handle sealed without an expiry predates session lifetimes.
            Ok(s) if s.expires_at.is_some() => s,
            Ok(_) => return Err(refused(route, Denial::Expired.reason())),
            Err(denial) => return Err(refused(route, denial.reason())),
        };
        let mint = SessionMint {
            issued_at: sealed.issued_at,
            epoch: sealed.epoch,
        };
        let idle_until = self.idle_until(sealed.expires_at);
        let presented = Presented {
            key: SessionKey {
                route: route.to_owned(),
                owner,
                upstream: sealed.upstream,
            },
            mint,
            handle: value.clone(),
        };
        let tenant = principal.tenant();
        let used = self
            .store
            .use_session(&presented.key, tenant, mint, now, idle_until)
            .await
            .map_err(|e| {
                tracing::error!(route, error = %e, "session store unavailable: refusing");
                GatewayError::SessionStateUnavailable
            })?;
        if !used.is_live() {
            return Err(refused(route, used.reason()));
        }
        let upstream = HeaderValue::from_str(presented.upstream())
            .map_err(|_| GatewayError::UnknownSession)?;
        headers.insert(header::SESSION_ID, upstream);
        Ok(Some(presented))
    }

    /// Handles the `Mcp-Session-Id` of a response head without the store:
    /// the session the client presented gets its own handle back, and an
    /// unusable value is dropped. Returns the upstream session id that
    /// still needs [`Sessions::open`] (a session the client did not present).
    pub(super) fn to_client(
        &self,
        route: &str,
        presented: Option<&Presented>,
        headers: &mut HeaderMap,
    ) -> Option<String> {
        let value = headers.get(header::SESSION_ID)?;
        let Ok(upstream) = value.to_str() else {
            // Not visible ASCII: it cannot be sealed and must not leak raw.
            tracing::warn!(route, "unreadable upstream session id dropped");
            headers.remove(header::SESSION_ID);
            return None;
        };
        match presented {
            Some(p) if p.upstream() == upstream => {
                headers.insert(header::SESSION_ID, p.handle.clone());
                None
            }
            _ => Some(upstream.to_owned()),
        }
    }

    /// Opens upstream session `upstream` for `principal` on `route` and puts
    /// its handle in `headers`.
    ///
    /// # Errors
    /// [`GatewayError::SessionStateUnavailable`] when the store cannot
    /// record it: the answer must then not reach the client.
    pub(super) async fn open(
        &self,
        route: &str,
        principal: &Principal,
        upstream: String,
        headers: &mut HeaderMap,
    ) -> Result<(), GatewayError> {
        let now = self.clock.now_secs();
        let expires_at = self.clock.secs_after(millis(self.policy.max_lifetime));
        let grant = SessionGrant {
            issued_at: now,
            expires_at,
            idle_until: self.idle_until(Some(expires_at)),
        };
        let key = SessionKey {
            route: route.to_owned(),
            owner: Owner::of(principal),
            upstream,
        };
        let record = self
            .store
            .open_session(&key, principal.tenant(), grant, now)
            .await
            .map_err(|e| {
                tracing::error!(route, error = %e, "session store unavailable: session not opened");
                GatewayError::SessionStateUnavailable
            })?;
        let sealed = Sealed {
            owner: key.owner,
            issued_at: record.issued_at,
            expires_at: Some(record.expires_at),
            epoch: record.epoch,
            upstream: key.upstream,
            session: None,
            tool: None,
        };
        match self
            .codec
            .seal(Kind::Session, route, &sealed)
            .and_then(|h| HeaderValue::from_str(&h).ok())
        {
            Some(handle) => {
                headers.insert(header::SESSION_ID, handle);
            }
            None => {
                // An upstream session id too long to seal must not leak raw.
                tracing::warn!(route, "upstream session id could not be sealed; dropped");
                headers.remove(header::SESSION_ID);
            }
        }
        Ok(())
    }

    /// The client ended its session and the upstream agreed: forget it, so
    /// its handle is refused from now on. A store failure only delays that
    /// to the idle deadline.
    pub(super) async fn ended(&self, route: &str, presented: &Presented) {
        if let Err(e) = self.store.end_session(&presented.key, presented.mint).await {
            tracing::warn!(route, error = %e, "ended session not forgotten; it idles out");
        }
    }

    /// The idle deadline of a use now: `idle_timeout` from now, rounded up,
    /// never past the session's absolute expiry.
    fn idle_until(&self, expires_at: Option<u64>) -> u64 {
        let idle = self.clock.secs_after(millis(self.policy.idle_timeout));
        expires_at.map_or(idle, |e| idle.min(e))
    }
}

/// Logs why a session handle was refused and answers like an unknown
/// session.
fn refused(route: &str, reason: &'static str) -> GatewayError {
    tracing::info!(route, reason, "session handle refused");
    GatewayError::UnknownSession
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn whole_secs_up(d: Duration) -> u64 {
    millis(d).div_ceil(1000)
}

#[cfg(test)]
mod tests;
