package zseg_test

import (
	"bytes"
	"errors"
	"testing"

	"zseg"
)

func TestProgressReportsEveryItemInOrder(t *testing.T) {
	items := mixedItems(21, 5000)
	c := mustCompressor(t, 1)
	d := mustDecompressor(t)
	for _, threads := range []int{1, 2} {
		var calls, last uint64
		ok := true
		progress := zseg.OnProgress(func(done, total uint64) bool {
			if total != uint64(len(items)) || done < last || done > last+64 {
				ok = false
			}
			calls++
			last = done
			return true
		})
		frames, err := c.CompressBatch(items, threads, progress)
		if err != nil {
			t.Fatal(err)
		}
		if !ok || last != uint64(len(items)) || calls < uint64(len(items)/64) {
			t.Fatalf("threads %d: %d calls, last done %d, in order and within 64: %v", threads, calls, last, ok)
		}
		calls, last = 0, 0
		out, err := d.DecompressCollection(frames, nil, threads, progress)
		if err != nil {
			t.Fatal(err)
		}
		if !ok || last != uint64(len(items)) {
			t.Fatalf("decompression, threads %d: last done %d, in order: %v", threads, last, ok)
		}
		checkItems(t, out, items)
		out.Close()
		frames.Close()
	}
}

func TestProgressCancels(t *testing.T) {
	items := mixedItems(22, 3000)
	c := mustCompressor(t, 1)
	stop := zseg.OnProgress(func(done, total uint64) bool { return false })
	for _, threads := range []int{1, 2} {
		if out, err := c.CompressBatch(items, threads, stop); !errors.Is(err, zseg.ErrCancelled) || out != nil {
			t.Fatalf("threads %d: %v, %v; want ErrCancelled and no output", threads, out, err)
		}
		dst := make([]byte, zseg.CompressBound(items))
		if segs, used, err := c.CompressInto(items, dst, threads, stop); !errors.Is(err, zseg.ErrCancelled) || segs != nil || used != 0 {
			t.Fatalf("CompressInto, threads %d: %d segments, %d bytes, %v; want ErrCancelled", threads, len(segs), used, err)
		}
	}
	// Cancelling at the last report (done == total) cancels too.
	atEnd := zseg.OnProgress(func(done, total uint64) bool { return done < total })
	if _, err := c.CompressBatch(items, 2, atEnd); !errors.Is(err, zseg.ErrCancelled) {
		t.Fatalf("cancel at the end: %v, want ErrCancelled", err)
	}
}

func TestProgressPanicIsRaisedAfterTheCall(t *testing.T) {
	items := mixedItems(23, 2000)
	c := mustCompressor(t, 1)
	boom := zseg.OnProgress(func(done, total uint64) bool { panic("boom") })
	for _, threads := range []int{1, 2} {
		func() {
			defer func() {
				if v := recover(); v != "boom" {
					t.Fatalf("threads %d: recovered %v, want the callback's panic", threads, v)
				}
			}()
			c.CompressBatch(items, threads, boom)
			t.Fatalf("threads %d: the call returned", threads)
		}()
	}
	// The compressor is intact: batches run, with and without progress.
	frames, err := c.CompressBatch(items, 2, zseg.OnProgress(func(done, total uint64) bool { return true }))
	if err != nil {
		t.Fatal(err)
	}
	defer frames.Close()
	out, err := mustDecompressor(t).DecompressCollection(frames, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	checkItems(t, out, items)
	out.Close()
}

func TestProgressMayRunOtherBatches(t *testing.T) {
	items := mixedItems(24, 500)
	c := mustCompressor(t, 3)
	var inner error
	nested := zseg.OnProgress(func(done, total uint64) bool {
		if done == total {
			var f *zseg.Collection
			if f, inner = c.CompressBatch([][]byte{[]byte("nested")}, 2); inner == nil {
				f.Close()
			}
		}
		return true
	})
	frames, err := c.CompressBatch(items, 2, nested)
	if err != nil || inner != nil {
		t.Fatalf("outer %v, nested %v", err, inner)
	}
	defer frames.Close()
	ref, err := c.CompressBatch(items, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	for i := 0; i < ref.Len(); i++ {
		if !bytes.Equal(frames.Item(i), ref.Item(i)) {
			t.Fatalf("frame %d differs from a batch without progress", i)
		}
	}
}
