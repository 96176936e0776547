//! How many webhook signatures one core verifies per second (target: more than 500,000).
//!
//! `cargo bench -p mppoint --bench webhook`

use std::hint::black_box;
use std::time::{Duration, Instant, UNIX_EPOCH};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mppoint::webhook::{self, VerifyOptions};

const SECRET: &str = "a-webhook-secret-of-the-usual-length-0123456789abcdef";
const TARGET_PER_SEC: f64 = 500_000.0;

struct Input {
    sig: String,
    rid: String,
    id: &'static str,
}

fn input() -> Input {
    let id = "7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1";
    let (sig, rid) = webhook::signed_headers(SECRET, id, 1_704_908_010);
    Input { sig, rid, id }
}

fn verify_once(i: &Input, opts: &VerifyOptions) -> bool {
    webhook::verify(
        black_box(SECRET),
        black_box(Some(i.sig.as_str())),
        black_box(Some(i.rid.as_str())),
        black_box(Some(i.id)),
        opts,
    )
    .is_ok()
}

fn bench(c: &mut Criterion) {
    let i = input();
    let plain = VerifyOptions::default();
    let tolerant = VerifyOptions::with_tolerance(Duration::from_secs(300))
        .at(UNIX_EPOCH + Duration::from_secs(1_704_908_010));
    assert!(verify_once(&i, &plain) && verify_once(&i, &tolerant));

    let mut g = c.benchmark_group("webhook");
    g.throughput(Throughput::Elements(1));
    g.bench_function("verify", |b| b.iter(|| verify_once(&i, &plain)));
    g.bench_function("verify_with_tolerance", |b| {
        b.iter(|| verify_once(&i, &tolerant))
    });
    let bad = Input {
        sig: i.sig.replace("v1=", "v1=0"),
        ..input()
    };
    g.bench_function("verify_mismatch", |b| b.iter(|| verify_once(&bad, &plain)));
    g.finish();

    // A plain count on one thread, printed with the verdict on the target.
    let n = 1_000_000u32;
    let start = Instant::now();
    let mut ok = 0u32;
    for _ in 0..n {
        ok += u32::from(verify_once(&i, &tolerant));
    }
    let per_sec = f64::from(n) / start.elapsed().as_secs_f64();
    assert_eq!(ok, n);
    println!(
        "webhook::verify: {per_sec:.0} verifications per second on one core \
         (target {TARGET_PER_SEC:.0}: {})",
        if per_sec >= TARGET_PER_SEC {
            "met"
        } else {
            "NOT met"
        }
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
