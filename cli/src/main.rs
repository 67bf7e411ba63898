//! `zseg`, the command-line tool of the zseg library: pack items into zstd seekable-format
//! files, read any item back directly, describe files, and benchmark the library.
//!
//! Modules: `args` (the command line, with every `--help`), `commands` (one module per
//! subcommand), `progress` (bars on stderr), `interrupt` (temporary files removed when the tool
//! is killed), `error`.

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
            eprintln!("zseg: {e}");
            ExitCode::FAILURE
        }
    }
}
