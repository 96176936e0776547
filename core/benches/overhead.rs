//! The client's own overhead per `get_intent`, against the simulator on loopback, next to a bare
//! reqwest GET of the same URL (target: within 10%).
//!
//! `cargo bench -p mppoint --bench overhead`
//!
//! Two figures, each meant to read the same from run to run:
//! - **time**: the two contenders timed in interleaved pairs (each pair: a batch of bare GETs and a
//!   batch of mppoint GETs, their order alternating), one ratio per pair; the median of the pair
//!   ratios is printed with its spread (the 10th and 90th percentiles). A load that comes and goes
//!   falls on both halves of a pair, so it moves the spread, not the median.
//! - **instructions per call**, counted by valgrind's callgrind over the whole client process (the
//!   calling thread and reqwest's runtime thread; the simulator runs in another process), from the
//!   difference of two runs of different lengths, so start-up and the first connection cancel
//!   out. Instructions do not depend on the machine's load. Skipped, saying so, where valgrind is
//!   not installed.
//!
//! The simulator runs in a child process (this binary, started with `MPPOINT_BENCH_SERVE=1`), so
//! that neither figure counts its work.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::Criterion;
use mppoint::{Amount, Client, IntentRequest, Target};
use mppoint_simulator::{Simulator, SimulatorConfig};

/// Set (to anything) in the child that serves the simulator.
const SERVE_ENV: &str = "MPPOINT_BENCH_SERVE";
/// Set to `bare` or `mppoint` in a counted child, with the number of calls in `CALLS_ENV` and the
/// simulator's address in `TARGET_ENV` (`base_url token intent_id`).
const COUNT_ENV: &str = "MPPOINT_BENCH_COUNT";
const CALLS_ENV: &str = "MPPOINT_BENCH_CALLS";
const TARGET_ENV: &str = "MPPOINT_BENCH_TARGET";

/// Both contenders, pointed at the same intent of the simulator.
pub struct Setup {
    client: Client,
    bare: reqwest::blocking::Client,
    url: String,
    token: String,
    id: String,
}

/// The served simulator's child process and its `base_url token intent_id` line.
struct Served {
    child: std::process::Child,
    target: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        // Closing its stdin ends the child.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// The child that serves: a simulator with one intent the terminal never picks up, announced on
/// stdout, until stdin closes.
fn serve() {
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
    println!("{} {} {}", sim.base_url(), sim.access_token(), intent.id);
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
}

fn start_simulator() -> Served {
    use std::io::BufRead;
    let mut child = Command::new(std::env::current_exe().expect("this binary"))
        .env(SERVE_ENV, "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the simulator's child process");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("the simulator's address");
    Served {
        child,
        target: line.trim().to_string(),
    }
}

fn setup(target: &str) -> Setup {
    let mut parts = target.split(' ');
    let (base, token, id) = (
        parts.next().expect("base url"),
        parts.next().expect("token"),
        parts.next().expect("intent id"),
    );
    let client = Client::builder(token)
        .base_url(base)
        .no_proxy()
        .build()
        .expect("client");
    let bare = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest");
    Setup {
        url: format!("{base}/instore-api/integrations/v1/intents/{id}/point"),
        token: format!("Bearer {token}"),
        client,
        bare,
        id: id.to_string(),
    }
}

/// One bare GET.
fn bare_get(s: &Setup) -> usize {
    let r = s
        .bare
        .get(&s.url)
        .header("Authorization", &s.token)
        .send()
        .expect("get");
    r.bytes().expect("body").len()
}

/// One GET through the client (the same request, decoded into an `Intent`).
fn client_get(s: &Setup) -> usize {
    s.client.get_intent(&s.id).expect("get").id.len()
}

#[derive(Clone, Copy)]
enum Contender {
    Bare,
    Mppoint,
}

impl Contender {
    fn name(self) -> &'static str {
        match self {
            Contender::Bare => "bare",
            Contender::Mppoint => "mppoint",
        }
    }
    fn call(self, s: &Setup) -> usize {
        match self {
            Contender::Bare => bare_get(s),
            Contender::Mppoint => client_get(s),
        }
    }
    fn batch(self, s: &Setup, n: u32) -> f64 {
        let t = Instant::now();
        for _ in 0..n {
            black_box(self.call(s));
        }
        t.elapsed().as_secs_f64() / f64::from(n)
    }
}

/// The `p`-th fraction of sorted `v` (nearest rank).
fn percentile(v: &[f64], p: f64) -> f64 {
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Interleaved pairs: one ratio mppoint/bare per pair, the order of the halves alternating.
fn pair_ratios(s: &Setup, pairs: usize, batch: u32) -> (Vec<f64>, f64, f64) {
    let (mut ratios, mut ours, mut theirs) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..pairs {
        let (o, t) = if i % 2 == 0 {
            let t = Contender::Bare.batch(s, batch);
            (Contender::Mppoint.batch(s, batch), t)
        } else {
            let o = Contender::Mppoint.batch(s, batch);
            (o, Contender::Bare.batch(s, batch))
        };
        ratios.push(o / t);
        ours.push(o);
        theirs.push(t);
    }
    for v in [&mut ratios, &mut ours, &mut theirs] {
        v.sort_by(|a, b| a.total_cmp(b));
    }
    (ratios, percentile(&ours, 0.5), percentile(&theirs, 0.5))
}

/// The counted child: `calls` calls of one contender.
fn counted_child(who: &str, calls: u32) {
    let s = setup(&std::env::var(TARGET_ENV).expect("the simulator's address"));
    let c = match who {
        "bare" => Contender::Bare,
        "mppoint" => Contender::Mppoint,
        other => panic!("{COUNT_ENV}={other}: expected bare or mppoint"),
    };
    for _ in 0..calls {
        black_box(c.call(&s));
    }
}

/// Instructions that callgrind counted in a child making `calls` calls of `c`, or why not.
fn callgrind(c: Contender, calls: u32, target: &str) -> Result<u64, String> {
    let out = std::env::temp_dir().join(format!(
        "mppoint-bench-{}-{}-{calls}.callgrind",
        std::process::id(),
        c.name()
    ));
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let run = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg("--quiet")
        .arg(&exe)
        .env(COUNT_ENV, c.name())
        .env(CALLS_ENV, calls.to_string())
        .env(TARGET_ENV, target)
        .output()
        .map_err(|e| {
            format!("valgrind could not be run ({e}): install it to count instructions")
        })?;
    if !run.status.success() {
        return Err(format!(
            "valgrind exited with {}: {}",
            run.status,
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    let text = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&out);
    text.lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| "no totals line in callgrind's output".to_string())
}

/// Instructions per call: the difference of a long and a short run, per extra call.
fn instructions_per_call(c: Contender, target: &str) -> Result<f64, String> {
    let (short, long) = (20u32, 220u32);
    let a = callgrind(c, short, target)?;
    let b = callgrind(c, long, target)?;
    Ok(b.saturating_sub(a) as f64 / f64::from(long - short))
}

fn main() {
    if std::env::var_os(SERVE_ENV).is_some() {
        return serve();
    }
    if let Ok(who) = std::env::var(COUNT_ENV) {
        let calls = std::env::var(CALLS_ENV)
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(100);
        return counted_child(&who, calls);
    }
    let served = start_simulator();
    let s = setup(&served.target);
    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    {
        let mut g = c.benchmark_group("get_intent");
        g.bench_function("bare_reqwest", |b| b.iter(|| bare_get(&s)));
        g.bench_function("mppoint", |b| b.iter(|| client_get(&s)));
        g.finish();
    }
    c.final_summary();

    // Warm both contenders' connections, then the pairs.
    Contender::Bare.batch(&s, 50);
    Contender::Mppoint.batch(&s, 50);
    let (ratios, ours, theirs) = pair_ratios(&s, 301, 20);
    let median = percentile(&ratios, 0.5);
    println!(
        "get_intent on loopback, {} interleaved pairs of 20 calls: mppoint {:.1} µs/call, bare reqwest {:.1} µs/call; \
         pair ratio median {:.3} (p10 {:.3}, p90 {:.3}) (target <= 1.10: {})",
        ratios.len(),
        ours * 1e6,
        theirs * 1e6,
        median,
        percentile(&ratios, 0.1),
        percentile(&ratios, 0.9),
        if median <= 1.10 { "met" } else { "NOT met" }
    );
    match (
        instructions_per_call(Contender::Bare, &served.target),
        instructions_per_call(Contender::Mppoint, &served.target),
    ) {
        (Ok(bare), Ok(ours)) => println!(
            "get_intent instructions per call (callgrind, the whole client process): mppoint {ours:.0}, \
             bare reqwest {bare:.0}, ratio {:.3}",
            ours / bare
        ),
        (Err(e), _) | (_, Err(e)) => println!("instructions per call: not counted: {e}"),
    }
}
