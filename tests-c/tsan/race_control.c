/* The ThreadSanitizer build's control (-DZSEG_TSAN=ON only): a deliberate misuse that zseg.h
 * forbids, zseg_compressor_set_param on a compressor while another thread runs batches on it.
 * The test passes when TSan reports a race whose access is in libzseg's Rust code (ctest
 * matches a report's first frame against the crate's mangled name), which shows that the
 * library is instrumented and that the other tests' silence means something. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "zseg.h"

static zseg_compressor *compressor;
static atomic_int stop;

static void *set_params(void *arg) {
    (void)arg;
    for (int i = 0; i < 20000 && !atomic_load(&stop); i++) {
        zseg_compressor_set_param(compressor, ZSEG_CPARAM_CHECKSUM, i & 1, NULL);
    }
    return NULL;
}

int main(void) {
    static uint8_t data[4096];
    memset(data, 'a', sizeof data);
    zseg_slice items[4] = {{data, 4096}, {data, 100}, {data, 2000}, {data, 10}};
    if (zseg_compressor_new(3, &compressor, NULL) != ZSEG_OK) {
        return 1;
    }
    pthread_t setter;
    if (pthread_create(&setter, NULL, set_params, NULL) != 0) {
        return 1;
    }
    for (int i = 0; i < 300; i++) {
        zseg_collection *out = NULL;
        if (zseg_compress_slices(compressor, items, 4, NULL, &out, NULL) == ZSEG_OK) {
            zseg_collection_free(out);
        }
    }
    atomic_store(&stop, 1);
    pthread_join(setter, NULL);
    zseg_compressor_free(compressor);
    puts("race_control: done");
    return 0;
}
