//! The core's error type: a kind (mapped to `zseg_result` by the C layer), the failing item,
//! zstd's own error code and a human-readable message.

use std::borrow::Cow;
use std::fmt;

/// What went wrong, one variant per failing `zseg_result` code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A required pointer was NULL.
    Null,
    /// A value out of range.
    InvalidArgument,
    /// A segment points outside its buffer.
    SegmentBounds,
    /// An index out of range.
    Index,
    /// Out of memory, or a size that overflows.
    Alloc,
    /// zstd rejected a frame or a parameter.
    Zstd,
    /// A frame has no content size and none was given.
    NoContentSize,
    /// The decompressed size differs from the declared one.
    SizeMismatch,
    /// Output would exceed a configured limit.
    Limit,
    /// Dictionary missing, invalid or wrong.
    Dictionary,
    /// Caller-provided output is too small.
    DstTooSmall,
    /// The progress callback asked to stop.
    Cancelled,
    /// A batch finished with some failed items.
    Partial,
    /// A bug caught at the boundary.
    Internal,
    /// A file could not be opened, mapped, written or renamed.
    Io,
}

/// An error with its context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The class of failure.
    pub kind: ErrorKind,
    /// Index of the failing input item, if the error belongs to one.
    pub item: Option<u64>,
    /// zstd's `ZSTD_ErrorCode`, or 0.
    pub zstd_code: i64,
    /// What happened, for people (a static string when nothing needed formatting, so that an
    /// error made while memory runs out allocates nothing).
    pub message: Cow<'static, str>,
}

impl Error {
    /// An error of `kind` with `message`, tied to no item.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            kind,
            item: None,
            zstd_code: 0,
            message: message.into(),
        }
    }

    /// The same error, attributed to input item `item`.
    pub fn at(mut self, item: usize) -> Self {
        self.item = Some(item as u64);
        self
    }

    /// An allocation failure (or size overflow) while sizing `what`.
    pub fn alloc(what: &str) -> Self {
        Error::new(
            ErrorKind::Alloc,
            format!("out of memory or size overflow: {what}"),
        )
    }

    /// An allocation failure in the middle of a batch, where memory may be exhausted: its
    /// `message` is static, so making the error allocates nothing.
    pub(crate) fn out_of_memory(message: &'static str) -> Self {
        Error::new(ErrorKind::Alloc, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.item {
            Some(i) => write!(f, "item {i}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}

/// Result alias of the core.
pub type Result<T> = std::result::Result<T, Error>;
