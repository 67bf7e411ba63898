package zseg

/*
#include "zseg.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Result is a zseg result code (the C enum zseg_result). Like syscall.Errno it implements
// error, so a code can be matched with errors.Is:
//
//	if errors.Is(err, zseg.ErrLimit) { ... }
//
// An *Error unwraps to its Result.
type Result uint32

// Result codes. The values are the C ABI and never change.
const (
	OK                 Result = C.ZSEG_OK                   // success
	ErrNull            Result = C.ZSEG_ERR_NULL             // a required pointer was NULL
	ErrInvalidArgument Result = C.ZSEG_ERR_INVALID_ARGUMENT // a value out of range
	ErrSegmentBounds   Result = C.ZSEG_ERR_SEGMENT_BOUNDS   // a segment points outside its buffer
	ErrIndex           Result = C.ZSEG_ERR_INDEX            // index out of range
	ErrAlloc           Result = C.ZSEG_ERR_ALLOC            // out of memory or size overflow
	ErrZstd            Result = C.ZSEG_ERR_ZSTD             // zstd rejected a frame or parameter
	ErrNoContentSize   Result = C.ZSEG_ERR_NO_CONTENT_SIZE  // no content size in the frame, none given
	ErrSizeMismatch    Result = C.ZSEG_ERR_SIZE_MISMATCH    // decompressed size differs from the declared one
	ErrLimit           Result = C.ZSEG_ERR_LIMIT            // output would exceed a configured limit
	ErrDictionary      Result = C.ZSEG_ERR_DICTIONARY       // dictionary missing, invalid or wrong
	ErrDstTooSmall     Result = C.ZSEG_ERR_DST_TOO_SMALL    // caller-provided output is too small
	ErrCancelled       Result = C.ZSEG_ERR_CANCELLED        // the batch was cancelled
	ErrPartial         Result = C.ZSEG_ERR_PARTIAL          // batch finished, some items failed
	ErrInternal        Result = C.ZSEG_ERR_INTERNAL         // a bug caught at the C boundary
	ErrIO              Result = C.ZSEG_ERR_IO               // a file could not be opened, mapped, written or renamed
)

// String returns the code's C name, e.g. "ZSEG_ERR_LIMIT" (from zseg_result_str).
func (r Result) String() string {
	return C.GoString(C.zseg_result_str(C.zseg_result(r)))
}

// Error returns the code's name (as String does), so that a Result can be used as a sentinel
// error.
func (r Result) Error() string { return r.String() }

// ErrClosed is returned by operations on a handle after its Close.
var ErrClosed = errors.New("zseg: use of a closed handle")

// Error is a failure reported by the library (or a Go-side argument check with the code the
// library would have used). Retrieve it with errors.As:
//
//	var zerr *zseg.Error
//	if errors.As(err, &zerr) && zerr.Code == zseg.ErrZstd { log.Print("bad frame ", zerr.Item) }
type Error struct {
	Code     Result // what went wrong
	Item     int64  // index of the failing input item (or segment, or buffer); -1 if none
	ZstdCode int64  // zstd's ZSTD_ErrorCode, or 0
	Message  string // the library's description
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("zseg: ")
	b.WriteString(e.Code.String())
	switch {
	case e.Message != "": // the library's messages name the item themselves
		b.WriteString(": ")
		b.WriteString(e.Message)
	case e.Item >= 0:
		fmt.Fprintf(&b, ": item %d", e.Item)
	}
	return b.String()
}

// Unwrap returns e.Code, so errors.Is(err, zseg.ErrZstd) matches.
func (e *Error) Unwrap() error { return e.Code }

// PartialError is returned, together with a usable *Collection, by a batch call made with
// PerItem when some items failed: the batch went on, and each failed item's output is empty.
// It unwraps to the library's *Error (Code ErrPartial, Item = the first failed item, Message
// naming the first failure), so errors.Is(err, zseg.ErrPartial) matches.
type PartialError struct {
	Err     *Error   // the library's summary (Code ErrPartial)
	Results []Result // one per input item: OK, or that item's failure code
	Failed  []int    // indices of the failed items, ascending
}

func (e *PartialError) Error() string { return e.Err.Error() }

// Unwrap returns e.Err.
func (e *PartialError) Unwrap() error { return e.Err }

// ItemErr returns nil if item i succeeded, else an *Error with the item's code and index. The
// library reports a message only for the first failure (in e.Err).
func (e *PartialError) ItemErr(i int) error {
	if e.Results[i] == OK {
		return nil
	}
	return &Error{Code: e.Results[i], Item: int64(i)}
}

// newError converts the C error detail of a failed call.
func newError(r C.zseg_result, e *C.zseg_error) *Error {
	item := int64(-1)
	if e.item != C.uint64_t(math.MaxUint64) && e.item <= math.MaxInt64 {
		item = int64(e.item)
	}
	return &Error{
		Code:     Result(r),
		Item:     item,
		ZstdCode: int64(e.zstd_code),
		Message:  C.GoString(&e.message[0]),
	}
}

// argError is a Go-side argument check failure.
func argError(format string, args ...any) *Error {
	return &Error{Code: ErrInvalidArgument, Item: -1, Message: fmt.Sprintf(format, args...)}
}

func nilInput(what string) *Error {
	return &Error{Code: ErrNull, Item: -1, Message: "the input " + what + " is nil"}
}
