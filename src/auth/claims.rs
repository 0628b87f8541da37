//! Claim mapping: which claims of a verified token become the
//! [`Principal`](super::Principal)'s tenant, client and scopes.
//!
//! Invariants: the first *present* path of a list wins (a JSON `null` counts
//! as absent); a present claim of the wrong type is a rejection, never
//! silently skipped, so a token can't fall through to a later, laxer path.
//! Tenant and client accept strings and numbers (a number is rendered as its
//! JSON text); scopes accept a space-separated string or an array of strings.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

use super::Rejection;

/// A dotted path into the claims object, e.g. `tid` or `org.id`.
///
/// A claim whose *name* contains dots (namespaced claims such as
/// `https://example.com/tenant`) is found too: the whole text is tried as a
/// top-level name before it is walked as a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClaimPath {
    text: String,
    segments: Vec<String>,
}

/// Why a claim path did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("claim path must be dot-separated non-empty names, like `tid` or `org.id`")]
pub struct ClaimPathError;

/// Which claims hold the tenant, the client and the scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimMapping {
    /// Tenant claim; `None` means tokens carry no tenant.
    pub tenant: Option<ClaimPath>,
    /// Client claims, tried in order.
    pub client: Vec<ClaimPath>,
    /// Scope claims, tried in order.
    pub scope: Vec<ClaimPath>,
}

/// The mapped, not yet registered-claim-checked identity parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mapped {
    pub(crate) tenant: Option<String>,
    pub(crate) client: Option<String>,
    pub(crate) scopes: Vec<String>,
}

// === impl ClaimPath ===

impl ClaimPath {
    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The value at this path, if present and not `null`.
    pub(crate) fn lookup<'a>(&self, claims: &'a Map<String, Value>) -> Option<&'a Value> {
        if let Some(v) = claims.get(&self.text).filter(|v| !v.is_null()) {
            return Some(v);
        }
        let (first, rest) = self.segments.split_first()?;
        if rest.is_empty() {
            return None;
        }
        let mut cur = claims.get(first)?;
        for seg in rest {
            cur = cur.as_object()?.get(seg)?;
        }
        (!cur.is_null()).then_some(cur)
    }
}

impl FromStr for ClaimPath {
    type Err = ClaimPathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let segments: Vec<String> = s.split('.').map(str::to_owned).collect();
        if segments.iter().any(String::is_empty) {
            return Err(ClaimPathError);
        }
        Ok(ClaimPath {
            text: s.to_owned(),
            segments,
        })
    }
}

impl fmt::Display for ClaimPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for ClaimPath {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

// === impl ClaimMapping ===

impl Default for ClaimMapping {
    /// `tid`; `azp` then `client_id`; `scope` then `scp`.
    fn default() -> Self {
        let path = |s: &str| ClaimPath {
            text: s.to_owned(),
            segments: vec![s.to_owned()],
        };
        ClaimMapping {
            tenant: Some(path("tid")),
            client: vec![path("azp"), path("client_id")],
            scope: vec![path("scope"), path("scp")],
        }
    }
}

impl ClaimMapping {
    /// Extracts tenant, client and scopes from verified claims.
    pub(crate) fn map(&self, claims: &Map<String, Value>) -> Result<Mapped, Rejection> {
        let tenant = match self.tenant.as_ref().and_then(|p| p.lookup(claims)) {
            Some(v) => Some(identifier(v).ok_or(Rejection::InvalidClaims("tenant"))?),
            None => None,
        };
        let client = match first(&self.client, claims) {
            Some(v) => Some(identifier(v).ok_or(Rejection::InvalidClaims("client"))?),
            None => None,
        };
        let scopes = match first(&self.scope, claims) {
            Some(v) => scopes(v).ok_or(Rejection::InvalidClaims("scope"))?,
            None => Vec::new(),
        };
        Ok(Mapped {
            tenant,
            client,
            scopes,
        })
    }
}

fn first<'a>(paths: &[ClaimPath], claims: &'a Map<String, Value>) -> Option<&'a Value> {
    paths.iter().find_map(|p| p.lookup(claims))
}

/// A string, or a number rendered as its JSON text.
fn identifier(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A space-separated string or an array of strings.
fn scopes(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(
            s.split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    fn path(s: &str) -> ClaimPath {
        s.parse().unwrap()
    }

    #[test]
    fn paths_need_non_empty_segments() {
        assert!(ClaimPath::from_str("tid").is_ok());
        assert!(ClaimPath::from_str("org.id").is_ok());
        for bad in ["", ".", "org.", ".id", "a..b"] {
            assert_eq!(ClaimPath::from_str(bad), Err(ClaimPathError), "{bad:?}");
        }
        assert_eq!(path("org.id").to_string(), "org.id");
    }

    #[test]
    fn lookup_walks_objects_and_tries_literal_names_first() {
        let c = obj(json!({
            "org": {"id": "acme", "n": null},
            "https://x.example/tenant": "t1",
            "flat": 3
        }));
        assert_eq!(path("org.id").lookup(&c), Some(&json!("acme")));
        assert_eq!(path("org.n").lookup(&c), None);
        assert_eq!(path("org.missing").lookup(&c), None);
        assert_eq!(path("flat.x").lookup(&c), None);
        assert_eq!(
            path("https://x.example/tenant").lookup(&c),
            Some(&json!("t1"))
        );
    }

    #[test]
    fn default_mapping_first_present_wins() {
        let m = ClaimMapping::default();
        let got = m
            .map(&obj(
                json!({"tid": 42, "client_id": "c2", "scp": ["a", "b"]}),
            ))
            .unwrap();
        assert_eq!(got.tenant.as_deref(), Some("42"));
        assert_eq!(got.client.as_deref(), Some("c2"));
        assert_eq!(got.scopes, vec!["a", "b"]);
        let got = m
            .map(&obj(
                json!({"azp": "c1", "client_id": "c2", "scope": " a  b "}),
            ))
            .unwrap();
        assert_eq!(got.client.as_deref(), Some("c1"));
        assert_eq!(got.scopes, vec!["a", "b"]);
        assert_eq!(got.tenant, None);
    }

    #[test]
    fn wrong_types_are_rejected_not_skipped() {
        let m = ClaimMapping::default();
        let bad = |v: Value| m.map(&obj(v)).unwrap_err();
        assert_eq!(bad(json!({"scope": 5})), Rejection::InvalidClaims("scope"));
        assert_eq!(
            bad(json!({"scope": ["a", 1]})),
            Rejection::InvalidClaims("scope")
        );
        // A malformed `scope` must not fall through to a well-formed `scp`.
        assert_eq!(
            bad(json!({"scope": {"a": 1}, "scp": "x"})),
            Rejection::InvalidClaims("scope")
        );
        assert_eq!(
            bad(json!({"tid": ["t"]})),
            Rejection::InvalidClaims("tenant")
        );
        assert_eq!(
            bad(json!({"azp": true})),
            Rejection::InvalidClaims("client")
        );
    }
}
