//! The main job, end to end: `cargo run --release --example demo`.
//!
//! Builds the built-in corpus (100,000 JSON-like records of 0.5–2 KB from a fixed seed),
//! compresses it with all cores, verifies every frame by decompressing it with plain libzstd,
//! then decompresses the whole batch with zseg and compares. Prints items, bytes, ratio and
//! MB/s for each step; draws a progress bar on stderr when a step runs over a second and
//! stderr is a terminal. Exits nonzero on any error or mismatch.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use zseg::{corpus, BatchOptions, Compressor, Decompressor};
use zstd_sys as sys;

const ITEMS: usize = 100_000;
const SEED: u64 = 42;
const LEVEL: i32 = 3;
const THREADS: i32 = -1; // all CPUs

fn main() -> ExitCode {
    match run() {
        Ok(0) => {
            println!("OK: every item round-trips");
            ExitCode::SUCCESS
        }
        Ok(bad) => {
            eprintln!("FAILED: {bad} mismatching items");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("FAILED: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<usize, String> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let v = zseg::zstd_version();
    println!(
        "zseg {} (libzstd {}.{}.{}), level {LEVEL}, threads {THREADS} ({cpus} CPUs)",
        env!("CARGO_PKG_VERSION"),
        v / 10000,
        v / 100 % 100,
        v % 100
    );

    let start = Instant::now();
    let records = corpus::json_records(ITEMS, SEED);
    let items: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
    let bytes_in: usize = items.iter().map(|i| i.len()).sum();
    println!(
        "corpus:     {} JSON-like records, {} bytes (seed {SEED}), built in {:.2} s",
        items.len(),
        bytes_in,
        start.elapsed().as_secs_f64()
    );

    // Compress with all cores.
    let compressor = Compressor::new(LEVEL).map_err(|e| format!("compressor: {e}"))?;
    let mut bar = Bar::new("compress");
    let start = Instant::now();
    let frames = {
        let mut cb = |done: u64, total: u64| {
            bar.update(done, total);
            true
        };
        let mut opts = BatchOptions {
            threads: THREADS,
            progress: Some(&mut cb),
            ..Default::default()
        };
        compressor
            .compress(&items[..], &mut opts)
            .map_err(|e| format!("compress: {e}"))?
            .output
    };
    let elapsed = start.elapsed();
    bar.finish();
    let bytes_out = frames.content_size() as usize;
    println!(
        "compress:   {} items, {bytes_in} -> {bytes_out} bytes, ratio {:.2}, {:.0} MB/s, {} buffers",
        frames.count(),
        bytes_in as f64 / bytes_out.max(1) as f64,
        mbps(bytes_in, elapsed),
        frames.buffers().len(),
    );
    if frames.count() != items.len() {
        return Err(format!(
            "{} frames for {} items",
            frames.count(),
            items.len()
        ));
    }

    // Verify every frame with plain libzstd, one reused context.
    let mut mismatches = 0;
    let mut bar = Bar::new("verify (libzstd)");
    let start = Instant::now();
    let max_item = items.iter().map(|i| i.len()).max().unwrap_or(0);
    let mut out = vec![0u8; max_item + 1];
    // SAFETY: plain libzstd calls on valid buffers; the context is freed below.
    unsafe {
        let dctx = sys::ZSTD_createDCtx();
        if dctx.is_null() {
            return Err("cannot allocate a ZSTD_DCtx".into());
        }
        for (i, item) in items.iter().enumerate() {
            let frame = frames.get(i).unwrap_or_default();
            let n = sys::ZSTD_decompressDCtx(
                dctx,
                out.as_mut_ptr().cast(),
                out.len(),
                frame.as_ptr().cast(),
                frame.len(),
            );
            if sys::ZSTD_isError(n) != 0 || &out[..n] != *item {
                if mismatches < 10 {
                    eprintln!("item {i}: libzstd does not give the item back");
                }
                mismatches += 1;
            }
            if i % 1024 == 0 {
                bar.update(i as u64, items.len() as u64);
            }
        }
        sys::ZSTD_freeDCtx(dctx);
    }
    let elapsed = start.elapsed();
    bar.finish();
    println!(
        "verify:     {} frames decompressed by libzstd (1 thread), {} mismatches, {:.0} MB/s",
        items.len(),
        mismatches,
        mbps(bytes_in, elapsed)
    );

    // Decompress the whole batch with zseg, all cores.
    let decompressor = Decompressor::new();
    let mut bar = Bar::new("decompress");
    let start = Instant::now();
    let back = {
        let mut cb = |done: u64, total: u64| {
            bar.update(done, total);
            true
        };
        let mut opts = BatchOptions {
            threads: THREADS,
            progress: Some(&mut cb),
            ..Default::default()
        };
        decompressor
            .decompress(&frames, None, &mut opts)
            .map_err(|e| format!("decompress: {e}"))?
            .output
    };
    let elapsed = start.elapsed();
    bar.finish();
    let mut bad = 0;
    if back.count() != items.len() {
        eprintln!("{} items back for {}", back.count(), items.len());
        bad += items.len().abs_diff(back.count());
    }
    for (i, item) in items.iter().enumerate() {
        if back.get(i) != Some(*item) {
            if bad < 10 {
                eprintln!("item {i}: zseg does not give the item back");
            }
            bad += 1;
        }
    }
    println!(
        "decompress: {} items, {bytes_out} -> {} bytes, {} mismatches, {:.0} MB/s",
        back.count(),
        back.content_size(),
        bad,
        mbps(bytes_in, elapsed)
    );
    Ok(mismatches + bad)
}

fn mbps(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / 1e6 / t.as_secs_f64().max(1e-9)
}

/// A one-line progress bar on stderr, drawn once a step has run for a second, only when
/// stderr is a terminal, and at most every 100 ms.
struct Bar {
    label: &'static str,
    start: Instant,
    last: Option<Instant>,
    tty: bool,
}

impl Bar {
    fn new(label: &'static str) -> Bar {
        Bar {
            label,
            start: Instant::now(),
            last: None,
            // SAFETY: isatty only inspects the descriptor.
            tty: unsafe { libc::isatty(2) } == 1,
        }
    }

    fn update(&mut self, done: u64, total: u64) {
        if !self.tty || self.start.elapsed() < Duration::from_secs(1) {
            return;
        }
        if self
            .last
            .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
            && done < total
        {
            return;
        }
        self.last = Some(Instant::now());
        const WIDTH: u64 = 40;
        let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH) as usize;
        let pct = (done * 100).checked_div(total).unwrap_or(100);
        let _ = write!(
            std::io::stderr(),
            "\r{:<16} [{}{}] {pct:>3}% {done}/{total}",
            self.label,
            "#".repeat(filled),
            ".".repeat(WIDTH as usize - filled),
        );
    }

    /// Erases the bar, if one was drawn.
    fn finish(&mut self) {
        if self.last.is_some() {
            let _ = write!(std::io::stderr(), "\r{:80}\r", "");
        }
    }
}
