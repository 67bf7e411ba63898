// Package zseg is the Go binding of zseg: batch zstd compression of many small items, each
// item becoming one independent, standard zstd frame, on several threads at once. It is a
// thin layer over the C ABI (include/zseg.h); nothing is reimplemented.
//
// # Handles and memory
//
// Compressor, Decompressor, Buffer, Collection and Seekable wrap C handles. Call Close when done
// (Close is idempotent, safe to call from any goroutine, and does nothing on a nil handle, so
// `c, err := NewCompressor(l); defer c.Close()` is safe even when err is set); a finalizer
// closes forgotten handles as a safety net, but only when the garbage collector gets to them,
// and it does not know how much C memory they hold.
//
// Outputs are Collections in C memory. Collection.Item and Buffer.Item return ZERO-COPY views:
// Go slices pointing into C memory, with no copy made.
//
//   - A view is valid only until Close of the handle it came from (a view of a Buffer held by a
//     Collection stays valid while either is open). Reading a view after that reads freed
//     memory: the program may crash or, worse, silently see other data.
//   - Keep the handle reachable while you use its views: `defer c.Close()` does that. A handle
//     that becomes unreachable is closed by its finalizer even if views of it are still in use.
//   - Views are read-only: never write through them (other views, workers and collections may
//     share the bytes). Their capacity equals their length, so append copies.
//   - Use CopyItem (or CopyItems) for bytes that outlive the handle.
//
// CompressInto and DecompressInto write their output into a []byte of the caller's instead
// (Go memory: no handle, no view rules), one Segment per item locating it there.
//
// # Inputs and cgo's pointer rules
//
// Go code may not store Go pointers in C memory, and C may not keep a Go pointer after a call
// returns (Go 1.19 has no pinning). So a batch given as [][]byte is copied once into a single
// packed Go []byte plus a segments array (no pointers in either) and handed to C for the
// duration of one call, where it is wrapped in a borrowed zseg buffer that is freed before the
// call returns. Inputs that are already packed (CompressSegments, DecompressSegments) are
// read in place: zero-copy. A Buffer (NewBuffer, NewBufferFromSegments) owns a C copy of its
// data and can be compressed, decompressed or shared by Collections any number of times
// without further copies.
//
// # Errors
//
// Failures are *Error values carrying the result code, the failing item's index and the
// library's message; use errors.As to inspect them, or errors.Is with a Result code such as
// ErrZstd. By default a batch stops at the first failing item. With the PerItem call option it
// goes on, returns the full Collection (failed items empty) and a *PartialError listing the
// failed items.
//
// # Concurrency
//
// Compressors and Decompressors are immutable after creation and may run batches from any
// number of goroutines at once (each batch may use its own worker threads). Buffers and
// Collections are immutable and may be read from any number of goroutines.
package zseg

/*
#include "zseg.h"
*/
import "C"

import (
	"math"
	"runtime/cgo"
	"sync"
	"unsafe"
)

// SizeUnknown in a sizes slice means "read this frame's decompressed size from its header".
const SizeUnknown = math.MaxUint64

// Segment is one item of a packed buffer: Length bytes at Offset. It has the layout of the C
// zseg_segment (and of python-zstandard's segments: two native-endian uint64).
type Segment struct {
	Offset uint64
	Length uint64
}

// Compile-time check that Segment and zseg_segment have the same size.
var _ [unsafe.Sizeof(Segment{}) - C.sizeof_zseg_segment]struct{}
var _ [C.sizeof_zseg_segment - unsafe.Sizeof(Segment{})]struct{}

// Version returns the C library's version string, e.g. "0.1.0".
func Version() string { return C.GoString(C.zseg_version()) }

// ZstdVersion returns zstd's version number as ZSTD_versionNumber() encodes it (10507 for
// 1.5.7).
func ZstdVersion() int { return int(C.zseg_zstd_version()) }

// FrameContentSize returns the decompressed size recorded in the header of the standard zstd
// frame at the start of frame (ErrNoContentSize if the header records none).
func FrameContentSize(frame []byte) (uint64, error) {
	var out C.uint64_t
	var e C.zseg_error
	if r := C.zseg_frame_content_size(bytesPtr(frame), C.size_t(len(frame)), &out, &e); r != C.ZSEG_OK {
		return 0, newError(r, &e)
	}
	return uint64(out), nil
}

// Pack copies items into one byte slice and returns it with the segments that locate each
// item, the form taken by NewBufferFromSegments, CompressSegments and DecompressSegments.
func Pack(items [][]byte) (data []byte, segments []Segment) {
	total := 0
	for _, it := range items {
		total += len(it)
	}
	data = make([]byte, total)
	segments = make([]Segment, len(items))
	off := 0
	for i, it := range items {
		copy(data[off:], it)
		segments[i] = Segment{Offset: uint64(off), Length: uint64(len(it))}
		off += len(it)
	}
	return data, segments
}

// scratch is a reusable packed copy of a [][]byte batch, needed only during one C call.
type scratch struct {
	data []byte
	segs []Segment
}

// scratchPool recycles packing buffers: a fresh multi-megabyte slice costs zeroing and page
// faults on every call, more than the copy itself.
var scratchPool sync.Pool

// maxPooledScratch is the largest scratch buffer kept for reuse.
const maxPooledScratch = 64 << 20

// packScratch packs items like Pack, into a pooled scratch buffer; release it after the call.
func packScratch(items [][]byte) *scratch {
	s, _ := scratchPool.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	total := 0
	for _, it := range items {
		total += len(it)
	}
	if cap(s.data) < total {
		s.data = make([]byte, total)
	}
	if cap(s.segs) < len(items) {
		s.segs = make([]Segment, len(items))
	}
	s.data, s.segs = s.data[:total], s.segs[:len(items)]
	off := 0
	for i, it := range items {
		copy(s.data[off:], it)
		s.segs[i] = Segment{Offset: uint64(off), Length: uint64(len(it))}
		off += len(it)
	}
	return s
}

func (s *scratch) release() {
	if cap(s.data) <= maxPooledScratch && cap(s.segs)*16 <= maxPooledScratch {
		scratchPool.Put(s)
	}
}

// bytesPtr returns the first byte of b, or nil for an empty slice (the C API accepts NULL with
// length 0).
func bytesPtr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

func segmentsPtr(s []Segment) *C.zseg_segment {
	if len(s) == 0 {
		return nil
	}
	return (*C.zseg_segment)(unsafe.Pointer(&s[0]))
}

func sizesPtr(s []uint64) *C.uint64_t {
	if len(s) == 0 {
		return nil
	}
	return (*C.uint64_t)(unsafe.Pointer(&s[0]))
}

// view makes a zero-copy slice of the s.Length bytes of C memory at base+s.Offset.
func view(base unsafe.Pointer, s Segment) []byte {
	if s.Length == 0 {
		return []byte{}
	}
	p := (*byte)(unsafe.Add(base, uintptr(s.Offset)))
	return unsafe.Slice(p, s.Length)
}

// CallOption changes how one batch call runs.
type CallOption func(*callConfig)

type callConfig struct {
	perItem  bool
	progress func(done, total uint64) bool
}

// PerItem makes a batch call keep going past failing items. If some failed, the call returns
// the complete Collection, with those items empty, and a *PartialError naming them: the
// caller must Close the Collection in that case too. A failure of the whole call (a bad
// argument, the total size limit) still returns a nil Collection and an *Error.
func PerItem() CallOption { return func(c *callConfig) { c.perItem = true } }

// batchCall carries one batch call's C arguments and turns its result into Go values.
type batchCall struct {
	threads  C.int32_t
	results  []C.zseg_result // non-nil in per-item mode
	progress *progressState  // non-nil with OnProgress
	handle   cgo.Handle      // progress's handle while the C call runs
}

func newBatchCall(n, threads int, opts []CallOption) *batchCall {
	var cfg callConfig
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case threads > math.MaxInt32:
		threads = math.MaxInt32
	case threads < 0:
		threads = -1
	}
	b := &batchCall{threads: C.int32_t(threads)}
	if cfg.progress != nil {
		b.progress = &progressState{fn: cfg.progress}
	}
	if cfg.perItem {
		b.results = make([]C.zseg_result, n+1) // +1: never empty, so never NULL (fail-fast)
	}
	return b
}

// resultsPtr is the item_results argument: Go memory without pointers, written by C during the
// call only.
func (b *batchCall) resultsPtr() *C.zseg_result {
	if b.results == nil {
		return nil
	}
	return &b.results[0]
}

// finish wraps the output of a call that returned r.
func (b *batchCall) finish(r C.zseg_result, out *C.zseg_collection, e *C.zseg_error) (*Collection, error) {
	b.settle()
	switch {
	case r == C.ZSEG_OK:
		return newCollection(out), nil
	case r == C.ZSEG_ERR_PARTIAL && b.results != nil && out != nil:
		return newCollection(out), b.partial(r, e)
	default:
		return nil, newError(r, e)
	}
}

// finishInto is finish for a call that wrote into the caller's dst: segs and used on success
// or partial success, else nil and 0.
func (b *batchCall) finishInto(r C.zseg_result, e *C.zseg_error, segs []Segment, used C.size_t) ([]Segment, int, error) {
	b.settle()
	switch {
	case r == C.ZSEG_OK:
		return segs, int(used), nil
	case r == C.ZSEG_ERR_PARTIAL && b.results != nil:
		return segs, int(used), b.partial(r, e)
	default:
		return nil, 0, newError(r, e)
	}
}

// partial lists the per-item results of a call that returned ZSEG_ERR_PARTIAL.
func (b *batchCall) partial(r C.zseg_result, e *C.zseg_error) *PartialError {
	n := len(b.results) - 1
	pe := &PartialError{Err: newError(r, e), Results: make([]Result, n)}
	for i, res := range b.results[:n] {
		pe.Results[i] = Result(res)
		if res != C.ZSEG_OK {
			pe.Failed = append(pe.Failed, i)
		}
	}
	return pe
}
