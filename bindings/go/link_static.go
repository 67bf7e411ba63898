//go:build zseg_static

package zseg

// With `-tags zseg_static`: links target/release/libzseg.a into the Go binary, which then
// needs no libzseg at run time (the native libraries below are those rustc reports with
// --print native-static-libs).

// #cgo CFLAGS: -I${SRCDIR}/../../include
// #cgo LDFLAGS: ${SRCDIR}/../../target/release/libzseg.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
import "C"
