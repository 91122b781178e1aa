//! Compression of a database file, told by its first bytes (repo-add follows the name the
//! operator chose, and mirrors rename `extra.db.tar.zst` to `extra.db`).

use std::io::Read;

use crate::error::DbErrorKind;
use crate::tar_header::looks_like_tar;

/// How a database file is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compression {
    Gzip,
    Zstd,
    Xz,
    /// A plain tar archive.
    None,
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
const XZ_MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0x00];

/// Tells the compression from the magic bytes.
///
/// An empty file counts as an (empty, hence truncated) tar archive so that the error says
/// "truncated" rather than "unknown compression".
pub(crate) fn detect(bytes: &[u8]) -> Result<Compression, DbErrorKind> {
    if bytes.starts_with(GZIP_MAGIC) {
        Ok(Compression::Gzip)
    } else if bytes.starts_with(ZSTD_MAGIC) {
        Ok(Compression::Zstd)
    } else if bytes.starts_with(XZ_MAGIC) {
        Ok(Compression::Xz)
    } else if bytes.is_empty() || looks_like_tar(bytes) {
        Ok(Compression::None)
    } else {
        let magic = bytes
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ");
        Err(DbErrorKind::UnknownCompression { magic })
    }
}

/// A reader of the decompressed tar stream; `None` for [`Compression::None`], whose bytes are
/// used in place.
pub(crate) fn decoder<'a>(
    compression: Compression,
    bytes: &'a [u8],
) -> std::io::Result<Option<Box<dyn Read + Send + 'a>>> {
    Ok(match compression {
        // Multi-member: `gzip` concatenations are valid gzip files.
        Compression::Gzip => Some(Box::new(flate2::bufread::MultiGzDecoder::new(bytes))),
        Compression::Zstd => Some(Box::new(zstd::stream::read::Decoder::with_buffer(bytes)?)),
        Compression::Xz => Some(Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(
            bytes,
        ))),
        Compression::None => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_decide() {
        assert_eq!(detect(&[0x1f, 0x8b, 8, 0]).unwrap(), Compression::Gzip);
        assert_eq!(
            detect(&[0x28, 0xb5, 0x2f, 0xfd, 0]).unwrap(),
            Compression::Zstd
        );
        assert_eq!(detect(b"\xfd7zXZ\x00\x00").unwrap(), Compression::Xz);
        assert_eq!(detect(&[0u8; 1024]).unwrap(), Compression::None);
        assert_eq!(detect(&[]).unwrap(), Compression::None);
        let err = detect(b"BZh91AY&SY").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown compression (first bytes: 42 5a 68 39 31 41 59 26)"
        );
    }
}
