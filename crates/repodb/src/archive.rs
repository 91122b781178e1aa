//! Walking the tar stream of a sync database and assembling one [`Package`] per package
//! directory (`<name>-<version>/desc`, plus `depends` in old databases, `files` ignored).
//!
//! The walker is incremental so that parsing can run while another thread is still
//! decompressing: [`DbParser::feed`] takes whatever decompressed bytes are available and
//! reports how many it is done with; the caller keeps the rest and appends the next chunk.
//! Package directories are finished only once the next directory's header is seen; the open
//! directory keeps its `desc` text across chunks, so nothing is parsed twice.

use std::sync::Arc;

use archport_vercmp::PkgName;

use crate::desc::{RawFields, parse_desc};
use crate::error::DbErrorKind;
use crate::limits::Limits;
use crate::package::{ARCH, BASE, FILENAME, NAME, Package, VERSION};
use crate::tar_header::{
    BLOCK, DIRECTORY, GNU_LONG_LINK, GNU_LONG_NAME, PAX_GLOBAL, PAX_LOCAL, checksum_ok, entry_size,
    is_regular, is_zero_block, name_fields, pax_path, typeflag, until_nul,
};

/// Incremental reader of one database's tar stream.
pub(crate) struct DbParser {
    repo: Arc<str>,
    limits: Limits,
    packages: Vec<Package>,
    /// The package directory being read; it stays open across calls to `feed`, so every
    /// byte is looked at once however many chunks a directory spans.
    open: Option<Group>,
    /// The last complete entry, for error messages.
    last_entry: Option<String>,
    /// The end-of-archive marker was read.
    finished: bool,
    /// Stream offset of the next byte handed to `feed`, for error messages.
    offset: u64,
}

/// The package directory being read: its name and the texts that make up its fields.
struct Group {
    dir: String,
    /// `desc` and `depends` contents in archive order, copied out of the chunk they came in.
    texts: Vec<Vec<u8>>,
    has_desc: bool,
    entries: u64,
}

impl DbParser {
    /// A parser whose packages will say they come from `repo`, within `limits`.
    pub fn new(repo: Arc<str>, limits: &Limits) -> DbParser {
        DbParser {
            repo,
            limits: *limits,
            packages: Vec::new(),
            open: None,
            last_entry: None,
            finished: false,
            offset: 0,
        }
    }

    /// Whether the end-of-archive marker has been read; later bytes are ignored.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// The packages read, in archive order.
    pub fn into_packages(self) -> Vec<Package> {
        self.packages
    }

    /// The last complete entry, for error messages.
    pub fn last_entry(&self) -> Option<String> {
        self.last_entry.clone()
    }

    /// Reads every entry that `buf` holds completely and returns how many leading bytes of
    /// `buf` are done with; the caller passes the rest again, followed by more data. Only an
    /// entry cut by the end of `buf` (and the pax/GNU headers before it) is passed again, so
    /// the work is linear in the stream. `eof` says no more data will come: then running out
    /// is a truncation.
    pub fn feed(&mut self, buf: &[u8], eof: bool) -> Result<usize, DbErrorKind> {
        if self.finished {
            return Ok(buf.len());
        }
        let mut name = String::new();
        let mut pos = 0;
        // Start of the pax/GNU headers that precede the next entry, and the name they give.
        let mut meta_start: Option<usize> = None;
        let mut long_name: Option<&[u8]> = None;

        while let Some(block) = buf.get(pos..pos + BLOCK) {
            if is_zero_block(block) {
                if let Some(group) = self.open.take() {
                    self.finish_group(group)?;
                }
                self.finished = true;
                return Ok(buf.len());
            }
            if !checksum_ok(block) {
                return Err(self.corrupt(format!(
                    "bad tar header checksum at offset {}",
                    self.offset + pos as u64
                )));
            }
            let size = entry_size(block).ok_or_else(|| {
                self.corrupt(format!(
                    "invalid tar size field at offset {}",
                    self.offset + pos as u64
                ))
            })?;
            // An entry is held whole in the buffer: refuse a huge one before waiting for it.
            if size > self.limits.max_entry_bytes {
                return Err(DbErrorKind::EntryOverLimit {
                    offset: self.offset + pos as u64,
                    size,
                    limit: self.limits.max_entry_bytes,
                });
            }
            let size = usize::try_from(size).unwrap_or(usize::MAX);
            let data_start = pos + BLOCK;
            let data_end = size
                .checked_next_multiple_of(BLOCK)
                .and_then(|padded| data_start.checked_add(padded))
                .unwrap_or(usize::MAX);
            if data_end > buf.len() {
                break;
            }
            let data = &buf[data_start..data_start + size];
            let kind = typeflag(block);
            meta_start.get_or_insert(pos);
            pos = data_end;
            match kind {
                PAX_LOCAL => {
                    if let Some(path) = pax_path(data) {
                        long_name = Some(path);
                    }
                    continue;
                }
                GNU_LONG_NAME => {
                    long_name = Some(until_nul(data));
                    continue;
                }
                PAX_GLOBAL | GNU_LONG_LINK => continue,
                _ => {}
            }
            meta_start = None;

            name.clear();
            match long_name.take() {
                Some(long) => name.push_str(&String::from_utf8_lossy(long)),
                None => {
                    let (prefix, short) = name_fields(block);
                    if !prefix.is_empty() {
                        name.push_str(&String::from_utf8_lossy(prefix));
                        name.push('/');
                    }
                    name.push_str(&String::from_utf8_lossy(short));
                }
            }
            let trimmed = name.trim_end_matches('/');
            let (dir, file) = if kind == DIRECTORY {
                (trimmed, "")
            } else {
                trimmed.rsplit_once('/').unwrap_or(("", trimmed))
            };
            // Top-level files belong to no package; ignore them.
            if !dir.is_empty() {
                if self.open.as_ref().is_none_or(|group| group.dir != dir) {
                    if let Some(done) = self.open.take() {
                        self.finish_group(done)?;
                    }
                    self.open = Some(Group {
                        dir: dir.to_owned(),
                        texts: Vec::new(),
                        has_desc: false,
                        entries: 0,
                    });
                }
                if let Some(group) = &mut self.open {
                    group.entries += 1;
                    if group.entries > self.limits.max_entries_per_package {
                        return Err(DbErrorKind::TooManyEntries {
                            dir: group.dir.clone(),
                            limit: self.limits.max_entries_per_package,
                        });
                    }
                    if is_regular(kind) && (file == "desc" || file == "depends") {
                        group.texts.push(data.to_vec());
                        group.has_desc |= file == "desc";
                    }
                }
            }
            let last = self.last_entry.get_or_insert_with(String::new);
            last.clear();
            last.push_str(&name);
        }

        if eof {
            return Err(DbErrorKind::Truncated {
                after: self.last_entry.clone(),
            });
        }
        let consumed = meta_start.unwrap_or(pos);
        self.offset += consumed as u64;
        Ok(consumed)
    }

    fn corrupt(&self, detail: String) -> DbErrorKind {
        DbErrorKind::Corrupt {
            after: self.last_entry.clone(),
            detail,
        }
    }

    /// Turns the fields of a finished package directory into a [`Package`].
    fn finish_group(&mut self, group: Group) -> Result<(), DbErrorKind> {
        let dir = group.dir.as_str();
        if !group.has_desc {
            return Err(DbErrorKind::MissingDesc {
                dir: dir.to_owned(),
            });
        }
        let mut raw = RawFields::default();
        for text in &group.texts {
            parse_desc(text, &mut raw);
        }
        let entry = || format!("{dir}/desc");
        let required = |slot: usize, field: &'static str| {
            raw.scalars[slot]
                .filter(|value| !value.is_empty())
                .ok_or_else(|| DbErrorKind::MissingField {
                    entry: entry(),
                    field,
                })
        };
        let name = required(NAME, "NAME")?;
        let version = required(VERSION, "VERSION")?;
        let base = raw.scalars[BASE].filter(|b| !b.is_empty()).unwrap_or(name);
        // Names end up in paths and command lines; reject bad ones here, at the border.
        for value in [name, base] {
            PkgName::new(&String::from_utf8_lossy(value)).map_err(|error| {
                DbErrorKind::InvalidName {
                    entry: entry(),
                    error,
                }
            })?;
        }
        let scalars = [
            name,
            base,
            version,
            raw.scalars[ARCH].unwrap_or_default(),
            raw.scalars[FILENAME].unwrap_or_default(),
        ];
        let package = Package::from_parts(Arc::clone(&self.repo), scalars, &raw.lists)
            .ok_or_else(|| DbErrorKind::EntryTooLarge { entry: entry() })?;
        self.packages.push(package);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive() -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let long = "l".repeat(150);
        for (i, name) in ["a", "b", long.as_str(), "c"].iter().enumerate() {
            let dir = format!("{name}-{i}-1");
            let desc = format!("%NAME%\n{name}\n\n%VERSION%\n{i}-1\n\n%DEPENDS%\ndep{i}\n");
            let mut header = tar::Header::new_ustar();
            header.set_entry_type(tar::EntryType::Directory);
            header.set_size(0);
            builder
                .append_data(&mut header, format!("{dir}/"), std::io::empty())
                .unwrap();
            let mut header = tar::Header::new_ustar();
            header.set_size(desc.len() as u64);
            // Names past 100 bytes get a GNU long-name entry from the tar crate.
            builder
                .append_data(&mut header, format!("{dir}/desc"), desc.as_bytes())
                .unwrap();
        }
        builder.into_inner().unwrap()
    }

    fn parse_in_chunks(bytes: &[u8], chunk: usize) -> Vec<Package> {
        let mut parser = DbParser::new(Arc::from("core"), &Limits::default());
        let mut pending = Vec::new();
        for piece in bytes.chunks(chunk) {
            pending.extend_from_slice(piece);
            let consumed = parser.feed(&pending, false).unwrap();
            pending.drain(..consumed);
        }
        parser.feed(&pending, true).unwrap();
        parser.into_packages()
    }

    #[test]
    fn any_chunking_gives_the_same_packages() {
        let bytes = archive();
        let whole = parse_in_chunks(&bytes, bytes.len());
        let names: Vec<_> = whole.iter().map(Package::name).collect();
        assert_eq!(names, ["a", "b", "l".repeat(150).as_str(), "c"]);
        assert_eq!(whole[2].depends().collect::<Vec<_>>(), ["dep2"]);
        for chunk in [1, 7, 511, 512, 513, 1000, 4096] {
            assert_eq!(parse_in_chunks(&bytes, chunk), whole, "chunk {chunk}");
        }
    }

    #[test]
    fn running_out_mid_archive_is_a_truncation_after_the_last_entry() {
        let bytes = archive();
        let mut parser = DbParser::new(Arc::from("core"), &Limits::default());
        let err = parser.feed(&bytes[..512 * 5], true).unwrap_err();
        assert_eq!(err.to_string(), "truncated archive after entry b-1-1/");
    }
}
