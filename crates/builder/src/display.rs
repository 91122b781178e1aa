//! What the operator sees: on a terminal, one live line per running build (phase, elapsed)
//! under an overall bar; without one (cron), plain timestamped lines. Build output itself
//! goes to the logs, never here.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The console of a run (stderr).
pub struct Display {
    live: Option<Live>,
    quiet: bool,
}

struct Live {
    multi: MultiProgress,
    overall: ProgressBar,
    running: HashMap<usize, (ProgressBar, String)>,
}

impl Display {
    /// A live display on a terminal, plain lines otherwise; `quiet` keeps only failures.
    pub fn new(total: usize, quiet: bool) -> Display {
        let live = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let overall = multi.add(ProgressBar::new(total as u64));
            if let Ok(style) =
                ProgressStyle::with_template("[{elapsed_precise}] {bar:40} {pos}/{len} done")
            {
                overall.set_style(style);
            }
            Live {
                multi,
                overall,
                running: HashMap::new(),
            }
        });
        Display { live, quiet }
    }

    /// A display that prints plain lines (tests, `--status`).
    pub fn plain(quiet: bool) -> Display {
        Display { live: None, quiet }
    }

    fn line(&self, text: &str) {
        match &self.live {
            Some(live) => {
                let _ = live.multi.println(text);
            }
            None => {
                let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S");
                let _ = writeln!(std::io::stderr().lock(), "{now} {text}");
            }
        }
    }

    /// An informational line.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            self.line(text);
        }
    }

    /// A line shown even when quiet.
    pub fn alert(&self, text: &str) {
        self.line(text);
    }

    /// A build started.
    pub fn started(&mut self, id: usize, label: &str, slot: u32) {
        if let Some(live) = &mut self.live {
            let bar = live
                .multi
                .insert_before(&live.overall, ProgressBar::new_spinner());
            if let Ok(style) = ProgressStyle::with_template("  slot {prefix}: {msg} ({elapsed})") {
                bar.set_style(style);
            }
            bar.set_prefix(slot.to_string());
            bar.set_message(format!("{label}: starting"));
            bar.enable_steady_tick(Duration::from_secs(1));
            live.running.insert(id, (bar, label.to_owned()));
        } else {
            self.note(&format!("building {label} (slot {slot})"));
        }
    }

    /// A build moved to another phase (keys, checkdepends, build, upload).
    pub fn phase(&mut self, id: usize, phase: &str) {
        if let Some((bar, label)) = self.live.as_ref().and_then(|live| live.running.get(&id)) {
            bar.set_message(format!("{label}: {phase}"));
        }
    }

    /// A build ended; `text` says how.
    pub fn finished(&mut self, id: usize, text: &str, failure: bool) {
        if let Some(live) = &mut self.live {
            if let Some((bar, _)) = live.running.remove(&id) {
                bar.finish_and_clear();
                live.multi.remove(&bar);
            }
            live.overall.inc(1);
        }
        if failure {
            self.alert(text);
        } else {
            self.note(text);
        }
    }

    /// Counts a job that ended without running (blocked, already built).
    pub fn settled(&mut self, count: usize) {
        if let Some(live) = &self.live {
            live.overall.inc(count as u64);
        }
    }

    /// Removes the live lines before the summary.
    pub fn close(&mut self) {
        if let Some(live) = self.live.take() {
            for (_, (bar, _)) in live.running {
                bar.finish_and_clear();
            }
            live.overall.finish_and_clear();
            let _ = live.multi.clear();
        }
    }
}
