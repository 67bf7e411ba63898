//! End-to-end tests of the `zseg` binary: round trips through pack/unpack/get, info output,
//! dictionaries, and clean failures (message prefixed `zseg: `, nonzero exit) on bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

// --- Helpers ---------------------------------------------------------------------------------

/// A scratch directory under cargo's target tmpdir, removed on drop.
struct Tmp(PathBuf);

impl Tmp {
    fn new(name: &str) -> Tmp {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "zseg-cli-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Tmp(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `bytes` to `name` and returns its path as a string.
    fn file(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        s(&p)
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

/// Runs zseg with `args`, feeding `stdin`.
fn zseg_in(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zseg"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn zseg(args: &[&str]) -> Output {
    zseg_in(args, b"")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs zseg, asserts success, returns stdout.
fn ok(args: &[&str]) -> Vec<u8> {
    let o = zseg(args);
    assert!(o.status.success(), "zseg {args:?} failed: {}", stderr(&o));
    o.stdout
}

/// Runs zseg, asserts it fails cleanly with exit status 1 and a `zseg: ` message containing
/// `needle`; returns the message.
fn fails(args: &[&str], needle: &str) -> String {
    let o = zseg(args);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "zseg {args:?}: {e}");
    assert!(e.starts_with("zseg: "), "zseg {args:?}: {e}");
    assert!(e.contains(needle), "zseg {args:?}: `{needle}` not in: {e}");
    assert!(!e.contains("panicked"), "zseg {args:?}: {e}");
    e
}

/// Runs zseg, asserts it fails as bad usage: exit status 2, a message containing `needle`.
fn misused(args: &[&str], needle: &str) {
    let o = zseg(args);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "zseg {args:?}: {e}");
    assert!(e.contains(needle), "zseg {args:?}: `{needle}` not in: {e}");
}

/// The `key:` line of `zseg info`, its value trimmed.
fn info(file: &str, key: &str) -> String {
    let out = String::from_utf8(ok(&["info", file])).unwrap();
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .unwrap_or_else(|| panic!("no `{key}:` in {out}"))
        .trim()
        .to_owned()
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// JSON-like lines, varied enough to train a dictionary on.
fn records(n: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng(42);
    let words = [
        "alpha", "beta", "gamma", "delta", "status", "active", "closed", "pending",
    ];
    (0..n)
        .map(|i| {
            let mut r = format!(
                "{{\"id\":{i},\"user\":\"user_{}\",\"status\":\"{}\",\"score\":{},\"text\":\"",
                rng.below(5000),
                words[rng.below(8) as usize],
                rng.below(100_000)
            );
            for _ in 0..rng.below(12) + 4 {
                r.push_str(words[rng.below(8) as usize]);
                r.push(' ');
            }
            r.push_str("\"}");
            r.into_bytes()
        })
        .collect()
}

fn joined_lines(items: &[Vec<u8>]) -> Vec<u8> {
    let mut v = Vec::new();
    for i in items {
        v.extend_from_slice(i);
        v.push(b'\n');
    }
    v
}

// --- Round trips -----------------------------------------------------------------------------

#[test]
fn lines_round_trip_keeps_empty_lines() {
    let t = Tmp::new("lines");
    let text = b"first\n\n\nsecond line\n\n  \nlast without newline";
    let input = t.file("in.txt", text);
    let out = s(&t.path("l.zst"));
    ok(&["pack", "--lines", "-o", &out, &input]);
    assert_eq!(info(&out, "items"), "7");
    let mut expected = text.to_vec();
    expected.push(b'\n');
    assert_eq!(ok(&["unpack", "--lines", &out]), expected);
    assert_eq!(
        ok(&["unpack", &out]),
        b"firstsecond line  last without newline"
    );
    assert_eq!(ok(&["get", &out, "1"]), b"");
    assert_eq!(ok(&["get", &out, "5"]), b"  ");
    assert_eq!(
        ok(&["get", "--lines", &out, "6", "1", "0"]),
        b"last without newline\n\nfirst\n"
    );

    // A trailing newline adds no empty item; "\n" alone is one empty item; CRs stay.
    for (text, items) in [
        (&b"a\nb\n"[..], "2"),
        (b"\n", "1"),
        (b"", "0"),
        (b"a\r\nb", "2"),
    ] {
        let input = t.file("more.txt", text);
        ok(&["pack", "-q", "--lines", "-o", &out, &input]);
        assert_eq!(info(&out, "items"), items, "{text:?}");
    }
    assert_eq!(ok(&["get", &out, "0"]), b"a\r");
}

#[test]
fn binary_items_round_trip_in_file_mode() {
    let t = Tmp::new("binary");
    let mut rng = Rng(7);
    let random: Vec<u8> = (0..100_000).map(|_| rng.next() as u8).collect();
    let items: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"\0".to_vec(),
        b"a\nb\n".to_vec(),
        b"\n".to_vec(),
        b"\0\0\n\0\r\n".to_vec(),
        random.clone(),
        vec![0; 70_000],
        b"\xff\xfe\x00 not utf-8".to_vec(),
        b"".to_vec(),
        random[..1000].to_vec(),
        b"ten".to_vec(),
        b"eleven\n".to_vec(),
    ];
    let inputs: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, item)| t.file(&format!("item{i}"), item))
        .collect();
    let out = s(&t.path("b.zst"));
    let mut args = vec!["pack", "--checksum", "-T", "2", "-o", &out];
    args.extend(inputs.iter().map(String::as_str));
    ok(&args);
    assert_eq!(info(&out, "items"), "12");

    assert_eq!(ok(&["unpack", &out]), items.concat());
    let dir = t.path("out");
    ok(&["unpack", &out, "-o", &s(&dir)]);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let expected: Vec<String> = (0..12).map(|i| format!("{i:02}")).collect();
    assert_eq!(
        names, expected,
        "zero-padded to the width of the last index"
    );
    for (i, item) in items.iter().enumerate() {
        assert_eq!(
            &std::fs::read(dir.join(format!("{i:02}"))).unwrap(),
            item,
            "{i}"
        );
        assert_eq!(&ok(&["get", &out, &i.to_string()]), item, "{i}");
    }
    // A second unpack into the same directory refuses to overwrite what is there, before
    // writing anything: with only the last name taken, the first ones stay absent.
    std::fs::write(dir.join("00"), b"keep").unwrap();
    fails(&["unpack", &out, "-o", &s(&dir)], "exists");
    assert_eq!(std::fs::read(dir.join("00")).unwrap(), b"keep");
    let other = t.path("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("11"), b"keep").unwrap();
    std::fs::write(other.join("12"), b"not an item name").unwrap();
    fails(&["unpack", &out, "-o", &s(&other)], "11: already exists");
    assert!(!other.join("00").exists(), "unpack wrote before failing");
    std::fs::remove_file(other.join("11")).unwrap();
    ok(&["unpack", &out, "-o", &s(&other)]);
    assert_eq!(std::fs::read(other.join("11")).unwrap(), items[11]);
    assert_eq!(
        std::fs::read(other.join("12")).unwrap(),
        b"not an item name"
    );
    fails(&["unpack", &out, "-o", &out], "is not a directory");
}

#[test]
fn hundred_thousand_lines_round_trip() {
    let t = Tmp::new("100k");
    let mut rng = Rng(3);
    let mut text = Vec::new();
    let mut lines = Vec::new();
    for i in 0..100_000u64 {
        let line = match rng.below(10) {
            0 => String::new(),
            1 => format!("{i}"),
            _ => format!(
                "line {i} value {} {}",
                rng.below(1 << 20),
                "x".repeat(rng.below(40) as usize)
            ),
        };
        text.extend_from_slice(line.as_bytes());
        text.push(b'\n');
        lines.push(line);
    }
    let input = t.file("in.txt", &text);
    let out = s(&t.path("h.zst"));
    ok(&["pack", "--lines", "-T", "2", "-o", &out, &input]);
    assert_eq!(info(&out, "items"), "100000");
    let total: usize = lines.iter().map(String::len).sum();
    assert!(info(&out, "decompressed").starts_with(&format!("{total} bytes")));
    assert_eq!(ok(&["unpack", "--lines", "-T", "2", &out]), text);
    let got = ok(&["get", "--lines", &out, "99999", "0", "50000", "12345"]);
    let want: String = [99_999, 0, 50_000, 12_345]
        .iter()
        .map(|&i| format!("{}\n", lines[i]))
        .collect();
    assert_eq!(String::from_utf8(got).unwrap(), want);
}

#[test]
fn a_64_mib_item_round_trips() {
    let t = Tmp::new("64m");
    // Compressible but not trivial: runs of random bytes and repeats.
    let mut rng = Rng(11);
    let mut item = Vec::with_capacity(64 << 20);
    while item.len() < 64 << 20 {
        let x = rng.next();
        if x & 3 == 0 {
            item.extend(std::iter::repeat_n(
                (x >> 8) as u8,
                64 + (x >> 16) as usize % 512,
            ));
        } else {
            item.extend_from_slice(&x.to_le_bytes());
        }
    }
    item.truncate(64 << 20);
    let input = t.file("big.bin", &item);
    let out = s(&t.path("big.zst"));
    ok(&["pack", "-l", "1", "-o", &out, &input]);
    assert_eq!(info(&out, "items"), "1");
    assert!(info(&out, "decompressed").starts_with("67108864 bytes"));
    assert!(ok(&["unpack", &out]) == item, "unpack differs");
    assert!(ok(&["get", &out, "0"]) == item, "get differs");

    // Small items around it: pack compresses and writes them in separate groups (of 16 MiB of
    // input), and the seek table, checksums included, spans the groups.
    let (before, after) = (t.file("a.txt", b"before"), t.file("z.txt", b"after"));
    let out = s(&t.path("three.zst"));
    ok(&[
        "pack",
        "-l",
        "1",
        "--checksum",
        "-o",
        &out,
        &before,
        &input,
        &after,
    ]);
    assert_eq!(info(&out, "items"), "3");
    assert_eq!(info(&out, "table checksums"), "yes");
    assert_eq!(ok(&["get", &out, "2", "0"]), b"afterbefore");
    assert!(ok(&["get", &out, "1"]) == item, "get differs");
    let mut all = b"before".to_vec();
    all.extend_from_slice(&item);
    all.extend_from_slice(b"after");
    assert!(ok(&["unpack", &out]) == all, "unpack differs");
}

#[test]
fn standard_input_is_an_input() {
    let t = Tmp::new("stdin");
    let out = s(&t.path("s.zst"));
    let first = t.file("first", b"from a file");
    let o = zseg_in(&["pack", "-o", &out, &first, "-"], b"from stdin\0\n");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(ok(&["get", &out, "1", "0"]), b"from stdin\0\nfrom a file");
    let o = zseg_in(&["pack", "--lines", "-o", &out, "-"], b"x\ny\n\nz");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(ok(&["unpack", "--lines", &out]), b"x\ny\n\nz\n");
    fails(&["pack", "-o", &out, "-", "-"], "only once");
}

#[test]
fn get_writes_items_in_the_order_given() {
    let t = Tmp::new("get");
    let items: Vec<Vec<u8>> = (0..20).map(|i| format!("item-{i};").into_bytes()).collect();
    let input = t.file("in.txt", &joined_lines(&items));
    let out = s(&t.path("g.zst"));
    ok(&["pack", "-q", "--lines", "-o", &out, &input]);
    assert_eq!(ok(&["get", &out, "0"]), b"item-0;");
    assert_eq!(ok(&["get", &out, "19"]), b"item-19;");
    assert_eq!(
        ok(&["get", &out, "19", "0", "5", "5", "19", "7"]),
        b"item-19;item-0;item-5;item-5;item-19;item-7;"
    );
    assert_eq!(
        ok(&["get", "--lines", &out, "3", "2"]),
        b"item-3;\nitem-2;\n"
    );
}

#[test]
fn an_index_out_of_range_is_an_error_and_writes_nothing() {
    let t = Tmp::new("range");
    let input = t.file("in.txt", b"a\nb\nc\n");
    let out = s(&t.path("r.zst"));
    ok(&["pack", "-q", "--lines", "-o", &out, &input]);
    let e = fails(&["get", &out, "3"], "index 3 is out of range");
    assert!(e.contains("3 items (0 to 2)"), "{e}");
    let o = zseg(&["get", &out, "0", "1", "99"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "nothing is written before the check");
    fails(&["get", &out, "18446744073709551615"], "out of range");
    // Not a number at all: a usage error.
    let o = zseg(&["get", &out, "one"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = zseg(&["get", &out, "-1"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn info_reports_items_sizes_ratio_checksums_and_dictionary() {
    let t = Tmp::new("info");
    let items = records(300);
    let input = t.file("in.txt", &joined_lines(&items));
    let out = s(&t.path("i.zst"));
    ok(&["pack", "-q", "--lines", "-o", &out, &input]);
    let total: usize = items.iter().map(Vec::len).sum();
    assert_eq!(info(&out, "items"), "300");
    assert!(info(&out, "decompressed").starts_with(&format!("{total} bytes")));
    let compressed: u64 = info(&out, "compressed")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let file_size = std::fs::metadata(&out).unwrap().len();
    assert!(compressed < total as u64 && compressed < file_size);
    assert!(info(&out, "file size").starts_with(&format!("{file_size} bytes")));
    // 300 entries of 8 bytes, 9-byte footer, 8-byte skippable frame header.
    assert!(info(&out, "file size").contains("seek table 2417 bytes"));
    let ratio: f64 = info(&out, "ratio").parse().unwrap();
    assert!((ratio - total as f64 / compressed as f64).abs() < 0.01);
    assert_eq!(info(&out, "table checksums"), "no");
    assert_eq!(info(&out, "frame checksums"), "no");
    assert_eq!(info(&out, "dictionary ID"), "none");

    ok(&["pack", "-q", "--lines", "--checksum", "-o", &out, &input]);
    assert_eq!(info(&out, "table checksums"), "yes");
    assert_eq!(info(&out, "frame checksums"), "yes");
    assert!(info(&out, "file size").contains("seek table 3617 bytes"));

    // An empty file of items.
    let empty = t.file("empty.txt", b"");
    ok(&["pack", "-q", "--lines", "-o", &out, &empty]);
    assert_eq!(info(&out, "items"), "0");
    assert_eq!(info(&out, "ratio"), "-");
    assert_eq!(ok(&["unpack", &out]), b"");
    fails(&["get", &out, "0"], "the file has 0 items");
}

// --- Dictionaries ----------------------------------------------------------------------------

fn dict_id(dict: &[u8]) -> u32 {
    assert_eq!(
        &dict[..4],
        &0xEC30_A437u32.to_le_bytes(),
        "a zstd-format dictionary"
    );
    u32::from_le_bytes(dict[4..8].try_into().unwrap())
}

#[test]
fn train_writes_a_sidecar_dictionary_that_unpack_and_get_find() {
    let t = Tmp::new("train");
    let items = records(3000);
    let text = joined_lines(&items);
    let input = t.file("in.txt", &text);
    let out = s(&t.path("d.zst"));
    let o = zseg(&["pack", "--lines", "--train", "4K", "-o", &out, &input]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    let dict = std::fs::read(t.path("d.zst.dict")).unwrap();
    assert!(dict.len() <= 4096 && dict.len() >= 256);
    let id = dict_id(&dict);
    assert_eq!(info(&out, "dictionary ID"), id.to_string());
    assert_eq!(ok(&["unpack", "--lines", &out]), text);
    assert_eq!(
        ok(&["get", &out, "2999", "0"]),
        [&items[2999][..], &items[0]].concat()
    );

    // Without the sidecar the frames cannot be read, and the message says what to do.
    let moved = t.path("moved.dict");
    std::fs::rename(t.path("d.zst.dict"), &moved).unwrap();
    fails(&["get", &out, "1"], "--dict");
    fails(&["unpack", &out], &format!("dictionary {id}"));
    assert_eq!(ok(&["get", "--dict", &s(&moved), &out, "1"]), items[1]);
    // A different dictionary is refused.
    let other = t.path("other.dict");
    let reversed: Vec<u8> = text.iter().rev().copied().collect();
    let input2 = t.file("in2.txt", &reversed);
    let out2 = s(&t.path("d2.zst"));
    ok(&[
        "pack",
        "-q",
        "--lines",
        "--train",
        "4K",
        "--dict-out",
        &s(&other),
        "-o",
        &out2,
        &input2,
    ]);
    assert!(
        !t.path("d2.zst.dict").exists(),
        "--dict-out replaces the sidecar"
    );
    fails(&["get", "--dict", &s(&other), &out, "1"], "dictionary");
    // An empty --dict file is an error for every command, never "no dictionary".
    let empty = t.file("empty.dict", b"");
    for args in [
        vec!["get", "--dict", &empty, &out, "1"],
        vec!["unpack", "--dict", &empty, &out],
        vec!["pack", "--dict", &empty, "-o", &out2, &input2],
    ] {
        fails(&args, "the dictionary is empty");
    }

    // Enough to train on, too little for a dictionary to pay for itself: a warning.
    let few = t.file("few.txt", &joined_lines(&items[..40]));
    let few_out = s(&t.path("few.zst"));
    let o = zseg(&["pack", "--lines", "--train", "4K", "-o", &few_out, &few]);
    assert!(o.status.success(), "{}", stderr(&o));
    let packed = std::fs::metadata(&few_out).unwrap().len()
        + std::fs::metadata(t.path("few.zst.dict")).unwrap().len();
    assert!(packed > std::fs::metadata(&few).unwrap().len());
    assert!(
        stderr(&o).contains("too little input for --train"),
        "{}",
        stderr(&o)
    );

    // Too little to train on.
    let tiny = t.file("tiny.txt", b"one\ntwo\n");
    fails(
        &["pack", "--lines", "--train", "4K", "-o", &out2, &tiny],
        "--train",
    );
    fails(
        &["pack", "--lines", "--train", "100", "-o", &out2, &tiny],
        "at least 256",
    );
}

#[test]
fn an_existing_dictionary_round_trips_with_dict() {
    let t = Tmp::new("dict");
    let items = records(3000);
    let train_in = t.file("train.txt", &joined_lines(&items));
    let dict = t.path("shared.dict");
    let scratch = s(&t.path("scratch.zst"));
    ok(&[
        "pack",
        "-q",
        "--lines",
        "--train",
        "8K",
        "--dict-out",
        &s(&dict),
        "-o",
        &scratch,
        &train_in,
    ]);
    let id = dict_id(&std::fs::read(&dict).unwrap());

    let fresh = records(3500)[3000..].to_vec();
    let text = joined_lines(&fresh);
    let input = t.file("in.txt", &text);
    let out = s(&t.path("x.zst"));
    ok(&[
        "pack",
        "-q",
        "--lines",
        "--dict",
        &s(&dict),
        "-o",
        &out,
        &input,
    ]);
    assert!(!t.path("x.zst.dict").exists(), "--dict writes no sidecar");
    assert_eq!(info(&out, "dictionary ID"), id.to_string());
    assert_eq!(ok(&["unpack", "--lines", "--dict", &s(&dict), &out]), text);
    assert_eq!(
        ok(&["get", "--dict", &s(&dict), &out, "499", "3"]),
        [&fresh[499][..], &fresh[3]].concat()
    );
    fails(&["get", &out, "0"], "--dict");

    // A raw-content dictionary works too, but frames then name no dictionary.
    let raw = t.file("raw.dict", &joined_lines(&items[..200]));
    let o = zseg(&["pack", "--lines", "--dict", &raw, "-o", &out, &input]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning"), "{}", stderr(&o));
    assert_eq!(info(&out, "dictionary ID"), "none");
    assert_eq!(ok(&["unpack", "--lines", "--dict", &raw, &out]), text);
    // Without it the frames look corrupt; the message says what may be missing.
    fails(&["get", &out, "0"], "pass it with --dict");

    fails(
        &[
            "pack",
            "--dict",
            &s(&t.path("missing.dict")),
            "-o",
            &out,
            &input,
        ],
        "missing.dict",
    );
    let o = zseg(&["pack", "--dict", &raw, "--train", "4K", "-o", &out, &input]);
    assert_eq!(o.status.code(), Some(2), "--dict and --train conflict");
}

// --- Bad input -------------------------------------------------------------------------------

#[test]
fn bad_files_fail_with_a_message() {
    let t = Tmp::new("bad");
    let items = records(50);
    let input = t.file("in.txt", &joined_lines(&items));
    let good = s(&t.path("good.zst"));
    ok(&["pack", "-q", "--lines", "--checksum", "-o", &good, &input]);
    let bytes = std::fs::read(&good).unwrap();
    let n = bytes.len();
    let table = 8 + 50 * 12 + 9;

    let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "too few"),
        ("truncated end", bytes[..n - 5].to_vec(), "magic"),
        ("truncated table", bytes[n - 100..].to_vec(), "seek table"),
        (
            "frames only (a plain zstd file)",
            bytes[..n - table].to_vec(),
            "magic",
        ),
        (
            "text",
            b"hello, this is not zstd at all\n".to_vec(),
            "magic",
        ),
    ];
    let mut wrong_magic = bytes.clone();
    wrong_magic[n - 1] ^= 0x40;
    cases.push(("wrong footer magic", wrong_magic, "magic"));
    let mut count = bytes.clone();
    count[n - 9..n - 5].copy_from_slice(&u32::MAX.to_le_bytes());
    cases.push(("entry count overflows", count, "frames"));
    let mut extra = bytes.clone();
    extra.insert(0, 0);
    cases.push(("frames do not add up", extra, "add up"));
    let mut past = bytes.clone();
    let first_entry = n - table + 8;
    past[first_entry..first_entry + 4].copy_from_slice(&(n as u32).to_le_bytes());
    cases.push(("entry past the data", past, "entry 0"));

    for (name, data, needle) in &cases {
        let f = t.file("bad.zst", data);
        for cmd in [&["info", &f][..], &["get", &f, "0"], &["unpack", &f]] {
            let e = fails(cmd, needle);
            assert!(
                e.contains("bad.zst"),
                "{name}: the message names the file: {e}"
            );
        }
    }
    fails(&["info", &s(&t.path("nonexistent.zst"))], "No such file");
    fails(
        &["get", &s(&t.path("nonexistent.zst")), "0"],
        "nonexistent.zst",
    );
    fails(&["unpack", &s(&t.0)], "is a directory");
    // pack never writes over one of its inputs, nor onto a directory.
    let before = std::fs::read(&input).unwrap();
    fails(&["pack", "-o", &input, &input], "also input");
    assert_eq!(
        std::fs::read(&input).unwrap(),
        before,
        "the input is intact"
    );
    fails(&["pack", "-o", &s(&t.0), &input], "is a directory");
    fails(
        &["pack", "-o", &s(&t.path("x.zst")), &s(&t.path("no-input"))],
        "no-input",
    );
    fails(
        &["pack", "-o", &s(&t.path("no/such/dir/x.zst")), &input],
        "x.zst",
    );
    misused(&["pack", "-l", "99", "-o", &good, &input], "level 99");
    misused(
        &["pack", "-l", "x", "-o", &good, &input],
        "not a whole number",
    );
}

#[test]
fn corrupt_frames_fail_with_a_message() {
    let t = Tmp::new("corrupt");
    let items = records(50);
    let input = t.file("in.txt", &joined_lines(&items));
    for checksum in [false, true] {
        let good = s(&t.path("good.zst"));
        let mut args = vec!["pack", "-q", "--lines", "-o", &good, &input];
        if checksum {
            args.push("--checksum");
        }
        ok(&args);
        let bytes = std::fs::read(&good).unwrap();
        let n = bytes.len();
        let entry = if checksum { 12 } else { 8 };
        let table = n - (8 + 50 * entry + 9);
        // Item 10's frame, found through the table.
        let csize = |i: usize| {
            let at = table + 8 + i * entry;
            u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize
        };
        let start: usize = (0..10).map(csize).sum();
        let len = csize(10);

        // Damage in the middle of a frame is caught by its checksum; without one (zstd may
        // then decode wrong bytes silently), damage the frame's magic number instead.
        let mut flipped = bytes.clone();
        let at = if checksum { start + len / 2 } else { start };
        flipped[at] ^= 0x55;
        flipped[at + 1] ^= 0xAA;
        let f = t.file("flipped.zst", &flipped);
        let e = fails(&["unpack", &f], "item 10");
        assert!(e.contains("corrupt frame"), "{e}");
        fails(&["get", &f, "10"], "item 10");
        assert_eq!(
            ok(&["get", &f, "9", "11"]),
            [&items[9][..], &items[11]].concat()
        );

        // The table's decompressed size of item 10 disagrees with its frame header.
        let mut resized = bytes.clone();
        let at = table + 8 + 10 * entry + 4;
        let size = u32::from_le_bytes(resized[at..at + 4].try_into().unwrap());
        resized[at..at + 4].copy_from_slice(&(size + 1).to_le_bytes());
        let f = t.file("resized.zst", &resized);
        let e = fails(&["get", &f, "10"], "item 10");
        assert!(e.contains("corrupt frame or seek table"), "{e}");
        assert!(
            e.contains(&format!(
                "{} bytes but the frame header says {size}",
                size + 1
            )),
            "{e}"
        );
        fails(&["unpack", &f], "item 10");
    }
}

// --- The rest of the interface ---------------------------------------------------------------

#[test]
fn every_subcommand_has_help() {
    for sub in ["pack", "unpack", "get", "info", "bench"] {
        let out = String::from_utf8(ok(&[sub, "--help"])).unwrap();
        assert!(out.contains(&format!("Usage: zseg {sub}")), "{out}");
        assert!(out.contains("Exit status"), "{out}");
    }
    let out = String::from_utf8(ok(&["--help"])).unwrap();
    for sub in ["pack", "unpack", "get", "info", "bench"] {
        assert!(out.contains(sub), "{out}");
    }
    let pack = String::from_utf8(ok(&["pack", "--help"])).unwrap();
    assert!(
        pack.contains("OUT.dict"),
        "--train documents where the dictionary goes"
    );
    let o = zseg(&[]);
    assert_eq!(o.status.code(), Some(2));
    let o = zseg(&["unpack", "-o", "dir", "--lines", "file"]);
    assert_eq!(o.status.code(), Some(2), "-o and --lines conflict");
}

#[test]
fn quiet_pack_prints_nothing_and_loud_pack_a_summary() {
    let t = Tmp::new("quiet");
    let input = t.file("in.txt", b"a\nb\n");
    let out = s(&t.path("q.zst"));
    let o = zseg(&["pack", "--quiet", "--lines", "-o", &out, &input]);
    assert!(o.status.success() && o.stdout.is_empty() && o.stderr.is_empty());
    let o = zseg(&["-q", "pack", "--lines", "-o", &out, &input]);
    assert!(o.status.success() && o.stderr.is_empty());
    let o = zseg(&["pack", "--lines", "-o", &out, &input]);
    assert!(o.status.success() && o.stdout.is_empty());
    assert!(stderr(&o).contains("2 items"), "{}", stderr(&o));
    // Not a terminal: no progress bar escapes.
    assert!(!stderr(&o).contains('\x1b'));
}

#[test]
fn packing_over_an_existing_file_replaces_it() {
    let t = Tmp::new("replace");
    let out = s(&t.path("r.zst"));
    let a = t.file("a", b"first version");
    let b = t.file("b", b"second version");
    ok(&["pack", "-q", "-o", &out, &a]);
    ok(&["pack", "-q", "-o", &out, &b, &a]);
    assert_eq!(ok(&["get", &out, "0"]), b"second version");
    let leftovers: Vec<_> = std::fs::read_dir(&t.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn bench_runs_every_corpus_and_verifies() {
    let t = Tmp::new("bench");
    for corpus in ["json", "text", "lowc"] {
        let out = String::from_utf8(ok(&[
            "bench", "--corpus", corpus, "-n", "500", "-r", "1", "-T", "2",
        ]))
        .unwrap();
        assert!(out.contains("items:        500"), "{out}");
        assert!(
            out.contains("verified:     all 500 items round-trip"),
            "{out}"
        );
        assert_eq!(out.matches("MB/s").count(), 2, "{out}");
        assert!(out.contains("ratio:"), "{out}");
    }
    let file = s(&t.path("bench.zst"));
    ok(&["bench", "-n", "300", "-r", "1", "--write", &file]);
    assert_eq!(info(&file, "items"), "300");
    let o = zseg(&["bench", "--corpus", "nope"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn pack_refuses_standard_output_as_the_file() {
    let t = Tmp::new("stdout");
    let input = t.file("in", b"x");
    misused(&["pack", "-o", "-", &input], "not standard output");
}

#[test]
fn pipes_and_proc_files_are_read_as_streams() {
    let t = Tmp::new("streams");
    // /proc files report a size of 0 but have content; /dev/stdin is a pipe here.
    assert_eq!(std::fs::metadata("/proc/version").unwrap().len(), 0);
    let out = s(&t.path("p.zst"));
    let o = zseg_in(
        &["pack", "-q", "-o", &out, "/dev/stdin", "/proc/version"],
        b"abc",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(info(&out, "items"), "2");
    assert_eq!(ok(&["get", &out, "0"]), b"abc");
    assert_eq!(
        ok(&["get", &out, "1"]),
        std::fs::read("/proc/version").unwrap()
    );
}

#[test]
fn the_trained_dictionary_never_replaces_an_input_or_the_output() {
    let t = Tmp::new("dictout");
    let text = joined_lines(&records(2000));
    let input = t.file("in.txt", &text);
    let out = s(&t.path("x.zst"));
    fn with<'a>(more: &[&'a str]) -> Vec<&'a str> {
        [&["pack", "-q", "--lines", "--train", "4K"][..], more].concat()
    }
    fails(
        &with(&["--dict-out", &input, "-o", &out, &input]),
        "also input",
    );
    fails(
        &with(&["--dict-out", &out, "-o", &out, &input]),
        "also the output",
    );
    // The same name reached through `..` or a link to the directory.
    std::fs::create_dir(t.path("sub")).unwrap();
    std::os::unix::fs::symlink(&t.0, t.path("link")).unwrap();
    for other in ["sub/../x.zst", "link/x.zst"] {
        let dict_out = s(&t.path(other));
        fails(
            &with(&["--dict-out", &dict_out, "-o", &out, &input]),
            "also the output",
        );
    }
    std::fs::remove_dir(t.path("sub")).unwrap();
    std::fs::remove_file(t.path("link")).unwrap();
    fails(
        &with(&["--dict-out", &s(&t.0), "-o", &out, &input]),
        "is a directory",
    );
    // The default OUT.dict is checked too.
    let sidecar = t.file("y.dict", &text);
    fails(&with(&["-o", &s(&t.path("y")), &sidecar]), "also input");
    assert_eq!(std::fs::read(&input).unwrap(), text);
    assert_eq!(std::fs::read(&sidecar).unwrap(), text);
    assert!(!t.path("x.zst").exists());

    // A pack that fails after training leaves no dictionary behind (nor a temporary file).
    let dict = t.path("kept.dict");
    let missing = s(&t.path("no/such/dir/x.zst"));
    fails(
        &with(&["--dict-out", &s(&dict), "-o", &missing, &input]),
        "x.zst",
    );
    assert!(
        !dict.exists(),
        "the dictionary of a failed pack was written"
    );
    let mut left: Vec<_> = std::fs::read_dir(&t.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["in.txt", "y.dict"]);
}

#[test]
fn a_closed_standard_output_ends_unpack_quietly() {
    use std::io::Read;
    let t = Tmp::new("pipe");
    let line = "a line of text that is long enough to fill pipes quickly .........\n";
    let input = t.file("in.txt", line.repeat(60_000).as_bytes());
    let out = s(&t.path("p.zst"));
    ok(&["pack", "-q", "--lines", "-o", &out, &input]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_zseg"))
        .args(["unpack", "--lines", &out])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The reader is gone (like `| head -c 100`).
    let o = child.wait_with_output().unwrap();
    assert_eq!(&first[..line.len()], line.as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

#[test]
fn a_pack_killed_while_writing_leaves_no_temporary_file() {
    use std::os::unix::process::ExitStatusExt;
    let t = Tmp::new("killed");
    // Enough work at level 19 to be caught while the frames are written.
    let input = t.file("in.txt", &joined_lines(&records(200_000)));
    let out = s(&t.path("x.zst"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_zseg"))
        .args([
            "pack", "-q", "--lines", "-l", "19", "--train", "4K", "-o", &out, &input,
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let temporary = |t: &Tmp| {
        std::fs::read_dir(&t.0)
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                name.to_string_lossy().contains(".zseg-tmp-")
            })
            .count()
    };
    // Both temporary files (the dictionary's and the file's) exist once writing has begun.
    let started = std::time::Instant::now();
    while temporary(&t) < 2 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "pack ended before it was killed"
        );
        assert!(
            started.elapsed().as_secs() < 60,
            "no temporary files appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(
        status.signal(),
        Some(15),
        "{status:?}: it dies of the signal"
    );
    assert_eq!(temporary(&t), 0, "temporary files left behind");
    assert!(!t.path("x.zst").exists() && !t.path("x.zst.dict").exists());
}

#[test]
fn repacking_keeps_the_permissions_of_the_file_and_its_dictionary() {
    use std::os::unix::fs::PermissionsExt;
    let t = Tmp::new("modes");
    let input = t.file("in.txt", &joined_lines(&records(2000)));
    let out = s(&t.path("x.zst"));
    let pack = ["pack", "-q", "--lines", "--train", "4K", "-o", &out, &input];
    ok(&pack);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let files = [t.path("x.zst"), t.path("x.zst.dict")];
    for f in &files {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    ok(&pack);
    for f in &files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
}

#[test]
fn signals_ignored_at_start_stay_ignored() {
    // As under `nohup`: SIGHUP ignored by the parent must not kill pack.
    let t = Tmp::new("nohup");
    let out = s(&t.path("h.zst"));
    let script = format!(
        "trap '' HUP; exec '{}' pack -q -o '{out}' -",
        env!("CARGO_BIN_EXE_zseg")
    );
    let mut child = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"some input").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300)); // zseg has started
    let sent = Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{:?}: {}", o.status, stderr(&o));
    assert_eq!(ok(&["get", &out, "0"]), b"some input");
}

/// Runs `sh -c SCRIPT zseg ARGS...`: the script runs the tool as "$0" "$@" under conditions
/// a Command cannot set (a file size limit, a full standard error).
fn zseg_sh(script: &str, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_zseg"))
        .args(args)
        .output()
        .unwrap()
}

/// Names in `t`'s directory, sorted.
fn names(t: &Tmp) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(&t.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn names_too_long_are_refused_before_any_work() {
    let t = Tmp::new("longname");
    let input = t.file("in.txt", &joined_lines(&records(400)));
    // 251 bytes: the file's name fits, the dictionary's (+ ".dict", 256) does not.
    let long = "x".repeat(247) + ".zst";
    let out = s(&t.path(&long));
    ok(&["pack", "-q", "-o", &out, &input]);
    let before = std::fs::read(&out).unwrap();
    let e = fails(
        &["pack", "--lines", "--train", "1K", "-o", &out, &input],
        "file name too long (256 bytes, at most 255)",
    );
    assert!(e.contains(".zst.dict"), "{e}");
    // Before, the file was replaced and its dictionary left in a temporary file.
    assert_eq!(std::fs::read(&out).unwrap(), before, "the old file changed");
    assert_eq!(names(&t), ["in.txt".to_owned(), long]);
    let longer = s(&t.path(&"y".repeat(256)));
    fails(&["pack", "-o", &longer, &input], "file name too long");
    fails(
        &["bench", "-n", "10", "--write", &longer],
        "file name too long",
    );
}

#[test]
fn an_item_cut_short_by_a_failed_write_is_removed_from_the_unpack_directory() {
    let t = Tmp::new("fsize");
    let small = t.file("small", &[7u8; 100]);
    let big = t.file("big", &vec![9u8; 50_000]);
    let tail = t.file("tail", b"last");
    let packed = s(&t.path("p.zst"));
    ok(&["pack", "-q", "-o", &packed, &small, &big, &tail]);
    let dir = t.path("out");
    // Files over 8 KiB cannot be written (EFBIG, the signal ignored): item 1 fails midway.
    let o = zseg_sh(
        "trap '' XFSZ; ulimit -f 8; exec \"$0\" \"$@\"",
        &["unpack", &packed, "-o", &s(&dir)],
    );
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.starts_with("zseg: ") && e.contains("File too large"),
        "{e}"
    );
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["0"], "only whole items are left");
    assert_eq!(std::fs::read(dir.join("0")).unwrap(), [7u8; 100]);
}

#[test]
fn a_standard_error_that_cannot_be_written_is_no_panic() {
    let t = Tmp::new("fullerr");
    let input = t.file("in", b"x");
    let missing = s(&t.path("missing.zst"));
    let o = zseg_sh("exec \"$0\" \"$@\" 2>/dev/full", &["info", &missing]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "the error, unshown, is still an error"
    );
    let out = s(&t.path("q.zst"));
    let o = zseg_sh(
        "exec \"$0\" \"$@\" 2>/dev/full",
        &["pack", "-o", &out, &input],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "the summary is lost, the file is written"
    );
    assert_eq!(ok(&["get", &out, "0"]), b"x");
}

#[test]
fn the_output_may_have_a_name_that_is_not_utf8() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let t = Tmp::new("nonutf8");
    let input = t.file("in", b"item");
    let out = t.0.join(OsStr::from_bytes(b"out\xfe.zst"));
    let o = Command::new(env!("CARGO_BIN_EXE_zseg"))
        .args(["pack", "-q", "-o"])
        .arg(&out)
        .arg(&input)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_zseg"))
        .arg("get")
        .arg(&out)
        .arg("0")
        .output()
        .unwrap();
    assert_eq!(o.stdout, b"item", "{}", stderr(&o));
}

#[test]
fn bench_checks_its_file_and_its_memory_before_running() {
    let t = Tmp::new("benchwrite");
    let started = std::time::Instant::now();
    fails(&["bench", "--write", &s(&t.0)], "is a directory");
    misused(
        &["bench", "-n", "10", "--write", "-"],
        "not standard output",
    );
    fails(&["bench", "-n", "100000000000"], "more than this machine's");
    assert!(
        started.elapsed().as_secs() < 30,
        "refused only after the run"
    );
    assert_eq!(names(&t), Vec::<String>::new());
}

#[test]
fn an_input_over_4_gib_is_refused_before_it_is_read() {
    let t = Tmp::new("huge");
    let huge = t.path("huge");
    // Sparse: no disk space, and reading it would take seconds and 4 GiB of memory.
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(4 << 30)
        .unwrap();
    let out = s(&t.path("h.zst"));
    fails(&["pack", "-o", &out, &s(&huge)], "at most 4 GiB - 1");
    assert!(!t.path("h.zst").exists());
}
