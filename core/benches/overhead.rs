//! The client's own overhead per `get_intent`, against the simulator on loopback, next to a bare
//! reqwest GET of the same URL measured in the same run (target: within 10%).
//!
//! `cargo bench -p mppoint --bench overhead`

use std::time::{Duration, Instant};

use std::hint::black_box;

use criterion::Criterion;
use mppoint::{Amount, Client, IntentRequest, Target};
use mppoint_simulator::{Simulator, SimulatorConfig};

struct Setup {
    _sim: Simulator,
    client: Client,
    bare: reqwest::blocking::Client,
    url: String,
    token: String,
    id: String,
}

fn setup() -> Setup {
    let sim = Simulator::start(SimulatorConfig {
        pickup_delay: Duration::from_secs(3600),
        ..SimulatorConfig::default()
    })
    .expect("simulator");
    let client = sim.client_builder().build().expect("client");
    let intent = client
        .create_intent(
            &Target::Pos("SUC001POS001".into()),
            &IntentRequest::new(Amount::parse("10.00").unwrap(), "bench", "bench"),
        )
        .expect("intent");
    let bare = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest");
    let url = format!(
        "{}/instore-api/integrations/v1/intents/{}/point",
        sim.base_url(),
        intent.id
    );
    Setup {
        token: format!("Bearer {}", sim.access_token()),
        _sim: sim,
        client,
        bare,
        url,
        id: intent.id,
    }
}

fn bare_get(s: &Setup) -> usize {
    let r = s
        .bare
        .get(&s.url)
        .header("Authorization", &s.token)
        .send()
        .expect("get");
    r.bytes().expect("body").len()
}

fn mppoint_get(s: &Setup) -> usize {
    s.client.get_intent(&s.id).expect("get").id.len()
}

/// Interleaved rounds so both see the same machine; the median round is reported.
fn ratio(s: &Setup) -> (f64, f64) {
    let n = 500;
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        for _ in 0..n {
            black_box(bare_get(s));
        }
        theirs.push(t.elapsed().as_secs_f64() / n as f64);
        let t = Instant::now();
        for _ in 0..n {
            black_box(mppoint_get(s));
        }
        ours.push(t.elapsed().as_secs_f64() / n as f64);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    (median(&mut ours), median(&mut theirs))
}

fn main() {
    let s = setup();
    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    {
        let mut g = c.benchmark_group("get_intent");
        g.bench_function("bare_reqwest", |b| b.iter(|| bare_get(&s)));
        g.bench_function("mppoint", |b| b.iter(|| mppoint_get(&s)));
        g.finish();
    }
    c.final_summary();
    let (ours, theirs) = ratio(&s);
    let r = ours / theirs;
    println!(
        "get_intent on loopback: mppoint {:.1} µs/call, bare reqwest {:.1} µs/call, ratio {:.3} (target <= 1.10: {})",
        ours * 1e6,
        theirs * 1e6,
        r,
        if r <= 1.10 { "met" } else { "NOT met" }
    );
}
