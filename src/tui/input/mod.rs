//! The terminal's keys, mouse, pastes and size changes as a stream of events, read from our own
//! handle on `/dev/tty`. Dropping the stream closes the handle, so `$EDITOR` gets every key.

mod decode;

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::time::Duration;

use crossterm::event::Event;
use futures_util::Stream;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::signal::unix::{Signal, SignalKind, signal};

use decode::Decoder;

/// How long a trailing Esc waits for the rest of a sequence before it counts as the Esc key.
/// A terminal sends a sequence in one write; a person does not type Esc and the next key
/// within this.
const ESC_WAIT: Duration = Duration::from_millis(25);

/// Most bytes decoded before the events already decoded are handed on.
const ROUND: usize = 64 * 1024;

pub type Events = std::pin::Pin<Box<dyn Stream<Item = io::Result<Event>> + Send>>;

/// A fresh stream of the terminal's events. An error opening the terminal is its first item.
pub fn events() -> Events {
    Box::pin(futures_util::stream::unfold(
        Some(Reader::open()),
        |state| async move {
            match state? {
                Err(e) => Some((Err(e), None)),
                Ok(mut r) => match r.next().await {
                    Ok(ev) => Some((Ok(ev), Some(Ok(r)))),
                    Err(e) => Some((Err(e), None)),
                },
            }
        },
    ))
}

struct Reader {
    tty: AsyncFd<File>,
    resized: Signal,
    decoder: Decoder,
    ready: VecDeque<Event>,
    /// Bytes were decoded as "more may follow": a trailing Esc may still be held.
    undecided: bool,
    buf: Vec<u8>,
}

impl Reader {
    fn open() -> io::Result<Self> {
        // Our own open file description: non-blocking here leaves the shell's and `$EDITOR`'s
        // stdin as they were.
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open("/dev/tty")
            .map_err(|e| {
                io::Error::new(e.kind(), format!("cannot read the terminal /dev/tty: {e}"))
            })?;
        // SAFETY: the `File` owns its descriptor and the `AsyncFd` owns the `File`, so the
        // descriptor stays open and the same until the `AsyncFd` is dropped.
        let tty = unsafe { AsyncFd::register_with_interest(tty, Interest::READABLE) }
            .map_err(|e| e.into_parts().1)?;
        Ok(Self {
            tty,
            resized: signal(SignalKind::window_change())?,
            decoder: Decoder::default(),
            ready: VecDeque::new(),
            undecided: false,
            buf: vec![0; 8 * 1024],
        })
    }

    async fn next(&mut self) -> io::Result<Event> {
        loop {
            if let Some(ev) = self.ready.pop_front() {
                return Ok(ev);
            }
            tokio::select! {
                guard = self.tty.readable() => {
                    let mut guard = guard?;
                    let mut read = 0;
                    while read < ROUND {
                        match guard.try_io(|tty| tty.get_ref().read(&mut self.buf)) {
                            Ok(Ok(0)) => {
                                return Err(io::Error::new(
                                    io::ErrorKind::UnexpectedEof,
                                    "the terminal was closed",
                                ));
                            }
                            Ok(Ok(n)) => {
                                self.decoder.feed(&self.buf[..n], true, &mut self.ready);
                                read += n;
                            }
                            Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                            Ok(Err(e)) => return Err(e),
                            Err(_would_block) => break,
                        }
                    }
                    self.undecided = true;
                }
                Some(()) = self.resized.recv() => {
                    let (width, height) = crossterm::terminal::size()?;
                    return Ok(Event::Resize(width, height));
                }
                () = tokio::time::sleep(ESC_WAIT), if self.undecided => {
                    self.decoder.feed(&[], false, &mut self.ready);
                    self.undecided = false;
                }
            }
        }
    }
}
