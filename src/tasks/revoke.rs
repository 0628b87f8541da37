//! Revocation on demand (design §2, property 5): one task, one principal,
//! one tenant, or everything at once (the policy epoch).
//!
//! Invariants: a revocation covers every handle issued at or before the
//! moment it is made, on every route, and is kept as long as any such handle
//! could otherwise live; handles issued later are unaffected (except by an
//! epoch bump, which kills every handle sealed before it). A handle that does
//! not open with the gateway's keys revokes nothing and says so.

use super::TaskGuard;
use crate::handle::{Kind, Owner};
use crate::store::{self, TaskKey};

/// What a revocation request named.
#[derive(Debug, Clone)]
pub enum Revocation {
    /// The task behind one handle.
    Handle(String),
    /// Every task of one identity.
    Identity(IdentitySelector),
    /// Every task of one tenant.
    Tenant(String),
    /// Every handle sealed so far (a key or policy change).
    Everything,
}

/// The identity a revocation names: the claims a task's owner digest is
/// made of ([`Owner::of_claims`]), as an operator typed them. Not an
/// [`auth::Principal`](crate::auth::Principal): nobody proved this identity,
/// it only selects whose tasks to revoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentitySelector {
    /// The issuer (`iss`) of the identity's tokens.
    pub issuer: String,
    /// The subject (`sub`).
    pub subject: String,
    /// The tenant claim, when its tokens carry one.
    pub tenant: Option<String>,
    /// The OAuth client, when its tokens carry one.
    pub client: Option<String>,
}

impl IdentitySelector {
    /// The owner digest of every task of this identity: the one
    /// [`Owner::of`] gives the principal of any of its tokens.
    pub fn owner(&self) -> Owner {
        Owner::of_claims(
            &self.issuer,
            self.tenant.as_deref(),
            self.client.as_deref(),
            &self.subject,
        )
    }
}

/// The outcome of a revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// Done; for an epoch bump, the new epoch.
    Done {
        /// The new epoch after [`Revocation::Everything`].
        epoch: Option<u32>,
    },
    /// The handle does not open on any of the given routes.
    NotAHandle,
}

impl TaskGuard {
    /// Applies `revocation` now. `routes` are the route names a handle may
    /// belong to.
    ///
    /// # Errors
    /// The store could not record it (nothing is revoked; retry).
    pub async fn revoke(
        &self,
        revocation: &Revocation,
        routes: &[String],
    ) -> Result<Revoked, store::Error> {
        // Rounded up, so a handle issued within the current second is covered.
        let at = self.clock.secs_after(0);
        match revocation {
            Revocation::Handle(handle) => {
                let Some((route, sealed)) = routes
                    .iter()
                    .find_map(|r| self.codec.open(Kind::Task, r, handle).ok().map(|s| (r, s)))
                else {
                    return Ok(Revoked::NotAHandle);
                };
                let key = TaskKey {
                    route: route.clone(),
                    session: sealed.session,
                    upstream: sealed.upstream,
                };
                self.store.revoke_task(&key, at).await?;
            }
            Revocation::Identity(identity) => {
                self.store.revoke_owner(&identity.owner(), at).await?;
            }
            Revocation::Tenant(tenant) => self.store.revoke_tenant(tenant, at).await?,
            Revocation::Everything => {
                let epoch = self.store.bump_epoch().await?;
                return Ok(Revoked::Done { epoch: Some(epoch) });
            }
        }
        Ok(Revoked::Done { epoch: None })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::auth::Principal;
    use crate::tasks::tests::{create, get, guard, person};

    #[tokio::test]
    async fn each_scope_revokes_what_it_names_and_nothing_else() {
        let g = guard();
        let routes = vec!["mcp".to_string()];
        let alice = person("alice", "t1", "s1");
        let bob = person("bob", "t2", "s2");
        let a1 = create(&g, &alice, "task-1", json!(60_000)).await;
        let a2 = create(&g, &alice, "task-2", json!(60_000)).await;
        let b1 = create(&g, &bob, "task-3", json!(60_000)).await;

        let done = g
            .revoke(&Revocation::Handle(a1.clone()), &routes)
            .await
            .unwrap();
        assert_eq!(done, Revoked::Done { epoch: None });
        assert!(get(&g, &alice, &a1).await.is_err());
        assert!(get(&g, &alice, &a2).await.is_ok());
        assert_eq!(
            g.revoke(&Revocation::Handle("tg1.x.y".into()), &routes)
                .await
                .unwrap(),
            Revoked::NotAHandle
        );

        g.revoke(&Revocation::Tenant("t2".into()), &routes)
            .await
            .unwrap();
        assert!(get(&g, &bob, &b1).await.is_err());
        assert!(get(&g, &alice, &a2).await.is_ok());

        let identity = IdentitySelector {
            issuer: "https://issuer.test".into(),
            subject: "alice".into(),
            tenant: Some("t1".into()),
            client: Some("app".into()),
        };
        g.revoke(&Revocation::Identity(identity), &routes)
            .await
            .unwrap();
        assert!(get(&g, &alice, &a2).await.is_err());
    }

    #[test]
    fn a_selector_names_the_owner_of_the_same_claims_and_no_other() {
        let claims = |tenant: Option<&str>, client: Option<&str>| IdentitySelector {
            issuer: "https://issuer.test".into(),
            subject: "alice".into(),
            tenant: tenant.map(str::to_owned),
            client: client.map(str::to_owned),
        };
        let alice = Principal::for_tests("https://issuer.test", "alice", Some("t1"), Some("app"));
        assert_eq!(claims(Some("t1"), Some("app")).owner(), Owner::of(&alice));
        for other in [
            claims(None, Some("app")),
            claims(Some("t1"), None),
            claims(Some("app"), Some("t1")),
            claims(Some(""), Some("app")),
        ] {
            assert_ne!(other.owner(), Owner::of(&alice), "{other:?}");
        }
    }

    #[tokio::test]
    async fn an_epoch_bump_kills_every_handle_sealed_before_it() {
        let g = guard();
        let alice = person("alice", "t1", "s1");
        let a1 = create(&g, &alice, "task-1", json!(60_000)).await;
        let done = g.revoke(&Revocation::Everything, &[]).await.unwrap();
        assert_eq!(done, Revoked::Done { epoch: Some(1) });
        assert!(get(&g, &alice, &a1).await.is_err());
        // The same task re-sealed after the bump is a new, working handle.
        let fresh = create(&g, &alice, "task-1", json!(60_000)).await;
        assert_ne!(fresh, a1);
        assert!(get(&g, &alice, &fresh).await.is_ok());
    }
}
