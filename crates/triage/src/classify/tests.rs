use super::*;

macro_rules! fixture {
    ($name:literal) => {
        ($name, include_str!(concat!("../../tests/fixtures/", $name)))
    };
}

/// Every fixture with the category it must get and a piece of the cause it must name.
const FIXTURES: &[((&str, &str), Category, &str)] = &[
    (
        fixture!("makepkg-build-fails.log"),
        Category::Build,
        "A failure occurred in build().",
    ),
    (
        fixture!("makepkg-check-fails.log"),
        Category::Check,
        "in check().",
    ),
    (
        fixture!("makepkg-package-fails.log"),
        Category::Package,
        "in package().",
    ),
    (
        fixture!("makepkg-split-package-fails.log"),
        Category::Package,
        "in package_split-b().",
    ),
    (
        fixture!("makepkg-prepare-fails.log"),
        Category::Prepare,
        "in prepare().",
    ),
    (
        fixture!("makepkg-patch-fails.log"),
        Category::Prepare,
        "in prepare().",
    ),
    (
        fixture!("makepkg-malformed-patch.log"),
        Category::Prepare,
        "in prepare().",
    ),
    (
        fixture!("makepkg-download-fails.log"),
        Category::Download,
        "Failure while downloading http://127.0.0.1:9/",
    ),
    (
        fixture!("makepkg-download-404.log"),
        Category::Download,
        "Failure while downloading",
    ),
    (
        fixture!("makepkg-checksum-fails.log"),
        Category::Checksum,
        "did not pass the validity check!",
    ),
    (
        fixture!("makepkg-pgp-fails.log"),
        Category::Checksum,
        "PGP signatures could not be verified!",
    ),
    (
        fixture!("makepkg-killed-in-build.log"),
        Category::Killed,
        "Killed",
    ),
    (
        fixture!("pacman-target-not-found.log"),
        Category::Dependencies,
        "Could not resolve all dependencies.",
    ),
    (
        fixture!("pacman-unsatisfied.log"),
        Category::Dependencies,
        "Could not resolve all dependencies.",
    ),
    (
        fixture!("composed-oom-gcc.log"),
        Category::Killed,
        "Killed signal terminated program cc1plus",
    ),
    (
        fixture!("composed-devtools-setup.log"),
        Category::Setup,
        "Missing chroot dir root directory",
    ),
    (
        fixture!("composed-verifysource-checksum.log"),
        Category::Checksum,
        "did not pass the validity check!",
    ),
    (
        fixture!("composed-check-prints-curl.log"),
        Category::Check,
        "in check().",
    ),
    (
        fixture!("composed-colored-build.log"),
        Category::Build,
        "==> ERROR: A failure occurred in build().",
    ),
];

fn fixture(name: &str) -> &'static str {
    FIXTURES
        .iter()
        .find(|((n, _), _, _)| *n == name)
        .map(|((_, log), _, _)| *log)
        .unwrap()
}

#[test]
fn every_fixture_gets_its_category_and_cause() {
    let mut wrong = Vec::new();
    for ((name, log), category, cause) in FIXTURES {
        let got = classify(log, &Facts::default());
        if got.category != *category || !got.cause.contains(cause) {
            wrong.push(format!(
                "{name}: got {} {:?}, want {category} ~{cause:?}",
                got.category, got.cause
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_category_but_the_runners_has_a_fixture() {
    // timeout, upload and (mostly) setup come from the runner's facts, tested below.
    for category in Category::ALL {
        if matches!(
            category,
            Category::Timeout | Category::Upload | Category::Unknown
        ) {
            continue;
        }
        assert!(
            FIXTURES.iter().any(|(_, c, _)| *c == category),
            "no fixture for {category}"
        );
    }
}

#[test]
fn a_cause_is_one_clean_line() {
    let got = classify(fixture("composed-colored-build.log"), &Facts::default());
    assert_eq!(got.cause, "==> ERROR: A failure occurred in build().");
    let long = format!(
        "==> ERROR: A failure occurred in build().{}",
        "x".repeat(1000)
    );
    let got = classify(&long, &Facts::default());
    assert_eq!(got.cause.chars().count(), CAUSE_MAX_CHARS + 1);
    assert!(got.cause.ends_with('…'));
}

#[test]
fn a_root_cause_beats_a_later_function_failure() {
    // A checksum failure, then build() of a later attempt in the same tail: the function
    // failure is last, but the checksum is the root cause.
    let tail = "==> ERROR: One or more files did not pass the validity check!\n\
                ==> Starting build()...\n==> ERROR: A failure occurred in build().\n";
    assert_eq!(
        classify(tail, &Facts::default()).category,
        Category::Checksum
    );
}

#[test]
fn within_a_rank_the_last_line_wins() {
    let tail = "Hunk #1 FAILED at 3.\n==> ERROR: A failure occurred in build().\n";
    assert_eq!(classify(tail, &Facts::default()).category, Category::Build);
    let tail = "==> ERROR: A failure occurred in build().\nHunk #1 FAILED at 3.\n";
    assert_eq!(
        classify(tail, &Facts::default()).category,
        Category::Prepare
    );
}

#[test]
fn quoted_messages_do_not_count() {
    // A test suite echoing makepkg's message mid-line is not makepkg failing.
    let tail = "expected output: ==> ERROR: A failure occurred in build().\nall tests passed\n";
    assert_eq!(
        classify(tail, &Facts::default()).category,
        Category::Unknown
    );
}

#[test]
fn runner_facts_outrank_the_log() {
    let log = fixture("makepkg-build-fails.log");
    let timeout = Facts {
        timed_out: Some("timed out after 7200s".into()),
        ..Facts::default()
    };
    assert_eq!(
        classify(log, &timeout),
        Classification {
            category: Category::Timeout,
            cause: "timed out after 7200s".into()
        }
    );
    let signal = Facts {
        signal: Some(9),
        ..Facts::default()
    };
    assert_eq!(classify(log, &signal).cause, "killed by signal 9");
    let got = classify(fixture("makepkg-killed-in-build.log"), &signal);
    assert_eq!(got.category, Category::Killed);
    assert!(got.cause.contains("Killed"), "{}", got.cause);

    let upload = Facts {
        phase: Some(FailedPhase::Upload),
        ..Facts::default()
    };
    let got = classify(
        "==> ERROR: repo-upload: upload of a-1-1-aarch64.pkg.tar.zst failed\n",
        &upload,
    );
    assert_eq!(got.category, Category::Upload);
    assert!(got.cause.contains("repo-upload"), "{}", got.cause);
    assert_eq!(classify("", &upload).cause, "upload failed");

    let setup = Facts {
        phase: Some(FailedPhase::Setup),
        ..Facts::default()
    };
    let got = classify(
        "error: failed retrieving file 'glibc-2.40-1-aarch64.pkg.tar.zst'\n",
        &setup,
    );
    assert_eq!(got.category, Category::Setup);
    assert!(got.cause.contains("glibc"), "{}", got.cause);
}

#[test]
fn an_unexplained_failure_names_its_last_error_line() {
    let tail =
        "configure: creating Makefile\nerror: unknown option --enable-foo\nsome trailing noise\n";
    let got = classify(tail, &Facts::default());
    assert_eq!(got.category, Category::Unknown);
    assert_eq!(got.cause, "error: unknown option --enable-foo");
    assert_eq!(classify("just\nlines\n", &Facts::default()).cause, "lines");
    assert_eq!(classify("", &Facts::default()).cause, "empty log");
}

#[tokio::test]
async fn a_long_log_is_read_from_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let mut text = String::new();
    // A checksum failure far back must not count: only the tail is read.
    text.push_str("==> ERROR: One or more files did not pass the validity check!\n");
    for i in 0..20_000 {
        text.push_str(&format!("compiling unit {i}\n"));
    }
    text.push_str("==> ERROR: A failure occurred in build().\n");
    std::fs::write(&path, &text).unwrap();
    let tail = crate::read_tail(&path, 4096).await.unwrap();
    assert!(tail.len() <= 4096);
    assert!(tail.starts_with("compiling unit "), "{:?}", &tail[..40]);
    let got = crate::classify_log(&path, &Facts::default()).await.unwrap();
    assert_eq!(got.category, Category::Build);
    let err = crate::classify_log(&dir.path().join("missing.log"), &Facts::default())
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("build log "), "{err}");
    assert!(err.to_string().contains("missing.log"), "{err}");
}

#[tokio::test]
async fn a_failed_build_is_classified_from_its_log_and_the_runner_facts() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("zlib-build.log");
    std::fs::write(&log, fixture("makepkg-checksum-fails.log")).unwrap();
    let got = crate::classify_failure(Some(&log), "build", "makechrootpkg exited with 255").await;
    assert_eq!(got.category, Category::Checksum);
    assert!(got.cause.contains("validity check"), "{}", got.cause);
    // The runner's timeout outranks the log.
    let got = crate::classify_failure(Some(&log), "build", "timed out after 30m").await;
    assert_eq!(got.category, Category::Timeout);
    assert_eq!(got.cause, "timed out after 30m");
    // The upload phase, whatever the log.
    let got = crate::classify_failure(Some(&log), "upload", "repo-upload exited with 1").await;
    assert_eq!(got.category, Category::Upload);
    // No log: the reason alone.
    let missing = dir.path().join("missing.log");
    let got = crate::classify_failure(
        Some(&missing),
        "build",
        "==> ERROR: A failure occurred in check().",
    )
    .await;
    assert_eq!(got.category, Category::Check);
    let got = crate::classify_failure(None, "build", "makechrootpkg exited with 1").await;
    assert_eq!(got.category, Category::Unknown);
    assert_eq!(got.cause, "makechrootpkg exited with 1");
}
