//! Writing to stdout and stderr without panicking when the reader has gone away.
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe (`tool | head -1`) fails with EPIPE,
//! and `println!` turns that failure into a panic (exit 101). A tool's output is a report
//! to whoever reads it; once nobody does, the run must still finish its work and exit with
//! its own code, so these helpers drop the error.

use std::io::Write;

/// Writes `text` to stdout as it is; a closed stdout is ignored.
pub fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Writes `text` and a newline to stdout; a closed stdout is ignored.
pub fn println_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
}

/// Writes `text` and a newline to stderr; a closed stderr is ignored.
pub fn println_stderr(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Writes `text` to stderr as it is (a summary that ends its own lines); a closed stderr is
/// ignored.
pub fn print_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
