/*
 * Collections of buffers: global indexing, sizes, shared ownership and release, through the C
 * ABI only. Written from API.md and zseg.h alone.
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
#define SENTINEL_COLLECTION ((zseg_collection *)(uintptr_t)0x5e5e5e5e)

static const uint8_t TEXT[] = "abcdefghijklmnopqrstuvwxyz"; /* 26 bytes used */

typedef struct release_probe {
    int calls;
    pthread_t thread;
} release_probe;

static void record_release(void *ctx) {
    release_probe *probe = (release_probe *)ctx;
    probe->calls++;
    probe->thread = pthread_self();
}

/* A borrowed buffer over TEXT with `count` segments: segment k is TEXT[first + k], 1 byte. */
static zseg_buffer *letters(size_t first, size_t count) {
    zseg_segment segs[26];
    zseg_buffer *buf = NULL;
    size_t k;
    for (k = 0; k < count; k++) {
        segs[k].offset = first + k;
        segs[k].length = 1;
    }
    if (zseg_buffer_new_borrowed(TEXT, 26, segs, count, NULL, NULL, &buf, NULL) != ZSEG_OK)
        return NULL;
    return buf;
}

static void free_all(zseg_buffer **bufs, size_t n) {
    size_t b;
    for (b = 0; b < n; b++) zseg_buffer_free(bufs[b]);
}

static void collection_of_zero_buffers_is_empty(void) {
    const zseg_buffer *none[1] = {NULL};
    zseg_collection *from_null = NULL, *from_array = NULL;
    zseg_slice view = {TEXT, 42};
    REQUIRE_OK(zseg_collection_new(NULL, 0, &from_null, CHECK_ERR));
    REQUIRE_OK(zseg_collection_new(none, 0, &from_array, CHECK_ERR));
    CHECK(from_null != NULL);
    CHECK_EQ_U64(zseg_collection_count(from_null), 0);
    CHECK_EQ_U64(zseg_collection_size(from_null), 0);
    CHECK_EQ_U64(zseg_collection_buffer_count(from_null), 0);
    CHECK(zseg_collection_buffer(from_null, 0) == NULL);
    CHECK_RC(zseg_collection_get(from_null, 0, &view), ZSEG_ERR_INDEX);
    CHECK_EQ_PTR(view.ptr, TEXT);
    CHECK_EQ_U64(zseg_collection_count(from_array), 0);
    CHECK_EQ_U64(zseg_collection_buffer_count(from_array), 0);
    CHECK_RC(zseg_collection_get(from_array, 0, &view), ZSEG_ERR_INDEX);
    zseg_collection_free(from_null);
    zseg_collection_free(from_array);
}

static void collection_of_only_empty_buffers_has_no_items(void) {
    zseg_buffer *bufs[3] = {letters(0, 0), NULL, letters(5, 0)};
    zseg_collection *c = NULL;
    zseg_slice view;
    REQUIRE_OK(zseg_buffer_new_copy(NULL, 0, NULL, 0, &bufs[1], CHECK_ERR));
    REQUIRE(bufs[0] && bufs[2]);
    REQUIRE_OK(zseg_collection_new((const zseg_buffer *const *)bufs, 3, &c, CHECK_ERR));
    CHECK_EQ_U64(zseg_collection_count(c), 0);
    CHECK_EQ_U64(zseg_collection_size(c), 0);
    CHECK_EQ_U64(zseg_collection_buffer_count(c), 3);
    CHECK_RC(zseg_collection_get(c, 0, &view), ZSEG_ERR_INDEX);
    zseg_collection_free(c);
    free_all(bufs, 3);
}

static void indexing_crosses_every_buffer_boundary_with_empty_buffers_between(void) {
    /* Buffers of 2, 0, 3, 0, 0, 1, 4 items: item g of the collection is letter g. */
    const size_t counts[] = {2, 0, 3, 0, 0, 1, 4};
    zseg_buffer *bufs[COUNT_OF(counts)];
    zseg_collection *c = NULL;
    size_t b, g, first = 0;
    for (b = 0; b < COUNT_OF(counts); b++) {
        bufs[b] = letters(first, counts[b]);
        REQUIRE(bufs[b] != NULL);
        first += counts[b];
    }
    REQUIRE_OK(zseg_collection_new((const zseg_buffer *const *)bufs, COUNT_OF(counts), &c,
                                   CHECK_ERR));
    CHECK_EQ_U64(zseg_collection_count(c), first);
    CHECK_EQ_U64(zseg_collection_buffer_count(c), COUNT_OF(counts));
    for (g = 0; g < first; g++) {
        zseg_slice view = {NULL, 0};
        CHECK_OK(zseg_collection_get(c, g, &view));
        CHECK_EQ_PTR(view.ptr, TEXT + g); /* zero-copy: straight into the caller's bytes */
        CHECK_EQ_U64(view.len, 1);
    }
    {
        zseg_slice view = {TEXT, 42};
        zseg_error err;
        poison_error(&err);
        CHECK_RC(zseg_collection_get(c, first, &view), ZSEG_ERR_INDEX);
        CHECK_RC(zseg_collection_get(c, SIZE_MAX, &view), ZSEG_ERR_INDEX);
        CHECK_EQ_PTR(view.ptr, TEXT);
        CHECK_EQ_U64(view.len, 42);
    }
    zseg_collection_free(c);
    free_all(bufs, COUNT_OF(counts));
}

static void many_buffers_of_skewed_sizes_index_every_item(void) {
    /* 600 buffers of 0..5 items each; item g holds the byte g % 251. */
    enum { BUFFERS = 600 };
    static uint8_t data[BUFFERS * 5];
    static zseg_buffer *bufs[BUFFERS];
    zseg_collection *c = NULL;
    size_t b, g, total = 0;
    int wrong = 0;
    for (b = 0; b < BUFFERS; b++) {
        zseg_segment segs[5];
        size_t k, count = (b * 7) % 6;
        for (k = 0; k < count; k++) {
            data[total + k] = (uint8_t)((total + k) % 251);
            segs[k].offset = k;
            segs[k].length = 1;
        }
        REQUIRE_OK(zseg_buffer_new_copy(data + total, count, segs, count, &bufs[b], CHECK_ERR));
        total += count;
    }
    REQUIRE_OK(zseg_collection_new((const zseg_buffer *const *)bufs, BUFFERS, &c, CHECK_ERR));
    free_all(bufs, BUFFERS); /* the collection keeps them alive */
    CHECK_EQ_U64(zseg_collection_count(c), total);
    CHECK_EQ_U64(zseg_collection_size(c), total);
    for (g = 0; g < total; g++) {
        zseg_slice view;
        if (zseg_collection_get(c, g, &view) != ZSEG_OK || view.len != 1 ||
            view.ptr[0] != (uint8_t)(g % 251))
            wrong++;
    }
    CHECK_EQ_U64(wrong, 0);
    zseg_collection_free(c);
}

static void collection_size_is_the_sum_of_segment_lengths(void) {
    /* Overlaps count twice and gaps not at all: 10 + 10 + 0 + 3 = 23 of 20 data bytes. */
    const zseg_segment overlapping[] = {{0, 10}, {0, 10}, {5, 0}};
    const zseg_segment gapped[] = {{2, 3}};
    zseg_buffer *bufs[2] = {NULL, NULL};
    zseg_collection *c = NULL;
    REQUIRE_OK(zseg_buffer_new_copy(TEXT, 10, overlapping, 3, &bufs[0], CHECK_ERR));
    REQUIRE_OK(zseg_buffer_new_borrowed(TEXT, 10, gapped, 1, NULL, NULL, &bufs[1], CHECK_ERR));
    REQUIRE_OK(zseg_collection_new((const zseg_buffer *const *)bufs, 2, &c, CHECK_ERR));
    CHECK_EQ_U64(zseg_collection_size(c), 23);
    CHECK_EQ_U64(zseg_collection_count(c), 4);
    zseg_collection_free(c);
    free_all(bufs, 2);
}

static void collection_buffer_returns_each_buffer_and_null_out_of_range(void) {
    zseg_buffer *bufs[3] = {letters(0, 2), letters(2, 0), letters(2, 5)};
    zseg_collection *c = NULL;
    size_t b;
    REQUIRE(bufs[0] && bufs[1] && bufs[2]);
    REQUIRE_OK(zseg_collection_new((const zseg_buffer *const *)bufs, 3, &c, CHECK_ERR));
    for (b = 0; b < 3; b++) {
        const zseg_buffer *got = zseg_collection_buffer(c, b);
        REQUIRE(got != NULL);
        CHECK_EQ_U64(zseg_buffer_count(got), zseg_buffer_count(bufs[b]));
        CHECK_EQ_PTR(zseg_buffer_data(got), TEXT);
        if (zseg_buffer_count(got) > 0)
            CHECK_EQ_U64(zseg_buffer_segments(got)[0].offset,
                         zseg_buffer_segments(bufs[b])[0].offset);
    }
    CHECK(zseg_collection_buffer(c, 3) == NULL);
    CHECK(zseg_collection_buffer(c, SIZE_MAX) == NULL);
    CHECK(zseg_collection_buffer(NULL, 0) == NULL);
    zseg_collection_free(c);
    free_all(bufs, 3);
}

static void view_stays_valid_after_buffer_handle_is_freed(void) {
    uint8_t data[8] = {'z', 's', 'e', 'g', '-', 'o', 'k', '!'};
    const zseg_segment segs[] = {{0, 4}, {4, 4}};
    zseg_buffer *buf = NULL;
    zseg_collection *c = NULL;
    zseg_slice before, after;
    REQUIRE_OK(zseg_buffer_new_copy(data, 8, segs, 2, &buf, CHECK_ERR));
    REQUIRE_OK(zseg_collection_new((const zseg_buffer *const *)&buf, 1, &c, CHECK_ERR));
    REQUIRE_OK(zseg_buffer_get(buf, 1, &before));
    zseg_buffer_free(buf);
    memset(data, 0, sizeof data);
    /* A view taken before the free and one taken after both read the copied bytes. */
    CHECK(view_equals(before, "-ok!", 4));
    CHECK_OK(zseg_collection_get(c, 0, &after));
    CHECK(view_equals(after, "zseg", 4));
    CHECK_EQ_U64(zseg_buffer_count(zseg_collection_buffer(c, 0)), 2);
    zseg_collection_free(c);
}

/* A borrowed buffer over all of TEXT (one item) reporting its release to `probe`, and a
   collection holding it; 1 if both were made. */
static int text_buffer_in_collection(release_probe *probe, zseg_buffer **buf, zseg_collection **c) {
    const zseg_segment segs[] = {{0, 26}};
    *buf = NULL;
    *c = NULL;
    CHECK_OK(zseg_buffer_new_borrowed(TEXT, 26, segs, 1, record_release, probe, buf, CHECK_ERR));
    if (!*buf) return 0;
    CHECK_OK(zseg_collection_new((const zseg_buffer *const *)buf, 1, c, CHECK_ERR));
    return *c != NULL;
}

/* A buffer held by a collection too: freeing one holder leaves the release to the other, which
   still reads TEXT in place; freeing that one releases the memory once. */
static void release_waits_for_the_other_holder(int buffer_first) {
    release_probe probe = {0, pthread_self()};
    zseg_buffer *buf;
    zseg_collection *c;
    zseg_slice view;
    REQUIRE(text_buffer_in_collection(&probe, &buf, &c));
    if (buffer_first) zseg_buffer_free(buf);
    else zseg_collection_free(c);
    CHECK_EQ_U64(probe.calls, 0);
    if (buffer_first) CHECK_OK(zseg_collection_get(c, 0, &view));
    else CHECK_OK(zseg_buffer_get(buf, 0, &view));
    CHECK_EQ_PTR(view.ptr, TEXT);
    if (buffer_first) zseg_collection_free(c);
    else zseg_buffer_free(buf);
    CHECK_EQ_U64(probe.calls, 1);
}

static void release_waits_for_the_collection_when_buffer_is_freed_first(void) {
    release_waits_for_the_other_holder(1);
}

static void release_waits_for_the_buffer_when_collection_is_freed_first(void) {
    release_waits_for_the_other_holder(0);
}

static void release_waits_for_every_collection_sharing_the_buffer(void) {
    const zseg_segment segs[] = {{0, 3}};
    release_probe probe = {0, pthread_self()};
    zseg_buffer *buf = NULL;
    const zseg_buffer *twice[2];
    zseg_collection *c1 = NULL, *c2 = NULL;
    zseg_slice a, b;
    REQUIRE_OK(zseg_buffer_new_borrowed(TEXT, 26, segs, 1, record_release, &probe, &buf,
                                        CHECK_ERR));
    twice[0] = twice[1] = buf;
    REQUIRE_OK(zseg_collection_new(twice, 2, &c1, CHECK_ERR));
    REQUIRE_OK(zseg_collection_new(twice, 1, &c2, CHECK_ERR));
    /* The same buffer twice: its items appear twice, as the same bytes. */
    CHECK_EQ_U64(zseg_collection_count(c1), 2);
    CHECK_EQ_U64(zseg_collection_size(c1), 6);
    CHECK_OK(zseg_collection_get(c1, 0, &a));
    CHECK_OK(zseg_collection_get(c1, 1, &b));
    CHECK_EQ_PTR(a.ptr, b.ptr);
    zseg_buffer_free(buf);
    zseg_collection_free(c1);
    CHECK_EQ_U64(probe.calls, 0);
    zseg_collection_free(c2);
    CHECK_EQ_U64(probe.calls, 1);
}

static void collection_built_from_another_collections_buffers_outlives_it(void) {
    const zseg_segment segs[] = {{0, 2}, {24, 2}};
    release_probe probe = {0, pthread_self()};
    zseg_buffer *buf = NULL;
    zseg_collection *first = NULL, *second = NULL;
    const zseg_buffer *borrowed[2];
    zseg_slice view;
    REQUIRE_OK(zseg_buffer_new_borrowed(TEXT, 26, segs, 2, record_release, &probe, &buf,
                                        CHECK_ERR));
    REQUIRE_OK(zseg_collection_new((const zseg_buffer *const *)&buf, 1, &first, CHECK_ERR));
    zseg_buffer_free(buf);
    borrowed[0] = borrowed[1] = zseg_collection_buffer(first, 0);
    REQUIRE(borrowed[0] != NULL);
    REQUIRE_OK(zseg_collection_new(borrowed, 2, &second, CHECK_ERR));
    zseg_collection_free(first);
    CHECK_EQ_U64(probe.calls, 0);
    CHECK_EQ_U64(zseg_collection_count(second), 4);
    CHECK_OK(zseg_collection_get(second, 3, &view));
    CHECK(view_equals(view, "yz", 2));
    zseg_collection_free(second);
    CHECK_EQ_U64(probe.calls, 1);
}

static void null_buffer_entry_fails_with_its_index_and_takes_no_reference(void) {
    const zseg_segment segs[] = {{0, 1}};
    release_probe probe = {0, pthread_self()};
    zseg_buffer *buf = NULL;
    const zseg_buffer *bufs[4];
    zseg_collection *out = SENTINEL_COLLECTION;
    zseg_error err;
    REQUIRE_OK(zseg_buffer_new_borrowed(TEXT, 26, segs, 1, record_release, &probe, &buf,
                                        CHECK_ERR));
    bufs[0] = bufs[1] = bufs[3] = buf;
    bufs[2] = NULL;
    poison_error(&err);
    CHECK_RC(zseg_collection_new(bufs, 4, &out, &err), ZSEG_ERR_NULL);
    CHECK(error_is_filled(&err, ZSEG_ERR_NULL));
    CHECK_EQ_U64(err.item, 2);
    CHECK_EQ_PTR(out, SENTINEL_COLLECTION);
    /* The failed call left no reference behind: freeing the handle releases at once. */
    zseg_buffer_free(buf);
    CHECK_EQ_U64(probe.calls, 1);
}

static void null_arguments_give_err_null(void) {
    zseg_buffer *buf = letters(0, 3);
    zseg_collection *c = NULL, *out = SENTINEL_COLLECTION;
    zseg_slice view = {TEXT, 42};
    zseg_error err;
    REQUIRE(buf != NULL);
    poison_error(&err);
    CHECK_RC(zseg_collection_new(NULL, 2, &out, &err), ZSEG_ERR_NULL);
    CHECK(error_is_filled(&err, ZSEG_ERR_NULL));
    CHECK_EQ_PTR(out, SENTINEL_COLLECTION);
    poison_error(&err);
    CHECK_RC(zseg_collection_new((const zseg_buffer *const *)&buf, 1, NULL, &err),
             ZSEG_ERR_NULL);
    CHECK(error_is_filled(&err, ZSEG_ERR_NULL));
    REQUIRE_OK(zseg_collection_new((const zseg_buffer *const *)&buf, 1, &c, CHECK_ERR));
    poison_error(&err);
    CHECK_RC(zseg_collection_get(NULL, 0, &view), ZSEG_ERR_NULL);
    CHECK_RC(zseg_collection_get(c, 0, NULL), ZSEG_ERR_NULL);
    CHECK_EQ_PTR(view.ptr, TEXT);
    CHECK_EQ_U64(zseg_collection_count(NULL), 0);
    CHECK_EQ_U64(zseg_collection_size(NULL), 0);
    CHECK_EQ_U64(zseg_collection_buffer_count(NULL), 0);
    zseg_collection_free(NULL);
    zseg_collection_free(c);
    zseg_buffer_free(buf);
}

static void success_resets_the_error_to_ok_without_item_or_message(void) {
    zseg_collection *c = NULL;
    zseg_error err;
    poison_error(&err);
    REQUIRE_OK(zseg_collection_new(NULL, 0, &c, &err));
    CHECK_EQ_U64(err.code, ZSEG_OK);
    CHECK_EQ_U64(err.item, UINT64_MAX);
    CHECK_EQ_U64(err.message[0], '\0');
    zseg_collection_free(c);
}

static void *free_collection_on_thread(void *c) {
    zseg_collection_free((zseg_collection *)c);
    return NULL;
}

static void release_runs_on_the_thread_freeing_the_last_collection(void) {
    release_probe probe = {0, pthread_self()};
    zseg_buffer *buf;
    zseg_collection *c;
    pthread_t freer;
    REQUIRE(text_buffer_in_collection(&probe, &buf, &c));
    zseg_buffer_free(buf);
    REQUIRE(pthread_create(&freer, NULL, free_collection_on_thread, c) == 0);
    REQUIRE(pthread_join(freer, NULL) == 0);
    CHECK_EQ_U64(probe.calls, 1);
    CHECK(pthread_equal(probe.thread, freer));
}

typedef struct reader_job {
    const zseg_collection *c;
    int mismatches;
} reader_job;

static void *read_every_item(void *arg) {
    reader_job *job = (reader_job *)arg;
    size_t round, g, n = zseg_collection_count(job->c);
    for (round = 0; round < 50; round++) {
        for (g = 0; g < n; g++) {
            zseg_slice view;
            if (zseg_collection_get(job->c, g, &view) != ZSEG_OK || view.len != 1 ||
                view.ptr != TEXT + g)
                job->mismatches++;
        }
    }
    return NULL;
}

static void collection_can_be_read_from_many_threads_at_once(void) {
    enum { READERS = 4 };
    zseg_buffer *bufs[4] = {letters(0, 10), letters(10, 0), letters(10, 6), letters(16, 10)};
    zseg_collection *c = NULL;
    reader_job jobs[READERS];
    int t;
    REQUIRE(bufs[0] && bufs[1] && bufs[2] && bufs[3]);
    REQUIRE_OK(zseg_collection_new((const zseg_buffer *const *)bufs, 4, &c, CHECK_ERR));
    CHECK_EQ_U64(zseg_collection_count(c), 26);
    for (t = 0; t < READERS; t++) {
        jobs[t].c = c;
        jobs[t].mismatches = 0;
    }
    REQUIRE(run_threads(read_every_item, jobs, sizeof jobs[0], READERS) == READERS);
    for (t = 0; t < READERS; t++) CHECK_EQ_U64(jobs[t].mismatches, 0);
    zseg_collection_free(c);
    free_all(bufs, 4);
}

int main(void) {
    RUN_TEST(collection_of_zero_buffers_is_empty);
    RUN_TEST(collection_of_only_empty_buffers_has_no_items);
    RUN_TEST(indexing_crosses_every_buffer_boundary_with_empty_buffers_between);
    RUN_TEST(many_buffers_of_skewed_sizes_index_every_item);
    RUN_TEST(collection_size_is_the_sum_of_segment_lengths);
    RUN_TEST(collection_buffer_returns_each_buffer_and_null_out_of_range);
    RUN_TEST(view_stays_valid_after_buffer_handle_is_freed);
    RUN_TEST(release_waits_for_the_collection_when_buffer_is_freed_first);
    RUN_TEST(release_waits_for_the_buffer_when_collection_is_freed_first);
    RUN_TEST(release_waits_for_every_collection_sharing_the_buffer);
    RUN_TEST(collection_built_from_another_collections_buffers_outlives_it);
    RUN_TEST(null_buffer_entry_fails_with_its_index_and_takes_no_reference);
    RUN_TEST(null_arguments_give_err_null);
    RUN_TEST(success_resets_the_error_to_ok_without_item_or_message);
    RUN_TEST(release_runs_on_the_thread_freeing_the_last_collection);
    RUN_TEST(collection_can_be_read_from_many_threads_at_once);
    return CHECK_SUMMARY();
}
