//! Delivers a notification: to every webhook URL, signed, retried on Mercado Pago's schedule.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::TsUnit;
use crate::hub::{lock, Shared};

/// How long a receiver has to answer (Mercado Pago's documented 22 seconds).
const RECEIVER_TIMEOUT: Duration = Duration::from_secs(22);

/// Sends a notification about `data_id` (`body`, the JSON) to every webhook URL, as
/// `<url>?data.id=<data_id>&type=<topic>`, each on its own task ([`deliver`]).
pub(crate) fn send(
    shared: &Arc<Shared>,
    topic: &str,
    data_id: &str,
    body: Vec<u8>,
    ts_unit: TsUnit,
) {
    let urls = lock(&shared.webhook_urls).clone();
    let body = bytes::Bytes::from(body);
    for url in urls {
        let sep = if url.contains('?') { '&' } else { '?' };
        let target = format!("{url}{sep}data.id={data_id}&type={topic}");
        shared.handle.spawn(deliver(
            Arc::clone(shared),
            target,
            data_id.to_string(),
            body.clone(),
            ts_unit,
        ));
    }
}

/// Delivers one notification to `target`, signed with a fresh `x-request-id` and `ts` (in
/// `ts_unit`) per attempt, and again on Mercado Pago's retry schedule until the receiver answers
/// 200 or 201. Used for the intents' and the orders' notifications alike.
async fn deliver(
    shared: Arc<Shared>,
    target: String,
    data_id: String,
    body: bytes::Bytes,
    ts_unit: TsUnit,
) {
    let attempts = shared.cfg.max_webhook_attempts.max(1);
    for attempt in 1..=attempts {
        let request_id = uuid::Uuid::new_v4().to_string();
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let ts = match ts_unit {
            TsUnit::Seconds => since.as_secs(),
            TsUnit::Milliseconds => u64::try_from(since.as_millis()).unwrap_or(u64::MAX),
        };
        let signature = mppoint::webhook::sign(
            &shared.cfg.webhook_secret,
            Some(&data_id),
            Some(&request_id),
            ts,
        );
        lock(&shared.counters).webhook_attempts += 1;
        let answer = shared
            .http
            .post(&target)
            .timeout(RECEIVER_TIMEOUT)
            .header("content-type", "application/json")
            .header("x-signature", signature)
            .header("x-request-id", &request_id)
            .body(body.clone())
            .send()
            .await;
        match answer {
            Ok(r) if matches!(r.status().as_u16(), 200 | 201) => {
                lock(&shared.counters).webhook_successes += 1;
                return;
            }
            Ok(r) => log::debug!(
                "simulator: webhook {target} answered {} (attempt {attempt} of {attempts})",
                r.status()
            ),
            Err(e) => log::debug!(
                "simulator: webhook {target} failed: {e} (attempt {attempt} of {attempts})"
            ),
        }
        if attempt < attempts {
            tokio::time::sleep(shared.cfg.webhook_retry_pause(attempt)).await;
        }
    }
}
