//! Output memory recycled between batches.
//!
//! Fresh memory costs a page fault (and the kernel zeroing the page) on first touch, which for
//! fast decompression is a large share of the work. Output buffers freed by the caller are kept
//! here, up to [`POOL_BYTES`] in all, and handed to the next batch, whose writes then land on
//! pages that are already mapped.

use std::sync::Mutex;

use crate::batch::lock;
use crate::error::{Error, Result};

/// Most bytes of freed output kept for reuse.
pub const POOL_BYTES: usize = 64 << 20;

static POOL: Mutex<Pool> = Mutex::new(Pool {
    free: Vec::new(),
    bytes: 0,
});

struct Pool {
    free: Vec<Vec<u8>>,
    bytes: usize,
}

/// An empty vector with room for at least `capacity` bytes: recycled when one fits without
/// wasting more than half of it, else newly allocated (`Alloc` if that fails).
pub fn take(capacity: usize) -> Result<Vec<u8>> {
    {
        let mut pool = lock(&POOL);
        let fits = |v: &Vec<u8>| v.capacity() >= capacity && v.capacity() / 2 <= capacity;
        if let Some(i) = pool.free.iter().position(fits) {
            let v = pool.free.swap_remove(i);
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
        v.clear();
        if v.capacity() == 0 || v.capacity() > POOL_BYTES {
            return;
        }
        let mut pool = lock(&POOL);
        // The newest buffers are the likeliest to fit the next batch: evict the oldest.
        pool.bytes += v.capacity();
        pool.free.push(v);
        while pool.bytes > POOL_BYTES {
            let old = pool.free.remove(0);
            pool.bytes -= old.capacity();
            drop(old);
        }
    }
}
