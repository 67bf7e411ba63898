//! `zseg info`: the seek table and the frame headers, summed up; nothing is decompressed.

use std::collections::BTreeSet;
use std::io::Write;

use super::{human, open, ratio, sidecar_dictionary};
use crate::args::InfoArgs;
use crate::error::{CliError, CliResult};

pub fn run(a: &InfoArgs) -> CliResult<()> {
    let s = open(&a.file)?;
    let library = |e: zseg::Error| CliError::new(format!("{}: {}", a.file.display(), e.message));
    let frames = s.frames().map_err(library)?;
    let sizes = s.sizes().map_err(library)?;
    let n = s.count();
    let file_size = frames.data().len() as u64;
    let compressed = frames.content_size();
    let decompressed: u64 = sizes.iter().sum();
    let largest = sizes.iter().max().copied().unwrap_or(0);

    let mut dict_ids = BTreeSet::new();
    let (mut with_checksum, mut with_dict) = (0usize, 0usize);
    for i in 0..n {
        let Some(h) = frames.get(i).and_then(|f| zseg::frame_header(f).ok()) else {
            continue;
        };
        with_checksum += usize::from(h.checksum);
        if h.dict_id != 0 {
            with_dict += 1;
            dict_ids.insert(h.dict_id);
        }
    }
    let some_of = |k: usize| match k {
        0 => "no".to_owned(),
        k if k == n => "yes".to_owned(),
        k => format!("{k} of {n} frames"),
    };
    let dictionary = match (with_dict, dict_ids.len()) {
        (0, _) => "none".to_owned(),
        (k, 1) if k == n => format!("{}", dict_ids.iter().next().copied().unwrap_or(0)),
        (k, _) => format!(
            "{} ({k} of {n} frames)",
            dict_ids
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };

    let mut lines = vec![
        format!("file:             {}", a.file.display()),
        format!("items:            {n}"),
        format!(
            "decompressed:     {decompressed} bytes ({})",
            human(decompressed)
        ),
        format!(
            "compressed:       {compressed} bytes ({}) in frames",
            human(compressed)
        ),
        format!(
            "file size:        {file_size} bytes (seek table {} bytes)",
            file_size - compressed
        ),
        format!("ratio:            {}", ratio(decompressed, compressed)),
        format!("largest item:     {largest} bytes"),
        format!(
            "table checksums:  {}",
            if s.has_checksums() { "yes" } else { "no" }
        ),
        format!("frame checksums:  {}", some_of(with_checksum)),
        format!("dictionary ID:    {dictionary}"),
    ];
    let sidecar = sidecar_dictionary(&a.file);
    if with_dict > 0 && sidecar.exists() {
        lines.push(format!("dictionary file:  {}", sidecar.display()));
    }
    let mut out = std::io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}").map_err(CliError::stdout)?;
    }
    Ok(())
}
