/*
 * A very small test harness for the C tests of libmppoint, valid C11 and C++.
 *
 * CHECK(cond) records one assertion; the counters are shared by every thread. summary() prints
 * the closing line "N passed, N failed" and gives the exit status.
 */
#ifndef MPP_TESTS_CHECK_H
#define MPP_TESTS_CHECK_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mppoint.h"

static pthread_mutex_t check_lock = PTHREAD_MUTEX_INITIALIZER;
static long check_passed = 0;
static long check_failed = 0;
static const char *check_current = "";

static inline int check_record(int ok, const char *file, int line, const char *what) {
    pthread_mutex_lock(&check_lock);
    if (ok) {
        check_passed++;
    } else {
        check_failed++;
        fprintf(stderr, "FAIL %s:%d [%s]: %s\n", file, line, check_current, what);
    }
    pthread_mutex_unlock(&check_lock);
    return ok;
}

/* The message of the error at *e, if there is one. */
static inline const char *error_text(mpp_error **e) {
    return e != NULL && *e != NULL ? mpp_error_message(*e) : "(no error object)";
}

#define CHECK(cond) check_record((cond) ? 1 : 0, __FILE__, __LINE__, #cond)

/* Checks that `expr` returns `code`; on a mismatch prints the error the call gave. */
#define CHECK_RC(code, expr, errp)                                                             \
    do {                                                                                       \
        mpp_result check_rc_ = (expr);                                                         \
        if (!check_record(check_rc_ == (code), __FILE__, __LINE__, #expr " == " #code)) {      \
            fprintf(stderr, "     got %s (%u): %s\n", mpp_result_str((uint32_t)check_rc_),     \
                    (unsigned)check_rc_, error_text(errp));                                    \
        }                                                                                      \
    } while (0)

#define CHECK_OK(expr, errp) CHECK_RC(MPP_RESULT_OK, expr, errp)

/* Checks two C strings are equal (NULL equals only NULL). */
#define CHECK_STR(actual, expected)                                                            \
    do {                                                                                       \
        const char *check_a_ = (actual);                                                       \
        const char *check_e_ = (expected);                                                     \
        int check_same_ = (check_a_ == NULL || check_e_ == NULL)                               \
                              ? check_a_ == check_e_                                           \
                              : strcmp(check_a_, check_e_) == 0;                               \
        if (!check_record(check_same_, __FILE__, __LINE__, #actual " == " #expected)) {        \
            fprintf(stderr, "     got \"%s\", expected \"%s\"\n",                              \
                    check_a_ ? check_a_ : "(null)", check_e_ ? check_e_ : "(null)");           \
        }                                                                                      \
    } while (0)

/* Checks `haystack` is not NULL and contains `needle`. */
#define CHECK_CONTAINS(haystack, needle)                                                       \
    do {                                                                                       \
        const char *check_h_ = (haystack);                                                     \
        if (!check_record(check_h_ != NULL && strstr(check_h_, (needle)) != NULL, __FILE__,    \
                          __LINE__, #haystack " contains " #needle)) {                         \
            fprintf(stderr, "     in \"%s\"\n", check_h_ ? check_h_ : "(null)");               \
        }                                                                                      \
    } while (0)

/* Frees and clears an error. */
static inline void reset_error(mpp_error **e) {
    mpp_error_free(*e);
    *e = NULL;
}

static inline double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static inline void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

static inline int summary(void) {
    printf("%ld passed, %ld failed\n", check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}

#endif
