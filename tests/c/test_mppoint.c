/*
 * The tests of libmppoint's C API, run against the simulator. Compiled as C11 and as C++17 (the
 * same file) with -Wall -Wextra -Werror, and run under valgrind by tests/run_c.sh.
 *
 * Usage: test_mppoint FIXTURES_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "json_mini.h"
#include "mppoint.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Exported only by builds with the `test-hooks` feature; deliberately not in mppoint.h. */
mpp_result mpp_test_panic(mpp_error **out_error);
#ifdef __cplusplus
}
#endif

/* Invalid UTF-8: a lone continuation byte and an overlong encoding. */
static const char BAD_UTF8[] = "ab\xff\xc0\xaf";

static const char *FIXTURES = "tests/fixtures";
/* This program's path (argv[0]), to start it again as a POS process (--crash-pos). */
static const char *SELF = NULL;
extern char **environ;
static mpp_simulator *SIM = NULL;
static mpp_client *CLIENT = NULL;

#define POS1 "SUC001POS001"
#define POS2 "SUC001POS002"
#define DEVICE1 "PAX_A910__SMARTPOS0000000001"
#define DEVICE3 "NEWLAND_N950__N950NCB000000003"
#define THREADS 16

/* ---------------------------------------------------------------- helpers */

static mpp_client *client_with(const char *token, uint64_t timeout_ms, uint32_t attempts) {
    mpp_config *cfg = NULL;
    mpp_client *client = NULL;
    mpp_error *err = NULL;
    CHECK_OK(mpp_config_new(token, &cfg, &err), &err);
    CHECK_OK(mpp_config_set_base_url(cfg, mpp_simulator_base_url(SIM), &err), &err);
    CHECK_OK(mpp_config_set_site(cfg, MPP_SITE_MLB, &err), &err);
    if (timeout_ms) CHECK_OK(mpp_config_set_timeout_ms(cfg, timeout_ms, &err), &err);
    if (attempts) CHECK_OK(mpp_config_set_retry(cfg, attempts, 10, 50, false, &err), &err);
    CHECK_OK(mpp_client_new(cfg, &client, &err), &err);
    mpp_config_free(cfg);
    mpp_error_free(err);
    return client;
}

static mpp_intent_request *request(const char *amount, const char *description) {
    mpp_intent_request *req = NULL;
    mpp_error *err = NULL;
    CHECK_OK(mpp_intent_request_new(amount, description, "order-c-1", &req, &err), &err);
    mpp_error_free(err);
    return req;
}

/* Creates an intent on a POS; amounts ending in .99 stay OPENED until canceled. */
static mpp_intent *create_on(const mpp_client *client, const char *pos, const char *amount) {
    mpp_intent_request *req = request(amount, "C test");
    mpp_intent *intent = NULL;
    mpp_error *err = NULL;
    CHECK_OK(mpp_intent_create_for_pos(client, pos, req, &intent, &err), &err);
    mpp_intent_request_free(req);
    mpp_error_free(err);
    return intent;
}

static void cancel(const char *intent_id) {
    mpp_error *err = NULL;
    CHECK_OK(mpp_intent_cancel(CLIENT, intent_id, &err), &err);
    mpp_error_free(err);
}

static mpp_wait_options *quick_wait(uint64_t timeout_ms) {
    mpp_wait_options *o = NULL;
    mpp_error *err = NULL;
    CHECK_OK(mpp_wait_options_new(&o, &err), &err);
    CHECK_OK(mpp_wait_options_set_poll_interval_ms(o, 20, &err), &err);
    CHECK_OK(mpp_wait_options_set_timeout_ms(o, timeout_ms, &err), &err);
    mpp_error_free(err);
    return o;
}

/* Polls until the intent has `status` (or 60 s pass); returns whether it did. */
static int await_status(const char *intent_id, mpp_status status) {
    double deadline = now_ms() + 60000;
    while (now_ms() < deadline) {
        mpp_intent *i = NULL;
        mpp_status s = MPP_STATUS_NONE;
        if (mpp_intent_get(CLIENT, intent_id, &i, NULL) == MPP_RESULT_OK) s = mpp_intent_status(i);
        mpp_intent_free(i);
        if (s == status) return 1;
        sleep_ms(20);
    }
    return 0;
}

static char *counters(void) {
    char *json = NULL;
    CHECK_OK(mpp_simulator_counters_json(SIM, &json, NULL), (mpp_error **)NULL);
    return json;
}

/* How many intents (or orders) the simulator saw created, in all. */
static unsigned long long intents_created(void) {
    char *json = counters();
    const char *at = json != NULL ? strstr(json, "\"intents_created\":") : NULL;
    unsigned long long n = at != NULL ? strtoull(at + strlen("\"intents_created\":"), NULL, 10) : 0;
    mpp_string_free(json);
    return n;
}

/* Makes a new empty folder under /tmp; its path goes to `dir`. */
static void temp_folder(char *dir, size_t size) {
    snprintf(dir, size, "/tmp/mppoint-c-journal.XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
}

/* Removes a folder made by temp_folder, with everything in it. */
static void remove_folder(const char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void write_file(const char *path, const char *content) {
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f == NULL) return;
    fputs(content, f);
    fclose(f);
}

/* A sentinel that out-params must still hold after a failed call. */
static char SENTINEL_STORAGE;
#define SENTINEL ((void *)&SENTINEL_STORAGE)

/* ---------------------------------------------------------------- tests */

static void test_version_and_names(void) {
    uint32_t codes[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                        21, 22, 23, 24, 25, 26, 100, 101, 102};
    const char *names[] = {"OK", "INVALID_ARGUMENT", "INVALID_AMOUNT", "CONFIG", "UNAUTHORIZED",
                           "FORBIDDEN", "NOT_FOUND", "BAD_REQUEST", "ALREADY_QUEUED",
                           "CANNOT_CANCEL", "CONFLICT", "RATE_LIMITED", "SERVER", "API",
                           "OUTCOME_UNKNOWN", "NETWORK", "TIMEOUT", "DECODE", "WAIT_TIMEOUT",
                           "CANCELED", "INVALID_SIGNATURE", "IDEMPOTENCY_KEY_MISMATCH",
                           "ABORTED", "SALE_IN_PROGRESS", "JOURNAL", "REFUND_NOT_ALLOWED",
                           "SANDBOX_ONLY", "NULL_ARGUMENT",
                           "INVALID_UTF8", "PANIC"};
    size_t i;
    CHECK_STR(mpp_version(), "0.1.0");
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) CHECK_STR(mpp_result_str(codes[i]), names[i]);
    CHECK(MPP_RESULT_NOT_FOUND == 6 && MPP_RESULT_PANIC == 102 && MPP_RESULT_OK == 0);
    CHECK(MPP_RESULT_IDEMPOTENCY_KEY_MISMATCH == 21 && MPP_RESULT_ABORTED == 22);
    CHECK(MPP_RESULT_SALE_IN_PROGRESS == 23 && MPP_RESULT_JOURNAL == 24);
    CHECK(MPP_RESULT_REFUND_NOT_ALLOWED == 25 && MPP_RESULT_SANDBOX_ONLY == 26);
    CHECK_STR(mpp_result_str(27), "UNKNOWN");
    CHECK_STR(mpp_result_str(0xFFFFFFFFu), "UNKNOWN");
    CHECK_STR(mpp_status_str(MPP_STATUS_ON_TERMINAL), "ON_TERMINAL");
    CHECK_STR(mpp_status_str(MPP_STATUS_CONFIRMATION_REQUIRED), "CONFIRMATION_REQUIRED");
    CHECK(mpp_status_str(MPP_STATUS_NONE) == NULL);
    CHECK(mpp_status_str(12345) == NULL);
    CHECK(mpp_status_is_final(MPP_STATUS_CLOSED));
    CHECK(mpp_status_is_final(MPP_STATUS_EXPIRED));
    CHECK(!mpp_status_is_final(MPP_STATUS_ON_TERMINAL));
    CHECK(!mpp_status_is_final(MPP_STATUS_UNKNOWN));
    CHECK_STR(mpp_verdict_str(MPP_VERDICT_APPROVED), "APPROVED");
    CHECK_STR(mpp_verdict_str(MPP_VERDICT_CONFIRMATION_REQUIRED), "CONFIRMATION_REQUIRED");
    CHECK_CONTAINS(mpp_verdict_advice(MPP_VERDICT_APPROVED), "hand over the goods");
    CHECK(mpp_verdict_str(0) == NULL);
    CHECK(mpp_verdict_advice(99) == NULL);
    CHECK_STR(mpp_webhook_failure_str(MPP_WEBHOOK_FAILURE_NONE), "OK");
    CHECK_STR(mpp_webhook_failure_str(MPP_WEBHOOK_FAILURE_SIGNATURE_MISMATCH), "SIGNATURE_MISMATCH");
    CHECK(mpp_webhook_failure_str(40) == NULL);
}

static void test_free_null_is_a_no_op(void) {
    mpp_string_free(NULL);
    mpp_error_free(NULL);
    mpp_config_free(NULL);
    mpp_client_free(NULL);
    mpp_intent_request_free(NULL);
    mpp_intent_free(NULL);
    mpp_payment_free(NULL);
    mpp_payment_list_free(NULL);
    mpp_refund_free(NULL);
    mpp_device_list_free(NULL);
    mpp_cancel_token_free(NULL);
    mpp_wait_options_free(NULL);
    mpp_sale_free(NULL);
    mpp_notification_free(NULL);
    mpp_simulator_config_free(NULL);
    mpp_simulator_stop(NULL);
    mpp_cancel_token_cancel(NULL);
    mpp_simulator_clear_faults(NULL);
    CHECK(1); /* reaching here is the assertion */
}

static void test_accessors_of_null(void) {
    CHECK(mpp_error_code(NULL) == MPP_RESULT_NULL_ARGUMENT);
    CHECK(mpp_error_message(NULL) == NULL);
    CHECK(mpp_error_code_name(NULL) == NULL);
    CHECK(mpp_error_http_status(NULL) == 0);
    CHECK(mpp_error_retry_after_ms(NULL) == -1);
    CHECK(mpp_error_request_id(NULL) == NULL);
    CHECK(mpp_error_cause_count(NULL) == 0);
    CHECK(mpp_error_last_status(NULL) == MPP_STATUS_NONE);
    CHECK(mpp_error_signature_failure(NULL) == MPP_WEBHOOK_FAILURE_NONE);
    CHECK(mpp_intent_id(NULL) == NULL);
    CHECK(mpp_intent_status(NULL) == MPP_STATUS_NONE);
    CHECK(mpp_intent_amount_cents(NULL) == 0);
    CHECK(mpp_intent_amount_str(NULL) == NULL);
    CHECK(mpp_intent_payment_id_count(NULL) == 0);
    CHECK(mpp_intent_payment_id(NULL, 0) == 0);
    CHECK(!mpp_intent_is_final(NULL));
    CHECK(mpp_payment_id(NULL) == 0);
    CHECK(mpp_payment_status(NULL) == MPP_PAYMENT_STATUS_UNKNOWN);
    CHECK(!mpp_payment_is_approved(NULL));
    CHECK(mpp_refund_id(NULL) == 0);
    CHECK(mpp_device_list_count(NULL) == 0);
    CHECK(mpp_device_list_get(NULL, 0) == NULL);
    CHECK(mpp_device_id(NULL) == NULL);
    CHECK(mpp_device_pos_id(NULL) == -1);
    CHECK(mpp_device_operating_mode(NULL) == MPP_OPERATING_MODE_UNKNOWN);
    CHECK(mpp_sale_verdict(NULL) == MPP_VERDICT_CONFIRMATION_REQUIRED);
    CHECK(!mpp_sale_is_paid(NULL));
    CHECK(mpp_sale_intent(NULL) == NULL);
    CHECK(mpp_sale_approved_payment(NULL) == NULL);
    CHECK(!mpp_cancel_token_is_canceled(NULL));
    CHECK(mpp_notification_intent(NULL) == NULL);
    CHECK(mpp_notification_live_mode(NULL) == -1);
    CHECK(mpp_simulator_base_url(NULL) == NULL);
}

/* Runs `call` (which must fail with NULL_ARGUMENT naming `param`) and checks the error. */
#define CHECK_NULL_ARG(param, call)                                                            \
    do {                                                                                       \
        mpp_error *e_ = NULL;                                                                  \
        mpp_error **err = &e_;                                                                 \
        CHECK_RC(MPP_RESULT_NULL_ARGUMENT, call, err);                                         \
        CHECK(mpp_error_code(e_) == MPP_RESULT_NULL_ARGUMENT);                                 \
        CHECK_CONTAINS(mpp_error_message(e_), "`" param "`");                                  \
        mpp_error_free(e_);                                                                    \
    } while (0)

static void test_null_arguments(void) {
    mpp_config *cfg = NULL;
    mpp_intent_request *req = request("10.99", "null tests");
    mpp_intent *intent = create_on(CLIENT, POS2, "10.99");
    mpp_wait_options *wo = quick_wait(1000);
    mpp_cancel_token *tok = NULL;
    mpp_simulator_config *scfg = NULL;
    void *out = SENTINEL;
    int64_t cents = 42;
    char *s = (char *)SENTINEL;
    mpp_operating_mode mode = MPP_OPERATING_MODE_UNKNOWN;
    const char *names[1] = {"x-signature"};
    const char *values[1] = {"ts=1,v1=00"};
    const uint8_t body[2] = {'{', '}'};

    CHECK_OK(mpp_config_new("token", &cfg, NULL), (mpp_error **)NULL);
    CHECK_OK(mpp_cancel_token_new(&tok, NULL), (mpp_error **)NULL);
    CHECK_OK(mpp_simulator_config_new(&scfg, NULL), (mpp_error **)NULL);

    /* amounts */
    CHECK_NULL_ARG("amount", mpp_amount_parse(NULL, &cents, err));
    CHECK_NULL_ARG("out_cents", mpp_amount_parse("1.00", NULL, err));
    CHECK_NULL_ARG("out_cents", mpp_amount_from_double(1.0, NULL, err));
    CHECK_NULL_ARG("out_amount", mpp_amount_format(100, NULL, err));
    CHECK(cents == 42);
    /* config and client */
    CHECK_NULL_ARG("access_token", mpp_config_new(NULL, (mpp_config **)&out, err));
    CHECK_NULL_ARG("out_config", mpp_config_new("t", NULL, err));
    CHECK_NULL_ARG("config", mpp_config_set_base_url(NULL, "http://x", err));
    CHECK_NULL_ARG("base_url", mpp_config_set_base_url(cfg, NULL, err));
    CHECK_NULL_ARG("config", mpp_config_set_site(NULL, MPP_SITE_MLA, err));
    CHECK_NULL_ARG("config", mpp_config_set_amount_limits(NULL, 100, 200, err));
    CHECK_NULL_ARG("config", mpp_config_set_timeout_ms(NULL, 100, err));
    CHECK_NULL_ARG("config", mpp_config_set_connect_timeout_ms(NULL, 100, err));
    CHECK_NULL_ARG("config", mpp_config_set_retry(NULL, 1, 1, 1, false, err));
    CHECK_NULL_ARG("config", mpp_config_set_integrator_id(NULL, "i", err));
    CHECK_NULL_ARG("integrator_id", mpp_config_set_integrator_id(cfg, NULL, err));
    CHECK_NULL_ARG("config", mpp_config_set_platform_id(NULL, "p", err));
    CHECK_NULL_ARG("platform_id", mpp_config_set_platform_id(cfg, NULL, err));
    CHECK_NULL_ARG("config", mpp_config_set_corporation_id(NULL, "c", err));
    CHECK_NULL_ARG("corporation_id", mpp_config_set_corporation_id(cfg, NULL, err));
    CHECK_NULL_ARG("config", mpp_config_set_user_agent_suffix(NULL, "s", err));
    CHECK_NULL_ARG("suffix", mpp_config_set_user_agent_suffix(cfg, NULL, err));
    CHECK_NULL_ARG("config", mpp_config_set_proxy(NULL, "http://p:1", err));
    CHECK_NULL_ARG("proxy_url", mpp_config_set_proxy(cfg, NULL, err));
    CHECK_NULL_ARG("config", mpp_config_set_no_proxy(NULL, err));
    CHECK_NULL_ARG("config", mpp_config_add_root_certificate_pem(NULL, "x", err));
    CHECK_NULL_ARG("pem", mpp_config_add_root_certificate_pem(cfg, NULL, err));
    CHECK_NULL_ARG("config", mpp_client_new(NULL, (mpp_client **)&out, err));
    CHECK_NULL_ARG("out_client", mpp_client_new(cfg, NULL, err));
    /* requests */
    CHECK_NULL_ARG("amount", mpp_intent_request_new(NULL, "d", "r", (mpp_intent_request **)&out, err));
    CHECK_NULL_ARG("description", mpp_intent_request_new("1.00", NULL, "r", (mpp_intent_request **)&out, err));
    CHECK_NULL_ARG("external_reference", mpp_intent_request_new("1.00", "d", NULL, (mpp_intent_request **)&out, err));
    CHECK_NULL_ARG("out_request", mpp_intent_request_new("1.00", "d", "r", NULL, err));
    CHECK_NULL_ARG("description", mpp_intent_request_new_cents(100, NULL, "r", (mpp_intent_request **)&out, err));
    CHECK_NULL_ARG("external_reference", mpp_intent_request_new_cents(100, "d", NULL, (mpp_intent_request **)&out, err));
    CHECK_NULL_ARG("out_request", mpp_intent_request_new_cents(100, "d", "r", NULL, err));
    CHECK_NULL_ARG("request", mpp_intent_request_set_ticket_number(NULL, "T1", err));
    CHECK_NULL_ARG("ticket_number", mpp_intent_request_set_ticket_number(req, NULL, err));
    CHECK_NULL_ARG("request", mpp_intent_request_set_print_seller_ticket(NULL, true, err));
    CHECK_NULL_ARG("request", mpp_intent_request_set_idempotency_key(NULL, "k", err));
    CHECK_NULL_ARG("idempotency_key", mpp_intent_request_set_idempotency_key(req, NULL, err));
    /* intents */
    CHECK_NULL_ARG("client", mpp_intent_create_for_pos(NULL, POS1, req, (mpp_intent **)&out, err));
    CHECK_NULL_ARG("pos_external_id", mpp_intent_create_for_pos(CLIENT, NULL, req, (mpp_intent **)&out, err));
    CHECK_NULL_ARG("request", mpp_intent_create_for_pos(CLIENT, POS1, NULL, (mpp_intent **)&out, err));
    CHECK_NULL_ARG("out_intent", mpp_intent_create_for_pos(CLIENT, POS1, req, NULL, err));
    CHECK_NULL_ARG("client", mpp_intent_create_for_device(NULL, DEVICE1, req, (mpp_intent **)&out, err));
    CHECK_NULL_ARG("device_id", mpp_intent_create_for_device(CLIENT, NULL, req, (mpp_intent **)&out, err));
    CHECK_NULL_ARG("request", mpp_intent_create_for_device(CLIENT, DEVICE1, NULL, (mpp_intent **)&out, err));
    CHECK_NULL_ARG("out_intent", mpp_intent_create_for_device(CLIENT, DEVICE1, req, NULL, err));
    CHECK_NULL_ARG("client", mpp_intent_get(NULL, "id", (mpp_intent **)&out, err));
    CHECK_NULL_ARG("intent_id", mpp_intent_get(CLIENT, NULL, (mpp_intent **)&out, err));
    CHECK_NULL_ARG("out_intent", mpp_intent_get(CLIENT, mpp_intent_id(intent), NULL, err));
    CHECK_NULL_ARG("client", mpp_intent_cancel(NULL, "id", err));
    CHECK_NULL_ARG("intent_id", mpp_intent_cancel(CLIENT, NULL, err));
    CHECK_NULL_ARG("client", mpp_intent_cancel_for_pos(NULL, "id", POS1, err));
    CHECK_NULL_ARG("intent_id", mpp_intent_cancel_for_pos(CLIENT, NULL, POS1, err));
    CHECK_NULL_ARG("pos_external_id", mpp_intent_cancel_for_pos(CLIENT, "id", NULL, err));
    CHECK_NULL_ARG("intent", mpp_intent_to_json(NULL, &s, err));
    CHECK_NULL_ARG("out_json", mpp_intent_to_json(intent, NULL, err));
    /* waits and sales */
    CHECK_NULL_ARG("out_token", mpp_cancel_token_new(NULL, err));
    CHECK_NULL_ARG("out_options", mpp_wait_options_new(NULL, err));
    CHECK_NULL_ARG("options", mpp_wait_options_set_poll_interval_ms(NULL, 10, err));
    CHECK_NULL_ARG("options", mpp_wait_options_set_timeout_ms(NULL, 10, err));
    CHECK_NULL_ARG("options", mpp_wait_options_set_on_status(NULL, NULL, NULL, err));
    CHECK_NULL_ARG("options", mpp_wait_options_set_cancel_token(NULL, tok, err));
    CHECK_NULL_ARG("token", mpp_wait_options_set_cancel_token(wo, NULL, err));
    CHECK_NULL_ARG("client", mpp_intent_wait(NULL, "id", wo, (mpp_intent **)&out, err));
    CHECK_NULL_ARG("intent_id", mpp_intent_wait(CLIENT, NULL, wo, (mpp_intent **)&out, err));
    CHECK_NULL_ARG("out_intent", mpp_intent_wait(CLIENT, "id", wo, NULL, err));
    CHECK_NULL_ARG("client", mpp_charge(NULL, MPP_TARGET_POS, POS1, req, wo, (mpp_sale **)&out, err));
    CHECK_NULL_ARG("target_id", mpp_charge(CLIENT, MPP_TARGET_POS, NULL, req, wo, (mpp_sale **)&out, err));
    CHECK_NULL_ARG("request", mpp_charge(CLIENT, MPP_TARGET_POS, POS1, NULL, wo, (mpp_sale **)&out, err));
    CHECK_NULL_ARG("out_sale", mpp_charge(CLIENT, MPP_TARGET_POS, POS1, req, wo, NULL, err));
    CHECK_NULL_ARG("client", mpp_sale_for(NULL, "i", (mpp_sale **)&out, err));
    CHECK_NULL_ARG("intent_id", mpp_sale_for(CLIENT, NULL, (mpp_sale **)&out, err));
    CHECK_NULL_ARG("out_sale", mpp_sale_for(CLIENT, "i", NULL, err));
    CHECK_NULL_ARG("sale", mpp_sale_to_json(NULL, &s, err));
    /* payments and refunds */
    CHECK_NULL_ARG("client", mpp_payment_get(NULL, 1, (mpp_payment **)&out, err));
    CHECK_NULL_ARG("client", mpp_payments_find(NULL, "r", (mpp_payment_list **)&out, err));
    CHECK_NULL_ARG("external_reference", mpp_payments_find(CLIENT, NULL, (mpp_payment_list **)&out, err));
    CHECK_NULL_ARG("out_list", mpp_payments_find(CLIENT, "r", NULL, err));
    CHECK_NULL_ARG("out_payment", mpp_payment_get(CLIENT, 1, NULL, err));
    CHECK_NULL_ARG("payment", mpp_payment_to_json(NULL, &s, err));
    CHECK_NULL_ARG("client", mpp_payment_refund(NULL, 1, NULL, NULL, (mpp_refund **)&out, err));
    CHECK_NULL_ARG("out_refund", mpp_payment_refund(CLIENT, 1, NULL, NULL, NULL, err));
    CHECK_NULL_ARG("refund", mpp_refund_to_json(NULL, &s, err));
    /* devices */
    CHECK_NULL_ARG("client", mpp_devices_list(NULL, NULL, NULL, 0, 0, (mpp_device_list **)&out, err));
    CHECK_NULL_ARG("out_list", mpp_devices_list(CLIENT, NULL, NULL, 0, 0, NULL, err));
    CHECK_NULL_ARG("client", mpp_device_set_mode(NULL, DEVICE3, MPP_OPERATING_MODE_PDV, &mode, err));
    CHECK_NULL_ARG("device_id", mpp_device_set_mode(CLIENT, NULL, MPP_OPERATING_MODE_PDV, &mode, err));
    CHECK_NULL_ARG("list", mpp_device_list_to_json(NULL, &s, err));
    CHECK_NULL_ARG("device", mpp_device_to_json(NULL, &s, err));
    CHECK(mode == MPP_OPERATING_MODE_UNKNOWN);
    /* webhooks */
    CHECK_NULL_ARG("secret", mpp_webhook_verify(NULL, "ts=1,v1=0", "r", "d", 0, 0, NULL, err));
    CHECK_NULL_ARG("secret", mpp_webhook_sign(NULL, "d", "r", 1, &s, err));
    CHECK_NULL_ARG("out_signature", mpp_webhook_sign("k", "d", "r", 1, NULL, err));
    CHECK_NULL_ARG("body", mpp_webhook_parse(NULL, 10, (mpp_notification **)&out, err));
    CHECK_NULL_ARG("out_notification", mpp_webhook_parse(body, 2, NULL, err));
    CHECK_NULL_ARG("secret", mpp_webhook_verify_request(NULL, names, values, 1, "", body, 2, 0, 0, (mpp_notification **)&out, NULL, err));
    CHECK_NULL_ARG("header_names", mpp_webhook_verify_request("k", NULL, values, 1, "", body, 2, 0, 0, (mpp_notification **)&out, NULL, err));
    CHECK_NULL_ARG("header_values", mpp_webhook_verify_request("k", names, NULL, 1, "", body, 2, 0, 0, (mpp_notification **)&out, NULL, err));
    CHECK_NULL_ARG("body", mpp_webhook_verify_request("k", names, values, 0, "", NULL, 2, 0, 0, (mpp_notification **)&out, NULL, err));
    CHECK_NULL_ARG("notification", mpp_notification_to_json(NULL, &s, err));
    /* simulator */
    CHECK_NULL_ARG("out_config", mpp_simulator_config_new(NULL, err));
    CHECK_NULL_ARG("config", mpp_simulator_config_set_bind(NULL, "127.0.0.1:0", err));
    CHECK_NULL_ARG("bind", mpp_simulator_config_set_bind(scfg, NULL, err));
    CHECK_NULL_ARG("config", mpp_simulator_config_set_access_token(NULL, "t", err));
    CHECK_NULL_ARG("access_token", mpp_simulator_config_set_access_token(scfg, NULL, err));
    CHECK_NULL_ARG("config", mpp_simulator_config_set_site(NULL, MPP_SITE_MLA, err));
    CHECK_NULL_ARG("config", mpp_simulator_config_set_amount_limits(NULL, 1, 2, err));
    CHECK_NULL_ARG("config", mpp_simulator_config_set_pickup_delay_ms(NULL, 1, err));
    CHECK_NULL_ARG("config", mpp_simulator_config_set_step_delay_ms(NULL, 1, err));
    CHECK_NULL_ARG("config", mpp_simulator_config_set_time_factor(NULL, 1, err));
    CHECK_NULL_ARG("config", mpp_simulator_config_add_webhook_url(NULL, "http://x", err));
    CHECK_NULL_ARG("url", mpp_simulator_config_add_webhook_url(scfg, NULL, err));
    CHECK_NULL_ARG("config", mpp_simulator_config_set_webhook_secret(NULL, "s", err));
    CHECK_NULL_ARG("secret", mpp_simulator_config_set_webhook_secret(scfg, NULL, err));
    CHECK_NULL_ARG("config", mpp_simulator_config_set_honor_idempotency_keys(NULL, true, err));
    CHECK_NULL_ARG("config", mpp_simulator_config_set_tls(NULL, true, err));
    CHECK_NULL_ARG("config", mpp_simulator_config_set_faults_json(NULL, "[]", err));
    CHECK_NULL_ARG("faults_json", mpp_simulator_config_set_faults_json(scfg, NULL, err));
    CHECK_NULL_ARG("config", mpp_simulator_config_add_store(NULL, "1", "n", err));
    CHECK_NULL_ARG("store_id", mpp_simulator_config_add_store(scfg, NULL, "n", err));
    CHECK_NULL_ARG("name", mpp_simulator_config_add_store(scfg, "1", NULL, err));
    CHECK_NULL_ARG("config", mpp_simulator_config_add_pos(NULL, 1, "P", "1", err));
    CHECK_NULL_ARG("external_id", mpp_simulator_config_add_pos(scfg, 1, NULL, "1", err));
    CHECK_NULL_ARG("store_id", mpp_simulator_config_add_pos(scfg, 1, "P", NULL, err));
    CHECK_NULL_ARG("config", mpp_simulator_config_add_device(NULL, "D", NULL, MPP_OPERATING_MODE_PDV, err));
    CHECK_NULL_ARG("device_id", mpp_simulator_config_add_device(scfg, NULL, NULL, MPP_OPERATING_MODE_PDV, err));
    CHECK_NULL_ARG("out_simulator", mpp_simulator_start(NULL, NULL, err));
    CHECK_NULL_ARG("simulator", mpp_simulator_client_config(NULL, (mpp_config **)&out, err));
    CHECK_NULL_ARG("out_config", mpp_simulator_client_config(SIM, NULL, err));
    CHECK_NULL_ARG("simulator", mpp_simulator_present_card(NULL, "id", MPP_CARD_OUTCOME_APPROVED, err));
    CHECK_NULL_ARG("intent_id", mpp_simulator_present_card(SIM, NULL, MPP_CARD_OUTCOME_APPROVED, err));
    CHECK_NULL_ARG("simulator", mpp_simulator_cancel_on_terminal(NULL, "id", err));
    CHECK_NULL_ARG("intent_id", mpp_simulator_cancel_on_terminal(SIM, NULL, err));
    CHECK_NULL_ARG("simulator", mpp_simulator_hold_on_terminal(NULL, "id", err));
    CHECK_NULL_ARG("intent_id", mpp_simulator_hold_on_terminal(SIM, NULL, err));
    CHECK_NULL_ARG("simulator", mpp_simulator_set_faults_json(NULL, "[]", err));
    CHECK_NULL_ARG("faults_json", mpp_simulator_set_faults_json(SIM, NULL, err));
    CHECK_NULL_ARG("simulator", mpp_simulator_counters_json(NULL, &s, err));
    CHECK_NULL_ARG("out_json", mpp_simulator_counters_json(SIM, NULL, err));
    CHECK_NULL_ARG("simulator", mpp_simulator_set_webhook_urls(NULL, NULL, 0, err));
    CHECK_NULL_ARG("urls", mpp_simulator_set_webhook_urls(SIM, NULL, 1, err));

    /* Nothing was written to any out-param by a failed call. */
    CHECK(out == SENTINEL);
    CHECK(s == (char *)SENTINEL);
    /* And without an error object the code alone comes back. */
    CHECK(mpp_intent_get(CLIENT, NULL, (mpp_intent **)&out, NULL) == MPP_RESULT_NULL_ARGUMENT);

    cancel(mpp_intent_id(intent));
    mpp_intent_free(intent);
    mpp_intent_request_free(req);
    mpp_wait_options_free(wo);
    mpp_cancel_token_free(tok);
    mpp_simulator_config_free(scfg);
    mpp_config_free(cfg);
}

/* The out-params and element pointers the first NULL test could not reach without handles. */
static void test_null_arguments_with_handles(void) {
    mpp_intent_request *req = request("4.00", "handles for NULL tests");
    mpp_sale *sale = NULL;
    mpp_payment *payment = NULL;
    mpp_refund *refund = NULL;
    mpp_device_list *list = NULL;
    mpp_notification *n = NULL;
    mpp_simulator_config *scfg = (mpp_simulator_config *)SENTINEL;
    const char *body = "{\"id\":\"1\",\"type\":\"t\",\"data\":{\"id\":\"abc\",\"status\":\"CANCELED\"}}";
    const char *names[2] = {"x-signature", NULL};
    const char *values[2] = {"ts=1,v1=00", "x"};
    const char *urls[2] = {"http://127.0.0.1:9/hook", NULL};
    void *out = SENTINEL;

    CHECK_OK(mpp_charge(CLIENT, MPP_TARGET_POS, POS2, req, NULL, &sale, NULL), (mpp_error **)NULL);
    CHECK_OK(mpp_payment_get(CLIENT, mpp_payment_id(mpp_sale_approved_payment(sale)), &payment, NULL), (mpp_error **)NULL);
    CHECK_OK(mpp_payment_refund(CLIENT, mpp_payment_id(payment), "1.00", NULL, &refund, NULL), (mpp_error **)NULL);
    CHECK_OK(mpp_devices_list(CLIENT, NULL, NULL, 0, 0, &list, NULL), (mpp_error **)NULL);
    CHECK_OK(mpp_webhook_parse((const uint8_t *)body, strlen(body), &n, NULL), (mpp_error **)NULL);

    CHECK_NULL_ARG("out_json", mpp_sale_to_json(sale, NULL, err));
    CHECK_NULL_ARG("out_json", mpp_payment_to_json(payment, NULL, err));
    CHECK_NULL_ARG("out_json", mpp_refund_to_json(refund, NULL, err));
    CHECK_NULL_ARG("out_json", mpp_device_list_to_json(list, NULL, err));
    CHECK_NULL_ARG("out_json", mpp_device_to_json(mpp_device_list_get(list, 0), NULL, err));
    CHECK_NULL_ARG("out_json", mpp_notification_to_json(n, NULL, err));
    CHECK_NULL_ARG("json", mpp_simulator_config_from_json(NULL, &scfg, err));
    CHECK_NULL_ARG("out_config", mpp_simulator_config_from_json("{}", NULL, err));
    CHECK_NULL_ARG("out_notification", mpp_webhook_verify_request("k", names, values, 1, "", (const uint8_t *)body, strlen(body), 0, 0, NULL, NULL, err));
    CHECK_NULL_ARG("header_names[i]", mpp_webhook_verify_request("k", names, values, 2, "", (const uint8_t *)body, strlen(body), 0, 0, (mpp_notification **)&out, NULL, err));
    CHECK_NULL_ARG("urls[i]", mpp_simulator_set_webhook_urls(SIM, urls, 2, err));
    CHECK(scfg == (mpp_simulator_config *)SENTINEL && out == SENTINEL);

    /* the JSON configuration of the simulator, read and refused */
    CHECK_OK(mpp_simulator_config_from_json("{\"pickup_delay_ms\": 20, \"site\": \"MLA\"}", &scfg, NULL), (mpp_error **)NULL);
    mpp_simulator_config_free(scfg);
    CHECK_OK(mpp_simulator_config_from_json("{\"webhook_ts_unit\": \"milliseconds\", \"expire_on_terminal\": false, "
                                            "\"mode_change_restart_ms\": 0, \"webhook_retry_schedule_ms\": [10, 20]}",
                                            &scfg, NULL), (mpp_error **)NULL);
    mpp_simulator_config_free(scfg);
    scfg = (mpp_simulator_config *)SENTINEL;
    {
        mpp_error *e = NULL;
        CHECK_RC(MPP_RESULT_CONFIG, mpp_simulator_config_from_json("{\"pickup_delay\": 20}", &scfg, &e), &e);
        CHECK_CONTAINS(mpp_error_message(e), "pickup_delay");
        mpp_error_free(e);
        CHECK(scfg == (mpp_simulator_config *)SENTINEL);
    }

    mpp_notification_free(n);
    mpp_device_list_free(list);
    mpp_refund_free(refund);
    mpp_payment_free(payment);
    mpp_sale_free(sale);
    mpp_intent_request_free(req);
}

static void test_invalid_utf8(void) {
    mpp_config *cfg = NULL;
    mpp_intent_request *req = request("10.00", "utf8 tests");
    void *out = SENTINEL;
    int64_t cents = 7;
    mpp_error *e = NULL;

    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_config_new(BAD_UTF8, &cfg, &e), &e);
    CHECK_CONTAINS(mpp_error_message(e), "`access_token`");
    CHECK_CONTAINS(mpp_error_message(e), "UTF-8");
    reset_error(&e);
    CHECK(cfg == NULL);
    CHECK_OK(mpp_config_new("t", &cfg, &e), &e);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_config_set_base_url(cfg, BAD_UTF8, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_amount_parse(BAD_UTF8, &cents, &e), &e);
    reset_error(&e);
    CHECK(cents == 7);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_intent_request_new("1.00", BAD_UTF8, "r", (mpp_intent_request **)&out, &e), &e);
    CHECK_CONTAINS(mpp_error_message(e), "`description`");
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_intent_request_set_ticket_number(req, BAD_UTF8, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_intent_create_for_pos(CLIENT, BAD_UTF8, req, (mpp_intent **)&out, &e), &e);
    CHECK_CONTAINS(mpp_error_message(e), "`pos_external_id`");
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_intent_get(CLIENT, BAD_UTF8, (mpp_intent **)&out, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_intent_cancel(CLIENT, BAD_UTF8, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_intent_wait(CLIENT, BAD_UTF8, NULL, (mpp_intent **)&out, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_charge(CLIENT, MPP_TARGET_DEVICE, BAD_UTF8, req, NULL, (mpp_sale **)&out, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_devices_list(CLIENT, BAD_UTF8, NULL, 0, 0, (mpp_device_list **)&out, &e), &e);
    CHECK_CONTAINS(mpp_error_message(e), "`store_id`");
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_device_set_mode(CLIENT, BAD_UTF8, MPP_OPERATING_MODE_PDV, NULL, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_payment_refund(CLIENT, 1, BAD_UTF8, NULL, (mpp_refund **)&out, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_webhook_verify("k", BAD_UTF8, NULL, NULL, 0, 0, NULL, &e), &e);
    CHECK_CONTAINS(mpp_error_message(e), "`x_signature`");
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_webhook_sign(BAD_UTF8, NULL, NULL, 1, (char **)&out, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_simulator_present_card(SIM, BAD_UTF8, MPP_CARD_OUTCOME_APPROVED, &e), &e);
    reset_error(&e);
    CHECK(out == SENTINEL);
    mpp_config_free(cfg);
    mpp_intent_request_free(req);
}

static void test_amounts(void) {
    int64_t cents = 0;
    char *text = NULL;
    mpp_error *e = NULL;
    mpp_intent_request *req = (mpp_intent_request *)SENTINEL;
    const char *bad[] = {"12,47", "12.475", "1e3", "-1.00", "0", "0.00", "", " 1.00", "abc", "NaN"};
    size_t i;
    char *before, *after;
    mpp_intent *intent = (mpp_intent *)SENTINEL;

    CHECK_OK(mpp_amount_parse("12.47", &cents, &e), &e);
    CHECK(cents == 1247);
    CHECK_OK(mpp_amount_parse("12.5", &cents, &e), &e);
    CHECK(cents == 1250);
    CHECK_OK(mpp_amount_parse("12", &cents, &e), &e);
    CHECK(cents == 1200);
    CHECK_OK(mpp_amount_from_double(10.14, &cents, &e), &e);
    CHECK(cents == 1014);
    CHECK_RC(MPP_RESULT_INVALID_AMOUNT, mpp_amount_from_double(0.1 + 0.2, &cents, &e), &e);
    CHECK_CONTAINS(mpp_error_message(e), "string or integer cents");
    reset_error(&e);
    CHECK(cents == 1014);
    CHECK_RC(MPP_RESULT_INVALID_AMOUNT, mpp_amount_from_double(10.145, &cents, &e), &e);
    reset_error(&e);
    CHECK_OK(mpp_amount_format(1247, &text, &e), &e);
    CHECK_STR(text, "12.47");
    mpp_string_free(text);
    text = NULL;
    CHECK_OK(mpp_amount_format(5, &text, &e), &e);
    CHECK_STR(text, "0.05");
    mpp_string_free(text);
    CHECK_RC(MPP_RESULT_INVALID_AMOUNT, mpp_amount_format(0, &text, &e), &e);
    reset_error(&e);

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_RC(MPP_RESULT_INVALID_AMOUNT, mpp_intent_request_new(bad[i], "d", "r", &req, &e), &e);
        CHECK_STR(mpp_error_field(e), "amount");
        CHECK(mpp_error_http_status(e) == 0);
        reset_error(&e);
        CHECK(req == (mpp_intent_request *)SENTINEL);
    }
    CHECK_RC(MPP_RESULT_INVALID_AMOUNT, mpp_intent_request_new("12,47", "d", "r", &req, &e), &e);
    CHECK_CONTAINS(mpp_error_message(e), "comma");
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_AMOUNT, mpp_intent_request_new_cents(0, "d", "r", &req, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_AMOUNT, mpp_intent_request_new_cents(-500, "d", "r", &req, &e), &e);
    reset_error(&e);

    /* The site's limits are checked before anything is sent. */
    before = counters();
    CHECK_OK(mpp_intent_request_new("70000.01", "too much", "r", &req, &e), &e);
    CHECK_RC(MPP_RESULT_INVALID_AMOUNT, mpp_intent_create_for_pos(CLIENT, POS1, req, &intent, &e), &e);
    CHECK_STR(mpp_error_message(e), "amount 70000.01 is above the MLB maximum of 70000.00");
    CHECK(intent == (mpp_intent *)SENTINEL);
    reset_error(&e);
    mpp_intent_request_free(req);
    CHECK_OK(mpp_intent_request_new_cents(99, "too little", "r", &req, &e), &e);
    CHECK_RC(MPP_RESULT_INVALID_AMOUNT, mpp_intent_create_for_pos(CLIENT, POS1, req, &intent, &e), &e);
    CHECK_CONTAINS(mpp_error_message(e), "below the MLB minimum of 1.00");
    reset_error(&e);
    mpp_intent_request_free(req);
    /* Other fields too: a blank description, a bad reference. */
    CHECK_OK(mpp_intent_request_new("10.00", " ", "r", &req, &e), &e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_intent_create_for_pos(CLIENT, POS1, req, &intent, &e), &e);
    CHECK_STR(mpp_error_field(e), "description");
    reset_error(&e);
    mpp_intent_request_free(req);
    CHECK_OK(mpp_intent_request_new("10.00", "d", "ref/with/slash", &req, &e), &e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_intent_create_for_pos(CLIENT, POS1, req, &intent, &e), &e);
    CHECK_STR(mpp_error_field(e), "external_reference");
    reset_error(&e);
    CHECK_OK(mpp_intent_request_set_ticket_number(req, "T 1", &e), &e);
    mpp_intent_request_free(req);
    after = counters();
    CHECK_STR(after, before); /* nothing reached the simulator */
    mpp_string_free(before);
    mpp_string_free(after);
}

static void test_config(void) {
    mpp_config *cfg = NULL;
    mpp_client *client = (mpp_client *)SENTINEL;
    mpp_error *e = NULL;
    mpp_device_list *list = NULL;

    CHECK_OK(mpp_config_new("", &cfg, &e), &e);
    CHECK_RC(MPP_RESULT_CONFIG, mpp_client_new(cfg, &client, &e), &e);
    CHECK_CONTAINS(mpp_error_message(e), "access token is empty");
    reset_error(&e);
    mpp_config_free(cfg);
    CHECK_OK(mpp_config_new("APP_USR secret", &cfg, &e), &e);
    CHECK_RC(MPP_RESULT_CONFIG, mpp_client_new(cfg, &client, &e), &e);
    CHECK(strstr(mpp_error_message(e), "APP_USR") == NULL); /* the token is never shown */
    reset_error(&e);
    mpp_config_free(cfg);

    CHECK_OK(mpp_config_new("t", &cfg, &e), &e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_config_set_site(cfg, 9, &e), &e);
    CHECK_STR(mpp_error_field(e), "site");
    reset_error(&e);
    CHECK_RC(MPP_RESULT_CONFIG, mpp_config_set_amount_limits(cfg, 500, 100, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_AMOUNT, mpp_config_set_amount_limits(cfg, 0, 100, &e), &e);
    reset_error(&e);
    CHECK_OK(mpp_config_set_base_url(cfg, "not a url", &e), &e);
    CHECK_RC(MPP_RESULT_CONFIG, mpp_client_new(cfg, &client, &e), &e);
    reset_error(&e);
    CHECK_OK(mpp_config_set_base_url(cfg, mpp_simulator_base_url(SIM), &e), &e);
    CHECK_OK(mpp_config_set_retry(cfg, 0, 1, 1, true, &e), &e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_client_new(cfg, &client, &e), &e);
    CHECK_STR(mpp_error_field(e), "retries");
    reset_error(&e);
    CHECK_OK(mpp_config_set_retry(cfg, 2, 10, 100, true, &e), &e);
    CHECK_OK(mpp_config_set_timeout_ms(cfg, 0, &e), &e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_client_new(cfg, &client, &e), &e);
    CHECK_STR(mpp_error_field(e), "timeout");
    reset_error(&e);
    CHECK_OK(mpp_config_set_timeout_ms(cfg, 5000, &e), &e);
    CHECK_OK(mpp_config_add_root_certificate_pem(cfg, "not a certificate", &e), &e);
    CHECK_RC(MPP_RESULT_CONFIG, mpp_client_new(cfg, &client, &e), &e);
    reset_error(&e);
    CHECK(client == (mpp_client *)SENTINEL);
    mpp_config_free(cfg);

    /* Every option at once, and the client works. */
    CHECK_OK(mpp_config_new(mpp_simulator_access_token(SIM), &cfg, &e), &e);
    CHECK_OK(mpp_config_set_base_url(cfg, mpp_simulator_base_url(SIM), &e), &e);
    CHECK_OK(mpp_config_set_site(cfg, MPP_SITE_MLA, &e), &e);
    CHECK_OK(mpp_config_set_amount_limits(cfg, 100, 1000000, &e), &e);
    CHECK_OK(mpp_config_set_timeout_ms(cfg, 10000, &e), &e);
    CHECK_OK(mpp_config_set_connect_timeout_ms(cfg, 2000, &e), &e);
    CHECK_OK(mpp_config_set_retry(cfg, 2, 50, 500, true, &e), &e);
    CHECK_OK(mpp_config_set_integrator_id(cfg, "dev_123", &e), &e);
    CHECK_OK(mpp_config_set_platform_id(cfg, "plat_1", &e), &e);
    CHECK_OK(mpp_config_set_corporation_id(cfg, "corp_1", &e), &e);
    CHECK_OK(mpp_config_set_user_agent_suffix(cfg, "TestPOS/1.0", &e), &e);
    CHECK_OK(mpp_config_set_no_proxy(cfg, &e), &e);
    CHECK_OK(mpp_client_new(cfg, &client, &e), &e);
    mpp_config_free(cfg); /* the client keeps its own copy */
    CHECK_OK(mpp_devices_list(client, NULL, NULL, 0, 0, &list, &e), &e);
    CHECK(mpp_device_list_count(list) > 0);
    mpp_device_list_free(list);
    mpp_client_free(client);

    /* A proxy that refuses connections: the request fails as a network error. */
    CHECK_OK(mpp_config_new(mpp_simulator_access_token(SIM), &cfg, &e), &e);
    CHECK_OK(mpp_config_set_base_url(cfg, mpp_simulator_base_url(SIM), &e), &e);
    CHECK_OK(mpp_config_set_proxy(cfg, "http://127.0.0.1:9", &e), &e);
    CHECK_OK(mpp_config_set_retry(cfg, 1, 1, 1, false, &e), &e);
    CHECK_OK(mpp_client_new(cfg, &client, &e), &e);
    CHECK_RC(MPP_RESULT_NETWORK, mpp_devices_list(client, NULL, NULL, 0, 0, &list, &e), &e);
    reset_error(&e);
    mpp_client_free(client);
    mpp_config_free(cfg);
}

static void test_devices(void) {
    mpp_device_list *list = NULL;
    mpp_error *e = NULL;
    mpp_operating_mode mode = MPP_OPERATING_MODE_UNKNOWN;
    char *json = NULL;
    size_t i;
    int found_standalone = 0;

    CHECK_OK(mpp_devices_list(CLIENT, NULL, NULL, 0, 0, &list, &e), &e);
    CHECK(mpp_device_list_count(list) == 3 + THREADS);
    CHECK(mpp_device_list_total(list) == 3 + THREADS);
    for (i = 0; i < mpp_device_list_count(list); i++) {
        const mpp_device *d = mpp_device_list_get(list, i);
        CHECK(d != NULL && mpp_device_id(d) != NULL);
        if (strcmp(mpp_device_id(d), DEVICE3) == 0) {
            found_standalone = 1;
            CHECK(mpp_device_operating_mode(d) == MPP_OPERATING_MODE_STANDALONE);
            CHECK_STR(mpp_device_operating_mode_str(d), "STANDALONE");
            CHECK(mpp_device_pos_id(d) == -1);
            CHECK(mpp_device_external_pos_id(d) == NULL);
        }
        if (strcmp(mpp_device_id(d), DEVICE1) == 0) {
            CHECK(mpp_device_operating_mode(d) == MPP_OPERATING_MODE_PDV);
            CHECK(mpp_device_pos_id(d) == 2000001);
            CHECK_STR(mpp_device_external_pos_id(d), POS1);
            CHECK_STR(mpp_device_store_id(d), "1000001");
            CHECK_OK(mpp_device_to_json(d, &json, &e), &e);
            CHECK_CONTAINS(json, "\"id\":\"" DEVICE1 "\"");
            mpp_string_free(json);
            json = NULL;
        }
    }
    CHECK(found_standalone);
    CHECK(mpp_device_list_get(list, 1000) == NULL);
    CHECK_OK(mpp_device_list_to_json(list, &json, &e), &e);
    CHECK_CONTAINS(json, "\"paging\"");
    mpp_string_free(json);
    mpp_device_list_free(list);

    /* paging */
    CHECK_OK(mpp_devices_list(CLIENT, NULL, NULL, 2, 1, &list, &e), &e);
    CHECK(mpp_device_list_count(list) == 2);
    CHECK(mpp_device_list_offset(list) == 1);
    CHECK(mpp_device_list_limit(list) == 2);
    CHECK(mpp_device_list_total(list) == 3 + THREADS);
    mpp_device_list_free(list);
    /* filters */
    CHECK_OK(mpp_devices_list(CLIENT, NULL, "2000001", 0, 0, &list, &e), &e);
    CHECK(mpp_device_list_count(list) == 1);
    CHECK_STR(mpp_device_id(mpp_device_list_get(list, 0)), DEVICE1);
    mpp_device_list_free(list);
    CHECK_OK(mpp_devices_list(CLIENT, "1000001", NULL, 50, 0, &list, &e), &e);
    CHECK(mpp_device_list_count(list) >= 2);
    for (i = 0; i < mpp_device_list_count(list); i++) {
        CHECK_STR(mpp_device_store_id(mpp_device_list_get(list, i)), "1000001");
    }
    mpp_device_list_free(list);

    /* set mode */
    CHECK_OK(mpp_device_set_mode(CLIENT, DEVICE3, MPP_OPERATING_MODE_PDV, &mode, &e), &e);
    CHECK(mode == MPP_OPERATING_MODE_PDV);
    CHECK_OK(mpp_device_set_mode(CLIENT, DEVICE3, MPP_OPERATING_MODE_STANDALONE, NULL, &e), &e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_device_set_mode(CLIENT, DEVICE3, 7, &mode, &e), &e);
    CHECK_STR(mpp_error_field(e), "operating_mode");
    reset_error(&e);
    CHECK(mode == MPP_OPERATING_MODE_PDV);
    CHECK_RC(MPP_RESULT_NOT_FOUND, mpp_device_set_mode(CLIENT, "PAX_A910__NOPE", MPP_OPERATING_MODE_PDV, &mode, &e), &e);
    CHECK(mpp_error_http_status(e) == 404);
    reset_error(&e);
}

static void test_intent_lifecycle(void) {
    mpp_intent_request *req = NULL;
    mpp_intent *intent = NULL, *again = NULL;
    mpp_error *e = NULL;
    char *json = NULL;
    char id[128];

    /* ticket_number is in the MLA reference only: the MLB client refuses it before sending */
    CHECK_OK(mpp_intent_request_new("10.99", "Sale C-1", "order-c-1", &req, &e), &e);
    CHECK_OK(mpp_intent_request_set_ticket_number(req, "T001", &e), &e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_intent_create_for_pos(CLIENT, POS1, req, &intent, &e), &e);
    CHECK_STR(mpp_error_field(e), "ticket_number");
    reset_error(&e);
    CHECK(intent == NULL);
    mpp_intent_request_free(req);
    req = NULL;
    CHECK_OK(mpp_intent_request_new("10.99", "Sale C-1", "order-c-1", &req, &e), &e);
    CHECK_OK(mpp_intent_request_set_print_seller_ticket(req, true, &e), &e);
    CHECK_OK(mpp_intent_create_for_pos(CLIENT, POS1, req, &intent, &e), &e);
    CHECK(intent != NULL);
    CHECK(mpp_intent_status(intent) == MPP_STATUS_OPENED);
    CHECK_STR(mpp_intent_status_str(intent), "OPENED");
    CHECK(!mpp_intent_is_final(intent));
    CHECK(mpp_intent_amount_cents(intent) == 1099);
    CHECK_STR(mpp_intent_amount_str(intent), "10.99");
    CHECK_STR(mpp_intent_description(intent), "Sale C-1");
    CHECK_STR(mpp_intent_external_reference(intent), "order-c-1");
    CHECK(mpp_intent_idempotency_key(intent) != NULL && strlen(mpp_intent_idempotency_key(intent)) >= 16);
    CHECK(mpp_intent_payment_id_count(intent) == 0);
    CHECK(mpp_intent_payment_id(intent, 0) == 0);
    /* borrowed strings stay put: the same pointer each time */
    CHECK(mpp_intent_id(intent) == mpp_intent_id(intent));
    snprintf(id, sizeof id, "%s", mpp_intent_id(intent));

    CHECK_OK(mpp_intent_to_json(intent, &json, &e), &e);
    CHECK_CONTAINS(json, "\"status\":\"OPENED\"");
    CHECK_CONTAINS(json, "\"amount\":\"10.99\"");
    CHECK_CONTAINS(json, id);
    mpp_string_free(json);

    CHECK_OK(mpp_intent_get(CLIENT, id, &again, &e), &e);
    CHECK_STR(mpp_intent_id(again), id);
    CHECK(mpp_intent_status(again) == MPP_STATUS_OPENED);
    CHECK(mpp_intent_amount_cents(again) == 1099);
    mpp_intent_free(again);
    again = NULL;

    CHECK_OK(mpp_intent_cancel(CLIENT, id, &e), &e);
    CHECK_OK(mpp_intent_get(CLIENT, id, &again, &e), &e);
    CHECK(mpp_intent_status(again) == MPP_STATUS_CANCELED);
    CHECK(mpp_intent_is_final(again));
    mpp_intent_free(again);
    again = NULL;
    /* a second cancel of a canceled intent is harmless */
    CHECK_OK(mpp_intent_cancel(CLIENT, id, &e), &e);
    mpp_intent_free(intent);
    intent = NULL;

    /* create for a device, cancel through the older path naming the POS */
    CHECK_OK(mpp_intent_create_for_device(CLIENT, DEVICE1, req, &intent, &e), &e);
    CHECK(mpp_intent_status(intent) == MPP_STATUS_OPENED);
    CHECK_OK(mpp_intent_cancel_for_pos(CLIENT, mpp_intent_id(intent), POS1, &e), &e);
    CHECK(await_status(mpp_intent_id(intent), MPP_STATUS_CANCELED));
    mpp_intent_free(intent);
    mpp_intent_request_free(req);
    mpp_error_free(e);
}

static void test_http_errors(void) {
    mpp_error *e = NULL;
    mpp_intent *intent = (mpp_intent *)SENTINEL, *first = NULL;
    mpp_payment *payment = (mpp_payment *)SENTINEL;
    mpp_client *bad = client_with("APP_USR-wrong-token-123", 0, 1);
    mpp_intent_request *req = request("10.99", "errors");

    /* 401 */
    CHECK_RC(MPP_RESULT_UNAUTHORIZED, mpp_intent_get(bad, "some-intent", &intent, &e), &e);
    CHECK(mpp_error_code(e) == MPP_RESULT_UNAUTHORIZED);
    CHECK_STR(mpp_error_code_name(e), "UNAUTHORIZED");
    CHECK(mpp_error_http_status(e) == 401);
    CHECK(strstr(mpp_error_message(e), "wrong-token") == NULL);
    reset_error(&e);
    mpp_client_free(bad);

    /* 404: intent, POS, payment */
    CHECK_RC(MPP_RESULT_NOT_FOUND, mpp_intent_get(CLIENT, "no-such-intent", &intent, &e), &e);
    CHECK(mpp_error_http_status(e) == 404);
    CHECK(mpp_error_api_error(e) != NULL);
    CHECK(mpp_error_request_id(e) != NULL);
    CHECK_STR(mpp_error_intent_id(e), "no-such-intent");
    CHECK(mpp_error_retry_after_ms(e) == -1);
    CHECK_CONTAINS(mpp_error_message(e), "HTTP 404");
    reset_error(&e);
    CHECK_RC(MPP_RESULT_NOT_FOUND, mpp_intent_create_for_pos(CLIENT, "NOPOS", req, &intent, &e), &e);
    CHECK(mpp_error_http_status(e) == 404);
    CHECK(mpp_error_idempotency_key(e) != NULL);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_NOT_FOUND, mpp_payment_get(CLIENT, 987654321, &payment, &e), &e);
    reset_error(&e);
    CHECK(intent == (mpp_intent *)SENTINEL && payment == (mpp_payment *)SENTINEL);

    /* 409 on create: the device already has a queued intent */
    first = create_on(CLIENT, POS2, "10.99");
    CHECK_RC(MPP_RESULT_ALREADY_QUEUED, mpp_intent_create_for_pos(CLIENT, POS2, req, &intent, &e), &e);
    CHECK(mpp_error_http_status(e) == 409);
    CHECK_STR(mpp_error_code_name(e), "ALREADY_QUEUED");
    reset_error(&e);
    cancel(mpp_intent_id(first));
    mpp_intent_free(first);

    /* 409 on cancel: the intent is on the terminal */
    first = create_on(CLIENT, POS2, "10.44");
    CHECK(await_status(mpp_intent_id(first), MPP_STATUS_ON_TERMINAL));
    CHECK_RC(MPP_RESULT_CANNOT_CANCEL, mpp_intent_cancel(CLIENT, mpp_intent_id(first), &e), &e);
    CHECK(mpp_error_http_status(e) == 409);
    CHECK(mpp_error_last_status(e) == MPP_STATUS_ON_TERMINAL);
    CHECK_STR(mpp_error_last_status_str(e), "ON_TERMINAL");
    CHECK_STR(mpp_error_intent_id(e), mpp_intent_id(first));
    reset_error(&e);
    CHECK_OK(mpp_simulator_cancel_on_terminal(SIM, mpp_intent_id(first), &e), &e);
    mpp_intent_free(first);
    mpp_intent_request_free(req);
}

static void test_transport_faults(void) {
    mpp_client *fast = client_with(mpp_simulator_access_token(SIM), 300, 1);
    mpp_error *e = NULL;
    mpp_intent *intent = NULL, *opened = create_on(CLIENT, POS1, "10.99");
    mpp_intent_request *req = NULL;
    mpp_intent *created = NULL, *replayed = NULL;
    char key[128];

    /* timeout */
    CHECK_OK(mpp_simulator_set_faults_json(SIM, "[{\"endpoint\":\"GetIntent\",\"kind\":{\"type\":\"Latency\",\"ms\":2000},\"times\":1}]", &e), &e);
    CHECK_RC(MPP_RESULT_TIMEOUT, mpp_intent_get(fast, mpp_intent_id(opened), &intent, &e), &e);
    CHECK(mpp_error_http_status(e) == 0);
    reset_error(&e);
    /* 5xx after every retry */
    CHECK_OK(mpp_simulator_set_faults_json(SIM, "[{\"endpoint\":\"GetIntent\",\"kind\":{\"type\":\"Status\",\"status\":503},\"times\":1}]", &e), &e);
    CHECK_RC(MPP_RESULT_SERVER, mpp_intent_get(fast, mpp_intent_id(opened), &intent, &e), &e);
    CHECK(mpp_error_http_status(e) == 503);
    reset_error(&e);
    /* 429 with a Retry-After longer than the policy allows: reported, with the delay */
    CHECK_OK(mpp_simulator_set_faults_json(SIM, "[{\"endpoint\":\"GetIntent\",\"kind\":{\"type\":\"RateLimited\",\"retry_after_secs\":7},\"times\":1}]", &e), &e);
    CHECK_RC(MPP_RESULT_RATE_LIMITED, mpp_intent_get(fast, mpp_intent_id(opened), &intent, &e), &e);
    CHECK(mpp_error_http_status(e) == 429);
    CHECK(mpp_error_retry_after_ms(e) == 7000);
    reset_error(&e);
    /* a garbled answer */
    CHECK_OK(mpp_simulator_set_faults_json(SIM, "[{\"endpoint\":\"GetIntent\",\"kind\":{\"type\":\"MalformedJson\"},\"times\":1}]", &e), &e);
    CHECK_RC(MPP_RESULT_DECODE, mpp_intent_get(fast, mpp_intent_id(opened), &intent, &e), &e);
    reset_error(&e);
    mpp_simulator_clear_faults(SIM);
    CHECK(intent == NULL);
    cancel(mpp_intent_id(opened));
    mpp_intent_free(opened);

    /* a create whose answer is lost: OUTCOME_UNKNOWN with its key and external reference, never
       re-sent (Mercado Pago may ignore the key on intent creates, as the simulator does by
       default); the sale is found by its external reference once the terminal is done */
    CHECK_OK(mpp_simulator_set_faults_json(SIM, "[{\"endpoint\":\"CreateIntent\",\"kind\":{\"type\":\"DropAfterProcessing\"},\"times\":1}]", &e), &e);
    CHECK_OK(mpp_intent_request_new("10.00", "lost answer", "c-lost-1", &req, &e), &e);
    CHECK_RC(MPP_RESULT_OUTCOME_UNKNOWN, mpp_intent_create_for_pos(fast, POS1, req, &created, &e), &e);
    CHECK(mpp_error_idempotency_key(e) != NULL);
    CHECK_STR(mpp_error_external_reference(e), "c-lost-1");
    CHECK_CONTAINS(mpp_error_message(e), "external reference \"c-lost-1\"");
    snprintf(key, sizeof key, "%s", mpp_error_idempotency_key(e) ? mpp_error_idempotency_key(e) : "");
    reset_error(&e);
    CHECK(created == NULL);
    mpp_simulator_clear_faults(SIM);
    {
        mpp_payment_list *found = NULL;
        int tries;
        for (tries = 0; tries < 200; tries++) {
            mpp_payment_list_free(found);
            found = NULL;
            CHECK_OK(mpp_payments_find(CLIENT, "c-lost-1", &found, &e), &e);
            if (mpp_payment_list_count(found) > 0) break;
            sleep_ms(20);
        }
        CHECK(mpp_payment_list_count(found) == 1);
        CHECK(mpp_payment_is_approved(mpp_payment_list_get(found, 0)));
        CHECK(mpp_payment_amount_cents(mpp_payment_list_get(found, 0)) == 1000);
        CHECK_STR(mpp_payment_external_reference(mpp_payment_list_get(found, 0)), "c-lost-1");
        CHECK(mpp_payment_list_get(found, 1) == NULL);
        mpp_payment_list_free(found);
        found = NULL;
        CHECK_OK(mpp_payments_find(CLIENT, "c-nothing-here", &found, &e), &e);
        CHECK(mpp_payment_list_count(found) == 0);
        mpp_payment_list_free(found);
        /* the till is free again once the intent has ended: a probe create goes through */
        for (tries = 0; tries < 200; tries++) {
            mpp_intent *probe = NULL;
            mpp_intent_request *p = request("10.99", "probe");
            mpp_result rc = mpp_intent_create_for_pos(CLIENT, POS1, p, &probe, NULL);
            mpp_intent_request_free(p);
            if (rc == MPP_RESULT_OK) {
                cancel(mpp_intent_id(probe));
                mpp_intent_free(probe);
                break;
            }
            sleep_ms(20);
        }
        CHECK(tries < 200);
    }
    /* the same key for another cart is refused before anything is sent */
    mpp_intent_request_free(req);
    req = NULL;
    CHECK_OK(mpp_intent_request_new("12.00", "another cart", "c-lost-1", &req, &e), &e);
    CHECK_OK(mpp_intent_request_set_idempotency_key(req, key, &e), &e);
    CHECK_RC(MPP_RESULT_IDEMPOTENCY_KEY_MISMATCH, mpp_intent_create_for_pos(fast, POS1, req, &replayed, &e), &e);
    CHECK_STR(mpp_error_idempotency_key(e), key);
    reset_error(&e);
    CHECK(replayed == NULL);
    mpp_intent_request_free(req);

    /* plain http:// only to this machine, unless allowed */
    {
        mpp_config *cfg = NULL;
        mpp_client *insecure = NULL;
        CHECK_OK(mpp_config_new("t", &cfg, &e), &e);
        CHECK_OK(mpp_config_set_base_url(cfg, "http://api.example.com", &e), &e);
        CHECK_RC(MPP_RESULT_CONFIG, mpp_client_new(cfg, &insecure, &e), &e);
        CHECK_CONTAINS(mpp_error_message(e), "clear text");
        reset_error(&e);
        CHECK_OK(mpp_config_set_allow_insecure_http(cfg, true, &e), &e);
        CHECK_OK(mpp_config_set_resend_ambiguous_creates(cfg, true, &e), &e);
        CHECK_OK(mpp_client_new(cfg, &insecure, &e), &e);
        mpp_client_free(insecure);
        mpp_config_free(cfg);
    }

    /* nothing listens: a network error */
    {
        mpp_config *cfg = NULL;
        mpp_client *nowhere = NULL;
        CHECK_OK(mpp_config_new("t", &cfg, &e), &e);
        CHECK_OK(mpp_config_set_base_url(cfg, "http://127.0.0.1:9", &e), &e);
        CHECK_OK(mpp_config_set_retry(cfg, 1, 1, 1, false, &e), &e);
        CHECK_OK(mpp_client_new(cfg, &nowhere, &e), &e);
        CHECK_RC(MPP_RESULT_NETWORK, mpp_intent_get(nowhere, "x", &intent, &e), &e);
        reset_error(&e);
        mpp_client_free(nowhere);
        mpp_config_free(cfg);
    }
    mpp_client_free(fast);
}

typedef struct {
    char seen[16][32];
    int count;
    int wrong_user_data;
} status_log;

static void on_status(const char *status, void *user_data) {
    status_log *log = (status_log *)user_data;
    if (log == NULL) return;
    if (log->count < 16) {
        snprintf(log->seen[log->count], sizeof log->seen[0], "%s", status);
        log->count++;
    }
}

/* A callback that plays the customer: when the terminal shows the sale, present a card. It also
   shows a callback may call the library. */
typedef struct {
    status_log log;
    const char *intent_id;
    int presented;
} customer;

static void present_card_when_on_terminal(const char *status, void *user_data) {
    customer *c = (customer *)user_data;
    on_status(status, &c->log);
    if (strcmp(status, "ON_TERMINAL") == 0 && !c->presented) {
        c->presented = mpp_simulator_present_card(SIM, c->intent_id, MPP_CARD_OUTCOME_APPROVED, NULL) == MPP_RESULT_OK;
    }
}

static void test_wait_with_callback(void) {
    /* .44 stays on the terminal until a card is presented: the wait must see ON_TERMINAL */
    mpp_intent *intent = create_on(CLIENT, POS1, "10.44");
    mpp_intent *final_intent = NULL;
    mpp_wait_options *wo = quick_wait(60000);
    mpp_error *e = NULL;
    customer cust;
    status_log log;
    int i, dupes = 0;
    mpp_sale *sale = NULL;

    memset(&cust, 0, sizeof cust);
    cust.intent_id = mpp_intent_id(intent);
    CHECK_OK(mpp_wait_options_set_on_status(wo, present_card_when_on_terminal, &cust, &e), &e);
    CHECK_OK(mpp_intent_wait(CLIENT, mpp_intent_id(intent), wo, &final_intent, &e), &e);
    log = cust.log;
    CHECK(cust.presented);
    CHECK(mpp_intent_status(final_intent) == MPP_STATUS_CLOSED);
    CHECK(mpp_intent_payment_id_count(final_intent) == 1);
    CHECK(mpp_intent_payment_id(final_intent, 0) != 0);
    CHECK(log.count >= 2);
    CHECK_STR(log.seen[log.count - 1], "CLOSED");
    {
        int on_terminal = 0;
        for (i = 0; i < log.count; i++) on_terminal += strcmp(log.seen[i], "ON_TERMINAL") == 0;
        CHECK(on_terminal == 1); /* seen, once */
    }
    for (i = 1; i < log.count; i++) dupes += strcmp(log.seen[i], log.seen[i - 1]) == 0;
    CHECK(dupes == 0); /* told on each change only */

    /* the verdict of an intent that already ended */
    CHECK_OK(mpp_sale_for(CLIENT, mpp_intent_id(final_intent), &sale, &e), &e);
    CHECK(mpp_sale_verdict(sale) == MPP_VERDICT_APPROVED);
    mpp_sale_free(sale);
    sale = NULL;
    {
        /* an intent the API still shows pending has no verdict */
        mpp_intent *pending = create_on(CLIENT, POS1, "10.44");
        CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_sale_for(CLIENT, mpp_intent_id(pending), &sale, &e), &e);
        reset_error(&e);
        CHECK(sale == NULL);
        CHECK_OK(mpp_intent_cancel(CLIENT, mpp_intent_id(pending), &e), &e);
        mpp_intent_free(pending);
    }

    /* a NULL callback removes it */
    CHECK_OK(mpp_wait_options_set_on_status(wo, NULL, NULL, &e), &e);
    mpp_intent_free(final_intent);
    final_intent = NULL;
    /* NULL options: the defaults */
    CHECK_OK(mpp_intent_wait(CLIENT, mpp_intent_id(intent), NULL, &final_intent, &e), &e);
    CHECK(mpp_intent_status(final_intent) == MPP_STATUS_CLOSED);
    mpp_intent_free(final_intent);
    mpp_intent_free(intent);
    mpp_wait_options_free(wo);
}

static void test_wait_timeout(void) {
    mpp_intent *intent = create_on(CLIENT, POS1, "10.99");
    mpp_intent *out = (mpp_intent *)SENTINEL;
    mpp_wait_options *wo = quick_wait(300);
    mpp_error *e = NULL;

    CHECK_RC(MPP_RESULT_WAIT_TIMEOUT, mpp_intent_wait(CLIENT, mpp_intent_id(intent), wo, &out, &e), &e);
    CHECK(mpp_error_last_status(e) == MPP_STATUS_OPENED);
    CHECK_STR(mpp_error_intent_id(e), mpp_intent_id(intent));
    CHECK_CONTAINS(mpp_error_message(e), "cancel");
    reset_error(&e);
    CHECK(out == (mpp_intent *)SENTINEL);
    /* bad options are the core's INVALID_ARGUMENT */
    CHECK_OK(mpp_wait_options_set_poll_interval_ms(wo, 1, &e), &e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_intent_wait(CLIENT, mpp_intent_id(intent), wo, &out, &e), &e);
    CHECK_STR(mpp_error_field(e), "poll_interval");
    reset_error(&e);
    cancel(mpp_intent_id(intent));
    mpp_intent_free(intent);
    mpp_wait_options_free(wo);
}

typedef struct {
    mpp_cancel_token *token;
    long delay_ms;
} canceler_args;

static void *canceler(void *arg) {
    canceler_args *a = (canceler_args *)arg;
    sleep_ms(a->delay_ms);
    mpp_cancel_token_cancel(a->token);
    return NULL;
}

typedef struct {
    const mpp_client *client;
    const char *intent_id;
    mpp_result rc;
    mpp_status status;
} waiter_args;

/* Waits with the default options (the adaptive schedule: a 15 s fallback poll on a client with a
 * webhook secret). */
static void *default_waiter(void *arg) {
    waiter_args *a = (waiter_args *)arg;
    mpp_wait_options *wo = NULL;
    mpp_intent *out = NULL;
    mpp_error *e = NULL;
    mpp_wait_options_new(&wo, NULL);
    a->rc = mpp_intent_wait(a->client, a->intent_id, wo, &out, &e);
    a->status = out ? mpp_intent_status(out) : MPP_STATUS_UNKNOWN;
    mpp_intent_free(out);
    mpp_error_free(e);
    mpp_wait_options_free(wo);
    return NULL;
}

/* A delivery handed to mpp_client_handle_webhook wakes the wait on its intent; a forged one wakes
 * nothing and is MPP_RESULT_INVALID_SIGNATURE. */
static void test_webhook_wakes_a_wait(void) {
    mpp_config *cfg = NULL;
    mpp_client *client = NULL;
    mpp_error *e = NULL;
    mpp_intent *intent;
    waiter_args args;
    pthread_t t;
    char *sig = NULL, *forged = NULL, query[128], body[256];
    const char *names[2] = {"x-signature", "x-request-id"}, *values[2];
    size_t woken = 99;
    mpp_webhook_failure reason = MPP_WEBHOOK_FAILURE_NONE;
    mpp_notification *note = NULL;
    int tries = 0;

    CHECK_OK(mpp_config_new(mpp_simulator_access_token(SIM), &cfg, &e), &e);
    CHECK_OK(mpp_config_set_base_url(cfg, mpp_simulator_base_url(SIM), &e), &e);
    CHECK_OK(mpp_config_set_webhook_secret(cfg, mpp_simulator_webhook_secret(SIM), &e), &e);
    CHECK_OK(mpp_client_new(cfg, &client, &e), &e);
    mpp_config_free(cfg);
    intent = create_on(client, POS2, "10.44"); /* .44: held on the terminal until a card */
    if (intent == NULL) return;
    snprintf(query, sizeof query, "data.id=%s&type=point_integration_wh", mpp_intent_id(intent));
    snprintf(body, sizeof body, "{\"data\":{\"id\":\"%s\",\"status\":\"CLOSED\"}}", mpp_intent_id(intent));
    CHECK_OK(mpp_webhook_sign(mpp_simulator_webhook_secret(SIM), mpp_intent_id(intent), "rid-1", (uint64_t)time(NULL), &sig, &e), &e);
    CHECK_OK(mpp_webhook_sign("not the secret", mpp_intent_id(intent), "rid-1", (uint64_t)time(NULL), &forged, &e), &e);
    args.client = client;
    args.intent_id = mpp_intent_id(intent);
    args.rc = MPP_RESULT_PANIC;
    pthread_create(&t, NULL, default_waiter, &args);
    CHECK_OK(mpp_simulator_present_card(SIM, mpp_intent_id(intent), MPP_CARD_OUTCOME_APPROVED, &e), &e);
    {
        /* Mercado Pago notifies once the intent has ended: wait for that with another client. */
        mpp_wait_options *quick = quick_wait(30000);
        mpp_intent *ended = NULL;
        CHECK_OK(mpp_intent_wait(CLIENT, mpp_intent_id(intent), quick, &ended, &e), &e);
        mpp_intent_free(ended);
        mpp_wait_options_free(quick);
    }
    /* A forged delivery: refused, wakes nothing, nothing written. */
    values[0] = forged;
    values[1] = "rid-1";
    CHECK_RC(MPP_RESULT_INVALID_SIGNATURE,
             mpp_client_handle_webhook(client, names, values, 2, query, (const uint8_t *)body, strlen(body), &note, &woken, &reason, &e), &e);
    CHECK(reason == MPP_WEBHOOK_FAILURE_SIGNATURE_MISMATCH);
    CHECK(woken == 99 && note == NULL);
    reset_error(&e);
    /* The signed one, handed until the waiting thread has registered (duplicates are harmless):
     * it wakes the wait, which reads the intent at once instead of in 15 s. */
    values[0] = sig;
    do {
        woken = 0;
        CHECK_OK(mpp_client_handle_webhook(client, names, values, 2, query, (const uint8_t *)body, strlen(body), NULL, &woken, &reason, &e), &e);
        if (woken == 0) sleep_ms(5);
    } while (woken == 0 && ++tries < 6000);
    CHECK(woken == 1);
    CHECK(reason == MPP_WEBHOOK_FAILURE_NONE);
    pthread_join(t, NULL);
    CHECK(args.rc == MPP_RESULT_OK);
    CHECK(args.status == MPP_STATUS_CLOSED);
    mpp_string_free(sig);
    mpp_string_free(forged);
    mpp_intent_free(intent);
    mpp_client_free(client);
}

static void test_wait_canceled_from_another_thread(void) {
    mpp_intent *intent = create_on(CLIENT, POS1, "10.99");
    mpp_intent *out = (mpp_intent *)SENTINEL;
    mpp_sale *sale = (mpp_sale *)SENTINEL;
    mpp_wait_options *wo = quick_wait(600000);
    mpp_cancel_token *token = NULL;
    mpp_error *e = NULL;
    pthread_t t;
    canceler_args args;
    double started, took;
    mpp_intent_request *req = request("10.99", "canceled charge");

    CHECK_OK(mpp_cancel_token_new(&token, &e), &e);
    CHECK(!mpp_cancel_token_is_canceled(token));
    CHECK_OK(mpp_wait_options_set_cancel_token(wo, token, &e), &e);
    args.token = token;
    args.delay_ms = 300;
    started = now_ms();
    pthread_create(&t, NULL, canceler, &args);
    CHECK_RC(MPP_RESULT_CANCELED, mpp_intent_wait(CLIENT, mpp_intent_id(intent), wo, &out, &e), &e);
    took = now_ms() - started;
    pthread_join(t, NULL);
    CHECK(took < 30000); /* it stopped, well before the 10-minute deadline */
    CHECK(mpp_cancel_token_is_canceled(token));
    CHECK(mpp_error_last_status(e) == MPP_STATUS_OPENED);
    CHECK_STR(mpp_error_intent_id(e), mpp_intent_id(intent));
    reset_error(&e);
    CHECK(out == (mpp_intent *)SENTINEL);
    cancel(mpp_intent_id(intent));
    mpp_intent_free(intent);

    /* a canceled token stops a charge too; the intent it created is named in the error */
    CHECK_RC(MPP_RESULT_CANCELED, mpp_charge(CLIENT, MPP_TARGET_POS, POS1, req, wo, &sale, &e), &e);
    CHECK(mpp_error_intent_id(e) != NULL);
    CHECK(mpp_error_idempotency_key(e) != NULL);
    if (mpp_error_intent_id(e)) cancel(mpp_error_intent_id(e));
    reset_error(&e);
    CHECK(sale == (mpp_sale *)SENTINEL);
    mpp_intent_request_free(req);
    mpp_wait_options_free(wo); /* the token outlives the options and vice versa */
    mpp_cancel_token_free(token);
}

static mpp_sale *charge(const char *target_id, uint32_t target, const char *amount, status_log *log) {
    mpp_intent_request *req = request(amount, "charge test");
    mpp_wait_options *wo = quick_wait(60000);
    mpp_sale *sale = NULL;
    mpp_error *e = NULL;
    if (log) CHECK_OK(mpp_wait_options_set_on_status(wo, on_status, log, &e), &e);
    CHECK_OK(mpp_charge(CLIENT, target, target_id, req, wo, &sale, &e), &e);
    mpp_error_free(e);
    mpp_wait_options_free(wo);
    mpp_intent_request_free(req);
    return sale;
}

static void test_charge_verdicts(void) {
    struct {
        const char *amount;
        mpp_verdict verdict;
        mpp_status status;
        size_t payments;
    } cases[] = {
        {"10.00", MPP_VERDICT_APPROVED, MPP_STATUS_CLOSED, 1},
        {"10.13", MPP_VERDICT_REJECTED, MPP_STATUS_CLOSED, 1},
        {"10.66", MPP_VERDICT_ERROR, MPP_STATUS_ERROR, 0},
        {"10.77", MPP_VERDICT_CONFIRMATION_REQUIRED, MPP_STATUS_CONFIRMATION_REQUIRED, 0},
        {"10.88", MPP_VERDICT_CANCELED, MPP_STATUS_CANCELED, 0},
    };
    size_t i;
    status_log log;
    mpp_error *e = NULL;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mpp_sale *sale;
        const mpp_intent *intent;
        memset(&log, 0, sizeof log);
        sale = charge(POS1, MPP_TARGET_POS, cases[i].amount, &log);
        CHECK(sale != NULL);
        if (sale == NULL) continue;
        intent = mpp_sale_intent(sale);
        CHECK(mpp_sale_verdict(sale) == cases[i].verdict);
        CHECK(mpp_sale_is_paid(sale) == (cases[i].verdict == MPP_VERDICT_APPROVED));
        CHECK(mpp_intent_status(intent) == cases[i].status);
        CHECK(mpp_sale_payment_count(sale) == cases[i].payments);
        CHECK_STR(mpp_sale_amount_str(sale), cases[i].amount);
        CHECK(mpp_sale_amount_cents(sale) == mpp_intent_amount_cents(intent));
        CHECK(mpp_sale_reason(sale) != NULL && strlen(mpp_sale_reason(sale)) > 0);
        CHECK(mpp_intent_idempotency_key(intent) != NULL);
        CHECK(log.count >= 2);
        CHECK_STR(log.seen[0], "OPENED"); /* told right after the create */
        CHECK_STR(log.seen[log.count - 1], mpp_status_str(cases[i].status));
        if (cases[i].verdict == MPP_VERDICT_APPROVED) {
            const mpp_payment *p = mpp_sale_approved_payment(sale);
            char *json = NULL;
            CHECK(p != NULL && p == mpp_sale_payment(sale, 0));
            CHECK(mpp_payment_is_approved(p));
            CHECK(mpp_payment_id(p) == mpp_intent_payment_id(intent, 0));
            CHECK(mpp_payment_amount_cents(p) == 1000);
            CHECK_STR(mpp_payment_amount_str(p), "10.00");
            CHECK_OK(mpp_sale_to_json(sale, &json, &e), &e);
            CHECK_CONTAINS(json, "\"verdict\":\"APPROVED\"");
            CHECK_CONTAINS(json, "\"payments\":[{");
            mpp_string_free(json);
        } else {
            CHECK(mpp_sale_approved_payment(sale) == NULL);
        }
        if (cases[i].verdict == MPP_VERDICT_REJECTED) {
            CHECK(mpp_payment_status(mpp_sale_payment(sale, 0)) == MPP_PAYMENT_STATUS_REJECTED);
            CHECK_STR(mpp_payment_status_str(mpp_sale_payment(sale, 0)), "rejected");
        }
        CHECK(mpp_sale_payment(sale, 5) == NULL);
        mpp_sale_free(sale);
    }
    /* a charge on a device, by id */
    {
        mpp_sale *sale = charge(DEVICE1, MPP_TARGET_DEVICE, "3.50", NULL);
        CHECK(mpp_sale_verdict(sale) == MPP_VERDICT_APPROVED);
        mpp_sale_free(sale);
    }
    /* an unknown target kind */
    {
        mpp_intent_request *req = request("1.00", "bad target");
        mpp_sale *sale = (mpp_sale *)SENTINEL;
        CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_charge(CLIENT, 3, POS1, req, NULL, &sale, &e), &e);
        CHECK_STR(mpp_error_field(e), "target");
        reset_error(&e);
        CHECK(sale == (mpp_sale *)SENTINEL);
        mpp_intent_request_free(req);
    }
}

static void test_payments_and_refunds(void) {
    mpp_sale *sale = charge(POS2, MPP_TARGET_POS, "25.00", NULL);
    const mpp_payment *sold = mpp_sale_approved_payment(sale);
    uint64_t id = mpp_payment_id(sold);
    mpp_payment *p = NULL;
    mpp_refund *r = NULL;
    mpp_error *e = NULL;
    char *json = NULL;

    CHECK(id != 0);
    CHECK_OK(mpp_payment_get(CLIENT, id, &p, &e), &e);
    CHECK(mpp_payment_id(p) == id);
    CHECK(mpp_payment_status(p) == MPP_PAYMENT_STATUS_APPROVED);
    CHECK_STR(mpp_payment_status_str(p), "approved");
    CHECK(mpp_payment_amount_cents(p) == 2500);
    CHECK_STR(mpp_payment_amount_str(p), "25.00");
    CHECK_STR(mpp_payment_currency_id(p), "BRL");
    CHECK(mpp_payment_method_id(p) != NULL);
    CHECK(mpp_payment_date_created(p) != NULL);
    CHECK_OK(mpp_payment_to_json(p, &json, &e), &e);
    CHECK_CONTAINS(json, "\"status\":\"approved\"");
    mpp_string_free(json);
    json = NULL;
    mpp_payment_free(p);
    p = NULL;

    CHECK_OK(mpp_payment_refund(CLIENT, id, "5.00", NULL, &r, &e), &e);
    CHECK(mpp_refund_id(r) != 0);
    CHECK(mpp_refund_payment_id(r) == id);
    CHECK(mpp_refund_amount_cents(r) == 500);
    CHECK_STR(mpp_refund_amount_str(r), "5.00");
    CHECK_OK(mpp_refund_to_json(r, &json, &e), &e);
    CHECK_CONTAINS(json, "\"amount\":");
    mpp_string_free(json);
    mpp_refund_free(r);
    r = NULL;
    CHECK_OK(mpp_payment_get(CLIENT, id, &p, &e), &e);
    CHECK(mpp_payment_refunded_cents(p) == 500);
    CHECK_STR(mpp_payment_refunded_str(p), "5.00");
    mpp_payment_free(p);
    p = NULL;
    /* the rest, with a chosen key */
    CHECK_OK(mpp_payment_refund(CLIENT, id, NULL, "refund-key-c-1", &r, &e), &e);
    CHECK(mpp_refund_id(r) != 0);
    mpp_refund_free(r);
    r = (mpp_refund *)SENTINEL;
    CHECK_RC(MPP_RESULT_INVALID_AMOUNT, mpp_payment_refund(CLIENT, id, "1,00", NULL, &r, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_payment_refund(CLIENT, id, NULL, "has space", &r, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_NOT_FOUND, mpp_payment_refund(CLIENT, 987654321, NULL, NULL, &r, &e), &e);
    reset_error(&e);
    CHECK(r == (mpp_refund *)SENTINEL);
    mpp_sale_free(sale);
}

static void test_simulator_controls(void) {
    mpp_error *e = NULL;
    mpp_intent *held = create_on(CLIENT, POS2, "20.44");
    mpp_intent *final_intent = NULL;
    mpp_wait_options *wo = quick_wait(60000);
    mpp_sale *sale = NULL;
    char *json = NULL;

    /* .44 waits on the terminal for a control call */
    CHECK(await_status(mpp_intent_id(held), MPP_STATUS_ON_TERMINAL));
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_simulator_present_card(SIM, mpp_intent_id(held), 0, &e), &e);
    reset_error(&e);
    CHECK_OK(mpp_simulator_present_card(SIM, mpp_intent_id(held), MPP_CARD_OUTCOME_REJECTED, &e), &e);
    CHECK_OK(mpp_intent_wait(CLIENT, mpp_intent_id(held), wo, &final_intent, &e), &e);
    CHECK_OK(mpp_sale_for(CLIENT, mpp_intent_id(final_intent), &sale, &e), &e);
    CHECK(mpp_sale_verdict(sale) == MPP_VERDICT_REJECTED);
    mpp_sale_free(sale);
    sale = NULL;
    mpp_intent_free(final_intent);
    final_intent = NULL;
    /* once final, the terminal cannot take a card */
    CHECK_RC(MPP_RESULT_CONFLICT, mpp_simulator_present_card(SIM, mpp_intent_id(held), MPP_CARD_OUTCOME_APPROVED, &e), &e);
    reset_error(&e);
    mpp_intent_free(held);

    /* hold any intent, then cancel it on the terminal */
    held = create_on(CLIENT, POS2, "20.00");
    CHECK_OK(mpp_simulator_hold_on_terminal(SIM, mpp_intent_id(held), &e), &e);
    CHECK(await_status(mpp_intent_id(held), MPP_STATUS_ON_TERMINAL));
    CHECK_OK(mpp_simulator_cancel_on_terminal(SIM, mpp_intent_id(held), &e), &e);
    CHECK_OK(mpp_intent_wait(CLIENT, mpp_intent_id(held), wo, &final_intent, &e), &e);
    CHECK(mpp_intent_status(final_intent) == MPP_STATUS_CANCELED);
    mpp_intent_free(final_intent);
    mpp_intent_free(held);

    /* the documented 403s on request, then back to normal */
    {
        mpp_device_list *list = NULL;
        CHECK_OK(mpp_simulator_set_forbidden_json(SIM, "{\"integrator_not_registered\": true, \"user_not_logged_in\": [\"" DEVICE1 "\"]}", &e), &e);
        CHECK_RC(MPP_RESULT_FORBIDDEN, mpp_devices_list(CLIENT, NULL, NULL, 0, 0, &list, &e), &e);
        CHECK(mpp_error_http_status(e) == 403);
        reset_error(&e);
        CHECK(list == NULL);
        CHECK_RC(MPP_RESULT_FORBIDDEN, mpp_device_set_mode(CLIENT, DEVICE1, MPP_OPERATING_MODE_PDV, NULL, &e), &e);
        reset_error(&e);
        CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_simulator_set_forbidden_json(SIM, "[1]", &e), &e);
        CHECK_STR(mpp_error_field(e), "forbidden_json");
        reset_error(&e);
        CHECK_OK(mpp_simulator_set_forbidden_json(SIM, "{}", &e), &e);
        CHECK_OK(mpp_devices_list(CLIENT, NULL, NULL, 0, 0, &list, &e), &e);
        mpp_device_list_free(list);
        CHECK_RC(MPP_RESULT_NULL_ARGUMENT, mpp_simulator_set_forbidden_json(SIM, NULL, &e), &e);
        reset_error(&e);
    }
    /* a device restart (its mode is already the API's: nothing changes); unknown: NOT_FOUND */
    CHECK_OK(mpp_simulator_restart_device(SIM, DEVICE1, &e), &e);
    CHECK_RC(MPP_RESULT_NOT_FOUND, mpp_simulator_restart_device(SIM, "NOPE", &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_NULL_ARGUMENT, mpp_simulator_restart_device(NULL, DEVICE1, &e), &e);
    reset_error(&e);

    CHECK_RC(MPP_RESULT_NOT_FOUND, mpp_simulator_present_card(SIM, "no-such-intent", MPP_CARD_OUTCOME_APPROVED, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_simulator_set_faults_json(SIM, "[{\"kind\":{\"type\":\"Nope\"}}]", &e), &e);
    reset_error(&e);
    CHECK_OK(mpp_simulator_set_faults_json(SIM, "[]", &e), &e);
    CHECK_OK(mpp_simulator_set_webhook_urls(SIM, NULL, 0, &e), &e);
    CHECK_OK(mpp_simulator_counters_json(SIM, &json, &e), &e);
    CHECK_CONTAINS(json, "\"intents_created\":");
    CHECK_CONTAINS(json, "\"GetIntent\":");
    mpp_string_free(json);
    CHECK_STR(mpp_simulator_access_token(SIM), "TEST-mppoint-simulator-token");
    CHECK(mpp_simulator_webhook_secret(SIM) != NULL);
    CHECK(mpp_simulator_ca_cert_pem(SIM) == NULL);
    CHECK(strncmp(mpp_simulator_base_url(SIM), "http://127.0.0.1:", 17) == 0);
    mpp_wait_options_free(wo);
}

static void test_simulator_start_options(void) {
    mpp_simulator_config *cfg = NULL;
    mpp_simulator *sim = (mpp_simulator *)SENTINEL, *tls = NULL;
    mpp_config *ccfg = NULL;
    mpp_client *client = NULL;
    mpp_device_list *list = NULL;
    mpp_error *e = NULL;

    CHECK_OK(mpp_simulator_config_new(&cfg, &e), &e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_simulator_config_set_bind(cfg, "not an address", &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_simulator_config_set_site(cfg, 0, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_simulator_config_add_device(cfg, "D", NULL, 99, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_simulator_config_set_faults_json(cfg, "{", &e), &e);
    reset_error(&e);
    CHECK_OK(mpp_simulator_config_set_time_factor(cfg, 0, &e), &e);
    CHECK_RC(MPP_RESULT_CONFIG, mpp_simulator_start(cfg, &sim, &e), &e);
    reset_error(&e);
    CHECK(sim == (mpp_simulator *)SENTINEL);
    mpp_simulator_config_free(cfg);

    /* TLS, a custom token and layout; the client trusts the simulator's certificate */
    CHECK_OK(mpp_simulator_config_new(&cfg, &e), &e);
    CHECK_OK(mpp_simulator_config_set_tls(cfg, true, &e), &e);
    CHECK_OK(mpp_simulator_config_set_access_token(cfg, "TEST-other-token", &e), &e);
    CHECK_OK(mpp_simulator_config_set_site(cfg, MPP_SITE_MLA, &e), &e);
    CHECK_OK(mpp_simulator_config_set_amount_limits(cfg, 100, 500000, &e), &e);
    CHECK_OK(mpp_simulator_config_set_webhook_secret(cfg, "whsec", &e), &e);
    CHECK_OK(mpp_simulator_config_add_webhook_url(cfg, "http://127.0.0.1:9/hook", &e), &e);
    CHECK_OK(mpp_simulator_config_set_honor_idempotency_keys(cfg, false, &e), &e);
    CHECK_OK(mpp_simulator_config_add_store(cfg, "77", "Second store", &e), &e);
    CHECK_OK(mpp_simulator_config_add_pos(cfg, 7701, "S77POS1", "77", &e), &e);
    CHECK_OK(mpp_simulator_config_add_device(cfg, "PAX_A910__S77", "S77POS1", MPP_OPERATING_MODE_PDV, &e), &e);
    CHECK_OK(mpp_simulator_config_set_faults_json(cfg, "[]", &e), &e);
    CHECK_OK(mpp_simulator_config_set_bind(cfg, "127.0.0.1:0", &e), &e);
    CHECK_OK(mpp_simulator_start(cfg, &tls, &e), &e);
    mpp_simulator_config_free(cfg);
    CHECK(strncmp(mpp_simulator_base_url(tls), "https://", 8) == 0);
    CHECK_CONTAINS(mpp_simulator_ca_cert_pem(tls), "BEGIN CERTIFICATE");
    CHECK_STR(mpp_simulator_webhook_secret(tls), "whsec");
    CHECK_OK(mpp_simulator_client_config(tls, &ccfg, &e), &e);
    CHECK_OK(mpp_client_new(ccfg, &client, &e), &e);
    CHECK_OK(mpp_devices_list(client, "77", NULL, 0, 0, &list, &e), &e);
    CHECK(mpp_device_list_count(list) == 1);
    CHECK_STR(mpp_device_id(mpp_device_list_get(list, 0)), "PAX_A910__S77");
    mpp_device_list_free(list);
    list = NULL;
    mpp_client_free(client);
    client = NULL;
    mpp_config_free(ccfg);
    /* without the certificate, TLS fails */
    CHECK_OK(mpp_config_new("TEST-other-token", &ccfg, &e), &e);
    CHECK_OK(mpp_config_set_base_url(ccfg, mpp_simulator_base_url(tls), &e), &e);
    CHECK_OK(mpp_config_set_retry(ccfg, 1, 1, 1, false, &e), &e);
    CHECK_OK(mpp_client_new(ccfg, &client, &e), &e);
    CHECK_RC(MPP_RESULT_NETWORK, mpp_devices_list(client, NULL, NULL, 0, 0, &list, &e), &e);
    reset_error(&e);
    mpp_client_free(client);
    /* with it added by hand, it works */
    CHECK_OK(mpp_config_add_root_certificate_pem(ccfg, mpp_simulator_ca_cert_pem(tls), &e), &e);
    CHECK_OK(mpp_client_new(ccfg, &client, &e), &e);
    CHECK_OK(mpp_devices_list(client, NULL, NULL, 0, 0, &list, &e), &e);
    mpp_device_list_free(list);
    mpp_client_free(client);
    mpp_config_free(ccfg);
    mpp_simulator_stop(tls);

    /* NULL config: the defaults */
    CHECK_OK(mpp_simulator_start(NULL, &sim, &e), &e);
    CHECK_STR(mpp_simulator_access_token(sim), "TEST-mppoint-simulator-token");
    mpp_simulator_stop(sim);
}

static void test_webhooks(void) {
    char path[1024];
    jnode *vectors, *mla, *mlb;
    const jnode *v;
    int cases = 0;
    mpp_error *e = NULL;
    char *sig = NULL;
    mpp_webhook_failure reason = MPP_WEBHOOK_FAILURE_MISSING_HASH;
    mpp_notification *n = NULL;
    size_t body_len = 0;
    char *body;
    const char *names[3];
    const char *values[3];

    /* The shared vectors: the same verdicts as every other language. */
    snprintf(path, sizeof path, "%s/signature_vectors.json", FIXTURES);
    vectors = j_parse_file(path);
    CHECK(vectors != NULL && vectors->type == JARR);
    for (v = vectors ? vectors->child : NULL; v != NULL; v = v->next) {
        const char *expect = j_str(v, "expect");
        double tolerance = j_num(v, "tolerance_secs", 0);
        double now = j_num(v, "now_unix_ms", 0);
        mpp_result rc;
        reason = (mpp_webhook_failure)99;
        rc = mpp_webhook_verify(j_str(v, "secret"), j_str(v, "x_signature"), j_str(v, "x_request_id"),
                                j_str(v, "data_id"), (uint64_t)(tolerance * 1000), (uint64_t)now,
                                &reason, &e);
        if (strcmp(expect, "OK") == 0) {
            if (!CHECK(rc == MPP_RESULT_OK && reason == MPP_WEBHOOK_FAILURE_NONE)) {
                fprintf(stderr, "     vector %s: %s\n", j_str(v, "name"), mpp_error_message(e));
            }
        } else {
            if (!CHECK(rc == MPP_RESULT_INVALID_SIGNATURE &&
                       strcmp(mpp_webhook_failure_str(reason), expect) == 0 &&
                       mpp_error_signature_failure(e) == reason)) {
                fprintf(stderr, "     vector %s: expected %s, got %s / %s\n", j_str(v, "name"),
                        expect, mpp_result_str(rc), mpp_webhook_failure_str(reason));
            }
        }
        reset_error(&e);
        cases++;
    }
    CHECK(cases >= 10);
    j_free(vectors);

    /* sign then verify; a wrong secret does not */
    CHECK_OK(mpp_webhook_sign("s3cret", "intent-1", "req-1", 1704908010, &sig, &e), &e);
    CHECK(strncmp(sig, "ts=1704908010,v1=", 17) == 0);
    CHECK_OK(mpp_webhook_verify("s3cret", sig, "req-1", "intent-1", 0, 0, &reason, &e), &e);
    CHECK(reason == MPP_WEBHOOK_FAILURE_NONE);
    CHECK_RC(MPP_RESULT_INVALID_SIGNATURE, mpp_webhook_verify("other", sig, "req-1", "intent-1", 0, 0, &reason, &e), &e);
    CHECK(reason == MPP_WEBHOOK_FAILURE_SIGNATURE_MISMATCH);
    CHECK_STR(mpp_error_request_id(e), "req-1");
    reset_error(&e);
    /* an empty or blank secret (an unset environment variable) is a configuration error */
    CHECK_RC(MPP_RESULT_CONFIG, mpp_webhook_verify("", sig, "req-1", "intent-1", 0, 0, &reason, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_CONFIG, mpp_webhook_verify("  ", sig, "req-1", "intent-1", 0, 0, &reason, &e), &e);
    reset_error(&e);
    /* too old for a 5-minute tolerance */
    CHECK_RC(MPP_RESULT_INVALID_SIGNATURE, mpp_webhook_verify("s3cret", sig, "req-1", "intent-1", 300000, 1704908010000ull + 3600000ull, &reason, &e), &e);
    CHECK(reason == MPP_WEBHOOK_FAILURE_TIMESTAMP_OUT_OF_TOLERANCE);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_SIGNATURE, mpp_webhook_verify("s3cret", NULL, "req-1", "intent-1", 0, 0, &reason, &e), &e);
    CHECK(reason == MPP_WEBHOOK_FAILURE_MISSING_HEADER);
    reset_error(&e);
    /* a failure that is not about the signature leaves the reason alone */
    reason = MPP_WEBHOOK_FAILURE_MISSING_HASH;
    CHECK_RC(MPP_RESULT_NULL_ARGUMENT, mpp_webhook_verify(NULL, sig, NULL, NULL, 0, 0, &reason, NULL), (mpp_error **)NULL);
    CHECK(reason == MPP_WEBHOOK_FAILURE_MISSING_HASH);

    /* the notification fixtures */
    snprintf(path, sizeof path, "%s/notification_mla.json", FIXTURES);
    body = j_read_file(path, &body_len);
    CHECK(body != NULL);
    mla = j_parse_file(path);
    CHECK_OK(mpp_webhook_parse((const uint8_t *)body, body_len, &n, &e), &e);
    if (n != NULL && mla != NULL) {
        const jnode *data = j_get(mla, "data");
        char key[256];
        CHECK_STR(mpp_notification_id(n), j_str(mla, "id"));
        CHECK_STR(mpp_notification_type(n), j_str(mla, "type"));
        CHECK_STR(mpp_notification_action(n), j_str(mla, "action"));
        CHECK_STR(mpp_intent_id(mpp_notification_intent(n)), j_str(data, "id"));
        CHECK_STR(mpp_intent_status_str(mpp_notification_intent(n)), j_str(data, "status"));
        CHECK(mpp_notification_status(n) == mpp_intent_status(mpp_notification_intent(n)));
        CHECK(mpp_notification_is_final(n) == mpp_status_is_final(mpp_notification_status(n)));
        snprintf(key, sizeof key, "%s:%s", j_str(data, "id"), j_str(data, "status"));
        CHECK_STR(mpp_notification_dedup_key(n), key);
        CHECK_STR(mpp_notification_date_created(n), j_str(mla, "date_created"));
        CHECK(mpp_notification_date_created_rfc3339(n) != NULL);
        CHECK(mpp_notification_live_mode(n) == (j_get(mla, "live_mode")->boolean ? 1 : 0));
        CHECK(mpp_notification_user_id(n) == (uint64_t)j_num(mla, "user_id", 0));
        CHECK_STR(mpp_notification_url(n), j_str(data, "url"));
        {
            char *json = NULL;
            CHECK_OK(mpp_notification_to_json(n, &json, &e), &e);
            CHECK_CONTAINS(json, j_str(data, "id"));
            mpp_string_free(json);
        }
    }
    mpp_notification_free(n);
    n = NULL;

    /* verify_request: the whole request, as a web server hands it over */
    if (mla != NULL) {
        const char *intent_id = j_str(j_get(mla, "data"), "id");
        char query[512];
        char *request_sig = NULL;
        CHECK_OK(mpp_webhook_sign("whsec", intent_id, "req-42", 1704908010, &request_sig, &e), &e);
        snprintf(query, sizeof query, "data.id=%s&type=topic_instore_integration_wh", intent_id);
        names[0] = "Content-Type";
        values[0] = "application/json";
        names[1] = "X-Signature";
        values[1] = request_sig;
        names[2] = "X-Request-Id";
        values[2] = "req-42";
        reason = (mpp_webhook_failure)99;
        CHECK_OK(mpp_webhook_verify_request("whsec", names, values, 3, query, (const uint8_t *)body, body_len, 0, 0, &n, &reason, &e), &e);
        CHECK(reason == MPP_WEBHOOK_FAILURE_NONE);
        CHECK_STR(mpp_intent_id(mpp_notification_intent(n)), intent_id);
        mpp_notification_free(n);
        n = (mpp_notification *)SENTINEL;
        CHECK_RC(MPP_RESULT_INVALID_SIGNATURE, mpp_webhook_verify_request("wrong", names, values, 3, query, (const uint8_t *)body, body_len, 0, 0, &n, &reason, &e), &e);
        CHECK(reason == MPP_WEBHOOK_FAILURE_SIGNATURE_MISMATCH);
        reset_error(&e);
        /* signed for another intent than the body's */
        CHECK_RC(MPP_RESULT_INVALID_SIGNATURE, mpp_webhook_verify_request("whsec", names, values, 3, "data.id=another", (const uint8_t *)body, body_len, 0, 0, &n, &reason, &e), &e);
        reset_error(&e);
        CHECK(n == (mpp_notification *)SENTINEL);
        n = NULL;
        mpp_string_free(request_sig);
    }
    free(body);
    j_free(mla);

    snprintf(path, sizeof path, "%s/notification_mlb.json", FIXTURES);
    body = j_read_file(path, &body_len);
    mlb = j_parse_file(path);
    CHECK_OK(mpp_webhook_parse((const uint8_t *)body, body_len, &n, &e), &e);
    if (n != NULL && mlb != NULL) {
        CHECK_STR(mpp_intent_id(mpp_notification_intent(n)), j_str(j_get(mlb, "data"), "id"));
        CHECK_STR(mpp_intent_status_str(mpp_notification_intent(n)), j_str(j_get(mlb, "data"), "status"));
    }
    mpp_notification_free(n);
    n = (mpp_notification *)SENTINEL;
    free(body);
    j_free(mlb);

    /* bodies that are not notifications */
    CHECK_RC(MPP_RESULT_DECODE, mpp_webhook_parse((const uint8_t *)"{\"data\":", 8, &n, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_DECODE, mpp_webhook_parse((const uint8_t *)"\xff\xfe", 2, &n, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_DECODE, mpp_webhook_parse(NULL, 0, &n, &e), &e);
    reset_error(&e);
    CHECK(n == (mpp_notification *)SENTINEL);
    mpp_string_free(sig);
}

static void test_panic_is_caught(void) {
    mpp_error *e = NULL;
    CHECK_RC(MPP_RESULT_PANIC, mpp_test_panic(&e), &e);
    CHECK(mpp_error_code(e) == MPP_RESULT_PANIC);
    CHECK_CONTAINS(mpp_error_message(e), "deliberate panic");
    CHECK_STR(mpp_error_code_name(e), "PANIC");
    mpp_error_free(e);
    CHECK(mpp_test_panic(NULL) == MPP_RESULT_PANIC);
}

/* ---------------------------------------------------------------- the sale journal */

/* A client of the simulator whose sale journal is the file at `path`; NULL when it cannot be
   built (the error lands in *e). */
static mpp_client *journal_client_on(mpp_api api, const char *path, mpp_error **e) {
    mpp_config *cfg = NULL;
    mpp_client *client = NULL;
    mpp_result rc;
    CHECK_OK(mpp_config_new(mpp_simulator_access_token(SIM), &cfg, e), e);
    CHECK_OK(mpp_config_set_base_url(cfg, mpp_simulator_base_url(SIM), e), e);
    CHECK_OK(mpp_config_set_site(cfg, MPP_SITE_MLB, e), e);
    CHECK_OK(mpp_config_set_api(cfg, api, e), e);
    CHECK_OK(mpp_config_set_journal_retention_secs(cfg, 30 * 24 * 3600, e), e);
    rc = mpp_config_set_journal(cfg, path, e);
    if (rc == MPP_RESULT_OK) rc = mpp_client_new(cfg, &client, e);
    mpp_config_free(cfg);
    return rc == MPP_RESULT_OK ? client : NULL;
}

static mpp_client *journal_client(const char *path, mpp_error **e) {
    return journal_client_on(MPP_API_INTENTS, path, e);
}

/* One sale of `reference` through `client` (approved: the amount ends in .00). */
static mpp_sale *journal_charge(const mpp_client *client, const char *reference) {
    mpp_intent_request *req = NULL;
    mpp_wait_options *wo = quick_wait(60000);
    mpp_sale *sale = NULL;
    mpp_error *e = NULL;
    CHECK_OK(mpp_intent_request_new("10.00", "journal sale", reference, &req, &e), &e);
    CHECK_OK(mpp_charge(client, MPP_TARGET_POS, POS1, req, wo, &sale, &e), &e);
    mpp_error_free(e);
    mpp_wait_options_free(wo);
    mpp_intent_request_free(req);
    return sale;
}

static void test_journal(void) {
    char dir[256], path[512], notes[512];
    mpp_client *client, *again;
    mpp_sale *first, *second, *third;
    mpp_pending_sale_list *list = (mpp_pending_sale_list *)SENTINEL;
    const mpp_pending_sale *p;
    mpp_error *e = NULL;
    unsigned long long created;
    uint64_t payment_id = 0;
    bool settled = false;
    char *json = NULL;

    temp_folder(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/sales.journal", dir);
    client = journal_client(path, &e);
    CHECK(client != NULL);
    if (client == NULL) {
        reset_error(&e);
        remove_folder(dir);
        return;
    }

    /* A sale approved, then rung again with the same reference: the same sale, one create. */
    created = intents_created();
    first = journal_charge(client, "order-c-journal-1");
    CHECK(first != NULL && mpp_sale_verdict(first) == MPP_VERDICT_APPROVED);
    if (first != NULL && mpp_sale_approved_payment(first) != NULL) {
        payment_id = mpp_payment_id(mpp_sale_approved_payment(first));
    }
    CHECK(payment_id != 0);
    second = journal_charge(client, "order-c-journal-1");
    CHECK(second != NULL && mpp_sale_verdict(second) == MPP_VERDICT_APPROVED);
    CHECK(second != NULL && mpp_sale_approved_payment(second) != NULL &&
          mpp_payment_id(mpp_sale_approved_payment(second)) == payment_id);
    CHECK(first != NULL && second != NULL &&
          strcmp(mpp_intent_id(mpp_sale_intent(first)), mpp_intent_id(mpp_sale_intent(second))) == 0);
    CHECK(intents_created() == created + 1);

    /* After a restart (another client of the same file): still the same sale, no create. */
    again = journal_client(path, &e);
    CHECK(again != NULL);
    third = again != NULL ? journal_charge(again, "order-c-journal-1") : NULL;
    CHECK(third != NULL && mpp_sale_approved_payment(third) != NULL &&
          mpp_payment_id(mpp_sale_approved_payment(third)) == payment_id);
    CHECK(intents_created() == created + 1);

    /* It is pending until the POS books it. */
    CHECK_OK(mpp_pending_list(client, &list, &e), &e);
    CHECK(list != (mpp_pending_sale_list *)SENTINEL && mpp_pending_sale_list_count(list) == 1);
    p = mpp_pending_sale_list_get(list, 0);
    CHECK(p != NULL);
    CHECK_STR(mpp_pending_sale_reference(p), "order-c-journal-1");
    CHECK(mpp_pending_sale_is_paid(p));
    CHECK(mpp_pending_sale_payment_id(p) == payment_id);
    CHECK_STR(mpp_pending_sale_state(p), "FINAL");
    CHECK_STR(mpp_pending_sale_verdict_str(p), "APPROVED");
    CHECK_STR(mpp_pending_sale_amount_str(p), "10.00");
    CHECK(mpp_pending_sale_amount_cents(p) == 1000);
    CHECK_STR(mpp_pending_sale_api(p), "intents");
    CHECK_STR(mpp_pending_sale_target(p), "pos:" POS1);
    CHECK_STR(mpp_pending_sale_description(p), "journal sale");
    CHECK(mpp_pending_sale_attempt(p) == 1);
    CHECK(first != NULL && p != NULL &&
          strcmp(mpp_pending_sale_intent_id(p), mpp_intent_id(mpp_sale_intent(first))) == 0);
    CHECK(mpp_pending_sale_idempotency_key(p) != NULL);
    CHECK(mpp_pending_sale_note(p) == NULL);
    CHECK(mpp_pending_sale_created_at_ms(p) > 0 &&
          mpp_pending_sale_updated_at_ms(p) >= mpp_pending_sale_created_at_ms(p));
    CHECK(mpp_pending_sale_list_get(list, 1) == NULL);
    CHECK_OK(mpp_pending_sale_list_to_json(list, &json, &e), &e);
    CHECK_CONTAINS(json, "\"reference\":\"order-c-journal-1\"");
    CHECK_CONTAINS(json, "\"paid\":true");
    mpp_string_free(json);
    json = NULL;
    CHECK_OK(mpp_pending_sale_to_json(p, &json, &e), &e);
    CHECK_CONTAINS(json, "\"amount\":\"10.00\"");
    mpp_string_free(json);
    mpp_pending_sale_list_free(list);

    /* Booked once: settle says true, then false; then nothing is pending. */
    CHECK_OK(mpp_sale_settle(client, "order-c-journal-1", &settled, &e), &e);
    CHECK(settled);
    CHECK_OK(mpp_sale_settle(again, "order-c-journal-1", &settled, &e), &e);
    CHECK(!settled);
    CHECK_OK(mpp_sale_settle(client, "order-c-journal-1", NULL, &e), &e);
    list = NULL;
    CHECK_OK(mpp_pending_list(client, &list, &e), &e);
    CHECK(mpp_pending_sale_list_count(list) == 0);
    mpp_pending_sale_list_free(list);
    list = NULL;
    CHECK_OK(mpp_pending_resolve(client, MPP_APPROVED_POLICY_REPORT, NULL, &list, &e), &e);
    CHECK(mpp_pending_sale_list_count(list) == 0);
    mpp_pending_sale_list_free(list);
    list = (mpp_pending_sale_list *)SENTINEL;
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_pending_resolve(client, 9, NULL, &list, &e), &e);
    CHECK_STR(mpp_error_field(e), "approved_policy");
    CHECK(list == (mpp_pending_sale_list *)SENTINEL);
    reset_error(&e);

    /* A reference the journal does not have. */
    settled = true;
    CHECK_RC(MPP_RESULT_NOT_FOUND, mpp_sale_settle(client, "order-c-unknown", &settled, &e), &e);
    CHECK_CONTAINS(mpp_error_message(e), "is not in the journal");
    CHECK(settled);
    reset_error(&e);

    /* NULLs and bad text. */
    CHECK_RC(MPP_RESULT_NULL_ARGUMENT, mpp_pending_list(NULL, &list, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_NULL_ARGUMENT, mpp_pending_list(client, NULL, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_NULL_ARGUMENT, mpp_sale_settle(client, NULL, &settled, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_sale_settle(client, BAD_UTF8, &settled, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_NULL_ARGUMENT, mpp_pending_resolve(client, 0, NULL, NULL, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_NULL_ARGUMENT, mpp_config_set_journal(NULL, path, &e), &e);
    reset_error(&e);
    CHECK(mpp_pending_sale_list_count(NULL) == 0 && mpp_pending_sale_list_get(NULL, 0) == NULL);
    CHECK(mpp_pending_sale_reference(NULL) == NULL && !mpp_pending_sale_is_paid(NULL));
    CHECK(mpp_pending_sale_payment_id(NULL) == 0 && mpp_pending_sale_amount_cents(NULL) == 0);
    mpp_pending_sale_list_free(NULL);

    /* A client without a journal has no pending sales to list. */
    CHECK_RC(MPP_RESULT_CONFIG, mpp_pending_list(CLIENT, &list, &e), &e);
    CHECK_CONTAINS(mpp_error_message(e), "no sale journal");
    reset_error(&e);

    /* A bad journal path: a folder, a file that is not a journal. The message names the path. */
    CHECK(journal_client(dir, &e) == NULL);
    CHECK(mpp_error_code(e) == MPP_RESULT_JOURNAL);
    CHECK_STR(mpp_error_code_name(e), "JOURNAL");
    CHECK_CONTAINS(mpp_error_message(e), dir);
    CHECK_CONTAINS(mpp_error_message(e), "this is a folder");
    reset_error(&e);
    snprintf(notes, sizeof notes, "%s/notes.txt", dir);
    write_file(notes, "These are the shop's notes, not a sale journal.\n");
    CHECK(journal_client(notes, &e) == NULL);
    CHECK(mpp_error_code(e) == MPP_RESULT_JOURNAL);
    CHECK_CONTAINS(mpp_error_message(e), notes);
    CHECK_CONTAINS(mpp_error_message(e), "not a sale journal");
    reset_error(&e);

    mpp_sale_free(first);
    mpp_sale_free(second);
    mpp_sale_free(third);
    mpp_client_free(again);
    mpp_client_free(client);
    mpp_error_free(e);
    remove_folder(dir);
}

/* ---------------------------------------------------------------- the shared error table */

/* The input of a case as C takes it: `c_input` when the case has one, else `input`. */
static const jnode *c_input(const jnode *c) {
    const jnode *ci = j_get(c, "c_input");
    return ci != NULL ? ci : j_get(c, "input");
}

/* The status a checked status callback fails on (its user_data). */
static int32_t fail_on_status(const char *status, void *user_data) {
    return strcmp(status, (const char *)user_data) == 0 ? 1 : 0;
}

/* The table's status_callback operation: a charge, or a create and a wait, whose checked status
 * callback returns 1 when told in->fail_on, against a simulator of its own. Beyond the table's
 * checks, the error names the created intent (which the client can read) and says what the
 * callback returned. */
static mpp_result status_callback_case(const jnode *in, mpp_error **e) {
    mpp_simulator_config *scfg = NULL;
    mpp_simulator *sim = NULL;
    mpp_config *cfg = NULL;
    mpp_client *client = NULL;
    mpp_intent_request *req = NULL;
    mpp_wait_options *wo = NULL;
    mpp_result rc = mpp_simulator_config_new(&scfg, e);
    if (rc == MPP_RESULT_OK) rc = mpp_simulator_start(scfg, &sim, e);
    if (rc == MPP_RESULT_OK) rc = mpp_simulator_client_config(sim, &cfg, e);
    if (rc == MPP_RESULT_OK) rc = mpp_client_new(cfg, &client, e);
    if (rc == MPP_RESULT_OK)
        rc = mpp_intent_request_new(j_str(in, "amount"), "error table", j_str(in, "reference"), &req, e);
    if (rc == MPP_RESULT_OK) rc = mpp_wait_options_new(&wo, e);
    if (rc == MPP_RESULT_OK)
        rc = mpp_wait_options_set_on_status_checked(wo, fail_on_status, (void *)j_str(in, "fail_on"), e);
    if (rc == MPP_RESULT_OK && strcmp(j_str(in, "call"), "charge") == 0) {
        mpp_sale *sale = NULL;
        rc = mpp_charge(client, MPP_TARGET_POS, j_str(in, "pos"), req, wo, &sale, e);
        mpp_sale_free(sale);
    } else if (rc == MPP_RESULT_OK) {
        mpp_intent *created = NULL, *ended = NULL;
        rc = mpp_intent_create_for_pos(client, j_str(in, "pos"), req, &created, e);
        if (rc == MPP_RESULT_OK) rc = mpp_intent_wait(client, mpp_intent_id(created), wo, &ended, e);
        mpp_intent_free(created);
        mpp_intent_free(ended);
    }
    if (rc == MPP_RESULT_ABORTED && *e != NULL) {
        mpp_intent *left = NULL;
        mpp_error *e2 = NULL;
        CHECK(mpp_error_intent_id(*e) != NULL);
        CHECK_OK(mpp_intent_get(client, mpp_error_intent_id(*e), &left, &e2), &e2);
        CHECK_CONTAINS(mpp_error_message(*e), "it returned 1");
        mpp_intent_free(left);
    }
    mpp_wait_options_free(wo);
    mpp_intent_request_free(req);
    mpp_client_free(client);
    mpp_config_free(cfg);
    mpp_simulator_stop(sim);
    mpp_simulator_config_free(scfg);
    return rc;
}

/* Runs one operation of tests/fixtures/error_cases.json the way a C user would; the error (if
 * any) lands in *e and the result code is returned. */
static mpp_result run_error_case(const char *op, const jnode *in, mpp_error **e) {
    mpp_result rc = MPP_RESULT_OK;
    if (strcmp(op, "client") == 0 || strcmp(op, "get_intent") == 0) {
        int get = strcmp(op, "get_intent") == 0;
        const char *token = get ? "t" : j_str(in, "access_token");
        mpp_config *cfg = NULL;
        mpp_client *client = NULL;
        rc = mpp_config_new(token, &cfg, e);
        if (rc == MPP_RESULT_OK && j_get(in, "site") != NULL) {
            rc = mpp_config_set_site(cfg, (uint32_t)j_num(in, "site", 0), e);
        }
        if (rc == MPP_RESULT_OK && j_get(in, "attempts") != NULL) {
            rc = mpp_config_set_retry(cfg, (uint32_t)j_num(in, "attempts", 0), 250, 5000, true, e);
        }
        if (rc == MPP_RESULT_OK && j_str(in, "webhook_secret") != NULL) {
            rc = mpp_config_set_webhook_secret(cfg, j_str(in, "webhook_secret"), e);
        }
        if (rc == MPP_RESULT_OK && j_str(in, "journal") != NULL) {
            rc = mpp_config_set_journal(cfg, j_str(in, "journal"), e);
        }
        if (rc == MPP_RESULT_OK && (get || j_str(in, "base_url") != NULL)) {
            rc = mpp_config_set_base_url(cfg, get ? "http://127.0.0.1:9" : j_str(in, "base_url"), e);
        }
        if (rc == MPP_RESULT_OK && get) rc = mpp_config_set_retry(cfg, 1, 250, 5000, true, e);
        if (rc == MPP_RESULT_OK) rc = mpp_client_new(cfg, &client, e);
        if (rc == MPP_RESULT_OK && get) {
            mpp_intent *intent = NULL;
            rc = mpp_intent_get(client, j_str(in, "intent_id"), &intent, e);
            mpp_intent_free(intent);
        }
        mpp_client_free(client);
        mpp_config_free(cfg);
    } else if (strcmp(op, "amount") == 0) {
        int64_t cents = 0;
        const jnode *amount = j_get(in, "amount");
        if (amount != NULL && amount->type == JNUM)
            rc = mpp_amount_from_double(amount->num, &cents, e);
        else
            rc = mpp_amount_parse(j_str(in, "amount"), &cents, e);
    } else if (strcmp(op, "webhook_verify") == 0) {
        mpp_webhook_failure reason = MPP_WEBHOOK_FAILURE_NONE;
        rc = mpp_webhook_verify(j_str(in, "secret"), j_str(in, "x_signature"), j_str(in, "x_request_id"),
                                j_str(in, "data_id"), 0, 0, &reason, e);
    } else if (strcmp(op, "webhook_parse") == 0) {
        const char *body = j_str(in, "body");
        mpp_notification *n = NULL;
        rc = mpp_webhook_parse((const uint8_t *)body, strlen(body), &n, e);
        mpp_notification_free(n);
    } else if (strcmp(op, "handle_webhook") == 0) {
        mpp_config *cfg = NULL;
        mpp_client *client = NULL;
        const char *names[2], *values[2];
        size_t n = 0;
        const char *body = j_str(in, "body");
        rc = mpp_config_new("t", &cfg, e);
        if (rc == MPP_RESULT_OK) rc = mpp_config_set_base_url(cfg, "http://127.0.0.1:9", e);
        if (rc == MPP_RESULT_OK && j_str(in, "webhook_secret") != NULL) {
            rc = mpp_config_set_webhook_secret(cfg, j_str(in, "webhook_secret"), e);
        }
        if (rc == MPP_RESULT_OK) rc = mpp_client_new(cfg, &client, e);
        if (j_str(in, "x_signature") != NULL) { names[n] = "x-signature"; values[n++] = j_str(in, "x_signature"); }
        if (j_str(in, "x_request_id") != NULL) { names[n] = "x-request-id"; values[n++] = j_str(in, "x_request_id"); }
        if (rc == MPP_RESULT_OK) {
            rc = mpp_client_handle_webhook(client, names, values, n, j_str(in, "query"), (const uint8_t *)body,
                                           strlen(body), NULL, NULL, NULL, e);
        }
        mpp_client_free(client);
        mpp_config_free(cfg);
    } else if (strcmp(op, "journal") == 0) {
        mpp_config *cfg = NULL;
        mpp_client *client = NULL;
        const char *content = j_str(in, "file");
        const char *call = j_str(in, "call");
        char dir[256], path[512];
        temp_folder(dir, sizeof dir);
        snprintf(path, sizeof path, "%s/sales.journal", dir);
        rc = mpp_config_new("t", &cfg, e);
        if (rc == MPP_RESULT_OK) rc = mpp_config_set_base_url(cfg, "http://127.0.0.1:9", e);
        if (rc == MPP_RESULT_OK) rc = mpp_config_set_retry(cfg, 1, 250, 5000, true, e);
        if (rc == MPP_RESULT_OK && content != NULL) {
            if (content[0] != '\0') write_file(path, content);
            rc = mpp_config_set_journal(cfg, path, e);
        }
        if (rc == MPP_RESULT_OK) rc = mpp_client_new(cfg, &client, e);
        if (rc == MPP_RESULT_OK && strcmp(call, "pending") == 0) {
            mpp_pending_sale_list *list = NULL;
            rc = mpp_pending_list(client, &list, e);
            mpp_pending_sale_list_free(list);
        } else if (rc == MPP_RESULT_OK && strcmp(call, "settle") == 0) {
            bool settled = false;
            rc = mpp_sale_settle(client, j_str(in, "reference"), &settled, e);
        }
        mpp_client_free(client);
        mpp_config_free(cfg);
        remove_folder(dir);
    } else if (strcmp(op, "print") == 0) {
        mpp_config *cfg = NULL;
        mpp_client *client = NULL;
        mpp_print_action *action = NULL;
        rc = mpp_config_new("t", &cfg, e);
        if (rc == MPP_RESULT_OK) rc = mpp_config_set_base_url(cfg, "http://127.0.0.1:9", e);
        if (rc == MPP_RESULT_OK) rc = mpp_config_set_retry(cfg, 1, 250, 5000, true, e);
        if (rc == MPP_RESULT_OK) rc = mpp_client_new(cfg, &client, e);
        if (rc == MPP_RESULT_OK) {
            rc = mpp_client_print_tagged(client, j_str(in, "terminal_id"), j_str(in, "external_reference"),
                                         j_str(in, "tagged"), NULL, &action, e);
        }
        mpp_print_action_free(action);
        mpp_client_free(client);
        mpp_config_free(cfg);
    } else if (strcmp(op, "sandbox") == 0) {
        mpp_config *cfg = NULL;
        mpp_client *client = NULL;
        rc = mpp_config_new(j_str(in, "access_token"), &cfg, e);
        if (rc == MPP_RESULT_OK) rc = mpp_config_set_base_url(cfg, "http://127.0.0.1:9", e);
        if (rc == MPP_RESULT_OK) rc = mpp_config_set_retry(cfg, 1, 250, 5000, true, e);
        if (rc == MPP_RESULT_OK) rc = mpp_client_new(cfg, &client, e);
        if (rc == MPP_RESULT_OK) {
            rc = mpp_client_simulate_order_event(client, j_str(in, "order_id"), j_str(in, "status"), NULL, NULL,
                                                 NULL, 0, e);
        }
        mpp_client_free(client);
        mpp_config_free(cfg);
    } else if (strcmp(op, "status_callback") == 0) {
        rc = status_callback_case(in, e);
    } else if (strcmp(op, "panic") == 0) {
        rc = mpp_test_panic(e);
    } else {
        fprintf(stderr, "unknown operation %s in error_cases.json\n", op);
    }
    return rc;
}

static void test_shared_error_table(void) {
    char path[1024];
    const jnode *c;
    jnode *table;
    int cases = 0;
    snprintf(path, sizeof path, "%s/error_cases.json", FIXTURES);
    table = j_parse_file(path);
    CHECK(table != NULL && j_get(table, "cases") != NULL);
    for (c = table ? j_get(table, "cases")->child : NULL; c != NULL; c = c->next) {
        const char *name = j_str(c, "name");
        const char *field = j_str(c, "field");
        const char *failure = j_str(c, "signature_failure");
        mpp_error *e = NULL;
        mpp_result rc = run_error_case(j_str(c, "op"), c_input(c), &e);
        int ok = rc != MPP_RESULT_OK && e != NULL &&
                 strcmp(mpp_result_str(rc), j_str(c, "code")) == 0 &&
                 strcmp(mpp_error_code_name(e), j_str(c, "code")) == 0 &&
                 strstr(mpp_error_message(e), j_str(c, "message")) != NULL;
        if (ok && field != NULL) ok = mpp_error_field(e) != NULL && strcmp(mpp_error_field(e), field) == 0;
        if (ok) {
            const char *got = mpp_error_signature_failure(e) == MPP_WEBHOOK_FAILURE_NONE
                                  ? NULL
                                  : mpp_webhook_failure_str(mpp_error_signature_failure(e));
            ok = failure == NULL ? got == NULL : got != NULL && strcmp(got, failure) == 0;
        }
        if (!CHECK(ok)) {
            fprintf(stderr, "     case %s: got %s: %s\n", name, mpp_result_str(rc), error_text(&e));
        }
        mpp_error_free(e);
        cases++;
    }
    CHECK(cases >= 10);
    j_free(table);
}

typedef struct {
    int index;
    int ok_sales;
    int ok_reads;
    status_log log;
} worker_args;

static void *worker(void *arg) {
    worker_args *w = (worker_args *)arg;
    char pos[32], amount[16];
    int round;
    snprintf(pos, sizeof pos, "SUC002POS%02d", w->index);
    for (round = 0; round < 2; round++) {
        mpp_intent_request *req = NULL;
        mpp_wait_options *wo = NULL;
        mpp_sale *sale = NULL;
        mpp_error *e = NULL;
        mpp_intent *again = NULL;
        mpp_device_list *list = NULL;
        snprintf(amount, sizeof amount, "%d.%02d", 1 + w->index, 10 + round);
        CHECK_OK(mpp_intent_request_new(amount, "threaded sale", "order-threads", &req, &e), &e);
        CHECK_OK(mpp_wait_options_new(&wo, &e), &e);
        CHECK_OK(mpp_wait_options_set_poll_interval_ms(wo, 20, &e), &e);
        CHECK_OK(mpp_wait_options_set_on_status(wo, on_status, &w->log, &e), &e);
        CHECK_OK(mpp_charge(CLIENT, MPP_TARGET_POS, pos, req, wo, &sale, &e), &e);
        if (sale && mpp_sale_verdict(sale) == MPP_VERDICT_APPROVED &&
            strcmp(mpp_sale_amount_str(sale), amount) == 0) {
            w->ok_sales++;
        }
        if (sale && mpp_intent_get(CLIENT, mpp_intent_id(mpp_sale_intent(sale)), &again, &e) == MPP_RESULT_OK &&
            strcmp(mpp_intent_id(again), mpp_intent_id(mpp_sale_intent(sale))) == 0) {
            w->ok_reads++;
        }
        if (mpp_devices_list(CLIENT, NULL, NULL, 0, 0, &list, &e) == MPP_RESULT_OK &&
            mpp_device_list_count(list) == 3 + THREADS) {
            w->ok_reads++;
        }
        mpp_device_list_free(list);
        mpp_intent_free(again);
        mpp_sale_free(sale);
        mpp_wait_options_free(wo);
        mpp_intent_request_free(req);
        mpp_error_free(e);
    }
    return NULL;
}

static void test_sixteen_threads_share_one_client(void) {
    pthread_t threads[THREADS];
    worker_args args[THREADS];
    int i, sales = 0, reads = 0, told = 1;
    memset(args, 0, sizeof args);
    for (i = 0; i < THREADS; i++) {
        args[i].index = i + 1;
        pthread_create(&threads[i], NULL, worker, &args[i]);
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        sales += args[i].ok_sales;
        reads += args[i].ok_reads;
        told &= args[i].log.count >= 4 && strcmp(args[i].log.seen[args[i].log.count - 1], "CLOSED") == 0;
    }
    CHECK(sales == THREADS * 2);
    CHECK(reads == THREADS * 4);
    CHECK(told); /* each thread's callback got its own user_data */
}

/* ---------------------------------------------------------------- what Mercado Pago added to Point */

/* A counter of the simulator's counters JSON (`"name":N`), 0 when absent. */
static unsigned long long counter(const char *name) {
    char *json = counters(), key[64];
    const char *at;
    unsigned long long n = 0;
    snprintf(key, sizeof key, "\"%s\":", name);
    at = json != NULL ? strstr(json, key) : NULL;
    if (at != NULL) n = strtoull(at + strlen(key), NULL, 10);
    mpp_string_free(json);
    return n;
}

/* Polls until the intent or order has `status` on `client` (or 60 s pass). */
static int await_status_on(const mpp_client *client, const char *id, mpp_status status) {
    const mpp_client *saved = CLIENT;
    int ok;
    CLIENT = (mpp_client *)client;
    ok = await_status(id, status);
    CLIENT = (mpp_client *)saved;
    return ok;
}

/* A whole sale on POS1 through `client`. */
static mpp_sale *charge_on(const mpp_client *client, const char *amount) {
    mpp_client *saved = CLIENT;
    mpp_sale *sale;
    CLIENT = (mpp_client *)client;
    sale = charge(POS1, MPP_TARGET_POS, amount, NULL);
    CLIENT = saved;
    return sale;
}

/* A client of the simulator `sim` on `api`. */
static mpp_client *client_of(const mpp_simulator *sim, uint32_t api) {
    mpp_config *cfg = NULL;
    mpp_client *client = NULL;
    mpp_error *e = NULL;
    CHECK_OK(mpp_simulator_client_config(sim, &cfg, &e), &e);
    CHECK_OK(mpp_config_set_site(cfg, MPP_SITE_MLB, &e), &e);
    CHECK_OK(mpp_config_set_api(cfg, api, &e), &e);
    CHECK_OK(mpp_client_new(cfg, &client, &e), &e);
    mpp_config_free(cfg);
    mpp_error_free(e);
    return client;
}

/* A client of the tests' simulator on `api`. */
static mpp_client *api_client(uint32_t api) { return client_of(SIM, api); }

/* Reads a print action until it has `status` or is final (or 60 s pass); gives the last status
   read, and sets *saw_on_terminal when ON_TERMINAL was read on the way. */
static mpp_print_status await_print(const mpp_client *client, const char *id, mpp_print_status status,
                                    int *saw_on_terminal) {
    double deadline = now_ms() + 60000;
    mpp_print_status s = MPP_PRINT_STATUS_NONE;
    while (now_ms() < deadline) {
        mpp_print_action *a = NULL;
        mpp_error *e = NULL;
        if (mpp_client_print_action(client, id, &a, &e) != MPP_RESULT_OK) {
            CHECK_OK(mpp_error_code(e), &e); /* reports the failure once */
            mpp_error_free(e);
            return MPP_PRINT_STATUS_NONE;
        }
        s = mpp_print_action_status(a);
        mpp_print_action_free(a);
        if (s == MPP_PRINT_STATUS_ON_TERMINAL && saw_on_terminal) *saw_on_terminal = 1;
        if (s == status || (s >= MPP_PRINT_STATUS_PROCESSED && s <= MPP_PRINT_STATUS_FAILED)) return s;
        sleep_ms(10);
    }
    return s;
}

static mpp_print_text *receipt(const char *customer) {
    mpp_print_text *t = NULL;
    mpp_error *e = NULL;
    CHECK_OK(mpp_print_text_new(&t, &e), &e);
    CHECK_OK(mpp_print_text_center_wide(t, "Loja Centro", &e), &e);
    CHECK_OK(mpp_print_text_line(t, "Sale 123: 25.00", &e), &e);
    CHECK_OK(mpp_print_text_bold(t, customer, &e), &e);
    CHECK_OK(mpp_print_text_wide(t, "TOTAL 25.00", &e), &e);
    CHECK_OK(mpp_print_text_small(t, "thank you", &e), &e);
    CHECK_OK(mpp_print_text_center(t, "centre", &e), &e);
    CHECK_OK(mpp_print_text_left(t, "left", &e), &e);
    CHECK_OK(mpp_print_text_text(t, "no break", &e), &e);
    CHECK_OK(mpp_print_text_blank(t, &e), &e);
    CHECK_OK(mpp_print_text_qr(t, "https://example.com/r/123", &e), &e);
    CHECK_OK(mpp_print_text_pdf417(t, "123456", &e), &e);
    mpp_error_free(e);
    return t;
}

static void test_print_actions(void) {
    mpp_print_text *t = receipt("Customer: {b}Ana{/b} }{");
    mpp_print_text *other = NULL, *huge = NULL;
    mpp_print_action *a = NULL, *again = NULL, *out = (mpp_print_action *)SENTINEL;
    mpp_error *e = NULL;
    char *tagged = NULL, *json = NULL;
    char id[128], key[128], padded[160];
    int saw_on_terminal = 0, i;
    unsigned long long before;
    uint8_t png[72] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const uint8_t gif[10] = {'G', 'I', 'F', '8', '9', 'a', 0, 0, 0, 0};
    uint8_t *big;

    /* the builder escapes the POS's text through the core: no tag from a customer's name */
    CHECK_OK(mpp_print_text_build(t, &tagged, &e), &e);
    CHECK_CONTAINS(tagged, "{center}{w}Loja Centro{/w}{/center}{br}");
    CHECK_CONTAINS(tagged, "{b}Customer: (b)Ana(/b) )({/b}{br}");
    CHECK_CONTAINS(tagged, "{qr}https://example.com/r/123{/qr}{br}");
    CHECK(tagged != NULL && strlen(tagged) >= 100);
    mpp_string_free(tagged);

    /* printed on a PDV terminal: created, then fetched, then processed, by itself */
    CHECK_OK(mpp_client_print_text(CLIENT, DEVICE1, "receipt-c-1", t, NULL, &a, &e), &e);
    CHECK(mpp_print_action_status(a) == MPP_PRINT_STATUS_CREATED);
    CHECK_STR(mpp_print_action_status_str(a), "created");
    CHECK(!mpp_print_action_is_final(a));
    CHECK_STR(mpp_print_action_terminal_id(a), DEVICE1);
    CHECK_STR(mpp_print_action_external_reference(a), "receipt-c-1");
    CHECK_STR(mpp_print_action_subtype(a), "custom");
    CHECK(mpp_print_action_idempotency_key(a) != NULL);
    CHECK_OK(mpp_print_action_to_json(a, &json, &e), &e);
    CHECK_CONTAINS(json, "\"status\":\"created\"");
    CHECK_CONTAINS(json, "\"terminal_id\":\"" DEVICE1 "\"");
    mpp_string_free(json);
    snprintf(id, sizeof id, "%s", mpp_print_action_id(a));
    snprintf(key, sizeof key, "%s", mpp_print_action_idempotency_key(a));
    mpp_print_action_free(a);
    CHECK(await_print(CLIENT, id, MPP_PRINT_STATUS_PROCESSED, NULL) == MPP_PRINT_STATUS_PROCESSED);
    /* printed already: no cancel */
    CHECK_RC(MPP_RESULT_CANNOT_CANCEL, mpp_client_cancel_print_action(CLIENT, id, &e), &e);
    reset_error(&e);
    /* the same key and receipt: the same action, never a second print */
    CHECK_OK(mpp_client_print_text(CLIENT, DEVICE1, "receipt-c-1", t, key, &again, &e), &e);
    CHECK_STR(mpp_print_action_id(again), id);
    mpp_print_action_free(again);
    /* the same key with another receipt */
    CHECK_OK(mpp_print_text_new(&other, &e), &e);
    CHECK_OK(mpp_print_text_line(other, "another receipt", &e), &e);
    CHECK_RC(MPP_RESULT_IDEMPOTENCY_KEY_MISMATCH, mpp_client_print_text(CLIENT, DEVICE1, "receipt-c-1", other, key, &out, &e), &e);
    reset_error(&e);
    CHECK(out == (mpp_print_action *)SENTINEL);

    /* a STANDALONE terminal never fetches it: it is canceled while created */
    CHECK_OK(mpp_client_print_text(CLIENT, DEVICE3, "receipt-c-2", other, NULL, &a, &e), &e);
    snprintf(id, sizeof id, "%s", a ? mpp_print_action_id(a) : "");
    mpp_print_action_free(a);
    CHECK_OK(mpp_client_cancel_print_action(CLIENT, id, &e), &e);
    CHECK(await_print(CLIENT, id, MPP_PRINT_STATUS_CANCELED, NULL) == MPP_PRINT_STATUS_CANCELED);

    /* on a simulator whose terminal takes 10 minutes to print: CREATED, then ON_TERMINAL (no
       cancel now), then printed when the simulator's control says */
    {
        mpp_simulator_config *scfg = NULL;
        mpp_simulator *slow = NULL;
        mpp_config *cfg = NULL;
        mpp_client *client = NULL;
        CHECK_OK(mpp_simulator_config_new(&scfg, &e), &e);
        CHECK_OK(mpp_simulator_config_set_pickup_delay_ms(scfg, 50, &e), &e);
        CHECK_OK(mpp_simulator_config_set_step_delay_ms(scfg, 600000, &e), &e);
        CHECK_OK(mpp_simulator_start(scfg, &slow, &e), &e);
        mpp_simulator_config_free(scfg);
        if (slow != NULL) {
            CHECK_OK(mpp_simulator_client_config(slow, &cfg, &e), &e);
            CHECK_OK(mpp_client_new(cfg, &client, &e), &e);
            mpp_config_free(cfg);
            CHECK_OK(mpp_client_print_text(client, DEVICE1, "receipt-c-3", other, NULL, &a, &e), &e);
            CHECK(mpp_print_action_status(a) == MPP_PRINT_STATUS_CREATED);
            snprintf(id, sizeof id, "%s", a ? mpp_print_action_id(a) : "");
            mpp_print_action_free(a);
            CHECK(await_print(client, id, MPP_PRINT_STATUS_ON_TERMINAL, &saw_on_terminal) == MPP_PRINT_STATUS_ON_TERMINAL);
            CHECK(saw_on_terminal);
            CHECK_RC(MPP_RESULT_CANNOT_CANCEL, mpp_client_cancel_print_action(client, id, &e), &e);
            reset_error(&e);
            CHECK_OK(mpp_simulator_hold_print(slow, id, &e), &e);
            CHECK_OK(mpp_simulator_finish_print(slow, id, MPP_PRINT_OUTCOME_PROCESSED, &e), &e);
            CHECK(await_print(client, id, MPP_PRINT_STATUS_PROCESSED, NULL) == MPP_PRINT_STATUS_PROCESSED);
            CHECK_RC(MPP_RESULT_CONFLICT, mpp_simulator_finish_print(slow, id, MPP_PRINT_OUTCOME_FAILED, &e), &e);
            reset_error(&e);
            CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_simulator_finish_print(slow, id, 9, &e), &e);
            CHECK_STR(mpp_error_field(e), "outcome");
            reset_error(&e);
            /* one the terminal could not print */
            CHECK_OK(mpp_client_print_text(client, DEVICE1, "receipt-c-5", other, NULL, &a, &e), &e);
            snprintf(id, sizeof id, "%s", a ? mpp_print_action_id(a) : "");
            mpp_print_action_free(a);
            CHECK_OK(mpp_simulator_finish_print(slow, id, MPP_PRINT_OUTCOME_FAILED, &e), &e);
            CHECK_OK(mpp_client_print_action(client, id, &a, &e), &e);
            CHECK(mpp_print_action_status(a) == MPP_PRINT_STATUS_FAILED);
            CHECK(mpp_print_action_is_final(a));
            mpp_print_action_free(a);
            mpp_client_free(client);
            mpp_simulator_stop(slow);
        }
    }

    /* the caller's own tagged text, checked as given */
    memset(padded, ' ', sizeof padded);
    memcpy(padded, "{b}Receipt{/b}{br}", strlen("{b}Receipt{/b}{br}"));
    padded[120] = '\0';
    CHECK_OK(mpp_client_print_tagged(CLIENT, DEVICE1, "receipt-c-4", padded, NULL, &a, &e), &e);
    CHECK_STR(mpp_print_action_subtype(a), "custom");
    mpp_print_action_free(a);

    /* an image: PNG bytes */
    CHECK_OK(mpp_client_print_image(CLIENT, DEVICE1, "img-c-1", png, sizeof png, NULL, &a, &e), &e);
    CHECK_STR(mpp_print_action_subtype(a), "image");
    CHECK(mpp_print_action_status(a) == MPP_PRINT_STATUS_CREATED);
    snprintf(id, sizeof id, "%s", a ? mpp_print_action_id(a) : "");
    mpp_print_action_free(a);
    CHECK(await_print(CLIENT, id, MPP_PRINT_STATUS_PROCESSED, NULL) == MPP_PRINT_STATUS_PROCESSED);

    /* refused before anything is sent, the field named */
    before = counter("unrouted_requests");
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_client_print_image(CLIENT, DEVICE1, "img-c-2", gif, sizeof gif, NULL, &out, &e), &e);
    CHECK_STR(mpp_error_field(e), "content");
    CHECK_CONTAINS(mpp_error_message(e), "PNG or JPEG");
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_client_print_image(CLIENT, DEVICE1, "img-c-2", png, 0, NULL, &out, &e), &e);
    reset_error(&e);
    big = (uint8_t *)calloc(750001, 1);
    CHECK(big != NULL);
    if (big != NULL) {
        memcpy(big, png, 8);
        /* 750,000 bytes at most: their Base64 fits the API's 1 MB */
        CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_client_print_image(CLIENT, DEVICE1, "img-c-3", big, 750001, NULL, &out, &e), &e);
        CHECK_CONTAINS(mpp_error_message(e), "1 MB");
        reset_error(&e);
        free(big);
    }
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_client_print_text(CLIENT, DEVICE1, "with space", t, NULL, &out, &e), &e);
    CHECK_STR(mpp_error_field(e), "external_reference");
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_client_print_text(CLIENT, "NOT-A-TERMINAL", "r", t, NULL, &out, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_client_print_tagged(CLIENT, DEVICE1, "r", "{b}short{/b}", NULL, &out, &e), &e);
    CHECK_CONTAINS(mpp_error_message(e), "100 to 4096 characters");
    reset_error(&e);
    CHECK_OK(mpp_print_text_new(&huge, &e), &e);
    for (i = 0; i < 100; i++) CHECK_OK(mpp_print_text_line(huge, "0123456789012345678901234567890123456789012345", &e), &e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_print_text_build(huge, &tagged, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_client_print_text(CLIENT, DEVICE1, "r", huge, NULL, &out, &e), &e);
    reset_error(&e);
    CHECK(counter("unrouted_requests") == before);
    CHECK(out == (mpp_print_action *)SENTINEL);
    CHECK_RC(MPP_RESULT_NOT_FOUND, mpp_client_print_action(CLIENT, "5ab1b6a3-0000-4000-8000-000000000000", &out, &e), &e);
    reset_error(&e);

    /* NULLs and UTF-8 */
    CHECK_NULL_ARG("out_text", mpp_print_text_new(NULL, err));
    CHECK_NULL_ARG("text", mpp_print_text_line(NULL, "x", err));
    CHECK_NULL_ARG("s", mpp_print_text_qr(t, NULL, err));
    CHECK_NULL_ARG("text", mpp_print_text_blank(NULL, err));
    CHECK_NULL_ARG("out_tagged", mpp_print_text_build(t, NULL, err));
    CHECK_NULL_ARG("client", mpp_client_print_text(NULL, DEVICE1, "r", t, NULL, &out, err));
    CHECK_NULL_ARG("terminal_id", mpp_client_print_text(CLIENT, NULL, "r", t, NULL, &out, err));
    CHECK_NULL_ARG("external_reference", mpp_client_print_text(CLIENT, DEVICE1, NULL, t, NULL, &out, err));
    CHECK_NULL_ARG("text", mpp_client_print_text(CLIENT, DEVICE1, "r", NULL, NULL, &out, err));
    CHECK_NULL_ARG("out_action", mpp_client_print_text(CLIENT, DEVICE1, "r", t, NULL, NULL, err));
    CHECK_NULL_ARG("tagged", mpp_client_print_tagged(CLIENT, DEVICE1, "r", NULL, NULL, &out, err));
    CHECK_NULL_ARG("bytes", mpp_client_print_image(CLIENT, DEVICE1, "r", NULL, 10, NULL, &out, err));
    CHECK_NULL_ARG("action_id", mpp_client_print_action(CLIENT, NULL, &out, err));
    CHECK_NULL_ARG("out_action", mpp_client_print_action(CLIENT, "id", NULL, err));
    CHECK_NULL_ARG("action_id", mpp_client_cancel_print_action(CLIENT, NULL, err));
    CHECK_NULL_ARG("action", mpp_print_action_to_json(NULL, &json, err));
    CHECK_NULL_ARG("action_id", mpp_simulator_finish_print(SIM, NULL, MPP_PRINT_OUTCOME_PROCESSED, err));
    CHECK_NULL_ARG("simulator", mpp_simulator_hold_print(NULL, "id", err));
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_print_text_line(t, BAD_UTF8, &e), &e);
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_client_print_text(CLIENT, DEVICE1, BAD_UTF8, t, NULL, &out, &e), &e);
    reset_error(&e);
    CHECK(out == (mpp_print_action *)SENTINEL);
    CHECK(mpp_print_action_id(NULL) == NULL);
    CHECK(mpp_print_action_status(NULL) == MPP_PRINT_STATUS_NONE);
    CHECK(mpp_print_action_status_str(NULL) == NULL);
    CHECK(!mpp_print_action_is_final(NULL));
    CHECK(mpp_print_action_terminal_id(NULL) == NULL);
    CHECK_STR(mpp_print_status_str(MPP_PRINT_STATUS_ON_TERMINAL), "on_terminal");
    CHECK(mpp_print_status_str(MPP_PRINT_STATUS_NONE) == NULL);
    CHECK(mpp_print_status_str(77) == NULL);
    mpp_print_text_free(NULL);
    mpp_print_action_free(NULL);

    mpp_print_text_free(huge);
    mpp_print_text_free(other);
    mpp_print_text_free(t);
    mpp_error_free(e);
}

/* Waits for an order to end and gives its sale. */
static mpp_sale *sale_when_final(const mpp_client *client, const char *id) {
    mpp_wait_options *wo = quick_wait(60000);
    mpp_intent *ended = NULL;
    mpp_sale *sale = NULL;
    mpp_error *e = NULL;
    CHECK_OK(mpp_intent_wait(client, id, wo, &ended, &e), &e);
    mpp_intent_free(ended);
    CHECK_OK(mpp_sale_for(client, id, &sale, &e), &e);
    mpp_wait_options_free(wo);
    mpp_error_free(e);
    return sale;
}

static void test_sandbox_events(void) {
    mpp_simulator_config *scfg = NULL;
    mpp_simulator *fast = NULL, *saved = SIM;
    mpp_client *orders = NULL, *prod = NULL, *test_user = NULL;
    mpp_config *cfg = NULL;
    mpp_intent *order = NULL;
    mpp_sale *sale = NULL;
    mpp_error *e = NULL;
    char id[128];
    unsigned long long before;

    /* the sandbox's "up to 10 s", divided by 100 */
    CHECK_OK(mpp_simulator_config_new(&scfg, &e), &e);
    CHECK_OK(mpp_simulator_config_set_time_factor(scfg, 100, &e), &e);
    CHECK_OK(mpp_simulator_start(scfg, &fast, &e), &e);
    mpp_simulator_config_free(scfg);
    if (fast == NULL) return;
    SIM = fast; /* counter() reads it */
    orders = client_of(fast, MPP_API_ORDERS);
    if (orders == NULL) return;
    /* an order the terminal never takes (.99): only the sandbox's event moves it */
    order = create_on(orders, POS1, "20.99");
    snprintf(id, sizeof id, "%s", order ? mpp_intent_id(order) : "");
    mpp_intent_free(order);

    /* a production token: SANDBOX_ONLY, nothing sent */
    CHECK_OK(mpp_config_new("APP_USR-123-production", &cfg, &e), &e);
    CHECK_OK(mpp_config_set_base_url(cfg, mpp_simulator_base_url(fast), &e), &e);
    CHECK_OK(mpp_config_set_api(cfg, MPP_API_ORDERS, &e), &e);
    CHECK_OK(mpp_client_new(cfg, &prod, &e), &e);
    before = counter("unrouted_requests");
    CHECK_RC(MPP_RESULT_SANDBOX_ONLY, mpp_client_simulate_order_event(prod, id, "processed", NULL, NULL, NULL, 0, &e), &e);
    CHECK_CONTAINS(mpp_error_message(e), "test credentials");
    CHECK_STR(mpp_error_intent_id(e), id);
    reset_error(&e);
    /* a test user's production token, declared: sent (and this simulator's token is another) */
    CHECK_RC(MPP_RESULT_NULL_ARGUMENT, mpp_config_set_test_account(NULL, true, &e), &e);
    reset_error(&e);
    CHECK_OK(mpp_config_set_test_account(cfg, true, &e), &e);
    CHECK_OK(mpp_client_new(cfg, &test_user, &e), &e);
    CHECK_RC(MPP_RESULT_UNAUTHORIZED, mpp_client_simulate_order_event(test_user, id, "processed", NULL, NULL, NULL, 0, &e), &e);
    reset_error(&e);
    mpp_client_free(test_user);
    mpp_config_free(cfg);
    mpp_client_free(prod);

    /* bad events are refused before anything is sent */
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_client_simulate_order_event(orders, id, "approved", NULL, NULL, NULL, 0, &e), &e);
    CHECK_STR(mpp_error_field(e), "status");
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_client_simulate_order_event(orders, id, "canceled", NULL, "visa", "credit_card", 0, &e), &e);
    CHECK_STR(mpp_error_field(e), "payment_method_id");
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_client_simulate_order_event(orders, id, "processed", "high_risk", NULL, NULL, 0, &e), &e);
    CHECK_STR(mpp_error_field(e), "status_detail");
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_client_simulate_order_event(orders, id, "processed", NULL, "visa", NULL, 0, &e), &e);
    CHECK_STR(mpp_error_field(e), "card_type");
    reset_error(&e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_client_simulate_order_event(orders, id, "processed", NULL, "debvisa", "debit_card", 3, &e), &e);
    CHECK_STR(mpp_error_field(e), "installments");
    reset_error(&e);
    CHECK_NULL_ARG("order_id", mpp_client_simulate_order_event(orders, NULL, "processed", NULL, NULL, NULL, 0, err));
    CHECK_NULL_ARG("status", mpp_client_simulate_order_event(orders, id, NULL, NULL, NULL, NULL, 0, err));
    CHECK_RC(MPP_RESULT_INVALID_UTF8, mpp_client_simulate_order_event(orders, id, "processed", BAD_UTF8, NULL, NULL, 0, &e), &e);
    reset_error(&e);
    CHECK(counter("unrouted_requests") == before);

    /* a test token: the order is paid through the sandbox's event alone */
    CHECK_OK(mpp_client_simulate_order_event(orders, id, "PROCESSED", "accredited", "visa", "credit_card", 3, &e), &e);
    sale = sale_when_final(orders, id);
    CHECK(sale != NULL && mpp_sale_verdict(sale) == MPP_VERDICT_APPROVED);
    mpp_sale_free(sale);

    /* a decline, with its detail */
    order = create_on(orders, POS1, "21.99");
    snprintf(id, sizeof id, "%s", order ? mpp_intent_id(order) : "");
    mpp_intent_free(order);
    CHECK_OK(mpp_client_simulate_order_event(orders, id, "failed", "insufficient_amount", "master", "credit_card", 0, &e), &e);
    sale = sale_when_final(orders, id);
    CHECK(sale != NULL && mpp_sale_verdict(sale) == MPP_VERDICT_REJECTED);
    CHECK(sale != NULL && !mpp_sale_is_paid(sale));
    mpp_sale_free(sale);

    mpp_client_free(orders);
    SIM = saved;
    mpp_simulator_stop(fast);
    mpp_error_free(e);
}

typedef struct {
    int calls;
    char holding[128];
    char first[128];
    int presented;
} busy_log;

/* The first sale's customer pays at last, on the second time the charge finds the terminal busy. */
static void on_busy(const char *holding_sale, void *user_data) {
    busy_log *log = (busy_log *)user_data;
    log->calls++;
    snprintf(log->holding, sizeof log->holding, "%s", holding_sale ? holding_sale : "(null)");
    if (log->calls == 2) {
        log->presented = mpp_simulator_present_card(SIM, log->first, MPP_CARD_OUTCOME_APPROVED, NULL) == MPP_RESULT_OK;
    }
}

static void test_busy_terminal(void) {
    uint32_t apis[2] = {MPP_API_INTENTS, MPP_API_ORDERS};
    size_t n;
    for (n = 0; n < 2; n++) {
        mpp_client *client = api_client(apis[n]);
        mpp_intent *first = NULL, *held = NULL, *out = (mpp_intent *)SENTINEL;
        mpp_intent_request *second = NULL;
        mpp_wait_options *wo = quick_wait(60000);
        mpp_sale *sale = NULL, *none = (mpp_sale *)SENTINEL;
        mpp_error *e = NULL;
        busy_log log;
        memset(&log, 0, sizeof log);
        /* another sale's reference: the first sale's is "order-c-1" */
        CHECK_OK(mpp_intent_request_new("9.00", "busy second", "busy-c-2", &second, &e), &e);
        if (client == NULL) continue;

        /* .44: held on the terminal until the simulator's control says */
        first = create_on(client, POS1, "8.44");
        snprintf(log.first, sizeof log.first, "%s", first ? mpp_intent_id(first) : "");
        CHECK_RC(MPP_RESULT_ALREADY_QUEUED, mpp_intent_create_for_pos(client, POS1, second, &out, &e), &e);
        CHECK_STR(mpp_error_holding_sale(e), log.first);
        reset_error(&e);
        CHECK(out == (mpp_intent *)SENTINEL);
        /* without when_busy a charge is ALREADY_QUEUED at once */
        CHECK_RC(MPP_RESULT_ALREADY_QUEUED, mpp_charge(client, MPP_TARGET_POS, POS1, second, wo, &none, &e), &e);
        CHECK_STR(mpp_error_holding_sale(e), log.first);
        reset_error(&e);

        /* with when_busy the charge waits for the first sale to end, then goes on */
        CHECK_OK(mpp_wait_options_set_when_busy_ms(wo, 30000, &e), &e);
        CHECK_OK(mpp_wait_options_set_on_busy(wo, on_busy, &log, &e), &e);
        CHECK_OK(mpp_charge(client, MPP_TARGET_POS, POS1, second, wo, &sale, &e), &e);
        CHECK(sale != NULL && mpp_sale_verdict(sale) == MPP_VERDICT_APPROVED);
        CHECK(log.calls >= 2 && log.presented);
        CHECK_STR(log.holding, log.first);
        mpp_sale_free(sale);

        /* bounded: a terminal that stays busy is ALREADY_QUEUED after the time given */
        held = create_on(client, POS1, "8.44");
        CHECK_OK(mpp_wait_options_set_on_busy(wo, NULL, NULL, &e), &e);
        CHECK_OK(mpp_wait_options_set_when_busy_ms(wo, 300, &e), &e);
        CHECK_RC(MPP_RESULT_ALREADY_QUEUED, mpp_charge(client, MPP_TARGET_POS, POS1, second, wo, &none, &e), &e);
        CHECK_STR(mpp_error_holding_sale(e), held ? mpp_intent_id(held) : "");
        reset_error(&e);
        CHECK(none == (mpp_sale *)SENTINEL);
        /* more than the longest wait is refused when the charge starts */
        CHECK_OK(mpp_wait_options_set_when_busy_ms(wo, 90000000ull, &e), &e);
        CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_charge(client, MPP_TARGET_POS, POS1, second, wo, &none, &e), &e);
        CHECK_STR(mpp_error_field(e), "when_busy");
        reset_error(&e);
        CHECK_NULL_ARG("options", mpp_wait_options_set_when_busy_ms(NULL, 1, err));
        CHECK_NULL_ARG("options", mpp_wait_options_set_on_busy(NULL, NULL, NULL, err));
        if (held) CHECK_OK(mpp_simulator_cancel_on_terminal(SIM, mpp_intent_id(held), &e), &e);
        if (held) CHECK(await_status_on(client, mpp_intent_id(held), MPP_STATUS_CANCELED));

        mpp_intent_free(held);
        mpp_intent_free(first);
        mpp_intent_request_free(second);
        mpp_wait_options_free(wo);
        mpp_client_free(client);
        mpp_error_free(e);
    }
    CHECK(mpp_error_holding_sale(NULL) == NULL);
}

static void test_tips(void) {
    mpp_client *orders = api_client(MPP_API_ORDERS);
    mpp_intent *held = NULL;
    mpp_sale *sale = NULL, *plain = NULL;
    mpp_error *e = NULL;
    char *json = NULL;
    char id[128];
    const mpp_payment *p;
    if (orders == NULL) return;

    /* an order that waits for a card; the customer adds a tip, then pays */
    held = create_on(orders, POS1, "20.44");
    snprintf(id, sizeof id, "%s", held ? mpp_intent_id(held) : "");
    mpp_intent_free(held);
    CHECK(await_status_on(orders, id, MPP_STATUS_ON_TERMINAL));
    CHECK_RC(MPP_RESULT_INVALID_AMOUNT, mpp_simulator_add_tip(SIM, id, "3,00", &e), &e);
    reset_error(&e);
    CHECK_NULL_ARG("tip", mpp_simulator_add_tip(SIM, id, NULL, err));
    CHECK_OK(mpp_simulator_add_tip(SIM, id, "3.00", &e), &e);
    CHECK_OK(mpp_simulator_present_card(SIM, id, MPP_CARD_OUTCOME_APPROVED, &e), &e);
    sale = sale_when_final(orders, id);
    CHECK(sale != NULL && mpp_sale_verdict(sale) == MPP_VERDICT_APPROVED);
    CHECK(mpp_sale_tip_cents(sale) == 300);
    CHECK_STR(mpp_sale_tip_str(sale), "3.00");
    CHECK(mpp_sale_amount_cents(sale) == 2044); /* the verdict is about the amount asked */
    p = mpp_sale_approved_payment(sale);
    CHECK(mpp_payment_tip_cents(p) == 300);
    CHECK_STR(mpp_payment_tip_str(p), "3.00");
    CHECK_OK(mpp_sale_to_json(sale, &json, &e), &e);
    CHECK_CONTAINS(json, "\"tip_amount\":\"3.00\"");
    mpp_string_free(json);
    /* a tip: only a full refund */
    {
        mpp_intent *refunded = NULL;
        CHECK_RC(MPP_RESULT_REFUND_NOT_ALLOWED, mpp_order_refund(orders, id, "5.00", NULL, &refunded, &e), &e);
        CHECK_CONTAINS(mpp_error_message(e), "tip");
        reset_error(&e);
    }
    mpp_sale_free(sale);

    /* no tip: 0 and NULL */
    plain = charge_on(orders, "4.00");
    CHECK(plain != NULL && mpp_sale_is_paid(plain));
    CHECK(mpp_sale_tip_cents(plain) == 0);
    CHECK(mpp_sale_tip_str(plain) == NULL);
    CHECK(mpp_payment_tip_cents(mpp_sale_approved_payment(plain)) == 0);
    CHECK(mpp_payment_tip_str(mpp_sale_approved_payment(plain)) == NULL);
    mpp_sale_free(plain);
    CHECK(mpp_sale_tip_cents(NULL) == 0);
    CHECK(mpp_sale_tip_str(NULL) == NULL);
    CHECK(mpp_payment_tip_cents(NULL) == 0);
    CHECK(mpp_payment_tip_str(NULL) == NULL);

    mpp_client_free(orders);
    mpp_error_free(e);
}

/* ---------------------------------------------------------------- main */

static void run(const char *name, void (*test)(void)) {
    double started = now_ms();
    long failed_before = check_failed;
    check_current = name;
    test();
    printf("%-44s %s (%.0f ms)\n", name, check_failed == failed_before ? "ok" : "FAILED", now_ms() - started);
    fflush(stdout);
}

/* ---------------------------------------------------------------- the Orders API */

/* The same operations on the Orders API (mpp_config_set_api): the same functions, results and
   result codes, against the same simulator. */
static void test_orders_api(void) {
    mpp_config *cfg = NULL;
    mpp_client *orders = NULL, *saved = CLIENT;
    mpp_device_list *list = NULL;
    mpp_intent *intent = NULL, *out = (mpp_intent *)SENTINEL;
    mpp_error *e = NULL;
    mpp_wait_options *wo = NULL;
    mpp_cancel_token *token = NULL;
    mpp_notification *n = NULL;
    mpp_refund *r = NULL;
    pthread_t t;
    canceler_args args;
    char id[128], path[512];
    char *body = NULL;
    size_t body_len = 0, i;
    struct {
        const char *amount;
        mpp_verdict verdict;
        mpp_status status;
        size_t payments;
    } cases[] = {
        {"10.00", MPP_VERDICT_APPROVED, MPP_STATUS_CLOSED, 1},
        {"10.13", MPP_VERDICT_REJECTED, MPP_STATUS_ERROR, 1},
        {"10.66", MPP_VERDICT_ERROR, MPP_STATUS_ERROR, 0},
        {"10.88", MPP_VERDICT_CANCELED, MPP_STATUS_CANCELED, 0},
    };

    CHECK_OK(mpp_config_new(mpp_simulator_access_token(SIM), &cfg, &e), &e);
    CHECK_OK(mpp_config_set_base_url(cfg, mpp_simulator_base_url(SIM), &e), &e);
    CHECK_OK(mpp_config_set_site(cfg, MPP_SITE_MLB, &e), &e);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_config_set_api(cfg, 2, &e), &e);
    CHECK_STR(mpp_error_field(e), "api");
    reset_error(&e);
    CHECK_OK(mpp_config_set_api(cfg, MPP_API_ORDERS, &e), &e);
    CHECK_OK(mpp_client_new(cfg, &orders, &e), &e);
    mpp_config_free(cfg);
    if (orders == NULL) return;
    CLIENT = orders; /* the helpers (cancel, await_status, charge) use it */

    /* devices: the terminals list, read into the same device list */
    CHECK_OK(mpp_devices_list(orders, NULL, "2000001", 0, 0, &list, &e), &e);
    CHECK(mpp_device_list_count(list) == 1);
    CHECK_STR(mpp_device_id(mpp_device_list_get(list, 0)), DEVICE1);
    CHECK_STR(mpp_device_external_pos_id(mpp_device_list_get(list, 0)), POS1);
    mpp_device_list_free(list);
    CHECK_RC(MPP_RESULT_INVALID_ARGUMENT, mpp_devices_list(orders, NULL, NULL, 51, 0, &list, &e), &e);
    reset_error(&e);

    /* an order before the terminal takes it: get, cancel, cancel again */
    intent = create_on(orders, POS1, "10.99");
    CHECK(intent != NULL && strncmp(mpp_intent_id(intent), "ORD", 3) == 0);
    CHECK(mpp_intent_status(intent) == MPP_STATUS_OPENED);
    CHECK(mpp_intent_amount_cents(intent) == 1099);
    snprintf(id, sizeof id, "%s", mpp_intent_id(intent));
    mpp_intent_free(intent);
    cancel(id);
    CHECK(await_status(id, MPP_STATUS_CANCELED));
    cancel(id); /* harmless */

    /* every verdict; only APPROVED is paid */
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mpp_sale *sale = charge(POS1, MPP_TARGET_POS, cases[i].amount, NULL);
        CHECK(sale != NULL);
        if (sale == NULL) continue;
        CHECK(mpp_sale_verdict(sale) == cases[i].verdict);
        CHECK(mpp_sale_is_paid(sale) == (cases[i].verdict == MPP_VERDICT_APPROVED));
        CHECK(mpp_intent_status(mpp_sale_intent(sale)) == cases[i].status);
        CHECK(mpp_sale_payment_count(sale) == cases[i].payments);
        if (cases[i].verdict == MPP_VERDICT_APPROVED) {
            /* refund the approved payment by its id */
            uint64_t pid = mpp_payment_id(mpp_sale_approved_payment(sale));
            CHECK_OK(mpp_payment_refund(orders, pid, "5.00", NULL, &r, &e), &e);
            CHECK(mpp_refund_payment_id(r) == pid);
            mpp_refund_free(r);
            r = NULL;
        }
        mpp_sale_free(sale);
    }

    /* the Orders API's own refund: partial (the order stays CLOSED, still paid), then the rest,
       retried with the same key (made once), after which the sale is no longer paid */
    {
        mpp_sale *sale = charge(POS1, MPP_TARGET_POS, "30.00", NULL), *after = NULL;
        mpp_intent *refunded = NULL;
        CHECK(sale != NULL && mpp_sale_is_paid(sale));
        if (sale != NULL) {
            snprintf(id, sizeof id, "%s", mpp_intent_id(mpp_sale_intent(sale)));
            CHECK_RC(MPP_RESULT_INVALID_AMOUNT, mpp_order_refund(orders, id, "1,00", NULL, &refunded, &e), &e);
            reset_error(&e);
            CHECK_NULL_ARG("order_id", mpp_order_refund(orders, NULL, NULL, NULL, &refunded, err));
            CHECK_OK(mpp_order_refund(orders, id, "10.00", NULL, &refunded, &e), &e);
            CHECK(refunded != NULL && mpp_intent_status(refunded) == MPP_STATUS_CLOSED);
            mpp_intent_free(refunded);
            refunded = NULL;
            CHECK_OK(mpp_order_refund(orders, id, NULL, "c-order-refund-1", &refunded, &e), &e);
            mpp_intent_free(refunded);
            refunded = NULL;
            CHECK_OK(mpp_order_refund(orders, id, NULL, "c-order-refund-1", &refunded, &e), &e);
            mpp_intent_free(refunded);
            CHECK_OK(mpp_sale_for(orders, id, &after, &e), &e);
            CHECK(after != NULL && !mpp_sale_is_paid(after));
            mpp_sale_free(after);
            mpp_sale_free(sale);
        }
    }

    /* on the terminal, the Orders API cancels through the API (the documented header) */
    intent = create_on(orders, POS1, "10.44");
    snprintf(id, sizeof id, "%s", mpp_intent_id(intent));
    mpp_intent_free(intent);
    CHECK(await_status(id, MPP_STATUS_ON_TERMINAL));
    cancel(id);
    CHECK(await_status(id, MPP_STATUS_CANCELED));

    /* a wait aborted from another thread */
    intent = create_on(orders, POS1, "10.99");
    wo = quick_wait(600000);
    CHECK_OK(mpp_cancel_token_new(&token, &e), &e);
    CHECK_OK(mpp_wait_options_set_cancel_token(wo, token, &e), &e);
    args.token = token;
    args.delay_ms = 200;
    pthread_create(&t, NULL, canceler, &args);
    CHECK_RC(MPP_RESULT_CANCELED, mpp_intent_wait(orders, mpp_intent_id(intent), wo, &out, &e), &e);
    pthread_join(t, NULL);
    CHECK_STR(mpp_error_intent_id(e), mpp_intent_id(intent));
    reset_error(&e);
    CHECK(out == (mpp_intent *)SENTINEL);
    cancel(mpp_intent_id(intent));
    mpp_intent_free(intent);
    mpp_wait_options_free(wo);
    mpp_cancel_token_free(token);

    /* the documented order notification reads into the same notification */
    snprintf(path, sizeof path, "%s/orders/webhook_order_processed.json", FIXTURES);
    body = j_read_file(path, &body_len);
    CHECK(body != NULL);
    if (body) {
        CHECK_OK(mpp_webhook_parse((const uint8_t *)body, body_len, &n, &e), &e);
        CHECK(mpp_notification_status(n) == MPP_STATUS_CLOSED);
        CHECK(mpp_notification_is_final(n));
        CHECK_STR(mpp_notification_type(n), "order");
        CHECK_STR(mpp_notification_dedup_key(n), "ORD01JYH1Z1YJN4HZ8J3Q0RB3YP6D:processed");
        mpp_notification_free(n);
        free(body);
    }

    CLIENT = saved;
    mpp_client_free(orders);
    mpp_error_free(e);
}

/* The POS of the crash test, run as a child process of this program:
 *   test_mppoint --crash-pos BASE_URL TOKEN API JOURNAL REFERENCE
 * rings up one sale of 10.44 (held on the simulated terminal until the test presents the card)
 * with the sale journal, printing "STATUS <status>" at each change; the test kills it. */
static void crash_pos_status(const char *status, void *user_data) {
    (void)user_data;
    printf("STATUS %s\n", status);
    fflush(stdout);
}

static int crash_pos_main(int argc, char **argv) {
    mpp_config *cfg = NULL;
    mpp_client *client = NULL;
    mpp_intent_request *req = NULL;
    mpp_wait_options *wo = NULL;
    mpp_sale *sale = NULL;
    mpp_error *e = NULL;
    const char *amount = argc > 7 ? argv[7] : "10.44";
    if (argc != 7 && argc != 8) return 2;
    if (mpp_config_new(argv[3], &cfg, &e) != MPP_RESULT_OK ||
        mpp_config_set_base_url(cfg, argv[2], &e) != MPP_RESULT_OK ||
        mpp_config_set_site(cfg, MPP_SITE_MLB, &e) != MPP_RESULT_OK ||
        mpp_config_set_api(cfg, strcmp(argv[4], "orders") == 0 ? MPP_API_ORDERS : MPP_API_INTENTS, &e) != MPP_RESULT_OK ||
        mpp_config_set_journal(cfg, argv[5], &e) != MPP_RESULT_OK ||
        mpp_client_new(cfg, &client, &e) != MPP_RESULT_OK ||
        mpp_intent_request_new(amount, "crash sale", argv[6], &req, &e) != MPP_RESULT_OK ||
        mpp_wait_options_new(&wo, &e) != MPP_RESULT_OK ||
        mpp_wait_options_set_poll_interval_ms(wo, 20, &e) != MPP_RESULT_OK ||
        mpp_wait_options_set_timeout_ms(wo, 120000, &e) != MPP_RESULT_OK ||
        mpp_wait_options_set_on_status(wo, crash_pos_status, NULL, &e) != MPP_RESULT_OK ||
        /* the previous sale may still be closing on the terminal: wait for it to be free */
        mpp_wait_options_set_when_busy_ms(wo, 30000, &e) != MPP_RESULT_OK ||
        mpp_charge(client, MPP_TARGET_POS, POS1, req, wo, &sale, &e) != MPP_RESULT_OK) {
        fprintf(stderr, "crash POS: %s\n", mpp_error_message(e));
        return 1;
    }
    printf("VERDICT %s\n", mpp_verdict_str(mpp_sale_verdict(sale)));
    return 0;
}

/* Starts the crash POS (this program with --crash-pos) for one sale of `amount`, with `actions`
 * and the environment `env`; returns whether it started. */
static bool spawn_crash_pos(pid_t *pid, const char *api, const char *journal, const char *reference,
                            const char *amount, const posix_spawn_file_actions_t *actions, char **env) {
    char *args[9];
    args[0] = (char *)SELF;
    args[1] = (char *)"--crash-pos";
    args[2] = (char *)mpp_simulator_base_url(SIM);
    args[3] = (char *)mpp_simulator_access_token(SIM);
    args[4] = (char *)api;
    args[5] = (char *)journal;
    args[6] = (char *)reference;
    args[7] = (char *)amount;
    args[8] = NULL;
    return posix_spawn(pid, SELF, actions, NULL, args, env) == 0;
}

/* Starts the crash POS for `reference` and kills it with SIGKILL once its sale is on the
 * terminal (it printed STATUS ON_TERMINAL). Returns whether that happened. */
static bool kill_pos_on_terminal(const char *api, const char *journal, const char *reference) {
    int out[2];
    pid_t pid;
    posix_spawn_file_actions_t actions;
    char line[256];
    FILE *from_pos;
    bool on_terminal = false;
    int status = 0;
    if (pipe(out) != 0) return false;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    if (!spawn_crash_pos(&pid, api, journal, reference, "10.44", &actions, environ)) {
        posix_spawn_file_actions_destroy(&actions);
        close(out[0]);
        close(out[1]);
        return false;
    }
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    from_pos = fdopen(out[0], "r");
    while (from_pos != NULL && fgets(line, sizeof line, from_pos) != NULL) {
        if (strncmp(line, "STATUS ON_TERMINAL", strlen("STATUS ON_TERMINAL")) == 0) {
            on_terminal = true;
            kill(pid, SIGKILL);
            break;
        }
    }
    waitpid(pid, &status, 0);
    if (from_pos != NULL) fclose(from_pos);
    return on_terminal && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

/* A C POS killed with SIGKILL while its sale is on the terminal (the till's power cut), started
 * again with its journal: the sale resumes on the same intent or order, nothing is charged
 * twice, and it ends with its true verdict, on both APIs. */
static void test_journal_survives_a_killed_pos(void) {
    static const char *const apis[] = {"intents", "orders"};
    size_t a;
    for (a = 0; a < 2; a++) {
        char dir[256], path[512], reference[64], held[128] = "";
        mpp_client *client = NULL;
        mpp_pending_sale_list *list = NULL;
        const mpp_pending_sale *p;
        mpp_intent_request *req = NULL;
        mpp_wait_options *wo = quick_wait(60000);
        mpp_sale *sale = NULL;
        mpp_error *e = NULL;
        unsigned long long created = intents_created();
        bool settled = false;

        temp_folder(dir, sizeof dir);
        snprintf(path, sizeof path, "%s/till.journal", dir);
        snprintf(reference, sizeof reference, "crash-c-%s-1", apis[a]);
        CHECK(kill_pos_on_terminal(apis[a], path, reference));

        /* After the power cut the journal still knows the sale and what it was waiting for. */
        client = journal_client_on(a == 1 ? MPP_API_ORDERS : MPP_API_INTENTS, path, &e);
        CHECK(client != NULL);
        CHECK_OK(mpp_pending_list(client, &list, &e), &e);
        CHECK(mpp_pending_sale_list_count(list) == 1);
        p = mpp_pending_sale_list_get(list, 0);
        CHECK(p != NULL && !mpp_pending_sale_is_paid(p));
        if (p != NULL && mpp_pending_sale_intent_id(p) != NULL) {
            CHECK_STR(mpp_pending_sale_reference(p), reference);
            snprintf(held, sizeof held, "%s", mpp_pending_sale_intent_id(p));
        }
        mpp_pending_sale_list_free(list);
        CHECK(held[0] != '\0');

        /* The customer pays while the till is off; the restarted till rings the same sale up
         * again: it follows the same intent and charges nothing new. */
        CHECK_OK(mpp_simulator_present_card(SIM, held, MPP_CARD_OUTCOME_APPROVED, &e), &e);
        CHECK_OK(mpp_intent_request_new("10.44", "crash sale", reference, &req, &e), &e);
        CHECK_OK(mpp_charge(client, MPP_TARGET_POS, POS1, req, wo, &sale, &e), &e);
        CHECK(sale != NULL && mpp_sale_verdict(sale) == MPP_VERDICT_APPROVED);
        CHECK(sale != NULL && strcmp(mpp_intent_id(mpp_sale_intent(sale)), held) == 0);
        CHECK(intents_created() == created + 1);
        CHECK_OK(mpp_sale_settle(client, reference, &settled, &e), &e);
        CHECK(settled);

        mpp_sale_free(sale);
        mpp_intent_request_free(req);
        mpp_wait_options_free(wo);
        mpp_client_free(client);
        mpp_error_free(e);
        remove_folder(dir);
    }
}

/* Runs the crash POS for one sale of 10.00 with MPPOINT_JOURNAL_DIE_AT=`point` (the core's test
 * hook: the process aborts at that journal transition, as a power cut would). Returns whether it
 * died there (SIGABRT). */
static bool pos_dies_at(const char *point, const char *api, const char *journal, const char *reference) {
    pid_t pid;
    char die[64];
    char **env;
    size_t n = 0, i;
    int status = 0;
    while (environ[n] != NULL) n++;
    env = (char **)calloc(n + 2, sizeof *env);
    if (env == NULL) return false;
    for (i = 0; i < n; i++) env[i] = environ[i];
    snprintf(die, sizeof die, "MPPOINT_JOURNAL_DIE_AT=%s", point);
    env[n] = die;
    if (!spawn_crash_pos(&pid, api, journal, reference, "10.00", NULL, env)) {
        free(env);
        return false;
    }
    free(env);
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/* A C POS that dies at each of the journal's transitions, on both APIs, then rings the sale up
 * again: one create and APPROVED. On intents, dying after the create was recorded as sent but
 * before it went out gives OUTCOME_UNKNOWN with nothing created (the journal never sends an intent
 * create again: the API documents no way to find it). */
static void test_journal_pos_dies_at_each_transition(void) {
    static const char *const apis[] = {"intents", "orders"};
    static const char *const points[] = {"planned", "sent", "created", "on_api", "ended", "final"};
    size_t a, t;
    for (a = 0; a < 2; a++) {
        for (t = 0; t < 6; t++) {
            char dir[256], path[512], reference[64];
            mpp_client *client = NULL;
            mpp_intent_request *req = NULL;
            mpp_wait_options *wo = quick_wait(60000);
            mpp_sale *sale = NULL;
            mpp_error *e = NULL;
            mpp_result rc;
            /* A sale found paid by its payment may still be closing on the terminal (the intent
             * reads CLOSED a step after its payment exists): the next sale waits for the
             * terminal to be free, as a POS would. */
            CHECK_OK(mpp_wait_options_set_when_busy_ms(wo, 30000, &e), &e);
            unsigned long long created = intents_created();
            bool settled = false;

            temp_folder(dir, sizeof dir);
            snprintf(path, sizeof path, "%s/till.journal", dir);
            snprintf(reference, sizeof reference, "die-c-%s-%s", apis[a], points[t]);
            CHECK(pos_dies_at(points[t], apis[a], path, reference));
            client = journal_client_on(a == 1 ? MPP_API_ORDERS : MPP_API_INTENTS, path, &e);
            CHECK(client != NULL);
            CHECK_OK(mpp_intent_request_new("10.00", "crash sale", reference, &req, &e), &e);
            rc = mpp_charge(client, MPP_TARGET_POS, POS1, req, wo, &sale, &e);
            if (a == 0 && t == 1) {
                CHECK(rc == MPP_RESULT_OUTCOME_UNKNOWN);
                CHECK(intents_created() == created);
            } else {
                if (rc == MPP_RESULT_OUTCOME_UNKNOWN) {
                    /* A lost intent create: wait for the sale's payment, then ring again. */
                    double deadline = now_ms() + 30000;
                    size_t found = 0;
                    mpp_error_free(e);
                    e = NULL;
                    while (found == 0 && now_ms() < deadline) {
                        mpp_payment_list *list = NULL;
                        if (mpp_payments_find(client, reference, &list, NULL) == MPP_RESULT_OK) {
                            found = mpp_payment_list_count(list);
                        }
                        mpp_payment_list_free(list);
                        if (found == 0) sleep_ms(20);
                    }
                    CHECK(found > 0);
                    rc = mpp_charge(client, MPP_TARGET_POS, POS1, req, wo, &sale, &e);
                }
                CHECK(rc == MPP_RESULT_OK);
                CHECK(sale != NULL && mpp_sale_verdict(sale) == MPP_VERDICT_APPROVED);
                CHECK(intents_created() == created + 1);
                CHECK_OK(mpp_sale_settle(client, reference, &settled, &e), &e);
                CHECK(settled);
            }
            mpp_sale_free(sale);
            mpp_intent_request_free(req);
            mpp_wait_options_free(wo);
            mpp_client_free(client);
            mpp_error_free(e);
            remove_folder(dir);
        }
    }
}

int main(int argc, char **argv) {
    mpp_simulator_config *cfg = NULL;
    mpp_error *e = NULL;
    int i;
    SELF = argv[0];
    if (argc > 1 && strcmp(argv[1], "--crash-pos") == 0) return crash_pos_main(argc, argv);
    if (argc > 1) FIXTURES = argv[1];

    CHECK_OK(mpp_simulator_config_new(&cfg, &e), &e);
    /* the terminal picks an intent up after 300 ms (time enough to hold or cancel it first) */
    CHECK_OK(mpp_simulator_config_set_pickup_delay_ms(cfg, 300, &e), &e);
    CHECK_OK(mpp_simulator_config_set_step_delay_ms(cfg, 50, &e), &e);
    CHECK_OK(mpp_simulator_config_add_store(cfg, "1000002", "Threads store", &e), &e);
    for (i = 1; i <= THREADS; i++) {
        char pos[32], device[64];
        snprintf(pos, sizeof pos, "SUC002POS%02d", i);
        snprintf(device, sizeof device, "PAX_A910__SMARTPOS10000000%02d", i);
        CHECK_OK(mpp_simulator_config_add_pos(cfg, 3000000 + i, pos, "1000002", &e), &e);
        CHECK_OK(mpp_simulator_config_add_device(cfg, device, pos, MPP_OPERATING_MODE_PDV, &e), &e);
    }
    CHECK_OK(mpp_simulator_start(cfg, &SIM, &e), &e);
    mpp_simulator_config_free(cfg);
    if (SIM == NULL) return summary();
    CLIENT = client_with(mpp_simulator_access_token(SIM), 0, 0);

    run("version and names", test_version_and_names);
    run("_free(NULL) is a no-op", test_free_null_is_a_no_op);
    run("accessors of NULL handles", test_accessors_of_null);
    run("NULL on every pointer parameter", test_null_arguments);
    run("NULL out-params of handles' functions", test_null_arguments_with_handles);
    run("invalid UTF-8", test_invalid_utf8);
    run("amounts and validation", test_amounts);
    run("configuration", test_config);
    run("devices", test_devices);
    run("intent lifecycle", test_intent_lifecycle);
    run("HTTP errors 401/404/409", test_http_errors);
    run("timeouts, 5xx, 429, lost answers", test_transport_faults);
    run("wait with a status callback", test_wait_with_callback);
    run("wait deadline", test_wait_timeout);
    run("wait canceled from another thread", test_wait_canceled_from_another_thread);
    run("charge: every verdict", test_charge_verdicts);
    run("payments and refunds", test_payments_and_refunds);
    run("simulator controls", test_simulator_controls);
    run("simulator start options and TLS", test_simulator_start_options);
    run("webhooks and shared fixtures", test_webhooks);
    run("a webhook delivery wakes a wait", test_webhook_wakes_a_wait);
    run("a panic becomes MPP_RESULT_PANIC", test_panic_is_caught);
    run("the sale journal: one charge per reference, pending, settle", test_journal);
    run("the sale journal: a POS killed on the terminal resumes the same sale", test_journal_survives_a_killed_pos);
    run("the sale journal: a POS that dies at each transition charges once", test_journal_pos_dies_at_each_transition);
    run("the shared error table (tests/fixtures/error_cases.json)", test_shared_error_table);
    run("print on the terminal: text, tagged, image, cancel", test_print_actions);
    run("the sandbox's simulated order events", test_sandbox_events);
    run("a busy terminal waited for and named", test_busy_terminal);
    run("tips on an Orders sale", test_tips);
    run("16 threads share one client", test_sixteen_threads_share_one_client);
    run("the Orders API: the same calls", test_orders_api);

    mpp_client_free(CLIENT);
    mpp_simulator_stop(SIM);
    mpp_error_free(e);
    return summary();
}
