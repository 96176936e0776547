/*
 * The C API's cost per call: get_intent through the C API (mpp_intent_get + mpp_intent_free)
 * next to the core's own Client::get_intent (an exported test hook running the same loop inside
 * Rust), in the same run, against the same simulator (in a child process), alternating rounds.
 * It prints the medians and their ratio (target: within 5%). It asserts nothing about time.
 *
 * Usage: bench_get_intent [CALLS_PER_ROUND [ROUNDS]]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mppoint.h"
#include "sim_process.h"

#ifdef __cplusplus
extern "C" {
#endif
uint64_t mpp_test_core_get_intent_loop(const mpp_client *client, const char *intent_id, uint64_t iterations);
#ifdef __cplusplus
}
#endif

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv) {
    sim_process child;
    mpp_config *cfg = NULL;
    mpp_client *client = NULL;
    mpp_intent_request *req = NULL;
    mpp_intent *intent = NULL;
    mpp_error *e = NULL;
    long calls = 2000, i;
    int rounds = 7, r, failures = 0;
    double c_us[64], core_us[64], ratio[64], c_med, core_med;

    if (argc > 1 && strcmp(argv[1], "--serve") == 0) return sim_process_serve();
    if (argc > 1) calls = atol(argv[1]);
    if (argc > 2) rounds = atoi(argv[2]);
    if (rounds > 64) rounds = 64;
    check_current = "benchmark";
    if (!CHECK(sim_process_start("/proc/self/exe", &child) == 0)) return summary();

    CHECK_OK(mpp_config_new(child.token, &cfg, &e), &e);
    CHECK_OK(mpp_config_set_base_url(cfg, child.base_url, &e), &e);
    CHECK_OK(mpp_client_new(cfg, &client, &e), &e);
    CHECK_OK(mpp_intent_request_new("12.34", "benchmark", "order-bench", &req, &e), &e);
    CHECK_OK(mpp_intent_create_for_pos(client, "SUC001POS001", req, &intent, &e), &e);
    if (intent == NULL) return summary();

    /* warm up both paths (connection pool, allocator) */
    mpp_test_core_get_intent_loop(client, mpp_intent_id(intent), 200);
    for (i = 0; i < 200; i++) {
        mpp_intent *got = NULL;
        mpp_intent_get(client, mpp_intent_id(intent), &got, NULL);
        mpp_intent_free(got);
    }
    /* Each round alternates blocks of 100 calls (C API, then core) so both see the same
       conditions; the ratio is taken per round, then the median over rounds. */
    for (r = 0; r < rounds; r++) {
        double c_ms = 0, core_ms = 0;
        long done = 0;
        while (done < calls) {
            long block = calls - done < 100 ? calls - done : 100;
            double start = now_ms();
            uint64_t ns;
            for (i = 0; i < block; i++) {
                mpp_intent *got = NULL;
                if (mpp_intent_get(client, mpp_intent_id(intent), &got, NULL) != MPP_RESULT_OK) failures++;
                mpp_intent_free(got);
            }
            c_ms += now_ms() - start;
            ns = mpp_test_core_get_intent_loop(client, mpp_intent_id(intent), (uint64_t)block);
            if (ns == 0) failures++;
            core_ms += (double)ns / 1e6;
            done += block;
        }
        c_us[r] = c_ms * 1000.0 / (double)calls;
        core_us[r] = core_ms * 1000.0 / (double)calls;
        ratio[r] = c_us[r] / core_us[r];
        printf("round %d: C API %.2f us/call, core %.2f us/call, C/core %.3f\n", r + 1, c_us[r],
               core_us[r], ratio[r]);
    }
    c_med = median(c_us, rounds);
    core_med = median(core_us, rounds);
    printf("get_intent per call (median of %d rounds of %ld calls each way): C API %.2f us, "
           "core %.2f us; C/core = %.3f (median of the per-round ratios; target <= 1.05)\n",
           rounds, calls, c_med, core_med, median(ratio, rounds));
    CHECK(failures == 0);
    mpp_intent_cancel(client, mpp_intent_id(intent), NULL);
    mpp_intent_free(intent);
    mpp_intent_request_free(req);
    mpp_client_free(client);
    mpp_config_free(cfg);
    mpp_error_free(e);
    sim_process_stop(&child);
    return summary();
}
