//! The subcommands, and what they share: opening seekable files, dictionaries, library errors
//! and atomic writes.

mod bench;
mod extract;
mod info;
mod pack;

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use zseg::{ErrorKind, Seekable};

use crate::args::{Cli, Command};
use crate::error::{os_message, CliError, CliResult};
use crate::interrupt::{self, Guard};
use crate::progress::Reporter;

/// Most items a seekable file holds (zstd's `ZSTD_SEEKABLE_MAXFRAMES`).
const MAX_ITEMS: usize = 0x800_0000;

/// Runs the subcommand `cli` names.
pub fn run(cli: Cli) -> CliResult<()> {
    let reporter = Reporter::new(cli.quiet);
    match cli.command {
        Command::Pack(a) => pack::run(&a, reporter, cli.quiet),
        Command::Unpack(a) => extract::unpack(&a, reporter),
        Command::Get(a) => extract::get(&a, reporter),
        Command::Info(a) => info::run(&a),
        Command::Bench(a) => bench::run(&a, reporter),
    }
}

/// Opens and validates the seekable file at `path`.
fn open(path: &Path) -> CliResult<Seekable> {
    let meta = std::fs::metadata(path).map_err(|e| CliError::io(path, e))?;
    if meta.is_dir() {
        return Err(CliError::new(format!("{}: is a directory", path.display())));
    }
    // SAFETY: mapped, not read, so that unpacking an archive larger than memory works and
    // memory stays bounded. Mapping's condition (the file does not change while mapped) is the
    // user's, as for any tool that maps its input: another program truncating the archive
    // meanwhile would kill the tool with SIGBUS, and one rewriting it would feed it other
    // bytes, which the frames' decoding then rejects or decodes as they are.
    unsafe { Seekable::open(path) }.map_err(|e| match e.kind {
        // The library's message names the path and the OS error.
        ErrorKind::Io => CliError::new(e.message),
        // The library's messages name the seek table or the seekable format.
        _ => CliError::new(format!("{}: {}", path.display(), e.message)),
    })
}

/// A library error while working on `file`; `item` maps the error's item index (within the
/// batch) to the item index in the file.
fn library_error(file: &Path, e: &zseg::Error, item: impl Fn(u64) -> u64) -> CliError {
    let what = match e.kind {
        ErrorKind::Zstd => "corrupt frame: ",
        // Sizes come from the seek table: the table or the frame is wrong.
        ErrorKind::SizeMismatch => "corrupt frame or seek table: ",
        _ => "",
    };
    match e.item {
        Some(i) => CliError::new(format!(
            "{}: item {}: {what}{}",
            file.display(),
            item(i),
            e.message
        )),
        None => CliError::new(format!("{}: {}", file.display(), e.message)),
    }
}

/// Reads a whole (small) file, such as a dictionary.
fn read_file(path: &Path) -> CliResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| CliError::io(path, e))
}

/// Reads the dictionary file `path`; an empty one is an error (loading it would mean "no
/// dictionary", which is not what naming a file asks for).
fn read_dictionary(path: &Path) -> CliResult<Vec<u8>> {
    let dict = read_file(path)?;
    if dict.is_empty() {
        return Err(CliError::new(format!(
            "{}: the dictionary is empty",
            path.display()
        )));
    }
    Ok(dict)
}

/// `path` with `suffix` appended to its file name (`x.zst` -> `x.zst.dict`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = OsString::from(path.as_os_str());
    s.push(suffix);
    PathBuf::from(s)
}

/// The dictionary that goes with seekable file `file` when none is named.
fn sidecar_dictionary(file: &Path) -> PathBuf {
    with_suffix(file, ".dict")
}

/// Most bytes in a file name (Linux's `NAME_MAX`).
const NAME_MAX: usize = 255;

/// Refuses a file the tool is about to write (`shown` names it in the message) when it cannot
/// take that name: a directory, or a name too long. Checked before any work, so that a
/// temporary file written beside it (whose name is shortened to fit) is not renamed in vain,
/// or, for a dictionary, after the file that needs it.
fn check_target(path: &Path, shown: &str) -> CliResult<()> {
    if path.is_dir() {
        return Err(CliError::new(format!("{shown}: is a directory")));
    }
    match path.file_name() {
        Some(name) if name.len() > NAME_MAX => Err(CliError::new(format!(
            "{shown}: file name too long ({} bytes, at most {NAME_MAX})",
            name.len()
        ))),
        Some(_) => Ok(()),
        None => Err(CliError::new(format!("{shown}: names no file"))),
    }
}

/// A seekable file being written beside `path`, removed if the tool is killed meanwhile.
fn create_seekable(path: &Path, checksums: bool) -> CliResult<(zseg::SeekableWriter, Guard)> {
    interrupt::guarded(
        || {
            zseg::SeekableWriter::create(path, checksums)
                .map_err(|e| library_error(path, &e, |i| i))
        },
        |w| w.temporary_path().to_owned(),
    )
}

/// A file written and synced beside `path`, which [`Staged::commit`] renames over it; dropped
/// before that, it is removed.
struct Staged {
    tmp: PathBuf,
    path: PathBuf,
    _removed_if_killed: Guard,
}

impl Staged {
    fn write(path: &Path, bytes: &[u8]) -> CliResult<Self> {
        let ((tmp, mut f), guard) = interrupt::guarded(
            || zseg::create_beside(path).map_err(|e| library_error(path, &e, |i| i)),
            |(tmp, _)| tmp.clone(),
        )?;
        let staged = Staged {
            tmp,
            path: path.to_owned(),
            _removed_if_killed: guard,
        };
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| CliError::io(&staged.tmp, e))?;
        Ok(staged)
    }

    /// Renames the file into place; on failure it stays where it is, named in the error as
    /// what `needed_by` needs.
    fn commit(mut self, needed_by: &Path) -> CliResult<()> {
        let tmp = std::mem::take(&mut self.tmp); // kept from here on, renamed or not
        std::fs::rename(&tmp, &self.path).map_err(|e| {
            CliError::new(format!(
                "{}: {}; {} needs the dictionary, which is in {}",
                self.path.display(),
                os_message(&e),
                needed_by.display(),
                tmp.display()
            ))
        })
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Whether `a` and `b` name the same existing file (same device and inode).
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => (x.dev(), x.ino()) == (y.dev(), y.ino()),
        _ => false,
    }
}

/// Whether `a` and `b` name the same file, existing or not: the same inode, or the same name
/// in the same directory (`..` and symbolic links in the directories resolved).
fn same_path(a: &Path, b: &Path) -> bool {
    let resolved = |p: &Path| -> Option<PathBuf> {
        let dir = match p.parent()? {
            d if d.as_os_str().is_empty() => Path::new("."),
            d => d,
        };
        Some(std::fs::canonicalize(dir).ok()?.join(p.file_name()?))
    };
    same_file(a, b) || matches!((resolved(a), resolved(b)), (Some(x), Some(y)) if x == y)
}

/// `bytes` for people: "1.2 MiB".
fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// Uncompressed over compressed size, "-" when nothing was compressed.
fn ratio(decompressed: u64, compressed: u64) -> String {
    if compressed == 0 {
        "-".into()
    } else {
        format!("{:.2}", decompressed as f64 / compressed as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_for_people() {
        assert_eq!(human(0), "0 B");
        assert_eq!(human(1023), "1023 B");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(64 << 20), "64.0 MiB");
        assert_eq!(ratio(10, 0), "-");
        assert_eq!(ratio(10, 4), "2.50");
    }

    #[test]
    fn sidecar_is_beside_the_file() {
        assert_eq!(
            sidecar_dictionary(Path::new("dir/x.zst")),
            PathBuf::from("dir/x.zst.dict")
        );
    }
}
