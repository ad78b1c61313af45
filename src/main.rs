use std::alloc::{GlobalAlloc, Layout, System};

use clap::Parser;
use roomscribe::cli::Cli;
use roomscribe::{error, headless, logging, paths};

/// The system allocator, except that running out of memory (a huge export under a memory
/// limit) ends with one line and exit 1 instead of Rust's abort ("memory allocation of N bytes
/// failed", exit 134). The failure path allocates nothing: a fixed message, write(2), _exit(2).
struct Guarded;

const OUT_OF_MEMORY: &[u8] =
    b"roomscribe: out of memory (the file or the selection is too large for the memory limit; for an export, try a selection like last:N)\n";

fn out_of_memory() -> ! {
    // SAFETY: write(2) on fd 2 with a static buffer, then _exit(2): both async-signal-safe,
    // neither allocates nor unwinds.
    unsafe {
        libc::write(2, OUT_OF_MEMORY.as_ptr().cast(), OUT_OF_MEMORY.len());
        libc::_exit(1)
    }
}

// SAFETY: every call is passed on to `System` unchanged; only a null result is acted on.
unsafe impl GlobalAlloc for Guarded {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on as it is.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            out_of_memory();
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            out_of_memory();
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as in `alloc`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as in `alloc`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            out_of_memory();
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Guarded = Guarded;

fn main() {
    let cli = Cli::parse();
    let log_path = cli
        .global
        .log_file
        .clone()
        .unwrap_or_else(paths::default_log_file);
    let _guard = logging::init(&log_path);
    let code = match headless::run(cli) {
        Ok(()) => 0,
        Err(err) => {
            tracing::error!("{err:#}");
            eprintln!("roomscribe: {}", error::one_line(&err));
            error::exit_code(&err)
        }
    };
    std::process::exit(code);
}
