//! A loopback TCP proxy that holds every chunk for a fixed time each way (a long link played on
//! loopback), and notes each HTTP/1.1 request line it forwards, so a test can count round trips.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Forwards `127.0.0.1:port` → `target`, `delay` later each way, order kept.
pub struct DelayProxy {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    accept_task: tokio::task::JoinHandle<()>,
}

impl DelayProxy {
    pub async fn start(target: SocketAddr, delay: Duration) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let accept_task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(forward(client, target, delay, log.clone()));
            }
        });
        Ok(Self {
            addr,
            requests,
            accept_task,
        })
    }

    /// Starts a proxy in front of a homeserver URL like `http://127.0.0.1:8008`.
    pub async fn in_front_of(url: &str, delay: Duration) -> Result<Self> {
        let target = crate::proxy::resolve(url).await?;
        Self::start(target, delay).await
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `METHOD /path` (query left off) of every request forwarded so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Forgets the requests noted so far.
    pub fn clear(&self) {
        if let Ok(mut r) = self.requests.lock() {
            r.clear();
        }
    }
}

impl Drop for DelayProxy {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

async fn forward(
    client: TcpStream,
    target: SocketAddr,
    delay: Duration,
    log: Arc<Mutex<Vec<String>>>,
) {
    let Ok(server) = TcpStream::connect(target).await else {
        return;
    };
    let (client_r, client_w) = client.into_split();
    let (server_r, server_w) = server.into_split();
    tokio::join!(
        pump(client_r, server_w, delay, Some(log)),
        pump(server_r, client_w, delay, None),
    );
}

/// Reads chunks as they come and writes each one `delay` after it was read.
async fn pump(
    mut from: impl AsyncReadExt + Unpin,
    mut to: impl AsyncWriteExt + Unpin + Send + 'static,
    delay: Duration,
    log: Option<Arc<Mutex<Vec<String>>>>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        while let Some((due, chunk)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some(log) = &log {
            note_requests(&buf[..n], log);
        }
        if tx
            .send((Instant::now() + delay, buf[..n].to_vec()))
            .is_err()
        {
            break;
        }
    }
    drop(tx);
    let _ = writer.await;
}

const METHODS: [&str; 5] = ["GET ", "POST ", "PUT ", "DELETE ", "OPTIONS "];

/// Request lines at the start of a line in a chunk of the client's side of the connection.
fn note_requests(chunk: &[u8], log: &Mutex<Vec<String>>) {
    let text = String::from_utf8_lossy(chunk);
    for line in text.split("\r\n") {
        if !line.ends_with(" HTTP/1.1") || !METHODS.iter().any(|m| line.starts_with(m)) {
            continue;
        }
        let mut parts = line.split(' ');
        let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
            continue;
        };
        let path = target.split('?').next().unwrap_or(target);
        if let Ok(mut r) = log.lock() {
            r.push(format!("{method} {path}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn holds_each_way_keeps_order_and_notes_requests() {
        let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = echo.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = echo.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            loop {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    return;
                }
                s.write_all(&buf[..n]).await.unwrap();
            }
        });
        let delay = Duration::from_millis(100);
        let proxy = DelayProxy::start(target, delay).await.unwrap();
        let mut c = TcpStream::connect(proxy.addr).await.unwrap();
        let started = std::time::Instant::now();
        c.write_all(b"GET /_matrix/client/versions?x=1 HTTP/1.1\r\nHost: a\r\n\r\n")
            .await
            .unwrap();
        c.write_all(b"POST /b HTTP/1.1\r\n\r\n").await.unwrap();
        let want =
            b"GET /_matrix/client/versions?x=1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /b HTTP/1.1\r\n\r\n";
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        while got.len() < want.len() {
            let n = c.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed early");
            got.extend_from_slice(&buf[..n]);
        }
        let took = started.elapsed();
        assert_eq!(got, want.to_vec(), "bytes reordered or changed");
        assert!(took >= 2 * delay, "round trip took only {took:?}");
        assert_eq!(
            proxy.requests(),
            vec!["GET /_matrix/client/versions", "POST /b"]
        );
    }
}
