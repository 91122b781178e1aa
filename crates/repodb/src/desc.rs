//! Parsing of `desc` (and old-format `depends`) entries: `%KEY%` lines followed by value
//! lines, a blank line between keys.
//!
//! Works on byte slices borrowed from the decompressed archive; nothing is copied until the
//! package is assembled.

use crate::package::{ARCH, BASE, FILENAME, LIST_COUNT, ListField, NAME, SCALAR_COUNT, VERSION};

/// The fields of one package as slices of the archive, gathered from its `desc` entry and,
/// in old databases, its `depends` entry.
#[derive(Default)]
pub(crate) struct RawFields<'a> {
    /// NAME, BASE, VERSION, ARCH, FILENAME: first value line of each.
    pub scalars: [Option<&'a [u8]>; SCALAR_COUNT],
    /// Lists in [`ListField`] order; a key seen twice appends.
    pub lists: [Vec<&'a [u8]>; LIST_COUNT],
}

/// Where the values following a key go.
#[derive(Clone, Copy)]
enum Slot {
    Scalar(usize),
    List(usize),
    Ignored,
}

fn slot_for_key(key: &[u8]) -> Slot {
    match key {
        b"%NAME%" => Slot::Scalar(NAME),
        b"%BASE%" => Slot::Scalar(BASE),
        b"%VERSION%" => Slot::Scalar(VERSION),
        b"%ARCH%" => Slot::Scalar(ARCH),
        b"%FILENAME%" => Slot::Scalar(FILENAME),
        b"%DEPENDS%" => Slot::List(ListField::Depends as usize),
        b"%MAKEDEPENDS%" => Slot::List(ListField::MakeDepends as usize),
        b"%CHECKDEPENDS%" => Slot::List(ListField::CheckDepends as usize),
        b"%OPTDEPENDS%" => Slot::List(ListField::OptDepends as usize),
        b"%PROVIDES%" => Slot::List(ListField::Provides as usize),
        b"%CONFLICTS%" => Slot::List(ListField::Conflicts as usize),
        b"%REPLACES%" => Slot::List(ListField::Replaces as usize),
        _ => Slot::Ignored,
    }
}

/// Adds the fields found in `data` to `out`.
///
/// Unknown keys and stray lines are skipped, as libalpm does; a later scalar value replaces
/// an earlier one, list values accumulate (so a `depends` entry merges into its `desc`).
pub(crate) fn parse_desc<'a>(data: &'a [u8], out: &mut RawFields<'a>) {
    let mut rest = data;
    // `None` between sections, `Some` while reading a key's value lines.
    let mut slot: Option<Slot> = None;
    let mut first_value = false;
    while !rest.is_empty() {
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        match slot {
            None => {
                if line.len() > 2 && line[0] == b'%' && line[line.len() - 1] == b'%' {
                    slot = Some(slot_for_key(line));
                    first_value = true;
                }
            }
            Some(_) if line.is_empty() => slot = None,
            Some(Slot::Scalar(i)) => {
                if first_value {
                    out.scalars[i] = Some(line);
                    first_value = false;
                }
            }
            Some(Slot::List(i)) => out.lists[i].push(line),
            Some(Slot::Ignored) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(slice: Option<&[u8]>) -> Option<&str> {
        slice.map(|s| std::str::from_utf8(s).unwrap())
    }

    #[test]
    fn reads_known_keys_and_skips_unknown_ones() {
        let desc = b"%FILENAME%\nzlib-1:1.3.1-2-x86_64.pkg.tar.zst\n\n%NAME%\nzlib\n\n\
%WEIRD%\n%NAME%\nnot-a-name\n\n%VERSION%\n1:1.3.1-2\n\n%DESC%\nCompression library\n\n\
%DEPENDS%\nglibc\nbash>=5\n\n%MD5SUM%\n00\n";
        let mut raw = RawFields::default();
        parse_desc(desc, &mut raw);
        assert_eq!(text(raw.scalars[NAME]), Some("zlib"));
        assert_eq!(text(raw.scalars[VERSION]), Some("1:1.3.1-2"));
        assert_eq!(text(raw.scalars[BASE]), None);
        assert_eq!(
            text(raw.scalars[FILENAME]),
            Some("zlib-1:1.3.1-2-x86_64.pkg.tar.zst")
        );
        let depends: Vec<_> = raw.lists[ListField::Depends as usize]
            .iter()
            .map(|s| std::str::from_utf8(s).unwrap())
            .collect();
        assert_eq!(depends, ["glibc", "bash>=5"]);
    }

    #[test]
    fn a_second_entry_appends_to_lists() {
        let mut raw = RawFields::default();
        parse_desc(b"%NAME%\na\n\n%DEPENDS%\nb\n", &mut raw);
        parse_desc(b"%DEPENDS%\nc\n\n%PROVIDES%\nd=1\n\n", &mut raw);
        assert_eq!(raw.lists[ListField::Depends as usize], [b"b", b"c"]);
        assert_eq!(raw.lists[ListField::Provides as usize], [b"d=1"]);
    }
}
