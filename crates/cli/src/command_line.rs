//! The command line as the tools record it (`_command`, the build queue): the program's file name and
//! its arguments, quoted for a POSIX shell where needed, so it can be pasted back.

use std::ffi::OsString;

use archport_chroot::shell_quote;

/// `generate-build-list --packages vim 'a b'` from `argv` (the program path is cut to its
/// file name). Arguments that are not UTF-8 are shown lossily.
pub fn command_line(argv: impl IntoIterator<Item = OsString>) -> String {
    let mut args = argv.into_iter();
    let program = args
        .next()
        .map(|p| {
            let p = p.to_string_lossy().into_owned();
            p.rsplit('/').next().map(str::to_owned).unwrap_or(p)
        })
        .unwrap_or_default();
    std::iter::once(program)
        .chain(args.map(|a| shell_quote(&a.to_string_lossy()).into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn program_name_and_quoted_arguments() {
        let argv = [
            "/usr/bin/generate-build-list",
            "--packages",
            "vim",
            "a b",
            "it's",
            "",
            "--output=x.json",
        ]
        .map(OsString::from);
        assert_eq!(
            command_line(argv),
            r"generate-build-list --packages vim 'a b' 'it'\''s' '' --output=x.json"
        );
    }
}
