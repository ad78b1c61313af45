//! The real binary in a pseudo-terminal, its screen parsed by vt100: how a person sees it.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// Only a hang fails; never a speed assertion.
const PATIENCE: Duration = Duration::from_secs(60);

pub struct Pty {
    pub screen: Arc<Mutex<vt100::Parser>>,
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    reading: Option<std::thread::JoinHandle<()>>,
    _master: Box<dyn MasterPty + Send>,
}

impl Pty {
    /// Starts roomscribe with `args` and a clean environment whose folders are under `home`.
    pub fn spawn(args: &[&str], home: &Path, env: &[(&str, &str)], rows: u16, cols: u16) -> Self {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        // The first-screen bench may time another build (ROOMSCRIBE_BENCH_BIN).
        let bin = std::env::var("ROOMSCRIBE_BENCH_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_roomscribe").into());
        let mut cmd = CommandBuilder::new(bin);
        cmd.args(args);
        cmd.env_clear();
        cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
        cmd.env("HOME", home);
        cmd.env("TERM", "xterm-256color");
        cmd.env("ROOMSCRIBE_DATA_DIR", home.join("data"));
        cmd.env("ROOMSCRIBE_CONFIG_DIR", home.join("config"));
        cmd.env("ROOMSCRIBE_STATE_DIR", home.join("state"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let mut reader = pty.master.try_clone_reader().unwrap();
        let feed = screen.clone();
        let reading = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().unwrap().process(&buf[..n]);
            }
        });
        let writer = pty.master.take_writer().unwrap();
        Self {
            screen,
            child,
            writer,
            reading: Some(reading),
            _master: pty.master,
        }
    }

    pub fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Blocks until every one of `what` is on the screen at once; returns that screen.
    pub fn wait_for(&self, what: &[&str]) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let text = self.contents();
            if what.iter().all(|w| text.contains(w)) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "gave up waiting for {what:?}; screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    /// `kill -9`: no chance to save anything on the way out.
    pub fn kill9(mut self) {
        if let Some(pid) = self.child.process_id() {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
        }
        let _ = self.child.wait();
        if let Some(r) = self.reading.take() {
            r.join().unwrap();
        }
    }

    /// Waits for the program to end and for its last output to be read; returns success.
    pub fn wait(mut self) -> (bool, Arc<Mutex<vt100::Parser>>) {
        let status = self.child.wait().unwrap();
        if let Some(r) = self.reading.take() {
            r.join().unwrap();
        }
        (status.success(), self.screen.clone())
    }
}
