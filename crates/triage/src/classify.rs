//! The engine: which rule decides for a log tail, given what the runner already knows.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::category::Category;
use crate::rules::{RULES, Rank, Rule};

/// The longest cause kept, in characters: one line on a page or a terminal.
pub const CAUSE_MAX_CHARS: usize = 240;

/// Which step of a build attempt failed, as the runner knows it without reading the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailedPhase {
    /// Setting up the chroot or the working copy (mkarchroot, the chroot update, locks).
    Setup,
    /// makechrootpkg / makepkg: the log decides what kind of build failure it is.
    Build,
    /// Publishing the built packages (repo-upload, repo-add).
    Upload,
}

/// What the runner knows about a failed attempt. Known facts outrank the log: a build the
/// runner stopped at its time limit is a `timeout` whatever the log's last lines say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// The step that failed, when the runner knows it.
    pub phase: Option<FailedPhase>,
    /// The runner stopped the build at `[build] timeout`: its own words
    /// (`timed out after 2h`), which become the cause.
    pub timed_out: Option<String>,
    /// The build's process died of this signal (not one the runner sent for a timeout).
    pub signal: Option<i32>,
}

/// A failed build's category and the one line that shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Classification {
    /// What kind of failure it is.
    pub category: Category,
    /// The log line that decided (ANSI codes removed, trimmed, at most [`CAUSE_MAX_CHARS`]
    /// characters), or the runner's fact when no log line did (`timed out after 7200s`).
    pub cause: String,
}

struct Compiled {
    rule: &'static Rule,
    regex: Regex,
}

/// The table compiled once. A pattern that does not compile is skipped here and fails the
/// `every_pattern_compiles` test: the table is constant data, never user input.
static COMPILED: LazyLock<Vec<Compiled>> = LazyLock::new(|| {
    RULES
        .iter()
        .filter_map(|rule| {
            Regex::new(rule.pattern)
                .ok()
                .map(|regex| Compiled { rule, regex })
        })
        .collect()
});

/// An ANSI escape sequence (makepkg colours its messages on a terminal).
static ANSI: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]").ok());

/// A line that reads like an error, for the cause of a failure no rule explains.
static ERRORISH: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)^(==> ERROR:|error(\[\w+\])?:|fatal:|.*\berror:)").ok());

/// The lines of a log tail as the rules see them: split at newlines and carriage returns
/// (curl's progress meter redraws with `\r`), ANSI codes removed, trimmed.
fn clean_lines(tail: &str) -> Vec<String> {
    tail.split(['\n', '\r'])
        .map(|line| {
            let line = match ANSI.as_ref() {
                Some(ansi) => ansi.replace_all(line, "").into_owned(),
                None => line.to_owned(),
            };
            line.trim().to_owned()
        })
        .filter(|line| !line.is_empty())
        .collect()
}

fn cap(line: &str) -> String {
    match line.char_indices().nth(CAUSE_MAX_CHARS) {
        Some((end, _)) => format!("{}…", &line[..end]),
        None => line.to_owned(),
    }
}

/// The line and rule that decide for `lines`: the highest rank wins, and within a rank the
/// last matching line (makepkg prints the failing function last, after the tool output).
fn decide(lines: &[String]) -> Option<(&str, &'static Rule)> {
    let mut best: Option<(Rank, usize, &'static Rule)> = None;
    for (index, line) in lines.iter().enumerate() {
        // The first matching rule of a line is enough: rules for one message never disagree.
        if let Some(compiled) = COMPILED.iter().find(|c| c.regex.is_match(line))
            && best.is_none_or(|(rank, _, _)| compiled.rule.rank >= rank)
        {
            best = Some((compiled.rule.rank, index, compiled.rule));
        }
    }
    best.map(|(_, index, rule)| (lines[index].as_str(), rule))
}

/// The last line that reads like an error, for a cause when no rule matched.
fn last_error_line(lines: &[String]) -> Option<&str> {
    let errorish = ERRORISH.as_ref()?;
    lines
        .iter()
        .rev()
        .find(|line| errorish.is_match(line))
        .map(String::as_str)
}

/// Classifies a failed build from its log tail (the last lines of the build log; see
/// [`crate::read_tail`]) and what the runner knows.
///
/// Precedence, first that applies:
/// 1. `facts.timed_out`: `timeout` (cause: the runner's words, `timed out after 2h`).
/// 2. `facts.signal`: `killed` (cause: the log's killed line if any, else `killed by
///    signal <n>`).
/// 3. `facts.phase` upload or setup: `upload` / `setup` (cause: the deciding log line, else
///    the last error line, else the phase).
/// 4. The log: the rule table ([`crate::RULES`]); the highest [`Rank`] wins, within a rank
///    the last matching line.
/// 5. `unknown`, with the last error-looking line (or the last line) as the cause.
pub fn classify(tail: &str, facts: &Facts) -> Classification {
    let lines = clean_lines(tail);
    let decided = decide(&lines);
    let explained = decided
        .map(|(line, _)| line)
        .or_else(|| last_error_line(&lines));
    let with = |category, cause: &str| Classification {
        category,
        cause: cap(cause),
    };
    if let Some(words) = &facts.timed_out {
        return with(Category::Timeout, words);
    }
    if let Some(signal) = facts.signal {
        return match decided {
            Some((line, rule)) if rule.category == Category::Killed => with(Category::Killed, line),
            _ => with(Category::Killed, &format!("killed by signal {signal}")),
        };
    }
    match facts.phase {
        Some(FailedPhase::Upload) => {
            return with(Category::Upload, explained.unwrap_or("upload failed"));
        }
        Some(FailedPhase::Setup) => {
            return with(Category::Setup, explained.unwrap_or("chroot set-up failed"));
        }
        Some(FailedPhase::Build) | None => {}
    }
    match decided {
        Some((line, rule)) => with(rule.category, line),
        None => with(
            Category::Unknown,
            explained
                .or_else(|| lines.last().map(String::as_str))
                .unwrap_or("empty log"),
        ),
    }
}

#[cfg(test)]
mod tests;
