/*
 * A complete sale from C++17 through include/mppoint.hpp (header-only, over libmppoint), against
 * the simulator: owning handles free themselves, a failed call throws mppoint::Error with every
 * field of the error. Against Mercado Pago, use mppoint::Config("APP_USR-...").site(MPP_SITE_MLB)
 * instead of the simulator's config.
 *
 * Build and run it from the directory holding sale.cpp, once the bundle is installed by its
 * install.sh (into ~/.local, its default; for another prefix, change the first line).
 * tests/run_c.sh runs these lines as they are written here:
 *
 *   export PKG_CONFIG_PATH=$HOME/.local/lib/pkgconfig
 *   c++ -std=c++17 -o sale_cpp sale.cpp $(pkg-config --cflags --libs mppoint) -Wl,-rpath,$(pkg-config --variable=libdir mppoint)
 *   ./sale_cpp
 */
#include <iostream>

#include <mppoint.hpp>

int main() {
    try {
        mppoint::Simulator sim;  // stopped when it goes out of scope
        mppoint::Config config = sim.client_config();
        config.site(MPP_SITE_MLB).user_agent_suffix("ExamplePOS/1.0");
        mppoint::Client client(config);

        mppoint::WaitOptions options;
        options.timeout_ms(180000).on_status([](const std::string &status) {
            std::cout << "[till 1] intent is " << status << "\n";  // on the waiting thread
        });
        mppoint::Sale sale = client.charge(MPP_TARGET_POS, "SUC001POS001",
                                           mppoint::IntentRequest("12.47", "Sale 123", "order-123"), options);
        if (sale.is_paid()) {  // only MPP_VERDICT_APPROVED is a paid sale
            std::cout << "PAID " << sale.amount().value_or("") << ": payment " << sale.approved_payment()->id() << "\n";
            return 0;
        }
        std::cout << "NOT PAID: " << sale.verdict_str() << ", " << sale.advice() << " (" << sale.reason() << ")\n";
        return 1;
    } catch (const mppoint::Error &e) {
        // e.intent_id(): after WAIT_TIMEOUT or CANCELED the intent still exists (cancel it).
        std::cerr << "the sale failed: " << e.what() << " (" << e.code();
        if (e.http_status() != 0) std::cerr << ", HTTP " << e.http_status();
        if (e.request_id()) std::cerr << ", request id " << *e.request_id();
        std::cerr << ")\n";
        return 1;
    }
}
