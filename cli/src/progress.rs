//! Progress on stderr: a bar (or a spinner) that appears only when a phase of work has run for
//! about a second, only when stderr is a terminal, and never with `--quiet`.
//!
//! The work updates two atomics (cheap enough for the library's progress callback); a drawing
//! thread owns the bar, waits out the first second, then redraws it ten times a second.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a phase runs before its bar appears.
const DELAY: Duration = Duration::from_secs(1);
const REFRESH: Duration = Duration::from_millis(100);

/// What a phase counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Items of a batch.
    Items,
    /// Bytes of input.
    Bytes,
    /// Nothing measurable: a spinner with the elapsed time.
    Spinner,
}

/// Whether bars may be drawn at all.
#[derive(Clone, Copy, Debug)]
pub struct Reporter {
    enabled: bool,
}

impl Reporter {
    /// Bars are drawn unless `quiet` or stderr is not a terminal.
    pub fn new(quiet: bool) -> Self {
        Reporter {
            enabled: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// Starts a phase of `len` units; its bar appears after about a second and disappears when
    /// the returned value is dropped.
    pub fn phase(self, message: &str, unit: Unit, len: u64) -> Phase {
        let counters = Arc::new(Counters {
            pos: AtomicU64::new(0),
            len: AtomicU64::new(len),
        });
        if !self.enabled {
            return Phase {
                counters,
                drawer: None,
            };
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let shared = counters.clone();
        let message = message.to_owned();
        let thread = std::thread::Builder::new()
            .name("zseg-progress".into())
            .spawn(move || draw(&shared, &message, unit, &stopped))
            .ok();
        Phase {
            counters,
            drawer: thread.map(|t| (stop, t)),
        }
    }
}

struct Counters {
    pos: AtomicU64,
    len: AtomicU64,
}

/// A running phase of work; dropping it removes its bar.
pub struct Phase {
    counters: Arc<Counters>,
    drawer: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

impl Phase {
    /// `done` of `total` units are finished.
    pub fn set(&self, done: u64, total: u64) {
        self.counters.len.store(total, Ordering::Relaxed);
        self.counters.pos.store(done, Ordering::Relaxed);
    }

    /// `n` more units are finished.
    pub fn add(&self, n: u64) {
        self.counters.pos.fetch_add(n, Ordering::Relaxed);
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.drawer.take() {
            drop(stop);
            let _ = thread.join();
        }
    }
}

fn draw(c: &Counters, message: &str, unit: Unit, stopped: &mpsc::Receiver<()>) {
    // Nothing is drawn for work shorter than DELAY.
    if !matches!(stopped.recv_timeout(DELAY), Err(RecvTimeoutError::Timeout)) {
        return;
    }
    let template = match unit {
        Unit::Items => "{msg} {human_pos}/{human_len} items [{wide_bar}] {eta} left",
        Unit::Bytes => "{msg} {binary_bytes}/{binary_total_bytes} [{wide_bar}] {eta} left",
        Unit::Spinner => "{msg} {spinner} {elapsed}",
    };
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    // Built hidden at the current position, with the estimator restarted there and the time
    // already spent, so that the first drawn rate and ETA are not thrown off by the delay.
    let bar = ProgressBar::with_draw_target(
        Some(c.len.load(Ordering::Relaxed)),
        ProgressDrawTarget::hidden(),
    )
    .with_style(style)
    .with_message(message.to_owned())
    .with_elapsed(DELAY);
    bar.set_position(c.pos.load(Ordering::Relaxed));
    bar.reset_eta();
    bar.set_draw_target(ProgressDrawTarget::stderr());
    loop {
        if unit == Unit::Spinner {
            bar.tick();
        } else {
            bar.set_length(c.len.load(Ordering::Relaxed));
            bar.set_position(c.pos.load(Ordering::Relaxed));
        }
        match stopped.recv_timeout(REFRESH) {
            Err(RecvTimeoutError::Timeout) => continue,
            _ => break,
        }
    }
    bar.finish_and_clear();
}
