/*
 * Acceptance tests for seekable-format files (API.md "Files: the zstd seekable format").
 *
 * Written from API.md, include/zseg.h and zstd's seekable format description
 * (contrib/seekable_format/zstd_seekable_compression_format.md): a file is the frames back to
 * back, then a skippable frame (magic 0x184D2A5E, 4-byte size) holding one entry per frame
 * (compressed size u32, decompressed size u32, [checksum u32]) and a 9-byte footer (entry count
 * u32, descriptor u8 with bit 7 = checksums, magic 0x8F92EAB1), all little endian.
 *
 * Damaged files are opened from exactly-sized heap copies, so that ASan and valgrind catch any
 * read past the end.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "support.h"
#include "zseg.h"

#define SKIPPABLE_MAGIC 0x184D2A5Eu
#define SEEKABLE_MAGIC 0x8F92EAB1u
#define FOOTER 9u
#define SKIPPABLE_HEADER 8u
#define FRAME_MAGIC 0xFD2FB528u

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* The vocabulary of make_items (not support.h's WORDS: these items are their own). */
static const char *const ITEM_WORDS[] = {"alpha", "bravo",  "charlie", "delta", "echo",
                                         "golf",  "hotel",  "india",   "kilo",  "lima",
                                         "mike",  "oscar",  "papa",    "romeo", "tango",
                                         "zulu",  "status", "active",  "user",  "record"};
#define N_ITEM_WORDS (sizeof ITEM_WORDS / sizeof ITEM_WORDS[0])

/* Test items: JSON-like records, every 7th one empty, one with NUL and newline bytes. */
typedef struct items {
    uint8_t *data;
    zseg_slice *slices;
    size_t n;
} items;

static items make_items(size_t n, uint64_t seed) {
    items it;
    size_t cap = n * 512 + 64, used = 0;
    it.data = xmalloc(cap);
    it.slices = xmalloc(n * sizeof *it.slices);
    it.n = n;
    uint64_t rng = seed * 0x9E3779B97F4A7C15ULL | 1;
    for (size_t i = 0; i < n; i++) {
        size_t start = used;
        if (i % 7 == 3) {
            /* empty item */
        } else if (i == 5 && n > 5) {
            static const uint8_t bin[] = {0, '\n', 0, 0xff, '\r', '\n', 0};
            memcpy(it.data + used, bin, sizeof bin);
            used += sizeof bin;
        } else {
            used += (size_t)snprintf((char *)it.data + used, cap - used,
                                     "{\"id\":%zu,\"user\":\"%s_%u\",\"status\":\"%s\",\"text\":\"",
                                     i, ITEM_WORDS[rng_next(&rng) % N_ITEM_WORDS],
                                     (unsigned)(rng_next(&rng) % 10000u),
                                     ITEM_WORDS[rng_next(&rng) % N_ITEM_WORDS]);
            unsigned words = 4u + (unsigned)(rng_next(&rng) % 40u);
            for (unsigned w = 0; w < words && used + 32 < cap; w++) {
                used += (size_t)snprintf((char *)it.data + used, cap - used, "%s ",
                                         ITEM_WORDS[rng_next(&rng) % N_ITEM_WORDS]);
            }
            used += (size_t)snprintf((char *)it.data + used, cap - used, "\"}");
        }
        it.slices[i].len = used - start;
        it.slices[i].ptr = it.data + start;
    }
    return it;
}

static void free_items(items *it) {
    free(it->data);
    free(it->slices);
}

/* Compresses the items (with or without frame checksums) on `threads` workers. */
static zseg_collection *compress_items(const items *it, int checksum, int threads) {
    zseg_compressor *c = NULL;
    zseg_collection *out = NULL;
    zseg_batch_options o;
    zseg_batch_options_init(&o);
    o.threads = threads;
    CHECK_OK(zseg_compressor_new(3, &c, CHECK_ERR));
    if (!c) return NULL;
    CHECK_OK(zseg_compressor_set_param(c, ZSEG_CPARAM_CHECKSUM, checksum, CHECK_ERR));
    CHECK_OK(zseg_compress_slices(c, it->slices, it->n, &o, &out, CHECK_ERR));
    zseg_compressor_free(c);
    return out;
}

/* Checks that decompressing `frames` with `sizes` gives exactly the items. */
static void check_decompresses_to(const zseg_buffer *frames, const uint64_t *sizes,
                                  const items *it) {
    zseg_decompressor *d = NULL;
    zseg_collection *out = NULL;
    REQUIRE_OK(zseg_decompressor_new(&d, CHECK_ERR));
    CHECK_OK(zseg_decompress_buffer(d, frames, sizes, NULL, &out, CHECK_ERR));
    zseg_decompressor_free(d);
    REQUIRE(out != NULL);
    CHECK_EQ_U64(zseg_collection_count(out), it->n);
    for (size_t i = 0; i < it->n && i < zseg_collection_count(out); i++) {
        zseg_slice s;
        CHECK_OK(zseg_collection_get(out, i, &s));
        CHECK_EQ_U64(s.len, it->slices[i].len);
        if (s.len == it->slices[i].len && s.len) CHECK(memcmp(s.ptr, it->slices[i].ptr, s.len) == 0);
    }
    zseg_collection_free(out);
}

static char tmp_dir[256];

static void path_in_tmp(char *out, size_t cap, const char *name) {
    snprintf(out, cap, "%s/%s", tmp_dir, name);
}

static uint8_t *read_whole(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = xmalloc((size_t)len);
    size_t got = fread(buf, 1, (size_t)len, f);
    fclose(f);
    if (got != (size_t)len) {
        free(buf);
        return NULL;
    }
    *size = (size_t)len;
    return buf;
}

static int write_whole(const char *path, const uint8_t *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t put = size ? fwrite(data, 1, size, f) : 0;
    return fclose(f) == 0 && put == size ? 0 : -1;
}

/* Test items written by zseg as the seekable file tmp/name, at up to three stages: written
   (sfile_write), read back into memory (sfile_read), opened in place (sfile_open). */
typedef struct sfile {
    items it;
    char path[512];
    zseg_collection *frames; /* the items compressed: the file's frames */
    uint8_t *bytes;          /* sfile_read: the whole file */
    size_t size;
    zseg_seekable *s;        /* sfile_open: a handle on `bytes` */
} sfile;

/* Makes n items from `seed`, compresses them on `threads` workers (with frame checksums if
   `checksum`) and writes them as tmp/name (with a table of checksums if `checksum`); 1 if the
   frames were made. */
static int sfile_write(sfile *f, size_t n, uint64_t seed, int checksum, int threads,
                       const char *name) {
    memset(f, 0, sizeof *f);
    f->it = make_items(n, seed);
    path_in_tmp(f->path, sizeof f->path, name);
    f->frames = compress_items(&f->it, checksum, threads);
    CHECK_OK(zseg_seekable_write(f->frames, f->path, checksum ? ZSEG_SEEKABLE_CHECKSUMS : 0,
                                 CHECK_ERR));
    return f->frames != NULL;
}

/* sfile_write on 2 workers, then reads the file back; 1 if it could be read. */
static int sfile_read(sfile *f, size_t n, uint64_t seed, int checksum, const char *name) {
    sfile_write(f, n, seed, checksum, 2, name);
    f->bytes = read_whole(f->path, &f->size);
    CHECK(f->bytes != NULL);
    return f->bytes != NULL;
}

/* sfile_read, then opens the bytes in place; 1 if they opened. */
static int sfile_open(sfile *f, size_t n, uint64_t seed, int checksum, const char *name) {
    if (!sfile_read(f, n, seed, checksum, name)) return 0;
    CHECK_OK(zseg_seekable_open_memory(f->bytes, f->size, &f->s, CHECK_ERR));
    return f->s != NULL;
}

/* Frees whatever the sfile_ functions made. */
static void sfile_free(sfile *f) {
    zseg_seekable_free(f->s);
    free(f->bytes);
    zseg_collection_free(f->frames);
    free_items(&f->it);
}

/* Opens `size` bytes from an exactly-sized heap copy; returns the result, frees everything. */
static zseg_result open_copy(const uint8_t *bytes, size_t size, zseg_error *err) {
    uint8_t *copy = xmalloc(size);
    if (size) memcpy(copy, bytes, size);
    zseg_seekable *s = NULL;
    zseg_result rc = zseg_seekable_open_memory(copy, size, &s, err);
    if (rc == ZSEG_OK) {
        /* Whatever was accepted must also decompress without reading outside. */
        zseg_decompressor *d = NULL;
        zseg_collection *out = NULL;
        if (zseg_decompressor_new(&d, NULL) == ZSEG_OK) {
            (void)zseg_decompress_buffer(d, zseg_seekable_frames(s), zseg_seekable_sizes(s), NULL,
                                         &out, NULL);
            zseg_collection_free(out);
            zseg_decompressor_free(d);
        }
    }
    zseg_seekable_free(s);
    free(copy);
    return rc;
}

/* The table layout of a file written by zseg. */
typedef struct table {
    size_t start;   /* offset of the skippable frame */
    size_t entries; /* offset of entry 0 */
    size_t entry;   /* 8 or 12 */
    uint32_t n;
} table;

static table table_of(const uint8_t *b, size_t size) {
    table t;
    t.n = le32(b + size - FOOTER);
    t.entry = (b[size - 5] & 0x80) ? 12 : 8;
    t.entries = size - FOOTER - t.n * t.entry;
    t.start = t.entries - SKIPPABLE_HEADER;
    return t;
}

static int dir_has_leftovers(void) {
    DIR *d = opendir(tmp_dir);
    int found = 0;
    struct dirent *e;
    if (!d) return 1;
    while ((e = readdir(d)) != NULL) {
        if (strstr(e->d_name, "tmp")) found = 1;
    }
    closedir(d);
    return found;
}

/* ------------------------------------------------------------------------------------------ */
/* Round trips                                                                                 */
/* ------------------------------------------------------------------------------------------ */

static void test_seekable_write_then_open_round_trips_through_decompress_buffer(void) {
    /* threads 2 and 600 items: the collection spans several buffers. */
    sfile file;
    REQUIRE(sfile_write(&file, 600, 1, 0, 2, "round.zst"));

    zseg_seekable *s = NULL;
    REQUIRE_OK(zseg_seekable_open(file.path, &s, CHECK_ERR));
    const zseg_buffer *fb = zseg_seekable_frames(s);
    const uint64_t *sizes = zseg_seekable_sizes(s);
    REQUIRE(fb != NULL && sizes != NULL);
    CHECK_EQ_U64(zseg_buffer_count(fb), file.it.n);
    for (size_t i = 0; i < file.it.n; i++) {
        CHECK_EQ_U64(sizes[i], file.it.slices[i].len);
        /* Frame i of the file is byte for byte frame i of the collection. */
        zseg_slice a, b;
        CHECK_OK(zseg_buffer_get(fb, i, &a));
        CHECK_OK(zseg_collection_get(file.frames, i, &b));
        CHECK(a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0);
    }
    check_decompresses_to(fb, sizes, &file.it);
    /* And with sizes read from the frame headers. */
    check_decompresses_to(fb, NULL, &file.it);

    /* The file is the frames back to back, then the table, in the standard layout. */
    size_t size = 0;
    uint8_t *bytes = read_whole(file.path, &size);
    REQUIRE(bytes != NULL);
    CHECK_EQ_U64(zseg_buffer_size(fb), size);
    table t = table_of(bytes, size);
    CHECK_EQ_U64(t.n, file.it.n);
    CHECK_EQ_U64(t.entry, 8);
    CHECK_EQ_U64(le32(bytes), FRAME_MAGIC);
    CHECK_EQ_U64(le32(bytes + t.start), SKIPPABLE_MAGIC);
    CHECK_EQ_U64(le32(bytes + t.start + 4), t.n * 8 + FOOTER);
    CHECK_EQ_U64(le32(bytes + size - 4), SEEKABLE_MAGIC);
    CHECK_EQ_U64(bytes[size - 5], 0);
    size_t pos = 0;
    for (size_t i = 0; i < file.it.n; i++) {
        zseg_slice f;
        CHECK_OK(zseg_collection_get(file.frames, i, &f));
        CHECK_EQ_U64(le32(bytes + t.entries + i * 8), f.len);
        CHECK_EQ_U64(le32(bytes + t.entries + i * 8 + 4), file.it.slices[i].len);
        CHECK(memcmp(bytes + pos, f.ptr, f.len) == 0);
        pos += f.len;
    }
    CHECK_EQ_U64(pos, t.start);
    free(bytes);
    zseg_seekable_free(s);
    sfile_free(&file);
}

static void test_seekable_open_memory_reads_caller_memory(void) {
    sfile file;
    REQUIRE(sfile_open(&file, 200, 2, 0, "memory.zst"));
    const zseg_buffer *fb = zseg_seekable_frames(file.s);
    /* Zero-copy: the frames buffer is the caller's memory. */
    CHECK_EQ_PTR(zseg_buffer_data(fb), file.bytes);
    CHECK_EQ_U64(zseg_buffer_size(fb), file.size);
    CHECK_EQ_U64(zseg_buffer_count(fb), file.it.n);
    check_decompresses_to(fb, zseg_seekable_sizes(file.s), &file.it);
    sfile_free(&file);
}

static void test_seekable_get_finds_every_frame_without_the_full_index(void) {
    /* 1000 items cross several of the index's 256-entry strides. */
    sfile file;
    REQUIRE(sfile_open(&file, 1000, 31, 1, "get.zst"));
    CHECK_EQ_U64(zseg_seekable_count(file.s), file.it.n);
    zseg_decompressor *d = NULL;
    REQUIRE_OK(zseg_decompressor_new(&d, CHECK_ERR));
    for (size_t i = 0; i < file.it.n; i += 37) {
        zseg_slice frame = {NULL, 0};
        uint64_t declared = UINT64_MAX;
        CHECK_OK(zseg_seekable_get(file.s, i, &frame, &declared, CHECK_ERR));
        CHECK_EQ_U64(declared, file.it.slices[i].len);
        zseg_collection *out = NULL;
        CHECK_OK(zseg_decompress_slices(d, &frame, 1, &declared, NULL, &out, CHECK_ERR));
        zseg_slice item = {NULL, 0};
        CHECK_OK(zseg_collection_get(out, 0, &item));
        CHECK(item.len == file.it.slices[i].len &&
              (item.len == 0 || memcmp(item.ptr, file.it.slices[i].ptr, item.len) == 0));
        zseg_collection_free(out);
    }
    /* Either out-pointer may be NULL; out of range is ZSEG_ERR_INDEX and writes nothing. */
    uint64_t declared = 12345;
    CHECK_OK(zseg_seekable_get(file.s, 0, NULL, &declared, CHECK_ERR));
    CHECK_EQ_U64(declared, file.it.slices[0].len);
    zseg_slice untouched = {(const uint8_t *)"x", 99};
    zseg_error err;
    CHECK_RC(zseg_seekable_get(file.s, file.it.n, &untouched, &declared, &err), ZSEG_ERR_INDEX);
    CHECK(untouched.len == 99 && declared == file.it.slices[0].len && err.message[0] != '\0');
    CHECK_RC(zseg_seekable_get(NULL, 0, &untouched, NULL, &err), ZSEG_ERR_NULL);
    CHECK_EQ_U64(zseg_seekable_count(NULL), 0);
    zseg_decompressor_free(d);
    sfile_free(&file);
}

static void test_seekable_a_frame_view_decompresses_alone(void) {
    sfile file;
    REQUIRE(sfile_open(&file, 100, 3, 0, "view.zst"));
    const zseg_buffer *fb = zseg_seekable_frames(file.s);
    const uint64_t *sizes = zseg_seekable_sizes(file.s);
    zseg_decompressor *d = NULL;
    REQUIRE_OK(zseg_decompressor_new(&d, CHECK_ERR));
    static const size_t picks[] = {0, 99, 5, 3, 42};
    for (size_t k = 0; k < sizeof picks / sizeof picks[0]; k++) {
        size_t i = picks[k];
        zseg_slice view;
        zseg_collection *out = NULL;
        CHECK_OK(zseg_buffer_get(fb, i, &view));
        CHECK(view.ptr >= file.bytes && view.ptr + view.len <= file.bytes + file.size);
        CHECK_OK(zseg_decompress_slices(d, &view, 1, &sizes[i], NULL, &out, CHECK_ERR));
        if (!out) continue;
        zseg_slice got;
        CHECK_OK(zseg_collection_get(out, 0, &got));
        CHECK_EQ_U64(got.len, file.it.slices[i].len);
        if (got.len == file.it.slices[i].len && got.len)
            CHECK(memcmp(got.ptr, file.it.slices[i].ptr, got.len) == 0);
        zseg_collection_free(out);
    }
    CHECK_RC(zseg_buffer_get(fb, 100, &(zseg_slice){0}), ZSEG_ERR_INDEX);
    zseg_decompressor_free(d);
    sfile_free(&file);
}

static void test_seekable_checksums_need_checksummed_frames(void) {
    sfile file;
    REQUIRE(sfile_write(&file, 50, 4, 1, 0, "checksums.zst"));
    const zseg_collection *with = file.frames; /* frames with checksums */
    size_t size = 0;
    uint8_t *bytes = read_whole(file.path, &size);
    REQUIRE(bytes != NULL);
    table t = table_of(bytes, size);
    CHECK_EQ_U64(bytes[size - 5], 0x80);
    CHECK_EQ_U64(t.entry, 12);
    CHECK_EQ_U64(t.n, file.it.n);
    for (size_t i = 0; i < file.it.n; i++) {
        zseg_slice f;
        CHECK_OK(zseg_collection_get(with, i, &f));
        /* The table repeats the frame's own checksum (its last 4 bytes). */
        CHECK_EQ_U64(le32(bytes + t.entries + i * 12 + 8), le32(f.ptr + f.len - 4));
    }
    zseg_seekable *s = NULL;
    REQUIRE_OK(zseg_seekable_open(file.path, &s, CHECK_ERR));
    check_decompresses_to(zseg_seekable_frames(s), zseg_seekable_sizes(s), &file.it);
    zseg_seekable_free(s);
    /* The same frames without the flag: a table without checksums. */
    CHECK_OK(zseg_seekable_write(with, file.path, 0, CHECK_ERR));
    free(bytes);
    bytes = read_whole(file.path, &size);
    REQUIRE(bytes != NULL);
    CHECK_EQ_U64(bytes[size - 5], 0);

    /* Frames without checksums cannot fill a checksummed table: nothing is written. */
    zseg_collection *without = compress_items(&file.it, 0, 0);
    REQUIRE(without != NULL);
    CHECK_RC(zseg_seekable_write(without, file.path, ZSEG_SEEKABLE_CHECKSUMS, CHECK_ERR),
             ZSEG_ERR_INVALID_ARGUMENT);
    CHECK_EQ_U64(check_err_.item, 0);
    CHECK(check_err_.message[0] != '\0');
    size_t after = 0;
    uint8_t *unchanged = read_whole(file.path, &after);
    CHECK(unchanged && after == size && memcmp(unchanged, bytes, size) == 0);
    free(unchanged);
    CHECK(!dir_has_leftovers());
    /* Unknown flags are refused too. */
    CHECK_RC(zseg_seekable_write(with, file.path, 0x100u, CHECK_ERR), ZSEG_ERR_INVALID_ARGUMENT);

    free(bytes);
    zseg_collection_free(without);
    sfile_free(&file);
}

static void test_seekable_frames_outlive_the_handle_when_held_by_a_collection(void) {
    sfile file;
    REQUIRE(sfile_write(&file, 120, 5, 0, 0, "outlive.zst"));
    zseg_collection_free(file.frames);
    file.frames = NULL;

    zseg_seekable *s = NULL;
    REQUIRE_OK(zseg_seekable_open(file.path, &s, CHECK_ERR));
    const zseg_buffer *fb = zseg_seekable_frames(s);
    uint64_t *sizes = xmalloc(file.it.n * sizeof *sizes);
    memcpy(sizes, zseg_seekable_sizes(s), file.it.n * sizeof *sizes);
    zseg_collection *held = NULL;
    CHECK_OK(zseg_collection_new(&fb, 1, &held, CHECK_ERR));
    zseg_seekable_free(s); /* the mapping must live on in `held` */
    REQUIRE(held != NULL);
    zseg_decompressor *d = NULL;
    zseg_collection *out = NULL;
    REQUIRE_OK(zseg_decompressor_new(&d, CHECK_ERR));
    CHECK_OK(zseg_decompress_collection(d, held, sizes, NULL, &out, CHECK_ERR));
    if (out) {
        for (size_t i = 0; i < file.it.n; i++) {
            zseg_slice got;
            CHECK_OK(zseg_collection_get(out, i, &got));
            CHECK(got.len == file.it.slices[i].len &&
                  (!got.len || memcmp(got.ptr, file.it.slices[i].ptr, got.len) == 0));
        }
    }
    /* Views of the held frames read the mapping directly. */
    zseg_slice f;
    CHECK_OK(zseg_collection_get(held, 119, &f));
    CHECK(f.len >= 4 && le32(f.ptr) == FRAME_MAGIC);
    zseg_collection_free(out);
    zseg_decompressor_free(d);
    zseg_collection_free(held);
    free(sizes);
    sfile_free(&file);
}

static void test_seekable_empty_collection_writes_a_file_of_zero_frames(void) {
    char path[512];
    path_in_tmp(path, sizeof path, "empty.zst");
    zseg_collection *none = NULL;
    REQUIRE_OK(zseg_collection_new(NULL, 0, &none, CHECK_ERR));
    CHECK_OK(zseg_seekable_write(none, path, 0, CHECK_ERR));
    CHECK_OK(zseg_seekable_write(none, path, ZSEG_SEEKABLE_CHECKSUMS, CHECK_ERR));
    size_t size = 0;
    uint8_t *bytes = read_whole(path, &size);
    CHECK_EQ_U64(size, SKIPPABLE_HEADER + FOOTER);
    zseg_seekable *s = NULL;
    REQUIRE_OK(zseg_seekable_open(path, &s, CHECK_ERR));
    CHECK_EQ_U64(zseg_buffer_count(zseg_seekable_frames(s)), 0);
    zseg_decompressor *d = NULL;
    zseg_collection *out = NULL;
    REQUIRE_OK(zseg_decompressor_new(&d, CHECK_ERR));
    CHECK_OK(zseg_decompress_buffer(d, zseg_seekable_frames(s), zseg_seekable_sizes(s), NULL,
                                    &out, CHECK_ERR));
    CHECK_EQ_U64(zseg_collection_count(out), 0);
    zseg_collection_free(out);
    zseg_decompressor_free(d);
    zseg_seekable_free(s);
    zseg_collection_free(none);
    free(bytes);
}

static void test_seekable_frames_without_content_size_cannot_be_written(void) {
    items it = make_items(10, 6);
    char path[512];
    path_in_tmp(path, sizeof path, "nocontentsize.zst");
    zseg_compressor *c = NULL;
    zseg_collection *frames = NULL;
    REQUIRE_OK(zseg_compressor_new(3, &c, CHECK_ERR));
    CHECK_OK(zseg_compressor_set_param(c, ZSEG_CPARAM_CONTENT_SIZE, 0, CHECK_ERR));
    CHECK_OK(zseg_compress_slices(c, it.slices, it.n, NULL, &frames, CHECK_ERR));
    CHECK_RC(zseg_seekable_write(frames, path, 0, CHECK_ERR), ZSEG_ERR_NO_CONTENT_SIZE);
    CHECK_EQ_U64(check_err_.item, 0);
    CHECK(access(path, F_OK) != 0);
    CHECK(!dir_has_leftovers());
    zseg_collection_free(frames);
    zseg_compressor_free(c);
    free_items(&it);
}

/* Each item must be exactly one whole standard frame: anything else would make a file that
   zstd cannot decode, so the writer refuses it (ZSEG_ERR_ZSTD, err->item) and writes nothing. */
static void test_seekable_items_that_are_not_exactly_one_whole_frame_are_refused(void) {
    items it = make_items(3, 14);
    zseg_collection *frames = compress_items(&it, 0, 0);
    REQUIRE(frames != NULL);
    zseg_slice a, b;
    REQUIRE_OK(zseg_collection_get(frames, 0, &a));
    REQUIRE_OK(zseg_collection_get(frames, 1, &b));
    REQUIRE(a.len > 8 && b.len > 0);
    uint8_t *data = xmalloc(2 * (a.len + b.len) + 16);
    static const uint8_t skippable[8] = {0x50, 0x2A, 0x4D, 0x18, 0, 0, 0, 0};
    struct {
        const char *what;
        size_t len; /* of the bad item, written after a copy of frame a */
    } cases[] = {{"two frames", a.len + b.len}, {"a trailing byte", a.len + 1},
                 {"one byte short", a.len - 1}, {"the header only", 6},
                 {"a skippable frame", sizeof skippable}};
    char path[512];
    path_in_tmp(path, sizeof path, "notoneframe.zst");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        memcpy(data, a.ptr, a.len);
        uint8_t *bad = data + a.len;
        if (k == 4) {
            memcpy(bad, skippable, sizeof skippable);
        } else {
            memcpy(bad, a.ptr, a.len);
            memcpy(bad + a.len, b.ptr, b.len);
            if (k == 1) bad[a.len] = 0;
        }
        zseg_segment segs[2] = {{0, a.len}, {a.len, cases[k].len}};
        zseg_buffer *buf = NULL;
        zseg_collection *c = NULL;
        REQUIRE_OK(zseg_buffer_new_copy(data, a.len + cases[k].len, segs, 2, &buf, CHECK_ERR));
        const zseg_buffer *bufs[1] = {buf};
        REQUIRE_OK(zseg_collection_new(bufs, 1, &c, CHECK_ERR));
        CHECK_RC(zseg_seekable_write(c, path, 0, CHECK_ERR), ZSEG_ERR_ZSTD);
        CHECK_EQ_U64(check_err_.item, 1);
        CHECK(check_err_.message[0] != '\0');
        if (check_err_.code != ZSEG_ERR_ZSTD) fprintf(stderr, "  case: %s\n", cases[k].what);
        CHECK(access(path, F_OK) != 0);
        zseg_collection_free(c);
        zseg_buffer_free(buf);
    }
    CHECK(!dir_has_leftovers());
    free(data);
    zseg_collection_free(frames);
    free_items(&it);
}

/* A file written by hand (as another seekable writer would): frames without content sizes,
   the sizes only in the table. */
static void test_seekable_opens_a_hand_written_table_of_frames_without_content_size(void) {
    items it = make_items(30, 7);
    zseg_compressor *c = NULL;
    zseg_collection *frames = NULL;
    REQUIRE_OK(zseg_compressor_new(1, &c, CHECK_ERR));
    CHECK_OK(zseg_compressor_set_param(c, ZSEG_CPARAM_CONTENT_SIZE, 0, CHECK_ERR));
    CHECK_OK(zseg_compress_slices(c, it.slices, it.n, NULL, &frames, CHECK_ERR));
    zseg_compressor_free(c);
    REQUIRE(frames != NULL);
    size_t total = zseg_collection_size(frames);
    size_t size = total + SKIPPABLE_HEADER + it.n * 8 + FOOTER;
    uint8_t *file = xmalloc(size);
    size_t pos = 0;
    for (size_t i = 0; i < it.n; i++) {
        zseg_slice f;
        CHECK_OK(zseg_collection_get(frames, i, &f));
        memcpy(file + pos, f.ptr, f.len);
        put_le32(file + total + SKIPPABLE_HEADER + i * 8, (uint32_t)f.len);
        put_le32(file + total + SKIPPABLE_HEADER + i * 8 + 4, (uint32_t)it.slices[i].len);
        pos += f.len;
    }
    put_le32(file + total, SKIPPABLE_MAGIC);
    put_le32(file + total + 4, (uint32_t)(it.n * 8 + FOOTER));
    put_le32(file + size - FOOTER, (uint32_t)it.n);
    file[size - 5] = 0;
    put_le32(file + size - 4, SEEKABLE_MAGIC);

    zseg_seekable *s = NULL;
    REQUIRE_OK(zseg_seekable_open_memory(file, size, &s, CHECK_ERR));
    check_decompresses_to(zseg_seekable_frames(s), zseg_seekable_sizes(s), &it);
    /* Without the table's sizes these frames cannot be laid out. */
    zseg_decompressor *d = NULL;
    zseg_collection *out = NULL;
    REQUIRE_OK(zseg_decompressor_new(&d, CHECK_ERR));
    CHECK_RC(zseg_decompress_buffer(d, zseg_seekable_frames(s), NULL, NULL, &out, CHECK_ERR),
             ZSEG_ERR_NO_CONTENT_SIZE);
    zseg_decompressor_free(d);
    zseg_seekable_free(s);
    zseg_collection_free(frames);
    free(file);
    free_items(&it);
}

/* ------------------------------------------------------------------------------------------ */
/* Bad files                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static void test_seekable_truncated_files_are_rejected_at_every_length(void) {
    sfile file;
    REQUIRE(sfile_read(&file, 20, 8, 1, "truncated.zst"));
    /* Every prefix loses the footer or part of the table; every suffix loses frames. */
    for (size_t len = 0; len < file.size; len++) {
        zseg_error err;
        zseg_result rc = open_copy(file.bytes, len, &err);
        if (rc != ZSEG_ERR_ZSTD) {
            CHECK_FAIL_("prefix of %zu of %zu bytes: %s", len, file.size, zseg_result_str(rc));
        }
        CHECK(err.message[0] != '\0');
        rc = open_copy(file.bytes + file.size - len, len, &err);
        if (rc == ZSEG_OK) CHECK_FAIL_("suffix of %zu of %zu bytes was accepted", len, file.size);
    }
    /* The table cut short right after its skippable header. */
    table t = table_of(file.bytes, file.size);
    zseg_error err;
    CHECK_EQ_U64(open_copy(file.bytes + t.start, file.size - t.start - 1, &err), ZSEG_ERR_ZSTD);
    sfile_free(&file);
}

static void test_seekable_damaged_tables_are_rejected(void) {
    sfile file;
    REQUIRE(sfile_read(&file, 40, 9, 0, "damaged.zst"));
    table t = table_of(file.bytes, file.size);
    uint8_t *b = xmalloc(file.size + 1);
    zseg_error err;
#define DAMAGE(what, expected, edit)                                                        \
    do {                                                                                    \
        memcpy(b, file.bytes, file.size);                                                         \
        size_t bsize = file.size;                                                              \
        edit;                                                                               \
        zseg_result rc_ = open_copy(b, bsize, &err);                                        \
        if (rc_ != (expected))                                                              \
            CHECK_FAIL_("%s: %s, expected %s", what, zseg_result_str(rc_),                  \
                        zseg_result_str(expected));                                         \
        else if (!err.message[0])                                                           \
            CHECK_FAIL_("%s: no message", what);                                            \
    } while (0)

    DAMAGE("footer magic", ZSEG_ERR_ZSTD, b[file.size - 1] ^= 0x01);
    DAMAGE("skippable frame magic", ZSEG_ERR_ZSTD, b[t.start] ^= 0x01);
    DAMAGE("skippable frame size", ZSEG_ERR_ZSTD, put_le32(b + t.start + 4, 8));
    DAMAGE("descriptor reserved bits", ZSEG_ERR_ZSTD, b[file.size - 5] |= 0x04);
    DAMAGE("checksum flag without checksums", ZSEG_ERR_ZSTD, b[file.size - 5] |= 0x80);
    DAMAGE("entry count UINT32_MAX", ZSEG_ERR_ZSTD, put_le32(b + file.size - FOOTER, 0xFFFFFFFFu));
    DAMAGE("entry count over the format's maximum", ZSEG_ERR_ZSTD,
           put_le32(b + file.size - FOOTER, 0x8000001u));
    DAMAGE("entry count 2^29 (n * 8 wraps in 32 bits)", ZSEG_ERR_ZSTD,
           put_le32(b + file.size - FOOTER, 0x20000000u));
    DAMAGE("entry count one too many", ZSEG_ERR_ZSTD, put_le32(b + file.size - FOOTER, t.n + 1));
    DAMAGE("entry count one too few", ZSEG_ERR_ZSTD, put_le32(b + file.size - FOOTER, t.n - 1));
    DAMAGE("a byte before the frames (sizes do not add up)", ZSEG_ERR_ZSTD,
           (memmove(b + 1, b, file.size), b[0] = 0, bsize = file.size + 1));
    DAMAGE("frame sizes one short of the data", ZSEG_ERR_ZSTD,
           put_le32(b + t.entries + 8, le32(file.bytes + t.entries + 8) - 1));
    DAMAGE("frame sizes one past the data", ZSEG_ERR_SEGMENT_BOUNDS,
           put_le32(b + t.entries + 39 * 8, le32(file.bytes + t.entries + 39 * 8) + 1));
    if (err.item != 39) CHECK_FAIL_("past the data: err.item %llu", (unsigned long long)err.item);
    DAMAGE("entry 0 far past the data", ZSEG_ERR_SEGMENT_BOUNDS,
           put_le32(b + t.entries, 0xFFFFFFF0u));
    CHECK_EQ_U64(err.item, 0);
#undef DAMAGE

    /* Sizes that add up but cut the frames in the wrong places: the file opens (the table is
       consistent) and the two frames concerned fail to decompress, without a crash. */
    memcpy(b, file.bytes, file.size);
    put_le32(b + t.entries + 10 * 8, le32(file.bytes + t.entries + 10 * 8) - 3);
    put_le32(b + t.entries + 11 * 8, le32(file.bytes + t.entries + 11 * 8) + 3);
    zseg_seekable *s = NULL;
    REQUIRE_OK(zseg_seekable_open_memory(b, file.size, &s, CHECK_ERR));
    zseg_decompressor *d = NULL;
    zseg_collection *out = NULL;
    zseg_result results[40];
    zseg_batch_options o;
    zseg_batch_options_init(&o);
    o.item_results = results;
    REQUIRE_OK(zseg_decompressor_new(&d, CHECK_ERR));
    CHECK_RC(zseg_decompress_buffer(d, zseg_seekable_frames(s), zseg_seekable_sizes(s), &o, &out,
                                    CHECK_ERR),
             ZSEG_ERR_PARTIAL);
    for (size_t i = 0; i < 40; i++) {
        if (i == 10 || i == 11)
            CHECK(results[i] != ZSEG_OK);
        else
            CHECK_EQ_U64(results[i], ZSEG_OK);
    }
    zseg_collection_free(out);
    zseg_decompressor_free(d);
    zseg_seekable_free(s);
    free(b);
    sfile_free(&file);
}

static void test_seekable_table_size_other_than_the_frame_header_is_size_mismatch(void) {
    sfile file;
    REQUIRE(sfile_read(&file, 30, 10, 0, "mismatch.zst"));
    table t = table_of(file.bytes, file.size);
    size_t i = 12;
    uint32_t real = le32(file.bytes + t.entries + i * 8 + 4);
    put_le32(file.bytes + t.entries + i * 8 + 4, real + 5);
    zseg_seekable *s = NULL;
    /* The table itself is fine. */
    REQUIRE_OK(zseg_seekable_open_memory(file.bytes, file.size, &s, CHECK_ERR));
    CHECK_EQ_U64(zseg_seekable_sizes(s)[i], real + 5);
    zseg_decompressor *d = NULL;
    zseg_collection *out = NULL;
    REQUIRE_OK(zseg_decompressor_new(&d, CHECK_ERR));
    CHECK_RC(zseg_decompress_buffer(d, zseg_seekable_frames(s), zseg_seekable_sizes(s), NULL, &out,
                                    CHECK_ERR),
             ZSEG_ERR_SIZE_MISMATCH);
    CHECK(out == NULL);
    CHECK_EQ_U64(check_err_.item, i);
    char real_s[32], given_s[32];
    snprintf(real_s, sizeof real_s, "%u", real);
    snprintf(given_s, sizeof given_s, "%u", real + 5);
    CHECK(strstr(check_err_.message, real_s) != NULL);
    CHECK(strstr(check_err_.message, given_s) != NULL);
    /* The other frames still decompress one by one. */
    zseg_slice view;
    CHECK_OK(zseg_buffer_get(zseg_seekable_frames(s), i + 1, &view));
    CHECK_OK(zseg_decompress_slices(d, &view, 1, &zseg_seekable_sizes(s)[i + 1], NULL, &out,
                                    CHECK_ERR));
    zseg_collection_free(out);
    /* A smaller table size than the content: also a mismatch. */
    zseg_seekable_free(s);
    put_le32(file.bytes + t.entries + i * 8 + 4, real ? real - 1 : 1);
    REQUIRE_OK(zseg_seekable_open_memory(file.bytes, file.size, &s, CHECK_ERR));
    out = NULL;
    CHECK_RC(zseg_decompress_buffer(d, zseg_seekable_frames(s), zseg_seekable_sizes(s), NULL, &out,
                                    CHECK_ERR),
             ZSEG_ERR_SIZE_MISMATCH);
    zseg_decompressor_free(d);
    zseg_seekable_free(s);
    sfile_free(&file);
}

static void test_seekable_files_that_cannot_be_opened_or_written_give_io_and_a_message(void) {
    char path[512];
    path_in_tmp(path, sizeof path, "does-not-exist.zst");
    zseg_seekable *s = (zseg_seekable *)(uintptr_t)0x1; /* must stay untouched */
    CHECK_RC(zseg_seekable_open(path, &s, CHECK_ERR), ZSEG_ERR_IO);
    CHECK_EQ_PTR(s, (zseg_seekable *)(uintptr_t)0x1);
    CHECK(strstr(check_err_.message, "does-not-exist.zst") != NULL);

    /* A directory, an empty file and a plain (non-seekable) file. */
    s = NULL;
    CHECK(zseg_seekable_open(tmp_dir, &s, CHECK_ERR) != ZSEG_OK);
    CHECK(s == NULL && check_err_.message[0] != '\0');
    path_in_tmp(path, sizeof path, "empty-file");
    REQUIRE(write_whole(path, NULL, 0) == 0);
    CHECK_RC(zseg_seekable_open(path, &s, CHECK_ERR), ZSEG_ERR_ZSTD);
    path_in_tmp(path, sizeof path, "text-file");
    static const uint8_t text[] = "hello, this is not a seekable zstd file at all\n";
    REQUIRE(write_whole(path, text, sizeof text - 1) == 0);
    CHECK_RC(zseg_seekable_open(path, &s, CHECK_ERR), ZSEG_ERR_ZSTD);

    /* A pipe with no writer is refused at once (opening it must not wait for a writer), and
     * so is a device. */
    path_in_tmp(path, sizeof path, "fifo");
    REQUIRE(mkfifo(path, 0600) == 0);
    CHECK_RC(zseg_seekable_open(path, &s, CHECK_ERR), ZSEG_ERR_IO);
    CHECK(strstr(check_err_.message, "not a regular file") != NULL);
    CHECK(unlink(path) == 0);
    CHECK_RC(zseg_seekable_open("/dev/null", &s, CHECK_ERR), ZSEG_ERR_IO);
    CHECK(s == NULL);

    /* Writing into a directory that does not exist, or to a path that names no file. */
    items it = make_items(3, 11);
    zseg_collection *frames = compress_items(&it, 0, 0);
    path_in_tmp(path, sizeof path, "no/such/dir/x.zst");
    CHECK_RC(zseg_seekable_write(frames, path, 0, CHECK_ERR), ZSEG_ERR_IO);
    CHECK(check_err_.message[0] != '\0');
    CHECK_RC(zseg_seekable_write(frames, "", 0, CHECK_ERR), ZSEG_ERR_IO);
    CHECK(strstr(check_err_.message, "names no file") != NULL);
    path_in_tmp(path, sizeof path, "..");
    CHECK_RC(zseg_seekable_write(frames, path, 0, CHECK_ERR), ZSEG_ERR_IO);

    /* A file name is bytes, not necessarily UTF-8 (here a Latin-1 e-acute). */
    path_in_tmp(path, sizeof path, "latin1-\xe9.zst");
    CHECK_OK(zseg_seekable_write(frames, path, 0, CHECK_ERR));
    CHECK_OK(zseg_seekable_open(path, &s, CHECK_ERR));
    if (s != NULL) CHECK_EQ_U64(zseg_seekable_count(s), it.n);
    zseg_seekable_free(s);
    s = NULL;
    CHECK(unlink(path) == 0);

    /* NULL where a pointer is required. */
    CHECK_RC(zseg_seekable_write(NULL, path, 0, CHECK_ERR), ZSEG_ERR_NULL);
    CHECK_RC(zseg_seekable_write(frames, NULL, 0, CHECK_ERR), ZSEG_ERR_NULL);
    CHECK_RC(zseg_seekable_open(NULL, &s, CHECK_ERR), ZSEG_ERR_NULL);
    CHECK_RC(zseg_seekable_open(path, NULL, CHECK_ERR), ZSEG_ERR_NULL);
    CHECK_RC(zseg_seekable_open_memory(NULL, 10, &s, CHECK_ERR), ZSEG_ERR_NULL);
    CHECK_RC(zseg_seekable_open_memory(text, sizeof text, NULL, CHECK_ERR), ZSEG_ERR_NULL);
    /* NULL with size 0 is an empty input: too small to be a seekable file. */
    CHECK_RC(zseg_seekable_open_memory(NULL, 0, &s, CHECK_ERR), ZSEG_ERR_ZSTD);
    CHECK_EQ_PTR(zseg_seekable_frames(NULL), NULL);
    CHECK_EQ_PTR(zseg_seekable_sizes(NULL), NULL);
    zseg_seekable_free(NULL);

    zseg_collection_free(frames);
    free_items(&it);
}

/* ------------------------------------------------------------------------------------------ */
/* Atomic writes                                                                               */
/* ------------------------------------------------------------------------------------------ */

static void test_seekable_writing_over_a_mapped_file_leaves_the_old_mapping_valid(void) {
    items first = make_items(300, 12);
    items second = make_items(77, 13);
    char path[512];
    path_in_tmp(path, sizeof path, "atomic.zst");
    zseg_collection *a = compress_items(&first, 0, 0);
    zseg_collection *b = compress_items(&second, 1, 0);
    REQUIRE(a != NULL && b != NULL);
    CHECK_OK(zseg_seekable_write(a, path, 0, CHECK_ERR));

    zseg_seekable *old = NULL;
    REQUIRE_OK(zseg_seekable_open(path, &old, CHECK_ERR));
    /* Overwrite it while mapped: the old handle still sees the old file. */
    CHECK_OK(zseg_seekable_write(b, path, ZSEG_SEEKABLE_CHECKSUMS, CHECK_ERR));
    check_decompresses_to(zseg_seekable_frames(old), zseg_seekable_sizes(old), &first);
    zseg_seekable *fresh = NULL;
    REQUIRE_OK(zseg_seekable_open(path, &fresh, CHECK_ERR));
    CHECK_EQ_U64(zseg_buffer_count(zseg_seekable_frames(fresh)), second.n);
    check_decompresses_to(zseg_seekable_frames(fresh), zseg_seekable_sizes(fresh), &second);
    /* Again, with the old mapping held only by a collection. */
    const zseg_buffer *fb = zseg_seekable_frames(old);
    zseg_collection *held = NULL;
    CHECK_OK(zseg_collection_new(&fb, 1, &held, CHECK_ERR));
    uint64_t *sizes = xmalloc(first.n * sizeof *sizes);
    memcpy(sizes, zseg_seekable_sizes(old), first.n * sizeof *sizes);
    zseg_seekable_free(old);
    CHECK_OK(zseg_seekable_write(a, path, 0, CHECK_ERR));
    CHECK_OK(zseg_seekable_write(b, path, 0, CHECK_ERR));
    check_decompresses_to(zseg_collection_buffer(held, 0), sizes, &first);
    /* A failed write (no checksums in a) leaves the file as it was. */
    CHECK_RC(zseg_seekable_write(a, path, ZSEG_SEEKABLE_CHECKSUMS, CHECK_ERR),
             ZSEG_ERR_INVALID_ARGUMENT);
    zseg_seekable *after = NULL;
    REQUIRE_OK(zseg_seekable_open(path, &after, CHECK_ERR));
    check_decompresses_to(zseg_seekable_frames(after), zseg_seekable_sizes(after), &second);
    CHECK(!dir_has_leftovers());

    zseg_seekable_free(after);
    zseg_seekable_free(fresh);
    zseg_collection_free(held);
    zseg_collection_free(a);
    zseg_collection_free(b);
    free(sizes);
    free_items(&first);
    free_items(&second);
}

/* ------------------------------------------------------------------------------------------ */

static void remove_tmp_dir(void) {
    DIR *d = opendir(tmp_dir);
    struct dirent *e;
    char path[512];
    if (!d) return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        path_in_tmp(path, sizeof path, e->d_name);
        remove(path);
    }
    closedir(d);
    rmdir(tmp_dir);
}

int main(void) {
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/zseg-seekable-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_seekable_write_then_open_round_trips_through_decompress_buffer);
    RUN_TEST(test_seekable_open_memory_reads_caller_memory);
    RUN_TEST(test_seekable_get_finds_every_frame_without_the_full_index);
    RUN_TEST(test_seekable_a_frame_view_decompresses_alone);
    RUN_TEST(test_seekable_checksums_need_checksummed_frames);
    RUN_TEST(test_seekable_frames_outlive_the_handle_when_held_by_a_collection);
    RUN_TEST(test_seekable_empty_collection_writes_a_file_of_zero_frames);
    RUN_TEST(test_seekable_frames_without_content_size_cannot_be_written);
    RUN_TEST(test_seekable_items_that_are_not_exactly_one_whole_frame_are_refused);
    RUN_TEST(test_seekable_opens_a_hand_written_table_of_frames_without_content_size);
    RUN_TEST(test_seekable_truncated_files_are_rejected_at_every_length);
    RUN_TEST(test_seekable_damaged_tables_are_rejected);
    RUN_TEST(test_seekable_table_size_other_than_the_frame_header_is_size_mismatch);
    RUN_TEST(test_seekable_files_that_cannot_be_opened_or_written_give_io_and_a_message);
    RUN_TEST(test_seekable_writing_over_a_mapped_file_leaves_the_old_mapping_valid);
    remove_tmp_dir();
    return CHECK_SUMMARY();
}
