//! The parallel engine, written once for compression and decompression.
//!
//! Items are split into contiguous chunks of roughly equal weight; each chunk runs on one
//! worker with one zstd context, writes its outputs back to back into its own region, and
//! records one segment per item. The workers are threads of a cached rayon pool and, unless a
//! progress callback needs it free, the calling thread itself. Small batches run inline on the
//! calling thread. Progress is reported and cancellation decided on the calling thread only.

use std::collections::VecDeque;
use std::mem::MaybeUninit;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use crate::buffer::{Buffer, Segment};
use crate::collection::Collection;
use crate::error::{Error, ErrorKind, Result};
use crate::recycle::{self, Recycled};
use crate::zstd::{Cursor, Dst};

/// Batches lighter than this run inline on the calling thread.
const INLINE_WEIGHT: u64 = 256 << 10;
/// Chunk weights of a parallel run stay between these.
const MIN_CHUNK_WEIGHT: u64 = 64 << 10;
const MAX_CHUNK_WEIGHT: u64 = 4 << 20;
/// Fixed cost of one item, in bytes of weight, so that many empty items still spread out.
const ITEM_WEIGHT: u64 = 64;
/// Progress is reported at least this often.
const REPORT_ITEMS: u64 = 64;
const REPORT_BYTES: u64 = 16 << 20;
/// Workers add to the shared counts every this many items or bytes.
const COUNT_BATCH: u64 = 16;
const COUNT_BATCH_BYTES: u64 = 1 << 20;

/// An ordered list of byte strings a batch reads. Neither the count nor the items may change
/// while a batch reads them (a count that does may make the batch panic).
pub trait Items: Sync {
    /// Number of items.
    fn count(&self) -> usize;
    /// Item `i` (`i < count()`).
    fn item(&self, i: usize) -> &[u8];
}

impl Items for [&[u8]] {
    fn count(&self) -> usize {
        self.len()
    }
    fn item(&self, i: usize) -> &[u8] {
        self[i]
    }
}

impl Items for Buffer {
    fn count(&self) -> usize {
        Buffer::count(self)
    }
    fn item(&self, i: usize) -> &[u8] {
        self.get(i).expect("item index out of range")
    }
}

impl Items for Collection {
    fn count(&self) -> usize {
        Collection::count(self)
    }
    fn item(&self, i: usize) -> &[u8] {
        self.get(i).expect("item index out of range")
    }
}

/// Progress callback: `(items_done, items_total)`, returns `false` to cancel.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64) -> bool;

/// How a batch runs.
#[derive(Default)]
pub struct BatchOptions<'a> {
    /// 0 or 1: the calling thread only; N > 1: up to N workers; < 0: all CPUs.
    pub threads: i32,
    /// Keep going past failed items (they get an empty segment) instead of failing the call.
    pub keep_going: bool,
    /// Called on the calling thread as items complete, and once at the end.
    pub progress: Option<Progress<'a>>,
}

/// A finished batch: its output and the items that failed (only in keep-going mode), in
/// ascending item order.
#[derive(Debug)]
pub struct Outcome<T> {
    /// What the batch produced.
    pub output: T,
    /// The failed items.
    pub failures: Vec<Failure>,
}

/// A failed item of a batch: its index and kind, and the whole error (message, zstd code) for
/// the first 16 failures of the batch in item order ([`Failure::error`]). A batch of many bad
/// items thus costs 24 bytes per failure, not a message each (a batch of 1,000,000 bad frames
/// took 258 MB for its messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Index of the failed item.
    pub item: u64,
    /// The class of failure.
    pub kind: ErrorKind,
    /// An array of one, so that it can be allocated fallibly (through a `Vec`).
    error: Option<Box<[Error; 1]>>,
}

/// How many failures of a batch, the first in item order, keep their whole error.
pub(crate) const DETAILED: usize = 16;

impl Failure {
    /// The whole error, with its message; kept for the batch's first 16 failures.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_deref().map(|[e]| e)
    }

    /// The whole error; only the kind and the item when it was not kept.
    pub fn into_error(self) -> Error {
        match self.error {
            Some(e) => {
                let [e] = *e;
                e
            }
            None => Error::new(self.kind, format!("{:?} (details not kept)", self.kind))
                .at(self.item as usize),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.error() {
            Some(e) => e.fmt(f),
            None => write!(f, "item {}: {:?} (details not kept)", self.item, self.kind),
        }
    }
}

/// Adds item `i`'s error to `failures`, which a pass over increasing indices fills: its first
/// [`DETAILED`] keep their whole error. `Alloc` when the list cannot grow (bad input under
/// memory pressure must not abort the process).
pub(crate) fn add_failure(failures: &mut Vec<Failure>, i: usize, e: Error) -> Result<()> {
    let no_memory = |_| failures_out_of_memory();
    failures.try_reserve(1).map_err(no_memory)?;
    let kind = e.kind;
    let error = if failures.len() < DETAILED {
        let mut one = Vec::new();
        one.try_reserve_exact(1).map_err(no_memory)?;
        one.push(e.at(i));
        one.into_boxed_slice().try_into().ok() // a slice of one: always an array of one
    } else {
        None
    };
    failures.push(Failure {
        item: i as u64,
        kind,
        error,
    });
    Ok(())
}

/// The error when the list of failed items cannot grow (static: nothing to allocate).
fn failures_out_of_memory() -> Error {
    Error::out_of_memory("out of memory: the list of failed items")
}

/// The failures gathered by several passes (each made by [`add_failure`]) in item order, with
/// the whole error of the first [`DETAILED`] only, which each pass kept: the result is the same
/// however the batch was cut. `Alloc` when the list cannot be had.
pub(crate) fn in_item_order(parts: Vec<Vec<Failure>>) -> Result<Vec<Failure>> {
    let mut parts: Vec<Vec<Failure>> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    let mut all = parts.pop().unwrap_or_default();
    let more = parts.iter().map(Vec::len).sum();
    all.try_reserve_exact(more)
        .map_err(|_| failures_out_of_memory())?;
    parts.into_iter().for_each(|p| all.extend(p));
    all.sort_unstable_by_key(|f| f.item); // no allocation; items are distinct
    all.iter_mut().skip(DETAILED).for_each(|f| f.error = None);
    Ok(all)
}

/// Output written into caller memory: bytes used and one segment per item.
pub type Packed = Outcome<(usize, Vec<Segment>)>;

/// One kind of per-item work (compress, decompress) over one set of items.
pub(crate) trait Job: Sync {
    /// Per-worker state, e.g. a zstd context.
    type Context: Send;
    /// Number of items.
    fn count(&self) -> usize;
    /// Number of items the caller's batch has, as progress reports it (more than `count` when
    /// the job runs only a prefix of the batch).
    fn total(&self) -> usize {
        self.count()
    }
    /// Relative cost of item `i` (bytes), for balancing and progress.
    fn weight(&self, i: usize) -> u64;
    /// Output bytes to reserve for item `i`; `None` on overflow.
    fn bound(&self, i: usize) -> Option<usize>;
    /// Takes a context for one chunk.
    fn context(&self) -> Result<Self::Context>;
    /// Gives a context back after its chunk.
    fn recycle(&self, ctx: Self::Context);
    /// Appends item `i`'s output to `dst`; on error the engine discards what was appended.
    fn run(&self, ctx: &mut Self::Context, i: usize, dst: &mut impl Dst) -> Result<()>;
}

/// Runs `job` into a new collection, one buffer per chunk. With `stage`, outputs whose sizes
/// the bounds only cap (compression) are staged: see [`ChunkOut`].
pub(crate) fn to_collection(
    job: &impl Job,
    opts: &mut BatchOptions,
    stage: bool,
) -> Result<Outcome<Collection>> {
    // Inline runs still cut their output into chunks of a few MiB, which the recycle pool can
    // serve again to later batches.
    let plan = Plan::new(job, opts.threads, MAX_CHUNK_WEIGHT)?;
    let mut outputs = Vec::new();
    reserve(&mut outputs, plan.chunks.len())?;
    for (range, &bound) in plan.chunks.iter().zip(&plan.bounds) {
        let out = ChunkOut::new(bound, stage)?;
        outputs.push((out, zeroed_segments(range.len())?));
    }
    let tasks = outputs
        .iter_mut()
        .zip(&plan.chunks)
        .map(|((out, segments), range)| Task {
            items: range.clone(),
            dst: out,
            segments,
        })
        .collect();
    let failures = execute(job, opts, plan.workers, tasks)?;
    let mut buffers = Vec::new();
    reserve(&mut buffers, outputs.len())?;
    for (out, segments) in outputs {
        buffers.push(Arc::new(Buffer::from_valid(
            Box::new(Recycled(out.into_data())),
            segments,
        )));
    }
    Ok(Outcome {
        output: Collection::new(buffers)?,
        failures,
    })
}

/// Largest chunk bound that is staged; a bigger chunk (one huge item) is written in place and
/// trimmed, so that it never needs twice its size.
const MAX_STAGED: usize = 2 * MAX_CHUNK_WEIGHT as usize;

/// One chunk's output buffer in a new collection.
enum ChunkOut {
    /// Reserved at the chunk's bound before the batch starts: its exact size when the job knows
    /// it (decompression).
    Reserved { data: Vec<u8> },
    /// A staged job's chunk too large to stage (one huge item): reserved at its bound when the
    /// chunk starts and trimmed when it ends, so that only running chunks hold their bound.
    Trimmed { bound: usize, data: Vec<u8> },
    /// Written into a scratch buffer with room for the bound (from the recycle pool when the
    /// chunk starts, back to it when it ends), then copied into a buffer of its exact size. The
    /// next chunk reuses the scratch's mapped, cached pages, and freed exact-size buffers fit
    /// later batches of similar items, which bound-sized requests rarely do: far fewer page
    /// faults, for one copy of the output (compression only, where output < input). Output
    /// that fills four fifths of the scratch or more (incompressible items) keeps the scratch
    /// instead: the copy would cost most, and the buffer, freed, fits a later scratch request.
    Staged {
        bound: usize,
        scratch: Vec<u8>,
        data: Vec<u8>,
    },
}

impl ChunkOut {
    fn new(bound: usize, stage: bool) -> Result<Self> {
        Ok(if !stage {
            ChunkOut::Reserved {
                data: recycle::take(bound)?,
            }
        } else if bound <= MAX_STAGED {
            ChunkOut::Staged {
                bound,
                scratch: Vec::new(),
                data: Vec::new(),
            }
        } else {
            ChunkOut::Trimmed {
                bound,
                data: Vec::new(),
            }
        })
    }

    fn into_data(self) -> Vec<u8> {
        match self {
            ChunkOut::Reserved { data }
            | ChunkOut::Trimmed { data, .. }
            | ChunkOut::Staged { data, .. } => data,
        }
    }
}

impl Output for ChunkOut {
    type Dst = Vec<u8>;

    fn dst(&mut self) -> &mut Vec<u8> {
        match self {
            ChunkOut::Reserved { data } | ChunkOut::Trimmed { data, .. } => data,
            ChunkOut::Staged { scratch, .. } => scratch,
        }
    }

    fn open(&mut self) -> Result<()> {
        match self {
            ChunkOut::Staged { bound, scratch, .. } => *scratch = recycle::take(*bound)?,
            ChunkOut::Trimmed { bound, data } => *data = recycle::take(*bound)?,
            ChunkOut::Reserved { .. } => {}
        }
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        if let ChunkOut::Trimmed { data, .. } = self {
            data.shrink_to_fit();
        }
        if let ChunkOut::Staged { scratch, data, .. } = self {
            if scratch.len() >= scratch.capacity() - scratch.capacity() / 5 {
                // Nearly full (output about as large as its bound: incompressible items): the
                // scratch itself is the buffer, and a bound-sized one for later batches.
                *data = std::mem::take(scratch);
            } else {
                let mut exact = recycle::take(scratch.len())?;
                exact.extend_from_slice(scratch);
                *data = exact;
                recycle::give(std::mem::take(scratch));
            }
        }
        Ok(())
    }
}

/// Where a chunk writes: a [`Dst`], told when the chunk starts and ends.
trait Output {
    type Dst: Dst;
    /// Where the next item's output goes.
    fn dst(&mut self) -> &mut Self::Dst;
    /// Called before the chunk's first item (not when the chunk has nothing to run).
    fn open(&mut self) -> Result<()> {
        Ok(())
    }
    /// Called once the chunk is over, always: after its last item, or when it stopped early,
    /// failed to start or did not start (the batch had stopped).
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Runs `job` into caller memory `dst`, outputs packed back to back in item order.
/// Fails with `DstTooSmall` (before any work) unless `dst` holds the total bound.
pub(crate) fn to_dst(
    job: &impl Job,
    opts: &mut BatchOptions,
    dst: &mut [MaybeUninit<u8>],
) -> Result<Packed> {
    // Inline runs write one region, so nothing moves.
    let plan = Plan::new(job, opts.threads, u64::MAX)?;
    let need = plan.total_bound()?;
    if dst.len() < need {
        return Err(Error::new(
            ErrorKind::DstTooSmall,
            format!(
                "dst holds {} bytes, the batch needs up to {need}",
                dst.len()
            ),
        ));
    }
    // As many segments as the plan has items (a job's count is read once, by the plan).
    let mut segments = zeroed_segments(plan.chunks.last().map_or(0, |r| r.end))?;
    let packer = Packer::new(plan.chunks.len())?;
    let mut outs = Vec::new();
    reserve(&mut outs, plan.chunks.len())?;
    let mut rest = dst;
    for (chunk, &len) in plan.bounds.iter().enumerate() {
        let (region, tail) = std::mem::take(&mut rest).split_at_mut(len);
        rest = tail;
        outs.push(PackedChunk {
            chunk,
            cursor: Cursor::new(region),
            packer: &packer,
        });
    }
    let mut tasks = Vec::new();
    reserve(&mut tasks, plan.chunks.len())?;
    let mut segs = &mut segments[..];
    for (out, range) in outs.iter_mut().zip(&plan.chunks) {
        let (chunk_segs, tail) = std::mem::take(&mut segs).split_at_mut(range.len());
        segs = tail;
        tasks.push(Task {
            items: range.clone(),
            dst: out,
            segments: chunk_segs,
        });
    }
    let failures = execute(job, opts, plan.workers, tasks)?;
    drop(outs);
    let (used, placed_at) = packer.finish();
    for (range, at) in plan.chunks.iter().zip(placed_at) {
        segments[range.clone()]
            .iter_mut()
            .for_each(|s| s.offset += at as u64);
    }
    Ok(Outcome {
        output: (used, segments),
        failures,
    })
}

/// Packs the chunks of a [`to_dst`] run back to back in chunk order while the batch runs. Each
/// chunk writes at the start of its own region of `dst` (room for its bound); when it ends, it
/// moves down into the space the chunks before it left free, done by whichever worker ends the
/// next chunk in order, while the others keep working (instead of one serial pass at the end;
/// a worker that ends a chunk during a move waits for it: moves are short next to chunks).
struct Packer<'a>(Mutex<Packing<'a>>);

struct Packing<'a> {
    /// Chunks that ended before an earlier one: their region and bytes written.
    ended: Vec<Option<(Region<'a>, usize)>>,
    /// Where each placed chunk starts in `dst`, in chunk order.
    placed_at: Vec<usize>,
    /// Bytes placed.
    used: usize,
    /// Free space between the placed bytes and the next chunk's region, in address order.
    free: VecDeque<Region<'a>>,
}

/// Part of the caller's `dst`.
type Region<'a> = &'a mut [MaybeUninit<u8>];

impl<'a> Packer<'a> {
    fn new(chunks: usize) -> Result<Self> {
        let mut ended = Vec::new();
        reserve(&mut ended, chunks)?;
        ended.resize_with(chunks, || None);
        let mut placed_at = Vec::new();
        reserve(&mut placed_at, chunks)?;
        Ok(Packer(Mutex::new(Packing {
            ended,
            placed_at,
            used: 0,
            free: VecDeque::new(),
        })))
    }

    /// Chunk `chunk` ended with `len` bytes at the start of `region`: places it and every chunk
    /// after it that ended already.
    fn ended(&self, chunk: usize, region: Region<'a>, len: usize) {
        let mut p = lock(&self.0);
        p.ended[chunk] = Some((region, len));
        loop {
            let next = p.placed_at.len();
            let Some((region, len)) = p.ended.get_mut(next).and_then(Option::take) else {
                break;
            };
            p.place(region, len);
        }
    }

    /// Bytes used in all, and where each chunk starts.
    fn finish(self) -> (usize, Vec<usize>) {
        let p = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        debug_assert_eq!(p.placed_at.len(), p.ended.len(), "every chunk ended");
        (p.used, p.placed_at)
    }
}

impl<'a> Packing<'a> {
    /// Moves the next chunk's `len` bytes from the start of its `region` to right after the
    /// placed bytes: into the free space first, the rest within its own region.
    fn place(&mut self, region: Region<'a>, len: usize) {
        self.placed_at.push(self.used);
        self.used += len;
        let mut moved = 0;
        while moved < len {
            let Some(space) = self.free.pop_front() else {
                break;
            };
            let n = space.len().min(len - moved);
            let (head, tail) = space.split_at_mut(n);
            head.copy_from_slice(&region[moved..moved + n]);
            if !tail.is_empty() {
                self.free.push_front(tail);
            }
            moved += n;
        }
        if moved > 0 {
            region.copy_within(moved..len, 0);
        }
        let (_, left) = region.split_at_mut(len - moved);
        if !left.is_empty() {
            self.free.push_back(left);
        }
    }
}

/// One chunk's region of the caller's `dst`, handed to the [`Packer`] when the chunk ends.
struct PackedChunk<'p, 'a> {
    chunk: usize,
    cursor: Cursor<'a>,
    packer: &'p Packer<'a>,
}

impl<'a> Output for PackedChunk<'_, 'a> {
    type Dst = Cursor<'a>;

    fn dst(&mut self) -> &mut Cursor<'a> {
        &mut self.cursor
    }

    fn close(&mut self) -> Result<()> {
        let (region, len) = std::mem::replace(&mut self.cursor, Cursor::new(&mut [])).into_parts();
        self.packer.ended(self.chunk, region, len);
        Ok(())
    }
}

fn reserve<T>(v: &mut Vec<T>, n: usize) -> Result<()> {
    v.try_reserve_exact(n)
        .map_err(|_| Error::alloc(&format!("reserving {n} elements of output")))
}

fn zeroed_segments(n: usize) -> Result<Vec<Segment>> {
    let mut v = Vec::new();
    reserve(&mut v, n)?;
    v.resize(n, Segment::default());
    Ok(v)
}

/// How a batch is cut: contiguous item ranges, the output bound of each, and the number of
/// workers to run them.
struct Plan {
    chunks: Vec<Range<usize>>,
    bounds: Vec<usize>,
    workers: usize,
}

impl Plan {
    /// Cuts `job` for `threads`; an inline run gets chunks of `inline_weight`. Fails when a
    /// chunk's output bound overflows.
    fn new(job: &impl Job, threads: i32, inline_weight: u64) -> Result<Plan> {
        let n = job.count();
        let weight = |i| job.weight(i).saturating_add(ITEM_WEIGHT);
        let total = (0..n).fold(0u64, |sum, i| sum.saturating_add(weight(i)));
        let workers = if total < INLINE_WEIGHT {
            1
        } else {
            workers(threads)
        };
        // Guided cuts: each chunk takes a share of what is left, so chunks shrink towards the
        // end of the batch (they run in order) and the workers finish together, while the
        // batch still has few chunks (few output buffers, few context hand-overs).
        let target = |left: u64| match workers {
            1 => inline_weight,
            w => (left / (2 * w as u64)).clamp(MIN_CHUNK_WEIGHT, MAX_CHUNK_WEIGHT),
        };
        let mut plan = Plan {
            chunks: Vec::new(),
            bounds: Vec::new(),
            workers,
        };
        let (mut start, mut acc, mut bound, mut left) = (0, 0u64, 0usize, total);
        for i in 0..n {
            acc = acc.saturating_add(weight(i));
            bound = job
                .bound(i)
                .and_then(|b| bound.checked_add(b))
                .ok_or_else(bound_overflow)?;
            if acc >= target(left) || i + 1 == n {
                plan.chunks.push(start..i + 1);
                plan.bounds.push(bound);
                left = left.saturating_sub(acc);
                (start, acc, bound) = (i + 1, 0, 0);
            }
        }
        Ok(plan)
    }

    /// Output bound of the whole batch.
    fn total_bound(&self) -> Result<usize> {
        self.bounds
            .iter()
            .try_fold(0usize, |sum, &b| sum.checked_add(b))
            .ok_or_else(bound_overflow)
    }
}

fn bound_overflow() -> Error {
    Error::alloc("the output bound of the batch overflows")
}

/// Workers a batch may use for `threads` (see [`BatchOptions::threads`]).
fn workers(threads: i32) -> usize {
    match threads {
        t if t < 0 => cpus(),
        0 | 1 => 1,
        t => (t as usize).min(cpus()),
    }
}

/// Fewest slots a part of [`map_parts`] gets.
const MIN_PART_SLOTS: usize = 1024;

/// Cuts `slots` into contiguous parts and returns `f(index of the part's first slot, part)` for
/// each, in order. Parts run on the batch's workers when there are enough slots to share, so
/// that preparing a batch (e.g. reading every frame header) does not stay serial.
pub(crate) fn map_parts<T: Send, R: Send>(
    threads: i32,
    slots: &mut [T],
    f: impl Fn(usize, &mut [T]) -> R + Sync,
) -> Result<Vec<R>> {
    map_parts_on(pool, threads, slots, f)
}

/// [`map_parts`] on the pool that `pool` gives (asked only when the parts may be shared).
fn map_parts_on<'p, T: Send, R: Send>(
    pool: impl FnOnce() -> Option<&'p Pool>,
    threads: i32,
    slots: &mut [T],
    f: impl Fn(usize, &mut [T]) -> R + Sync,
) -> Result<Vec<R>> {
    let workers = workers(threads);
    let pool = (workers > 1 && slots.len() >= 2 * MIN_PART_SLOTS)
        .then(pool)
        .flatten();
    let Some(pool) = pool else {
        return Ok(vec![f(0, slots)]);
    };
    let part = slots.len().div_ceil(workers * 4).max(MIN_PART_SLOTS);
    let parts = slots.chunks_mut(part).enumerate().collect();
    share(pool, workers, parts, |(k, p)| f(k * part, p))
}

/// Runs `each` over `pieces` on the calling thread and, at the same time, on up to
/// `workers - 1` threads of the pool (fewer when other batches hold them), each taking the next
/// piece from a shared queue until none is left (so the work starts at once and all finish
/// together); returns the results in the pieces' order.
fn share<P: Send, R: Send>(
    pool: &Pool,
    workers: usize,
    pieces: Vec<P>,
    each: impl Fn(P) -> R + Sync,
) -> Result<Vec<R>> {
    let lease = pool.lease(workers - 1);
    spread(lease, workers - 1, pieces, each, || {}, |c| c.work())
}

/// Runs `each` over `pieces` on helper threads of the pool, each taking the next piece from a
/// shared queue until none is left, while the calling thread runs `caller`; returns the results
/// in the pieces' order once all are done. The helpers are the leased threads, and up to `most`
/// in all as the calling thread adds more (see [`Calling`]) when threads of the pool come free.
/// `exited` runs on each helper as it stops, even when it unwinds.
fn spread<P: Send, R: Send>(
    mut lease: Lease,
    most: usize,
    pieces: Vec<P>,
    each: impl Fn(P) -> R + Sync,
    exited: impl Fn() + Sync,
    caller: impl FnOnce(&Calling),
) -> Result<Vec<R>> {
    let mut results = Vec::new();
    reserve(&mut results, pieces.len())?;
    results.resize_with(pieces.len(), || Mutex::new(None));
    let left = AtomicUsize::new(pieces.len());
    let queue = Mutex::new(pieces.into_iter().enumerate());
    // Runs the next piece; false when none is left. The queue stays locked only while a piece
    // is taken, never while it runs.
    let one = || {
        let Some((k, piece)) = lock(&queue).next() else {
            return false;
        };
        left.fetch_sub(1, Ordering::Relaxed);
        *lock(&results[k]) = Some(each(piece));
        true
    };
    let pool = lease.pool;
    // A helper holds a lease of its own thread, given back (its Drop) as it stops.
    let helper = |thread: Lease| {
        let _exit = OnDrop(&exited);
        let _thread = thread;
        while one() {}
    };
    pool.threads.in_place_scope(|scope| {
        let helpers = std::cell::Cell::new(0);
        let spawn = |thread| {
            helpers.set(helpers.get() + 1);
            scope.spawn(move |_| helper(thread));
        };
        while let Some(thread) = lease.take_one() {
            spawn(thread);
        }
        let add = || {
            if helpers.get() >= most || left.load(Ordering::Relaxed) == 0 {
                return false;
            }
            let Some(thread) = pool.lease(1).take_one() else {
                return false;
            };
            spawn(thread);
            true
        };
        caller(&Calling {
            one: &one,
            add: &add,
        });
    });
    Ok(results
        .into_iter()
        .filter_map(|r| r.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect())
}

/// What the calling thread of a [`spread`] may do besides waiting.
struct Calling<'a> {
    one: &'a dyn Fn() -> bool,
    add: &'a dyn Fn() -> bool,
}

impl Calling<'_> {
    /// Takes pieces until none is left, adding a helper before each one when a thread of the
    /// pool has come free (a batch that started while others held the pool gets it back).
    fn work(&self) {
        loop {
            self.add_helper();
            if !(self.one)() {
                break;
            }
        }
    }

    /// Adds a helper if the batch may have one more, pieces are left and a thread of the pool
    /// is free; true if it did.
    fn add_helper(&self) -> bool {
        (self.add)()
    }
}

/// Runs its function when dropped.
struct OnDrop<F: Fn()>(F);

impl<F: Fn()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

/// CPUs this process may use, read once (the lookup parses cgroup files).
fn cpus() -> usize {
    static CPUS: OnceLock<usize> = OnceLock::new();
    *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// A rayon pool and how many of its threads batches hold. Batches lease threads before they
/// hand work to the pool and get only the ones free: a batch's helper then never waits in the
/// pool's queue behind another batch's (which could take as long as that whole batch); when
/// all are held, a batch runs on its calling thread, and takes threads as they come free.
struct Pool {
    threads: rayon::ThreadPool,
    size: usize,
    /// Threads leased: helpers spawned or about to be, never more than `size`.
    busy: AtomicUsize,
}

impl Pool {
    fn new(size: usize) -> std::result::Result<Pool, rayon::ThreadPoolBuildError> {
        Ok(Pool {
            threads: rayon::ThreadPoolBuilder::new()
                .num_threads(size)
                .thread_name(|i| format!("zseg-worker-{i}"))
                .build()?,
            size,
            busy: AtomicUsize::new(0),
        })
    }

    /// Leases up to `want` free threads (possibly none).
    fn lease(&self, want: usize) -> Lease<'_> {
        let free = |busy: usize| want.min(self.size.saturating_sub(busy));
        let taken = self
            .busy
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |busy| {
                (free(busy) > 0).then(|| busy + free(busy))
            });
        Lease {
            pool: self,
            threads: taken.map_or(0, free),
        }
    }
}

/// Threads of a [`Pool`] held by one batch; those not handed to a helper go back on drop.
struct Lease<'p> {
    pool: &'p Pool,
    threads: usize,
}

impl<'p> Lease<'p> {
    /// One of the leased threads, as a lease of its own.
    fn take_one(&mut self) -> Option<Lease<'p>> {
        (self.threads > 0).then(|| {
            self.threads -= 1;
            Lease {
                pool: self.pool,
                threads: 1,
            }
        })
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        self.pool.busy.fetch_sub(self.threads, Ordering::AcqRel);
    }
}

/// The library's pool: one thread per CPU, built on first use and kept for the process
/// lifetime, shared by batches of any worker count and by concurrent batches of several caller
/// threads. `None` if its threads cannot start (batches then run on their calling thread).
///
/// A child process made by `fork()` has none of its parent's threads, so it builds a pool of its
/// own: a batch handed to the parent's would wait forever.
fn pool() -> Option<&'static Pool> {
    // Each process's pool, by process ID: a child's list still holds its parents' (unused).
    static POOLS: Mutex<Vec<(u32, &'static Pool)>> = Mutex::new(Vec::new());
    let pid = std::process::id();
    let mut pools = lock(&POOLS);
    if let Some(&(_, pool)) = pools.iter().find(|(owner, _)| *owner == pid) {
        return Some(pool);
    }
    let pool: &'static Pool = Box::leak(Box::new(Pool::new(cpus()).ok()?));
    pools.push((pid, pool));
    Some(pool)
}

/// zstd contexts kept for reuse: made on demand for a chunk and given back when it ends, so
/// that batches rarely pay for a context. At most one per CPU and [`KEPT_CONTEXT_BYTES`] in all
/// are kept, the least recently used dropped first; the last one given back is always kept. (A
/// context keeps the size of the largest job it ran, e.g. 81 MiB at level 19 on 8 MiB items,
/// and zstd shrinks it only after many smaller jobs, which one that stays unused never runs.)
pub(crate) struct Contexts<T>(Mutex<Vec<(T, usize)>>);

/// Most bytes of zstd contexts a compressor or decompressor keeps between chunks.
pub(crate) const KEPT_CONTEXT_BYTES: usize = 64 << 20;

impl<T> Default for Contexts<T> {
    fn default() -> Self {
        Contexts(Mutex::new(Vec::new()))
    }
}

impl<T> Contexts<T> {
    /// The most recently kept context, or a new one from `make`.
    pub(crate) fn take(&self, make: impl FnOnce() -> Result<T>) -> Result<T> {
        let kept = lock(&self.0).pop();
        kept.map_or_else(make, |(ctx, _)| Ok(ctx))
    }

    /// Keeps `ctx`, of `bytes` bytes, for the next chunk, within the limits.
    pub(crate) fn give(&self, ctx: T, bytes: usize) {
        let mut kept = lock(&self.0);
        kept.push((ctx, bytes));
        let mut total: usize = kept.iter().map(|(_, b)| b).sum();
        let mut drop_oldest = 0;
        while kept.len() - drop_oldest > 1
            && (kept.len() - drop_oldest > cpus() || total > KEPT_CONTEXT_BYTES)
        {
            total -= kept[drop_oldest].1;
            drop_oldest += 1;
        }
        let dropped: Vec<_> = kept.drain(..drop_oldest).collect();
        drop(kept);
        drop(dropped); // freed outside the lock
    }

    /// Drops every kept context (their settings are out of date).
    pub(crate) fn clear(&mut self) {
        self.0
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }

    /// Bytes held by the kept contexts.
    pub(crate) fn memory_size(&self) -> usize {
        lock(&self.0).iter().map(|(_, bytes)| bytes).sum()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One chunk's work: its items, and where their output and segments (offsets from the start
/// of the chunk's output) go.
struct Task<'a, D> {
    items: Range<usize>,
    dst: &'a mut D,
    segments: &'a mut [Segment],
}

/// What a chunk left behind.
#[derive(Default)]
struct Report {
    failures: Vec<Failure>,
    fatal: Option<Error>,
}

/// State shared by the workers and the calling thread.
struct Control {
    keep_going: bool,
    /// Whether anyone listens to progress reports.
    wants_progress: bool,
    /// Set on a fail-fast failure or a cancellation: workers stop at the next item.
    stop: AtomicBool,
    cancelled: AtomicBool,
    done_items: AtomicU64,
    done_bytes: AtomicU64,
    /// Workers still running (with a progress callback), and whether a report is due.
    state: Mutex<(usize, bool)>,
    wake: Condvar,
}

impl Control {
    /// Counts finished items; true when a progress report is due.
    fn advance(&self, items: u64, bytes: u64) -> bool {
        let before = self.done_items.fetch_add(items, Ordering::Relaxed);
        let before_bytes = self.done_bytes.fetch_add(bytes, Ordering::Relaxed);
        (before + items) / REPORT_ITEMS != before / REPORT_ITEMS
            || (before_bytes + bytes) / REPORT_BYTES != before_bytes / REPORT_BYTES
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Wakes the calling thread: a report is due, or (`exited`) a worker stopped.
    fn signal(&self, exited: bool) {
        let mut state = lock(&self.state);
        state.0 -= usize::from(exited);
        state.1 = true;
        self.wake.notify_one();
    }
}

/// Runs the tasks (inline when `workers == 1`), reports progress, and decides the result:
/// cancellation first, then fatal errors, then the lowest failing item in fail-fast mode.
fn execute<J: Job, D: Output + Send>(
    job: &J,
    opts: &mut BatchOptions,
    workers: usize,
    tasks: Vec<Task<'_, D>>,
) -> Result<Vec<Failure>> {
    let total = job.total() as u64;
    let ctl = Control {
        keep_going: opts.keep_going,
        wants_progress: opts.progress.is_some(),
        stop: AtomicBool::new(false),
        cancelled: AtomicBool::new(false),
        done_items: AtomicU64::new(0),
        done_bytes: AtomicU64::new(0),
        state: Mutex::new((0, false)),
        wake: Condvar::new(),
    };
    let mut reported = None;
    let mut report = |progress: &mut Option<Progress>| {
        let done = ctl.done_items.load(Ordering::Relaxed);
        let Some(cb) = progress else { return };
        // Workers may finish many items while the calling thread wakes: the reports that fell
        // due meanwhile are made one after the other (each true: at least that many are done),
        // so that consecutive reports are never more than REPORT_ITEMS apart.
        while reported != Some(done) {
            if ctl.cancelled.load(Ordering::Relaxed) {
                return; // never called again once it asked to stop
            }
            let step = (reported.unwrap_or(0) + REPORT_ITEMS).min(done);
            reported = Some(step);
            if !cb(step, total) {
                ctl.cancelled.store(true, Ordering::Relaxed);
                ctl.stop.store(true, Ordering::Relaxed);
            }
        }
    };
    // Pool threads for the batch: `workers - 1` beside the calling thread, or `workers` while
    // it reports progress; fewer when other batches hold them (more may come free later).
    let most = workers - usize::from(!ctl.wants_progress);
    let lease = (workers > 1)
        .then(pool)
        .flatten()
        .map(|pool| pool.lease(most));
    let mut reports: Vec<Report> = match lease {
        // Nobody to report to: the calling thread is one of the workers.
        Some(lease) if !ctl.wants_progress => spread(
            lease,
            most,
            tasks,
            |task| run_task(job, &ctl, task, &mut || {}),
            || {},
            |c| c.work(),
        )?,
        Some(lease) if lease.threads > 0 => {
            // The calling thread reports progress while the helpers do the work.
            lock(&ctl.state).0 = lease.threads;
            let ctl = &ctl;
            let progress = &mut opts.progress;
            let each = |task| run_task(job, ctl, task, &mut || ctl.signal(false));
            spread(
                lease,
                most,
                tasks,
                each,
                || ctl.signal(true),
                |calling| {
                    // Wait for the helpers, reporting progress whenever one asks for it, and
                    // adding one when a thread of the pool has come free.
                    let mut state = lock(&ctl.state);
                    loop {
                        let (running, due) = *state;
                        if due {
                            state.1 = false;
                            drop(state);
                            report(progress);
                            state = lock(&ctl.state);
                        } else if running == 0 {
                            break;
                        } else {
                            state.0 += 1; // counted before it can stop
                            if !calling.add_helper() {
                                state.0 -= 1;
                            }
                            state = ctl.wake.wait(state).unwrap_or_else(|e| e.into_inner());
                        }
                    }
                },
            )?
        }
        // One worker, or no pool thread free to report progress beside.
        _ => {
            let mut reports = Vec::new();
            reserve(&mut reports, tasks.len())?;
            for task in tasks {
                let r = run_task(job, &ctl, task, &mut || report(&mut opts.progress));
                reports.push(r);
            }
            reports
        }
    };
    if !ctl.stopped() {
        report(&mut opts.progress); // the final call, with items_done == items_total
    }
    if ctl.cancelled.load(Ordering::Relaxed) {
        return Err(Error::new(
            ErrorKind::Cancelled,
            "the progress callback cancelled the batch",
        ));
    }
    if let Some(fatal) = reports.iter_mut().find_map(|r| r.fatal.take()) {
        return Err(fatal);
    }
    let failures = in_item_order(reports.into_iter().map(|r| r.failures).collect())?;
    if !ctl.keep_going {
        if let Some(first) = failures.into_iter().next() {
            return Err(first.into_error());
        }
        return Ok(Vec::new());
    }
    Ok(failures)
}

/// Runs one chunk: its items in order with one context (none once the batch has stopped),
/// then closes its output, whatever happened.
fn run_task<J: Job, D: Output>(
    job: &J,
    ctl: &Control,
    mut task: Task<'_, D>,
    report: &mut dyn FnMut(),
) -> Report {
    let mut out = Report::default();
    let mut fatal = |e: Error| {
        ctl.stop.store(true, Ordering::Relaxed);
        out.fatal.get_or_insert(e);
    };
    if !task.items.is_empty() && !ctl.stopped() {
        if let Err(e) = run_items(job, ctl, &mut task, &mut out.failures, report) {
            fatal(e);
        }
    }
    if let Err(e) = task.dst.close() {
        fatal(e);
    }
    out
}

/// Runs a chunk's items into its output (opened here), adding failed items to `failures`;
/// `Err` when the chunk cannot start (no context, no output).
fn run_items<J: Job, D: Output>(
    job: &J,
    ctl: &Control,
    task: &mut Task<'_, D>,
    failures: &mut Vec<Failure>,
    report: &mut dyn FnMut(),
) -> Result<()> {
    let mut ctx = job.context()?;
    if let Err(e) = task.dst.open() {
        job.recycle(ctx);
        return Err(e);
    }
    let mut unreported = (0u64, 0u64); // items, bytes
    for (i, seg) in task.items.clone().zip(task.segments.iter_mut()) {
        if ctl.stopped() {
            break;
        }
        let dst = task.dst.dst();
        let start = dst.filled();
        let result = job.run(&mut ctx, i, dst);
        if let Err(e) = result {
            dst.truncate(start);
            if e.kind == ErrorKind::Alloc {
                return Err(e.at(i)); // out of memory is no fault of the item's: the call fails
            }
            add_failure(failures, i, e)?;
            if !ctl.keep_going {
                ctl.stop.store(true, Ordering::Relaxed);
                break;
            }
        }
        *seg = Segment {
            offset: start as u64,
            length: (dst.filled() - start) as u64,
        };
        // Workers share the counters in batches, so that they do not fight over their cache
        // line on every item.
        unreported.0 += 1;
        unreported.1 += job.weight(i);
        if unreported.0 == COUNT_BATCH || unreported.1 >= COUNT_BATCH_BYTES {
            if ctl.advance(unreported.0, unreported.1) && ctl.wants_progress {
                report();
            }
            unreported = (0, 0);
        }
    }
    if ctl.advance(unreported.0, unreported.1) && ctl.wants_progress {
        report();
    }
    job.recycle(ctx);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::time::Duration;

    #[test]
    fn the_packer_places_chunks_back_to_back_whatever_order_they_end_in() {
        // Three regions of 10, 8 and 12 bytes whose chunks wrote 3, 8 and 5 bytes.
        let chunks: [&[u8]; 3] = [b"abc", b"DEFGHIJK", b"lmnop"];
        let bounds = [10, 8, 12];
        for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0], [2, 1, 0]] {
            let mut dst = [MaybeUninit::new(b'.'); 30];
            let packer = Packer::new(3).unwrap();
            let mut regions: Vec<_> = Vec::new();
            let mut rest = &mut dst[..];
            for (bytes, bound) in chunks.iter().zip(bounds) {
                let (region, tail) = std::mem::take(&mut rest).split_at_mut(bound);
                for (d, &b) in region.iter_mut().zip(*bytes) {
                    d.write(b);
                }
                regions.push(Some(region));
                rest = tail;
            }
            for k in order {
                let region = regions[k].take().unwrap();
                packer.ended(k, region, chunks[k].len());
            }
            assert_eq!(packer.finish(), (16, vec![0, 3, 11]), "order {order:?}");
            let got = crate::zstd::reference::bytes(&dst[..16]);
            assert_eq!(got, b"abcDEFGHIJKlmnop", "order {order:?}");
        }
    }

    #[test]
    fn the_packer_handles_empty_full_and_shuffled_chunks() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut below = |m: usize| {
            // xorshift64: a fixed pseudo-random sequence.
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % m as u64) as usize
        };
        for _ in 0..5000 {
            let n = 1 + below(7);
            let bounds: Vec<usize> = (0..n).map(|_| below(12)).collect();
            // Empty regions, empty outputs and outputs that fill their region all occur.
            let lens: Vec<usize> = bounds.iter().map(|&b| below(b + 1)).collect();
            let mut dst = vec![MaybeUninit::new(b'.'); bounds.iter().sum()];
            let mut expected = Vec::new();
            let mut regions = Vec::new();
            let mut rest = &mut dst[..];
            for (k, (&bound, &len)) in bounds.iter().zip(&lens).enumerate() {
                let (region, tail) = std::mem::take(&mut rest).split_at_mut(bound);
                for (j, byte) in region[..len].iter_mut().enumerate() {
                    expected.push(byte.write((k * 16 + j) as u8).to_owned());
                }
                regions.push(Some(region));
                rest = tail;
            }
            let mut order: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                order.swap(i, below(i + 1));
            }
            let packer = Packer::new(n).unwrap();
            for &k in &order {
                packer.ended(k, regions[k].take().unwrap(), lens[k]);
            }
            let starts: Vec<usize> = lens
                .iter()
                .scan(0, |at, &len| Some(std::mem::replace(at, *at + len)))
                .collect();
            let (used, placed_at) = packer.finish();
            assert_eq!((used, &placed_at), (expected.len(), &starts));
            let got = crate::zstd::reference::bytes(&dst[..used]);
            assert_eq!(got, expected, "{bounds:?} {lens:?} {order:?}");
        }
    }

    /// Runs one chunk's life on `out`, writing `bytes`; returns its output.
    fn fill(mut out: ChunkOut, bytes: &[u8]) -> Vec<u8> {
        out.open().unwrap();
        out.dst().extend_from_slice(bytes);
        out.close().unwrap();
        out.into_data()
    }

    #[test]
    fn staged_chunks_end_in_buffers_of_their_size_and_huge_ones_are_trimmed() {
        let bytes: Vec<u8> = (0..3u32 << 20).map(|i| ((i * 7) >> 3) as u8).collect();
        let staged = ChunkOut::new(MAX_STAGED, true).unwrap();
        assert!(matches!(staged, ChunkOut::Staged { .. }));
        let data = fill(staged, &bytes);
        assert_eq!(data, bytes);
        // A recycled buffer may be up to a quarter larger, never the bound.
        assert!(data.capacity() <= bytes.len() + bytes.len() / 4);

        let huge = ChunkOut::new(MAX_STAGED + 1, true).unwrap();
        assert!(
            matches!(&huge, ChunkOut::Trimmed { data, .. } if data.capacity() == 0),
            "never twice its size, and nothing reserved before the chunk starts"
        );
        let data = fill(huge, &bytes);
        assert_eq!((data.len(), data.capacity()), (bytes.len(), bytes.len()));

        let exact = ChunkOut::new(bytes.len(), false).unwrap();
        assert_eq!(fill(exact, &bytes), bytes);
    }

    #[test]
    fn a_staged_chunk_that_nearly_fills_its_bound_is_kept_without_a_copy() {
        let bytes: Vec<u8> = (0..2u32 << 20)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        for (bound, copied) in [(bytes.len(), false), (bytes.len() * 2, true)] {
            let mut out = ChunkOut::new(bound, true).unwrap();
            out.open().unwrap();
            let scratch = out.dst().as_ptr();
            out.dst().extend_from_slice(&bytes);
            out.close().unwrap();
            let data = out.into_data();
            assert_eq!(data, bytes);
            assert_eq!(data.as_ptr() != scratch, copied, "bound {bound}");
            assert!(data.capacity() <= bytes.len() + bytes.len() / 4);
        }
    }

    /// Runs 64 pieces through [`spread`] with `helpers` threads leased from a pool of 4;
    /// returns the most pieces that ran at once, whether the calling thread ran any, and the
    /// results.
    fn spread_on_four(helpers: usize, caller_joins: bool) -> (usize, bool, Vec<usize>) {
        let pool = Pool::new(4).unwrap();
        let caller = std::thread::current().id();
        let (running, most) = (AtomicU64::new(0), AtomicU64::new(0));
        let by_caller = AtomicBool::new(false);
        let each = |k: usize| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            if std::thread::current().id() == caller {
                by_caller.store(true, Ordering::SeqCst);
            }
            std::thread::sleep(Duration::from_millis(2));
            running.fetch_sub(1, Ordering::SeqCst);
            k * 10
        };
        let pieces: Vec<usize> = (0..64).collect();
        let lease = pool.lease(helpers);
        assert_eq!(lease.threads, helpers);
        let results = spread(
            lease,
            helpers,
            pieces,
            each,
            || {},
            |calling| {
                if caller_joins {
                    calling.work();
                }
            },
        )
        .unwrap();
        assert_eq!(
            pool.busy.load(Ordering::SeqCst),
            0,
            "every thread given back"
        );
        (most.into_inner() as usize, by_caller.into_inner(), results)
    }

    #[test]
    fn a_spread_uses_only_its_helpers_of_a_larger_pool() {
        let expected: Vec<usize> = (0..64).map(|k| k * 10).collect();
        let (most, by_caller, results) = spread_on_four(1, true);
        assert!(
            most <= 2,
            "{most} pieces at once with one helper and the caller"
        );
        assert!(by_caller, "the calling thread joins in");
        assert_eq!(results, expected);
        let (most, by_caller, results) = spread_on_four(2, false);
        assert!(most <= 2, "{most} pieces at once with two helpers");
        assert!(!by_caller, "the calling thread only waits");
        assert_eq!(results, expected);
    }

    #[test]
    fn a_pool_leases_only_its_free_threads() {
        let pool = Pool::new(3).unwrap();
        let first = pool.lease(2);
        assert_eq!(first.threads, 2);
        assert_eq!(pool.lease(5).threads, 1, "one left");
        let none = pool.lease(1);
        let all = pool.lease(1);
        assert_eq!((none.threads, all.threads), (1, 0));
        drop((first, none, all));
        assert_eq!(pool.busy.load(Ordering::SeqCst), 0);
        assert_eq!(pool.lease(9).threads, 3);
    }

    #[test]
    fn a_batch_never_waits_for_another_batchs_threads() {
        // Batch A holds both threads of the pool until batch B, started meanwhile, is done (or
        // 5 s pass). B gets no thread, so it must run on its calling thread alone: waiting for
        // a pool thread would wait for A, which waits for B.
        let pool = Pool::new(2).unwrap();
        let b_done = (Mutex::new(false), Condvar::new());
        let a_started = AtomicU64::new(0);
        let b_in_time = std::thread::scope(|sc| {
            let a = sc.spawn(|| {
                let piece = |_: usize| {
                    a_started.fetch_add(1, Ordering::SeqCst);
                    let done = lock(&b_done.0);
                    let (done, _) = b_done
                        .1
                        .wait_timeout_while(done, Duration::from_secs(5), |d| !*d)
                        .unwrap();
                    *done
                };
                spread(pool.lease(2), 2, vec![0, 1], piece, || {}, |_| {}).unwrap()
            });
            while a_started.load(Ordering::SeqCst) < 2 {
                std::thread::yield_now();
            }
            let lease = pool.lease(1);
            assert_eq!(lease.threads, 0, "A holds both threads");
            let b = spread(
                lease,
                1,
                (0..8).collect(),
                |k: usize| k + 1,
                || {},
                |c| c.work(),
            );
            assert_eq!(b.unwrap(), (1..9).collect::<Vec<_>>());
            *lock(&b_done.0) = true;
            b_done.1.notify_all();
            a.join().unwrap()
        });
        assert_eq!(b_in_time, [true, true], "B finished while A held the pool");
    }

    #[test]
    fn a_batch_that_started_without_a_pool_thread_takes_one_that_comes_free() {
        // A holds the only thread of the pool; B starts without one. B's first piece lets A
        // go: one of B's later pieces must then run on the freed thread.
        let pool = Pool::new(1).unwrap();
        let release = (Mutex::new(false), Condvar::new());
        let caller = std::thread::current().id();
        let (a_started, helped) = (AtomicBool::new(false), AtomicBool::new(false));
        std::thread::scope(|sc| {
            let a = sc.spawn(|| {
                let hold = |_: u8| {
                    a_started.store(true, Ordering::SeqCst);
                    let done = lock(&release.0);
                    let wait = Duration::from_secs(5);
                    drop(release.1.wait_timeout_while(done, wait, |d| !*d).unwrap());
                };
                spread(pool.lease(1), 1, vec![0], hold, || {}, |_| {}).unwrap();
            });
            while !a_started.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
            let lease = pool.lease(1);
            assert_eq!(lease.threads, 0, "A holds the pool");
            let piece = |k: usize| {
                if k == 0 {
                    *lock(&release.0) = true;
                    release.1.notify_all();
                }
                if std::thread::current().id() != caller {
                    helped.store(true, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(5));
                k
            };
            let b = spread(lease, 1, (0..200).collect(), piece, || {}, |c| c.work());
            assert_eq!(b.unwrap(), (0..200).collect::<Vec<_>>());
            a.join().unwrap();
        });
        assert!(
            helped.into_inner(),
            "a piece of B ran on the freed pool thread"
        );
        assert_eq!(pool.busy.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn batches_finish_while_other_batches_hold_every_pool_thread() {
        // Holders lease every free thread of the library's pool and keep them until the
        // batches below are done (or 5 s pass). Those batches get no pool thread, so they run
        // on their calling thread: queueing for a pool thread would wait for the holders.
        let pool = pool().expect("the pool starts");
        let items: Vec<Vec<u8>> = (0..64u32)
            .map(|i| (0..16u32 << 10).map(|j| (j / 7 + i) as u8).collect())
            .collect();
        let views: Vec<&[u8]> = items.iter().map(|v| &v[..]).collect();
        let c = crate::Compressor::new(3).unwrap();
        let alone = c.compress(&views[..], &mut BatchOptions::default());
        let released = (Mutex::new(false), Condvar::new());
        let started = AtomicU64::new(0);
        let lease = pool.lease(pool.size);
        let holders = lease.threads as u64;
        let in_time = std::thread::scope(|sc| {
            let holding = sc.spawn(|| {
                let hold = |_: u64| {
                    started.fetch_add(1, Ordering::SeqCst);
                    let done = lock(&released.0);
                    let wait = Duration::from_secs(5);
                    *released
                        .1
                        .wait_timeout_while(done, wait, |d| !*d)
                        .unwrap()
                        .0
                };
                let most = lease.threads;
                spread(lease, most, (0..holders).collect(), hold, || {}, |_| {}).unwrap()
            });
            while started.load(Ordering::SeqCst) < holders {
                std::thread::yield_now();
            }
            for progress in [false, true] {
                let mut calls = 0;
                let mut count = |_: u64, _: u64| {
                    calls += 1;
                    true
                };
                let mut opts = BatchOptions {
                    threads: 2,
                    progress: progress.then_some(&mut count as Progress),
                    ..Default::default()
                };
                let out = c.compress(&views[..], &mut opts).unwrap().output;
                let first = alone.as_ref().unwrap().output.get(0);
                assert_eq!(out.count(), 64);
                assert_eq!(out.get(0), first, "same bytes as on one thread");
                assert_eq!(calls > 0, progress);
            }
            *lock(&released.0) = true;
            released.1.notify_all();
            holding.join().unwrap()
        });
        assert!(
            in_time.iter().all(|&r| r),
            "the batches finished while the pool was held"
        );
    }

    #[test]
    fn contexts_kept_stay_within_one_per_cpu_and_the_byte_limit() {
        let contexts = Contexts::default();
        let none = || -> Result<u32> { Ok(0) };
        for k in 1..=cpus() as u32 + 3 {
            contexts.give(k, 1 << 20);
        }
        assert_eq!(contexts.memory_size(), cpus() << 20, "one per CPU");
        let newest = cpus() as u32 + 3;
        assert_eq!(
            contexts.take(none).unwrap(),
            newest,
            "the last one given back first"
        );
        // Two large contexts: only the last one given back stays, whatever its size.
        contexts.give(100, KEPT_CONTEXT_BYTES / 2 + 1);
        contexts.give(200, KEPT_CONTEXT_BYTES / 2 + 1);
        assert_eq!(contexts.memory_size(), KEPT_CONTEXT_BYTES / 2 + 1);
        contexts.give(300, 2 * KEPT_CONTEXT_BYTES);
        assert_eq!(contexts.memory_size(), 2 * KEPT_CONTEXT_BYTES);
        assert_eq!(contexts.take(none).unwrap(), 300);
        assert_eq!(contexts.take(none).unwrap(), 0, "nothing else was kept");
        let header = include_str!("../include/zseg.h");
        let limit = format!("one per CPU and {} MiB in all", KEPT_CONTEXT_BYTES >> 20);
        assert_eq!(
            header.matches(&limit).count(),
            2,
            "the header states the limit"
        );
    }

    #[test]
    fn a_batch_reads_its_items_count_once() {
        // An Items whose count shrinks each time it is asked (a bug of the caller's) must not
        // make the engine index past what it planned.
        struct Shrinking(Vec<Vec<u8>>, AtomicUsize);
        impl Items for Shrinking {
            fn count(&self) -> usize {
                self.1.fetch_sub(1, Ordering::SeqCst)
            }
            fn item(&self, i: usize) -> &[u8] {
                &self.0[i]
            }
        }
        let items = Shrinking(vec![b"abc".to_vec(); 10], AtomicUsize::new(10));
        let c = crate::Compressor::new(1).unwrap();
        let mut dst = vec![MaybeUninit::new(0u8); 10_000];
        let out = c.compress_into(&items, &mut BatchOptions::default(), &mut dst);
        assert_eq!(
            out.unwrap().output.1.len(),
            10,
            "one segment per planned item"
        );
    }

    #[test]
    fn a_helper_that_unwinds_still_says_it_exited() {
        let pool = Pool::new(2).unwrap();
        let exited = AtomicU64::new(0);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            spread(
                pool.lease(2),
                2,
                vec![0, 1, 2, 3],
                |_: i32| panic!("a bug in a piece"),
                || {
                    exited.fetch_add(1, Ordering::SeqCst);
                },
                // As the progress path does: wait until every helper has stopped.
                |_| {
                    while exited.load(Ordering::SeqCst) < 2 {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                },
            )
        }));
        assert!(outcome.is_err(), "the panic reaches the calling thread");
        assert_eq!(exited.into_inner(), 2);
        assert_eq!(
            pool.busy.load(Ordering::SeqCst),
            0,
            "both threads given back"
        );
    }

    #[test]
    fn shared_parts_run_on_the_calling_thread_and_a_worker_at_once() {
        if cpus() < 2 {
            return; // one CPU: everything runs inline
        }
        let caller = std::thread::current().id();
        let seen = Mutex::new(HashSet::new());
        let both = Condvar::new();
        let mut slots = vec![0u8; 2 * MIN_PART_SLOTS];
        // Each part waits (up to 5 s) until two threads have started one: a part that runs
        // while the other thread cannot start (say, the queue still locked) sees only itself.
        let pool = Pool::new(2).unwrap();
        let seen_by_part = map_parts_on(
            || Some(&pool),
            2,
            &mut slots,
            |first, part| {
                part.fill(1);
                let mut ids = lock(&seen);
                ids.insert(std::thread::current().id());
                both.notify_all();
                let (ids, _) = both
                    .wait_timeout_while(ids, Duration::from_secs(5), |ids| ids.len() < 2)
                    .unwrap();
                (first, ids.len())
            },
        )
        .unwrap();
        assert_eq!(seen_by_part, [(0, 2), (MIN_PART_SLOTS, 2)]);
        assert!(seen.into_inner().unwrap().contains(&caller));
        assert!(slots.iter().all(|&b| b == 1), "every part ran once");
    }
}
