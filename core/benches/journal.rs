//! Sales per second through the sale journal, SQLite and PostgreSQL, with 1, 8 and 32 concurrent
//! sales, beside the same sales without a journal: the journal's overhead per sale is printed next
//! to the API calls, so a fleet can see that the journal is not what limits it.
//!
//! `cargo bench -p mppoint --bench journal` (SQLite); through `tests/with_postgres.sh` it adds the
//! PostgreSQL journal (`MPPOINT_TEST_PG_URL`). Figures are printed, never asserted. The simulated
//! terminals are instant, so the figures are the client's, the journal's and loopback HTTP's.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mppoint::{Amount, IntentRequest, OperatingMode, Target, WaitOptions};
use mppoint_simulator::{SimDevice, SimPos, SimStore, Simulator, SimulatorConfig};

const TERMINALS: usize = 32;
const SALES_PER_WORKER: usize = 24;

fn simulator() -> Simulator {
    Simulator::start(SimulatorConfig {
        stores: vec![SimStore {
            id: "1".into(),
            name: "Bench".into(),
        }],
        pos: (0..TERMINALS)
            .map(|i| SimPos {
                id: 5_000_000 + i as i64,
                external_id: format!("BENCH{i:02}"),
                store_id: "1".into(),
            })
            .collect(),
        devices: (0..TERMINALS)
            .map(|i| SimDevice {
                id: format!("PAX_A910__BENCH{i:08}"),
                pos_external_id: Some(format!("BENCH{i:02}")),
                operating_mode: OperatingMode::Pdv,
            })
            .collect(),
        pickup_delay: Duration::ZERO,
        step_delay: Duration::ZERO,
        ..SimulatorConfig::default()
    })
    .expect("simulator starts")
}

/// Runs `workers` tills at once, each `SALES_PER_WORKER` sales; gives (sales, seconds, requests).
fn run(
    sim: &Arc<Simulator>,
    journal: Option<PathBuf>,
    workers: usize,
    tag: &str,
) -> (usize, f64, u64) {
    let mut b = sim.client_builder();
    if let Some(j) = &journal {
        b = b.journal(j);
    }
    let client = b.build().expect("client");
    let before: u64 = sim.counters().requests.values().sum();
    let started = Instant::now();
    let threads: Vec<_> = (0..workers)
        .map(|w| {
            let client = client.clone();
            let tag = tag.to_string();
            std::thread::spawn(move || {
                let target = Target::Device(format!("PAX_A910__BENCH{w:08}"));
                let opts = WaitOptions::new().poll_interval(Duration::from_millis(10));
                for n in 0..SALES_PER_WORKER {
                    let req = IntentRequest::new(
                        Amount::parse("10.00").unwrap(),
                        "bench",
                        format!("{tag}-{w}-{n}"),
                    );
                    let sale = client.charge(&target, &req, &opts).expect("a sale");
                    assert!(sale.is_paid());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    let after: u64 = sim.counters().requests.values().sum();
    (workers * SALES_PER_WORKER, secs, after - before)
}

fn fresh_database(server: &str) -> PathBuf {
    let name = format!("bench{:016x}", fastrand::u64(..));
    let mut c = postgres::Client::connect(server, postgres::NoTls).expect("the test server");
    c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let (head, _) = server.rsplit_once('/').unwrap();
    PathBuf::from(format!("{head}/{name}"))
}

fn main() {
    let sim = Arc::new(simulator());
    let dir = std::env::temp_dir().join(format!("mppoint-bench-journal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pg = std::env::var("MPPOINT_TEST_PG_URL").ok();
    println!("journal benchmark: instant simulated terminals, {SALES_PER_WORKER} sales per till");
    // A round first, so the first figures do not carry the connections' and the code's warm-up.
    run(&sim, None, 8, "warm-up");
    for workers in [1usize, 8, 32] {
        let (n, plain, requests) = run(&sim, None, workers, &format!("plain{workers}"));
        println!(
            "  {workers:>2} concurrent, no journal: {:>7.1} sales/s ({:.1} API requests per sale)",
            n as f64 / plain,
            requests as f64 / n as f64
        );
        let mut backends = vec![("SQLite", dir.join(format!("bench-{workers}.journal")))];
        if let Some(server) = &pg {
            backends.push(("PostgreSQL", fresh_database(server)));
        }
        for (name, journal) in backends {
            let (n, secs, _) = run(&sim, Some(journal), workers, &format!("{name}{workers}"));
            let overhead_ms = (secs - plain) * 1000.0 * workers as f64 / n as f64;
            println!(
                "  {workers:>2} concurrent, {name:<10} journal: {:>7.1} sales/s; journal overhead {:.2} ms per sale",
                n as f64 / secs,
                overhead_ms.max(0.0)
            );
        }
    }
    println!("  (a real sale takes seconds to minutes and 5 to 20 API requests of 100-300 ms each: a journal that carries hundreds of sales a second per client is not what limits a fleet)");
    if pg.is_none() {
        println!("  (PostgreSQL: run through tests/with_postgres.sh to add it)");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
