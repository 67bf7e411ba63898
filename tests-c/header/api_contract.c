/* Every prototype, value and type of ../shared/API.md, checked against include/zseg.h: a
 * function pointer of the contract's exact type is initialized with each function, so any
 * drift in a name, a parameter or a return type is a compile error under -Werror. */
#include <stddef.h>
#include <stdint.h>

#include "zseg.h"

#define CONTRACT(name, ret, ...) static ret (*const contract_##name)(__VA_ARGS__) = name;

CONTRACT(zseg_result_str, const char *, zseg_result)
CONTRACT(zseg_version, const char *, void)
CONTRACT(zseg_zstd_version, unsigned, void)
CONTRACT(zseg_buffer_new_copy, zseg_result, const uint8_t *, size_t, const zseg_segment *, size_t,
         zseg_buffer **, zseg_error *)
CONTRACT(zseg_buffer_new_borrowed, zseg_result, const uint8_t *, size_t, const zseg_segment *,
         size_t, void (*)(void *), void *, zseg_buffer **, zseg_error *)
CONTRACT(zseg_buffer_free, void, zseg_buffer *)
CONTRACT(zseg_buffer_size, size_t, const zseg_buffer *)
CONTRACT(zseg_buffer_count, size_t, const zseg_buffer *)
CONTRACT(zseg_buffer_data, const uint8_t *, const zseg_buffer *)
CONTRACT(zseg_buffer_segments, const zseg_segment *, const zseg_buffer *)
CONTRACT(zseg_buffer_get, zseg_result, const zseg_buffer *, size_t, zseg_slice *)
CONTRACT(zseg_collection_new, zseg_result, const zseg_buffer *const *, size_t, zseg_collection **,
         zseg_error *)
CONTRACT(zseg_collection_free, void, zseg_collection *)
CONTRACT(zseg_collection_count, size_t, const zseg_collection *)
CONTRACT(zseg_collection_size, size_t, const zseg_collection *)
CONTRACT(zseg_collection_buffer_count, size_t, const zseg_collection *)
CONTRACT(zseg_collection_buffer, const zseg_buffer *, const zseg_collection *, size_t)
CONTRACT(zseg_collection_get, zseg_result, const zseg_collection *, size_t, zseg_slice *)
CONTRACT(zseg_batch_options_init, void, zseg_batch_options *)
CONTRACT(zseg_compressor_new, zseg_result, int, zseg_compressor **, zseg_error *)
CONTRACT(zseg_compressor_set_param, zseg_result, zseg_compressor *, zseg_cparam, int64_t,
         zseg_error *)
CONTRACT(zseg_compressor_load_dictionary, zseg_result, zseg_compressor *, const uint8_t *, size_t,
         zseg_error *)
CONTRACT(zseg_compressor_free, void, zseg_compressor *)
CONTRACT(zseg_compressor_memory_size, size_t, const zseg_compressor *)
CONTRACT(zseg_compress_slices, zseg_result, const zseg_compressor *, const zseg_slice *, size_t,
         const zseg_batch_options *, zseg_collection **, zseg_error *)
CONTRACT(zseg_compress_buffer, zseg_result, const zseg_compressor *, const zseg_buffer *,
         const zseg_batch_options *, zseg_collection **, zseg_error *)
CONTRACT(zseg_compress_collection, zseg_result, const zseg_compressor *, const zseg_collection *,
         const zseg_batch_options *, zseg_collection **, zseg_error *)
CONTRACT(zseg_train_dictionary, zseg_result, const zseg_buffer *, uint8_t *, size_t, size_t *,
         zseg_error *)
CONTRACT(zseg_compress_bound, size_t, const zseg_slice *, size_t)
CONTRACT(zseg_compress_slices_into, zseg_result, const zseg_compressor *, const zseg_slice *, size_t,
         const zseg_batch_options *, uint8_t *, size_t, zseg_segment *, size_t *, zseg_error *)
CONTRACT(zseg_decompressor_new, zseg_result, zseg_decompressor **, zseg_error *)
CONTRACT(zseg_decompressor_load_dictionary, zseg_result, zseg_decompressor *, const uint8_t *,
         size_t, zseg_error *)
CONTRACT(zseg_decompressor_set_max_item_size, zseg_result, zseg_decompressor *, uint64_t,
         zseg_error *)
CONTRACT(zseg_decompressor_set_max_total_size, zseg_result, zseg_decompressor *, uint64_t,
         zseg_error *)
CONTRACT(zseg_decompressor_set_param, zseg_result, zseg_decompressor *, zseg_dparam, int64_t,
         zseg_error *)
CONTRACT(zseg_decompressor_free, void, zseg_decompressor *)
CONTRACT(zseg_decompressor_memory_size, size_t, const zseg_decompressor *)
CONTRACT(zseg_decompress_slices, zseg_result, const zseg_decompressor *, const zseg_slice *, size_t,
         const uint64_t *, const zseg_batch_options *, zseg_collection **, zseg_error *)
CONTRACT(zseg_decompress_buffer, zseg_result, const zseg_decompressor *, const zseg_buffer *,
         const uint64_t *, const zseg_batch_options *, zseg_collection **, zseg_error *)
CONTRACT(zseg_decompress_collection, zseg_result, const zseg_decompressor *,
         const zseg_collection *, const uint64_t *, const zseg_batch_options *,
         zseg_collection **, zseg_error *)
CONTRACT(zseg_decompress_slices_into, zseg_result, const zseg_decompressor *, const zseg_slice *,
         size_t, const uint64_t *, const zseg_batch_options *, uint8_t *, size_t, zseg_segment *,
         size_t *, zseg_error *)
CONTRACT(zseg_frame_content_size, zseg_result, const uint8_t *, size_t, uint64_t *, zseg_error *)
CONTRACT(zseg_seekable_write, zseg_result, const zseg_collection *, const char *, uint32_t,
         zseg_error *)
CONTRACT(zseg_seekable_open, zseg_result, const char *, zseg_seekable **, zseg_error *)
CONTRACT(zseg_seekable_open_memory, zseg_result, const uint8_t *, size_t, zseg_seekable **,
         zseg_error *)
CONTRACT(zseg_seekable_free, void, zseg_seekable *)
CONTRACT(zseg_seekable_frames, const zseg_buffer *, const zseg_seekable *)
CONTRACT(zseg_seekable_sizes, const uint64_t *, const zseg_seekable *)

/* Values are ABI. */
_Static_assert(ZSEG_OK == 0 && ZSEG_ERR_NULL == 1 && ZSEG_ERR_INVALID_ARGUMENT == 2 &&
                   ZSEG_ERR_SEGMENT_BOUNDS == 3 && ZSEG_ERR_INDEX == 4 && ZSEG_ERR_ALLOC == 5 &&
                   ZSEG_ERR_ZSTD == 6 && ZSEG_ERR_NO_CONTENT_SIZE == 7 &&
                   ZSEG_ERR_SIZE_MISMATCH == 8 && ZSEG_ERR_LIMIT == 9 &&
                   ZSEG_ERR_DICTIONARY == 10 && ZSEG_ERR_DST_TOO_SMALL == 11 &&
                   ZSEG_ERR_CANCELLED == 12 && ZSEG_ERR_PARTIAL == 13 && ZSEG_ERR_INTERNAL == 14,
               "zseg_result values");
_Static_assert(ZSEG_CPARAM_CHECKSUM == 1 && ZSEG_CPARAM_CONTENT_SIZE == 2 &&
                   ZSEG_CPARAM_DICT_ID == 3 && ZSEG_CPARAM_WINDOW_LOG == 4 &&
                   ZSEG_CPARAM_STRATEGY == 5 && ZSEG_CPARAM_LONG_DISTANCE == 6 &&
                   ZSEG_CPARAM_MAGICLESS == 7,
               "zseg_cparam values");
_Static_assert(ZSEG_DPARAM_WINDOW_LOG_MAX == 1 && ZSEG_DPARAM_MAGICLESS == 2, "zseg_dparam values");
_Static_assert(sizeof(zseg_result) == 4 && sizeof(zseg_cparam) == 4 && sizeof(zseg_dparam) == 4,
               "uint32_t-sized enums");
_Static_assert(sizeof(zseg_segment) == 16 && offsetof(zseg_segment, length) == 8, "segment layout");
_Static_assert(ZSEG_SIZE_UNKNOWN == UINT64_MAX && ZSEG_SEEKABLE_CHECKSUMS == 1u, "constants");
_Static_assert(sizeof(((zseg_error *)0)->message) == 256, "zseg_error message size");
_Static_assert(offsetof(zseg_batch_options, size) == 0, "options size first");

/* Use every pointer so that -Wunused does not fire. */
const void *zseg_contract_table(void);
const void *zseg_contract_table(void) {
    static const void *const table[] = {
        (const void *)&contract_zseg_result_str,
        (const void *)&contract_zseg_version,
        (const void *)&contract_zseg_zstd_version,
        (const void *)&contract_zseg_buffer_new_copy,
        (const void *)&contract_zseg_buffer_new_borrowed,
        (const void *)&contract_zseg_buffer_free,
        (const void *)&contract_zseg_buffer_size,
        (const void *)&contract_zseg_buffer_count,
        (const void *)&contract_zseg_buffer_data,
        (const void *)&contract_zseg_buffer_segments,
        (const void *)&contract_zseg_buffer_get,
        (const void *)&contract_zseg_collection_new,
        (const void *)&contract_zseg_collection_free,
        (const void *)&contract_zseg_collection_count,
        (const void *)&contract_zseg_collection_size,
        (const void *)&contract_zseg_collection_buffer_count,
        (const void *)&contract_zseg_collection_buffer,
        (const void *)&contract_zseg_collection_get,
        (const void *)&contract_zseg_batch_options_init,
        (const void *)&contract_zseg_compressor_new,
        (const void *)&contract_zseg_compressor_set_param,
        (const void *)&contract_zseg_compressor_load_dictionary,
        (const void *)&contract_zseg_compressor_free,
        (const void *)&contract_zseg_compressor_memory_size,
        (const void *)&contract_zseg_compress_slices,
        (const void *)&contract_zseg_compress_buffer,
        (const void *)&contract_zseg_compress_collection,
        (const void *)&contract_zseg_train_dictionary,
        (const void *)&contract_zseg_compress_bound,
        (const void *)&contract_zseg_compress_slices_into,
        (const void *)&contract_zseg_decompressor_new,
        (const void *)&contract_zseg_decompressor_load_dictionary,
        (const void *)&contract_zseg_decompressor_set_max_item_size,
        (const void *)&contract_zseg_decompressor_set_max_total_size,
        (const void *)&contract_zseg_decompressor_set_param,
        (const void *)&contract_zseg_decompressor_free,
        (const void *)&contract_zseg_decompressor_memory_size,
        (const void *)&contract_zseg_decompress_slices,
        (const void *)&contract_zseg_decompress_buffer,
        (const void *)&contract_zseg_decompress_collection,
        (const void *)&contract_zseg_decompress_slices_into,
        (const void *)&contract_zseg_frame_content_size,
        (const void *)&contract_zseg_seekable_write,
        (const void *)&contract_zseg_seekable_open,
        (const void *)&contract_zseg_seekable_open_memory,
        (const void *)&contract_zseg_seekable_free,
        (const void *)&contract_zseg_seekable_frames,
        (const void *)&contract_zseg_seekable_sizes,
    };
    return table;
}
