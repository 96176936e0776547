/*
 * Tests of include/mppoint.hpp (the header-only C++17 layer) against the simulator: a sale, a
 * cancel (before and after the terminal took the intent), errors carrying every field, print
 * actions, the sandbox's events, a busy terminal waited for, tips, the sale journal, and the
 * handles' ownership (move-only, freed once: run under valgrind by tests/run_c.sh).
 * Ends with "N passed, N failed".
 */
#include <mppoint.hpp>

#include <stdlib.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {
long passed = 0, failed = 0;

void check(bool ok, const char *what, int line) {
    if (ok) {
        passed++;
    } else {
        failed++;
        std::fprintf(stderr, "FAIL test_mppoint_hpp.cpp:%d: %s\n", line, what);
    }
}
#define CHECK(cond) check((cond), #cond, __LINE__)

/* Runs `f`, which must throw mppoint::Error; gives the error (or checks a failure). */
template <class F> std::optional<mppoint::Error> thrown(F &&f) {
    try {
        f();
    } catch (const mppoint::Error &e) {
        return e;
    }
    return std::nullopt;
}

/* Polls until the intent has `status`, at most 60 s (waits for the event, asserts no time). */
bool await_status(const mppoint::Client &client, const std::string &id, mpp_status status) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
        if (client.get_intent(id).status() == status) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

mppoint::WaitOptions quick() {
    mppoint::WaitOptions o;
    o.poll_interval_ms(20).timeout_ms(60000);
    return o;
}

// The handles own their C handle: they move, they never copy (a copy would free twice).
static_assert(!std::is_copy_constructible_v<mppoint::Client>, "Client is move-only");
static_assert(!std::is_copy_constructible_v<mppoint::Sale>, "Sale is move-only");
static_assert(!std::is_copy_constructible_v<mppoint::Simulator>, "Simulator is move-only");
static_assert(std::is_nothrow_move_constructible_v<mppoint::Sale>, "Sale moves");
static_assert(std::is_base_of_v<std::runtime_error, mppoint::Error>, "Error is a runtime_error");

void test_amounts() {
    CHECK(mppoint::parse_amount("12.47") == 1247);
    CHECK(mppoint::format_amount(1247) == "12.47");
    auto e = thrown([] { mppoint::parse_amount("12,47"); });
    CHECK(e && e->result() == MPP_RESULT_INVALID_AMOUNT);
    CHECK(e && e->code() == "INVALID_AMOUNT");
    CHECK(e && !e->message().empty());
}

void test_sale(const mppoint::Simulator &sim, const mppoint::Client &client) {
    // An approved sale, with the status callback seeing each status once.
    std::vector<std::string> seen;
    mppoint::WaitOptions options = quick();
    options.on_status([&](const std::string &s) { seen.push_back(s); });
    mppoint::WaitOptions moved = std::move(options); // the callback survives a move
    mppoint::Sale sale = client.charge(MPP_TARGET_POS, "SUC001POS001",
                                       mppoint::IntentRequest("12.47", "Sale 123", "hpp-sale-1"), moved);
    CHECK(sale.is_paid());
    CHECK(sale.verdict() == MPP_VERDICT_APPROVED);
    CHECK(sale.verdict_str() == "APPROVED");
    CHECK(!sale.advice().empty());
    CHECK(sale.amount() == std::optional<std::string>("12.47"));
    auto paid = sale.approved_payment();
    CHECK(paid.has_value());
    CHECK(paid && paid->id() != 0 && paid->is_approved());
    CHECK(paid && paid->amount() == std::optional<std::string>("12.47"));
    CHECK(sale.intent().status() == MPP_STATUS_CLOSED);
    CHECK(sale.payments().size() == 1);
    CHECK(!seen.empty() && seen.back() == "CLOSED");
    CHECK(sale.to_json().find("\"verdict\":\"APPROVED\"") != std::string::npos);
    if (paid) {
        mppoint::Payment again = client.payment(paid->id());
        CHECK(again.id() == paid->id());
        CHECK(again.external_reference() == std::optional<std::string>("hpp-sale-1"));
        mppoint::PaymentList found = client.find_payments("hpp-sale-1");
        CHECK(found.size() == 1 && found[0].id() == paid->id());
    }

    // A card refused on the terminal (the callback plays the customer): not paid.
    std::string held_id;
    mppoint::Intent held = client.create_for_pos("SUC001POS001", mppoint::IntentRequest("5.44", "Refused", "hpp-sale-2"));
    held_id = held.id();
    mppoint::WaitOptions customer = quick();
    bool presented = false;
    customer.on_status([&](const std::string &s) {
        if (s == "ON_TERMINAL" && !presented) {
            sim.present_card(held_id, MPP_CARD_OUTCOME_REJECTED);
            presented = true;
        }
    });
    mppoint::Intent ended = client.wait(held_id, &customer);
    CHECK(presented);
    CHECK(ended.is_final());
    mppoint::Sale refused = client.sale_for(held_id);
    CHECK(!refused.is_paid());
    CHECK(refused.verdict() == MPP_VERDICT_REJECTED);
    CHECK(!refused.approved_payment().has_value());
}

void test_cancel(const mppoint::Simulator &sim, const mppoint::Client &client) {
    // .99 is never picked up: the intent stays OPENED and a cancel takes it back.
    mppoint::Intent open = client.create_for_pos("SUC001POS001", mppoint::IntentRequest("3.99", "Cancel me", "hpp-cancel-1"));
    CHECK(open.status() == MPP_STATUS_OPENED);
    client.cancel_intent(open.id());
    CHECK(client.get_intent(open.id()).status() == MPP_STATUS_CANCELED);
    client.cancel_intent(open.id()); // a retried cancel is harmless

    // Once the terminal has it, the API refuses the cancel: CANNOT_CANCEL with the last status;
    // cancelled on the terminal, the sale is CANCELED and not paid.
    mppoint::Intent held = client.create_for_pos("SUC001POS001", mppoint::IntentRequest("4.44", "Held", "hpp-cancel-2"));
    CHECK(await_status(client, held.id(), MPP_STATUS_ON_TERMINAL));
    auto e = thrown([&] { client.cancel_intent(held.id()); });
    CHECK(e.has_value());
    if (e) {
        CHECK(e->result() == MPP_RESULT_CANNOT_CANCEL);
        CHECK(e->code() == "CANNOT_CANCEL");
        CHECK(e->http_status() == 409);
        CHECK(e->last_status() == MPP_STATUS_ON_TERMINAL);
        CHECK(e->last_status_str() == std::optional<std::string>("ON_TERMINAL"));
        CHECK(e->intent_id() == std::optional<std::string>(held.id()));
    }
    sim.cancel_on_terminal(held.id());
    mppoint::Intent ended = client.wait(held.id());
    CHECK(ended.status() == MPP_STATUS_CANCELED);
    mppoint::Sale sale = client.sale_for(held.id());
    CHECK(!sale.is_paid() && sale.verdict() == MPP_VERDICT_CANCELED);
}

void test_errors(const mppoint::Simulator &sim, const mppoint::Client &client) {
    // 404 from the server: every field of the C error is on the exception.
    auto e = thrown([&] { client.get_intent("00000000-0000-0000-0000-000000000000"); });
    CHECK(e.has_value());
    if (e) {
        CHECK(e->result() == MPP_RESULT_NOT_FOUND);
        CHECK(e->code() == "NOT_FOUND");
        CHECK(e->http_status() == 404);
        CHECK(e->request_id().has_value() && !e->request_id()->empty());
        CHECK(std::string(e->what()) == e->message() && !e->message().empty());
    }
    // Bad input before anything is sent: the field is named.
    auto bad = thrown([&] { client.create_for_pos("SUC001POS001", mppoint::IntentRequest("1.00", "Bad", "order#1")); });
    CHECK(bad && bad->result() == MPP_RESULT_INVALID_ARGUMENT);
    CHECK(bad && bad->field() == std::optional<std::string>("external_reference"));
    // A wrong token: UNAUTHORIZED, with the HTTP status.
    mppoint::Config wrong("APP_USR-not-the-simulators-token");
    wrong.base_url(sim.base_url());
    mppoint::Client stranger(wrong);
    auto unauthorized = thrown([&] { stranger.get_intent("00000000-0000-0000-0000-000000000000"); });
    CHECK(unauthorized && unauthorized->result() == MPP_RESULT_UNAUTHORIZED);
    CHECK(unauthorized && unauthorized->http_status() == 401);
    // A fault armed on the simulator: 429 after every retry carries its Retry-After.
    sim.set_faults_json(R"([{"endpoint":"GetIntent","kind":{"type":"RateLimited","retry_after_secs":7},"times":1}])");
    auto limited = thrown([&] { client.get_intent("00000000-0000-0000-0000-000000000000"); });
    sim.clear_faults();
    CHECK(limited && limited->result() == MPP_RESULT_RATE_LIMITED);
    CHECK(limited && limited->retry_after_ms() == 7000);
    // An exception thrown by a status callback stops the sale with the one ABORTED of every
    // language (naming the intent and its key); the exception itself is nested in it.
    mppoint::WaitOptions throwing = quick();
    throwing.on_status([](const std::string &s) {
        if (s == "ON_TERMINAL") throw std::runtime_error("from the callback");
    });
    bool aborted = false, nested = false;
    std::string left;
    try {
        client.charge(MPP_TARGET_POS, "SUC001POS001",
                      mppoint::IntentRequest::cents(244, "Callback throws", "hpp-err-1"), throwing);
    } catch (const mppoint::Error &e) {
        aborted = e.result() == MPP_RESULT_ABORTED && e.code() == "ABORTED" && e.idempotency_key().has_value();
        left = e.intent_id().value_or("");
        try {
            std::rethrow_if_nested(e);
        } catch (const std::runtime_error &cause) {
            nested = std::string(cause.what()) == "from the callback";
        }
    }
    CHECK(aborted);
    CHECK(nested);
    CHECK(!left.empty());
    // Untouched: still on the terminal, where the POS (here the simulated customer) cancels it.
    if (!left.empty()) {
        sim.cancel_on_terminal(left);
        CHECK(client.sale_for(left).verdict() == MPP_VERDICT_CANCELED);
    }
}

/* Reads a print action until it has `status` or is final, at most 60 s. */
mpp_print_status await_print(const mppoint::Client &client, const std::string &id, mpp_print_status status) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    mpp_print_status s = MPP_PRINT_STATUS_NONE;
    while (std::chrono::steady_clock::now() < deadline) {
        mppoint::PrintAction a = client.print_action(id);
        s = a.status();
        if (s == status || a.is_final()) return s;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return s;
}

void test_print() {
    // A terminal that takes 10 minutes to print: each step is the simulator's control's.
    mppoint::Simulator sim(R"({"pickup_delay_ms": 50, "step_delay_ms": 600000})");
    mppoint::Client client(sim.client_config());
    mppoint::PrintText receipt;
    receipt.center_wide("Loja Centro").line("Sale 123").bold("Customer: {b}Ana{/b}").wide("TOTAL 9.00");
    receipt.small("thanks").center("c").left("l").text("t").blank().qr("https://example.com/r/1").pdf417("123");
    std::string tagged = receipt.build();
    CHECK(tagged.find("{b}Customer: (b)Ana(/b){/b}{br}") != std::string::npos);
    CHECK(tagged.size() >= 100);

    mppoint::PrintAction a = client.print_text("PAX_A910__SMARTPOS0000000001", "hpp-receipt-1", receipt);
    CHECK(a.status() == MPP_PRINT_STATUS_CREATED && a.status_str() == "created" && !a.is_final());
    CHECK(a.terminal_id() == std::optional<std::string>("PAX_A910__SMARTPOS0000000001"));
    CHECK(a.external_reference() == std::optional<std::string>("hpp-receipt-1"));
    CHECK(a.subtype() == std::optional<std::string>("custom"));
    CHECK(a.idempotency_key().has_value());
    CHECK(a.to_json().find("\"status\":\"created\"") != std::string::npos);
    CHECK(await_print(client, a.id(), MPP_PRINT_STATUS_ON_TERMINAL) == MPP_PRINT_STATUS_ON_TERMINAL);
    auto e = thrown([&] { client.cancel_print_action(a.id()); });
    CHECK(e && e->result() == MPP_RESULT_CANNOT_CANCEL);
    sim.hold_print(a.id());
    sim.finish_print(a.id(), MPP_PRINT_OUTCOME_PROCESSED);
    CHECK(client.print_action(a.id()).status() == MPP_PRINT_STATUS_PROCESSED);
    // The same key and receipt: the same action.
    CHECK(client.print_text("PAX_A910__SMARTPOS0000000001", "hpp-receipt-1", receipt, a.idempotency_key()).id() == a.id());

    // Not fetched yet (a STANDALONE terminal never fetches): canceled.
    mppoint::PrintAction c = client.print_tagged("NEWLAND_N950__N950NCB000000003", "hpp-receipt-2",
                                                 "{b}Receipt{/b}{br}" + std::string(100, ' '));
    client.cancel_print_action(c.id());
    CHECK(client.print_action(c.id()).status() == MPP_PRINT_STATUS_CANCELED);

    std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    png.resize(64, 0);
    mppoint::PrintAction img = client.print_image("PAX_A910__SMARTPOS0000000001", "hpp-img-1", png);
    CHECK(img.subtype() == std::optional<std::string>("image"));
    auto bad = thrown([&] {
        client.print_image("PAX_A910__SMARTPOS0000000001", "hpp-img-2", std::vector<uint8_t>{'G', 'I', 'F', '8'});
    });
    CHECK(bad && bad->result() == MPP_RESULT_INVALID_ARGUMENT && bad->field() == std::optional<std::string>("content"));
    auto empty = thrown([&] { client.print_image("PAX_A910__SMARTPOS0000000001", "hpp-img-3", std::vector<uint8_t>{}); });
    CHECK(empty && empty->result() == MPP_RESULT_INVALID_ARGUMENT);
    auto shortish = thrown([&] { client.print_tagged("PAX_A910__SMARTPOS0000000001", "r", "{b}x{/b}"); });
    CHECK(shortish && shortish->result() == MPP_RESULT_INVALID_ARGUMENT);
}

void test_sandbox() {
    // The sandbox's "up to 10 s" divided by 100.
    mppoint::Simulator sim(R"({"time_factor": 100})");
    mppoint::Config config = sim.client_config();
    config.api(MPP_API_ORDERS);
    mppoint::Client orders(config);
    mppoint::Intent order = orders.create_for_pos("SUC001POS001", mppoint::IntentRequest("20.99", "Sandbox", "hpp-sbx-1"));
    mppoint::Config prod_config("APP_USR-123-production");
    prod_config.base_url(sim.base_url()).api(MPP_API_ORDERS);
    mppoint::Client prod(prod_config);
    auto e = thrown([&] { prod.simulate_order_event(order.id(), mppoint::OrderEvent{"processed", {}, {}, {}, 0}); });
    CHECK(e && e->result() == MPP_RESULT_SANDBOX_ONLY && e->code() == "SANDBOX_ONLY");
    mppoint::Config test_user_config("APP_USR-123-test-user");
    test_user_config.base_url(sim.base_url()).api(MPP_API_ORDERS).test_account(true);
    mppoint::Client test_user(test_user_config);
    auto sent = thrown([&] { test_user.simulate_order_event(order.id(), mppoint::OrderEvent{"processed", {}, {}, {}, 0}); });
    CHECK(sent && sent->result() == MPP_RESULT_UNAUTHORIZED); // sent: the simulator's token is another
    auto bad = thrown([&] {
        orders.simulate_order_event(order.id(), mppoint::OrderEvent{"canceled", {}, "visa", "credit_card", 0});
    });
    CHECK(bad && bad->result() == MPP_RESULT_INVALID_ARGUMENT);
    mppoint::OrderEvent paid{"processed", "accredited", "visa", "credit_card", 2};
    orders.simulate_order_event(order.id(), paid);
    mppoint::WaitOptions o = quick();
    orders.wait(order.id(), &o);
    CHECK(orders.sale_for(order.id()).verdict() == MPP_VERDICT_APPROVED);
}

void test_busy_and_tip() {
    mppoint::Simulator sim(R"({"pickup_delay_ms": 50, "step_delay_ms": 20})");
    mppoint::Config config = sim.client_config();
    config.api(MPP_API_ORDERS);
    mppoint::Client client(config);
    // .44 waits on the terminal for a card.
    mppoint::Intent first = client.create_for_pos("SUC001POS001", mppoint::IntentRequest("8.44", "First", "hpp-busy-1"));
    auto e = thrown([&] {
        client.create_for_pos("SUC001POS001", mppoint::IntentRequest("9.00", "Second", "hpp-busy-2"));
    });
    CHECK(e && e->result() == MPP_RESULT_ALREADY_QUEUED);
    CHECK(e && e->holding_sale() == std::optional<std::string>(first.id()));
    // The charge waits for the terminal: the first customer adds a tip and pays on the 2nd try.
    int calls = 0;
    std::optional<std::string> holding;
    std::string first_id = first.id();
    mppoint::WaitOptions o = quick();
    o.when_busy_ms(30000).on_busy([&](const std::optional<std::string> &h) {
        holding = h;
        if (++calls == 2) {
            sim.add_tip(first_id, "3.00");
            sim.present_card(first_id);
        }
    });
    mppoint::Sale second = client.charge(MPP_TARGET_POS, "SUC001POS001",
                                         mppoint::IntentRequest("9.00", "Second", "hpp-busy-2"), o);
    CHECK(second.is_paid());
    CHECK(calls >= 2 && holding == std::optional<std::string>(first_id));
    CHECK(!second.tip().has_value() && second.tip_cents() == 0);
    mppoint::Sale tipped = client.sale_for(first_id);
    CHECK(tipped.is_paid());
    CHECK(tipped.tip() == std::optional<std::string>("3.00") && tipped.tip_cents() == 300);
    CHECK(tipped.approved_payment() && tipped.approved_payment()->tip_cents() == 300);
    CHECK(tipped.approved_payment() && tipped.approved_payment()->tip() == std::optional<std::string>("3.00"));
    // A tip: only a full refund.
    auto partial = thrown([&] { client.refund_order(first_id, std::string("1.00")); });
    CHECK(partial && partial->result() == MPP_RESULT_REFUND_NOT_ALLOWED);
    // Without a tip: partial refunds, then the rest.
    mppoint::Intent refunded = client.refund_order(second.intent().id(), std::string("4.00"), std::string("hpp-ref-1"));
    CHECK(refunded.status() == MPP_STATUS_CLOSED);
    client.refund_order(second.intent().id());
    CHECK(!client.sale_for(second.intent().id()).is_paid());
}

void test_journal() {
    char dir[] = "/tmp/mppoint-hpp-journal.XXXXXX";
    if (mkdtemp(dir) == nullptr) {
        CHECK(false);
        return;
    }
    std::string path = std::string(dir) + "/sales.journal";
    mppoint::Simulator sim(R"({"pickup_delay_ms": 50, "step_delay_ms": 20})");
    {
        mppoint::Config config = sim.client_config();
        config.journal(path).journal_retention_secs(86400);
        mppoint::Client client(config);
        mppoint::WaitOptions o = quick();
        mppoint::Sale sale = client.charge(MPP_TARGET_POS, "SUC001POS001",
                                           mppoint::IntentRequest("7.00", "Journal", "hpp-journal-1"), o);
        CHECK(sale.is_paid());
        // The same reference again: the same sale, nothing charged twice.
        mppoint::Sale again = client.charge(MPP_TARGET_POS, "SUC001POS001",
                                            mppoint::IntentRequest("7.00", "Journal", "hpp-journal-1"), o);
        CHECK(again.intent().id() == sale.intent().id());
        mppoint::PendingSaleList pending = client.pending();
        CHECK(pending.size() == 1);
        if (pending.size() == 1) {
            mppoint::PendingSaleView p = pending[0];
            CHECK(p.reference() == "hpp-journal-1");
            CHECK(p.is_paid() && p.state() == "FINAL");
            CHECK(p.amount() == std::optional<std::string>("7.00") && p.amount_cents() == 700);
            CHECK(p.intent_id() == std::optional<std::string>(sale.intent().id()));
            CHECK(p.verdict() == std::optional<std::string>("APPROVED"));
            CHECK(p.attempt() == 1 && p.payment_id() != 0 && p.created_at_ms() > 0);
            CHECK(p.to_json().find("\"reference\":\"hpp-journal-1\"") != std::string::npos);
        }
        CHECK(pending.to_json().find("hpp-journal-1") != std::string::npos);
        // Resolution reports the approved sale not booked yet; then it is settled once.
        CHECK(client.resolve_pending(MPP_APPROVED_POLICY_REPORT, &o).size() == 1);
        CHECK(client.settle("hpp-journal-1"));
        CHECK(!client.settle("hpp-journal-1"));
        CHECK(client.pending().size() == 0);
        auto missing = thrown([&] { client.settle("no-such-sale"); });
        CHECK(missing && missing->result() == MPP_RESULT_NOT_FOUND);
    }
    mppoint::Client plain(sim.client_config());
    auto none = thrown([&] { plain.pending(); });
    CHECK(none && none->result() == MPP_RESULT_CONFIG);
    std::string cmd = std::string("rm -rf '") + dir + "'";
    CHECK(std::system(cmd.c_str()) == 0);
}
} // namespace

int main() {
    try {
        std::printf("libmppoint %s\n", mppoint::version().c_str());
        test_amounts();
        mppoint::Simulator sim;
        mppoint::Config config = sim.client_config();
        config.site(MPP_SITE_MLB).user_agent_suffix("hpp-test/1.0");
        mppoint::Client client(config);
        test_sale(sim, client);
        test_cancel(sim, client);
        test_errors(sim, client);
        test_print();
        test_sandbox();
        test_busy_and_tip();
        test_journal();
    } catch (const mppoint::Error &e) {
        failed++;
        std::fprintf(stderr, "FAIL: unexpected %s: %s\n", e.code().c_str(), e.what());
    }
    std::printf("%ld passed, %ld failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
