//! The parts of a tar header a sync database needs: name, size, type, checksum (ustar, GNU
//! and pax forms, as bsdtar and GNU tar write them).

/// Size of a tar block; headers are one block, data is padded to whole blocks.
pub(crate) const BLOCK: usize = 512;

/// Type flags of the entries that carry something for the next entry (or nothing at all).
pub(crate) const PAX_LOCAL: u8 = b'x';
pub(crate) const PAX_GLOBAL: u8 = b'g';
pub(crate) const GNU_LONG_NAME: u8 = b'L';
pub(crate) const GNU_LONG_LINK: u8 = b'K';
pub(crate) const DIRECTORY: u8 = b'5';

/// Whether an entry of this type holds file data (regular, old-style regular, contiguous).
pub(crate) fn is_regular(typeflag: u8) -> bool {
    matches!(typeflag, b'0' | 0 | b'7')
}

/// A block of zeros marks the end of the archive.
pub(crate) fn is_zero_block(block: &[u8]) -> bool {
    block.iter().all(|&b| b == 0)
}

/// Whether the stored checksum matches the header (unsigned sum, or the signed sum some
/// old writers used).
pub(crate) fn checksum_ok(block: &[u8]) -> bool {
    let Some(stored) = parse_octal(&block[148..156]) else {
        return false;
    };
    let spaces = 8 * u64::from(b' ');
    let unsigned = block[..148]
        .iter()
        .chain(&block[156..BLOCK])
        .map(|&b| u64::from(b))
        .sum::<u64>()
        + spaces;
    if unsigned == stored {
        return true;
    }
    let signed = block[..148]
        .iter()
        .chain(&block[156..BLOCK])
        .map(|&b| i64::from(b as i8))
        .sum::<i64>()
        + spaces as i64;
    i64::try_from(stored).is_ok_and(|stored| stored == signed)
}

/// The first block is a tar header (or the end marker of an empty archive).
pub(crate) fn looks_like_tar(bytes: &[u8]) -> bool {
    bytes
        .get(..BLOCK)
        .is_some_and(|block| is_zero_block(block) || checksum_ok(block))
}

/// The entry's data size: octal text, or GNU base-256 for large values.
pub(crate) fn entry_size(block: &[u8]) -> Option<u64> {
    let field = &block[124..136];
    if field[0] & 0x80 != 0 {
        // Base-256: a set top bit, then a big-endian number; a set second bit is negative.
        if field[0] & 0x40 != 0 {
            return None;
        }
        let mut value = u64::from(field[0] & 0x3f);
        for &b in &field[1..] {
            value = value.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        Some(value)
    } else {
        parse_octal(field)
    }
}

/// Octal digits, optionally preceded by spaces, ended by a space or NUL (or the field's end).
fn parse_octal(field: &[u8]) -> Option<u64> {
    let start = field.iter().position(|&b| b != b' ').unwrap_or(field.len());
    let digits = &field[start..];
    let len = digits
        .iter()
        .position(|b| !(b'0'..=b'7').contains(b))
        .unwrap_or(digits.len());
    if !digits[len..].iter().all(|&b| b == b' ' || b == 0) {
        return None;
    }
    digits[..len].iter().try_fold(0u64, |value, &b| {
        value.checked_mul(8)?.checked_add(u64::from(b - b'0'))
    })
}

/// The type flag byte.
pub(crate) fn typeflag(block: &[u8]) -> u8 {
    block[156]
}

/// The ustar prefix (empty for old or GNU headers) and the name field, without NUL padding.
pub(crate) fn name_fields(block: &[u8]) -> (&[u8], &[u8]) {
    let name = until_nul(&block[..100]);
    // Only POSIX ustar ("ustar\0") has a prefix; GNU's "ustar  " uses those bytes otherwise.
    let prefix = if &block[257..263] == b"ustar\0" {
        until_nul(&block[345..500])
    } else {
        &[]
    };
    (prefix, name)
}

/// The bytes before the first NUL.
pub(crate) fn until_nul(bytes: &[u8]) -> &[u8] {
    match memchr::memchr(0, bytes) {
        Some(at) => &bytes[..at],
        None => bytes,
    }
}

/// The `path` record of a pax extended header (`<len> path=<value>\n`), if any.
pub(crate) fn pax_path(mut data: &[u8]) -> Option<&[u8]> {
    let mut path = None;
    while !data.is_empty() {
        let space = memchr::memchr(b' ', data)?;
        let len: usize = std::str::from_utf8(&data[..space]).ok()?.parse().ok()?;
        if len <= space || len > data.len() {
            return path;
        }
        let record = &data[space + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(value) = record.strip_prefix(b"path=") {
            path = Some(value);
        }
        data = &data[len..];
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_fields() {
        assert_eq!(parse_octal(b"00000001750\0"), Some(1000));
        assert_eq!(parse_octal(b"   1750 \0\0\0\0"), Some(1000));
        assert_eq!(parse_octal(b"\0\0\0\0"), Some(0));
        assert_eq!(parse_octal(b"12x4"), None);
    }

    #[test]
    fn base256_sizes() {
        let mut block = [0u8; BLOCK];
        block[124] = 0x80;
        block[134] = 0x01;
        block[135] = 0x02;
        assert_eq!(entry_size(&block), Some(0x0102));
        block[124] = 0xc0;
        assert_eq!(entry_size(&block), None);
    }

    #[test]
    fn pax_records() {
        let data = b"30 mtime=1700000000.123456789\n20 path=a/long/name\n";
        assert_eq!(pax_path(data), Some(&b"a/long/name"[..]));
        assert_eq!(pax_path(b"30 mtime=1700000000.123456789\n"), None);
        assert_eq!(pax_path(b"garbage"), None);
    }
}
