package zseg

/*
#include "zseg.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
)

// Collection is an immutable sequence of items held in C memory: the output of every batch
// call (item i = the result for input item i), or Buffers shared with NewCollection. Close it
// when done.
//
// Item returns ZERO-COPY views into C memory: valid only until Close, read-only, and the
// Collection must stay reachable while they are used (see the package documentation).
type Collection struct {
	mu     sync.RWMutex
	h      *C.zseg_collection
	n      int
	size   int
	bufs   []bufView // one per C buffer, read once: lookups need no cgo call
	starts []int     // starts[b] = global index of buffer b's first item
}

func newCollection(h *C.zseg_collection) *Collection {
	c := &Collection{
		h:    h,
		n:    int(C.zseg_collection_count(h)),
		size: int(C.zseg_collection_size(h)),
	}
	nb := int(C.zseg_collection_buffer_count(h))
	c.bufs = make([]bufView, nb)
	c.starts = make([]int, nb)
	start := 0
	for b := 0; b < nb; b++ {
		c.bufs[b] = readBufView(C.zseg_collection_buffer(h, C.size_t(b)))
		c.starts[b] = start
		start += len(c.bufs[b].segs)
	}
	runtime.SetFinalizer(c, (*Collection).Close)
	return c
}

// NewCollection returns a Collection of the buffers' items, in order. The buffers are shared,
// not copied (reference counted): the caller may Close its Buffers at once, and their views
// taken through the Collection stay valid until the Collection's Close.
func NewCollection(buffers ...*Buffer) (*Collection, error) {
	unlock := lockBuffers(buffers)
	defer unlock()
	hs := make([]*C.zseg_buffer, len(buffers)+1) // C pointers only; +1: never empty
	for i, b := range buffers {
		if b == nil {
			return nil, &Error{Code: ErrNull, Item: int64(i), Message: "buffer is nil"}
		}
		if b.h == nil {
			return nil, fmt.Errorf("zseg: buffer %d: %w", i, ErrClosed)
		}
		hs[i] = b.h
	}
	var out *C.zseg_collection
	var e C.zseg_error
	if r := C.zseg_collection_new(&hs[0], C.size_t(len(buffers)), &out, &e); r != C.ZSEG_OK {
		return nil, newError(r, &e)
	}
	return newCollection(out), nil
}

// Close frees the Collection (and every Buffer it alone held). Close is idempotent; views
// obtained from this Collection are invalid afterwards.
func (c *Collection) Close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h != nil {
		C.zseg_collection_free(c.h)
		c.h = nil
		c.n, c.size, c.bufs, c.starts = 0, 0, nil, nil
		runtime.SetFinalizer(c, nil)
	}
	return nil
}

// Len returns the number of items; 0 after Close.
func (c *Collection) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.n
}

// Size returns the sum of the item lengths in bytes; 0 after Close.
func (c *Collection) Size() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.size
}

// Item returns a ZERO-COPY, read-only view of item i in C memory. It is valid only until
// Close, and only while the Collection is reachable (keep it alive, e.g. with a deferred
// Close, as long as you read the view): after that the bytes are freed and reading them is
// undefined behaviour. Use CopyItem for bytes that must outlive the Collection. Item panics if
// i is out of range or the Collection is closed. It makes no cgo call.
func (c *Collection) Item(i int) []byte {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.item(i)
}

// CopyItem returns a copy of item i in Go memory, independent of the Collection. It panics
// if i is out of range or the Collection is closed.
func (c *Collection) CopyItem(i int) []byte {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return copyBytes(c.item(i))
}

// CopyItems returns copies of all items in Go memory (one allocation shared by all of them;
// each slice's capacity is its length). It panics if the Collection is closed.
func (c *Collection) CopyItems() [][]byte {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.h == nil {
		panic("zseg: CopyItems of a closed Collection")
	}
	all := make([]byte, c.size)
	out := make([][]byte, c.n)
	off := 0
	for i := range out {
		v := c.item(i)
		copy(all[off:], v)
		out[i] = all[off : off+len(v) : off+len(v)]
		off += len(v)
	}
	return out
}

func (c *Collection) item(i int) []byte {
	if c.h == nil {
		panic("zseg: Item of a closed Collection")
	}
	if i < 0 || i >= c.n {
		panic(fmt.Sprintf("zseg: item index %d out of range [0:%d]", i, c.n))
	}
	b := 0
	if len(c.bufs) > 1 {
		// The last buffer starting at or before i (empty buffers share their start).
		b = sort.Search(len(c.starts), func(k int) bool { return c.starts[k] > i }) - 1
	}
	return view(c.bufs[b].data, c.bufs[b].segs[i-c.starts[b]])
}
