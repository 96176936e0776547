//! The fault campaign: hundreds of sales against the simulator with randomised faults on create,
//! get and payment lookup (drops before and after processing, 500/502/503/504 before and after
//! processing, 429 with Retry-After 0–30 s, truncated and malformed answers, latency beyond the
//! client timeout), terminal speeds from instant to realistic (scaled), in both create modes
//! (keys ignored, keys honoured), with the opt-in re-send, and on the Orders API (whose keys are
//! documented, so its creates are re-sent with their key by default). Every promise is checked from the
//! simulator's own state, and the figures are printed (`cargo test --test fault_campaign --
//! --nocapture`).
//!
//! Promises checked:
//! - at most one intent per sale;
//! - no sale reported APPROVED whose payment is not approved (and the intent's, for its amount);
//! - every paid sale reported APPROVED, or as an error carrying the intent id, or as
//!   OUTCOME_UNKNOWN carrying the key and the external reference;
//! - every create that reached the simulator without the client learning the intent is
//!   OUTCOME_UNKNOWN with its key and external reference;
//! - after OUTCOME_UNKNOWN, `find_payments` tells a paid sale from an unpaid one.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mppoint::{
    Amount, Api, Client, Error, ErrorKind, IntentRequest, OperatingMode, PaymentStatus,
    RetryPolicy, Sale, Site, Target, Verdict, WaitOptions,
};
use mppoint_simulator::{
    Endpoint, FaultKind, FaultRule, SimDevice, SimPos, SimStore, Simulator, SimulatorConfig,
};

/// Tills per simulator, each selling on its own terminal concurrently.
const TILLS: usize = 6;
/// Sales per till per (mode, speed).
const SALES_PER_TILL: usize = 8;
/// The client's request timeout; the latency faults go beyond it.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(400);

#[derive(Clone, Copy)]
struct Mode {
    name: &'static str,
    api: Api,
    honor_keys: bool,
    resend: bool,
}

const MODES: [Mode; 4] = [
    Mode {
        name: "keys ignored",
        api: Api::Intents,
        honor_keys: false,
        resend: false,
    },
    Mode {
        name: "keys honoured",
        api: Api::Intents,
        honor_keys: true,
        resend: false,
    },
    Mode {
        name: "keys honoured + resend_ambiguous_creates",
        api: Api::Intents,
        honor_keys: true,
        resend: true,
    },
    // The Orders API documents its key: the client re-sends an order create with it by default
    // (the opt-in is not set here), and the simulator always honours it.
    Mode {
        name: "orders API",
        api: Api::Orders,
        honor_keys: true,
        resend: false,
    },
];

/// (pickup, step) of the terminal: instant, fast, quick, realistic (0.5 s / 0.3 s) scaled by 1/3.
const SPEEDS: [(u64, u64); 4] = [(0, 0), (5, 5), (40, 25), (170, 100)];

fn config(mode: Mode, speed: (u64, u64)) -> SimulatorConfig {
    let store = "1000001".to_string();
    SimulatorConfig {
        stores: vec![SimStore {
            id: store.clone(),
            name: "Campaign".into(),
        }],
        pos: (0..TILLS)
            .map(|i| SimPos {
                id: 3_000_000 + i as i64,
                external_id: format!("CAMP{i:02}"),
                store_id: store.clone(),
            })
            .collect(),
        devices: (0..TILLS)
            .map(|i| SimDevice {
                id: format!("PAX_A910__CAMP{i:08}"),
                pos_external_id: Some(format!("CAMP{i:02}")),
                operating_mode: OperatingMode::Pdv,
            })
            .collect(),
        pickup_delay: Duration::from_millis(speed.0),
        step_delay: Duration::from_millis(speed.1),
        time_factor: 900,
        honor_idempotency_keys: mode.honor_keys,
        faults: faults(),
        ..SimulatorConfig::default()
    }
}

/// The randomised faults: each rule applies to its share of the matching requests (drawn from
/// the simulator's seeded generator); latency adds to whatever else applies.
fn faults() -> Vec<FaultRule> {
    let mut rules = Vec::new();
    for (endpoint, retry_afters) in [
        (Endpoint::CreateIntent, &[0u64, 1, 5, 30][..]),
        (Endpoint::GetIntent, &[0, 1][..]),
        (Endpoint::GetPayment, &[0, 1, 30][..]),
        (Endpoint::SearchPayments, &[0, 1][..]),
    ] {
        let e = Some(endpoint);
        rules.push(
            FaultRule::new(e, FaultKind::Latency(Duration::from_millis(600))).share_percent(4),
        );
        rules.push(FaultRule::new(e, FaultKind::DropBeforeProcessing).share_percent(3));
        rules.push(FaultRule::new(e, FaultKind::DropAfterProcessing).share_percent(4));
        for status in [500, 502, 503, 504] {
            rules.push(FaultRule::new(e, FaultKind::Status(status)).share_percent(1));
            rules
                .push(FaultRule::new(e, FaultKind::StatusAfterProcessing(status)).share_percent(1));
        }
        for &secs in retry_afters {
            rules.push(
                FaultRule::new(
                    e,
                    FaultKind::RateLimited {
                        retry_after_secs: secs,
                    },
                )
                .share_percent(2),
            );
        }
        rules.push(FaultRule::new(e, FaultKind::TruncatedBody).share_percent(3));
        rules.push(FaultRule::new(e, FaultKind::MalformedJson).share_percent(3));
    }
    rules
}

/// What the POS was told about one sale.
struct Report {
    reference: String,
    amount: Amount,
    result: Result<Sale, Error>,
    /// The first status the status callback saw was already final: the intent had ended before
    /// the create's answer (or a re-send's) reached the POS.
    ended_before_answer: bool,
    /// For OUTCOME_UNKNOWN: what `find_payments` found once the terminal was done.
    recovered: Option<Vec<mppoint::Payment>>,
}

#[derive(Default, Debug)]
struct Figures {
    sales: u64,
    approved: u64,
    other_verdicts: u64,
    outcome_unknown: u64,
    errors_with_intent: u64,
    errors_without_intent: u64,
    intents: u64,
    paid_in_simulator: u64,
    ended_before_answer: u64,
    recovered_paid: u64,
    faults_applied: u64,
    create_requests: u64,
}

fn amount_for(rng: &mut fastrand::Rng) -> Amount {
    // Mostly approved; some rejected (.13), failed (.66), unconfirmed (.77), canceled (.88).
    let cents = match rng.u32(0..20) {
        0 => 13,
        1 => 66,
        2 => 77,
        3 => 88,
        _ => [0, 10, 25, 50, 99 - 4][rng.usize(0..5)],
    };
    Amount::from_cents(i64::from(rng.u32(5..500)) * 100 + cents).unwrap()
}

fn run(mode: Mode, speed: (u64, u64), seed: u64, figures: &Mutex<BTreeMap<&'static str, Figures>>) {
    let sim = Arc::new(Simulator::start(config(mode, speed)).expect("simulator starts"));
    let client = Client::builder(sim.access_token())
        .base_url(sim.base_url())
        .site(Site::MLB)
        .no_proxy()
        .timeout(CLIENT_TIMEOUT)
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_secs(1),
            jitter: true,
        })
        .resend_ambiguous_creates(mode.resend)
        .api(mode.api)
        // An order's own expiry (default 15 minutes) scaled like the intents' hour, so the
        // terminal speeds mean the same on both APIs.
        .order_expiration_time("PT1H")
        .build()
        .expect("client builds");
    let reports = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..TILLS)
        .map(|till| {
            let sim = sim.clone();
            let client = client.clone();
            let reports = reports.clone();
            std::thread::spawn(move || {
                let mut rng = fastrand::Rng::with_seed(seed * 1000 + till as u64);
                for n in 0..SALES_PER_TILL {
                    let reference = format!("s{seed}-t{till}-n{n}");
                    let amount = amount_for(&mut rng);
                    let first = Arc::new(Mutex::new(None::<bool>));
                    let f2 = first.clone();
                    let opts = WaitOptions::new()
                        .poll_interval(Duration::from_millis(25))
                        .timeout(Duration::from_secs(20))
                        .on_status(move |i| {
                            let mut f = f2.lock().unwrap();
                            if f.is_none() {
                                *f = Some(i.status.is_final());
                            }
                        });
                    let req = IntentRequest::new(amount, "Campaign sale", reference.clone());
                    let result = client.charge(&Target::Pos(format!("CAMP{till:02}")), &req, &opts);
                    let mut recovered = None;
                    if let Err(e) = &result {
                        // The POS's recovery: let the terminal finish (the operator checks
                        // it), so the till is free, then look the sale up by reference.
                        wait_until_ended(&sim, &reference);
                        if e.kind() == ErrorKind::OutcomeUnknown {
                            recovered = Some(find(&client, &reference));
                        }
                    }
                    let ended_before_answer = first.lock().unwrap().unwrap_or(false);
                    reports.lock().unwrap().push(Report {
                        reference,
                        amount,
                        result,
                        ended_before_answer,
                        recovered,
                    });
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a till panicked");
    }
    let reports = std::mem::take(&mut *reports.lock().unwrap());
    check(mode, &sim, &reports, figures);
}

/// Waits until every intent of `reference` in the simulator has ended.
fn wait_until_ended(sim: &Simulator, reference: &str) {
    let started = Instant::now();
    while sim
        .sales()
        .iter()
        .any(|i| i.external_reference.as_deref() == Some(reference) && !i.status.is_final())
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{reference} never ended"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `find_payments`, tried until the faults let it through.
fn find(client: &Client, reference: &str) -> Vec<mppoint::Payment> {
    for _ in 0..50 {
        match client.find_payments(reference) {
            Ok(found) => return found,
            Err(e) => {
                assert!(
                    e.kind().is_transient() || e.kind() == ErrorKind::Decode,
                    "{e}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    panic!("find_payments({reference}) never got through");
}

fn check(
    mode: Mode,
    sim: &Simulator,
    reports: &[Report],
    figures: &Mutex<BTreeMap<&'static str, Figures>>,
) {
    // The intents, or the orders as intents, of this run.
    let intents = sim.sales();
    let payments = sim.payments();
    let counters = sim.counters();
    let mut f = Figures {
        sales: reports.len() as u64,
        intents: intents.len() as u64,
        faults_applied: counters.faults_applied,
        create_requests: counters.requests_to(Endpoint::CreateIntent),
        ..Figures::default()
    };
    for r in reports {
        let mine: Vec<_> = intents
            .iter()
            .filter(|i| i.external_reference.as_deref() == Some(r.reference.as_str()))
            .collect();
        assert!(
            mine.len() <= 1,
            "{}: {} intents for one sale ({})",
            r.reference,
            mine.len(),
            mode.name
        );
        let paid: Vec<_> = payments
            .iter()
            .filter(|p| {
                p.external_reference.as_deref() == Some(r.reference.as_str())
                    && p.status == PaymentStatus::Approved
            })
            .collect();
        if !paid.is_empty() {
            f.paid_in_simulator += 1;
        }
        if r.ended_before_answer {
            f.ended_before_answer += 1;
        }
        match &r.result {
            Ok(sale) => {
                assert_eq!(mine.len(), 1, "{}: a sale without its intent", r.reference);
                assert_eq!(sale.intent.id, mine[0].id);
                if sale.verdict == Verdict::Approved {
                    f.approved += 1;
                    let p = sale
                        .approved_payment()
                        .expect("an approved sale has its payment");
                    let in_sim = sim
                        .payment(p.id)
                        .expect("the payment exists in the simulator");
                    assert_eq!(
                        in_sim.status,
                        PaymentStatus::Approved,
                        "{}: APPROVED but not paid",
                        r.reference
                    );
                    assert_eq!(in_sim.transaction_amount, Some(r.amount));
                    assert_eq!(
                        in_sim.external_reference.as_deref(),
                        Some(r.reference.as_str())
                    );
                    assert!(
                        mine[0].payment_ids().contains(&p.id),
                        "{}: not the intent's payment",
                        r.reference
                    );
                } else {
                    f.other_verdicts += 1;
                    assert!(
                        paid.is_empty(),
                        "{}: paid but reported {}",
                        r.reference,
                        sale.verdict
                    );
                }
            }
            Err(e) if e.kind() == ErrorKind::OutcomeUnknown => {
                f.outcome_unknown += 1;
                assert!(e.idempotency_key().is_some(), "{}: {e}", r.reference);
                assert_eq!(e.external_reference(), Some(r.reference.as_str()), "{e}");
                let found = r.recovered.as_ref().expect("recovery ran");
                let found_paid = found.iter().any(|p| p.is_approved());
                assert_eq!(
                    found_paid,
                    !paid.is_empty(),
                    "{}: find_payments disagrees with the simulator",
                    r.reference
                );
                if found_paid {
                    f.recovered_paid += 1;
                }
            }
            Err(e) if e.intent_id().is_some() => {
                f.errors_with_intent += 1;
                assert_eq!(mine.len(), 1, "{}: {e}", r.reference);
                assert_eq!(e.intent_id(), Some(mine[0].id.as_str()), "{e}");
                assert!(e.idempotency_key().is_some(), "{}: {e}", r.reference);
            }
            Err(e) => {
                // An error that names no intent must be one where none was made.
                f.errors_without_intent += 1;
                assert!(
                    mine.is_empty(),
                    "{}: an intent exists but the error does not say so: {e}",
                    r.reference
                );
                assert!(paid.is_empty(), "{}: paid but reported {e}", r.reference);
            }
        }
    }
    let mut all = figures.lock().unwrap();
    let t = all.entry(mode.name).or_default();
    t.sales += f.sales;
    t.approved += f.approved;
    t.other_verdicts += f.other_verdicts;
    t.outcome_unknown += f.outcome_unknown;
    t.errors_with_intent += f.errors_with_intent;
    t.errors_without_intent += f.errors_without_intent;
    t.intents += f.intents;
    t.paid_in_simulator += f.paid_in_simulator;
    t.ended_before_answer += f.ended_before_answer;
    t.recovered_paid += f.recovered_paid;
    t.faults_applied += f.faults_applied;
    t.create_requests += f.create_requests;
}

#[test]
fn five_hundred_sales_under_faults_keep_every_money_promise() {
    let started = Instant::now();
    let figures = Mutex::new(BTreeMap::new());
    let seed = AtomicU64::new(1);
    for mode in MODES {
        for speed in SPEEDS {
            run(mode, speed, seed.fetch_add(1, Ordering::SeqCst), &figures);
        }
    }
    let figures = figures.into_inner().unwrap();
    let total: u64 = figures.values().map(|f| f.sales).sum();
    println!(
        "fault campaign: {total} sales in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for (name, f) in &figures {
        println!(
            "  {name}: {} sales, {} intents, {} create requests, {} faults applied; \
             {} APPROVED (all paid), {} other verdicts, {} OUTCOME_UNKNOWN ({} found paid by \
             find_payments), {} errors with the intent id, {} errors before any intent; \
             {} paid in the simulator; {} intents ended before the POS heard of them; \
             0 double intents, 0 false APPROVED",
            f.sales,
            f.intents,
            f.create_requests,
            f.faults_applied,
            f.approved,
            f.other_verdicts,
            f.outcome_unknown,
            f.recovered_paid,
            f.errors_with_intent,
            f.errors_without_intent,
            f.paid_in_simulator,
            f.ended_before_answer
        );
    }
    assert!(total >= 500, "{total} sales");
    // The campaign must have met the cases it is about, in every mode.
    for (name, f) in &figures {
        // Where an ambiguous create is re-sent with its key (the Orders API; intents with
        // resend_ambiguous_creates), OUTCOME_UNKNOWN comes only when every attempt failed: rare,
        // so a seeded but threaded campaign may draw none, and it is not required (the resend
        // mode's own race is asserted below). Requiring it made the test fail at random.
        if *name != "orders API" && *name != "keys honoured + resend_ambiguous_creates" {
            assert!(f.outcome_unknown > 0, "{name}: no ambiguous create met");
        }
        assert!(f.approved > 0, "{name}: no sale approved");
        assert!(f.intents <= f.sales, "{name}: more sales made than rung up");
    }
    let resend = &figures["keys honoured + resend_ambiguous_creates"];
    assert!(
        resend.ended_before_answer > 0,
        "the harsh race (intent ended before a re-send's answer) was never met"
    );
}
