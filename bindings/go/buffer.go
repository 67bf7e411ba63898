package zseg

/*
#include <stdlib.h>
#include "glue.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
	"unsafe"
)

// Buffer is immutable bytes in C memory plus segments (items) that lie inside them: the input
// form that the library reads without copying, and what Collections are made of. Create it
// with NewBuffer or NewBufferFromSegments; Close it when done.
//
// Views returned by Item and Data point into C memory: see the package documentation. They
// stay valid after Close of the Buffer while a Collection holding it is open.
type Buffer struct {
	mu   sync.RWMutex
	h    *C.zseg_buffer
	v    bufView
	size int
}

// bufView is a zero-copy description of a C buffer, read once (buffers are immutable).
type bufView struct {
	data unsafe.Pointer // C memory; nil if the buffer is empty
	segs []Segment      // C memory
}

func readBufView(h *C.zseg_buffer) bufView {
	n := int(C.zseg_buffer_count(h))
	v := bufView{data: unsafe.Pointer(C.zseg_buffer_data(h))}
	if n > 0 {
		v.segs = unsafe.Slice((*Segment)(unsafe.Pointer(C.zseg_buffer_segments(h))), n)
	}
	return v
}

// NewBuffer copies items into one new C allocation (one copy, no intermediate Go buffer) and
// returns a Buffer whose item i is items[i].
func NewBuffer(items [][]byte) (*Buffer, error) {
	total := 0
	for _, it := range items {
		total += len(it)
	}
	segs := make([]Segment, len(items))
	var data unsafe.Pointer
	if total > 0 {
		data = C.malloc(C.size_t(total)) // cgo's malloc never returns nil (it panics)
		dst := unsafe.Slice((*byte)(data), total)
		off := 0
		for i, it := range items {
			copy(dst[off:], it)
			segs[i] = Segment{Offset: uint64(off), Length: uint64(len(it))}
			off += len(it)
		}
	}
	var h *C.zseg_buffer
	var e C.zseg_error
	// On success the buffer owns data and frees it when its last holder goes.
	r := C.zseggo_buffer_new_malloced((*C.uint8_t)(data), C.size_t(total), segmentsPtr(segs),
		C.size_t(len(segs)), &h, &e)
	if r != C.ZSEG_OK {
		C.free(data)
		return nil, newError(r, &e)
	}
	return newBuffer(h), nil
}

// NewBufferFromSegments returns a Buffer holding a C copy of data whose item i is
// data[segments[i].Offset:][:segments[i].Length]. Segments may be empty, overlap, leave gaps
// and come in any order; one outside data fails with ErrSegmentBounds (Item = its index).
func NewBufferFromSegments(data []byte, segments []Segment) (*Buffer, error) {
	var h *C.zseg_buffer
	var e C.zseg_error
	r := C.zseg_buffer_new_copy(bytesPtr(data), C.size_t(len(data)), segmentsPtr(segments),
		C.size_t(len(segments)), &h, &e)
	if r != C.ZSEG_OK {
		return nil, newError(r, &e)
	}
	return newBuffer(h), nil
}

func newBuffer(h *C.zseg_buffer) *Buffer {
	b := &Buffer{h: h, v: readBufView(h), size: int(C.zseg_buffer_size(h))}
	runtime.SetFinalizer(b, (*Buffer).Close)
	return b
}

// Close releases the Buffer. Its memory goes when no Collection holds it any more. Close is
// idempotent; views obtained from this Buffer are invalid afterwards unless a Collection
// holds it.
func (b *Buffer) Close() error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.h != nil {
		C.zseg_buffer_free(b.h)
		b.h = nil
		b.v = bufView{}
		b.size = 0
		runtime.SetFinalizer(b, nil)
	}
	return nil
}

// Len returns the number of items (segments); 0 after Close.
func (b *Buffer) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.v.segs)
}

// Size returns the number of bytes of data (for a NewBuffer, the sum of the item lengths); 0
// after Close.
func (b *Buffer) Size() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.size
}

// Item returns a ZERO-COPY, read-only view of item i in C memory, valid until Close (see the
// package documentation). It panics if i is out of range or the Buffer is closed.
func (b *Buffer) Item(i int) []byte {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.v.item(i, b.h != nil, len(b.v.segs))
}

// CopyItem returns a copy of item i in Go memory. It panics if i is out of range or the Buffer
// is closed.
func (b *Buffer) CopyItem(i int) []byte {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return copyBytes(b.v.item(i, b.h != nil, len(b.v.segs)))
}

// Data returns a ZERO-COPY, read-only view of all the buffer's bytes, valid until Close.
func (b *Buffer) Data() []byte {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.h == nil {
		panic("zseg: Data of a closed Buffer")
	}
	return view(b.v.data, Segment{Length: uint64(b.size)})
}

// Segments returns a copy of the buffer's segments.
func (b *Buffer) Segments() []Segment {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return append([]Segment(nil), b.v.segs...)
}

func (v *bufView) item(i int, open bool, n int) []byte {
	if !open {
		panic("zseg: Item of a closed handle")
	}
	if i < 0 || i >= n {
		panic(fmt.Sprintf("zseg: item index %d out of range [0:%d]", i, n))
	}
	return view(v.data, v.segs[i])
}

func copyBytes(v []byte) []byte {
	out := make([]byte, len(v))
	copy(out, v)
	return out
}

// lockBuffers read-locks distinct buffers in address order (no lock-order cycles) and returns
// the unlock function.
func lockBuffers(bufs []*Buffer) func() {
	uniq := make([]*Buffer, 0, len(bufs))
	for _, b := range bufs {
		if b != nil {
			uniq = append(uniq, b)
		}
	}
	sort.Slice(uniq, func(i, j int) bool {
		return uintptr(unsafe.Pointer(uniq[i])) < uintptr(unsafe.Pointer(uniq[j]))
	})
	locked := make([]*Buffer, 0, len(uniq))
	for i, b := range uniq {
		if i > 0 && b == uniq[i-1] {
			continue
		}
		b.mu.RLock()
		locked = append(locked, b)
	}
	return func() {
		for _, b := range locked {
			b.mu.RUnlock()
		}
	}
}
