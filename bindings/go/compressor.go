package zseg

/*
#include "glue.h"
*/
import "C"

import (
	"math"
	"runtime"
	"sync"
)

// Compressor compresses batches of items, each into one independent standard zstd frame
// carrying its content size (unless WithContentSize(false)). Frame i of the output is
// byte-identical to compressing item i alone with libzstd and the same parameters, whatever
// the number of threads. A Compressor is immutable and safe for concurrent use by any number
// of goroutines.
type Compressor struct {
	mu sync.RWMutex // Close takes it exclusively, calls share it
	h  *C.zseg_compressor
}

// NewCompressor returns a Compressor at level (0 for zstd's default, 3; else zstd's minimum
// (negative) to maximum (22) level). Options set parameters first, then the dictionary.
func NewCompressor(level int, opts ...Option) (*Compressor, error) {
	var cfg compressorConfig
	for _, o := range opts {
		o.applyCompressor(&cfg)
	}
	if level < math.MinInt32 || level > math.MaxInt32 {
		return nil, argError("level %d is out of range", level)
	}
	var h *C.zseg_compressor
	var e C.zseg_error
	if r := C.zseg_compressor_new(C.int(level), &h, &e); r != C.ZSEG_OK {
		return nil, newError(r, &e)
	}
	fail := func(r C.zseg_result) (*Compressor, error) {
		C.zseg_compressor_free(h)
		return nil, newError(r, &e)
	}
	for _, p := range cfg.params {
		if r := C.zseg_compressor_set_param(h, C.zseg_cparam(p.p), C.int64_t(p.v), &e); r != C.ZSEG_OK {
			return fail(r)
		}
	}
	if len(cfg.dict) > 0 {
		if r := C.zseg_compressor_load_dictionary(h, bytesPtr(cfg.dict), C.size_t(len(cfg.dict)), &e); r != C.ZSEG_OK {
			return fail(r)
		}
	}
	c := &Compressor{h: h}
	runtime.SetFinalizer(c, (*Compressor).Close)
	return c, nil
}

// Close frees the Compressor, waiting for batches in progress. Collections it made are
// independent of it. Close is idempotent.
func (c *Compressor) Close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h != nil {
		C.zseg_compressor_free(c.h)
		c.h = nil
		runtime.SetFinalizer(c, nil)
	}
	return nil
}

// MemorySize returns the bytes the Compressor holds now (pooled zstd contexts and dictionary);
// 0 after Close.
func (c *Compressor) MemorySize() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return int(C.zseg_compressor_memory_size(c.h))
}

// CompressBatch compresses each item into one frame: item i of the returned Collection is the
// frame of items[i]. The items are copied once into a packed Go buffer for the call (cgo's
// rules forbid handing C an array of Go pointers); CompressSegments avoids that copy for data
// that is already packed.
//
// threads: 0 or 1 runs on the calling goroutine's thread; N > 1 uses up to N worker threads
// (fewer for small batches); a negative value uses one per CPU. The output never depends on it.
// An empty batch gives an empty Collection.
func (c *Compressor) CompressBatch(items [][]byte, threads int, opts ...CallOption) (*Collection, error) {
	s := packScratch(items)
	defer s.release()
	return c.CompressSegments(s.data, s.segs, threads, opts...)
}

// CompressSegments compresses data[s.Offset:][:s.Length] for each segment s, reading data in
// place (zero-copy): data and segments are only read, and only during the call.
func (c *Compressor) CompressSegments(data []byte, segments []Segment, threads int, opts ...CallOption) (*Collection, error) {
	call := newBatchCall(len(segments), threads, opts)
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.h == nil {
		return nil, ErrClosed
	}
	var out *C.zseg_collection
	var e C.zseg_error
	r := C.zseggo_compress_packed(c.h, bytesPtr(data), C.size_t(len(data)), segmentsPtr(segments),
		C.size_t(len(segments)), call.threads, call.resultsPtr(), call.progressArg(), &out, &e)
	return call.finish(r, out, &e)
}

// CompressBuffer compresses each item of b (zero-copy). See CompressBatch for threads.
func (c *Compressor) CompressBuffer(b *Buffer, threads int, opts ...CallOption) (*Collection, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if b == nil {
		return nil, nilInput("Buffer")
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if c.h == nil || b.h == nil {
		return nil, ErrClosed
	}
	call := newBatchCall(len(b.v.segs), threads, opts)
	var out *C.zseg_collection
	var e C.zseg_error
	r := C.zseggo_compress_buffer(c.h, b.h, call.threads, call.resultsPtr(), call.progressArg(), &out, &e)
	return call.finish(r, out, &e)
}

// CompressCollection compresses each item of in (zero-copy). See CompressBatch for threads.
func (c *Compressor) CompressCollection(in *Collection, threads int, opts ...CallOption) (*Collection, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if in == nil {
		return nil, nilInput("Collection")
	}
	in.mu.RLock()
	defer in.mu.RUnlock()
	if c.h == nil || in.h == nil {
		return nil, ErrClosed
	}
	call := newBatchCall(in.n, threads, opts)
	var out *C.zseg_collection
	var e C.zseg_error
	r := C.zseggo_compress_collection(c.h, in.h, call.threads, call.resultsPtr(), call.progressArg(), &out, &e)
	return call.finish(r, out, &e)
}

// TrainDictionary trains a zstd-format dictionary of at most capacity bytes on samples (zstd's
// ZDICT). It needs enough varied samples (a few hundred, about 100 times the dictionary size
// in total): too few give ErrDictionary; a capacity below 256 gives ErrDstTooSmall.
func TrainDictionary(samples [][]byte, capacity int) ([]byte, error) {
	if capacity < 0 {
		return nil, argError("capacity %d is negative", capacity)
	}
	s := packScratch(samples)
	defer s.release()
	data, segs := s.data, s.segs
	dict := make([]byte, capacity)
	var size C.size_t
	var e C.zseg_error
	r := C.zseggo_train_packed(bytesPtr(data), C.size_t(len(data)), segmentsPtr(segs),
		C.size_t(len(segs)), bytesPtr(dict), C.size_t(len(dict)), &size, &e)
	if r != C.ZSEG_OK {
		return nil, newError(r, &e)
	}
	return dict[:size:size], nil
}
