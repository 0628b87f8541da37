//! [`Owner`]: the identity digest every handle is bound to.

use sha2::{Digest, Sha256};

use crate::auth::Principal;

/// A 128-bit digest of the identity a handle is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Owner(pub [u8; 16]);

impl Owner {
    /// The owner digest of a principal: see [`Owner::of_claims`].
    pub fn of(principal: &Principal) -> Owner {
        Owner::of_claims(
            principal.issuer(),
            principal.tenant(),
            principal.client(),
            principal.subject(),
        )
    }

    /// The owner digest of the identity with these claims (a verified
    /// principal's, or the one a revocation names): issuer, tenant, client
    /// and subject, length-prefixed so no two distinct tuples collide by
    /// concatenation. Scopes and token bytes are deliberately *not*
    /// included: a refreshed token of the same identity keeps its handles.
    pub fn of_claims(
        issuer: &str,
        tenant: Option<&str>,
        client: Option<&str>,
        subject: &str,
    ) -> Owner {
        let mut h = Sha256::new();
        for part in [Some(issuer), tenant, client, Some(subject)] {
            match part {
                None => h.update([0u8]),
                Some(p) => {
                    h.update([1u8]);
                    h.update((p.len() as u64).to_be_bytes());
                    h.update(p.as_bytes());
                }
            }
        }
        let digest = h.finalize();
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest[..16]);
        Owner(out)
    }
}
