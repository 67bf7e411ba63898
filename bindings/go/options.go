package zseg

/*
#include "zseg.h"
*/
import "C"

// CParam is a compression parameter (the C enum zseg_cparam), for WithParam.
type CParam uint32

// Compression parameters; see include/zseg.h for their ranges.
const (
	CParamChecksum     CParam = C.ZSEG_CPARAM_CHECKSUM      // 0/1: checksum in every frame (default 0)
	CParamContentSize  CParam = C.ZSEG_CPARAM_CONTENT_SIZE  // 0/1: content size in every header (default 1)
	CParamDictID       CParam = C.ZSEG_CPARAM_DICT_ID       // 0/1: dictionary ID in frames (default 1)
	CParamWindowLog    CParam = C.ZSEG_CPARAM_WINDOW_LOG    // 0 (default) or 10..31
	CParamStrategy     CParam = C.ZSEG_CPARAM_STRATEGY      // 0 (default) or 1 (fast) .. 9 (btultra2)
	CParamLongDistance CParam = C.ZSEG_CPARAM_LONG_DISTANCE // 0/1: long-distance matching
	CParamMagicless    CParam = C.ZSEG_CPARAM_MAGICLESS     // 0/1: no magic number (see WithMagicless)
)

// DParam is a decompression parameter (the C enum zseg_dparam), for WithDParam.
type DParam uint32

// Decompression parameters; see include/zseg.h for their ranges.
const (
	DParamWindowLogMax DParam = C.ZSEG_DPARAM_WINDOW_LOG_MAX // 0 (no check, default) or 10..31
	DParamMagicless    DParam = C.ZSEG_DPARAM_MAGICLESS      // 0/1: frames have no magic number
)

// Option configures NewCompressor.
type Option interface{ applyCompressor(*compressorConfig) }

// DOption configures NewDecompressor.
type DOption interface{ applyDecompressor(*decompressorConfig) }

type compressorConfig struct {
	params []cparam
	dict   []byte
}

type cparam struct {
	p CParam
	v int64
}

type decompressorConfig struct {
	params   []dparam
	dict     []byte
	maxItem  *uint64
	maxTotal *uint64
}

type dparam struct {
	p DParam
	v int64
}

type compressorOption func(*compressorConfig)

func (f compressorOption) applyCompressor(c *compressorConfig) { f(c) }

type decompressorOption func(*decompressorConfig)

func (f decompressorOption) applyDecompressor(d *decompressorConfig) { f(d) }

// WithParam sets a compression parameter; out-of-range values make NewCompressor fail with
// ErrInvalidArgument.
func WithParam(p CParam, value int64) Option {
	return compressorOption(func(c *compressorConfig) { c.params = append(c.params, cparam{p, value}) })
}

// WithChecksum appends a content checksum to every frame (default off).
func WithChecksum(on bool) Option { return WithParam(CParamChecksum, b2i(on)) }

// WithContentSize writes the content size in every frame header (default on). Frames without
// it need their sizes given to DecompressBatch.
func WithContentSize(on bool) Option { return WithParam(CParamContentSize, b2i(on)) }

// WithDParam sets a decompression parameter; out-of-range values make NewDecompressor fail
// with ErrInvalidArgument.
func WithDParam(p DParam, value int64) DOption {
	return decompressorOption(func(d *decompressorConfig) { d.params = append(d.params, dparam{p, value}) })
}

// WithMaxItemSize limits the decompressed size of one item (default 1 GiB; math.MaxUint64 for
// none). An item declaring more fails with ErrLimit before any memory is allocated.
func WithMaxItemSize(max uint64) DOption {
	return decompressorOption(func(d *decompressorConfig) { d.maxItem = &max })
}

// WithMaxTotalSize limits the decompressed size of one batch (default none). A batch declaring
// more fails with ErrLimit (Item -1) before any memory is allocated.
func WithMaxTotalSize(max uint64) DOption {
	return decompressorOption(func(d *decompressorConfig) { d.maxTotal = &max })
}

// WithWindowLogMax makes frames that need a window larger than 1<<log fail with ErrLimit.
func WithWindowLogMax(log int) DOption { return WithDParam(DParamWindowLogMax, int64(log)) }

// DictionaryOption is returned by WithDictionary; it is both an Option and a DOption.
type DictionaryOption struct{ dict []byte }

// WithDictionary uses dict (raw content, or a zstd-format dictionary such as TrainDictionary
// returns) for compression or decompression: it is both an Option and a DOption. The library
// copies it, so dict may be reused at once. An empty dict means no dictionary.
func WithDictionary(dict []byte) DictionaryOption { return DictionaryOption{dict} }

func (o DictionaryOption) applyCompressor(c *compressorConfig)     { c.dict = o.dict }
func (o DictionaryOption) applyDecompressor(d *decompressorConfig) { d.dict = o.dict }

// MagiclessOption is returned by WithMagicless; it is both an Option and a DOption.
type MagiclessOption bool

// WithMagicless omits (compression) or expects no (decompression) 4-byte magic number at the
// start of each frame. Both sides must agree.
func WithMagicless(on bool) MagiclessOption { return MagiclessOption(on) }

func (o MagiclessOption) applyCompressor(c *compressorConfig) {
	c.params = append(c.params, cparam{CParamMagicless, b2i(bool(o))})
}

func (o MagiclessOption) applyDecompressor(d *decompressorConfig) {
	d.params = append(d.params, dparam{DParamMagicless, b2i(bool(o))})
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
