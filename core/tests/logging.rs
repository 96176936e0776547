//! One log line per request, with method, path, status, duration, attempt and request id, and
//! never the access token.

use std::sync::Mutex;
use std::time::Duration;

use mppoint::{Client, DeviceFilter, RetryPolicy};
use mppoint_simulator::{Endpoint, FaultKind, FaultRule, Simulator, SimulatorConfig};

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        LINES.lock().unwrap().push(format!(
            "{} {} {}",
            record.level(),
            record.target(),
            record.args()
        ));
    }
    fn flush(&self) {}
}

#[test]
fn each_request_is_logged_once_and_the_token_never() {
    log::set_boxed_logger(Box::new(Capture)).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let token = "APP_USR-log-secret-123";
    let sim = Simulator::start(SimulatorConfig {
        access_token: token.into(),
        ..SimulatorConfig::default()
    })
    .unwrap();
    let client = Client::builder(token)
        .base_url(sim.base_url())
        .no_proxy()
        .retry(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(10),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    client.list_devices(&DeviceFilter::default()).unwrap();
    sim.add_fault(FaultRule {
        endpoint: Some(Endpoint::GetIntent),
        kind: FaultKind::Status(503),
        times: None,
        share_percent: None,
    });
    let _ = client.get_intent("some-intent");
    sim.clear_faults();
    let bad = Client::builder("APP_USR-wrong-secret-456")
        .base_url(sim.base_url())
        .no_proxy()
        .build()
        .unwrap();
    let _ = bad.get_intent("x");

    let lines = LINES.lock().unwrap().clone();
    let ours: Vec<&String> = lines.iter().filter(|l| l.contains(" mppoint ")).collect();
    let devices: Vec<_> = ours
        .iter()
        .filter(|l| l.contains("GET /instore-api/point/v1/devices -> 200"))
        .collect();
    assert_eq!(devices.len(), 1, "{ours:#?}");
    assert!(devices[0].contains("attempt 1"), "{}", devices[0]);
    assert!(devices[0].contains(" ms "), "{}", devices[0]);
    assert!(devices[0].contains("request id "), "{}", devices[0]);
    assert!(
        !devices[0].contains("request id -"),
        "the simulator sends x-request-id"
    );
    let failed: Vec<_> = ours
        .iter()
        .filter(|l| l.contains("/intents/some-intent/point -> 503"))
        .collect();
    assert_eq!(failed.len(), 2, "one line per attempt: {ours:#?}");
    assert!(failed.iter().any(|l| l.contains("attempt 2")));
    assert!(ours.iter().any(|l| l.contains("-> 401")));
    for l in &lines {
        assert!(!l.contains("log-secret-123"), "token in a log line: {l}");
        assert!(!l.contains("wrong-secret-456"), "token in a log line: {l}");
    }
}
