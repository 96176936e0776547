/*
 * Runs a simulator in a child process, so a test that measures this process's memory or time
 * measures the client only. The child is this same program started with "--serve": it starts a
 * simulator through the C API, prints "BASE_URL TOKEN" on a line, and stops when its standard
 * input closes (that is, when the parent closes the pipe or dies).
 */
#ifndef MPP_TESTS_SIM_PROCESS_H
#define MPP_TESTS_SIM_PROCESS_H

#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mppoint.h"

extern char **environ;

typedef struct {
    pid_t pid;
    int to_child;   /* closing it stops the child */
    char base_url[256];
    char token[256];
} sim_process;

/* The child's side: serve until stdin closes. Returns the process exit status. */
static inline int sim_process_serve(void) {
    mpp_simulator_config *cfg = NULL;
    mpp_simulator *sim = NULL;
    mpp_error *err = NULL;
    char buf[64];
    if (mpp_simulator_config_new(&cfg, &err) != MPP_RESULT_OK ||
        mpp_simulator_config_set_pickup_delay_ms(cfg, 600000, &err) != MPP_RESULT_OK ||
        mpp_simulator_start(cfg, &sim, &err) != MPP_RESULT_OK) {
        fprintf(stderr, "simulator: %s\n", mpp_error_message(err));
        mpp_error_free(err);
        mpp_simulator_config_free(cfg);
        return 1;
    }
    mpp_simulator_config_free(cfg);
    printf("%s %s\n", mpp_simulator_base_url(sim), mpp_simulator_access_token(sim));
    fflush(stdout);
    while (fread(buf, 1, sizeof buf, stdin) > 0) {
    }
    mpp_simulator_stop(sim);
    return 0;
}

/* The parent's side: start `self --serve` and read its address. 0 on success. */
static inline int sim_process_start(const char *self, sim_process *out) {
    int in_pipe[2], out_pipe[2];
    posix_spawn_file_actions_t fa;
    char *argv[3];
    FILE *from_child;
    char line[600];
    if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0) return -1;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_addclose(&fa, in_pipe[1]);
    posix_spawn_file_actions_addclose(&fa, out_pipe[0]);
    argv[0] = (char *)self;
    argv[1] = (char *)"--serve";
    argv[2] = NULL;
    if (posix_spawn(&out->pid, self, &fa, NULL, argv, environ) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return -1;
    }
    posix_spawn_file_actions_destroy(&fa);
    close(in_pipe[0]);
    close(out_pipe[1]);
    out->to_child = in_pipe[1];
    from_child = fdopen(out_pipe[0], "r");
    if (from_child == NULL || fgets(line, sizeof line, from_child) == NULL ||
        sscanf(line, "%255s %255s", out->base_url, out->token) != 2) {
        if (from_child) fclose(from_child);
        return -1;
    }
    fclose(from_child);
    return 0;
}

static inline void sim_process_stop(sim_process *p) {
    int status;
    close(p->to_child);
    waitpid(p->pid, &status, 0);
}

#endif
