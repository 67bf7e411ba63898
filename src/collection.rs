//! `Collection`: an ordered list of shared buffers addressed by one global item index.

use std::sync::Arc;

use crate::buffer::Buffer;
use crate::error::{Error, Result};

/// Buffers in order; global item `i` is found in O(log buffers) through prefix counts.
#[derive(Debug, Default)]
pub struct Collection {
    buffers: Vec<Arc<Buffer>>,
    /// `starts[b]` is the global index of buffer `b`'s first item; one extra entry holds the
    /// total count.
    starts: Vec<usize>,
    content_size: u64,
}

impl Collection {
    /// A collection of `buffers`, shared (not copied).
    pub fn new(buffers: Vec<Arc<Buffer>>) -> Result<Self> {
        let mut starts = Vec::new();
        starts
            .try_reserve_exact(buffers.len() + 1)
            .map_err(|_| Error::alloc("collection index"))?;
        let mut total = 0usize;
        let mut content_size = 0u64;
        for b in &buffers {
            starts.push(total);
            total += b.count();
            content_size = content_size.saturating_add(b.content_size());
        }
        starts.push(total);
        Ok(Collection {
            buffers,
            starts,
            content_size,
        })
    }

    /// Number of items in all buffers.
    pub fn count(&self) -> usize {
        *self.starts.last().unwrap_or(&0)
    }

    /// Sum of all segment lengths (saturating).
    pub fn content_size(&self) -> u64 {
        self.content_size
    }

    /// The buffers, in order.
    pub fn buffers(&self) -> &[Arc<Buffer>] {
        &self.buffers
    }

    /// Global item `i`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        if i >= self.count() {
            return None;
        }
        // The last buffer whose first index is <= i; empty buffers before it share its start.
        let b = self.starts.partition_point(|&start| start <= i) - 1;
        self.buffers[b].get(i - self.starts[b])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buffer::Segment;

    fn buffer(items: &[&[u8]]) -> Arc<Buffer> {
        let mut data = Vec::new();
        let mut segments = Vec::new();
        for item in items {
            segments.push(Segment {
                offset: data.len() as u64,
                length: item.len() as u64,
            });
            data.extend_from_slice(item);
        }
        Arc::new(Buffer::from_vec(data, segments).unwrap())
    }

    #[test]
    fn global_index_crosses_empty_buffers() {
        let c = Collection::new(vec![
            buffer(&[]),
            buffer(&[b"a", b"bb"]),
            buffer(&[]),
            buffer(&[]),
            buffer(&[b"ccc"]),
            buffer(&[]),
        ])
        .unwrap();
        assert_eq!(c.count(), 3);
        assert_eq!(c.content_size(), 6);
        let items: Vec<&[u8]> = (0..3).map(|i| c.get(i).unwrap()).collect();
        assert_eq!(items, [&b"a"[..], b"bb", b"ccc"]);
        assert_eq!(c.get(3), None);
    }

    #[test]
    fn empty_collection_has_no_items() {
        let c = Collection::new(Vec::new()).unwrap();
        assert_eq!(c.count(), 0);
        assert_eq!(c.get(0), None);
    }
}
