/*
 * Findings of the fuzz targets that are reachable from C, one test each. The fuzzer's own
 * reproducer is in fuzz/regressions/<target>/<name> (replayed by scripts/fuzz and
 * scripts/fuzz-smoke); the test here states the expected behaviour from API.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "zseg.h"

typedef struct progress_log {
    int calls;
    uint64_t totals[64];
    uint64_t last_done;
} progress_log;

static int log_progress(uint64_t done, uint64_t total, void *ctx) {
    progress_log *p = (progress_log *)ctx;
    if (p->calls < 64) p->totals[p->calls] = total;
    p->calls++;
    p->last_done = done;
    return 0;
}

/* fuzz/regressions/decompress/progress-total-short-in-fail-fast: in fail-fast mode, when an item
 * fails while its frame header is read, the progress callback was told items_total = (that
 * item's index + 1) instead of the number of items in the batch. */
static void progress_total_is_the_batch_count_when_a_header_fails(void) {
    static const uint8_t text[] = "regression";
    zseg_compressor *c = NULL;
    zseg_decompressor *d = NULL;
    zseg_collection *frames = NULL, *out = (zseg_collection *)(uintptr_t)0x5e5e5e5e;
    zseg_slice items[3], in[3];
    const int32_t threads[] = {0, 2};
    size_t i, t;
    for (i = 0; i < 3; i++) {
        items[i].ptr = text;
        items[i].len = sizeof text - 1;
    }
    REQUIRE_OK(zseg_compressor_new(1, &c, CHECK_ERR));
    REQUIRE_OK(zseg_decompressor_new(&d, CHECK_ERR));
    REQUIRE_OK(zseg_compress_slices(c, items, 3, NULL, &frames, CHECK_ERR));
    for (i = 0; i < 3; i++) REQUIRE_OK(zseg_collection_get(frames, i, &in[i]));
    in[1].len = 0; /* item 1: an empty item, which has no frame header */
    for (t = 0; t < 2; t++) {
        zseg_batch_options opts;
        progress_log log;
        int k;
        memset(&log, 0, sizeof log);
        zseg_batch_options_init(&opts);
        opts.threads = threads[t];
        opts.progress = log_progress;
        opts.progress_ctx = &log;
        CHECK_RC(zseg_decompress_slices(d, in, 3, NULL, &opts, &out, CHECK_ERR), ZSEG_ERR_ZSTD);
        CHECK_EQ_U64(check_err_.item, 1);
        CHECK(out == (zseg_collection *)(uintptr_t)0x5e5e5e5e);
        for (k = 0; k < log.calls && k < 64; k++) CHECK_EQ_U64(log.totals[k], 3);
        CHECK(log.last_done <= 3);
    }
    zseg_collection_free(frames);
    zseg_compressor_free(c);
    zseg_decompressor_free(d);
}

int main(void) {
    RUN_TEST(progress_total_is_the_batch_count_when_a_header_fails);
    return CHECK_SUMMARY();
}
