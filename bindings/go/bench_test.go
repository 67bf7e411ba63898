package zseg_test

import (
	"fmt"
	"math/rand"
	"sync"
	"testing"

	"zseg"
)

const (
	benchRecords = 10000
	benchSize    = 1024
)

var (
	benchOnce  sync.Once
	benchItems [][]byte
	benchBytes int64
)

// records returns ~10k JSON-ish records of 1 KiB.
func records() [][]byte {
	benchOnce.Do(func() {
		r := rand.New(rand.NewSource(42))
		benchItems = make([][]byte, benchRecords)
		for i := range benchItems {
			benchItems[i] = record(r, i, benchSize)
			benchBytes += int64(len(benchItems[i]))
		}
	})
	return benchItems
}

// BenchmarkCompress compares one CompressBatch call for all records (on 1 and 2 threads, and
// zero-copy from packed data) with a loop of single-item CompressBatch calls.
func BenchmarkCompress(b *testing.B) {
	items := records()
	c := mustCompressor(b, 3)
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("batch/threads=%d", threads), func(b *testing.B) {
			b.SetBytes(benchBytes)
			for i := 0; i < b.N; i++ {
				out, err := c.CompressBatch(items, threads)
				if err != nil {
					b.Fatal(err)
				}
				out.Close()
			}
		})
	}
	b.Run("segments-zero-copy/threads=1", func(b *testing.B) {
		data, segs := zseg.Pack(items)
		b.SetBytes(benchBytes)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			out, err := c.CompressSegments(data, segs, 1)
			if err != nil {
				b.Fatal(err)
			}
			out.Close()
		}
	})
	b.Run("loop-of-single-item-calls", func(b *testing.B) {
		b.SetBytes(benchBytes)
		one := make([][]byte, 1)
		for i := 0; i < b.N; i++ {
			for _, it := range items {
				one[0] = it
				out, err := c.CompressBatch(one, 1)
				if err != nil {
					b.Fatal(err)
				}
				out.Close()
			}
		}
	})
}

// BenchmarkDecompress compares one DecompressCollection call with a loop of single-frame
// DecompressBatch calls (bytes/s of decompressed output).
func BenchmarkDecompress(b *testing.B) {
	items := records()
	frames, err := mustCompressor(b, 3).CompressBatch(items, 2)
	if err != nil {
		b.Fatal(err)
	}
	defer frames.Close()
	d := mustDecompressor(b)
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("batch/threads=%d", threads), func(b *testing.B) {
			b.SetBytes(benchBytes)
			for i := 0; i < b.N; i++ {
				out, err := d.DecompressCollection(frames, nil, threads)
				if err != nil {
					b.Fatal(err)
				}
				out.Close()
			}
		})
	}
	b.Run("loop-of-single-item-calls", func(b *testing.B) {
		b.SetBytes(benchBytes)
		one := make([][]byte, 1)
		for i := 0; i < b.N; i++ {
			for f := 0; f < frames.Len(); f++ {
				one[0] = frames.Item(f)
				out, err := d.DecompressBatch(one, nil, 1)
				if err != nil {
					b.Fatal(err)
				}
				out.Close()
			}
		}
	})
}
