//! `zseg bench`: the built-in corpus through the library, timed and verified.

use std::io::Write;
use std::time::{Duration, Instant};

use zseg::{corpus, BatchOptions, Collection, Compressor, Decompressor};

use super::{human, library_error, ratio};
use crate::args::{BenchArgs, Corpus};
use crate::error::{CliError, CliResult};
use crate::progress::{Reporter, Unit};

pub fn run(a: &BenchArgs, reporter: Reporter) -> CliResult<()> {
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
    let mut frames = Collection::default();
    let mut compress_time = Duration::MAX;
    for round in 1..=a.rounds {
        let phase = reporter.phase(
            &format!("compressing ({round}/{})", a.rounds),
            Unit::Items,
            n,
        );
        let mut report = |done, total| {
            phase.set(done, total);
            true
        };
        let mut opts = BatchOptions {
            threads,
            keep_going: false,
            progress: Some(&mut report),
        };
        let t = Instant::now();
        frames = compressor
            .compress(&views[..], &mut opts)
            .map_err(fail)?
            .output;
        compress_time = compress_time.min(t.elapsed());
    }
    let compressed = frames.content_size();

    let decompressor = Decompressor::new();
    let mut decompress_time = Duration::MAX;
    for round in 1..=a.rounds {
        let phase = reporter.phase(
            &format!("decompressing ({round}/{})", a.rounds),
            Unit::Items,
            n,
        );
        let mut report = |done, total| {
            phase.set(done, total);
            true
        };
        let mut opts = BatchOptions {
            threads,
            keep_going: false,
            progress: Some(&mut report),
        };
        let t = Instant::now();
        let out = decompressor
            .decompress(&frames, Some(&sizes), &mut opts)
            .map_err(fail)?
            .output;
        decompress_time = decompress_time.min(t.elapsed());
        if let Some(bad) = (0..items.len()).find(|&i| out.get(i) != Some(&items[i][..])) {
            return Err(CliError::new(format!(
                "bench: item {bad} did not round-trip (a bug: please report it)"
            )));
        }
    }

    let mut written = None;
    if let Some(path) = &a.write {
        let t = Instant::now();
        zseg::write_seekable(&frames, path, false).map_err(|e| library_error(path, &e, |i| i))?;
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
