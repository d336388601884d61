//! CRLF line ends read as LF, so the csv crate counts lines right: it counts
//! a line when it consumes a `\n`, and on a CRLF file it stops a record at
//! the `\r`, so every record's line is one too low (BurntSushi/rust-csv
//! issue #395, open). Locust and Windows tools write CRLF.

use std::io::{self, BufRead, Read};

/// Reads `inner` with each `\r\n` turned into `\n` (a lone `\r` is kept).
pub struct CrlfAsLf<R> {
    inner: R,
    /// The last byte read was a `\r` not yet given out: the next byte decides.
    held_cr: bool,
}

impl<R: BufRead> CrlfAsLf<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        CrlfAsLf {
            inner,
            held_cr: false,
        }
    }
}

impl<R: BufRead> Read for CrlfAsLf<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let data = self.inner.fill_buf()?;
        if data.is_empty() {
            // A `\r` at the very end of the file is kept.
            let held = std::mem::take(&mut self.held_cr);
            if let (true, Some(first)) = (held, out.first_mut()) {
                *first = b'\r';
            }
            return Ok(usize::from(held));
        }
        let (mut read, mut written) = (0, 0);
        while let (Some(&byte), true) = (data.get(read), written < out.len()) {
            if self.held_cr && byte != b'\n' {
                // The held `\r` was not a line end's: give it out, then
                // look at this byte again.
                out[written] = b'\r';
                written += 1;
                self.held_cr = false;
                continue;
            }
            read += 1;
            self.held_cr = byte == b'\r';
            if !self.held_cr {
                out[written] = byte;
                written += 1;
            }
        }
        self.inner.consume(read);
        if written == 0 {
            // Only a `\r` was read, and is held: read on rather than return
            // 0, which would mean the end of the file.
            return self.read(out);
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `input` through the adapter with an inner buffer of `capacity`
    /// bytes and reads of `chunk` bytes, so `\r\n` falls across boundaries.
    fn through(input: &[u8], capacity: usize, chunk: usize) -> Vec<u8> {
        let inner = io::BufReader::with_capacity(capacity, input);
        let mut reader = CrlfAsLf::new(inner);
        let mut out = Vec::new();
        let mut buf = vec![0; chunk];
        loop {
            let n = reader.read(&mut buf).unwrap();
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn crlf_becomes_lf_and_a_lone_cr_stays() {
        let input = b"a,b\r\n1,2\r\n\r\nx\ry\r\r\nend\r";
        let expected = b"a,b\n1,2\n\nx\ry\r\nend\r";
        for capacity in 1..=5 {
            for chunk in 1..=4 {
                assert_eq!(
                    through(input, capacity, chunk),
                    expected,
                    "capacity {capacity}, chunk {chunk}"
                );
            }
        }
    }
}
