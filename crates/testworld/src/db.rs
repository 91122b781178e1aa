//! Sync databases as `repo-add` (pacman 6) writes them: a tar archive with, per package, a
//! `<name>-<version>/` directory entry followed by `<name>-<version>/desc`, compressed
//! (gzip by default), stored as `{repo}.db.tar.gz` with `{repo}.db` beside it.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::WorldError;
use crate::hash::{fnv1a, hex_digest};
use crate::pkgbuild::PACKAGER;
use crate::spec::{PackageSpec, PkgbaseSpec};
use crate::tool;

/// The `%BUILDDATE%` of every synthetic entry (2023-11-14): fixed so worlds are reproducible.
pub const SYNTHETIC_BUILDDATE: i64 = 1_700_000_000;

/// The package file extension the world's `%FILENAME%` values use.
pub const PKGEXT: &str = ".pkg.tar.zst";

/// One `desc` entry: every field `repo-add` writes, in the order it writes them.
///
/// Empty strings and empty lists are left out of the rendered entry, as `repo-add` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescEntry {
    /// `%FILENAME%`: `<name>-<version>-<arch><pkgext>`.
    pub filename: String,
    /// `%NAME%`.
    pub name: String,
    /// `%BASE%`.
    pub base: String,
    /// `%VERSION%`.
    pub version: String,
    /// `%DESC%`.
    pub desc: String,
    /// `%GROUPS%`.
    pub groups: Vec<String>,
    /// `%CSIZE%`: the package file's size.
    pub csize: u64,
    /// `%ISIZE%`: the installed size.
    pub isize: u64,
    /// `%MD5SUM%` (pacman 6.0's repo-add writes it; later versions dropped it).
    pub md5sum: Option<String>,
    /// `%SHA256SUM%`.
    pub sha256sum: Option<String>,
    /// `%PGPSIG%`: base64 of a detached signature, when the package was signed.
    pub pgpsig: Option<String>,
    /// `%URL%`.
    pub url: String,
    /// `%LICENSE%`.
    pub license: Vec<String>,
    /// `%ARCH%`.
    pub arch: String,
    /// `%BUILDDATE%` (seconds since the epoch).
    pub builddate: i64,
    /// `%PACKAGER%`.
    pub packager: String,
    /// `%REPLACES%`.
    pub replaces: Vec<String>,
    /// `%CONFLICTS%`.
    pub conflicts: Vec<String>,
    /// `%PROVIDES%`.
    pub provides: Vec<String>,
    /// `%DEPENDS%`.
    pub depends: Vec<String>,
    /// `%OPTDEPENDS%`.
    pub optdepends: Vec<String>,
    /// `%MAKEDEPENDS%`.
    pub makedepends: Vec<String>,
    /// `%CHECKDEPENDS%`.
    pub checkdepends: Vec<String>,
}

/// repo-add's `format_entry`: nothing when the first value is empty, else the key line,
/// the values and a blank line.
fn format_entry<S: AsRef<str>>(out: &mut String, key: &str, values: &[S]) {
    match values.first() {
        Some(first) if !first.as_ref().is_empty() => {}
        _ => return,
    }
    let _ = writeln!(out, "%{key}%");
    for value in values {
        let _ = writeln!(out, "{}", value.as_ref());
    }
    out.push('\n');
}

impl DescEntry {
    /// The entry of `package` (of `pkgbase`) built for `arch`, as repo-add would write it for
    /// the package file makepkg makes from the world's PKGBUILD. File-dependent fields
    /// (sizes, checksums, build date, packager) are synthetic but deterministic.
    pub fn for_package(pkgbase: &PkgbaseSpec, package: &PackageSpec, arch: &str) -> DescEntry {
        let pkg_arch = if pkgbase.is_any() { "any" } else { arch };
        let id = format!("{}-{}-{}", package.name, pkgbase.version, pkg_arch);
        let csize = 1024 + fnv1a(1, id.as_bytes()) % 65536;
        DescEntry {
            filename: format!("{id}{PKGEXT}"),
            name: package.name.clone(),
            base: pkgbase.name.clone(),
            version: pkgbase.version.clone(),
            desc: package.desc.clone(),
            groups: pkgbase.groups.clone(),
            csize,
            isize: csize * 3,
            md5sum: Some(hex_digest(format!("md5 {id}").as_bytes(), 32)),
            sha256sum: Some(hex_digest(format!("sha256 {id}").as_bytes(), 64)),
            pgpsig: None,
            url: pkgbase.url.clone(),
            license: pkgbase.license.clone(),
            arch: pkg_arch.to_owned(),
            builddate: SYNTHETIC_BUILDDATE,
            packager: PACKAGER.to_owned(),
            replaces: package.replaces.clone(),
            conflicts: package.conflicts.clone(),
            provides: package.provides.clone(),
            depends: package.depends.clone(),
            optdepends: package.optdepends.clone(),
            makedepends: pkgbase.makedepends.clone(),
            checkdepends: pkgbase.checkdepends.clone(),
        }
    }

    /// The entries of every package of `pkgbase` built for `arch`.
    pub fn for_pkgbase(pkgbase: &PkgbaseSpec, arch: &str) -> Vec<DescEntry> {
        pkgbase
            .packages
            .iter()
            .map(|package| DescEntry::for_package(pkgbase, package, arch))
            .collect()
    }

    /// The entry's directory in the archive: `<name>-<version>`.
    pub fn dir_name(&self) -> String {
        format!("{}-{}", self.name, self.version)
    }

    /// The `desc` file text, byte for byte what repo-add writes.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let one = |s: &str| [s.to_owned()];
        format_entry(&mut out, "FILENAME", &one(&self.filename));
        format_entry(&mut out, "NAME", &one(&self.name));
        format_entry(&mut out, "BASE", &one(&self.base));
        format_entry(&mut out, "VERSION", &one(&self.version));
        format_entry(&mut out, "DESC", &one(&self.desc));
        format_entry(&mut out, "GROUPS", &self.groups);
        format_entry(&mut out, "CSIZE", &[self.csize.to_string()]);
        format_entry(&mut out, "ISIZE", &[self.isize.to_string()]);
        format_entry(&mut out, "MD5SUM", self.md5sum.as_slice());
        format_entry(&mut out, "SHA256SUM", self.sha256sum.as_slice());
        format_entry(&mut out, "PGPSIG", self.pgpsig.as_slice());
        format_entry(&mut out, "URL", &one(&self.url));
        format_entry(&mut out, "LICENSE", &self.license);
        format_entry(&mut out, "ARCH", &one(&self.arch));
        format_entry(&mut out, "BUILDDATE", &[self.builddate.to_string()]);
        format_entry(&mut out, "PACKAGER", &one(&self.packager));
        format_entry(&mut out, "REPLACES", &self.replaces);
        format_entry(&mut out, "CONFLICTS", &self.conflicts);
        format_entry(&mut out, "PROVIDES", &self.provides);
        format_entry(&mut out, "DEPENDS", &self.depends);
        format_entry(&mut out, "OPTDEPENDS", &self.optdepends);
        format_entry(&mut out, "MAKEDEPENDS", &self.makedepends);
        format_entry(&mut out, "CHECKDEPENDS", &self.checkdepends);
        out
    }
}

/// How a database file is compressed. Readers must detect it by magic bytes; tests use
/// the variants to check that.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Compression {
    /// gzip (what Arch's mirrors serve).
    #[default]
    Gzip,
    /// zstd, through the system `zstd`.
    Zstd,
    /// xz, through the system `xz`.
    Xz,
    /// A plain tar archive.
    None,
}

impl Compression {
    /// Every variant.
    pub const ALL: [Compression; 4] = [
        Compression::Gzip,
        Compression::Zstd,
        Compression::Xz,
        Compression::None,
    ];

    /// The suffix repo-add gives the archive: `{repo}.db.tar{suffix}`.
    pub fn tar_suffix(self) -> &'static str {
        match self {
            Compression::Gzip => ".tar.gz",
            Compression::Zstd => ".tar.zst",
            Compression::Xz => ".tar.xz",
            Compression::None => ".tar",
        }
    }
}

/// One uncompressed tar of `entries` as bsdtar writes it for repo-add: ustar headers owned
/// by root, a directory entry before each `desc`, entries sorted by directory name, the
/// archive padded to bsdtar's 10240-byte records.
pub fn db_tar<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<u8>, WorldError> {
    let mut sorted: Vec<(&str, &str)> = entries.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut builder = tar::Builder::new(Vec::new());
    let tar_err = |name: &str| {
        let entry = name.to_owned();
        move |source| WorldError::Archive { entry, source }
    };
    for (dir, desc) in sorted {
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(tar::EntryType::Directory);
        header.set_mode(0o755);
        header.set_size(0);
        set_common(&mut header);
        builder
            .append_data(&mut header, format!("{dir}/"), std::io::empty())
            .map_err(tar_err(dir))?;
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        header.set_size(desc.len() as u64);
        set_common(&mut header);
        builder
            .append_data(&mut header, format!("{dir}/desc"), desc.as_bytes())
            .map_err(tar_err(dir))?;
    }
    let mut data = builder.into_inner().map_err(tar_err("<archive end>"))?;
    let padded = data.len().div_ceil(10240).max(1) * 10240;
    data.resize(padded, 0);
    Ok(data)
}

fn set_common(header: &mut tar::Header) {
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(SYNTHETIC_BUILDDATE as u64);
    // Both names fit the ustar fields, so these cannot fail.
    let _ = header.set_username("root");
    let _ = header.set_groupname("root");
}

/// The archive of `entries` as one tar, rendered.
pub fn db_tar_of(entries: &[DescEntry]) -> Result<Vec<u8>, WorldError> {
    let rendered: Vec<(String, String)> =
        entries.iter().map(|e| (e.dir_name(), e.render())).collect();
    db_tar(rendered.iter().map(|(d, t)| (d.as_str(), t.as_str())))
}

/// Compresses `tar` with `compression` (zstd and xz through the system tools).
pub fn compress(tar: &[u8], compression: Compression) -> Result<Vec<u8>, WorldError> {
    compress_level(tar, compression, flate2::Compression::default())
}

pub(crate) fn compress_level(
    tar: &[u8],
    compression: Compression,
    gzip_level: flate2::Compression,
) -> Result<Vec<u8>, WorldError> {
    match compression {
        Compression::Gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::with_capacity(tar.len() / 4), gzip_level);
            let gz_err = |source| WorldError::Tool {
                tool: "gzip (flate2)".to_owned(),
                problem: format!("{source}"),
            };
            encoder.write_all(tar).map_err(gz_err)?;
            encoder.finish().map_err(gz_err)
        }
        Compression::Zstd => tool::run("zstd", &["-c", "-z", "-q", "-"], tar),
        Compression::Xz => tool::run("xz", &["-c", "-z", "-"], tar),
        Compression::None => Ok(tar.to_vec()),
    }
}

/// Writes `data` to `path` with archport-fs's atomic write, so a concurrent reader (the HTTP
/// server) sees the old file or the new one, never half of one; creates the directory first.
pub(crate) fn write_atomic(path: &Path, data: &[u8]) -> Result<(), WorldError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(WorldError::io(dir))?;
    archport_fs::write_atomic(path, data).map_err(WorldError::io(path))
}

/// Writes a compressed database into `dir` as repo-add lays it out: `{repo}.db.tar{suffix}`
/// and `{repo}.db` with the same bytes (a copy rather than repo-add's symlink, so the
/// directory can be copied or served anywhere). Archives of other compressions for the same
/// repo are removed so the directory holds one database. Returns the `{repo}.db` path.
pub fn write_db_files(
    dir: &Path,
    repo: &str,
    compressed: &[u8],
    compression: Compression,
) -> Result<PathBuf, WorldError> {
    for other in Compression::ALL {
        if other != compression {
            let stale = dir.join(format!("{repo}.db{}", other.tar_suffix()));
            match std::fs::remove_file(&stale) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(WorldError::io(stale)(e)),
            }
        }
    }
    write_atomic(
        &dir.join(format!("{repo}.db{}", compression.tar_suffix())),
        compressed,
    )?;
    let db = dir.join(format!("{repo}.db"));
    write_atomic(&db, compressed)?;
    Ok(db)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::spec::PkgbaseSpec;

    fn entry() -> DescEntry {
        let spec = PkgbaseSpec::new("zlib", "1:1.3.1-2")
            .depends(["glibc"])
            .provides(["libz.so=1-64"]);
        DescEntry::for_package(&spec, &spec.packages[0], "x86_64")
    }

    #[test]
    fn render_orders_fields_like_repo_add_and_skips_empty_ones() {
        let text = entry().render();
        let keys: Vec<&str> = text.lines().filter(|l| l.starts_with('%')).collect();
        assert_eq!(
            keys,
            [
                "%FILENAME%",
                "%NAME%",
                "%BASE%",
                "%VERSION%",
                "%DESC%",
                "%CSIZE%",
                "%ISIZE%",
                "%MD5SUM%",
                "%SHA256SUM%",
                "%URL%",
                "%LICENSE%",
                "%ARCH%",
                "%BUILDDATE%",
                "%PACKAGER%",
                "%PROVIDES%",
                "%DEPENDS%"
            ]
        );
        assert!(
            text.starts_with("%FILENAME%\nzlib-1:1.3.1-2-x86_64.pkg.tar.zst\n\n%NAME%\nzlib\n\n")
        );
        assert!(text.ends_with("%DEPENDS%\nglibc\n\n"));
    }

    #[test]
    fn any_packages_keep_arch_any() {
        let spec = PkgbaseSpec::new("docs", "1-1").any();
        let e = DescEntry::for_package(&spec, &spec.packages[0], "aarch64");
        assert_eq!(e.arch, "any");
        assert_eq!(e.filename, "docs-1-1-any.pkg.tar.zst");
    }

    #[test]
    fn tar_holds_directory_then_desc_and_is_padded() {
        let e = entry();
        let tar_bytes = db_tar_of(std::slice::from_ref(&e)).unwrap();
        assert_eq!(tar_bytes.len() % 10240, 0);
        let mut archive = tar::Archive::new(tar_bytes.as_slice());
        let listing: Vec<(String, bool)> = archive
            .entries()
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                (
                    entry.path().unwrap().to_string_lossy().into_owned(),
                    entry.header().entry_type().is_dir(),
                )
            })
            .collect();
        assert_eq!(
            listing,
            [
                ("zlib-1:1.3.1-2/".to_owned(), true),
                ("zlib-1:1.3.1-2/desc".to_owned(), false)
            ]
        );
    }

    #[test]
    fn every_compression_starts_with_its_magic() {
        let tar_bytes = db_tar_of(&[entry()]).unwrap();
        let magic: [(Compression, &[u8]); 3] = [
            (Compression::Gzip, &[0x1f, 0x8b]),
            (Compression::Zstd, &[0x28, 0xb5, 0x2f, 0xfd]),
            (Compression::Xz, &[0xfd, b'7', b'z', b'X', b'Z', 0]),
        ];
        for (compression, magic) in magic {
            assert!(
                compress(&tar_bytes, compression)
                    .unwrap()
                    .starts_with(magic),
                "{compression:?}"
            );
        }
        assert_eq!(compress(&tar_bytes, Compression::None).unwrap(), tar_bytes);
    }

    #[test]
    fn write_db_files_replaces_other_compressions() {
        let dir = tempfile::tempdir().unwrap();
        let tar_bytes = db_tar_of(&[entry()]).unwrap();
        let gz = compress(&tar_bytes, Compression::Gzip).unwrap();
        write_db_files(dir.path(), "core", &gz, Compression::Gzip).unwrap();
        assert!(dir.path().join("core.db.tar.gz").exists());
        write_db_files(dir.path(), "core", &tar_bytes, Compression::None).unwrap();
        assert!(!dir.path().join("core.db.tar.gz").exists());
        assert_eq!(
            std::fs::read(dir.path().join("core.db")).unwrap(),
            tar_bytes
        );
        assert_eq!(
            std::fs::read(dir.path().join("core.db.tar")).unwrap(),
            tar_bytes
        );
    }
}
