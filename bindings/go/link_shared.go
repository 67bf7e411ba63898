//go:build !zseg_static

package zseg

// Links the shared library of the build tree (target/release, from `cargo build --release`)
// with an rpath to it, so tests and programs run without installing anything. The library's
// SONAME is libzseg.so.0: that name must exist next to libzseg.so (see README.md).

// #cgo CFLAGS: -I${SRCDIR}/../../include
// #cgo LDFLAGS: -L${SRCDIR}/../../target/release -lzseg -Wl,-rpath,${SRCDIR}/../../target/release
import "C"
