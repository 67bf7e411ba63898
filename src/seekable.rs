//! Files in zstd's seekable format: the frames of a collection back to back, then a seek table
//! in a skippable frame, so any zstd decoder reads the whole file and any seekable reader finds
//! frame `i` directly.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::buffer::{Buffer, Segment, Storage};
use crate::collection::Collection;
use crate::error::{Error, ErrorKind, Result};
use crate::mmap::Mmap;
use crate::zstd;

const SKIPPABLE_MAGIC: u32 = 0x184D_2A5E;
const SEEKABLE_MAGIC: u32 = 0x8F92_EAB1;
const FOOTER: usize = 9;
const SKIPPABLE_HEADER: usize = 8;
/// Most frames a seek table may hold (zstd's `ZSTD_SEEKABLE_MAXFRAMES`).
pub const MAX_FRAMES: usize = 0x800_0000;
const CHECKSUM_FLAG: u8 = 0x80;
const RESERVED_BITS: u8 = 0x7C;

/// An opened seekable file: its frames as a zero-copy buffer and their decompressed sizes.
#[derive(Debug)]
pub struct Seekable {
    frames: Arc<Buffer>,
    sizes: Vec<u64>,
    checksums: Option<Vec<u32>>,
}

fn corrupt(message: String) -> Error {
    Error::new(ErrorKind::Zstd, message)
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("{what} {}: {e}", path.display()))
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

impl Seekable {
    /// Maps the file at `path` read-only and validates its seek table.
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| io_error("cannot open", path, e))?;
        let map = Mmap::map(&file).map_err(|e| io_error("cannot map", path, e))?;
        Self::parse(Box::new(map))
    }

    /// Validates the seek table at the end of `data` and indexes its frames; nothing outside
    /// `data` is ever read.
    pub fn parse(data: Storage) -> Result<Self> {
        let bytes = (*data).as_ref();
        let len = bytes.len();
        if len < FOOTER + SKIPPABLE_HEADER {
            return Err(corrupt(format!(
                "{len} bytes are too few for a seekable zstd file (no seek table)"
            )));
        }
        if le32(bytes, len - 4) != SEEKABLE_MAGIC {
            return Err(corrupt(
                "not a seekable zstd file: wrong seek table footer magic".into(),
            ));
        }
        let descriptor = bytes[len - 5];
        if descriptor & RESERVED_BITS != 0 {
            return Err(corrupt(format!(
                "seek table descriptor {descriptor:#04x} has reserved bits set"
            )));
        }
        let checksums = descriptor & CHECKSUM_FLAG != 0;
        let n = le32(bytes, len - FOOTER) as usize;
        if n > MAX_FRAMES {
            return Err(corrupt(format!(
                "seek table claims {n} frames, more than {MAX_FRAMES}"
            )));
        }
        let entry = if checksums { 12 } else { 8 };
        let table = n * entry + FOOTER;
        if table + SKIPPABLE_HEADER > len {
            return Err(corrupt(format!(
                "truncated seek table: {n} entries need {} bytes, the file has {len}",
                table + SKIPPABLE_HEADER
            )));
        }
        let start = len - table - SKIPPABLE_HEADER;
        if le32(bytes, start) != SKIPPABLE_MAGIC || le32(bytes, start + 4) as usize != table {
            return Err(corrupt(
                "seek table is not a well-formed skippable frame of the declared size".into(),
            ));
        }
        let mut segments = Vec::new();
        let mut sizes = Vec::new();
        let mut sums = Vec::new();
        if segments.try_reserve_exact(n).is_err() || sizes.try_reserve_exact(n).is_err() {
            return Err(Error::alloc("seek table index"));
        }
        let mut offset = 0u64;
        for (i, e) in bytes[start + SKIPPABLE_HEADER..start + SKIPPABLE_HEADER + n * entry]
            .chunks_exact(entry)
            .enumerate()
        {
            let length = u64::from(le32(e, 0));
            if offset + length > start as u64 {
                return Err(Error::new(
                    ErrorKind::SegmentBounds,
                    format!("seek table entry {i} points past the {start} bytes of frames"),
                )
                .at(i));
            }
            segments.push(Segment { offset, length });
            sizes.push(u64::from(le32(e, 4)));
            if checksums {
                sums.push(le32(e, 8));
            }
            offset += length;
        }
        if offset != start as u64 {
            return Err(corrupt(format!(
                "seek table frames add up to {offset} bytes, the file has {start} bytes of frames"
            )));
        }
        Ok(Seekable {
            frames: Arc::new(Buffer::from_valid(data, segments)),
            sizes,
            checksums: checksums.then_some(sums),
        })
    }

    /// The frames, zero-copy: segment `i` is frame `i`.
    pub fn frames(&self) -> &Arc<Buffer> {
        &self.frames
    }

    /// Decompressed size of every frame, from the seek table.
    pub fn sizes(&self) -> &[u64] {
        &self.sizes
    }

    /// Per-frame checksums (low 32 bits of XXH64 of the content), if the table has them.
    pub fn checksums(&self) -> Option<&[u32]> {
        self.checksums.as_deref()
    }
}

/// Writes `frames` (item `i` = frame `i`) to `path` as a seekable zstd file, atomically:
/// written to a temporary file in the same directory, synced, then renamed over `path`.
/// With `checksums`, each frame must carry a zstd checksum, which the table repeats.
pub fn write(frames: &Collection, path: &Path, checksums: bool) -> Result<()> {
    let table = seek_table(frames, checksums)?;
    let tmp = temporary_path(path);
    let result = (|| {
        let mut f = File::create(&tmp).map_err(|e| io_error("cannot create", &tmp, e))?;
        let fail = |e| io_error("cannot write", &tmp, e);
        for b in frames.buffers() {
            for s in b.segments() {
                f.write_all(&b.data()[s.offset as usize..(s.offset + s.length) as usize])
                    .map_err(fail)?;
            }
        }
        f.write_all(&table).map_err(fail)?;
        f.sync_all().map_err(fail)?;
        std::fs::rename(&tmp, path).map_err(|e| io_error("cannot rename to", path, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn temporary_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(
        ".zseg-tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    path.with_file_name(name)
}

/// The skippable frame holding the seek table of `frames`.
fn seek_table(frames: &Collection, checksums: bool) -> Result<Vec<u8>> {
    let n = frames.count();
    if n > MAX_FRAMES {
        return Err(Error::new(
            ErrorKind::Limit,
            format!("{n} frames: the seekable format holds at most {MAX_FRAMES}"),
        ));
    }
    let entry = if checksums { 12 } else { 8 };
    let table_len = n * entry + FOOTER;
    let mut t = Vec::new();
    t.try_reserve_exact(SKIPPABLE_HEADER + table_len)
        .map_err(|_| Error::alloc("seek table"))?;
    t.extend_from_slice(&SKIPPABLE_MAGIC.to_le_bytes());
    t.extend_from_slice(&(table_len as u32).to_le_bytes());
    for i in 0..n {
        let frame = frames.get(i).unwrap_or_default();
        let fail = |e: Error| e.at(i);
        let h = zstd::frame_header(frame, false)
            .map_err(|_| fail(corrupt("not a complete standard zstd frame".into())))?;
        let size = h.content_size.ok_or_else(|| {
            fail(Error::new(
                ErrorKind::NoContentSize,
                "the frame records no content size, which the seek table needs",
            ))
        })?;
        let too_big = |what: &str, v: u64| {
            fail(Error::new(
                ErrorKind::Limit,
                format!("{what} {v} bytes: the seekable format stores at most 4 GiB - 1"),
            ))
        };
        let csize =
            u32::try_from(frame.len()).map_err(|_| too_big("frame of", frame.len() as u64))?;
        let dsize = u32::try_from(size).map_err(|_| too_big("item of", size))?;
        t.extend_from_slice(&csize.to_le_bytes());
        t.extend_from_slice(&dsize.to_le_bytes());
        if checksums {
            if !h.checksum || frame.len() < 4 {
                return Err(fail(Error::new(
                    ErrorKind::InvalidArgument,
                    "the frame has no checksum: compress with ZSEG_CPARAM_CHECKSUM",
                )));
            }
            t.extend_from_slice(&frame[frame.len() - 4..]);
        }
    }
    t.extend_from_slice(&(n as u32).to_le_bytes());
    t.push(if checksums { CHECKSUM_FLAG } else { 0 });
    t.extend_from_slice(&SEEKABLE_MAGIC.to_le_bytes());
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::BatchOptions;
    use crate::compress::{CParam, Compressor};
    use crate::corpus;
    use crate::decompress::Decompressor;

    fn frames(items: &[Vec<u8>], checksum: bool) -> Collection {
        let mut c = Compressor::new(3).unwrap();
        c.set_param(CParam::Checksum, i64::from(checksum)).unwrap();
        let views: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
        c.compress(&views[..], &mut BatchOptions::default())
            .unwrap()
            .output
    }

    fn file_bytes(items: &[Vec<u8>], checksum: bool) -> Vec<u8> {
        let dir =
            std::env::temp_dir().join(format!("zseg-seekable-{}-{checksum}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.zst");
        write(&frames(items, checksum), &path, checksum).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let s = Seekable::open(&path).unwrap();
        assert_eq!(s.frames().count(), items.len());
        std::fs::remove_dir_all(&dir).unwrap();
        bytes
    }

    #[test]
    fn written_files_reopen_to_the_same_items() {
        let mut items = corpus::json_records(500, 1);
        items.insert(3, Vec::new());
        for checksum in [false, true] {
            let bytes = file_bytes(&items, checksum);
            let s = Seekable::parse(Box::new(bytes)).unwrap();
            assert_eq!(
                s.sizes(),
                items.iter().map(|i| i.len() as u64).collect::<Vec<_>>()
            );
            assert_eq!(s.checksums().is_some(), checksum);
            let out = Decompressor::new()
                .decompress(&**s.frames(), Some(s.sizes()), &mut BatchOptions::default())
                .unwrap()
                .output;
            for (i, item) in items.iter().enumerate() {
                assert_eq!(out.get(i).unwrap(), &item[..]);
            }
        }
    }

    #[test]
    fn checksums_need_checksummed_frames() {
        let f = frames(&corpus::json_records(3, 2), false);
        let err = seek_table(&f, true).unwrap_err();
        assert_eq!((err.kind, err.item), (ErrorKind::InvalidArgument, Some(0)));
    }

    #[test]
    fn damaged_tables_are_rejected_without_reading_outside() {
        let good = file_bytes(&corpus::json_records(20, 3), true);
        let n = good.len();
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", Vec::new()),
            ("truncated footer", good[..n - 3].to_vec()),
            ("truncated table", good[n - 40..].to_vec()),
            ("wrong magic", {
                let mut b = good.clone();
                b[n - 1] ^= 1;
                b
            }),
            ("reserved bits", {
                let mut b = good.clone();
                b[n - 5] |= 0x10;
                b
            }),
            ("count overflows", {
                let mut b = good.clone();
                b[n - 9..n - 5].copy_from_slice(&u32::MAX.to_le_bytes());
                b
            }),
            ("count too large for the file", {
                let mut b = good.clone();
                b[n - 9..n - 5].copy_from_slice(&1000u32.to_le_bytes());
                b
            }),
            ("frames do not add up", {
                let mut b = good.clone();
                b.insert(0, 0);
                b
            }),
        ];
        for (name, bytes) in cases {
            assert!(Seekable::parse(Box::new(bytes)).is_err(), "{name}");
        }
        // An entry pointing past the data part.
        let mut b = good.clone();
        let first_entry = n - 9 - 20 * 12;
        b[first_entry..first_entry + 4].copy_from_slice(&(n as u32).to_le_bytes());
        let err = Seekable::parse(Box::new(b)).unwrap_err();
        assert_eq!((err.kind, err.item), (ErrorKind::SegmentBounds, Some(0)));
    }
}
