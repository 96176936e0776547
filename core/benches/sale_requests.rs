//! API requests per sale and verdict lag: polling only (before and after the adaptive schedule)
//! and with webhook wake-ups, on both APIs, for a simulated customer who presents the card after
//! ~12 s (then ~8 s of processing) and one who takes 30 s.
//!
//! `cargo bench -p mppoint --bench sale_requests`
//!
//! Real time (the client's schedule is in seconds): every sale runs at once, each against its own
//! simulator, so the whole run takes about as long as the slowest sale (~40 s). Figures are
//! printed, never asserted. The verdict lag is the time from the moment the simulator's sale
//! became final to the moment `charge` returned the verdict.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mppoint::{Amount, Api, Client, IntentRequest, PollSchedule, Target, WaitOptions};
use mppoint_simulator::{CardOutcome, Endpoint, Simulator, SimulatorConfig};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// The old default: one poll a second.
    EverySecond,
    /// The adaptive schedule, no webhooks.
    Adaptive,
    /// The adaptive schedule as fallback, the simulator's signed webhooks handed to the client.
    Webhooks,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::EverySecond => "polling every 1 s (before)",
            Mode::Adaptive => "polling, adaptive schedule",
            Mode::Webhooks => "webhook wake-ups",
        }
    }
}

struct Outcome {
    api: Api,
    mode: Mode,
    card_after: Duration,
    requests: u64,
    total: Duration,
    lag: Duration,
}

/// A webhook endpoint that hands every delivery to `client`.
fn endpoint(client: Client) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let target = line.split(' ').nth(1).unwrap_or("").to_string();
            let (mut headers, mut len) = (Vec::new(), 0usize);
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h.trim_end().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.trim_end().split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                    headers.push((k.trim().to_string(), v.trim().to_string()));
                }
            }
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            let pairs: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let query = target.split_once('?').map_or("", |(_, q)| q);
            let status = match client.handle_webhook(&pairs, query, &body) {
                Ok(_) => 200,
                Err(_) => 401,
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    url
}

fn one_sale(api: Api, mode: Mode, card_after: Duration) -> Outcome {
    let sim = Arc::new(
        Simulator::start(SimulatorConfig {
            pickup_delay: Duration::from_millis(500),
            // Two steps from the card to the end: ~8 s of processing.
            step_delay: Duration::from_secs(4),
            ..SimulatorConfig::default()
        })
        .expect("simulator"),
    );
    // Without the simulator's pace: the schedules under test are the client's own.
    let mut b = mppoint_simulator::ClientSettings {
        poll_interval: None,
        ..sim.client_settings()
    }
    .builder()
    .api(api);
    if mode == Mode::Webhooks {
        b = b.webhook_secret(sim.webhook_secret());
    }
    let client = b.build().expect("client");
    if mode == Mode::Webhooks {
        sim.set_webhook_urls(vec![endpoint(client.clone())]);
    }
    let opts = WaitOptions::new()
        .timeout(Duration::from_secs(300))
        .poll_schedule(match mode {
            Mode::EverySecond => PollSchedule::Fixed(Duration::from_secs(1)),
            _ => PollSchedule::Adaptive,
        });
    // .44: the terminal holds the sale until the customer presents the card.
    let req = IntentRequest::new(Amount::parse("20.44").unwrap(), "Sale", "bench-sale");
    let started = Instant::now();
    // The customer, and a watcher that notes when the simulator's sale became final.
    let (s2, s3) = (Arc::clone(&sim), Arc::clone(&sim));
    let customer = std::thread::spawn(move || {
        let id = loop {
            if let Some(i) = s2.sales().first() {
                break i.id.clone();
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        std::thread::sleep(card_after.saturating_sub(started.elapsed()));
        s2.present_card(&id, CardOutcome::Approved).expect("card");
        loop {
            if s3.sales().iter().any(|i| i.id == id && i.status.is_final()) {
                return Instant::now();
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    let sale = client
        .charge(&Target::Pos("SUC001POS001".into()), &req, &opts)
        .expect("sale");
    let returned = Instant::now();
    assert!(sale.is_paid());
    let ended = customer.join().unwrap();
    let c = sim.counters();
    let requests = Endpoint::ALL
        .iter()
        .filter(|e| **e != Endpoint::Control)
        .map(|e| c.requests_to(*e))
        .sum();
    Outcome {
        api,
        mode,
        card_after,
        requests,
        total: returned - started,
        lag: returned.saturating_duration_since(ended),
    }
}

fn main() {
    let mut runs = Vec::new();
    for api in Api::ALL {
        for mode in [Mode::EverySecond, Mode::Adaptive, Mode::Webhooks] {
            for card in [Duration::from_secs(12), Duration::from_secs(30)] {
                runs.push(std::thread::spawn(move || one_sale(api, mode, card)));
            }
        }
    }
    let outcomes: Vec<Outcome> = runs.into_iter().map(|h| h.join().unwrap()).collect();
    println!("| API | customer | mode | sale | API requests | verdict lag |");
    println!("|---|---|---|---|---|---|");
    for o in &outcomes {
        println!(
            "| {} | card after {} s | {} | {:.1} s | {} | {:.2} s |",
            o.api,
            o.card_after.as_secs(),
            o.mode.name(),
            o.total.as_secs_f64(),
            o.requests,
            o.lag.as_secs_f64()
        );
    }
}
