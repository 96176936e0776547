//! The HTTP/1.1 server: accepts connections (plain or TLS), counts them, and serves each with
//! hyper, keep-alive on.

use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::hub::{lock, Shared};
use super::routes;

/// Accepts connections until `shutdown` changes.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = shutdown.changed() => return,
        };
        let stream = match accepted {
            Ok((s, _)) => s,
            Err(e) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                log::warn!("simulator: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        lock(&shared.counters).connections_accepted += 1;
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let tls = tls.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            match tls {
                None => serve(stream, shared, shutdown).await,
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(s) => serve(s, shared, shutdown).await,
                    Err(e) => log::debug!("simulator: TLS handshake failed: {e}"),
                },
            }
        });
    }
}

async fn serve<IO>(io: IO, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| routes::handle(Arc::clone(&shared), req));
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                log::debug!("simulator: connection ended: {e}");
            }
        }
        _ = shutdown.changed() => {}
    }
}
