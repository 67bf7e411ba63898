package zseg

/*
#include <stdint.h>
*/
import "C"

import "runtime/cgo"

// OnProgress makes a batch call report its progress: fn(done, total) is called on the
// goroutine that made the call, never concurrently, as items finish (done at most 64 past the
// previous report, a report also falling due every 16 MiB of items) and once at the end with
// done == total. Returning false cancels the batch: the call then fails with ErrCancelled and
// returns no output. Keep fn short. It may call the library (other batches included) but must
// not Close the handles the call uses, nor call runtime.Goexit (t.FailNow in a test): the call
// cannot unwind through the C library. A panic in fn cancels the batch and is raised again
// once the call has returned.
func OnProgress(fn func(done, total uint64) bool) CallOption {
	return func(c *callConfig) { c.progress = fn }
}

// progressState is what the C library's progress callback reaches through a cgo.Handle.
type progressState struct {
	fn       func(done, total uint64) bool
	panicked bool
	value    any // what fn panicked with
}

//export zseggoProgress
func zseggoProgress(done, total C.uint64_t, h C.uintptr_t) (cancel C.int) {
	p := cgo.Handle(h).Value().(*progressState)
	returned := false
	defer func() {
		if !returned { // fn panicked: stop the batch, re-raise after the call (see finish)
			p.panicked, p.value = true, recover()
			cancel = 1
		}
	}()
	keep := p.fn(uint64(done), uint64(total))
	returned = true
	if keep {
		return 0
	}
	return 1
}

// progressArg is the progress argument of the C call: a cgo.Handle made here, released by
// settle, or 0 without OnProgress.
func (b *batchCall) progressArg() C.uintptr_t {
	if b.progress == nil {
		return 0
	}
	b.handle = cgo.NewHandle(b.progress)
	return C.uintptr_t(b.handle)
}

// settle releases the progress handle once the C call has returned, and raises again a panic
// of the progress function.
func (b *batchCall) settle() {
	if b.handle == 0 {
		return
	}
	b.handle.Delete()
	b.handle = 0
	if b.progress.panicked {
		panic(b.progress.value)
	}
}
