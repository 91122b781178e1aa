//! `alpm_pkg_vercmp` and `rpmvercmp`, ported from pacman's `lib/libalpm/version.c`.

use std::cmp::Ordering;

/// Compares two full package versions (`[epoch:]pkgver[-pkgrel]`) exactly as pacman's
/// `vercmp` does: epoch first, then pkgver, then pkgrel, the latter only when both sides
/// carry one (so `2.38` equals `2.38-1`, which is what dependency constraints rely on).
pub fn vercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (e1, v1, r1) = parse_evr(a);
    let (e2, v2, r2) = parse_evr(b);
    rpmvercmp(e1, e2)
        .then_with(|| rpmvercmp(v1, v2))
        .then_with(|| match (r1, r2) {
            (Some(r1), Some(r2)) => rpmvercmp(r1, r2),
            _ => Ordering::Equal,
        })
}

/// Splits `[epoch:]version[-release]` like pacman's `parseEVR`: the epoch is the leading
/// digits when a `:` follows them (empty means `0`), the release follows the last `-`.
fn parse_evr(evr: &str) -> (&str, &str, Option<&str>) {
    let digits = evr.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &evr[digits..];
    let (epoch, version_and_rel) = match rest.strip_prefix(':') {
        Some(after) if digits == 0 => ("0", after),
        Some(after) => (&evr[..digits], after),
        None => ("0", evr),
    };
    // pacman searches for the last '-' only after the epoch digits; a '-' can't be among them.
    match version_and_rel.rfind('-') {
        Some(i) => (
            epoch,
            &version_and_rel[..i],
            Some(&version_and_rel[i + 1..]),
        ),
        None => (epoch, version_and_rel, None),
    }
}

/// pacman's `rpmvercmp`: compares alternating runs of digits and letters, separated by
/// any other bytes (non-ASCII bytes included, as in the C locale).
fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let a = a.as_bytes();
    let b = b.as_bytes();
    // `one`/`two` are the segment starts, `p1`/`p2` the ends of the previous segments.
    let (mut one, mut two) = (0usize, 0usize);
    let (mut p1, mut p2);
    while one < a.len() && two < b.len() {
        p1 = one;
        p2 = two;
        while one < a.len() && !a[one].is_ascii_alphanumeric() {
            one += 1;
        }
        while two < b.len() && !b[two].is_ascii_alphanumeric() {
            two += 1;
        }
        if one >= a.len() || two >= b.len() {
            break;
        }
        // More separators means newer ("1..0" > "1.0").
        if one - p1 != two - p2 {
            return (one - p1).cmp(&(two - p2));
        }
        p1 = one;
        p2 = two;
        let isnum = a[p1].is_ascii_digit();
        if isnum {
            while p1 < a.len() && a[p1].is_ascii_digit() {
                p1 += 1;
            }
            while p2 < b.len() && b[p2].is_ascii_digit() {
                p2 += 1;
            }
        } else {
            while p1 < a.len() && a[p1].is_ascii_alphabetic() {
                p1 += 1;
            }
            while p2 < b.len() && b[p2].is_ascii_alphabetic() {
                p2 += 1;
            }
        }
        // Segments of different types: numeric is always newer than alpha.
        if two == p2 {
            return if isnum {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (mut s1, mut s2) = (&a[one..p1], &b[two..p2]);
        if isnum {
            while let [b'0', rest @ ..] = s1 {
                s1 = rest;
            }
            while let [b'0', rest @ ..] = s2 {
                s2 = rest;
            }
            match s1.len().cmp(&s2.len()) {
                Ordering::Equal => {}
                other => return other,
            }
        }
        match s1.cmp(s2) {
            Ordering::Equal => {}
            other => return other,
        }
        one = p1;
        two = p2;
    }
    let (rest1, rest2) = (&a[one.min(a.len())..], &b[two.min(b.len())..]);
    if rest1.is_empty() && rest2.is_empty() {
        return Ordering::Equal;
    }
    // The final showdown: a remaining alpha segment never beats an empty string.
    let one_alpha = rest1.first().is_some_and(u8::is_ascii_alphabetic);
    let two_alpha = rest2.first().is_some_and(u8::is_ascii_alphabetic);
    if (rest1.is_empty() && !two_alpha) || one_alpha {
        Ordering::Less
    } else {
        Ordering::Greater
    }
}

/// The git tag the Arch packaging repositories use for a version: the first `:` becomes
/// `-` and every `~` becomes `.` (`1:2.0~rc1-1` is tagged `1-2.0.rc1-1`).
pub fn tag_for_version(version: &str) -> String {
    version.replacen(':', "-", 1).replace('~', ".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    /// pacman's own test vectors (test/util/vercmptest.sh).
    const PACMAN_VECTORS: &[(&str, &str, Ordering)] = &[
        ("1.5.0", "1.5.0", Equal),
        ("1.5.1", "1.5.0", Greater),
        ("1.5.1", "1.5", Greater),
        ("1.5.0", "1.5", Greater),
        ("1.5.1", "1.5", Greater),
        ("1.5.0-1", "1.5.0-1", Equal),
        ("1.5.0-1", "1.5.0-2", Less),
        ("1.5.0-1", "1.5.1-1", Less),
        ("1.5.0-2", "1.5.1-1", Less),
        ("1.5-1", "1.5.1-1", Less),
        ("1.5-2", "1.5.1-1", Less),
        ("1.5-2", "1.5.1-2", Less),
        ("1.5", "1.5-1", Equal),
        ("1.5-1", "1.5", Equal),
        ("1.1-1", "1.1", Equal),
        ("1.0-1", "1.1", Less),
        ("1.1-1", "1.0", Greater),
        ("1.5b-1", "1.5-1", Less),
        ("1.5b", "1.5", Less),
        ("1.5b-1", "1.5", Less),
        ("1.5b", "1.5.1", Less),
        ("1.0a", "1.0alpha", Less),
        ("1.0alpha", "1.0b", Less),
        ("1.0b", "1.0beta", Less),
        ("1.0beta", "1.0rc", Less),
        ("1.0rc", "1.0", Less),
        ("1.5.a", "1.5", Greater),
        ("1.5.b", "1.5.a", Greater),
        ("1.5.1", "1.5.b", Greater),
        ("1.5.b-1", "1.5.b", Equal),
        ("1.5-1", "1.5.b", Less),
        ("2.0", "2_0", Equal),
        ("2.0_a", "2_0.a", Equal),
        ("2.0a", "2.0.a", Less),
        ("2___a", "2_a", Greater),
        ("0:1.0", "0:1.0", Equal),
        ("0:1.0", "0:1.1", Less),
        ("1:1.0", "0:1.0", Greater),
        ("1:1.0", "0:1.1", Greater),
        ("1:1.0", "2:1.1", Less),
        ("0:1.0", "1.0", Equal),
        ("0:1.0", "1.1", Less),
        ("0:1.1", "1.0", Greater),
        ("0:1.1", "1:1.0", Less),
        ("1:1.0", "1.0", Greater),
        ("1:1.0", "1.1", Greater),
        ("1:1.1", "1.1", Greater),
        ("1.1", "1:1.1", Less),
        ("1.0-1", "1.0-1.1", Less),
        ("1.0-1.1", "1.0-1.2", Less),
        ("1.0-1.2", "1.0-2", Less),
        ("1.0-2", "1.0-1.1", Greater),
        ("1.1~rc1", "1.1~rc2", Less),
    ];

    #[test]
    fn pacman_test_vectors() {
        for &(a, b, want) in PACMAN_VECTORS {
            assert_eq!(vercmp(a, b), want, "vercmp({a}, {b})");
            assert_eq!(vercmp(b, a), want.reverse(), "vercmp({b}, {a})");
        }
    }

    #[test]
    fn tags() {
        assert_eq!(tag_for_version("1:2.0-1"), "1-2.0-1");
        assert_eq!(tag_for_version("1:2.0~rc1-1"), "1-2.0.rc1-1");
        assert_eq!(tag_for_version("9.1.1734-1"), "9.1.1734-1");
        assert_eq!(tag_for_version("2:1:0-1"), "2-1:0-1");
    }
}
