//! `zseg unpack` and `zseg get`: decompress some or all items of a seekable file, through the
//! frames and sizes of its seek table, in batches of bounded size.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use zseg::{BatchOptions, Decompressor, ErrorKind, Seekable};

use super::{library_error, open, read_dictionary, sidecar_dictionary};
use crate::args::{DictArg, GetArgs, UnpackArgs};
use crate::error::{CliError, CliResult};
use crate::interrupt;
use crate::progress::{Reporter, Unit};

/// A batch decompresses to at most about this many bytes (at least one item), so memory stays
/// bounded however big the file is.
const BATCH_BYTES: u64 = 64 << 20;
/// And holds at most this many items.
const BATCH_ITEMS: usize = 1 << 16;
const STDOUT_BUFFER: usize = 1 << 20;

pub fn unpack(a: &UnpackArgs, reporter: Reporter) -> CliResult<()> {
    let s = open(&a.file)?;
    let n = s.count();
    let job = Job {
        file: &a.file,
        seekable: &s,
        threads: a.threads.batch_threads(),
        reporter,
    };
    let d = job.decompressor(&a.dict, &|k| k, n)?;
    match &a.output {
        Some(dir) => {
            let width = n.saturating_sub(1).to_string().len();
            prepare_directory(dir, n, width)?;
            job.run(&d, &|k| k, n, &mut |i, item| {
                // Never over an existing file: the directory may hold other data. A file cut
                // short (a full disk, a signal) is removed: only whole items are left.
                let path = dir.join(format!("{i:0width$}"));
                let (mut f, _removed_if_killed) = interrupt::guarded(
                    || std::fs::File::create_new(&path).map_err(|e| CliError::io(&path, e)),
                    |_| path.clone(),
                )?;
                f.write_all(item).map_err(|e| {
                    let _ = std::fs::remove_file(&path);
                    CliError::io(&path, e)
                })
            })
        }
        None => to_stdout(a.lines, |sink| job.run(&d, &|k| k, n, sink)),
    }
}

/// Creates `dir` if needed; if it exists, it must not hold any of the files `0..n` (names of
/// `width` digits) that unpack would write: then nothing is written.
fn prepare_directory(dir: &Path, n: usize, width: usize) -> CliResult<()> {
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => Err(CliError::new(format!(
            "-o {}: is not a directory",
            dir.display()
        ))),
        Ok(_) => {
            let entries = std::fs::read_dir(dir).map_err(|e| CliError::io(dir, e))?;
            for entry in entries {
                let name = entry.map_err(|e| CliError::io(dir, e))?.file_name();
                let taken = name.to_str().is_some_and(|s| {
                    s.len() == width
                        && s.bytes().all(|b| b.is_ascii_digit())
                        && s.parse::<usize>().is_ok_and(|i| i < n)
                });
                if taken {
                    return Err(CliError::new(format!(
                        "{}: already exists (unpack never writes over a file; nothing was written)",
                        dir.join(name).display()
                    )));
                }
            }
            Ok(())
        }
        Err(_) => std::fs::create_dir_all(dir).map_err(|e| CliError::io(dir, e)),
    }
}

pub fn get(a: &GetArgs, reporter: Reporter) -> CliResult<()> {
    let s = open(&a.file)?;
    let n = s.count();
    let mut indexes = Vec::with_capacity(a.indexes.len());
    for &i in &a.indexes {
        match usize::try_from(i) {
            Ok(i) if i < n => indexes.push(i),
            _ => {
                return Err(CliError::new(format!(
                    "{}: index {i} is out of range: the file has {n} items{}",
                    a.file.display(),
                    match n {
                        0 => String::new(),
                        _ => format!(" (0 to {})", n - 1),
                    }
                )))
            }
        }
    }
    let job = Job {
        file: &a.file,
        seekable: &s,
        threads: a.threads.batch_threads(),
        reporter,
    };
    let index = |k: usize| indexes[k];
    let d = job.decompressor(&a.dict, &index, indexes.len())?;
    to_stdout(a.lines, |sink| job.run(&d, &index, indexes.len(), sink))
}

/// Runs `body` with a sink that writes items to standard output, each followed by a newline
/// if `lines`.
fn to_stdout(
    lines: bool,
    body: impl FnOnce(&mut dyn FnMut(usize, &[u8]) -> CliResult<()>) -> CliResult<()>,
) -> CliResult<()> {
    let mut out = BufWriter::with_capacity(STDOUT_BUFFER, io::stdout().lock());
    body(&mut |_, item| {
        out.write_all(item).map_err(CliError::stdout)?;
        if lines {
            out.write_all(b"\n").map_err(CliError::stdout)?;
        }
        Ok(())
    })?;
    out.flush().map_err(CliError::stdout)
}

/// The decompressor of a job, and whether it has a dictionary.
struct Unpacker {
    d: Decompressor,
    dict: bool,
}

/// Decompression of chosen items of one file: item `k` of the job is item `index(k)` of the
/// file.
struct Job<'a> {
    file: &'a Path,
    seekable: &'a Seekable,
    threads: i32,
    reporter: Reporter,
}

impl Job<'_> {
    /// A decompressor for items `index(0..count)`: sizes up to the format's 4 GiB - 1, and
    /// the dictionary from --dict, or FILE.dict when one of those frames names a dictionary.
    fn decompressor(
        &self,
        dict: &DictArg,
        index: &dyn Fn(usize) -> usize,
        count: usize,
    ) -> CliResult<Unpacker> {
        let mut d = Decompressor::new();
        d.set_max_item_size(u64::from(u32::MAX));
        let path = match &dict.dict {
            Some(path) => path.clone(),
            None => {
                let needed = (0..count)
                    .filter_map(|k| {
                        self.seekable
                            .frame(index(k))
                            .and_then(|f| zseg::frame_header(f).ok())
                    })
                    .map(|h| h.dict_id)
                    .find(|&id| id != 0);
                let Some(id) = needed else {
                    return Ok(Unpacker { d, dict: false });
                };
                let sidecar = sidecar_dictionary(self.file);
                if !sidecar.exists() {
                    return Err(CliError::new(format!(
                        "{}: the frames need dictionary {id}: pass --dict FILE (there is no {})",
                        self.file.display(),
                        sidecar.display()
                    )));
                }
                sidecar
            }
        };
        d.load_dictionary(&read_dictionary(&path)?)
            .map_err(|e| CliError::new(format!("{}: {}", path.display(), e.message)))?;
        Ok(Unpacker { d, dict: true })
    }

    /// Decompresses items `index(0..count)` in batches and hands each, in order, to `sink`
    /// with its index in the file.
    fn run(
        &self,
        u: &Unpacker,
        index: &dyn Fn(usize) -> usize,
        count: usize,
        sink: &mut dyn FnMut(usize, &[u8]) -> CliResult<()>,
    ) -> CliResult<()> {
        let s = self.seekable;
        let phase = self
            .reporter
            .phase("decompressing", Unit::Items, count as u64);
        let mut views = Vec::new();
        let mut batch_sizes = Vec::new();
        let mut start = 0;
        while start < count {
            views.clear();
            batch_sizes.clear();
            let mut bytes = 0u64;
            let mut end = start;
            while end < count && views.len() < BATCH_ITEMS {
                let i = index(end);
                let size = s.size(i).unwrap_or_default();
                if !views.is_empty() && bytes + size > BATCH_BYTES {
                    break;
                }
                bytes += size;
                views.push(s.frame(i).unwrap_or_default());
                batch_sizes.push(size);
                end += 1;
            }
            // Progress counts items handed to the sink (decompressed and written).
            let mut opts = BatchOptions {
                threads: self.threads,
                keep_going: false,
                progress: None,
            };
            let out = u
                .d
                .decompress(&views[..], Some(&batch_sizes), &mut opts)
                .map_err(|e| {
                    let err = library_error(self.file, &e, |k| index(start + k as usize) as u64);
                    // Frames made with a raw-content dictionary do not name it.
                    match (u.dict, e.kind) {
                        (false, ErrorKind::Zstd) => err.with_note(
                            " (if the file was packed with a raw-content dictionary, pass it \
                             with --dict)",
                        ),
                        _ => err,
                    }
                })?
                .output;
            for k in start..end {
                sink(index(k), out.get(k - start).unwrap_or_default())?;
                phase.add(1);
            }
            start = end;
        }
        Ok(())
    }
}
