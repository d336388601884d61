//! An observed file to read, from disk or from memory, opened as often as a
//! reader needs: the per-request readers stream it twice (once for the
//! time line and the users, once for the figures over the window), so no
//! reader holds a whole file.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::error::ObservedError;

/// How much of the start of a file format detection looks at.
const HEAD_BYTES: u64 = 16 * 1024;

/// An observed file: its path (for messages), and where its bytes are.
#[derive(Clone, Copy)]
pub enum Input<'a> {
    /// A file on disk.
    File(&'a Path),
    /// Contents already in memory, named by a path.
    Text(&'a Path, &'a str),
}

impl<'a> Input<'a> {
    /// The path, for messages.
    pub fn path(&self) -> &'a Path {
        match self {
            Input::File(path) | Input::Text(path, _) => path,
        }
    }

    /// A fresh reader from the first byte.
    pub fn open(&self) -> Result<Box<dyn BufRead + 'a>, ObservedError> {
        match *self {
            Input::File(path) => {
                let file = File::open(path).map_err(|source| io_error(path, source))?;
                Ok(Box::new(BufReader::with_capacity(1 << 16, file)))
            }
            Input::Text(_, text) => Ok(Box::new(text.as_bytes())),
        }
    }

    /// The first kilobytes, as text (a character cut at the end, or bytes
    /// that are not UTF-8, are replaced): enough to tell the format.
    pub fn head(&self) -> Result<String, ObservedError> {
        let mut bytes = Vec::new();
        self.open()?
            .take(HEAD_BYTES)
            .read_to_end(&mut bytes)
            .map_err(|source| io_error(self.path(), source))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// The error of failing to read `path`.
pub fn io_error(path: &Path, source: std::io::Error) -> ObservedError {
    ObservedError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The non-blank lines of a file, each with its number and without its
/// trailing white space, read one at a time into one reused buffer.
pub struct TextLines<'a> {
    path: &'a Path,
    input: &'a mut dyn BufRead,
    buf: String,
    line: u64,
}

impl<'a> TextLines<'a> {
    /// The lines of `input`, read from `path` (named in errors).
    pub fn new(path: &'a Path, input: &'a mut dyn BufRead) -> Self {
        TextLines {
            path,
            input,
            buf: String::new(),
            line: 0,
        }
    }

    /// The next non-blank line and its number; `None` at the end.
    pub fn next_line(&mut self) -> Result<Option<(u64, &str)>, ObservedError> {
        while read_line(self.path, self.input, &mut self.buf, &mut self.line)? {
            if !self.buf.trim_end().is_empty() {
                return Ok(Some((self.line, self.buf.trim_end())));
            }
        }
        Ok(None)
    }
}

/// Reads the next line into `buf` (cleared first, line end cut off);
/// false at the end. A line that is not UTF-8 is an error at its line.
pub fn read_line(
    path: &Path,
    input: &mut dyn BufRead,
    buf: &mut String,
    line: &mut u64,
) -> Result<bool, ObservedError> {
    buf.clear();
    match input.read_line(buf) {
        Ok(0) => Ok(false),
        Ok(_) => {
            *line += 1;
            let end = buf.trim_end_matches(['\r', '\n']).len();
            buf.truncate(end);
            Ok(true)
        }
        Err(error) if error.kind() == std::io::ErrorKind::InvalidData => Err(ObservedError::at(
            path,
            *line + 1,
            1,
            "the line is not UTF-8 text",
        )),
        Err(source) => Err(io_error(path, source)),
    }
}
