//! `zseg bench`: the built-in corpus through the library, timed and verified.

use std::io::Write;
use std::time::{Duration, Instant};

use zseg::{corpus, BatchOptions, Compressor, Decompressor};

use super::{check_target, create_seekable, human, library_error, ratio};
use crate::args::{BenchArgs, Corpus};
use crate::error::{CliError, CliResult};
use crate::interrupt;
use crate::progress::{Reporter, Unit};

pub fn run(a: &BenchArgs, reporter: Reporter) -> CliResult<()> {
    if let Some(path) = &a.write {
        check_target(path, &format!("--write {}", path.display()))?;
    }
    check_memory(a)?;
    let items = {
        let _phase = reporter.phase("generating the corpus", Unit::Spinner, 0);
        match a.corpus {
            Corpus::Json => corpus::json_records(a.items, a.seed),
            Corpus::Text => corpus::text_chunks(a.items, a.item_size, a.seed),
            Corpus::Lowc => corpus::low_compressibility(a.items, a.item_size, a.seed),
        }
    };
    let views: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
    let sizes: Vec<u64> = items.iter().map(|i| i.len() as u64).collect();
    let total: u64 = sizes.iter().sum();
    let n = items.len() as u64;
    let threads = a.threads.batch_threads();
    let bench = std::path::Path::new("bench");
    let fail = |e: zseg::Error| library_error(bench, &e, |i| i);

    let compressor = Compressor::new(a.level)
        .map_err(|e| CliError::new(format!("-l {}: {}", a.level, e.message)))?;
    let rounds = Rounds {
        reporter,
        rounds: a.rounds,
        n,
        threads,
    };
    let (frames, compress_time) = rounds.best_of(
        "compressing",
        |opts| Ok(compressor.compress(&views[..], opts).map_err(fail)?.output),
        |_| Ok(()),
    )?;
    let compressed = frames.content_size();

    let mut decompressor = Decompressor::new();
    // The corpus is the tool's own: no item is a bomb, whatever --item-size says.
    decompressor.set_max_item_size(sizes.iter().copied().max().unwrap_or(0));
    let decompress = |opts: &mut BatchOptions| {
        Ok(decompressor
            .decompress(&frames, Some(&sizes), opts)
            .map_err(fail)?
            .output)
    };
    let (_, decompress_time) = rounds.best_of("decompressing", decompress, |out| {
        match (0..items.len()).find(|&i| out.get(i) != Some(&items[i][..])) {
            Some(bad) => Err(CliError::new(format!(
                "bench: item {bad} did not round-trip (a bug: please report it)"
            ))),
            None => Ok(()),
        }
    })?;

    let mut written = None;
    if let Some(path) = &a.write {
        let t = Instant::now();
        let (mut writer, _removed_if_killed) = create_seekable(path, false)?;
        writer
            .append(&frames)
            .map_err(|e| library_error(path, &e, |i| i))?;
        let _uninterrupted = interrupt::critical_section();
        writer
            .finish()
            .map_err(|e| library_error(path, &e, |i| i))?;
        written = Some((path, t.elapsed()));
    }

    let workers = match a.threads.threads {
        0 => format!(
            "{} (one per CPU)",
            std::thread::available_parallelism().map_or(1, |c| c.get())
        ),
        t => t.to_string(),
    };
    let corpus = match a.corpus {
        Corpus::Json => "json (records of 0.5-2 KB)".to_owned(),
        Corpus::Text => format!("text ({} chunks)", human(a.item_size as u64)),
        Corpus::Lowc => format!(
            "lowc ({} of nearly random bytes)",
            human(a.item_size as u64)
        ),
    };
    let mbps = |t: Duration| total as f64 / 1e6 / t.as_secs_f64().max(1e-9);
    let mut lines = vec![
        format!("corpus:       {corpus}, seed {}", a.seed),
        format!("items:        {n}"),
        format!("bytes:        {total} ({})", human(total)),
        format!("compressed:   {compressed} ({})", human(compressed)),
        format!("ratio:        {}", ratio(total, compressed)),
        format!("level:        {}", a.level),
        format!("threads:      {workers}"),
        format!(
            "compress:     {:.1} MB/s ({:.3} s, best of {})",
            mbps(compress_time),
            compress_time.as_secs_f64(),
            a.rounds
        ),
        format!(
            "decompress:   {:.1} MB/s ({:.3} s, best of {})",
            mbps(decompress_time),
            decompress_time.as_secs_f64(),
            a.rounds
        ),
        format!("verified:     all {n} items round-trip"),
    ];
    if let Some((path, t)) = written {
        lines.push(format!(
            "written:      {} ({:.3} s)",
            path.display(),
            t.as_secs_f64()
        ));
    }
    let mut out = std::io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}").map_err(CliError::stdout)?;
    }
    Ok(())
}

/// The timed rounds of one bench run: each batch runs `rounds` times on `threads` workers.
struct Rounds {
    reporter: Reporter,
    rounds: u32,
    n: u64,
    threads: i32,
}

impl Rounds {
    /// Runs `batch` every round, each under its own progress bar ("{what} (k/rounds)", n
    /// items), and returns the last round's output with the fastest round's time. Only
    /// `batch` is timed; `verify` checks each round's output after it.
    fn best_of<T: Default>(
        &self,
        what: &str,
        mut batch: impl FnMut(&mut BatchOptions) -> CliResult<T>,
        mut verify: impl FnMut(&T) -> CliResult<()>,
    ) -> CliResult<(T, Duration)> {
        let mut output = T::default();
        let mut best = Duration::MAX;
        for round in 1..=self.rounds {
            let phase = self.reporter.phase(
                &format!("{what} ({round}/{})", self.rounds),
                Unit::Items,
                self.n,
            );
            let mut report = |done, total| {
                phase.set(done, total);
                true
            };
            let mut opts = BatchOptions {
                threads: self.threads,
                keep_going: false,
                progress: Some(&mut report),
            };
            let t = Instant::now();
            output = batch(&mut opts)?;
            best = best.min(t.elapsed());
            verify(&output)?;
        }
        Ok((output, best))
    }
}

/// Refuses a corpus that cannot fit in this machine's memory (read from /proc/meminfo; not
/// checked where it cannot be read), before generating it: the run holds the corpus, its
/// frames and their decompression, about three times its size.
fn check_memory(a: &BenchArgs) -> CliResult<()> {
    let item = match a.corpus {
        Corpus::Json => 1250, // records of 0.5-2 KB, 1.25 KB on average
        Corpus::Text | Corpus::Lowc => a.item_size,
    };
    let need = a.items.checked_mul(item).and_then(|b| b.checked_mul(3));
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        let kib = m.lines().find_map(|l| l.strip_prefix("MemTotal:"))?;
        kib.trim().trim_end_matches("kB").trim().parse::<u64>().ok()
    });
    match (need, total.map(|kib| kib.saturating_mul(1024))) {
        (Some(need), Some(total)) if need as u64 <= total => Ok(()),
        (Some(_), None) => Ok(()),
        (need, total) => Err(CliError::new(format!(
            "-n {} items of about {}: the run needs about {} of memory (the corpus, its frames \
             and their decompression), more than this machine's {}",
            a.items,
            human(item as u64),
            need.map_or("more than 2^64 bytes".into(), |b| human(b as u64)),
            total.map_or("memory".into(), human)
        ))),
    }
}
