/*
 * Allocation failure and size overflow: requests the process cannot satisfy must come back as
 * ZSEG_ERR_ALLOC, ZSEG_ERR_LIMIT, ZSEG_ERR_DST_TOO_SMALL or ZSEG_ERR_INVALID_ARGUMENT (sizes no
 * object can have), with `*out` untouched, never as an abort.
 *
 *  - `sizes` summing past the address space (and past UINT64_MAX) with no limits set;
 *  - frames whose headers declare 100 GiB, and 2^62 bytes, each;
 *  - a `dst_capacity` of SIZE_MAX, and a capacity larger than the memory really there;
 *  - `zseg_compress_bound` of lengths whose bounds overflow.
 *
 * Under AddressSanitizer, malloc of an impossible size reports an error and aborts unless
 * allocator_may_return_null=1: this file sets it itself (__asan_default_options below), so it
 * runs as is in the ZSEG_SANITIZE build; ASAN_OPTIONS from the environment still apply on top.
 *
 * Not covered: 10^9 tiny items. The inputs alone (16 GB of slices or segments) do not fit this
 * machine, and a collection repeating one buffer would make the library reserve output and
 * segments for every item up front; see fuzz/README.md.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "support.h"
#include "zseg.h"

#ifdef ZSEG_TEST_ASAN
/* Let malloc return NULL for impossible sizes instead of aborting (see above). */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }
#endif

#define SENTINEL_COLLECTION ((zseg_collection *)(uintptr_t)0x5e5e5e5e)
#define GiB (UINT64_C(1) << 30)

static zseg_compressor *g_c;
static zseg_decompressor *g_d; /* limits lifted: UINT64_MAX per item and in total */
static zseg_slice g_frames[4]; /* frames without a content size */
static uint8_t *g_frame_bytes[4];
static const char *const TEXTS[4] = {"first item", "second item, a bit longer", "3", "fourth"};

static int setup(void) {
    zseg_collection *out = NULL;
    zseg_slice items[4];
    size_t i;
    zseg_error err;
    for (i = 0; i < 4; i++) {
        items[i].ptr = (const uint8_t *)TEXTS[i];
        items[i].len = strlen(TEXTS[i]);
    }
    if (zseg_compressor_new(3, &g_c, &err) != ZSEG_OK ||
        zseg_compressor_set_param(g_c, ZSEG_CPARAM_CONTENT_SIZE, 0, &err) != ZSEG_OK ||
        zseg_compress_slices(g_c, items, 4, NULL, &out, &err) != ZSEG_OK ||
        zseg_decompressor_new(&g_d, &err) != ZSEG_OK ||
        zseg_decompressor_set_max_item_size(g_d, UINT64_MAX, &err) != ZSEG_OK ||
        zseg_decompressor_set_max_total_size(g_d, UINT64_MAX, &err) != ZSEG_OK)
        return 0;
    for (i = 0; i < 4; i++) {
        zseg_slice f;
        if (zseg_collection_get(out, i, &f) != ZSEG_OK) return 0;
        g_frame_bytes[i] = (uint8_t *)malloc(f.len);
        if (!g_frame_bytes[i]) return 0;
        memcpy(g_frame_bytes[i], f.ptr, f.len);
        g_frames[i].ptr = g_frame_bytes[i];
        g_frames[i].len = f.len;
    }
    zseg_collection_free(out);
    return 1;
}

static void teardown(void) {
    size_t i;
    for (i = 0; i < 4; i++) free(g_frame_bytes[i]);
    zseg_compressor_free(g_c);
    zseg_decompressor_free(g_d);
}

/* Runs a decompression of g_frames[0..n) with `sizes` through every output shape, thread
 * count and mode, and checks the result is one of `allowed`. */
static void expect_decompress(const zseg_decompressor *d, const zseg_slice *frames, size_t n,
                              const uint64_t *sizes, const zseg_result *allowed, size_t n_allowed,
                              const char *what) {
    const int32_t threads[] = {0, 2};
    size_t t, mode, a;
    for (t = 0; t < COUNT_OF(threads); t++) {
        for (mode = 0; mode < 3; mode++) {
            zseg_batch_options opts;
            zseg_result results[8];
            zseg_collection *out = SENTINEL_COLLECTION;
            zseg_error err;
            zseg_result rc;
            int fine = 0;
            zseg_batch_options_init(&opts);
            opts.threads = threads[t];
            if (mode == 1) opts.item_results = results;
            memset(results, 0x5e, sizeof results);
            if (mode == 2) {
                uint8_t dst[64];
                zseg_segment segs[8];
                size_t used = 12345;
                rc = zseg_decompress_slices_into(d, frames, n, sizes, &opts, dst, sizeof dst, segs,
                                                 &used, &err);
                if (rc != ZSEG_OK && rc != ZSEG_ERR_PARTIAL) CHECK_EQ_U64(used, 12345);
                /* 64 bytes hold none of these outputs. */
                fine = rc == ZSEG_ERR_DST_TOO_SMALL;
            } else {
                rc = zseg_decompress_slices(d, frames, n, sizes, &opts, &out, &err);
                if (rc == ZSEG_OK || rc == ZSEG_ERR_PARTIAL) {
                    zseg_collection_free(out);
                    out = SENTINEL_COLLECTION;
                }
                CHECK(out == SENTINEL_COLLECTION);
            }
            for (a = 0; a < n_allowed; a++) fine |= rc == allowed[a];
            if (!fine)
                CHECK_FAIL_("%s (threads %d, %s): %s: %s", what, (int)threads[t],
                            mode == 0 ? "fail-fast" : mode == 1 ? "per item" : "into dst",
                            zseg_result_str(rc), err.message);
            else
                CHECK(error_is_filled(&err, rc));
            if (mode == 1 && rc != ZSEG_OK && rc != ZSEG_ERR_PARTIAL)
                CHECK_EQ_U64(results[0], 0x5e5e5e5eu); /* untouched on failure */
        }
    }
}

static void sizes_past_the_address_space_are_alloc_errors(void) {
    const uint64_t quarter[4] = {UINT64_C(1) << 62, UINT64_C(1) << 62, UINT64_C(1) << 62,
                                 UINT64_C(1) << 62}; /* sums to exactly 2^64 */
    const uint64_t huge[4] = {UINT64_MAX - 1, UINT64_MAX - 1, 5, UINT64_MAX - 1};
    const uint64_t one_tib[1] = {UINT64_C(1) << 40};
    const uint64_t half[2] = {UINT64_C(1) << 63, UINT64_C(1) << 63};
    const zseg_result alloc[] = {ZSEG_ERR_ALLOC};
    expect_decompress(g_d, g_frames, 4, quarter, alloc, 1, "4 x 2^62 bytes");
    expect_decompress(g_d, g_frames, 4, huge, alloc, 1, "3 x (UINT64_MAX - 1) bytes");
    expect_decompress(g_d, g_frames, 1, one_tib, alloc, 1, "1 TiB");
    expect_decompress(g_d, g_frames, 2, half, alloc, 1, "2 x 2^63 bytes");
    expect_decompress(g_d, g_frames, 3, quarter, alloc, 1, "3 x 2^62 bytes");
}

static void a_total_limit_stops_sizes_before_allocating(void) {
    const uint64_t quarter[4] = {UINT64_C(1) << 62, UINT64_C(1) << 62, UINT64_C(1) << 62,
                                 UINT64_C(1) << 62};
    const zseg_result limit[] = {ZSEG_ERR_LIMIT};
    /* In per-item mode every item fails on its own: PARTIAL, with the items' results LIMIT. */
    const zseg_result item_limit[] = {ZSEG_ERR_LIMIT, ZSEG_ERR_PARTIAL};
    zseg_decompressor *d = NULL;
    REQUIRE_OK(zseg_decompressor_new(&d, CHECK_ERR));
    CHECK_OK(zseg_decompressor_set_max_item_size(d, UINT64_MAX, CHECK_ERR));
    CHECK_OK(zseg_decompressor_set_max_total_size(d, UINT64_C(1) << 63, CHECK_ERR));
    expect_decompress(d, g_frames, 4, quarter, limit, 1, "2^64 bytes over a 2^63 total limit");
    /* The default item limit (1 GiB) stops each of them first. */
    zseg_decompressor_free(d);
    REQUIRE_OK(zseg_decompressor_new(&d, CHECK_ERR));
    expect_decompress(d, g_frames, 4, quarter, item_limit, 2,
                      "2^62 bytes over the default item limit");
    zseg_decompressor_free(d);
}

/* A frame that declares `declared` bytes (8-byte content size, single segment) and holds one
 * RLE block of 1000 zero bytes. */
static size_t bomb(uint8_t *f, uint64_t declared) {
    size_t n = 0, i;
    const uint32_t block = 1u | 1u << 1 | 1000u << 3; /* last, RLE, 1000 bytes */
    f[n++] = 0x28;
    f[n++] = 0xB5;
    f[n++] = 0x2F;
    f[n++] = 0xFD;
    f[n++] = 0xE0;
    for (i = 0; i < 8; i++) f[n++] = (uint8_t)(declared >> (8 * i));
    f[n++] = (uint8_t)block;
    f[n++] = (uint8_t)(block >> 8);
    f[n++] = (uint8_t)(block >> 16);
    f[n++] = 0;
    return n;
}

static void frames_declaring_100_gib_are_refused_or_fail_cleanly(void) {
    uint8_t b100[32], b62[32];
    zseg_slice three[3], far[3];
    zseg_decompressor *d = NULL;
    uint64_t cs = 0;
    const zseg_result limit[] = {ZSEG_ERR_LIMIT};
    const zseg_result item_limit[] = {ZSEG_ERR_LIMIT, ZSEG_ERR_PARTIAL};
    const zseg_result alloc[] = {ZSEG_ERR_ALLOC};
    /* With the limits lifted the 100 GiB may even be reserved (when the kernel overcommits):
     * then the frame ends after 1000 bytes, a size mismatch. Never a crash. */
    const zseg_result alloc_or_short[] = {ZSEG_ERR_ALLOC, ZSEG_ERR_SIZE_MISMATCH, ZSEG_ERR_ZSTD};
    size_t i, n100 = bomb(b100, 100 * GiB), n62 = bomb(b62, UINT64_C(1) << 62);
    for (i = 0; i < 3; i++) {
        three[i].ptr = b100;
        three[i].len = n100;
        far[i].ptr = b62;
        far[i].len = n62;
    }
    CHECK_OK(zseg_frame_content_size(b100, n100, &cs, CHECK_ERR));
    CHECK_EQ_U64(cs, 100 * GiB);

    /* Default limits: 1 GiB per item. */
    REQUIRE_OK(zseg_decompressor_new(&d, CHECK_ERR));
    expect_decompress(d, three, 3, NULL, item_limit, 2, "3 x 100 GiB, default limits");
    CHECK_OK(zseg_decompressor_set_max_item_size(d, 200 * GiB, CHECK_ERR));
    CHECK_OK(zseg_decompressor_set_max_total_size(d, 250 * GiB, CHECK_ERR));
    expect_decompress(d, three, 3, NULL, limit, 1, "3 x 100 GiB over a 250 GiB total");
    zseg_decompressor_free(d);

    /* No limits: 2^62 bytes cannot be had; 100 GiB maybe. */
    expect_decompress(g_d, far, 3, NULL, alloc, 1, "3 x 2^62 bytes, no limits");
    expect_decompress(g_d, three, 1, NULL, alloc_or_short, 3, "100 GiB, no limits");
}

static void dst_capacities_beyond_memory_are_refused_or_never_touched(void) {
    zseg_slice items[4];
    zseg_segment segs[4];
    size_t used = 777, i, bound, total = 0;
    uint8_t *dst;
    const uint64_t sizes[4] = {10, 25, 1, 6};
    for (i = 0; i < 4; i++) {
        items[i].ptr = (const uint8_t *)TEXTS[i];
        items[i].len = strlen(TEXTS[i]);
        total += items[i].len;
    }
    bound = zseg_compress_bound(items, 4);
    REQUIRE(bound != SIZE_MAX && bound > total);
    dst = (uint8_t *)malloc(bound + 64);
    REQUIRE(dst != NULL);
    /* SIZE_MAX (or anything over PTRDIFF_MAX) cannot be the size of an object. */
    CHECK_RC(zseg_compress_slices_into(g_c, items, 4, NULL, dst, SIZE_MAX, segs, &used, CHECK_ERR),
             ZSEG_ERR_INVALID_ARGUMENT);
    CHECK_RC(zseg_decompress_slices_into(g_d, g_frames, 4, sizes, NULL, dst, SIZE_MAX, segs, &used,
                                         CHECK_ERR),
             ZSEG_ERR_INVALID_ARGUMENT);
    CHECK_RC(zseg_compress_slices_into(g_c, items, 4, NULL, dst, (size_t)PTRDIFF_MAX + 1, segs,
                                       &used, CHECK_ERR),
             ZSEG_ERR_INVALID_ARGUMENT);
    CHECK_EQ_U64(used, 777);
    /* A capacity that claims more than is there: only the bound (compression) or the exact
     * total (decompression) is ever written. */
    memset(dst, 0xC3, bound + 64);
    CHECK_OK(zseg_compress_slices_into(g_c, items, 4, NULL, dst, (size_t)PTRDIFF_MAX, segs, &used,
                                       CHECK_ERR));
    for (i = bound; i < bound + 64; i++)
        if (dst[i] != 0xC3) {
            CHECK_FAIL_("compression wrote byte %zu, past the bound %zu", i, bound);
            break;
        }
    memset(dst, 0xC3, bound + 64);
    CHECK_OK(zseg_decompress_slices_into(g_d, g_frames, 4, sizes, NULL, dst, (size_t)PTRDIFF_MAX,
                                         segs, &used, CHECK_ERR));
    CHECK_EQ_U64(used, total);
    for (i = total; i < bound + 64; i++)
        if (dst[i] != 0xC3) {
            CHECK_FAIL_("decompression wrote byte %zu, past the total %zu", i, total);
            break;
        }
    CHECK(memcmp(dst + segs[1].offset, TEXTS[1], strlen(TEXTS[1])) == 0);
    free(dst);
}

static void compress_bounds_that_overflow_are_size_max(void) {
    zseg_slice items[3];
    /* zstd has no bound for lengths from ZSTD_MAX_INPUT_SIZE (0xFF00FF00FF00FF00 on 64 bits) up. */
    const size_t lens[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 255, (size_t)0xFF00FF00FF00FF00u};
    size_t i;
    for (i = 0; i < COUNT_OF(lens); i++) {
        items[0].ptr = NULL; /* only lengths are read */
        items[0].len = lens[i];
        CHECK_EQ_U64(zseg_compress_bound(items, 1), SIZE_MAX);
    }
    /* Each bound fits (just over SIZE_MAX / 2), their sum does not. */
    for (i = 0; i < 3; i++) {
        items[i].ptr = NULL;
        items[i].len = SIZE_MAX / 2;
    }
    CHECK(zseg_compress_bound(items, 1) > SIZE_MAX / 2 && zseg_compress_bound(items, 1) < SIZE_MAX);
    CHECK_EQ_U64(zseg_compress_bound(items, 2), SIZE_MAX);
    CHECK_EQ_U64(zseg_compress_bound(items, 3), SIZE_MAX);
    items[0].len = 100;
    CHECK(zseg_compress_bound(items, 1) > 100 && zseg_compress_bound(items, 1) < 1000);
}

/* An item longer than any object can be is refused, naming it, before anything is read (its
 * pointer is real but holds one byte). */
static void items_longer_than_any_object_are_refused(void) {
    zseg_slice items[2];
    zseg_collection *out = SENTINEL_COLLECTION;
    static const uint8_t byte = 1;
    items[0].ptr = &byte;
    items[0].len = 1;
    items[1].ptr = &byte;
    items[1].len = (size_t)PTRDIFF_MAX + 1;
    CHECK_RC(zseg_compress_slices(g_c, items, 2, NULL, &out, CHECK_ERR), ZSEG_ERR_INVALID_ARGUMENT);
    CHECK_EQ_U64(check_err_.item, 1);
    CHECK_RC(zseg_decompress_slices(g_d, items, 2, NULL, NULL, &out, CHECK_ERR),
             ZSEG_ERR_INVALID_ARGUMENT);
    CHECK_EQ_U64(check_err_.item, 1);
    CHECK(out == SENTINEL_COLLECTION);
}

int main(void) {
    require_setup(setup(), "test_limits");
    RUN_TEST(sizes_past_the_address_space_are_alloc_errors);
    RUN_TEST(a_total_limit_stops_sizes_before_allocating);
    RUN_TEST(frames_declaring_100_gib_are_refused_or_fail_cleanly);
    RUN_TEST(dst_capacities_beyond_memory_are_refused_or_never_touched);
    RUN_TEST(compress_bounds_that_overflow_are_size_max);
    RUN_TEST(items_longer_than_any_object_are_refused);
    teardown();
    return CHECK_SUMMARY();
}
