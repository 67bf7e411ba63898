//! Ctrl-C, `kill` and hang-up while the tool writes a file: its temporary files are removed
//! before it dies, as zstd's tool does.
//!
//! [`install`] hands SIGINT, SIGTERM and SIGHUP to a thread of their own (signal-hook's
//! iterator: the signal handler only wakes it), free to lock and remove files. It waits for any
//! [`critical_section`] to end, removes the files registered with [`guarded`], then dies of the
//! same signal, so the parent sees the usual status.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

use crate::error::CliResult;
use signal_hook::iterator::Signals;
use signal_hook::low_level::emulate_default_handler;

/// Temporary files to remove if the tool is killed.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Held by the signal thread from the signal on, and by [`critical_section`].
static CRITICAL: Mutex<()> = Mutex::new(());

/// Until the result is dropped, a signal waits: for steps that must not be cut in two, such as
/// renaming a file and then its dictionary into place.
pub fn critical_section() -> MutexGuard<'static, ()> {
    CRITICAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Takes over the signals (if that fails, they keep their default action), except those the
/// tool was started with ignored (`nohup`, background jobs of a non-interactive shell): they
/// stay ignored.
pub fn install() {
    let ignored = ignored_at_start();
    let taken = [SIGINT, SIGTERM, SIGHUP]
        .into_iter()
        .filter(|&sig| ignored >> (sig - 1) & 1 == 0);
    let Ok(mut signals) = Signals::new(taken) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                let _ended = critical_section();
                for path in PENDING.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
                    let _ = std::fs::remove_file(path);
                }
                let _ = emulate_default_handler(sig);
                std::process::exit(128 + sig); // not reached: the signal ends the process
            }
        });
}

/// The signals this process inherited as ignored, bit `sig - 1` each (Linux lists them in
/// /proc/self/status; elsewhere none are assumed).
fn ignored_at_start() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let mask = status.lines().find_map(|l| l.strip_prefix("SigIgn:"))?;
            u64::from_str_radix(mask.trim(), 16).ok()
        })
        .unwrap_or(0)
}

/// Runs `create`, which makes a temporary file (named by `tmp`), and keeps that file on the
/// list to remove if the tool is killed while the returned [`Guard`] lives. A signal meanwhile
/// waits, so that no file is made and left unlisted.
pub fn guarded<T>(
    create: impl FnOnce() -> CliResult<T>,
    tmp: impl FnOnce(&T) -> PathBuf,
) -> CliResult<(T, Guard)> {
    let _uninterrupted = critical_section();
    let made = create()?;
    let guard = Guard::new(tmp(&made));
    Ok((made, guard))
}

/// Keeps a file on the list of files to remove if the tool is killed, while it lives.
pub struct Guard(PathBuf);

impl Guard {
    fn new(path: PathBuf) -> Guard {
        PENDING
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(path.clone());
        Guard(path)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = pending.iter().position(|p| *p == self.0) {
            pending.swap_remove(at);
        }
    }
}
