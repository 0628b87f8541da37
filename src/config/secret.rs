//! Secrets from files or environment variables, never inline and never
//! printed.
//!
//! Invariant: `Debug` of a [`Secret`] shows only where it came from, and the
//! header value it converts to is marked sensitive so hyper and our logs
//! treat it as such.

use std::fmt;
use std::path::PathBuf;

use http::HeaderValue;
use serde::Deserialize;

/// Where a secret is read from (the raw config form).
#[derive(Deserialize, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum SecretSource {
    /// Read from this file; one trailing newline is stripped.
    File(PathBuf),
    /// Read from this environment variable.
    Env(String),
}

impl fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::File(p) => write!(f, "file:{}", p.display()),
            SecretSource::Env(name) => write!(f, "env:{name}"),
        }
    }
}

/// How environment variables are looked up (injected so tests never mutate
/// the process environment).
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A loaded secret value.
#[derive(Clone)]
pub struct Secret {
    origin: String,
    value: Vec<u8>,
}

impl Secret {
    /// Reads the secret.
    ///
    /// # Errors
    /// A message naming the source (never the value) when it cannot be read
    /// or is empty.
    pub fn load(source: &SecretSource, env: EnvLookup<'_>) -> Result<Secret, String> {
        let origin = format!("{source:?}");
        let mut value = match source {
            SecretSource::File(path) => {
                std::fs::read(path).map_err(|e| format!("secret {origin}: cannot read: {e}"))?
            }
            SecretSource::Env(name) => env(name)
                .ok_or_else(|| format!("secret {origin}: variable is not set"))?
                .into_bytes(),
        };
        if value.ends_with(b"\n") {
            value.pop();
            if value.ends_with(b"\r") {
                value.pop();
            }
        }
        if value.is_empty() {
            return Err(format!("secret {origin}: empty"));
        }
        Ok(Secret { origin, value })
    }

    /// The secret bytes.
    pub fn expose(&self) -> &[u8] {
        &self.value
    }

    /// The secret as a sensitive header value.
    ///
    /// # Errors
    /// When the bytes are not a valid header value.
    pub fn to_header_value(&self) -> Result<HeaderValue, String> {
        let mut v = HeaderValue::from_bytes(&self.value)
            .map_err(|_| format!("secret {}: not a valid header value", self.origin))?;
        v.set_sensitive(true);
        Ok(v)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({}, redacted)", self.origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_secret_loads_and_debug_redacts() {
        let env = |name: &str| (name == "TOKEN").then(|| "Bearer s3cret\n".to_string());
        let s = Secret::load(&SecretSource::Env("TOKEN".into()), &env).unwrap();
        assert_eq!(s.expose(), b"Bearer s3cret");
        let shown = format!("{s:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(s.to_header_value().unwrap().is_sensitive());
    }

    #[test]
    fn missing_and_empty_secrets_are_errors() {
        let none = |_: &str| None;
        assert!(Secret::load(&SecretSource::Env("NOPE".into()), &none).is_err());
        let empty = |_: &str| Some("\n".to_string());
        assert!(Secret::load(&SecretSource::Env("E".into()), &empty).is_err());
    }
}
