//! Load: 10,000 requests from 32 threads, each answered correctly, every one counted.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mppoint_simulator::{Endpoint, Simulator, SimulatorConfig};
use serde_json::Value;

const THREADS: usize = 32;
const TOTAL: usize = 10_000;

#[test]
fn ten_thousand_requests_from_32_threads() {
    let sim = Arc::new(
        Simulator::start(SimulatorConfig {
            pickup_delay: Duration::from_secs(3600),
            ..SimulatorConfig::default()
        })
        .unwrap(),
    );
    // One intent to read back, one closed payment-free lookup target.
    let setup = reqwest::blocking::Client::new();
    let created: Value = setup
        .post(format!(
            "{}/instore-api/integrations/v1/intents/point/pos/SUC001POS001",
            sim.base_url()
        ))
        .bearer_auth(sim.access_token())
        .body(r#"{"description":"load","external_reference":"load-1","operations":[{"type":"PURCHASE","amount":"10.00"}]}"#)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let intent_id = created["id"].as_str().unwrap().to_string();

    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let sim = Arc::clone(&sim);
            let next = Arc::clone(&next);
            let intent_id = intent_id.clone();
            std::thread::spawn(move || {
                let http = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(20))
                    .build()
                    .unwrap();
                let base = sim.base_url().to_string();
                let token = sim.access_token().to_string();
                let mut done = 0usize;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= TOTAL {
                        return done;
                    }
                    match i % 4 {
                        0 => {
                            let r = http
                                .get(format!("{base}/instore-api/point/v1/devices"))
                                .bearer_auth(&token)
                                .send()
                                .unwrap();
                            assert_eq!(r.status().as_u16(), 200);
                            let v: Value = r.json().unwrap();
                            assert_eq!(v["paging"]["total"], 3);
                        }
                        1 => {
                            let r = http
                                .get(format!(
                                    "{base}/instore-api/integrations/v1/intents/{intent_id}/point"
                                ))
                                .bearer_auth(&token)
                                .send()
                                .unwrap();
                            assert_eq!(r.status().as_u16(), 200);
                            let v: Value = r.json().unwrap();
                            assert_eq!(v["id"], intent_id.as_str());
                            assert_eq!(v["status"], "OPENED");
                        }
                        2 => {
                            // The device is busy: every further create is a 409.
                            let r = http
                                .post(format!(
                                    "{base}/instore-api/integrations/v1/intents/point/pos/SUC001POS001"
                                ))
                                .bearer_auth(&token)
                                .body(r#"{"description":"load","external_reference":"load-2","operations":[{"type":"PURCHASE","amount":"10.00"}]}"#)
                                .send()
                                .unwrap();
                            assert_eq!(r.status().as_u16(), 409);
                            let v: Value = r.json().unwrap();
                            assert_eq!(v["status"], 409);
                        }
                        _ => {
                            let r = http
                                .get(format!("{base}/v1/payments/{i}"))
                                .bearer_auth(&token)
                                .send()
                                .unwrap();
                            assert_eq!(r.status().as_u16(), 404);
                            assert!(r.headers().contains_key("x-request-id"));
                            r.bytes().unwrap();
                        }
                    }
                    done += 1;
                }
            })
        })
        .collect();
    let answered: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let took = started.elapsed();
    println!("{TOTAL} requests from {THREADS} threads in {took:?}");
    assert_eq!(answered, TOTAL);
    let c = sim.counters();
    let counted: u64 = c.requests.values().sum();
    assert_eq!(counted, TOTAL as u64 + 1);
    assert_eq!(c.requests_to(Endpoint::CreateIntent), TOTAL as u64 / 4 + 1);
    assert_eq!(c.intents_created, 1);
    assert!(
        c.connections_accepted <= THREADS as u64 + 1,
        "keep-alive: {} connections",
        c.connections_accepted
    );
}
