//! [`Principal`]: the verified identity a request runs as.
//!
//! It is built only from a token whose signature, issuer, audience and
//! validity window were checked; later layers (policy, handle binding, audit)
//! trust it without re-checking. It never holds the raw token.
//!
//! Invariant: only the authenticator makes one. The fields are private and
//! the one constructor is visible to `auth` alone; tests, benches and
//! integration tests get `Principal::for_tests`, which exists only in test
//! builds and with the `test-support` feature (the crate's own
//! dev-dependency turns it on), never in the gateway itself:
//!
//! ```compile_fail,E0451
//! let forged = taskgate::auth::Principal {
//!     issuer: "https://issuer.test".into(),
//!     subject: "admin".into(),
//!     tenant: None,
//!     client: None,
//!     scopes: vec![],
//!     expires_at: u64::MAX,
//! };
//! ```

use super::claims::Mapped;

/// Who the caller is, as proven by a verified bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's `iss` (equal to the configured issuer).
    issuer: String,
    /// The token's `sub`.
    subject: String,
    /// The tenant claim, when the mapping names one and the token has it.
    tenant: Option<String>,
    /// The OAuth client (`azp`/`client_id` by default).
    client: Option<String>,
    /// Granted scopes, in token order.
    scopes: Vec<String>,
    /// `exp`, unix seconds.
    expires_at: u64,
}

// === impl Principal ===

impl Principal {
    /// The principal of a token whose signature and registered claims
    /// verified: `issuer` and `subject` are its `iss` and `sub`, `mapped`
    /// what the claim mapping read, `expires_at` its `exp`.
    pub(super) fn verified(
        issuer: String,
        subject: String,
        mapped: Mapped,
        expires_at: u64,
    ) -> Principal {
        Principal {
            issuer,
            subject,
            tenant: mapped.tenant,
            client: mapped.client,
            scopes: mapped.scopes,
            expires_at,
        }
    }

    /// A principal for tests and benches, as if a token with these claims
    /// had verified: no scopes, `exp` 0 (expiry is checked only when a token
    /// is authenticated, never on the principal afterwards).
    #[cfg(any(test, feature = "test-support"))]
    pub fn for_tests(
        issuer: &str,
        subject: &str,
        tenant: Option<&str>,
        client: Option<&str>,
    ) -> Principal {
        Principal {
            issuer: issuer.to_owned(),
            subject: subject.to_owned(),
            tenant: tenant.map(str::to_owned),
            client: client.map(str::to_owned),
            scopes: Vec::new(),
            expires_at: 0,
        }
    }

    /// The token's `iss` (equal to the configured issuer).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The token's `sub`.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The tenant claim, when the mapping names one and the token has it.
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// The OAuth client (`azp`/`client_id` by default).
    pub fn client(&self) -> Option<&str> {
        self.client.as_deref()
    }

    /// Granted scopes, in token order.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The token's `exp`, unix seconds.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// True when every scope in `required` was granted (an empty list always passes).
    pub fn has_scopes(&self, required: &[String]) -> bool {
        required.iter().all(|r| self.scopes.iter().any(|s| s == r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_scopes_needs_all_of_them() {
        let mapped = Mapped {
            tenant: None,
            client: None,
            scopes: vec!["read".into(), "write".into()],
        };
        let p = Principal::verified("i".into(), "s".into(), mapped, 0);
        assert!(p.has_scopes(&[]));
        assert!(p.has_scopes(&["read".into()]));
        assert!(p.has_scopes(&["write".into(), "read".into()]));
        assert!(!p.has_scopes(&["read".into(), "admin".into()]));
    }
}
