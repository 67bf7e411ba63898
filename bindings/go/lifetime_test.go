package zseg_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"runtime"
	"sync"
	"testing"

	"zseg"
)

// One Compressor and one Decompressor shared by 16 goroutines, every byte checked.
func TestConcurrentUse(t *testing.T) {
	c := mustCompressor(t, 3)
	d := mustDecompressor(t)
	const goroutines = 16
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			errs <- func() error {
				r := rand.New(rand.NewSource(int64(100 + g)))
				for round := 0; round < 4; round++ {
					items := make([][]byte, 50+r.Intn(50))
					for i := range items {
						items[i] = record(r, g*1000+i, 20+r.Intn(1500))
					}
					frames, err := c.CompressBatch(items, 1+(g+round)%2)
					if err != nil {
						return err
					}
					out, err := d.DecompressCollection(frames, nil, 1+round%2)
					frames.Close()
					if err != nil {
						return err
					}
					for i, it := range items {
						if !bytes.Equal(out.Item(i), it) {
							out.Close()
							return fmt.Errorf("goroutine %d round %d item %d differs", g, round, i)
						}
					}
					out.Close()
				}
				return nil
			}()
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// One Collection read by many goroutines at once.
func TestConcurrentReads(t *testing.T) {
	items := mixedItems(7, 300)
	col, err := mustCompressor(t, 1).CompressBatch(items, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	want := col.CopyItems()
	var wg sync.WaitGroup
	var bad sync.Once
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < col.Len(); i++ {
				if !bytes.Equal(col.Item(i), want[i]) {
					bad.Do(func() { t.Errorf("item %d differs", i) })
				}
			}
		}()
	}
	wg.Wait()
}

// Views of a Buffer stay valid after the Buffer's Close while a Collection holds it.
func TestViewsAfterParentClose(t *testing.T) {
	items := mixedItems(8, 30)
	b, err := zseg.NewBuffer(items)
	if err != nil {
		t.Fatal(err)
	}
	early := b.Item(7) // a view taken from the Buffer itself
	col, err := zseg.NewCollection(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	runtime.GC() // nothing may be freed by finalizers either
	runtime.GC()
	late := col.Item(7) // taken after the Buffer's Close
	if !bytes.Equal(early, items[7]) || !bytes.Equal(late, items[7]) {
		t.Fatal("view after Close of the parent buffer differs")
	}
	checkItems(t, col, items)
	if b.Len() != 0 || b.Size() != 0 {
		t.Fatal("closed buffer is not empty")
	}

	// Compress the collection, close it, decompress: outputs are independent of inputs.
	c := mustCompressor(t, 3)
	frames, err := c.CompressCollection(col, 2)
	if err != nil {
		t.Fatal(err)
	}
	col.Close()
	c.Close()
	out, err := mustDecompressor(t).DecompressCollection(frames, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	frames.Close()
	runtime.GC()
	checkItems(t, out, items)
	out.Close()
}

func TestCloseOfNilHandlesDoesNothing(t *testing.T) {
	c, err := zseg.NewCompressor(99) // out of range: c is nil
	defer c.Close()
	if err == nil || c != nil {
		t.Fatalf("NewCompressor(99) = %v, %v", c, err)
	}
	var (
		d   *zseg.Decompressor
		b   *zseg.Buffer
		col *zseg.Collection
	)
	for _, closer := range []interface{ Close() error }{c, d, b, col} {
		if err := closer.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCloseIdempotent(t *testing.T) {
	c := mustCompressor(t, 3)
	d := mustDecompressor(t)
	b, _ := zseg.NewBuffer([][]byte{[]byte("abc")})
	col, err := c.CompressBuffer(b, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		for _, closer := range []interface{ Close() error }{col, b, c, d} {
			if err := closer.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if col.Len() != 0 || col.Size() != 0 || b.Len() != 0 || c.MemorySize() != 0 || d.MemorySize() != 0 {
		t.Fatal("closed handles report contents")
	}
	if _, err := c.CompressBatch([][]byte{{1}}, 1); !errors.Is(err, zseg.ErrClosed) {
		t.Fatalf("CompressBatch after Close: %v", err)
	}
	if _, err := d.DecompressBatch(nil, nil, 1); !errors.Is(err, zseg.ErrClosed) {
		t.Fatalf("DecompressBatch after Close: %v", err)
	}
	b2, _ := zseg.NewBuffer(nil)
	defer b2.Close()
	if _, err := c.CompressBuffer(b2, 1); !errors.Is(err, zseg.ErrClosed) {
		t.Fatalf("CompressBuffer after Close: %v", err)
	}
	if _, err := d.DecompressBuffer(nil, nil, 1); !errors.Is(err, zseg.ErrNull) && !errors.Is(err, zseg.ErrClosed) {
		t.Fatalf("nil Buffer: %v", err)
	}
	d2 := mustDecompressor(t)
	if _, err := d2.DecompressCollection(nil, nil, 1); !errors.Is(err, zseg.ErrNull) {
		t.Fatalf("nil Collection: %v", err)
	}
	if _, err := d2.DecompressCollection(col, nil, 1); !errors.Is(err, zseg.ErrClosed) {
		t.Fatalf("closed Collection: %v", err)
	}
	if _, err := zseg.NewCollection(b2, b); !errors.Is(err, zseg.ErrClosed) {
		t.Fatalf("NewCollection of a closed Buffer: %v", err)
	}
	if _, err := zseg.NewCollection(b2, nil); !errors.Is(err, zseg.ErrNull) {
		t.Fatalf("NewCollection of a nil Buffer: %v", err)
	}
	mustPanic(t, "Item of a closed Collection", func() { col.Item(0) })
	mustPanic(t, "CopyItem of a closed Buffer", func() { b.CopyItem(0) })
}

func TestItemOutOfRange(t *testing.T) {
	b, _ := zseg.NewBuffer([][]byte{[]byte("x")})
	defer b.Close()
	col, _ := zseg.NewCollection(b, b)
	defer col.Close()
	mustPanic(t, "Item(2)", func() { col.Item(2) })
	mustPanic(t, "Item(-1)", func() { col.Item(-1) })
	mustPanic(t, "Buffer.Item(1)", func() { b.Item(1) })
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Fatalf("%s did not panic", what)
		}
	}()
	f()
}

// Handles that are never closed are freed by their finalizers without harm.
func TestFinalizers(t *testing.T) {
	for i := 0; i < 50; i++ {
		c, _ := zseg.NewCompressor(1)
		col, _ := c.CompressBatch([][]byte{[]byte("finalize me")}, 1)
		b, _ := zseg.NewBuffer([][]byte{[]byte("buffer")})
		shared, _ := zseg.NewCollection(b)
		_, _ = col.Len(), shared.Len()
	}
	runtime.GC()
	runtime.GC()
}
