//! The errors of the stream API, named and worded as asyncio's.
//!
//! `IncompleteReadError` and `LimitOverrunError` carry what asyncio's carry (the bytes read
//! before end of stream; how far the search went), and [`ReadError`] joins them with plain
//! I/O errors so that `?` works in one `Result`. Both convert into `io::Error` for callers
//! that only speak `io::Result`.

use std::fmt;
use std::io;

/// The stream ended before a read could complete (asyncio's `IncompleteReadError`).
///
/// `partial` holds every byte that was read (they are consumed from the reader); `expected`
/// is the number asked for, or `None` for [`readuntil`](super::StreamReader::readuntil),
/// which expected a separator.
///
/// ```
/// use weft::io::IncompleteReadError;
/// let err = IncompleteReadError { partial: vec![0; 18], expected: Some(36) };
/// assert_eq!(err.to_string(), "18 bytes read on a total of 36 expected bytes");
/// let err = IncompleteReadError { partial: b"abc".to_vec(), expected: None };
/// assert_eq!(err.to_string(), "3 bytes read on a total of undefined expected bytes");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncompleteReadError {
    /// The bytes read before the stream ended.
    pub partial: Vec<u8>,
    /// How many bytes were expected; `None` when a separator was.
    pub expected: Option<usize>,
}

impl fmt::Display for IncompleteReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expected {
            Some(n) => write!(
                f,
                "{} bytes read on a total of {n} expected bytes",
                self.partial.len()
            ),
            None => write!(
                f,
                "{} bytes read on a total of undefined expected bytes",
                self.partial.len()
            ),
        }
    }
}

impl std::error::Error for IncompleteReadError {}

impl From<IncompleteReadError> for io::Error {
    fn from(err: IncompleteReadError) -> io::Error {
        io::Error::new(io::ErrorKind::UnexpectedEof, err)
    }
}

/// A separator search went past the reader's limit (asyncio's `LimitOverrunError`).
///
/// `consumed` is how many bytes the search covered (asyncio's name; nothing was consumed:
/// for [`readuntil`](super::StreamReader::readuntil) the buffer is left intact, so those
/// bytes can still be read with [`read`](super::StreamReader::read) or
/// [`readexactly`](super::StreamReader::readexactly)).
///
/// ```
/// use weft::io::LimitOverrunError;
/// let err = LimitOverrunError::not_found(70_000);
/// assert_eq!(err.consumed, 70_000);
/// assert_eq!(err.to_string(), "Separator is not found, and chunk exceed the limit");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitOverrunError {
    /// asyncio's message: whether the separator was found.
    pub message: &'static str,
    /// How many bytes the search covered.
    pub consumed: usize,
}

impl LimitOverrunError {
    /// The separator was not found within the limit.
    ///
    /// ```
    /// let err = weft::io::LimitOverrunError::not_found(10);
    /// assert!(err.to_string().contains("not found"));
    /// ```
    pub fn not_found(consumed: usize) -> LimitOverrunError {
        LimitOverrunError {
            message: "Separator is not found, and chunk exceed the limit",
            consumed,
        }
    }

    /// The separator was found, but past the limit.
    ///
    /// ```
    /// let err = weft::io::LimitOverrunError::found_past_limit(12);
    /// assert!(err.to_string().contains("longer than limit"));
    /// ```
    pub fn found_past_limit(consumed: usize) -> LimitOverrunError {
        LimitOverrunError {
            message: "Separator is found, but chunk is longer than limit",
            consumed,
        }
    }
}

impl fmt::Display for LimitOverrunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for LimitOverrunError {}

impl From<LimitOverrunError> for io::Error {
    fn from(err: LimitOverrunError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, err)
    }
}

/// Why a [`StreamReader`](super::StreamReader) read failed.
///
/// ```
/// use weft::io::{IncompleteReadError, ReadError};
/// let err = ReadError::from(IncompleteReadError { partial: vec![1], expected: Some(2) });
/// assert!(matches!(err, ReadError::Incomplete(_)));
/// let io_err: std::io::Error = err.into();
/// assert_eq!(io_err.kind(), std::io::ErrorKind::UnexpectedEof);
/// ```
#[derive(Debug)]
pub enum ReadError {
    /// The connection failed (reset, ...), or an argument was invalid (an empty separator).
    Io(io::Error),
    /// End of stream came first.
    Incomplete(IncompleteReadError),
    /// The limit was reached before the separator.
    LimitOverrun(LimitOverrunError),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(err) => err.fmt(f),
            ReadError::Incomplete(err) => err.fmt(f),
            ReadError::LimitOverrun(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Io(err) => Some(err),
            ReadError::Incomplete(err) => Some(err),
            ReadError::LimitOverrun(err) => Some(err),
        }
    }
}

impl From<io::Error> for ReadError {
    fn from(err: io::Error) -> ReadError {
        ReadError::Io(err)
    }
}

impl From<IncompleteReadError> for ReadError {
    fn from(err: IncompleteReadError) -> ReadError {
        ReadError::Incomplete(err)
    }
}

impl From<LimitOverrunError> for ReadError {
    fn from(err: LimitOverrunError) -> ReadError {
        ReadError::LimitOverrun(err)
    }
}

impl From<ReadError> for io::Error {
    fn from(err: ReadError) -> io::Error {
        match err {
            ReadError::Io(err) => err,
            ReadError::Incomplete(err) => err.into(),
            ReadError::LimitOverrun(err) => err.into(),
        }
    }
}

/// An I/O error kept so that it can be reported again (`io::Error` is not `Clone`).
#[derive(Debug, Clone)]
pub(crate) struct SavedError {
    kind: io::ErrorKind,
    os: Option<i32>,
    message: String,
}

impl SavedError {
    pub(crate) fn new(err: &io::Error) -> SavedError {
        SavedError {
            kind: err.kind(),
            os: err.raw_os_error(),
            message: err.to_string(),
        }
    }

    pub(crate) fn to_error(&self) -> io::Error {
        match self.os {
            Some(code) => io::Error::from_raw_os_error(code),
            None => io::Error::new(self.kind, self.message.clone()),
        }
    }
}
