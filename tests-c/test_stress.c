/*
 * Concurrency stress: 16 threads share one compressor, one decompressor and one input
 * collection, each running batches with threads = 2 over random slices of the items, through
 * every input and output shape, in fail-fast and per-item mode, with random cancellations from
 * the progress callback. The batches compete for the library's pool (one thread per CPU): each
 * takes the pool threads free when it starts, often none, so parallel and calling-thread-only
 * runs interleave.
 *
 * Every result is checked byte for byte: frames against frames made once, up front, on one
 * thread (compression is deterministic: the API promises bytes independent of the worker
 * count), items against the originals. A cancelled call must return ZSEG_ERR_CANCELLED and
 * leave *out, item_results, segments_out and *dst_used untouched; a call the callback did
 * not cancel must succeed. A data race that corrupts output, mixes up contexts or loses a
 * result fails the test.
 *
 * Bounded by time and by a count: ZSEG_STRESS_SECONDS (default 2) and ZSEG_STRESS_ROUNDS per
 * thread (default 400; 2 under valgrind, where ZSEG_TEST_UNDER_VALGRIND is set).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, getpid, access */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "support.h"
#include "zseg.h"

#define THREADS 16
#define N_ITEMS 240
#define SENTINEL_COLLECTION ((zseg_collection *)(uintptr_t)0x5e5e5e5e)
#define SENTINEL_RESULT 0xDEADu

static uint8_t *g_data;                /* all items back to back */
static size_t g_size;
static zseg_segment g_segs[N_ITEMS];
static zseg_slice g_items[N_ITEMS];
static zseg_buffer *g_buf;
static zseg_collection *g_coll;        /* the items, in two buffers */
static uint8_t *g_frames[N_ITEMS];     /* reference frames, made on one thread */
static size_t g_frame_len[N_ITEMS];
static zseg_slice g_frame_slices[N_ITEMS];
static uint8_t *g_frame_data;          /* the reference frames back to back */
static zseg_segment g_frame_segs[N_ITEMS];
static zseg_buffer *g_fbuf;            /* ... as one buffer */
static zseg_collection *g_fcoll;       /* ... and as a collection of two buffers */
static zseg_compressor *g_c;
static zseg_decompressor *g_d;
static double g_seconds = 2.0;
static long g_rounds = 400;
static int g_small; /* under valgrind: small batches */

static uint32_t next(uint64_t *state) { /* splitmix64, per thread */
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

/* Items of varied sizes and kinds: empty, short records, text, and a few of 64-160 KiB so that
 * a batch passes the library's inline threshold and really runs on workers. */
static int make_items(void) {
    uint64_t rng = 12345;
    size_t i, at = 0, cap = 0;
    size_t len[N_ITEMS];
    for (i = 0; i < N_ITEMS; i++) {
        uint32_t r = next(&rng);
        if (i % 37 == 5) len[i] = 0;
        else if (i % 29 == 3) len[i] = 64 * 1024 + r % (96 * 1024);
        else len[i] = 20 + r % 4000;
        cap += len[i];
    }
    g_data = (uint8_t *)malloc(cap ? cap : 1);
    if (!g_data) return 0;
    for (i = 0; i < N_ITEMS; i++) {
        size_t k;
        for (k = 0; k < len[i]; k++) {
            /* compressible but item-specific */
            uint32_t r = next(&rng);
            g_data[at + k] = (r % 5 == 0) ? (uint8_t)r : (uint8_t)("zseg stress "[(k + i) % 12]);
        }
        g_segs[i].offset = at;
        g_segs[i].length = len[i];
        g_items[i].ptr = len[i] ? g_data + at : NULL;
        g_items[i].len = len[i];
        at += len[i];
    }
    g_size = at;
    return 1;
}

/* A collection of two borrowed buffers over data: segments [0, cut) and [cut, n); NULL (err
 * filled) on failure. */
static zseg_collection *in_two_buffers(const uint8_t *data, size_t size, const zseg_segment *segs,
                                       size_t n, size_t cut, zseg_error *err) {
    zseg_buffer *halves[2] = {NULL, NULL};
    const zseg_buffer *hs[2];
    zseg_collection *c = NULL;
    if (zseg_buffer_new_borrowed(data, size, segs, cut, NULL, NULL, &halves[0], err) == ZSEG_OK &&
        zseg_buffer_new_borrowed(data, size, segs + cut, n - cut, NULL, NULL, &halves[1], err) ==
            ZSEG_OK) {
        hs[0] = halves[0];
        hs[1] = halves[1];
        if (zseg_collection_new(hs, 2, &c, err) != ZSEG_OK) c = NULL;
    }
    zseg_buffer_free(halves[0]);
    zseg_buffer_free(halves[1]);
    return c;
}

static int setup(void) {
    zseg_error err;
    zseg_collection *frames = NULL;
    size_t i;
    const char *s;
    if ((s = getenv("ZSEG_STRESS_SECONDS")) != NULL) g_seconds = atof(s);
    if ((s = getenv("ZSEG_STRESS_ROUNDS")) != NULL) g_rounds = atol(s);
    else if (getenv("ZSEG_TEST_UNDER_VALGRIND")) g_rounds = 2;
    g_small = getenv("ZSEG_TEST_UNDER_VALGRIND") != NULL;
    if (!make_items()) return 0;
    if (zseg_buffer_new_borrowed(g_data, g_size, g_segs, N_ITEMS, NULL, NULL, &g_buf, &err) != ZSEG_OK ||
        !(g_coll = in_two_buffers(g_data, g_size, g_segs, N_ITEMS, N_ITEMS / 2, &err))) {
        fprintf(stderr, "setup: %s\n", err.message);
        return 0;
    }
    if (zseg_compressor_new(3, &g_c, &err) != ZSEG_OK ||
        zseg_compressor_set_param(g_c, ZSEG_CPARAM_CHECKSUM, 1, &err) != ZSEG_OK ||
        zseg_decompressor_new(&g_d, &err) != ZSEG_OK)
        return 0;
    /* The reference frames: one thread, one call. */
    if (zseg_compress_slices(g_c, g_items, N_ITEMS, NULL, &frames, &err) != ZSEG_OK) return 0;
    for (i = 0; i < N_ITEMS; i++) {
        zseg_slice f;
        if (zseg_collection_get(frames, i, &f) != ZSEG_OK) return 0;
        g_frames[i] = (uint8_t *)malloc(f.len);
        if (!g_frames[i]) return 0;
        memcpy(g_frames[i], f.ptr, f.len);
        g_frame_len[i] = f.len;
        g_frame_slices[i].ptr = g_frames[i];
        g_frame_slices[i].len = f.len;
    }
    zseg_collection_free(frames);
    {
        size_t total = 0, at = 0;
        for (i = 0; i < N_ITEMS; i++) total += g_frame_len[i];
        g_frame_data = (uint8_t *)malloc(total);
        if (!g_frame_data) return 0;
        for (i = 0; i < N_ITEMS; i++) {
            memcpy(g_frame_data + at, g_frames[i], g_frame_len[i]);
            g_frame_segs[i].offset = at;
            g_frame_segs[i].length = g_frame_len[i];
            at += g_frame_len[i];
        }
        if (zseg_buffer_new_borrowed(g_frame_data, total, g_frame_segs, N_ITEMS, NULL, NULL,
                                     &g_fbuf, &err) != ZSEG_OK ||
            !(g_fcoll = in_two_buffers(g_frame_data, total, g_frame_segs, N_ITEMS, 100, &err)))
            return 0;
    }
    return 1;
}

static void teardown(void) {
    size_t i;
    for (i = 0; i < N_ITEMS; i++) free(g_frames[i]);
    zseg_collection_free(g_fcoll);
    zseg_buffer_free(g_fbuf);
    free(g_frame_data);
    zseg_collection_free(g_coll);
    zseg_buffer_free(g_buf);
    zseg_compressor_free(g_c);
    zseg_decompressor_free(g_d);
    free(g_data);
}

/* ---- One worker thread ---------------------------------------------------------------------- */

typedef struct cancel_plan {
    int cancel_at; /* cancel on this call (1-based), 0 = never */
    int calls;
    int asked;     /* the callback returned nonzero */
    uint64_t total;
    int bad_total;
} cancel_plan;

static int on_progress(uint64_t done, uint64_t total, void *ctx) {
    cancel_plan *p = (cancel_plan *)ctx;
    p->calls++;
    if (total != p->total || done > total) p->bad_total = 1;
    if (p->cancel_at && p->calls == p->cancel_at) {
        p->asked = 1;
        return 1;
    }
    return 0;
}

typedef struct stats {
    int index;
    long batches, cancelled, items, failures;
    char first_failure[400];
} stats;

static void fail(stats *st, const char *what, size_t first, size_t n, zseg_result rc,
                 const zseg_error *err) {
    if (st->failures++ == 0)
        snprintf(st->first_failure, sizeof st->first_failure, "%s (items %zu..%zu): %s %.200s", what,
                 first, first + n, zseg_result_str(rc), err ? err->message : "");
}

/* Compares a collection's items with expected slices. */
static int collection_equals(const zseg_collection *c, const zseg_slice *want, size_t n) {
    size_t i;
    if (zseg_collection_count(c) != n) return 0;
    for (i = 0; i < n; i++) {
        zseg_slice got;
        if (zseg_collection_get(c, i, &got) != ZSEG_OK || got.len != want[i].len ||
            (got.len && memcmp(got.ptr, want[i].ptr, got.len) != 0))
            return 0;
    }
    return 1;
}

enum shape { SLICES, BUFFER, COLLECTION, INTO, SHAPES };

static void *worker(void *arg) {
    stats *st = (stats *)arg;
    uint64_t rng = (uint64_t)st->index * 7919u + 1;
    double end = now_seconds() + g_seconds;
    long round;
    uint8_t *dst = NULL;
    size_t dst_cap = 0;
    for (round = 0; round < g_rounds && (round == 0 || now_seconds() < end); round++) {
        size_t first, n, i;
        int shape = (int)(next(&rng) % SHAPES);
        int decompress = (int)(next(&rng) % 2);
        int per_item = next(&rng) % 3 == 0;
        zseg_batch_options opts;
        cancel_plan plan;
        zseg_result results[N_ITEMS];
        zseg_segment segs[N_ITEMS];
        zseg_collection *out = SENTINEL_COLLECTION;
        zseg_error err;
        zseg_result rc;
        size_t used = (size_t)-7;
        const zseg_slice *inputs, *want;

        /* Buffer and collection inputs always hold every item. */
        if (shape == BUFFER || shape == COLLECTION) {
            first = 0;
            n = N_ITEMS;
        } else {
            first = next(&rng) % N_ITEMS;
            n = 1 + next(&rng) % (N_ITEMS - first);
        }
        if (g_small && n > 24) n = 24;
        if (g_small && (shape == BUFFER || shape == COLLECTION)) shape = SLICES;
        inputs = decompress ? g_frame_slices + first : g_items + first;
        want = decompress ? g_items + first : g_frame_slices + first;

        memset(&plan, 0, sizeof plan);
        plan.total = n;
        plan.cancel_at = next(&rng) % 4 == 0 ? 1 + (int)(next(&rng) % 3) : 0;
        if (round == 0 && st->index % 2 == 0) plan.cancel_at = 1; /* every run cancels some */
        zseg_batch_options_init(&opts);
        opts.threads = 2;
        opts.progress = on_progress;
        opts.progress_ctx = &plan;
        for (i = 0; i < n; i++) results[i] = SENTINEL_RESULT;
        if (per_item) opts.item_results = results;
        memset(segs, 0x5e, sizeof segs);

        if (shape == INTO) {
            size_t need = 0;
            for (i = 0; i < n; i++) need += decompress ? want[i].len : 0;
            if (!decompress) need = zseg_compress_bound(inputs, n);
            if (need > dst_cap) {
                free(dst);
                dst = (uint8_t *)malloc(need);
                dst_cap = dst ? need : 0;
                if (!dst) {
                    fail(st, "malloc", first, n, 0, NULL);
                    break;
                }
            }
            rc = decompress ? zseg_decompress_slices_into(g_d, inputs, n, NULL, &opts, dst, need,
                                                          segs, &used, &err)
                            : zseg_compress_slices_into(g_c, inputs, n, &opts, dst, need, segs,
                                                        &used, &err);
        } else if (decompress) {
            rc = shape == SLICES   ? zseg_decompress_slices(g_d, inputs, n, NULL, &opts, &out, &err)
                 : shape == BUFFER ? zseg_decompress_buffer(g_d, g_fbuf, NULL, &opts, &out, &err)
                                   : zseg_decompress_collection(g_d, g_fcoll, NULL, &opts, &out, &err);
        } else if (shape == BUFFER) {
            rc = zseg_compress_buffer(g_c, g_buf, &opts, &out, &err);
        } else if (shape == COLLECTION) {
            rc = zseg_compress_collection(g_c, g_coll, &opts, &out, &err);
        } else {
            rc = zseg_compress_slices(g_c, inputs, n, &opts, &out, &err);
        }
        st->batches++;
        if (plan.bad_total) fail(st, "progress items_total", first, n, rc, &err);

        if (plan.asked) {
            st->cancelled++;
            if (rc != ZSEG_ERR_CANCELLED) fail(st, "cancelled call", first, n, rc, &err);
            if (out != SENTINEL_COLLECTION) fail(st, "*out written when cancelled", first, n, rc, &err);
            if (used != (size_t)-7) fail(st, "*dst_used written when cancelled", first, n, rc, &err);
            for (i = 0; i < n; i++)
                if (results[i] != SENTINEL_RESULT || segs[i].offset != UINT64_C(0x5e5e5e5e5e5e5e5e)) {
                    fail(st, "outputs written when cancelled", first, n, rc, &err);
                    break;
                }
            if (out != SENTINEL_COLLECTION) zseg_collection_free(out);
            continue;
        }
        if (rc != ZSEG_OK) {
            fail(st, decompress ? "decompression" : "compression", first, n, rc, &err);
            continue;
        }
        if (per_item)
            for (i = 0; i < n; i++)
                if (results[i] != ZSEG_OK) {
                    fail(st, "item result", first, n, results[i], NULL);
                    break;
                }
        if (shape == INTO) {
            size_t at = 0;
            for (i = 0; i < n; i++) {
                if (segs[i].offset != at || segs[i].length != want[i].len ||
                    (want[i].len && memcmp(dst + at, want[i].ptr, want[i].len) != 0)) {
                    fail(st, decompress ? "item bytes (into)" : "frame bytes (into)", first, n, rc,
                         NULL);
                    break;
                }
                at += want[i].len;
            }
            if (used != at) fail(st, "dst_used", first, n, rc, NULL);
        } else {
            if (!collection_equals(out, want, n))
                fail(st, decompress ? "item bytes" : "frame bytes", first, n, rc, NULL);
            zseg_collection_free(out);
        }
        st->items += (long)n;
        if (round % 16 == 0) {
            (void)zseg_compressor_memory_size(g_c); /* reads while others compress */
            (void)zseg_decompressor_memory_size(g_d);
        }
    }
    free(dst);
    return NULL;
}

static void sixteen_threads_share_one_compressor_and_decompressor(void) {
    pthread_t threads[THREADS];
    stats st[THREADS];
    long batches = 0, cancelled = 0, items = 0;
    int i, started = 0;
    double t0 = now_seconds();
    memset(st, 0, sizeof st);
    for (i = 0; i < THREADS; i++) {
        st[i].index = i;
        if (pthread_create(&threads[i], NULL, worker, &st[i]) != 0) break;
        started++;
    }
    CHECK_EQ_U64(started, THREADS);
    for (i = 0; i < started; i++) pthread_join(threads[i], NULL);
    for (i = 0; i < started; i++) {
        batches += st[i].batches;
        cancelled += st[i].cancelled;
        items += st[i].items;
        if (st[i].failures) {
            CHECK_FAIL_("thread %d: %ld failures, first: %s", i, st[i].failures, st[i].first_failure);
        }
    }
    printf("     %ld batches (%ld cancelled), %ld items checked in %.1f s\n", batches, cancelled,
           items, now_seconds() - t0);
    CHECK(batches >= THREADS);
    CHECK(cancelled >= THREADS / 2); /* the even threads cancel their first batch */
}

/* Parameters of a shared handle may be changed only with exclusive use: after the threads are
 * joined, a change applies to the next batches (contexts made before are not reused). */
static void settings_changed_between_runs_apply_to_later_batches(void) {
    zseg_collection *out = NULL;
    zseg_slice f;
    uint64_t cs = 0;
    REQUIRE_OK(zseg_compressor_set_param(g_c, ZSEG_CPARAM_CONTENT_SIZE, 0, CHECK_ERR));
    REQUIRE_OK(zseg_compress_slices(g_c, g_items, 8, NULL, &out, CHECK_ERR));
    REQUIRE_OK(zseg_collection_get(out, 1, &f));
    CHECK_RC(zseg_frame_content_size(f.ptr, f.len, &cs, CHECK_ERR), ZSEG_ERR_NO_CONTENT_SIZE);
    zseg_collection_free(out);
    REQUIRE_OK(zseg_compressor_set_param(g_c, ZSEG_CPARAM_CONTENT_SIZE, 1, CHECK_ERR));
}

int main(void) {
    require_setup(setup(), "test_stress");
    RUN_TEST(sixteen_threads_share_one_compressor_and_decompressor);
    RUN_TEST(settings_changed_between_runs_apply_to_later_batches);
    teardown();
    return CHECK_SUMMARY();
}
