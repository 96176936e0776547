/*
 * mppoint.hpp: a header-only C++17 layer over the C API of libmppoint (include/mppoint.h).
 *
 * It adds no logic: every call is one C function. What it adds is C++ ownership and errors:
 *   - each owned handle is a move-only class that frees its handle in its destructor (RAII);
 *     handles borrowed from another one (the intent and payments of a Sale) are "views" that live
 *     as long as their owner;
 *   - a failed call throws mppoint::Error, which carries every field of the C error: the code
 *     (mpp_result and its stable name, e.g. "NOT_FOUND"), the message, the HTTP status, the request
 *     id, Mercado Pago's error code and message, the cause list, retry-after, the idempotency key,
 *     the intent id, the external reference, the field and the last status seen;
 *   - strings are std::string (UTF-8), absent strings are std::optional<std::string>; money stays
 *     integer cents (int64_t) or decimal strings, never a float.
 *
 * Link to libmppoint as for C (pkg-config mppoint, or CMake mppoint::mppoint), compile as C++17:
 *   c++ -std=c++17 -o pos pos.cpp $(pkg-config --cflags --libs mppoint) -Wl,-rpath,$(pkg-config --variable=libdir mppoint)
 *
 *   mppoint::Simulator sim;
 *   mppoint::Client client(sim.client_config());
 *   mppoint::Sale sale = client.charge(MPP_TARGET_POS, "SUC001POS001",
 *                                      mppoint::IntentRequest("12.47", "Sale 123", "order-123"));
 *   if (sale.is_paid()) std::cout << "paid: payment " << sale.approved_payment()->id() << "\n";
 */
#ifndef MPPOINT_HPP
#define MPPOINT_HPP

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mppoint.h"

namespace mppoint {

/** One entry of an error's `cause` list (Mercado Pago's code and description). */
struct Cause {
    std::string code;
    std::string description;
};

namespace detail {
inline std::optional<std::string> opt(const char *s) {
    return s != nullptr ? std::optional<std::string>(s) : std::nullopt;
}
inline std::string str(const char *s) { return s != nullptr ? std::string(s) : std::string(); }
inline const char *c_or_null(const std::optional<std::string> &s) {
    return s ? s->c_str() : nullptr;
}
} // namespace detail

/**
 * A failed call of libmppoint. `what()` is the library's message (it says what to do); the other
 * fields are those of `mpp_error`, copied, so an Error outlives nothing and can be rethrown.
 */
class Error : public std::runtime_error {
public:
    /** Copies every field of `err` (which stays the caller's). */
    Error(mpp_result result, const mpp_error *err)
        : std::runtime_error(err != nullptr ? detail::str(mpp_error_message(err))
                                            : detail::str(mpp_result_str(result))),
          result_(err != nullptr ? mpp_error_code(err) : result),
          code_(err != nullptr ? detail::str(mpp_error_code_name(err))
                               : detail::str(mpp_result_str(result))) {
        if (err == nullptr) return;
        http_status_ = mpp_error_http_status(err);
        retry_after_ms_ = mpp_error_retry_after_ms(err);
        request_id_ = detail::opt(mpp_error_request_id(err));
        api_error_ = detail::opt(mpp_error_api_error(err));
        api_message_ = detail::opt(mpp_error_api_message(err));
        idempotency_key_ = detail::opt(mpp_error_idempotency_key(err));
        intent_id_ = detail::opt(mpp_error_intent_id(err));
        holding_sale_ = detail::opt(mpp_error_holding_sale(err));
        external_reference_ = detail::opt(mpp_error_external_reference(err));
        field_ = detail::opt(mpp_error_field(err));
        last_status_ = mpp_error_last_status(err);
        last_status_str_ = detail::opt(mpp_error_last_status_str(err));
        signature_failure_ = mpp_error_signature_failure(err);
        for (size_t i = 0; i < mpp_error_cause_count(err); i++) {
            causes_.push_back(Cause{detail::str(mpp_error_cause_code(err, i)),
                                    detail::str(mpp_error_cause_description(err, i))});
        }
    }

    /** The result code (`MPP_RESULT_NOT_FOUND`): the error's kind, permanent numbers. */
    mpp_result result() const noexcept { return result_; }
    /** The kind's stable name (`"NOT_FOUND"`), the same as Python's and Node's. */
    const std::string &code() const noexcept { return code_; }
    /** The library's message (as `what()`). */
    std::string message() const { return what(); }
    /** The HTTP status of Mercado Pago's answer, 0 when there was none. */
    uint16_t http_status() const noexcept { return http_status_; }
    /** How long to wait before retrying (HTTP 429), -1 when the server did not say. */
    int64_t retry_after_ms() const noexcept { return retry_after_ms_; }
    /** Mercado Pago's `x-request-id` of the failed request, for its support. */
    const std::optional<std::string> &request_id() const noexcept { return request_id_; }
    /** Mercado Pago's error code (`"bad_request"`) and message, when the answer had them. */
    const std::optional<std::string> &api_error() const noexcept { return api_error_; }
    const std::optional<std::string> &api_message() const noexcept { return api_message_; }
    /** Mercado Pago's `cause` list. */
    const std::vector<Cause> &causes() const noexcept { return causes_; }
    /** The idempotency key of the create or refund (to re-send it with the same key). */
    const std::optional<std::string> &idempotency_key() const noexcept { return idempotency_key_; }
    /** The intent the error is about (a wait's deadline, a cancel: the intent still exists). */
    const std::optional<std::string> &intent_id() const noexcept { return intent_id_; }
    /** For ALREADY_QUEUED: the sale (intent or order id) holding the terminal, when this client
     * created it; not the sale you tried: never book or cancel it as this one. */
    const std::optional<std::string> &holding_sale() const noexcept { return holding_sale_; }
    /** The sale's external reference (after OUTCOME_UNKNOWN: Client::find_payments with it). */
    const std::optional<std::string> &external_reference() const noexcept { return external_reference_; }
    /** The argument that failed validation. */
    const std::optional<std::string> &field() const noexcept { return field_; }
    /** The last status seen of the intent (`MPP_STATUS_NONE` when none), and its spelling. */
    mpp_status last_status() const noexcept { return last_status_; }
    const std::optional<std::string> &last_status_str() const noexcept { return last_status_str_; }
    /** Why a webhook's signature failed (`MPP_WEBHOOK_FAILURE_NONE` otherwise). */
    mpp_webhook_failure signature_failure() const noexcept { return signature_failure_; }

private:
    mpp_result result_;
    std::string code_;
    uint16_t http_status_ = 0;
    int64_t retry_after_ms_ = -1;
    std::optional<std::string> request_id_, api_error_, api_message_, idempotency_key_, intent_id_,
        holding_sale_, external_reference_, field_, last_status_str_;
    mpp_status last_status_ = MPP_STATUS_NONE;
    mpp_webhook_failure signature_failure_ = MPP_WEBHOOK_FAILURE_NONE;
    std::vector<Cause> causes_;
};

namespace detail {
/** Runs one C call that takes `mpp_error **` last; throws Error when it fails. */
template <class F> void call(F &&f) {
    mpp_error *err = nullptr;
    mpp_result r = f(&err);
    if (r != MPP_RESULT_OK) {
        std::unique_ptr<mpp_error, void (*)(mpp_error *)> owned(err, mpp_error_free);
        throw Error(r, owned.get());
    }
    mpp_error_free(err);
}

/** What a status callback threw on this thread (it runs on the waiting thread), until the
 * waiting call that ran it rethrows it nested in its Error. */
inline std::exception_ptr &callback_exception() {
    static thread_local std::exception_ptr thrown;
    return thrown;
}

template <class T, void (*Free)(T *)> struct Deleter {
    void operator()(T *p) const noexcept { Free(p); }
};
template <class T, void (*Free)(T *)> using Owned = std::unique_ptr<T, Deleter<T, Free>>;

/** Takes a string the library allocated (`char **out_*`) and frees it. */
inline std::string take_string(char *s) {
    std::string out = str(s);
    mpp_string_free(s);
    return out;
}
} // namespace detail

/** The library's version (`"0.1.0"`). */
inline std::string version() { return detail::str(mpp_version()); }

/** `"12.47"` -> 1247 cents, by the core's rule (INVALID_AMOUNT otherwise). */
inline int64_t parse_amount(const std::string &amount) {
    int64_t cents = 0;
    detail::call([&](mpp_error **e) { return mpp_amount_parse(amount.c_str(), &cents, e); });
    return cents;
}

/** 1247 cents -> `"12.47"`. */
inline std::string format_amount(int64_t cents) {
    char *s = nullptr;
    detail::call([&](mpp_error **e) { return mpp_amount_format(cents, &s, e); });
    return detail::take_string(s);
}

/** A client configuration (`mpp_config`): the access token, site, API, timeouts... */
class Config {
public:
    explicit Config(const std::string &access_token) {
        mpp_config *c = nullptr;
        detail::call([&](mpp_error **e) { return mpp_config_new(access_token.c_str(), &c, e); });
        h_.reset(c);
    }
    /** Takes a config the C API made (e.g. mpp_simulator_client_config). */
    explicit Config(mpp_config *owned) noexcept : h_(owned) {}

    Config &site(mpp_site site) {
        detail::call([&](mpp_error **e) { return mpp_config_set_site(h_.get(), site, e); });
        return *this;
    }
    Config &api(mpp_api api) {
        detail::call([&](mpp_error **e) { return mpp_config_set_api(h_.get(), api, e); });
        return *this;
    }
    Config &base_url(const std::string &url) {
        detail::call([&](mpp_error **e) { return mpp_config_set_base_url(h_.get(), url.c_str(), e); });
        return *this;
    }
    Config &timeout_ms(uint64_t ms) {
        detail::call([&](mpp_error **e) { return mpp_config_set_timeout_ms(h_.get(), ms, e); });
        return *this;
    }
    Config &user_agent_suffix(const std::string &suffix) {
        detail::call([&](mpp_error **e) {
            return mpp_config_set_user_agent_suffix(h_.get(), suffix.c_str(), e);
        });
        return *this;
    }
    Config &resend_ambiguous_creates(bool on) {
        detail::call([&](mpp_error **e) { return mpp_config_set_resend_ambiguous_creates(h_.get(), on, e); });
        return *this;
    }
    /** A durable sale journal in the SQLite file at `path` (checked when the Client is built:
     * JOURNAL names the path). `charge` is then idempotent by the external reference. */
    Config &journal(const std::string &path) {
        detail::call([&](mpp_error **e) { return mpp_config_set_journal(h_.get(), path.c_str(), e); });
        return *this;
    }
    /** How long the journal keeps settled sales (default 90 days). */
    Config &journal_retention_secs(uint64_t secs) {
        detail::call([&](mpp_error **e) { return mpp_config_set_journal_retention_secs(h_.get(), secs, e); });
        return *this;
    }
    /** Declares the account a Mercado Pago test user's, so its APP_USR- token may call the
     * sandbox's Client::simulate_order_event (a TEST- token may without it). */
    Config &test_account(bool on) {
        detail::call([&](mpp_error **e) { return mpp_config_set_test_account(h_.get(), on, e); });
        return *this;
    }

    mpp_config *get() const noexcept { return h_.get(); }

private:
    detail::Owned<mpp_config, mpp_config_free> h_;
};

/** What to charge: amount, description, external reference, and the optional extras. */
class IntentRequest {
public:
    IntentRequest(const std::string &amount, const std::string &description,
                  const std::string &external_reference) {
        mpp_intent_request *r = nullptr;
        detail::call([&](mpp_error **e) {
            return mpp_intent_request_new(amount.c_str(), description.c_str(),
                                          external_reference.c_str(), &r, e);
        });
        h_.reset(r);
    }
    /** The amount in integer cents (`1247` is 12.47). */
    static IntentRequest cents(int64_t amount_cents, const std::string &description,
                               const std::string &external_reference) {
        mpp_intent_request *r = nullptr;
        detail::call([&](mpp_error **e) {
            return mpp_intent_request_new_cents(amount_cents, description.c_str(),
                                                external_reference.c_str(), &r, e);
        });
        return IntentRequest(r);
    }
    IntentRequest &ticket_number(const std::string &number) {
        detail::call([&](mpp_error **e) {
            return mpp_intent_request_set_ticket_number(h_.get(), number.c_str(), e);
        });
        return *this;
    }
    IntentRequest &print_seller_ticket(bool on) {
        detail::call([&](mpp_error **e) { return mpp_intent_request_set_print_seller_ticket(h_.get(), on, e); });
        return *this;
    }
    IntentRequest &idempotency_key(const std::string &key) {
        detail::call([&](mpp_error **e) {
            return mpp_intent_request_set_idempotency_key(h_.get(), key.c_str(), e);
        });
        return *this;
    }
    const mpp_intent_request *get() const noexcept { return h_.get(); }

private:
    explicit IntentRequest(mpp_intent_request *owned) noexcept : h_(owned) {}
    detail::Owned<mpp_intent_request, mpp_intent_request_free> h_;
};

/** Stops a wait from another thread (the cashier's "cancel" button). */
class CancelToken {
public:
    CancelToken() {
        mpp_cancel_token *t = nullptr;
        detail::call([&](mpp_error **e) { return mpp_cancel_token_new(&t, e); });
        h_.reset(t);
    }
    void cancel() const noexcept { mpp_cancel_token_cancel(h_.get()); }
    bool is_canceled() const noexcept { return mpp_cancel_token_is_canceled(h_.get()); }
    const mpp_cancel_token *get() const noexcept { return h_.get(); }

private:
    detail::Owned<mpp_cancel_token, mpp_cancel_token_free> h_;
};

/** How to wait: poll interval, deadline, a status callback, a cancel token. */
class WaitOptions {
public:
    /** Called on the waiting thread with each new status (`"ON_TERMINAL"`). */
    using StatusCallback = std::function<void(const std::string &status)>;

    WaitOptions() {
        mpp_wait_options *o = nullptr;
        detail::call([&](mpp_error **e) { return mpp_wait_options_new(&o, e); });
        h_.reset(o);
    }
    WaitOptions &poll_interval_ms(uint64_t ms) {
        detail::call([&](mpp_error **e) { return mpp_wait_options_set_poll_interval_ms(h_.get(), ms, e); });
        return *this;
    }
    WaitOptions &timeout_ms(uint64_t ms) {
        detail::call([&](mpp_error **e) { return mpp_wait_options_set_timeout_ms(h_.get(), ms, e); });
        return *this;
    }
    /** The callback is kept by these options (on the heap: moving the options keeps it valid).
     * An exception it throws stops the wait: the call (`charge`, `wait`, `resolve_pending`)
     * throws an Error `ABORTED` (`MPP_RESULT_ABORTED`, naming the intent, as in every language)
     * with the callback's exception nested in it (`std::rethrow_if_nested`). */
    WaitOptions &on_status(StatusCallback callback) {
        callback_ = std::make_unique<StatusCallback>(std::move(callback));
        detail::call([&](mpp_error **e) {
            return mpp_wait_options_set_on_status_checked(h_.get(), &WaitOptions::trampoline, callback_.get(), e);
        });
        return *this;
    }
    /** Called on the charging thread each time a charge finds the terminal busy, with the sale
     * holding it when this client created it. */
    using BusyCallback = std::function<void(const std::optional<std::string> &holding_sale)>;
    /** A charge that finds the terminal busy (ALREADY_QUEUED) waits up to `ms` for it to be
     * free, trying the create again at the poll pace (0, the default: ALREADY_QUEUED at once). */
    WaitOptions &when_busy_ms(uint64_t ms) {
        detail::call([&](mpp_error **e) { return mpp_wait_options_set_when_busy_ms(h_.get(), ms, e); });
        return *this;
    }
    /** Kept like the status callback; an exception it throws is swallowed. */
    WaitOptions &on_busy(BusyCallback callback) {
        busy_ = std::make_unique<BusyCallback>(std::move(callback));
        detail::call([&](mpp_error **e) {
            return mpp_wait_options_set_on_busy(h_.get(), &WaitOptions::busy_trampoline, busy_.get(), e);
        });
        return *this;
    }
    /** The options keep their own reference to the token. */
    WaitOptions &cancel_token(const CancelToken &token) {
        detail::call([&](mpp_error **e) { return mpp_wait_options_set_cancel_token(h_.get(), token.get(), e); });
        return *this;
    }
    const mpp_wait_options *get() const noexcept { return h_.get(); }

    /** Runs a waiting C call with these options (or none): as `detail::call`, and an `ABORTED`
     * caused by the status callback's exception carries that exception nested. */
    template <class F> static void run(F &&f) {
        detail::callback_exception() = nullptr;
        try {
            detail::call(std::forward<F>(f));
        } catch (const Error &err) {
            std::exception_ptr thrown = std::exchange(detail::callback_exception(), nullptr);
            if (!thrown || err.result() != MPP_RESULT_ABORTED) throw;
            try {
                std::rethrow_exception(thrown);
            } catch (...) {
                std::throw_with_nested(err);
            }
        }
        detail::callback_exception() = nullptr;
    }

private:
    static int32_t trampoline(const char *status, void *user_data) {
        try {
            (*static_cast<StatusCallback *>(user_data))(detail::str(status));
            return 0;
        } catch (...) {
            // Kept for the waiting call on this thread; the nonzero return stops the wait.
            detail::callback_exception() = std::current_exception();
            return 1;
        }
    }
    static void busy_trampoline(const char *holding_sale, void *user_data) {
        try {
            (*static_cast<BusyCallback *>(user_data))(detail::opt(holding_sale));
        } catch (...) {
        }
    }
    detail::Owned<mpp_wait_options, mpp_wait_options_free> h_;
    std::unique_ptr<StatusCallback> callback_;
    std::unique_ptr<BusyCallback> busy_;
};

/** A payment borrowed from its owner (a Sale, a PaymentList, a Payment). */
class PaymentView {
public:
    explicit PaymentView(const mpp_payment *p) noexcept : p_(p) {}
    uint64_t id() const noexcept { return mpp_payment_id(p_); }
    mpp_payment_status_code status() const noexcept { return mpp_payment_status(p_); }
    std::string status_str() const { return detail::str(mpp_payment_status_str(p_)); }
    bool is_approved() const noexcept { return mpp_payment_is_approved(p_); }
    std::optional<std::string> status_detail() const { return detail::opt(mpp_payment_status_detail(p_)); }
    std::optional<std::string> amount() const { return detail::opt(mpp_payment_amount_str(p_)); }
    std::optional<std::string> refunded() const { return detail::opt(mpp_payment_refunded_str(p_)); }
    std::optional<std::string> currency_id() const { return detail::opt(mpp_payment_currency_id(p_)); }
    /** Orders API: the tip added on the terminal, paid on top of the amount (`"3.00"`). */
    std::optional<std::string> tip() const { return detail::opt(mpp_payment_tip_str(p_)); }
    int64_t tip_cents() const noexcept { return mpp_payment_tip_cents(p_); }
    std::optional<std::string> external_reference() const {
        return detail::opt(mpp_payment_external_reference(p_));
    }
    std::string to_json() const {
        char *s = nullptr;
        detail::call([&](mpp_error **e) { return mpp_payment_to_json(p_, &s, e); });
        return detail::take_string(s);
    }
    const mpp_payment *get() const noexcept { return p_; }

private:
    const mpp_payment *p_;
};

/** A payment the caller owns (Client::payment). */
class Payment : public PaymentView {
public:
    explicit Payment(mpp_payment *owned) noexcept : PaymentView(owned), h_(owned) {}

private:
    detail::Owned<mpp_payment, mpp_payment_free> h_;
};

/** The payments found for an external reference (Client::find_payments), newest first. */
class PaymentList {
public:
    explicit PaymentList(mpp_payment_list *owned) noexcept : h_(owned) {}
    size_t size() const noexcept { return mpp_payment_list_count(h_.get()); }
    PaymentView operator[](size_t i) const noexcept { return PaymentView(mpp_payment_list_get(h_.get(), i)); }

private:
    detail::Owned<mpp_payment_list, mpp_payment_list_free> h_;
};

/** A refund (Client::refund). */
class Refund {
public:
    explicit Refund(mpp_refund *owned) noexcept : h_(owned) {}
    std::optional<std::string> amount() const { return detail::opt(mpp_refund_amount_str(h_.get())); }
    std::optional<std::string> status() const { return detail::opt(mpp_refund_status(h_.get())); }

private:
    detail::Owned<mpp_refund, mpp_refund_free> h_;
};

/** An intent borrowed from its owner (a Sale), or the base of an owned Intent. */
class IntentView {
public:
    explicit IntentView(const mpp_intent *i) noexcept : i_(i) {}
    std::string id() const { return detail::str(mpp_intent_id(i_)); }
    mpp_status status() const noexcept { return mpp_intent_status(i_); }
    std::string status_str() const { return detail::str(mpp_intent_status_str(i_)); }
    bool is_final() const noexcept { return mpp_intent_is_final(i_); }
    std::optional<std::string> amount() const { return detail::opt(mpp_intent_amount_str(i_)); }
    std::optional<std::string> external_reference() const {
        return detail::opt(mpp_intent_external_reference(i_));
    }
    std::optional<std::string> idempotency_key() const { return detail::opt(mpp_intent_idempotency_key(i_)); }
    std::string to_json() const {
        char *s = nullptr;
        detail::call([&](mpp_error **e) { return mpp_intent_to_json(i_, &s, e); });
        return detail::take_string(s);
    }
    const mpp_intent *get() const noexcept { return i_; }

private:
    const mpp_intent *i_;
};

/** An intent the caller owns (Client::create_for_pos, get_intent, wait). */
class Intent : public IntentView {
public:
    explicit Intent(mpp_intent *owned) noexcept : IntentView(owned), h_(owned) {}

private:
    detail::Owned<mpp_intent, mpp_intent_free> h_;
};

/** A sale's one verdict: only `is_paid()` (MPP_VERDICT_APPROVED) is a paid sale. */
class Sale {
public:
    explicit Sale(mpp_sale *owned) noexcept : h_(owned) {}
    mpp_verdict verdict() const noexcept { return mpp_sale_verdict(h_.get()); }
    std::string verdict_str() const { return detail::str(mpp_verdict_str(verdict())); }
    /** What to tell the cashier (`mpp_verdict_advice`). */
    std::string advice() const { return detail::str(mpp_verdict_advice(verdict())); }
    bool is_paid() const noexcept { return mpp_sale_is_paid(h_.get()); }
    std::string reason() const { return detail::str(mpp_sale_reason(h_.get())); }
    std::optional<std::string> amount() const { return detail::opt(mpp_sale_amount_str(h_.get())); }
    /** Orders API: the tip on the approved payment, extra money to book (the verdict is about the
     * amount asked). */
    std::optional<std::string> tip() const { return detail::opt(mpp_sale_tip_str(h_.get())); }
    int64_t tip_cents() const noexcept { return mpp_sale_tip_cents(h_.get()); }
    IntentView intent() const noexcept { return IntentView(mpp_sale_intent(h_.get())); }
    std::vector<PaymentView> payments() const {
        std::vector<PaymentView> out;
        for (size_t i = 0; i < mpp_sale_payment_count(h_.get()); i++) {
            out.emplace_back(mpp_sale_payment(h_.get(), i));
        }
        return out;
    }
    /** The approved payment; present whenever `is_paid()`. */
    std::optional<PaymentView> approved_payment() const {
        const mpp_payment *p = mpp_sale_approved_payment(h_.get());
        return p != nullptr ? std::optional<PaymentView>(PaymentView(p)) : std::nullopt;
    }
    std::string to_json() const {
        char *s = nullptr;
        detail::call([&](mpp_error **e) { return mpp_sale_to_json(h_.get(), &s, e); });
        return detail::take_string(s);
    }
    const mpp_sale *get() const noexcept { return h_.get(); }

private:
    detail::Owned<mpp_sale, mpp_sale_free> h_;
};

/** A sale of the journal not settled yet, borrowed from its PendingSaleList. */
class PendingSaleView {
public:
    explicit PendingSaleView(const mpp_pending_sale *p) noexcept : p_(p) {}
    std::string reference() const { return detail::str(mpp_pending_sale_reference(p_)); }
    std::string api() const { return detail::str(mpp_pending_sale_api(p_)); }
    std::string target() const { return detail::str(mpp_pending_sale_target(p_)); }
    int64_t amount_cents() const noexcept { return mpp_pending_sale_amount_cents(p_); }
    std::optional<std::string> amount() const { return detail::opt(mpp_pending_sale_amount_str(p_)); }
    std::optional<std::string> description() const { return detail::opt(mpp_pending_sale_description(p_)); }
    /** `"PLANNED"`, `"SENT"`, `"ON_API"` or `"FINAL"`. */
    std::string state() const { return detail::str(mpp_pending_sale_state(p_)); }
    uint32_t attempt() const noexcept { return mpp_pending_sale_attempt(p_); }
    std::optional<std::string> idempotency_key() const { return detail::opt(mpp_pending_sale_idempotency_key(p_)); }
    std::optional<std::string> intent_id() const { return detail::opt(mpp_pending_sale_intent_id(p_)); }
    std::optional<std::string> verdict() const { return detail::opt(mpp_pending_sale_verdict_str(p_)); }
    uint64_t payment_id() const noexcept { return mpp_pending_sale_payment_id(p_); }
    /** Paid: book it, then Client::settle its reference. */
    bool is_paid() const noexcept { return mpp_pending_sale_is_paid(p_); }
    std::optional<std::string> note() const { return detail::opt(mpp_pending_sale_note(p_)); }
    int64_t created_at_ms() const noexcept { return mpp_pending_sale_created_at_ms(p_); }
    int64_t updated_at_ms() const noexcept { return mpp_pending_sale_updated_at_ms(p_); }
    std::string to_json() const {
        char *s = nullptr;
        detail::call([&](mpp_error **e) { return mpp_pending_sale_to_json(p_, &s, e); });
        return detail::take_string(s);
    }
    const mpp_pending_sale *get() const noexcept { return p_; }

private:
    const mpp_pending_sale *p_;
};

/** The journal's sales not settled yet (Client::pending, Client::resolve_pending). */
class PendingSaleList {
public:
    explicit PendingSaleList(mpp_pending_sale_list *owned) noexcept : h_(owned) {}
    size_t size() const noexcept { return mpp_pending_sale_list_count(h_.get()); }
    PendingSaleView operator[](size_t i) const noexcept {
        return PendingSaleView(mpp_pending_sale_list_get(h_.get(), i));
    }
    std::string to_json() const {
        char *s = nullptr;
        detail::call([&](mpp_error **e) { return mpp_pending_sale_list_to_json(h_.get(), &s, e); });
        return detail::take_string(s);
    }

private:
    detail::Owned<mpp_pending_sale_list, mpp_pending_sale_list_free> h_;
};

/** A receipt in tagged text for the terminal's printer, built from the POS's own strings with the
 * core's escaping (braces become parentheses: a customer's name cannot add a tag); a short one is
 * padded to the API's 100 characters. Each step returns *this. */
class PrintText {
public:
    PrintText() {
        mpp_print_text *t = nullptr;
        detail::call([&](mpp_error **e) { return mpp_print_text_new(&t, e); });
        h_.reset(t);
    }
    PrintText &line(const std::string &s) { return add(mpp_print_text_line, s); }
    PrintText &text(const std::string &s) { return add(mpp_print_text_text, s); }
    PrintText &bold(const std::string &s) { return add(mpp_print_text_bold, s); }
    PrintText &wide(const std::string &s) { return add(mpp_print_text_wide, s); }
    PrintText &small(const std::string &s) { return add(mpp_print_text_small, s); }
    PrintText &center(const std::string &s) { return add(mpp_print_text_center, s); }
    PrintText &center_wide(const std::string &s) { return add(mpp_print_text_center_wide, s); }
    PrintText &left(const std::string &s) { return add(mpp_print_text_left, s); }
    PrintText &qr(const std::string &s) { return add(mpp_print_text_qr, s); }
    PrintText &pdf417(const std::string &s) { return add(mpp_print_text_pdf417, s); }
    PrintText &blank() {
        detail::call([&](mpp_error **e) { return mpp_print_text_blank(h_.get(), e); });
        return *this;
    }
    /** The tagged text as it will be sent (INVALID_ARGUMENT beyond 4096 characters). */
    std::string build() const {
        char *s = nullptr;
        detail::call([&](mpp_error **e) { return mpp_print_text_build(h_.get(), &s, e); });
        return detail::take_string(s);
    }
    const mpp_print_text *get() const noexcept { return h_.get(); }

private:
    using Step = mpp_result (*)(mpp_print_text *, const char *, mpp_error **);
    PrintText &add(Step step, const std::string &s) {
        detail::call([&](mpp_error **e) { return step(h_.get(), s.c_str(), e); });
        return *this;
    }
    detail::Owned<mpp_print_text, mpp_print_text_free> h_;
};

/** A print action (Client::print_text, print_tagged, print_image, print_action). */
class PrintAction {
public:
    explicit PrintAction(mpp_print_action *owned) noexcept : h_(owned) {}
    std::string id() const { return detail::str(mpp_print_action_id(h_.get())); }
    mpp_print_status status() const noexcept { return mpp_print_action_status(h_.get()); }
    /** `"created"`, `"on_terminal"`, `"processed"`, `"canceled"`, `"failed"` (or as sent). */
    std::string status_str() const { return detail::str(mpp_print_action_status_str(h_.get())); }
    bool is_final() const noexcept { return mpp_print_action_is_final(h_.get()); }
    std::optional<std::string> terminal_id() const { return detail::opt(mpp_print_action_terminal_id(h_.get())); }
    std::optional<std::string> external_reference() const {
        return detail::opt(mpp_print_action_external_reference(h_.get()));
    }
    /** `"custom"` (tagged text) or `"image"`. */
    std::optional<std::string> subtype() const { return detail::opt(mpp_print_action_subtype(h_.get())); }
    std::optional<std::string> created_date() const { return detail::opt(mpp_print_action_created_date(h_.get())); }
    /** The key it was created with: print again with it after a lost answer, never a new one. */
    std::optional<std::string> idempotency_key() const {
        return detail::opt(mpp_print_action_idempotency_key(h_.get()));
    }
    std::string to_json() const {
        char *s = nullptr;
        detail::call([&](mpp_error **e) { return mpp_print_action_to_json(h_.get(), &s, e); });
        return detail::take_string(s);
    }
    const mpp_print_action *get() const noexcept { return h_.get(); }

private:
    detail::Owned<mpp_print_action, mpp_print_action_free> h_;
};

/** One event of Mercado Pago's sandbox (Client::simulate_order_event): the final status, and
 * optionally its detail and the card. Checked by the core before anything is sent. */
struct OrderEvent {
    /** `"processed"`, `"failed"`, `"canceled"`, `"expired"`, `"refunded"`, `"action_required"`. */
    std::string status;
    /** `"accredited"` (processed) or a documented decline (failed). */
    std::optional<std::string> status_detail;
    /** `"amex"`, `"master"`, `"visa"`, `"debmaster"`, `"debvisa"`, with card_type. */
    std::optional<std::string> card_brand;
    /** `"credit_card"` or `"debit_card"`, with card_brand. */
    std::optional<std::string> card_type;
    /** Only with a credit card; 0: none. */
    uint32_t installments = 0;
};

/** A client of Mercado Pago's Point API (safe to share between threads). */
class Client {
public:
    explicit Client(const Config &config) {
        mpp_client *c = nullptr;
        detail::call([&](mpp_error **e) { return mpp_client_new(config.get(), &c, e); });
        h_.reset(c);
    }

    /** The whole sale: create, wait, read the payment, verdict (`mpp_charge`). */
    Sale charge(mpp_target target, const std::string &target_id, const IntentRequest &request,
                const WaitOptions *options = nullptr) const {
        mpp_sale *s = nullptr;
        WaitOptions::run([&](mpp_error **e) {
            return mpp_charge(h_.get(), target, target_id.c_str(), request.get(),
                              options != nullptr ? options->get() : nullptr, &s, e);
        });
        return Sale(s);
    }
    Sale charge(mpp_target target, const std::string &target_id, const IntentRequest &request,
                const WaitOptions &options) const {
        return charge(target, target_id, request, &options);
    }
    Intent create_for_pos(const std::string &pos_external_id, const IntentRequest &request) const {
        mpp_intent *i = nullptr;
        detail::call([&](mpp_error **e) {
            return mpp_intent_create_for_pos(h_.get(), pos_external_id.c_str(), request.get(), &i, e);
        });
        return Intent(i);
    }
    Intent create_for_device(const std::string &device_id, const IntentRequest &request) const {
        mpp_intent *i = nullptr;
        detail::call([&](mpp_error **e) {
            return mpp_intent_create_for_device(h_.get(), device_id.c_str(), request.get(), &i, e);
        });
        return Intent(i);
    }
    Intent get_intent(const std::string &intent_id) const {
        mpp_intent *i = nullptr;
        detail::call([&](mpp_error **e) { return mpp_intent_get(h_.get(), intent_id.c_str(), &i, e); });
        return Intent(i);
    }
    /** Cancels an intent still OPENED (CANNOT_CANCEL once the terminal has it). */
    void cancel_intent(const std::string &intent_id) const {
        detail::call([&](mpp_error **e) { return mpp_intent_cancel(h_.get(), intent_id.c_str(), e); });
    }
    Intent wait(const std::string &intent_id, const WaitOptions *options = nullptr) const {
        mpp_intent *i = nullptr;
        WaitOptions::run([&](mpp_error **e) {
            return mpp_intent_wait(h_.get(), intent_id.c_str(),
                                   options != nullptr ? options->get() : nullptr, &i, e);
        });
        return Intent(i);
    }
    /** The verdict of an existing intent (after a webhook, a restart, a lost answer). */
    Sale sale_for(const std::string &intent_id) const {
        mpp_sale *s = nullptr;
        detail::call([&](mpp_error **e) { return mpp_sale_for(h_.get(), intent_id.c_str(), &s, e); });
        return Sale(s);
    }
    Payment payment(uint64_t payment_id) const {
        mpp_payment *p = nullptr;
        detail::call([&](mpp_error **e) { return mpp_payment_get(h_.get(), payment_id, &p, e); });
        return Payment(p);
    }
    /** After OUTCOME_UNKNOWN: the payments of a sale, found by its external reference. */
    PaymentList find_payments(const std::string &external_reference) const {
        mpp_payment_list *l = nullptr;
        detail::call([&](mpp_error **e) {
            return mpp_payments_find(h_.get(), external_reference.c_str(), &l, e);
        });
        return PaymentList(l);
    }
    /** Refunds in full (no amount) or partly; pass the same key to retry a refund. */
    Refund refund(uint64_t payment_id, const std::optional<std::string> &amount = std::nullopt,
                  const std::optional<std::string> &idempotency_key = std::nullopt) const {
        mpp_refund *r = nullptr;
        detail::call([&](mpp_error **e) {
            return mpp_payment_refund(h_.get(), payment_id, detail::c_or_null(amount),
                                      detail::c_or_null(idempotency_key), &r, e);
        });
        return Refund(r);
    }
    /** Orders API: refunds an order in full (no amount) or partly (several partial refunds up to
     * the paid amount); pass the same key to retry. The order comes back as an intent. */
    Intent refund_order(const std::string &order_id, const std::optional<std::string> &amount = std::nullopt,
                        const std::optional<std::string> &idempotency_key = std::nullopt) const {
        mpp_intent *i = nullptr;
        detail::call([&](mpp_error **e) {
            return mpp_order_refund(h_.get(), order_id.c_str(), detail::c_or_null(amount),
                                    detail::c_or_null(idempotency_key), &i, e);
        });
        return Intent(i);
    }

    /** The sale journal's sales not settled yet (CONFIG without a journal). */
    PendingSaleList pending() const {
        mpp_pending_sale_list *l = nullptr;
        detail::call([&](mpp_error **e) { return mpp_pending_list(h_.get(), &l, e); });
        return PendingSaleList(l);
    }
    /** Records that the POS booked the sale `reference`: true when this call settled it, false
     * when it was settled already (SALE_IN_PROGRESS while it has no verdict, NOT_FOUND). */
    bool settle(const std::string &reference) const {
        bool settled = false;
        detail::call([&](mpp_error **e) { return mpp_sale_settle(h_.get(), reference.c_str(), &settled, e); });
        return settled;
    }
    /** The start-up resolution of every pending sale, never charging anything new; an approved
     * sale not booked is left (REPORT), settled (SETTLE) or refunded (REFUND). */
    PendingSaleList resolve_pending(mpp_approved_policy policy = MPP_APPROVED_POLICY_REPORT,
                                    const WaitOptions *options = nullptr) const {
        mpp_pending_sale_list *l = nullptr;
        WaitOptions::run([&](mpp_error **e) {
            return mpp_pending_resolve(h_.get(), policy, options != nullptr ? options->get() : nullptr, &l, e);
        });
        return PendingSaleList(l);
    }

    /** Prints a receipt on the terminal `terminal_id` under `external_reference` (1-64 letters,
     * digits, `_`, `-`); the same key with the same print gives the same action. */
    PrintAction print_text(const std::string &terminal_id, const std::string &external_reference,
                           const PrintText &text,
                           const std::optional<std::string> &idempotency_key = std::nullopt) const {
        mpp_print_action *a = nullptr;
        detail::call([&](mpp_error **e) {
            return mpp_client_print_text(h_.get(), terminal_id.c_str(), external_reference.c_str(), text.get(),
                                         detail::c_or_null(idempotency_key), &a, e);
        });
        return PrintAction(a);
    }
    /** Prints your own tagged text, checked as the API's pages say (100-4096 characters...). */
    PrintAction print_tagged(const std::string &terminal_id, const std::string &external_reference,
                             const std::string &tagged,
                             const std::optional<std::string> &idempotency_key = std::nullopt) const {
        mpp_print_action *a = nullptr;
        detail::call([&](mpp_error **e) {
            return mpp_client_print_tagged(h_.get(), terminal_id.c_str(), external_reference.c_str(),
                                           tagged.c_str(), detail::c_or_null(idempotency_key), &a, e);
        });
        return PrintAction(a);
    }
    /** Prints a PNG or JPEG image of at most 750,000 bytes (its Base64 within the API's 1 MB). */
    PrintAction print_image(const std::string &terminal_id, const std::string &external_reference,
                            const std::vector<uint8_t> &image,
                            const std::optional<std::string> &idempotency_key = std::nullopt) const {
        mpp_print_action *a = nullptr;
        detail::call([&](mpp_error **e) {
            return mpp_client_print_image(h_.get(), terminal_id.c_str(), external_reference.c_str(), image.data(),
                                          image.size(), detail::c_or_null(idempotency_key), &a, e);
        });
        return PrintAction(a);
    }
    /** Reads a print action. */
    PrintAction print_action(const std::string &action_id) const {
        mpp_print_action *a = nullptr;
        detail::call([&](mpp_error **e) { return mpp_client_print_action(h_.get(), action_id.c_str(), &a, e); });
        return PrintAction(a);
    }
    /** Cancels a print action the terminal has not fetched (CANNOT_CANCEL after). */
    void cancel_print_action(const std::string &action_id) const {
        detail::call([&](mpp_error **e) { return mpp_client_cancel_print_action(h_.get(), action_id.c_str(), e); });
    }
    /** Mercado Pago's sandbox (test credentials only: SANDBOX_ONLY otherwise, nothing sent):
     * drives the test order `order_id` to the event's status. */
    void simulate_order_event(const std::string &order_id, const OrderEvent &event) const {
        detail::call([&](mpp_error **e) {
            return mpp_client_simulate_order_event(h_.get(), order_id.c_str(), event.status.c_str(),
                                                   detail::c_or_null(event.status_detail),
                                                   detail::c_or_null(event.card_brand),
                                                   detail::c_or_null(event.card_type), event.installments, e);
        });
    }
    const mpp_client *get() const noexcept { return h_.get(); }

private:
    detail::Owned<mpp_client, mpp_client_free> h_;
};

/** A local simulator of the Point API with simulated terminals, for tests (stopped on destruction). */
class Simulator {
public:
    /** The default configuration. */
    Simulator() { start(nullptr); }
    /** The configuration shape shared with Python, Node and the CLI, as JSON. */
    explicit Simulator(const std::string &config_json) {
        mpp_simulator_config *c = nullptr;
        detail::call([&](mpp_error **e) { return mpp_simulator_config_from_json(config_json.c_str(), &c, e); });
        detail::Owned<mpp_simulator_config, mpp_simulator_config_free> cfg(c);
        start(cfg.get());
    }

    std::string base_url() const { return detail::str(mpp_simulator_base_url(h_.get())); }
    std::string access_token() const { return detail::str(mpp_simulator_access_token(h_.get())); }
    /** A client configuration pointing at this simulator. */
    Config client_config() const {
        mpp_config *c = nullptr;
        detail::call([&](mpp_error **e) { return mpp_simulator_client_config(h_.get(), &c, e); });
        return Config(c);
    }
    void present_card(const std::string &intent_id, mpp_card_outcome outcome = MPP_CARD_OUTCOME_APPROVED) const {
        detail::call([&](mpp_error **e) {
            return mpp_simulator_present_card(h_.get(), intent_id.c_str(), outcome, e);
        });
    }
    void cancel_on_terminal(const std::string &intent_id) const {
        detail::call([&](mpp_error **e) {
            return mpp_simulator_cancel_on_terminal(h_.get(), intent_id.c_str(), e);
        });
    }
    /** Stops the automatic play: the intent stays ON_TERMINAL until present_card or a cancel. */
    void hold_on_terminal(const std::string &intent_id) const {
        detail::call([&](mpp_error **e) {
            return mpp_simulator_hold_on_terminal(h_.get(), intent_id.c_str(), e);
        });
    }
    /** Orders API: the customer adds a tip (`"3.00"`) before paying the order. */
    void add_tip(const std::string &order_id, const std::string &tip) const {
        detail::call([&](mpp_error **e) { return mpp_simulator_add_tip(h_.get(), order_id.c_str(), tip.c_str(), e); });
    }
    /** The print action ends now with `outcome`. */
    void finish_print(const std::string &action_id, mpp_print_outcome outcome = MPP_PRINT_OUTCOME_PROCESSED) const {
        detail::call([&](mpp_error **e) {
            return mpp_simulator_finish_print(h_.get(), action_id.c_str(), outcome, e);
        });
    }
    /** The print action stays where it is until finish_print. */
    void hold_print(const std::string &action_id) const {
        detail::call([&](mpp_error **e) { return mpp_simulator_hold_print(h_.get(), action_id.c_str(), e); });
    }
    void restart_device(const std::string &device_id) const {
        detail::call([&](mpp_error **e) {
            return mpp_simulator_restart_device(h_.get(), device_id.c_str(), e);
        });
    }
    void set_faults_json(const std::string &faults) const {
        detail::call([&](mpp_error **e) { return mpp_simulator_set_faults_json(h_.get(), faults.c_str(), e); });
    }
    void clear_faults() const noexcept { mpp_simulator_clear_faults(h_.get()); }
    const mpp_simulator *get() const noexcept { return h_.get(); }

private:
    void start(const mpp_simulator_config *config) {
        mpp_simulator *s = nullptr;
        detail::call([&](mpp_error **e) { return mpp_simulator_start(config, &s, e); });
        h_.reset(s);
    }
    detail::Owned<mpp_simulator, mpp_simulator_stop> h_;
};

} // namespace mppoint

#endif /* MPPOINT_HPP */
