/*
 * support.h: helpers shared by the zseg C tests (header-only, C11; the assertions are check.h).
 *
 * Include it after `#define _POSIX_C_SOURCE 200809L` (for nanosleep and clock_gettime). Every
 * helper is `static inline` and every object is marked unused, so a test file that uses only
 * some of them still builds under -Wall -Wextra -Werror.
 *
 *   Test data       COUNT_OF, rng_next, xmalloc, ZSEG_TEST_ASAN, under_valgrind, word,
 *                   make_record, corpus (corpus_new, corpus_add, corpus_add_text, corpus_seal,
 *                   corpus_free, corpus_json, corpus_text_prefixes), fill_text, fill_random
 *   Batches         compressor_at, decompressor_plain, opts_threads, opts_per_item,
 *                   count_not_ok, future_options_at, compress_t
 *   Comparisons     item_of, views_of, bytes_equal, view_equals, slice_equal, collection_holds,
 *                   collections_identical, check_no_items, decompresses_to, packed_items_equal
 *   Errors          poison_error, message_ok, error_is_filled, check_param_result, CHECK_ZERR,
 *                   CHECK_ZERR_CODE
 *   Out-pointers    SENTINEL_COLL, SENTINEL_COMP, SENTINEL_DECOMP; CANARY_LEN, canary_intact
 *   Dictionary      trained_dictionary (g_dict, g_dict_size)
 *   Progress        progress_log (progress_log_init, progress_log_cancel, progress_cb),
 *                   opts_progress; now_seconds, require_setup
 *   Threads         run_threads; shared_job (shared_job_rounds, shared_job_threads,
 *                   run_shared_jobs)
 */
#ifndef ZSEG_TESTS_SUPPORT_H
#define ZSEG_TESTS_SUPPORT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "zseg.h"

#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#error "define _POSIX_C_SOURCE 200809L before including support.h"
#endif

#if defined(__GNUC__)
#define SUPPORT_UNUSED_ __attribute__((unused))
#else
#define SUPPORT_UNUSED_
#endif

/* The number of elements of an array. */
#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------------------------ */
/* Deterministic test data                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* xorshift64*: the next pseudo-random number of the stream in *s. */
static inline uint64_t rng_next(uint64_t *s) {
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* malloc that aborts on failure (and never returns NULL for 0 bytes). */
static inline void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory (%zu bytes)\n", n);
        abort();
    }
    return p;
}

/* ZSEG_TEST_ASAN: defined when built with AddressSanitizer (gcc or clang). */
#if defined(__SANITIZE_ADDRESS__)
#define ZSEG_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZSEG_TEST_ASAN 1
#endif
#endif

/* Set by the CMake valgrind tests: shrink repetitions (never the cases the contract names). */
static inline int under_valgrind(void) {
    const char *v = getenv("ZSEG_TEST_UNDER_VALGRIND");
    return v && *v && strcmp(v, "0") != 0;
}

/* The vocabulary of the generated records and text. */
SUPPORT_UNUSED_ static const char *const WORDS[] = {
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
    "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
    "sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu", "red",
    "green", "blue", "amber", "violet", "north", "south", "east", "west", "river",
    "mountain", "forest", "desert", "ocean"};
#define NWORDS (sizeof WORDS / sizeof WORDS[0])

/* A random word of WORDS. */
static inline const char *word(uint64_t *rng) { return WORDS[rng_next(rng) % NWORDS]; }

/* One JSON-like record of roughly 150..450 bytes into out (cap >= 1024). */
static inline size_t make_record(char *out, size_t cap, uint64_t *rng) {
    uint64_t r = rng_next(rng);
    int n = snprintf(out, cap,
                     "{\"id\":%llu,\"user\":\"%s_%s%u\",\"email\":\"%s.%s@example.com\","
                     "\"active\":%s,\"score\":%u.%02u,\"tags\":[\"%s\",\"%s\",\"%s\"],"
                     "\"city\":\"%s %s\",\"note\":\"",
                     (unsigned long long)(r % 10000000u), word(rng), word(rng),
                     (unsigned)(r >> 40) % 1000u, word(rng), word(rng),
                     (r & 1) ? "true" : "false", (unsigned)(r >> 20) % 100u,
                     (unsigned)(r >> 30) % 100u, word(rng), word(rng), word(rng), word(rng),
                     word(rng));
    size_t len = (size_t)n;
    unsigned extra = (unsigned)(rng_next(rng) % 40u);
    for (unsigned i = 0; i < extra && len + 16 < cap; i++) {
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "", word(rng));
    }
    len += (size_t)snprintf(out + len, cap - len, "\"}");
    return len;
}

/* Items that all point into one contiguous data block. */
typedef struct corpus {
    uint8_t *data;
    size_t size;
    size_t cap;
    zseg_slice *items;
    zseg_segment *segs;
    size_t n;
    size_t n_cap;
} corpus;

/* An empty corpus with room for n_cap items and byte_cap bytes. */
static inline corpus corpus_new(size_t n_cap, size_t byte_cap) {
    corpus c;
    memset(&c, 0, sizeof c);
    c.data = xmalloc(byte_cap);
    c.cap = byte_cap;
    c.items = xmalloc(n_cap * sizeof *c.items);
    c.segs = xmalloc(n_cap * sizeof *c.segs);
    c.n_cap = n_cap;
    return c;
}

/* Appends an item (copied); the item pointers are fixed by corpus_seal. */
static inline void corpus_add(corpus *c, const void *bytes, size_t len) {
    if (c->n == c->n_cap || c->size + len > c->cap) {
        fprintf(stderr, "corpus overflow\n");
        abort();
    }
    if (len) memcpy(c->data + c->size, bytes, len);
    c->segs[c->n].offset = c->size;
    c->segs[c->n].length = len;
    c->size += len;
    c->n++;
}

/* Points the items at their bytes (empty items at NULL), once every item is added. */
static inline void corpus_seal(corpus *c) {
    for (size_t i = 0; i < c->n; i++) {
        c->items[i].ptr = c->segs[i].length ? c->data + c->segs[i].offset : NULL;
        c->items[i].len = (size_t)c->segs[i].length;
    }
}

/* Frees the corpus and zeroes it. */
static inline void corpus_free(corpus *c) {
    free(c->data);
    free(c->items);
    free(c->segs);
    memset(c, 0, sizeof *c);
}

/* n JSON-like records (make_record) from `seed`. */
static inline corpus corpus_json(size_t n, uint64_t seed) {
    corpus c = corpus_new(n, n * 512 + 1);
    uint64_t rng = seed * 0x9E3779B97F4A7C15ULL + 1;
    char rec[1024];
    for (size_t i = 0; i < n; i++) {
        size_t len = make_record(rec, sizeof rec, &rng);
        corpus_add(&c, rec, len);
    }
    corpus_seal(&c);
    return c;
}

/* Text of random words, `size` bytes. */
static inline void fill_text(uint8_t *out, size_t size, uint64_t seed) {
    uint64_t rng = seed * 0x9E3779B97F4A7C15ULL + 7;
    size_t pos = 0;
    while (pos < size) {
        const char *w = word(&rng);
        size_t wl = strlen(w);
        for (size_t k = 0; k < wl && pos < size; k++) out[pos++] = (uint8_t)w[k];
        if (pos < size) out[pos++] = (rng_next(&rng) % 13u) ? ' ' : '\n';
    }
}

/* Appends an item of `len` bytes of fill_text(seed) (a longer item from the same seed starts
   with the same bytes). */
static inline void corpus_add_text(corpus *c, size_t len, uint64_t seed) {
    uint8_t *text = xmalloc(len);
    fill_text(text, len, seed);
    corpus_add(c, text, len);
    free(text);
}

/* n items, item i the first lens[i] bytes of one fill_text(seed) text. */
static inline corpus corpus_text_prefixes(const size_t *lens, size_t n, uint64_t seed) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += lens[i];
    corpus c = corpus_new(n, total + 1);
    for (size_t i = 0; i < n; i++) corpus_add_text(&c, lens[i], seed);
    corpus_seal(&c);
    return c;
}

/* Random bytes, `size` of them. */
static inline void fill_random(uint8_t *out, size_t size, uint64_t seed) {
    uint64_t rng = seed * 0x9E3779B97F4A7C15ULL + 3;
    for (size_t i = 0; i < size; i++) out[i] = (uint8_t)(rng_next(&rng) >> 56);
}

/* ------------------------------------------------------------------------------------------ */
/* zseg handles and batches                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* A compressor at `level`; NULL on failure. */
static inline zseg_compressor *compressor_at(int level) {
    zseg_compressor *c = NULL;
    if (zseg_compressor_new(level, &c, NULL) != ZSEG_OK) return NULL;
    return c;
}

/* A decompressor with the default settings; NULL on failure. */
static inline zseg_decompressor *decompressor_plain(void) {
    zseg_decompressor *d = NULL;
    if (zseg_decompressor_new(&d, NULL) != ZSEG_OK) return NULL;
    return d;
}

/* Default batch options with the given worker count. */
static inline zseg_batch_options opts_threads(int32_t threads) {
    zseg_batch_options o;
    zseg_batch_options_init(&o);
    o.threads = threads;
    return o;
}

/* Batch options as a newer caller passes them: a larger struct whose unknown trailing fields
   (all bits set) must be ignored. Pass &.known. */
typedef struct future_options {
    zseg_batch_options known;
    uint64_t future[8];
} future_options;

/* Future options with the given worker count and `size` covering the whole struct. */
static inline future_options future_options_at(int32_t threads) {
    future_options big;
    zseg_batch_options_init(&big.known);
    memset(big.future, 0xFF, sizeof big.future);
    big.known.size = sizeof big;
    big.known.threads = threads;
    return big;
}

/* Per-item mode options with the given worker count: results[0..n) receive the item results,
   preset here to 0xDEAD (no zseg_result) so that a test sees which were written. */
static inline zseg_batch_options opts_per_item(int32_t threads, zseg_result *results, size_t n) {
    for (size_t i = 0; i < n; i++) results[i] = (zseg_result)0xDEAD;
    zseg_batch_options o = opts_threads(threads);
    o.item_results = results;
    return o;
}

/* How many of the item results results[0..n) are not ZSEG_OK. */
static inline size_t count_not_ok(const zseg_result *results, size_t n) {
    size_t not_ok = 0;
    for (size_t i = 0; i < n; i++) not_ok += results[i] != ZSEG_OK;
    return not_ok;
}

/* Compresses with the given worker count; NULL on failure (reported). */
static inline zseg_collection *compress_t(const zseg_compressor *c, const zseg_slice *items,
                                          size_t n, int32_t threads) {
    zseg_batch_options o = opts_threads(threads);
    zseg_collection *out = NULL;
    zseg_error err;
    zseg_result rc = zseg_compress_slices(c, items, n, &o, &out, &err);
    if (rc != ZSEG_OK) {
        fprintf(stderr, "  compress_slices(n=%zu, threads=%d) failed: %s (%s)\n", n,
                (int)threads, zseg_result_str(rc), err.message);
        return NULL;
    }
    return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Comparisons                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* Item i of a collection; {NULL, SIZE_MAX} if there is none. */
static inline zseg_slice item_of(const zseg_collection *c, size_t i) {
    zseg_slice s = {NULL, (size_t)-1};
    if (zseg_collection_get(c, i, &s) != ZSEG_OK) {
        s.ptr = NULL;
        s.len = (size_t)-1;
    }
    return s;
}

/* Zero-copy views of every item of a collection (valid while it lives; free the array). */
static inline zseg_slice *views_of(const zseg_collection *c) {
    size_t n = zseg_collection_count(c);
    zseg_slice *v = xmalloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = item_of(c, i);
    return v;
}

/* 1 if the two byte ranges are equal (any pointer will do for an empty range). */
static inline int bytes_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
    if (alen != blen) return 0;
    if (alen == 0) return 1;
    if (!a || !b) return 0;
    return memcmp(a, b, alen) == 0;
}

/* 1 if the view holds exactly the `len` bytes at `bytes`. */
static inline int view_equals(zseg_slice view, const void *bytes, size_t len) {
    return view.len == len && (len == 0 || memcmp(view.ptr, bytes, len) == 0);
}

/* 1 if both slices hold the same bytes. */
static inline int slice_equal(zseg_slice a, zseg_slice b) {
    return bytes_equal(a.ptr, a.len, b.ptr, b.len);
}

/* 1 if `c` holds exactly items[0..n) in order, byte for byte (first difference printed). */
static inline int collection_holds(const zseg_collection *c, const zseg_slice *items, size_t n) {
    if (!c) return 0;
    if (zseg_collection_count(c) != n) {
        fprintf(stderr, "  collection count %zu, expected %zu\n", zseg_collection_count(c), n);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        zseg_slice s = item_of(c, i);
        if (!slice_equal(s, items[i])) {
            fprintf(stderr, "  item %zu differs (len %zu, expected %zu)\n", i, s.len,
                    items[i].len);
            return 0;
        }
    }
    return 1;
}

/* 1 if both collections have the same count and identical items. */
static inline int collections_identical(const zseg_collection *a, const zseg_collection *b) {
    if (!a || !b) return 0;
    size_t n = zseg_collection_count(a);
    if (zseg_collection_count(b) != n) {
        fprintf(stderr, "  counts differ: %zu vs %zu\n", n, zseg_collection_count(b));
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!slice_equal(item_of(a, i), item_of(b, i))) {
            fprintf(stderr, "  frame %zu differs\n", i);
            return 0;
        }
    }
    return 1;
}

/* Checks that a batch gave an empty collection (not NULL, no items) and frees it. */
static inline void check_no_items(zseg_collection *out) {
    CHECK(out != NULL);
    CHECK_EQ_U64(zseg_collection_count(out), 0);
    zseg_collection_free(out);
}

/* 1 if the frames in `frames` decompress (with d, at `threads`) to exactly items[0..n). */
static inline int decompresses_to(const zseg_decompressor *d, const zseg_collection *frames,
                                  const zseg_slice *items, size_t n, int32_t threads) {
    if (!d || !frames) return 0;
    zseg_batch_options o = opts_threads(threads);
    zseg_collection *out = NULL;
    zseg_error err;
    zseg_result rc = zseg_decompress_collection(d, frames, NULL, &o, &out, &err);
    if (rc != ZSEG_OK) {
        fprintf(stderr, "  decompress failed: %s item %llu (%s)\n", zseg_result_str(rc),
                (unsigned long long)err.item, err.message);
        return 0;
    }
    int ok = collection_holds(out, items, n);
    zseg_collection_free(out);
    return ok;
}

/* 1 if segs describe items packed back to back from offset 0 in dst (`used` bytes in all),
   equal to expect[0..n) (first difference printed). */
static inline int packed_items_equal(const uint8_t *dst, const zseg_segment *segs, size_t n,
                                     size_t used, const zseg_slice *expect) {
    uint64_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (segs[i].offset != pos) {
            fprintf(stderr, "  item %zu at %llu, expected %llu\n", i,
                    (unsigned long long)segs[i].offset, (unsigned long long)pos);
            return 0;
        }
        if (!bytes_equal(dst + segs[i].offset, (size_t)segs[i].length, expect[i].ptr,
                         expect[i].len)) {
            fprintf(stderr, "  item %zu differs\n", i);
            return 0;
        }
        pos += segs[i].length;
    }
    if (pos != used) {
        fprintf(stderr, "  dst_used %zu, items total %llu\n", used, (unsigned long long)pos);
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Errors and untouched outputs                                                                */
/* ------------------------------------------------------------------------------------------ */

/* Fills a zseg_error with garbage, so a function that fills it must overwrite every field. */
static inline void poison_error(zseg_error *err) { memset(err, 0xAB, sizeof *err); }

/* A change a progress callback made to the handle its batch runs on: refused, saying why. */
static inline int refused_in_callback(zseg_result rc, const zseg_error *e) {
    return rc == ZSEG_ERR_INVALID_ARGUMENT && strstr(e->message, "progress callback") != NULL;
}

/* 1 if the error's message is NUL-terminated and not empty. */
static inline int message_ok(const zseg_error *e) {
    return memchr(e->message, '\0', sizeof e->message) != NULL && e->message[0] != '\0';
}

/* 1 if err was filled for a failure with `code`: that code and a message_ok message. */
static inline int error_is_filled(const zseg_error *err, zseg_result code) {
    return err->code == code && message_ok(err);
}

/* Checks that a call setting `param` to `value` returned `want` (the pair printed if not). */
static inline void check_param_result(zseg_result rc, zseg_result want, int64_t param,
                                      int64_t value) {
    if (rc != want)
        fprintf(stderr, "  param %lld value %lld: %s\n", (long long)param, (long long)value,
                zseg_result_str(rc));
    CHECK_EQ_U64(rc, want);
}

/* The error struct of a failed call: code, item, non-empty NUL-terminated message. */
#define CHECK_ZERR(e, want_code, want_item)        \
    do {                                          \
        CHECK_EQ_U64((e).code, (want_code));      \
        CHECK_EQ_U64((e).item, (want_item));      \
        CHECK(message_ok(&(e)));                  \
    } while (0)

/* The error struct of a failed call whose item the contract leaves open. */
#define CHECK_ZERR_CODE(e, want_code)              \
    do {                                          \
        CHECK_EQ_U64((e).code, (want_code));      \
        CHECK(message_ok(&(e)));                  \
    } while (0)

/* A pointer value that no call may write over an out-pointer on failure. */
SUPPORT_UNUSED_ static char sentinel_object;
#define SENTINEL_COLL ((zseg_collection *)(void *)&sentinel_object)
#define SENTINEL_COMP ((zseg_compressor *)(void *)&sentinel_object)
#define SENTINEL_DECOMP ((zseg_decompressor *)(void *)&sentinel_object)

/* CANARY_LEN bytes of CANARY_BYTE right after a destination: nothing may write there. */
#define CANARY_LEN 64
#define CANARY_BYTE 0xA5

/* 1 if the CANARY_LEN bytes at p are still CANARY_BYTE. */
static inline int canary_intact(const uint8_t *p) {
    for (size_t i = 0; i < CANARY_LEN; i++)
        if (p[i] != CANARY_BYTE) return 0;
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* A trained dictionary                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* The dictionary trained_dictionary makes (once per process) and its size. */
SUPPORT_UNUSED_ static uint8_t g_dict[8192];
SUPPORT_UNUSED_ static size_t g_dict_size;
SUPPORT_UNUSED_ static int g_dict_state; /* 0 not tried, 1 ok, -1 failed */

/* Trains one dictionary (once per process) from 2000 JSON-like samples; 1 if g_dict holds it. */
static inline int trained_dictionary(void) {
    if (g_dict_state) return g_dict_state > 0;
    corpus samples = corpus_json(2000, 4242);
    zseg_buffer *buf = NULL;
    zseg_error err;
    g_dict_state = -1;
    if (zseg_buffer_new_borrowed(samples.data, samples.size, samples.segs, samples.n, NULL, NULL,
                                 &buf, &err) == ZSEG_OK) {
        zseg_result rc = zseg_train_dictionary(buf, g_dict, 4096, &g_dict_size, &err);
        if (rc == ZSEG_OK && g_dict_size > 0 && g_dict_size <= 4096) {
            g_dict_state = 1;
        } else {
            fprintf(stderr, "  train_dictionary: %s (%s)\n", zseg_result_str(rc), err.message);
        }
        zseg_buffer_free(buf);
    }
    corpus_free(&samples);
    return g_dict_state > 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Progress callbacks, time, main()                                                            */
/* ------------------------------------------------------------------------------------------ */

/* What progress_cb saw of one batch, and when it should ask to cancel it. */
typedef struct progress_log {
    uint64_t expect_total;
    uint64_t calls;
    uint64_t last_done;
    uint64_t last_total;
    uint64_t max_step;
    int went_backwards;
    int wrong_total;
    int wrong_thread;
    int overlapping;
    int inside;
    pthread_t caller;
    uint64_t cancel_at_call; /* 0: never; k: return nonzero at the k-th call */
    int cancel_when_done;    /* return nonzero when items_done == items_total */
    long stall_ms;           /* sleep this long before returning nonzero */
} progress_log;

/* A fresh log for a batch of `total` items, run from the calling thread. */
static inline void progress_log_init(progress_log *p, uint64_t total) {
    memset(p, 0, sizeof *p);
    p->expect_total = total;
    p->caller = pthread_self();
}

/* A fresh log whose callback asks to cancel the batch: at its first report or, if at_end, at the
   report of items_done == items_total. */
static inline void progress_log_cancel(progress_log *p, uint64_t total, int at_end) {
    progress_log_init(p, total);
    if (at_end) p->cancel_when_done = 1;
    else p->cancel_at_call = 1;
}

/* A zseg progress callback recording into the progress_log at ctx. */
static inline int progress_cb(uint64_t done, uint64_t total, void *ctx) {
    progress_log *p = ctx;
    if (p->inside) p->overlapping = 1;
    p->inside = 1;
    p->calls++;
    if (total != p->expect_total) p->wrong_total = 1;
    if (done < p->last_done || done > total) p->went_backwards = 1;
    if (done - p->last_done > p->max_step && done >= p->last_done)
        p->max_step = done - p->last_done;
    if (!pthread_equal(pthread_self(), p->caller)) p->wrong_thread = 1;
    p->last_done = done;
    p->last_total = total;
    int stop = (p->cancel_at_call && p->calls == p->cancel_at_call) ||
               (p->cancel_when_done && done == total);
    if (stop && p->stall_ms) {
        struct timespec ts = {p->stall_ms / 1000, (p->stall_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    p->inside = 0;
    return stop;
}

/* Batch options with the given worker count, reporting progress to progress_cb with `log`. */
static inline zseg_batch_options opts_progress(int32_t threads, progress_log *log) {
    zseg_batch_options o = opts_threads(threads);
    o.progress = progress_cb;
    o.progress_ctx = log;
    return o;
}

/* For main(): exits with status 1, saying so, when a test program's setup failed. */
static inline void require_setup(int ok, const char *program) {
    if (ok) return;
    fprintf(stderr, "%s: setup failed\n", program);
    exit(1);
}

/* Seconds on the monotonic clock. */
static inline double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------------------------------------ */
/* Application threads                                                                          */
/* ------------------------------------------------------------------------------------------ */

/* The most threads run_threads starts. */
#define MAX_THREADS 16

/* Runs fn on n <= MAX_THREADS pthreads at once, thread k on the k-th of the jobs laid out
   job_size bytes apart, and waits for them; returns how many were started and joined (n
   unless pthread_create failed: no more are started then). */
static inline int run_threads(void *(*fn)(void *), void *jobs, size_t job_size, int n) {
    pthread_t tids[MAX_THREADS];
    int started = 0, joined = 0;
    while (started < n && started < MAX_THREADS) {
        void *job = (char *)jobs + (size_t)started * job_size;
        if (pthread_create(&tids[started], NULL, fn, job) != 0) break;
        started++;
    }
    for (int k = 0; k < started; k++) joined += pthread_join(tids[k], NULL) == 0;
    return joined;
}

/* How many application threads share one compressor or decompressor at once. */
#define SHARED_JOBS 4

/* One of those threads: its corpus, the corpus's frames made up front on the calling thread,
   and how many of its batches went wrong. */
typedef struct shared_job {
    const zseg_compressor *c;   /* the shared compressor, in compression tests */
    const zseg_decompressor *d; /* the shared decompressor, in decompression tests */
    corpus cp;
    zseg_collection *frames;
    int failures;
} shared_job;

/* The rounds a shared job runs: 3, or 1 under valgrind. */
static inline int shared_job_rounds(void) { return under_valgrind() ? 1 : 3; }

/* The worker count of a shared job's round: 2, 1, then all CPUs. */
static inline int32_t shared_job_threads(int round) {
    return round == 0 ? 2 : round == 1 ? 1 : -1;
}

/* Runs worker(&jobs[j]) for the SHARED_JOBS jobs on as many pthreads at once (run_threads),
   checks that all ran and that no job failed, then frees every job's frames and corpus. */
static inline void run_shared_jobs(shared_job *jobs, void *(*worker)(void *)) {
    CHECK_EQ_U64(run_threads(worker, jobs, sizeof *jobs, SHARED_JOBS), SHARED_JOBS);
    for (int j = 0; j < SHARED_JOBS; j++) {
        CHECK_EQ_U64(jobs[j].failures, 0);
        zseg_collection_free(jobs[j].frames);
        corpus_free(&jobs[j].cp);
    }
}

#endif /* ZSEG_TESTS_SUPPORT_H */
