//! Human output on stderr: whole lines, a progress bar only on a terminal.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

/// Where progress goes. Lines are printed whole, so concurrent fetches never interleave.
#[derive(Debug, Clone)]
pub struct Console {
    /// Print informational lines (false with `-q`).
    pub verbose: bool,
    /// Draw a progress bar (stderr is a terminal).
    pub bar: bool,
}

impl Console {
    /// A console for stderr: bar on a terminal, lines unless quiet.
    pub fn stderr(quiet: bool) -> Console {
        Console {
            verbose: !quiet,
            bar: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// A console that prints nothing (tests, library use).
    pub fn silent() -> Console {
        Console {
            verbose: false,
            bar: false,
        }
    }

    /// Prints one informational line.
    pub fn line(&self, text: &str) {
        if self.verbose {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    }

    /// Prints a warning, even when quiet.
    pub fn warn(&self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "warning: {text}");
    }

    /// Prints a warning above the bar, even when quiet.
    pub fn warn_above(&self, bar: &ProgressBar, text: &str) {
        if bar.is_hidden() {
            self.warn(text);
        } else {
            bar.println(format!("warning: {text}"));
        }
    }

    /// A progress bar of `len` steps, hidden unless on a terminal.
    pub fn progress(&self, len: u64, what: &str) -> ProgressBar {
        if !self.bar {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        // Done/total and the time left: a new port fetches thousands of repositories.
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}, ETA {eta}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_owned());
        bar
    }

    /// Prints a line above the bar.
    pub fn line_above(&self, bar: &ProgressBar, text: &str) {
        if !self.verbose {
            return;
        }
        if bar.is_hidden() {
            self.line(text);
        } else {
            bar.println(text);
        }
    }
}
