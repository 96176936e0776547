//! Webhook notifications, sent the way Mercado Pago sends them, for either API: each API builds its
//! notification's body (the intents' `topic_instore_integration_wh`, the orders' `order`) and sends
//! it (`deliver::send`), which POSTs it to every configured URL, signed like Mercado Pago's, and
//! sends it again on the documented schedule (every 15 minutes, longer after the third attempt:
//! `webhook_retry_schedule`, divided by the time factor) until the receiver answers 200 or 201, at
//! most `max_webhook_attempts` times.
//!
//! Each POST goes to `<url>?data.id=<id>&type=<topic>` (with `&` if the URL already has a query),
//! with the headers `x-request-id` (a new UUID v4 per attempt) and
//! `x-signature: ts=<unix seconds, or milliseconds>,v1=<hex>` computed by
//! [`mppoint::webhook::sign`].

pub(crate) mod deliver;

/// The `user_id` the simulated account has in notifications.
pub const SIMULATED_USER_ID: u64 = 1_234_567_890;

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
pub(crate) fn notification_id() -> String {
    let digits = |n: usize| -> String {
        (0..n)
            .map(|_| char::from(b'0' + fastrand::u8(0..10)))
            .collect()
    };
    format!("{}-{}-{}-{}", digits(7), digits(5), digits(8), digits(10))
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
