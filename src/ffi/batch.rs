//! `zseg_batch_options` and the shared shape of every batch call: read the options, run,
//! write per-item results, hand back the output, report `ZSEG_ERR_PARTIAL`.

use std::ffi::{c_int, c_void};
use std::mem::{offset_of, size_of};

use super::{check_apart, code_of, slice_out, zseg_result, SliceItems, Written};
use crate::batch::{BatchOptions, Failure, Outcome};
use crate::error::{Error, ErrorKind, Result};

/// Progress callback: `items_done` of `items_total` are finished. Return nonzero to cancel.
pub type zseg_progress_fn =
    Option<unsafe extern "C" fn(items_done: u64, items_total: u64, ctx: *mut c_void) -> c_int>;

/// Options of a batch call. Initialize with `zseg_batch_options_init`, then set fields: new
/// fields are only ever appended, and the library reads only the first `size` bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct zseg_batch_options {
    /// `sizeof(zseg_batch_options)` as the caller knows it (set by `zseg_batch_options_init`).
    pub size: usize,
    /// 0 or 1: the calling thread only; N > 1: up to N threads at work (never more than the
    /// machine's CPUs, fewer for small batches): the calling thread and N - 1 threads of the
    /// library's pool, or N pool threads while the calling thread reports progress when
    /// `progress` is set; < 0: one per CPU. Output bytes never depend on it. The pool (one
    /// thread per CPU, started by the first parallel batch, kept for the process lifetime) is
    /// shared by all batches, whatever their N: a batch takes only pool threads that are free,
    /// when it starts and (unless it reports progress) as more come free while it runs; with
    /// none free it runs on the calling thread. It never waits for another batch.
    pub threads: i32,
    /// NULL: the first failing item fails the call. Otherwise an array of one entry per item:
    /// the batch keeps going, each entry receives its item's result (`ZSEG_OK` or the error),
    /// failed items get an empty segment, and the call returns `ZSEG_ERR_PARTIAL` if any failed.
    /// Written only when the call returns `ZSEG_OK` or `ZSEG_ERR_PARTIAL`: a failure of the call
    /// as a whole (a NULL argument, a limit on the whole batch, an allocation failure,
    /// cancellation) is the call's result in this mode too.
    pub item_results: *mut zseg_result,
    /// Called on the thread that made the batch call (never concurrently) as items finish, with
    /// `items_done` never more than 64 past the previous call's (a report also falls due every
    /// 16 MiB of items), and once at the end with `items_done == items_total` (so an empty
    /// batch gets one call, with 0 and 0). When workers run the batch, the reports that fell
    /// due while the calling thread waited are made when it wakes, one after the other: each
    /// `items_done` is then a count of items certainly finished, not the latest. A batch of n
    /// items thus makes at least n / 64 calls however slow they are: keep the callback short
    /// (say, store the counts for another thread to show). Returning nonzero from any call, the
    /// last included, cancels the batch: it returns `ZSEG_ERR_CANCELLED` (which wins over
    /// `ZSEG_ERR_PARTIAL`), the callback is not called again, and no output is handed back.
    /// The callback may call the library, other batches included, but not change or free the
    /// compressor or decompressor its batch runs on (refused) nor free its batch's input.
    /// NULL: no reports.
    pub progress: zseg_progress_fn,
    /// Passed to `progress` unchanged.
    pub progress_ctx: *mut c_void,
}

const DEFAULTS: zseg_batch_options = zseg_batch_options {
    size: size_of::<zseg_batch_options>(),
    threads: 0,
    item_results: std::ptr::null_mut(),
    progress: None,
    progress_ctx: std::ptr::null_mut(),
};

/// Sets `*opts` to the defaults: `size` = `sizeof(zseg_batch_options)`, `threads` 0, all
/// pointers NULL. NULL is a no-op. Thread-safe. It writes the struct as this library knows it:
/// a program that may run with a newer libzseg than the header it was built with (whose struct
/// may have grown) sets `size = sizeof(zseg_batch_options)` and zeroes the rest itself instead.
#[no_mangle]
pub extern "C" fn zseg_batch_options_init(opts: *mut zseg_batch_options) {
    if !opts.is_null() {
        super::put(opts, DEFAULTS);
    }
}

/// Reads the caller's options: NULL means defaults; only fields wholly inside `size` are read.
///
/// # Safety
/// A non-NULL `opts` must be readable for `min(opts->size, sizeof)` bytes.
unsafe fn read(opts: *const zseg_batch_options) -> Result<zseg_batch_options> {
    if opts.is_null() {
        return Ok(DEFAULTS);
    }
    // SAFETY: `size` is the first field, always present.
    let size = unsafe { opts.cast::<usize>().read_unaligned() };
    let has = |offset: usize, len: usize| offset + len <= size;
    if !has(offset_of!(zseg_batch_options, threads), size_of::<i32>()) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("options size {size} is too small: call zseg_batch_options_init"),
        ));
    }
    // SAFETY: each field is read only when the caller's `size` says it is there.
    let field = |offset: usize, len: usize| {
        has(offset, len).then(|| unsafe { opts.cast::<u8>().add(offset) })
    };
    let mut o = DEFAULTS;
    // SAFETY: the offsets and types are this struct's own; reads are unaligned-safe.
    unsafe {
        if let Some(p) = field(offset_of!(zseg_batch_options, threads), size_of::<i32>()) {
            o.threads = p.cast::<i32>().read_unaligned();
        }
        if let Some(p) = field(
            offset_of!(zseg_batch_options, item_results),
            size_of::<usize>(),
        ) {
            o.item_results = p.cast::<*mut zseg_result>().read_unaligned();
        }
        if let Some(p) = field(offset_of!(zseg_batch_options, progress), size_of::<usize>()) {
            o.progress = p.cast::<zseg_progress_fn>().read_unaligned();
        }
        if let Some(p) = field(
            offset_of!(zseg_batch_options, progress_ctx),
            size_of::<usize>(),
        ) {
            o.progress_ctx = p.cast::<*mut c_void>().read_unaligned();
        }
    }
    Ok(o)
}

/// Runs a batch of `n` items with the caller's options: `body` does the work, `deliver` writes
/// the output through the caller's out-pointers (on success or partial success only). With
/// `apart`, the items of a call that writes caller memory and that memory (`item_results`
/// added), which must not overlap.
pub(super) fn run<T>(
    opts: *const zseg_batch_options,
    n: usize,
    apart: Option<(&SliceItems, &[Written])>,
    body: impl FnOnce(&mut BatchOptions) -> Result<Outcome<T>>,
    deliver: impl FnOnce(T) -> Result<()>,
) -> Result<()> {
    // SAFETY: a non-NULL opts is the caller's options struct of at least `size` bytes.
    let o = unsafe { read(opts)? };
    // SAFETY: a non-NULL item_results has n writable entries (the documented contract).
    let results = match o.item_results.is_null() {
        true => None,
        false => Some(unsafe { slice_out(o.item_results, n, "item_results")? }),
    };
    if let Some((items, written)) = apart {
        let results = results
            .as_ref()
            .map(|r| Written::of("item_results", r.as_ptr(), n));
        let all: Vec<Written> = written.iter().copied().chain(results).collect();
        check_apart(&all, items)?;
    }
    let mut callback = |done: u64, total: u64| match o.progress {
        // SAFETY: the caller's callback with the caller's context, on the calling thread.
        Some(cb) => (unsafe { cb(done, total, o.progress_ctx) }) == 0,
        None => true,
    };
    let mut batch = BatchOptions {
        threads: o.threads,
        keep_going: results.is_some(),
        progress: o.progress.is_some().then_some(&mut callback as _),
    };
    let Outcome { output, failures } = body(&mut batch)?;
    if let Some(results) = results {
        results.iter_mut().for_each(|r| {
            r.write(zseg_result::ZSEG_OK);
        });
        for f in &failures {
            if let Some(r) = results.get_mut(f.item as usize) {
                r.write(code_of(f.kind));
            }
        }
    }
    deliver(output)?;
    let count = failures.len();
    match failures.into_iter().next().map(Failure::into_error) {
        None => Ok(()),
        Some(first) => Err(Error {
            kind: ErrorKind::Partial,
            message: format!("{count} of {n} items failed; first: {first}").into(),
            ..first
        }),
    }
}
