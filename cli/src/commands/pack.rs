//! `zseg pack`: read the items, optionally train a dictionary, compress them in one batch and
//! write the frames as a seekable file.

use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};

use zseg::{BatchOptions, Buffer, CParam, Collection, Compressor, Items, Segment, Storage};

use super::{
    check_target, create_seekable, human, library_error, ratio, read_dictionary, same_file,
    same_path, sidecar_dictionary, Staged, MAX_ITEMS,
};
use crate::args::PackArgs;
use crate::error::{CliError, CliResult};
use crate::interrupt;
use crate::progress::{Reporter, Unit};

/// Inputs are read in pieces of this size, so that progress moves on big files.
const READ_PIECE: u64 = 8 << 20;
/// Largest item the seekable format records (sizes are 32-bit).
const MAX_ITEM: u64 = u32::MAX as u64;
/// zstd's reference seekable reader refuses frames that decompress to more than this.
const REFERENCE_READER_MAX: u64 = 1 << 30;
/// Dictionary training reads at most about this many bytes of samples, spread over the items.
const TRAIN_SAMPLE_BYTES: u64 = 64 << 20;
/// zstd's smallest dictionary.
const MIN_DICT: usize = 256;

pub fn run(a: &PackArgs, reporter: Reporter, quiet: bool) -> CliResult<()> {
    if a.inputs.iter().filter(|p| is_stdin(p)).count() > 1 {
        return Err(CliError::new(
            "standard input (-) can be read only once: give it as one INPUT",
        ));
    }
    check_target(&a.output, &format!("-o {}", a.output.display()))?;
    if let Some(input) = a.inputs.iter().find(|p| same_file(p, &a.output)) {
        return Err(CliError::new(format!(
            "-o {}: is also input {}: packing over it would lose the input",
            a.output.display(),
            input.display()
        )));
    }
    // Where --train writes its dictionary: never over the output or an input.
    let dict_out = a.train.map(|_| {
        a.dict_out
            .clone()
            .unwrap_or_else(|| sidecar_dictionary(&a.output))
    });
    if let Some(path) = &dict_out {
        let shown = match a.dict_out {
            Some(_) => format!("--dict-out {}", path.display()),
            None => format!("{} (the dictionary --train writes)", path.display()),
        };
        check_target(path, &shown)?;
        if same_path(path, &a.output) {
            return Err(CliError::new(format!(
                "{shown}: is also the output -o: the dictionary would replace it"
            )));
        }
        if let Some(input) = a.inputs.iter().find(|p| same_file(p, path)) {
            return Err(CliError::new(format!(
                "{shown}: is also input {}: writing the dictionary would lose it",
                input.display()
            )));
        }
    }
    if let Some(bytes) = a.train {
        if bytes < MIN_DICT {
            return Err(CliError::new(format!(
                "--train {bytes}: a dictionary needs at least {MIN_DICT} bytes"
            )));
        }
    }
    let mut compressor = Compressor::new(a.level)
        .map_err(|e| CliError::new(format!("-l {}: {}", a.level, e.message)))?;
    if a.checksum {
        compressor
            .set_param(CParam::Checksum, 1)
            .map_err(|e| CliError::new(e.message))?;
    }
    // An unusable dictionary file fails before the inputs are read.
    if let Some(path) = &a.dict {
        let dict = read_dictionary(path)?;
        compressor
            .load_dictionary(&dict)
            .map_err(|e| CliError::new(format!("{}: {}", path.display(), e.message)))?;
        if zseg::dictionary_id(&dict).is_none() && !quiet {
            note!(
                "zseg: warning: {} is not a zstd-format dictionary: the frames name no \
                 dictionary, so unpack and get need --dict {0} explicitly",
                path.display()
            );
        }
    }

    let items = read_inputs(&a.inputs, a.lines, a.threads.count(), reporter)?;
    check_limits(&items, quiet)?;
    let total_in = items.content_size();
    let count = items.count();

    // A trained dictionary is written (beside its path) before the frames, and takes its path
    // only once they are in place: a pack that fails leaves the old file and its old
    // dictionary as they were.
    let mut trained = None;
    if let (Some(bytes), Some(path)) = (a.train, dict_out) {
        let dict = train(&items, bytes, reporter)?;
        compressor
            .load_dictionary(&dict)
            .map_err(|e| CliError::new(format!("the trained dictionary: {}", e.message)))?;
        let staged = Staged::write(&path, &dict)?;
        trained = Some((path, dict, staged));
    }

    let (writer, _removed_if_killed) = create_seekable(&a.output, a.checksum)?;
    let (writer, total_out) = compress_and_write(&compressor, &items, a, reporter, writer)?;
    // The input is no longer needed.
    drop(items);
    // The file, then its dictionary, take their paths; a signal meanwhile waits for both.
    let trained = {
        let _writing = reporter.phase("writing", Unit::Spinner, 0);
        let _uninterrupted = interrupt::critical_section();
        writer
            .finish()
            .map_err(|e| library_error(&a.output, &e, |i| i))?;
        match trained {
            Some((path, dict, staged)) => {
                staged.commit(&a.output)?;
                Some((path, dict))
            }
            None => None,
        }
    };

    if !quiet {
        note!(
            "{}: {count} items, {} -> {} (ratio {})",
            a.output.display(),
            human(total_in),
            human(total_out),
            ratio(total_in, total_out)
        );
        if let Some((path, dict)) = trained {
            note!(
                "{}: dictionary of {} (ID {}): keep it with {}",
                path.display(),
                human(dict.len() as u64),
                zseg::dictionary_id(&dict).unwrap_or(0),
                a.output.display()
            );
            // The file (frames and seek table) and its dictionary, against the input.
            let file = std::fs::metadata(&a.output).map_or(total_out, |m| m.len());
            let packed = file + dict.len() as u64;
            if packed > total_in {
                note!(
                    "zseg: warning: {} and its dictionary take {}, more than the {} of input: \
                     too little input for --train (pack without it)",
                    a.output.display(),
                    human(packed),
                    human(total_in)
                );
            }
        }
    }
    Ok(())
}

/// Compresses the items in groups of about [`GROUP_BYTES`] and appends each group's frames to
/// `writer` while the next group compresses; returns the writer (to be finished) and the bytes
/// of frames written.
fn compress_and_write(
    compressor: &Compressor,
    items: &Collection,
    a: &PackArgs,
    reporter: Reporter,
    mut writer: zseg::SeekableWriter,
) -> CliResult<(zseg::SeekableWriter, u64)> {
    let count = items.count();
    let phase = reporter.phase("compressing", Unit::Items, count as u64);
    // One group waits while one is written and the next compresses: memory stays bounded.
    let (send, receive) = mpsc::sync_channel::<Collection>(1);
    std::thread::scope(|scope| {
        let written = scope.spawn(move || -> CliResult<(zseg::SeekableWriter, u64)> {
            let mut bytes = 0;
            for frames in receive {
                // The writer numbers frames across groups. Syncing each group while the next
                // compresses leaves little for the final sync.
                writer
                    .append(&frames)
                    .and_then(|()| writer.sync())
                    .map_err(|e| library_error(&a.output, &e, |i| i))?;
                bytes += frames.content_size();
            }
            Ok((writer, bytes))
        });
        for group in groups(items) {
            let first = group.start;
            let mut report = |done, _| {
                phase.set((first as u64) + done, count as u64);
                true
            };
            let mut opts = BatchOptions {
                threads: a.threads.batch_threads(),
                keep_going: false,
                progress: Some(&mut report),
            };
            let frames = compressor
                .compress(
                    &Group {
                        items,
                        range: group,
                    },
                    &mut opts,
                )
                .map_err(|e| library_error(&a.output, &e, |i| i + first as u64))?
                .output;
            if send.send(frames).is_err() {
                break; // the writer failed: its error is the result
            }
        }
        drop(send);
        written.join().expect("the writer thread does not panic")
    })
}

/// Input bytes per compressed group.
const GROUP_BYTES: u64 = 16 << 20;

/// Consecutive item ranges of about [`GROUP_BYTES`] each (at least one item each).
fn groups(items: &Collection) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut lengths = lengths(items).enumerate();
    std::iter::from_fn(move || {
        let (start, first) = lengths.next()?;
        let (mut end, mut bytes) = (start + 1, first);
        while bytes < GROUP_BYTES {
            let Some((i, len)) = lengths.next() else {
                break;
            };
            (end, bytes) = (i + 1, bytes + len);
        }
        Some(start..end)
    })
}

/// Items `range` of a collection, as a batch of their own.
struct Group<'a> {
    items: &'a Collection,
    range: Range<usize>,
}

impl Items for Group<'_> {
    fn count(&self) -> usize {
        self.range.len()
    }
    fn item(&self, i: usize) -> &[u8] {
        self.items.get(self.range.start + i).unwrap_or_default()
    }
}

fn is_stdin(p: &Path) -> bool {
    p.as_os_str() == "-"
}

/// Reads every input into one buffer of the result: one item per input, or one per line (found
/// by `threads` threads). Inputs are read, not memory-mapped: a pipe, a `/proc` file or a file
/// truncated meanwhile (log rotation) gives what it holds instead of nothing or a crash.
fn read_inputs(
    inputs: &[PathBuf],
    lines: bool,
    threads: usize,
    reporter: Reporter,
) -> CliResult<Collection> {
    let expected: u64 = inputs
        .iter()
        .filter(|p| !is_stdin(p))
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    let phase = reporter.phase("reading", Unit::Bytes, expected);
    let mut buffers = Vec::with_capacity(inputs.len());
    for path in inputs {
        let mut data = Vec::new();
        let progress = |n| phase.add(n);
        let result = if is_stdin(path) {
            read_all(&mut io::stdin().lock(), &mut data, &progress)
        } else {
            File::open(path).and_then(|mut f| {
                let meta = f.metadata()?;
                if meta.is_dir() {
                    return Err(io::Error::from(io::ErrorKind::IsADirectory));
                }
                // Refused before reading what cannot be packed or held.
                let size = meta.len();
                if !lines && size > MAX_ITEM {
                    return Err(io::Error::other(format!(
                        "{size} bytes: the seekable format stores items of at most 4 GiB - 1 \
                         (--lines makes each line an item)"
                    )));
                }
                data.try_reserve_exact(usize::try_from(size).unwrap_or(usize::MAX))
                    .map_err(|_| io::Error::other(format!("{size} bytes do not fit in memory")))?;
                read_all(&mut f, &mut data, &progress)
            })
        };
        if let Err(e) = result {
            let shown = if is_stdin(path) {
                Path::new("standard input")
            } else {
                path.as_path()
            };
            return Err(CliError::io(shown, e));
        }
        let segments = if lines {
            // A thread per MiB at most: small inputs are split on this thread.
            split_lines_parallel(&data, threads.min(data.len() / (1 << 20) + 1))
        } else {
            vec![segment(0, data.len())]
        };
        let storage: Storage = Box::new(data);
        let buffer = Buffer::new(storage, segments)
            .map_err(|e| CliError::new(format!("internal error: {e}")))?;
        buffers.push(Arc::new(buffer));
    }
    Collection::new(buffers).map_err(|e| CliError::new(e.message))
}

/// Appends everything `r` yields to `data`, reporting bytes as they come.
fn read_all(r: &mut impl Read, data: &mut Vec<u8>, progress: &dyn Fn(u64)) -> io::Result<()> {
    loop {
        let n = r.take(READ_PIECE).read_to_end(data)?;
        if n == 0 {
            return Ok(());
        }
        progress(n as u64);
    }
}

fn segment(start: usize, end: usize) -> Segment {
    Segment {
        offset: start as u64,
        length: (end - start) as u64,
    }
}

/// One segment per line of `data`, newlines excluded; a last line without a newline counts, a
/// final newline adds no empty line. `parts` threads each split a piece of `data` that ends
/// just after a newline (the scan runs at memory speed, which one thread does not use up).
fn split_lines_parallel(data: &[u8], parts: usize) -> Vec<Segment> {
    let mut cuts = vec![0];
    for k in 1..parts {
        let at = (data.len() / parts * k).max(cuts[cuts.len() - 1]);
        match memchr::memchr(b'\n', &data[at..]) {
            Some(nl) => cuts.push(at + nl + 1),
            None => break,
        }
    }
    cuts.push(data.len());
    cuts.dedup();
    if cuts.len() <= 2 {
        return split_lines(data, 0..data.len());
    }
    std::thread::scope(|s| {
        let pieces: Vec<_> = cuts
            .windows(2)
            .map(|w| s.spawn(move || split_lines(data, w[0]..w[1])))
            .collect();
        pieces
            .into_iter()
            .flat_map(|p| p.join().expect("the line splitter does not panic"))
            .collect()
    })
}

/// One segment per line of `data[range]` (see [`split_lines_parallel`]), offsets into `data`.
fn split_lines(data: &[u8], range: Range<usize>) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut line = range.start;
    for nl in memchr::memchr_iter(b'\n', &data[range.clone()]) {
        segments.push(segment(line, range.start + nl));
        line = range.start + nl + 1;
    }
    if line < range.end {
        segments.push(segment(line, range.end));
    }
    segments
}

/// Every item's length, in order.
fn lengths(items: &Collection) -> impl Iterator<Item = u64> + '_ {
    items
        .buffers()
        .iter()
        .flat_map(|b| b.segments().iter().map(|s| s.length))
}

/// Refuses what the seekable format cannot hold before any compression is done.
fn check_limits(items: &Collection, quiet: bool) -> CliResult<()> {
    if items.count() > MAX_ITEMS {
        return Err(CliError::new(format!(
            "{} items: a seekable file holds at most {MAX_ITEMS}",
            items.count()
        )));
    }
    if let Some((i, len)) = lengths(items).enumerate().find(|&(_, l)| l > MAX_ITEM) {
        return Err(CliError::new(format!(
            "item {i} has {len} bytes: the seekable format stores items of at most 4 GiB - 1"
        )));
    }
    if !quiet {
        if let Some(i) = lengths(items).position(|l| l > REFERENCE_READER_MAX) {
            note!(
                "zseg: warning: item {i} is over 1 GiB: zstd's reference seekable reader \
                 refuses such frames (zseg and plain `zstd -d` read them)"
            );
        }
    }
    Ok(())
}

/// Trains a dictionary of at most `capacity` bytes on (a spread-out sample of) the items.
fn train(items: &Collection, capacity: usize, reporter: Reporter) -> CliResult<Vec<u8>> {
    // Every k-th item, so that the samples span the input and stay near TRAIN_SAMPLE_BYTES.
    let step = usize::try_from(items.content_size().div_ceil(TRAIN_SAMPLE_BYTES))
        .unwrap_or(1)
        .max(1);
    let (mut data, mut segments) = (Vec::new(), Vec::new());
    for item in (0..items.count())
        .step_by(step)
        .filter_map(|i| items.get(i))
    {
        segments.push(segment(data.len(), data.len() + item.len()));
        data.extend_from_slice(item);
    }
    let samples = Buffer::from_vec(data, segments)
        .map_err(|e| CliError::new(format!("internal error: {e}")))?;
    let _phase = reporter.phase("training a dictionary", Unit::Spinner, 0);
    zseg::train_dictionary(&samples, capacity).map_err(|e| {
        CliError::new(format!(
            "--train {capacity}: {} ({} samples, {}): training needs a few hundred varied \
             items, about 100 times the dictionary size in total",
            e.message,
            samples.count(),
            human(samples.content_size())
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[u8]) -> Vec<&[u8]> {
        split_lines(text, 0..text.len())
            .iter()
            .map(|s| &text[s.offset as usize..(s.offset + s.length) as usize])
            .collect()
    }

    #[test]
    fn lines_split_in_parallel_are_the_lines_split_alone() {
        let mut texts: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"\n".to_vec(),
            b"\n\n\n".to_vec(),
            b"no newline at all".to_vec(),
            b"a\nb\nc".to_vec(),
            b"a\nb\nc\n".to_vec(),
        ];
        // Lines of every length from 0 to 40, in a text long enough for several pieces.
        let mut long = Vec::new();
        for len in 0..200 {
            long.extend(std::iter::repeat_n(b'x', len % 41));
            long.push(b'\n');
        }
        texts.push(long.clone());
        long.extend_from_slice(b"tail");
        texts.push(long);
        for text in &texts {
            let alone = split_lines(text, 0..text.len());
            for parts in 1..=7 {
                assert_eq!(split_lines_parallel(text, parts), alone, "{parts} parts");
            }
        }
    }

    #[test]
    fn lines_drop_newlines_but_keep_empty_lines() {
        assert_eq!(lines(b""), Vec::<&[u8]>::new());
        assert_eq!(lines(b"\n"), [b""]);
        assert_eq!(lines(b"a\n\nb"), [&b"a"[..], b"", b"b"]);
        assert_eq!(lines(b"a\r\nb\n"), [&b"a\r"[..], b"b"]);
        assert_eq!(lines(b"\n\n"), [b"", b""]);
        assert_eq!(lines(b"0123456789abcdef\n"), [b"0123456789abcdef"]);
    }
}
