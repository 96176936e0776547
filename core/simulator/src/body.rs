//! What the routes hand the server to send: a response body, whole or cut short by a fault,
//! and the signal to drop the connection without answering.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

/// Returned by the service to make hyper close the connection without writing an answer.
#[derive(Debug)]
pub(crate) struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped on purpose by a simulator fault")
    }
}

impl std::error::Error for Dropped {}

/// A response body: whole, or cut short (the bytes are sent, then the connection fails).
pub(crate) enum SimBody {
    /// The whole body (`Content-Length` is its length).
    Full(Option<Bytes>),
    /// Sends `data`, waits for it to be flushed, then fails so hyper closes the connection
    /// before the announced `Content-Length` is reached.
    Truncated {
        data: Option<Bytes>,
        pause: Pin<Box<tokio::time::Sleep>>,
    },
}

impl SimBody {
    pub fn full(b: impl Into<Bytes>) -> SimBody {
        SimBody::Full(Some(b.into()))
    }

    pub fn empty() -> SimBody {
        SimBody::Full(None)
    }

    pub fn truncated(b: impl Into<Bytes>) -> SimBody {
        SimBody::Truncated {
            data: Some(b.into()),
            pause: Box::pin(tokio::time::sleep(Duration::from_millis(50))),
        }
    }
}

impl Body for SimBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.get_mut() {
            SimBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            SimBody::Truncated { data, pause } => {
                if let Some(d) = data.take() {
                    return Poll::Ready(Some(Ok(Frame::data(d))));
                }
                match pause.as_mut().poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => Poll::Ready(Some(Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "body truncated on purpose by a simulator fault",
                    )))),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, SimBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            SimBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            // Unknown: hyper then takes the `Content-Length` header as given.
            SimBody::Truncated { .. } => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn truncated_body_sends_then_fails() {
        let mut b = SimBody::truncated(Bytes::from_static(b"{\"id\""));
        let first = b.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap(), Bytes::from_static(b"{\"id\""));
        assert!(b.frame().await.unwrap().is_err());
        let full = SimBody::full(Bytes::from_static(b"{}"));
        assert_eq!(full.size_hint().exact(), Some(2));
        assert_eq!(
            full.collect().await.unwrap().to_bytes(),
            Bytes::from_static(b"{}")
        );
    }
}
