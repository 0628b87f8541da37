//! `[handles]` → the handle key ring's secrets, decoded and checked (the
//! ring itself is derived at start, in [`crate::app`]).

use super::HandleKeys;
use super::raw::RawHandles;
use super::secret::{EnvLookup, Secret};

/// Validates `[handles]`; `None` when no keys are configured (or on error,
/// which is pushed to `errs`).
pub(super) fn validate(
    raw: &RawHandles,
    env: EnvLookup<'_>,
    errs: &mut Vec<String>,
) -> Option<HandleKeys> {
    use base64::Engine;
    if raw.keys.is_empty() {
        if raw.signing_key.is_some() {
            errs.push("handles.signing_key is set but no [[handles.key]] is configured".into());
        }
        return None;
    }
    let mut keys = Vec::new();
    for (i, k) in raw.keys.iter().enumerate() {
        let decoded = Secret::load(&k.secret, env).and_then(|s| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s.expose())
                .map_err(|_| format!("handles.key[{i}] ({}): the secret is not base64url", k.kid))
        });
        match decoded {
            Ok(bytes) => keys.push((k.kid.clone(), bytes)),
            Err(e) => errs.push(e),
        }
    }
    let signing = match (&raw.signing_key, raw.keys.as_slice()) {
        (Some(s), _) => s.clone(),
        (None, [only]) => only.kid.clone(),
        (None, _) => {
            errs.push("handles.signing_key must name the key that seals new handles".into());
            return None;
        }
    };
    match crate::handle::KeyRing::new(&keys, &signing) {
        Ok(_) => Some(HandleKeys { keys, signing }),
        Err(e) => {
            errs.push(format!("handles: {e}"));
            None
        }
    }
}
