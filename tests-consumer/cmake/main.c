/* A C program using an installed zseg (through find_package or pkg-config): compresses a
 * batch on 2 threads, decompresses it, and checks every item and the versions. Exit status 0
 * on success. Prints the library version it ran against. */
#include <stdio.h>
#include <string.h>

#include <zseg.h>

#define N 100

int main(void) {
    static char text[N][64];
    zseg_slice items[N];
    for (int i = 0; i < N; i++) {
        snprintf(text[i], sizeof text[i], "consumer item %d: %s", i, i % 2 ? "odd" : "even");
        items[i].ptr = (const uint8_t *)text[i];
        items[i].len = i % 10 == 9 ? 0 : strlen(text[i]); /* some empty items */
    }
    if (strcmp(zseg_version(), ZSEG_VERSION_STRING) != 0) {
        fprintf(stderr, "header %s but library %s\n", ZSEG_VERSION_STRING, zseg_version());
        return 1;
    }

    zseg_error err;
    zseg_compressor *c = NULL;
    zseg_decompressor *d = NULL;
    zseg_collection *frames = NULL, *out = NULL;
    zseg_batch_options opts;
    zseg_batch_options_init(&opts);
    opts.threads = 2;
    if (zseg_compressor_new(3, &c, &err) != ZSEG_OK ||
        zseg_compress_slices(c, items, N, &opts, &frames, &err) != ZSEG_OK ||
        zseg_decompressor_new(&d, &err) != ZSEG_OK ||
        zseg_decompress_collection(d, frames, NULL, &opts, &out, &err) != ZSEG_OK) {
        fprintf(stderr, "%s: %s\n", zseg_result_str(err.code), err.message);
        return 1;
    }
    int bad = zseg_collection_count(out) != N;
    for (size_t i = 0; i < N && !bad; i++) {
        zseg_slice item;
        bad = zseg_collection_get(out, i, &item) != ZSEG_OK || item.len != items[i].len ||
              (item.len && memcmp(item.ptr, items[i].ptr, item.len) != 0);
    }
    printf("C consumer: zseg %s (zstd %u): %d items round-tripped, %zu -> %zu bytes: %s\n",
           zseg_version(), zseg_zstd_version(), N, zseg_collection_size(out),
           zseg_collection_size(frames), bad ? "MISMATCH" : "ok");
    zseg_collection_free(out);
    zseg_collection_free(frames);
    zseg_decompressor_free(d);
    zseg_compressor_free(c);
    return bad;
}
