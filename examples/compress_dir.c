/*
 * compress_dir: compresses every regular file of a directory as one zseg batch (one item per
 * file, in name order, on all CPUs), writes the frames as one zstd seekable-format file, then
 * opens that file and decompresses a single item by index.
 *
 *   usage: compress_dir DIR OUTPUT.zst [INDEX]     (INDEX defaults to 0)
 *
 * Output:
 *   compressed 3 files, 1234 bytes -> 567 bytes of frames, written to OUTPUT.zst
 *   item 1: b.txt, 18 bytes, matches the file
 *   <the item's content, when it is text>
 *
 * OUTPUT.zst is a standard zstd file: `zstd -dc OUTPUT.zst` prints every file back to back.
 * Build: cc compress_dir.c $(pkg-config --cflags --libs zseg), or the CMake target of the same
 * name.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zseg.h"

typedef struct file_item {
    char *name;
    uint8_t *data;
    size_t size;
} file_item;

static void fail(const char *what, const zseg_error *err) {
    if (err)
        fprintf(stderr, "compress_dir: %s: %s: %s\n", what, zseg_result_str(err->code),
                err->message);
    else
        fprintf(stderr, "compress_dir: %s\n", what);
    exit(1);
}

/* Reads a whole file into a malloc'd block (never NULL, even for an empty file). */
static uint8_t *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, used = 0;
    uint8_t *data = malloc(cap);
    while (data) {
        if (used == cap) {
            uint8_t *bigger = realloc(data, cap * 2);
            if (!bigger) {
                free(data);
                data = NULL;
                break;
            }
            data = bigger;
            cap *= 2;
        }
        size_t got = fread(data + used, 1, cap - used, f);
        used += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = used;
    return data;
}

/* The regular files of dir in name order; *n receives their number. */
static file_item *read_dir(const char *dir, size_t *n) {
    struct dirent **names = NULL;
    int count = scandir(dir, &names, NULL, alphasort);
    if (count < 0) {
        perror(dir);
        exit(1);
    }
    file_item *items = calloc((size_t)count + 1, sizeof *items);
    if (!items) fail("out of memory", NULL);
    *n = 0;
    for (int i = 0; i < count; i++) {
        size_t len = strlen(dir) + strlen(names[i]->d_name) + 2;
        char *path = malloc(len);
        if (!path) fail("out of memory", NULL);
        snprintf(path, len, "%s/%s", dir, names[i]->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            file_item *it = &items[*n];
            it->data = read_file(path, &it->size);
            if (!it->data) {
                perror(path);
                exit(1);
            }
            it->name = strdup(names[i]->d_name);
            if (!it->name) fail("out of memory", NULL);
            (*n)++;
        }
        free(path);
        free(names[i]);
    }
    free(names);
    return items;
}

static int is_text(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\t' && p[i] != '\r') return 0;
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s DIR OUTPUT.zst [INDEX]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1], *output = argv[2];
    size_t index = argc == 4 ? (size_t)strtoull(argv[3], NULL, 10) : 0;
    zseg_error err;

    /* 1. One item per file, in name order. */
    size_t n = 0;
    file_item *files = read_dir(dir, &n);
    zseg_slice *items = calloc(n + 1, sizeof *items);
    if (!items) fail("out of memory", NULL);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        items[i].ptr = files[i].data;
        items[i].len = files[i].size;
        total += files[i].size;
    }

    /* 2. Compress them as one batch on all CPUs; checksums let the seek table carry them. */
    zseg_compressor *c = NULL;
    zseg_collection *frames = NULL;
    if (zseg_compressor_new(3, &c, &err) != ZSEG_OK) fail("zseg_compressor_new", &err);
    if (zseg_compressor_set_param(c, ZSEG_CPARAM_CHECKSUM, 1, &err) != ZSEG_OK)
        fail("zseg_compressor_set_param", &err);
    zseg_batch_options opts;
    zseg_batch_options_init(&opts);
    opts.threads = -1;
    if (zseg_compress_slices(c, items, n, &opts, &frames, &err) != ZSEG_OK)
        fail("zseg_compress_slices", &err);

    /* 3. Write the frames as one seekable-format file (atomically). */
    if (zseg_seekable_write(frames, output, ZSEG_SEEKABLE_CHECKSUMS, &err) != ZSEG_OK)
        fail("zseg_seekable_write", &err);
    printf("compressed %zu files, %zu bytes -> %zu bytes of frames, written to %s\n", n, total,
           zseg_collection_size(frames), output);
    zseg_collection_free(frames);
    zseg_compressor_free(c);

    /* 4. Open it again and decompress item `index` alone: its frame, with its size from the
     *    seek table, found without reading the rest of the file. */
    zseg_seekable *file = NULL;
    if (zseg_seekable_open(output, &file, &err) != ZSEG_OK) fail("zseg_seekable_open", &err);
    if (index >= zseg_seekable_count(file)) {
        fprintf(stderr, "compress_dir: index %zu out of range (%zu items)\n", index,
                zseg_seekable_count(file));
        return 1;
    }
    zseg_slice frame;
    uint64_t size;
    if (zseg_seekable_get(file, index, &frame, &size, &err) != ZSEG_OK)
        fail("zseg_seekable_get", &err);

    zseg_decompressor *d = NULL;
    zseg_collection *one = NULL;
    zseg_slice item;
    if (zseg_decompressor_new(&d, &err) != ZSEG_OK) fail("zseg_decompressor_new", &err);
    if (zseg_decompress_slices(d, &frame, 1, &size, NULL, &one, &err) != ZSEG_OK)
        fail("zseg_decompress_slices", &err);
    if (zseg_collection_get(one, 0, &item) != ZSEG_OK) fail("zseg_collection_get", &err);

    const file_item *orig = &files[index];
    int same = item.len == orig->size && (item.len == 0 || memcmp(item.ptr, orig->data, item.len) == 0);
    printf("item %zu: %s, %zu bytes, %s\n", index, orig->name, item.len,
           same ? "matches the file" : "DIFFERS FROM THE FILE");
    if (item.len > 0) {
        if (is_text(item.ptr, item.len))
            fwrite(item.ptr, 1, item.len, stdout);
        else
            printf("(binary content not shown)\n");
    }

    zseg_collection_free(one);
    zseg_decompressor_free(d);
    zseg_seekable_free(file);
    for (size_t i = 0; i < n; i++) {
        free(files[i].name);
        free(files[i].data);
    }
    free(files);
    free(items);
    return same ? 0 : 1;
}
