//! zseg: batch zstd compression of many small items into buffers with segments,
//! multi-threaded and zero-copy, with a C ABI (see `include/zseg.h`).
//!
//! The safe core ([`Buffer`], [`Collection`], [`Compressor`], [`Decompressor`]) knows nothing
//! of C; the `ffi` module converts, checks and delegates.

mod batch;
mod buffer;
mod collection;
mod compress;
pub mod corpus;
mod decompress;
mod error;
pub mod ffi;
mod mmap;
mod recycle;
mod seekable;
mod zstd;

pub use batch::{BatchOptions, Failure, Items, Outcome, Packed, Progress};
pub use buffer::{check_segments, Buffer, Segment, Storage};
pub use collection::Collection;
pub use compress::{compress_bound, train_dictionary, CParam, Compressor};
pub use decompress::{
    frame_content_size, frame_header, DParam, Decompressor, DEFAULT_MAX_ITEM_SIZE, SIZE_UNKNOWN,
};
pub use error::{Error, ErrorKind, Result};
pub use mmap::Mmap;
pub use seekable::{
    create_beside, map_file, write as write_seekable, Seekable, Writer as SeekableWriter,
};
pub use zstd::{dictionary_id, FrameHeader};

/// zstd's version number (`ZSTD_versionNumber()`, 10507 for 1.5.7).
pub fn zstd_version() -> u32 {
    zstd::version_number()
}
