//! Batch benchmark: zseg against plain single-threaded libzstd loops, in one run.
//!
//! ```text
//! cargo bench --bench batch                 # full run: median of 9-41 repetitions (~3 minutes)
//! cargo bench --bench batch -- --quick      # smoke run: 3 repetitions, corpora 1/10 the size
//! ZSEG_BENCH_QUICK=1 cargo bench --bench batch
//! cargo bench --bench batch -- --instructions   # threads=1 under callgrind (see `instructions`)
//! ```
//!
//! For each built-in corpus at level 3 it times (interleaved, in an order that changes with each
//! repetition so that every run follows every other equally often; median of the repetitions;
//! steps whose baseline is fast get more repetitions, up to 41):
//! - compression: a plain loop of `ZSTD_compressCCtx` with one reused context writing into one
//!   preallocated buffer; zseg `compress` at threads 1 and 2 (a new collection each time);
//!   `compress_into` at threads 1 and 2 with a reused destination, as the loop has;
//! - decompression: a plain loop of `ZSTD_decompressDCtx` with one reused context into one
//!   preallocated buffer; zseg `decompress` at threads 1 and 2; `decompress_into` at threads 1
//!   and 2 with a reused destination.
//!
//! A reference row runs the plain loop on two threads at once, each over half of the input
//! (split by bytes): what this machine gives two workers with no engine at all.
//!
//! Every zseg output is checked against the loop's (frames byte for byte, items against the
//! input). Peak RSS is measured in a separate pass, one run per step, holding only what the
//! step's bound counts (the peak is reset by writing 5 to /proc/self/clear_refs, then read
//! from VmHWM). A small batch (64 items of 1 KiB) compares threads 1 and 2.
//! python-zstandard is measured too when `.venv/bin/python` exists (see `scripts/py-venv`;
//! `ZSEG_BENCH_PYTHON` names another interpreter, `ZSEG_BENCH_PYTHON=none` skips it).
//!
//! Progress goes to stderr; the Markdown tables go to stdout.

use std::fmt::Write as _;
use std::mem::MaybeUninit;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use zseg::{corpus, BatchOptions, Collection, Compressor, Decompressor, Segment};
use zstd_sys as sys;

#[path = "batch/instructions.rs"]
mod instructions;

const LEVEL: i32 = 3;
const MIB: f64 = 1024.0 * 1024.0;
const RSS_SLACK: u64 = 64 << 20;

struct Config {
    reps: usize,
    /// Divides the corpus sizes (quick mode).
    scale: usize,
    quick: bool,
}

/// A corpus stored contiguously (one allocation, so dropping it returns its memory).
struct Corpus {
    name: &'static str,
    data: Vec<u8>,
    ranges: Vec<Range<usize>>,
}

impl Corpus {
    fn new(name: &'static str, items: Vec<Vec<u8>>) -> Corpus {
        let total = items.iter().map(Vec::len).sum();
        let mut data = Vec::with_capacity(total);
        let mut ranges = Vec::with_capacity(items.len());
        for item in &items {
            ranges.push(data.len()..data.len() + item.len());
            data.extend_from_slice(item);
        }
        drop(items);
        trim_heap();
        Corpus { name, data, ranges }
    }

    fn items(&self) -> Vec<&[u8]> {
        slices(&self.data, &self.ranges)
    }
}

fn slices<'a>(data: &'a [u8], ranges: &[Range<usize>]) -> Vec<&'a [u8]> {
    ranges.iter().map(|r| &data[r.clone()]).collect()
}

/// Makes one corpus's items.
type MakeCorpus = fn(&Config) -> Vec<Vec<u8>>;

/// One line of the result table.
struct Row {
    corpus: &'static str,
    step: &'static str,
    run: &'static str,
    /// Seconds per repetition.
    secs: Vec<f64>,
    /// Uncompressed bytes processed per repetition.
    bytes: usize,
    /// Minimum ratio to the loop that the targets ask for.
    target: Option<f64>,
    rss: Option<Rss>,
    rss_bound: u64,
}

impl Row {
    fn mbps(&self) -> f64 {
        self.bytes as f64 / 1e6 / median(&self.secs)
    }
}

/// The benchmark's corpora, at full size when `scale` is 1.
const CORPORA: [(&str, MakeCorpus); 3] = [
    ("(a) JSON records 0.5–2 KB", |c| {
        corpus::json_records(100_000 / c.scale, 1)
    }),
    ("(b) text chunks 64 KiB", |c| {
        corpus::text_chunks(2_000 / c.scale, 65_536, 2)
    }),
    ("(c) low-compressibility 4 KiB", |c| {
        corpus::low_compressibility(10_000 / c.scale, 4_096, 3)
    }),
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--count") {
        return instructions::run_one(&args[i + 1..]);
    }
    if args.iter().any(|a| a == "--instructions") {
        return instructions::report();
    }
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var("ZSEG_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let cfg = Config {
        reps: if quick { 3 } else { 5 },
        scale: if quick { 10 } else { 1 },
        quick,
    };
    let started = Instant::now();
    let load_before = loadavg();
    let rss_ok = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    if !rss_ok {
        eprintln!("note: cannot write /proc/self/clear_refs: peak RSS is not measured");
    }
    let python = python();

    let mut rows = Vec::new();
    let mut summaries = Vec::new();
    let mut py_rows = Vec::new();
    for (name, make) in CORPORA {
        eprintln!("[{:>5.1}s] {name}: generating", secs(started));
        let corpus = Corpus::new(name, make(&cfg));
        let (summary, mut r, frames) = bench_corpus(&cfg, corpus, rss_ok, started);
        if let Some(py) = &python {
            eprintln!("[{:>5.1}s] {name}: python-zstandard", secs(started));
            match py_bench(py, &cfg, name, &frames, &summary) {
                Ok(mut p) => py_rows.append(&mut p),
                Err(e) => eprintln!("python-zstandard bench failed: {e}"),
            }
        }
        summaries.push(summary);
        rows.append(&mut r);
    }
    eprintln!("[{:>5.1}s] small batches", secs(started));
    let small = bench_small();
    let load_after = loadavg();

    print_report(
        &cfg,
        &summaries,
        &rows,
        &py_rows,
        &small,
        &load_before,
        &load_after,
        secs(started),
    );
    let failed = rows
        .iter()
        .any(|r| r.target.is_some_and(|t| ratio(r, &rows) < t))
        || small.iter().any(|s| s.t2 > s.t1 * 1.05);
    if failed {
        eprintln!("some targets were missed (see the table); on a loaded machine, rerun idle");
    }
}

struct Summary {
    name: &'static str,
    items: usize,
    input: usize,
    compressed: usize,
    bound: usize,
}

/// Frames of one corpus, written by the loop: data and one range per item.
struct Frames {
    data: Vec<u8>,
    ranges: Vec<Range<usize>>,
    sizes: Vec<u64>,
}

fn bench_corpus(
    cfg: &Config,
    corpus: Corpus,
    rss_ok: bool,
    started: Instant,
) -> (Summary, Vec<Row>, Frames) {
    let name = corpus.name;
    let items = corpus.items();
    let input: usize = corpus.data.len();
    let bound = zseg::compress_bound(items.iter().map(|i| i.len())).expect("bound");
    let compressor = Compressor::new(LEVEL).expect("compressor");
    let opts = |threads| BatchOptions {
        threads,
        ..Default::default()
    };
    let c_bound = (input + bound) as u64 + RSS_SLACK;

    // Peak RSS of each compression step, holding the input only. Also the warm-up.
    eprintln!("[{:>5.1}s] {name}: compression, peak RSS", secs(started));
    let mut c_rss = [None; 6];
    if rss_ok {
        c_rss[0] = Some(peak_of(|| {
            let mut out = uninit(bound);
            let mut ranges = Vec::with_capacity(items.len());
            loop_compress(&items, &mut out, &mut ranges);
        }));
        c_rss[1] = Some(peak_of(|| compressor.compress(&items[..], &mut opts(1))));
        c_rss[2] = Some(peak_of(|| compressor.compress(&items[..], &mut opts(2))));
        for (k, threads) in [(3, 1), (4, 2)] {
            c_rss[k] = Some(peak_of(|| {
                let mut dst = uninit(bound);
                compressor
                    .compress_into(&items[..], &mut opts(threads), &mut dst)
                    .expect("compress_into")
            }));
        }
        trim_heap();
    }

    // Timing, interleaved.
    eprintln!("[{:>5.1}s] {name}: compression, timing", secs(started));
    let mut t = [(); 6].map(|_| Vec::new());
    let lengths: Vec<usize> = items.iter().map(|i| i.len()).collect();
    // The loop, the reference and the `_into` runs all write into `dst`: where the output lies
    // relative to the input moves some steps by up to 10 % here (4K aliasing), so they share it.
    let mut dst = uninit(bound);
    let mut loop_ranges = Vec::with_capacity(items.len());
    let start = Instant::now();
    let used = loop_compress(&items, &mut dst, &mut loop_ranges);
    let reps = repetitions(cfg, secs(start));
    let loop_frames = init_bytes(&dst[..used]).to_vec();
    for rep in 0..reps {
        for k in rotated(rep) {
            let start = Instant::now();
            match k {
                0 => {
                    assert_eq!(loop_compress(&items, &mut dst, &mut loop_ranges), used);
                }
                5 => {
                    let bound_of =
                        |l: &[usize]| zseg::compress_bound(l.iter().copied()).expect("bound");
                    let used2 = two_threads(&items, &lengths, bound_of, &mut dst, |part, out| {
                        loop_compress(part, out, &mut Vec::with_capacity(part.len()))
                    });
                    assert_eq!(used2, used);
                }
                1 | 2 => {
                    let out = compressor
                        .compress(&items[..], &mut opts(k as i32))
                        .expect("compress");
                    t[k].push(secs(start));
                    if rep == 0 {
                        check_frames_collection(&out.output, &loop_frames, &loop_ranges, name);
                    }
                    continue;
                }
                _ => {
                    let packed = compressor
                        .compress_into(&items[..], &mut opts(k as i32 - 2), &mut dst)
                        .expect("compress_into");
                    t[k].push(secs(start));
                    if rep == 0 {
                        let (used, segments) = &packed.output;
                        check_frames_packed(
                            &dst[..*used],
                            segments,
                            &loop_frames,
                            &loop_ranges,
                            name,
                        );
                    }
                    continue;
                }
            }
            t[k].push(secs(start));
        }
    }
    drop(dst);
    let compressed = used;
    let frames = Frames {
        data: loop_frames,
        sizes: items.iter().map(|i| i.len() as u64).collect(),
        ranges: loop_ranges,
    };
    trim_heap();

    let mut rows = Vec::new();
    let runs = [
        "libzstd loop, 1 context",
        "zseg threads=1",
        "zseg threads=2",
        "zseg `compress_into` threads=1, reused dst",
        "zseg `compress_into` threads=2, reused dst",
        TWO_LOOPS,
    ];
    let targets = [None, Some(1.0), Some(1.85), Some(1.0), Some(1.85), None];
    for k in [0, 5, 1, 2, 3, 4] {
        rows.push(Row {
            corpus: name,
            step: "compress",
            run: runs[k],
            secs: std::mem::take(&mut t[k]),
            bytes: input,
            target: targets[k],
            rss: c_rss[k],
            rss_bound: c_bound,
        });
    }

    // Decompression timing, interleaved; every output is compared with the input.
    eprintln!("[{:>5.1}s] {name}: decompression, timing", secs(started));
    let decompressor = Decompressor::new();
    let d_bound = (compressed + input) as u64 + RSS_SLACK;
    {
        let fr = slices(&frames.data, &frames.ranges);
        // Shared by the loop, the reference and the `_into` runs, as in compression.
        let mut dst = uninit(input);
        let used = loop_decompress(&fr, &mut dst);
        assert_eq!(used, input);
        assert!(
            init_bytes(&dst) == corpus.data,
            "{name}: the libzstd loop lost data"
        );
        let start = Instant::now();
        loop_decompress(&fr, &mut dst);
        let reps = repetitions(cfg, secs(start));
        for rep in 0..reps {
            for k in rotated(rep) {
                let start = Instant::now();
                match k {
                    0 => assert_eq!(loop_decompress(&fr, &mut dst), used),
                    5 => {
                        let sum = |l: &[usize]| l.iter().sum();
                        let used2 = two_threads(&fr, &lengths, sum, &mut dst, loop_decompress);
                        assert_eq!(used2, used);
                    }
                    1 | 2 => {
                        let out = decompressor
                            .decompress(&fr[..], None, &mut opts(k as i32))
                            .expect("decompress");
                        t[k].push(secs(start));
                        if rep == 0 {
                            let c = &out.output;
                            assert_eq!(c.count(), items.len());
                            for (i, item) in items.iter().enumerate() {
                                assert!(
                                    c.get(i) == Some(*item),
                                    "{name}: decompress item {i} differs"
                                );
                            }
                        }
                        continue;
                    }
                    _ => {
                        let packed = decompressor
                            .decompress_into(&fr[..], None, &mut opts(k as i32 - 2), &mut dst)
                            .expect("decompress_into");
                        t[k].push(secs(start));
                        if rep == 0 {
                            let (used, segments) = &packed.output;
                            assert_eq!(*used, input);
                            let out = init_bytes(&dst[..*used]);
                            for (i, (item, s)) in items.iter().zip(segments).enumerate() {
                                let got = &out[s.offset as usize..(s.offset + s.length) as usize];
                                assert!(got == *item, "{name}: decompress_into item {i} differs");
                            }
                        }
                        continue;
                    }
                }
                t[k].push(secs(start));
            }
        }
    }
    drop(items);
    drop(corpus); // the decompression RSS pass holds the frames only
    trim_heap();

    eprintln!("[{:>5.1}s] {name}: decompression, peak RSS", secs(started));
    let mut d_rss = [None; 6];
    if rss_ok {
        let fr = slices(&frames.data, &frames.ranges);
        d_rss[0] = Some(peak_of(|| {
            let mut out = uninit(input);
            loop_decompress(&fr, &mut out);
            out
        }));
        d_rss[1] = Some(peak_of(|| {
            decompressor.decompress(&fr[..], None, &mut opts(1))
        }));
        d_rss[2] = Some(peak_of(|| {
            decompressor.decompress(&fr[..], None, &mut opts(2))
        }));
        for (k, threads) in [(3, 1), (4, 2)] {
            d_rss[k] = Some(peak_of(|| {
                let mut dst = uninit(input);
                decompressor
                    .decompress_into(&fr[..], None, &mut opts(threads), &mut dst)
                    .expect("decompress_into");
                dst
            }));
        }
        trim_heap();
    }
    let runs = [
        "libzstd loop, 1 context",
        "zseg threads=1",
        "zseg threads=2",
        "zseg `decompress_into` threads=1, reused dst",
        "zseg `decompress_into` threads=2, reused dst",
        TWO_LOOPS,
    ];
    for k in [0, 5, 1, 2, 3, 4] {
        rows.push(Row {
            corpus: name,
            step: "decompress",
            run: runs[k],
            secs: std::mem::take(&mut t[k]),
            bytes: input,
            target: targets[k],
            rss: d_rss[k],
            rss_bound: d_bound,
        });
    }
    let summary = Summary {
        name,
        items: frames.ranges.len(),
        input,
        compressed,
        bound,
    };
    (summary, rows, frames)
}

/// The six timed runs of a step (0 loop, 1-2 zseg threads 1-2, 3-4 `_into` threads 1-2,
/// 5 the reference) in the order of repetition `rep`: the rows of a balanced Latin square
/// (Williams), so that over six repetitions every run follows every other run once and no run
/// always comes right after the same one (a run right after a two-thread one is measurably
/// slower here).
fn rotated(rep: usize) -> impl Iterator<Item = usize> {
    const FIRST_ROW: [usize; 6] = [0, 1, 5, 2, 4, 3];
    (0..6).map(move |j| (FIRST_ROW[j] + rep) % 6)
}

/// Repetitions of a step whose baseline run took `secs`: at least `cfg.reps`, and for fast steps
/// as many as fill about 6 s of baseline runs (at most 41, always odd), so that no median is at
/// the mercy of a few noisy runs.
fn repetitions(cfg: &Config, secs: f64) -> usize {
    if cfg.quick {
        return cfg.reps;
    }
    ((6.0 / secs).ceil() as usize).clamp(cfg.reps, 41) | 1
}

/// The reference row: what this machine gives two threads running the plain loop at once.
const TWO_LOOPS: &str = "reference: the loop on 2 threads, half of the input each";

/// Runs `run` on two threads at once (the calling one and one more) over the two halves of
/// `items`, split where half of the `lengths` bytes is reached, the first writing
/// `out[..room(first half's lengths)]` and the second the rest; returns the bytes both wrote.
/// The machine's ceiling for two workers: no planning, no bookkeeping, a static split.
fn two_threads<T: Sync>(
    items: &[T],
    lengths: &[usize],
    room: impl Fn(&[usize]) -> usize,
    out: &mut [MaybeUninit<u8>],
    run: impl Fn(&[T], &mut [MaybeUninit<u8>]) -> usize + Sync,
) -> usize {
    let total: usize = lengths.iter().sum();
    let mut acc = 0;
    let mid = lengths
        .iter()
        .position(|&l| {
            acc += l;
            acc * 2 >= total
        })
        .map_or(0, |i| i + 1);
    let (a, b) = items.split_at(mid);
    let (oa, ob) = out.split_at_mut(room(&lengths[..mid]));
    std::thread::scope(|s| {
        let first = s.spawn(|| run(a, oa));
        let second = run(b, ob);
        first.join().expect("loop thread") + second
    })
}

/// The plain baseline: one reused context, frames back to back in one preallocated buffer.
fn loop_compress(
    items: &[&[u8]],
    out: &mut [MaybeUninit<u8>],
    ranges: &mut Vec<Range<usize>>,
) -> usize {
    ranges.clear();
    let mut pos = 0;
    // SAFETY: plain libzstd calls on valid buffers; the context is freed below.
    unsafe {
        let cctx = sys::ZSTD_createCCtx();
        assert!(!cctx.is_null());
        for item in items {
            let n = sys::ZSTD_compressCCtx(
                cctx,
                out.as_mut_ptr().add(pos).cast(),
                out.len() - pos,
                item.as_ptr().cast(),
                item.len(),
                LEVEL,
            );
            assert_eq!(sys::ZSTD_isError(n), 0, "ZSTD_compressCCtx failed");
            ranges.push(pos..pos + n);
            pos += n;
        }
        sys::ZSTD_freeCCtx(cctx);
    }
    pos
}

/// The plain baseline: one reused context, items back to back in one preallocated buffer.
fn loop_decompress(frames: &[&[u8]], out: &mut [MaybeUninit<u8>]) -> usize {
    let mut pos = 0;
    // SAFETY: plain libzstd calls on valid buffers; the context is freed below.
    unsafe {
        let dctx = sys::ZSTD_createDCtx();
        assert!(!dctx.is_null());
        for frame in frames {
            let n = sys::ZSTD_decompressDCtx(
                dctx,
                out.as_mut_ptr().add(pos).cast(),
                out.len() - pos,
                frame.as_ptr().cast(),
                frame.len(),
            );
            assert_eq!(sys::ZSTD_isError(n), 0, "ZSTD_decompressDCtx failed");
            pos += n;
        }
        sys::ZSTD_freeDCtx(dctx);
    }
    pos
}

fn check_frames_collection(c: &Collection, data: &[u8], ranges: &[Range<usize>], name: &str) {
    assert_eq!(c.count(), ranges.len());
    for (i, r) in ranges.iter().enumerate() {
        assert!(
            c.get(i) == Some(&data[r.clone()]),
            "{name}: zseg frame {i} differs from libzstd's"
        );
    }
}

fn check_frames_packed(
    dst: &[MaybeUninit<u8>],
    segments: &[Segment],
    data: &[u8],
    ranges: &[Range<usize>],
    name: &str,
) {
    let dst = init_bytes(dst);
    assert_eq!(segments.len(), ranges.len());
    for (i, (s, r)) in segments.iter().zip(ranges).enumerate() {
        let got = &dst[s.offset as usize..(s.offset + s.length) as usize];
        assert!(
            got == &data[r.clone()],
            "{name}: compress_into frame {i} differs from libzstd's"
        );
    }
}

/// A destination the library fills; its pages stay untouched (no RSS) until written.
fn uninit(n: usize) -> Vec<MaybeUninit<u8>> {
    let mut v = Vec::with_capacity(n);
    // SAFETY: MaybeUninit needs no initialization.
    unsafe { v.set_len(n) };
    v
}

/// The bytes of a destination region the library reported as written.
fn init_bytes(v: &[MaybeUninit<u8>]) -> &[u8] {
    // SAFETY: called only on the `used` prefix, which the library initialized.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast(), v.len()) }
}

/// Resident bytes before `f` runs (after giving freed heap pages back) and the peak while it
/// runs and its result is alive.
fn peak_of<T>(f: impl FnOnce() -> T) -> Rss {
    trim_heap();
    let before = status_kib("VmRSS:") * 1024;
    std::fs::write("/proc/self/clear_refs", "5").expect("clear_refs");
    let out = f();
    let peak = status_kib("VmHWM:") * 1024;
    drop(out);
    Rss { before, peak }
}

#[derive(Clone, Copy)]
struct Rss {
    before: u64,
    peak: u64,
}

fn status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Gives freed heap pages back, so that one phase's leftovers do not count in the next.
fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory.
    unsafe {
        libc::malloc_trim(0);
    }
}

struct Small {
    step: &'static str,
    t1: f64,
    t2: f64,
}

/// 64 items of 1 KiB: threads=2 must not be slower than threads=1.
fn bench_small() -> Vec<Small> {
    const BATCHES: usize = 300;
    const SAMPLES: usize = 9;
    let data = corpus::json_records(64, 9)
        .into_iter()
        .map(|mut r| {
            r.resize(1024, b' ');
            r
        })
        .collect::<Vec<_>>();
    let items: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
    let c = Compressor::new(LEVEL).expect("compressor");
    let d = Decompressor::new();
    let frames = c
        .compress(&items[..], &mut BatchOptions::default())
        .expect("compress")
        .output;
    let frames: Vec<&[u8]> = (0..frames.count())
        .map(|i| frames.get(i).unwrap())
        .collect();
    let per_batch = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..BATCHES {
            f();
        }
        secs(start) / BATCHES as f64
    };
    let mut out = Vec::new();
    for step in ["compress", "decompress"] {
        let (mut t1, mut t2) = (Vec::new(), Vec::new());
        for sample in 0..SAMPLES {
            // Alternate which runs first, so that drift favours neither.
            let order = if sample % 2 == 0 {
                [(1, &mut t1), (2, &mut t2)]
            } else {
                [(2, &mut t2), (1, &mut t1)]
            };
            for (threads, t) in order {
                let mut opts = BatchOptions {
                    threads,
                    ..Default::default()
                };
                t.push(if step == "compress" {
                    per_batch(&mut || {
                        c.compress(&items[..], &mut opts).expect("compress");
                    })
                } else {
                    per_batch(&mut || {
                        d.decompress(&frames[..], None, &mut opts)
                            .expect("decompress");
                    })
                });
            }
        }
        out.push(Small {
            step,
            t1: median(&t1),
            t2: median(&t2),
        });
    }
    out
}

/// The interpreter for the python-zstandard comparison, if any.
fn python() -> Option<PathBuf> {
    match std::env::var("ZSEG_BENCH_PYTHON") {
        Ok(v) if v == "none" || v.is_empty() => None,
        Ok(v) => Some(PathBuf::from(v)),
        Err(_) => {
            let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
            if venv.exists() {
                Some(venv)
            } else {
                eprintln!("note: no .venv (scripts/py-venv): python-zstandard is not measured");
                None
            }
        }
    }
}

struct PyRow {
    version: String,
    corpus: &'static str,
    step: &'static str,
    mbps: f64,
}

/// Runs benches/pyzstd_bench.py on the same frames (and so the same items): the script
/// decompresses the frames once to get the items back, checks its own frames equal ours,
/// then times multi_compress_to_buffer and multi_decompress_to_buffer at threads 2.
fn py_bench(
    python: &Path,
    cfg: &Config,
    name: &'static str,
    frames: &Frames,
    summary: &Summary,
) -> Result<Vec<PyRow>, String> {
    let dir = std::env::temp_dir().join(format!("zseg-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = (|| {
        let data = dir.join("frames.bin");
        let segs = dir.join("segments.bin");
        let sizes = dir.join("sizes.bin");
        std::fs::write(&data, &frames.data).map_err(|e| e.to_string())?;
        let mut seg_bytes = Vec::with_capacity(frames.ranges.len() * 16);
        for r in &frames.ranges {
            seg_bytes.extend_from_slice(&(r.start as u64).to_ne_bytes());
            seg_bytes.extend_from_slice(&(r.len() as u64).to_ne_bytes());
        }
        std::fs::write(&segs, seg_bytes).map_err(|e| e.to_string())?;
        let size_bytes: Vec<u8> = frames.sizes.iter().flat_map(|s| s.to_ne_bytes()).collect();
        std::fs::write(&sizes, size_bytes).map_err(|e| e.to_string())?;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/pyzstd_bench.py");
        let out = Command::new(python)
            .arg(script)
            .args([&data, &segs, &sizes])
            .args(["--level", &LEVEL.to_string()])
            .args(["--reps", &cfg.reps.to_string()])
            .args(["--threads", "2"])
            .output()
            .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut rows = Vec::new();
        let mut version = String::from("?");
        for line in text.lines() {
            // "compress <seconds>" / "decompress <seconds>"
            let mut f = line.split_whitespace();
            let (Some(step), Some(s)) = (f.next(), f.next()) else {
                continue;
            };
            let step = match step {
                "version" => {
                    version = s.to_string();
                    continue;
                }
                "compress" => "compress",
                "decompress" => "decompress",
                _ => continue,
            };
            let s: f64 = s.parse().map_err(|_| format!("bad line {line:?}"))?;
            rows.push(PyRow {
                version: version.clone(),
                corpus: name,
                step,
                mbps: summary.input as f64 / 1e6 / s,
            });
        }
        Ok(rows)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn ratio(row: &Row, rows: &[Row]) -> f64 {
    let base = rows
        .iter()
        .find(|r| r.corpus == row.corpus && r.step == row.step && r.target.is_none())
        .expect("baseline row");
    row.mbps() / base.mbps()
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn secs(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn mib(b: u64) -> String {
    format!("{:.0}", b as f64 / MIB)
}

#[allow(clippy::too_many_arguments)]
fn print_report(
    cfg: &Config,
    summaries: &[Summary],
    rows: &[Row],
    py_rows: &[PyRow],
    small: &[Small],
    load_before: &str,
    load_after: &str,
    total_secs: f64,
) {
    let mut s = String::new();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let _ = writeln!(
        s,
        "zseg {} / libzstd {}, level {LEVEL}, {cpus} CPUs, median of the repetitions in column \
         reps (at least {}; fast steps get more){}; \
         load average {load_before} before, {load_after} after; {total_secs:.0} s in all.\n\
         Command: `cargo bench --bench batch{}`. MB/s = 10^6 bytes of uncompressed data per second.\n",
        env!("CARGO_PKG_VERSION"),
        zstd_version_string(),
        cfg.reps,
        if cfg.quick {
            " (QUICK mode: corpora 1/10 the size, not for the README)"
        } else {
            ""
        },
        if cfg.quick { " -- --quick" } else { "" },
    );
    let _ = writeln!(
        s,
        "| corpus | items | input MiB | compressed MiB | ratio | compress bound MiB |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|");
    for c in summaries {
        let _ = writeln!(
            s,
            "| {} | {} | {:.1} | {:.1} | {:.2} | {:.1} |",
            c.name,
            c.items,
            c.input as f64 / MIB,
            c.compressed as f64 / MIB,
            c.input as f64 / c.compressed.max(1) as f64,
            c.bound as f64 / MIB,
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "| corpus | step | run | reps | MB/s | vs loop | target | RSS before MiB | peak RSS MiB | RSS bound MiB |"
    );
    let _ = writeln!(s, "|---|---|---|---:|---:|---:|---|---:|---:|---:|");
    let mut last = ("", "");
    for r in rows {
        let ratio = ratio(r, rows);
        let target = match r.target {
            None => String::new(),
            Some(t) if ratio >= t => format!("≥ {t:.2}× ok"),
            Some(t) => format!("≥ {t:.2}× **missed**"),
        };
        let (corpus, step) = if (r.corpus, r.step) == last {
            ("", "")
        } else {
            (r.corpus, r.step)
        };
        last = (r.corpus, r.step);
        let (before, rss) = match r.rss {
            Some(p) if p.peak <= r.rss_bound => (mib(p.before), mib(p.peak)),
            Some(p) => (mib(p.before), format!("**{}** (over)", mib(p.peak))),
            None => ("n/a".into(), "n/a".into()),
        };
        let _ = writeln!(
            s,
            "| {corpus} | {step} | {} | {} | {:.0} | {ratio:.2}× | {target} | {before} | {rss} | {} |",
            r.run,
            r.secs.len(),
            r.mbps(),
            mib(r.rss_bound),
        );
    }
    if !py_rows.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "python-zstandard {} (`multi_compress_to_buffer` / `multi_decompress_to_buffer`, \
             threads=2), same items, same run:\n",
            py_rows[0].version
        );
        let _ = writeln!(
            s,
            "| corpus | step | python-zstandard MB/s | zseg threads=2 MB/s | zseg / python-zstandard |"
        );
        let _ = writeln!(s, "|---|---|---:|---:|---:|");
        for p in py_rows {
            let z = rows
                .iter()
                .find(|r| r.corpus == p.corpus && r.step == p.step && r.run == "zseg threads=2")
                .map_or(0.0, Row::mbps);
            let _ = writeln!(
                s,
                "| {} | {} | {:.0} | {z:.0} | {:.2}× |",
                p.corpus,
                p.step,
                p.mbps,
                z / p.mbps
            );
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Small batch, 64 items of 1 KiB (threads=2 must not be slower than threads=1):\n"
    );
    let _ = writeln!(
        s,
        "| step | threads=1 µs/batch | threads=2 µs/batch | t1/t2 |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|");
    for m in small {
        let _ = writeln!(
            s,
            "| {} | {:.1} | {:.1} | {:.2}× |",
            m.step,
            m.t1 * 1e6,
            m.t2 * 1e6,
            m.t1 / m.t2
        );
    }
    let _ = writeln!(
        s,
        "\nPeak RSS: one extra run per step, the peak reset before it (/proc/self/clear_refs) and \
         read after it (VmHWM), holding only what the bound counts; RSS before = resident when the \
         step starts (freed heap pages given back first): the program, the step's input and \
         whatever the library keeps between batches. Bounds: compress = input + \
         compress bound + 64 MiB; decompress = compressed + decompressed + 64 MiB."
    );
    print!("{s}");
}

fn zstd_version_string() -> String {
    let v = zseg::zstd_version();
    format!("{}.{}.{}", v / 10000, v / 100 % 100, v % 100)
}
