//! Webhook notifications: when an intent reaches a final status, POST a
//! `topic_instore_integration_wh` notification to every configured URL, signed like Mercado
//! Pago's, and send it again on the documented schedule (every 15 minutes, longer after the third
//! attempt: `webhook_retry_schedule`, divided by the time factor) until the receiver answers 200
//! or 201, at most `max_webhook_attempts` times.
//!
//! Each POST goes to `<url>?data.id=<intent id>&type=topic_instore_integration_wh` (with `&` if the
//! URL already has a query), with the headers `x-request-id` (a new UUID v4 per attempt) and
//! `x-signature: ts=<unix seconds, or milliseconds: webhook_ts_unit>,v1=<hex>` computed by
//! [`mppoint::webhook::sign`].

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::config::TsUnit;
use super::state::{lock, Shared};
use super::wire::SimIntent;

/// The `user_id` the simulated account has in notifications.
pub const SIMULATED_USER_ID: u64 = 1_234_567_890;

/// How long a receiver has to answer (Mercado Pago's documented 22 seconds).
const RECEIVER_TIMEOUT: Duration = Duration::from_secs(22);

#[derive(Serialize)]
struct Notification<'a> {
    id: String,
    action: &'a str,
    api_version: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    date_created: String,
    live_mode: bool,
    user_id: u64,
    data: serde_json::Value,
}

/// Now, in the form of a notification's `date_created`: `2023-07-27 20:24:21.776642198-0400`.
pub(crate) fn notification_date_now() -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:9][offset_hour sign:mandatory][offset_minute]"
    );
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(-4))
        .format(&f)
        .unwrap_or_default()
}

/// A notification id shaped like Mercado Pago's: `1234567-12345-12345678-1234567890`.
fn notification_id() -> String {
    let digits = |n: usize| -> String {
        (0..n)
            .map(|_| char::from(b'0' + fastrand::u8(0..10)))
            .collect()
    };
    format!("{}-{}-{}-{}", digits(7), digits(5), digits(8), digits(10))
}

/// The JSON body of the notification for `intent`.
pub(crate) fn notification_body(base_url: &str, intent: &SimIntent) -> Vec<u8> {
    let url = format!(
        "{base_url}/instore-api/integrations/v1/intents/{}/point",
        intent.id
    );
    let n = Notification {
        id: notification_id(),
        action: "topic_instore_integration_wh.application.authorized",
        api_version: "v1",
        kind: "topic_instore_integration_wh",
        date_created: notification_date_now(),
        live_mode: false,
        user_id: SIMULATED_USER_ID,
        data: {
            // The seed's example: the intent's fields, plus `url`.
            let mut data = intent.wire();
            data["url"] = serde_json::Value::String(url);
            data
        },
    };
    serde_json::to_vec(&n).unwrap_or_default()
}

/// Sends the notification of an intent that just became final to every webhook URL.
pub(crate) fn notify_final(shared: &Arc<Shared>, intent: SimIntent) {
    let urls = lock(&shared.webhook_urls).clone();
    if urls.is_empty() {
        return;
    }
    let data_id = intent.id.clone();
    let body = bytes::Bytes::from(notification_body(&shared.base_url, &intent));
    for url in urls {
        let sep = if url.contains('?') { '&' } else { '?' };
        let target = format!("{url}{sep}data.id={data_id}&type=topic_instore_integration_wh");
        shared.handle.spawn(deliver(
            Arc::clone(shared),
            target,
            data_id.clone(),
            body.clone(),
            shared.cfg.webhook_ts_unit,
        ));
    }
}

/// Delivers one notification to `target`, signed with a fresh `x-request-id` and `ts` (in
/// `ts_unit`) per attempt, and again on Mercado Pago's retry schedule until the receiver answers
/// 200 or 201. Used for the intents' and the orders' notifications alike.
pub(crate) async fn deliver(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_has_mercado_pagos_shape() {
        let d = notification_date_now();
        // 2023-07-27 20:24:21.776642198-0400
        assert_eq!(d.len(), 34, "{d}");
        assert_eq!(&d[10..11], " ");
        assert_eq!(&d[29..], "-0400");
        let id = notification_id();
        assert_eq!(
            id.split('-').map(str::len).collect::<Vec<_>>(),
            [7, 5, 8, 10]
        );
    }
}
