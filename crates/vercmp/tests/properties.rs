//! Order properties: vercmp is antisymmetric and transitive over version shapes, the epoch
//! dominates, the pkgrel decides between equal pkgvers, and versions that are written
//! differently but mean the same compare equal, as pacman's own `vercmp` says.
//!
//! vercmp returns early when both strings are identical, so every property here compares
//! strings that differ.

use std::cmp::Ordering;
use std::process::Command;

use archport_vercmp::vercmp;
use proptest::prelude::*;

fn version() -> impl Strategy<Value = String> {
    "([0-9]{1,2}:)?[0-9a-z]{1,3}([._+~][0-9a-z]{0,3}){0,3}(-[0-9]{1,2}(\\.[0-9])?)?"
}

/// A pkgver: no epoch, no pkgrel.
fn pkgver() -> impl Strategy<Value = String> {
    "[0-9a-z]{1,3}([._+~][0-9a-z]{0,3}){0,3}"
}

/// The numeric segments of a pkgver, with separators between them and a pkgrel.
fn numeric_version() -> impl Strategy<Value = (Vec<u32>, Vec<char>, u32)> {
    (1usize..5).prop_flat_map(|n| {
        (
            proptest::collection::vec(0u32..1000, n),
            proptest::collection::vec(prop::sample::select(vec!['.', '_', '+']), n - 1),
            1u32..20,
        )
    })
}

/// `segments` joined by `separators`, each segment with `zeros[i]` leading zeros, and
/// `-pkgrel`.
fn render(segments: &[u32], separators: &[char], zeros: &[usize], pkgrel: u32) -> String {
    let mut text = String::new();
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            text.push(separators[i - 1]);
        }
        text.push_str(&"0".repeat(zeros.get(i).copied().unwrap_or(0)));
        text.push_str(&segment.to_string());
    }
    format!("{text}-{pkgrel}")
}

/// pacman's `vercmp` on `a` and `b`.
fn real_vercmp(a: &str, b: &str) -> Ordering {
    let out = Command::new("vercmp")
        .args([a, b])
        .output()
        .expect("pacman's vercmp must be installed");
    let n: i32 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("vercmp prints a number");
    n.cmp(&0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn antisymmetric(a in version(), b in version()) {
        prop_assert_eq!(vercmp(&a, &b), vercmp(&b, &a).reverse());
    }

    #[test]
    fn the_epoch_dominates(a in pkgver(), b in pkgver(), e in 0u32..50, more in 1u32..50) {
        let (low, high) = (format!("{e}:{a}-1"), format!("{}:{b}-1", e + more));
        prop_assert_eq!(vercmp(&low, &high), Ordering::Less, "{} vs {}", low, high);
        // No epoch is epoch 0.
        prop_assert_eq!(vercmp(&format!("{a}-1"), &format!("{more}:{b}-1")), Ordering::Less);
    }

    #[test]
    fn the_pkgrel_decides_between_equal_pkgvers(v in pkgver(), r1 in 0u32..100, r2 in 0u32..100) {
        prop_assume!(r1 != r2);
        prop_assert_eq!(vercmp(&format!("{v}-{r1}"), &format!("{v}-{r2}")), r1.cmp(&r2));
        // A missing pkgrel matches any: `glibc>=2.38` is met by 2.38-1.
        prop_assert_eq!(vercmp(&v, &format!("{v}-{r2}")), Ordering::Equal);
    }
}

proptest! {
    // Each case runs pacman's vercmp twice.
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Different text, the same version: leading zeros, another one-byte separator, an
    /// explicit epoch 0. Both this vercmp and pacman's must call them equal.
    #[test]
    fn written_differently_but_equal(
        (segments, separators, pkgrel) in numeric_version(),
        zeros in proptest::collection::vec(0usize..3, 4),
        other_separators in proptest::collection::vec(prop::sample::select(vec!['.', '_', '+']), 4),
        explicit_epoch in any::<bool>(),
    ) {
        let plain = render(&segments, &separators, &[], pkgrel);
        let mut variant = render(&segments, &other_separators[..separators.len()], &zeros, pkgrel);
        if explicit_epoch {
            variant = format!("0:{variant}");
        }
        prop_assume!(plain != variant);
        prop_assert_eq!(vercmp(&plain, &variant), Ordering::Equal, "{} vs {}", plain, variant);
        prop_assert_eq!(real_vercmp(&plain, &variant), Ordering::Equal, "pacman: {} vs {}", plain, variant);
    }

    /// Bumping one numeric segment makes the version newer, whatever the zeros and
    /// separators around it, in agreement with pacman's vercmp.
    #[test]
    fn a_bumped_segment_is_newer(
        (segments, separators, pkgrel) in numeric_version(),
        zeros in proptest::collection::vec(0usize..3, 4),
        which in 0usize..4,
    ) {
        let which = which % segments.len();
        let mut bumped = segments.clone();
        bumped[which] += 1;
        let old = render(&segments, &separators, &[], pkgrel);
        let new = render(&bumped, &separators, &zeros, pkgrel);
        prop_assert_eq!(vercmp(&old, &new), Ordering::Less, "{} vs {}", old, new);
        prop_assert_eq!(real_vercmp(&old, &new), Ordering::Less, "pacman: {} vs {}", old, new);
    }

    #[test]
    fn transitive(a in version(), b in version(), c in version()) {
        for (x, y, z) in [(&a, &b, &c), (&a, &c, &b), (&b, &a, &c), (&b, &c, &a), (&c, &a, &b), (&c, &b, &a)] {
            if vercmp(x, y).is_le() && vercmp(y, z).is_le() {
                prop_assert!(vercmp(x, z).is_le(), "{x} <= {y} <= {z} but not {x} <= {z}");
            }
        }
    }
}
