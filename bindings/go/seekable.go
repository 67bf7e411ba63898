package zseg

/*
#include <stdlib.h>
#include "zseg.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// WriteSeekable writes frames (one complete standard zstd frame per item, with its content
// size: the output of a Compressor) to path as one zstd seekable-format file: the frames back
// to back, then a seek table. Any zstd decoder reads it as the concatenation of the items; any
// seekable reader (OpenSeekable, pyzstd's SeekableZstdFile) finds item i directly. checksums
// stores each frame's checksum in the table. The write is atomic: a temporary file beside path
// is synced and renamed over it, and on failure path is untouched. An item that is not exactly
// one such frame fails with ErrZstd (or ErrNoContentSize), Item naming it; I/O failures are
// ErrIO.
func WriteSeekable(frames *Collection, path string, checksums bool) error {
	if frames == nil {
		return nilInput("Collection")
	}
	cpath, err := cPath(path)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cpath))
	var flags C.uint32_t
	if checksums {
		flags = C.ZSEG_SEEKABLE_CHECKSUMS
	}
	frames.mu.RLock()
	defer frames.mu.RUnlock()
	if frames.h == nil {
		return ErrClosed
	}
	var e C.zseg_error
	if r := C.zseg_seekable_write(frames.h, cpath, flags, &e); r != C.ZSEG_OK {
		return newError(r, &e)
	}
	return nil
}

// Seekable is a zstd seekable-format file opened read-only through a memory mapping, its seek
// table validated: item i is frame i. Read items one at a time with ReadItem, or all of them
// with Frames and Sizes:
//
//	frames, err := s.Frames()
//	...
//	items, err := d.DecompressCollection(frames, s.Sizes(), -1)
//
// The file must not be written to or truncated while the Seekable, or a Collection from its
// Frames, is open: the mapping lives as long as either, and reading a truncated mapping kills
// the process (SIGBUS), as with any mapped file. Replacing the file with WriteSeekable is safe
// (it renames a new file over it). Close it when done. A Seekable may be read from any number
// of goroutines at once.
type Seekable struct {
	mu sync.RWMutex
	h  *C.zseg_seekable
	n  int
}

// OpenSeekable opens the seekable-format file at path. A file whose seek table does not hold
// up is ErrZstd (or ErrSegmentBounds, Item naming the entry); a missing or unreadable file, or
// one that is not a regular file, is ErrIO.
func OpenSeekable(path string) (*Seekable, error) {
	cpath, err := cPath(path)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cpath))
	var h *C.zseg_seekable
	var e C.zseg_error
	if r := C.zseg_seekable_open(cpath, &h, &e); r != C.ZSEG_OK {
		return nil, newError(r, &e)
	}
	s := &Seekable{h: h, n: int(C.zseg_seekable_count(h))}
	runtime.SetFinalizer(s, (*Seekable).Close)
	return s, nil
}

// Close unmaps the file once no Collection from Frames holds it. Close is idempotent; frames
// returned by Frame are invalid afterwards.
func (s *Seekable) Close() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.h != nil {
		C.zseg_seekable_free(s.h)
		s.h = nil
		s.n = 0
		runtime.SetFinalizer(s, nil)
	}
	return nil
}

// Len returns the number of items (frames); 0 after Close.
func (s *Seekable) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.n
}

// Frame returns a copy of frame i (the compressed item) in Go memory and its decompressed
// size as the seek table records it. (A view of the mapping would crash the process when read
// after Close: Frames is the zero-copy way, with a Collection's lifetime.) An index out of
// range is ErrIndex.
func (s *Seekable) Frame(i int) (frame []byte, size uint64, err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sl, size, err := s.get(i)
	if err != nil {
		return nil, 0, err
	}
	return copyBytes(view(unsafe.Pointer(sl.ptr), Segment{Length: uint64(sl.len)})), size, nil
}

// ReadItem decompresses item i with d into Go memory. The seek table's size must be the
// frame's (ErrSizeMismatch otherwise) and within d's limits; an index out of range is
// ErrIndex.
func (s *Seekable) ReadItem(d *Decompressor, i int) ([]byte, error) {
	if d == nil {
		return nil, nilInput("Decompressor")
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if d.h == nil {
		return nil, ErrClosed
	}
	sl, size, err := s.get(i)
	if err != nil {
		return nil, err
	}
	sizes := C.uint64_t(size)
	var out *C.zseg_collection
	var e C.zseg_error
	// sl holds a C pointer (into the mapping): Go memory may hold it for the call.
	if r := C.zseg_decompress_slices(d.h, &sl, 1, &sizes, nil, &out, &e); r != C.ZSEG_OK {
		return nil, itemError(newError(r, &e), i) // the batch's item 0 is the file's item i
	}
	items := newCollection(out)
	defer items.Close()
	return items.CopyItem(0), nil
}

// Frames returns the frames as a Collection (zero-copy: it shares the mapping, which stays
// until both the Seekable and the Collection are closed), item i being frame i: the input of
// Decompressor.DecompressCollection, with Sizes.
func (s *Seekable) Frames() (*Collection, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.h == nil {
		return nil, ErrClosed
	}
	buf := C.zseg_seekable_frames(s.h)
	if buf == nil {
		return nil, &Error{Code: ErrAlloc, Item: -1, Message: "out of memory for the frame index"}
	}
	bufs := [1]*C.zseg_buffer{buf} // C pointers only
	var out *C.zseg_collection
	var e C.zseg_error
	if r := C.zseg_collection_new(&bufs[0], 1, &out, &e); r != C.ZSEG_OK {
		return nil, newError(r, &e)
	}
	return newCollection(out), nil
}

// Sizes returns the decompressed size of every item, from the seek table (a copy in Go
// memory); nil after Close, for a file of no items, or when memory for the index runs out.
func (s *Seekable) Sizes() []uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.h == nil || s.n == 0 {
		return nil
	}
	p := C.zseg_seekable_sizes(s.h)
	if p == nil {
		return nil // out of memory for the index
	}
	out := make([]uint64, s.n)
	copy(out, unsafe.Slice((*uint64)(unsafe.Pointer(p)), s.n))
	return out
}

// get looks up frame i; the caller holds s.mu.
func (s *Seekable) get(i int) (C.zseg_slice, uint64, error) {
	var sl C.zseg_slice
	if s.h == nil {
		return sl, 0, ErrClosed
	}
	if i < 0 {
		return sl, 0, &Error{Code: ErrIndex, Item: -1, Message: "negative item index"}
	}
	var size C.uint64_t
	var e C.zseg_error
	if r := C.zseg_seekable_get(s.h, C.size_t(i), &sl, &size, &e); r != C.ZSEG_OK {
		return sl, 0, newError(r, &e)
	}
	return sl, uint64(size), nil
}

// itemError is e, a one-item batch's error, as the error of item i.
func itemError(e *Error, i int) *Error {
	if e.Item == 0 {
		e.Item = int64(i)
		e.Message = strings.Replace(e.Message, "item 0:", fmt.Sprintf("item %d:", i), 1)
	}
	return e
}

// cPath is path as a C string for the caller to free; a NUL byte in it (which C would take
// for the end) is ErrInvalidArgument.
func cPath(path string) (*C.char, error) {
	if strings.IndexByte(path, 0) >= 0 {
		return nil, argError("the path %q holds a NUL byte", path)
	}
	return C.CString(path), nil
}
