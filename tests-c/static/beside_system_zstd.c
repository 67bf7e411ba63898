/* A program that links libzseg.a and the system's libzstd as well: each must call its own
 * zstd. libzseg.a renames the symbols of the libzstd it bundles (scripts/private-zstd-symbols);
 * without that, one zstd silently replaces the other, whichever comes first on the link line.
 * Linked both ways round by CMakeLists.txt; argv[1] is the shared libzseg, whose zstd is
 * always its own (it exports zseg_* only): the static one must report the same version. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "zseg.h"

/* The system libzstd's, resolved at link time (no zstd.h needed). */
unsigned ZSTD_versionNumber(void);

static int failures;
#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                               \
        }                                                                             \
    } while (0)

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s path/to/libzseg.so\n", argv[0]);
        return 2;
    }
    /* zseg's own libzstd version, from the shared library (which keeps its zstd private). */
    void *shared = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    unsigned (*own)(void) = shared ? (unsigned (*)(void))dlsym(shared, "zseg_zstd_version") : NULL;
    if (own == NULL) {
        fprintf(stderr, "cannot load zseg_zstd_version from %s\n", argv[1]);
        return 1;
    }
    void *system_zstd = dlopen("libzstd.so.1", RTLD_NOW | RTLD_NOLOAD);
    CHECK(system_zstd != NULL); /* linked in, so already loaded */
    if (system_zstd != NULL) {
        unsigned (*version)(void) = (unsigned (*)(void))dlsym(system_zstd, "ZSTD_versionNumber");
        CHECK(version != NULL);
        /* The program's own calls reach the system library, not zseg's copy. */
        CHECK(version != NULL && ZSTD_versionNumber() == version());
    }
    /* zseg runs on the libzstd it was built with, as the shared library does. */
    CHECK(zseg_zstd_version() == own());
    if (failures == 0 && ZSTD_versionNumber() == own()) {
        printf("skipped: the system's libzstd is zseg's version, the two cannot be told apart\n");
        dlclose(shared);
        return 77;
    }
    dlclose(shared);
    printf("program: libzstd %u; zseg: libzstd %u\n", ZSTD_versionNumber(), zseg_zstd_version());

    /* And works: a round trip. */
    zseg_slice items[2] = {{(const uint8_t *)"first", 5}, {(const uint8_t *)"second", 6}};
    zseg_compressor *c = NULL;
    zseg_decompressor *d = NULL;
    zseg_collection *frames = NULL, *out = NULL;
    zseg_error err;
    CHECK(zseg_compressor_new(19, &c, &err) == ZSEG_OK);
    CHECK(zseg_compress_slices(c, items, 2, NULL, &frames, &err) == ZSEG_OK);
    CHECK(zseg_decompressor_new(&d, &err) == ZSEG_OK);
    CHECK(zseg_decompress_collection(d, frames, NULL, NULL, &out, &err) == ZSEG_OK);
    zseg_slice s = {NULL, 0};
    CHECK(zseg_collection_get(out, 1, &s) == ZSEG_OK);
    CHECK(s.len == 6 && memcmp(s.ptr, "second", 6) == 0);
    zseg_collection_free(out);
    zseg_collection_free(frames);
    zseg_decompressor_free(d);
    zseg_compressor_free(c);
    if (system_zstd != NULL) dlclose(system_zstd);
    return failures == 0 ? 0 : 1;
}
