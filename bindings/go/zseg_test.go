package zseg_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"zseg"
)

// record makes a deterministic JSON-ish record of about size bytes.
func record(r *rand.Rand, id, size int) []byte {
	words := []string{"alpha", "beta", "gamma", "delta", "zstd", "frame", "segment", "buffer",
		"collection", "worker", "thread", "batch", "item", "lorem", "ipsum", "dolor"}
	var b strings.Builder
	fmt.Fprintf(&b, `{"id":%d,"user":"user_%05d","email":"user%d@example.com","active":%t,`+
		`"score":%.4f,"tags":["%s","%s"],"text":"`, id, r.Intn(100000), r.Intn(1000),
		r.Intn(2) == 0, r.Float64(), words[r.Intn(len(words))], words[r.Intn(len(words))])
	for b.Len() < size-2 {
		b.WriteString(words[r.Intn(len(words))])
		b.WriteByte(' ')
	}
	s := b.String()[:size-2] + `"}`
	return []byte(s)
}

// mixedItems returns n items of varied sizes and kinds: empty, tiny, JSON-ish, random bytes.
func mixedItems(seed int64, n int) [][]byte {
	r := rand.New(rand.NewSource(seed))
	items := make([][]byte, n)
	for i := range items {
		switch i % 5 {
		case 0:
			items[i] = []byte{}
		case 1:
			items[i] = []byte{byte(i)}
		case 2, 3:
			items[i] = record(r, i, 64+r.Intn(2000))
		case 4:
			items[i] = make([]byte, r.Intn(3000))
			r.Read(items[i])
		}
	}
	return items
}

func mustCompressor(t testing.TB, level int, opts ...zseg.Option) *zseg.Compressor {
	t.Helper()
	c, err := zseg.NewCompressor(level, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func mustDecompressor(t testing.TB, opts ...zseg.DOption) *zseg.Decompressor {
	t.Helper()
	d, err := zseg.NewDecompressor(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func checkItems(t testing.TB, c *zseg.Collection, want [][]byte) {
	t.Helper()
	if c.Len() != len(want) {
		t.Fatalf("Len() = %d, want %d", c.Len(), len(want))
	}
	size := 0
	for i, w := range want {
		size += len(w)
		if got := c.Item(i); !bytes.Equal(got, w) {
			t.Fatalf("item %d: got %d bytes, want %d (content differs)", i, len(got), len(w))
		}
	}
	if c.Size() != size {
		t.Fatalf("Size() = %d, want %d", c.Size(), size)
	}
}

// asError returns err's *zseg.Error or fails the test.
func asError(t *testing.T, err error) *zseg.Error {
	t.Helper()
	var zerr *zseg.Error
	if !errors.As(err, &zerr) {
		t.Fatalf("error %v (%T) is not a *zseg.Error", err, err)
	}
	return zerr
}

func TestVersion(t *testing.T) {
	if v := zseg.Version(); v == "" || !strings.Contains(v, ".") {
		t.Fatalf("Version() = %q", v)
	}
	if v := zseg.ZstdVersion(); v < 10400 {
		t.Fatalf("ZstdVersion() = %d", v)
	}
	if s := zseg.ErrLimit.String(); s != "ZSEG_ERR_LIMIT" {
		t.Fatalf("ErrLimit.String() = %q", s)
	}
	if s := zseg.Result(999).String(); s != "unknown result" {
		t.Fatalf("Result(999).String() = %q", s)
	}
}

func TestRoundTrip(t *testing.T) {
	items := mixedItems(1, 150)
	d := mustDecompressor(t)
	for _, level := range []int{-5, 0, 1, 3, 9, 19} {
		for _, threads := range []int{1, 2} {
			t.Run(fmt.Sprintf("level%d/threads%d", level, threads), func(t *testing.T) {
				c := mustCompressor(t, level)
				frames, err := c.CompressBatch(items, threads)
				if err != nil {
					t.Fatal(err)
				}
				defer frames.Close()
				if frames.Len() != len(items) {
					t.Fatalf("%d frames for %d items", frames.Len(), len(items))
				}
				for i := range items {
					size, err := zseg.FrameContentSize(frames.Item(i))
					if err != nil || size != uint64(len(items[i])) {
						t.Fatalf("frame %d: content size %d, %v; want %d", i, size, err, len(items[i]))
					}
				}
				// Output never depends on the thread count.
				other, err := c.CompressBatch(items, 3-threads)
				if err != nil {
					t.Fatal(err)
				}
				defer other.Close()
				checkItems(t, other, frames.CopyItems())
				// Frame i is the frame of item i compressed alone.
				for _, i := range []int{0, 2, 4, len(items) - 1} {
					alone, err := c.CompressBatch(items[i:i+1], 1)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(alone.Item(0), frames.Item(i)) {
						t.Fatalf("frame %d differs from the item compressed alone", i)
					}
					alone.Close()
				}

				// Zero-copy from the collection...
				out, err := d.DecompressCollection(frames, nil, threads)
				if err != nil {
					t.Fatal(err)
				}
				defer out.Close()
				checkItems(t, out, items)
				// ...and from Go slices, with sizes given.
				sizes := make([]uint64, len(items))
				for i := range items {
					sizes[i] = uint64(len(items[i]))
				}
				sizes[3] = zseg.SizeUnknown
				out2, err := d.DecompressBatch(frames.CopyItems(), sizes, threads)
				if err != nil {
					t.Fatal(err)
				}
				defer out2.Close()
				checkItems(t, out2, items)
			})
		}
	}
}

func TestEmpty(t *testing.T) {
	c := mustCompressor(t, 3)
	d := mustDecompressor(t)
	for _, items := range [][][]byte{nil, {}} {
		for _, threads := range []int{0, 1, 2, -1} {
			frames, err := c.CompressBatch(items, threads)
			if err != nil {
				t.Fatal(err)
			}
			if frames.Len() != 0 || frames.Size() != 0 {
				t.Fatalf("empty batch: Len %d Size %d", frames.Len(), frames.Size())
			}
			out, err := d.DecompressCollection(frames, nil, threads)
			if err != nil {
				t.Fatal(err)
			}
			checkItems(t, out, nil)
			out.Close()
			frames.Close()
			out, err = d.DecompressBatch(nil, nil, threads)
			if err != nil {
				t.Fatal(err)
			}
			checkItems(t, out, nil)
			out.Close()
		}
	}
	// Empty items are valid items; empty frames are not valid frames.
	items := [][]byte{{}, nil, {}}
	frames, err := c.CompressBatch(items, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer frames.Close()
	for i := 0; i < frames.Len(); i++ {
		if len(frames.Item(i)) == 0 {
			t.Fatalf("frame %d of an empty item is empty", i)
		}
	}
	out, err := d.DecompressCollection(frames, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	checkItems(t, out, items)
	if v := out.Item(1); v == nil || len(v) != 0 {
		t.Fatalf("empty item view: %#v", v)
	}
	_, err = d.DecompressBatch([][]byte{frames.Item(0), {}}, nil, 1)
	if zerr := asError(t, err); zerr.Code != zseg.ErrZstd || zerr.Item != 1 {
		t.Fatalf("0-byte frame: %+v", zerr)
	}
	// Empty buffers and collections.
	b, err := zseg.NewBuffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	col, err := zseg.NewCollection()
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	if b.Len() != 0 || b.Size() != 0 || col.Len() != 0 || col.Size() != 0 || len(b.Data()) != 0 {
		t.Fatal("empty buffer or collection is not empty")
	}
	f2, err := c.CompressBuffer(b, 2)
	if err != nil {
		t.Fatal(err)
	}
	f2.Close()
}

func TestBuffers(t *testing.T) {
	items := mixedItems(2, 40)
	b, err := zseg.NewBuffer(items)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Len() != len(items) {
		t.Fatalf("Len %d", b.Len())
	}
	for i, it := range items {
		if !bytes.Equal(b.Item(i), it) || !bytes.Equal(b.CopyItem(i), it) {
			t.Fatalf("buffer item %d differs", i)
		}
	}
	data, segs := zseg.Pack(items)
	if !bytes.Equal(b.Data(), data) || fmt.Sprint(b.Segments()) != fmt.Sprint(segs) {
		t.Fatal("Data/Segments differ from Pack")
	}

	// Segments may overlap, leave gaps and come in any order.
	raw := []byte("0123456789abcdef")
	segs = []zseg.Segment{{Offset: 10, Length: 6}, {Offset: 0, Length: 4}, {Offset: 2, Length: 4}, {Offset: 16, Length: 0}}
	sb, err := zseg.NewBufferFromSegments(raw, segs)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	raw[0] = 'X' // the buffer holds a copy
	want := [][]byte{[]byte("abcdef"), []byte("0123"), []byte("2345"), {}}
	for i, w := range want {
		if !bytes.Equal(sb.Item(i), w) {
			t.Fatalf("segment %d: %q, want %q", i, sb.Item(i), w)
		}
	}
	if sb.Size() != len(raw) {
		t.Fatalf("Size %d", sb.Size())
	}

	// Compress the buffer, and the same bytes as segments of a Go slice (zero-copy).
	c := mustCompressor(t, 5)
	d := mustDecompressor(t)
	f1, err := c.CompressBuffer(sb, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer f1.Close()
	raw[0] = '0'
	f2, err := c.CompressSegments(raw, segs, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	checkItems(t, f2, f1.CopyItems())
	fb, err := zseg.NewBufferFromSegments(zseg.Pack(f1.CopyItems()))
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	out, err := d.DecompressBuffer(fb, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	checkItems(t, out, want)

	// A segment outside the data names its index.
	for _, bad := range []zseg.Segment{{Offset: 10, Length: 7}, {Offset: 1<<64 - 1, Length: 2}} {
		_, err = zseg.NewBufferFromSegments(raw, []zseg.Segment{{0, 1}, bad})
		if zerr := asError(t, err); zerr.Code != zseg.ErrSegmentBounds || zerr.Item != 1 {
			t.Fatalf("bad segment %v: %v", bad, err)
		}
		_, err = c.CompressSegments(raw, []zseg.Segment{{0, 1}, bad}, 1)
		if zerr := asError(t, err); zerr.Code != zseg.ErrSegmentBounds || zerr.Item != 1 {
			t.Fatalf("bad segment %v: %v", bad, err)
		}
	}
}

func TestMultiBufferCollection(t *testing.T) {
	a, _ := zseg.NewBuffer([][]byte{[]byte("a0"), []byte("a1")})
	empty, _ := zseg.NewBuffer(nil)
	b, _ := zseg.NewBuffer([][]byte{[]byte("b0"), {}, []byte("b2")})
	col, err := zseg.NewCollection(a, empty, b, a, empty)
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	a.Close()
	b.Close()
	empty.Close()
	want := [][]byte{[]byte("a0"), []byte("a1"), []byte("b0"), {}, []byte("b2"), []byte("a0"), []byte("a1")}
	checkItems(t, col, want)

	// Compress and decompress a multi-buffer collection.
	c := mustCompressor(t, 1)
	d := mustDecompressor(t)
	frames, err := c.CompressCollection(col, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer frames.Close()
	out, err := d.DecompressCollection(frames, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	checkItems(t, out, want)

	// A closed or nil Buffer is refused, naming its position.
	_, err = zseg.NewCollection(empty, nil)
	if !errors.Is(err, zseg.ErrClosed) || !strings.Contains(err.Error(), "buffer 0") {
		t.Fatalf("NewCollection of a closed buffer: %v", err)
	}
	live, _ := zseg.NewBuffer(nil)
	defer live.Close()
	_, err = zseg.NewCollection(live, nil)
	if zerr := asError(t, err); zerr.Code != zseg.ErrNull || zerr.Item != 1 {
		t.Fatalf("NewCollection of a nil buffer: %v", err)
	}
}
