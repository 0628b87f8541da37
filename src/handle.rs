//! Gateway handles: the opaque, unforgeable strings a client sees in place of
//! an upstream task id, an upstream `Mcp-Session-Id`, a pagination cursor, or
//! a current-era `requestState` (see `request_state.rs`).
//!
//! Format: `tg1.<kid>.<base64url(nonce ‖ ciphertext ‖ tag)>`, sealed with
//! XChaCha20-Poly1305 under a key derived once from the ring's master secret.
//!
//! Security properties (design §2) and how they are kept:
//! 1. *Unforgeable*: AEAD with a 256-bit key and a 128-bit tag.
//! 2. *Bound*: the sealed plaintext carries the owner digest (issuer, tenant,
//!    client, subject); the additional data binds version, kind, key id and
//!    route, so a handle opens only on the route that minted it, and
//!    [`HandleCodec::verify`] accepts it only for the same owner.
//! 3. *Opaque*: the upstream id, session and tenant are encrypted.
//!    Unguessable: the nonce is a keyed PRF of the content (SIV style), so
//!    handles are pseudorandom to anyone without the key. Deterministic: the
//!    same task for the same owner always yields the same handle, which lets
//!    responses re-mint without a lookup and leaks only equality.
//! 4. *Expiring*: `expires_at` is sealed in and checked on every use.
//! 5. *Revocable*: `epoch` is sealed in; the enforcement layer compares it
//!    with the current epoch and consults the store.
//! 6. *Rotatable*: the version prefix and key id select the verify key.
//! 7. *Indistinguishable on denial*: every refusal is one [`Denial`] value
//!    whose reason goes to the audit log only; refusals that fail before the
//!    decryption step (malformed, unknown version or key) run a decoy
//!    decryption of the same size, so a foreign handle (which decrypts), a
//!    tampered one (whose tag check fails) and a garbled one cost the same.

mod keyring;
mod owner;
mod request_state;
mod wire;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::XNonce;
use chacha20poly1305::aead::{Aead, Payload};
use hmac::Mac;

use subtle::ConstantTimeEq;

pub use keyring::{Error as KeyRingError, KeyRing};
pub use owner::Owner;
pub use request_state::{MAX_REQUEST_STATE_HANDLE_LEN, MAX_REQUEST_STATE_LEN, StateRequest};

/// Version prefix of the current handle format.
pub const PREFIX: &str = "tg1";
/// Longest task, session or cursor handle accepted before any work is done
/// (a `requestState` handle has its own bound,
/// [`MAX_REQUEST_STATE_HANDLE_LEN`]).
pub const MAX_HANDLE_LEN: usize = 2048;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// What a handle stands for; part of the additional data, so a session
/// handle can never be used as a task handle or vice versa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An upstream task id.
    Task,
    /// An upstream `Mcp-Session-Id`.
    Session,
    /// An upstream pagination cursor.
    Cursor,
    /// A current-era `requestState`, also bound to the request it belongs
    /// to (method and name): sealed and opened only through
    /// [`HandleCodec::seal_request_state`] and
    /// [`HandleCodec::verify_request_state`].
    RequestState,
}

impl Kind {
    fn tag(self) -> u8 {
        match self {
            Kind::Task => b'T',
            Kind::Session => b'S',
            Kind::Cursor => b'C',
            Kind::RequestState => b'R',
        }
    }

    /// Longest handle of this kind accepted before any work is done.
    fn max_handle_len(self) -> usize {
        match self {
            Kind::Task | Kind::Session | Kind::Cursor => MAX_HANDLE_LEN,
            Kind::RequestState => MAX_REQUEST_STATE_HANDLE_LEN,
        }
    }

    /// Longest upstream value a handle of this kind carries (bytes).
    fn max_upstream_len(self) -> usize {
        match self {
            Kind::Task | Kind::Session | Kind::Cursor => wire::MAX_REF_LEN,
            Kind::RequestState => MAX_REQUEST_STATE_LEN,
        }
    }
}

/// What a handle carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Who may use it.
    pub owner: Owner,
    /// When the referenced object was created (unix seconds).
    pub issued_at: u64,
    /// When the handle stops working (unix seconds), if ever.
    pub expires_at: Option<u64>,
    /// Revocation epoch at mint time.
    pub epoch: u32,
    /// The upstream's id (task id, session id or cursor), or its
    /// `requestState`.
    pub upstream: String,
    /// The upstream session the object lives in, if any.
    pub session: Option<String>,
    /// The tool that created a task, if known.
    pub tool: Option<String>,
}

/// Why a handle was refused. Every variant gets the same answer on the
/// wire; [`Denial::reason`] is for the audit log only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// Not of the handle shape (prefix, separators, base64, length).
    Malformed,
    /// A version this gateway does not speak.
    UnknownVersion,
    /// No verify key with this id.
    UnknownKey,
    /// Authentication failed: tampered, another key, another route or kind.
    BadSeal,
    /// Sealed for another identity.
    Foreign,
    /// Past its expiry.
    Expired,
    /// Sealed before the current revocation epoch, or revoked in the store.
    Revoked,
}

impl Denial {
    /// Stable snake_case reason for audit records.
    pub fn reason(self) -> &'static str {
        match self {
            Denial::Malformed => "malformed",
            Denial::UnknownVersion => "unknown_version",
            Denial::UnknownKey => "unknown_key",
            Denial::BadSeal => "bad_seal",
            Denial::Foreign => "foreign",
            Denial::Expired => "expired",
            Denial::Revoked => "revoked",
        }
    }
}

/// Seals and opens handles with a [`KeyRing`].
#[derive(Debug)]
pub struct HandleCodec {
    keys: KeyRing,
    /// A typical handle sealed at construction; refusals that never reached
    /// a successful decryption open it, so they cost what a success costs.
    decoy: String,
    /// The same for `requestState` handles (a typical state is larger).
    decoy_state: String,
}

/// Route name the decoy handle is sealed for (not a valid route path).
const DECOY_ROUTE: &str = "\0decoy";

impl HandleCodec {
    /// A codec over `keys`.
    pub fn new(keys: KeyRing) -> HandleCodec {
        let mut codec = HandleCodec {
            keys,
            decoy: String::new(),
            decoy_state: String::new(),
        };
        let typical = Sealed {
            owner: Owner([0; 16]),
            issued_at: 0,
            expires_at: Some(1),
            epoch: 0,
            upstream: "00000000-0000-0000-0000-000000000000".into(),
            session: Some("00000000-0000-0000-0000-000000000000".into()),
            tool: Some("decoy_tool".into()),
        };
        codec.decoy = codec
            .seal(Kind::Task, DECOY_ROUTE, &typical)
            .unwrap_or_default();
        codec.decoy_state = codec
            .seal_in(
                Kind::RequestState,
                DECOY_ROUTE,
                &[],
                &request_state::typical(),
            )
            .unwrap_or_default();
        codec
    }

    /// Seals `sealed` for `route` with the signing key. `None` only when a
    /// field is longer than a handle can carry.
    pub fn seal(&self, kind: Kind, route: &str, sealed: &Sealed) -> Option<String> {
        self.seal_in(kind, route, &[], sealed)
    }

    /// Seals `sealed` for `route` and `binding` (more bound data: empty for
    /// every kind but [`Kind::RequestState`]).
    fn seal_in(&self, kind: Kind, route: &str, binding: &[u8], sealed: &Sealed) -> Option<String> {
        let key = self.keys.signing();
        let plaintext = wire::encode(sealed, kind.max_upstream_len())?;
        let aad = additional_data(kind, &key.kid, binding, route);
        let mut mac = key.nonce_mac.clone();
        mac.update(&aad);
        mac.update(&[0xff]);
        mac.update(&plaintext);
        let prf = mac.finalize().into_bytes();
        let nonce = to_nonce(&prf[..NONCE_LEN])?;
        let ciphertext = key
            .aead
            .encrypt(
                &nonce,
                Payload {
                    msg: &plaintext,
                    aad: &aad,
                },
            )
            .ok()?;
        let mut payload = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        payload.extend_from_slice(&nonce);
        payload.extend_from_slice(&ciphertext);
        Some(format!(
            "{PREFIX}.{}.{}",
            key.kid,
            URL_SAFE_NO_PAD.encode(payload)
        ))
    }

    /// Opens a handle for `route` and checks it belongs to `owner` and is
    /// live at `now`. `current_epoch` is the lowest epoch still honoured.
    ///
    /// # Errors
    /// A [`Denial`]; all of them must be answered identically.
    pub fn verify(
        &self,
        kind: Kind,
        route: &str,
        handle: &str,
        owner: &Owner,
        now: u64,
        current_epoch: u32,
    ) -> Result<Sealed, Denial> {
        let sealed = self.open(kind, route, handle)?;
        check_live(sealed, owner, now, current_epoch)
    }

    /// Opens a handle without identity or time checks (for delegated-access
    /// policy and tooling). Failures before decryption run a decoy
    /// decryption so every refusal costs about the same.
    ///
    /// # Errors
    /// A [`Denial`] describing the first failed check.
    pub fn open(&self, kind: Kind, route: &str, handle: &str) -> Result<Sealed, Denial> {
        self.open_in(kind, route, &[], handle)
    }

    /// [`HandleCodec::open`] for `route` and `binding`.
    fn open_in(
        &self,
        kind: Kind,
        route: &str,
        binding: &[u8],
        handle: &str,
    ) -> Result<Sealed, Denial> {
        match self.try_open(kind, route, binding, handle) {
            Ok(s) => Ok(s),
            Err(Stage::BeforeDecrypt(d)) => {
                let _ = match kind {
                    Kind::RequestState => self.try_open(kind, DECOY_ROUTE, &[], &self.decoy_state),
                    Kind::Task | Kind::Session | Kind::Cursor => {
                        self.try_open(Kind::Task, DECOY_ROUTE, &[], &self.decoy)
                    }
                };
                Err(d)
            }
            Err(Stage::AfterDecrypt(d)) => Err(d),
        }
    }

    fn try_open(
        &self,
        kind: Kind,
        route: &str,
        binding: &[u8],
        handle: &str,
    ) -> Result<Sealed, Stage> {
        if handle.len() > kind.max_handle_len() {
            return Err(Stage::BeforeDecrypt(Denial::Malformed));
        }
        let mut parts = handle.splitn(3, '.');
        let (Some(version), Some(kid), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(Stage::BeforeDecrypt(Denial::Malformed));
        };
        if version != PREFIX {
            return Err(Stage::BeforeDecrypt(Denial::UnknownVersion));
        }
        let key = self
            .keys
            .find(kid)
            .ok_or(Stage::BeforeDecrypt(Denial::UnknownKey))?;
        let payload = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| Stage::BeforeDecrypt(Denial::Malformed))?;
        if payload.len() < NONCE_LEN + TAG_LEN {
            return Err(Stage::BeforeDecrypt(Denial::Malformed));
        }
        let (nonce, ciphertext) = payload.split_at(NONCE_LEN);
        let aad = additional_data(kind, kid, binding, route);
        let plaintext = key
            .aead
            .decrypt(
                &to_nonce(nonce).ok_or(Stage::BeforeDecrypt(Denial::Malformed))?,
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            // The AEAD already did the work a successful open does (tag over
            // the whole ciphertext): no decoy on top.
            .map_err(|_| Stage::AfterDecrypt(Denial::BadSeal))?;
        wire::decode(&plaintext).ok_or(Stage::AfterDecrypt(Denial::BadSeal))
    }

    /// A keyed fingerprint of a handle for audit records and store keys: it
    /// identifies the handle without revealing or reproducing it.
    pub fn fingerprint(&self, text: &str) -> String {
        let mut mac = self.keys.signing().fingerprint_mac.clone();
        mac.update(text.as_bytes());
        let out = mac.finalize().into_bytes();
        URL_SAFE_NO_PAD.encode(&out[..12])
    }
}

/// Where a refusal happened: before any decryption was attempted (the decoy
/// evens out the cost) or after one ran, successful or not (the cost was
/// already paid).
enum Stage {
    BeforeDecrypt(Denial),
    AfterDecrypt(Denial),
}

/// The checks after a handle opened: it belongs to `owner`, is live at
/// `now`, and was sealed at or after `current_epoch`.
fn check_live(
    sealed: Sealed,
    owner: &Owner,
    now: u64,
    current_epoch: u32,
) -> Result<Sealed, Denial> {
    // Constant-time owner comparison: no early exit on the first byte.
    if !bool::from(sealed.owner.0.ct_eq(&owner.0)) {
        return Err(Denial::Foreign);
    }
    if sealed.expires_at.is_some_and(|e| now >= e) {
        return Err(Denial::Expired);
    }
    if sealed.epoch < current_epoch {
        return Err(Denial::Revoked);
    }
    Ok(sealed)
}

/// A nonce from exactly [`NONCE_LEN`] bytes.
fn to_nonce(bytes: &[u8]) -> Option<XNonce> {
    let array: [u8; NONCE_LEN] = bytes.try_into().ok()?;
    Some(XNonce::from(array))
}

/// `"tg1" ‖ kind ‖ len(kid) ‖ kid ‖ binding ‖ route`. `binding` is empty
/// for every kind but [`Kind::RequestState`], whose binding is
/// self-delimiting (length-prefixed), so the route after it stays
/// unambiguous; the kind tag sits at a fixed offset, so no two kinds share
/// additional data.
fn additional_data(kind: Kind, kid: &str, binding: &[u8], route: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(8 + kid.len() + binding.len() + route.len());
    aad.extend_from_slice(PREFIX.as_bytes());
    aad.push(kind.tag());
    aad.push(kid.len() as u8);
    aad.extend_from_slice(kid.as_bytes());
    aad.extend_from_slice(binding);
    aad.extend_from_slice(route.as_bytes());
    aad
}

#[cfg(test)]
mod tests;
