//! Percent-decoding of request targets (`%2F` -> `/`, and `+` -> space in query strings).

/// Decodes `%XX` escapes. Invalid escapes are kept as they are (like Starlette's `unquote`).
/// Returns `None` when there is nothing to decode, so callers can keep borrowing the input.
pub fn decode(input: &[u8], plus_is_space: bool) -> Option<Vec<u8>> {
    if !input.iter().any(|&b| b == b'%' || (plus_is_space && b == b'+')) {
        return None;
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'%' if i + 2 < input.len() => match (hex(input[i + 1]), hex(input[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

/// Decodes into a `String`, replacing invalid UTF-8 (as Python's `unquote` does).
pub fn decode_str(input: &[u8], plus_is_space: bool) -> String {
    match decode(input, plus_is_space) {
        Some(v) => String::from_utf8(v).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        None => String::from_utf8_lossy(input).into_owned(),
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Splits a query string into decoded `(name, value)` pairs, keeping order, repeats and
/// blank values (`a=&b` -> `("a",""),("b","")`).
pub fn parse_query(qs: &[u8]) -> Vec<(String, String)> {
    qs.split(|&b| b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (k, v) = match part.iter().position(|&b| b == b'=') {
                Some(eq) => (&part[..eq], &part[eq + 1..]),
                None => (part, &b""[..]),
            };
            (decode_str(k, true), decode_str(v, true))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_keeps_bad_ones() {
        assert_eq!(decode(b"/a%20b", false).unwrap(), b"/a b");
        assert_eq!(decode(b"/plain", false), None);
        assert_eq!(decode(b"%zz%4", false).unwrap(), b"%zz%4");
        assert_eq!(decode(b"%4", false).unwrap(), b"%4");
        assert_eq!(decode(b"a+b", true).unwrap(), b"a b");
        assert_eq!(decode(b"a+b", false), None);
        assert_eq!(decode_str(b"%E2%82%AC", false), "€");
        assert_eq!(decode_str(b"%FF", false), "\u{FFFD}");
    }

    #[test]
    fn query_pairs() {
        assert_eq!(
            parse_query(b"a=1&b=&c&a=x%20y&&d=e+f"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "".into()),
                ("c".into(), "".into()),
                ("a".into(), "x y".into()),
                ("d".into(), "e f".into())
            ]
        );
        assert!(parse_query(b"").is_empty());
    }
}
