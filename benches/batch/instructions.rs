//! Instructions counted by callgrind: what zseg at threads=1 executes beyond the plain loop.
//!
//! Wall-clock ratios at one thread sit within this VM's run-to-run spread of the loop (about
//! ±2 %), so they cannot tell a small overhead from noise. callgrind counts the instructions a
//! run executes, the same on every run of the same binary whatever else the machine does. Each
//! count comes from a child process under callgrind that builds one corpus (1/10 of the
//! benchmark's size) and runs one step once; a child that builds the same inputs and runs
//! nothing is subtracted. Instructions are not time: page faults (the kernel's) and cache misses
//! do not show, so this measures the engine's own work only.

use std::mem::MaybeUninit;
use std::path::Path;
use std::process::Command;

use zseg::{BatchOptions, Compressor, Decompressor};

use super::{loop_compress, loop_decompress, uninit, Config, Corpus, CORPORA};

/// What a child runs: nothing (the subtracted base), the loop, or zseg at threads=1.
const RUNS: [(&str, &str); 4] = [
    ("none", ""),
    ("loop", "libzstd loop, 1 context"),
    ("zseg", "zseg threads=1, new collection"),
    ("into", "zseg `_into` threads=1"),
];

/// The child: `--count CORPUS STEP RUN`, run once.
pub fn run_one(args: &[String]) {
    let [corpus, step, run] = args else {
        panic!("usage: --count CORPUS STEP RUN");
    };
    let cfg = Config {
        reps: 1,
        scale: 10,
        quick: true,
    };
    let (name, make) = CORPORA[corpus.parse::<usize>().expect("corpus index")];
    let corpus = Corpus::new(name, make(&cfg));
    let items = corpus.items();
    let bound = zseg::compress_bound(items.iter().map(|i| i.len())).expect("bound");
    let mut dst = uninit(bound);
    let mut ranges = Vec::with_capacity(items.len());
    let opts = || BatchOptions::default();
    let c = Compressor::new(super::LEVEL).expect("compressor");
    let d = Decompressor::new();
    match (step.as_str(), run.as_str()) {
        ("compress", "none") => {}
        ("compress", "loop") => {
            loop_compress(&items, &mut dst, &mut ranges);
        }
        ("compress", "zseg") => drop(c.compress(&items[..], &mut opts()).expect("compress")),
        ("compress", "into") => drop(
            c.compress_into(&items[..], &mut opts(), &mut dst)
                .expect("compress_into"),
        ),
        ("decompress", run) => {
            let used = loop_compress(&items, &mut dst, &mut ranges);
            let frames = super::slices(super::init_bytes(&dst[..used]), &ranges);
            let mut out: Vec<MaybeUninit<u8>> = uninit(corpus.data.len());
            match run {
                "none" => {}
                "loop" => drop(loop_decompress(&frames, &mut out)),
                "zseg" => drop(
                    d.decompress(&frames[..], None, &mut opts())
                        .expect("decompress"),
                ),
                "into" => drop(
                    d.decompress_into(&frames[..], None, &mut opts(), &mut out)
                        .expect("decompress_into"),
                ),
                _ => panic!("unknown run {run}"),
            }
        }
        _ => panic!("unknown step {step} or run {run}"),
    }
}

/// `--instructions`: every corpus, step and run under callgrind; a Markdown table on stdout.
pub fn report() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!("valgrind is not installed: no instruction counts");
        return;
    }
    let exe = std::env::current_exe().expect("the bench's own path");
    println!(
        "Instructions executed at threads=1 (callgrind), corpora 1/10 of the benchmark's size."
    );
    println!("Command: `cargo bench --bench batch -- --instructions`.\n");
    println!("| corpus | step | run | instructions | beyond the loop |");
    println!("|---|---|---|---:|---:|");
    for (c, (name, _)) in CORPORA.iter().enumerate() {
        for step in ["compress", "decompress"] {
            let counts = RUNS.map(|(run, _)| count(&exe, c, step, run));
            let (base, looped) = (counts[0], counts[1] - counts[0]);
            for ((run, label), n) in RUNS.iter().zip(counts).skip(1) {
                let n = n - base;
                let extra = match *run {
                    "loop" => "base".to_string(),
                    _ => format!("{:+.2} %", (n as f64 / looped as f64 - 1.0) * 100.0),
                };
                println!(
                    "| {name} | {step} | {label} | {:.2} M | {extra} |",
                    n as f64 / 1e6
                );
            }
        }
    }
}

/// Instructions callgrind collected from one child.
fn count(exe: &Path, corpus: usize, step: &str, run: &str) -> u64 {
    eprintln!("callgrind: corpus {corpus}, {step}, {run}");
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(exe)
        .args(["--count", &corpus.to_string(), step, run])
        .output()
        .expect("valgrind");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stderr}");
    stderr
        .lines()
        .find_map(|l| l.split("Collected :").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no count in callgrind's output:\n{stderr}"))
}
