//! What the fuzz targets share: checks of the C ABI's error contract, a reference zstd encoder
//! and decoder that do not go through zseg (the oracle), and a fixed trained dictionary.
//!
//! Every target calls zseg through its C entry points (`zseg::ffi::*`), the public surface.

use std::ffi::c_void;
use std::sync::OnceLock;

use std::ptr;

use zseg::ffi::{zseg_buffer_new_borrowed, zseg_error, zseg_result, ZSEG_ERROR_MESSAGE_SIZE};
use zseg::{Buffer, Segment};
use zstd_sys as sys;

/// A `zseg_error` filled with garbage, so a check can see what the call wrote.
pub fn dirty_error() -> zseg_error {
    zseg_error {
        code: zseg_result::ZSEG_ERR_INTERNAL,
        item: 0xDEAD,
        zstd_code: 0xDEAD,
        message: [b'#' as _; ZSEG_ERROR_MESSAGE_SIZE],
    }
}

/// The NUL-terminated message of `err`; panics if no NUL lies within its 256 bytes.
pub fn message(err: &zseg_error) -> String {
    let bytes: Vec<u8> = err.message.iter().map(|&c| c as u8).collect();
    let end = bytes
        .iter()
        .position(|&b| b == 0)
        .expect("zseg_error.message is NUL-terminated within 256 bytes");
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Checks what a call wrote to its `err` against the code it returned: the same code; on
/// success item UINT64_MAX and an empty message; on failure a non-empty message.
pub fn check_error(rc: zseg_result, err: &zseg_error) {
    assert_eq!(err.code, rc, "err.code differs from the returned code");
    let text = message(err);
    if rc == zseg_result::ZSEG_OK {
        assert_eq!(err.item, u64::MAX, "success leaves err.item = UINT64_MAX");
        assert!(
            text.is_empty(),
            "success leaves an empty message, got {text:?}"
        );
        assert_eq!(err.zstd_code, 0);
    } else {
        assert!(!text.is_empty(), "{rc:?} without a message");
    }
}

/// Every code the library may return (the values up to ZSEG_ERR_IO).
pub fn is_known_code(code: u32) -> bool {
    code <= zseg_result::ZSEG_ERR_IO as u32
}

fn is_error(ret: usize) -> bool {
    // SAFETY: pure function of the integer.
    unsafe { sys::ZSTD_isError(ret) != 0 }
}

/// zstd's frame format for `magicless`.
fn format(magicless: bool) -> sys::ZSTD_format_e {
    if magicless {
        sys::ZSTD_format_e::ZSTD_f_zstd1_magicless
    } else {
        sys::ZSTD_format_e::ZSTD_f_zstd1
    }
}

/// A frame header as zstd reads it.
#[derive(Clone, Copy, Debug)]
pub struct Header {
    /// `None` when the header records no content size.
    pub content_size: Option<u64>,
    pub window_size: u64,
    pub dict_id: u32,
    pub skippable: bool,
}

/// zstd's reading of the header at the start of `src`; `None` if incomplete or invalid.
pub fn header(src: &[u8], magicless: bool) -> Option<Header> {
    let mut h = std::mem::MaybeUninit::<sys::ZSTD_FrameHeader>::zeroed();
    // SAFETY: src readable for its length; h is written completely when 0 is returned.
    let ret = unsafe {
        sys::ZSTD_getFrameHeader_advanced(
            h.as_mut_ptr(),
            src.as_ptr().cast(),
            src.len(),
            format(magicless),
        )
    };
    if ret != 0 {
        return None;
    }
    // SAFETY: decoded (ret == 0).
    let h = unsafe { h.assume_init() };
    Some(Header {
        content_size: (h.frameContentSize != sys::ZSTD_CONTENTSIZE_UNKNOWN as u64)
            .then_some(h.frameContentSize),
        window_size: h.windowSize,
        dict_id: h.dictID,
        skippable: h.frameType == sys::ZSTD_FrameType_e::ZSTD_skippableFrame,
    })
}

/// Decompresses `src` with a fresh context (format, dictionary loaded as bytes) into at most
/// `capacity` bytes; `None` on any zstd error. zstd decodes concatenated frames here, so this
/// is an oracle for content, not for "exactly one frame".
pub fn reference_decompress(
    src: &[u8],
    magicless: bool,
    dict: Option<&[u8]>,
    capacity: usize,
) -> Option<Vec<u8>> {
    // SAFETY: every pointer is valid for the length passed with it; the context is freed.
    unsafe {
        let dctx = sys::ZSTD_createDCtx();
        assert!(!dctx.is_null());
        let mut ok = !is_error(sys::ZSTD_DCtx_setParameter(
            dctx,
            sys::ZSTD_dParameter::ZSTD_d_experimentalParam1, // ZSTD_d_format
            format(magicless) as i32,
        ));
        if let Some(d) = dict {
            ok &= !is_error(sys::ZSTD_DCtx_loadDictionary(
                dctx,
                d.as_ptr().cast(),
                d.len(),
            ));
        }
        let mut out = vec![0u8; capacity];
        let ret = sys::ZSTD_decompressDCtx(
            dctx,
            out.as_mut_ptr().cast::<c_void>(),
            capacity,
            src.as_ptr().cast(),
            src.len(),
        );
        sys::ZSTD_freeDCtx(dctx);
        if !ok || is_error(ret) {
            return None;
        }
        out.truncate(ret);
        Some(out)
    }
}

/// Compression parameters as zseg applies them (`ZSTD_c_*`, in zseg's order).
#[derive(Clone, Copy, Debug, Default)]
pub struct CParams {
    pub level: i32,
    pub checksum: bool,
    pub content_size: bool,
    pub dict_id: bool,
    pub window_log: i32,
    pub strategy: i32,
    pub long_distance: bool,
    pub magicless: bool,
}

/// Compresses `src` as one frame with a fresh context set to `p` (dictionary: loaded as
/// bytes when `dict` is given), through `ZSTD_compress2` as libzstd users do.
pub fn reference_compress(src: &[u8], p: &CParams, dict: Option<&[u8]>) -> Vec<u8> {
    use sys::ZSTD_cParameter as C;
    // SAFETY: every pointer is valid for the length passed with it; the context is freed.
    unsafe {
        let cctx = sys::ZSTD_createCCtx();
        assert!(!cctx.is_null());
        for (param, value) in [
            (C::ZSTD_c_compressionLevel, p.level),
            (C::ZSTD_c_checksumFlag, p.checksum as i32),
            (C::ZSTD_c_contentSizeFlag, p.content_size as i32),
            (C::ZSTD_c_dictIDFlag, p.dict_id as i32),
            (C::ZSTD_c_windowLog, p.window_log),
            (C::ZSTD_c_strategy, p.strategy),
            (C::ZSTD_c_enableLongDistanceMatching, p.long_distance as i32),
            (C::ZSTD_c_experimentalParam2, p.magicless as i32), // ZSTD_c_format
        ] {
            let ret = sys::ZSTD_CCtx_setParameter(cctx, param, value);
            assert!(
                !is_error(ret),
                "reference: parameter {param:?} = {value} rejected"
            );
        }
        if let Some(d) = dict {
            let ret = sys::ZSTD_CCtx_loadDictionary(cctx, d.as_ptr().cast(), d.len());
            assert!(!is_error(ret), "reference: dictionary rejected");
        }
        let mut out = vec![0u8; sys::ZSTD_compressBound(src.len())];
        let ret = sys::ZSTD_compress2(
            cctx,
            out.as_mut_ptr().cast(),
            out.len(),
            src.as_ptr().cast(),
            src.len(),
        );
        sys::ZSTD_freeCCtx(cctx);
        assert!(!is_error(ret), "reference compression failed");
        out.truncate(ret);
        out
    }
}

/// A zstd-format dictionary trained once per process on generated JSON-like records (the
/// same every run: the corpus generator is seeded).
pub fn trained_dictionary() -> &'static [u8] {
    static DICT: OnceLock<Vec<u8>> = OnceLock::new();
    DICT.get_or_init(|| {
        let samples = zseg::corpus::json_records(1000, 42);
        let joined: Vec<u8> = samples.concat();
        let sizes: Vec<usize> = samples.iter().map(Vec::len).collect();
        let mut dict = vec![0u8; 4096];
        // SAFETY: joined holds sum(sizes) bytes, dict is writable for its length.
        let n = unsafe {
            sys::ZDICT_trainFromBuffer(
                dict.as_mut_ptr().cast(),
                dict.len(),
                joined.as_ptr().cast(),
                sizes.as_ptr(),
                sizes.len() as u32,
            )
        };
        assert!(!is_error(n), "training the fixture dictionary failed");
        dict.truncate(n);
        dict
    })
}

/// A raw-content dictionary (no zstd header: dictionary ID 0).
pub fn raw_dictionary() -> &'static [u8] {
    static DICT: OnceLock<Vec<u8>> = OnceLock::new();
    DICT.get_or_init(|| zseg::corpus::json_records(20, 7).concat())
}

/// One of the fixture dictionaries: 0 none, 1 trained, 2 raw content.
pub fn dictionary(which: u8) -> Option<&'static [u8]> {
    match which % 3 {
        0 => None,
        1 => Some(trained_dictionary()),
        _ => Some(raw_dictionary()),
    }
}

/// zseg's compression levels: zstd's minimum to maximum (0 = default).
pub fn level_range() -> (i32, i32) {
    // SAFETY: no arguments.
    unsafe { (sys::ZSTD_minCLevel(), sys::ZSTD_maxCLevel()) }
}

/// `s`'s pointer, or NULL when it is empty (what a C caller with nothing to pass gives).
pub fn ptr_or_null<T>(s: &[T]) -> *const T {
    if s.is_empty() {
        ptr::null()
    } else {
        s.as_ptr()
    }
}

/// `items` back to back in one borrowed buffer, plus their segments.
pub fn joined(items: &[Vec<u8>]) -> (Vec<u8>, Vec<Segment>) {
    let data = items.concat();
    let mut segments = Vec::with_capacity(items.len());
    let mut at = 0u64;
    for i in items {
        segments.push(Segment {
            offset: at,
            length: i.len() as u64,
        });
        at += i.len() as u64;
    }
    (data, segments)
}

/// A buffer borrowing `data` (no release callback) with `segments`; panics unless it is made.
pub fn buffer(data: &[u8], segments: &[Segment]) -> *mut Buffer {
    let mut b = ptr::null_mut();
    let mut err = dirty_error();
    let rc = zseg_buffer_new_borrowed(
        ptr_or_null(data),
        data.len(),
        ptr_or_null(segments),
        segments.len(),
        None,
        ptr::null_mut(),
        &mut b,
        &mut err,
    );
    check_error(rc, &err);
    assert_eq!(rc, zseg_result::ZSEG_OK);
    b
}
