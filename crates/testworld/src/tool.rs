//! Running external programs with argument vectors, feeding stdin and collecting stdout.

use std::ffi::OsStr;
use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::error::WorldError;

/// Runs `program args...`, writes `stdin` to it (from a separate thread, so a filter that
/// writes while reading cannot deadlock) and returns its stdout; a non-zero exit is an
/// error carrying stderr.
pub(crate) fn run(
    program: &str,
    args: &[impl AsRef<OsStr>],
    stdin: &[u8],
) -> Result<Vec<u8>, WorldError> {
    let fail = |problem: String| WorldError::Tool {
        tool: program.to_owned(),
        problem,
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(format!("cannot start: {e}")))?;
    let mut input = child
        .stdin
        .take()
        .ok_or_else(|| fail("no stdin pipe".to_owned()))?;
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&data));
    let output = child
        .wait_with_output()
        .map_err(|e| fail(format!("cannot wait: {e}")))?;
    let written = writer
        .join()
        .map_err(|_| fail("stdin writer panicked".to_owned()))?;
    if !output.status.success() {
        return Err(fail(format!(
            "{}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    written.map_err(|e| fail(format!("writing stdin: {e}")))?;
    Ok(output.stdout)
}
