//! `zseg`, the command-line tool of the zseg library: pack items into zstd seekable-format
//! files, read any item back directly, describe files, and benchmark the library.
//!
//! Modules: `args` (the command line, with every `--help`), `commands` (one module per
//! subcommand), `progress` (bars on stderr), `interrupt` (temporary files removed when the tool
//! is killed), `error`.

/// `eprintln!` that ignores a failed write: a message that cannot be shown (standard error
/// closed or full) must not turn into a panic.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod args;
mod commands;
mod error;
mod interrupt;
mod progress;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    interrupt::install();
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of standard output went away (`zseg get … | head`): nothing to report.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            note!("zseg: {e}");
            ExitCode::FAILURE
        }
    }
}
