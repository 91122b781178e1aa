//! The command line as the tools record it (`_command`, the build queue): the program's file name and
//! its arguments, quoted for a POSIX shell where needed, so it can be pasted back.

use std::ffi::OsString;

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
        .chain(args.map(|a| quote(&a.to_string_lossy())))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One argument quoted for a POSIX shell where needed.
fn quote(arg: &str) -> String {
    match shlex::try_quote(arg) {
        Ok(quoted) => quoted.into_owned(),
        // shlex refuses only NUL, which no argv element can hold; drop it rather than panic.
        Err(_) => quote(&arg.replace('\0', "")),
    }
}

#[cfg(test)]
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
            r#"generate-build-list --packages vim 'a b' "it's" '' '--output=x.json'"#
        );
    }
}
