//! From the runner's account of a failure (its phase name and reason, as the runner's
//! `Failure` carries them and the records keep them as text) to the [`Facts`] that outrank
//! the log. Text, not the runner's types: triage sits below the runner, and the records
//! (`failed_packages.json`, the queue, `bootstrap.json`) hold these words.

use crate::classify::{Facts, FailedPhase};

/// How a runner reason begins when `[build] timeout` stopped the build
/// (`timed out after 2h`).
pub const TIMEOUT_PREFIX: &str = "timed out after";

impl FailedPhase {
    /// The step a runner phase belongs to, by the phase's name (`archport_runner::Phase`'s
    /// `as_str`): `upload` publishes; `prepare`, `cache`, `keys`, `refresh`, `install` and
    /// `checkdepends` set up the chroot or the working copy (`setup` and `chroot` are
    /// accepted for records that say so); `build` is makechrootpkg. `None` for any other
    /// name (`cleanup` never fails a step).
    pub fn of_runner_phase(name: &str) -> Option<FailedPhase> {
        match name {
            "upload" | "publish" => Some(FailedPhase::Upload),
            "prepare" | "cache" | "keys" | "refresh" | "install" | "checkdepends" | "setup"
            | "chroot" => Some(FailedPhase::Setup),
            "build" => Some(FailedPhase::Build),
            _ => None,
        }
    }
}

impl Facts {
    /// What a runner failure in phase `phase` (its name) with `reason` says before the log
    /// is read: the failed step, and whether `[build] timeout` stopped it (a reason that
    /// starts with [`TIMEOUT_PREFIX`]; its first line becomes the cause).
    pub fn from_failure(phase: &str, reason: &str) -> Facts {
        let reason = reason.trim_start();
        Facts {
            phase: FailedPhase::of_runner_phase(phase),
            timed_out: reason
                .starts_with(TIMEOUT_PREFIX)
                .then(|| reason.lines().next().unwrap_or(reason).trim().to_owned()),
            signal: None,
        }
    }

    /// [`Facts::from_failure`] of a failure recorded as one text, `<phase>: <reason>` (how
    /// the runner's `Failure` displays, and what the queue and `failed_packages.json`
    /// keep). A text without a phase word before its first colon gives no phase.
    pub fn from_reason(text: &str) -> Facts {
        match text.split_once(':') {
            Some((phase, reason))
                if !phase.is_empty()
                    && phase.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') =>
            {
                Facts::from_failure(phase, reason)
            }
            _ => Facts::from_failure("", text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Category, classify};

    #[test]
    fn runner_phases_map_to_steps() {
        for setup in [
            "prepare",
            "cache",
            "keys",
            "refresh",
            "install",
            "checkdepends",
        ] {
            assert_eq!(
                FailedPhase::of_runner_phase(setup),
                Some(FailedPhase::Setup),
                "{setup}"
            );
        }
        assert_eq!(
            FailedPhase::of_runner_phase("upload"),
            Some(FailedPhase::Upload)
        );
        assert_eq!(
            FailedPhase::of_runner_phase("build"),
            Some(FailedPhase::Build)
        );
        assert_eq!(FailedPhase::of_runner_phase("cleanup"), None);
    }

    #[test]
    fn a_timeout_is_a_timeout_whatever_the_log_says() {
        let log = "==> ERROR: A failure occurred in build().\n";
        let facts = Facts::from_failure("build", "timed out after 2h (limit [build] timeout)");
        let got = classify(log, &facts);
        assert_eq!(got.category, Category::Timeout);
        assert_eq!(got.cause, "timed out after 2h (limit [build] timeout)");
        // Recorded as one text, as the queue keeps it.
        let got = classify(log, &Facts::from_reason("build: timed out after 7200s"));
        assert_eq!(got.category, Category::Timeout);
        assert_eq!(got.cause, "timed out after 7200s");
        // Not a timeout: the log decides.
        let got = classify(
            log,
            &Facts::from_reason("build: makechrootpkg exited with 255"),
        );
        assert_eq!(got.category, Category::Build);
    }

    #[test]
    fn upload_and_setup_phases_decide_over_the_log() {
        let log = "==> ERROR: A failure occurred in build().\nerror: target not found: zlib\n";
        let upload = classify(
            log,
            &Facts::from_reason("upload: repo-upload exited with 1"),
        );
        assert_eq!(upload.category, Category::Upload);
        let keys = classify(log, &Facts::from_failure("keys", "gpg exited with 2"));
        assert_eq!(keys.category, Category::Setup);
        let install = classify("", &Facts::from_reason("install: pacman exited with 1"));
        assert_eq!(install.category, Category::Setup);
        assert_eq!(
            Facts::from_reason("Build failed: no phase"),
            Facts::default()
        );
        assert_eq!(Facts::from_reason("no colon"), Facts::default());
    }
}
