//! Built-in deterministic corpora for the demo, the benchmark and tests (no downloads).

/// A small, fast, seeded generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `lo..hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo) as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "he",
    "this",
    "are",
    "or",
    "his",
    "from",
    "at",
    "which",
    "but",
    "have",
    "an",
    "had",
    "they",
    "you",
    "were",
    "their",
    "one",
    "all",
    "we",
    "can",
    "her",
    "has",
    "there",
    "been",
    "if",
    "more",
    "when",
    "will",
    "would",
    "who",
    "so",
    "no",
    "system",
    "record",
    "compression",
    "buffer",
    "segment",
    "thread",
    "window",
    "frame",
    "dictionary",
    "level",
    "latency",
    "storage",
    "engine",
    "index",
    "batch",
    "message",
    "service",
    "request",
    "user",
    "account",
    "payment",
    "order",
    "status",
    "network",
    "memory",
    "cluster",
    "replica",
    "query",
];

fn words(rng: &mut Rng, out: &mut Vec<u8>, bytes: usize) {
    let end = out.len() + bytes;
    while out.len() < end {
        out.extend_from_slice(WORDS[rng.range(0, WORDS.len())].as_bytes());
        out.push(if rng.range(0, 12) == 0 { b'.' } else { b' ' });
    }
    out.truncate(end);
}

/// `n` JSON-like records of 0.5 to 2 KB each.
pub fn json_records(n: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let target = rng.range(500, 2000);
            let mut r = Vec::with_capacity(target + 64);
            let status = ["active", "pending", "closed", "failed"][rng.range(0, 4)];
            r.extend_from_slice(
                format!(
                    "{{\"id\":{i},\"user\":\"user_{}\",\"email\":\"u{}@example.com\",\"status\":\"{status}\",\"score\":{}.{},\"tags\":[\"{}\",\"{}\"],\"created\":\"2026-{:02}-{:02}T{:02}:{:02}:{:02}Z\",\"text\":\"",
                    rng.range(0, 50_000),
                    rng.range(0, 50_000),
                    rng.range(0, 1000),
                    rng.range(0, 100),
                    WORDS[rng.range(0, WORDS.len())],
                    WORDS[rng.range(0, WORDS.len())],
                    rng.range(1, 13),
                    rng.range(1, 29),
                    rng.range(0, 24),
                    rng.range(0, 60),
                    rng.range(0, 60),
                )
                .as_bytes(),
            );
            let fill = target.saturating_sub(r.len() + 2);
            words(&mut rng, &mut r, fill);
            r.extend_from_slice(b"\"}");
            r
        })
        .collect()
}

/// `n` chunks of `size` bytes of English-like text.
pub fn text_chunks(n: usize, size: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let mut c = Vec::with_capacity(size);
            words(&mut rng, &mut c, size);
            c
        })
        .collect()
}

/// `n` items of `size` bytes that compress poorly (random bytes with a few short runs).
pub fn low_compressibility(n: usize, size: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let mut c = Vec::with_capacity(size);
            while c.len() < size {
                let x = rng.next_u64();
                if x % 16 == 0 {
                    let run = (x >> 8) as usize % 24;
                    c.extend(std::iter::repeat((x >> 16) as u8).take(run));
                } else {
                    c.extend_from_slice(&x.to_le_bytes());
                }
            }
            c.truncate(size);
            c
        })
        .collect()
}
