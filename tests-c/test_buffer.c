/*
 * Buffers with segments, errors, result names and versions, through the C ABI only.
 * Written from API.md and zseg.h alone.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "support.h"
#include "zseg.h"

/* A pointer value no call may write: out-pointers are preset to it and checked afterwards. */
#define SENTINEL_BUFFER ((zseg_buffer *)(uintptr_t)0x5e5e5e5e)

static const uint8_t TEXT[] = "abcdefghij"; /* 10 bytes used, NUL not included in sizes */

/* Counts release callbacks and remembers the context and thread of the last one. */
typedef struct release_probe {
    int calls;
    void *ctx_seen;
    pthread_t thread;
} release_probe;

static void record_release(void *ctx) {
    release_probe *probe = (release_probe *)ctx;
    probe->calls++;
    probe->ctx_seen = ctx;
    probe->thread = pthread_self();
}

static void copy_buffer_holds_every_item_as_given(void) {
    const zseg_segment segs[] = {{0, 3}, {3, 4}, {7, 3}};
    zseg_buffer *buf = NULL;
    zseg_slice view;
    REQUIRE_OK(zseg_buffer_new_copy(TEXT, 10, segs, 3, &buf, CHECK_ERR));
    CHECK_EQ_U64(zseg_buffer_size(buf), 10);
    CHECK_EQ_U64(zseg_buffer_count(buf), 3);
    CHECK(memcmp(zseg_buffer_data(buf), TEXT, 10) == 0);
    CHECK(memcmp(zseg_buffer_segments(buf), segs, sizeof segs) == 0);
    CHECK_OK(zseg_buffer_get(buf, 0, &view));
    CHECK(view_equals(view, "abc", 3));
    CHECK_OK(zseg_buffer_get(buf, 1, &view));
    CHECK(view_equals(view, "defg", 4));
    CHECK_OK(zseg_buffer_get(buf, 2, &view));
    CHECK(view_equals(view, "hij", 3));
    zseg_buffer_free(buf);
}

static void copy_buffer_keeps_its_bytes_when_caller_changes_data(void) {
    uint8_t data[4] = {1, 2, 3, 4};
    const zseg_segment segs[] = {{0, 4}};
    zseg_buffer *buf = NULL;
    zseg_slice view;
    REQUIRE_OK(zseg_buffer_new_copy(data, 4, segs, 1, &buf, CHECK_ERR));
    CHECK(zseg_buffer_data(buf) != data);
    memset(data, 9, sizeof data);
    CHECK_OK(zseg_buffer_get(buf, 0, &view));
    CHECK(view_equals(view, "\1\2\3\4", 4));
    zseg_buffer_free(buf);
}

static void segments_array_is_copied_so_caller_changes_do_nothing(void) {
    zseg_segment segs[] = {{0, 2}, {5, 5}};
    zseg_buffer *copied = NULL, *borrowed = NULL;
    zseg_slice view;
    REQUIRE_OK(zseg_buffer_new_copy(TEXT, 10, segs, 2, &copied, CHECK_ERR));
    REQUIRE_OK(zseg_buffer_new_borrowed(TEXT, 10, segs, 2, NULL, NULL, &borrowed, CHECK_ERR));
    CHECK(zseg_buffer_segments(copied) != segs);
    CHECK(zseg_buffer_segments(borrowed) != segs);
    segs[0].offset = 7; /* valid values, so a buffer still reading them would go unnoticed */
    segs[0].length = 1;
    segs[1].offset = UINT64_MAX;
    segs[1].length = UINT64_MAX;
    CHECK_EQ_U64(zseg_buffer_segments(copied)[0].offset, 0);
    CHECK_EQ_U64(zseg_buffer_segments(copied)[1].length, 5);
    CHECK_EQ_U64(zseg_buffer_segments(borrowed)[0].length, 2);
    CHECK_EQ_U64(zseg_buffer_segments(borrowed)[1].offset, 5);
    CHECK_OK(zseg_buffer_get(copied, 0, &view));
    CHECK(view_equals(view, "ab", 2));
    CHECK_OK(zseg_buffer_get(borrowed, 1, &view));
    CHECK(view_equals(view, "fghij", 5));
    zseg_buffer_free(copied);
    zseg_buffer_free(borrowed);
}

static void borrowed_buffer_views_point_into_caller_memory(void) {
    static const uint8_t data[16] = "0123456789ABCDEF";
    const zseg_segment segs[] = {{3, 4}, {0, 16}, {15, 1}};
    zseg_buffer *buf = NULL;
    size_t i;
    REQUIRE_OK(zseg_buffer_new_borrowed(data, 16, segs, 3, NULL, NULL, &buf, CHECK_ERR));
    CHECK_EQ_PTR(zseg_buffer_data(buf), data);
    CHECK_EQ_U64(zseg_buffer_size(buf), 16);
    /* zseg_buffer_segments is zero-copy too: the same array on every call. */
    CHECK_EQ_PTR(zseg_buffer_segments(buf), zseg_buffer_segments(buf));
    for (i = 0; i < COUNT_OF(segs); i++) {
        zseg_slice view = {NULL, 0};
        CHECK_OK(zseg_buffer_get(buf, i, &view));
        CHECK_EQ_PTR(view.ptr, data + segs[i].offset);
        CHECK_EQ_U64(view.len, segs[i].length);
    }
    zseg_buffer_free(buf);
}

static void empty_overlapping_gapped_and_unordered_segments_are_valid(void) {
    const zseg_segment segs[] = {
        {4, 3},  /* "efg" */
        {0, 0},  /* empty at the start */
        {2, 5},  /* "cdefg": overlaps the first */
        {8, 2},  /* "ij": leaves a gap at 7 */
        {1, 1},  /* "b": before the others */
        {10, 0}, /* empty at the very end */
        {4, 3},  /* the same as the first */
    };
    const char *expected[] = {"efg", "", "cdefg", "ij", "b", "", "efg"};
    zseg_buffer *bufs[2] = {NULL, NULL};
    int b;
    REQUIRE_OK(zseg_buffer_new_copy(TEXT, 10, segs, COUNT_OF(segs), &bufs[0], CHECK_ERR));
    REQUIRE_OK(zseg_buffer_new_borrowed(TEXT, 10, segs, COUNT_OF(segs), NULL, NULL, &bufs[1],
                                        CHECK_ERR));
    for (b = 0; b < 2; b++) {
        size_t i;
        CHECK_EQ_U64(zseg_buffer_count(bufs[b]), COUNT_OF(segs));
        for (i = 0; i < COUNT_OF(segs); i++) {
            zseg_slice view;
            CHECK_OK(zseg_buffer_get(bufs[b], i, &view));
            CHECK(view_equals(view, expected[i], strlen(expected[i])));
        }
        zseg_buffer_free(bufs[b]);
    }
}

static void buffer_with_data_and_no_segments_is_valid(void) {
    zseg_buffer *buf = NULL;
    zseg_slice view = {NULL, 77};
    REQUIRE_OK(zseg_buffer_new_copy(TEXT, 10, NULL, 0, &buf, CHECK_ERR));
    CHECK_EQ_U64(zseg_buffer_size(buf), 10);
    CHECK_EQ_U64(zseg_buffer_count(buf), 0);
    CHECK(zseg_buffer_segments(buf) == NULL);
    CHECK_RC(zseg_buffer_get(buf, 0, &view), ZSEG_ERR_INDEX);
    CHECK_EQ_U64(view.len, 77);
    zseg_buffer_free(buf);
}

static void segment_past_the_end_fails_with_its_index(void) {
    const zseg_segment segs[] = {{0, 4}, {4, 4}, {5, 4}, {0, 1}};
    zseg_buffer *out = SENTINEL_BUFFER;
    zseg_error err;
    poison_error(&err);
    CHECK_RC(zseg_buffer_new_copy(TEXT, 8, segs, 4, &out, &err), ZSEG_ERR_SEGMENT_BOUNDS);
    CHECK(error_is_filled(&err, ZSEG_ERR_SEGMENT_BOUNDS));
    CHECK_EQ_U64(err.item, 2);
    CHECK_EQ_U64(err.zstd_code, 0);
    CHECK_EQ_PTR(out, SENTINEL_BUFFER);

    poison_error(&err);
    CHECK_RC(zseg_buffer_new_borrowed(TEXT, 8, segs, 4, NULL, NULL, &out, &err),
             ZSEG_ERR_SEGMENT_BOUNDS);
    CHECK(error_is_filled(&err, ZSEG_ERR_SEGMENT_BOUNDS));
    CHECK_EQ_U64(err.item, 2);
    CHECK_EQ_PTR(out, SENTINEL_BUFFER);
}

static void segment_whose_end_overflows_uint64_is_out_of_bounds(void) {
    /* offset + length wraps around to 1 (or less) in 64 bits: still out of bounds. */
    const zseg_segment overflows[][2] = {
        {{0, 1}, {UINT64_MAX, 2}},
        {{0, 1}, {1, UINT64_MAX}},
        {{0, 1}, {UINT64_MAX, UINT64_MAX}},
        {{0, 1}, {UINT64_MAX, 0}},
        {{0, 1}, {11, 0}}, /* empty, but it starts past the end */
    };
    size_t k;
    for (k = 0; k < COUNT_OF(overflows); k++) {
        zseg_buffer *out = SENTINEL_BUFFER;
        zseg_error err;
        poison_error(&err);
        CHECK_RC(zseg_buffer_new_copy(TEXT, 10, overflows[k], 2, &out, &err),
                 ZSEG_ERR_SEGMENT_BOUNDS);
        CHECK_EQ_U64(err.item, 1);
        CHECK(error_is_filled(&err, ZSEG_ERR_SEGMENT_BOUNDS));
        CHECK_EQ_PTR(out, SENTINEL_BUFFER);
        poison_error(&err);
        CHECK_RC(zseg_buffer_new_borrowed(TEXT, 10, overflows[k], 2, NULL, NULL, &out, &err),
                 ZSEG_ERR_SEGMENT_BOUNDS);
        CHECK_EQ_U64(err.item, 1);
        CHECK_EQ_PTR(out, SENTINEL_BUFFER);
    }
}

static void segment_ending_exactly_at_the_end_is_valid(void) {
    const zseg_segment segs[] = {{0, 10}, {9, 1}, {10, 0}};
    zseg_buffer *buf = NULL;
    zseg_slice view;
    REQUIRE_OK(zseg_buffer_new_copy(TEXT, 10, segs, 3, &buf, CHECK_ERR));
    CHECK_OK(zseg_buffer_get(buf, 1, &view));
    CHECK(view_equals(view, "j", 1));
    CHECK_OK(zseg_buffer_get(buf, 2, &view));
    CHECK_EQ_U64(view.len, 0);
    zseg_buffer_free(buf);
}

static void first_bad_segment_is_the_one_reported(void) {
    const zseg_segment segs[] = {{0, 1}, {9, 2}, {0, 1}, {20, 1}};
    zseg_buffer *out = SENTINEL_BUFFER;
    zseg_error err;
    poison_error(&err);
    CHECK_RC(zseg_buffer_new_copy(TEXT, 10, segs, 4, &out, &err), ZSEG_ERR_SEGMENT_BOUNDS);
    CHECK_EQ_U64(err.item, 1);
    CHECK_EQ_PTR(out, SENTINEL_BUFFER);
}

static void success_resets_the_error_to_ok_without_item_or_message(void) {
    const zseg_segment segs[] = {{0, 1}};
    zseg_buffer *buf = NULL;
    zseg_slice view;
    zseg_error err;
    poison_error(&err);
    REQUIRE_OK(zseg_buffer_new_copy(TEXT, 10, segs, 1, &buf, &err));
    CHECK_EQ_U64(err.code, ZSEG_OK);
    CHECK_EQ_U64(err.item, UINT64_MAX);
    CHECK_EQ_U64(err.zstd_code, 0);
    CHECK_EQ_U64(err.message[0], '\0');
    CHECK_OK(zseg_buffer_get(buf, 0, &view));
    zseg_buffer_free(buf);
}

static void null_err_is_accepted_on_success_and_failure(void) {
    const zseg_segment bad[] = {{UINT64_MAX, 2}};
    zseg_buffer *buf = NULL;
    zseg_slice view;
    CHECK_RC(zseg_buffer_new_copy(TEXT, 10, bad, 1, &buf, NULL), ZSEG_ERR_SEGMENT_BOUNDS);
    CHECK(buf == NULL);
    REQUIRE_OK(zseg_buffer_new_copy(TEXT, 10, NULL, 0, &buf, NULL));
    CHECK_RC(zseg_buffer_get(buf, 0, &view), ZSEG_ERR_INDEX);
    zseg_buffer_free(buf);
}

static void null_pointers_with_nonzero_sizes_give_err_null(void) {
    const zseg_segment segs[] = {{0, 1}};
    zseg_buffer *out = SENTINEL_BUFFER;
    zseg_error err;
    release_probe probe = {0, NULL, pthread_self()};

    poison_error(&err);
    CHECK_RC(zseg_buffer_new_copy(NULL, 10, segs, 1, &out, &err), ZSEG_ERR_NULL);
    CHECK(error_is_filled(&err, ZSEG_ERR_NULL));
    poison_error(&err);
    CHECK_RC(zseg_buffer_new_copy(TEXT, 10, NULL, 1, &out, &err), ZSEG_ERR_NULL);
    CHECK(error_is_filled(&err, ZSEG_ERR_NULL));
    poison_error(&err);
    CHECK_RC(zseg_buffer_new_copy(TEXT, 10, segs, 1, NULL, &err), ZSEG_ERR_NULL);
    CHECK(error_is_filled(&err, ZSEG_ERR_NULL));
    CHECK_RC(zseg_buffer_new_borrowed(NULL, 10, segs, 1, record_release, &probe, &out, &err),
             ZSEG_ERR_NULL);
    CHECK_RC(zseg_buffer_new_borrowed(TEXT, 10, NULL, 1, record_release, &probe, &out, &err),
             ZSEG_ERR_NULL);
    CHECK_RC(zseg_buffer_new_borrowed(TEXT, 10, segs, 1, record_release, &probe, NULL, &err),
             ZSEG_ERR_NULL);
    CHECK(error_is_filled(&err, ZSEG_ERR_NULL));
    CHECK_EQ_PTR(out, SENTINEL_BUFFER);
    CHECK_EQ_U64(probe.calls, 0);
}

static void buffer_get_with_null_buffer_or_out_gives_err_null(void) {
    const zseg_segment segs[] = {{0, 1}};
    zseg_buffer *buf = NULL;
    zseg_slice view = {TEXT, 42};
    zseg_error err;
    REQUIRE_OK(zseg_buffer_new_copy(TEXT, 10, segs, 1, &buf, CHECK_ERR));
    poison_error(&err);
    CHECK_RC(zseg_buffer_get(NULL, 0, &view), ZSEG_ERR_NULL);
    CHECK_EQ_PTR(view.ptr, TEXT);
    CHECK_EQ_U64(view.len, 42);
    poison_error(&err);
    CHECK_RC(zseg_buffer_get(buf, 0, NULL), ZSEG_ERR_NULL);
    zseg_buffer_free(buf);
}

static void null_with_zero_length_is_an_empty_input(void) {
    const zseg_segment empty_item[] = {{0, 0}};
    zseg_buffer *buf = NULL;
    zseg_slice view;
    release_probe probe = {0, NULL, pthread_self()};

    REQUIRE_OK(zseg_buffer_new_copy(NULL, 0, NULL, 0, &buf, CHECK_ERR));
    CHECK_EQ_U64(zseg_buffer_size(buf), 0);
    CHECK_EQ_U64(zseg_buffer_count(buf), 0);
    CHECK(zseg_buffer_data(buf) == NULL);
    CHECK(zseg_buffer_segments(buf) == NULL);
    CHECK_RC(zseg_buffer_get(buf, 0, &view), ZSEG_ERR_INDEX);
    zseg_buffer_free(buf);

    /* No data, one empty item. */
    buf = NULL;
    REQUIRE_OK(zseg_buffer_new_copy(NULL, 0, empty_item, 1, &buf, CHECK_ERR));
    CHECK_EQ_U64(zseg_buffer_count(buf), 1);
    CHECK_OK(zseg_buffer_get(buf, 0, &view));
    CHECK_EQ_U64(view.len, 0);
    zseg_buffer_free(buf);

    /* A borrowed empty buffer is still released exactly once. */
    buf = NULL;
    REQUIRE_OK(zseg_buffer_new_borrowed(NULL, 0, NULL, 0, record_release, &probe, &buf,
                                        CHECK_ERR));
    CHECK_EQ_U64(zseg_buffer_count(buf), 0);
    CHECK_EQ_U64(probe.calls, 0);
    zseg_buffer_free(buf);
    CHECK_EQ_U64(probe.calls, 1);
}

static void get_past_the_last_item_gives_err_index_and_leaves_out_untouched(void) {
    const zseg_segment segs[] = {{0, 1}, {1, 1}};
    const size_t bad[] = {2, 3, SIZE_MAX};
    zseg_buffer *buf = NULL;
    size_t k;
    REQUIRE_OK(zseg_buffer_new_copy(TEXT, 10, segs, 2, &buf, CHECK_ERR));
    for (k = 0; k < COUNT_OF(bad); k++) {
        zseg_slice view = {TEXT, 42};
        zseg_error err;
        poison_error(&err);
        CHECK_RC(zseg_buffer_get(buf, bad[k], &view), ZSEG_ERR_INDEX);
        CHECK_EQ_PTR(view.ptr, TEXT);
        CHECK_EQ_U64(view.len, 42);
    }
    zseg_buffer_free(buf);
}

static void accessors_of_a_null_buffer_return_zero_and_null(void) {
    CHECK_EQ_U64(zseg_buffer_size(NULL), 0);
    CHECK_EQ_U64(zseg_buffer_count(NULL), 0);
    CHECK(zseg_buffer_data(NULL) == NULL);
    CHECK(zseg_buffer_segments(NULL) == NULL);
}

static void every_free_function_accepts_null(void) {
    /* A crash here fails the test; afterwards the library must still work normally. */
    zseg_buffer *buf = NULL;
    zseg_buffer_free(NULL);
    zseg_collection_free(NULL);
    zseg_compressor_free(NULL);
    zseg_decompressor_free(NULL);
    REQUIRE_OK(zseg_buffer_new_copy(TEXT, 10, NULL, 0, &buf, CHECK_ERR));
    CHECK_EQ_U64(zseg_buffer_size(buf), 10);
    zseg_buffer_free(buf);
}

static void release_runs_once_with_its_context_when_the_buffer_is_freed(void) {
    const zseg_segment segs[] = {{0, 10}};
    release_probe probe = {0, NULL, pthread_self()};
    zseg_buffer *buf = NULL;
    zseg_slice view;
    REQUIRE_OK(zseg_buffer_new_borrowed(TEXT, 10, segs, 1, record_release, &probe, &buf,
                                        CHECK_ERR));
    CHECK_OK(zseg_buffer_get(buf, 0, &view));
    CHECK_EQ_U64(probe.calls, 0);
    zseg_buffer_free(buf);
    CHECK_EQ_U64(probe.calls, 1);
    CHECK_EQ_PTR(probe.ctx_seen, &probe);
}

static void release_is_not_called_when_construction_fails(void) {
    const zseg_segment bad[] = {{0, 1}, {UINT64_MAX, 2}};
    release_probe probe = {0, NULL, pthread_self()};
    zseg_buffer *out = SENTINEL_BUFFER;
    CHECK_RC(zseg_buffer_new_borrowed(TEXT, 10, bad, 2, record_release, &probe, &out, NULL),
             ZSEG_ERR_SEGMENT_BOUNDS);
    CHECK_RC(zseg_buffer_new_borrowed(TEXT, 10, bad, 1, record_release, &probe, NULL, NULL),
             ZSEG_ERR_NULL);
    CHECK_RC(zseg_buffer_new_borrowed(NULL, 10, bad, 1, record_release, &probe, &out, NULL),
             ZSEG_ERR_NULL);
    CHECK_EQ_U64(probe.calls, 0);
    CHECK_EQ_PTR(out, SENTINEL_BUFFER);
}

static void borrowed_buffer_without_release_callback_frees_cleanly(void) {
    const zseg_segment segs[] = {{2, 2}};
    zseg_buffer *buf = NULL;
    zseg_slice view;
    REQUIRE_OK(zseg_buffer_new_borrowed(TEXT, 10, segs, 1, NULL, (void *)1, &buf, CHECK_ERR));
    CHECK_OK(zseg_buffer_get(buf, 0, &view));
    CHECK(view_equals(view, "cd", 2));
    zseg_buffer_free(buf);
}

static void *free_buffer_on_thread(void *buf) {
    zseg_buffer_free((zseg_buffer *)buf);
    return NULL;
}

static void release_runs_on_the_thread_that_frees_the_last_holder(void) {
    const zseg_segment segs[] = {{0, 10}};
    release_probe probe = {0, NULL, pthread_self()};
    zseg_buffer *buf = NULL;
    pthread_t freer;
    REQUIRE_OK(zseg_buffer_new_borrowed(TEXT, 10, segs, 1, record_release, &probe, &buf,
                                        CHECK_ERR));
    REQUIRE(pthread_create(&freer, NULL, free_buffer_on_thread, buf) == 0);
    REQUIRE(pthread_join(freer, NULL) == 0);
    CHECK_EQ_U64(probe.calls, 1);
    CHECK(pthread_equal(probe.thread, freer));
}

enum { READERS = 4, MANY = 2000 };

typedef struct reader_job {
    const zseg_buffer *buf;
    const uint8_t *data;
    int mismatches;
} reader_job;

static void *read_every_item(void *arg) {
    reader_job *job = (reader_job *)arg;
    size_t i;
    for (i = 0; i < MANY; i++) {
        zseg_slice view;
        if (zseg_buffer_get(job->buf, i, &view) != ZSEG_OK || view.len != i % 7 ||
            (view.len > 0 && view.ptr[0] != job->data[i % 97]))
            job->mismatches++;
    }
    return NULL;
}

static void buffer_can_be_read_from_many_threads_at_once(void) {
    static uint8_t data[128];
    static zseg_segment segs[MANY];
    zseg_buffer *buf = NULL;
    reader_job jobs[READERS];
    size_t i;
    int t;
    for (i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 31 + 7);
    for (i = 0; i < MANY; i++) {
        segs[i].offset = i % 97;
        segs[i].length = i % 7;
    }
    REQUIRE_OK(zseg_buffer_new_copy(data, sizeof data, segs, MANY, &buf, CHECK_ERR));
    CHECK_EQ_U64(zseg_buffer_count(buf), MANY);
    for (t = 0; t < READERS; t++) {
        jobs[t].buf = buf;
        jobs[t].data = data;
        jobs[t].mismatches = 0;
    }
    REQUIRE(run_threads(read_every_item, jobs, sizeof jobs[0], READERS) == READERS);
    for (t = 0; t < READERS; t++) CHECK_EQ_U64(jobs[t].mismatches, 0);
    zseg_buffer_free(buf);
}

static void result_str_names_every_code_and_unknown_values(void) {
    static const char *const names[] = {
        "ZSEG_OK",
        "ZSEG_ERR_NULL",
        "ZSEG_ERR_INVALID_ARGUMENT",
        "ZSEG_ERR_SEGMENT_BOUNDS",
        "ZSEG_ERR_INDEX",
        "ZSEG_ERR_ALLOC",
        "ZSEG_ERR_ZSTD",
        "ZSEG_ERR_NO_CONTENT_SIZE",
        "ZSEG_ERR_SIZE_MISMATCH",
        "ZSEG_ERR_LIMIT",
        "ZSEG_ERR_DICTIONARY",
        "ZSEG_ERR_DST_TOO_SMALL",
        "ZSEG_ERR_CANCELLED",
        "ZSEG_ERR_PARTIAL",
        "ZSEG_ERR_INTERNAL",
    };
    /* Codes are appended over time, so "unknown" is probed far above the last one. */
    const zseg_result unknown[] = {1000, 0xffffu, 0x7fffffffu, 0xffffffffu};
    uint32_t code;
    size_t k;
    CHECK_EQ_U64(ZSEG_ERR_INTERNAL + 1, COUNT_OF(names));
    for (code = 0; code < COUNT_OF(names); code++)
        CHECK_EQ_STR(zseg_result_str((zseg_result)code), names[code]);
    CHECK_EQ_STR(zseg_result_str(ZSEG_ERR_SEGMENT_BOUNDS), "ZSEG_ERR_SEGMENT_BOUNDS");
    for (k = 0; k < COUNT_OF(unknown); k++)
        CHECK_EQ_STR(zseg_result_str(unknown[k]), "unknown result");
}

static void version_matches_the_header_macros(void) {
    char composed[64];
    snprintf(composed, sizeof composed, "%d.%d.%d", ZSEG_VERSION_MAJOR, ZSEG_VERSION_MINOR,
             ZSEG_VERSION_PATCH);
    CHECK_EQ_STR(zseg_version(), ZSEG_VERSION_STRING);
    CHECK_EQ_STR(zseg_version(), composed);
}

static void zstd_version_is_1_5_7(void) {
    CHECK_EQ_U64(zseg_zstd_version(), 10507);
}

int main(void) {
    RUN_TEST(copy_buffer_holds_every_item_as_given);
    RUN_TEST(copy_buffer_keeps_its_bytes_when_caller_changes_data);
    RUN_TEST(segments_array_is_copied_so_caller_changes_do_nothing);
    RUN_TEST(borrowed_buffer_views_point_into_caller_memory);
    RUN_TEST(empty_overlapping_gapped_and_unordered_segments_are_valid);
    RUN_TEST(buffer_with_data_and_no_segments_is_valid);
    RUN_TEST(segment_past_the_end_fails_with_its_index);
    RUN_TEST(segment_whose_end_overflows_uint64_is_out_of_bounds);
    RUN_TEST(segment_ending_exactly_at_the_end_is_valid);
    RUN_TEST(first_bad_segment_is_the_one_reported);
    RUN_TEST(success_resets_the_error_to_ok_without_item_or_message);
    RUN_TEST(null_err_is_accepted_on_success_and_failure);
    RUN_TEST(null_pointers_with_nonzero_sizes_give_err_null);
    RUN_TEST(buffer_get_with_null_buffer_or_out_gives_err_null);
    RUN_TEST(null_with_zero_length_is_an_empty_input);
    RUN_TEST(get_past_the_last_item_gives_err_index_and_leaves_out_untouched);
    RUN_TEST(accessors_of_a_null_buffer_return_zero_and_null);
    RUN_TEST(every_free_function_accepts_null);
    RUN_TEST(release_runs_once_with_its_context_when_the_buffer_is_freed);
    RUN_TEST(release_is_not_called_when_construction_fails);
    RUN_TEST(borrowed_buffer_without_release_callback_frees_cleanly);
    RUN_TEST(release_runs_on_the_thread_that_frees_the_last_holder);
    RUN_TEST(buffer_can_be_read_from_many_threads_at_once);
    RUN_TEST(result_str_names_every_code_and_unknown_values);
    RUN_TEST(version_matches_the_header_macros);
    RUN_TEST(zstd_version_is_1_5_7);
    return CHECK_SUMMARY();
}
