//! The client's door for webhook deliveries: [`Client::handle_webhook`] verifies one and rings the
//! waits on the sale it names. A leaf below both the client (which holds the [`super::Wakeups`])
//! and the wake-ups, so that neither imports the other.

use super::{WakeRegistration, WebhookDelivery, WEBHOOK_TOLERANCE};
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::webhook::{self, VerifyOptions};

impl Client {
    /// Hands this client a webhook delivery, as the web framework received it (the same three
    /// parts as [`webhook::verify_request`]: the headers, the URL's query string, the raw body).
    ///
    /// It is verified with the client's webhook secret ([`crate::ClientBuilder::webhook_secret`])
    /// and a signed `ts` within [`WEBHOOK_TOLERANCE`] of this machine's clock; then every wait of
    /// this client on the intent or order it names is woken, and confirms the verdict with one
    /// read of the API. A forged, altered, unsigned or replayed delivery wakes nothing and is an
    /// [`ErrorKind::InvalidSignature`] error (answer it 401); a body that is not a notification is
    /// [`ErrorKind::Decode`] (answer 400); a client without a webhook secret is
    /// [`ErrorKind::Config`]. Answer 200 to anything else, duplicates included.
    ///
    /// ```no_run
    /// # let client = mppoint::Client::builder("t").webhook_secret("s").build()?;
    /// # let (headers, query, body): (Vec<(&str, &str)>, &str, &[u8]) = (vec![], "", b"");
    /// let delivery = client.handle_webhook(&headers, query, body)?;
    /// println!("{} wait(s) woken for {}", delivery.woken, delivery.notification.data.intent.id);
    /// # Ok::<(), mppoint::Error>(())
    /// ```
    pub fn handle_webhook(
        &self,
        headers: &[(&str, &str)],
        query: &str,
        body: &[u8],
    ) -> Result<WebhookDelivery> {
        let secret = self.webhook_secret().ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                "this client has no webhook secret: configure the client with the webhook secret of your application to hand it webhook deliveries, or verify them with the webhook module alone",
            )
        })?;
        let notification = webhook::verify_request(
            secret,
            headers,
            query,
            body,
            &VerifyOptions::with_tolerance(WEBHOOK_TOLERANCE),
        )?;
        let woken = self.wakeups().ring(&notification.data.intent.id);
        log::debug!(
            target: "mppoint",
            "webhook for {}: {woken} wait(s) woken",
            notification.data.intent.id
        );
        Ok(WebhookDelivery {
            notification,
            woken,
        })
    }

    /// Registers a wait on `id` for webhook wake-ups, for a driver that waits itself (the Node
    /// binding). `None` when this client has no webhook secret (nothing can wake it).
    pub fn wake_registration(&self, id: &str) -> Option<WakeRegistration> {
        self.webhook_secret()?;
        Some(self.wakeups().register(id))
    }
}
