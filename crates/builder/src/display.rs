//! What the operator sees: on a terminal, one live line per running build (slot, phase,
//! elapsed), ordered by slot, above an overall bar that is there from the start, its clock
//! ticking between events, with an estimate of the time left when earlier durations are
//! known; without a terminal (cron), plain timestamped lines. Build output itself goes to the
//! logs, never here.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::summary::human_duration;

/// The console of a run (stderr).
pub struct Display {
    live: Option<Live>,
    quiet: bool,
    /// The run is stopping: no new build starts.
    stopping: bool,
}

struct Live {
    multi: MultiProgress,
    overall: ProgressBar,
    /// Per job id: its line, its label and its slot.
    running: HashMap<usize, (ProgressBar, String, u32)>,
    /// The overall bar's message besides the state: the time left.
    eta: String,
}

impl Display {
    /// A live display on a terminal, plain lines otherwise; `quiet` keeps only failures.
    pub fn new(total: usize, quiet: bool) -> Display {
        let live = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let overall = multi.add(ProgressBar::new(total as u64));
            if let Ok(style) =
                ProgressStyle::with_template("[{elapsed_precise}] {bar:40} {pos}/{len} done{msg}")
            {
                overall.set_style(style);
            }
            // The clock goes on between events (a build can take hours).
            overall.enable_steady_tick(Duration::from_secs(1));
            Live {
                multi,
                overall,
                running: HashMap::new(),
                eta: String::new(),
            }
        });
        Display {
            live,
            quiet,
            stopping: false,
        }
    }

    /// A display that prints plain lines (tests, `--status`).
    pub fn plain(quiet: bool) -> Display {
        Display {
            live: None,
            quiet,
            stopping: false,
        }
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
            // Above the first line of a higher slot, else right above the overall bar.
            let next = live
                .running
                .values()
                .filter(|(_, _, other)| *other > slot)
                .min_by_key(|(_, _, other)| *other)
                .map_or(&live.overall, |(bar, _, _)| bar);
            let bar = live.multi.insert_before(next, ProgressBar::new_spinner());
            if let Ok(style) = ProgressStyle::with_template("  slot {prefix}: {msg} ({elapsed})") {
                bar.set_style(style);
            }
            bar.set_prefix(slot.to_string());
            bar.set_message(format!("{label}: starting"));
            bar.enable_steady_tick(Duration::from_secs(1));
            live.running.insert(id, (bar, label.to_owned(), slot));
        } else {
            self.note(&format!("building {label} (slot {slot})"));
        }
    }

    /// A build moved to another phase (keys, checkdepends, build, upload).
    pub fn phase(&mut self, id: usize, phase: &str) {
        if let Some((bar, label, _)) = self.live.as_ref().and_then(|live| live.running.get(&id)) {
            let state = if self.stopping { "stopping" } else { phase };
            bar.set_message(format!("{label}: {state}"));
        }
    }

    /// A build ended; `text` says how.
    pub fn finished(&mut self, id: usize, text: &str, failure: bool) {
        if let Some(live) = &mut self.live {
            if let Some((bar, _, _)) = live.running.remove(&id) {
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

    /// The time the rest of the run should take, from earlier durations (`None`: some are
    /// unknown); shown beside the overall bar.
    pub fn eta(&mut self, left: Option<Duration>) {
        if let Some(live) = &mut self.live {
            live.eta = match left {
                Some(left) => format!(", about {} left", human_duration(left)),
                None => ", time left unknown (no earlier durations)".to_owned(),
            };
            self.show_state();
        }
    }

    /// The run is stopping (a signal, or `--stop-on-failure` after a failure): nothing new
    /// starts, the running builds end (or are stopped). The live lines say so; `line`, when
    /// given, is said once (a signal is announced by the caller already).
    pub fn stopping(&mut self, line: Option<&str>) {
        if self.stopping {
            return;
        }
        self.stopping = true;
        if let Some(live) = &self.live {
            for (bar, label, _) in live.running.values() {
                bar.set_message(format!("{label}: stopping"));
            }
        }
        self.show_state();
        if let Some(line) = line {
            self.alert(line);
        }
    }

    fn show_state(&self) {
        if let Some(live) = &self.live {
            let state = if self.stopping { " - stopping" } else { "" };
            live.overall.set_message(format!("{}{state}", live.eta));
        }
    }

    /// Removes the live lines before the summary.
    pub fn close(&mut self) {
        if let Some(live) = self.live.take() {
            for (_, (bar, _, _)) in live.running {
                bar.finish_and_clear();
            }
            live.overall.finish_and_clear();
            let _ = live.multi.clear();
        }
    }
}
