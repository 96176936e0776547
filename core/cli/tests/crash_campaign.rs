//! The crash campaign of the sale journal: real POS processes (`mppoint sale --journal`) killed
//! mid-sale, then rung again with the same reference, as a cashier does after a power cut.
//!
//! Hundreds of sales on both APIs against one simulator (in this test's process, so it outlives
//! every POS), several tills at once on one shared journal file, with the fault campaign's
//! faults (lost answers after the create happened, 5xx, latency). Each sale's first process is
//! either aborted at a state transition of the journal (the test-only hook
//! `MPPOINT_JOURNAL_DIE_AT`, every transition in turn) or killed with SIGKILL at a random instant;
//! half the sales then go through the start-up resolution (`mppoint resolve`), and every sale is
//! rung again until it has a verdict. Checked from the simulator's own state:
//! - no sale charged twice (at most one approved payment per reference);
//! - every verdict true (reported paid exactly when the simulator holds an approved payment);
//! - nothing left on a terminal (every intent and order ended);
//! - every approved sale in `mppoint pending` until settled, and gone once settled.
//!
//! The figures are printed: `cargo test -p mppoint-cli --test crash_campaign -- --nocapture`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mppoint::{Api, OperatingMode};
use mppoint_simulator::{
    Endpoint, FaultKind, FaultRule, SimDevice, SimPos, SimStore, Simulator, SimulatorConfig,
};

/// Tills selling at once (each on its own terminal), all on one journal file.
const TILLS: usize = 5;
/// Sales per till per API (`MPPOINT_CRASH_SALES_PER_TILL` changes it: the test script's
/// PostgreSQL run uses fewer).
fn sales_per_till() -> usize {
    std::env::var("MPPOINT_CRASH_SALES_PER_TILL")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(52)
}
/// The journal's transitions, each a place the first process dies at in turn.
const DIE_AT: [&str; 6] = ["planned", "sent", "created", "on_api", "ended", "final"];

fn config(api: Api) -> SimulatorConfig {
    let store = "1000001".to_string();
    let mut faults = Vec::new();
    for endpoint in [
        Endpoint::CreateIntent,
        Endpoint::GetIntent,
        Endpoint::SearchPayments,
    ] {
        let e = Some(endpoint);
        faults.push(FaultRule::new(e, FaultKind::DropAfterProcessing).share_percent(4));
        faults.push(FaultRule::new(e, FaultKind::StatusAfterProcessing(502)).share_percent(2));
        faults.push(FaultRule::new(e, FaultKind::Status(503)).share_percent(2));
        faults.push(
            FaultRule::new(e, FaultKind::Latency(Duration::from_millis(150))).share_percent(3),
        );
    }
    SimulatorConfig {
        stores: vec![SimStore {
            id: store.clone(),
            name: "Crash".into(),
        }],
        pos: (0..TILLS)
            .map(|i| SimPos {
                id: 4_000_000 + i as i64,
                external_id: format!("CRASH{i:02}"),
                store_id: store.clone(),
            })
            .collect(),
        devices: (0..TILLS)
            .map(|i| SimDevice {
                id: format!("PAX_A910__CRASH{i:08}"),
                pos_external_id: Some(format!("CRASH{i:02}")),
                operating_mode: OperatingMode::Pdv,
            })
            .collect(),
        pickup_delay: Duration::from_millis(60),
        step_delay: Duration::from_millis(40),
        // Intents: the 15 minutes of expiry become one second. Orders expire at the sale's
        // deadline (30 s here), divided by the factor too: 1.5 s.
        time_factor: match api {
            Api::Intents => 900,
            Api::Orders => 20,
        },
        faults,
        ..SimulatorConfig::default()
    }
}

#[derive(Debug, Default, Clone)]
struct Figures {
    sales: u64,
    died_at_transition: u64,
    killed_at_random: u64,
    finished_before_kill: u64,
    resolved_at_startup: u64,
    reruns: u64,
    outcome_unknown_reruns: u64,
    approved: u64,
    not_paid: u64,
    confirmation_required: u64,
    charged_twice: u64,
    verdicts_wrong: u64,
    left_on_terminal: u64,
    approved_missing_from_pending: u64,
    creates: u64,
}

/// `mppoint SUBCOMMAND --journal JOURNAL` against the simulator.
fn mppoint(sim: &Simulator, api: Api, subcommand: &str, journal: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mppoint"));
    c.env_remove("MPPOINT_JOURNAL_DIE_AT")
        .env_remove("MPPOINT_JOURNAL")
        .env("MP_ACCESS_TOKEN", sim.access_token())
        .env("MPPOINT_BASE_URL", sim.base_url())
        .env("MPPOINT_API", api.as_str())
        .env("MPPOINT_LOG", "off")
        // The simulator's intents expire in 1 s: the lost-create window follows.
        .env("MPPOINT_JOURNAL_LOST_CREATE_WINDOW_SECS", "2")
        .arg(subcommand)
        .arg("--journal")
        .arg(journal)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// `mppoint sale --json` of one sale on till `till`'s terminal.
fn sale(
    sim: &Simulator,
    api: Api,
    journal: &Path,
    reference: &str,
    amount: &str,
    till: usize,
) -> Command {
    let mut c = mppoint(sim, api, "sale", journal);
    c.args([
        "--json",
        "--reference",
        reference,
        "--amount",
        amount,
        "--device",
        &format!("PAX_A910__CRASH{till:08}"),
        "--timeout-secs",
        "30",
        "--poll-ms",
        "20",
    ]);
    c
}

/// What a finished `mppoint sale --json` said: the exit code and its JSON.
fn finished(out: std::process::Output) -> (i32, serde_json::Value, String) {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), v, err)
}

fn amount_for(rng: &mut fastrand::Rng) -> String {
    let cents = match rng.u32(0..20) {
        0 => 13,
        1 => 66,
        2 => 77,
        3 => 88,
        4 => 99,
        _ => [0, 10, 25, 50][rng.usize(0..4)],
    };
    format!("{}.{cents:02}", rng.u32(5..500))
}

fn till(
    sim: &Simulator,
    api: Api,
    journal: &Path,
    t: usize,
    seed: u64,
    figures: &Mutex<Figures>,
    verdicts: &Mutex<BTreeMap<String, (String, bool)>>,
) {
    let mut rng = fastrand::Rng::with_seed(seed ^ (t as u64) << 32);
    for n in 0..sales_per_till() {
        let reference = format!("{}-{t}-{n}", api.as_str());
        let amount = amount_for(&mut rng);
        let mut f = Figures {
            sales: 1,
            ..Figures::default()
        };
        // The first process dies mid-sale.
        let mut first = sale(sim, api, journal, &reference, &amount, t);
        if n % 2 == 0 {
            first.env("MPPOINT_JOURNAL_DIE_AT", DIE_AT[(n / 2 + t) % DIE_AT.len()]);
            let out = first.output().expect("mppoint runs");
            if out.status.code().is_none() {
                f.died_at_transition += 1;
            } else {
                f.finished_before_kill += 1;
            }
        } else {
            let mut child = first.spawn().expect("mppoint runs");
            std::thread::sleep(Duration::from_millis(rng.u64(0..700)));
            match child.try_wait().expect("the child can be waited for") {
                Some(_) => f.finished_before_kill += 1,
                None => {
                    child.kill().expect("SIGKILL");
                    f.killed_at_random += 1;
                }
            }
            let _ = child.wait();
        }
        // Half the restarts run the start-up resolution first.
        if rng.bool() {
            let mut r = mppoint(sim, api, "resolve", journal);
            r.args(["--json", "--timeout-secs", "30"]);
            let out = r.output().expect("mppoint resolve runs");
            assert_eq!(
                out.status.code(),
                Some(0),
                "resolve: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            f.resolved_at_startup += 1;
        }
        // The cashier rings the same sale again until it has a verdict.
        let deadline = Instant::now() + Duration::from_secs(60);
        let (verdict, paid) = loop {
            let again = sale(sim, api, journal, &reference, &amount, t).output();
            let (code, v, err) = finished(again.expect("mppoint runs"));
            f.reruns += 1;
            if let Some(verdict) = v["verdict"].as_str() {
                assert!(
                    matches!(code, 0 | 1 | 3),
                    "{reference}: exit {code} with a verdict: {err}"
                );
                break (verdict.to_string(), verdict == "APPROVED");
            }
            let kind = v["error"]["code"].as_str().unwrap_or("").to_string();
            assert!(
                matches!(
                    kind.as_str(),
                    "OUTCOME_UNKNOWN"
                        | "SERVER"
                        | "NETWORK"
                        | "TIMEOUT"
                        | "DECODE"
                        | "ALREADY_QUEUED"
                        | "WAIT_TIMEOUT"
                        // Another till's start-up resolution is driving it right now.
                        | "SALE_IN_PROGRESS"
                ),
                "{reference}: exit {code}, {kind}: {err}"
            );
            if kind == "OUTCOME_UNKNOWN" {
                f.outcome_unknown_reruns += 1;
            }
            assert!(
                Instant::now() < deadline,
                "{reference}: no verdict within a minute: {err}"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        match verdict.as_str() {
            "APPROVED" => f.approved += 1,
            "CONFIRMATION_REQUIRED" => f.confirmation_required += 1,
            _ => f.not_paid += 1,
        }
        verdicts.lock().unwrap().insert(reference, (verdict, paid));
        let mut all = figures.lock().unwrap();
        add(&mut all, &f);
    }
}

fn add(to: &mut Figures, f: &Figures) {
    to.sales += f.sales;
    to.died_at_transition += f.died_at_transition;
    to.killed_at_random += f.killed_at_random;
    to.finished_before_kill += f.finished_before_kill;
    to.resolved_at_startup += f.resolved_at_startup;
    to.reruns += f.reruns;
    to.outcome_unknown_reruns += f.outcome_unknown_reruns;
    to.approved += f.approved;
    to.not_paid += f.not_paid;
    to.confirmation_required += f.confirmation_required;
}

/// With the PostgreSQL server of `tests/with_postgres.sh` (`MPPOINT_TEST_PG_URL`), every
/// journal is a fresh database on it; otherwise an SQLite file in `dir`.
fn journal_in(dir: &Path, name: &str) -> PathBuf {
    let Ok(server) = std::env::var("MPPOINT_TEST_PG_URL") else {
        return dir.join(name);
    };
    let db = format!("c{:016x}", fastrand::u64(..));
    let mut c = postgres::Client::connect(&server, postgres::NoTls).expect("the test server");
    c.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
    let (head, _) = server.rsplit_once('/').unwrap();
    PathBuf::from(format!("{head}/{db}"))
}

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn campaign(api: Api, seed: u64) -> Figures {
    let sim = Arc::new(Simulator::start(config(api)).expect("simulator starts"));
    let dir = Dir(std::env::temp_dir().join(format!(
        "mppoint-crash-{}-{}-{seed}",
        api.as_str(),
        std::process::id()
    )));
    std::fs::create_dir_all(&dir.0).unwrap();
    let journal = journal_in(&dir.0, "tills.journal");
    let figures = Arc::new(Mutex::new(Figures::default()));
    let verdicts = Arc::new(Mutex::new(BTreeMap::new()));
    let threads: Vec<_> = (0..TILLS)
        .map(|t| {
            let (sim, journal, figures, verdicts) = (
                sim.clone(),
                journal.clone(),
                figures.clone(),
                verdicts.clone(),
            );
            std::thread::spawn(move || till(&sim, api, &journal, t, seed, &figures, &verdicts))
        })
        .collect();
    for t in threads {
        t.join().expect("a till's thread");
    }
    let mut f = figures.lock().unwrap().clone();
    let verdicts = verdicts.lock().unwrap().clone();
    // Nothing left on a terminal: every intent (order) ended; wait for the simulator's last
    // transitions, which are due within its step delays.
    let deadline = Instant::now() + Duration::from_secs(10);
    while sim.sales().iter().any(|i| !i.status.is_final()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    f.left_on_terminal = sim.sales().iter().filter(|i| !i.status.is_final()).count() as u64;
    f.creates = sim.sales().len() as u64;
    let payments = sim.payments();
    for (reference, (verdict, paid)) in &verdicts {
        let approved = payments
            .iter()
            .filter(|p| p.external_reference.as_deref() == Some(reference.as_str()))
            .filter(|p| p.is_approved())
            .count();
        if approved > 1 {
            f.charged_twice += 1;
            eprintln!("{reference}: charged {approved} times");
        }
        if *paid != (approved >= 1) {
            f.verdicts_wrong += 1;
            eprintln!(
                "{reference}: told {verdict}, the simulator holds {approved} approved payments"
            );
        }
    }
    // Every approved sale is pending until the POS books it, then settled exactly once.
    let out = mppoint(&sim, api, "pending", &journal)
        .arg("--json")
        .output()
        .expect("mppoint pending runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pending: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON list");
    let pending = pending.as_array().expect("a JSON list").clone();
    for (reference, (_, paid)) in &verdicts {
        if !*paid {
            continue;
        }
        let listed = pending
            .iter()
            .any(|p| p["reference"] == reference.as_str() && p["paid"] == true);
        if !listed {
            f.approved_missing_from_pending += 1;
            eprintln!("{reference}: approved but not pending");
            continue;
        }
        let out = Command::new(env!("CARGO_BIN_EXE_mppoint"))
            .args(["settle", reference, "--journal"])
            .arg(&journal)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = Command::new(env!("CARGO_BIN_EXE_mppoint"))
        .args(["pending", "--json", "--journal"])
        .arg(&journal)
        .output()
        .unwrap();
    let after: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON list");
    assert!(
        after.as_array().unwrap().iter().all(|p| p["paid"] != true),
        "a settled sale is still pending: {after}"
    );
    f
}

#[test]
fn a_pos_killed_at_any_instant_never_charges_twice_nor_loses_the_verdict() {
    let seed = std::env::var("MPPOINT_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let started = Instant::now();
    let mut total = Figures::default();
    for api in Api::ALL {
        let f = campaign(api, seed);
        println!(
            "crash campaign, {} API, {} journal (seed {seed}): {f:?}",
            api.as_str(),
            if std::env::var("MPPOINT_TEST_PG_URL").is_ok() {
                "PostgreSQL"
            } else {
                "SQLite"
            }
        );
        add(&mut total, &f);
        total.charged_twice += f.charged_twice;
        total.verdicts_wrong += f.verdicts_wrong;
        total.left_on_terminal += f.left_on_terminal;
        total.approved_missing_from_pending += f.approved_missing_from_pending;
        total.creates += f.creates;
    }
    println!(
        "crash campaign: {} sales in {:.0} s; died at a transition {}, killed at random {}, finished before the kill {}; resolved at start-up {}; re-runs {} ({} outcome unknown); approved {}, not paid {}, confirmation required {}; creates {}; charged twice {}, verdicts wrong {}, left on a terminal {}, approved missing from pending {} (seed {seed}: MPPOINT_CRASH_SEED={seed} replays it)",
        total.sales,
        started.elapsed().as_secs_f64(),
        total.died_at_transition,
        total.killed_at_random,
        total.finished_before_kill,
        total.resolved_at_startup,
        total.reruns,
        total.outcome_unknown_reruns,
        total.approved,
        total.not_paid,
        total.confirmation_required,
        total.creates,
        total.charged_twice,
        total.verdicts_wrong,
        total.left_on_terminal,
        total.approved_missing_from_pending,
    );
    assert!(
        total.sales >= 2 * (TILLS * sales_per_till()) as u64,
        "{} sales",
        total.sales
    );
    assert!(total.died_at_transition > 0 && total.killed_at_random > 0);
    assert_eq!(total.charged_twice, 0, "seed {seed}");
    assert_eq!(total.verdicts_wrong, 0, "seed {seed}");
    assert_eq!(total.left_on_terminal, 0, "seed {seed}");
    assert_eq!(total.approved_missing_from_pending, 0, "seed {seed}");
}

#[test]
fn two_processes_charging_one_reference_make_exactly_one_create() {
    for api in Api::ALL {
        let sim = Simulator::start(SimulatorConfig {
            pickup_delay: Duration::from_millis(400),
            step_delay: Duration::from_millis(100),
            faults: Vec::new(),
            ..config(api)
        })
        .unwrap();
        let dir = Dir(std::env::temp_dir().join(format!(
            "mppoint-crash-two-{}-{}",
            api.as_str(),
            std::process::id()
        )));
        std::fs::create_dir_all(&dir.0).unwrap();
        let journal = journal_in(&dir.0, "j");
        let children: Vec<_> = (0..2)
            .map(|_| {
                sale(&sim, api, &journal, "TWO-1", "10.00", 0)
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outs: Vec<_> = children
            .into_iter()
            .map(|c| finished(c.wait_with_output().unwrap()))
            .collect();
        let approved = outs.iter().filter(|o| o.1["verdict"] == "APPROVED").count();
        let busy = outs
            .iter()
            .filter(|o| o.1["error"]["code"] == "SALE_IN_PROGRESS" && o.0 == 3)
            .count();
        assert!(approved >= 1, "{api}: {outs:?}");
        assert_eq!(approved + busy, 2, "{api}: {outs:?}");
        assert_eq!(sim.sales().len(), 1, "{api}: exactly one create");
    }
}
