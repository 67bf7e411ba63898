/*
 * Running out of memory in the middle of a call is ZSEG_ERR_ALLOC, never an abort, for every
 * allocation that grows with the batch: each case runs in a child process whose address space
 * (RLIMIT_AS) is capped a little above what it already uses, for a range of caps, so that the
 * call's allocations fail at different points. The child must exit normally, with the call
 * failed (ZSEG_ERR_ALLOC) under the small caps and done under the large ones.
 *
 * When an allocation it cannot report fails, Rust prints "memory allocation of N bytes failed"
 * and aborts. Small fixed-size allocations (an error's message, a pool thread's first use of a
 * thread-local, which glibc cannot fail gracefully either) are such, in Rust as in C++, and the
 * header says so: a child that aborts on one of at most SMALL bytes (which happens when a cap
 * falls just above a large allocation that succeeded) is reported and allowed. Any other death fails the test; the library before its allocations
 * were made fallible died on the growing list of failed items (megabytes). The child first
 * runs one small parallel batch, as a process that has used the library has (a worker
 * thread's first allocation maps it an arena).
 *
 *  - per-item decompression of many bad frames (failed in the header pass, or when decoded),
 *    whose list of failed items grows with the batch;
 *  - zseg_seekable_write, whose write buffer is allocated before its temporary file is created
 *    (none may be left behind), and zseg_seekable_open, which maps the file.
 *
 * Skipped under AddressSanitizer (its shadow memory does not fit a capped address space) and
 * valgrind (which has its own allocator); CMake does not run this file under valgrind.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "support.h"
#include "zseg.h"


/* The largest failed allocation an abort is allowed on (see the top). */
#define SMALL 4096

/* A value from /proc/self/status, in KiB (-1 if absent). */
static long status_kib(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, n) == 0) {
            v = atol(line + n + 1);
            break;
        }
    }
    if (f) fclose(f);
    return v;
}

/* Caps the address space at what it is now plus extra_kib. */
static void cap_address_space(long extra_kib) {
    rlim_t cap = (rlim_t)(status_kib("VmSize:") + extra_kib) * 1024;
    struct rlimit r = {cap, cap};
    setrlimit(RLIMIT_AS, &r);
}

/* One small parallel batch, with failures: the pool's threads are started and have used
   memory. */
static void warm_up(void) {
    static const uint8_t garbage[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    zseg_slice frames[256];
    zseg_result results[256];
    for (size_t i = 0; i < 256; i++) frames[i] = (zseg_slice){garbage, sizeof garbage};
    zseg_decompressor *d = decompressor_plain();
    zseg_batch_options o = opts_per_item(2, results, 256);
    zseg_collection *out = NULL;
    if (zseg_decompress_slices(d, frames, 256, NULL, &o, &out, NULL) == ZSEG_ERR_PARTIAL)
        zseg_collection_free(out);
    zseg_decompressor_free(d);
}

/* A child's exit status when its call failed with ZSEG_ERR_ALLOC (0: it succeeded). */
#define OUT_OF_MEMORY 100

/* Whether a child's stderr says it aborted on a small fixed-size allocation: Rust's "memory
   allocation of N bytes failed" with N <= SMALL, or glibc's failure to register a thread's
   destructor (a pool thread's first use of a thread-local). */
static int aborted_small(const char *text) {
    const char *at = strstr(text, "memory allocation of ");
    size_t n = 0;
    if (at && sscanf(at, "memory allocation of %zu bytes failed", &n) == 1) return n <= SMALL;
    return strstr(text, "failed to register TLS destructor: out of memory") != NULL;
}

/* Runs fn(arg) in a child under each cap; fn's return is the child's exit status (0 or
   OUT_OF_MEMORY: fine). Returns how many children died otherwise, reporting each; *allocs
   counts those whose call ran out of memory. */
static int under_caps(const char *what, int (*fn)(void *), void *arg, const long *caps,
                      size_t ncaps, size_t *allocs) {
    int bad = 0;
    *allocs = 0;
    for (size_t k = 0; k < ncaps; k++) {
        int err_pipe[2];
        fflush(stdout);
        fflush(stderr);
        if (pipe(err_pipe) != 0) return bad + 1;
        pid_t pid = fork();
        if (pid == 0) {
            dup2(err_pipe[1], 2);
            close(err_pipe[0]);
            warm_up();
            cap_address_space(caps[k]);
            _exit(fn(arg));
        }
        close(err_pipe[1]);
        char text[4096];
        size_t got = 0;
        ssize_t r;
        while ((r = read(err_pipe[0], text + got, sizeof text - 1 - got)) > 0) got += (size_t)r;
        text[got] = 0;
        close(err_pipe[0]);
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) != pid) {
            fprintf(stderr, "  %s: cannot run a child\n", what);
            return bad + 1;
        }
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && aborted_small(text)) {
            printf("  %s, cap +%ld KiB: aborted on a small allocation (allowed): %s", what,
                   caps[k], text);
        } else if (WIFSIGNALED(status)) {
            fprintf(stderr, "  %s, cap +%ld KiB: killed by %s; it said: %s\n", what, caps[k],
                    strsignal(WTERMSIG(status)), text);
            bad++;
        } else if (WEXITSTATUS(status) == OUT_OF_MEMORY) {
            ++*allocs;
        } else if (WEXITSTATUS(status) != 0) {
            fprintf(stderr, "  %s, cap +%ld KiB: exit %d; it said: %s\n", what, caps[k],
                    WEXITSTATUS(status), text);
            bad++;
        }
    }
    return bad;
}

/* Many bad frames in per-item mode. */
typedef struct bad_batch {
    zseg_slice *frames;
    size_t n;
    uint8_t *dst; /* NULL: into a collection */
    size_t capacity;
} bad_batch;

/* 0 if the batch ends in ZSEG_ERR_PARTIAL with every item failed, OUT_OF_MEMORY if in
   ZSEG_ERR_ALLOC. */
static int decompress_bad(void *arg) {
    bad_batch *b = arg;
    zseg_decompressor *d = NULL;
    zseg_result made = zseg_decompressor_new(&d, NULL);
    if (made != ZSEG_OK) return made == ZSEG_ERR_ALLOC ? OUT_OF_MEMORY : 4;
    zseg_result *results = malloc(b->n * sizeof *results);
    zseg_segment *segs = malloc(b->n * sizeof *segs);
    if (!results || !segs) return OUT_OF_MEMORY;
    zseg_batch_options o = opts_per_item(2, results, b->n);
    zseg_collection *out = NULL;
    size_t used = 0;
    zseg_error e;
    zseg_result rc = b->dst ? zseg_decompress_slices_into(d, b->frames, b->n, NULL, &o, b->dst,
                                                          b->capacity, segs, &used, &e)
                            : zseg_decompress_slices(d, b->frames, b->n, NULL, &o, &out, &e);
    if (rc == ZSEG_ERR_ALLOC) return OUT_OF_MEMORY;
    if (rc != ZSEG_ERR_PARTIAL) return 2;
    for (size_t i = 0; i < b->n; i++)
        if (results[i] != ZSEG_ERR_ZSTD) return 3;
    return 0; /* nothing freed: the child exits */
}

static void test_per_item_failures_out_of_memory_are_alloc_errors(void) {
    enum { N = 300000 };
    static const uint8_t garbage[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    /* A frame whose header passes and whose checksum does not: it fails when decoded. */
    zseg_compressor *c = compressor_at(1);
    REQUIRE(c);
    REQUIRE(zseg_compressor_set_param(c, ZSEG_CPARAM_CHECKSUM, 1, NULL) == ZSEG_OK);
    zseg_slice text = {(const uint8_t *)"sixteen bytes!!!", 16};
    zseg_collection *one = compress_t(c, &text, 1, 0);
    REQUIRE(one);
    zseg_slice framed = item_of(one, 0);
    uint8_t *spoilt = xmalloc(framed.len);
    memcpy(spoilt, framed.ptr, framed.len);
    spoilt[framed.len - 1] ^= 0xff;
    zseg_slice *frames = xmalloc(N * sizeof *frames);
    uint8_t *dst = xmalloc(N * text.len); /* room for every item: the call itself must fail */
    const long caps[] = {2048, 4096, 6144, 8192, 12288, 16384, 24576, 32768, 49152};
    for (int kind = 0; kind < 2; kind++) {
        for (size_t i = 0; i < N; i++) {
            frames[i].ptr = kind ? spoilt : garbage;
            frames[i].len = kind ? framed.len : sizeof garbage;
        }
        for (int into = 0; into < 2; into++) {
            bad_batch b = {frames, N, into ? dst : NULL, N * text.len};
            size_t allocs = 0;
            CHECK_EQ_U64(under_caps(kind ? "decoding fails" : "headers fail", decompress_bad, &b,
                                    caps, COUNT_OF(caps), &allocs),
                         0);
            /* The caps span both outcomes: the smallest ones make the call fail, the largest
               let it finish. */
            CHECK(allocs > 0);
            CHECK(allocs < COUNT_OF(caps));
        }
    }
    free(dst);
    free(frames);
    free(spoilt);
    zseg_collection_free(one);
    zseg_compressor_free(c);
}

typedef struct write_case {
    const zseg_collection *frames;
    const char *path;
} write_case;

/* 0 if the write succeeds, OUT_OF_MEMORY if it fails with ZSEG_ERR_ALLOC. */
static int write_capped(void *arg) {
    write_case *w = arg;
    zseg_result rc = zseg_seekable_write(w->frames, w->path, 0, NULL);
    return rc == ZSEG_OK ? 0 : rc == ZSEG_ERR_ALLOC ? OUT_OF_MEMORY : 2;
}

/* 0 if the file opens, OUT_OF_MEMORY if that fails with ZSEG_ERR_ALLOC. */
static int open_capped(void *arg) {
    zseg_seekable *s = NULL;
    zseg_result rc = zseg_seekable_open(arg, &s, NULL);
    return rc == ZSEG_OK ? 0 : rc == ZSEG_ERR_ALLOC ? OUT_OF_MEMORY : 2;
}

static void test_seekable_write_and_open_out_of_memory_are_alloc_errors(void) {
    char dir[] = "/tmp/zseg-oom-XXXXXX";
    REQUIRE(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/out.zst", dir);
    corpus cp = corpus_json(20000, 9);
    zseg_compressor *c = compressor_at(1);
    REQUIRE(c);
    zseg_collection *frames = compress_t(c, cp.items, cp.n, 0);
    REQUIRE(frames);
    write_case w = {frames, path};
    const long caps[] = {0, 256, 512, 1024, 1536, 2048, 4096};
    size_t allocs = 0;
    CHECK_EQ_U64(under_caps("seekable write", write_capped, &w, caps, COUNT_OF(caps), &allocs),
                 0);
    CHECK(allocs > 0);
    CHECK(allocs < COUNT_OF(caps));
    /* Whatever the children did, the directory holds at most the finished file: no
       temporary file is left. */
    unlink(path);
    CHECK(rmdir(dir) == 0);
    REQUIRE(mkdir(dir, 0700) == 0);
    /* Mapping a file with no address space left for it (ENOMEM) is ZSEG_ERR_ALLOC too. */
    CHECK_EQ_U64(zseg_seekable_write(frames, path, 0, NULL), ZSEG_OK);
    const long open_caps[] = {0, 64 * 1024};
    CHECK_EQ_U64(
        under_caps("seekable open", open_capped, path, open_caps, COUNT_OF(open_caps), &allocs),
        0);
    CHECK_EQ_U64(allocs, 1);
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
    zseg_collection_free(frames);
    zseg_compressor_free(c);
    corpus_free(&cp);
}

int main(void) {
#ifdef ZSEG_TEST_ASAN
    const int asan = 1;
#else
    const int asan = 0;
#endif
    if (asan || under_valgrind()) {
        printf("test_oom: skipped under %s\n", asan ? "AddressSanitizer" : "valgrind");
        return 0;
    }
    RUN_TEST(test_per_item_failures_out_of_memory_are_alloc_errors);
    RUN_TEST(test_seekable_write_and_open_out_of_memory_are_alloc_errors);
    return CHECK_SUMMARY();
}
