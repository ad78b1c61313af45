//! A loopback TCP proxy a test can cut (every open connection dropped, new ones refused at once)
//! and restore, to play network loss or a server restart in front of a real server.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Result;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Forwards `127.0.0.1:port` → `target` while up.
pub struct CutProxy {
    pub addr: SocketAddr,
    up: Arc<watch::Sender<bool>>,
    accept_task: tokio::task::JoinHandle<()>,
}

impl CutProxy {
    pub async fn start(target: SocketAddr) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (tx, _) = watch::channel(true);
        let up = Arc::new(tx);
        let up2 = up.clone();
        let accept_task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !*up2.borrow() {
                    drop(client);
                    continue;
                }
                tokio::spawn(forward(client, target, up2.subscribe()));
            }
        });
        Ok(Self {
            addr,
            up,
            accept_task,
        })
    }

    /// Starts a proxy in front of a homeserver URL like `http://127.0.0.1:8008`.
    pub async fn in_front_of(url: &str) -> Result<Self> {
        Self::start(resolve(url).await?).await
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Drops every open connection and refuses new ones until `restore`.
    pub fn cut(&self) {
        self.up.send_replace(false);
    }

    pub fn restore(&self) {
        self.up.send_replace(true);
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.cut();
        self.accept_task.abort();
    }
}

/// The address of a plain-HTTP URL like `http://127.0.0.1:8008`.
pub(crate) async fn resolve(url: &str) -> Result<SocketAddr> {
    let host_port = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    tokio::net::lookup_host(host_port)
        .await?
        .next()
        .ok_or_else(|| anyhow::anyhow!("cannot resolve {url}"))
}

async fn forward(mut client: TcpStream, target: SocketAddr, mut up: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(target).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = up.wait_for(|u| !*u) => {}
    }
}
