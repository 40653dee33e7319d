//! `Range` and `If-Range` for file bodies (RFC 9110 §14): one byte range of a file gets a
//! `206`, an unsatisfiable one a `416`; anything we do not serve as a part (several ranges,
//! other units, a stale `If-Range`) gets the whole file, which the RFC allows.

/// What to send of a file of `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeOutcome {
    /// The whole file (200).
    Whole,
    /// Bytes `start..=end` (206 with `Content-Range: bytes start-end/len`).
    Part { start: u64, end: u64 },
    /// 416 with `Content-Range: bytes */len`.
    Unsatisfiable,
}

/// `range`: the request's `Range` value; `if_range`: its `If-Range` value; `etag` and
/// `last_modified`: the response's validators.
pub fn resolve(
    range: Option<&[u8]>,
    if_range: Option<&[u8]>,
    etag: Option<&[u8]>,
    last_modified: Option<&[u8]>,
    len: u64,
) -> RangeOutcome {
    let Some(range) = range else { return RangeOutcome::Whole };
    if let Some(condition) = if_range {
        // A strong ETag must match exactly, or a date must equal Last-Modified (§13.1.5).
        let fresh =
            if condition.starts_with(b"\"") { etag == Some(condition) } else { last_modified == Some(condition) };
        if !fresh {
            return RangeOutcome::Whole;
        }
    }
    let Ok(range) = std::str::from_utf8(range) else { return RangeOutcome::Whole };
    let Some(spec) = range.trim().strip_prefix("bytes=") else { return RangeOutcome::Whole };
    if spec.contains(',') {
        // Several ranges would need multipart/byteranges; the whole file is a valid answer.
        return RangeOutcome::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else { return RangeOutcome::Whole };
    let (first, last) = (first.trim(), last.trim());
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match (first.is_empty(), last.is_empty()) {
        // "bytes=-N": the last N bytes.
        (true, false) if digits(last) => match last.parse::<u64>() {
            Ok(0) => RangeOutcome::Unsatisfiable,
            Ok(_) if len == 0 => RangeOutcome::Unsatisfiable,
            Ok(n) => RangeOutcome::Part { start: len.saturating_sub(n), end: len - 1 },
            Err(_) => RangeOutcome::Part { start: 0, end: len.saturating_sub(1) },
        },
        // "bytes=A-" and "bytes=A-B".
        (false, _) if digits(first) && (last.is_empty() || digits(last)) => {
            let Ok(start) = first.parse::<u64>() else { return RangeOutcome::Unsatisfiable };
            if start >= len {
                return RangeOutcome::Unsatisfiable;
            }
            let end = if last.is_empty() { len - 1 } else { last.parse::<u64>().unwrap_or(u64::MAX).min(len - 1) };
            if end < start {
                // "A-B" with B < A is invalid syntax: ignore the header.
                return RangeOutcome::Whole;
            }
            RangeOutcome::Part { start, end }
        }
        _ => RangeOutcome::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::RangeOutcome::*;
    use super::*;

    fn r(range: &str, len: u64) -> RangeOutcome {
        resolve(Some(range.as_bytes()), None, None, None, len)
    }

    #[test]
    fn byte_ranges() {
        assert_eq!(r("bytes=0-9", 100), Part { start: 0, end: 9 });
        assert_eq!(r("bytes=90-", 100), Part { start: 90, end: 99 });
        assert_eq!(r("bytes=-10", 100), Part { start: 90, end: 99 });
        assert_eq!(r("bytes=-1000", 100), Part { start: 0, end: 99 });
        assert_eq!(r("bytes=50-1000", 100), Part { start: 50, end: 99 });
        assert_eq!(r("bytes=100-", 100), Unsatisfiable);
        assert_eq!(r("bytes=-0", 100), Unsatisfiable);
        assert_eq!(r("bytes=0-0", 0), Unsatisfiable);
        assert_eq!(r("bytes=9-3", 100), Whole);
        assert_eq!(r("bytes=0-1,5-6", 100), Whole);
        assert_eq!(r("items=0-1", 100), Whole);
        assert_eq!(r("bytes=a-b", 100), Whole);
    }

    #[test]
    fn if_range() {
        let etag = Some(&b"\"abc\""[..]);
        let date = Some(&b"Wed, 21 Oct 2015 07:28:00 GMT"[..]);
        let part = Part { start: 0, end: 0 };
        assert_eq!(resolve(Some(b"bytes=0-0"), Some(b"\"abc\""), etag, date, 10), part);
        assert_eq!(resolve(Some(b"bytes=0-0"), Some(b"\"old\""), etag, date, 10), Whole);
        assert_eq!(resolve(Some(b"bytes=0-0"), date, etag, date, 10), part);
        assert_eq!(resolve(Some(b"bytes=0-0"), Some(b"Thu, 22 Oct 2015 07:28:00 GMT"), etag, date, 10), Whole);
    }
}
