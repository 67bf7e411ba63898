#include <stdio.h>
#include <stdlib.h>

#include "_cgo_export.h"
#include "glue.h"

/* Calls the Go progress function behind the cgo.Handle in ctx (zseggoProgress, progress.go). */
static int progress_to_go(uint64_t done, uint64_t total, void *ctx) {
    return zseggoProgress(done, total, (uintptr_t)ctx);
}

/* The struct as this header knows it (zseg_batch_options_init would write the running
   library's size, which a newer library may make larger than *o). progress: a cgo.Handle of
   the Go progress state, or 0 for none. */
static void options(zseg_batch_options *o, int32_t threads, zseg_result *item_results,
                    uintptr_t progress) {
    *o = (zseg_batch_options){0};
    o->size = sizeof *o;
    o->threads = threads;
    o->item_results = item_results;
    if (progress) {
        o->progress = progress_to_go;
        o->progress_ctx = (void *)progress;
    }
}

zseg_result zseggo_buffer_new_malloced(uint8_t *data, size_t size, const zseg_segment *segs,
                                       size_t count, zseg_buffer **out, zseg_error *err) {
    return zseg_buffer_new_borrowed(data, size, segs, count, data ? free : NULL, data, out, err);
}

zseg_result zseggo_compress_packed(const zseg_compressor *c, const uint8_t *data, size_t size,
                                   const zseg_segment *segs, size_t n, int32_t threads,
                                   zseg_result *item_results, uintptr_t progress,
                                   zseg_collection **out, zseg_error *err) {
    zseg_buffer *in = NULL;
    zseg_result r = zseg_buffer_new_borrowed(data, size, segs, n, NULL, NULL, &in, err);
    if (r != ZSEG_OK) {
        return r;
    }
    zseg_batch_options o;
    options(&o, threads, item_results, progress);
    r = zseg_compress_buffer(c, in, &o, out, err);
    zseg_buffer_free(in); /* the output never refers to the input */
    return r;
}

zseg_result zseggo_compress_buffer(const zseg_compressor *c, const zseg_buffer *in, int32_t threads,
                                   zseg_result *item_results, uintptr_t progress,
                                   zseg_collection **out, zseg_error *err) {
    zseg_batch_options o;
    options(&o, threads, item_results, progress);
    return zseg_compress_buffer(c, in, &o, out, err);
}

zseg_result zseggo_compress_collection(const zseg_compressor *c, const zseg_collection *in,
                                       int32_t threads, zseg_result *item_results,
                                       uintptr_t progress, zseg_collection **out, zseg_error *err) {
    zseg_batch_options o;
    options(&o, threads, item_results, progress);
    return zseg_compress_collection(c, in, &o, out, err);
}

zseg_result zseggo_decompress_packed(const zseg_decompressor *d, const uint8_t *data, size_t size,
                                     const zseg_segment *segs, size_t n, const uint64_t *sizes,
                                     int32_t threads, zseg_result *item_results, uintptr_t progress,
                                     zseg_collection **out, zseg_error *err) {
    zseg_buffer *in = NULL;
    zseg_result r = zseg_buffer_new_borrowed(data, size, segs, n, NULL, NULL, &in, err);
    if (r != ZSEG_OK) {
        return r;
    }
    zseg_batch_options o;
    options(&o, threads, item_results, progress);
    r = zseg_decompress_buffer(d, in, sizes, &o, out, err);
    zseg_buffer_free(in); /* the output never refers to the input */
    return r;
}

zseg_result zseggo_decompress_buffer(const zseg_decompressor *d, const zseg_buffer *in,
                                     const uint64_t *sizes, int32_t threads,
                                     zseg_result *item_results, uintptr_t progress,
                                     zseg_collection **out, zseg_error *err) {
    zseg_batch_options o;
    options(&o, threads, item_results, progress);
    return zseg_decompress_buffer(d, in, sizes, &o, out, err);
}

zseg_result zseggo_decompress_collection(const zseg_decompressor *d, const zseg_collection *in,
                                         const uint64_t *sizes, int32_t threads,
                                         zseg_result *item_results, uintptr_t progress,
                                         zseg_collection **out, zseg_error *err) {
    zseg_batch_options o;
    options(&o, threads, item_results, progress);
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

size_t zseggo_compress_bound_packed(const zseg_segment *segs, size_t n) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
#if SIZE_MAX < UINT64_MAX
        if (segs[i].length > SIZE_MAX) {
            return SIZE_MAX;
        }
#endif
        zseg_slice one = {NULL, (size_t)segs[i].length}; /* only the length is read */
        size_t bound = zseg_compress_bound(&one, 1);
        if (bound == SIZE_MAX || total > SIZE_MAX - bound) {
            return SIZE_MAX;
        }
        total += bound;
    }
    return total;
}

/* data[segs[i]] for i < n as slices in malloc'ed memory, or NULL with *r and err set. */
static zseg_slice *slices_of(const uint8_t *data, size_t size, const zseg_segment *segs,
                             size_t n, zseg_result *r, zseg_error *err) {
    zseg_buffer *in = NULL;
    *r = zseg_buffer_new_borrowed(data, size, segs, n, NULL, NULL, &in, err);
    if (*r != ZSEG_OK) {
        return NULL;
    }
    zseg_slice *items = malloc((n ? n : 1) * sizeof *items);
    for (size_t i = 0; items && i < n; i++) {
        zseg_buffer_get(in, i, &items[i]);
    }
    zseg_buffer_free(in);
    if (!items) {
        *r = ZSEG_ERR_ALLOC;
        *err = (zseg_error){.code = ZSEG_ERR_ALLOC, .item = UINT64_MAX};
        snprintf(err->message, sizeof err->message, "out of memory: %zu items", n);
    }
    return items;
}

zseg_result zseggo_compress_packed_into(const zseg_compressor *c, const uint8_t *data, size_t size,
                                        const zseg_segment *segs, size_t n, int32_t threads,
                                        zseg_result *item_results, uintptr_t progress, uint8_t *dst,
                                        size_t capacity, zseg_segment *segs_out, size_t *used,
                                        zseg_error *err) {
    zseg_result r;
    zseg_slice *items = slices_of(data, size, segs, n, &r, err);
    if (!items) {
        return r;
    }
    zseg_batch_options o;
    options(&o, threads, item_results, progress);
    r = zseg_compress_slices_into(c, items, n, &o, dst, capacity, segs_out, used, err);
    free(items);
    return r;
}

zseg_result zseggo_decompress_packed_into(const zseg_decompressor *d, const uint8_t *data,
                                          size_t size, const zseg_segment *segs, size_t n,
                                          const uint64_t *sizes, int32_t threads,
                                          zseg_result *item_results, uintptr_t progress,
                                          uint8_t *dst, size_t capacity, zseg_segment *segs_out,
                                          size_t *used, zseg_error *err) {
    zseg_result r;
    zseg_slice *frames = slices_of(data, size, segs, n, &r, err);
    if (!frames) {
        return r;
    }
    zseg_batch_options o;
    options(&o, threads, item_results, progress);
    r = zseg_decompress_slices_into(d, frames, n, sizes, &o, dst, capacity, segs_out, used, err);
    free(frames);
    return r;
}
