//! A read-only memory mapping of a whole file, used as buffer storage.
//!
//! Like `zstd.rs` for zstd, this is the one module that calls the operating system's `mmap`;
//! it also holds the other hints about memory (huge pages, giving pages back, prefetch).

use std::fs::File;
use std::mem::MaybeUninit;
use std::os::fd::AsRawFd;
use std::ptr::NonNull;
use std::sync::OnceLock;

/// A private, read-only mapping of a file; unmapped on drop.
pub struct Mmap {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is read-only and owned; any thread may read it.
unsafe impl Send for Mmap {}
// SAFETY: as above; nothing mutates it.
unsafe impl Sync for Mmap {}

impl Mmap {
    /// Maps all of `file` (an empty file gives an empty mapping).
    pub fn map(file: &File) -> std::io::Result<Self> {
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| std::io::Error::other("file too large to map"))?;
        if len == 0 {
            return Ok(Mmap {
                ptr: NonNull::dangling(),
                len: 0,
            });
        }
        // SAFETY: a fresh private read-only mapping of an open descriptor; the result is checked.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        let ptr =
            NonNull::new(p.cast::<u8>()).ok_or_else(|| std::io::Error::other("mmap gave NULL"))?;
        Ok(Mmap { ptr, len })
    }
}

impl AsRef<[u8]> for Mmap {
    fn as_ref(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: the mapping is len readable bytes, alive until drop. (Another process truncating
        // the file can raise SIGBUS, as with any mapped file; documented in the header.)
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for Mmap {
    fn drop(&mut self) {
        if self.len != 0 {
            // SAFETY: unmapping exactly the region mapped in `map`, once.
            unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
        }
    }
}

/// Applies `advice` to the whole `align`-sized blocks inside `region` (memory this process owns
/// and that the caller holds exclusively). Advisory: errors are ignored.
fn advise(region: &mut [MaybeUninit<u8>], align: usize, advice: libc::c_int) {
    let start = region.as_mut_ptr() as usize;
    let end = start + region.len();
    let (first, last) = (start.next_multiple_of(align), end / align * align);
    if first < last {
        // SAFETY: [first, last) lies inside `region`, which the caller borrows exclusively. The
        // advice used here changes how those pages are backed (MADV_HUGEPAGE) or drops them so
        // they read back as zeros (MADV_DONTNEED): any bytes are valid `MaybeUninit<u8>`, and
        // memory outside the range is never affected.
        unsafe { libc::madvise(first as *mut libc::c_void, last - first, advice) };
    }
}

/// Asks the kernel to back `region` with transparent huge pages (its 2 MiB-aligned part), so
/// that first touches fault once per 2 MiB instead of once per 4 KiB.
pub fn advise_huge_pages(region: &mut [MaybeUninit<u8>]) {
    advise(region, 2 << 20, libc::MADV_HUGEPAGE);
}

/// The system's page size, read once.
fn page_size() -> usize {
    static PAGE: OnceLock<usize> = OnceLock::new();
    // SAFETY: sysconf has no preconditions; a failure (-1) falls back to 4 KiB.
    *PAGE.get_or_init(|| {
        usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096)
    })
}

/// Gives the whole pages of `v`'s unused capacity back to the kernel (`MADV_DONTNEED`), so that
/// they stop counting as resident memory; `v` keeps its contents and its capacity, so a later
/// batch that needs that much room can still reuse it, faulting in only the pages it touches
/// beyond `v`'s current length.
pub fn release_spare(v: &mut Vec<u8>) {
    advise(v.spare_capacity_mut(), page_size(), libc::MADV_DONTNEED);
}

/// How many items ahead of the one it reads a pass over scattered items prefetches (see
/// [`prefetch`]): enough to cover a miss to memory, few enough to stay in the cache.
pub(crate) const PREFETCH_AHEAD: usize = 16;

/// Asks the CPU to start loading the cache line that holds the first byte of `bytes`, so that a
/// pass touching one line each of many scattered items overlaps their cache misses instead of
/// waiting for each in turn. A hint only: it does nothing elsewhere than on x86-64.
#[inline]
pub fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    if !bytes.is_empty() {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE is part of x86-64; a prefetch never faults and changes no memory, and the
        // address is inside a live slice anyway.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(bytes.as_ptr().cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many of the whole pages in `[start, end)` are resident.
    fn resident_pages(start: usize, end: usize) -> usize {
        let page = page_size();
        let (first, last) = (start.next_multiple_of(page), end / page * page);
        let mut flags = vec![0u8; (last - first) / page];
        // SAFETY: [first, last) is page-aligned memory of the caller's live allocation, and
        // `flags` has one byte per page, as mincore requires.
        let ret =
            unsafe { libc::mincore(first as *mut libc::c_void, last - first, flags.as_mut_ptr()) };
        assert_eq!(ret, 0, "mincore failed");
        flags.iter().filter(|&&f| f & 1 == 1).count()
    }

    #[test]
    fn released_spare_pages_stop_being_resident_while_contents_and_capacity_stay() {
        let page = page_size();
        let mut v: Vec<u8> = Vec::with_capacity(64 * page);
        v.resize(64 * page, 7); // every page touched
        v.truncate(page + 10);
        let capacity = v.capacity();
        let (start, end) = (
            v.as_ptr() as usize + v.len(),
            v.as_ptr() as usize + capacity,
        );
        assert!(resident_pages(start, end) >= 60, "the pages were touched");
        release_spare(&mut v);
        assert_eq!(resident_pages(start, end), 0);
        assert_eq!(v.capacity(), capacity);
        assert!(v.iter().all(|&b| b == 7));
        v.resize(64 * page, 9); // the released pages are usable again
        assert!(v[page + 10..].iter().all(|&b| b == 9));
    }
}
