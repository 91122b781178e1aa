//! A small deterministic hash: the source of the world's synthetic checksums, sizes,
//! commit ids and pseudo-random choices, so the same input always gives the same world.

/// FNV-1a (64 bit) of `data`, started from `seed` mixed into the offset basis.
pub(crate) fn fnv1a(seed: u64, data: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for &byte in data {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // A final avalanche so that nearby inputs differ in the low bits too.
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^ (hash >> 33)
}

/// `len` lowercase hex digits derived from `data` (a synthetic checksum or commit id).
pub(crate) fn hex_digest(data: &[u8], len: usize) -> String {
    let mut out = String::with_capacity(len + 16);
    let mut seed = 0;
    while out.len() < len {
        out.push_str(&format!("{:016x}", fnv1a(seed, data)));
        seed += 1;
    }
    out.truncate(len);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn digests_are_stable_and_distinct() {
        assert_eq!(hex_digest(b"zlib", 40), hex_digest(b"zlib", 40));
        assert_ne!(hex_digest(b"zlib", 40), hex_digest(b"zlib2", 40));
        assert_eq!(hex_digest(b"x", 64).len(), 64);
        assert!(hex_digest(b"x", 64).bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(fnv1a(0, b"a"), fnv1a(1, b"a"));
    }
}
