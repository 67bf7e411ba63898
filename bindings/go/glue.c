#include <stdlib.h>

#include "glue.h"

/* The struct as this header knows it (zseg_batch_options_init would write the running
   library's size, which a newer library may make larger than *o). */
static void options(zseg_batch_options *o, int32_t threads, zseg_result *item_results) {
    *o = (zseg_batch_options){0};
    o->size = sizeof *o;
    o->threads = threads;
    o->item_results = item_results;
}

zseg_result zseggo_buffer_new_malloced(uint8_t *data, size_t size, const zseg_segment *segs,
                                       size_t count, zseg_buffer **out, zseg_error *err) {
    return zseg_buffer_new_borrowed(data, size, segs, count, data ? free : NULL, data, out, err);
}

zseg_result zseggo_compress_packed(const zseg_compressor *c, const uint8_t *data, size_t size,
                                   const zseg_segment *segs, size_t n, int32_t threads,
                                   zseg_result *item_results, zseg_collection **out,
                                   zseg_error *err) {
    zseg_buffer *in = NULL;
    zseg_result r = zseg_buffer_new_borrowed(data, size, segs, n, NULL, NULL, &in, err);
    if (r != ZSEG_OK) {
        return r;
    }
    zseg_batch_options o;
    options(&o, threads, item_results);
    r = zseg_compress_buffer(c, in, &o, out, err);
    zseg_buffer_free(in); /* the output never refers to the input */
    return r;
}

zseg_result zseggo_compress_buffer(const zseg_compressor *c, const zseg_buffer *in,
                                   int32_t threads, zseg_result *item_results,
                                   zseg_collection **out, zseg_error *err) {
    zseg_batch_options o;
    options(&o, threads, item_results);
    return zseg_compress_buffer(c, in, &o, out, err);
}

zseg_result zseggo_compress_collection(const zseg_compressor *c, const zseg_collection *in,
                                       int32_t threads, zseg_result *item_results,
                                       zseg_collection **out, zseg_error *err) {
    zseg_batch_options o;
    options(&o, threads, item_results);
    return zseg_compress_collection(c, in, &o, out, err);
}

zseg_result zseggo_decompress_packed(const zseg_decompressor *d, const uint8_t *data,
                                     size_t size, const zseg_segment *segs, size_t n,
                                     const uint64_t *sizes, int32_t threads,
                                     zseg_result *item_results, zseg_collection **out,
                                     zseg_error *err) {
    zseg_buffer *in = NULL;
    zseg_result r = zseg_buffer_new_borrowed(data, size, segs, n, NULL, NULL, &in, err);
    if (r != ZSEG_OK) {
        return r;
    }
    zseg_batch_options o;
    options(&o, threads, item_results);
    r = zseg_decompress_buffer(d, in, sizes, &o, out, err);
    zseg_buffer_free(in); /* the output never refers to the input */
    return r;
}

zseg_result zseggo_decompress_buffer(const zseg_decompressor *d, const zseg_buffer *in,
                                     const uint64_t *sizes, int32_t threads,
                                     zseg_result *item_results, zseg_collection **out,
                                     zseg_error *err) {
    zseg_batch_options o;
    options(&o, threads, item_results);
    return zseg_decompress_buffer(d, in, sizes, &o, out, err);
}

zseg_result zseggo_decompress_collection(const zseg_decompressor *d, const zseg_collection *in,
                                         const uint64_t *sizes, int32_t threads,
                                         zseg_result *item_results, zseg_collection **out,
                                         zseg_error *err) {
    zseg_batch_options o;
    options(&o, threads, item_results);
    return zseg_decompress_collection(d, in, sizes, &o, out, err);
}

zseg_result zseggo_train_packed(const uint8_t *data, size_t size, const zseg_segment *segs,
                                size_t n, uint8_t *dict, size_t capacity, size_t *dict_size,
                                zseg_error *err) {
    zseg_buffer *samples = NULL;
    zseg_result r = zseg_buffer_new_borrowed(data, size, segs, n, NULL, NULL, &samples, err);
    if (r != ZSEG_OK) {
        return r;
    }
    r = zseg_train_dictionary(samples, dict, capacity, dict_size, err);
    zseg_buffer_free(samples);
    return r;
}
