//! Files in zstd's seekable format: the frames of a collection back to back, then a seek table
//! in a skippable frame, so any zstd decoder reads the whole file and any seekable reader finds
//! frame `i` directly.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use crate::buffer::{Buffer, Segment, Storage};
use crate::collection::Collection;
use crate::decompress::{check_frame_end, data_frame_header};
use crate::error::{Error, ErrorKind, Result};
use crate::mmap::{self, Mmap};

const SKIPPABLE_MAGIC: u32 = 0x184D_2A5E;
const SEEKABLE_MAGIC: u32 = 0x8F92_EAB1;
const FOOTER: usize = 9;
const SKIPPABLE_HEADER: usize = 8;
/// Most frames a seek table may hold (zstd's `ZSTD_SEEKABLE_MAXFRAMES`).
pub const MAX_FRAMES: usize = 0x800_0000;
const CHECKSUM_FLAG: u8 = 0x80;
const RESERVED_BITS: u8 = 0x7C;

/// Entries between two remembered frame offsets: finding frame `i` sums at most this many
/// entries, so opening a file stores one offset per this many frames instead of one per frame.
const STRIDE: usize = 256;

/// Bytes shared by the opened file and the frames buffer built from it.
type Shared = Arc<dyn AsRef<[u8]> + Send + Sync>;

struct SharedStorage(Shared);

impl AsRef<[u8]> for SharedStorage {
    fn as_ref(&self) -> &[u8] {
        (*self.0).as_ref()
    }
}

/// An opened seekable file. Opening validates the whole seek table in one pass but indexes only
/// every [`STRIDE`]-th frame, so reading one item of a huge file touches little; the full frames
/// buffer and sizes array are built on first request.
pub struct Seekable {
    data: Shared,
    /// Offset of the first seek table entry.
    table: usize,
    entry: usize,
    count: usize,
    /// Offset of frame `k * STRIDE`.
    checkpoints: Vec<u64>,
    frames: OnceLock<Arc<Buffer>>,
    sizes: OnceLock<Vec<u64>>,
}

impl std::fmt::Debug for Seekable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seekable")
            .field("frames", &self.count)
            .field("checksums", &self.has_checksums())
            .finish()
    }
}

fn corrupt(message: String) -> Error {
    Error::new(ErrorKind::Zstd, message)
}

/// `Io`, or `Alloc` when the system was out of memory (`ENOMEM`, from `mmap` say).
fn io_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    let kind = match e.kind() {
        std::io::ErrorKind::OutOfMemory => ErrorKind::Alloc,
        _ => ErrorKind::Io,
    };
    Error::new(kind, format!("{what} {}: {e}", path.display()))
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

impl Seekable {
    /// Maps the file at `path` read-only and validates its seek table (zero-copy: the frames
    /// are read from the mapping).
    ///
    /// # Safety
    /// As for [`Mmap::map`]: the file must not change while the handle or anything holding its
    /// frames lives. [`Seekable::read`] has no such condition.
    pub unsafe fn open(path: &Path) -> Result<Self> {
        // SAFETY: this function's own contract.
        Self::parse(Box::new(unsafe { map_file(path)? }))
    }

    /// Reads the file at `path` into memory and validates its seek table.
    pub fn read(path: &Path) -> Result<Self> {
        Self::parse(Box::new(read_file(path)?))
    }

    /// Validates the seek table at the end of `data`; nothing outside `data` is ever read.
    pub fn parse(data: Storage) -> Result<Self> {
        let data: Shared = Arc::from(data);
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
        let entry = if descriptor & CHECKSUM_FLAG != 0 {
            12
        } else {
            8
        };
        let count = le32(bytes, len - FOOTER) as usize;
        if count > MAX_FRAMES {
            return Err(corrupt(format!(
                "seek table claims {count} frames, more than {MAX_FRAMES}"
            )));
        }
        let table_len = count * entry + FOOTER;
        if table_len + SKIPPABLE_HEADER > len {
            return Err(corrupt(format!(
                "truncated seek table: {count} entries need {} bytes, the file has {len}",
                table_len + SKIPPABLE_HEADER
            )));
        }
        let start = len - table_len - SKIPPABLE_HEADER;
        if le32(bytes, start) != SKIPPABLE_MAGIC || le32(bytes, start + 4) as usize != table_len {
            return Err(corrupt(
                "seek table is not a well-formed skippable frame of the declared size".into(),
            ));
        }
        let table = start + SKIPPABLE_HEADER;
        let mut checkpoints = Vec::new();
        checkpoints
            .try_reserve_exact(count.div_ceil(STRIDE))
            .map_err(|_| Error::alloc("seek table index"))?;
        let mut offset = 0u64;
        for (i, e) in bytes[table..table + count * entry]
            .chunks_exact(entry)
            .enumerate()
        {
            if i % STRIDE == 0 {
                checkpoints.push(offset);
            }
            offset += u64::from(le32(e, 0));
            if offset > start as u64 {
                return Err(Error::new(
                    ErrorKind::SegmentBounds,
                    format!("seek table entry {i} points past the {start} bytes of frames"),
                )
                .at(i));
            }
        }
        if offset != start as u64 {
            return Err(corrupt(format!(
                "seek table frames add up to {offset} bytes, the file has {start} bytes of frames"
            )));
        }
        Ok(Seekable {
            data,
            table,
            entry,
            count,
            checkpoints,
            frames: OnceLock::new(),
            sizes: OnceLock::new(),
        })
    }

    /// Number of frames (items).
    pub fn count(&self) -> usize {
        self.count
    }

    /// Whether the seek table stores per-frame checksums.
    pub fn has_checksums(&self) -> bool {
        self.entry == 12
    }

    fn entry_field(&self, i: usize, field: usize) -> u32 {
        le32((*self.data).as_ref(), self.table + i * self.entry + field)
    }

    /// Frame `i`, zero-copy, found in O([`STRIDE`]); `None` past the end.
    pub fn frame(&self, i: usize) -> Option<&[u8]> {
        if i >= self.count {
            return None;
        }
        let first = i / STRIDE * STRIDE;
        let offset = (first..i).fold(self.checkpoints[i / STRIDE], |off, j| {
            off + u64::from(self.entry_field(j, 0))
        }) as usize;
        let length = self.entry_field(i, 0) as usize;
        Some(&(*self.data).as_ref()[offset..offset + length])
    }

    /// Decompressed size of frame `i`, from the seek table; `None` past the end.
    pub fn size(&self, i: usize) -> Option<u64> {
        (i < self.count).then(|| u64::from(self.entry_field(i, 4)))
    }

    /// The checksum the seek table stores for frame `i` (low 32 bits of the XXH64 of its
    /// content), if the table has checksums.
    pub fn checksum(&self, i: usize) -> Option<u32> {
        (i < self.count && self.has_checksums()).then(|| self.entry_field(i, 8))
    }

    /// All frames as one zero-copy buffer (segment `i` is frame `i`), built on first call.
    pub fn frames(&self) -> Result<&Arc<Buffer>> {
        if let Some(f) = self.frames.get() {
            return Ok(f);
        }
        let mut segments = Vec::new();
        segments
            .try_reserve_exact(self.count)
            .map_err(|_| Error::alloc("seekable frames index"))?;
        let mut offset = 0u64;
        for i in 0..self.count {
            let length = u64::from(self.entry_field(i, 0));
            segments.push(Segment { offset, length });
            offset += length;
        }
        let storage = Box::new(SharedStorage(self.data.clone()));
        Ok(self
            .frames
            .get_or_init(|| Arc::new(Buffer::from_valid(storage, segments))))
    }

    /// Decompressed size of every frame, from the seek table, built on first call.
    pub fn sizes(&self) -> Result<&[u64]> {
        if let Some(s) = self.sizes.get() {
            return Ok(s);
        }
        let mut sizes = Vec::new();
        sizes
            .try_reserve_exact(self.count)
            .map_err(|_| Error::alloc("seekable sizes"))?;
        sizes.extend((0..self.count).map(|i| u64::from(self.entry_field(i, 4))));
        Ok(self.sizes.get_or_init(|| sizes))
    }
}

/// Maps the regular file at `path` read-only, as storage for a [`Buffer`] or
/// [`Seekable::parse`]. Directories, pipes and devices are refused (`ErrorKind::Io`).
///
/// # Safety
/// As for [`Mmap::map`]: the file must not change while the mapping lives.
pub unsafe fn map_file(path: &Path) -> Result<Mmap> {
    let file = open_regular(path)?;
    // SAFETY: this function's own contract.
    unsafe { Mmap::map(&file) }.map_err(|e| io_error("cannot map", path, e))
}

/// Reads the regular file at `path` into memory; directories, pipes and devices are refused
/// (`ErrorKind::Io`), as by [`map_file`].
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut file = open_regular(path)?;
    let mut data = Vec::new();
    file.read_to_end(&mut data)
        .map_err(|e| io_error("cannot read", path, e))?;
    Ok(data)
}

/// Opens the regular file at `path` for reading; anything else is `ErrorKind::Io`.
fn open_regular(path: &Path) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Non-blocking, so that opening a pipe does not wait for a writer (it is refused below);
    // the flag changes nothing for a regular file.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| io_error("cannot open", path, e))?;
    let meta = file
        .metadata()
        .map_err(|e| io_error("cannot read the metadata of", path, e))?;
    if !meta.is_file() {
        // A pipe, a device or a directory: its length says nothing about its content.
        let what = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file"
        };
        return Err(Error::new(
            ErrorKind::Io,
            format!("{} is {what}", path.display()),
        ));
    }
    Ok(file)
}

/// Writes `frames` (item `i` = frame `i`) to `path` as a seekable zstd file, atomically:
/// written to a temporary file in the same directory, synced, then renamed over `path`.
/// With `checksums`, each frame must carry a zstd checksum, which the table repeats.
pub fn write(frames: &Collection, path: &Path, checksums: bool) -> Result<()> {
    let mut w = Writer::create(path, checksums)?;
    w.append(frames)?;
    w.finish()
}

/// Writes a seekable zstd file piece by piece, so that frames can be written while later ones
/// are still being compressed: [`Writer::append`] adds frames in order, [`Writer::finish`]
/// adds the seek table, syncs and renames the temporary file over the path. A writer dropped
/// before `finish` (or after a failure) removes its temporary file.
pub struct Writer {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<Gathered>,
    checksums: bool,
    /// The seek table's entries so far.
    entries: Vec<u8>,
    count: usize,
}

impl Writer {
    /// Creates the temporary file next to `path` (see [`create_beside`]).
    pub fn create(path: &Path, checksums: bool) -> Result<Writer> {
        let mut buf = Vec::new();
        buf.try_reserve_exact(GATHER_BYTES)
            .map_err(|_| Error::alloc("write buffer"))?;
        let (tmp, file) = create_beside(path)?;
        Ok(Writer {
            path: path.to_path_buf(),
            tmp,
            file: Some(Gathered { file, buf }),
            checksums,
            entries: Vec::new(),
            count: 0,
        })
    }

    /// The temporary file being written (renamed over the path by [`Writer::finish`]), e.g.
    /// for a program to remove it if it is killed.
    pub fn temporary_path(&self) -> &Path {
        &self.tmp
    }

    /// Appends `frames`, which follow the frames appended before; every frame is checked
    /// before any of them is written.
    pub fn append(&mut self, frames: &Collection) -> Result<()> {
        let n = frames.count();
        if n > MAX_FRAMES - self.count {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "{} frames: the seekable format holds at most {MAX_FRAMES}",
                    self.count + n
                ),
            ));
        }
        let entry = if self.checksums { 12 } else { 8 };
        self.entries
            .try_reserve(n * entry)
            .map_err(|_| Error::alloc("seek table"))?;
        let before = self.entries.len();
        for i in 0..n {
            // Frame headers are scattered: overlap their cache misses.
            mmap::prefetch(frames.get(i + mmap::PREFETCH_AHEAD).unwrap_or_default());
            let frame = frames.get(i).unwrap_or_default();
            if let Err(e) = table_entry(frame, self.checksums, &mut self.entries) {
                self.entries.truncate(before);
                return Err(e.at(self.count + i));
            }
        }
        self.count += n;
        self.write_with(|file| {
            for b in frames.buffers() {
                for run in contiguous_runs(b.segments()) {
                    file.write_all(&b.data()[run])?;
                }
            }
            Ok(())
        })
    }

    /// Flushes what was appended so far and waits until it is on disk, so that [`Writer::finish`]
    /// has less to wait for; worth calling from a thread that would otherwise be idle.
    pub fn sync(&mut self) -> Result<()> {
        self.write_with(|file| {
            file.flush()?;
            file.file.sync_data()
        })
    }

    /// Runs `write` on the file. A failure leaves the file incomplete, so every later call
    /// fails too.
    fn write_with(
        &mut self,
        write: impl FnOnce(&mut Gathered) -> std::io::Result<()>,
    ) -> Result<()> {
        let Some(file) = self.file.as_mut() else {
            return Err(self.failed_earlier());
        };
        write(file).map_err(|e| {
            self.file = None;
            io_error("cannot write", &self.tmp, e)
        })
    }

    fn failed_earlier(&self) -> Error {
        Error::new(
            ErrorKind::Io,
            format!("{}: an earlier write failed", self.tmp.display()),
        )
    }

    /// Writes the seek table, syncs the file and renames it over the path.
    pub fn finish(mut self) -> Result<()> {
        let table_len = self.entries.len() + FOOTER;
        let mut tail = Vec::new();
        tail.try_reserve_exact(SKIPPABLE_HEADER + table_len)
            .map_err(|_| Error::alloc("seek table"))?;
        tail.extend_from_slice(&SKIPPABLE_MAGIC.to_le_bytes());
        tail.extend_from_slice(&(table_len as u32).to_le_bytes());
        tail.extend_from_slice(&self.entries);
        tail.extend_from_slice(&(self.count as u32).to_le_bytes());
        tail.push(if self.checksums { CHECKSUM_FLAG } else { 0 });
        tail.extend_from_slice(&SEEKABLE_MAGIC.to_le_bytes());
        let mut file = self.file.take().ok_or_else(|| self.failed_earlier())?;
        let fail = |e| io_error("cannot write", &self.tmp, e);
        file.write_all(&tail).map_err(fail)?;
        file.flush().map_err(fail)?;
        file.file.sync_all().map_err(fail)?;
        std::fs::rename(&self.tmp, &self.path)
            .map_err(|e| io_error("cannot rename to", &self.path, e))?;
        self.tmp = PathBuf::new(); // renamed: nothing left to remove
        Ok(())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            drop(self.file.take());
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Bytes gathered for the file before they are written: small frames go out in large writes,
/// large ones straight through.
const GATHER_BYTES: usize = 1 << 20;

/// A file and a buffer of [`GATHER_BYTES`] allocated up front (as `std::io::BufWriter` would,
/// but fallibly: running out of memory is an error, not an abort).
struct Gathered {
    file: File,
    buf: Vec<u8>,
}

impl Write for Gathered {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + bytes.len() > self.buf.capacity() {
            self.flush()?;
        }
        if bytes.len() >= self.buf.capacity() {
            return self.file.write(bytes);
        }
        self.buf.extend_from_slice(bytes); // fits: never grows
        Ok(bytes.len())
    }

    /// Writes what is gathered (the file itself buffers nothing).
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
}

/// The byte ranges that `segments` cover, with back-to-back segments merged (a compressed
/// batch's frames are one run per buffer), so that they are written without being copied.
fn contiguous_runs(segments: &[Segment]) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut rest = segments.iter().peekable();
    std::iter::from_fn(move || {
        let first = rest.next()?;
        let (start, mut end) = (first.offset, first.offset + first.length);
        while let Some(s) = rest.next_if(|s| s.offset == end) {
            end += s.length;
        }
        Some(start as usize..end as usize)
    })
}

/// A new temporary file beside `path`, to be renamed over it once written: never one reached
/// through a link left at its name, and with the permissions of the regular file at `path`, if
/// there is one. Returns its path and the open file. A `path` that names no file (empty, or
/// ending in `/` or `..`) is `ErrorKind::Io`.
pub fn create_beside(path: &Path) -> Result<(PathBuf, File)> {
    use std::os::unix::ffi::OsStrExt;
    if path.file_name().is_none() || path.as_os_str().as_bytes().ends_with(b"/") {
        return Err(Error::new(
            ErrorKind::Io,
            format!("`{}` names no file to write", path.display()),
        ));
    }
    let tmp = temporary_path(path);
    let _ = std::fs::remove_file(&tmp);
    let file = File::options()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| io_error("cannot create", &tmp, e))?;
    if let Ok(old) = std::fs::symlink_metadata(path) {
        if old.is_file() {
            if let Err(e) = file.set_permissions(old.permissions()) {
                drop(file);
                let _ = std::fs::remove_file(&tmp);
                return Err(io_error("cannot set the permissions of", &tmp, e));
            }
        }
    }
    Ok((tmp, file))
}

/// `path`'s name with a suffix unique to this process and call, its start cut so that the name
/// stays within the 255 bytes a file name may have.
fn temporary_path(path: &Path) -> PathBuf {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    const NAME_MAX: usize = 255;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let suffix = format!(
        ".zseg-tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let name = path.file_name().unwrap_or_default().as_bytes();
    let kept = &name[..name.len().min(NAME_MAX - suffix.len())];
    path.with_file_name(OsStr::from_bytes(&[kept, suffix.as_bytes()].concat()))
}

/// Appends the seek table entry of `frame` to `entries`.
fn table_entry(frame: &[u8], checksums: bool, entries: &mut Vec<u8>) -> Result<()> {
    // Any zstd decoder must read the file as these frames back to back: each item must be
    // exactly one complete standard frame.
    let h = data_frame_header(frame, false)?;
    check_frame_end(frame, &h)?;
    let size = h.content_size.ok_or_else(|| {
        Error::new(
            ErrorKind::NoContentSize,
            "the frame records no content size, which the seek table needs",
        )
    })?;
    let too_big = |what: &str, v: u64| {
        Error::new(
            ErrorKind::Limit,
            format!("{what} {v} bytes: the seekable format stores at most 4 GiB - 1"),
        )
    };
    let csize = u32::try_from(frame.len()).map_err(|_| too_big("frame of", frame.len() as u64))?;
    let dsize = u32::try_from(size).map_err(|_| too_big("item of", size))?;
    entries.extend_from_slice(&csize.to_le_bytes());
    entries.extend_from_slice(&dsize.to_le_bytes());
    if checksums {
        if !h.checksum || frame.len() < 4 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "the frame has no checksum: compress with ZSEG_CPARAM_CHECKSUM",
            ));
        }
        entries.extend_from_slice(&frame[frame.len() - 4..]);
    }
    Ok(())
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

    /// A new empty directory for one test.
    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("zseg-seekable-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Removes a test's directory, which must hold nothing (no file left behind).
    fn remove_empty_dir(dir: &Path) {
        assert_eq!(
            std::fs::read_dir(dir).unwrap().count(),
            0,
            "a file was left"
        );
        std::fs::remove_dir(dir).unwrap();
    }

    fn file_bytes(items: &[Vec<u8>], checksum: bool) -> Vec<u8> {
        let dir = scratch_dir(&format!("{checksum}-{}", items.len()));
        let path = dir.join("t.zst");
        write(&frames(items, checksum), &path, checksum).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let s = Seekable::read(&path).unwrap();
        assert_eq!(s.frames().unwrap().count(), items.len());
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
            let sizes: Vec<u64> = items.iter().map(|i| i.len() as u64).collect();
            assert_eq!(s.sizes().unwrap(), sizes);
            assert_eq!(s.has_checksums(), checksum);
            let frames = s.frames().unwrap();
            let out = Decompressor::new()
                .decompress(&**frames, Some(&sizes), &mut BatchOptions::default())
                .unwrap()
                .output;
            for (i, item) in items.iter().enumerate() {
                assert_eq!(out.get(i).unwrap(), &item[..]);
                assert_eq!(
                    s.frame(i),
                    frames.get(i),
                    "frame {i} through the checkpoints"
                );
                assert_eq!(s.size(i), Some(item.len() as u64));
                let frame = frames.get(i).unwrap();
                let sum = checksum
                    .then(|| u32::from_le_bytes(frame[frame.len() - 4..].try_into().unwrap()));
                assert_eq!(s.checksum(i), sum);
            }
            assert_eq!((s.frame(items.len()), s.size(items.len())), (None, None));
        }
    }

    #[test]
    fn only_regular_files_are_read() {
        let dir = scratch_dir("irregular");
        // A pipe with no writer: refused at once, not waited on.
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        let e = read_file(&fifo).expect_err("refused");
        assert!(
            e.message.ends_with("is not a regular file"),
            "{}",
            e.message
        );
        std::fs::remove_file(&fifo).unwrap();
        for (path, what) in [
            (&*dir, "is a directory"),
            (Path::new("/dev/null"), "is not a regular file"),
        ] {
            let e = read_file(path).expect_err("refused");
            assert_eq!(e.kind, ErrorKind::Io);
            assert!(e.message.ends_with(what), "{}", e.message);
        }
        remove_empty_dir(&dir);
    }

    #[test]
    fn a_file_written_in_pieces_equals_one_written_at_once() {
        let items = corpus::json_records(30, 4);
        let whole = file_bytes(&items, true);
        let dir = scratch_dir("pieces");
        let path = dir.join("t.zst");
        let mut w = Writer::create(&path, true).unwrap();
        w.append(&frames(&items[..10], true)).unwrap();
        w.append(&frames(&[], true)).unwrap();
        w.append(&frames(&items[10..], true)).unwrap();
        w.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), whole);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_writer_whose_write_failed_refuses_to_go_on() {
        let dir = scratch_dir("failed");
        let path = dir.join("t.zst");
        let mut w = Writer::create(&path, false).unwrap();
        w.file = None; // as a failed write leaves it
        let f = frames(&corpus::json_records(2, 1), false);
        assert_eq!(w.append(&f).unwrap_err().kind, ErrorKind::Io);
        assert_eq!(w.sync().unwrap_err().kind, ErrorKind::Io);
        assert_eq!(w.finish().unwrap_err().kind, ErrorKind::Io);
        remove_empty_dir(&dir);
    }

    #[test]
    fn checksums_need_checksummed_frames_and_failed_writes_leave_no_file() {
        let dir = scratch_dir("checksums");
        let path = dir.join("t.zst");
        let plain = frames(&corpus::json_records(3, 2), false);
        let err = write(&plain, &path, true).unwrap_err();
        assert_eq!((err.kind, err.item), (ErrorKind::InvalidArgument, Some(0)));
        let mut w = Writer::create(&path, true).unwrap();
        w.append(&frames(&corpus::json_records(4, 2), true))
            .unwrap();
        let err = w.append(&plain).unwrap_err();
        assert_eq!((err.kind, err.item), (ErrorKind::InvalidArgument, Some(4)));
        drop(w); // unfinished
        remove_empty_dir(&dir);
    }

    #[test]
    fn paths_that_name_no_file_are_refused_before_anything_is_written() {
        let f = frames(&corpus::json_records(3, 2), false);
        for path in ["", "/", "..", "a/..", "x.zst/"] {
            let e = write(&f, Path::new(path), false).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Io, "{path}");
            assert!(e.message.contains("names no file"), "{}", e.message);
        }
    }

    #[test]
    fn a_replaced_file_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch_dir("mode");
        let path = dir.join("t.zst");
        let f = frames(&corpus::json_records(3, 2), false);
        write(&f, &path, false).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for m in [0o600, 0o640] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(m)).unwrap();
            write(&f, &path, false).unwrap();
            assert_eq!(mode(&path), m);
        }
        std::fs::remove_file(&path).unwrap();
        remove_empty_dir(&dir);
    }

    #[test]
    fn a_file_name_of_the_longest_length_is_written() {
        let dir = scratch_dir("long");
        let items = corpus::json_records(3, 5);
        let path = dir.join("n".repeat(255));
        write(&frames(&items, true), &path, true).unwrap();
        assert_eq!(Seekable::read(&path).unwrap().count(), 3);
        std::fs::remove_file(&path).unwrap();
        remove_empty_dir(&dir);
    }

    /// A collection of one buffer holding `items` back to back.
    fn collection_of(items: &[Vec<u8>]) -> Collection {
        let mut segments = Vec::new();
        let mut offset = 0;
        for item in items {
            segments.push(Segment {
                offset,
                length: item.len() as u64,
            });
            offset += item.len() as u64;
        }
        let buffer = Buffer::from_vec(items.concat(), segments).unwrap();
        Collection::new(vec![Arc::new(buffer)]).unwrap()
    }

    #[test]
    fn only_items_that_are_exactly_one_whole_frame_are_written() {
        let f = frames(&corpus::json_records(2, 5), false);
        let (a, b) = (f.get(0).unwrap(), f.get(1).unwrap());
        let skippable = [&0x184D_2A50u32.to_le_bytes()[..], &[0, 0, 0, 0]].concat();
        let bad: [(&str, Vec<u8>); 6] = [
            ("two frames", [a, b].concat()),
            ("a trailing byte", [a, &[0]].concat()),
            ("one byte short", a[..a.len() - 1].to_vec()),
            ("the header only", a[..6].to_vec()),
            ("a skippable frame", skippable),
            ("garbage", b"not a frame at all".to_vec()),
        ];
        let dir = scratch_dir("whole-frames");
        let path = dir.join("t.zst");
        for (what, item) in bad {
            let err = write(&collection_of(&[a.to_vec(), item]), &path, false).unwrap_err();
            assert_eq!((err.kind, err.item), (ErrorKind::Zstd, Some(1)), "{what}");
        }
        write(&collection_of(&[a.to_vec(), b.to_vec()]), &path, false).unwrap();
        std::fs::remove_file(&path).unwrap();
        remove_empty_dir(&dir);
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
