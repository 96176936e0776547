/*
 * Tests of include/mppoint.hpp (the header-only C++17 layer) against the simulator: a sale, a
 * cancel (before and after the terminal took the intent), errors carrying every field, and the
 * handles' ownership (move-only, freed once: run under valgrind by tests/run_c.sh).
 * Ends with "N passed, N failed".
 */
#include <mppoint.hpp>

#include <chrono>
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
    // An exception thrown by a status callback cannot cross the C library: the wait goes on.
    mppoint::WaitOptions throwing = quick();
    throwing.on_status([](const std::string &) { throw std::runtime_error("from the callback"); });
    mppoint::Sale sale = client.charge(MPP_TARGET_POS, "SUC001POS001",
                                       mppoint::IntentRequest::cents(200, "Callback throws", "hpp-err-1"), throwing);
    CHECK(sale.is_paid());
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
    } catch (const mppoint::Error &e) {
        failed++;
        std::fprintf(stderr, "FAIL: unexpected %s: %s\n", e.code().c_str(), e.what());
    }
    std::printf("%ld passed, %ld failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
