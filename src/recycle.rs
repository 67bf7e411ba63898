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

static POOL: Mutex<Pool> = Mutex::new(Pool {
    free: VecDeque::new(),
    bytes: 0,
});

struct Pool {
    free: VecDeque<Vec<u8>>,
    bytes: usize,
}

/// An empty vector with room for at least `capacity` bytes: recycled when one fits without
/// wasting more than a quarter of it, else newly allocated (`Alloc` if that fails).
pub fn take(capacity: usize) -> Result<Vec<u8>> {
    if capacity >= MIN_BYTES {
        let mut pool = lock(&POOL);
        let fits = |v: &Vec<u8>| (capacity..=capacity + capacity / 4).contains(&v.capacity());
        if let Some(i) = pool.free.iter().position(fits) {
            let v = pool.free.swap_remove_back(i).expect("found above");
            pool.bytes -= v.capacity();
            return Ok(v);
        }
    }
    let mut v = Vec::new();
    v.try_reserve_exact(capacity)
        .map_err(|_| Error::alloc(&format!("{capacity} bytes of output")))?;
    crate::mmap::advise_huge_pages(v.spare_capacity_mut());
    Ok(v)
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
        let mut v = std::mem::take(&mut self.0);
        if !(MIN_BYTES..=POOL_BYTES).contains(&v.capacity()) {
            return;
        }
        v.clear();
        let mut pool = lock(&POOL);
        pool.bytes += v.capacity();
        pool.free.push_back(v);
        while pool.bytes > POOL_BYTES {
            let oldest = pool.free.pop_front().expect("bytes > 0 means entries");
            pool.bytes -= oldest.capacity();
        }
    }
}
