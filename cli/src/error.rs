//! The tool's error: one message for people (printed after `zseg: `), and whether it is only a
//! closed standard output (`zseg get … | head`), which ends the tool quietly.

use std::fmt;
use std::io;
use std::path::Path;

/// A failure of a subcommand.
#[derive(Debug)]
pub struct CliError {
    message: String,
    broken_pipe: bool,
}

/// Result of a subcommand.
pub type CliResult<T> = Result<T, CliError>;

impl CliError {
    /// An error with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            broken_pipe: false,
        }
    }

    /// This error with `note` appended to its message.
    pub fn with_note(mut self, note: &str) -> Self {
        self.message.push_str(note);
        self
    }

    /// An I/O error on `path`.
    pub fn io(path: &Path, e: io::Error) -> Self {
        CliError::new(format!("{}: {}", path.display(), os_message(&e)))
    }

    /// An I/O error writing standard output.
    pub fn stdout(e: io::Error) -> Self {
        CliError {
            broken_pipe: e.kind() == io::ErrorKind::BrokenPipe,
            message: format!("cannot write to standard output: {}", os_message(&e)),
        }
    }

    /// Whether this is only standard output closed by its reader.
    pub fn is_broken_pipe(&self) -> bool {
        self.broken_pipe
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// An I/O error's text without Rust's " (os error N)" tail.
pub fn os_message(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(at) => s[..at].to_owned(),
        None => s,
    }
}
