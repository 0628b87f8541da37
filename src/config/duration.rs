//! Human-friendly durations in config files: `250ms`, `30s`, `5m`, `1h`.

use std::time::Duration;

/// Parses `<integer><unit>` with unit `ms`, `s`, `m` or `h`.
///
/// # Errors
/// A message naming the accepted forms.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 250ms, 30s, 5m or 1h"))?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        _ => return Err(format!("{text:?} has no unit; use ms, s, m or h")),
    };
    Ok(d)
}

/// The duration configured at `field` (`text`, when set), or `default`;
/// a malformed value is reported into `errs` (naming `field`) and the
/// default stands in, so every configuration error is reported at once.
pub fn or_default(
    field: &str,
    text: Option<&str>,
    default: Duration,
    errs: &mut Vec<String>,
) -> Duration {
    match text {
        None => default,
        Some(t) => parse(t).unwrap_or_else(|e| {
            errs.push(format!("{field}: {e}"));
            default
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_rejects_garbage() {
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
        for bad in ["", "s", "10", "1.5s", "-1s", "10d", "ten s"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
