/*
 * A complete sale from C, against the simulator (no terminal needed): start a simulator, build a
 * client for it, charge 12.47 on the terminal of POS SUC001POS001 while showing each status, and
 * act on the verdict. Against Mercado Pago, skip the simulator and pass your access token (and
 * MPP_SITE_MLA or MPP_SITE_MLB) instead.
 *
 * Build and run it from the directory holding sale.c, once the bundle is installed by its
 * install.sh (into ~/.local, its default; for another prefix, change the first line).
 * tests/run_c.sh runs these lines as they are written here:
 *
 *   export PKG_CONFIG_PATH=$HOME/.local/lib/pkgconfig
 *   cc -std=c11 -o sale sale.c $(pkg-config --cflags --libs mppoint) -Wl,-rpath,$(pkg-config --variable=libdir mppoint)
 *   ./sale
 *
 * -Wl,-rpath,... records where libmppoint.so.0 lies, so ./sale starts without LD_LIBRARY_PATH
 * (without it: "libmppoint.so.0: cannot open shared object file"). Or link it statically, with
 * nothing to find at run time:
 *
 *   cc -std=c11 -o sale sale.c $(pkg-config --cflags --libs mppoint-static) && ./sale
 */
#include <stdio.h>
#include <stdlib.h>

#include <mppoint.h>

/* Shows the customer what is going on; runs on the thread that waits. */
static void show_status(const char *status, void *user_data) {
    const char *till = (const char *)user_data;
    printf("[%s] intent is %s\n", till, status);
}

/* Prints an error and frees it. */
static int fail(const char *what, mpp_error *err) {
    fprintf(stderr, "%s failed: %s (%s", what, mpp_error_message(err), mpp_error_code_name(err));
    if (mpp_error_http_status(err) != 0) fprintf(stderr, ", HTTP %u", (unsigned)mpp_error_http_status(err));
    if (mpp_error_request_id(err) != NULL) fprintf(stderr, ", request id %s", mpp_error_request_id(err));
    fprintf(stderr, ")\n");
    mpp_error_free(err);
    return 1;
}

int main(void) {
    mpp_simulator *sim = NULL;
    mpp_config *config = NULL;
    mpp_client *client = NULL;
    mpp_intent_request *request = NULL;
    mpp_wait_options *options = NULL;
    mpp_sale *sale = NULL;
    mpp_error *err = NULL;
    char *json = NULL;
    int status = 1;

    printf("libmppoint %s\n", mpp_version());

    /* 1. A simulator, and a client configured for it. */
    if (mpp_simulator_start(NULL, &sim, &err) != MPP_RESULT_OK) return fail("starting the simulator", err);
    printf("simulator at %s\n", mpp_simulator_base_url(sim));
    if (mpp_simulator_client_config(sim, &config, &err) != MPP_RESULT_OK ||
        mpp_config_set_site(config, MPP_SITE_MLB, &err) != MPP_RESULT_OK ||
        mpp_config_set_user_agent_suffix(config, "ExamplePOS/1.0", &err) != MPP_RESULT_OK ||
        mpp_client_new(config, &client, &err) != MPP_RESULT_OK) {
        status = fail("configuring the client", err);
        goto done;
    }

    /* 2. What to charge, and how to wait: show each status, give up after 3 minutes. */
    if (mpp_intent_request_new("12.47", "Sale 123", "order-123", &request, &err) != MPP_RESULT_OK ||
        mpp_intent_request_set_print_seller_ticket(request, true, &err) != MPP_RESULT_OK ||
        mpp_wait_options_new(&options, &err) != MPP_RESULT_OK ||
        mpp_wait_options_set_poll_interval_ms(options, 250, &err) != MPP_RESULT_OK ||
        mpp_wait_options_set_timeout_ms(options, 180000, &err) != MPP_RESULT_OK ||
        mpp_wait_options_set_on_status(options, show_status, (void *)"till 1", &err) != MPP_RESULT_OK) {
        status = fail("preparing the sale", err);
        goto done;
    }

    /* 3. The whole sale: create the intent, wait for the terminal, read the payment, verdict. */
    if (mpp_charge(client, MPP_TARGET_POS, "SUC001POS001", request, options, &sale, &err) != MPP_RESULT_OK) {
        /* After MPP_RESULT_WAIT_TIMEOUT or MPP_RESULT_CANCELED the intent still exists. */
        if (mpp_error_intent_id(err) != NULL) {
            mpp_intent_cancel(client, mpp_error_intent_id(err), NULL);
        }
        status = fail("the sale", err);
        goto done;
    }

    /* 4. Only MPP_VERDICT_APPROVED is a paid sale. */
    if (mpp_sale_is_paid(sale)) {
        const mpp_payment *payment = mpp_sale_approved_payment(sale);
        printf("PAID %s: payment %llu, %s %s\n", mpp_sale_amount_str(sale),
               (unsigned long long)mpp_payment_id(payment), mpp_payment_amount_str(payment),
               mpp_payment_currency_id(payment) ? mpp_payment_currency_id(payment) : "");
        status = 0;
    } else {
        mpp_verdict verdict = mpp_sale_verdict(sale);
        printf("NOT PAID: %s, %s (%s)\n", mpp_verdict_str(verdict), mpp_verdict_advice(verdict),
               mpp_sale_reason(sale));
    }
    if (mpp_sale_to_json(sale, &json, &err) == MPP_RESULT_OK) {
        printf("sale as JSON: %s\n", json);
        mpp_string_free(json);
    } else {
        fail("mpp_sale_to_json", err);
    }

done:
    mpp_sale_free(sale);
    mpp_wait_options_free(options);
    mpp_intent_request_free(request);
    mpp_client_free(client);
    mpp_config_free(config);
    mpp_simulator_stop(sim);
    return status;
}
