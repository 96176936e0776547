//! Test helpers shared by the integration tests.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

/// One request a [`receiver`] got.
pub struct Received {
    /// The request target: path and query.
    pub target: String,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Received {
    /// A header's value (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("a UTF-8 body")
    }

    /// The query string (after `?`), or "".
    pub fn query(&self) -> &str {
        self.target.split_once('?').map(|(_, q)| q).unwrap_or("")
    }
}

/// A webhook receiver on loopback at `path`: it records each request and answers the next
/// status of `answers`, then 200. Returns its URL and the requests as they arrive.
pub fn receiver(path: &str, answers: Vec<u16>) -> (String, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}{path}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut answers = answers.into_iter();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() || line.is_empty() {
                continue;
            }
            let target = line.split(' ').nth(1).unwrap_or("").to_string();
            let mut headers = Vec::new();
            let mut len = 0usize;
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').expect("a header line");
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap();
                }
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            let status = answers.next().unwrap_or(200);
            // Reported before it is answered: once a caller has its answer, the request is
            // already in the channel, so counting after a call cannot race the server thread.
            let _ = tx.send(Received {
                target,
                headers,
                body,
            });
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (url, rx)
}

/// A stand-in API on loopback that answers every request with `status` and `body` (JSON), and
/// records what it received. For answers the simulator never gives (the reference's examples
/// verbatim, odd shapes).
pub fn answering(status: u16, body: Vec<u8>) -> (String, mpsc::Receiver<Received>) {
    scripted(vec![(status, body)])
}

/// Like [`answering`], with one answer per request in order; the last one answers the rest.
pub fn scripted(answers: Vec<(u16, Vec<u8>)>) -> (String, mpsc::Receiver<Received>) {
    assert!(!answers.is_empty());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut n = 0;
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() || line.is_empty() {
                continue;
            }
            let (status, body) = &answers[n.min(answers.len() - 1)];
            n += 1;
            let target = line.split(' ').nth(1).unwrap_or("").to_string();
            let mut headers = Vec::new();
            let mut len = 0usize;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() {
                    break;
                }
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let Some((k, v)) = h.split_once(':') else {
                    break;
                };
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
            let mut req_body = vec![0; len];
            let _ = reader.read_exact(&mut req_body);
            // Reported before it is answered (see `receiver`).
            let _ = tx.send(Received {
                target,
                headers,
                body: req_body,
            });
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(body);
        }
    });
    (url, rx)
}

/// The path of the marker request that [`requests_until_barrier`] sends.
pub const BARRIER: &str = "/__test_barrier__";

/// Every request the server at `url` received before a marker request sent now, in order.
///
/// A barrier, not a pause: the marker is sent after the caller's calls have returned and the
/// server handles connections one at a time, so whatever the client sent before is reported
/// before the marker, however loaded the machine is.
pub fn requests_until_barrier(url: &str, rx: &mpsc::Receiver<Received>) -> Vec<Received> {
    let addr = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {BARRIER} HTTP/1.1\r\nHost: barrier\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut before = Vec::new();
    loop {
        let r = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the barrier request reaches the server");
        if r.target == BARRIER {
            return before;
        }
        before.push(r);
    }
}
