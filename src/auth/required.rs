//! Which identity claims a route requires: the bound claims (tenant, client)
//! that the claim mapping reads, minus those the route marks optional.
//!
//! Handles and sessions are bound to issuer, tenant, client and subject
//! (design §2). A token without a claim the binding uses would be bound to
//! "no tenant" or "no client", a context every such token shares, so it is
//! refused (`401 invalid_token`, naming the claim) unless the route says the
//! claim is optional (single-tenant deployments, IdPs without a client claim).
//!
//! Invariants: a claim the mapping does not read (`tenant = ""`, `client =
//! []`) is never required; an empty string counts as absent; checking a
//! principal allocates nothing.

use std::fmt;
use std::str::FromStr;

use super::{ClaimMapping, ClaimPath, Principal};

/// An identity claim the binding uses besides issuer and subject (which
/// every accepted token has).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BoundClaim {
    /// The tenant (`tid` by default).
    Tenant,
    /// The OAuth client (`azp`, then `client_id`, by default).
    Client,
}

/// Why a bound-claim name did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected `tenant` or `client`")]
pub struct BoundClaimError;

/// The bound claims one route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequiredClaims {
    tenant: bool,
    client: bool,
}

// === impl BoundClaim ===

impl BoundClaim {
    /// Both bound claims, in the order they are checked.
    pub const ALL: [BoundClaim; 2] = [BoundClaim::Tenant, BoundClaim::Client];

    /// A configuration list of claim names, each at most once.
    ///
    /// # Errors
    /// The first unknown or repeated name, described.
    pub fn parse_list(names: &[String]) -> Result<Vec<BoundClaim>, String> {
        let mut out = Vec::new();
        for name in names {
            match BoundClaim::from_str(name) {
                Ok(c) if !out.contains(&c) => out.push(c),
                Ok(_) => return Err(format!("{name:?} is listed twice")),
                Err(e) => return Err(format!("{name:?}: {e}")),
            }
        }
        Ok(out)
    }

    /// The name used in configuration and challenges.
    pub fn as_str(self) -> &'static str {
        match self {
            BoundClaim::Tenant => "tenant",
            BoundClaim::Client => "client",
        }
    }

    /// A stable snake_case log reason for a token without this claim.
    pub fn missing_reason(self) -> &'static str {
        match self {
            BoundClaim::Tenant => "missing_tenant_claim",
            BoundClaim::Client => "missing_client_claim",
        }
    }

    /// The `error_description` for a token without this claim: the claim
    /// and the token claims it is read from, when they fit RFC 6750's
    /// character set (`%x20-21 / %x23-5B / %x5D-7E`).
    pub fn missing_description(self, mapping: &ClaimMapping) -> String {
        let paths: Vec<&str> = self.paths(mapping).iter().map(ClaimPath::as_str).collect();
        let allowed = |c: char| matches!(c, ' '..='~') && c != '"' && c != '\\';
        let base = format!("The access token has no {} claim", self.as_str());
        if paths.is_empty() || !paths.iter().all(|p| p.chars().all(allowed)) {
            return base;
        }
        format!("{base} ({})", paths.join(" or "))
    }

    /// The claim paths the mapping reads this claim from.
    fn paths(self, mapping: &ClaimMapping) -> &[ClaimPath] {
        match self {
            BoundClaim::Tenant => mapping.tenant.as_slice(),
            BoundClaim::Client => &mapping.client,
        }
    }

    /// The principal's value of this claim, if present and not empty.
    fn of(self, principal: &Principal) -> Option<&str> {
        match self {
            BoundClaim::Tenant => principal.tenant(),
            BoundClaim::Client => principal.client(),
        }
        .filter(|v| !v.is_empty())
    }
}

impl FromStr for BoundClaim {
    type Err = BoundClaimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BoundClaim::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or(BoundClaimError)
    }
}

impl fmt::Display for BoundClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// === impl RequiredClaims ===

impl RequiredClaims {
    /// The claims `mapping` reads, except those in `optional`.
    pub fn new(mapping: &ClaimMapping, optional: &[BoundClaim]) -> RequiredClaims {
        let required = |c: BoundClaim| !c.paths(mapping).is_empty() && !optional.contains(&c);
        RequiredClaims {
            tenant: required(BoundClaim::Tenant),
            client: required(BoundClaim::Client),
        }
    }

    /// Whether `claim` is required.
    pub fn requires(&self, claim: BoundClaim) -> bool {
        match claim {
            BoundClaim::Tenant => self.tenant,
            BoundClaim::Client => self.client,
        }
    }

    /// The first required claim `principal` lacks (absent or empty).
    pub fn first_missing(&self, principal: &Principal) -> Option<BoundClaim> {
        BoundClaim::ALL
            .into_iter()
            .find(|&c| self.requires(c) && c.of(principal).is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(tenant: Option<&str>, client: Option<&str>) -> Principal {
        Principal::for_tests("i", "s", tenant, client)
    }

    #[test]
    fn names_parse_exactly() {
        assert_eq!("tenant".parse(), Ok(BoundClaim::Tenant));
        assert_eq!("client".parse(), Ok(BoundClaim::Client));
        for bad in ["", "Tenant", "subject", "tid", " client"] {
            assert_eq!(bad.parse::<BoundClaim>(), Err(BoundClaimError), "{bad:?}");
        }
        let list = |names: &[&str]| {
            BoundClaim::parse_list(&names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(list(&[]), Ok(vec![]));
        assert_eq!(
            list(&["client", "tenant"]),
            Ok(vec![BoundClaim::Client, BoundClaim::Tenant])
        );
        assert!(list(&["tenant", "tenant"]).unwrap_err().contains("twice"));
        assert!(list(&["tenant", "sub"]).unwrap_err().contains("\"sub\""));
    }

    #[test]
    fn by_default_both_are_required_and_empty_counts_as_absent() {
        let r = RequiredClaims::new(&ClaimMapping::default(), &[]);
        assert_eq!(r.first_missing(&principal(Some("t"), Some("c"))), None);
        let cases = [
            (None, Some("c"), BoundClaim::Tenant),
            (Some(""), Some("c"), BoundClaim::Tenant),
            (Some("t"), None, BoundClaim::Client),
            (Some("t"), Some(""), BoundClaim::Client),
            (None, None, BoundClaim::Tenant),
        ];
        for (tenant, client, missing) in cases {
            assert_eq!(
                r.first_missing(&principal(tenant, client)),
                Some(missing),
                "{tenant:?} {client:?}"
            );
        }
    }

    #[test]
    fn optional_and_unmapped_claims_are_not_required() {
        let mapping = ClaimMapping::default();
        let r = RequiredClaims::new(&mapping, &[BoundClaim::Tenant]);
        assert_eq!(r.first_missing(&principal(None, Some("c"))), None);
        assert_eq!(
            r.first_missing(&principal(None, None)),
            Some(BoundClaim::Client)
        );
        let unmapped = ClaimMapping {
            tenant: None,
            client: Vec::new(),
            ..ClaimMapping::default()
        };
        let r = RequiredClaims::new(&unmapped, &[]);
        assert_eq!(r, RequiredClaims::default());
        assert_eq!(r.first_missing(&principal(None, None)), None);
    }

    #[test]
    fn descriptions_name_the_claim_and_its_paths_when_they_are_safe() {
        let mapping = ClaimMapping::default();
        assert_eq!(
            BoundClaim::Tenant.missing_description(&mapping),
            "The access token has no tenant claim (tid)"
        );
        assert_eq!(
            BoundClaim::Client.missing_description(&mapping),
            "The access token has no client claim (azp or client_id)"
        );
        let odd = ClaimMapping {
            tenant: Some("https://x.example/\"t\"".parse().unwrap()),
            ..ClaimMapping::default()
        };
        assert_eq!(
            BoundClaim::Tenant.missing_description(&odd),
            "The access token has no tenant claim"
        );
        let unicode = ClaimMapping {
            tenant: Some("mandant\u{e4}".parse().unwrap()),
            ..ClaimMapping::default()
        };
        assert_eq!(
            BoundClaim::Tenant.missing_description(&unicode),
            "The access token has no tenant claim"
        );
    }
}
