//! [`Principal`]: the verified identity a request runs as.
//!
//! It is built only from a token whose signature, issuer, audience and
//! validity window were checked; later layers (policy, handle binding, audit)
//! trust it without re-checking. It never holds the raw token.

/// Who the caller is, as proven by a verified bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's `iss` (equal to the configured issuer).
    pub issuer: String,
    /// The token's `sub`.
    pub subject: String,
    /// The tenant claim, when the mapping names one and the token has it.
    pub tenant: Option<String>,
    /// The OAuth client (`azp`/`client_id` by default).
    pub client: Option<String>,
    /// Granted scopes, in token order.
    pub scopes: Vec<String>,
    /// `exp`, unix seconds.
    pub expires_at: u64,
}

// === impl Principal ===

impl Principal {
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
        let p = Principal {
            issuer: "i".into(),
            subject: "s".into(),
            tenant: None,
            client: None,
            scopes: vec!["read".into(), "write".into()],
            expires_at: 0,
        };
        assert!(p.has_scopes(&[]));
        assert!(p.has_scopes(&["read".into()]));
        assert!(p.has_scopes(&["write".into(), "read".into()]));
        assert!(!p.has_scopes(&["read".into(), "admin".into()]));
    }
}
