//! The only module that calls zstd-sys: small safe wrappers with `Drop`.
//!
//! Output goes through [`Dst`], which lets zstd write straight into a `Vec`'s spare capacity or
//! into caller memory without zero-filling it first.

use std::ffi::{c_void, CStr};
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use zstd_sys as sys;

/// An error code returned by a zstd function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZstdError(usize);

impl ZstdError {
    /// zstd's `ZSTD_ErrorCode` for this error.
    pub fn code(self) -> i64 {
        // SAFETY: ZSTD_getErrorCode only inspects the integer.
        unsafe { sys::ZSTD_getErrorCode(self.0) as i64 }
    }

    /// zstd's description of the error (a static string).
    pub fn name(self) -> &'static str {
        // SAFETY: ZSTD_getErrorName returns a pointer to a static NUL-terminated string.
        unsafe { CStr::from_ptr(sys::ZSTD_getErrorName(self.0)) }
            .to_str()
            .unwrap_or("unknown zstd error")
    }

    /// Whether zstd says the dictionary was wrong or corrupt.
    pub fn is_dictionary(self) -> bool {
        let code = self.code();
        code == DICTIONARY_WRONG
            || code == sys::ZSTD_ErrorCode::ZSTD_error_dictionary_corrupted as i64
    }

    /// Whether zstd could not allocate memory.
    pub fn is_out_of_memory(self) -> bool {
        self.code() == sys::ZSTD_ErrorCode::ZSTD_error_memory_allocation as i64
    }

    /// Whether the output buffer was too small.
    pub fn is_dst_too_small(self) -> bool {
        self.code() == sys::ZSTD_ErrorCode::ZSTD_error_dstSize_tooSmall as i64
    }

    /// Whether zstd found the data corrupt (its check of a header's content size included).
    pub fn is_corruption(self) -> bool {
        self.code() == sys::ZSTD_ErrorCode::ZSTD_error_corruption_detected as i64
    }

    /// Whether a frame header declares a window larger than zstd decodes (over 2^31 bytes).
    pub fn is_window_too_large(self) -> bool {
        self.code() == sys::ZSTD_ErrorCode::ZSTD_error_frameParameter_windowTooLarge as i64
    }

    /// Whether the input does not start with zstd's magic number.
    pub fn is_unknown_prefix(self) -> bool {
        self.code() == sys::ZSTD_ErrorCode::ZSTD_error_prefix_unknown as i64
    }

    /// Whether a size in the input was wrong (e.g. a block larger than the frame's window).
    pub fn is_src_size_wrong(self) -> bool {
        self.code() == sys::ZSTD_ErrorCode::ZSTD_error_srcSize_wrong as i64
    }
}

fn check(ret: usize) -> Result<usize, ZstdError> {
    // SAFETY: ZSTD_isError only inspects the integer.
    if unsafe { sys::ZSTD_isError(ret) } != 0 {
        Err(ZstdError(ret))
    } else {
        Ok(ret)
    }
}

/// `ZSTD_versionNumber()`: 10507 for 1.5.7.
pub fn version_number() -> u32 {
    // SAFETY: no arguments, no state.
    unsafe { sys::ZSTD_versionNumber() }
}

/// The lowest and highest compression levels zstd accepts.
pub fn level_range() -> (i32, i32) {
    // SAFETY: no arguments, no state.
    unsafe { (sys::ZSTD_minCLevel(), sys::ZSTD_maxCLevel()) }
}

/// Worst-case compressed size of `len` bytes, or `None` if it overflows.
pub fn compress_bound(len: usize) -> Option<usize> {
    // SAFETY: pure arithmetic on the argument.
    check(unsafe { sys::ZSTD_compressBound(len) }).ok()
}

/// Bounds zstd accepts for a compression parameter.
pub fn cparam_bounds(param: sys::ZSTD_cParameter) -> (i32, i32) {
    // SAFETY: pure lookup on an enum value of the bindings.
    let b = unsafe { sys::ZSTD_cParam_getBounds(param) };
    (b.lowerBound, b.upperBound)
}

/// Bounds zstd accepts for a decompression parameter.
pub fn dparam_bounds(param: sys::ZSTD_dParameter) -> (i32, i32) {
    // SAFETY: pure lookup on an enum value of the bindings.
    let b = unsafe { sys::ZSTD_dParam_getBounds(param) };
    (b.lowerBound, b.upperBound)
}

/// Where zstd writes: bytes `[0, filled)` are initialized, `spare()` is writable space after them.
pub trait Dst {
    /// Bytes written so far.
    fn filled(&self) -> usize;
    /// Writable space after the filled bytes.
    fn spare(&mut self) -> &mut [MaybeUninit<u8>];
    /// Marks `n` more bytes as filled.
    ///
    /// # Safety
    /// The first `n` bytes of `spare()` must have been initialized.
    unsafe fn advance(&mut self, n: usize);
    /// Forgets everything past `len` filled bytes.
    fn truncate(&mut self, len: usize);
}

impl Dst for Vec<u8> {
    fn filled(&self) -> usize {
        self.len()
    }
    fn spare(&mut self) -> &mut [MaybeUninit<u8>] {
        self.spare_capacity_mut()
    }
    unsafe fn advance(&mut self, n: usize) {
        // SAFETY: the caller initialized n bytes of the spare capacity.
        self.set_len(self.len() + n)
    }
    fn truncate(&mut self, len: usize) {
        Vec::truncate(self, len)
    }
}

/// Fills a borrowed region (possibly uninitialized caller memory) from its start.
pub struct Cursor<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    filled: usize,
}

impl<'a> Cursor<'a> {
    /// An empty cursor over `buf`.
    pub fn new(buf: &'a mut [MaybeUninit<u8>]) -> Self {
        Cursor { buf, filled: 0 }
    }

    /// The region and how many bytes at its start were written.
    pub fn into_parts(self) -> (&'a mut [MaybeUninit<u8>], usize) {
        (self.buf, self.filled)
    }
}

impl Dst for Cursor<'_> {
    fn filled(&self) -> usize {
        self.filled
    }
    fn spare(&mut self) -> &mut [MaybeUninit<u8>] {
        &mut self.buf[self.filled..]
    }
    unsafe fn advance(&mut self, n: usize) {
        debug_assert!(self.filled + n <= self.buf.len());
        self.filled += n;
    }
    fn truncate(&mut self, len: usize) {
        self.filled = self.filled.min(len);
    }
}

macro_rules! handle {
    ($name:ident, $raw:ty, $free:path, $sizeof:path) => {
        /// An owned zstd object, freed on drop.
        pub struct $name(NonNull<$raw>);

        // SAFETY: zstd objects have no thread affinity; exclusive use is enforced by `&mut self`.
        unsafe impl Send for $name {}

        impl Drop for $name {
            fn drop(&mut self) {
                // SAFETY: the pointer came from the matching create function and is freed once.
                unsafe { $free(self.0.as_ptr()) };
            }
        }

        impl $name {
            /// Bytes of memory the object holds.
            pub fn memory_size(&self) -> usize {
                // SAFETY: the pointer is a live object of this type.
                unsafe { $sizeof(self.0.as_ptr()) }
            }
        }
    };
}

handle!(
    CCtx,
    sys::ZSTD_CCtx,
    sys::ZSTD_freeCCtx,
    sys::ZSTD_sizeof_CCtx
);
handle!(
    DCtx,
    sys::ZSTD_DCtx,
    sys::ZSTD_freeDCtx,
    sys::ZSTD_sizeof_DCtx
);
handle!(
    CDict,
    sys::ZSTD_CDict,
    sys::ZSTD_freeCDict,
    sys::ZSTD_sizeof_CDict
);
handle!(
    DDict,
    sys::ZSTD_DDict,
    sys::ZSTD_freeDDict,
    sys::ZSTD_sizeof_DDict
);

// SAFETY: zstd documents digested dictionaries as read-only after creation, usable by many
// contexts on many threads at once.
unsafe impl Sync for CDict {}
// SAFETY: as for CDict.
unsafe impl Sync for DDict {}

impl CCtx {
    /// A fresh compression context, `None` if zstd could not allocate it.
    pub fn new() -> Option<Self> {
        // SAFETY: no arguments; NULL means allocation failure.
        NonNull::new(unsafe { sys::ZSTD_createCCtx() }).map(CCtx)
    }

    /// Sets a sticky parameter.
    pub fn set(&mut self, param: sys::ZSTD_cParameter, value: i32) -> Result<(), ZstdError> {
        // SAFETY: live context; zstd validates the value.
        check(unsafe { sys::ZSTD_CCtx_setParameter(self.0.as_ptr(), param, value) }).map(drop)
    }

    /// References `dict` for every following frame; the caller keeps `dict` alive as long
    /// as this context is used.
    pub fn ref_cdict(&mut self, dict: &CDict) -> Result<(), ZstdError> {
        // SAFETY: both objects are live; the owner guarantees the lifetime (see above).
        check(unsafe { sys::ZSTD_CCtx_refCDict(self.0.as_ptr(), dict.0.as_ptr()) }).map(drop)
    }

    /// Compresses `src` as one frame (content size pledged) appended to `dst`.
    pub fn compress(&mut self, src: &[u8], dst: &mut impl Dst) -> Result<usize, ZstdError> {
        let spare = dst.spare();
        // SAFETY: src is readable for src.len() bytes and spare writable for spare.len() bytes;
        // zstd never writes past the capacity it is given.
        let n = check(unsafe {
            sys::ZSTD_compress2(
                self.0.as_ptr(),
                spare.as_mut_ptr().cast::<c_void>(),
                spare.len(),
                src.as_ptr().cast::<c_void>(),
                src.len(),
            )
        })?;
        // SAFETY: ZSTD_compress2 initialized the first n bytes of spare.
        unsafe { dst.advance(n) };
        Ok(n)
    }
}

/// Frame header flags for [`CCtx::compress_level`].
#[derive(Clone, Copy, Debug)]
pub struct FrameFlags {
    /// Write the content size.
    pub content_size: bool,
    /// Append a checksum.
    pub checksum: bool,
    /// Write the dictionary ID (no effect without a dictionary).
    pub dict_id: bool,
}

impl CCtx {
    /// Compresses non-empty `src` as one frame with `level`'s parameters for its size and
    /// `flags`, through zstd's direct one-shot path (the one `ZSTD_compress` takes: cheaper per
    /// call than `ZSTD_compress2`'s session setup, the same bytes); ignores sticky parameters.
    pub fn compress_level(
        &mut self,
        src: &[u8],
        dst: &mut impl Dst,
        level: i32,
        flags: FrameFlags,
    ) -> Result<usize, ZstdError> {
        debug_assert!(!src.is_empty(), "0 means unknown size to ZSTD_getParams");
        let spare = dst.spare();
        let (out, capacity) = (spare.as_mut_ptr().cast::<c_void>(), spare.len());
        let n = if flags.content_size && !flags.checksum {
            // zstd's default flags: `ZSTD_compressCCtx` itself, which also skips the parameter
            // check of `ZSTD_compress_advanced` (its parameters come from zstd's own table).
            // SAFETY: src is readable for src.len() bytes and out writable for capacity bytes;
            // zstd never writes past the capacity it is given.
            check(unsafe {
                sys::ZSTD_compressCCtx(
                    self.0.as_ptr(),
                    out,
                    capacity,
                    src.as_ptr().cast::<c_void>(),
                    src.len(),
                    level,
                )
            })?
        } else {
            // SAFETY: pure table lookup.
            let mut params = unsafe { sys::ZSTD_getParams(level, src.len() as u64, 0) };
            params.fParams = sys::ZSTD_frameParameters {
                contentSizeFlag: i32::from(flags.content_size),
                checksumFlag: i32::from(flags.checksum),
                noDictIDFlag: i32::from(!flags.dict_id),
            };
            // SAFETY: as above; no dictionary.
            check(unsafe {
                sys::ZSTD_compress_advanced(
                    self.0.as_ptr(),
                    out,
                    capacity,
                    src.as_ptr().cast::<c_void>(),
                    src.len(),
                    std::ptr::null(),
                    0,
                    params,
                )
            })?
        };
        // SAFETY: zstd initialized the first n bytes of spare.
        unsafe { dst.advance(n) };
        Ok(n)
    }
}

impl DCtx {
    /// A fresh decompression context, `None` if zstd could not allocate it.
    pub fn new() -> Option<Self> {
        // SAFETY: no arguments; NULL means allocation failure.
        NonNull::new(unsafe { sys::ZSTD_createDCtx() }).map(DCtx)
    }

    /// Sets a sticky parameter.
    pub fn set(&mut self, param: sys::ZSTD_dParameter, value: i32) -> Result<(), ZstdError> {
        // SAFETY: live context; zstd validates the value.
        check(unsafe { sys::ZSTD_DCtx_setParameter(self.0.as_ptr(), param, value) }).map(drop)
    }

    /// References `dict` for every following frame; the caller keeps `dict` alive as long
    /// as this context is used.
    pub fn ref_ddict(&mut self, dict: &DDict) -> Result<(), ZstdError> {
        // SAFETY: both objects are live; the owner guarantees the lifetime (see above).
        check(unsafe { sys::ZSTD_DCtx_refDDict(self.0.as_ptr(), dict.0.as_ptr()) }).map(drop)
    }

    /// Decompresses `src` into `dst`, writing at most `capacity` bytes (capped by the spare
    /// space); returns the decompressed size.
    pub fn decompress(
        &mut self,
        src: &[u8],
        dst: &mut impl Dst,
        capacity: usize,
    ) -> Result<usize, ZstdError> {
        let spare = dst.spare();
        let capacity = capacity.min(spare.len());
        // SAFETY: src is readable for src.len() bytes, spare writable for capacity bytes;
        // zstd reads only inside src and writes only inside capacity.
        let n = check(unsafe {
            sys::ZSTD_decompressDCtx(
                self.0.as_ptr(),
                spare.as_mut_ptr().cast::<c_void>(),
                capacity,
                src.as_ptr().cast::<c_void>(),
                src.len(),
            )
        })?;
        // SAFETY: ZSTD_decompressDCtx initialized the first n bytes of spare.
        unsafe { dst.advance(n) };
        Ok(n)
    }
}

impl CDict {
    /// Digests `dict` (raw content or zstd format) for `level`; `None` if zstd rejects it.
    pub fn new(dict: &[u8], level: i32) -> Option<Self> {
        // SAFETY: dict is readable for its length; zstd copies it.
        NonNull::new(unsafe {
            sys::ZSTD_createCDict(dict.as_ptr().cast::<c_void>(), dict.len(), level)
        })
        .map(CDict)
    }
}

impl DDict {
    /// Digests `dict` (raw content or zstd format); `None` if zstd rejects it.
    pub fn new(dict: &[u8]) -> Option<Self> {
        // SAFETY: dict is readable for its length; zstd copies it.
        NonNull::new(unsafe { sys::ZSTD_createDDict(dict.as_ptr().cast::<c_void>(), dict.len()) })
            .map(DDict)
    }

    /// The dictionary ID (0 for raw content).
    pub fn id(&self) -> u32 {
        // SAFETY: live object.
        unsafe { sys::ZSTD_getDictID_fromDDict(self.0.as_ptr()) }
    }
}

/// The ID of a zstd-format dictionary (its magic number, then the ID: RFC 8878 section 5),
/// `None` for raw content (any other bytes).
pub fn dictionary_id(dict: &[u8]) -> Option<u32> {
    const DICT_MAGIC: u32 = 0xEC30_A437;
    let word = |at: usize| Some(u32::from_le_bytes(dict.get(at..at + 4)?.try_into().ok()?));
    (word(0)? == DICT_MAGIC).then(|| word(4)).flatten()
}

/// Why zstd rejects the zstd-format dictionary `dict` (its entropy tables do not parse), if
/// it can say: `ZSTD_createCDict`/`ZSTD_createDDict` only return NULL.
pub fn dictionary_header_error(dict: &[u8]) -> Option<ZstdError> {
    dictionary_id(dict)?;
    // SAFETY: dict is readable for dict.len() bytes; ZDICT only reads it.
    check(unsafe { sys::ZDICT_getDictHeaderSize(dict.as_ptr().cast::<c_void>(), dict.len()) }).err()
}

/// What a frame header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FrameHeader {
    /// Decompressed size, if the header records it.
    pub content_size: Option<u64>,
    /// Window the frame needs (the content size for single-segment frames).
    pub window_size: u64,
    /// Dictionary ID the frame was made with, or 0.
    pub dict_id: u32,
    /// Length of the header in bytes.
    pub header_size: usize,
    /// Whether a 4-byte checksum follows the last block.
    pub checksum: bool,
    /// Whether this is a skippable frame rather than a data frame.
    pub skippable: bool,
}

/// `ZSTD_error_dictionary_wrong`, the code of a frame whose dictionary is not the loaded one.
pub(crate) const DICTIONARY_WRONG: i64 = sys::ZSTD_ErrorCode::ZSTD_error_dictionary_wrong as i64;

/// Whether `src` starts with zstd's frame magic number.
pub fn starts_with_magic(src: &[u8]) -> bool {
    src.starts_with(&sys::ZSTD_MAGICNUMBER.to_le_bytes())
}

/// Why a frame header could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// The input ends before the header does.
    Truncated,
    /// zstd rejected the header.
    Zstd(ZstdError),
}

/// Reads the header of the frame at the start of `src`.
pub fn frame_header(src: &[u8], magicless: bool) -> Result<FrameHeader, HeaderError> {
    let format = if magicless {
        sys::ZSTD_format_e::ZSTD_f_zstd1_magicless
    } else {
        sys::ZSTD_format_e::ZSTD_f_zstd1
    };
    let mut h = MaybeUninit::<sys::ZSTD_FrameHeader>::uninit();
    // SAFETY: src is readable for src.len() bytes; zstd fills h completely when it returns 0.
    let ret = check(unsafe {
        sys::ZSTD_getFrameHeader_advanced(
            h.as_mut_ptr(),
            src.as_ptr().cast::<c_void>(),
            src.len(),
            format,
        )
    })
    .map_err(HeaderError::Zstd)?;
    if ret != 0 {
        return Err(HeaderError::Truncated);
    }
    // SAFETY: a 0 return means the header was decoded into h.
    let h = unsafe { h.assume_init() };
    Ok(FrameHeader {
        content_size: (h.frameContentSize != sys::ZSTD_CONTENTSIZE_UNKNOWN as u64)
            .then_some(h.frameContentSize),
        window_size: h.windowSize,
        dict_id: h.dictID,
        header_size: h.headerSize as usize,
        checksum: h.checksumFlag != 0,
        skippable: h.frameType == sys::ZSTD_FrameType_e::ZSTD_skippableFrame,
    })
}

/// Why a frame's blocks do not end inside its item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameEnd {
    /// The item ends before the last block (or the checksum) does.
    Truncated,
    /// A block header has the reserved block type.
    ReservedBlock,
}

/// Length of the data frame that starts `src` and has header `h`, found by walking its block
/// headers.
pub fn frame_length(src: &[u8], h: &FrameHeader) -> Result<usize, FrameEnd> {
    let mut pos = h.header_size;
    loop {
        let b = src.get(pos..pos + 3).ok_or(FrameEnd::Truncated)?;
        let header = u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16;
        let last = header & 1 == 1;
        let size = (header >> 3) as usize;
        pos += 3 + match (header >> 1) & 3 {
            0 | 2 => size, // raw, compressed: `size` bytes follow
            1 => 1,        // RLE: one byte repeated `size` times
            _ => return Err(FrameEnd::ReservedBlock),
        };
        if last {
            break;
        }
    }
    pos += if h.checksum { 4 } else { 0 };
    if pos <= src.len() {
        Ok(pos)
    } else {
        Err(FrameEnd::Truncated)
    }
}

/// Trains a dictionary from `samples` (concatenated, lengths in `sizes`) into the spare space
/// of `dict`; returns its length.
pub fn train_dictionary(
    samples: &[u8],
    sizes: &[usize],
    dict: &mut impl Dst,
) -> Result<usize, ZstdError> {
    debug_assert_eq!(sizes.iter().sum::<usize>(), samples.len());
    let spare = dict.spare();
    // SAFETY: samples holds sum(sizes) readable bytes, sizes has sizes.len() entries, spare is
    // writable for its length; ZDICT writes only inside it.
    let ret = unsafe {
        sys::ZDICT_trainFromBuffer(
            spare.as_mut_ptr().cast::<c_void>(),
            spare.len(),
            samples.as_ptr().cast::<c_void>(),
            sizes.as_ptr(),
            sizes.len() as u32,
        )
    };
    // ZDICT's error codes are zstd's.
    let n = check(ret)?;
    // SAFETY: ZDICT_trainFromBuffer wrote the dictionary into the first n bytes of spare.
    unsafe { dict.advance(n) };
    Ok(n)
}

/// Reference compressions for tests: each item alone, through paths independent of the batch
/// engine.
#[cfg(test)]
pub mod reference {
    use super::*;

    /// The bytes of a region that was fully initialized when it was allocated (tests create
    /// their regions with `MaybeUninit::new`).
    pub fn bytes(region: &[MaybeUninit<u8>]) -> Vec<u8> {
        // SAFETY: every element was initialized at allocation and only ever overwritten.
        region.iter().map(|b| unsafe { b.assume_init() }).collect()
    }

    /// Checks that `dst` (initialized at allocation) holds `items` at `segments` and kept
    /// `fill` from `capacity` on (nothing written past the capacity).
    pub fn check_packed(
        dst: &[MaybeUninit<u8>],
        capacity: usize,
        fill: u8,
        segments: &[crate::buffer::Segment],
        items: &[Vec<u8>],
    ) {
        let bytes = bytes(dst);
        for (i, s) in segments.iter().enumerate() {
            let got = &bytes[s.offset as usize..][..s.length as usize];
            assert_eq!(got, &items[i][..], "item {i}");
        }
        assert!(
            bytes[capacity..].iter().all(|&b| b == fill),
            "wrote past the capacity"
        );
    }

    /// `ZSTD_compress(level)`: zstd's simplest one-shot API.
    pub fn compress_simple(src: &[u8], level: i32) -> Vec<u8> {
        let mut dst = vec![0u8; compress_bound(src.len()).unwrap()];
        // SAFETY: buffers valid for their lengths.
        let n = check(unsafe {
            sys::ZSTD_compress(
                dst.as_mut_ptr().cast(),
                dst.len(),
                src.as_ptr().cast(),
                src.len(),
                level,
            )
        })
        .unwrap();
        dst.truncate(n);
        dst
    }

    /// A fresh context with `params` (and `dict` as raw bytes via `ZSTD_CCtx_loadDictionary`).
    pub fn compress_with(
        src: &[u8],
        params: &[(sys::ZSTD_cParameter, i32)],
        dict: &[u8],
    ) -> Vec<u8> {
        let mut cctx = CCtx::new().unwrap();
        for &(p, v) in params {
            cctx.set(p, v).unwrap();
        }
        if !dict.is_empty() {
            // SAFETY: live context, dict readable for its length (zstd copies it).
            check(unsafe {
                sys::ZSTD_CCtx_loadDictionary(cctx.0.as_ptr(), dict.as_ptr().cast(), dict.len())
            })
            .unwrap();
        }
        let mut dst = Vec::with_capacity(compress_bound(src.len()).unwrap());
        cctx.compress(src, &mut dst).unwrap();
        dst
    }
}
