package zseg

/*
#include "glue.h"
*/
import "C"

import (
	"math"
	"sync"
)

// CompressBound returns the most bytes the frames of items can take together: a dst of that
// size always suffices for CompressInto.
func CompressBound(items [][]byte) int {
	segs := make([]Segment, len(items))
	for i, it := range items {
		segs[i].Length = uint64(len(it))
	}
	b := C.zseggo_compress_bound_packed(segmentsPtr(segs), C.size_t(len(segs)))
	if uint64(b) > math.MaxInt {
		return math.MaxInt
	}
	return int(b)
}

// CompressInto compresses each item into one frame, as CompressBatch does, and writes the
// frames back to back into dst: frames[i] locates the frame of items[i] in dst, and used is
// their total. dst is Go memory, so the frames need no Close and stay valid as long as dst. A
// dst of CompressBound(items) bytes always suffices; a smaller one works when the frames fit,
// else the call fails with ErrDstTooSmall. Nothing is written past len(dst), but dst may be
// overwritten when the call fails. With PerItem, failed items get an empty frame and the error
// is a *PartialError. The items are copied once into a packed buffer, as for CompressBatch.
func (c *Compressor) CompressInto(items [][]byte, dst []byte, threads int, opts ...CallOption) (frames []Segment, used int, err error) {
	return runInto(items, threads, opts, &c.mu, func() bool { return c.h != nil },
		func(s *scratch, b *batchCall, out []Segment, n *C.size_t, e *C.zseg_error) C.zseg_result {
			return C.zseggo_compress_packed_into(c.h, bytesPtr(s.data), C.size_t(len(s.data)),
				segmentsPtr(s.segs), C.size_t(len(s.segs)), b.threads, b.resultsPtr(), b.progressArg(),
				bytesPtr(dst), C.size_t(len(dst)), segmentsPtr(out), n, e)
		})
}

// DecompressInto decompresses each frame, as DecompressBatch does, and writes the items back
// to back into dst: items[i] locates the content of frames[i] in dst, and used is their total.
// dst must hold the exact total of the decompressed sizes (given in sizes, or read from the
// headers: see FrameContentSize), else the call fails with ErrDstTooSmall before any work. dst
// is Go memory, so the items need no Close. With PerItem, failed items are empty (a frame that
// fails its header checks takes no room in dst) and the error is a *PartialError.
func (d *Decompressor) DecompressInto(frames [][]byte, sizes []uint64, dst []byte, threads int, opts ...CallOption) (items []Segment, used int, err error) {
	if err := checkSizes(sizes, len(frames)); err != nil {
		return nil, 0, err
	}
	return runInto(frames, threads, opts, &d.mu, func() bool { return d.h != nil },
		func(s *scratch, b *batchCall, out []Segment, n *C.size_t, e *C.zseg_error) C.zseg_result {
			return C.zseggo_decompress_packed_into(d.h, bytesPtr(s.data), C.size_t(len(s.data)),
				segmentsPtr(s.segs), C.size_t(len(s.segs)), sizesPtr(sizes), b.threads,
				b.resultsPtr(), b.progressArg(), bytesPtr(dst), C.size_t(len(dst)), segmentsPtr(out), n, e)
		})
}

// runInto packs inputs as CompressBatch does and makes one _into call with the handle's lock
// (mu) held for reading, unless the handle is closed; it returns one Segment per input and
// the bytes used.
func runInto(inputs [][]byte, threads int, opts []CallOption, mu *sync.RWMutex, open func() bool,
	call func(s *scratch, b *batchCall, out []Segment, used *C.size_t, e *C.zseg_error) C.zseg_result,
) ([]Segment, int, error) {
	s := packScratch(inputs)
	defer s.release()
	b := newBatchCall(len(inputs), threads, opts)
	out := make([]Segment, len(inputs))
	var used C.size_t
	var e C.zseg_error
	mu.RLock()
	defer mu.RUnlock()
	if !open() {
		return nil, 0, ErrClosed
	}
	return b.finishInto(call(s, b, out, &used, &e), &e, out, used)
}
