//! `Buffer`: one contiguous byte buffer plus `{offset, length}` segments, validated once.

use crate::error::{Error, ErrorKind, Result};

/// One item of a buffer: `length` bytes at `offset`. 16 bytes, native byte order, the same
/// layout as python-zstandard's segments.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Segment {
    /// Byte offset of the item in the buffer's data.
    pub offset: u64,
    /// Length of the item in bytes.
    pub length: u64,
}

/// Bytes a buffer reads from: owned (`Vec<u8>`) or borrowed memory kept alive by its owner.
pub type Storage = Box<dyn AsRef<[u8]> + Send + Sync>;

/// Immutable bytes plus segments that all lie inside them.
pub struct Buffer {
    data: Storage,
    segments: Vec<Segment>,
    content_size: u64,
}

impl Buffer {
    /// Wraps `data` and `segments`, checking every segment lies inside `data`
    /// (`ErrorKind::SegmentBounds`, naming the first bad segment).
    pub fn new(data: Storage, segments: Vec<Segment>) -> Result<Self> {
        check_segments(&segments, (*data).as_ref().len())?;
        Ok(Self::from_valid(data, segments))
    }

    /// Wraps `data` whose segments were already checked with [`check_segments`] (or are
    /// correct by construction).
    pub(crate) fn from_valid(data: Storage, segments: Vec<Segment>) -> Self {
        let size = (*data).as_ref().len() as u64;
        debug_assert!(segments.iter().all(|s| s.fits(size)));
        let content_size = segments
            .iter()
            .fold(0u64, |sum, s| sum.saturating_add(s.length));
        Buffer {
            data,
            segments,
            content_size,
        }
    }

    /// A buffer that owns a copy-free `Vec` of data.
    pub fn from_vec(data: Vec<u8>, segments: Vec<Segment>) -> Result<Self> {
        Self::new(Box::new(data), segments)
    }

    /// All bytes of the buffer.
    pub fn data(&self) -> &[u8] {
        (*self.data).as_ref()
    }

    /// The segments, in the order given.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Number of segments.
    pub fn count(&self) -> usize {
        self.segments.len()
    }

    /// Sum of all segment lengths (saturating).
    pub fn content_size(&self) -> u64 {
        self.content_size
    }

    /// Item `i`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        self.segments.get(i).map(|s| self.slice(s))
    }

    fn slice(&self, s: &Segment) -> &[u8] {
        // In bounds: every segment was checked against the data when the buffer was built.
        &self.data()[s.offset as usize..(s.offset + s.length) as usize]
    }
}

/// Checks every segment lies inside `size` bytes (`ErrorKind::SegmentBounds`, naming the first
/// bad segment).
pub fn check_segments(segments: &[Segment], size: usize) -> Result<()> {
    let size = size as u64;
    match segments.iter().position(|s| !s.fits(size)) {
        None => Ok(()),
        Some(bad) => {
            let s = segments[bad];
            Err(Error::new(
                ErrorKind::SegmentBounds,
                format!(
                    "segment {bad} (offset {}, length {}) is outside the buffer of {size} bytes",
                    s.offset, s.length
                ),
            )
            .at(bad))
        }
    }
}

impl Segment {
    /// Whether `offset + length <= size`, without overflow.
    pub fn fits(&self, size: u64) -> bool {
        self.offset
            .checked_add(self.length)
            .is_some_and(|end| end <= size)
    }
}

impl std::fmt::Debug for Buffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buffer")
            .field("size", &self.data().len())
            .field("count", &self.count())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(offset: u64, length: u64) -> Segment {
        Segment { offset, length }
    }

    #[test]
    fn overflowing_segment_is_out_of_bounds() {
        let err = Buffer::from_vec(vec![0; 10], vec![seg(0, 1), seg(u64::MAX, 2)]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::SegmentBounds);
        assert_eq!(err.item, Some(1));
    }

    #[test]
    fn segment_ending_exactly_at_the_end_is_valid() {
        let b = Buffer::from_vec(b"hello".to_vec(), vec![seg(0, 5), seg(5, 0)]).unwrap();
        assert_eq!(b.get(0), Some(&b"hello"[..]));
        assert_eq!(b.get(1), Some(&b""[..]));
        assert_eq!(b.get(2), None);
        assert!(Buffer::from_vec(b"hello".to_vec(), vec![seg(1, 5)]).is_err());
    }

    #[test]
    fn overlapping_and_unordered_segments_read_their_bytes() {
        let b =
            Buffer::from_vec(b"abcdef".to_vec(), vec![seg(3, 3), seg(0, 4), seg(2, 2)]).unwrap();
        let items: Vec<&[u8]> = (0..3).map(|i| b.get(i).unwrap()).collect();
        assert_eq!(items, [&b"def"[..], b"abcd", b"cd"]);
        assert_eq!(b.content_size(), 9);
    }
}
