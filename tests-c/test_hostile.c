/*
 * Hostile arguments, table-driven: every exported function of zseg.h is called with NULL for
 * each pointer argument in turn, with zero and maximal sizes (SIZE_MAX, UINT64_MAX), with
 * out-of-range enum values, indices, levels and flags, and with batch options whose `size` is
 * too small or too large. Each call must return the code API.md names, fill `err` (same code,
 * a non-empty message NUL-terminated within its 256 bytes, `item` where API.md says so) and
 * leave every out-pointer untouched on failure (they are preset to sentinels).
 *
 * Written from API.md and zseg.h alone.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, getpid, access */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "zseg.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
#define NO_NULL (-1)
#define NO_ITEM UINT64_MAX
#define SENTINEL_PTR ((void *)(uintptr_t)0x5e5e5e5e)
#define SENTINEL_SIZE ((size_t)0x5e5e5e5e)
#define SENTINEL_U64 UINT64_C(0x5e5e5e5e5e5e5e5e)
#define ANY_ITEM (UINT64_MAX - 1) /* for EXPECT: err.item not checked */

/* ---- Fixtures: one of every handle, built once ------------------------------------------- */

static const uint8_t TEXT[] = "hostile arguments never crash zseg";
static const zseg_segment TEXT_SEGMENTS[] = {{0, 7}, {8, 9}, {18, 5}};
#define TEXT_SIZE (sizeof TEXT - 1)
#define N_ITEMS 3

static zseg_buffer *g_buf;
static zseg_collection *g_coll;
static zseg_compressor *g_c;
static zseg_decompressor *g_d;
static zseg_collection *g_frames; /* g_buf's items compressed */
static zseg_slice g_items[N_ITEMS], g_frame_slices[N_ITEMS];
static uint64_t g_sizes[N_ITEMS];
static size_t g_items_total, g_frames_bound;
static zseg_buffer *g_samples; /* for dictionary training */
static char g_path[256];
static uint8_t *g_file;
static size_t g_file_size;
static zseg_seekable *g_seekable;
static const uint8_t RAW_DICT[] = "hostile arguments: a raw-content dictionary for the tests";

static int setup(void) {
    zseg_error err;
    size_t i;
    FILE *f;
    long len;
    if (zseg_buffer_new_copy(TEXT, TEXT_SIZE, TEXT_SEGMENTS, N_ITEMS, &g_buf, &err) != ZSEG_OK ||
        zseg_collection_new((const zseg_buffer *const *)&g_buf, 1, &g_coll, &err) != ZSEG_OK ||
        zseg_compressor_new(1, &g_c, &err) != ZSEG_OK ||
        zseg_decompressor_new(&g_d, &err) != ZSEG_OK ||
        zseg_compress_buffer(g_c, g_buf, NULL, &g_frames, &err) != ZSEG_OK) {
        fprintf(stderr, "setup failed: %s\n", err.message);
        return 0;
    }
    for (i = 0; i < N_ITEMS; i++) {
        if (zseg_buffer_get(g_buf, i, &g_items[i]) != ZSEG_OK ||
            zseg_collection_get(g_frames, i, &g_frame_slices[i]) != ZSEG_OK)
            return 0;
        g_sizes[i] = g_items[i].len;
        g_items_total += g_items[i].len;
    }
    g_frames_bound = zseg_compress_bound(g_items, N_ITEMS);

    /* 400 varied samples, enough for zstd's trainer. */
    {
        static uint8_t data[400 * 64];
        static zseg_segment segs[400];
        size_t at = 0;
        for (i = 0; i < 400; i++) {
            int n = snprintf((char *)data + at, 64, "{\"id\":%u,\"name\":\"user%u\",\"ok\":%s}",
                             (unsigned)(i * 7919u % 1000u), (unsigned)(i * 31u % 97u),
                             i % 3 ? "true" : "false");
            segs[i].offset = at;
            segs[i].length = (uint64_t)n;
            at += (size_t)n;
        }
        if (zseg_buffer_new_copy(data, at, segs, 400, &g_samples, &err) != ZSEG_OK) return 0;
    }

    snprintf(g_path, sizeof g_path, "/tmp/zseg_hostile_%ld.zst", (long)getpid());
    if (zseg_seekable_write(g_frames, g_path, 0, &err) != ZSEG_OK) {
        fprintf(stderr, "setup: seekable write failed: %s\n", err.message);
        return 0;
    }
    f = fopen(g_path, "rb");
    if (!f) return 0;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    g_file_size = (size_t)len;
    g_file = (uint8_t *)malloc(g_file_size);
    if (!g_file || fread(g_file, 1, g_file_size, f) != g_file_size) {
        fclose(f);
        return 0;
    }
    fclose(f);
    return zseg_seekable_open_memory(g_file, g_file_size, &g_seekable, &err) == ZSEG_OK;
}

static void teardown(void) {
    zseg_seekable_free(g_seekable);
    free(g_file);
    remove(g_path);
    zseg_buffer_free(g_samples);
    zseg_collection_free(g_frames);
    zseg_decompressor_free(g_d);
    zseg_compressor_free(g_c);
    zseg_collection_free(g_coll);
    zseg_buffer_free(g_buf);
}

/* ---- Checks on err and on out-pointers --------------------------------------------------- */

static void poison(zseg_error *err) { memset(err, 0x7f, sizeof *err); }

/* What a call wrote to err: the code returned; on failure a non-empty message NUL-terminated
 * within the 256 bytes; on success an empty message and item UINT64_MAX. */
static int error_consistent(const zseg_error *err, zseg_result rc) {
    if (err->code != rc) return 0;
    if (memchr(err->message, '\0', sizeof err->message) == NULL) return 0;
    if (rc == ZSEG_OK) return err->message[0] == '\0' && err->item == NO_ITEM;
    return err->message[0] != '\0' && strlen(err->message) < ZSEG_ERROR_MESSAGE_SIZE;
}

/* ---- The table --------------------------------------------------------------------------- */

/* One call of one function. `null_arg` is the index of the pointer argument passed as NULL
 * (NO_NULL for none); the wrapper presets every out-pointer to a sentinel, sets *touched when
 * any changed, and frees whatever a successful call handed out. */
typedef zseg_result (*call_fn)(int null_arg, zseg_error *err, int *touched);

typedef struct hostile_case {
    const char *function;
    call_fn call;
    zseg_result baseline;           /* with no NULL argument */
    const char *args[6];            /* the pointer arguments (err excluded), in order */
    zseg_result when_null[6];       /* the expected result with that argument NULL */
    int no_err;                     /* an accessor without a zseg_error parameter */
} hostile_case;

#define P(k, value) (null_arg == (k) ? NULL : (value))

static zseg_result call_buffer_new_copy(int null_arg, zseg_error *err, int *touched) {
    zseg_buffer *out = (zseg_buffer *)SENTINEL_PTR;
    zseg_result rc = zseg_buffer_new_copy(P(0, TEXT), TEXT_SIZE, P(1, TEXT_SEGMENTS), N_ITEMS,
                                          null_arg == 2 ? NULL : &out, err);
    *touched = out != (zseg_buffer *)SENTINEL_PTR;
    if (rc == ZSEG_OK) zseg_buffer_free(out);
    return rc;
}

static int g_released;
static void count_release(void *ctx) { (void)ctx; g_released++; }

static zseg_result call_buffer_new_borrowed(int null_arg, zseg_error *err, int *touched) {
    zseg_buffer *out = (zseg_buffer *)SENTINEL_PTR;
    zseg_result rc;
    int before = g_released;
    rc = zseg_buffer_new_borrowed(P(0, TEXT), TEXT_SIZE, P(1, TEXT_SEGMENTS), N_ITEMS,
                                  null_arg == 2 ? NULL : count_release, P(3, &g_released),
                                  null_arg == 4 ? NULL : &out, err);
    *touched = out != (zseg_buffer *)SENTINEL_PTR;
    if (rc != ZSEG_OK && g_released != before) *touched = 1; /* release ran on failure */
    if (rc == ZSEG_OK) zseg_buffer_free(out);
    return rc;
}

/* zseg_buffer_get and zseg_collection_get take no zseg_error (API.md): their wrappers record
 * the result in err themselves, named by zseg_result_str, so the table's checks apply. */
static zseg_result record(zseg_result rc, zseg_error *err) {
    if (err) {
        memset(err, 0, sizeof *err);
        err->code = rc;
        err->item = NO_ITEM;
        if (rc != ZSEG_OK) snprintf(err->message, sizeof err->message, "%s", zseg_result_str(rc));
    }
    return rc;
}

static zseg_result call_buffer_get(int null_arg, zseg_error *err, int *touched) {
    zseg_slice out = {(const uint8_t *)SENTINEL_PTR, SENTINEL_SIZE};
    zseg_result rc = zseg_buffer_get(P(0, g_buf), 1, null_arg == 1 ? NULL : &out);
    (void)err; /* takes none */
    *touched = out.ptr != (const uint8_t *)SENTINEL_PTR || out.len != SENTINEL_SIZE;
    return record(rc, err);
}

static zseg_result call_collection_new(int null_arg, zseg_error *err, int *touched) {
    const zseg_buffer *bufs[2];
    zseg_collection *out = (zseg_collection *)SENTINEL_PTR;
    zseg_result rc;
    bufs[0] = g_buf;
    bufs[1] = g_buf;
    rc = zseg_collection_new(P(0, bufs), 2, null_arg == 1 ? NULL : &out, err);
    *touched = out != (zseg_collection *)SENTINEL_PTR;
    if (rc == ZSEG_OK) zseg_collection_free(out);
    return rc;
}

static zseg_result call_collection_get(int null_arg, zseg_error *err, int *touched) {
    zseg_slice out = {(const uint8_t *)SENTINEL_PTR, SENTINEL_SIZE};
    zseg_result rc = zseg_collection_get(P(0, g_coll), 2, null_arg == 1 ? NULL : &out);
    (void)err; /* takes none */
    *touched = out.ptr != (const uint8_t *)SENTINEL_PTR || out.len != SENTINEL_SIZE;
    return record(rc, err);
}

static zseg_result call_compressor_new(int null_arg, zseg_error *err, int *touched) {
    zseg_compressor *out = (zseg_compressor *)SENTINEL_PTR;
    zseg_result rc = zseg_compressor_new(3, null_arg == 0 ? NULL : &out, err);
    *touched = out != (zseg_compressor *)SENTINEL_PTR;
    if (rc == ZSEG_OK) zseg_compressor_free(out);
    return rc;
}

/* Setters work on a private handle so that the fixtures keep their settings. */
static zseg_result call_compressor_set_param(int null_arg, zseg_error *err, int *touched) {
    zseg_compressor *c = NULL;
    zseg_result rc;
    *touched = 0;
    if (zseg_compressor_new(3, &c, NULL) != ZSEG_OK) return ZSEG_ERR_INTERNAL;
    rc = zseg_compressor_set_param(P(0, c), ZSEG_CPARAM_CHECKSUM, 1, err);
    zseg_compressor_free(c);
    return rc;
}

static zseg_result call_compressor_load_dictionary(int null_arg, zseg_error *err, int *touched) {
    zseg_compressor *c = NULL;
    zseg_result rc;
    *touched = 0;
    if (zseg_compressor_new(3, &c, NULL) != ZSEG_OK) return ZSEG_ERR_INTERNAL;
    rc = zseg_compressor_load_dictionary(P(0, c), P(1, RAW_DICT), sizeof RAW_DICT, err);
    zseg_compressor_free(c);
    return rc;
}

static zseg_batch_options g_opts;

static zseg_result call_compress_slices(int null_arg, zseg_error *err, int *touched) {
    zseg_collection *out = (zseg_collection *)SENTINEL_PTR;
    zseg_result rc = zseg_compress_slices(P(0, g_c), P(1, g_items), N_ITEMS, P(2, &g_opts),
                                          null_arg == 3 ? NULL : &out, err);
    *touched = out != (zseg_collection *)SENTINEL_PTR;
    if (rc == ZSEG_OK) zseg_collection_free(out);
    return rc;
}

static zseg_result call_compress_buffer(int null_arg, zseg_error *err, int *touched) {
    zseg_collection *out = (zseg_collection *)SENTINEL_PTR;
    zseg_result rc = zseg_compress_buffer(P(0, g_c), P(1, g_buf), P(2, &g_opts),
                                          null_arg == 3 ? NULL : &out, err);
    *touched = out != (zseg_collection *)SENTINEL_PTR;
    if (rc == ZSEG_OK) zseg_collection_free(out);
    return rc;
}

static zseg_result call_compress_collection(int null_arg, zseg_error *err, int *touched) {
    zseg_collection *out = (zseg_collection *)SENTINEL_PTR;
    zseg_result rc = zseg_compress_collection(P(0, g_c), P(1, g_coll), P(2, &g_opts),
                                              null_arg == 3 ? NULL : &out, err);
    *touched = out != (zseg_collection *)SENTINEL_PTR;
    if (rc == ZSEG_OK) zseg_collection_free(out);
    return rc;
}

static zseg_result call_compress_slices_into(int null_arg, zseg_error *err, int *touched) {
    static uint8_t dst[4096];
    zseg_segment segs[N_ITEMS];
    size_t used = SENTINEL_SIZE, i;
    zseg_result rc;
    memset(segs, 0x5e, sizeof segs);
    rc = zseg_compress_slices_into(P(0, g_c), P(1, g_items), N_ITEMS, P(2, &g_opts), P(3, dst),
                                   sizeof dst, P(4, segs), null_arg == 5 ? NULL : &used, err);
    *touched = used != SENTINEL_SIZE;
    for (i = 0; i < N_ITEMS; i++)
        if (segs[i].offset != SENTINEL_U64 || segs[i].length != SENTINEL_U64) *touched = 1;
    return rc;
}

static zseg_result call_train_dictionary(int null_arg, zseg_error *err, int *touched) {
    static uint8_t dict[1024];
    size_t size = SENTINEL_SIZE;
    zseg_result rc = zseg_train_dictionary(P(0, g_samples), P(1, dict), sizeof dict,
                                           null_arg == 2 ? NULL : &size, err);
    *touched = size != SENTINEL_SIZE;
    return rc;
}

static zseg_result call_decompressor_new(int null_arg, zseg_error *err, int *touched) {
    zseg_decompressor *out = (zseg_decompressor *)SENTINEL_PTR;
    zseg_result rc = zseg_decompressor_new(null_arg == 0 ? NULL : &out, err);
    *touched = out != (zseg_decompressor *)SENTINEL_PTR;
    if (rc == ZSEG_OK) zseg_decompressor_free(out);
    return rc;
}

static zseg_result call_decompressor_load_dictionary(int null_arg, zseg_error *err, int *touched) {
    zseg_decompressor *d = NULL;
    zseg_result rc;
    *touched = 0;
    if (zseg_decompressor_new(&d, NULL) != ZSEG_OK) return ZSEG_ERR_INTERNAL;
    rc = zseg_decompressor_load_dictionary(P(0, d), P(1, RAW_DICT), sizeof RAW_DICT, err);
    zseg_decompressor_free(d);
    return rc;
}

static zseg_result call_set_max_item_size(int null_arg, zseg_error *err, int *touched) {
    zseg_decompressor *d = NULL;
    zseg_result rc;
    *touched = 0;
    if (zseg_decompressor_new(&d, NULL) != ZSEG_OK) return ZSEG_ERR_INTERNAL;
    rc = zseg_decompressor_set_max_item_size(P(0, d), 1000, err);
    zseg_decompressor_free(d);
    return rc;
}

static zseg_result call_set_max_total_size(int null_arg, zseg_error *err, int *touched) {
    zseg_decompressor *d = NULL;
    zseg_result rc;
    *touched = 0;
    if (zseg_decompressor_new(&d, NULL) != ZSEG_OK) return ZSEG_ERR_INTERNAL;
    rc = zseg_decompressor_set_max_total_size(P(0, d), 1000, err);
    zseg_decompressor_free(d);
    return rc;
}

static zseg_result call_decompressor_set_param(int null_arg, zseg_error *err, int *touched) {
    zseg_decompressor *d = NULL;
    zseg_result rc;
    *touched = 0;
    if (zseg_decompressor_new(&d, NULL) != ZSEG_OK) return ZSEG_ERR_INTERNAL;
    rc = zseg_decompressor_set_param(P(0, d), ZSEG_DPARAM_WINDOW_LOG_MAX, 20, err);
    zseg_decompressor_free(d);
    return rc;
}

static zseg_result call_decompress_slices(int null_arg, zseg_error *err, int *touched) {
    zseg_collection *out = (zseg_collection *)SENTINEL_PTR;
    zseg_result rc = zseg_decompress_slices(P(0, g_d), P(1, g_frame_slices), N_ITEMS,
                                            P(2, g_sizes), P(3, &g_opts),
                                            null_arg == 4 ? NULL : &out, err);
    *touched = out != (zseg_collection *)SENTINEL_PTR;
    if (rc == ZSEG_OK) zseg_collection_free(out);
    return rc;
}

static zseg_result call_decompress_buffer(int null_arg, zseg_error *err, int *touched) {
    zseg_collection *out = (zseg_collection *)SENTINEL_PTR;
    const zseg_buffer *frames = zseg_collection_buffer(g_frames, 0);
    zseg_result rc;
    if (zseg_collection_buffer_count(g_frames) != 1) return ZSEG_ERR_INTERNAL; /* fixture */
    rc = zseg_decompress_buffer(P(0, g_d), P(1, frames), P(2, g_sizes), P(3, &g_opts),
                                null_arg == 4 ? NULL : &out, err);
    *touched = out != (zseg_collection *)SENTINEL_PTR;
    if (rc == ZSEG_OK) zseg_collection_free(out);
    return rc;
}

static zseg_result call_decompress_collection(int null_arg, zseg_error *err, int *touched) {
    zseg_collection *out = (zseg_collection *)SENTINEL_PTR;
    zseg_result rc = zseg_decompress_collection(P(0, g_d), P(1, g_frames), P(2, g_sizes),
                                                P(3, &g_opts), null_arg == 4 ? NULL : &out, err);
    *touched = out != (zseg_collection *)SENTINEL_PTR;
    if (rc == ZSEG_OK) zseg_collection_free(out);
    return rc;
}

static zseg_result call_decompress_slices_into(int null_arg, zseg_error *err, int *touched) {
    static uint8_t dst[4096];
    zseg_segment segs[N_ITEMS];
    size_t used = SENTINEL_SIZE, i;
    zseg_result rc;
    memset(segs, 0x5e, sizeof segs);
    rc = zseg_decompress_slices_into(P(0, g_d), P(1, g_frame_slices), N_ITEMS, P(2, g_sizes),
                                     P(3, &g_opts), P(4, dst), g_items_total, P(5, segs),
                                     null_arg == 6 ? NULL : &used, err);
    *touched = used != SENTINEL_SIZE;
    for (i = 0; i < N_ITEMS; i++)
        if (segs[i].offset != SENTINEL_U64 || segs[i].length != SENTINEL_U64) *touched = 1;
    return rc;
}

static zseg_result call_frame_content_size(int null_arg, zseg_error *err, int *touched) {
    uint64_t out = SENTINEL_U64;
    zseg_result rc = zseg_frame_content_size(P(0, g_frame_slices[1].ptr), g_frame_slices[1].len,
                                             null_arg == 1 ? NULL : &out, err);
    *touched = out != SENTINEL_U64;
    return rc;
}

static zseg_result call_seekable_write(int null_arg, zseg_error *err, int *touched) {
    char path[300];
    zseg_result rc;
    snprintf(path, sizeof path, "%s.write", g_path);
    rc = zseg_seekable_write(P(0, g_frames), P(1, path), 0, err);
    *touched = 0;
    remove(path);
    return rc;
}

static zseg_result call_seekable_open(int null_arg, zseg_error *err, int *touched) {
    zseg_seekable *out = (zseg_seekable *)SENTINEL_PTR;
    zseg_result rc = zseg_seekable_open(P(0, g_path), null_arg == 1 ? NULL : &out, err);
    *touched = out != (zseg_seekable *)SENTINEL_PTR;
    if (rc == ZSEG_OK) zseg_seekable_free(out);
    return rc;
}

static zseg_result call_seekable_get(int null_arg, zseg_error *err, int *touched) {
    zseg_slice frame = {(const uint8_t *)SENTINEL_PTR, SENTINEL_SIZE};
    uint64_t size = SENTINEL_U64;
    zseg_result rc = zseg_seekable_get(P(0, g_seekable), 2, null_arg == 1 ? NULL : &frame,
                                       null_arg == 2 ? NULL : &size, err);
    *touched = frame.ptr != (const uint8_t *)SENTINEL_PTR || frame.len != SENTINEL_SIZE ||
               size != SENTINEL_U64;
    return rc;
}

static zseg_result call_seekable_open_memory(int null_arg, zseg_error *err, int *touched) {
    zseg_seekable *out = (zseg_seekable *)SENTINEL_PTR;
    zseg_result rc = zseg_seekable_open_memory(P(0, g_file), g_file_size,
                                               null_arg == 1 ? NULL : &out, err);
    *touched = out != (zseg_seekable *)SENTINEL_PTR;
    if (rc == ZSEG_OK) zseg_seekable_free(out);
    return rc;
}

#define OK ZSEG_OK
#define NUL ZSEG_ERR_NULL

/* Every fallible function with a pointer argument. Optional pointers (opts, sizes, release,
 * release_ctx) give the baseline result when NULL; err is NULL-tested for every row. */
static const hostile_case CASES[] = {
    {"zseg_buffer_new_copy", call_buffer_new_copy, OK, {"data", "segments", "out"}, {NUL, NUL, NUL}, 0},
    {"zseg_buffer_new_borrowed", call_buffer_new_borrowed, OK,
     {"data", "segments", "release", "release_ctx", "out"}, {NUL, NUL, OK, OK, NUL}, 0},
    {"zseg_buffer_get", call_buffer_get, OK, {"buf", "out"}, {NUL, NUL}, 1},
    {"zseg_collection_new", call_collection_new, OK, {"buffers", "out"}, {NUL, NUL}, 0},
    {"zseg_collection_get", call_collection_get, OK, {"c", "out"}, {NUL, NUL}, 1},
    {"zseg_compressor_new", call_compressor_new, OK, {"out"}, {NUL}, 0},
    {"zseg_compressor_set_param", call_compressor_set_param, OK, {"c"}, {NUL}, 0},
    {"zseg_compressor_load_dictionary", call_compressor_load_dictionary, OK, {"c", "dict"},
     {NUL, NUL}, 0},
    {"zseg_compress_slices", call_compress_slices, OK, {"c", "items", "opts", "out"},
     {NUL, NUL, OK, NUL}, 0},
    {"zseg_compress_buffer", call_compress_buffer, OK, {"c", "in", "opts", "out"},
     {NUL, NUL, OK, NUL}, 0},
    {"zseg_compress_collection", call_compress_collection, OK, {"c", "in", "opts", "out"},
     {NUL, NUL, OK, NUL}, 0},
    {"zseg_compress_slices_into", call_compress_slices_into, OK,
     {"c", "items", "opts", "dst", "segments_out", "dst_used"}, {NUL, NUL, OK, NUL, NUL, NUL}, 0},
    {"zseg_train_dictionary", call_train_dictionary, OK, {"samples", "dict", "dict_size"},
     {NUL, NUL, NUL}, 0},
    {"zseg_decompressor_new", call_decompressor_new, OK, {"out"}, {NUL}, 0},
    {"zseg_decompressor_load_dictionary", call_decompressor_load_dictionary, OK, {"d", "dict"},
     {NUL, NUL}, 0},
    {"zseg_decompressor_set_max_item_size", call_set_max_item_size, OK, {"d"}, {NUL}, 0},
    {"zseg_decompressor_set_max_total_size", call_set_max_total_size, OK, {"d"}, {NUL}, 0},
    {"zseg_decompressor_set_param", call_decompressor_set_param, OK, {"d"}, {NUL}, 0},
    {"zseg_decompress_slices", call_decompress_slices, OK, {"d", "frames", "sizes", "opts", "out"},
     {NUL, NUL, OK, OK, NUL}, 0},
    {"zseg_decompress_buffer", call_decompress_buffer, OK, {"d", "in", "sizes", "opts", "out"},
     {NUL, NUL, OK, OK, NUL}, 0},
    {"zseg_decompress_collection", call_decompress_collection, OK,
     {"d", "in", "sizes", "opts", "out"}, {NUL, NUL, OK, OK, NUL}, 0},
    {"zseg_decompress_slices_into", call_decompress_slices_into, OK,
     {"d", "frames", "sizes", "opts", "dst"}, {NUL, NUL, OK, OK, NUL}, 0},
    {"zseg_frame_content_size", call_frame_content_size, OK, {"frame", "out"}, {NUL, NUL}, 0},
    {"zseg_seekable_write", call_seekable_write, OK, {"frames", "path"}, {NUL, NUL}, 0},
    {"zseg_seekable_open", call_seekable_open, OK, {"path", "out"}, {NUL, NUL}, 0},
    {"zseg_seekable_open_memory", call_seekable_open_memory, OK, {"data", "out"}, {NUL, NUL}, 0},
    /* Either out-pointer may be NULL when not wanted. */
    {"zseg_seekable_get", call_seekable_get, OK, {"s", "frame", "size"}, {NUL, OK, OK}, 0},
};

/* zseg_decompress_slices_into has 7 pointer arguments: the last two get their own rows. */
static zseg_result call_decompress_slices_into_tail(int null_arg, zseg_error *err, int *touched) {
    return call_decompress_slices_into(null_arg < 0 ? NO_NULL : null_arg + 5, err, touched);
}
static const hostile_case CASES_TAIL[] = {
    {"zseg_decompress_slices_into", call_decompress_slices_into_tail, OK,
     {"segments_out", "dst_used"}, {NUL, NUL}, 0},
};

static void run_case(const hostile_case *hc) {
    int k, touched;
    zseg_error err;
    zseg_result rc;

    poison(&err);
    rc = hc->call(NO_NULL, &err, &touched);
    if (rc != hc->baseline || (!hc->no_err && !error_consistent(&err, rc)))
        CHECK_FAIL_("%s with valid arguments returned %s, expected %s (err: code %u, \"%.80s\")",
                    hc->function, zseg_result_str(rc), zseg_result_str(hc->baseline),
                    (unsigned)err.code, err.message);

    rc = hc->call(NO_NULL, NULL, &touched);
    if (rc != hc->baseline)
        CHECK_FAIL_("%s with err NULL returned %s, expected %s", hc->function,
                    zseg_result_str(rc), zseg_result_str(hc->baseline));

    for (k = 0; k < 6 && hc->args[k]; k++) {
        zseg_result want = hc->when_null[k];
        poison(&err);
        touched = 0;
        rc = hc->call(k, &err, &touched);
        if (rc != want)
            CHECK_FAIL_("%s(%s = NULL) returned %s, expected %s: %.100s", hc->function,
                        hc->args[k], zseg_result_str(rc), zseg_result_str(want), err.message);
        if (!hc->no_err && !error_consistent(&err, rc))
            CHECK_FAIL_("%s(%s = NULL): err not filled as the result %s (code %u, message "
                        "\"%.60s\")",
                        hc->function, hc->args[k], zseg_result_str(rc), (unsigned)err.code,
                        err.message);
        if (rc != ZSEG_OK && rc != ZSEG_ERR_PARTIAL && touched)
            CHECK_FAIL_("%s(%s = NULL) failed with %s but wrote an out-pointer", hc->function,
                        hc->args[k], zseg_result_str(rc));
        if (!hc->no_err && rc == ZSEG_ERR_NULL && err.item != NO_ITEM)
            CHECK_FAIL_("%s(%s = NULL): err.item %llu, expected UINT64_MAX", hc->function,
                        hc->args[k], (unsigned long long)err.item);
        /* And again without err: the same result. */
        if (hc->call(k, NULL, &touched) != want)
            CHECK_FAIL_("%s(%s = NULL, err = NULL) returned another result", hc->function,
                        hc->args[k]);
    }
}

static void every_pointer_argument_null_gives_the_documented_result(void) {
    size_t i;
    zseg_batch_options_init(&g_opts);
    g_opts.threads = 2;
    for (i = 0; i < COUNT_OF(CASES); i++) run_case(&CASES[i]);
    for (i = 0; i < COUNT_OF(CASES_TAIL); i++) run_case(&CASES_TAIL[i]);
}

/* ---- Functions without a result: NULL is a no-op, 0 or NULL -------------------------------- */

static void infallible_functions_accept_null(void) {
    zseg_buffer_free(NULL);
    zseg_collection_free(NULL);
    zseg_compressor_free(NULL);
    zseg_decompressor_free(NULL);
    zseg_seekable_free(NULL);
    zseg_batch_options_init(NULL);
    CHECK_EQ_U64(zseg_buffer_size(NULL), 0);
    CHECK_EQ_U64(zseg_buffer_count(NULL), 0);
    CHECK(zseg_buffer_data(NULL) == NULL);
    CHECK(zseg_buffer_segments(NULL) == NULL);
    CHECK_EQ_U64(zseg_collection_count(NULL), 0);
    CHECK_EQ_U64(zseg_collection_size(NULL), 0);
    CHECK_EQ_U64(zseg_collection_buffer_count(NULL), 0);
    CHECK(zseg_collection_buffer(NULL, 0) == NULL);
    CHECK(zseg_collection_buffer(NULL, SIZE_MAX) == NULL);
    CHECK_EQ_U64(zseg_compressor_memory_size(NULL), 0);
    CHECK_EQ_U64(zseg_decompressor_memory_size(NULL), 0);
    CHECK(zseg_seekable_frames(NULL) == NULL);
    CHECK(zseg_seekable_sizes(NULL) == NULL);
    CHECK_EQ_U64(zseg_seekable_count(NULL), 0);
    CHECK_EQ_U64(zseg_compress_bound(NULL, 0), 0);
    CHECK_EQ_U64(zseg_compress_bound(NULL, 1), SIZE_MAX);
    CHECK_EQ_U64(zseg_compress_bound(NULL, SIZE_MAX), SIZE_MAX);
    CHECK(zseg_version() != NULL && strcmp(zseg_version(), ZSEG_VERSION_STRING) == 0);
    CHECK(zseg_zstd_version() >= 10400);
    /* The fixtures answer as built. */
    CHECK_EQ_U64(zseg_collection_buffer_count(g_coll), 1);
    CHECK(zseg_collection_buffer(g_coll, 1) == NULL);
    CHECK(zseg_collection_buffer(g_coll, SIZE_MAX) == NULL);
    CHECK(zseg_seekable_frames(g_seekable) != NULL);
    CHECK(zseg_seekable_sizes(g_seekable) != NULL);
    CHECK_EQ_U64(zseg_seekable_count(g_seekable), N_ITEMS);
}

static void result_names_cover_every_code_and_nothing_else(void) {
    zseg_result code;
    const zseg_result unknown[] = {16, 99, 999, 0x7fffffffu, UINT32_MAX};
    size_t i;
    for (code = ZSEG_OK; code <= ZSEG_ERR_IO; code++) {
        const char *s = zseg_result_str(code);
        CHECK(s != NULL && strncmp(s, "ZSEG_", 5) == 0);
    }
    CHECK_EQ_STR(zseg_result_str(ZSEG_ERR_NULL), "ZSEG_ERR_NULL");
    for (i = 0; i < COUNT_OF(unknown); i++) CHECK_EQ_STR(zseg_result_str(unknown[i]), "unknown result");
}

/* ---- Sizes, indices and enum values ------------------------------------------------------- */

/* Expects `call` to return want and err to be consistent with it (and item as given). */
#define EXPECT(call, want, want_item)                                                            \
    do {                                                                                         \
        zseg_error e_;                                                                           \
        zseg_result rc_;                                                                         \
        poison(&e_);                                                                             \
        rc_ = (call);                                                                            \
        if (rc_ != (want))                                                                       \
            CHECK_FAIL_("%s returned %s, expected %s: %.120s", #call, zseg_result_str(rc_),      \
                        zseg_result_str(want), e_.message);                                      \
        else if (!error_consistent(&e_, rc_))                                                    \
            CHECK_FAIL_("%s: err not filled as %s", #call, zseg_result_str(rc_));                \
        else if (rc_ != ZSEG_OK && (uint64_t)(want_item) != ANY_ITEM &&                          \
                 (uint64_t)(want_item) != e_.item)                                               \
            CHECK_FAIL_("%s: err.item %llu, expected %llu", #call,                               \
                        (unsigned long long)e_.item, (unsigned long long)(want_item));           \
    } while (0)
#define E (&e_)

/* The same for an accessor that takes no zseg_error: the result code says all. */
#define EXPECT_RC(call, want)                                                                    \
    do {                                                                                         \
        zseg_result rc_ = (call);                                                                \
        if (rc_ != (want))                                                                       \
            CHECK_FAIL_("%s returned %s, expected %s", #call, zseg_result_str(rc_),              \
                        zseg_result_str(want));                                                  \
    } while (0)

static void maximal_sizes_are_rejected_without_reading(void) {
    zseg_buffer *buf = (zseg_buffer *)SENTINEL_PTR;
    zseg_collection *coll = (zseg_collection *)SENTINEL_PTR;
    zseg_seekable *sk = (zseg_seekable *)SENTINEL_PTR;
    const zseg_buffer *bufs[1];
    zseg_slice huge[2];
    uint8_t dst[64];
    zseg_segment segs[2];
    size_t used = SENTINEL_SIZE, dict_size = SENTINEL_SIZE;
    uint64_t cs = SENTINEL_U64;
    bufs[0] = g_buf;
    huge[0] = g_items[0];
    huge[1].ptr = TEXT;
    huge[1].len = SIZE_MAX;

    /* A size no object can have (over PTRDIFF_MAX) is refused before anything is read. */
    EXPECT(zseg_buffer_new_copy(TEXT, SIZE_MAX, NULL, 0, &buf, E), ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    EXPECT(zseg_buffer_new_copy(TEXT, TEXT_SIZE, TEXT_SEGMENTS, SIZE_MAX, &buf, E),
           ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    EXPECT(zseg_buffer_new_borrowed(TEXT, SIZE_MAX, NULL, 0, NULL, NULL, &buf, E),
           ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    CHECK(buf == (zseg_buffer *)SENTINEL_PTR);
    EXPECT(zseg_collection_new(bufs, SIZE_MAX, &coll, E), ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    EXPECT(zseg_compress_slices(g_c, g_items, SIZE_MAX, NULL, &coll, E), ZSEG_ERR_INVALID_ARGUMENT,
           NO_ITEM);
    EXPECT(zseg_compress_slices(g_c, huge, 2, NULL, &coll, E), ZSEG_ERR_INVALID_ARGUMENT, 1);
    EXPECT(zseg_decompress_slices(g_d, g_frame_slices, SIZE_MAX, NULL, NULL, &coll, E),
           ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    EXPECT(zseg_decompress_slices(g_d, huge, 2, NULL, NULL, &coll, E), ZSEG_ERR_INVALID_ARGUMENT, 1);
    CHECK(coll == (zseg_collection *)SENTINEL_PTR);
    CHECK_EQ_U64(zseg_compress_bound(huge, 2), SIZE_MAX);
    EXPECT(zseg_compress_slices_into(g_c, g_items, N_ITEMS, NULL, dst, SIZE_MAX, segs, &used, E),
           ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    EXPECT(zseg_decompress_slices_into(g_d, g_frame_slices, N_ITEMS, NULL, NULL, dst, SIZE_MAX,
                                       segs, &used, E),
           ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    EXPECT(zseg_compress_slices_into(g_c, g_items, SIZE_MAX, NULL, dst, sizeof dst, segs, &used, E),
           ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    CHECK_EQ_U64(used, SENTINEL_SIZE);
    EXPECT(zseg_compressor_load_dictionary(g_c, RAW_DICT, SIZE_MAX, E), ZSEG_ERR_INVALID_ARGUMENT,
           NO_ITEM);
    EXPECT(zseg_decompressor_load_dictionary(g_d, RAW_DICT, SIZE_MAX, E), ZSEG_ERR_INVALID_ARGUMENT,
           NO_ITEM);
    EXPECT(zseg_train_dictionary(g_samples, dst, SIZE_MAX, &dict_size, E), ZSEG_ERR_INVALID_ARGUMENT,
           NO_ITEM);
    CHECK_EQ_U64(dict_size, SENTINEL_SIZE);
    EXPECT(zseg_frame_content_size(g_frame_slices[0].ptr, SIZE_MAX, &cs, E),
           ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    EXPECT(zseg_seekable_open_memory(g_file, SIZE_MAX, &sk, E), ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    CHECK(sk == (zseg_seekable *)SENTINEL_PTR);
    CHECK_EQ_U64(cs, SENTINEL_U64);
}

static void zero_sizes_are_empty_inputs(void) {
    zseg_buffer *buf = NULL;
    zseg_collection *coll = NULL;
    zseg_seekable *sk = (zseg_seekable *)SENTINEL_PTR;
    uint8_t dict[8];
    size_t used = SENTINEL_SIZE, dict_size = SENTINEL_SIZE;
    uint64_t cs = SENTINEL_U64;
    zseg_compressor *c = NULL;
    zseg_decompressor *d = NULL;

    EXPECT(zseg_buffer_new_copy(NULL, 0, NULL, 0, &buf, E), ZSEG_OK, NO_ITEM);
    CHECK_EQ_U64(zseg_buffer_count(buf), 0);
    CHECK(zseg_buffer_data(buf) == NULL && zseg_buffer_segments(buf) == NULL);
    EXPECT(zseg_compress_buffer(g_c, buf, NULL, &coll, E), ZSEG_OK, NO_ITEM);
    CHECK_EQ_U64(zseg_collection_count(coll), 0);
    zseg_collection_free(coll);
    coll = NULL;
    EXPECT(zseg_decompress_buffer(g_d, buf, NULL, NULL, &coll, E), ZSEG_OK, NO_ITEM);
    CHECK_EQ_U64(zseg_collection_count(coll), 0);
    zseg_collection_free(coll);
    zseg_buffer_free(buf);
    EXPECT(zseg_collection_new(NULL, 0, &coll, E), ZSEG_OK, NO_ITEM);
    CHECK_EQ_U64(zseg_collection_count(coll), 0);
    CHECK_EQ_U64(zseg_collection_size(coll), 0);
    CHECK(zseg_collection_buffer(coll, 0) == NULL);
    EXPECT(zseg_compress_collection(g_c, coll, NULL, (zseg_collection **)&buf, E), ZSEG_OK, NO_ITEM);
    zseg_collection_free((zseg_collection *)buf);
    zseg_collection_free(coll);
    coll = NULL;
    EXPECT(zseg_compress_slices(g_c, NULL, 0, NULL, &coll, E), ZSEG_OK, NO_ITEM);
    zseg_collection_free(coll);
    coll = NULL;
    EXPECT(zseg_decompress_slices(g_d, NULL, 0, NULL, NULL, &coll, E), ZSEG_OK, NO_ITEM);
    zseg_collection_free(coll);
    EXPECT(zseg_compress_slices_into(g_c, NULL, 0, NULL, NULL, 0, NULL, &used, E), ZSEG_OK, NO_ITEM);
    CHECK_EQ_U64(used, 0);
    used = SENTINEL_SIZE;
    EXPECT(zseg_decompress_slices_into(g_d, NULL, 0, NULL, NULL, NULL, 0, NULL, &used, E), ZSEG_OK,
           NO_ITEM);
    CHECK_EQ_U64(used, 0);
    /* Items need capacity: 0 bytes of dst cannot hold them. */
    used = SENTINEL_SIZE;
    EXPECT(zseg_compress_slices_into(g_c, g_items, N_ITEMS, NULL, NULL, 0, NULL, &used, E),
           ZSEG_ERR_NULL, NO_ITEM); /* segments_out NULL with n = 3 */
    {
        zseg_segment segs[N_ITEMS];
        EXPECT(zseg_compress_slices_into(g_c, g_items, N_ITEMS, NULL, NULL, 0, segs, &used, E),
               ZSEG_ERR_DST_TOO_SMALL, NO_ITEM);
        EXPECT(zseg_decompress_slices_into(g_d, g_frame_slices, N_ITEMS, NULL, NULL, NULL, 0, segs,
                                           &used, E),
               ZSEG_ERR_DST_TOO_SMALL, NO_ITEM);
        EXPECT(zseg_decompress_slices_into(g_d, g_frame_slices, N_ITEMS, NULL, NULL, (uint8_t *)dict,
                                           g_items_total - 1 < sizeof dict ? g_items_total - 1 : sizeof dict,
                                           segs, &used, E),
               ZSEG_ERR_DST_TOO_SMALL, NO_ITEM);
    }
    CHECK_EQ_U64(used, SENTINEL_SIZE);
    /* An empty dictionary removes the dictionary; NULL is fine with size 0. */
    if (zseg_compressor_new(0, &c, NULL) == ZSEG_OK && zseg_decompressor_new(&d, NULL) == ZSEG_OK) {
        EXPECT(zseg_compressor_load_dictionary(c, NULL, 0, E), ZSEG_OK, NO_ITEM);
        EXPECT(zseg_decompressor_load_dictionary(d, NULL, 0, E), ZSEG_OK, NO_ITEM);
        EXPECT(zseg_decompressor_set_max_item_size(d, 0, E), ZSEG_OK, NO_ITEM);
        /* Now every non-empty item is over the limit. */
        EXPECT(zseg_decompress_slices(d, g_frame_slices, N_ITEMS, NULL, NULL, &coll, E),
               ZSEG_ERR_LIMIT, 0);
        EXPECT(zseg_decompressor_set_max_item_size(d, UINT64_MAX, E), ZSEG_OK, NO_ITEM);
        EXPECT(zseg_decompressor_set_max_total_size(d, 0, E), ZSEG_OK, NO_ITEM);
        EXPECT(zseg_decompress_slices(d, g_frame_slices, N_ITEMS, NULL, NULL, &coll, E),
               ZSEG_ERR_LIMIT, NO_ITEM);
        EXPECT(zseg_decompressor_set_max_total_size(d, UINT64_MAX, E), ZSEG_OK, NO_ITEM);
        coll = NULL;
        EXPECT(zseg_decompress_slices(d, g_frame_slices, N_ITEMS, NULL, NULL, &coll, E), ZSEG_OK,
               NO_ITEM);
        zseg_collection_free(coll);
    }
    zseg_compressor_free(c);
    zseg_decompressor_free(d);
    /* Training with no capacity, no samples; a frame of 0 bytes; a file of 0 bytes. */
    EXPECT(zseg_train_dictionary(g_samples, NULL, 0, &dict_size, E), ZSEG_ERR_DST_TOO_SMALL, NO_ITEM);
    CHECK_EQ_U64(dict_size, SENTINEL_SIZE);
    EXPECT(zseg_frame_content_size(NULL, 0, &cs, E), ZSEG_ERR_ZSTD, NO_ITEM);
    EXPECT(zseg_frame_content_size(g_frame_slices[0].ptr, 0, &cs, E), ZSEG_ERR_ZSTD, NO_ITEM);
    EXPECT(zseg_frame_content_size(g_frame_slices[0].ptr, 3, &cs, E), ZSEG_ERR_ZSTD, NO_ITEM);
    CHECK_EQ_U64(cs, SENTINEL_U64);
    EXPECT(zseg_seekable_open_memory(NULL, 0, &sk, E), ZSEG_ERR_ZSTD, NO_ITEM);
    CHECK(sk == (zseg_seekable *)SENTINEL_PTR);
}

static void indices_out_of_range_are_index_errors(void) {
    const size_t bad[] = {N_ITEMS, N_ITEMS + 1, SIZE_MAX / 2, SIZE_MAX - 1, SIZE_MAX};
    size_t i;
    for (i = 0; i < COUNT_OF(bad); i++) {
        zseg_slice out = {(const uint8_t *)SENTINEL_PTR, SENTINEL_SIZE};
        CHECK_RC(zseg_buffer_get(g_buf, bad[i], &out), ZSEG_ERR_INDEX);
        CHECK_RC(zseg_collection_get(g_coll, bad[i], &out), ZSEG_ERR_INDEX);
        CHECK_RC(zseg_collection_get(g_frames, bad[i], &out), ZSEG_ERR_INDEX);
        CHECK(out.ptr == (const uint8_t *)SENTINEL_PTR && out.len == SENTINEL_SIZE);
        CHECK(zseg_collection_buffer(g_coll, bad[i]) == NULL);
        {
            uint64_t size = SENTINEL_U64;
            EXPECT(zseg_seekable_get(g_seekable, bad[i], &out, &size, E), ZSEG_ERR_INDEX, NO_ITEM);
            EXPECT(zseg_seekable_get(g_seekable, bad[i], NULL, NULL, E), ZSEG_ERR_INDEX, NO_ITEM);
            CHECK(size == SENTINEL_U64 && out.ptr == (const uint8_t *)SENTINEL_PTR);
        }
    }
}

static void out_of_range_enums_levels_and_flags_are_invalid_arguments(void) {
    const uint32_t bad_params[] = {0, 8, 99, 0x7fffffffu, UINT32_MAX};
    const uint32_t bad_dparams[] = {0, 3, 99, UINT32_MAX};
    const int bad_levels[] = {99, 23, INT_MAX, INT_MIN, -200000};
    struct { uint32_t param; int64_t value; } bad_values[] = {
        {ZSEG_CPARAM_CHECKSUM, 2}, {ZSEG_CPARAM_CHECKSUM, -1}, {ZSEG_CPARAM_CONTENT_SIZE, INT64_MAX},
        {ZSEG_CPARAM_DICT_ID, INT64_MIN}, {ZSEG_CPARAM_WINDOW_LOG, 9}, {ZSEG_CPARAM_WINDOW_LOG, 32},
        {ZSEG_CPARAM_WINDOW_LOG, -1}, {ZSEG_CPARAM_WINDOW_LOG, (int64_t)1 << 32},
        {ZSEG_CPARAM_STRATEGY, 10}, {ZSEG_CPARAM_STRATEGY, -1}, {ZSEG_CPARAM_LONG_DISTANCE, 2},
        {ZSEG_CPARAM_MAGICLESS, 256}, {ZSEG_CPARAM_MAGICLESS, INT64_MAX},
    };
    struct { uint32_t param; int64_t value; } bad_dvalues[] = {
        {ZSEG_DPARAM_WINDOW_LOG_MAX, 9}, {ZSEG_DPARAM_WINDOW_LOG_MAX, 32},
        {ZSEG_DPARAM_WINDOW_LOG_MAX, -1}, {ZSEG_DPARAM_WINDOW_LOG_MAX, INT64_MIN},
        {ZSEG_DPARAM_WINDOW_LOG_MAX, ((int64_t)1 << 32) + 20}, {ZSEG_DPARAM_MAGICLESS, 2},
        {ZSEG_DPARAM_MAGICLESS, -1},
    };
    zseg_compressor *c = (zseg_compressor *)SENTINEL_PTR;
    zseg_decompressor *d = NULL;
    zseg_collection *out = NULL;
    size_t i;
    uint32_t flags[] = {2, 3, 0x80000000u, UINT32_MAX};
    char path[300];

    for (i = 0; i < COUNT_OF(bad_levels); i++)
        EXPECT(zseg_compressor_new(bad_levels[i], &c, E), ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    CHECK(c == (zseg_compressor *)SENTINEL_PTR);
    REQUIRE_OK(zseg_compressor_new(0, &c, CHECK_ERR));
    REQUIRE_OK(zseg_decompressor_new(&d, CHECK_ERR));
    for (i = 0; i < COUNT_OF(bad_params); i++) {
        EXPECT(zseg_compressor_set_param(c, bad_params[i], 0, E), ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
        EXPECT(zseg_compressor_set_param(c, bad_params[i], 1, E), ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    }
    for (i = 0; i < COUNT_OF(bad_dparams); i++)
        EXPECT(zseg_decompressor_set_param(d, bad_dparams[i], 0, E), ZSEG_ERR_INVALID_ARGUMENT,
               NO_ITEM);
    for (i = 0; i < COUNT_OF(bad_values); i++)
        EXPECT(zseg_compressor_set_param(c, bad_values[i].param, bad_values[i].value, E),
               ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    for (i = 0; i < COUNT_OF(bad_dvalues); i++)
        EXPECT(zseg_decompressor_set_param(d, bad_dvalues[i].param, bad_dvalues[i].value, E),
               ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    /* The rejected values changed nothing: frames still carry content sizes, no checksum. */
    REQUIRE_OK(zseg_compress_slices(c, g_items, N_ITEMS, NULL, &out, CHECK_ERR));
    {
        zseg_slice f;
        uint64_t cs = 0;
        REQUIRE_OK(zseg_collection_get(out, 1, &f));
        CHECK_OK(zseg_frame_content_size(f.ptr, f.len, &cs, CHECK_ERR));
        CHECK_EQ_U64(cs, g_items[1].len);
    }
    zseg_collection_free(out);
    out = NULL;
    REQUIRE_OK(zseg_decompress_slices(d, g_frame_slices, N_ITEMS, NULL, NULL, &out, CHECK_ERR));
    zseg_collection_free(out);
    /* Valid edge values are accepted. */
    CHECK_OK(zseg_compressor_set_param(c, ZSEG_CPARAM_WINDOW_LOG, 0, CHECK_ERR));
    CHECK_OK(zseg_compressor_set_param(c, ZSEG_CPARAM_WINDOW_LOG, 10, CHECK_ERR));
    CHECK_OK(zseg_compressor_set_param(c, ZSEG_CPARAM_STRATEGY, 9, CHECK_ERR));
    CHECK_OK(zseg_decompressor_set_param(d, ZSEG_DPARAM_WINDOW_LOG_MAX, 10, CHECK_ERR));
    CHECK_OK(zseg_decompressor_set_param(d, ZSEG_DPARAM_WINDOW_LOG_MAX, 31, CHECK_ERR));
    CHECK_OK(zseg_decompressor_set_param(d, ZSEG_DPARAM_WINDOW_LOG_MAX, 0, CHECK_ERR));
    zseg_compressor_free(c);
    zseg_decompressor_free(d);

    snprintf(path, sizeof path, "%s.flags", g_path);
    for (i = 0; i < COUNT_OF(flags); i++)
        EXPECT(zseg_seekable_write(g_frames, path, flags[i], E), ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    CHECK(access(path, F_OK) != 0); /* nothing written */
    /* Paths that cannot be written or read. */
    EXPECT(zseg_seekable_write(g_frames, "", 0, E), ZSEG_ERR_IO, NO_ITEM);
    EXPECT(zseg_seekable_write(g_frames, "/nonexistent-dir-zseg/x.zst", 0, E), ZSEG_ERR_IO, NO_ITEM);
    {
        zseg_seekable *sk = (zseg_seekable *)SENTINEL_PTR;
        EXPECT(zseg_seekable_open("/nonexistent-dir-zseg/x.zst", &sk, E), ZSEG_ERR_IO, NO_ITEM);
        EXPECT(zseg_seekable_open("", &sk, E), ZSEG_ERR_IO, NO_ITEM);
        EXPECT(zseg_seekable_open_memory(TEXT, TEXT_SIZE, &sk, E), ZSEG_ERR_ZSTD, NO_ITEM);
        CHECK(sk == (zseg_seekable *)SENTINEL_PTR);
    }
    /* Seekable files need frames with what the flags ask for. */
    {
        char path2[300];
        snprintf(path2, sizeof path2, "%s.ck", g_path);
        /* g_frames were made without checksums: ZSEG_SEEKABLE_CHECKSUMS cannot be honoured. */
        EXPECT(zseg_seekable_write(g_frames, path2, ZSEG_SEEKABLE_CHECKSUMS, E),
               ZSEG_ERR_INVALID_ARGUMENT, ANY_ITEM);
        CHECK(access(path2, F_OK) != 0);
        /* Items that are not frames cannot be written as frames. */
        {
            zseg_error e;
            zseg_result rc;
            poison(&e);
            rc = zseg_seekable_write(g_coll, path2, 0, &e);
            CHECK(rc == ZSEG_ERR_ZSTD || rc == ZSEG_ERR_NO_CONTENT_SIZE);
            CHECK(error_consistent(&e, rc) && e.item == 0);
            CHECK(access(path2, F_OK) != 0);
        }
        remove(path2);
    }
}

/* ---- Batch options: size too small, larger than known, odd thread counts ------------------ */

typedef struct big_options {
    zseg_batch_options known;
    unsigned char future[256]; /* fields a later version may append: zero */
} big_options;

static void batch_option_sizes_are_checked(void) {
    big_options big;
    zseg_collection *out = (zseg_collection *)SENTINEL_PTR;
    const size_t too_small[] = {0, 1, sizeof(size_t), offsetof(zseg_batch_options, threads),
                                offsetof(zseg_batch_options, threads) + sizeof(int32_t) - 1};
    const size_t fine[] = {offsetof(zseg_batch_options, threads) + sizeof(int32_t),
                           offsetof(zseg_batch_options, item_results),
                           sizeof(zseg_batch_options), sizeof(zseg_batch_options) + 1,
                           sizeof(big_options)};
    const int32_t threads[] = {INT32_MIN, -1, 0, 1, 2, 3, 1000, INT32_MAX};
    size_t i;

    memset(&big, 0, sizeof big);
    zseg_batch_options_init(&big.known);
    CHECK_EQ_U64(big.known.size, sizeof(zseg_batch_options));
    CHECK(big.known.threads == 0 && big.known.item_results == NULL && big.known.progress == NULL &&
          big.known.progress_ctx == NULL);
    for (i = 0; i < COUNT_OF(too_small); i++) {
        big.known.size = too_small[i];
        EXPECT(zseg_compress_slices(g_c, g_items, N_ITEMS, &big.known, &out, E),
               ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
        EXPECT(zseg_decompress_slices(g_d, g_frame_slices, N_ITEMS, NULL, &big.known, &out, E),
               ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
        CHECK(out == (zseg_collection *)SENTINEL_PTR);
    }
    for (i = 0; i < COUNT_OF(fine); i++) {
        big.known.size = fine[i];
        out = NULL;
        EXPECT(zseg_compress_slices(g_c, g_items, N_ITEMS, &big.known, &out, E), ZSEG_OK, NO_ITEM);
        zseg_collection_free(out);
        out = NULL;
        EXPECT(zseg_decompress_slices(g_d, g_frame_slices, N_ITEMS, NULL, &big.known, &out, E),
               ZSEG_OK, NO_ITEM);
        zseg_collection_free(out);
    }
    zseg_batch_options_init(&big.known);
    for (i = 0; i < COUNT_OF(threads); i++) {
        big.known.threads = threads[i];
        out = NULL;
        EXPECT(zseg_compress_collection(g_c, g_coll, &big.known, &out, E), ZSEG_OK, NO_ITEM);
        zseg_collection_free(out);
        out = NULL;
        EXPECT(zseg_decompress_collection(g_d, g_frames, NULL, &big.known, &out, E), ZSEG_OK, NO_ITEM);
        CHECK_EQ_U64(zseg_collection_size(out), g_items_total);
        zseg_collection_free(out);
    }
}

/* Per-item inputs that are NULL name their item. */
static void null_items_and_buffers_name_their_index(void) {
    zseg_slice items[4];
    const zseg_buffer *bufs[3];
    zseg_collection *out = (zseg_collection *)SENTINEL_PTR;
    zseg_segment bad_segs[3] = {{0, 1}, {0, TEXT_SIZE + 1}, {UINT64_MAX, 2}};
    zseg_buffer *b = (zseg_buffer *)SENTINEL_PTR;
    memcpy(items, g_items, sizeof g_items);
    items[3].ptr = NULL;
    items[3].len = 0; /* empty: fine */
    items[2].ptr = NULL;
    items[2].len = 5; /* NULL with a length: ZSEG_ERR_NULL naming item 2 */
    EXPECT(zseg_compress_slices(g_c, items, 4, NULL, &out, E), ZSEG_ERR_NULL, 2);
    EXPECT(zseg_decompress_slices(g_d, items, 4, NULL, NULL, &out, E), ZSEG_ERR_NULL, 2);
    CHECK_EQ_U64(zseg_compress_bound(items, 4) != SIZE_MAX, 1); /* only lengths are read */
    bufs[0] = g_buf;
    bufs[1] = g_buf;
    bufs[2] = NULL;
    EXPECT(zseg_collection_new(bufs, 3, &out, E), ZSEG_ERR_NULL, 2);
    CHECK(out == (zseg_collection *)SENTINEL_PTR);
    EXPECT(zseg_buffer_new_copy(TEXT, TEXT_SIZE, bad_segs, 3, &b, E), ZSEG_ERR_SEGMENT_BOUNDS, 1);
    EXPECT(zseg_buffer_new_copy(TEXT, TEXT_SIZE, bad_segs + 2, 1, &b, E), ZSEG_ERR_SEGMENT_BOUNDS, 0);
    {
        int before = g_released;
        EXPECT(zseg_buffer_new_borrowed(TEXT, TEXT_SIZE, bad_segs, 3, count_release, NULL, &b, E),
               ZSEG_ERR_SEGMENT_BOUNDS, 1);
        CHECK_EQ_U64(g_released, before); /* the caller keeps its memory: no release */
    }
    CHECK(b == (zseg_buffer *)SENTINEL_PTR);
}

/* Arrays of 8-byte fields at an odd address (say records read at an odd offset of a byte
   stream and cast) are refused with a clear result, not read. */
static void misaligned_arrays_are_invalid_arguments(void) {
    static uint64_t storage[64];
    unsigned char *odd = (unsigned char *)storage + 1;
    zseg_buffer *b = (zseg_buffer *)SENTINEL_PTR;
    zseg_collection *out = (zseg_collection *)SENTINEL_PTR;
    memcpy(odd, TEXT_SEGMENTS, sizeof TEXT_SEGMENTS);
    EXPECT(zseg_buffer_new_copy(TEXT, TEXT_SIZE, (const zseg_segment *)(const void *)odd, 3, &b,
                                E),
           ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    EXPECT(zseg_buffer_new_borrowed(TEXT, TEXT_SIZE, (const zseg_segment *)(const void *)odd, 3,
                                    NULL, NULL, &b, E),
           ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    CHECK(b == (zseg_buffer *)SENTINEL_PTR);
    memcpy(odd, g_items, sizeof g_items);
    EXPECT(zseg_compress_slices(g_c, (const zseg_slice *)(const void *)odd, N_ITEMS, NULL, &out, E),
           ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
    {
        uint64_t sizes[N_ITEMS];
        for (size_t i = 0; i < N_ITEMS; i++) sizes[i] = g_items[i].len;
        memcpy(odd, sizes, sizeof sizes);
        EXPECT(zseg_decompress_slices(g_d, g_frame_slices, N_ITEMS,
                                      (const uint64_t *)(const void *)odd, NULL, &out, E),
               ZSEG_ERR_INVALID_ARGUMENT, NO_ITEM);
        /* The same sizes, aligned, are fine. */
        EXPECT(zseg_decompress_slices(g_d, g_frame_slices, N_ITEMS, sizes, NULL, &out, E),
               ZSEG_OK, NO_ITEM);
        zseg_collection_free(out);
    }
}

int main(void) {
    if (!setup()) {
        fprintf(stderr, "test_hostile: fixtures could not be built\n");
        return 1;
    }
    RUN_TEST(every_pointer_argument_null_gives_the_documented_result);
    RUN_TEST(infallible_functions_accept_null);
    RUN_TEST(result_names_cover_every_code_and_nothing_else);
    RUN_TEST(maximal_sizes_are_rejected_without_reading);
    RUN_TEST(zero_sizes_are_empty_inputs);
    RUN_TEST(indices_out_of_range_are_index_errors);
    RUN_TEST(out_of_range_enums_levels_and_flags_are_invalid_arguments);
    RUN_TEST(batch_option_sizes_are_checked);
    RUN_TEST(null_items_and_buffers_name_their_index);
    RUN_TEST(misaligned_arrays_are_invalid_arguments);
    teardown();
    return CHECK_SUMMARY();
}
