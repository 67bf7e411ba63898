/*
 * check.h: a tiny assertion helper for the zseg C tests (header-only, C99).
 *
 *   CHECK(cond)              record a failure and keep going
 *   CHECK_EQ_U64(a, b)       record a failure showing both values (compared as uint64_t)
 *   CHECK_EQ_PTR(a, b)       the same for pointers
 *   CHECK_EQ_STR(a, b)       the same for NUL-terminated strings (NULL never equals)
 *   CHECK_OK(call)           record a failure unless call returns ZSEG_OK
 *   CHECK_RC(call, code)     record a failure unless call returns the zseg_result code
 *   REQUIRE(cond), REQUIRE_OK(call), REQUIRE_RC(call, code)
 *                            the same, then return from the current (void) test function
 *   CHECK_ERR                a zseg_error * to pass as a call's err argument: the CHECK_OK/RC
 *                            macros clear it before the call and print its message on failure
 *   RUN_TEST(fn)             run a void(void) test function and report "ok"/"FAIL" with its name
 *   CHECK_SUMMARY()          print the summary; evaluates to the process exit status
 *
 * Every failure prints file:line, the function and the failed expression to stderr.
 */
#ifndef ZSEG_TESTS_CHECK_H
#define ZSEG_TESTS_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "zseg.h"

#if defined(__GNUC__)
#define CHECK_MAYBE_UNUSED_ __attribute__((unused))
#else
#define CHECK_MAYBE_UNUSED_
#endif

CHECK_MAYBE_UNUSED_ static int check_failures_ = 0;
CHECK_MAYBE_UNUSED_ static int check_tests_run_ = 0;
CHECK_MAYBE_UNUSED_ static int check_tests_failed_ = 0;
CHECK_MAYBE_UNUSED_ static zseg_error check_err_;

#define CHECK_ERR (&check_err_)

#define CHECK_FAIL_(...)                                                                   \
    do {                                                                                   \
        fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, __func__);                      \
        fprintf(stderr, __VA_ARGS__);                                                      \
        fputc('\n', stderr);                                                               \
        check_failures_++;                                                                 \
    } while (0)

#define CHECK_IMPL_(cond, what, on_fail)                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            CHECK_FAIL_("%s(%s) failed", what, #cond);                                     \
            on_fail;                                                                       \
        }                                                                                  \
    } while (0)

#define CHECK(cond) CHECK_IMPL_(cond, "CHECK", (void)0)
#define REQUIRE(cond) CHECK_IMPL_(cond, "REQUIRE", return)

#define CHECK_EQ_U64(a, b)                                                                 \
    do {                                                                                   \
        uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);                       \
        if (check_a_ != check_b_)                                                          \
            CHECK_FAIL_("CHECK_EQ_U64(%s, %s) failed: %llu != %llu", #a, #b,               \
                        (unsigned long long)check_a_, (unsigned long long)check_b_);       \
    } while (0)

#define CHECK_EQ_PTR(a, b)                                                                 \
    do {                                                                                   \
        const void *check_a_ = (const void *)(a), *check_b_ = (const void *)(b);           \
        if (check_a_ != check_b_)                                                          \
            CHECK_FAIL_("CHECK_EQ_PTR(%s, %s) failed: %p != %p", #a, #b, check_a_,         \
                        check_b_);                                                         \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                 \
    do {                                                                                   \
        const char *check_a_ = (a), *check_b_ = (b);                                       \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0)                    \
            CHECK_FAIL_("CHECK_EQ_STR(%s, %s) failed: \"%s\" != \"%s\"", #a, #b,           \
                        check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)");   \
    } while (0)

/* Clears CHECK_ERR, evaluates call once and compares its result with code. */
#define CHECK_RC_IMPL_(call, code, on_fail)                                                \
    do {                                                                                   \
        zseg_result check_rc_, check_want_ = (code);                                       \
        memset(&check_err_, 0, sizeof check_err_);                                         \
        check_rc_ = (call);                                                                \
        if (check_rc_ != check_want_) {                                                    \
            CHECK_FAIL_("%s returned %s (%u), expected %s (%u)%s%s", #call,                \
                        zseg_result_str(check_rc_), (unsigned)check_rc_,                   \
                        zseg_result_str(check_want_), (unsigned)check_want_,               \
                        check_err_.message[0] ? ": " : "", check_err_.message);            \
            on_fail;                                                                       \
        }                                                                                  \
    } while (0)

#define CHECK_RC(call, code) CHECK_RC_IMPL_(call, code, (void)0)
#define REQUIRE_RC(call, code) CHECK_RC_IMPL_(call, code, return)
#define CHECK_OK(call) CHECK_RC_IMPL_(call, ZSEG_OK, (void)0)
#define REQUIRE_OK(call) CHECK_RC_IMPL_(call, ZSEG_OK, return)

#define RUN_TEST(fn)                                                                       \
    do {                                                                                   \
        int check_before_ = check_failures_;                                               \
        fn();                                                                              \
        check_tests_run_++;                                                                \
        if (check_failures_ != check_before_) {                                            \
            check_tests_failed_++;                                                         \
            printf("FAIL %s\n", #fn);                                                      \
        } else {                                                                           \
            printf("ok   %s\n", #fn);                                                      \
        }                                                                                  \
        fflush(stdout);                                                                    \
    } while (0)

#define CHECK_SUMMARY()                                                                    \
    (printf("%s: %d tests, %d failed, %d failed checks\n", __FILE__, check_tests_run_,     \
            check_tests_failed_, check_failures_),                                         \
     check_tests_failed_ ? 1 : 0)

#endif /* ZSEG_TESTS_CHECK_H */
