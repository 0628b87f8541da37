//! Legacy session state: what the store keeps for each `Mcp-Session-Id`
//! session the gateway sealed a handle for, and the one rule that says
//! whether a session is still live.
//!
//! A session handle carries its owner, creation time, absolute expiry and
//! epoch (see [`crate::handle`]); the store adds what a handle cannot carry:
//! when the session was last used (its idle deadline), and the revocations
//! and epoch that end it. One record per (route, owner, upstream session):
//! while it is live, the same upstream session re-opened by the same owner
//! is sealed from the same record, so it keeps the same handle.
//!
//! Invariants every backend keeps:
//! - **Dead is final.** A record ends at its idle deadline, its absolute
//!   expiry, an epoch bump past its epoch, or an owner or tenant revocation
//!   made at or after its creation; [`SessionRecord::end_at`] is the one
//!   rule. A use of an ended, unknown or superseded record is refused, and
//!   an ended record is never revived: the next `initialize` replaces it.
//! - **Unknown is dead.** A handle whose record the store does not hold
//!   (never opened here, ended by its client, swept, lost on restart) is
//!   refused, so forgetting can only end sessions, never extend them.
//! - **Bounded.** A record's idle deadline never passes its absolute
//!   expiry, and both come from gateway policy; a record is purged at its
//!   idle deadline unless a use moved it.
//! - **Keyed.** Opening, using and ending a session are each one keyed
//!   lookup plus the owner's, the tenant's revocation and the epoch (a Redis
//!   backend: one script over `session:…`, `revoked:…` and `epoch`, with the
//!   idle deadline as the key's `EXPIREAT`).

use crate::handle::Owner;

/// Identifies one legacy session: the route, the identity it is bound to
/// and the upstream's `Mcp-Session-Id`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionKey {
    /// Route name (one route per upstream).
    pub route: String,
    /// The identity the session (and its handle) is bound to.
    pub owner: Owner,
    /// The upstream's session id.
    pub upstream: String,
}

/// What opening a session asks for: times the gateway derived from its
/// session policy (unix seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionGrant {
    /// Creation time (rounded down).
    pub issued_at: u64,
    /// Absolute expiry (rounded up).
    pub expires_at: u64,
    /// Idle deadline (rounded up); capped at `expires_at` by the store.
    pub idle_until: u64,
}

/// What the store remembers about a session; its handle is sealed from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// Creation time; equals the handle's `issued_at`.
    pub issued_at: u64,
    /// Absolute expiry; equals the handle's `expires_at`.
    pub expires_at: u64,
    /// The policy epoch at creation; equals the handle's `epoch`.
    pub epoch: u32,
    /// The session ends at this time unless a use moves it (never past
    /// `expires_at`).
    pub idle_until: u64,
}

/// Which record a presented handle was sealed from: a handle matches the
/// record of its key only if both are equal, so a handle of a replaced
/// (ended) record never revives through its successor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionMint {
    /// The handle's `issued_at`.
    pub issued_at: u64,
    /// The handle's `epoch`.
    pub epoch: u32,
}

/// The outcome of one use of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionUse {
    /// Live; its idle deadline was moved.
    Live,
    /// No record for this handle: never opened, ended by its client,
    /// replaced by a newer session, swept, or forgotten.
    Unknown,
    /// Unused for longer than the idle timeout.
    Idle,
    /// Past its absolute lifetime.
    Expired,
    /// Its owner or tenant was revoked after it was opened.
    Revoked,
    /// The policy epoch was bumped after it was opened.
    StaleEpoch,
}

impl SessionUse {
    /// Whether the session may be used.
    pub fn is_live(self) -> bool {
        self == SessionUse::Live
    }

    /// Stable snake_case reason for audit records.
    pub fn reason(self) -> &'static str {
        match self {
            SessionUse::Live => "live",
            SessionUse::Unknown => "unknown",
            SessionUse::Idle => "idle",
            SessionUse::Expired => "expired",
            SessionUse::Revoked => "revoked",
            SessionUse::StaleEpoch => "stale_epoch",
        }
    }
}

impl SessionGrant {
    /// The record a fresh session starts with at `epoch`.
    pub fn record(self, epoch: u32) -> SessionRecord {
        SessionRecord {
            issued_at: self.issued_at,
            expires_at: self.expires_at,
            epoch,
            idle_until: self.idle_until.min(self.expires_at),
        }
    }
}

impl SessionRecord {
    /// Which handle this record seals.
    pub fn mint(&self) -> SessionMint {
        SessionMint {
            issued_at: self.issued_at,
            epoch: self.epoch,
        }
    }

    /// Why the session is over at `now`, given the current `epoch` and the
    /// latest owner or tenant revocation (`revoked_through`); `None` while
    /// it is live. A revocation covers sessions opened at or before it.
    pub fn end_at(&self, now: u64, epoch: u32, revoked_through: Option<u64>) -> Option<SessionUse> {
        if self.epoch < epoch {
            Some(SessionUse::StaleEpoch)
        } else if revoked_through.is_some_and(|at| self.issued_at <= at) {
            Some(SessionUse::Revoked)
        } else if now >= self.expires_at {
            Some(SessionUse::Expired)
        } else if now >= self.idle_until {
            Some(SessionUse::Idle)
        } else {
            None
        }
    }

    /// Moves the idle deadline to `idle_until` (never back, never past the
    /// absolute expiry).
    pub fn renew(&mut self, idle_until: u64) {
        self.idle_until = self.idle_until.max(idle_until.min(self.expires_at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRANT: SessionGrant = SessionGrant {
        issued_at: 100,
        expires_at: 200,
        idle_until: 130,
    };

    #[test]
    fn one_rule_ends_a_session() {
        let r = GRANT.record(3);
        assert_eq!(r.end_at(129, 3, None), None);
        assert_eq!(r.end_at(130, 3, None), Some(SessionUse::Idle));
        assert_eq!(r.end_at(120, 4, None), Some(SessionUse::StaleEpoch));
        assert_eq!(r.end_at(120, 3, Some(100)), Some(SessionUse::Revoked));
        assert_eq!(r.end_at(120, 3, Some(99)), None, "opened after it");
        let mut busy = r;
        busy.renew(500);
        assert_eq!(busy.idle_until, 200, "idle never passes the expiry");
        assert_eq!(busy.end_at(199, 3, None), None);
        assert_eq!(busy.end_at(200, 3, None), Some(SessionUse::Expired));
        busy.renew(150);
        assert_eq!(busy.idle_until, 200, "never moved back");
    }

    #[test]
    fn a_grant_never_idles_past_its_expiry() {
        let long_idle = SessionGrant {
            idle_until: 900,
            ..GRANT
        };
        assert_eq!(long_idle.record(0).idle_until, 200);
        assert_eq!(
            GRANT.record(7).mint(),
            SessionMint {
                issued_at: 100,
                epoch: 7
            }
        );
    }
}
