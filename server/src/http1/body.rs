//! Decoding `Transfer-Encoding: chunked` request bodies, incrementally and strictly.
//!
//! ```text
//!  SizeLine ──size>0──▶ Data(n) ──n bytes──▶ DataEnd ──CRLF──▶ SizeLine
//!     └──size=0──▶ Trailers ──blank line──▶ Done
//! ```
//! Anything unexpected (a non-hex size, a missing CRLF, an overlong line) is an error: the
//! connection answers 400 and closes, because a lenient chunk parser is how requests get
//! smuggled past proxies.

use bytes::BytesMut;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkError {
    Malformed(&'static str),
    /// The decoded body passed the limit.
    TooLarge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    SizeLine,
    Data(usize),
    DataEnd,
    Trailers,
    Done,
}

#[derive(Debug)]
pub struct ChunkedDecoder {
    state: State,
    total: usize,
    trailer_bytes: usize,
}

/// A size line with extensions longer than this is refused.
const MAX_SIZE_LINE: usize = 4096;
/// Trailer fields are read and dropped; this bounds how much of them we accept.
const MAX_TRAILERS: usize = 16 * 1024;

impl Default for ChunkedDecoder {
    fn default() -> Self {
        ChunkedDecoder { state: State::SizeLine, total: 0, trailer_bytes: 0 }
    }
}

impl ChunkedDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Consumes what it can from `input`, appending decoded data to `out`.
    /// Returns `Ok(true)` once the last chunk and the trailers have been read.
    pub fn decode(&mut self, input: &mut BytesMut, out: &mut BytesMut, max_body: usize) -> Result<bool, ChunkError> {
        loop {
            match self.state {
                State::Done => return Ok(true),
                State::SizeLine => {
                    let Some(nl) = memchr::memchr(b'\n', input) else {
                        if input.len() > MAX_SIZE_LINE {
                            return Err(ChunkError::Malformed("chunk size line too long"));
                        }
                        return Ok(false);
                    };
                    if nl > MAX_SIZE_LINE {
                        return Err(ChunkError::Malformed("chunk size line too long"));
                    }
                    let line = input.split_to(nl + 1);
                    let size = parse_size_line(&line[..nl])?;
                    if size == 0 {
                        self.state = State::Trailers;
                    } else {
                        if self.total.saturating_add(size) > max_body {
                            return Err(ChunkError::TooLarge);
                        }
                        self.total += size;
                        self.state = State::Data(size);
                    }
                }
                State::Data(remaining) => {
                    if input.is_empty() {
                        return Ok(false);
                    }
                    let take = remaining.min(input.len());
                    out.extend_from_slice(&input.split_to(take));
                    self.state = if take == remaining { State::DataEnd } else { State::Data(remaining - take) };
                }
                State::DataEnd => {
                    if input.len() < 2 {
                        if input.first().is_some_and(|&b| b != b'\r') {
                            return Err(ChunkError::Malformed("chunk data not followed by CRLF"));
                        }
                        return Ok(false);
                    }
                    if &input[..2] != b"\r\n" {
                        return Err(ChunkError::Malformed("chunk data not followed by CRLF"));
                    }
                    let _ = input.split_to(2);
                    self.state = State::SizeLine;
                }
                State::Trailers => {
                    let Some(nl) = memchr::memchr(b'\n', input) else {
                        if self.trailer_bytes + input.len() > MAX_TRAILERS {
                            return Err(ChunkError::Malformed("trailer section too large"));
                        }
                        return Ok(false);
                    };
                    let line = input.split_to(nl + 1);
                    if line.len() < 2 || line[line.len() - 2] != b'\r' {
                        return Err(ChunkError::Malformed("trailer line not terminated by CRLF"));
                    }
                    if line.len() == 2 {
                        self.state = State::Done;
                    } else {
                        self.trailer_bytes += line.len();
                        if self.trailer_bytes > MAX_TRAILERS {
                            return Err(ChunkError::Malformed("trailer section too large"));
                        }
                        if !line.contains(&b':') {
                            return Err(ChunkError::Malformed("malformed trailer field"));
                        }
                    }
                }
            }
        }
    }
}

/// `1a;name=value\r` (the LF already stripped): hex digits, optional extensions, CR.
fn parse_size_line(line: &[u8]) -> Result<usize, ChunkError> {
    let line = line.strip_suffix(b"\r").ok_or(ChunkError::Malformed("chunk size line not terminated by CRLF"))?;
    let digits_end = line.iter().position(|b| !b.is_ascii_hexdigit()).unwrap_or(line.len());
    let (digits, rest) = line.split_at(digits_end);
    if digits.is_empty() || digits.len() > 15 {
        return Err(ChunkError::Malformed("invalid chunk size"));
    }
    let rest_trimmed = rest.iter().position(|&b| b != b' ' && b != b'\t').map_or(&rest[rest.len()..], |p| &rest[p..]);
    if !rest_trimmed.is_empty() && rest_trimmed[0] != b';' {
        return Err(ChunkError::Malformed("invalid chunk size"));
    }
    let text = std::str::from_utf8(digits).map_err(|_| ChunkError::Malformed("invalid chunk size"))?;
    usize::from_str_radix(text, 16).map_err(|_| ChunkError::Malformed("invalid chunk size"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8], max: usize) -> Result<(bool, Vec<u8>, usize), ChunkError> {
        let mut d = ChunkedDecoder::new();
        let mut inp = BytesMut::from(input);
        let mut out = BytesMut::new();
        let done = d.decode(&mut inp, &mut out, max)?;
        Ok((done, out.to_vec(), inp.len()))
    }

    #[test]
    fn decodes_chunks_extensions_and_trailers() {
        let (done, body, left) =
            decode_all(b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\nGET /next", 1024).unwrap();
        assert!(done);
        assert_eq!(body, b"Wikipedia");
        assert_eq!(left, 9, "the pipelined next request stays in the buffer");
    }

    #[test]
    fn decodes_byte_by_byte() {
        let raw = b"3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n";
        let mut d = ChunkedDecoder::new();
        let mut out = BytesMut::new();
        let mut inp = BytesMut::new();
        let mut done = false;
        for &b in raw.iter() {
            inp.extend_from_slice(&[b]);
            done = d.decode(&mut inp, &mut out, 1024).unwrap();
        }
        assert!(done);
        assert_eq!(&out[..], b"abc0123456789");
    }

    #[test]
    fn refuses_bad_framing() {
        for bad in
            [&b"zz\r\n"[..], b"\r\n", b"3\r\nabcXY", b"3 x\r\n", b"-1\r\n", b"3\nabc\r\n", b"0\r\nbad trailer\r\n\r\n"]
        {
            assert!(
                matches!(decode_all(bad, 1024), Err(ChunkError::Malformed(_))),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(matches!(decode_all(b"ffffffffffffffffffff\r\n", 1024), Err(ChunkError::Malformed(_))));
    }

    #[test]
    fn enforces_the_body_limit_before_reading_data() {
        assert_eq!(decode_all(b"400\r\n", 1000), Err(ChunkError::TooLarge));
        assert_eq!(decode_all(b"3\r\nabc\r\n3e6\r\n", 1000), Err(ChunkError::TooLarge));
    }

    #[test]
    fn any_split_of_the_input_decodes_the_same_and_mutations_never_panic() {
        let raw: &[u8] = b"5;a=b\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\nT: v\r\n\r\nNEXT";
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..2_000 {
            let mut d = ChunkedDecoder::new();
            let (mut inp, mut out, mut done) = (BytesMut::new(), BytesMut::new(), false);
            let mut pos = 0;
            while pos < raw.len() && !done {
                let take = (1 + next() as usize % 7).min(raw.len() - pos);
                inp.extend_from_slice(&raw[pos..pos + take]);
                pos += take;
                done = d.decode(&mut inp, &mut out, 1024).unwrap();
            }
            assert!(done);
            assert_eq!(&out[..], b"hello world!");
            let rest = [&inp[..], &raw[pos..]].concat();
            assert_eq!(rest, b"NEXT");

            let mut bad = raw.to_vec();
            let at = next() as usize % bad.len();
            bad[at] = (next() % 256) as u8;
            let mut d = ChunkedDecoder::new();
            let _ = d.decode(&mut BytesMut::from(&bad[..]), &mut BytesMut::new(), 1024);
        }
    }
}
