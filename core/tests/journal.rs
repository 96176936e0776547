//! The sale journal in one process, against the simulator: a charge idempotent by sale
//! reference, a lost create resolved without a second charge on both APIs, two clients on one
//! reference, pending and settle, the start-up resolution and its policies, retention, and every
//! bad file a till can leave behind (not a journal, another program's database, a newer schema,
//! a truncated or garbled file). The crash campaign, with real processes killed at random
//! instants, is `core/cli/tests/crash_campaign.rs`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use mppoint::{
    Amount, Api, ApprovedPolicy, Client, ErrorKind, IntentRequest, RetryPolicy, Site, Status,
    Target, Verdict, WaitOptions,
};
use mppoint_simulator::{Endpoint, FaultKind, FaultRule, Simulator, SimulatorConfig};

const POS1: &str = "SUC001POS001";
const DEV1: &str = "PAX_A910__SMARTPOS0000000001";

fn fast() -> SimulatorConfig {
    SimulatorConfig {
        pickup_delay: Duration::from_millis(40),
        step_delay: Duration::from_millis(20),
        // The 15-minute expiry of an intent becomes one second.
        time_factor: 900,
        ..SimulatorConfig::default()
    }
}

/// [`fast`], with the time factor an API's tests need: orders expire at their own
/// `expiration_time` (the sale's deadline, divided by the factor too), so real time there.
fn fast_for(api: Api) -> SimulatorConfig {
    match api {
        Api::Intents => fast(),
        Api::Orders => SimulatorConfig {
            time_factor: 1,
            ..fast()
        },
    }
}

fn sim(cfg: SimulatorConfig) -> Simulator {
    Simulator::start(cfg).expect("simulator starts")
}

/// A fresh folder for a journal, removed when dropped.
struct Dir(PathBuf);

/// The PostgreSQL server of `tests/with_postgres.sh`, when the tests run there: every journal of
/// this file is then a fresh database on it instead of an SQLite file.
fn pg() -> Option<String> {
    std::env::var("MPPOINT_TEST_PG_URL").ok()
}

/// A new database on the test server, and its URL.
fn fresh_database(server: &str) -> String {
    let name = format!("j{:016x}", fastrand::u64(..));
    let mut c = postgres::Client::connect(server, postgres::NoTls).expect("the test server");
    c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let (head, _) = server.rsplit_once('/').unwrap();
    format!("{head}/{name}")
}

impl Dir {
    /// The journal `name` of this test: a file in the folder, or (on the PostgreSQL server of
    /// the test script) a database of its own, the same for the same name.
    fn journal(&self, name: &str) -> PathBuf {
        let Some(server) = pg() else {
            return self.file(name);
        };
        let marker = self.file(&format!("{name}.pg"));
        if let Ok(url) = std::fs::read_to_string(&marker) {
            return PathBuf::from(url);
        }
        let url = fresh_database(&server);
        std::fs::write(&marker, &url).unwrap();
        PathBuf::from(url)
    }

    fn new(name: &str) -> Dir {
        let p = std::env::temp_dir().join(format!(
            "mppoint-journal-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }
    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn builder(s: &Simulator, api: Api, journal: &Path) -> mppoint::ClientBuilder {
    s.client_builder()
        .site(Site::MLB)
        .api(api)
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            jitter: true,
        })
        .journal(journal)
}

fn client(s: &Simulator, api: Api, journal: &Path) -> Client {
    builder(s, api, journal).build().expect("client builds")
}

fn req(amount: &str, reference: &str) -> IntentRequest {
    IntentRequest::new(Amount::parse(amount).unwrap(), "Journal sale", reference)
}

fn wait() -> WaitOptions {
    WaitOptions::new()
        .poll_interval(Duration::from_millis(10))
        .timeout(Duration::from_secs(20))
}

fn creates(s: &Simulator) -> u64 {
    s.counters().requests_to(Endpoint::CreateIntent)
}

/// The sales the simulator holds for `reference` (intents or orders, as intents).
fn sales_for(s: &Simulator, reference: &str) -> Vec<mppoint::Intent> {
    s.sales()
        .into_iter()
        .filter(|i| i.external_reference.as_deref() == Some(reference))
        .collect()
}

/// Waits (for the event, with a generous deadline) until every sale of `reference` in the
/// simulator has ended.
fn until_ended(s: &Simulator, reference: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !sales_for(s, reference).iter().all(|i| i.status.is_final()) {
        assert!(
            Instant::now() < deadline,
            "the simulator's sale never ended"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn approved_payments(s: &Simulator, reference: &str) -> usize {
    s.payments()
        .iter()
        .filter(|p| p.external_reference.as_deref() == Some(reference) && p.is_approved())
        .count()
}

#[test]
fn an_approved_reference_is_answered_from_the_journal_never_charged_again() {
    for api in Api::ALL {
        let s = sim(fast_for(api));
        let d = Dir::new("approved");
        let j = d.journal("sales.journal");
        let c = client(&s, api, &j);
        let first = c
            .charge(&Target::Device(DEV1.into()), &req("25.00", "A-1"), &wait())
            .unwrap();
        assert_eq!(first.verdict, Verdict::Approved, "{api}");
        let sent = creates(&s);
        // The same process, then a new one (a restart) on the same file.
        let again = c
            .charge(&Target::Device(DEV1.into()), &req("25.00", "A-1"), &wait())
            .unwrap();
        drop(c);
        let restarted = client(&s, api, &j);
        let third = restarted
            .charge(&Target::Device(DEV1.into()), &req("25.00", "A-1"), &wait())
            .unwrap();
        assert_eq!(creates(&s), sent, "{api}: nothing sent again");
        for other in [&again, &third] {
            assert_eq!(other.verdict, Verdict::Approved);
            assert_eq!(
                other.approved_payment().map(|p| p.id),
                first.approved_payment().map(|p| p.id)
            );
        }
        assert_eq!(approved_payments(&s, "A-1"), 1, "{api}");
        // Pending until the POS books it, exactly once.
        let pending = restarted.pending().unwrap();
        assert_eq!(pending.len(), 1);
        assert!(pending[0].paid);
        assert_eq!(pending[0].state, "FINAL");
        assert_eq!(pending[0].api, api.as_str());
        assert_eq!(
            pending[0].payment_id,
            first.approved_payment().map(|p| p.id)
        );
        assert!(restarted.settle("A-1").unwrap());
        assert!(!restarted.settle("A-1").unwrap());
        assert!(restarted.pending().unwrap().is_empty());
        // Settled is still answered, never charged.
        let after = restarted
            .charge(&Target::Device(DEV1.into()), &req("25.00", "A-1"), &wait())
            .unwrap();
        assert!(after.is_paid());
        assert_eq!(creates(&s), sent);
    }
}

#[test]
fn the_access_token_is_never_written_to_the_journal() {
    if pg().is_some() {
        eprintln!("an SQLite file's test: skipped on PostgreSQL");
        return;
    }
    let s = sim(fast());
    let d = Dir::new("token");
    let j = d.file("sales.journal");
    let c = client(&s, Api::Intents, &j);
    c.charge(&Target::Pos(POS1.into()), &req("3.00", "T-1"), &wait())
        .unwrap();
    drop(c);
    let token = s.access_token().as_bytes().to_vec();
    for entry in std::fs::read_dir(&d.0).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            let bytes = std::fs::read(&p).unwrap();
            assert!(
                !bytes.windows(token.len()).any(|w| w == token.as_slice()),
                "{} holds the token",
                p.display()
            );
        }
    }
}

#[test]
fn another_cart_under_the_same_reference_is_refused_before_anything_is_sent() {
    let s = sim(fast());
    let d = Dir::new("mismatch");
    let c = client(&s, Api::Intents, &d.journal("j"));
    c.charge(&Target::Pos(POS1.into()), &req("10.00", "M-1"), &wait())
        .unwrap();
    let sent = creates(&s);
    for (target, amount) in [
        (Target::Pos(POS1.into()), "10.01"),
        (Target::Device(DEV1.into()), "10.00"),
    ] {
        let e = c.charge(&target, &req(amount, "M-1"), &wait()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IdempotencyKeyMismatch, "{e}");
        assert!(e.message().contains("10.00"), "{e}");
        assert!(e.message().contains(amount), "{e}");
    }
    // Another API on the same journal and reference.
    let orders = client(&s, Api::Orders, &d.journal("j"));
    let e = orders
        .charge(&Target::Pos(POS1.into()), &req("10.00", "M-1"), &wait())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IdempotencyKeyMismatch, "{e}");
    assert_eq!(creates(&s), sent);
}

#[test]
fn an_unpaid_attempt_may_be_charged_again_under_the_same_sale() {
    for api in Api::ALL {
        let s = sim(fast_for(api));
        let d = Dir::new("unpaid");
        let c = client(&s, api, &d.journal("j"));
        let first = c
            .charge(&Target::Device(DEV1.into()), &req("7.13", "U-1"), &wait())
            .unwrap();
        assert_eq!(first.verdict, Verdict::Rejected, "{api}");
        let p = c.pending().unwrap();
        assert_eq!((p[0].attempt, p[0].paid), (1, false));
        let second = c
            .charge(&Target::Device(DEV1.into()), &req("7.13", "U-1"), &wait())
            .unwrap();
        assert_eq!(second.verdict, Verdict::Rejected);
        assert_ne!(first.intent.id, second.intent.id, "{api}: a new attempt");
        assert_ne!(
            first.intent.idempotency_key, second.intent.idempotency_key,
            "{api}: a new key"
        );
        let p = c.pending().unwrap();
        assert_eq!(p[0].attempt, 2, "{api}");
        assert_eq!(sales_for(&s, "U-1").len(), 2);
        // An unpaid sale can be settled (the POS gives up on it).
        assert!(c.settle("U-1").unwrap());
    }
}

#[test]
fn two_clients_charging_one_reference_make_exactly_one_create() {
    for api in Api::ALL {
        let s = Arc::new(sim(SimulatorConfig {
            pickup_delay: Duration::from_millis(300),
            step_delay: Duration::from_millis(100),
            ..fast_for(api)
        }));
        let d = Dir::new("race");
        let j = d.journal("j");
        let barrier = Arc::new(Barrier::new(2));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (s, j, barrier) = (s.clone(), j.clone(), barrier.clone());
                std::thread::spawn(move || {
                    // Two clients, as two processes would open the file.
                    let c = client(&s, api, &j);
                    barrier.wait();
                    c.charge(&Target::Device(DEV1.into()), &req("12.00", "R-1"), &wait())
                })
            })
            .collect();
        let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        let busy: Vec<_> = results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .filter(|e| e.kind() == ErrorKind::SaleInProgress)
            .collect();
        assert_eq!(
            ok + busy.len(),
            2,
            "{api}: {:?}",
            results.iter().map(|r| r.as_ref().err()).collect::<Vec<_>>()
        );
        assert!(ok >= 1);
        assert_eq!(sales_for(&s, "R-1").len(), 1, "{api}: exactly one create");
        for e in busy {
            assert!(e.message().contains("R-1"), "{e}");
            assert_eq!(e.external_reference(), Some("R-1"));
        }
    }
}

#[test]
fn a_lost_order_create_is_resent_with_its_key_and_gives_the_same_order() {
    let s = sim(fast_for(Api::Orders));
    let d = Dir::new("lost-order");
    let c = client(&s, Api::Orders, &d.journal("j"));
    // The create happens but its answer is lost, on every attempt of the first charge (the
    // client's own re-sends with the key included).
    s.add_fault(
        FaultRule::new(Some(Endpoint::CreateIntent), FaultKind::DropAfterProcessing).times(3),
    );
    let e = c
        .charge(&Target::Device(DEV1.into()), &req("30.00", "O-1"), &wait())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e}");
    assert_eq!(c.pending().unwrap()[0].state, "SENT");
    let sale = c
        .charge(&Target::Device(DEV1.into()), &req("30.00", "O-1"), &wait())
        .unwrap();
    assert_eq!(sale.verdict, Verdict::Approved);
    assert_eq!(sales_for(&s, "O-1").len(), 1, "one order");
    assert_eq!(approved_payments(&s, "O-1"), 1);
}

#[test]
fn a_lost_intent_create_is_never_resent_and_is_found_by_its_payment() {
    let s = sim(fast());
    let d = Dir::new("lost-intent");
    let c = builder(&s, Api::Intents, &d.journal("j"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    s.add_fault(
        FaultRule::new(Some(Endpoint::CreateIntent), FaultKind::DropAfterProcessing).times(1),
    );
    let e = c
        .charge(&Target::Pos(POS1.into()), &req("40.00", "L-1"), &wait())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e}");
    assert!(e.idempotency_key().is_some());
    // The cashier rings it again at once: the intent may still be on the terminal, so nothing
    // is sent and the answer says what to do.
    let sent = creates(&s);
    let again = c.charge(&Target::Pos(POS1.into()), &req("40.00", "L-1"), &wait());
    if let Err(e) = &again {
        assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e}");
        assert!(
            e.message().contains("charge the same reference again"),
            "{e}"
        );
        assert_eq!(creates(&s), sent, "never re-sent");
    }
    // The customer pays it on the terminal; the next charge finds its payment.
    until_ended(&s, "L-1");
    let sale = c
        .charge(&Target::Pos(POS1.into()), &req("40.00", "L-1"), &wait())
        .unwrap();
    assert_eq!(sale.verdict, Verdict::Approved);
    assert_eq!(creates(&s), sent, "never re-sent");
    assert_eq!(sales_for(&s, "L-1").len(), 1);
    assert_eq!(approved_payments(&s, "L-1"), 1);
    assert!(c.pending().unwrap()[0].paid);
}

#[test]
fn a_lost_unpaid_intent_create_is_tried_again_only_after_the_window() {
    let s = sim(fast());
    let d = Dir::new("lost-unpaid");
    let window = Duration::from_millis(1500);
    let c = builder(&s, Api::Intents, &d.journal("j"))
        .retry(RetryPolicy::none())
        .journal_lost_create_window(Duration::from_secs(2))
        .build()
        .unwrap();
    s.add_fault(
        FaultRule::new(Some(Endpoint::CreateIntent), FaultKind::DropAfterProcessing).times(1),
    );
    let started = Instant::now();
    // .88: the customer cancels on the terminal: no payment will ever appear.
    let e = c
        .charge(&Target::Pos(POS1.into()), &req("9.88", "W-1"), &wait())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e}");
    until_ended(&s, "W-1");
    if started.elapsed() < window {
        let e = c
            .charge(&Target::Pos(POS1.into()), &req("9.88", "W-1"), &wait())
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e}");
        assert_eq!(
            sales_for(&s, "W-1").len(),
            1,
            "nothing sent within the window"
        );
    }
    // After the window: the attempt ends unpaid and the charge tries again.
    let deadline = Instant::now() + Duration::from_secs(20);
    let sale = loop {
        match c.charge(&Target::Pos(POS1.into()), &req("9.88", "W-1"), &wait()) {
            Ok(sale) => break sale,
            Err(e) if e.kind() == ErrorKind::OutcomeUnknown && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(e) => panic!("{e}"),
        }
    };
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert_eq!(sale.verdict, Verdict::Canceled);
    assert_eq!(sales_for(&s, "W-1").len(), 2);
    assert_eq!(c.pending().unwrap()[0].attempt, 2);
}

#[test]
fn a_wait_given_up_cancels_an_intent_still_waiting_for_the_terminal() {
    for api in Api::ALL {
        let s = sim(fast_for(api));
        let d = Dir::new("gave-up");
        let c = client(&s, api, &d.journal("j"));
        // .99: never picked up.
        let e = c
            .charge(
                &Target::Device(DEV1.into()),
                &req("5.99", "G-1"),
                &wait().timeout(Duration::from_millis(300)),
            )
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WaitTimeout, "{api}: {e}");
        let left = sales_for(&s, "G-1");
        assert_eq!(left.len(), 1);
        assert!(
            left[0].status.is_final(),
            "{api}: {:?} left",
            left[0].status
        );
        let p = c.pending().unwrap();
        assert_eq!(p[0].state, "FINAL", "{api}");
        assert_eq!(p[0].verdict.as_deref(), Some("CANCELED"), "{api}");
    }
}

#[test]
fn an_order_expires_with_the_sales_deadline() {
    let s = sim(fast_for(Api::Orders));
    let d = Dir::new("expiry");
    let c = client(&s, Api::Orders, &d.journal("j"));
    c.charge(
        &Target::Device(DEV1.into()),
        &req("11.00", "E-1"),
        &wait().timeout(Duration::from_secs(95)),
    )
    .unwrap();
    let orders = s.orders();
    let o = orders
        .iter()
        .find(|o| o.external_reference.as_deref() == Some("E-1"))
        .unwrap();
    assert_eq!(o.expiration_time.as_deref(), Some("PT125S"));
}

#[test]
fn the_startup_resolution_applies_the_policy_to_an_approved_unbooked_sale() {
    for policy in ApprovedPolicy::ALL {
        let s = sim(fast());
        let d = Dir::new("policy");
        let c = client(&s, Api::Intents, &d.journal("j"));
        let sale = c
            .charge(&Target::Pos(POS1.into()), &req("15.00", "P-1"), &wait())
            .unwrap();
        let pid = sale.approved_payment().unwrap().id;
        drop(c);
        let c = client(&s, Api::Intents, &d.journal("j"));
        let left = c.resolve_pending(policy, &wait()).unwrap();
        match policy {
            ApprovedPolicy::Report => {
                assert_eq!(left.len(), 1);
                assert!(left[0].paid);
            }
            ApprovedPolicy::Settle => assert!(left.is_empty()),
            ApprovedPolicy::Refund => {
                assert!(left.is_empty());
                let p = s.payment(pid).unwrap();
                assert_eq!(
                    p.transaction_amount_refunded.map(|a| a.to_string()),
                    Some("15.00".into()),
                    "{p:?}"
                );
                // Resolving again refunds nothing more.
                c.resolve_pending(policy, &wait()).unwrap();
            }
        }
    }
}

#[test]
fn settle_and_pending_say_what_is_wrong() {
    let s = sim(fast());
    let d = Dir::new("settle");
    let c = client(&s, Api::Intents, &d.journal("j"));
    let e = c.settle("never-charged").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let e = c.settle("").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    // A sale still on the terminal has no verdict to settle.
    let e = c
        .charge(
            &Target::Pos(POS1.into()),
            &req("2.44", "H-1"),
            &wait().timeout(Duration::from_millis(400)),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WaitTimeout, "{e}");
    let e = c.settle("H-1").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SaleInProgress, "{e}");
    // Without a journal.
    let plain = s.client_builder().build().unwrap();
    assert_eq!(plain.pending().unwrap_err().kind(), ErrorKind::Config);
    assert_eq!(plain.settle("x").unwrap_err().kind(), ErrorKind::Config);
}

#[test]
fn settled_sales_are_pruned_after_the_retention() {
    let s = sim(fast());
    let d = Dir::new("retention");
    let j = d.journal("j");
    let c = client(&s, Api::Intents, &j);
    c.charge(&Target::Pos(POS1.into()), &req("1.00", "K-1"), &wait())
        .unwrap();
    assert!(c.settle("K-1").unwrap());
    drop(c);
    // Kept at the default retention...
    let c = client(&s, Api::Intents, &j);
    assert!(!c.settle("K-1").unwrap());
    drop(c);
    std::thread::sleep(Duration::from_millis(5));
    // ...pruned by a short one: the reference is then a new sale.
    let c = builder(&s, Api::Intents, &j)
        .journal_retention(Duration::from_millis(1))
        .build()
        .unwrap();
    assert_eq!(c.settle("K-1").unwrap_err().kind(), ErrorKind::NotFound);
}

fn journal_error(path: &Path) -> mppoint::Error {
    let s = sim(fast());
    builder(&s, Api::Intents, path).build().unwrap_err()
}

#[test]
fn a_file_that_is_not_a_usable_journal_is_a_typed_error_naming_the_path() {
    if pg().is_some() {
        eprintln!("an SQLite file's test: skipped on PostgreSQL");
        return;
    }
    let d = Dir::new("bad");
    // A folder; a folder that does not exist.
    for (path, says) in [
        (d.0.clone(), "folder"),
        (d.file("missing/sales.journal"), "does not exist"),
    ] {
        let e = journal_error(&path);
        assert_eq!(e.kind(), ErrorKind::Journal, "{e}");
        assert!(e.message().contains(says), "{e}");
    }
    // A text file.
    let text = d.file("notes.txt");
    std::fs::write(
        &text,
        "this is not a database, it is a shopping list ".repeat(100),
    )
    .unwrap();
    let e = journal_error(&text);
    assert_eq!(e.kind(), ErrorKind::Journal, "{e}");
    assert!(e.message().contains("notes.txt"), "{e}");
    assert_eq!(
        std::fs::read(&text).unwrap().len(),
        4600,
        "another program's file is left as it was"
    );
    // Another program's SQLite database.
    let other = d.file("other.db");
    {
        let conn = rusqlite::Connection::open(&other).unwrap();
        conn.execute_batch("CREATE TABLE customers (name TEXT)")
            .unwrap();
    }
    let e = journal_error(&other);
    assert_eq!(e.kind(), ErrorKind::Journal, "{e}");
    assert!(e.message().contains("another program"), "{e}");
    // A journal of a newer version.
    let newer = d.file("newer.journal");
    {
        let s = sim(fast());
        builder(&s, Api::Intents, &newer).build().unwrap();
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.execute_batch("PRAGMA user_version = 99").unwrap();
    }
    let e = journal_error(&newer);
    assert_eq!(e.kind(), ErrorKind::Journal, "{e}");
    assert!(e.message().contains("newer"), "{e}");
}

/// A journal with `n` sales in flight (state SENT: their creates' answers lost), closed.
fn journal_with_sent_sales(path: &Path, n: usize) {
    let s = sim(fast());
    let c = builder(&s, Api::Intents, path)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    s.add_fault(FaultRule::new(
        Some(Endpoint::CreateIntent),
        FaultKind::DropAfterProcessing,
    ));
    for i in 0..n {
        let e = c
            .charge(
                &Target::Pos(POS1.into()),
                &req("20.00", &format!("S-{i}")),
                &wait(),
            )
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
        // The terminal holds one intent at a time: let it end.
        until_ended(&s, &format!("S-{i}"));
    }
    assert_eq!(c.pending().unwrap().len(), n);
}

#[test]
fn a_power_cut_shape_file_never_loses_a_sent_record_silently() {
    if pg().is_some() {
        eprintln!("an SQLite file's test: skipped on PostgreSQL");
        return;
    }
    let d = Dir::new("powercut");
    let n = 40;
    // Truncated at several points, and with the last page garbled.
    for cut in ["half", "last-page-garbled", "tail-truncated"] {
        let j = d.file(&format!("{cut}.journal"));
        journal_with_sent_sales(&j, n);
        let mut bytes = std::fs::read(&j).unwrap();
        assert!(bytes.len() >= 4096, "{} bytes", bytes.len());
        match cut {
            "half" => bytes.truncate(bytes.len() / 2),
            "tail-truncated" => bytes.truncate(bytes.len() - 100),
            _ => {
                let start = bytes.len() - 4096;
                for b in &mut bytes[start..] {
                    *b ^= 0x5a;
                }
            }
        }
        std::fs::write(&j, &bytes).unwrap();
        let s = sim(fast());
        match builder(&s, Api::Intents, &j).build() {
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Journal, "{cut}: {e}");
                assert!(
                    e.message().contains(&*j.display().to_string()),
                    "{cut}: {e}"
                );
            }
            Ok(c) => {
                // Opened (SQLite recovered it): every sent sale is still there, or reading
                // them is a typed error; never a silently shorter list.
                match c.pending() {
                    Ok(p) => assert_eq!(p.len(), n, "{cut}: a sent record was lost"),
                    Err(e) => assert_eq!(e.kind(), ErrorKind::Journal, "{cut}: {e}"),
                }
            }
        }
    }
}

#[test]
fn bad_journal_options_are_refused() {
    let s = sim(fast());
    let d = Dir::new("opts");
    for b in [
        builder(&s, Api::Intents, &d.journal("j")).journal_retention(Duration::ZERO),
        builder(&s, Api::Intents, &d.journal("j")).journal_lost_create_window(Duration::ZERO),
        builder(&s, Api::Intents, &d.journal("j"))
            .journal_lost_create_window(Duration::from_secs(25 * 3600)),
    ] {
        let e = b.build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    }
    let e = builder(&s, Api::Intents, Path::new(""))
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    let e = IntentRequest::new(Amount::parse("1.00").unwrap(), "x", "");
    let c = client(&s, Api::Intents, &d.journal("j"));
    assert_eq!(
        c.charge(&Target::Pos(POS1.into()), &e, &wait())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
    assert!(
        c.pending().unwrap().is_empty(),
        "a refused charge leaves nothing"
    );
    let _ = Status::Opened;
}

#[test]
fn a_postgres_journal_that_cannot_be_used_is_a_typed_error_without_the_password() {
    let Some(server) = pg() else {
        eprintln!("no PostgreSQL server (run through tests/with_postgres.sh): skipped");
        return;
    };
    let s = sim(fast());
    let password = server
        .split_once("://")
        .and_then(|(_, r)| r.split_once('@'))
        .and_then(|(u, _)| u.split_once(':'))
        .map(|(_, p)| p.to_string())
        .unwrap();
    // A wrong password; a port where nothing listens; a URL that is not one.
    let wrong = server.replacen(&password, "not-the-password", 1);
    for url in [
        wrong.as_str(),
        "postgres://mppoint:secret-pw@127.0.0.1:9/journal",
        "postgres://mppoint:secret-pw@127.0.0.1:notaport/journal",
    ] {
        let e = builder(&s, Api::Intents, Path::new(url))
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Journal, "{e}");
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.contains("secret-pw") && !shown.contains("not-the-password"),
            "{shown}"
        );
        assert!(shown.contains("***"), "{shown}");
    }
    // The builder and the client never show it either.
    let url = fresh_database(&server);
    let b = builder(&s, Api::Intents, Path::new(&url));
    assert!(!format!("{b:?}").contains(&password));
    let c = b.build().unwrap();
    assert!(!format!("{c:?}").contains(&password));
    drop(c);
    // A journal of a newer version.
    let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    db.batch_execute("UPDATE mppoint.schema_version SET version = 99")
        .unwrap();
    let e = builder(&s, Api::Intents, Path::new(&url))
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Journal, "{e}");
    assert!(e.message().contains("newer"), "{e}");
    // Its tables are in their own schema, `mppoint`.
    let n: i64 = db
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'mppoint'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
}

/// Tills started together on one new journal: every one opens it, none mistakes the schema the
/// others are creating for another program's database (three separate reads of the header and
/// the tables once saw the tables of a commit without its header).
#[test]
fn many_clients_opening_one_new_journal_at_once_all_open_it() {
    let s = Arc::new(sim(fast_for(Api::Intents)));
    for round in 0..20 {
        let d = Dir::new("open-race");
        let j = d.journal(&format!("j{round}"));
        let barrier = Arc::new(Barrier::new(6));
        let opened: Vec<_> = (0..6)
            .map(|_| {
                let (s, j, barrier) = (s.clone(), j.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    builder(&s, Api::Intents, &j).build().map(drop)
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        for r in opened {
            assert!(r.is_ok(), "round {round}: {:?}", r.err());
        }
    }
}
