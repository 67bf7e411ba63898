package zseg_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"zseg"
)

// writeSeekable compresses items and writes them as a seekable file in a temporary directory.
func writeSeekable(t *testing.T, items [][]byte, checksums bool) (path string, frames *zseg.Collection) {
	t.Helper()
	frames, err := mustCompressor(t, 3, zseg.WithChecksum(checksums)).CompressBatch(items, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { frames.Close() })
	path = filepath.Join(t.TempDir(), "items.zst")
	if err := zseg.WriteSeekable(frames, path, checksums); err != nil {
		t.Fatal(err)
	}
	return path, frames
}

func TestSeekableRoundTrip(t *testing.T) {
	items := mixedItems(11, 500)
	for _, checksums := range []bool{false, true} {
		path, frames := writeSeekable(t, items, checksums)
		s, err := zseg.OpenSeekable(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.Len() != len(items) {
			t.Fatalf("Len() = %d, want %d", s.Len(), len(items))
		}
		sizes := s.Sizes()
		d := mustDecompressor(t)
		for _, i := range []int{0, 1, 2, 3, 4, 250, len(items) - 1} {
			if sizes[i] != uint64(len(items[i])) {
				t.Fatalf("Sizes()[%d] = %d, want %d", i, sizes[i], len(items[i]))
			}
			frame, size, err := s.Frame(i)
			if err != nil || size != sizes[i] || !bytes.Equal(frame, frames.Item(i)) {
				t.Fatalf("Frame(%d): %d bytes, size %d, err %v: not the written frame", i, len(frame), size, err)
			}
			got, err := s.ReadItem(d, i)
			if err != nil || !bytes.Equal(got, items[i]) {
				t.Fatalf("ReadItem(%d) = %d bytes, %v; want item %d", i, len(got), err, i)
			}
		}
		all, err := s.Frames()
		if err != nil {
			t.Fatal(err)
		}
		last, _, err := s.Frame(len(items) - 1)
		if err != nil {
			t.Fatal(err)
		}
		s.Close() // the Collection keeps the mapping; Frame gave a copy
		if !bytes.Equal(last, frames.Item(len(items)-1)) {
			t.Fatal("a frame from Frame changed after Close")
		}
		if s.Len() != 0 || s.Sizes() != nil {
			t.Fatal("a closed Seekable still has items")
		}
		if _, err := s.ReadItem(d, 0); !errors.Is(err, zseg.ErrClosed) {
			t.Fatalf("ReadItem after Close: %v, want ErrClosed", err)
		}
		out, err := d.DecompressCollection(all, sizes, 2)
		if err != nil {
			t.Fatal(err)
		}
		checkItems(t, out, items)
		out.Close()
		all.Close()
	}
}

// Any zstd decoder reads the file as the concatenation of the items.
func TestSeekableFileIsPlainZstd(t *testing.T) {
	zstd, err := exec.LookPath("zstd")
	if err != nil {
		t.Skip("no zstd command (scripts/test installs it)")
	}
	items := mixedItems(12, 200)
	path, _ := writeSeekable(t, items, true)
	got, err := exec.Command(zstd, "-dc", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, bytes.Join(items, nil)) {
		t.Fatalf("zstd -dc gave %d bytes, not the %d bytes of the items", len(got), len(bytes.Join(items, nil)))
	}
}

func TestSeekableErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := zseg.OpenSeekable(filepath.Join(dir, "missing.zst")); !errors.Is(err, zseg.ErrIO) {
		t.Fatalf("missing file: %v, want ErrIO", err)
	}
	if _, err := zseg.OpenSeekable(dir); !errors.Is(err, zseg.ErrIO) {
		t.Fatalf("a directory: %v, want ErrIO", err)
	}
	if _, err := zseg.OpenSeekable("a\x00b"); !errors.Is(err, zseg.ErrInvalidArgument) {
		t.Fatalf("a NUL in the path: %v, want ErrInvalidArgument", err)
	}
	// Plain frames back to back have no seek table.
	items := mixedItems(13, 20)
	frames, err := mustCompressor(t, 3).CompressBatch(items, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer frames.Close()
	var plain []byte
	for i := 0; i < frames.Len(); i++ {
		plain = append(plain, frames.Item(i)...)
	}
	noTable := filepath.Join(dir, "plain.zst")
	if err := os.WriteFile(noTable, plain, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := zseg.OpenSeekable(noTable); !errors.Is(err, zseg.ErrZstd) {
		t.Fatalf("no seek table: %v, want ErrZstd", err)
	}

	// An item that is not a frame is refused, naming it, and nothing is written.
	notFrames, err := zseg.NewBuffer([][]byte{frames.Item(0), []byte("not a frame")})
	if err != nil {
		t.Fatal(err)
	}
	defer notFrames.Close()
	bad, err := zseg.NewCollection(notFrames)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	badPath := filepath.Join(dir, "bad.zst")
	if zerr := asError(t, zseg.WriteSeekable(bad, badPath, false)); zerr.Code != zseg.ErrZstd || zerr.Item != 1 {
		t.Fatalf("WriteSeekable of a non-frame: %v, want ErrZstd on item 1", zerr)
	}
	if _, err := os.Stat(badPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed write left %s (%v)", badPath, err)
	}
	if err := zseg.WriteSeekable(nil, badPath, false); !errors.Is(err, zseg.ErrNull) {
		t.Fatalf("WriteSeekable(nil): %v, want ErrNull", err)
	}

	path, _ := writeSeekable(t, items, false)
	s, err := zseg.OpenSeekable(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := mustDecompressor(t)
	for _, i := range []int{-1, len(items), 1 << 40} {
		if _, err := s.ReadItem(d, i); !errors.Is(err, zseg.ErrIndex) {
			t.Fatalf("ReadItem(%d): %v, want ErrIndex", i, err)
		}
		if _, _, err := s.Frame(i); !errors.Is(err, zseg.ErrIndex) {
			t.Fatalf("Frame(%d): %v, want ErrIndex", i, err)
		}
	}
	// The decompressor's limits apply to what the table says.
	small := mustDecompressor(t, zseg.WithMaxItemSize(10))
	big := 0
	for i, it := range items {
		if len(it) > 10 {
			big = i
			break
		}
	}
	zerr := asError(t, func() error { _, err := s.ReadItem(small, big); return err }())
	if zerr.Code != zseg.ErrLimit || zerr.Item != int64(big) || !strings.Contains(zerr.Message, fmt.Sprintf("item %d:", big)) {
		t.Fatalf("ReadItem(%d) over the item limit: %v (Item %d), want ErrLimit naming item %d", big, zerr, zerr.Item, big)
	}
	if _, err := s.ReadItem(nil, 0); !errors.Is(err, zseg.ErrNull) {
		t.Fatalf("ReadItem(nil, 0): %v, want ErrNull", err)
	}
}
