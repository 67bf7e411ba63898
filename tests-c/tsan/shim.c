/* Linked into the C and C++ tests of a ThreadSanitizer build (-DZSEG_TSAN=ON) only.
 *
 * rustc's TSan instrumentation (LLVM 16 and later) calls __tsan_memcpy, __tsan_memmove and
 * __tsan_memset, which gcc 12's libtsan does not define (rustc's own runtime, which the Rust
 * tests link, does; a C program links gcc's). These forward them to the memcpy, memmove and
 * memset that libtsan intercepts, so the accesses are still checked. */
#include <string.h>

void *__tsan_memcpy(void *dst, const void *src, size_t n);
void *__tsan_memmove(void *dst, const void *src, size_t n);
void *__tsan_memset(void *dst, int c, size_t n);

void *__tsan_memcpy(void *dst, const void *src, size_t n) { return memcpy(dst, src, n); }
void *__tsan_memmove(void *dst, const void *src, size_t n) { return memmove(dst, src, n); }
void *__tsan_memset(void *dst, int c, size_t n) { return memset(dst, c, n); }
