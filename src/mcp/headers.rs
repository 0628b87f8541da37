//! Current-era header/body agreement (`mcp-protocol.md` §3.1, §8.2 item 3).
//!
//! 2026-07-28 clients mirror the method and the target name into headers so
//! load balancers can route without parsing bodies. The gateway parses bodies
//! anyway and makes every decision from the body; these checks make sure the
//! two agree, so nothing downstream of us can be steered by a header that
//! names one thing while the body does another.
//!
//! A failed check is a [`Mismatch`], this module's own error; `error.rs`
//! turns it into the `400` + `-32020` answer before anything is forwarded.

use base64::Engine;
use http::HeaderMap;

use super::{header, method};

/// A mirrored header that disagrees with the body, is missing, repeats or
/// cannot be read. [`Mismatch::message`] is client-safe: it names the header,
/// never its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Mismatch(&'static str);

impl Mismatch {
    /// What disagreed, for the client and the log.
    pub fn message(self) -> &'static str {
        self.0
    }
}

/// Checks `Mcp-Method`, `Mcp-Name` and the protocol version `_meta` against
/// fields already read from the body: `meta_version` is the `params._meta`
/// protocol version when a string; `name_value(field)` is `None` when
/// `params.<field>` is absent, `Some(None)` when it is not a string.
///
/// `Mcp-Name` is checked for the methods the caller knows
/// (`knows_method`): a method that carries a name must have it, one that
/// does not must not. On any other method (a custom one, one the era
/// removed) the header is left for the server, which defines it.
///
/// # Errors
/// The [`Mismatch`] naming the disagreeing header.
pub fn check_current_fields<'a>(
    headers: &HeaderMap,
    header_version: &str,
    body_method: Option<&str>,
    meta_version: Option<&str>,
    name_value: impl FnOnce(&'static str) -> Option<Option<&'a str>>,
    knows_method: impl FnOnce(&str) -> bool,
) -> Result<(), Mismatch> {
    if meta_version.is_some_and(|v| v != header_version) {
        return Err(Mismatch(
            "MCP-Protocol-Version disagrees with _meta protocolVersion",
        ));
    }
    let Some(m) = body_method else {
        return Ok(());
    };
    match decoded(headers, header::METHOD)? {
        Some(h) if h == m => {}
        Some(_) => return Err(Mismatch("Mcp-Method disagrees with the body")),
        None => return Err(Mismatch("Mcp-Method header is required")),
    }
    let expected = name_param(m).and_then(name_value);
    let got = decoded(headers, header::NAME)?;
    match (expected, got) {
        (None, None) => Ok(()),
        (Some(Some(want)), Some(h)) if want == h => Ok(()),
        (Some(_), None) => Err(Mismatch("Mcp-Name header is required")),
        (None, Some(_)) if knows_method(m) => {
            Err(Mismatch("Mcp-Name given for a method without a name"))
        }
        (None, Some(_)) => Ok(()),
        _ => Err(Mismatch("Mcp-Name disagrees with the body")),
    }
}

/// Removes the current generation's mirrored headers (`Mcp-Method`,
/// `Mcp-Name`) from a legacy-era request: they mean nothing there and the
/// gateway does not check them against the body, yet a dual-generation
/// server or a load balancer behind the gateway may route by them (`Mcp-Name`
/// carries a task id on task operations). A conforming legacy server ignores
/// them, so it sees no difference.
pub fn drop_current_mirrors(headers: &mut HeaderMap) {
    headers.remove(header::METHOD);
    headers.remove(header::NAME);
}

/// Which `params` field `Mcp-Name` mirrors for a method.
pub fn name_param(m: &str) -> Option<&'static str> {
    match m {
        method::TOOLS_CALL | method::PROMPTS_GET => Some("name"),
        method::RESOURCES_READ => Some("uri"),
        method::TASKS_GET | method::TASKS_UPDATE | method::TASKS_CANCEL => Some("taskId"),
        _ => None,
    }
}

/// A header's value with the `=?base64?…?=` sentinel decoded.
///
/// # Errors
/// When the header repeats, is not visible ASCII, or the sentinel is malformed.
pub fn decoded(headers: &HeaderMap, name: &str) -> Result<Option<String>, Mismatch> {
    let mut values = headers.get_all(name).iter();
    let Some(v) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Mismatch("mirrored header repeated"));
    }
    let text = v
        .to_str()
        .map_err(|_| Mismatch("mirrored header is not ASCII"))?;
    decode_sentinel(text).map(Some)
}

/// Decodes `=?base64?<b64>?=` to UTF-8; other values are returned as they are.
///
/// # Errors
/// When the base64 or the UTF-8 inside it is malformed.
pub fn decode_sentinel(text: &str) -> Result<String, Mismatch> {
    match text
        .strip_prefix("=?base64?")
        .and_then(|t| t.strip_suffix("?="))
    {
        None => Ok(text.to_string()),
        Some(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or(Mismatch("malformed base64 header value")),
    }
}

/// Encodes a value for a mirrored header: plain when it is visible ASCII
/// without leading/trailing space, otherwise the base64 sentinel.
pub fn encode_sentinel(value: &str) -> String {
    let plain = !value.is_empty()
        && value.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !value.starts_with(' ')
        && !value.ends_with(' ')
        && !value.starts_with("=?base64?");
    if plain {
        value.to_string()
    } else {
        format!(
            "=?base64?{}?=",
            base64::engine::general_purpose::STANDARD.encode(value)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use serde_json::{Value, json};

    /// The check on a whole `params` value, reading the fields the way
    /// `gateway::inbound` reads them from the validated body.
    fn check_current(
        headers: &HeaderMap,
        header_version: &str,
        body_method: Option<&str>,
        params: Option<&Value>,
    ) -> Result<(), Mismatch> {
        let meta_version = params
            .and_then(|p| p.get("_meta"))
            .and_then(|m| m.get(crate::mcp::meta::PROTOCOL_VERSION))
            .and_then(Value::as_str);
        let name_value = |field: &str| params.and_then(|p| p.get(field)).map(Value::as_str);
        let knows = |m: &str| crate::mcp::MethodKind::of(m) != crate::mcp::MethodKind::Custom;
        check_current_fields(
            headers,
            header_version,
            body_method,
            meta_version,
            name_value,
            knows,
        )
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn matching_headers_pass() {
        let p = json!({"name": "echo", "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}});
        let h = headers(&[("mcp-method", "tools/call"), ("mcp-name", "echo")]);
        assert!(check_current(&h, "2026-07-28", Some("tools/call"), Some(&p)).is_ok());
    }

    #[test]
    fn every_disagreement_is_refused() {
        let p = json!({"taskId": "abc"});
        let cases: Vec<(HeaderMap, &str)> = vec![
            (headers(&[("mcp-name", "abc")]), "tasks/get"),
            (
                headers(&[("mcp-method", "tasks/cancel"), ("mcp-name", "abc")]),
                "tasks/get",
            ),
            (
                headers(&[("mcp-method", "tasks/get"), ("mcp-name", "xyz")]),
                "tasks/get",
            ),
            (headers(&[("mcp-method", "tasks/get")]), "tasks/get"),
            (
                headers(&[
                    ("mcp-method", "tasks/get"),
                    ("mcp-name", "abc"),
                    ("mcp-name", "abc"),
                ]),
                "tasks/get",
            ),
            (
                headers(&[("mcp-method", "tasks/get"), ("mcp-name", "=?base64?!!?=")]),
                "tasks/get",
            ),
        ];
        for (h, m) in cases {
            assert!(
                check_current(&h, "2026-07-28", Some(m), Some(&p)).is_err(),
                "{h:?}"
            );
        }
        let wrong_meta =
            json!({"_meta": {"io.modelcontextprotocol/protocolVersion": "2025-11-25"}});
        let h = headers(&[("mcp-method", "ping")]);
        assert!(check_current(&h, "2026-07-28", Some("ping"), Some(&wrong_meta)).is_err());
    }

    #[test]
    fn each_mismatch_names_the_header_and_never_its_value() {
        let p = json!({"taskId": "secret-id"});
        let cases = [
            (headers(&[]), "Mcp-Method header is required"),
            (
                headers(&[("mcp-method", "tasks/cancel")]),
                "Mcp-Method disagrees with the body",
            ),
            (
                headers(&[("mcp-method", "tasks/get")]),
                "Mcp-Name header is required",
            ),
            (
                headers(&[("mcp-method", "tasks/get"), ("mcp-name", "other-id")]),
                "Mcp-Name disagrees with the body",
            ),
            (
                headers(&[("mcp-method", "tasks/get"), ("mcp-name", "=?base64?!!?=")]),
                "malformed base64 header value",
            ),
        ];
        for (h, want) in cases {
            let got = check_current(&h, "2026-07-28", Some("tasks/get"), Some(&p));
            assert_eq!(got.map_err(Mismatch::message), Err(want), "{h:?}");
        }
        let h = headers(&[("mcp-method", "ping"), ("mcp-name", "x")]);
        assert_eq!(
            check_current(&h, "2026-07-28", Some("ping"), None).map_err(Mismatch::message),
            Err("Mcp-Name given for a method without a name")
        );
    }

    #[test]
    fn a_method_the_gateway_does_not_know_leaves_mcp_name_to_the_server() {
        let h = headers(&[("mcp-method", "acme/report"), ("mcp-name", "x")]);
        assert!(check_current(&h, "2026-07-28", Some("acme/report"), None).is_ok());
        // Mcp-Method is still checked.
        let h = headers(&[("mcp-method", "ping"), ("mcp-name", "x")]);
        assert!(check_current(&h, "2026-07-28", Some("acme/report"), None).is_err());
    }

    #[test]
    fn sentinel_round_trips_non_ascii() {
        for v in ["plain-id", "tâche-ü", " lead", "=?base64?x?="] {
            assert_eq!(decode_sentinel(&encode_sentinel(v)).unwrap(), v);
        }
        let p = json!({"name": "tâche"});
        let h = headers(&[
            ("mcp-method", "tools/call"),
            ("mcp-name", &encode_sentinel("tâche")),
        ]);
        assert!(check_current(&h, "2026-07-28", Some("tools/call"), Some(&p)).is_ok());
    }
}
