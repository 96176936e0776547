/*
 * 10,000 create / get / cancel cycles through the C API, with the simulator in a child process so
 * that this process's memory is the client's alone. It prints the resident set size every 1,000
 * cycles and fails if it grew by more than 4 MiB between cycle 1,000 and the end (a leak of even
 * one small allocation per cycle would show here), or if any call failed.
 *
 * Usage: memory_loop [CYCLES]        (the child is started as: memory_loop --serve)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mppoint.h"
#include "sim_process.h"

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f == NULL) return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
    fclose(f);
    return resident * 4;
}

int main(int argc, char **argv) {
    sim_process child;
    mpp_config *cfg = NULL;
    mpp_client *client = NULL;
    mpp_intent_request *req = NULL;
    mpp_error *e = NULL;
    long cycles = 10000, i, failures = 0, baseline = 0, last = 0;

    if (argc > 1 && strcmp(argv[1], "--serve") == 0) return sim_process_serve();
    if (argc > 1) cycles = atol(argv[1]);
    check_current = "memory loop";
    if (!CHECK(sim_process_start("/proc/self/exe", &child) == 0)) return summary();

    CHECK_OK(mpp_config_new(child.token, &cfg, &e), &e);
    CHECK_OK(mpp_config_set_base_url(cfg, child.base_url, &e), &e);
    CHECK_OK(mpp_client_new(cfg, &client, &e), &e);
    CHECK_OK(mpp_intent_request_new("12.34", "memory loop", "order-memory", &req, &e), &e);

    for (i = 1; i <= cycles; i++) {
        mpp_intent *created = NULL, *got = NULL;
        char *json = NULL;
        if (mpp_intent_create_for_pos(client, "SUC001POS001", req, &created, &e) != MPP_RESULT_OK ||
            mpp_intent_get(client, mpp_intent_id(created), &got, &e) != MPP_RESULT_OK ||
            mpp_intent_to_json(got, &json, &e) != MPP_RESULT_OK ||
            mpp_intent_status(got) != MPP_STATUS_OPENED ||
            mpp_intent_cancel(client, mpp_intent_id(created), &e) != MPP_RESULT_OK) {
            if (failures++ < 5) fprintf(stderr, "cycle %ld: %s\n", i, e ? mpp_error_message(e) : "unexpected status");
        }
        mpp_error_free(e);
        e = NULL;
        /* an error path every cycle too: a 404 with its error object */
        {
            mpp_intent *missing = NULL;
            if (mpp_intent_get(client, "no-such-intent", &missing, &e) != MPP_RESULT_NOT_FOUND ||
                mpp_error_http_status(e) != 404) {
                if (failures++ < 5) fprintf(stderr, "cycle %ld: expected NOT_FOUND\n", i);
            }
            mpp_error_free(e);
            e = NULL;
        }
        mpp_string_free(json);
        mpp_intent_free(got);
        mpp_intent_free(created);
        if (i % 1000 == 0) {
            last = rss_kib();
            if (i == 1000) baseline = last;
            printf("cycle %6ld: rss %ld KiB\n", i, last);
            fflush(stdout);
        }
    }
    CHECK(failures == 0);
    if (cycles >= 2000) {
        printf("rss growth from cycle 1000 to %ld: %ld KiB\n", cycles, last - baseline);
        CHECK(last - baseline < 4096);
    }
    mpp_intent_request_free(req);
    mpp_client_free(client);
    mpp_config_free(cfg);
    sim_process_stop(&child);
    return summary();
}
