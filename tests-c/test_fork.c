/*
 * fork(): a child process has none of its parent's threads, so a library that handed the
 * child's batches to the parent's worker pool would wait forever (pre-fork servers, Python's
 * multiprocessing and gunicorn --preload fork after the parent has used the library).
 *
 * The parent runs parallel batches (starting the pool), forks, and each child runs parallel
 * compression and decompression (with and without a progress callback, and with the work
 * split across more workers than there are CPUs) and checks every byte; a child that does not
 * finish within the alarm is killed and the test fails. The parent checks that its own batches
 * still run after the children exit.
 */
#define _POSIX_C_SOURCE 200809L /* fork, alarm */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "support.h"
#include "zseg.h"

#define N_ITEMS 2000

static corpus g_items;
static zseg_compressor *g_c;
static zseg_decompressor *g_d;

static int count_progress(uint64_t done, uint64_t total, void *ctx) {
    (void)done;
    (void)total;
    ++*(int *)ctx;
    return 0;
}

/* One round trip at `threads` workers, checked byte for byte; 1 if it all holds. */
static int round_trip(int32_t threads, int with_progress) {
    zseg_batch_options o = opts_threads(threads);
    int calls = 0;
    if (with_progress) {
        o.progress = count_progress;
        o.progress_ctx = &calls;
    }
    zseg_collection *frames = NULL;
    zseg_error err;
    if (zseg_compress_slices(g_c, g_items.items, g_items.n, &o, &frames, &err) != ZSEG_OK) {
        fprintf(stderr, "  compress failed: %s\n", err.message);
        return 0;
    }
    int ok = decompresses_to(g_d, frames, g_items.items, g_items.n, threads);
    zseg_collection_free(frames);
    return ok && (!with_progress || calls > 0);
}

/* Runs round trips in a child process; 1 if it exited 0 in time. */
static int in_child(void) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 0;
    }
    if (pid == 0) {
        alarm(30); /* killed by SIGALRM if a batch hangs */
        int ok = round_trip(2, 0) && round_trip(2, 1) && round_trip(-1, 0) && round_trip(64, 1);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) {
        perror("waitpid");
        return 0;
    }
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "  the child was killed by signal %d%s\n", WTERMSIG(status),
                WTERMSIG(status) == SIGALRM ? " (a batch hung)" : "");
        return 0;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void a_forked_child_runs_parallel_batches(void) {
    REQUIRE(round_trip(2, 0)); /* the parent's pool exists now */
    CHECK(in_child());
    CHECK(in_child()); /* a second child, forked after the first one's exit */
    CHECK(round_trip(2, 1));
}

static void a_child_forked_before_any_parallel_batch_runs_them_too(void) {
    /* Runs first in a fresh process image: the child's own first batch starts the pool. */
    CHECK(in_child());
}

int main(void) {
    g_items = corpus_json(N_ITEMS, 7);
    g_c = compressor_at(3);
    g_d = decompressor_plain();
    if (!g_c || !g_d) return 1;
    RUN_TEST(a_child_forked_before_any_parallel_batch_runs_them_too);
    RUN_TEST(a_forked_child_runs_parallel_batches);
    zseg_compressor_free(g_c);
    zseg_decompressor_free(g_d);
    corpus_free(&g_items);
    return CHECK_SUMMARY();
}
