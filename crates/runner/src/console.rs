//! Plain console lines on stderr and durations for people.

use std::io::Write;
use std::time::{Duration, Instant};

/// The console of a sequential run: one line per event on stderr, informational lines
/// dropped with `-q`. Build output goes to the logs, never here.
#[derive(Debug, Clone)]
pub struct Console {
    quiet: bool,
    start: Instant,
}

impl Console {
    /// A console; `quiet` keeps only warnings and failures.
    pub fn new(quiet: bool) -> Console {
        Console {
            quiet,
            start: Instant::now(),
        }
    }

    /// How long the run has taken so far.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// An informational line (not shown with `-q`).
    pub fn note(&self, text: &str) {
        if !self.quiet {
            self.alert(text);
        }
    }

    /// A line shown even with `-q`: warnings, failures, interruptions.
    pub fn alert(&self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}

/// A duration for people: `45s`, `3m07s`, `1h02m03s`.
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}h{m:02}m{s:02}s")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(4_900)), "4s");
        assert_eq!(format_duration(Duration::from_secs(187)), "3m07s");
        assert_eq!(format_duration(Duration::from_secs(3723)), "1h02m03s");
    }
}
