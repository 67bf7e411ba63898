package zseg

/*
#include "glue.h"
*/
import "C"

import (
	"runtime"
	"sync"
)

// Decompressor decompresses batches of frames, each exactly one zstd frame. Every output size
// is known before any work starts (from the sizes argument or the frame headers), so limits
// are checked and the output allocated once. A Decompressor is immutable and safe for
// concurrent use by any number of goroutines.
type Decompressor struct {
	mu sync.RWMutex // Close takes it exclusively, calls share it
	h  *C.zseg_decompressor
}

// NewDecompressor returns a Decompressor: by default no dictionary, at most 1 GiB per item, no
// total limit, no window check, standard frames.
func NewDecompressor(opts ...DOption) (*Decompressor, error) {
	var cfg decompressorConfig
	for _, o := range opts {
		o.applyDecompressor(&cfg)
	}
	var h *C.zseg_decompressor
	var e C.zseg_error
	if r := C.zseg_decompressor_new(&h, &e); r != C.ZSEG_OK {
		return nil, newError(r, &e)
	}
	check := func(r C.zseg_result) error {
		if r == C.ZSEG_OK {
			return nil
		}
		C.zseg_decompressor_free(h)
		return newError(r, &e)
	}
	for _, p := range cfg.params {
		if err := check(C.zseg_decompressor_set_param(h, C.zseg_dparam(p.p), C.int64_t(p.v), &e)); err != nil {
			return nil, err
		}
	}
	if cfg.maxItem != nil {
		if err := check(C.zseg_decompressor_set_max_item_size(h, C.uint64_t(*cfg.maxItem), &e)); err != nil {
			return nil, err
		}
	}
	if cfg.maxTotal != nil {
		if err := check(C.zseg_decompressor_set_max_total_size(h, C.uint64_t(*cfg.maxTotal), &e)); err != nil {
			return nil, err
		}
	}
	if len(cfg.dict) > 0 {
		if err := check(C.zseg_decompressor_load_dictionary(h, bytesPtr(cfg.dict), C.size_t(len(cfg.dict)), &e)); err != nil {
			return nil, err
		}
	}
	d := &Decompressor{h: h}
	runtime.SetFinalizer(d, (*Decompressor).Close)
	return d, nil
}

// Close frees the Decompressor, waiting for batches in progress. Collections it made are
// independent of it. Close is idempotent.
func (d *Decompressor) Close() error {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.h != nil {
		C.zseg_decompressor_free(d.h)
		d.h = nil
		runtime.SetFinalizer(d, nil)
	}
	return nil
}

// MemorySize returns the bytes the Decompressor holds now (pooled zstd contexts and
// dictionary); 0 after Close.
func (d *Decompressor) MemorySize() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return int(C.zseg_decompressor_memory_size(d.h))
}

// DecompressBatch decompresses each frame: item i of the returned Collection is the content
// of frames[i]. sizes is nil (read every size from its frame header) or one decompressed size
// per frame, SizeUnknown meaning "read the header"; a given size must match exactly
// (ErrSizeMismatch). The frames are copied once into a packed Go buffer for the call;
// DecompressSegments avoids that copy. threads is as for CompressBatch.
//
// A failing frame fails the call with an *Error naming it in Item (ErrZstd for a corrupt,
// truncated or empty frame or trailing bytes, ErrDictionary, ErrNoContentSize, ErrLimit...),
// unless PerItem is given.
func (d *Decompressor) DecompressBatch(frames [][]byte, sizes []uint64, threads int, opts ...CallOption) (*Collection, error) {
	s := packScratch(frames)
	defer s.release()
	return d.DecompressSegments(s.data, s.segs, sizes, threads, opts...)
}

// DecompressSegments decompresses the frames data[s.Offset:][:s.Length], reading data in place
// (zero-copy): data, segments and sizes are only read, and only during the call.
func (d *Decompressor) DecompressSegments(data []byte, segments []Segment, sizes []uint64, threads int, opts ...CallOption) (*Collection, error) {
	if err := checkSizes(sizes, len(segments)); err != nil {
		return nil, err
	}
	call := newBatchCall(len(segments), threads, opts)
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.h == nil {
		return nil, ErrClosed
	}
	var out *C.zseg_collection
	var e C.zseg_error
	r := C.zseggo_decompress_packed(d.h, bytesPtr(data), C.size_t(len(data)), segmentsPtr(segments),
		C.size_t(len(segments)), sizesPtr(sizes), call.threads, call.resultsPtr(), call.progressArg(), &out, &e)
	return call.finish(r, out, &e)
}

// DecompressBuffer decompresses each item of b (zero-copy). sizes and threads are as for
// DecompressBatch.
func (d *Decompressor) DecompressBuffer(b *Buffer, sizes []uint64, threads int, opts ...CallOption) (*Collection, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if b == nil {
		return nil, nilInput("Buffer")
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if d.h == nil || b.h == nil {
		return nil, ErrClosed
	}
	if err := checkSizes(sizes, len(b.v.segs)); err != nil {
		return nil, err
	}
	call := newBatchCall(len(b.v.segs), threads, opts)
	var out *C.zseg_collection
	var e C.zseg_error
	r := C.zseggo_decompress_buffer(d.h, b.h, sizesPtr(sizes), call.threads, call.resultsPtr(), call.progressArg(), &out, &e)
	return call.finish(r, out, &e)
}

// DecompressCollection decompresses each item of in (zero-copy), typically the output of a
// Compressor. sizes and threads are as for DecompressBatch.
func (d *Decompressor) DecompressCollection(in *Collection, sizes []uint64, threads int, opts ...CallOption) (*Collection, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if in == nil {
		return nil, nilInput("Collection")
	}
	in.mu.RLock()
	defer in.mu.RUnlock()
	if d.h == nil || in.h == nil {
		return nil, ErrClosed
	}
	if err := checkSizes(sizes, in.n); err != nil {
		return nil, err
	}
	call := newBatchCall(in.n, threads, opts)
	var out *C.zseg_collection
	var e C.zseg_error
	r := C.zseggo_decompress_collection(d.h, in.h, sizesPtr(sizes), call.threads, call.resultsPtr(), call.progressArg(), &out, &e)
	return call.finish(r, out, &e)
}

func checkSizes(sizes []uint64, n int) error {
	if sizes != nil && len(sizes) != n {
		return argError("%d sizes for %d frames", len(sizes), n)
	}
	return nil
}
