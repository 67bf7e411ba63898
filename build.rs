//! Gives the shared library its SONAME (and the link that name needs beside cargo's output)
//! and generates the C header from `src/ffi` with cbindgen.
//!
//! The header is written to `$OUT_DIR/zseg.h`; the committed `include/zseg.h` must equal it
//! (checked by the `header_is_current` test; `ZSEG_BLESS=1 cargo test header` refreshes it).

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libzseg.so.0");
    soname_link();
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");

    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("zseg.h");
    let version = |part: &str| env::var(format!("CARGO_PKG_VERSION_{part}")).unwrap();
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is readable and valid");
    config.after_includes = Some(format!(
        "\n/** Version of this header (from Cargo.toml); compare with zseg_version() at run time. */\n\
         #define ZSEG_VERSION_MAJOR {}\n#define ZSEG_VERSION_MINOR {}\n#define ZSEG_VERSION_PATCH {}\n\
         #define ZSEG_VERSION_STRING \"{}\"\n",
        version("MAJOR"),
        version("MINOR"),
        version("PATCH"),
        env::var("CARGO_PKG_VERSION").unwrap(),
    ));
    match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(&out);
        }
        Err(e) => println!("cargo:warning=zseg.h was not generated: {e}"),
    }
    println!("cargo:rustc-env=ZSEG_GENERATED_HEADER={}", out.display());
}

/// Points `libzseg.so.0` at `libzseg.so` in the directory cargo writes the library to (three
/// levels above `OUT_DIR`), so that a program linked with `-L target/release -lzseg`, which
/// then asks for the SONAME, finds it there too; cargo makes no such link. The link is
/// relative and made once (left alone if the name exists); failing to make it only warns.
fn soname_link() {
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let Some(dir) = out.ancestors().nth(3) else {
        return;
    };
    let link = dir.join("libzseg.so.0");
    if link.symlink_metadata().is_err() {
        if let Err(e) = std::os::unix::fs::symlink("libzseg.so", &link) {
            println!("cargo:warning=cannot link {}: {e}", link.display());
        }
    }
}
