//! Large output buffers recycled between batches.
//!
//! Fresh memory costs a page fault (and the kernel zeroing the page) on first touch, which for
//! fast decompression is a large share of the work. Output chunks of at least [`MIN_BYTES`]
//! freed by the caller are kept here, at most [`POOL_BYTES`] in all (oldest evicted first), and
//! handed to the next batch, whose writes then land on pages that are already mapped. Smaller
//! buffers are left to the allocator, which reuses them well by itself.

use std::collections::VecDeque;
use std::sync::Mutex;

use crate::batch::lock;
use crate::error::{Error, Result};

/// Smallest buffer worth keeping.
pub(crate) const MIN_BYTES: usize = 1 << 20;
/// Most bytes of freed output kept for reuse.
pub(crate) const POOL_BYTES: usize = 32 << 20;

static POOL: Mutex<Pool> = Mutex::new(Pool::new());

/// Freed buffers, oldest first.
struct Pool {
    free: VecDeque<Vec<u8>>,
    bytes: usize,
}

impl Pool {
    const fn new() -> Self {
        Pool {
            free: VecDeque::new(),
            bytes: 0,
        }
    }

    /// A kept buffer with room for `capacity` bytes, wasting at most a quarter of it.
    fn take(&mut self, capacity: usize) -> Option<Vec<u8>> {
        let fits = |v: &Vec<u8>| (capacity..=capacity + capacity / 4).contains(&v.capacity());
        let v = self
            .free
            .swap_remove_back(self.free.iter().position(fits)?)?;
        self.bytes -= v.capacity();
        Some(v)
    }

    /// Keeps `v` if it is worth it, evicting the oldest buffers beyond [`POOL_BYTES`].
    fn give(&mut self, mut v: Vec<u8>) {
        if !(MIN_BYTES..=POOL_BYTES).contains(&v.capacity()) {
            return;
        }
        v.clear();
        self.bytes += v.capacity();
        self.free.push_back(v);
        while self.bytes > POOL_BYTES {
            let oldest = self.free.pop_front().expect("bytes > 0 means entries");
            self.bytes -= oldest.capacity();
        }
    }
}

/// An empty vector with room for at least `capacity` bytes: recycled when one fits, else newly
/// allocated (`Alloc` if that fails).
pub fn take(capacity: usize) -> Result<Vec<u8>> {
    // Small requests are left to the allocator, as small buffers are in `give`.
    if capacity >= MIN_BYTES {
        if let Some(v) = lock(&POOL).take(capacity) {
            return Ok(v);
        }
    }
    let mut v = Vec::new();
    v.try_reserve_exact(capacity)
        .map_err(|_| Error::alloc(&format!("{capacity} bytes of output")))?;
    crate::mmap::advise_huge_pages(v.spare_capacity_mut());
    Ok(v)
}

/// Gives `v` back for reuse (kept when it is large enough, else freed).
pub fn give(v: Vec<u8>) {
    if v.capacity() >= MIN_BYTES {
        lock(&POOL).give(v);
    }
}

/// Output bytes that go back to the pool when their buffer is freed.
pub struct Recycled(pub Vec<u8>);

impl AsRef<[u8]> for Recycled {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Recycled {
    fn drop(&mut self) {
        give(std::mem::take(&mut self.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_buffers_are_left_to_the_allocator() {
        let mut pool = Pool::new();
        pool.give(Vec::with_capacity(MIN_BYTES - 1));
        assert_eq!((pool.free.len(), pool.bytes), (0, 0));
        assert!(pool.take(100).is_none());
    }

    #[test]
    fn a_kept_buffer_serves_a_request_of_about_its_size() {
        let mut pool = Pool::new();
        let v: Vec<u8> = Vec::with_capacity(4 << 20);
        let ptr = v.as_ptr();
        pool.give(v);
        assert!(pool.take(2 << 20).is_none(), "would waste half of it");
        assert!(pool.take(5 << 20).is_none(), "too small");
        assert_eq!(pool.take(4 << 20).map(|v| v.as_ptr()), Some(ptr));
        assert_eq!(pool.bytes, 0);
    }

    #[test]
    fn the_pool_never_holds_more_than_its_cap_and_evicts_the_oldest() {
        let mut pool = Pool::new();
        let oldest = (3 << 20) + 1;
        pool.give(Vec::with_capacity(oldest));
        for _ in 0..20 {
            pool.give(Vec::with_capacity(3 << 20));
            assert!(pool.bytes <= POOL_BYTES);
        }
        assert_eq!(
            pool.bytes,
            pool.free.iter().map(Vec::capacity).sum::<usize>()
        );
        assert!(pool.free.iter().all(|v| v.capacity() != oldest));
    }
}
