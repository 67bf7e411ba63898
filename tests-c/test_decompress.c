/*
 * Acceptance tests for batch decompression (API.md "Batch options" and "Decompression").
 *
 * Written from API.md and include/zseg.h only. Frames are made with zseg's compressor (whose
 * own tests check them against single-item compression) or crafted by hand from the zstd
 * frame format (RFC 8878) where a test needs a frame no compressor makes.
 */
#define _POSIX_C_SOURCE 200809L

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "check.h"
#include "support.h"
#include "zseg.h"

/* A copy of len bytes at p in a block of len + extra bytes. */
static uint8_t *dup_bytes(const uint8_t *p, size_t len, size_t extra) {
    uint8_t *q = xmalloc(len + extra);
    if (len) memcpy(q, p, len);
    return q;
}

/* Size of a standard frame's header (RFC 8878, 3.1.1.1): magic, descriptor, window
   descriptor, dictionary ID and frame content size fields. */
static size_t frame_header_size(const uint8_t *f) {
    static const size_t did_size[4] = {0, 1, 2, 4};
    uint8_t fhd = f[4];
    unsigned fcs_flag = fhd >> 6, single = (fhd >> 5) & 1u;
    size_t fcs = fcs_flag == 0 ? (single ? 1 : 0) : fcs_flag == 1 ? 2 : fcs_flag == 2 ? 4 : 8;
    return 5 + (single ? 0 : 1) + did_size[fhd & 3u] + fcs;
}

/* Items of 600..1400 bytes: two thirds text, one third random bytes. */
static corpus corpus_mixed(size_t n, uint64_t seed) {
    corpus c = corpus_new(n, n * 1400 + 1);
    uint64_t rng = seed * 0x9E3779B97F4A7C15ULL + 5;
    uint8_t item[1400];
    for (size_t i = 0; i < n; i++) {
        size_t len = 600 + (size_t)(rng_next(&rng) % 801u);
        size_t text = len * 2 / 3;
        fill_text(item, text, seed * 100003u + i);
        fill_random(item + text, len - text, seed * 100019u + i);
        corpus_add(&c, item, len);
    }
    corpus_seal(&c);
    return c;
}

/* A buffer holding copies of frames[0..n) back to back. */
static zseg_buffer *pack_buffer(const zseg_slice *frames, size_t n) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += frames[i].len;
    uint8_t *data = xmalloc(total);
    zseg_segment *segs = xmalloc(n * sizeof *segs);
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (frames[i].len) memcpy(data + pos, frames[i].ptr, frames[i].len);
        segs[i].offset = pos;
        segs[i].length = frames[i].len;
        pos += frames[i].len;
    }
    zseg_buffer *b = NULL;
    if (zseg_buffer_new_copy(data, total, segs, n, &b, NULL) != ZSEG_OK) b = NULL;
    free(data);
    free(segs);
    return b;
}

/* The total length of items[0..n). */
static uint64_t sum_lengths(const zseg_slice *items, size_t n) {
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) s += items[i].len;
    return s;
}

/* Checks that zseg_decompress_slices of frames[0..n) (sizes and o may be NULL) gives exactly
   expect[0..n). */
static void check_slices_give(const zseg_decompressor *d, const zseg_slice *frames, size_t n,
                              const uint64_t *sizes, const zseg_batch_options *o,
                              const zseg_slice *expect) {
    zseg_collection *out = NULL;
    CHECK_RC(zseg_decompress_slices(d, frames, n, sizes, o, &out, NULL), ZSEG_OK);
    CHECK(collection_holds(out, expect, n));
    zseg_collection_free(out);
}

/* The same through zseg_decompress_collection: the frames in `frames` give exactly
   expect[0..n). */
static void check_collection_gives(const zseg_decompressor *d, const zseg_collection *frames,
                                   const uint64_t *sizes, const zseg_batch_options *o,
                                   const zseg_slice *expect, size_t n) {
    zseg_collection *out = NULL;
    CHECK_RC(zseg_decompress_collection(d, frames, sizes, o, &out, NULL), ZSEG_OK);
    CHECK(collection_holds(out, expect, n));
    zseg_collection_free(out);
}

/* Checks that zseg_decompress_slices_into of frames[0..n) (sizes may be NULL) into a dst of
   exactly the items' total size packs expect[0..n) back to back and writes nothing past it. */
static void check_into_exact(const zseg_decompressor *d, const zseg_slice *frames, size_t n,
                             const uint64_t *sizes, const zseg_batch_options *o,
                             const zseg_slice *expect) {
    const size_t total = (size_t)sum_lengths(expect, n);
    uint8_t *dst = xmalloc(total + CANARY_LEN);
    zseg_segment *segs = xmalloc(n * sizeof *segs);
    memset(dst + total, CANARY_BYTE, CANARY_LEN);
    size_t used = 0;
    CHECK_RC(zseg_decompress_slices_into(d, frames, n, sizes, o, dst, total, segs, &used, NULL),
             ZSEG_OK);
    CHECK(packed_items_equal(dst, segs, n, used, expect));
    CHECK(canary_intact(dst + total));
    free(dst);
    free(segs);
}

/* Prints which case failed; always 0, for use as CHECK(cond || context(...)). */
static int context(const char *what, int level, int dict, int threads) {
    fprintf(stderr, "  failed: %s at level %d, dictionary %d, threads %d\n", what, level, dict,
            threads);
    return 0;
}

/* The shared batch for the bad-frame tests: BASE_N mixed items of 0.6-1.4 KB (about 1.2 MB,
   enough for the library to use workers at threads 2), compressed at level 3, one frame each;
   the bad frame goes at BAD_AT, in the later part of the batch. */
#define BASE_N 1200
#define BAD_AT 900
static corpus g_base;
static zseg_collection *g_base_frames;
static zseg_slice *g_base_views;

static int base_batch(void) {
    if (g_base_frames) return 1;
    g_base = corpus_mixed(BASE_N, 77);
    zseg_compressor *c = compressor_at(3);
    if (!c) return 0;
    g_base_frames = compress_t(c, g_base.items, g_base.n, 2);
    zseg_compressor_free(c);
    if (!g_base_frames) return 0;
    g_base_views = views_of(g_base_frames);
    return 1;
}

static void base_batch_free(void) {
    zseg_collection_free(g_base_frames);
    free(g_base_views);
    corpus_free(&g_base);
    g_base_frames = NULL;
    g_base_views = NULL;
}

/* The base batch (made once) and a fresh plain decompressor, what most tests start from; NULL
   if either could not be made. */
static zseg_decompressor *base_decompressor(void) {
    return base_batch() ? decompressor_plain() : NULL;
}

/* Copies the base views, for a test to replace some of them. */
static zseg_slice *base_frames_copy(void) {
    zseg_slice *v = xmalloc(BASE_N * sizeof *v);
    memcpy(v, g_base_views, BASE_N * sizeof *v);
    return v;
}

/* The batch frames[0..BASE_N) (sizes may be NULL) fails at item bad = BAD_AT with `code`:
   - fail-fast at threads 1 and 2, through zseg_decompress_slices and zseg_decompress_buffer:
     that result, err->code, err->item == bad, a message, *out untouched;
   - per-item mode at threads 1 and 2: ZSEG_ERR_PARTIAL, item_results[bad] == code and ZSEG_OK
     elsewhere, item bad empty, every other item equal to expect[i] (expect may be NULL).
   Returns 1 when all of that holds; prints each difference. */
static int fails_at(const zseg_decompressor *d, const zseg_slice *frames, const uint64_t *sizes,
                    zseg_result code, const zseg_slice *expect) {
    const size_t n = BASE_N, bad = BAD_AT;
    int ok = 1;
    zseg_buffer *buf = pack_buffer(frames, n);
    if (!buf) return 0;
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        zseg_batch_options o = opts_threads(threads[t]);
        for (int entry = 0; entry < 2; entry++) {
            zseg_collection *out = SENTINEL_COLL;
            zseg_error err;
            memset(&err, 0, sizeof err);
            zseg_result rc = entry == 0 ? zseg_decompress_slices(d, frames, n, sizes, &o, &out, &err)
                                        : zseg_decompress_buffer(d, buf, sizes, &o, &out, &err);
            if (rc != code || err.code != code || err.item != bad || !message_ok(&err) ||
                out != SENTINEL_COLL) {
                fprintf(stderr,
                        "  threads %d, %s: returned %s (err.code %s, err.item %llu, \"%.200s\"), "
                        "expected %s at item %zu\n",
                        (int)threads[t], entry == 0 ? "slices" : "buffer", zseg_result_str(rc),
                        zseg_result_str(err.code), (unsigned long long)err.item, err.message,
                        zseg_result_str(code), bad);
                ok = 0;
                if (out != SENTINEL_COLL) zseg_collection_free(out);
            }
        }
        zseg_result *res = xmalloc(n * sizeof *res);
        for (size_t i = 0; i < n; i++) res[i] = (zseg_result)0xDEAD;
        o.item_results = res;
        zseg_collection *out = NULL;
        zseg_error err;
        zseg_result rc = zseg_decompress_slices(d, frames, n, sizes, &o, &out, &err);
        if (rc != ZSEG_ERR_PARTIAL) {
            fprintf(stderr, "  threads %d, per-item mode: returned %s (%s), expected PARTIAL\n",
                    (int)threads[t], zseg_result_str(rc), err.message);
            ok = 0;
            if (rc == ZSEG_OK) zseg_collection_free(out);
        } else {
            for (size_t i = 0; i < n; i++) {
                zseg_result want = i == bad ? code : ZSEG_OK;
                if (res[i] != want) {
                    fprintf(stderr, "  threads %d, per-item: item_results[%zu] = %s, expected %s\n",
                            (int)threads[t], i, zseg_result_str(res[i]), zseg_result_str(want));
                    ok = 0;
                    break;
                }
            }
            if (zseg_collection_count(out) != n || item_of(out, bad).len != 0) {
                fprintf(stderr, "  threads %d, per-item: count %zu, failed item length %zu\n",
                        (int)threads[t], zseg_collection_count(out), item_of(out, bad).len);
                ok = 0;
            }
            for (size_t i = 0; expect && i < n && ok; i++) {
                if (i != bad && !slice_equal(item_of(out, i), expect[i])) {
                    fprintf(stderr, "  threads %d, per-item: item %zu differs\n", (int)threads[t],
                            i);
                    ok = 0;
                }
            }
            zseg_collection_free(out);
        }
        free(res);
    }
    zseg_buffer_free(buf);
    return ok;
}

/* The frames of the base items in `frames`, with frame BAD_AT replaced by `frame`, fail at
   BAD_AT with `code` (fails_at; every other item must come back as its base item). */
static int fails_with_frame(const zseg_decompressor *d, const zseg_collection *frames,
                            zseg_slice frame, const uint64_t *sizes, zseg_result code) {
    zseg_slice *views = views_of(frames);
    views[BAD_AT] = frame;
    int ok = fails_at(d, views, sizes, code, g_base.items);
    free(views);
    return ok;
}

/* BASE_N sizes, all ZSEG_SIZE_UNKNOWN, for a test to give some of them. */
static uint64_t *unknown_sizes(void) {
    uint64_t *sizes = xmalloc(BASE_N * sizeof *sizes);
    for (size_t i = 0; i < BASE_N; i++) sizes[i] = ZSEG_SIZE_UNKNOWN;
    return sizes;
}

/* ------------------------------------------------------------------------------------------ */
/* Round trips                                                                                 */
/* ------------------------------------------------------------------------------------------ */

static void test_decompress_round_trips_every_entry_point_at_levels_threads_and_dictionary(void) {
    REQUIRE(trained_dictionary());
    /* JSON records with empty items among them and at the end, and one 32 KiB text item. */
    corpus js = corpus_json(500, 50);
    corpus cp = corpus_new(530, js.size + 32768);
    for (size_t i = 0; i < 500; i++) {
        if (i % 50 == 10) corpus_add(&cp, NULL, 0);
        if (i == 250) corpus_add_text(&cp, 32768, 51);
        corpus_add(&cp, js.items[i].ptr, js.items[i].len);
    }
    corpus_add(&cp, NULL, 0);
    corpus_add(&cp, NULL, 0);
    corpus_seal(&cp);
    const size_t n = cp.n;
    const uint64_t total = sum_lengths(cp.items, n);
    int levels[] = {-5, 1, 3, 19};
    for (int dict = 0; dict < 2; dict++) {
        zseg_decompressor *d = decompressor_plain();
        REQUIRE(d);
        if (dict) CHECK_RC(zseg_decompressor_load_dictionary(d, g_dict, g_dict_size, NULL), ZSEG_OK);
        for (size_t l = 0; l < 4; l++) {
            zseg_compressor *c = compressor_at(levels[l]);
            REQUIRE(c);
            if (dict)
                CHECK_RC(zseg_compressor_load_dictionary(c, g_dict, g_dict_size, NULL), ZSEG_OK);
            zseg_collection *frames = compress_t(c, cp.items, n, 2);
            zseg_compressor_free(c);
            REQUIRE(frames);
            zseg_slice *views = views_of(frames);
            zseg_buffer *buf = pack_buffer(views, n);
            uint8_t *dst = xmalloc(total + CANARY_LEN);
            zseg_segment *segs = xmalloc(n * sizeof *segs);
            int32_t threads[] = {1, 2};
            for (size_t t = 0; t < 2; t++) {
                zseg_batch_options o = opts_threads(threads[t]);
                zseg_collection *out = NULL;
                CHECK_RC(zseg_decompress_slices(d, views, n, NULL, &o, &out, NULL), ZSEG_OK);
                CHECK(collection_holds(out, cp.items, n) ||
                      context("slices", levels[l], dict, threads[t]));
                zseg_collection_free(out);
                out = NULL;
                CHECK_RC(zseg_decompress_buffer(d, buf, NULL, &o, &out, NULL), ZSEG_OK);
                CHECK(collection_holds(out, cp.items, n) ||
                      context("buffer", levels[l], dict, threads[t]));
                zseg_collection_free(out);
                out = NULL;
                CHECK_RC(zseg_decompress_collection(d, frames, NULL, &o, &out, NULL), ZSEG_OK);
                CHECK(collection_holds(out, cp.items, n) ||
                      context("collection", levels[l], dict, threads[t]));
                zseg_collection_free(out);
                /* _into with exactly the total, and a canary right after it */
                memset(dst, 0, total);
                memset(dst + total, CANARY_BYTE, CANARY_LEN);
                size_t used = 0;
                CHECK_RC(zseg_decompress_slices_into(d, views, n, NULL, &o, dst, total, segs, &used,
                                                     NULL),
                         ZSEG_OK);
                CHECK_EQ_U64(used, total);
                CHECK(packed_items_equal(dst, segs, n, used, cp.items) ||
                      context("into", levels[l], dict, threads[t]));
                CHECK(canary_intact(dst + total));
            }
            free(dst);
            free(segs);
            zseg_buffer_free(buf);
            free(views);
            zseg_collection_free(frames);
        }
        zseg_decompressor_free(d);
    }
    corpus_free(&cp);
    corpus_free(&js);
}

static void test_decompress_sizes_given_unknown_or_mixed_all_round_trip(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    uint64_t *sizes = xmalloc(BASE_N * sizeof *sizes);
    for (int mode = 0; mode < 3; mode++) { /* all given, all unknown, every other one given */
        for (size_t i = 0; i < BASE_N; i++)
            sizes[i] = (mode == 0 || (mode == 2 && i % 2)) ? g_base.items[i].len : ZSEG_SIZE_UNKNOWN;
        int32_t threads[] = {1, 2};
        for (size_t t = 0; t < 2; t++) {
            zseg_batch_options o = opts_threads(threads[t]);
            zseg_collection *out = NULL;
            CHECK_RC(zseg_decompress_slices(d, g_base_views, BASE_N, sizes, &o, &out, NULL),
                     ZSEG_OK);
            CHECK(collection_holds(out, g_base.items, BASE_N) ||
                  context("slices with sizes", mode, 0, threads[t]));
            zseg_collection_free(out);
            check_collection_gives(d, g_base_frames, sizes, &o, g_base.items, BASE_N);
            check_into_exact(d, g_base_views, BASE_N, sizes, &o, g_base.items);
        }
    }
    free(sizes);
    zseg_decompressor_free(d);
}

/* Frames of g_base made at level 3 with one compression parameter set (a checked call); NULL
   if the compressor could not be made. */
static zseg_collection *base_frames_with(zseg_cparam param, int64_t value) {
    zseg_compressor *c = compressor_at(3);
    if (!c) return NULL;
    CHECK_RC(zseg_compressor_set_param(c, param, value, NULL), ZSEG_OK);
    zseg_collection *f = compress_t(c, g_base.items, BASE_N, 2);
    zseg_compressor_free(c);
    return f;
}

/* Frames of g_base made with the content size left out of the header. */
static zseg_collection *base_frames_without_content_size(void) {
    return base_frames_with(ZSEG_CPARAM_CONTENT_SIZE, 0);
}

static void test_decompress_frames_without_content_size_need_sizes(void) {
    zseg_decompressor *d = base_decompressor();
    zseg_collection *nocs = base_frames_without_content_size();
    REQUIRE(nocs && d);
    zseg_slice *nocs_views = views_of(nocs);
    /* Only item BAD_AT lacks its content size: it fails, with its index. */
    zseg_slice *frames = base_frames_copy();
    frames[BAD_AT] = nocs_views[BAD_AT];
    CHECK(fails_at(d, frames, NULL, ZSEG_ERR_NO_CONTENT_SIZE, g_base.items));
    uint64_t *sizes = unknown_sizes();
    CHECK(fails_at(d, frames, sizes, ZSEG_ERR_NO_CONTENT_SIZE, g_base.items));
    /* Its size given: the batch round-trips. */
    sizes[BAD_AT] = g_base.items[BAD_AT].len;
    zseg_collection *out = NULL;
    zseg_batch_options o = opts_threads(2);
    check_slices_give(d, frames, BASE_N, sizes, &o, g_base.items);
    /* A whole batch without content sizes, all sizes given, through every entry point. */
    for (size_t i = 0; i < BASE_N; i++) sizes[i] = g_base.items[i].len;
    check_collection_gives(d, nocs, sizes, &o, g_base.items, BASE_N);
    check_into_exact(d, nocs_views, BASE_N, sizes, &o, g_base.items);
    /* and without sizes, the first of them is named on the calling thread */
    zseg_error err;
    out = SENTINEL_COLL;
    o.threads = 1;
    CHECK_RC(zseg_decompress_collection(d, nocs, NULL, &o, &out, &err), ZSEG_ERR_NO_CONTENT_SIZE);
    CHECK_ZERR(err, ZSEG_ERR_NO_CONTENT_SIZE, 0);
    CHECK(out == SENTINEL_COLL);
    free(sizes);
    free(frames);
    free(nocs_views);
    zseg_collection_free(nocs);
    zseg_decompressor_free(d);
}

/* ------------------------------------------------------------------------------------------ */
/* Bad frames: each one an error for its item, at threads 1 and 2                               */
/* ------------------------------------------------------------------------------------------ */

static void test_decompress_corrupt_block_fails_its_item_with_zstd_error(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    zseg_slice f = g_base_views[BAD_AT];
    uint8_t *bad = dup_bytes(f.ptr, f.len, 0);
    zseg_slice damaged = {bad, f.len};
    bad[frame_header_size(bad)] |= 0x06; /* first block's type := reserved (3) */
    CHECK(fails_with_frame(d, g_base_frames, damaged, NULL, ZSEG_ERR_ZSTD));
    /* A damaged magic number is not a frame at all. */
    memcpy(bad, f.ptr, f.len);
    bad[0] ^= 0xFF;
    CHECK(fails_with_frame(d, g_base_frames, damaged, NULL, ZSEG_ERR_ZSTD));
    /* A reserved bit set in the frame header descriptor. */
    memcpy(bad, f.ptr, f.len);
    bad[4] |= 0x08;
    CHECK(fails_with_frame(d, g_base_frames, damaged, NULL, ZSEG_ERR_ZSTD));
    free(bad);
    zseg_decompressor_free(d);
}

static void test_decompress_corrupt_middle_of_checksummed_frame_fails_its_item(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    zseg_collection *summed = base_frames_with(ZSEG_CPARAM_CHECKSUM, 1);
    REQUIRE(summed);
    zseg_slice f = item_of(summed, BAD_AT);
    uint8_t *bad = dup_bytes(f.ptr, f.len, 0);
    bad[f.len / 2] ^= 0x55;
    zseg_slice damaged = {bad, f.len};
    CHECK(fails_with_frame(d, summed, damaged, NULL, ZSEG_ERR_ZSTD));
    free(bad);
    zseg_collection_free(summed);
    zseg_decompressor_free(d);
}

static void test_decompress_checksum_mismatch_fails_its_item(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    zseg_collection *summed = base_frames_with(ZSEG_CPARAM_CHECKSUM, 1);
    REQUIRE(summed);
    zseg_slice *frames = views_of(summed);
    /* Intact, they round-trip. */
    check_slices_give(d, frames, BASE_N, NULL, NULL, g_base.items);
    zseg_slice f = frames[BAD_AT];
    uint8_t *bad = dup_bytes(f.ptr, f.len, 0);
    zseg_slice damaged = {bad, f.len};
    for (size_t k = 1; k <= 4; k++) { /* each byte of the 4-byte checksum */
        memcpy(bad, f.ptr, f.len);
        bad[f.len - k] ^= 0x01;
        CHECK(fails_with_frame(d, summed, damaged, NULL, ZSEG_ERR_ZSTD));
    }
    free(bad);
    free(frames);
    zseg_collection_free(summed);
    zseg_decompressor_free(d);
}

static void test_decompress_truncated_frame_fails_its_item_with_zstd_error(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    zseg_slice f = g_base_views[BAD_AT];
    /* The frame's bytes are copied to an exactly-sized block so that valgrind and ASan see any
       read past the truncated end. */
    size_t hdr = frame_header_size(f.ptr);
    size_t cuts[] = {f.len - 1, f.len / 2, hdr + 1, hdr, hdr - 1, 5, 4, 3, 1};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        zseg_slice cut = {dup_bytes(f.ptr, cuts[k], 0), cuts[k]};
        if (!fails_with_frame(d, g_base_frames, cut, NULL, ZSEG_ERR_ZSTD)) {
            fprintf(stderr, "  frame of %zu bytes cut to %zu\n", f.len, cuts[k]);
            CHECK(0);
        }
        free((void *)cut.ptr);
    }
    zseg_decompressor_free(d);
}

static void test_decompress_zero_byte_item_fails_with_zstd_error(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    zseg_slice empty = {NULL, 0};
    CHECK(fails_with_frame(d, g_base_frames, empty, NULL, ZSEG_ERR_ZSTD));
    empty.ptr = g_base_views[BAD_AT].ptr; /* non-NULL pointer, length 0 */
    CHECK(fails_with_frame(d, g_base_frames, empty, NULL, ZSEG_ERR_ZSTD));
    /* Even when its size is given as 0. */
    uint64_t *sizes = unknown_sizes();
    sizes[BAD_AT] = 0;
    CHECK(fails_with_frame(d, g_base_frames, empty, sizes, ZSEG_ERR_ZSTD));
    free(sizes);
    zseg_decompressor_free(d);
}

static void test_decompress_trailing_bytes_after_the_frame_fail_its_item(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    zseg_slice f = g_base_views[BAD_AT];
    uint8_t *bad = dup_bytes(f.ptr, f.len, 16);
    zseg_slice longer = {bad, f.len};
    size_t extra[] = {1, 5, 16};
    for (size_t k = 0; k < 3; k++) {
        memcpy(bad + f.len, "garbage-garbage!", extra[k]);
        longer.len = f.len + extra[k];
        CHECK(fails_with_frame(d, g_base_frames, longer, NULL, ZSEG_ERR_ZSTD));
    }
    /* Zero bytes are trailing bytes too. */
    memset(bad + f.len, 0, 16);
    longer.len = f.len + 4;
    CHECK(fails_with_frame(d, g_base_frames, longer, NULL, ZSEG_ERR_ZSTD));
    /* A skippable frame after the frame is a second frame in the item. */
    static const uint8_t skippable[12] = {0x50, 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 1, 2, 3, 4};
    memcpy(bad + f.len, skippable, sizeof skippable);
    longer.len = f.len + sizeof skippable;
    CHECK(fails_with_frame(d, g_base_frames, longer, NULL, ZSEG_ERR_ZSTD));
    free(bad);
    zseg_decompressor_free(d);
}

static void test_decompress_two_frames_concatenated_in_one_item_fail_with_zstd_error(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    zseg_slice *frames = base_frames_copy();
    zseg_slice a = g_base_views[BAD_AT], b = g_base_views[BAD_AT + 1];
    uint8_t *two = dup_bytes(a.ptr, a.len, b.len);
    memcpy(two + a.len, b.ptr, b.len);
    frames[BAD_AT].ptr = two;
    frames[BAD_AT].len = a.len + b.len;
    CHECK(fails_at(d, frames, NULL, ZSEG_ERR_ZSTD, g_base.items));
    /* Also when the given size is the sum of both contents: still two frames. */
    uint64_t *sizes = unknown_sizes();
    sizes[BAD_AT] = g_base.items[BAD_AT].len + g_base.items[BAD_AT + 1].len;
    zseg_error err;
    zseg_collection *out = SENTINEL_COLL;
    zseg_result rc = zseg_decompress_slices(d, frames, BASE_N, sizes, NULL, &out, &err);
    CHECK(rc == ZSEG_ERR_ZSTD || rc == ZSEG_ERR_SIZE_MISMATCH);
    CHECK_EQ_U64(err.item, BAD_AT);
    CHECK(out == SENTINEL_COLL);
    /* Two empty frames back to back. */
    zseg_compressor *c = compressor_at(3);
    REQUIRE(c);
    zseg_slice nothing = {NULL, 0};
    zseg_collection *ef = compress_t(c, &nothing, 1, 1);
    REQUIRE(ef);
    zseg_slice e = item_of(ef, 0);
    uint8_t *two_empty = dup_bytes(e.ptr, e.len, e.len);
    memcpy(two_empty + e.len, e.ptr, e.len);
    frames[BAD_AT].ptr = two_empty;
    frames[BAD_AT].len = 2 * e.len;
    CHECK(fails_at(d, frames, NULL, ZSEG_ERR_ZSTD, NULL));
    free(two_empty);
    zseg_collection_free(ef);
    zseg_compressor_free(c);
    free(sizes);
    free(two);
    free(frames);
    zseg_decompressor_free(d);
}

/* g_dict with another dictionary ID (bytes 4..7): a valid dictionary, but not the right one. */
static uint8_t *dictionary_with_other_id(void) {
    uint8_t *other = dup_bytes(g_dict, g_dict_size, 0);
    other[4] ^= 0x5A;
    other[7] ^= 0x01;
    return other;
}

static void test_decompress_missing_or_wrong_dictionary_fails_with_dictionary_error(void) {
    REQUIRE(base_batch());
    REQUIRE(trained_dictionary());
    zseg_compressor *dc = compressor_at(3);
    REQUIRE(dc);
    CHECK_RC(zseg_compressor_load_dictionary(dc, g_dict, g_dict_size, NULL), ZSEG_OK);
    zseg_collection *dframes = compress_t(dc, g_base.items, BASE_N, 2);
    REQUIRE(dframes);
    zseg_slice *dviews = views_of(dframes);
    /* Frame BAD_AT needs the dictionary, the others do not. */
    zseg_slice *frames = base_frames_copy();
    frames[BAD_AT] = dviews[BAD_AT];

    zseg_decompressor *none = decompressor_plain();
    REQUIRE(none);
    CHECK(fails_at(none, frames, NULL, ZSEG_ERR_DICTIONARY, g_base.items));

    uint8_t *other = dictionary_with_other_id();
    zseg_decompressor *wrong = decompressor_plain();
    REQUIRE(wrong);
    CHECK_RC(zseg_decompressor_load_dictionary(wrong, other, g_dict_size, NULL), ZSEG_OK);
    CHECK(fails_at(wrong, frames, NULL, ZSEG_ERR_DICTIONARY, g_base.items));
    /* Both with zstd's code for it, ZSTD_error_dictionary_wrong (32 in zstd_errors.h). */
    zseg_decompressor *both[] = {none, wrong};
    for (size_t k = 0; k < COUNT_OF(both); k++) {
        zseg_collection *out = SENTINEL_COLL;
        zseg_error err;
        CHECK_RC(zseg_decompress_slices(both[k], &dviews[BAD_AT], 1, NULL, NULL, &out, &err),
                 ZSEG_ERR_DICTIONARY);
        CHECK_EQ_U64(err.zstd_code, 32);
        CHECK(out == SENTINEL_COLL);
    }

    /* A raw-content dictionary has no ID: a frame naming one still needs its own. */
    zseg_decompressor *raw = decompressor_plain();
    REQUIRE(raw);
    CHECK_RC(zseg_decompressor_load_dictionary(raw, g_base.data, 2000, NULL), ZSEG_OK);
    CHECK(fails_at(raw, frames, NULL, ZSEG_ERR_DICTIONARY, g_base.items));

    /* The right dictionary decodes all of them, and removing it brings the error back. */
    zseg_decompressor *right = decompressor_plain();
    REQUIRE(right);
    CHECK_RC(zseg_decompressor_load_dictionary(right, g_dict, g_dict_size, NULL), ZSEG_OK);
    zseg_batch_options o = opts_threads(2);
    check_slices_give(right, frames, BASE_N, NULL, &o, g_base.items);
    check_collection_gives(right, dframes, NULL, &o, g_base.items, BASE_N);
    CHECK_RC(zseg_decompressor_load_dictionary(right, NULL, 0, NULL), ZSEG_OK);
    CHECK(fails_at(right, frames, NULL, ZSEG_ERR_DICTIONARY, g_base.items));

    free(other);
    free(frames);
    free(dviews);
    zseg_collection_free(dframes);
    zseg_compressor_free(dc);
    zseg_decompressor_free(none);
    zseg_decompressor_free(wrong);
    zseg_decompressor_free(raw);
    zseg_decompressor_free(right);
}

/* 1 if the message holds both numbers in decimal. */
static int message_names(const char *msg, uint64_t a, uint64_t b) {
    char sa[32], sb[32];
    snprintf(sa, sizeof sa, "%llu", (unsigned long long)a);
    snprintf(sb, sizeof sb, "%llu", (unsigned long long)b);
    if (strstr(msg, sa) && strstr(msg, sb)) return 1;
    fprintf(stderr, "  message \"%s\" does not name both %s and %s\n", msg, sa, sb);
    return 0;
}

static void test_decompress_given_size_other_than_actual_is_size_mismatch_naming_both(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    uint64_t *sizes = xmalloc(BASE_N * sizeof *sizes);
    const uint64_t actual = g_base.items[BAD_AT].len;
    for (int with_header = 1; with_header >= 0; with_header--) {
        /* with_header: the frame records its size; else the frame has none and all sizes are
           given. */
        zseg_collection *nocs = with_header ? NULL : base_frames_without_content_size();
        zseg_slice *frames = with_header ? base_frames_copy() : views_of(nocs);
        REQUIRE(frames);
        for (int delta = -1; delta <= 1; delta += 2) {
            for (size_t i = 0; i < BASE_N; i++)
                sizes[i] = with_header ? ZSEG_SIZE_UNKNOWN : g_base.items[i].len;
            sizes[BAD_AT] = actual + (uint64_t)(int64_t)delta;
            if (!fails_at(d, frames, sizes, ZSEG_ERR_SIZE_MISMATCH,
                          g_base.items)) {
                fprintf(stderr, "  content size in header %d, given %+d\n", with_header, delta);
                CHECK(0);
            }
            /* The message names both numbers, at any thread count and for the frame alone
               (the content is counted when it runs past the given size). */
            for (int32_t threads = 1; threads <= 2; threads++) {
                zseg_error err;
                zseg_collection *out = SENTINEL_COLL;
                zseg_batch_options o = opts_threads(threads);
                CHECK_RC(zseg_decompress_slices(d, frames, BASE_N, sizes, &o, &out, &err),
                         ZSEG_ERR_SIZE_MISMATCH);
                CHECK(message_names(err.message, actual, sizes[BAD_AT]));
                CHECK_RC(zseg_decompress_slices(d, frames + BAD_AT, 1, sizes + BAD_AT, &o, &out,
                                                &err),
                         ZSEG_ERR_SIZE_MISMATCH);
                CHECK(message_names(err.message, actual, sizes[BAD_AT]));
                CHECK(out == SENTINEL_COLL);
            }
        }
        free(frames);
        zseg_collection_free(nocs);
    }
    free(sizes);
    zseg_decompressor_free(d);
}

static void test_decompress_item_over_max_item_size_is_limit(void) {
    /* JSON records (< 1 KiB), one item of exactly 1000 bytes and one of 1001. */
    corpus js = corpus_json(BASE_N, 60);
    corpus cp = corpus_new(BASE_N, js.size + 2001);
    uint8_t text[1001];
    fill_text(text, sizeof text, 61);
    for (size_t i = 0; i < BASE_N; i++) {
        if (i == 300) corpus_add(&cp, text, 1000);
        else if (i == BAD_AT) corpus_add(&cp, text, 1001);
        else corpus_add(&cp, js.items[i].ptr, js.items[i].len < 1000 ? js.items[i].len : 999);
    }
    corpus_seal(&cp);
    zseg_compressor *c = compressor_at(3);
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(c && d);
    zseg_collection *fr = compress_t(c, cp.items, cp.n, 2);
    REQUIRE(fr);
    zseg_slice *frames = views_of(fr);
    zseg_error err;
    CHECK_RC(zseg_decompressor_set_max_item_size(d, 1000, &err), ZSEG_OK);
    CHECK(fails_at(d, frames, NULL, ZSEG_ERR_LIMIT, cp.items));
    /* The limit is inclusive: without the 1001-byte item the batch passes. */
    frames[BAD_AT] = frames[300];
    zseg_collection *out = NULL;
    zseg_batch_options o = opts_threads(2);
    CHECK_RC(zseg_decompress_slices(d, frames, BASE_N, NULL, &o, &out, NULL), ZSEG_OK);
    CHECK_EQ_U64(item_of(out, BAD_AT).len, 1000);
    zseg_collection_free(out);
    /* Limit 0: empty items only. */
    CHECK_RC(zseg_decompressor_set_max_item_size(d, 0, NULL), ZSEG_OK);
    zseg_slice nothing = {NULL, 0};
    zseg_collection *ef = compress_t(c, &nothing, 1, 1);
    out = NULL;
    CHECK_RC(zseg_decompress_collection(d, ef, NULL, NULL, &out, NULL), ZSEG_OK);
    CHECK_EQ_U64(zseg_collection_count(out), 1);
    zseg_collection_free(out);
    out = SENTINEL_COLL;
    CHECK_RC(zseg_decompress_slices(d, frames, 1, NULL, NULL, &out, &err), ZSEG_ERR_LIMIT);
    CHECK_ZERR(err, ZSEG_ERR_LIMIT, 0);
    /* UINT64_MAX: no limit. */
    CHECK_RC(zseg_decompressor_set_max_item_size(d, UINT64_MAX, NULL), ZSEG_OK);
    frames[BAD_AT] = item_of(fr, BAD_AT);
    check_slices_give(d, frames, BASE_N, NULL, &o, cp.items);
    CHECK_RC(zseg_decompressor_set_max_item_size(NULL, 5, NULL), ZSEG_ERR_NULL);
    zseg_collection_free(ef);
    free(frames);
    zseg_collection_free(fr);
    zseg_compressor_free(c);
    zseg_decompressor_free(d);
    corpus_free(&cp);
    corpus_free(&js);
}

static void test_decompress_batch_over_max_total_size_is_limit_for_the_batch(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    const uint64_t total = sum_lengths(g_base.items, BASE_N);
    uint8_t *dst = xmalloc(total + CANARY_LEN);
    zseg_segment *segs = xmalloc(BASE_N * sizeof *segs);
    CHECK_RC(zseg_decompressor_set_max_total_size(d, total - 1, NULL), ZSEG_OK);
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        zseg_batch_options o = opts_threads(threads[t]);
        zseg_collection *out = SENTINEL_COLL;
        zseg_error err;
        CHECK_RC(zseg_decompress_slices(d, g_base_views, BASE_N, NULL, &o, &out, &err),
                 ZSEG_ERR_LIMIT);
        CHECK_ZERR(err, ZSEG_ERR_LIMIT, UINT64_MAX);
        CHECK(out == SENTINEL_COLL);
        CHECK_RC(zseg_decompress_collection(d, g_base_frames, NULL, &o, &out, &err), ZSEG_ERR_LIMIT);
        CHECK_ZERR(err, ZSEG_ERR_LIMIT, UINT64_MAX);
        size_t used = 4242;
        memset(dst + total, CANARY_BYTE, CANARY_LEN);
        CHECK_RC(zseg_decompress_slices_into(d, g_base_views, BASE_N, NULL, &o, dst, total, segs,
                                             &used, &err),
                 ZSEG_ERR_LIMIT);
        CHECK_EQ_U64(used, 4242);
        CHECK(canary_intact(dst + total));
    }
    CHECK_RC(zseg_decompressor_set_max_total_size(d, total, NULL), ZSEG_OK);
    zseg_batch_options o = opts_threads(2);
    check_slices_give(d, g_base_views, BASE_N, NULL, &o, g_base.items);
    CHECK_RC(zseg_decompressor_set_max_total_size(NULL, 5, NULL), ZSEG_ERR_NULL);
    free(dst);
    free(segs);
    zseg_decompressor_free(d);
}

/* A 17-byte frame whose header declares 100 GiB: single segment, 8-byte content size, then one
   RLE block of 128 KiB. */
static const uint64_t HUNDRED_GIB = 100ULL << 30;
static void make_bomb(uint8_t out[17]) {
    static const uint8_t start[5] = {0x28, 0xB5, 0x2F, 0xFD, 0xE0};
    memcpy(out, start, 5);
    for (int i = 0; i < 8; i++) out[5 + i] = (uint8_t)(HUNDRED_GIB >> (8 * i));
    uint32_t bh = (131072u << 3) | (1u << 1) | 1u; /* RLE, last block */
    out[13] = (uint8_t)bh;
    out[14] = (uint8_t)(bh >> 8);
    out[15] = (uint8_t)(bh >> 16);
    out[16] = 'A';
}

/* The peak resident set size of this process so far, in KiB. */
static long max_rss_kib(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void test_decompress_frame_declaring_100_gib_fails_fast_with_limit(void) {
    REQUIRE(base_batch());
    uint8_t bomb[17];
    make_bomb(bomb);
    uint64_t cs = 0;
    CHECK_RC(zseg_frame_content_size(bomb, sizeof bomb, &cs, NULL), ZSEG_OK);
    CHECK_EQ_U64(cs, HUNDRED_GIB);
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(d);
    long rss_before = max_rss_kib();
    /* Alone, under the default 1 GiB item limit: refused at once, from the header. */
    zseg_slice one = {bomb, sizeof bomb};
    zseg_collection *out = SENTINEL_COLL;
    zseg_error err;
    double t0 = now_seconds();
    CHECK_RC(zseg_decompress_slices(d, &one, 1, NULL, NULL, &out, &err), ZSEG_ERR_LIMIT);
    double spent = now_seconds() - t0;
    CHECK_ZERR(err, ZSEG_ERR_LIMIT, 0);
    CHECK(out == SENTINEL_COLL);
    /* _into: the limit, not the capacity, is the answer. */
    uint8_t dst[64];
    zseg_segment seg;
    size_t used = 4242;
    t0 = now_seconds();
    CHECK_RC(zseg_decompress_slices_into(d, &one, 1, NULL, NULL, dst, sizeof dst, &seg, &used, &err),
             ZSEG_ERR_LIMIT);
    spent += now_seconds() - t0;
    CHECK_EQ_U64(used, 4242);
    /* Among good frames, at threads 1 and 2, fail-fast and per item. */
    CHECK(fails_with_frame(d, g_base_frames, one, NULL, ZSEG_ERR_LIMIT));
    /* With no item limit, a 1 GiB total limit still stops it before allocating. */
    CHECK_RC(zseg_decompressor_set_max_item_size(d, UINT64_MAX, NULL), ZSEG_OK);
    CHECK_RC(zseg_decompressor_set_max_total_size(d, 1ULL << 30, NULL), ZSEG_OK);
    t0 = now_seconds();
    CHECK_RC(zseg_decompress_slices(d, &one, 1, NULL, NULL, &out, &err), ZSEG_ERR_LIMIT);
    spent += now_seconds() - t0;
    CHECK_ZERR(err, ZSEG_ERR_LIMIT, UINT64_MAX);
    long rss_growth = max_rss_kib() - rss_before;
    if (spent >= 1.0 || rss_growth >= 64 * 1024)
        fprintf(stderr, "  the three refusals took %.3f s, peak RSS grew by %ld KiB\n", spent,
                rss_growth);
    CHECK(spent < 1.0);
    CHECK(rss_growth < 64 * 1024);
    zseg_decompressor_free(d);
}

static void test_decompress_given_sizes_over_the_limit_or_overflowing_fail_before_allocating(void) {
    zseg_decompressor *d = base_decompressor();
    zseg_collection *nocs = base_frames_without_content_size();
    REQUIRE(nocs && d);
    zseg_slice *frames = views_of(nocs);
    uint64_t *sizes = xmalloc(BASE_N * sizeof *sizes);
    for (size_t i = 0; i < BASE_N; i++) sizes[i] = g_base.items[i].len;
    long rss_before = max_rss_kib();
    /* A frame without a content size, given as 100 GiB: over the default 1 GiB item limit. */
    sizes[BAD_AT] = HUNDRED_GIB;
    CHECK(fails_at(d, frames, sizes, ZSEG_ERR_LIMIT, g_base.items));
    /* Without limits, sizes whose sum overflows 64 bits are refused, not wrapped around. */
    CHECK_RC(zseg_decompressor_set_max_item_size(d, UINT64_MAX, NULL), ZSEG_OK);
    uint64_t huge[2] = {1ULL << 63, 1ULL << 63};
    zseg_collection *out = SENTINEL_COLL;
    zseg_error err;
    double t0 = now_seconds();
    zseg_result rc = zseg_decompress_slices(d, frames, 2, huge, NULL, &out, &err);
    double spent = now_seconds() - t0;
    if (rc != ZSEG_ERR_ALLOC && rc != ZSEG_ERR_LIMIT)
        fprintf(stderr, "  sizes 2^63 + 2^63: %s (%s)\n", zseg_result_str(rc), err.message);
    CHECK(rc == ZSEG_ERR_ALLOC || rc == ZSEG_ERR_LIMIT);
    CHECK(out == SENTINEL_COLL);
    uint8_t dst[64];
    zseg_segment segs[2];
    size_t used = 4242;
    t0 = now_seconds();
    rc = zseg_decompress_slices_into(d, frames, 2, huge, NULL, dst, sizeof dst, segs, &used, &err);
    spent += now_seconds() - t0;
    CHECK(rc == ZSEG_ERR_ALLOC || rc == ZSEG_ERR_LIMIT || rc == ZSEG_ERR_DST_TOO_SMALL);
    CHECK_EQ_U64(used, 4242);
    long rss_growth = max_rss_kib() - rss_before;
    CHECK(spent < 1.0);
    CHECK(rss_growth < 64 * 1024);
    free(sizes);
    free(frames);
    zseg_collection_free(nocs);
    zseg_decompressor_free(d);
}

static void test_decompress_window_log_max_10_rejects_a_window_log_20_frame(void) {
    const size_t mib = 1u << 20;
    corpus big = corpus_new(1, mib);
    corpus_add_text(&big, mib, 70);
    corpus_seal(&big);
    zseg_compressor *c = compressor_at(3), *nocs_c = compressor_at(3);
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(c && nocs_c && d);
    CHECK_RC(zseg_compressor_set_param(c, ZSEG_CPARAM_WINDOW_LOG, 20, NULL), ZSEG_OK);
    CHECK_RC(zseg_compressor_set_param(nocs_c, ZSEG_CPARAM_WINDOW_LOG, 20, NULL), ZSEG_OK);
    CHECK_RC(zseg_compressor_set_param(nocs_c, ZSEG_CPARAM_CONTENT_SIZE, 0, NULL), ZSEG_OK);
    zseg_collection *f20 = compress_t(c, big.items, 1, 1);
    zseg_collection *f20_nocs = compress_t(nocs_c, big.items, 1, 1);
    REQUIRE(f20 && f20_nocs);
    zseg_error err;
    CHECK_RC(zseg_decompressor_set_param(d, ZSEG_DPARAM_WINDOW_LOG_MAX, 10, &err), ZSEG_OK);
    zseg_collection *out = SENTINEL_COLL;
    CHECK_RC(zseg_decompress_collection(d, f20, NULL, NULL, &out, &err), ZSEG_ERR_LIMIT);
    CHECK_ZERR(err, ZSEG_ERR_LIMIT, 0);
    CHECK(out == SENTINEL_COLL);
    uint64_t mib_size = mib;
    CHECK_RC(zseg_decompress_collection(d, f20_nocs, &mib_size, NULL, &out, &err), ZSEG_ERR_LIMIT);
    CHECK_ZERR(err, ZSEG_ERR_LIMIT, 0);
    /* In a batch of small JSON frames (windows under 1 KiB), only that frame fails. */
    corpus js = corpus_json(BASE_N, 71);
    zseg_collection *jf = compress_t(c, js.items, BASE_N, 2);
    REQUIRE(jf);
    zseg_slice *frames = views_of(jf);
    zseg_slice *expect = xmalloc(BASE_N * sizeof *expect);
    memcpy(expect, js.items, BASE_N * sizeof *expect);
    frames[BAD_AT] = item_of(f20, 0);
    expect[BAD_AT] = big.items[0];
    CHECK(fails_at(d, frames, NULL, ZSEG_ERR_LIMIT, expect));
    /* Window log max 20 accepts both frames; 19 rejects the one with a window descriptor. */
    CHECK_RC(zseg_decompressor_set_param(d, ZSEG_DPARAM_WINDOW_LOG_MAX, 20, NULL), ZSEG_OK);
    out = NULL;
    zseg_batch_options o = opts_threads(2);
    check_slices_give(d, frames, BASE_N, NULL, &o, expect);
    check_collection_gives(d, f20_nocs, &mib_size, NULL, big.items, 1);
    CHECK_RC(zseg_decompressor_set_param(d, ZSEG_DPARAM_WINDOW_LOG_MAX, 19, NULL), ZSEG_OK);
    out = SENTINEL_COLL;
    CHECK_RC(zseg_decompress_collection(d, f20_nocs, &mib_size, NULL, &out, &err), ZSEG_ERR_LIMIT);
    CHECK(out == SENTINEL_COLL);
    /* 0 switches the check off again. */
    CHECK_RC(zseg_decompressor_set_param(d, ZSEG_DPARAM_WINDOW_LOG_MAX, 0, NULL), ZSEG_OK);
    check_collection_gives(d, f20, NULL, NULL, big.items, 1);
    /* A header declaring a window over 2^31 (descriptor 0xB0: log 32), which no zstd decodes,
       is over the limit whatever it is, 0 and 31 included. */
    static const uint8_t log32[] = {0x28, 0xB5, 0x2F, 0xFD, 0x00, 0xB0, 0x01, 0x00, 0x00};
    zseg_slice huge = {log32, sizeof log32};
    uint64_t zero = 0;
    const int64_t maxes[] = {0, 31};
    for (size_t k = 0; k < COUNT_OF(maxes); k++) {
        CHECK_RC(zseg_decompressor_set_param(d, ZSEG_DPARAM_WINDOW_LOG_MAX, maxes[k], NULL),
                 ZSEG_OK);
        out = SENTINEL_COLL;
        CHECK_RC(zseg_decompress_slices(d, &huge, 1, &zero, NULL, &out, &err), ZSEG_ERR_LIMIT);
        CHECK_ZERR(err, ZSEG_ERR_LIMIT, 0);
        CHECK(err.zstd_code != 0);
        CHECK(out == SENTINEL_COLL);
    }
    free(frames);
    free(expect);
    zseg_collection_free(jf);
    zseg_collection_free(f20);
    zseg_collection_free(f20_nocs);
    zseg_compressor_free(c);
    zseg_compressor_free(nocs_c);
    zseg_decompressor_free(d);
    corpus_free(&js);
    corpus_free(&big);
}

static void test_decompress_magicless_frames_need_the_magicless_param(void) {
    zseg_decompressor *bare = base_decompressor(), *std_d = decompressor_plain();
    REQUIRE(bare && std_d);
    CHECK_RC(zseg_decompressor_set_param(bare, ZSEG_DPARAM_MAGICLESS, 1, NULL), ZSEG_OK);
    zseg_collection *ml = base_frames_with(ZSEG_CPARAM_MAGICLESS, 1);
    REQUIRE(ml);
    zseg_slice *views = views_of(ml);
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        zseg_batch_options o = opts_threads(threads[t]);
        check_collection_gives(bare, ml, NULL, &o, g_base.items, BASE_N);
        check_into_exact(bare, views, BASE_N, NULL, &o, g_base.items);
        /* A standard decompressor rejects them (the first one, on the calling thread). */
        zseg_error err;
        zseg_collection *out = SENTINEL_COLL;
        zseg_result rc = zseg_decompress_collection(std_d, ml, NULL, &o, &out, &err);
        CHECK(rc != ZSEG_OK && rc != ZSEG_ERR_PARTIAL);
        CHECK(out == SENTINEL_COLL);
        CHECK(message_ok(&err));
        if (threads[t] == 1) CHECK_EQ_U64(err.item, 0);
        /* and a magicless decompressor rejects standard frames */
        rc = zseg_decompress_collection(bare, g_base_frames, NULL, &o, &out, &err);
        CHECK(rc != ZSEG_OK && rc != ZSEG_ERR_PARTIAL);
        CHECK(out == SENTINEL_COLL);
    }
    /* One magicless frame among standard ones fails for its item with a standard decompressor. */
    CHECK(fails_with_frame(std_d, g_base_frames, views[BAD_AT], NULL, ZSEG_ERR_ZSTD));
    free(views);
    zseg_collection_free(ml);
    zseg_decompressor_free(bare);
    zseg_decompressor_free(std_d);
}

static void test_decompress_lowest_failing_index_is_named_on_the_calling_thread(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    zseg_slice *frames = base_frames_copy();
    size_t bad_idx[] = {1100, 400, 950};
    for (size_t k = 0; k < 3; k++) frames[bad_idx[k]].len = 0;
    zseg_batch_options o = opts_threads(1);
    zseg_collection *out = SENTINEL_COLL;
    zseg_error err;
    CHECK_RC(zseg_decompress_slices(d, frames, BASE_N, NULL, &o, &out, &err), ZSEG_ERR_ZSTD);
    CHECK_ZERR(err, ZSEG_ERR_ZSTD, 400);
    o.threads = 0;
    CHECK_RC(zseg_decompress_slices(d, frames, BASE_N, NULL, &o, &out, &err), ZSEG_ERR_ZSTD);
    CHECK_ZERR(err, ZSEG_ERR_ZSTD, 400);
    o.threads = 2;
    CHECK_RC(zseg_decompress_slices(d, frames, BASE_N, NULL, &o, &out, &err), ZSEG_ERR_ZSTD);
    CHECK(err.item == 400 || err.item == 950 || err.item == 1100);
    CHECK(out == SENTINEL_COLL);
    free(frames);
    zseg_decompressor_free(d);
}

/* A hand-made frame: single segment, 1-byte content size `declared`, one raw last block of
   `actual` bytes of 'x' (RFC 8878). Returns its length (at most 8 + 255). */
static size_t make_raw_frame(uint8_t *out, uint8_t declared, size_t actual) {
    static const uint8_t start[4] = {0x28, 0xB5, 0x2F, 0xFD};
    memcpy(out, start, 4);
    out[4] = 0x20; /* single segment, FCS field of 1 byte, no checksum, no dictionary ID */
    out[5] = declared;
    uint32_t bh = ((uint32_t)actual << 3) | 1u; /* raw block, last */
    out[6] = (uint8_t)bh;
    out[7] = (uint8_t)(bh >> 8);
    out[8] = (uint8_t)(bh >> 16);
    memset(out + 9, 'x', actual);
    return 9 + actual;
}

static void test_decompress_frame_content_other_than_its_header_says_fails_without_overwrite(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    uint8_t good[300], shorter[300], longer[300];
    size_t good_len = make_raw_frame(good, 100, 100);
    size_t shorter_len = make_raw_frame(shorter, 200, 100); /* content ends early */
    size_t longer_len = make_raw_frame(longer, 50, 100);    /* content overruns its slot */
    uint8_t hundred_x[100];
    memset(hundred_x, 'x', sizeof hundred_x);
    /* The hand-made good frame decodes, so the others fail for their lie only. */
    zseg_slice g = {good, good_len}, want = {hundred_x, 100};
    check_slices_give(d, &g, 1, NULL, NULL, &want);
    /* Its content differs from the size its header declares: a size mismatch naming both
       sizes, as when the size is given. */
    uint8_t *liars[2] = {shorter, longer};
    size_t liar_len[2] = {shorter_len, longer_len};
    const char *said[2] = {"the frame header says 200 bytes but the frame decompresses to 100",
                           "the frame header says 50 bytes but the frame decompresses to 100"};
    for (size_t k = 0; k < 2; k++) {
        zseg_slice one = {liars[k], liar_len[k]};
        zseg_collection *none = SENTINEL_COLL;
        zseg_error e;
        CHECK_RC(zseg_decompress_slices(d, &one, 1, NULL, NULL, &none, &e),
                 ZSEG_ERR_SIZE_MISMATCH);
        CHECK(strstr(e.message, said[k]) != NULL);
        CHECK(none == SENTINEL_COLL);
        CHECK(fails_with_frame(d, g_base_frames, one, NULL, ZSEG_ERR_SIZE_MISMATCH));
    }
    /* A given size equal to the real content but not to the header is a size mismatch. */
    uint64_t *sizes = unknown_sizes();
    sizes[BAD_AT] = 100;
    zseg_slice short_frame = {shorter, shorter_len};
    CHECK(fails_with_frame(d, g_base_frames, short_frame, sizes, ZSEG_ERR_SIZE_MISMATCH));
    /* _into, per item: the overrunning frame sits between two good ones in an exactly-sized
       dst; its neighbours come back intact and nothing is written past the capacity. */
    zseg_slice three[3] = {{good, good_len}, {longer, longer_len}, {good, good_len}};
    const size_t cap = 100 + 50 + 100;
    uint8_t dst[250 + CANARY_LEN];
    memset(dst + cap, CANARY_BYTE, CANARY_LEN);
    zseg_segment segs[3];
    zseg_result res[3];
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        zseg_batch_options o = opts_threads(threads[t]);
        o.item_results = res;
        size_t used = 0;
        CHECK_RC(zseg_decompress_slices_into(d, three, 3, NULL, &o, dst, cap, segs, &used, NULL),
                 ZSEG_ERR_PARTIAL);
        CHECK(res[0] == ZSEG_OK && res[2] == ZSEG_OK);
        CHECK(res[1] == ZSEG_ERR_SIZE_MISMATCH);
        CHECK(bytes_equal(dst + segs[0].offset, (size_t)segs[0].length, hundred_x, 100));
        CHECK(bytes_equal(dst + segs[2].offset, (size_t)segs[2].length, hundred_x, 100));
        CHECK_EQ_U64(segs[1].length, 0);
        CHECK(canary_intact(dst + cap));
    }
    free(sizes);
    zseg_decompressor_free(d);
}

static void test_decompress_buffer_with_repeated_and_unordered_segments(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    /* One copy of frames 0..9, segments naming them as 9,8,...,0 then 3,3,3. */
    zseg_buffer *packed = pack_buffer(g_base_views, 10);
    REQUIRE(packed);
    const zseg_segment *ps = zseg_buffer_segments(packed);
    zseg_segment segs[13];
    zseg_slice expect[13];
    for (size_t i = 0; i < 10; i++) {
        segs[i] = ps[9 - i];
        expect[i] = g_base.items[9 - i];
    }
    for (size_t i = 10; i < 13; i++) {
        segs[i] = ps[3];
        expect[i] = g_base.items[3];
    }
    zseg_buffer *in = NULL;
    REQUIRE_RC(zseg_buffer_new_borrowed(zseg_buffer_data(packed), zseg_buffer_size(packed), segs, 13,
                                        NULL, NULL, &in, NULL),
               ZSEG_OK);
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        zseg_batch_options o = opts_threads(threads[t]);
        zseg_collection *out = NULL;
        CHECK_RC(zseg_decompress_buffer(d, in, NULL, &o, &out, NULL), ZSEG_OK);
        CHECK(collection_holds(out, expect, 13));
        zseg_collection_free(out);
    }
    zseg_buffer_free(in);
    zseg_buffer_free(packed);
    zseg_decompressor_free(d);
}

/* ------------------------------------------------------------------------------------------ */
/* Per-item mode                                                                               */
/* ------------------------------------------------------------------------------------------ */

static void per_item_case(size_t n, int32_t threads) {
    REQUIRE(base_batch());
    REQUIRE(trained_dictionary());
    REQUIRE(n <= BASE_N);
    const size_t i_corrupt = 7, i_dict = 50, i_size = n - 1;
    zseg_compressor *dc = compressor_at(3);
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(dc && d);
    CHECK_RC(zseg_compressor_load_dictionary(dc, g_dict, g_dict_size, NULL), ZSEG_OK);
    zseg_collection *dict_frame = compress_t(dc, &g_base.items[i_dict], 1, 1);
    REQUIRE(dict_frame);
    zseg_slice *frames = base_frames_copy();
    uint8_t *corrupt = dup_bytes(frames[i_corrupt].ptr, frames[i_corrupt].len, 0);
    corrupt[frame_header_size(corrupt)] |= 0x06;
    frames[i_corrupt].ptr = corrupt;
    frames[i_dict] = item_of(dict_frame, 0);
    uint64_t *sizes = xmalloc(n * sizeof *sizes);
    for (size_t i = 0; i < n; i++) sizes[i] = ZSEG_SIZE_UNKNOWN;
    sizes[i_size] = g_base.items[i_size].len + 3;
    zseg_result *res = xmalloc(n * sizeof *res);
    for (int into = 0; into < 2; into++) {
        zseg_batch_options o = opts_per_item(threads, res, n);
        zseg_error err;
        zseg_collection *out = NULL;
        uint8_t *dst = NULL;
        zseg_segment *segs = NULL;
        size_t used = 0;
        /* capacity: every declared size (the failed items' included) */
        size_t cap = (size_t)sum_lengths(g_base.items, n) + 3;
        zseg_result rc;
        if (!into) {
            rc = zseg_decompress_slices(d, frames, n, sizes, &o, &out, &err);
        } else {
            dst = xmalloc(cap + CANARY_LEN);
            memset(dst + cap, CANARY_BYTE, CANARY_LEN);
            segs = xmalloc(n * sizeof *segs);
            rc = zseg_decompress_slices_into(d, frames, n, sizes, &o, dst, cap, segs, &used, &err);
        }
        CHECK_EQ_U64(rc, ZSEG_ERR_PARTIAL);
        CHECK_EQ_U64(err.code, ZSEG_ERR_PARTIAL);
        if (rc == ZSEG_ERR_PARTIAL) {
            size_t wrong = 0;
            for (size_t i = 0; i < n; i++) {
                zseg_result want = i == i_corrupt ? ZSEG_ERR_ZSTD
                                   : i == i_dict  ? ZSEG_ERR_DICTIONARY
                                   : i == i_size  ? ZSEG_ERR_SIZE_MISMATCH
                                                  : ZSEG_OK;
                if (res[i] != want) {
                    fprintf(stderr, "  n %zu threads %d into %d: item_results[%zu] = %s, want %s\n",
                            n, (int)threads, into, i, zseg_result_str(res[i]),
                            zseg_result_str(want));
                    wrong++;
                }
                zseg_slice got;
                if (!into) {
                    got = item_of(out, i);
                } else {
                    got.ptr = dst + segs[i].offset;
                    got.len = (size_t)segs[i].length;
                    if (segs[i].offset + segs[i].length > cap) wrong++;
                }
                if (want != ZSEG_OK ? got.len != 0 : !slice_equal(got, g_base.items[i])) {
                    fprintf(stderr, "  n %zu threads %d into %d: item %zu has %zu bytes\n", n,
                            (int)threads, into, i, got.len);
                    wrong++;
                }
            }
            CHECK_EQ_U64(wrong, 0);
            if (!into) CHECK_EQ_U64(zseg_collection_count(out), n);
            if (into) CHECK(used <= cap && canary_intact(dst + cap));
        }
        if (rc == ZSEG_OK || rc == ZSEG_ERR_PARTIAL) zseg_collection_free(out);
        free(dst);
        free(segs);
    }
    free(res);
    free(sizes);
    free(corrupt);
    free(frames);
    zseg_collection_free(dict_frame);
    zseg_compressor_free(dc);
    zseg_decompressor_free(d);
}

static void test_decompress_per_item_mode_finishes_batch_with_failed_items_empty(void) {
    per_item_case(100, 1);
    per_item_case(100, 2);
    per_item_case(BASE_N, 1);
    per_item_case(BASE_N, 2);
}

static void test_decompress_per_item_mode_all_good_returns_ok(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    zseg_result *res = xmalloc(BASE_N * sizeof *res);
    zseg_batch_options o = opts_per_item(2, res, BASE_N);
    zseg_collection *out = NULL;
    CHECK_RC(zseg_decompress_collection(d, g_base_frames, NULL, &o, &out, NULL), ZSEG_OK);
    CHECK_EQ_U64(count_not_ok(res, BASE_N), 0);
    CHECK(collection_holds(out, g_base.items, BASE_N));
    zseg_collection_free(out);
    free(res);
    zseg_decompressor_free(d);
}

/* ------------------------------------------------------------------------------------------ */
/* What python-zstandard 0.25.0 gets wrong                                                     */
/* ------------------------------------------------------------------------------------------ */

static void test_decompress_empty_batch_gives_empty_collection_for_every_entry_point(void) {
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(d);
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        zseg_batch_options o = opts_threads(threads[t]);
        zseg_collection *out = NULL;
        CHECK_RC(zseg_decompress_slices(d, NULL, 0, NULL, &o, &out, NULL), ZSEG_OK);
        CHECK_EQ_U64(zseg_collection_size(out), 0);
        check_no_items(out);
        zseg_buffer *empty = NULL;
        CHECK_RC(zseg_buffer_new_copy(NULL, 0, NULL, 0, &empty, NULL), ZSEG_OK);
        out = NULL;
        CHECK_RC(zseg_decompress_buffer(d, empty, NULL, &o, &out, NULL), ZSEG_OK);
        check_no_items(out);
        zseg_collection *none = NULL;
        CHECK_RC(zseg_collection_new(NULL, 0, &none, NULL), ZSEG_OK);
        out = NULL;
        CHECK_RC(zseg_decompress_collection(d, none, NULL, &o, &out, NULL), ZSEG_OK);
        check_no_items(out);
        zseg_collection_free(none);
        zseg_buffer_free(empty);
        size_t used = 4242;
        CHECK_RC(zseg_decompress_slices_into(d, NULL, 0, NULL, &o, NULL, 0, NULL, &used, NULL),
                 ZSEG_OK);
        CHECK_EQ_U64(used, 0);
    }
    zseg_decompressor_free(d);
}

static void test_decompress_batch_of_one_empty_frame_gives_one_empty_item(void) {
    zseg_compressor *c = compressor_at(3);
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(c && d);
    zseg_slice nothing = {NULL, 0};
    zseg_collection *ef = compress_t(c, &nothing, 1, 1);
    REQUIRE(ef);
    zseg_slice frame = item_of(ef, 0);
    CHECK(frame.len > 0);
    int32_t threads[] = {0, 1, 2, -1};
    for (size_t t = 0; t < 4; t++) {
        zseg_batch_options o = opts_threads(threads[t]);
        zseg_collection *out = NULL;
        CHECK_RC(zseg_decompress_slices(d, &frame, 1, NULL, &o, &out, NULL), ZSEG_OK);
        CHECK_EQ_U64(zseg_collection_count(out), 1);
        CHECK_EQ_U64(item_of(out, 0).len, 0);
        zseg_collection_free(out);
        out = NULL;
        CHECK_RC(zseg_decompress_collection(d, ef, NULL, &o, &out, NULL), ZSEG_OK);
        CHECK_EQ_U64(zseg_collection_count(out), 1);
        CHECK_EQ_U64(zseg_collection_size(out), 0);
        zseg_collection_free(out);
        uint64_t zero = 0;
        out = NULL;
        CHECK_RC(zseg_decompress_slices(d, &frame, 1, &zero, &o, &out, NULL), ZSEG_OK);
        CHECK_EQ_U64(zseg_collection_count(out), 1);
        zseg_collection_free(out);
        /* _into with a 0-byte destination */
        zseg_segment seg = {99, 99};
        size_t used = 4242;
        CHECK_RC(zseg_decompress_slices_into(d, &frame, 1, NULL, &o, NULL, 0, &seg, &used, NULL),
                 ZSEG_OK);
        CHECK_EQ_U64(used, 0);
        CHECK_EQ_U64(seg.offset, 0);
        CHECK_EQ_U64(seg.length, 0);
    }
    zseg_collection_free(ef);
    zseg_compressor_free(c);
    zseg_decompressor_free(d);
}

static void test_decompress_empty_frame_alone_in_the_last_worker_range(void) {
    /* Big frames first, then one empty frame at the end: split by bytes, the last range holds
       only the empty frame. */
    const size_t big = 256u << 10;
    corpus cp = corpus_new(9, 8 * big);
    for (size_t i = 0; i < 8; i++) corpus_add_text(&cp, big, 80 + i);
    corpus_add(&cp, NULL, 0);
    corpus_seal(&cp);
    zseg_compressor *c = compressor_at(1);
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(c && d);
    zseg_collection *frames = compress_t(c, cp.items, cp.n, 2);
    REQUIRE(frames);
    zseg_slice *views = views_of(frames);
    int32_t threads[] = {2, -1, 64};
    for (size_t t = 0; t < 3; t++) {
        zseg_batch_options o = opts_threads(threads[t]);
        check_collection_gives(d, frames, NULL, &o, cp.items, cp.n);
        /* two items: a big one and the empty one */
        zseg_slice pair[2] = {views[0], views[8]};
        zseg_slice pair_items[2] = {cp.items[0], cp.items[8]};
        check_slices_give(d, pair, 2, NULL, &o, pair_items);
        check_into_exact(d, views, cp.n, NULL, &o, cp.items);
    }
    free(views);
    zseg_collection_free(frames);
    zseg_compressor_free(c);
    zseg_decompressor_free(d);
    corpus_free(&cp);
}

static void test_decompress_trailing_empty_frames_keep_the_count_at_threads_2(void) {
    REQUIRE(base_batch());
    zseg_compressor *c = compressor_at(3);
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(c && d);
    const size_t n = BASE_N + 300;
    zseg_slice *items = xmalloc(n * sizeof *items);
    memcpy(items, g_base.items, BASE_N * sizeof *items);
    for (size_t i = BASE_N; i < n; i++) {
        items[i].ptr = NULL;
        items[i].len = 0;
    }
    zseg_collection *frames = compress_t(c, items, n, 2);
    REQUIRE(frames);
    CHECK_EQ_U64(zseg_collection_count(frames), n);
    zseg_slice *views = views_of(frames);
    zseg_buffer *buf = pack_buffer(views, n);
    int32_t threads[] = {2, -1};
    for (size_t t = 0; t < 2; t++) {
        zseg_batch_options o = opts_threads(threads[t]);
        check_collection_gives(d, frames, NULL, &o, items, n);
        zseg_collection *out = NULL;
        CHECK_RC(zseg_decompress_buffer(d, buf, NULL, &o, &out, NULL), ZSEG_OK);
        CHECK(collection_holds(out, items, n));
        zseg_collection_free(out);
        check_into_exact(d, views, n, NULL, &o, items);
    }
    zseg_buffer_free(buf);
    free(views);
    zseg_collection_free(frames);
    free(items);
    zseg_compressor_free(c);
    zseg_decompressor_free(d);
}

static void test_decompress_100000_tiny_items_round_trip(void) {
    const size_t n = 100000;
    corpus cp = corpus_new(n, n * 16);
    char tiny[32];
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(tiny, sizeof tiny, "it%zu", i * 7919u);
        corpus_add(&cp, tiny, (size_t)len);
    }
    corpus_seal(&cp);
    zseg_compressor *c = compressor_at(1);
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(c && d);
    zseg_collection *frames = compress_t(c, cp.items, n, 2);
    REQUIRE(frames);
    CHECK_EQ_U64(zseg_collection_count(frames), n);
    zseg_batch_options o = opts_threads(2);
    check_collection_gives(d, frames, NULL, &o, cp.items, n);
    zseg_slice *views = views_of(frames);
    check_into_exact(d, views, n, NULL, &o, cp.items);
    free(views);
    zseg_collection_free(frames);
    zseg_compressor_free(c);
    zseg_decompressor_free(d);
    corpus_free(&cp);
}

/* ------------------------------------------------------------------------------------------ */
/* zseg_frame_content_size                                                                     */
/* ------------------------------------------------------------------------------------------ */

static void test_frame_content_size_reads_good_frames_and_rejects_bad_ones(void) {
    size_t lens[] = {0, 1, 255, 256, 65535, 65791, 65792, 200000};
    size_t n = sizeof lens / sizeof lens[0];
    corpus cp = corpus_text_prefixes(lens, n, 90);
    zseg_compressor *c = compressor_at(3);
    REQUIRE(c);
    zseg_collection *frames = compress_t(c, cp.items, n, 1);
    REQUIRE(frames);
    zseg_error err;
    for (size_t i = 0; i < n; i++) {
        zseg_slice f = item_of(frames, i);
        uint64_t cs = 12345;
        CHECK_RC(zseg_frame_content_size(f.ptr, f.len, &cs, &err), ZSEG_OK);
        CHECK_EQ_U64(cs, lens[i]);
        /* Only the header is read: a frame cut after its header still tells its size. */
        size_t hdr = frame_header_size(f.ptr);
        uint8_t *cut = dup_bytes(f.ptr, hdr, 0);
        cs = 12345;
        CHECK_RC(zseg_frame_content_size(cut, hdr, &cs, &err), ZSEG_OK);
        CHECK_EQ_U64(cs, lens[i]);
        /* Cut inside the header (exactly-sized copies: no over-read goes unnoticed). */
        for (size_t k = 0; k < hdr; k++) {
            uint8_t *part = dup_bytes(f.ptr, k, 0);
            cs = 12345;
            zseg_result rc = zseg_frame_content_size(part, k, &cs, &err);
            if (rc != ZSEG_ERR_ZSTD)
                fprintf(stderr, "  header of %zu bytes cut to %zu: %s\n", hdr, k,
                        zseg_result_str(rc));
            CHECK_EQ_U64(rc, ZSEG_ERR_ZSTD);
            CHECK_EQ_U64(cs, 12345);
            free(part);
        }
        free(cut);
    }
    /* No content size in the header. */
    CHECK_RC(zseg_compressor_set_param(c, ZSEG_CPARAM_CONTENT_SIZE, 0, NULL), ZSEG_OK);
    zseg_collection *nocs = compress_t(c, cp.items, n, 1);
    REQUIRE(nocs);
    for (size_t i = 0; i < n; i++) {
        zseg_slice f = item_of(nocs, i);
        uint64_t cs = 12345;
        CHECK_RC(zseg_frame_content_size(f.ptr, f.len, &cs, &err), ZSEG_ERR_NO_CONTENT_SIZE);
        CHECK_ZERR(err, ZSEG_ERR_NO_CONTENT_SIZE, UINT64_MAX);
        CHECK_EQ_U64(cs, 12345);
    }
    /* Not a frame: bad magic, magicless, empty input, NULL arguments. */
    zseg_slice f = item_of(frames, 3);
    uint8_t *bad = dup_bytes(f.ptr, f.len, 0);
    bad[1] ^= 0x40;
    uint64_t cs = 12345;
    CHECK_RC(zseg_frame_content_size(bad, f.len, &cs, &err), ZSEG_ERR_ZSTD);
    CHECK_ZERR(err, ZSEG_ERR_ZSTD, UINT64_MAX);
    CHECK_RC(zseg_frame_content_size(f.ptr + 4, f.len - 4, &cs, &err), ZSEG_ERR_ZSTD);
    CHECK_RC(zseg_frame_content_size(NULL, 0, &cs, &err), ZSEG_ERR_ZSTD);
    CHECK_RC(zseg_frame_content_size(NULL, 10, &cs, &err), ZSEG_ERR_NULL);
    CHECK_RC(zseg_frame_content_size(f.ptr, f.len, NULL, &err), ZSEG_ERR_NULL);
    CHECK_EQ_U64(cs, 12345);
    free(bad);
    zseg_collection_free(nocs);
    zseg_collection_free(frames);
    zseg_compressor_free(c);
    corpus_free(&cp);
}

/* ------------------------------------------------------------------------------------------ */
/* Progress and cancellation                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* Decompresses the base frames with options o through zseg_decompress_slices or, if into,
   zseg_decompress_slices_into (an exactly-sized dst); returns the result, output freed. */
static zseg_result base_batch_call(const zseg_decompressor *d, const zseg_batch_options *o,
                                   int into) {
    zseg_result rc;
    if (!into) {
        zseg_collection *out = NULL;
        rc = zseg_decompress_slices(d, g_base_views, BASE_N, NULL, o, &out, NULL);
        if (rc == ZSEG_OK || rc == ZSEG_ERR_PARTIAL) zseg_collection_free(out);
        return rc;
    }
    const size_t total = (size_t)sum_lengths(g_base.items, BASE_N);
    uint8_t *dst = xmalloc(total);
    zseg_segment *segs = xmalloc(BASE_N * sizeof *segs);
    size_t used = 0;
    rc = zseg_decompress_slices_into(d, g_base_views, BASE_N, NULL, o, dst, total, segs, &used,
                                     NULL);
    free(dst);
    free(segs);
    return rc;
}

static void test_decompress_progress_reports_monotonically_up_to_items_total(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        for (int into = 0; into < 2; into++) {
            progress_log log;
            progress_log_init(&log, BASE_N);
            zseg_batch_options o = opts_progress(threads[t], &log);
            CHECK_RC(base_batch_call(d, &o, into), ZSEG_OK);
            CHECK(log.calls >= 1);
            CHECK(!log.wrong_total);
            CHECK(!log.went_backwards);
            CHECK(!log.wrong_thread);
            CHECK(!log.overlapping);
            CHECK_EQ_U64(log.last_done, BASE_N);
            /* At most 64 items between reports, with workers too. */
            CHECK(log.max_step <= 64);
            CHECK(log.calls >= BASE_N / 64);
        }
    }
    zseg_decompressor_free(d);
}

/* What a progress callback tries on the decompressor its batch runs on. */
typedef struct meddler {
    zseg_decompressor *d;
    int calls;
    int refused; /* calls whose every change was refused */
    int nested_ok;
} meddler;

/* Progress callback: every change to the decompressor in m is refused, and a nested batch on
   it works. */
static int meddle(uint64_t done, uint64_t total, void *ctx) {
    meddler *m = ctx;
    m->calls += done <= total;
    zseg_error e[4];
    zseg_result rc[4] = {
        zseg_decompressor_set_max_item_size(m->d, 1, &e[0]),
        zseg_decompressor_set_max_total_size(m->d, 1, &e[1]),
        zseg_decompressor_set_param(m->d, ZSEG_DPARAM_MAGICLESS, 1, &e[2]),
        zseg_decompressor_load_dictionary(m->d, (const uint8_t *)"words", 5, &e[3]),
    };
    int refused = 1;
    for (int k = 0; k < 4; k++) refused &= refused_in_callback(rc[k], &e[k]);
    m->refused += refused;
    zseg_decompressor_free(m->d); /* ignored: its batch runs */
    /* Another batch on the same decompressor is fine. */
    zseg_collection *nested = NULL;
    zseg_batch_options o = opts_threads(2);
    if (zseg_decompress_slices(m->d, g_base_views, 40, NULL, &o, &nested, NULL) == ZSEG_OK &&
        collection_holds(nested, g_base.items, 40))
        m->nested_ok++;
    zseg_collection_free(nested);
    return 0;
}

static void test_decompress_progress_callback_cannot_change_or_free_its_decompressor(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    int32_t threads[] = {0, 2};
    for (size_t t = 0; t < COUNT_OF(threads); t++) {
        meddler m = {d, 0, 0, 0};
        zseg_batch_options o = opts_threads(threads[t]);
        o.progress = meddle;
        o.progress_ctx = &m;
        zseg_collection *out = NULL;
        CHECK_RC(zseg_decompress_slices(d, g_base_views, BASE_N, NULL, &o, &out, NULL), ZSEG_OK);
        CHECK(m.calls >= 1);
        CHECK_EQ_U64((uint64_t)m.refused, (uint64_t)m.calls);
        CHECK_EQ_U64((uint64_t)m.nested_ok, (uint64_t)m.calls);
        /* The limits stayed as they were: every item came out. */
        CHECK(collection_holds(out, g_base.items, BASE_N));
        zseg_collection_free(out);
    }
    /* Once the batch is over, the decompressor changes as usual (and is freed once, below). */
    CHECK_RC(zseg_decompressor_set_max_item_size(d, 1, NULL), ZSEG_OK);
    zseg_collection *out = NULL;
    CHECK_RC(zseg_decompress_slices(d, g_base_views, BASE_N, NULL, NULL, &out, NULL),
             ZSEG_ERR_LIMIT);
    zseg_decompressor_free(d);
}

static void test_decompress_cancel_returns_cancelled_and_hands_back_nothing(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    uint64_t total = sum_lengths(g_base.items, BASE_N);
    uint8_t *dst = xmalloc(total);
    zseg_segment *segs = xmalloc(BASE_N * sizeof *segs);
    zseg_result *res = xmalloc(BASE_N * sizeof *res);
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        for (int when = 0; when < 2; when++) {
            for (int variant = 0; variant < 3; variant++) { /* fail-fast, per-item, _into */
                progress_log log;
                progress_log_cancel(&log, BASE_N, when);
                zseg_batch_options o = opts_progress(threads[t], &log);
                for (size_t i = 0; i < BASE_N; i++) res[i] = (zseg_result)0xDEAD;
                if (variant == 1) o.item_results = res;
                zseg_error err;
                zseg_collection *out = SENTINEL_COLL;
                size_t used = 4242;
                memset(segs, 0xEE, BASE_N * sizeof *segs);
                zseg_result rc =
                    variant < 2
                        ? zseg_decompress_slices(d, g_base_views, BASE_N, NULL, &o, &out, &err)
                        : zseg_decompress_slices_into(d, g_base_views, BASE_N, NULL, &o, dst, total,
                                                      segs, &used, &err);
                if (rc != ZSEG_ERR_CANCELLED)
                    fprintf(stderr, "  threads %d, cancel %s, variant %d: %s\n", (int)threads[t],
                            when ? "at the end" : "at once", variant, zseg_result_str(rc));
                CHECK_EQ_U64(rc, ZSEG_ERR_CANCELLED);
                CHECK_EQ_U64(err.code, ZSEG_ERR_CANCELLED);
                CHECK(message_ok(&err));
                CHECK(out == SENTINEL_COLL);
                CHECK_EQ_U64(used, 4242);
                CHECK(segs[0].offset == 0xEEEEEEEEEEEEEEEEULL);
                CHECK(res[0] == (zseg_result)0xDEAD && res[BASE_N - 1] == (zseg_result)0xDEAD);
                CHECK(log.calls >= 1);
                if (rc == ZSEG_OK || rc == ZSEG_ERR_PARTIAL) zseg_collection_free(out);
            }
        }
    }
    /* Cancellation wins over PARTIAL. */
    zseg_slice *frames = base_frames_copy();
    frames[3].len = 0;
    progress_log log;
    progress_log_cancel(&log, BASE_N, 1);
    zseg_batch_options o = opts_progress(2, &log);
    o.item_results = res;
    zseg_collection *out = SENTINEL_COLL;
    CHECK_RC(zseg_decompress_slices(d, frames, BASE_N, NULL, &o, &out, NULL), ZSEG_ERR_CANCELLED);
    CHECK(out == SENTINEL_COLL);
    /* The decompressor still works afterwards. */
    check_slices_give(d, g_base_views, BASE_N, NULL, NULL, g_base.items);
    free(frames);
    free(res);
    free(dst);
    free(segs);
    zseg_decompressor_free(d);
}

static void test_decompress_progress_is_not_called_again_after_it_cancels(void) {
    /* The callback asks to stop at its first report (and takes 20 ms to return, so workers
       run on meanwhile). The batch is cancelled: there is nothing left to report, and a final
       report of items_done == items_total would tell the caller a cancelled batch completed. */
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        for (int into = 0; into < 2; into++) {
            progress_log log;
            progress_log_cancel(&log, BASE_N, 0);
            log.stall_ms = 20; /* let the workers run on meanwhile */
            zseg_batch_options o = opts_progress(threads[t], &log);
            CHECK_EQ_U64(base_batch_call(d, &o, into), ZSEG_ERR_CANCELLED);
            if (log.calls != 1)
                fprintf(stderr, "  threads %d, into %d: %llu calls, the last at %llu/%llu\n",
                        (int)threads[t], into, (unsigned long long)log.calls,
                        (unsigned long long)log.last_done, (unsigned long long)log.last_total);
            CHECK_EQ_U64(log.calls, 1);
        }
    }
    zseg_decompressor_free(d);
}

/* ------------------------------------------------------------------------------------------ */
/* Arguments                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static void test_decompress_null_arguments_give_err_null_and_touch_nothing(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    zseg_decompressor *dd = SENTINEL_DECOMP;
    zseg_error err;
    CHECK_RC(zseg_decompressor_new(NULL, &err), ZSEG_ERR_NULL);
    CHECK_ZERR(err, ZSEG_ERR_NULL, UINT64_MAX);
    CHECK(dd == SENTINEL_DECOMP);
    zseg_collection *out = SENTINEL_COLL;
    const size_t n = 10;
    CHECK_RC(zseg_decompress_slices(NULL, g_base_views, n, NULL, NULL, &out, &err), ZSEG_ERR_NULL);
    CHECK(message_ok(&err));
    CHECK_RC(zseg_decompress_slices(d, NULL, n, NULL, NULL, &out, &err), ZSEG_ERR_NULL);
    CHECK_RC(zseg_decompress_slices(d, g_base_views, n, NULL, NULL, NULL, &err), ZSEG_ERR_NULL);
    CHECK_RC(zseg_decompress_buffer(d, NULL, NULL, NULL, &out, &err), ZSEG_ERR_NULL);
    CHECK_RC(zseg_decompress_collection(d, NULL, NULL, NULL, &out, &err), ZSEG_ERR_NULL);
    CHECK_RC(zseg_decompress_collection(NULL, g_base_frames, NULL, NULL, &out, &err), ZSEG_ERR_NULL);
    CHECK_RC(zseg_decompress_collection(d, g_base_frames, NULL, NULL, NULL, &err), ZSEG_ERR_NULL);
    CHECK(out == SENTINEL_COLL);
    uint8_t dst[64];
    zseg_segment segs[10];
    size_t used = 4242;
    CHECK_RC(zseg_decompress_slices_into(NULL, g_base_views, n, NULL, NULL, dst, sizeof dst, segs,
                                         &used, &err),
             ZSEG_ERR_NULL);
    CHECK_RC(zseg_decompress_slices_into(d, NULL, n, NULL, NULL, dst, sizeof dst, segs, &used, &err),
             ZSEG_ERR_NULL);
    CHECK_RC(zseg_decompress_slices_into(d, g_base_views, n, NULL, NULL, NULL, 100000, segs, &used,
                                         &err),
             ZSEG_ERR_NULL);
    CHECK_RC(zseg_decompress_slices_into(d, g_base_views, n, NULL, NULL, dst, sizeof dst, NULL,
                                         &used, &err),
             ZSEG_ERR_NULL);
    CHECK_RC(zseg_decompress_slices_into(d, g_base_views, n, NULL, NULL, dst, sizeof dst, segs,
                                         NULL, &err),
             ZSEG_ERR_NULL);
    CHECK(message_ok(&err));
    CHECK_EQ_U64(used, 4242);
    CHECK_RC(zseg_decompressor_load_dictionary(d, NULL, 100, &err), ZSEG_ERR_NULL);
    CHECK_RC(zseg_decompressor_load_dictionary(NULL, dst, 10, &err), ZSEG_ERR_NULL);
    CHECK_RC(zseg_decompressor_set_param(NULL, ZSEG_DPARAM_MAGICLESS, 1, &err), ZSEG_ERR_NULL);
    /* A frame with a NULL pointer and a nonzero length is named by its index. */
    zseg_slice *frames = base_frames_copy();
    frames[BAD_AT].ptr = NULL;
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        zseg_batch_options o = opts_threads(threads[t]);
        CHECK_RC(zseg_decompress_slices(d, frames, BASE_N, NULL, &o, &out, &err), ZSEG_ERR_NULL);
        CHECK_ZERR(err, ZSEG_ERR_NULL, BAD_AT);
        CHECK(out == SENTINEL_COLL);
    }
    CHECK_RC(zseg_decompress_slices(d, NULL, 0, NULL, NULL, NULL, NULL), ZSEG_ERR_NULL);
    zseg_decompressor_free(NULL);
    CHECK_EQ_U64(zseg_decompressor_memory_size(NULL), 0);
    free(frames);
    zseg_decompressor_free(d);
}

static void test_decompress_into_smaller_than_total_fails_and_never_writes_past(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    const size_t total = (size_t)sum_lengths(g_base.items, BASE_N);
    uint8_t *dst = xmalloc(total + 100 + CANARY_LEN);
    zseg_segment *segs = xmalloc(BASE_N * sizeof *segs);
    size_t caps[] = {total - 1, total / 2, 1, 0};
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        zseg_batch_options o = opts_threads(threads[t]);
        for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
            memset(dst + caps[k], CANARY_BYTE, CANARY_LEN);
            memset(segs, 0xEE, BASE_N * sizeof *segs);
            size_t used = 4242;
            zseg_error err;
            CHECK_RC(zseg_decompress_slices_into(d, g_base_views, BASE_N, NULL, &o, dst, caps[k],
                                                 segs, &used, &err),
                     ZSEG_ERR_DST_TOO_SMALL);
            CHECK_EQ_U64(err.code, ZSEG_ERR_DST_TOO_SMALL);
            CHECK(message_ok(&err));
            CHECK(canary_intact(dst + caps[k]));
            CHECK_EQ_U64(used, 4242);
            CHECK(segs[0].offset == 0xEEEEEEEEEEEEEEEEULL &&
                  segs[BASE_N - 1].length == 0xEEEEEEEEEEEEEEEEULL);
        }
        /* More than enough is fine too: dst_used is the exact total. */
        size_t used = 0;
        memset(dst + total + 100, CANARY_BYTE, CANARY_LEN);
        CHECK_RC(zseg_decompress_slices_into(d, g_base_views, BASE_N, NULL, &o, dst, total + 100,
                                             segs, &used, NULL),
                 ZSEG_OK);
        CHECK_EQ_U64(used, total);
        CHECK(packed_items_equal(dst, segs, BASE_N, used, g_base.items));
        CHECK(canary_intact(dst + total + 100));
    }
    free(dst);
    free(segs);
    zseg_decompressor_free(d);
}

static void test_decompressor_set_param_rejects_out_of_range_and_unknown(void) {
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(d);
    static const int64_t bad[][2] = {
        {ZSEG_DPARAM_WINDOW_LOG_MAX, 9},  {ZSEG_DPARAM_WINDOW_LOG_MAX, 1},
        {ZSEG_DPARAM_WINDOW_LOG_MAX, 32}, {ZSEG_DPARAM_WINDOW_LOG_MAX, -1},
        {ZSEG_DPARAM_WINDOW_LOG_MAX, INT64_MAX},
        {ZSEG_DPARAM_MAGICLESS, 2},       {ZSEG_DPARAM_MAGICLESS, -1},
        {0, 0},                           {3, 1},
        {99, 1},                          {0xFFFFFFFFLL, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zseg_error err;
        zseg_result rc = zseg_decompressor_set_param(d, (zseg_dparam)bad[i][0], bad[i][1], &err);
        check_param_result(rc, ZSEG_ERR_INVALID_ARGUMENT, bad[i][0], bad[i][1]);
        CHECK_ZERR(err, ZSEG_ERR_INVALID_ARGUMENT, UINT64_MAX);
    }
    static const int64_t good[][2] = {
        {ZSEG_DPARAM_WINDOW_LOG_MAX, 10}, {ZSEG_DPARAM_WINDOW_LOG_MAX, 31},
        {ZSEG_DPARAM_WINDOW_LOG_MAX, 0},  {ZSEG_DPARAM_MAGICLESS, 1},
        {ZSEG_DPARAM_MAGICLESS, 0},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK_RC(zseg_decompressor_set_param(d, (zseg_dparam)good[i][0], good[i][1], NULL), ZSEG_OK);
    /* The rejected values changed nothing: standard frames still decompress. */
    corpus cp = corpus_json(50, 91);
    zseg_compressor *c = compressor_at(3);
    zseg_collection *frames = compress_t(c, cp.items, cp.n, 1);
    CHECK(decompresses_to(d, frames, cp.items, cp.n, 1));
    zseg_collection_free(frames);
    zseg_compressor_free(c);
    corpus_free(&cp);
    zseg_decompressor_free(d);
}

static void test_decompress_options_size_too_small_is_rejected(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    size_t too_small[] = {0, sizeof(size_t), offsetof(zseg_batch_options, threads) + 3};
    for (size_t i = 0; i < sizeof too_small / sizeof too_small[0]; i++) {
        zseg_batch_options o = opts_threads(1);
        o.size = too_small[i];
        zseg_collection *out = SENTINEL_COLL;
        zseg_error err;
        CHECK_RC(zseg_decompress_slices(d, g_base_views, 10, NULL, &o, &out, &err),
                 ZSEG_ERR_INVALID_ARGUMENT);
        CHECK_ZERR(err, ZSEG_ERR_INVALID_ARGUMENT, UINT64_MAX);
        CHECK(out == SENTINEL_COLL);
    }
    future_options big = future_options_at(2); /* unknown trailing fields are ignored */
    check_slices_give(d, g_base_views, BASE_N, NULL, &big.known, g_base.items);
    zseg_decompressor_free(d);
}

static void test_decompress_error_struct_is_filled_on_failure_and_cleared_on_success(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    zseg_error err;
    memset(&err, 0x5A, sizeof err);
    zseg_slice empty = {NULL, 0};
    zseg_collection *out = SENTINEL_COLL;
    CHECK_RC(zseg_decompress_slices(d, &empty, 1, NULL, NULL, &out, &err), ZSEG_ERR_ZSTD);
    CHECK_ZERR(err, ZSEG_ERR_ZSTD, 0);
    CHECK(strlen(err.message) < ZSEG_ERROR_MESSAGE_SIZE);
    memset(&err, 0x5A, sizeof err);
    out = NULL;
    CHECK_RC(zseg_decompress_slices(d, g_base_views, 10, NULL, NULL, &out, &err), ZSEG_OK);
    CHECK_EQ_U64(err.code, ZSEG_OK);
    CHECK_EQ_U64(err.item, UINT64_MAX);
    CHECK(err.message[0] == '\0');
    zseg_collection_free(out);
    /* A corrupt block reports zstd's error code. */
    zseg_slice f = g_base_views[0];
    uint8_t *bad = dup_bytes(f.ptr, f.len, 0);
    bad[frame_header_size(bad)] |= 0x06;
    zseg_slice one = {bad, f.len};
    out = SENTINEL_COLL;
    CHECK_RC(zseg_decompress_slices(d, &one, 1, NULL, NULL, &out, &err), ZSEG_ERR_ZSTD);
    CHECK(err.zstd_code != 0);
    free(bad);
    zseg_decompressor_free(d);
}

static void test_decompressor_memory_size_is_nonzero_after_a_batch(void) {
    zseg_decompressor *d = base_decompressor();
    REQUIRE(d);
    zseg_collection *out = NULL;
    zseg_batch_options o = opts_threads(2);
    CHECK_RC(zseg_decompress_collection(d, g_base_frames, NULL, &o, &out, NULL), ZSEG_OK);
    CHECK(zseg_decompressor_memory_size(d) > 0);
    zseg_collection_free(out);
    zseg_decompressor_free(d);
}

/* ------------------------------------------------------------------------------------------ */
/* One decompressor shared by several application threads                                      */
/* ------------------------------------------------------------------------------------------ */

static void *shared_worker(void *arg) {
    shared_job *job = arg;
    size_t n = job->cp.n;
    zseg_slice *views = views_of(job->frames);
    uint8_t *dst = xmalloc(job->cp.size);
    zseg_segment *segs = xmalloc(n * sizeof *segs);
    for (int round = 0; round < shared_job_rounds(); round++) {
        zseg_batch_options o = opts_threads(shared_job_threads(round));
        zseg_collection *out = NULL;
        if (zseg_decompress_collection(job->d, job->frames, NULL, &o, &out, NULL) != ZSEG_OK ||
            !collection_holds(out, job->cp.items, n))
            job->failures++;
        zseg_collection_free(out);
        size_t used = 0;
        if (zseg_decompress_slices_into(job->d, views, n, NULL, &o, dst, job->cp.size, segs, &used,
                                        NULL) != ZSEG_OK ||
            !packed_items_equal(dst, segs, n, used, job->cp.items))
            job->failures++;
    }
    free(views);
    free(dst);
    free(segs);
    return NULL;
}

static void test_decompress_one_decompressor_used_by_4_pthreads_at_once(void) {
    REQUIRE(trained_dictionary());
    zseg_compressor *c = compressor_at(3);
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(c && d);
    CHECK_RC(zseg_compressor_load_dictionary(c, g_dict, g_dict_size, NULL), ZSEG_OK);
    CHECK_RC(zseg_decompressor_load_dictionary(d, g_dict, g_dict_size, NULL), ZSEG_OK);
    shared_job jobs[SHARED_JOBS];
    memset(jobs, 0, sizeof jobs);
    for (int j = 0; j < SHARED_JOBS; j++) {
        jobs[j].d = d;
        jobs[j].cp = j % 2 ? corpus_json(700 + 100 * (size_t)j, 100 + (uint64_t)j)
                           : corpus_mixed(400 + 100 * (size_t)j, 100 + (uint64_t)j);
        jobs[j].frames = compress_t(c, jobs[j].cp.items, jobs[j].cp.n, 1);
        REQUIRE(jobs[j].frames);
    }
    run_shared_jobs(jobs, shared_worker);
    zseg_compressor_free(c);
    zseg_decompressor_free(d);
}

int main(void) {
    RUN_TEST(test_decompress_round_trips_every_entry_point_at_levels_threads_and_dictionary);
    RUN_TEST(test_decompress_sizes_given_unknown_or_mixed_all_round_trip);
    RUN_TEST(test_decompress_frames_without_content_size_need_sizes);
    RUN_TEST(test_decompress_corrupt_block_fails_its_item_with_zstd_error);
    RUN_TEST(test_decompress_corrupt_middle_of_checksummed_frame_fails_its_item);
    RUN_TEST(test_decompress_checksum_mismatch_fails_its_item);
    RUN_TEST(test_decompress_truncated_frame_fails_its_item_with_zstd_error);
    RUN_TEST(test_decompress_zero_byte_item_fails_with_zstd_error);
    RUN_TEST(test_decompress_trailing_bytes_after_the_frame_fail_its_item);
    RUN_TEST(test_decompress_two_frames_concatenated_in_one_item_fail_with_zstd_error);
    RUN_TEST(test_decompress_missing_or_wrong_dictionary_fails_with_dictionary_error);
    RUN_TEST(test_decompress_given_size_other_than_actual_is_size_mismatch_naming_both);
    RUN_TEST(test_decompress_item_over_max_item_size_is_limit);
    RUN_TEST(test_decompress_batch_over_max_total_size_is_limit_for_the_batch);
    RUN_TEST(test_decompress_frame_declaring_100_gib_fails_fast_with_limit);
    RUN_TEST(test_decompress_given_sizes_over_the_limit_or_overflowing_fail_before_allocating);
    RUN_TEST(test_decompress_window_log_max_10_rejects_a_window_log_20_frame);
    RUN_TEST(test_decompress_magicless_frames_need_the_magicless_param);
    RUN_TEST(test_decompress_lowest_failing_index_is_named_on_the_calling_thread);
    RUN_TEST(test_decompress_frame_content_other_than_its_header_says_fails_without_overwrite);
    RUN_TEST(test_decompress_buffer_with_repeated_and_unordered_segments);
    RUN_TEST(test_decompress_per_item_mode_finishes_batch_with_failed_items_empty);
    RUN_TEST(test_decompress_per_item_mode_all_good_returns_ok);
    RUN_TEST(test_decompress_empty_batch_gives_empty_collection_for_every_entry_point);
    RUN_TEST(test_decompress_batch_of_one_empty_frame_gives_one_empty_item);
    RUN_TEST(test_decompress_empty_frame_alone_in_the_last_worker_range);
    RUN_TEST(test_decompress_trailing_empty_frames_keep_the_count_at_threads_2);
    RUN_TEST(test_decompress_100000_tiny_items_round_trip);
    RUN_TEST(test_frame_content_size_reads_good_frames_and_rejects_bad_ones);
    RUN_TEST(test_decompress_progress_reports_monotonically_up_to_items_total);
    RUN_TEST(test_decompress_progress_callback_cannot_change_or_free_its_decompressor);
    RUN_TEST(test_decompress_cancel_returns_cancelled_and_hands_back_nothing);
    RUN_TEST(test_decompress_progress_is_not_called_again_after_it_cancels);
    RUN_TEST(test_decompress_null_arguments_give_err_null_and_touch_nothing);
    RUN_TEST(test_decompress_into_smaller_than_total_fails_and_never_writes_past);
    RUN_TEST(test_decompressor_set_param_rejects_out_of_range_and_unknown);
    RUN_TEST(test_decompress_options_size_too_small_is_rejected);
    RUN_TEST(test_decompress_error_struct_is_filled_on_failure_and_cleared_on_success);
    RUN_TEST(test_decompressor_memory_size_is_nonzero_after_a_batch);
    RUN_TEST(test_decompress_one_decompressor_used_by_4_pthreads_at_once);
    base_batch_free();
    return CHECK_SUMMARY();
}
