//! Reading the end of a build log: the part that says why it failed, without reading a
//! gigabyte of compiler output.

use std::io::SeekFrom;
use std::path::Path;

use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// How much of a log's end [`crate::classify_log`] reads: makepkg's verdict and the tool
/// output before it fit easily, a whole `make` log does not need to.
pub const TAIL_BYTES: u64 = 64 * 1024;

/// The last `max_bytes` of the file at `path`, as text (invalid UTF-8 replaced). When the
/// file is longer, the first, cut line is dropped, so every line returned is whole.
pub async fn read_tail(path: &Path, max_bytes: u64) -> std::io::Result<String> {
    let mut file = tokio::fs::File::open(path).await?;
    let len = file.metadata().await?.len();
    let start = len.saturating_sub(max_bytes);
    file.seek(SeekFrom::Start(start)).await?;
    let mut bytes = Vec::with_capacity(usize::try_from(len - start).unwrap_or(0));
    file.read_to_end(&mut bytes).await?;
    if start > 0 {
        // The byte before `start` may have been a newline: then the first line is whole,
        // but dropping it costs one line of context, never a wrong answer.
        let cut = bytes.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
        bytes.drain(..cut);
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
