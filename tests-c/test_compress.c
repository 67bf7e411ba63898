/*
 * Acceptance tests for batch compression (API.md "Batch options" and "Compression").
 *
 * Written from API.md and include/zseg.h only. libzstd is not linked here: frames are checked
 * through their header properties, round trips through zseg's decompressor, and against a
 * reference made by zseg itself compressing one item alone (n = 1 on the calling thread),
 * which the contract says is byte-identical to the batch output.
 */
#define _POSIX_C_SOURCE 200809L

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "support.h"
#include "zseg.h"

/* ZSTD_COMPRESSBOUND from zstd.h (documented formula). */
static size_t zstd_bound(size_t s) {
    return s + (s >> 8) + (s < (128u << 10) ? ((128u << 10) - s) >> 11 : 0);
}

/* What most tests start from: JSON records, a compressor and, if asked for, a decompressor. */
typedef struct fixture {
    corpus cp;
    zseg_compressor *c;
    zseg_decompressor *d; /* NULL unless asked for */
} fixture;

/* Makes f: n JSON records from `seed`, a compressor at `level` and, if with_d, a plain
   decompressor. 1 if every handle asked for was made. */
static int fixture_open(fixture *f, size_t n, uint64_t seed, int level, int with_d) {
    f->cp = corpus_json(n, seed);
    f->c = compressor_at(level);
    f->d = with_d ? decompressor_plain() : NULL;
    return f->c && (f->d || !with_d);
}

/* Frees everything fixture_open made. */
static void fixture_close(fixture *f) {
    zseg_compressor_free(f->c);
    zseg_decompressor_free(f->d);
    corpus_free(&f->cp);
}

/* ------------------------------------------------------------------------------------------ */
/* Entry points                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void test_compress_slices_frames_decompress_to_their_items(void) {
    fixture fx;
    REQUIRE(fixture_open(&fx, 1200, 1, 3, 1));
    zseg_collection *frames = compress_t(fx.c, fx.cp.items, fx.cp.n, 2);
    CHECK(frames != NULL);
    CHECK_EQ_U64(zseg_collection_count(frames), fx.cp.n);
    /* Each item is its own complete frame: it compresses (the corpus is redundant JSON)
       and starts with the zstd magic number 28 B5 2F FD. */
    size_t total = 0;
    for (size_t i = 0; frames && i < fx.cp.n; i++) {
        zseg_slice f = item_of(frames, i);
        CHECK(f.len >= 4 && f.ptr && f.ptr[0] == 0x28 && f.ptr[1] == 0xB5 && f.ptr[2] == 0x2F &&
              f.ptr[3] == 0xFD);
        total += f.len;
    }
    CHECK(frames && total < fx.cp.size);
    CHECK_EQ_U64(zseg_collection_size(frames), total);
    CHECK(decompresses_to(fx.d, frames, fx.cp.items, fx.cp.n, 1));
    zseg_collection_free(frames);
    fixture_close(&fx);
}

static void test_compress_buffer_compresses_segments_in_segment_order(void) {
    corpus cp = corpus_json(800, 2);
    /* Segments out of order, overlapping, with a gap and empty ones: item i = segment i. */
    size_t n = cp.n + 3;
    zseg_segment *segs = xmalloc(n * sizeof *segs);
    zseg_slice *expect = xmalloc(n * sizeof *expect);
    for (size_t i = 0; i < cp.n; i++) segs[i] = cp.segs[cp.n - 1 - i];
    segs[cp.n].offset = 10;                 /* overlaps the first records */
    segs[cp.n].length = 1000;
    segs[cp.n + 1].offset = cp.size;        /* empty, at the very end */
    segs[cp.n + 1].length = 0;
    segs[cp.n + 2].offset = 0;              /* the whole data */
    segs[cp.n + 2].length = cp.size;
    for (size_t i = 0; i < n; i++) {
        expect[i].ptr = cp.data + segs[i].offset;
        expect[i].len = (size_t)segs[i].length;
    }
    zseg_compressor *c = compressor_at(3);
    REQUIRE(c);
    zseg_collection *ref = compress_t(c, expect, n, 1);
    zseg_buffer *copied = NULL, *borrowed = NULL;
    CHECK_RC(zseg_buffer_new_copy(cp.data, cp.size, segs, n, &copied, NULL), ZSEG_OK);
    CHECK_RC(zseg_buffer_new_borrowed(cp.data, cp.size, segs, n, NULL, NULL, &borrowed, NULL),
             ZSEG_OK);
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        zseg_batch_options o = opts_threads(threads[t]);
        zseg_collection *a = NULL, *b = NULL;
        CHECK_RC(zseg_compress_buffer(c, copied, &o, &a, NULL), ZSEG_OK);
        CHECK_RC(zseg_compress_buffer(c, borrowed, &o, &b, NULL), ZSEG_OK);
        CHECK(collections_identical(a, ref));
        CHECK(collections_identical(b, ref));
        zseg_collection_free(a);
        zseg_collection_free(b);
    }
    zseg_decompressor *d = decompressor_plain();
    CHECK(decompresses_to(d, ref, expect, n, 2));
    zseg_decompressor_free(d);
    zseg_buffer_free(copied);
    zseg_buffer_free(borrowed);
    zseg_collection_free(ref);
    zseg_compressor_free(c);
    free(segs);
    free(expect);
    corpus_free(&cp);
}

static void test_compress_collection_uses_global_item_order_across_buffers(void) {
    corpus cp = corpus_json(900, 3);
    /* Buffers: [0,300), an empty buffer, [300,301), [301,900). */
    size_t cuts[] = {0, 300, 300, 301, 900};
    zseg_buffer *bufs[4] = {NULL, NULL, NULL, NULL};
    for (size_t b = 0; b < 4; b++) {
        CHECK_RC(zseg_buffer_new_borrowed(cp.data, cp.size, cp.segs + cuts[b], cuts[b + 1] - cuts[b],
                                          NULL, NULL, &bufs[b], NULL),
                 ZSEG_OK);
    }
    zseg_collection *in = NULL;
    CHECK_RC(zseg_collection_new((const zseg_buffer *const *)bufs, 4, &in, NULL), ZSEG_OK);
    zseg_compressor *c = compressor_at(5);
    REQUIRE(c && in);
    zseg_collection *ref = compress_t(c, cp.items, cp.n, 1);
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        zseg_batch_options o = opts_threads(threads[t]);
        zseg_collection *out = NULL;
        CHECK_RC(zseg_compress_collection(c, in, &o, &out, NULL), ZSEG_OK);
        CHECK(collections_identical(out, ref));
        zseg_collection_free(out);
    }
    zseg_decompressor *d = decompressor_plain();
    CHECK(decompresses_to(d, ref, cp.items, cp.n, 1));
    zseg_decompressor_free(d);
    zseg_collection_free(ref);
    zseg_collection_free(in);
    for (size_t b = 0; b < 4; b++) zseg_buffer_free(bufs[b]);
    zseg_compressor_free(c);
    corpus_free(&cp);
}

static void test_compress_bound_is_sum_of_zstd_compress_bounds(void) {
    static uint8_t dummy[1];
    size_t lens[] = {0, 1, 100, 2047, 131071, 131072, 131073, 1u << 20, 12345};
    size_t n = sizeof lens / sizeof lens[0];
    zseg_slice items[sizeof lens / sizeof lens[0]];
    size_t want = 0;
    for (size_t i = 0; i < n; i++) {
        items[i].ptr = dummy; /* only lengths are read */
        items[i].len = lens[i];
        want += zstd_bound(lens[i]);
        CHECK_EQ_U64(zseg_compress_bound(&items[i], 1), zstd_bound(lens[i]));
    }
    CHECK_EQ_U64(zseg_compress_bound(items, n), want);
    CHECK_EQ_U64(zseg_compress_bound(NULL, 0), 0);
    CHECK_EQ_U64(zseg_compress_bound(items, 0), 0);
    /* An empty item still needs room for a frame. */
    CHECK(zseg_compress_bound(items, 1) >= 9);
}

static void test_compress_bound_gives_size_max_on_overflow_or_null_items(void) {
    static uint8_t dummy[1];
    zseg_slice two_halves[2] = {{dummy, SIZE_MAX / 2}, {dummy, SIZE_MAX / 2}};
    CHECK_EQ_U64(zseg_compress_bound(two_halves, 2), SIZE_MAX);
    zseg_slice huge = {dummy, SIZE_MAX};
    CHECK_EQ_U64(zseg_compress_bound(&huge, 1), SIZE_MAX);
    CHECK_EQ_U64(zseg_compress_bound(NULL, 3), SIZE_MAX);
}

/* 1 if segs describe frames packed back to back from offset 0 in dst, equal to `ref`'s. */
static int packed_frames_equal(const uint8_t *dst, const zseg_segment *segs, size_t n,
                               size_t used, const zseg_collection *ref) {
    if (zseg_collection_count(ref) != n) return 0;
    zseg_slice *frames = views_of(ref);
    int ok = packed_items_equal(dst, segs, n, used, frames);
    free(frames);
    return ok;
}

static void test_compress_slices_into_packs_the_same_frames_back_to_back(void) {
    fixture fx;
    REQUIRE(fixture_open(&fx, 1500, 4, 3, 0));
    zseg_collection *ref = compress_t(fx.c, fx.cp.items, fx.cp.n, 1);
    REQUIRE(ref);
    size_t bound = zseg_compress_bound(fx.cp.items, fx.cp.n);
    uint8_t *dst = xmalloc(bound);
    zseg_segment *segs = xmalloc(fx.cp.n * sizeof *segs);
    int32_t threads[] = {0, 1, 2, -1};
    for (size_t t = 0; t < 4; t++) {
        zseg_batch_options o = opts_threads(threads[t]);
        size_t used = 0;
        memset(segs, 0xEE, fx.cp.n * sizeof *segs);
        CHECK_RC(zseg_compress_slices_into(fx.c, fx.cp.items, fx.cp.n, &o, dst, bound, segs, &used,
                                           NULL),
                 ZSEG_OK);
        CHECK_EQ_U64(used, zseg_collection_size(ref));
        CHECK(packed_frames_equal(dst, segs, fx.cp.n, used, ref));
    }
    free(dst);
    free(segs);
    zseg_collection_free(ref);
    fixture_close(&fx);
}

/* ------------------------------------------------------------------------------------------ */
/* Empty batches and empty items                                                               */
/* ------------------------------------------------------------------------------------------ */

static void test_compress_empty_batch_gives_empty_collection_for_every_entry_point(void) {
    zseg_compressor *c = compressor_at(3);
    REQUIRE(c);
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        zseg_batch_options o = opts_threads(threads[t]);
        zseg_collection *out = NULL;
        CHECK_RC(zseg_compress_slices(c, NULL, 0, &o, &out, NULL), ZSEG_OK);
        CHECK_EQ_U64(zseg_collection_size(out), 0);
        check_no_items(out);

        zseg_buffer *empty = NULL;
        CHECK_RC(zseg_buffer_new_copy(NULL, 0, NULL, 0, &empty, NULL), ZSEG_OK);
        out = NULL;
        CHECK_RC(zseg_compress_buffer(c, empty, &o, &out, NULL), ZSEG_OK);
        check_no_items(out);

        zseg_collection *none = NULL;
        CHECK_RC(zseg_collection_new(NULL, 0, &none, NULL), ZSEG_OK);
        out = NULL;
        CHECK_RC(zseg_compress_collection(c, none, &o, &out, NULL), ZSEG_OK);
        check_no_items(out);

        /* A collection of buffers that have no segments is an empty batch too. */
        const zseg_buffer *two[2] = {empty, empty};
        zseg_collection *hollow = NULL;
        CHECK_RC(zseg_collection_new(two, 2, &hollow, NULL), ZSEG_OK);
        out = NULL;
        CHECK_RC(zseg_compress_collection(c, hollow, &o, &out, NULL), ZSEG_OK);
        CHECK_EQ_U64(zseg_collection_count(out), 0);
        zseg_collection_free(out);
        zseg_collection_free(hollow);
        zseg_collection_free(none);
        zseg_buffer_free(empty);

        size_t used = 12345;
        CHECK_RC(zseg_compress_slices_into(c, NULL, 0, &o, NULL, 0, NULL, &used, NULL), ZSEG_OK);
        CHECK_EQ_U64(used, 0);
    }
    zseg_compressor_free(c);
}

static void test_compress_empty_items_keep_their_places_including_trailing_ones(void) {
    /* 2000 records, every 7th replaced by an empty item (NULL or non-NULL pointer), then 500
       trailing empty items: python-zstandard drops trailing empties at threads > 1. */
    corpus js = corpus_json(2000, 5);
    size_t n = 2500;
    zseg_slice *items = xmalloc(n * sizeof *items);
    for (size_t i = 0; i < n; i++) {
        if (i >= 2000 || i % 7 == 3) {
            items[i].ptr = (i % 2) ? NULL : js.data; /* both spellings of "empty" */
            items[i].len = 0;
        } else {
            items[i] = js.items[i];
        }
    }
    zseg_compressor *c = compressor_at(3);
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(c && d);
    zseg_collection *one = compress_t(c, items, n, 1);
    int32_t threads[] = {2, -1, 64};
    for (size_t t = 0; t < 3; t++) {
        zseg_collection *frames = compress_t(c, items, n, threads[t]);
        CHECK(frames != NULL);
        CHECK_EQ_U64(zseg_collection_count(frames), n);
        CHECK(collections_identical(frames, one));
        CHECK(decompresses_to(d, frames, items, n, threads[t]));
        /* An empty item still becomes a complete frame recording content size 0. */
        zseg_slice last = item_of(frames, n - 1);
        uint64_t cs = 99;
        CHECK_RC(zseg_frame_content_size(last.ptr, last.len, &cs, NULL), ZSEG_OK);
        CHECK_EQ_U64(cs, 0);
        zseg_collection_free(frames);
    }
    /* A batch made only of empty items, at 2 threads. */
    zseg_collection *empties = compress_t(c, items + 2000, 500, 2);
    CHECK_EQ_U64(zseg_collection_count(empties), 500);
    CHECK(decompresses_to(d, empties, items + 2000, 500, 2));
    zseg_collection_free(empties);
    zseg_collection_free(one);
    zseg_compressor_free(c);
    zseg_decompressor_free(d);
    free(items);
    corpus_free(&js);
}

static void test_compress_one_4mib_item_among_10000_tiny_items_keeps_order(void) {
    const size_t big = 4u << 20, n = 10001, big_at = 1234;
    corpus cp = corpus_new(n, big + n * 24);
    char tiny[32];
    for (size_t i = 0; i < n; i++) {
        if (i == big_at) {
            corpus_add_text(&cp, big, 6);
        } else {
            int len = snprintf(tiny, sizeof tiny, "tiny item %zu%s", i, (i % 3) ? "!" : "");
            corpus_add(&cp, tiny, (size_t)len);
        }
    }
    corpus_seal(&cp);
    zseg_compressor *c = compressor_at(3);
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(c && d);
    zseg_collection *two = compress_t(c, cp.items, cp.n, 2);
    zseg_collection *one = compress_t(c, cp.items, cp.n, 1);
    REQUIRE(two && one);
    CHECK_EQ_U64(zseg_collection_count(two), n);
    CHECK(collections_identical(two, one));
    CHECK(decompresses_to(d, two, cp.items, cp.n, 2));
    uint64_t cs = 0;
    zseg_slice bf = item_of(two, big_at);
    CHECK_RC(zseg_frame_content_size(bf.ptr, bf.len, &cs, NULL), ZSEG_OK);
    CHECK_EQ_U64(cs, big);
    /* The big frame equals the big item compressed alone. */
    zseg_collection *alone = compress_t(c, &cp.items[big_at], 1, 1);
    CHECK(alone && slice_equal(item_of(alone, 0), bf));
    zseg_collection_free(alone);
    zseg_collection_free(two);
    zseg_collection_free(one);
    zseg_compressor_free(c);
    zseg_decompressor_free(d);
    corpus_free(&cp);
}

/* ------------------------------------------------------------------------------------------ */
/* Bytes: thread independence, equality with single-item compression, parameters               */
/* ------------------------------------------------------------------------------------------ */

static void test_compress_threads_0_1_2_minus1_64_and_extremes_give_identical_bytes(void) {
    /* Skewed sizes: JSON records, then a few 100 KiB text items, then more records. */
    corpus js = corpus_json(2000, 7);
    corpus cp = corpus_new(2004, js.size + 4 * (100u << 10));
    for (size_t i = 0; i < 2000; i++) {
        if (i % 1000 == 500) corpus_add_text(&cp, 100u << 10, i);
        corpus_add(&cp, js.items[i].ptr, js.items[i].len);
    }
    corpus_seal(&cp);
    zseg_compressor *c = compressor_at(3);
    REQUIRE(c);
    zseg_collection *ref = compress_t(c, cp.items, cp.n, 0);
    REQUIRE(ref);
    size_t bound = zseg_compress_bound(cp.items, cp.n);
    uint8_t *dst_ref = xmalloc(bound), *dst = xmalloc(bound);
    zseg_segment *segs = xmalloc(cp.n * sizeof *segs);
    size_t used_ref = 0;
    zseg_batch_options o0 = opts_threads(0);
    CHECK_RC(zseg_compress_slices_into(c, cp.items, cp.n, &o0, dst_ref, bound, segs, &used_ref,
                                       NULL),
             ZSEG_OK);
    int32_t threads[] = {1, 2, -1, 64, INT32_MIN, INT32_MAX};
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        zseg_collection *out = compress_t(c, cp.items, cp.n, threads[t]);
        CHECK(collections_identical(out, ref));
        zseg_collection_free(out);
        zseg_batch_options o = opts_threads(threads[t]);
        size_t used = 0;
        CHECK_RC(zseg_compress_slices_into(c, cp.items, cp.n, &o, dst, bound, segs, &used, NULL),
                 ZSEG_OK);
        CHECK_EQ_U64(used, used_ref);
        CHECK(used == used_ref && memcmp(dst, dst_ref, used) == 0);
    }
    free(dst_ref);
    free(dst);
    free(segs);
    zseg_collection_free(ref);
    zseg_compressor_free(c);
    corpus_free(&cp);
    corpus_free(&js);
}

/* The fixture's frames before (*before, at threads_before) and after (*after, at 2 threads)
   setting `param` to 1; 1 if both batches were made. */
static int frames_before_and_after(fixture *fx, int32_t threads_before, zseg_cparam param,
                                   zseg_collection **before, zseg_collection **after) {
    *before = compress_t(fx->c, fx->cp.items, fx->cp.n, threads_before);
    CHECK_RC(zseg_compressor_set_param(fx->c, param, 1, NULL), ZSEG_OK);
    *after = compress_t(fx->c, fx->cp.items, fx->cp.n, 2);
    return *before && *after;
}

/* How many of the frame pairs (frame i of before, frame i of after), i < n, `as_expected`
   rejects: 0 when a parameter changed every frame as it should. */
static size_t pairs_rejected(const zseg_collection *before, const zseg_collection *after, size_t n,
                             int (*as_expected)(zseg_slice, zseg_slice)) {
    size_t rejected = 0;
    for (size_t i = 0; i < n; i++) rejected += !as_expected(item_of(before, i), item_of(after, i));
    return rejected;
}

/* Same blocks, a checksum flag in the header and 4 checksum bytes at the end. */
static int checksum_appended(zseg_slice a, zseg_slice b) {
    return b.len == a.len + 4 && memcmp(a.ptr + 5, b.ptr + 5, a.len - 5) == 0 &&
           (b.ptr[4] & 0x04) != 0 && (a.ptr[4] & 0x04) == 0;
}

/* The same frame without its 4-byte magic number. */
static int magic_left_out(zseg_slice a, zseg_slice b) {
    return b.len + 4 == a.len && memcmp(a.ptr + 4, b.ptr, b.len) == 0;
}

/* The same frame without its dictionary ID field (its flag bits 0). */
static int dictionary_id_left_out(zseg_slice a, zseg_slice b) {
    size_t id_field = (a.ptr[4] & 3u) == 3 ? 4 : (a.ptr[4] & 3u);
    return (a.ptr[4] & 3u) != 0 && (b.ptr[4] & 3u) == 0 && b.len + id_field == a.len;
}

/* Sets parameters from a {param, value} list terminated by param 0. */
static int set_params(zseg_compressor *c, const int64_t (*pv)[2]) {
    for (; pv && (*pv)[0]; pv++) {
        if (zseg_compressor_set_param(c, (zseg_cparam)(*pv)[0], (*pv)[1], NULL) != ZSEG_OK)
            return 0;
    }
    return 1;
}

static void test_compress_batch_frames_equal_single_item_compression(void) {
    corpus cp = corpus_json(300, 8);
    static const int64_t p_none[][2] = {{0, 0}};
    static const int64_t p_checksum[][2] = {{ZSEG_CPARAM_CHECKSUM, 1}, {0, 0}};
    static const int64_t p_nosize[][2] = {{ZSEG_CPARAM_CONTENT_SIZE, 0}, {0, 0}};
    static const int64_t p_tuned[][2] = {{ZSEG_CPARAM_WINDOW_LOG, 17},
                                         {ZSEG_CPARAM_STRATEGY, 2},
                                         {ZSEG_CPARAM_LONG_DISTANCE, 1},
                                         {0, 0}};
    static const int64_t p_magicless[][2] = {{ZSEG_CPARAM_MAGICLESS, 1}, {0, 0}};
    struct {
        int level;
        const int64_t (*params)[2];
    } cfg[] = {{-5, p_none}, {1, p_none},     {3, p_none},       {19, p_none},
               {3, p_checksum}, {3, p_nosize}, {6, p_tuned},     {3, p_magicless}};
    for (size_t k = 0; k < sizeof cfg / sizeof cfg[0]; k++) {
        zseg_compressor *c = compressor_at(cfg[k].level);
        REQUIRE(c);
        CHECK(set_params(c, cfg[k].params));
        zseg_collection *batch = compress_t(c, cp.items, cp.n, 2);
        REQUIRE(batch);
        size_t differ = 0;
        for (size_t i = 0; i < cp.n; i++) {
            zseg_collection *alone = NULL;
            if (zseg_compress_slices(c, &cp.items[i], 1, NULL, &alone, NULL) != ZSEG_OK ||
                !slice_equal(item_of(alone, 0), item_of(batch, i)))
                differ++;
            zseg_collection_free(alone);
        }
        if (differ) fprintf(stderr, "  config %zu: %zu frames differ\n", k, differ);
        CHECK_EQ_U64(differ, 0);
        zseg_collection_free(batch);
        zseg_compressor_free(c);
    }
    corpus_free(&cp);
}

static void test_compress_level_0_means_zstd_default_level_3(void) {
    corpus cp = corpus_json(200, 9);
    zseg_compressor *c0 = compressor_at(0), *c3 = compressor_at(3), *c1 = compressor_at(1);
    REQUIRE(c0 && c3 && c1);
    zseg_collection *a = compress_t(c0, cp.items, cp.n, 1);
    zseg_collection *b = compress_t(c3, cp.items, cp.n, 1);
    zseg_collection *e = compress_t(c1, cp.items, cp.n, 1);
    CHECK(collections_identical(a, b));
    /* and the level matters at all: level 1 makes different frames for this corpus */
    CHECK(a && e && zseg_collection_size(a) != zseg_collection_size(e));
    zseg_collection_free(a);
    zseg_collection_free(b);
    zseg_collection_free(e);
    zseg_compressor_free(c0);
    zseg_compressor_free(c3);
    zseg_compressor_free(c1);
    corpus_free(&cp);
}

static void test_compress_frames_record_item_size_in_header_by_default(void) {
    /* Sizes that use every frame-content-size field width. */
    size_t lens[] = {0, 1, 255, 256, 65535, 65791, 65792, 300000};
    size_t n = sizeof lens / sizeof lens[0];
    corpus cp = corpus_text_prefixes(lens, n, 10);
    zseg_compressor *c = compressor_at(3);
    REQUIRE(c);
    zseg_collection *frames = compress_t(c, cp.items, cp.n, 2);
    REQUIRE(frames);
    for (size_t i = 0; i < n; i++) {
        zseg_slice f = item_of(frames, i);
        uint64_t cs = UINT64_MAX - 1;
        CHECK_RC(zseg_frame_content_size(f.ptr, f.len, &cs, NULL), ZSEG_OK);
        CHECK_EQ_U64(cs, lens[i]);
    }
    zseg_collection_free(frames);
    zseg_compressor_free(c);
    corpus_free(&cp);
}

static void test_compress_content_size_off_leaves_it_out_of_every_frame(void) {
    fixture fx;
    REQUIRE(fixture_open(&fx, 300, 11, 3, 1));
    CHECK_RC(zseg_compressor_set_param(fx.c, ZSEG_CPARAM_CONTENT_SIZE, 0, NULL), ZSEG_OK);
    zseg_collection *frames = compress_t(fx.c, fx.cp.items, fx.cp.n, 2);
    REQUIRE(frames);
    size_t bad = 0;
    for (size_t i = 0; i < fx.cp.n; i++) {
        zseg_slice f = item_of(frames, i);
        uint64_t cs = 777;
        zseg_error err;
        zseg_result rc = zseg_frame_content_size(f.ptr, f.len, &cs, &err);
        if (rc != ZSEG_ERR_NO_CONTENT_SIZE || cs != 777 || err.code != ZSEG_ERR_NO_CONTENT_SIZE)
            bad++;
    }
    CHECK_EQ_U64(bad, 0);
    /* They still round-trip when the sizes are given. */
    uint64_t *sizes = xmalloc(fx.cp.n * sizeof *sizes);
    for (size_t i = 0; i < fx.cp.n; i++) sizes[i] = fx.cp.items[i].len;
    zseg_collection *back = NULL;
    CHECK_RC(zseg_decompress_collection(fx.d, frames, sizes, NULL, &back, NULL), ZSEG_OK);
    CHECK(collection_holds(back, fx.cp.items, fx.cp.n));
    zseg_collection_free(back);
    /* Turning it back on restores the header field. */
    CHECK_RC(zseg_compressor_set_param(fx.c, ZSEG_CPARAM_CONTENT_SIZE, 1, NULL), ZSEG_OK);
    zseg_collection *with = compress_t(fx.c, fx.cp.items, 1, 1);
    uint64_t cs = 0;
    zseg_slice f0 = item_of(with, 0);
    CHECK_RC(zseg_frame_content_size(f0.ptr, f0.len, &cs, NULL), ZSEG_OK);
    CHECK_EQ_U64(cs, fx.cp.items[0].len);
    zseg_collection_free(with);
    free(sizes);
    zseg_collection_free(frames);
    fixture_close(&fx);
}

static void test_compress_checksum_param_makes_each_frame_exactly_4_bytes_longer(void) {
    fixture fx;
    REQUIRE(fixture_open(&fx, 400, 12, 3, 1));
    zseg_collection *plain, *summed;
    REQUIRE(frames_before_and_after(&fx, 2, ZSEG_CPARAM_CHECKSUM, &plain, &summed));
    CHECK_EQ_U64(pairs_rejected(plain, summed, fx.cp.n, checksum_appended), 0);
    CHECK(decompresses_to(fx.d, summed, fx.cp.items, fx.cp.n, 2));
    CHECK_RC(zseg_compressor_set_param(fx.c, ZSEG_CPARAM_CHECKSUM, 0, NULL), ZSEG_OK);
    zseg_collection *again = compress_t(fx.c, fx.cp.items, fx.cp.n, 1);
    CHECK(collections_identical(again, plain));
    zseg_collection_free(again);
    zseg_collection_free(plain);
    zseg_collection_free(summed);
    fixture_close(&fx);
}

static void test_compress_magicless_frames_are_standard_frames_without_the_magic(void) {
    fixture fx;
    REQUIRE(fixture_open(&fx, 200, 13, 3, 0));
    zseg_collection *std_frames, *bare;
    REQUIRE(frames_before_and_after(&fx, 1, ZSEG_CPARAM_MAGICLESS, &std_frames, &bare));
    CHECK_EQ_U64(pairs_rejected(std_frames, bare, fx.cp.n, magic_left_out), 0);
    zseg_collection_free(std_frames);
    zseg_collection_free(bare);
    fixture_close(&fx);
}

/* ------------------------------------------------------------------------------------------ */
/* Per-item mode, progress, cancellation                                                       */
/* ------------------------------------------------------------------------------------------ */

static void test_compress_per_item_mode_reports_ok_for_every_item(void) {
    fixture fx;
    REQUIRE(fixture_open(&fx, 700, 14, 3, 1));
    zseg_collection *ref = compress_t(fx.c, fx.cp.items, fx.cp.n, 1);
    zseg_result *results = xmalloc(fx.cp.n * sizeof *results);
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        zseg_batch_options o = opts_per_item(threads[t], results, fx.cp.n);
        zseg_collection *out = NULL;
        CHECK_RC(zseg_compress_slices(fx.c, fx.cp.items, fx.cp.n, &o, &out, NULL), ZSEG_OK);
        CHECK_EQ_U64(count_not_ok(results, fx.cp.n), 0);
        CHECK(collections_identical(out, ref));
        zseg_collection_free(out);

        /* and with the _into entry point */
        size_t bound = zseg_compress_bound(fx.cp.items, fx.cp.n), used = 0;
        uint8_t *dst = xmalloc(bound);
        zseg_segment *segs = xmalloc(fx.cp.n * sizeof *segs);
        for (size_t i = 0; i < fx.cp.n; i++) results[i] = (zseg_result)0xDEAD;
        CHECK_RC(zseg_compress_slices_into(fx.c, fx.cp.items, fx.cp.n, &o, dst, bound, segs, &used,
                                           NULL),
                 ZSEG_OK);
        CHECK_EQ_U64(count_not_ok(results, fx.cp.n), 0);
        CHECK(ref && packed_frames_equal(dst, segs, fx.cp.n, used, ref));
        free(dst);
        free(segs);
    }
    free(results);
    zseg_collection_free(ref);
    fixture_close(&fx);
}

static void test_compress_per_item_mode_reports_a_null_item_at_its_index(void) {
    /* The contract lets per-item mode either fail the whole call on a NULL item pointer
       (ZSEG_ERR_NULL, err->item) or report it per item (ZSEG_ERR_PARTIAL, item_results[k] =
       ZSEG_ERR_NULL, item k empty, the others intact). Either way the index must be right. */
    fixture fx;
    REQUIRE(fixture_open(&fx, 600, 15, 3, 1));
    const size_t k = 437;
    fx.cp.items[k].ptr = NULL;
    fx.cp.items[k].len = 5;
    zseg_result *results = xmalloc(fx.cp.n * sizeof *results);
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        zseg_batch_options o = opts_per_item(threads[t], results, fx.cp.n);
        zseg_collection *out = SENTINEL_COLL;
        zseg_error err;
        zseg_result rc = zseg_compress_slices(fx.c, fx.cp.items, fx.cp.n, &o, &out, &err);
        CHECK(rc == ZSEG_ERR_NULL || rc == ZSEG_ERR_PARTIAL);
        if (rc == ZSEG_ERR_NULL) {
            CHECK_ZERR(err, ZSEG_ERR_NULL, k);
            CHECK(out == SENTINEL_COLL);
            CHECK(results[0] == (zseg_result)0xDEAD); /* written only on OK or PARTIAL */
        } else if (rc == ZSEG_ERR_PARTIAL) {
            CHECK_EQ_U64(err.code, ZSEG_ERR_PARTIAL);
            CHECK(out != SENTINEL_COLL && out != NULL);
            for (size_t i = 0; i < fx.cp.n; i++)
                CHECK_EQ_U64(results[i], i == k ? ZSEG_ERR_NULL : ZSEG_OK);
            if (out != SENTINEL_COLL && out) {
                CHECK_EQ_U64(zseg_collection_count(out), fx.cp.n);
                CHECK_EQ_U64(item_of(out, k).len, 0);
                for (size_t i = 0; i < fx.cp.n; i++) {
                    if (i == k) continue;
                    zseg_collection *one = NULL;
                    zseg_slice f = item_of(out, i);
                    CHECK_RC(zseg_decompress_slices(fx.d, &f, 1, NULL, NULL, &one, NULL), ZSEG_OK);
                    if (one) CHECK(slice_equal(item_of(one, 0), fx.cp.items[i]));
                    zseg_collection_free(one);
                }
                zseg_collection_free(out);
            }
        }
    }
    free(results);
    fixture_close(&fx);
}

static void test_compress_progress_reports_monotonically_up_to_items_total(void) {
    fixture fx;
    REQUIRE(fixture_open(&fx, under_valgrind() ? 1500 : 4000, 16, 1, 0));
    int32_t threads[] = {0, 1, 2};
    for (size_t t = 0; t < 3; t++) {
        progress_log log;
        progress_log_init(&log, fx.cp.n);
        zseg_batch_options o = opts_progress(threads[t], &log);
        zseg_collection *out = NULL;
        CHECK_RC(zseg_compress_slices(fx.c, fx.cp.items, fx.cp.n, &o, &out, NULL), ZSEG_OK);
        CHECK_EQ_U64(zseg_collection_count(out), fx.cp.n);
        zseg_collection_free(out);
        CHECK(log.calls >= 1);
        CHECK(!log.wrong_total);
        CHECK(!log.went_backwards);
        CHECK(!log.wrong_thread);
        CHECK(!log.overlapping);
        CHECK_EQ_U64(log.last_done, fx.cp.n);
        CHECK_EQ_U64(log.last_total, fx.cp.n);
        /* A report at least every 64 items (items are < 16 MiB), with workers too. */
        CHECK(log.max_step <= 64);
        CHECK(log.calls >= fx.cp.n / 64);
    }
    /* The _into entry point reports too. */
    progress_log log;
    progress_log_init(&log, fx.cp.n);
    zseg_batch_options o = opts_progress(2, &log);
    size_t bound = zseg_compress_bound(fx.cp.items, fx.cp.n), used = 0;
    uint8_t *dst = xmalloc(bound);
    zseg_segment *segs = xmalloc(fx.cp.n * sizeof *segs);
    CHECK_RC(zseg_compress_slices_into(fx.c, fx.cp.items, fx.cp.n, &o, dst, bound, segs, &used,
                                       NULL),
             ZSEG_OK);
    CHECK(log.calls >= 1 && !log.wrong_total && !log.went_backwards && !log.wrong_thread);
    CHECK_EQ_U64(log.last_done, fx.cp.n);
    CHECK(log.max_step <= 64);
    free(dst);
    free(segs);
    fixture_close(&fx);
}

/* What a progress callback tries on the compressor its batch runs on. */
typedef struct meddler {
    zseg_compressor *c;
    const zseg_slice *items;
    size_t n;
    int calls;
    int refused; /* calls whose set_param and load_dictionary were both refused */
    int nested_ok;
} meddler;

static int meddle(uint64_t done, uint64_t total, void *ctx) {
    (void)done;
    (void)total;
    meddler *m = ctx;
    m->calls++;
    zseg_error e, f;
    zseg_result a = zseg_compressor_set_param(m->c, ZSEG_CPARAM_CHECKSUM, 1, &e);
    zseg_result b = zseg_compressor_load_dictionary(m->c, (const uint8_t *)"words", 5, &f);
    if (refused_in_callback(a, &e) && refused_in_callback(b, &f)) m->refused++;
    zseg_compressor_free(m->c); /* ignored: its batch runs */
    /* Another batch on the same compressor is fine. */
    zseg_collection *nested = NULL;
    zseg_batch_options o = opts_threads(2);
    if (zseg_compress_slices(m->c, m->items, m->n < 50 ? m->n : 50, &o, &nested, NULL) == ZSEG_OK)
        m->nested_ok++;
    zseg_collection_free(nested);
    return 0;
}

static void test_compress_progress_callback_cannot_change_or_free_its_compressor(void) {
    fixture fx;
    REQUIRE(fixture_open(&fx, under_valgrind() ? 600 : 3000, 31, 3, 0));
    zseg_collection *want = compress_t(fx.c, fx.cp.items, fx.cp.n, 1);
    int32_t threads[] = {0, 2};
    for (size_t t = 0; t < COUNT_OF(threads); t++) {
        meddler m = {fx.c, fx.cp.items, fx.cp.n, 0, 0, 0};
        zseg_batch_options o = opts_threads(threads[t]);
        o.progress = meddle;
        o.progress_ctx = &m;
        zseg_collection *out = NULL;
        CHECK_RC(zseg_compress_slices(fx.c, fx.cp.items, fx.cp.n, &o, &out, NULL), ZSEG_OK);
        CHECK(m.calls >= 1);
        CHECK_EQ_U64((uint64_t)m.refused, (uint64_t)m.calls);
        CHECK_EQ_U64((uint64_t)m.nested_ok, (uint64_t)m.calls);
        /* No frame got a checksum or a dictionary: the batch is what it would have been. */
        CHECK(collections_identical(out, want));
        zseg_collection_free(out);
    }
    /* Once the batch is over, the compressor changes as usual (and is freed once, below). */
    CHECK_RC(zseg_compressor_set_param(fx.c, ZSEG_CPARAM_CHECKSUM, 1, NULL), ZSEG_OK);
    zseg_collection *summed = compress_t(fx.c, fx.cp.items, 1, 0);
    CHECK(summed && item_of(summed, 0).len == item_of(want, 0).len + 4);
    zseg_collection_free(summed);
    zseg_collection_free(want);
    fixture_close(&fx);
}

static void test_compress_cancel_returns_cancelled_and_hands_back_nothing(void) {
    fixture fx;
    REQUIRE(fixture_open(&fx, under_valgrind() ? 1000 : 2500, 17, 3, 0));
    zseg_result *results = xmalloc(fx.cp.n * sizeof *results);
    size_t bound = zseg_compress_bound(fx.cp.items, fx.cp.n);
    uint8_t *dst = xmalloc(bound);
    zseg_segment *segs = xmalloc(fx.cp.n * sizeof *segs);
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        for (int when = 0; when < 2; when++) { /* 0: at the first report, 1: at the last one */
            for (int per_item = 0; per_item < 2; per_item++) {
                progress_log log;
                progress_log_cancel(&log, fx.cp.n, when);
                zseg_batch_options o = opts_progress(threads[t], &log);
                for (size_t i = 0; i < fx.cp.n; i++) results[i] = (zseg_result)0xDEAD;
                if (per_item) o.item_results = results;
                zseg_collection *out = SENTINEL_COLL;
                zseg_error err;
                CHECK_RC(zseg_compress_slices(fx.c, fx.cp.items, fx.cp.n, &o, &out, &err),
                         ZSEG_ERR_CANCELLED);
                CHECK(out == SENTINEL_COLL);
                CHECK_EQ_U64(err.code, ZSEG_ERR_CANCELLED);
                CHECK(message_ok(&err));
                CHECK(log.calls >= 1);
                CHECK(results[0] == (zseg_result)0xDEAD &&
                      results[fx.cp.n - 1] == (zseg_result)0xDEAD);

                /* _into: segments_out and dst_used stay untouched */
                progress_log_cancel(&log, fx.cp.n, when);
                memset(segs, 0xEE, fx.cp.n * sizeof *segs);
                size_t used = 4242;
                CHECK_RC(zseg_compress_slices_into(fx.c, fx.cp.items, fx.cp.n, &o, dst, bound,
                                                   segs, &used, &err),
                         ZSEG_ERR_CANCELLED);
                CHECK_EQ_U64(used, 4242);
                CHECK(segs[0].offset == 0xEEEEEEEEEEEEEEEEULL &&
                      segs[fx.cp.n - 1].length == 0xEEEEEEEEEEEEEEEEULL);
            }
        }
    }
    /* The compressor is still usable after a cancelled batch. */
    zseg_collection *after = compress_t(fx.c, fx.cp.items, fx.cp.n, 2);
    zseg_collection *ref = compress_t(fx.c, fx.cp.items, fx.cp.n, 1);
    CHECK(collections_identical(after, ref));
    zseg_collection_free(after);
    zseg_collection_free(ref);
    free(results);
    free(dst);
    free(segs);
    fixture_close(&fx);
}

static void test_compress_progress_is_not_called_again_after_it_cancels(void) {
    /* The callback asks to stop at its first report (and takes 20 ms to return, so workers
       run on meanwhile). The batch is cancelled: there is nothing left to report, and a final
       report of items_done == items_total would tell the caller a cancelled batch completed. */
    fixture fx;
    REQUIRE(fixture_open(&fx, 2500, 18, 3, 0));
    size_t bound = zseg_compress_bound(fx.cp.items, fx.cp.n);
    uint8_t *dst = xmalloc(bound);
    zseg_segment *segs = xmalloc(fx.cp.n * sizeof *segs);
    int32_t threads[] = {1, 2};
    for (size_t t = 0; t < 2; t++) {
        progress_log log;
        progress_log_cancel(&log, fx.cp.n, 0);
        log.stall_ms = 20; /* let the workers run on meanwhile */
        zseg_batch_options o = opts_progress(threads[t], &log);
        zseg_collection *out = SENTINEL_COLL;
        CHECK_RC(zseg_compress_slices(fx.c, fx.cp.items, fx.cp.n, &o, &out, NULL),
                 ZSEG_ERR_CANCELLED);
        if (log.calls != 1)
            fprintf(stderr, "  threads %d: %llu calls, the last at %llu/%llu\n", (int)threads[t],
                    (unsigned long long)log.calls, (unsigned long long)log.last_done,
                    (unsigned long long)log.last_total);
        CHECK_EQ_U64(log.calls, 1);
        progress_log_cancel(&log, fx.cp.n, 0);
        log.stall_ms = 20;
        size_t used = 0;
        CHECK_RC(zseg_compress_slices_into(fx.c, fx.cp.items, fx.cp.n, &o, dst, bound, segs, &used,
                                           NULL),
                 ZSEG_ERR_CANCELLED);
        CHECK_EQ_U64(log.calls, 1);
    }
    free(dst);
    free(segs);
    fixture_close(&fx);
}

/* ------------------------------------------------------------------------------------------ */
/* Dictionaries                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void test_compress_trained_dictionary_round_trips_and_shrinks_frames(void) {
    REQUIRE(trained_dictionary());
    /* A zstd-format dictionary starts with the dictionary magic 37 A4 30 EC. */
    CHECK(g_dict[0] == 0x37 && g_dict[1] == 0xA4 && g_dict[2] == 0x30 && g_dict[3] == 0xEC);
    corpus cp = corpus_json(1000, 99); /* records not in the training set */
    zseg_compressor *plain = compressor_at(3), *dc = compressor_at(3);
    zseg_decompressor *dd = decompressor_plain(), *nodict = decompressor_plain();
    REQUIRE(plain && dc && dd && nodict);
    CHECK_RC(zseg_compressor_load_dictionary(dc, g_dict, g_dict_size, NULL), ZSEG_OK);
    CHECK_RC(zseg_decompressor_load_dictionary(dd, g_dict, g_dict_size, NULL), ZSEG_OK);
    zseg_collection *without = compress_t(plain, cp.items, cp.n, 2);
    zseg_collection *with = compress_t(dc, cp.items, cp.n, 2);
    REQUIRE(without && with);
    size_t sz_without = zseg_collection_size(without), sz_with = zseg_collection_size(with);
    CHECK(sz_with * 4 < sz_without * 3); /* at least a quarter smaller (about half, measured) */
    CHECK(decompresses_to(dd, with, cp.items, cp.n, 1));
    CHECK(decompresses_to(dd, with, cp.items, cp.n, 2));
    /* The batch output equals single-item compression with the same dictionary. */
    size_t differ = 0;
    for (size_t i = 0; i < cp.n; i += 37) {
        zseg_collection *alone = NULL;
        if (zseg_compress_slices(dc, &cp.items[i], 1, NULL, &alone, NULL) != ZSEG_OK ||
            !slice_equal(item_of(alone, 0), item_of(with, i)))
            differ++;
        zseg_collection_free(alone);
    }
    CHECK_EQ_U64(differ, 0);
    /* Without the dictionary the frames cannot be decompressed. */
    zseg_collection *out = SENTINEL_COLL;
    zseg_error err;
    zseg_batch_options o = opts_threads(1);
    CHECK_RC(zseg_decompress_collection(nodict, with, NULL, &o, &out, &err), ZSEG_ERR_DICTIONARY);
    CHECK_ZERR(err, ZSEG_ERR_DICTIONARY, 0);
    CHECK(out == SENTINEL_COLL);
    /* ZSEG_CPARAM_DICT_ID = 0: the frames leave the ID out (its flag bits are 0), are shorter
       by the ID field, and still round-trip with the dictionary. */
    CHECK_RC(zseg_compressor_set_param(dc, ZSEG_CPARAM_DICT_ID, 0, NULL), ZSEG_OK);
    zseg_collection *noid = compress_t(dc, cp.items, cp.n, 2);
    REQUIRE(noid);
    CHECK_EQ_U64(pairs_rejected(with, noid, cp.n, dictionary_id_left_out), 0);
    CHECK(decompresses_to(dd, noid, cp.items, cp.n, 2));
    zseg_collection_free(noid);
    CHECK_RC(zseg_compressor_set_param(dc, ZSEG_CPARAM_DICT_ID, 1, NULL), ZSEG_OK);
    /* Loading size 0 removes the dictionary: frames are plain again. */
    CHECK_RC(zseg_compressor_load_dictionary(dc, NULL, 0, NULL), ZSEG_OK);
    zseg_collection *removed = compress_t(dc, cp.items, cp.n, 1);
    CHECK(collections_identical(removed, without));
    zseg_collection_free(removed);
    zseg_collection_free(without);
    zseg_collection_free(with);
    zseg_compressor_free(plain);
    zseg_compressor_free(dc);
    zseg_decompressor_free(dd);
    zseg_decompressor_free(nodict);
    corpus_free(&cp);
}

static void test_compress_raw_content_dictionary_round_trips(void) {
    corpus cp = corpus_json(400, 20);
    corpus raw = corpus_json(40, 21); /* its bytes, not zstd-format: a raw content dictionary */
    zseg_compressor *c = compressor_at(3), *plain = compressor_at(3);
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(c && plain && d);
    CHECK_RC(zseg_compressor_load_dictionary(c, raw.data, raw.size, NULL), ZSEG_OK);
    CHECK_RC(zseg_decompressor_load_dictionary(d, raw.data, raw.size, NULL), ZSEG_OK);
    zseg_collection *with = compress_t(c, cp.items, cp.n, 2);
    zseg_collection *without = compress_t(plain, cp.items, cp.n, 2);
    REQUIRE(with && without);
    CHECK(zseg_collection_size(with) < zseg_collection_size(without));
    CHECK(decompresses_to(d, with, cp.items, cp.n, 2));
    zseg_collection_free(with);
    zseg_collection_free(without);
    zseg_compressor_free(c);
    zseg_compressor_free(plain);
    zseg_decompressor_free(d);
    corpus_free(&cp);
    corpus_free(&raw);
}

static void test_train_dictionary_rejects_tiny_capacity_too_few_samples_and_null(void) {
    corpus cp = corpus_json(2000, 22);
    zseg_buffer *buf = NULL, *few = NULL;
    REQUIRE_RC(zseg_buffer_new_borrowed(cp.data, cp.size, cp.segs, cp.n, NULL, NULL, &buf, NULL),
               ZSEG_OK);
    REQUIRE_RC(zseg_buffer_new_borrowed(cp.data, cp.size, cp.segs, 3, NULL, NULL, &few, NULL),
               ZSEG_OK);
    uint8_t dict[4096];
    size_t dict_size = 777;
    zseg_error err;
    CHECK_RC(zseg_train_dictionary(buf, dict, 100, &dict_size, &err), ZSEG_ERR_DST_TOO_SMALL);
    CHECK_ZERR_CODE(err, ZSEG_ERR_DST_TOO_SMALL);
    CHECK_EQ_U64(dict_size, 777);
    CHECK_RC(zseg_train_dictionary(few, dict, sizeof dict, &dict_size, &err), ZSEG_ERR_DICTIONARY);
    CHECK(message_ok(&err));
    CHECK_EQ_U64(dict_size, 777);
    CHECK_RC(zseg_train_dictionary(NULL, dict, sizeof dict, &dict_size, &err), ZSEG_ERR_NULL);
    CHECK_RC(zseg_train_dictionary(buf, NULL, sizeof dict, &dict_size, &err), ZSEG_ERR_NULL);
    CHECK_RC(zseg_train_dictionary(buf, dict, sizeof dict, NULL, &err), ZSEG_ERR_NULL);
    CHECK_EQ_U64(dict_size, 777);
    zseg_buffer_free(buf);
    zseg_buffer_free(few);
    corpus_free(&cp);
}

static void test_compress_garbage_zstd_format_dictionary_is_rejected(void) {
    uint8_t junk[600];
    fill_random(junk, sizeof junk, 23);
    junk[0] = 0x37;
    junk[1] = 0xA4;
    junk[2] = 0x30;
    junk[3] = 0xEC;
    zseg_compressor *c = compressor_at(3);
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(c && d);
    REQUIRE(trained_dictionary());
    CHECK_RC(zseg_compressor_load_dictionary(c, g_dict, g_dict_size, NULL), ZSEG_OK);
    zseg_error err;
    CHECK_RC(zseg_compressor_load_dictionary(c, junk, sizeof junk, &err), ZSEG_ERR_DICTIONARY);
    CHECK_ZERR(err, ZSEG_ERR_DICTIONARY, UINT64_MAX);
    CHECK_EQ_U64(err.zstd_code, 30); /* ZSTD_error_dictionary_corrupted: zstd's reason */
    /* Just the magic and a few bytes. */
    CHECK_RC(zseg_compressor_load_dictionary(c, junk, 12, &err), ZSEG_ERR_DICTIONARY);
    CHECK(message_ok(&err));
    CHECK_RC(zseg_decompressor_load_dictionary(d, junk, sizeof junk, &err), ZSEG_ERR_DICTIONARY);
    CHECK(message_ok(&err));
    zseg_compressor_free(c);
    zseg_decompressor_free(d);
}

static void test_compress_failed_dictionary_load_keeps_the_previous_dictionary(void) {
    /* The header: "A malformed zstd-format dictionary is ZSEG_ERR_DICTIONARY, and the
       compressor keeps the dictionary it had", so frames made afterwards still need it. */
    uint8_t junk[600];
    fill_random(junk, sizeof junk, 23);
    memcpy(junk, "\x37\xA4\x30\xEC", 4);
    REQUIRE(trained_dictionary());
    zseg_compressor *c = compressor_at(3);
    zseg_decompressor *plain = decompressor_plain();
    zseg_decompressor *with_dict = decompressor_plain();
    REQUIRE(c && plain && with_dict);
    CHECK_RC(zseg_decompressor_load_dictionary(with_dict, g_dict, g_dict_size, NULL), ZSEG_OK);
    CHECK_RC(zseg_compressor_load_dictionary(c, g_dict, g_dict_size, NULL), ZSEG_OK);
    CHECK_RC(zseg_compressor_load_dictionary(c, junk, sizeof junk, NULL), ZSEG_ERR_DICTIONARY);
    corpus cp = corpus_json(50, 24);
    zseg_collection *frames = compress_t(c, cp.items, cp.n, 1);
    REQUIRE(frames);
    CHECK(decompresses_to(with_dict, frames, cp.items, cp.n, 1));
    zseg_collection *out = NULL;
    CHECK_RC(zseg_decompress_collection(plain, frames, NULL, NULL, &out, NULL), ZSEG_ERR_DICTIONARY);
    CHECK(out == NULL);
    zseg_collection_free(frames);
    corpus_free(&cp);
    zseg_decompressor_free(with_dict);
    zseg_decompressor_free(plain);
    zseg_compressor_free(c);
}

/* ------------------------------------------------------------------------------------------ */
/* Caller-owned output                                                                         */
/* ------------------------------------------------------------------------------------------ */

static void into_capacity_cases(const zseg_compressor *c, const corpus *cp, int32_t threads) {
    zseg_collection *ref = compress_t(c, cp->items, cp->n, 1);
    REQUIRE(ref);
    size_t total = zseg_collection_size(ref);
    size_t bound = zseg_compress_bound(cp->items, cp->n);
    CHECK(bound >= total);
    uint8_t *dst = xmalloc(bound + CANARY_LEN);
    zseg_segment *segs = xmalloc(cp->n * sizeof *segs);
    zseg_batch_options o = opts_threads(threads);
    size_t caps[] = {bound, total, total - 1, total / 2, 1, 0};
    zseg_result want[] = {ZSEG_OK, ZSEG_OK, ZSEG_ERR_DST_TOO_SMALL, ZSEG_ERR_DST_TOO_SMALL,
                          ZSEG_ERR_DST_TOO_SMALL, ZSEG_ERR_DST_TOO_SMALL};
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        size_t cap = caps[k];
        memset(dst, 0, cap);
        memset(dst + cap, CANARY_BYTE, CANARY_LEN);
        memset(segs, 0xEE, cp->n * sizeof *segs);
        size_t used = 4242;
        zseg_error err;
        zseg_result rc =
            zseg_compress_slices_into(c, cp->items, cp->n, &o, dst, cap, segs, &used, &err);
        if (rc != want[k])
            fprintf(stderr, "  threads %d, capacity %zu (total %zu, bound %zu): %s\n",
                    (int)threads, cap, total, bound, zseg_result_str(rc));
        CHECK_EQ_U64(rc, want[k]);
        CHECK(canary_intact(dst + cap));
        if (want[k] == ZSEG_OK && rc == ZSEG_OK) {
            CHECK_EQ_U64(used, total);
            CHECK(packed_frames_equal(dst, segs, cp->n, used, ref));
        } else if (rc != ZSEG_OK) {
            CHECK_ZERR_CODE(err, want[k]);
            CHECK_EQ_U64(used, 4242);
            CHECK(segs[0].offset == 0xEEEEEEEEEEEEEEEEULL &&
                  segs[cp->n - 1].length == 0xEEEEEEEEEEEEEEEEULL);
        }
    }
    free(dst);
    free(segs);
    zseg_collection_free(ref);
}

static void test_compress_into_fits_at_bound_and_exact_total_fails_below_never_writes_past(void) {
    zseg_compressor *c = compressor_at(3);
    REQUIRE(c);
    corpus js = corpus_json(800, 25);
    into_capacity_cases(c, &js, 1);
    into_capacity_cases(c, &js, 2);
    /* Incompressible items: frames are larger than the items, so a capacity equal to the
       input size is too small, and the exact total still fits. */
    corpus rnd = corpus_new(600, 600 * 2048);
    uint8_t block[2048];
    for (size_t i = 0; i < 600; i++) {
        fill_random(block, sizeof block, 1000 + i);
        corpus_add(&rnd, block, 100 + (i * 37) % 1900);
    }
    corpus_seal(&rnd);
    into_capacity_cases(c, &rnd, 1);
    into_capacity_cases(c, &rnd, 2);
    size_t used = 0;
    zseg_segment *segs = xmalloc(rnd.n * sizeof *segs);
    uint8_t *dst = xmalloc(rnd.size + CANARY_LEN);
    memset(dst + rnd.size, CANARY_BYTE, CANARY_LEN);
    zseg_batch_options o = opts_threads(2);
    CHECK_RC(zseg_compress_slices_into(c, rnd.items, rnd.n, &o, dst, rnd.size, segs, &used, NULL),
             ZSEG_ERR_DST_TOO_SMALL);
    CHECK(canary_intact(dst + rnd.size));
    free(dst);
    free(segs);
    corpus_free(&rnd);
    corpus_free(&js);
    zseg_compressor_free(c);
}

/* ------------------------------------------------------------------------------------------ */
/* Bad input                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static void test_compress_into_refuses_outputs_that_overlap_inputs_or_each_other(void) {
    zseg_compressor *c = compressor_at(3);
    REQUIRE(c);
    enum { N = 64, LEN = 300 };
    size_t bound = N * (LEN + 100);
    /* One arena: the items first, then room for dst, segments, results and dst_used. */
    uint8_t *arena = xmalloc(N * LEN + bound + 1024 + N * (sizeof(zseg_segment) + 8));
    uint8_t *items_mem = arena;
    zseg_slice items[N];
    uint64_t rng = 5;
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < LEN; j++) items_mem[i * LEN + j] = (uint8_t)word(&rng)[j % 3];
        items[i].ptr = items_mem + i * LEN;
        items[i].len = LEN;
    }
    uint8_t *dst = arena + N * LEN; /* right after the last item: touching is not sharing */
    REQUIRE(zseg_compress_bound(items, N) <= bound);
    zseg_segment *segs = (zseg_segment *)(void *)(arena + N * LEN + bound + 1024);
    zseg_result results[N];
    size_t used = 0;
    uint8_t *copy = xmalloc(N * LEN);
    memcpy(copy, items_mem, N * LEN);
    zseg_batch_options o = opts_per_item(2, results, N);
    CHECK_RC(zseg_compress_slices_into(c, items, N, &o, dst, bound, segs, &used, NULL), ZSEG_OK);
    CHECK(memcmp(copy, items_mem, N * LEN) == 0);

    /* dst over item 40 (and every later one): refused before any work, naming an item. */
    uint8_t *over = items_mem + 40 * LEN + 7;
    zseg_error e;
    CHECK_RC(zseg_compress_slices_into(c, items, N, &o, over, bound, segs, &used, &e),
             ZSEG_ERR_INVALID_ARGUMENT);
    CHECK(e.item == 40 && strstr(e.message, "dst overlaps") != NULL);
    CHECK(memcmp(copy, items_mem, N * LEN) == 0);
    /* segments_out inside dst, dst_used inside dst, item_results over segments_out. */
    CHECK_RC(zseg_compress_slices_into(c, items, N, &o, dst, bound, (zseg_segment *)(void *)dst,
                                       &used, &e),
             ZSEG_ERR_INVALID_ARGUMENT);
    CHECK(e.item == UINT64_MAX && strstr(e.message, "segments_out") != NULL);
    CHECK_RC(zseg_compress_slices_into(c, items, N, &o, dst, bound, segs,
                                       (size_t *)(void *)(dst + 64), &e),
             ZSEG_ERR_INVALID_ARGUMENT);
    CHECK(strstr(e.message, "dst_used") != NULL);
    zseg_batch_options bad = opts_per_item(2, (zseg_result *)(void *)segs, N);
    CHECK_RC(zseg_compress_slices_into(c, items, N, &bad, dst, bound, segs, &used, &e),
             ZSEG_ERR_INVALID_ARGUMENT);
    CHECK(strstr(e.message, "item_results") != NULL);
    /* dst over the items array itself. */
    CHECK_RC(zseg_compress_slices_into(c, items, N, &o, (uint8_t *)items, sizeof items, segs,
                                       &used, &e),
             ZSEG_ERR_INVALID_ARGUMENT);
    CHECK(strstr(e.message, "items array") != NULL);

    /* Decompressing into dst over the frames is refused the same way. */
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(d);
    CHECK_RC(zseg_compress_slices_into(c, items, N, &o, dst, bound, segs, &used, NULL), ZSEG_OK);
    zseg_slice frames[N];
    for (size_t i = 0; i < N; i++) {
        frames[i].ptr = dst + segs[i].offset;
        frames[i].len = (size_t)segs[i].length;
    }
    zseg_segment dsegs[N];
    CHECK_RC(zseg_decompress_slices_into(d, frames, N, NULL, NULL, dst + used - 10, 20,
                                         dsegs, &used, &e),
             ZSEG_ERR_INVALID_ARGUMENT);
    CHECK(e.item == N - 1 && strstr(e.message, "dst overlaps") != NULL);
    uint8_t *out = xmalloc(N * LEN);
    CHECK_RC(zseg_decompress_slices_into(d, frames, N, NULL, NULL, out, N * LEN, dsegs, &used,
                                         NULL),
             ZSEG_OK);
    CHECK(used == N * LEN && memcmp(out, copy, N * LEN) == 0);

    /* A dictionary trained over its own samples is refused. */
    zseg_segment ssegs[N];
    for (size_t i = 0; i < N; i++) ssegs[i] = (zseg_segment){i * LEN, LEN};
    zseg_buffer *samples = NULL;
    CHECK_RC(zseg_buffer_new_borrowed(items_mem, N * LEN, ssegs, N, NULL, NULL, &samples, NULL),
             ZSEG_OK);
    size_t dict_size = 0;
    CHECK_RC(zseg_train_dictionary(samples, items_mem + 100, 4096, &dict_size, &e),
             ZSEG_ERR_INVALID_ARGUMENT);
    CHECK(strstr(e.message, "samples") != NULL && dict_size == 0);
    CHECK(memcmp(copy, items_mem, N * LEN) == 0);
    zseg_buffer_free(samples);
    zseg_decompressor_free(d);
    free(out);
    free(copy);
    free(arena);
    zseg_compressor_free(c);
}

static void test_compress_null_item_pointer_with_length_fails_with_its_index(void) {
    fixture fx;
    REQUIRE(fixture_open(&fx, 3000, 26, 3, 0));
    const size_t k = 2345;
    fx.cp.items[k].ptr = NULL;
    fx.cp.items[k].len = 17;
    size_t bound = zseg_compress_bound(fx.cp.items, fx.cp.n);
    uint8_t *dst = xmalloc(bound);
    zseg_segment *segs = xmalloc(fx.cp.n * sizeof *segs);
    int32_t threads[] = {0, 1, 2};
    for (size_t t = 0; t < 3; t++) {
        zseg_batch_options o = opts_threads(threads[t]);
        zseg_collection *out = SENTINEL_COLL;
        zseg_error err;
        CHECK_RC(zseg_compress_slices(fx.c, fx.cp.items, fx.cp.n, &o, &out, &err), ZSEG_ERR_NULL);
        CHECK_ZERR(err, ZSEG_ERR_NULL, k);
        CHECK(out == SENTINEL_COLL);
        size_t used = 4242;
        memset(segs, 0xEE, fx.cp.n * sizeof *segs);
        CHECK_RC(zseg_compress_slices_into(fx.c, fx.cp.items, fx.cp.n, &o, dst, bound, segs, &used,
                                           &err),
                 ZSEG_ERR_NULL);
        CHECK_ZERR(err, ZSEG_ERR_NULL, k);
        CHECK_EQ_U64(used, 4242);
        CHECK(segs[0].offset == 0xEEEEEEEEEEEEEEEEULL);
    }
    /* Two NULL items: on the calling thread the lowest index is named. */
    fx.cp.items[100].ptr = NULL;
    fx.cp.items[100].len = 1;
    zseg_batch_options o = opts_threads(1);
    zseg_collection *out = SENTINEL_COLL;
    zseg_error err;
    CHECK_RC(zseg_compress_slices(fx.c, fx.cp.items, fx.cp.n, &o, &out, &err), ZSEG_ERR_NULL);
    CHECK_ZERR(err, ZSEG_ERR_NULL, 100);
    o.threads = 2;
    CHECK_RC(zseg_compress_slices(fx.c, fx.cp.items, fx.cp.n, &o, &out, &err), ZSEG_ERR_NULL);
    CHECK(err.item == 100 || err.item == k);
    CHECK(out == SENTINEL_COLL);
    free(dst);
    free(segs);
    fixture_close(&fx);
}

static void test_compressor_new_rejects_levels_outside_zstd_range(void) {
    int bad[] = {23, 100, -131073, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zseg_compressor *c = SENTINEL_COMP;
        zseg_error err;
        CHECK_RC(zseg_compressor_new(bad[i], &c, &err), ZSEG_ERR_INVALID_ARGUMENT);
        CHECK(c == SENTINEL_COMP);
        CHECK_ZERR(err, ZSEG_ERR_INVALID_ARGUMENT, UINT64_MAX);
    }
    /* ZSTD_minCLevel() = -131072 and ZSTD_maxCLevel() = 22 are valid, and so is -1. */
    int good[] = {-131072, -1, 0, 1, 22};
    corpus cp = corpus_json(20, 27);
    zseg_decompressor *d = decompressor_plain();
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        zseg_compressor *c = NULL;
        CHECK_RC(zseg_compressor_new(good[i], &c, NULL), ZSEG_OK);
        zseg_collection *frames = c ? compress_t(c, cp.items, cp.n, 1) : NULL;
        CHECK(decompresses_to(d, frames, cp.items, cp.n, 1));
        zseg_collection_free(frames);
        zseg_compressor_free(c);
    }
    zseg_decompressor_free(d);
    corpus_free(&cp);
}

static void test_compressor_set_param_rejects_out_of_range_and_unknown_leaving_it_unchanged(void) {
    static const int64_t bad[][2] = {
        {ZSEG_CPARAM_CHECKSUM, 2},       {ZSEG_CPARAM_CHECKSUM, -1},
        {ZSEG_CPARAM_CONTENT_SIZE, 2},   {ZSEG_CPARAM_CONTENT_SIZE, -1},
        {ZSEG_CPARAM_DICT_ID, 2},        {ZSEG_CPARAM_DICT_ID, INT64_MIN},
        {ZSEG_CPARAM_WINDOW_LOG, 9},     {ZSEG_CPARAM_WINDOW_LOG, 1},
        {ZSEG_CPARAM_WINDOW_LOG, 32},    {ZSEG_CPARAM_WINDOW_LOG, -1},
        {ZSEG_CPARAM_WINDOW_LOG, INT64_MAX},
        {ZSEG_CPARAM_STRATEGY, 10},      {ZSEG_CPARAM_STRATEGY, -1},
        {ZSEG_CPARAM_LONG_DISTANCE, 2},  {ZSEG_CPARAM_LONG_DISTANCE, -1},
        {ZSEG_CPARAM_MAGICLESS, 2},      {ZSEG_CPARAM_MAGICLESS, 0x100000001LL},
        {0, 0},                          {8, 0},
        {999, 1},                        {0xFFFFFFFFLL, 1},
    };
    corpus cp = corpus_json(100, 28);
    zseg_compressor *c = compressor_at(3), *fresh = compressor_at(3);
    REQUIRE(c && fresh);
    zseg_collection *ref = compress_t(fresh, cp.items, cp.n, 1);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zseg_error err;
        zseg_result rc = zseg_compressor_set_param(c, (zseg_cparam)bad[i][0], bad[i][1], &err);
        check_param_result(rc, ZSEG_ERR_INVALID_ARGUMENT, bad[i][0], bad[i][1]);
        CHECK_ZERR(err, ZSEG_ERR_INVALID_ARGUMENT, UINT64_MAX);
    }
    zseg_collection *after = compress_t(c, cp.items, cp.n, 1);
    CHECK(collections_identical(after, ref));
    zseg_collection_free(after);
    /* Every documented value is accepted, including the ends of the ranges. */
    static const int64_t good[][2] = {
        {ZSEG_CPARAM_CHECKSUM, 0},     {ZSEG_CPARAM_CHECKSUM, 1},
        {ZSEG_CPARAM_CONTENT_SIZE, 0}, {ZSEG_CPARAM_CONTENT_SIZE, 1},
        {ZSEG_CPARAM_DICT_ID, 0},      {ZSEG_CPARAM_DICT_ID, 1},
        {ZSEG_CPARAM_WINDOW_LOG, 0},   {ZSEG_CPARAM_WINDOW_LOG, 10},
        {ZSEG_CPARAM_WINDOW_LOG, 31},  {ZSEG_CPARAM_WINDOW_LOG, 0},
        {ZSEG_CPARAM_STRATEGY, 1},     {ZSEG_CPARAM_STRATEGY, 9},
        {ZSEG_CPARAM_STRATEGY, 0},     {ZSEG_CPARAM_LONG_DISTANCE, 1},
        {ZSEG_CPARAM_LONG_DISTANCE, 0}, {ZSEG_CPARAM_MAGICLESS, 1},
        {ZSEG_CPARAM_MAGICLESS, 0},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        zseg_result rc = zseg_compressor_set_param(c, (zseg_cparam)good[i][0], good[i][1], NULL);
        check_param_result(rc, ZSEG_OK, good[i][0], good[i][1]);
    }
    CHECK_RC(zseg_compressor_set_param(c, ZSEG_CPARAM_CHECKSUM, 0, NULL), ZSEG_OK);
    CHECK_RC(zseg_compressor_set_param(c, ZSEG_CPARAM_CONTENT_SIZE, 1, NULL), ZSEG_OK);
    /* Back at the defaults, the frames are the default frames again. */
    zseg_collection *reset = compress_t(c, cp.items, cp.n, 1);
    CHECK(collections_identical(reset, ref));
    zseg_collection_free(reset);
    CHECK_RC(zseg_compressor_set_param(NULL, ZSEG_CPARAM_CHECKSUM, 1, NULL), ZSEG_ERR_NULL);
    zseg_collection_free(ref);
    zseg_compressor_free(c);
    zseg_compressor_free(fresh);
    corpus_free(&cp);
}

static void test_compress_options_size_too_small_is_rejected_larger_is_accepted(void) {
    fixture fx;
    REQUIRE(fixture_open(&fx, 50, 29, 3, 0));
    size_t too_small[] = {0, 1, sizeof(size_t), offsetof(zseg_batch_options, threads) + 3};
    for (size_t i = 0; i < sizeof too_small / sizeof too_small[0]; i++) {
        zseg_batch_options o = opts_threads(1);
        o.size = too_small[i];
        zseg_collection *out = SENTINEL_COLL;
        zseg_error err;
        CHECK_RC(zseg_compress_slices(fx.c, fx.cp.items, fx.cp.n, &o, &out, &err),
                 ZSEG_ERR_INVALID_ARGUMENT);
        CHECK_ZERR(err, ZSEG_ERR_INVALID_ARGUMENT, UINT64_MAX);
        CHECK(out == SENTINEL_COLL);
    }
    zseg_collection *ref = compress_t(fx.c, fx.cp.items, fx.cp.n, 1);
    /* Only up to `threads`: the later fields are not read, so neither the results array nor
       the progress callback set there is used. */
    zseg_result results[50];
    for (size_t i = 0; i < 50; i++) results[i] = (zseg_result)0xDEAD;
    progress_log log;
    progress_log_init(&log, fx.cp.n);
    zseg_batch_options o = opts_progress(2, &log);
    o.size = offsetof(zseg_batch_options, threads) + sizeof(int32_t);
    o.item_results = results;
    zseg_collection *out = NULL;
    CHECK_RC(zseg_compress_slices(fx.c, fx.cp.items, fx.cp.n, &o, &out, NULL), ZSEG_OK);
    CHECK(collections_identical(out, ref));
    CHECK(results[0] == (zseg_result)0xDEAD && results[49] == (zseg_result)0xDEAD);
    CHECK_EQ_U64(log.calls, 0);
    zseg_collection_free(out);
    /* A newer caller's larger struct: unknown trailing fields are ignored. */
    future_options big = future_options_at(2);
    out = NULL;
    CHECK_RC(zseg_compress_slices(fx.c, fx.cp.items, fx.cp.n, &big.known, &out, NULL), ZSEG_OK);
    CHECK(collections_identical(out, ref));
    zseg_collection_free(out);
    /* NULL options are the defaults. */
    out = NULL;
    CHECK_RC(zseg_compress_slices(fx.c, fx.cp.items, fx.cp.n, NULL, &out, NULL), ZSEG_OK);
    CHECK(collections_identical(out, ref));
    zseg_collection_free(out);
    /* init sets the documented defaults; init(NULL) is a no-op. */
    zseg_batch_options d;
    memset(&d, 0x77, sizeof d);
    zseg_batch_options_init(&d);
    CHECK_EQ_U64(d.size, sizeof(zseg_batch_options));
    CHECK_EQ_U64(d.threads, 0);
    CHECK(d.item_results == NULL && d.progress == NULL && d.progress_ctx == NULL);
    zseg_batch_options_init(NULL);
    zseg_collection_free(ref);
    fixture_close(&fx);
}

static void test_compress_null_arguments_give_err_null_and_touch_nothing(void) {
    fixture fx;
    REQUIRE(fixture_open(&fx, 10, 30, 3, 0));
    zseg_collection *out = SENTINEL_COLL;
    zseg_error err;
    CHECK_RC(zseg_compressor_new(3, NULL, &err), ZSEG_ERR_NULL);
    CHECK_ZERR(err, ZSEG_ERR_NULL, UINT64_MAX);
    CHECK_RC(zseg_compress_slices(NULL, fx.cp.items, fx.cp.n, NULL, &out, &err), ZSEG_ERR_NULL);
    CHECK(message_ok(&err));
    CHECK_RC(zseg_compress_slices(fx.c, NULL, 3, NULL, &out, &err), ZSEG_ERR_NULL);
    CHECK(message_ok(&err));
    CHECK_RC(zseg_compress_slices(fx.c, fx.cp.items, fx.cp.n, NULL, NULL, &err), ZSEG_ERR_NULL);
    CHECK_RC(zseg_compress_buffer(fx.c, NULL, NULL, &out, &err), ZSEG_ERR_NULL);
    CHECK_RC(zseg_compress_buffer(NULL, NULL, NULL, &out, &err), ZSEG_ERR_NULL);
    CHECK_RC(zseg_compress_collection(fx.c, NULL, NULL, &out, &err), ZSEG_ERR_NULL);
    CHECK(out == SENTINEL_COLL);
    zseg_buffer *buf = NULL;
    CHECK_RC(zseg_buffer_new_borrowed(fx.cp.data, fx.cp.size, fx.cp.segs, fx.cp.n, NULL, NULL,
                                      &buf, NULL),
             ZSEG_OK);
    CHECK_RC(zseg_compress_buffer(fx.c, buf, NULL, NULL, &err), ZSEG_ERR_NULL);
    CHECK_RC(zseg_compress_buffer(NULL, buf, NULL, &out, &err), ZSEG_ERR_NULL);
    zseg_buffer_free(buf);
    size_t bound = zseg_compress_bound(fx.cp.items, fx.cp.n), used = 4242;
    uint8_t *dst = xmalloc(bound);
    zseg_segment segs[10];
    CHECK_RC(zseg_compress_slices_into(NULL, fx.cp.items, fx.cp.n, NULL, dst, bound, segs, &used,
                                       &err),
             ZSEG_ERR_NULL);
    CHECK_RC(zseg_compress_slices_into(fx.c, NULL, fx.cp.n, NULL, dst, bound, segs, &used, &err),
             ZSEG_ERR_NULL);
    CHECK_RC(zseg_compress_slices_into(fx.c, fx.cp.items, fx.cp.n, NULL, NULL, bound, segs, &used,
                                       &err),
             ZSEG_ERR_NULL);
    CHECK_RC(zseg_compress_slices_into(fx.c, fx.cp.items, fx.cp.n, NULL, dst, bound, NULL, &used,
                                       &err),
             ZSEG_ERR_NULL);
    CHECK_RC(zseg_compress_slices_into(fx.c, fx.cp.items, fx.cp.n, NULL, dst, bound, segs, NULL,
                                       &err),
             ZSEG_ERR_NULL);
    CHECK(message_ok(&err));
    CHECK_EQ_U64(used, 4242);
    CHECK_RC(zseg_compressor_load_dictionary(fx.c, NULL, 100, &err), ZSEG_ERR_NULL);
    CHECK_RC(zseg_compressor_load_dictionary(NULL, dst, 100, &err), ZSEG_ERR_NULL);
    /* err itself may be NULL */
    CHECK_RC(zseg_compress_slices(fx.c, NULL, 3, NULL, &out, NULL), ZSEG_ERR_NULL);
    CHECK(out == SENTINEL_COLL);
    zseg_compressor_free(NULL);
    CHECK_EQ_U64(zseg_compressor_memory_size(NULL), 0);
    free(dst);
    fixture_close(&fx);
}

static void test_compress_error_struct_is_filled_on_failure_and_cleared_on_success(void) {
    fixture fx;
    REQUIRE(fixture_open(&fx, 30, 31, 3, 0));
    zseg_error err;
    memset(&err, 0x5A, sizeof err); /* no NUL anywhere: the library must terminate it */
    zseg_compressor *bad = SENTINEL_COMP;
    CHECK_RC(zseg_compressor_new(1000, &bad, &err), ZSEG_ERR_INVALID_ARGUMENT);
    CHECK_ZERR(err, ZSEG_ERR_INVALID_ARGUMENT, UINT64_MAX);
    CHECK(strlen(err.message) < ZSEG_ERROR_MESSAGE_SIZE);
    memset(&err, 0x5A, sizeof err);
    zseg_collection *out = NULL;
    CHECK_RC(zseg_compress_slices(fx.c, fx.cp.items, fx.cp.n, NULL, &out, &err), ZSEG_OK);
    CHECK_EQ_U64(err.code, ZSEG_OK);
    CHECK_EQ_U64(err.item, UINT64_MAX);
    CHECK(err.message[0] == '\0');
    zseg_collection_free(out);
    CHECK(strcmp(zseg_result_str(ZSEG_ERR_CANCELLED), "ZSEG_ERR_CANCELLED") == 0);
    CHECK(strcmp(zseg_result_str(ZSEG_ERR_DST_TOO_SMALL), "ZSEG_ERR_DST_TOO_SMALL") == 0);
    fixture_close(&fx);
}

static void test_compressor_memory_size_is_nonzero_after_a_batch(void) {
    fixture fx;
    REQUIRE(fixture_open(&fx, 500, 32, 3, 0));
    zseg_collection *out = compress_t(fx.c, fx.cp.items, fx.cp.n, 2);
    CHECK(out != NULL);
    CHECK(zseg_compressor_memory_size(fx.c) > 0);
    size_t before = zseg_compressor_memory_size(fx.c);
    REQUIRE(trained_dictionary());
    CHECK_RC(zseg_compressor_load_dictionary(fx.c, g_dict, g_dict_size, NULL), ZSEG_OK);
    CHECK(before > 0);
    CHECK(zseg_compressor_memory_size(fx.c) >= g_dict_size); /* the dictionary is counted */
    zseg_collection_free(out);
    fixture_close(&fx);
}

/* ------------------------------------------------------------------------------------------ */
/* One compressor shared by several application threads                                       */
/* ------------------------------------------------------------------------------------------ */

static void *shared_worker(void *arg) {
    shared_job *job = arg;
    for (int round = 0; round < shared_job_rounds(); round++) {
        zseg_batch_options o = opts_threads(shared_job_threads(round));
        zseg_collection *out = NULL;
        if (zseg_compress_slices(job->c, job->cp.items, job->cp.n, &o, &out, NULL) != ZSEG_OK ||
            !collections_identical(out, job->frames))
            job->failures++;
        zseg_collection_free(out);
        size_t bound = zseg_compress_bound(job->cp.items, job->cp.n), used = 0;
        uint8_t *dst = xmalloc(bound);
        zseg_segment *segs = xmalloc(job->cp.n * sizeof *segs);
        if (zseg_compress_slices_into(job->c, job->cp.items, job->cp.n, &o, dst, bound, segs,
                                      &used, NULL) != ZSEG_OK ||
            !packed_frames_equal(dst, segs, job->cp.n, used, job->frames))
            job->failures++;
        free(dst);
        free(segs);
    }
    return NULL;
}

static void test_compress_one_compressor_used_by_4_pthreads_at_once(void) {
    zseg_compressor *c = compressor_at(3);
    REQUIRE(c);
    REQUIRE(trained_dictionary());
    CHECK_RC(zseg_compressor_load_dictionary(c, g_dict, g_dict_size, NULL), ZSEG_OK);
    CHECK_RC(zseg_compressor_set_param(c, ZSEG_CPARAM_CHECKSUM, 1, NULL), ZSEG_OK);
    zseg_decompressor *d = decompressor_plain();
    REQUIRE(d);
    CHECK_RC(zseg_decompressor_load_dictionary(d, g_dict, g_dict_size, NULL), ZSEG_OK);
    shared_job jobs[SHARED_JOBS];
    memset(jobs, 0, sizeof jobs);
    for (int j = 0; j < SHARED_JOBS; j++) {
        jobs[j].c = c;
        jobs[j].cp = corpus_json(500 + 200 * (size_t)j, 40 + (uint64_t)j);
        jobs[j].frames = compress_t(c, jobs[j].cp.items, jobs[j].cp.n, 1);
        CHECK(decompresses_to(d, jobs[j].frames, jobs[j].cp.items, jobs[j].cp.n, 1));
    }
    run_shared_jobs(jobs, shared_worker);
    zseg_decompressor_free(d);
    zseg_compressor_free(c);
}

int main(void) {
    RUN_TEST(test_compress_slices_frames_decompress_to_their_items);
    RUN_TEST(test_compress_buffer_compresses_segments_in_segment_order);
    RUN_TEST(test_compress_collection_uses_global_item_order_across_buffers);
    RUN_TEST(test_compress_bound_is_sum_of_zstd_compress_bounds);
    RUN_TEST(test_compress_bound_gives_size_max_on_overflow_or_null_items);
    RUN_TEST(test_compress_slices_into_packs_the_same_frames_back_to_back);
    RUN_TEST(test_compress_empty_batch_gives_empty_collection_for_every_entry_point);
    RUN_TEST(test_compress_empty_items_keep_their_places_including_trailing_ones);
    RUN_TEST(test_compress_one_4mib_item_among_10000_tiny_items_keeps_order);
    RUN_TEST(test_compress_threads_0_1_2_minus1_64_and_extremes_give_identical_bytes);
    RUN_TEST(test_compress_batch_frames_equal_single_item_compression);
    RUN_TEST(test_compress_level_0_means_zstd_default_level_3);
    RUN_TEST(test_compress_frames_record_item_size_in_header_by_default);
    RUN_TEST(test_compress_content_size_off_leaves_it_out_of_every_frame);
    RUN_TEST(test_compress_checksum_param_makes_each_frame_exactly_4_bytes_longer);
    RUN_TEST(test_compress_magicless_frames_are_standard_frames_without_the_magic);
    RUN_TEST(test_compress_per_item_mode_reports_ok_for_every_item);
    RUN_TEST(test_compress_per_item_mode_reports_a_null_item_at_its_index);
    RUN_TEST(test_compress_progress_reports_monotonically_up_to_items_total);
    RUN_TEST(test_compress_progress_callback_cannot_change_or_free_its_compressor);
    RUN_TEST(test_compress_cancel_returns_cancelled_and_hands_back_nothing);
    RUN_TEST(test_compress_progress_is_not_called_again_after_it_cancels);
    RUN_TEST(test_compress_trained_dictionary_round_trips_and_shrinks_frames);
    RUN_TEST(test_compress_raw_content_dictionary_round_trips);
    RUN_TEST(test_train_dictionary_rejects_tiny_capacity_too_few_samples_and_null);
    RUN_TEST(test_compress_garbage_zstd_format_dictionary_is_rejected);
    RUN_TEST(test_compress_failed_dictionary_load_keeps_the_previous_dictionary);
    RUN_TEST(test_compress_into_fits_at_bound_and_exact_total_fails_below_never_writes_past);
    RUN_TEST(test_compress_into_refuses_outputs_that_overlap_inputs_or_each_other);
    RUN_TEST(test_compress_null_item_pointer_with_length_fails_with_its_index);
    RUN_TEST(test_compressor_new_rejects_levels_outside_zstd_range);
    RUN_TEST(test_compressor_set_param_rejects_out_of_range_and_unknown_leaving_it_unchanged);
    RUN_TEST(test_compress_options_size_too_small_is_rejected_larger_is_accepted);
    RUN_TEST(test_compress_null_arguments_give_err_null_and_touch_nothing);
    RUN_TEST(test_compress_error_struct_is_filled_on_failure_and_cleared_on_success);
    RUN_TEST(test_compressor_memory_size_is_nonzero_after_a_batch);
    RUN_TEST(test_compress_one_compressor_used_by_4_pthreads_at_once);
    return CHECK_SUMMARY();
}
