//! A client made by the simulator polls at the simulator's pace unless a wait says otherwise, so
//! `on_status` sees every status a terminal goes through (and a test suite does not wait a
//! second per sale); a client built for Mercado Pago keeps the 1 s default.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mppoint::{
    Amount, Client, ErrorKind, IntentRequest, PollSchedule, Status, Target, WaitOptions,
};
use mppoint_simulator::{Simulator, SimulatorConfig};

fn statuses_of_a_sale(client: &Client, opts: WaitOptions) -> Vec<Status> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let opts = opts
        .timeout(Duration::from_secs(30))
        .on_status(move |i| s.lock().unwrap().push(i.status.clone()));
    let req = IntentRequest::new(Amount::parse("10.00").unwrap(), "Paced", "paced-1");
    let sale = client
        .charge(&Target::Pos("SUC001POS001".into()), &req, &opts)
        .expect("the sale ends");
    assert!(sale.is_paid());
    let v = seen.lock().unwrap().clone();
    v
}

#[test]
fn a_simulator_client_polls_at_the_simulators_pace_and_sees_every_status() {
    let sim = Simulator::start(SimulatorConfig {
        pickup_delay: Duration::from_millis(400),
        step_delay: Duration::from_millis(400),
        ..SimulatorConfig::default()
    })
    .unwrap();
    let settings = sim.client_settings();
    assert_eq!(settings.poll_interval, Some(Duration::from_millis(200)));
    let client = settings.builder().build().unwrap();
    let seen = statuses_of_a_sale(&client, WaitOptions::new());
    assert_eq!(
        seen,
        vec![
            Status::Opened,
            Status::OnTerminal,
            Status::Processing,
            Status::Processed,
            Status::Closed
        ],
        "every intermediate status, in order"
    );
}

#[test]
fn the_pace_is_half_the_shortest_step_within_10_ms_and_1_s() {
    let pace = |pickup: u64, step: u64| {
        SimulatorConfig {
            pickup_delay: Duration::from_millis(pickup),
            step_delay: Duration::from_millis(step),
            ..SimulatorConfig::default()
        }
        .poll_pace()
    };
    assert_eq!(pace(300, 200), Duration::from_millis(100));
    assert_eq!(pace(50, 50), Duration::from_millis(25));
    assert_eq!(pace(0, 20), Duration::from_millis(10));
    assert_eq!(pace(10_000, 5_000), Duration::from_secs(1));
}

#[test]
fn a_client_pace_is_checked_and_a_plain_client_keeps_the_adaptive_schedule() {
    let e = Client::builder("APP_USR-x")
        .poll_interval(Duration::from_millis(5))
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.message().contains("poll interval"), "{}", e.message());
    let plain = Client::builder("APP_USR-x").build().unwrap();
    assert_eq!(
        plain.paced(&WaitOptions::new()).poll,
        PollSchedule::Adaptive
    );
    let paced = Client::builder("APP_USR-x")
        .poll_interval(Duration::from_millis(50))
        .build()
        .unwrap();
    assert_eq!(
        paced.paced(&WaitOptions::new()).poll,
        PollSchedule::Fixed(Duration::from_millis(50))
    );
    let own = WaitOptions::new().poll_interval(Duration::from_millis(700));
    assert_eq!(
        paced.paced(&own).poll,
        PollSchedule::Fixed(Duration::from_millis(700))
    );
}
