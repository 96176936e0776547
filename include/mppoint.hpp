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
        external_reference_, field_, last_status_str_;
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
     * An exception it throws is swallowed: it cannot cross the C library. */
    WaitOptions &on_status(StatusCallback callback) {
        callback_ = std::make_unique<StatusCallback>(std::move(callback));
        detail::call([&](mpp_error **e) {
            return mpp_wait_options_set_on_status(h_.get(), &WaitOptions::trampoline, callback_.get(), e);
        });
        return *this;
    }
    /** The options keep their own reference to the token. */
    WaitOptions &cancel_token(const CancelToken &token) {
        detail::call([&](mpp_error **e) { return mpp_wait_options_set_cancel_token(h_.get(), token.get(), e); });
        return *this;
    }
    const mpp_wait_options *get() const noexcept { return h_.get(); }

private:
    static void trampoline(const char *status, void *user_data) {
        try {
            (*static_cast<StatusCallback *>(user_data))(detail::str(status));
        } catch (...) {
        }
    }
    detail::Owned<mpp_wait_options, mpp_wait_options_free> h_;
    std::unique_ptr<StatusCallback> callback_;
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
        detail::call([&](mpp_error **e) {
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
        detail::call([&](mpp_error **e) {
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
