package zseg_test

import (
	"errors"
	"fmt"
	"log"

	"zseg"
)

// The README example: compress a batch on 2 threads, decompress it, read zero-copy views.
func Example() {
	c, err := zseg.NewCompressor(3, zseg.WithChecksum(true))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	d, err := zseg.NewDecompressor(zseg.WithMaxItemSize(1 << 20))
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()

	items := [][]byte{[]byte(`{"id":1}`), []byte(`{"id":2}`), {}}
	frames, err := c.CompressBatch(items, 2) // frame i = items[i], one zstd frame each
	if err != nil {
		log.Fatal(err)
	}
	defer frames.Close()

	out, err := d.DecompressCollection(frames, nil, 2) // zero-copy input
	if err != nil {
		log.Fatal(err)
	}
	defer out.Close() // views from out.Item are valid until here
	for i := 0; i < out.Len(); i++ {
		fmt.Printf("%d: %q\n", i, out.Item(i)) // zero-copy view into C memory
	}
	keep := out.CopyItem(0) // a Go copy, valid after Close
	fmt.Println(string(keep))

	// Errors carry the code and the failing item.
	_, err = d.DecompressBatch([][]byte{frames.Item(0), []byte("not a frame")}, nil, 1)
	var zerr *zseg.Error
	if errors.As(err, &zerr) {
		fmt.Println(zerr.Code, zerr.Item)
	}
	// Output:
	// 0: "{\"id\":1}"
	// 1: "{\"id\":2}"
	// 2: ""
	// {"id":1}
	// ZSEG_ERR_ZSTD 1
}

// Per-item mode: the batch goes on past bad frames and reports them.
func ExamplePerItem() {
	c, _ := zseg.NewCompressor(1)
	defer c.Close()
	d, _ := zseg.NewDecompressor()
	defer d.Close()
	frames, _ := c.CompressBatch([][]byte{[]byte("a"), []byte("b")}, 1)
	defer frames.Close()

	out, err := d.DecompressBatch([][]byte{frames.Item(0), []byte("junk"), frames.Item(1)}, nil, 2, zseg.PerItem())
	var perr *zseg.PartialError
	if errors.As(err, &perr) {
		fmt.Println("failed:", perr.Failed, perr.Results[1])
	}
	if out != nil {
		defer out.Close()
		fmt.Printf("%q %q %q\n", out.Item(0), out.Item(1), out.Item(2))
	}
	// Output:
	// failed: [1] ZSEG_ERR_ZSTD
	// "a" "" "b"
}
