/*
 * C helpers of the Go binding (not part of the zseg C API).
 *
 * They exist for cgo's pointer-passing rules: Go memory passed to C must not contain Go
 * pointers, so Go never builds a zseg_batch_options holding a Go pointer (item_results) nor an
 * array of zseg_slice pointing into Go memory. Instead Go passes each pointer as a separate
 * argument and these helpers assemble the structs on the C stack, for the duration of the call.
 * Nothing here keeps a pointer after returning. `progress` is a cgo.Handle of the call's Go
 * progress state (progress.go), or 0 for none.
 */
#ifndef ZSEG_GO_GLUE_H
#define ZSEG_GO_GLUE_H

#include <stdint.h>
#include <stddef.h>

#include "zseg.h"

/* Creates a buffer that owns malloc'ed data (freed with free() by its last holder). On failure
   the caller still owns data. */
zseg_result zseggo_buffer_new_malloced(uint8_t *data, size_t size, const zseg_segment *segs,
                                       size_t count, zseg_buffer **out, zseg_error *err);

/* Compresses data[segs[i]] for i < n. data and segs may be Go memory: they are wrapped in a
   borrowed buffer that is freed before returning (the output never refers to the input). */
zseg_result zseggo_compress_packed(const zseg_compressor *c, const uint8_t *data, size_t size,
                                   const zseg_segment *segs, size_t n, int32_t threads,
                                   zseg_result *item_results, uintptr_t progress,
                                   zseg_collection **out, zseg_error *err);
zseg_result zseggo_compress_buffer(const zseg_compressor *c, const zseg_buffer *in, int32_t threads,
                                   zseg_result *item_results, uintptr_t progress,
                                   zseg_collection **out, zseg_error *err);
zseg_result zseggo_compress_collection(const zseg_compressor *c, const zseg_collection *in,
                                       int32_t threads, zseg_result *item_results,
                                       uintptr_t progress, zseg_collection **out, zseg_error *err);

zseg_result zseggo_decompress_packed(const zseg_decompressor *d, const uint8_t *data, size_t size,
                                     const zseg_segment *segs, size_t n, const uint64_t *sizes,
                                     int32_t threads, zseg_result *item_results, uintptr_t progress,
                                     zseg_collection **out, zseg_error *err);
zseg_result zseggo_decompress_buffer(const zseg_decompressor *d, const zseg_buffer *in,
                                     const uint64_t *sizes, int32_t threads,
                                     zseg_result *item_results, uintptr_t progress,
                                     zseg_collection **out, zseg_error *err);
zseg_result zseggo_decompress_collection(const zseg_decompressor *d, const zseg_collection *in,
                                         const uint64_t *sizes, int32_t threads,
                                         zseg_result *item_results, uintptr_t progress,
                                         zseg_collection **out, zseg_error *err);

/* Sum of zseg_compress_bound over the lengths in segs (SIZE_MAX on overflow). */
size_t zseggo_compress_bound_packed(const zseg_segment *segs, size_t n);

/* zseg_compress_slices_into / zseg_decompress_slices_into over data[segs[i]]: the array of
   slices is built in C memory (the segments checked as for a borrowed buffer) and freed before
   returning. data, segs, dst, segs_out and item_results may be Go memory. */
zseg_result zseggo_compress_packed_into(const zseg_compressor *c, const uint8_t *data, size_t size,
                                        const zseg_segment *segs, size_t n, int32_t threads,
                                        zseg_result *item_results, uintptr_t progress, uint8_t *dst,
                                        size_t capacity, zseg_segment *segs_out, size_t *used,
                                        zseg_error *err);
zseg_result zseggo_decompress_packed_into(const zseg_decompressor *d, const uint8_t *data,
                                          size_t size, const zseg_segment *segs, size_t n,
                                          const uint64_t *sizes, int32_t threads,
                                          zseg_result *item_results, uintptr_t progress,
                                          uint8_t *dst, size_t capacity, zseg_segment *segs_out,
                                          size_t *used, zseg_error *err);

/* Trains a dictionary on data[segs[i]] (Go memory allowed, as for compress_packed). */
zseg_result zseggo_train_packed(const uint8_t *data, size_t size, const zseg_segment *segs,
                                size_t n, uint8_t *dict, size_t capacity, size_t *dict_size,
                                zseg_error *err);

#endif
