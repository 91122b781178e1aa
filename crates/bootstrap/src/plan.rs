//! The staged build order: every package of stage 1, then every package of stage 2, each
//! step knowing its place for the `Stage 1/2 (3/8): binutils` progress lines.

use archport_vercmp::PkgName;
use serde::{Deserialize, Serialize};

use crate::error::BootstrapError;

/// How many stages a bootstrap has.
pub const STAGES: u8 = 2;

/// The packages `bootstrap-toolchain` publishes to `extra` (through its testing repository)
/// when the state repository does not say; everything else of the toolchain is in `core`.
pub const EXTRA_PACKAGES: [&str; 1] = ["valgrind"];

/// One build of the bootstrap: a pkgbase in a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The stage, 1 or 2.
    pub stage: u8,
    /// The 1-based place of the package in its stage.
    pub position: usize,
    /// How many packages the stage has (`--start-from` does not change it).
    pub stage_len: usize,
    /// The pkgbase built, from its checkout in `pkgbuilds/`.
    pub pkgbase: String,
}

impl Step {
    /// `Stage 1/2 (3/8): binutils`.
    pub fn label(&self) -> String {
        format!(
            "Stage {}/{STAGES} ({}/{}): {}",
            self.stage, self.position, self.stage_len, self.pkgbase
        )
    }
}

/// The steps of a bootstrap: `stage1` then `stage2`, in order. With `start_from`, stage 1
/// starts at that package (the earlier ones are skipped); stage 2 always runs whole. A
/// `start_from` that stage 1 does not hold is a usage error.
pub fn plan_steps(
    stage1: &[String],
    stage2: &[String],
    start_from: Option<&str>,
) -> Result<Vec<Step>, BootstrapError> {
    for name in stage1.iter().chain(stage2) {
        // Names become paths and command arguments: check them even if the config did.
        PkgName::new(name).map_err(|e| BootstrapError::BadName {
            pkgbase: name.clone(),
            problem: e.to_string(),
        })?;
    }
    let skip = match start_from {
        None => 0,
        Some(first) => stage1.iter().position(|p| p == first).ok_or_else(|| {
            BootstrapError::UnknownStartFrom {
                pkgbase: first.to_owned(),
                stage1: stage1.join(" "),
            }
        })?,
    };
    let stage = |number: u8, list: &[String], skip: usize| -> Vec<Step> {
        list.iter()
            .enumerate()
            .skip(skip)
            .map(|(i, pkgbase)| Step {
                stage: number,
                position: i + 1,
                stage_len: list.len(),
                pkgbase: pkgbase.clone(),
            })
            .collect()
    };
    let mut steps = stage(1, stage1, skip);
    steps.extend(stage(2, stage2, 0));
    Ok(steps)
}

/// The repository a toolchain package belongs to when the state repository does not know
/// it: `extra` for [`EXTRA_PACKAGES`], `core` for the rest.
pub fn fallback_repo(pkgbase: &str) -> &'static str {
    if EXTRA_PACKAGES.contains(&pkgbase) {
        "extra"
    } else {
        "core"
    }
}

/// The pkgbases of `steps`, each once, in first-seen order.
pub fn distinct_pkgbases(steps: &[Step]) -> Vec<&str> {
    let mut seen: Vec<&str> = Vec::new();
    for step in steps {
        if !seen.contains(&step.pkgbase.as_str()) {
            seen.push(&step.pkgbase);
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn stage_one_then_stage_two_with_positions() {
        let steps = plan_steps(
            &names(&["glibc", "binutils", "gcc"]),
            &names(&["glibc", "valgrind"]),
            None,
        )
        .unwrap();
        let labels: Vec<String> = steps.iter().map(Step::label).collect();
        assert_eq!(
            labels,
            [
                "Stage 1/2 (1/3): glibc",
                "Stage 1/2 (2/3): binutils",
                "Stage 1/2 (3/3): gcc",
                "Stage 2/2 (1/2): glibc",
                "Stage 2/2 (2/2): valgrind",
            ]
        );
        assert_eq!(
            distinct_pkgbases(&steps),
            ["glibc", "binutils", "gcc", "valgrind"]
        );
    }

    #[test]
    fn start_from_skips_earlier_stage_one_packages_only() {
        let steps = plan_steps(
            &names(&["glibc", "binutils", "gcc"]),
            &names(&["glibc", "binutils"]),
            Some("gcc"),
        )
        .unwrap();
        let labels: Vec<String> = steps.iter().map(Step::label).collect();
        assert_eq!(
            labels,
            [
                "Stage 1/2 (3/3): gcc",
                "Stage 2/2 (1/2): glibc",
                "Stage 2/2 (2/2): binutils"
            ]
        );
        let err =
            plan_steps(&names(&["glibc"]), &names(&["valgrind"]), Some("valgrind")).unwrap_err();
        assert!(err.is_usage());
        assert_eq!(
            err.to_string(),
            "--start-from valgrind: not a stage-1 package (stage 1: glibc)"
        );
    }

    #[test]
    fn bad_names_and_repos() {
        let err = plan_steps(&names(&["../gcc"]), &[], None).unwrap_err();
        assert!(err.to_string().starts_with("\"../gcc\": "), "{err}");
        assert_eq!(fallback_repo("valgrind"), "extra");
        assert_eq!(fallback_repo("gcc"), "core");
    }
}
