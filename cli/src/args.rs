//! Command-line syntax: every subcommand, option and its `--help` text.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::builder::{OsStringValueParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_STATUS: &str = "\
Exit status: 0 on success, 1 on an error (missing or unreadable file, not a seekable file, \
corrupt frame, index out of range, dictionary missing), 2 on bad usage.";

/// zseg: pack many small items into one zstd seekable-format file, read any item back
/// directly, and benchmark the library on a built-in corpus.
///
/// A packed file is a standard zstd file (`zstd -d` decompresses it to the concatenation of
/// the items) whose seek table lets `zseg get` decompress only the frames it needs.
#[derive(Debug, Parser)]
#[command(name = "zseg", version, propagate_version = true, after_help = EXIT_STATUS)]
pub struct Cli {
    /// No progress bars, summaries or warnings on stderr (errors are still reported).
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Pack(PackArgs),
    Unpack(UnpackArgs),
    Get(GetArgs),
    Info(InfoArgs),
    Bench(BenchArgs),
}

/// Compress items into a seekable zstd file (one frame per item).
///
/// Every INPUT file is one item, in the order given; with --lines every line of every input
/// is one item (without its newline; a last line without a newline is an item too, and a
/// trailing newline makes no extra empty item). `-` reads standard input.
///
/// Dictionaries: --dict FILE compresses with an existing dictionary (a zstd-format one, e.g.
/// from `zstd --train`, or raw content). --train BYTES trains a dictionary of at most BYTES
/// bytes from the items themselves and writes it beside the output, to OUT.dict (or
/// --dict-out FILE). `zseg unpack` and `zseg get` load FILE.dict by themselves when the
/// frames name a dictionary and no --dict is given; keep the two files together.
#[derive(Debug, Args)]
#[command(after_help = EXIT_STATUS)]
pub struct PackArgs {
    /// Input files, one item each (or one item per line with --lines); `-` is standard input.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,

    /// The seekable file to write (atomically: a temporary file renamed over it).
    #[arg(short, long, value_name = "OUT", value_parser = file_out())]
    pub output: PathBuf,

    /// Compression level: zstd's levels, negative ones included (0 = zstd's default, 3).
    #[arg(
        short,
        long,
        value_name = "LEVEL",
        default_value_t = 3,
        allow_negative_numbers = true,
        value_parser = parse_level
    )]
    pub level: i32,

    #[command(flatten)]
    pub threads: Threads,

    /// Every line of every input is one item (without its newline).
    #[arg(long)]
    pub lines: bool,

    /// Store a checksum in every frame and in the seek table (verified on decompression).
    #[arg(long)]
    pub checksum: bool,

    /// Compress with this dictionary (unpack and get then need it too).
    #[arg(long, value_name = "FILE", conflicts_with = "train")]
    pub dict: Option<PathBuf>,

    /// Train a dictionary of at most BYTES bytes (e.g. 112640, 110K, 1M) from the items and
    /// compress with it; it is written to OUT.dict, or to --dict-out.
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    pub train: Option<usize>,

    /// Where --train writes the dictionary [default: OUT.dict].
    #[arg(long, value_name = "FILE", requires = "train")]
    pub dict_out: Option<PathBuf>,
}

/// Decompress every item of a seekable file.
///
/// With -o DIR item i is written to DIR/<i>, zero-padded to the width of the last index
/// (DIR is created if needed; an existing file there is never overwritten: if one of the names
/// is taken, unpack stops before writing anything); with --lines the items go to standard
/// output, each followed by a newline; with neither, standard output gets their concatenation
/// (what `zstd -dc` gives).
#[derive(Debug, Args)]
#[command(after_help = EXIT_STATUS)]
pub struct UnpackArgs {
    /// A seekable zstd file (written by `zseg pack` or any seekable-format writer).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Write item i to DIR/<i> instead of standard output.
    #[arg(short, long, value_name = "DIR", conflicts_with = "lines")]
    pub output: Option<PathBuf>,

    /// Write every item followed by a newline.
    #[arg(long)]
    pub lines: bool,

    #[command(flatten)]
    pub dict: DictArg,

    #[command(flatten)]
    pub threads: Threads,
}

/// Write the items at the given indexes to standard output, in the order given.
///
/// Random access: only the frames of those items are read and decompressed, found through
/// the seek table. Indexes count from 0; one out of range is an error and nothing is written.
#[derive(Debug, Args)]
#[command(after_help = EXIT_STATUS)]
pub struct GetArgs {
    /// A seekable zstd file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Item indexes (from 0), any order, repeats allowed.
    #[arg(value_name = "INDEX", required = true)]
    pub indexes: Vec<u64>,

    /// Write every item followed by a newline.
    #[arg(long)]
    pub lines: bool,

    #[command(flatten)]
    pub dict: DictArg,

    #[command(flatten)]
    pub threads: Threads,
}

/// Describe a seekable file: items, sizes, ratio, checksums, dictionary.
///
/// Reads the seek table and the frame headers only; nothing is decompressed.
#[derive(Debug, Args)]
#[command(after_help = EXIT_STATUS)]
pub struct InfoArgs {
    /// A seekable zstd file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Benchmark the library on a built-in corpus (generated, no downloads).
///
/// Generates the items, compresses them (one frame each), decompresses the frames and checks
/// every item round-trips, then prints items, bytes, ratio and throughput (MB/s of
/// uncompressed data; the best of --rounds runs).
#[derive(Debug, Args)]
#[command(after_help = EXIT_STATUS)]
pub struct BenchArgs {
    /// Which corpus: JSON-like records of 0.5-2 KB, English-like text, or nearly random bytes.
    #[arg(long, value_enum, default_value_t = Corpus::Json)]
    pub corpus: Corpus,

    /// Number of items.
    #[arg(short = 'n', long, value_name = "ITEMS", default_value_t = 100_000)]
    pub items: usize,

    /// Size of each item of the text and lowc corpora (e.g. 4096, 4K).
    #[arg(long, value_name = "BYTES", default_value = "1K", value_parser = parse_size)]
    pub item_size: usize,

    /// Compression level.
    #[arg(
        short,
        long,
        value_name = "LEVEL",
        default_value_t = 3,
        allow_negative_numbers = true,
        value_parser = parse_level
    )]
    pub level: i32,

    #[command(flatten)]
    pub threads: Threads,

    /// Runs of compression and of decompression; the fastest of each is reported.
    #[arg(short, long, value_name = "N", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rounds: u32,

    /// Seed of the corpus generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// Also write the compressed corpus to this seekable file (e.g. to try `zseg get`).
    #[arg(long, value_name = "FILE", value_parser = file_out())]
    pub write: Option<PathBuf>,
}

/// The built-in corpora.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Corpus {
    /// JSON-like records of 0.5 to 2 KB.
    Json,
    /// English-like text chunks of --item-size bytes.
    Text,
    /// Nearly random bytes (low compressibility), --item-size each.
    Lowc,
}

/// `-T`, shared by the subcommands that run batches.
#[derive(Clone, Copy, Debug, Args)]
pub struct Threads {
    /// Worker threads: 0 = one per CPU, 1 = the calling thread only.
    #[arg(
        short = 'T',
        long = "threads",
        value_name = "THREADS",
        default_value_t = 0
    )]
    pub threads: u16,
}

impl Threads {
    /// The library's `BatchOptions::threads` (negative means one per CPU).
    pub fn batch_threads(self) -> i32 {
        match self.threads {
            0 => -1,
            n => i32::from(n),
        }
    }

    /// How many threads work the tool's own passes may use (at least 1).
    pub fn count(self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => usize::from(n),
        }
    }
}

/// `--dict`, shared by unpack and get.
#[derive(Clone, Debug, Args)]
pub struct DictArg {
    /// The dictionary the items were packed with [default: FILE.dict, when the frames name a
    /// dictionary].
    #[arg(long, value_name = "FILE")]
    pub dict: Option<PathBuf>,
}

/// A compression level zstd accepts.
fn parse_level(s: &str) -> Result<i32, String> {
    let level: i32 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number"))?;
    zseg::Compressor::new(level)
        .map(|_| level)
        .map_err(|e| e.message.into_owned())
}

/// A seekable file to write: any path (not UTF-8 either) but `-` (standard output) and the
/// empty one.
fn file_out() -> impl TypedValueParser<Value = PathBuf> {
    const NOT_STDOUT: &str = "a seekable file is written, not standard output (the seek table \
                              comes last, and the file is written atomically)";
    OsStringValueParser::new().try_map(|s: OsString| match s.to_str() {
        Some("-") => Err(NOT_STDOUT),
        Some("") => Err("names no file"),
        _ => Ok(PathBuf::from(s)),
    })
}

/// A byte count: digits with an optional K, M or G suffix (powers of 1024; `KiB`, `k`, `KB`
/// are accepted too).
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, suffix) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{s}` is not a size (digits with an optional K, M or G)"))?;
    let shift = match suffix.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        other => return Err(format!("unknown size suffix `{other}` (use K, M or G)")),
    };
    n.checked_mul(1 << shift)
        .and_then(|v| usize::try_from(v).ok())
        .ok_or_else(|| format!("`{s}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_size("112640"), Ok(112640));
        assert_eq!(parse_size("110K"), Ok(110 << 10));
        assert_eq!(parse_size("2MiB"), Ok(2 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("").is_err());
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("-5").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }
}
