//! Result codes, the `zseg_error` detail record, and the panic boundary.

use std::any::Any;
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{Error, ErrorKind};

/// Result of every fallible function. The values are ABI: they are never renumbered, only
/// appended to.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum zseg_result {
    /// Success.
    ZSEG_OK = 0,
    /// A required pointer was NULL.
    ZSEG_ERR_NULL = 1,
    /// A value out of range.
    ZSEG_ERR_INVALID_ARGUMENT = 2,
    /// A segment points outside its buffer.
    ZSEG_ERR_SEGMENT_BOUNDS = 3,
    /// Index out of range.
    ZSEG_ERR_INDEX = 4,
    /// Out of memory or size overflow, zstd's own allocations included: the call failed as a
    /// whole (in per-item mode too) and nothing is handed back; the library stays usable. Every
    /// allocation that grows with the batch (outputs, segments, per-item sizes and failures,
    /// zstd contexts, dictionaries, a seekable file's table and write buffer) is checked. As in
    /// any Rust or C++ program, a process whose address space is exhausted to the last bytes
    /// may still abort on a small fixed-size allocation (a new thread's first one, say).
    ZSEG_ERR_ALLOC = 5,
    /// zstd rejected a frame or parameter.
    ZSEG_ERR_ZSTD = 6,
    /// A frame has no content size and no size was given.
    ZSEG_ERR_NO_CONTENT_SIZE = 7,
    /// Decompressed size differs from the declared one.
    ZSEG_ERR_SIZE_MISMATCH = 8,
    /// Output would exceed a configured limit.
    ZSEG_ERR_LIMIT = 9,
    /// Dictionary missing, invalid or wrong.
    ZSEG_ERR_DICTIONARY = 10,
    /// Caller-provided output is too small.
    ZSEG_ERR_DST_TOO_SMALL = 11,
    /// The progress callback asked to stop.
    ZSEG_ERR_CANCELLED = 12,
    /// Batch finished, some items failed: see per-item results.
    ZSEG_ERR_PARTIAL = 13,
    /// A bug caught at the boundary.
    ZSEG_ERR_INTERNAL = 14,
    /// A file could not be opened, mapped, written or renamed (the message has the OS error;
    /// `ENOMEM`, e.g. no address space left to map a file, is `ZSEG_ERR_ALLOC`).
    ZSEG_ERR_IO = 15,
}

use zseg_result::*;

/// A `zseg_result` value received from the caller, which may hold any number.
pub type ResultCode = u32;

/// Size of `zseg_error::message`, NUL included.
pub const ZSEG_ERROR_MESSAGE_SIZE: usize = 256;

/// Detail of a failure, filled by the function that takes it (always the last parameter, may be
/// NULL). Caller-owned; a function that succeeds sets `code` to `ZSEG_OK`, `item` to
/// `UINT64_MAX` and `message` to "".
#[repr(C)]
pub struct zseg_error {
    /// The result the function returned.
    pub code: zseg_result,
    /// Index of the failing input item (or segment, or buffer), `UINT64_MAX` if none.
    pub item: u64,
    /// zstd's `ZSTD_ErrorCode`, or 0.
    pub zstd_code: i64,
    /// What happened, NUL-terminated (truncated to fit).
    pub message: [c_char; ZSEG_ERROR_MESSAGE_SIZE],
}

/// The result code of an error kind: the one place kinds meet codes.
pub(crate) fn code_of(kind: ErrorKind) -> zseg_result {
    match kind {
        ErrorKind::Null => ZSEG_ERR_NULL,
        ErrorKind::InvalidArgument => ZSEG_ERR_INVALID_ARGUMENT,
        ErrorKind::SegmentBounds => ZSEG_ERR_SEGMENT_BOUNDS,
        ErrorKind::Index => ZSEG_ERR_INDEX,
        ErrorKind::Alloc => ZSEG_ERR_ALLOC,
        ErrorKind::Zstd => ZSEG_ERR_ZSTD,
        ErrorKind::NoContentSize => ZSEG_ERR_NO_CONTENT_SIZE,
        ErrorKind::SizeMismatch => ZSEG_ERR_SIZE_MISMATCH,
        ErrorKind::Limit => ZSEG_ERR_LIMIT,
        ErrorKind::Dictionary => ZSEG_ERR_DICTIONARY,
        ErrorKind::DstTooSmall => ZSEG_ERR_DST_TOO_SMALL,
        ErrorKind::Cancelled => ZSEG_ERR_CANCELLED,
        ErrorKind::Partial => ZSEG_ERR_PARTIAL,
        ErrorKind::Internal => ZSEG_ERR_INTERNAL,
        ErrorKind::Io => ZSEG_ERR_IO,
    }
}

/// The static, NUL-terminated name of a result code ("ZSEG_ERR_NULL").
pub(crate) fn name_of(code: ResultCode) -> &'static str {
    match code {
        0 => "ZSEG_OK\0",
        1 => "ZSEG_ERR_NULL\0",
        2 => "ZSEG_ERR_INVALID_ARGUMENT\0",
        3 => "ZSEG_ERR_SEGMENT_BOUNDS\0",
        4 => "ZSEG_ERR_INDEX\0",
        5 => "ZSEG_ERR_ALLOC\0",
        6 => "ZSEG_ERR_ZSTD\0",
        7 => "ZSEG_ERR_NO_CONTENT_SIZE\0",
        8 => "ZSEG_ERR_SIZE_MISMATCH\0",
        9 => "ZSEG_ERR_LIMIT\0",
        10 => "ZSEG_ERR_DICTIONARY\0",
        11 => "ZSEG_ERR_DST_TOO_SMALL\0",
        12 => "ZSEG_ERR_CANCELLED\0",
        13 => "ZSEG_ERR_PARTIAL\0",
        14 => "ZSEG_ERR_INTERNAL\0",
        15 => "ZSEG_ERR_IO\0",
        _ => "unknown result\0",
    }
}

/// Writes `e` (or success when `None`) into the caller's `err`, if any.
pub(crate) fn fill(err: *mut zseg_error, e: Option<&Error>) {
    if err.is_null() {
        return;
    }
    let code = e.map_or(ZSEG_OK, |e| code_of(e.kind));
    let mut message = [0 as c_char; ZSEG_ERROR_MESSAGE_SIZE];
    if let Some(e) = e {
        let text = e.to_string();
        let mut end = text.len().min(ZSEG_ERROR_MESSAGE_SIZE - 1);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        for (dst, src) in message.iter_mut().zip(&text.as_bytes()[..end]) {
            *dst = *src as c_char;
        }
    }
    let record = zseg_error {
        code,
        item: e.and_then(|e| e.item).unwrap_or(u64::MAX),
        zstd_code: e.map_or(0, |e| e.zstd_code),
        message,
    };
    // SAFETY: err is non-NULL and, by the API contract, points to a writable zseg_error
    // (written unaligned: a misaligned one has no other way to report).
    unsafe { err.write_unaligned(record) };
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown panic");
    format!("internal error (please report): {what}")
}

/// Runs `body` behind the panic boundary and reports its outcome through `err`.
pub(crate) fn guard(err: *mut zseg_error, body: impl FnOnce() -> Result<(), Error>) -> zseg_result {
    let result = catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(Error::new(ErrorKind::Internal, panic_message(&*payload))));
    let e = result.err();
    fill(err, e.as_ref());
    e.map_or(ZSEG_OK, |e| code_of(e.kind))
}

/// Runs an infallible accessor behind the panic boundary, `fallback` if it panics.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// The name of a result code ("ZSEG_ERR_NULL" for `ZSEG_ERR_NULL`): a static string, never
/// NULL, never to be freed; "unknown result" for a value that is not a code. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_result_str(code: ResultCode) -> *const c_char {
    name_of(code).as_ptr().cast()
}
