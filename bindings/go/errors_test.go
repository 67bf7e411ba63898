package zseg_test

import (
	"bytes"
	"errors"
	"math/rand"
	"reflect"
	"testing"

	"zseg"
)

// framesWithBad compresses items and corrupts the frames at the bad indices.
func framesWithBad(t *testing.T, items [][]byte, bad ...int) [][]byte {
	t.Helper()
	c := mustCompressor(t, 3)
	col, err := c.CompressBatch(items, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	frames := col.CopyItems()
	for _, i := range bad {
		frames[i] = append([]byte{}, frames[i]...)
		frames[i][0] ^= 0xff // bad magic number
	}
	return frames
}

func TestBadFrameFailFast(t *testing.T) {
	items := mixedItems(3, 10)
	frames := framesWithBad(t, items, 6, 8)
	d := mustDecompressor(t)
	for _, threads := range []int{0, 1} {
		out, err := d.DecompressBatch(frames, nil, threads)
		if out != nil {
			t.Fatal("a collection came back from a failed call")
		}
		zerr := asError(t, err)
		if zerr.Code != zseg.ErrZstd || zerr.Item != 6 || zerr.Message == "" {
			t.Fatalf("threads %d: %+v", threads, zerr)
		}
		if !errors.Is(err, zseg.ErrZstd) || errors.Is(err, zseg.ErrLimit) {
			t.Fatal("errors.Is does not match the code")
		}
		t.Logf("error text: %v", err)
	}
	// With workers, the failing item is one of the bad ones.
	_, err := d.DecompressBatch(frames, nil, 2)
	if zerr := asError(t, err); zerr.Code != zseg.ErrZstd || (zerr.Item != 6 && zerr.Item != 8) {
		t.Fatalf("threads 2: %+v", zerr)
	}

	// Truncated frame, trailing bytes, two frames in one item: all ErrZstd for that item.
	good := frames[2]
	for name, f := range map[string][]byte{
		"truncated":  good[:len(good)-1],
		"trailing":   append(append([]byte{}, good...), 0),
		"two frames": append(append([]byte{}, good...), good...),
		"empty":      {},
	} {
		_, err := d.DecompressBatch([][]byte{good, good, f}, nil, 1)
		if zerr := asError(t, err); zerr.Code != zseg.ErrZstd || zerr.Item != 2 {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func TestPerItem(t *testing.T) {
	items := mixedItems(4, 60)
	bad := []int{3, 17, 59}
	frames := framesWithBad(t, items, bad...)
	d := mustDecompressor(t)
	for _, threads := range []int{1, 2} {
		out, err := d.DecompressBatch(frames, nil, threads, zseg.PerItem())
		if out == nil {
			t.Fatalf("no collection with a partial failure: %v", err)
		}
		var perr *zseg.PartialError
		if !errors.As(err, &perr) {
			t.Fatalf("error %v is not a *PartialError", err)
		}
		if !reflect.DeepEqual(perr.Failed, bad) {
			t.Fatalf("Failed = %v, want %v", perr.Failed, bad)
		}
		// The summary is an *Error with ErrPartial naming the first failure.
		zerr := asError(t, err)
		if zerr.Code != zseg.ErrPartial || !errors.Is(err, zseg.ErrPartial) {
			t.Fatalf("summary %+v", zerr)
		}
		if threads == 1 && zerr.Item != 3 {
			t.Fatalf("summary item %d, want 3", zerr.Item)
		}
		for i := range items {
			ierr := perr.ItemErr(i)
			isBad := i == 3 || i == 17 || i == 59
			if isBad {
				if len(out.Item(i)) != 0 || perr.Results[i] != zseg.ErrZstd {
					t.Fatalf("failed item %d: %d bytes, %v", i, len(out.Item(i)), perr.Results[i])
				}
				var ie *zseg.Error
				if !errors.As(ierr, &ie) || ie.Code != zseg.ErrZstd || ie.Item != int64(i) {
					t.Fatalf("ItemErr(%d) = %v", i, ierr)
				}
			} else if ierr != nil || !bytes.Equal(out.Item(i), items[i]) {
				t.Fatalf("item %d: %v", i, ierr)
			}
		}
		out.Close()
	}
	// All good with PerItem: a plain success.
	good := framesWithBad(t, items)
	out, err := d.DecompressBatch(good, nil, 2, zseg.PerItem())
	if err != nil {
		t.Fatal(err)
	}
	checkItems(t, out, items)
	out.Close()
	// A failure of the whole call is still an error without a collection.
	_, err = d.DecompressBatch(good, []uint64{1}, 2, zseg.PerItem())
	if zerr := asError(t, err); zerr.Code != zseg.ErrInvalidArgument {
		t.Fatalf("sizes of the wrong length: %v", err)
	}
}

func TestContentSizeAndSizes(t *testing.T) {
	items := [][]byte{[]byte("hello hello hello"), {}, bytes.Repeat([]byte("xyz"), 1000)}
	c := mustCompressor(t, 3, zseg.WithContentSize(false))
	d := mustDecompressor(t)
	frames, err := c.CompressBatch(items, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer frames.Close()
	if _, err := zseg.FrameContentSize(frames.Item(2)); !errors.Is(err, zseg.ErrNoContentSize) {
		t.Fatalf("FrameContentSize: %v", err)
	}
	_, err = d.DecompressCollection(frames, nil, 1)
	if zerr := asError(t, err); zerr.Code != zseg.ErrNoContentSize || zerr.Item != 0 {
		t.Fatalf("no sizes: %v", err)
	}
	out, err := d.DecompressCollection(frames, []uint64{17, 0, 3000}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	checkItems(t, out, items)
	_, err = d.DecompressCollection(frames, []uint64{17, 0, 2999}, 1)
	if zerr := asError(t, err); zerr.Code != zseg.ErrSizeMismatch || zerr.Item != 2 {
		t.Fatalf("wrong size: %v", err)
	}
	_, err = d.DecompressCollection(frames, []uint64{17, 0}, 1)
	if zerr := asError(t, err); zerr.Code != zseg.ErrInvalidArgument || zerr.Item != -1 {
		t.Fatalf("short sizes: %v", err)
	}
}

func TestLimits(t *testing.T) {
	items := [][]byte{make([]byte, 10), make([]byte, 100), make([]byte, 1000), make([]byte, 50)}
	c := mustCompressor(t, 1)
	frames, err := c.CompressBatch(items, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer frames.Close()

	d := mustDecompressor(t, zseg.WithMaxItemSize(100))
	_, err = d.DecompressCollection(frames, nil, 1)
	if zerr := asError(t, err); zerr.Code != zseg.ErrLimit || zerr.Item != 2 {
		t.Fatalf("item limit: %v", err)
	}
	out, err := d.DecompressCollection(frames, nil, 1, zseg.PerItem())
	var perr *zseg.PartialError
	if !errors.As(err, &perr) || !reflect.DeepEqual(perr.Failed, []int{2}) || perr.Results[2] != zseg.ErrLimit {
		t.Fatalf("item limit, per item: %v", err)
	}
	out.Close()

	d = mustDecompressor(t, zseg.WithMaxTotalSize(1159))
	_, err = d.DecompressCollection(frames, nil, 2)
	if zerr := asError(t, err); zerr.Code != zseg.ErrLimit || zerr.Item != -1 {
		t.Fatalf("total limit: %v", err)
	}
	d = mustDecompressor(t, zseg.WithMaxTotalSize(1160), zseg.WithMaxItemSize(1000))
	out, err = d.DecompressCollection(frames, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	checkItems(t, out, items)
	out.Close()
}

func TestInvalidOptions(t *testing.T) {
	for name, f := range map[string]func() error{
		"level": func() error { _, err := zseg.NewCompressor(1000); return err },
		"window log": func() error {
			_, err := zseg.NewCompressor(3, zseg.WithParam(zseg.CParamWindowLog, 5))
			return err
		},
		"checksum 2": func() error {
			_, err := zseg.NewCompressor(3, zseg.WithParam(zseg.CParamChecksum, 2))
			return err
		},
		"dparam": func() error {
			_, err := zseg.NewDecompressor(zseg.WithWindowLogMax(99))
			return err
		},
	} {
		err := f()
		if zerr := asError(t, err); zerr.Code != zseg.ErrInvalidArgument {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func TestChecksumAndMagicless(t *testing.T) {
	items := mixedItems(5, 20)
	plain := mustCompressor(t, 3)
	sum := mustCompressor(t, 3, zseg.WithChecksum(true))
	f1, _ := plain.CompressBatch(items, 1)
	defer f1.Close()
	f2, err := sum.CompressBatch(items, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	if f2.Size() != f1.Size()+4*len(items) {
		t.Fatalf("checksummed frames: %d bytes, plain %d", f2.Size(), f1.Size())
	}
	d := mustDecompressor(t)
	frames := f2.CopyItems()
	last := frames[2]
	last[len(last)-1] ^= 1 // break the checksum
	_, err = d.DecompressBatch(frames, nil, 1)
	if zerr := asError(t, err); zerr.Code != zseg.ErrZstd || zerr.Item != 2 {
		t.Fatalf("bad checksum: %v", err)
	}

	ml := mustCompressor(t, 3, zseg.WithMagicless(true))
	f3, err := ml.CompressBatch(items, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer f3.Close()
	if _, err := d.DecompressCollection(f3, nil, 1); !errors.Is(err, zseg.ErrZstd) {
		t.Fatalf("magicless frames with a standard decompressor: %v", err)
	}
	dm := mustDecompressor(t, zseg.WithMagicless(true))
	out, err := dm.DecompressCollection(f3, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	checkItems(t, out, items)
}

func TestDictionary(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	samples := make([][]byte, 800)
	for i := range samples {
		samples[i] = record(r, i, 200+r.Intn(300))
	}
	if _, err := zseg.TrainDictionary(samples[:3], 4096); !errors.Is(err, zseg.ErrDictionary) {
		t.Fatalf("too few samples: %v", err)
	}
	if _, err := zseg.TrainDictionary(samples, 100); !errors.Is(err, zseg.ErrDstTooSmall) {
		t.Fatalf("tiny capacity: %v", err)
	}
	dict, err := zseg.TrainDictionary(samples, 8192)
	if err != nil {
		t.Fatal(err)
	}
	if len(dict) == 0 || len(dict) > 8192 {
		t.Fatalf("dictionary of %d bytes", len(dict))
	}
	items := make([][]byte, 200)
	for i := range items {
		items[i] = record(r, 10000+i, 200+r.Intn(300))
	}
	withDict := mustCompressor(t, 3, zseg.WithDictionary(dict))
	without := mustCompressor(t, 3)
	f1, err := withDict.CompressBatch(items, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer f1.Close()
	f2, _ := without.CompressBatch(items, 2)
	defer f2.Close()
	t.Logf("%d bytes of items: %d with a %d-byte dictionary, %d without", len(bytes.Join(items, nil)), f1.Size(), len(dict), f2.Size())
	if f1.Size() >= f2.Size() {
		t.Fatal("the dictionary does not help")
	}
	d := mustDecompressor(t, zseg.WithDictionary(dict))
	out, err := d.DecompressCollection(f1, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	checkItems(t, out, items)
	// Missing dictionary.
	_, err = mustDecompressor(t).DecompressCollection(f1, nil, 1)
	if zerr := asError(t, err); zerr.Code != zseg.ErrDictionary || zerr.Item != 0 {
		t.Fatalf("no dictionary: %v", err)
	}
	// A raw-content dictionary round-trips too.
	raw := bytes.Join(samples[:50], nil)
	rc := mustCompressor(t, 3, zseg.WithDictionary(raw))
	f3, err := rc.CompressBatch(items, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer f3.Close()
	out3, err := mustDecompressor(t, zseg.WithDictionary(raw)).DecompressCollection(f3, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer out3.Close()
	checkItems(t, out3, items)
}
