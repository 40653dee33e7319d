//! The `Date` header, formatted once per second per core (RFC 9110 IMF-fixdate).

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

struct DateCache {
    second: u64,
    value: [u8; 29],
}

thread_local! {
    static DATE: RefCell<DateCache> = const { RefCell::new(DateCache { second: u64::MAX, value: [b' '; 29] }) };
}

/// Brings this core's cached date up to the current second. Called once per batch of
/// requests, not per response: a clock read per batch is all the date costs.
pub fn refresh() {
    let now = SystemTime::now();
    let second = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    DATE.with(|d| {
        let mut d = d.borrow_mut();
        if d.second != second {
            let text = httpdate::fmt_http_date(now);
            d.value.copy_from_slice(&text.as_bytes()[..29]);
            d.second = second;
        }
    });
}

/// Appends the cached date (call [`refresh`] first in a batch).
pub fn append(out: &mut Vec<u8>) {
    DATE.with(|d| {
        let d = d.borrow();
        if d.second == u64::MAX {
            drop(d);
            refresh();
            return append(out);
        }
        out.extend_from_slice(&d.value)
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_imf_fixdate() {
        super::refresh();
        let mut out = Vec::new();
        super::append(&mut out);
        let s = String::from_utf8(out).unwrap();
        assert_eq!(s.len(), 29);
        assert!(s.ends_with(" GMT"), "{s}");
        assert!(httpdate::parse_http_date(&s).is_ok(), "{s}");
    }
}
