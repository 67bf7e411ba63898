package zseg_test

import (
	"bytes"
	"errors"
	"runtime"
	"testing"

	"zseg"
)

// TestCompressInto checks that frames written into a caller's dst are CompressBatch's frames,
// back to back, at every capacity from the bound down to the exact total, and that one byte
// less is ErrDstTooSmall with nothing written past dst.
func TestCompressInto(t *testing.T) {
	items := mixedItems(11, 3000)
	c := mustCompressor(t, 3)
	want, err := c.CompressBatch(items, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer want.Close()
	total := want.Size()
	bound := zseg.CompressBound(items)
	if bound < total {
		t.Fatalf("bound %d under the frames' %d bytes", bound, total)
	}
	for _, threads := range []int{1, 2} {
		for _, capacity := range []int{bound, total} {
			dst := make([]byte, capacity)
			frames, used, err := c.CompressInto(items, dst, threads)
			if err != nil {
				t.Fatalf("threads %d, capacity %d: %v", threads, capacity, err)
			}
			if used != total || len(frames) != len(items) {
				t.Fatalf("used %d of %d, %d frames", used, total, len(frames))
			}
			runtime.GC() // the frames are Go memory: nothing to keep alive but dst
			off := uint64(0)
			for i, f := range frames {
				if f.Offset != off || !bytes.Equal(dst[f.Offset:f.Offset+f.Length], want.Item(i)) {
					t.Fatalf("threads %d: frame %d differs", threads, i)
				}
				off += f.Length
			}
		}
		guard := make([]byte, total+8)
		for i := range guard {
			guard[i] = 0xA5
		}
		_, _, err := c.CompressInto(items, guard[:total-1], threads)
		if !errors.Is(err, zseg.ErrDstTooSmall) {
			t.Fatalf("threads %d, one byte short: %v", threads, err)
		}
		if !bytes.Equal(guard[total-1:], bytes.Repeat([]byte{0xA5}, 9)) {
			t.Fatalf("threads %d: written past dst", threads)
		}
	}
}

// TestDecompressInto round-trips through a dst of the exact total, refuses one byte less, and
// in per-item mode returns the good items with a *PartialError naming the bad one.
func TestDecompressInto(t *testing.T) {
	items := mixedItems(12, 3000)
	c := mustCompressor(t, 1)
	d := mustDecompressor(t)
	coll, err := c.CompressBatch(items, 2)
	if err != nil {
		t.Fatal(err)
	}
	frames := coll.CopyItems()
	coll.Close()
	total := 0
	for _, it := range items {
		total += len(it)
	}
	check := func(dst []byte, segs []zseg.Segment, skip int) {
		t.Helper()
		for i, s := range segs {
			got := dst[s.Offset : s.Offset+s.Length]
			if i == skip && len(got) != 0 || i != skip && !bytes.Equal(got, items[i]) {
				t.Fatalf("item %d differs", i)
			}
		}
	}
	for _, threads := range []int{1, 2} {
		dst := make([]byte, total)
		segs, used, err := d.DecompressInto(frames, nil, dst, threads)
		if err != nil || used != total {
			t.Fatalf("threads %d: used %d of %d, %v", threads, used, total, err)
		}
		check(dst, segs, -1)
		if _, _, err := d.DecompressInto(frames, nil, dst[:total-1], threads); !errors.Is(err, zseg.ErrDstTooSmall) {
			t.Fatalf("threads %d, one byte short: %v", threads, err)
		}
	}
	bad := framesWithBad(t, items, 7)
	dst := make([]byte, total)
	segs, _, err := d.DecompressInto(bad, nil, dst, 2, zseg.PerItem())
	var pe *zseg.PartialError
	if !errors.As(err, &pe) || len(pe.Failed) != 1 || pe.Failed[0] != 7 {
		t.Fatalf("per-item: %v", err)
	}
	check(dst, segs, 7)
}
